/*
 * kmirror: see kmirror.h.
 */
#include "kmirror.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/rtnetlink.h>

#include "lib/xalloc.h"

struct kroute {
	struct nl_route r;
	struct kroute *next;
};

/* The routes of one prefix, lowest priority first. */
struct kprefix {
	struct ip_prefix pfx;
	struct kroute *routes;
	bool	reported;	/* the hooks were told (learnable) */
	uint32_t metric;	/* the metric they were told */
};

struct link {
	int	ifindex;
	char	name[FIB_IFNAMSIZ];
	bool	up;
	bool	seen;
};

static bool
kprefix_eq(const void *e, const void *k)
{
	return addr_pfx_eq(&((const struct kprefix *)e)->pfx, k);
}

static bool
link_eq(const void *e, const void *k)
{
	return ((const struct link *)e)->ifindex == *(const int *)k;
}

static uint64_t
ifx_hash(int ifindex)
{
	return hash_bytes(&ifindex, sizeof(ifindex));
}

static struct link *
link_find(const struct kmirror *km, int ifindex)
{
	return hash_find(&km->links, ifx_hash(ifindex), link_eq, &ifindex);
}

void
kmirror_init(struct kmirror *km, uint32_t table,
    const struct fib_hooks *hooks)
{
	memset(km, 0, sizeof(*km));
	km->table = table;
	if (hooks != NULL)
		km->hooks = *hooks;
	hash_init(&km->links);
	hash_init(&km->kroutes);
	hash_init(&km->old_kroutes);
}

static void
free_kroutes(struct hash_table *t)
{
	size_t it = 0;
	struct kprefix *k;

	while ((k = hash_next(t, &it)) != NULL) {
		while (k->routes != NULL) {
			struct kroute *n = k->routes;

			k->routes = n->next;
			free(n);
		}
		free(k);
	}
	hash_free(t);
	hash_init(t);
}

void
kmirror_free(struct kmirror *km)
{
	size_t it = 0;
	struct link *l;

	free_kroutes(&km->kroutes);
	free_kroutes(&km->old_kroutes);
	while ((l = hash_next(&km->links, &it)) != NULL)
		free(l);
	hash_free(&km->links);
	free(km->addrs);
	km->addrs = NULL;
}

/* ---- reporting local prefixes ---- */

static bool
learnable(uint8_t proto)
{
	/* BIRD's learn: everything but unspec and kernel (ours never
	 * reaches the mirror). */
	return proto != RTPROT_UNSPEC && proto != RTPROT_KERNEL;
}

static void
report_route(struct kmirror *km, struct kprefix *k)
{
	struct fib_local l;
	const struct nl_route *best = NULL;
	bool want;

	for (struct kroute *r = k->routes; r != NULL; r = r->next)
		if (learnable(r->r.protocol) && r->r.table == km->table) {
			best = &r->r;
			break;
		}
	want = best != NULL;
	if (want == k->reported &&
	    (!want || best->priority == k->metric))
		return;
	memset(&l, 0, sizeof(l));
	/* Reported already, at another metric now (the route priority
	 * of Calico's live migration): an update, not a new instance. */
	l.update = want == k->reported;
	if (!l.update)
		km->local_routes += want ? 1 : (size_t)-1;
	k->reported = want;
	k->metric = want ? best->priority : 0;
	if (km->hooks.local == NULL)
		return;
	l.kind = FIB_LOCAL_ROUTE;
	l.pfx = k->pfx;
	l.metric = k->metric;
	if (best != NULL) {
		struct link *lk;

		l.protocol = best->protocol;
		if (best->nnh > 0 && (lk = link_find(km,
		    best->nh[0].ifindex)) != NULL)
			snprintf(l.dev, sizeof(l.dev), "%s", lk->name);
	}
	km->hooks.local(km->hooks.arg, &l, want);
}

static void
report_addr(struct kmirror *km, const struct nl_addr *a, bool add)
{
	struct fib_local l;
	struct link *lk = link_find(km, a->ifindex);

	if (km->hooks.local == NULL)
		return;
	memset(&l, 0, sizeof(l));
	l.kind = FIB_LOCAL_ADDR;
	l.pfx = a->pfx;
	addr_pfx_mask(&l.pfx);
	if (lk != NULL)
		snprintf(l.dev, sizeof(l.dev), "%s", lk->name);
	km->hooks.local(km->hooks.arg, &l, add);
}

/* ---- events ---- */

static void
kroute_add(struct kmirror *km, const struct nl_route *r)
{
	uint64_t hv = addr_pfx_hash(&r->pfx);
	struct kprefix *k = hash_find(&km->kroutes, hv, kprefix_eq, &r->pfx);
	struct kroute **pp, *n;

	if (k == NULL) {
		struct kprefix *old;
		unsigned len = r->pfx.len;

		k = xcalloc(1, sizeof(*k));
		k->pfx = r->pfx;
		km->lens[r->pfx.addr.af == AF_INET6][len / 64] |=
		    1ull << (len % 64);
		/* In a resync, what the hooks were told carries over. */
		old = hash_find(&km->old_kroutes, hv, kprefix_eq, &r->pfx);
		if (old != NULL) {
			k->reported = old->reported;
			k->metric = old->metric;
		}
		hash_insert(&km->kroutes, hv, k);
	}
	/* Same table and priority: the kernel replaced it. */
	for (pp = &k->routes; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->r.priority == r->priority &&
		    (*pp)->r.table == r->table) {
			n = *pp;
			*pp = n->next;
			free(n);
			break;
		}
	n = xcalloc(1, sizeof(*n));
	n->r = *r;
	for (pp = &k->routes; *pp != NULL &&
	    (*pp)->r.priority <= r->priority; pp = &(*pp)->next)
		;
	n->next = *pp;
	*pp = n;
	report_route(km, k);
}

static void
kroute_del(struct kmirror *km, const struct nl_route *r)
{
	uint64_t hv = addr_pfx_hash(&r->pfx);
	struct kprefix *k = hash_find(&km->kroutes, hv, kprefix_eq, &r->pfx);
	struct kroute **pp, *n;

	if (k == NULL)
		return;
	for (pp = &k->routes; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->r.priority == r->priority &&
		    (*pp)->r.table == r->table &&
		    (*pp)->r.protocol == r->protocol) {
			n = *pp;
			*pp = n->next;
			free(n);
			break;
		}
	report_route(km, k);
	if (k->routes == NULL) {
		hash_remove_entry(&km->kroutes, hv, k);
		free(k);
	}
}

void
kmirror_route(struct kmirror *km, const struct nl_route *r, bool del)
{
	if (r->table != km->table)
		return;
	if (del)
		kroute_del(km, r);
	else
		kroute_add(km, r);
}

int
kmirror_link(struct kmirror *km, const struct nl_link *nl, bool del)
{
	struct link *l = link_find(km, nl->ifindex);
	bool was_up;

	if (del) {
		if (l == NULL)
			return 0;
		hash_remove_entry(&km->links, ifx_hash(l->ifindex), l);
		free(l);
		return nl->ifindex;
	}
	if (l == NULL) {
		l = xcalloc(1, sizeof(*l));
		l->ifindex = nl->ifindex;
		hash_insert(&km->links, ifx_hash(l->ifindex), l);
	}
	was_up = l->up;
	snprintf(l->name, sizeof(l->name), "%s", nl->name);
	l->up = nl->up;
	l->seen = true;
	return was_up && !l->up ? l->ifindex : 0;
}

void
kmirror_addr(struct kmirror *km, const struct nl_addr *a, bool del)
{
	size_t i;

	for (i = 0; i < km->naddrs; i++)
		if (km->addrs[i].a.ifindex == a->ifindex &&
		    addr_pfx_eq(&km->addrs[i].a.pfx, &a->pfx))
			break;
	if (del) {
		if (i == km->naddrs)
			return;
		report_addr(km, &km->addrs[i].a, false);
		km->addrs[i] = km->addrs[--km->naddrs];
	} else if (i == km->naddrs) {
		km->addrs = xgrow(km->addrs, &km->addrs_cap, km->naddrs + 1,
		    sizeof(*km->addrs));
		km->addrs[km->naddrs].a = *a;
		km->addrs[km->naddrs++].seen = true;
		report_addr(km, a, true);
	} else {
		km->addrs[i].seen = true;
	}
}

/* ---- resync ---- */

void
kmirror_mark(struct kmirror *km)
{
	size_t it = 0;
	struct link *l;

	while ((l = hash_next(&km->links, &it)) != NULL)
		l->seen = false;
	for (size_t i = 0; i < km->naddrs; i++)
		km->addrs[i].seen = false;
	free_kroutes(&km->old_kroutes);
	km->old_kroutes = km->kroutes;
	hash_init(&km->kroutes);
}

void
kmirror_sweep_links(struct kmirror *km, void (*down)(void *, int),
    void *arg)
{
	size_t it = 0;
	struct link *l;

	while ((l = hash_next(&km->links, &it)) != NULL)
		if (!l->seen) {
			int ifx = l->ifindex;

			hash_remove_entry(&km->links, ifx_hash(ifx), l);
			free(l);
			down(arg, ifx);
		}
}

void
kmirror_sweep_addrs(struct kmirror *km)
{
	for (size_t i = 0; i < km->naddrs;) {
		if (km->addrs[i].seen) {
			i++;
			continue;
		}
		report_addr(km, &km->addrs[i].a, false);
		km->addrs[i] = km->addrs[--km->naddrs];
	}
}

void
kmirror_sweep_routes(struct kmirror *km)
{
	size_t it = 0;
	struct kprefix *k;

	while ((k = hash_next(&km->old_kroutes, &it)) != NULL) {
		if (!k->reported || hash_find(&km->kroutes,
		    addr_pfx_hash(&k->pfx), kprefix_eq, &k->pfx) != NULL)
			continue;
		/* Gone while we were not listening. */
		while (k->routes != NULL) {
			struct kroute *n = k->routes;

			k->routes = n->next;
			free(n);
		}
		report_route(km, k);
	}
	free_kroutes(&km->old_kroutes);
}

/* ---- resolution ---- */

int
kmirror_ifindex(const struct kmirror *km, const char *dev)
{
	size_t it = 0;
	struct link *l;

	while ((l = hash_next(&km->links, &it)) != NULL)
		if (strcmp(l->name, dev) == 0)
			return l->ifindex;
	return 0;
}

size_t
kmirror_nlinks(const struct kmirror *km)
{
	return hash_count(&km->links);
}

const char *
kmirror_ifname(const struct kmirror *km, int ifindex)
{
	const struct link *l = ifindex != 0 ? link_find(km, ifindex) : NULL;

	return l != NULL ? l->name : NULL;
}

const struct nl_route *
kmirror_learned(const struct kmirror *km, const struct ip_prefix *p)
{
	const struct kprefix *k = hash_find(&km->kroutes, addr_pfx_hash(p),
	    kprefix_eq, p);

	/* The one report_route() told the hooks of. */
	for (const struct kroute *r = k ? k->routes : NULL; r; r = r->next)
		if (learnable(r->r.protocol) && r->r.table == km->table)
			return &r->r;
	return NULL;
}

/* gw directly reachable: on an up link holding an address whose subnet
 * contains it (the longest such subnet wins). */
static int
connected(const struct kmirror *km, const struct ip_addr *gw)
{
	int best = 0;
	unsigned best_len = 0;

	for (size_t i = 0; i < km->naddrs; i++) {
		struct ip_prefix net = km->addrs[i].a.pfx;
		struct link *l;

		if (net.addr.af != gw->af)
			continue;
		addr_pfx_mask(&net);
		if (!addr_pfx_contains_addr(&net, gw))
			continue;
		l = link_find(km, km->addrs[i].a.ifindex);
		if (l == NULL || !l->up)
			continue;
		if (best == 0 || net.len > best_len) {
			best = l->ifindex;
			best_len = net.len;
		}
	}
	return best;
}

/* The kernel's route to gw, longest prefix first: at each length one of
 * other protocols (lowest priority), else one of ours (own()).  The
 * answer's first next hop, or NULL. */
static const struct nl_nh *
lookup(const struct kmirror *km, const struct ip_addr *gw,
    kmirror_own_fn *own, void *arg, bool *blocked)
{
	*blocked = false;
	for (int len = (int)addr_bits(gw->af); len >= 0; len--) {
		const struct nl_nh *nh;
		struct ip_prefix p;
		struct kprefix *k;

		p.addr = *gw;
		p.len = (uint8_t)len;
		addr_pfx_mask(&p);
		k = hash_find(&km->kroutes, addr_pfx_hash(&p), kprefix_eq,
		    &p);
		if (k != NULL && k->routes != NULL) {
			const struct nl_route *r = &k->routes->r;

			if (r->type != RTN_UNICAST || r->nnh == 0) {
				*blocked = true;	/* blackhole etc. */
				return NULL;
			}
			return &r->nh[0];
		}
		if (own != NULL && (nh = own(arg, &p)) != NULL)
			return nh;
	}
	return NULL;
}

bool
kmirror_resolve(const struct kmirror *km, const struct fib_nh *w,
    struct nl_nh *out, kmirror_own_fn *own, void *arg, bool *recursive)
{
	const struct nl_nh *via;
	bool blocked;
	int ifx;

	*recursive = false;
	memset(out, 0, sizeof(*out));
	out->gw = w->gw;
	out->onlink = w->onlink;
	if (w->dev[0] != '\0') {
		struct link *l;

		out->ifindex = kmirror_ifindex(km, w->dev);
		l = out->ifindex ? link_find(km, out->ifindex) : NULL;
		return l != NULL && l->up;
	}
	if (w->gw.af == 0)
		return false;
	if ((ifx = connected(km, &w->gw)) != 0) {
		out->ifindex = ifx;
		return true;
	}
	/* Recursive, one level, as BIRD's gateway recursive: the route
	 * to gw must itself have a directly connected next hop. */
	*recursive = true;
	via = lookup(km, &w->gw, own, arg, &blocked);
	if (via == NULL)
		return false;
	if (via->gw.af != 0) {
		if (connected(km, &via->gw) == 0)
			return false;
		out->gw = via->gw;
	}
	out->ifindex = via->ifindex;
	return out->ifindex != 0;
}

bool
kmirror_conflict(const struct kmirror *km, const struct ip_prefix *p,
    uint32_t prio)
{
	unsigned len = p->len;
	struct kprefix *k;

	if (len > 128 || !(km->lens[p->addr.af == AF_INET6][len / 64] &
	    (1ull << (len % 64))))
		return false;
	k = hash_find(&km->kroutes, addr_pfx_hash(p), kprefix_eq, p);
	if (k == NULL)
		return false;
	for (struct kroute *r = k->routes; r != NULL; r = r->next)
		if (r->r.table == km->table && r->r.priority == prio)
			return true;
	return false;
}
