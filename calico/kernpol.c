/*
 * kernpol: see kernpol.h.
 */
#include "kernpol.h"

#include <fnmatch.h>
#include <string.h>

#include "bgp/speaker.h"
#include "config/plan.h"
#include "fib/fib.h"
#include "peerpol.h"

static bool
is_self(const struct plan *pl, const struct ip_addr *a)
{
	return (pl->addr_v4.addr.af != 0 && addr_eq(&pl->addr_v4.addr, a)) ||
	    (pl->addr_v6.addr.af != 0 && addr_eq(&pl->addr_v6.addr, a));
}

bool
kernpol_learned(const struct plan *pl, const struct rib_entry *e,
    struct fib_route *out)
{
	struct ip_prefix pfx;
	const struct ip_prefix *p = &pfx;
	const struct plan_pool *pool;
	const struct rib_path *q;
	bool tunnel = false, cross = false;
	unsigned k = 0;
	uint32_t lp;

	rib_entry_prefix(e, &pfx);
	memset(out, 0, sizeof(*out));
	out->pfx = *p;
	out->type = FIB_UNICAST;
	if (rib_best(e) == NULL || speaker_path_peer(rib_best(e)) == NULL)
		return false;	/* nothing, or our own origination */
	if (plan_in_service_range(pl, p))
		return false;
	/* CALICO.md 5.6: the metric is the route's priority, 2^31 - 1
	 * minus its LOCAL_PREF (100 for one learned over eBGP): 1024 for a
	 * Calico node's normal route, lower for an elevated one.  The ECMP
	 * set shares its LOCAL_PREF (decide.c step 1). */
	lp = peerpol_route_lp(rib_best(e)->attrs);
	out->metric = lp < PLAN_PRIO_BASE ? PLAN_PRIO_BASE - lp : 1;
	pool = plan_pool_of(pl, p);
	if (pool != NULL) {
		if (pool->kernel == PLAN_KERNEL_FELIX)
			return false;
		tunnel = pool->kernel == PLAN_KERNEL_TUNNEL;
		cross = pool->kernel == PLAN_KERNEL_CROSS_SUBNET;
	}
	for (q = rib_best(e); q != NULL && k < (e->necmp ? e->necmp : 1) &&
	    out->nnh < FIB_MAX_NH; q = q->next, k++) {
		const struct ip_addr *gw = &q->attrs->nexthop;
		struct fib_nh *nh;
		bool tun = tunnel;

		if (gw->af != p->addr.af || is_self(pl, gw))
			continue;
		if (cross) {
			struct ip_prefix net = pl->addr_v4;

			addr_pfx_mask(&net);
			tun = net.addr.af == 0 ||
			    !addr_pfx_contains_addr(&net, gw);
		}
		nh = &out->nh[out->nnh++];
		nh->gw = *gw;
		if (tun) {
			strcpy(nh->dev, "tunl0");
			nh->onlink = true;
		}
	}
	return out->nnh > 0;
}

bool
kernpol_reachable(const struct plan_session *s, struct fib_route *r)
{
	if (s->reachable_by.af == 0 || s->reachable_by.af != s->peer_ip.af)
		return false;
	memset(r, 0, sizeof(*r));
	r->type = FIB_UNICAST;
	addr_pfx_host(&r->pfx, &s->peer_ip);
	r->nnh = 1;
	r->nh[0].gw = s->reachable_by;
	return true;
}

bool
kernpol_ignored_dev(const struct plan *pl, const char *dev)
{
	if (strncmp(dev, "cali", 4) == 0 || strncmp(dev, "kube-ipvs", 9) == 0)
		return true;
	for (size_t i = 0; i < pl->nignored_ifaces; i++)
		if (fnmatch(pl->ignored_ifaces[i], dev, 0) == 0)
			return true;
	return false;
}

bool
kernpol_originate(const struct plan *pl, const struct ip_prefix *p,
    uint32_t metric, uint32_t *lp)
{
	const struct plan_pool *pool = plan_pool_of(pl, p);
	const struct plan_block *b = peerpol_own_block(pl, p, false);

	*lp = peerpol_local_lp(pl, p, metric);
	if (pool == NULL || pool->disable_bgp_export)
		return false;
	if (b != NULL && addr_pfx_eq(&b->cidr, p))
		return false;	/* the block itself is originated */
	if (b != NULL && b->aggregate && (metric == 0 ||
	    metric >= peerpol_normal_priority(pl, p->addr.af)))
		return false;	/* the block's aggregate covers it */
	return true;
}
