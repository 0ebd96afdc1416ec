/*
 * plan_diff: what a reload must do to go from one plan to the next.
 * Sessions pair up by (peer address, port); each pair is KEEP, UPDATE (a
 * change that export/import policy or naming absorbs without a reset) or
 * RESTART (a change to the OPEN or the transport: AS numbers, source
 * address, password, TTL security, graceful restart time, router id).
 */
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "plan.h"

static bool
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool
addr_same(const struct ip_addr *a, const struct ip_addr *b)
{
	if (a->af == 0 || b->af == 0)
		return a->af == b->af;
	return addr_eq(a, b);
}

static bool
strv_eq(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		if (strcmp(a[i], b[i]) != 0)
			return false;
	}
	return true;
}

static uint32_t
session_changes(const struct plan_session *a, const struct plan_session *b)
{
	uint32_t f = 0;

	if (strcmp(a->name, b->name) != 0 || a->type != b->type)
		f |= PLAN_F_NAME;
	if (a->remote_as != b->remote_as)
		f |= PLAN_F_REMOTE_AS;
	if (a->local_as != b->local_as)
		f |= PLAN_F_LOCAL_AS;
	if (a->passive != b->passive)
		f |= PLAN_F_PASSIVE;
	if (a->rr_client != b->rr_client ||
	    !addr_same(&a->rr_cluster_id, &b->rr_cluster_id))
		f |= PLAN_F_RR;
	if (!addr_same(&a->source_addr, &b->source_addr))
		f |= PLAN_F_SOURCE;
	if (!str_eq(a->password_secret, b->password_secret) ||
	    !str_eq(a->password_key, b->password_key))
		f |= PLAN_F_PASSWORD;
	if (a->has_restart_time != b->has_restart_time ||
	    a->restart_time != b->restart_time)
		f |= PLAN_F_RESTART_TIME;
	if (a->has_keepalive_time != b->has_keepalive_time ||
	    a->keepalive_time != b->keepalive_time)
		f |= PLAN_F_KEEPALIVE;
	if (a->ttl_security != b->ttl_security)
		f |= PLAN_F_TTL;
	if (a->next_hop != b->next_hop)
		f |= PLAN_F_NEXT_HOP;
	if (a->allow_local_as != b->allow_local_as)
		f |= PLAN_F_ALLOW_LOCAL_AS;
	if (!addr_same(&a->reachable_by, &b->reachable_by))
		f |= PLAN_F_REACHABLE_BY;
	if (!strv_eq(a->filters, a->nfilters, b->filters, b->nfilters))
		f |= PLAN_F_FILTERS;
	if (!str_eq(a->origin, b->origin) || !str_eq(a->peer_node,
	    b->peer_node) || a->calico_node != b->calico_node)
		f |= PLAN_F_ORIGIN;
	return f;
}

static bool
pfxv_eq(const struct ip_prefix *a, size_t na, const struct ip_prefix *b,
    size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		if (!addr_pfx_eq(&a[i], &b[i]))
			return false;
	}
	return true;
}

static bool
blocks_eq(const struct plan *a, const struct plan *b)
{
	if (a->nblocks != b->nblocks)
		return false;
	for (size_t i = 0; i < a->nblocks; i++) {
		if (!addr_pfx_eq(&a->blocks[i].cidr, &b->blocks[i].cidr) ||
		    a->blocks[i].aggregate != b->blocks[i].aggregate ||
		    a->blocks[i].blackhole != b->blocks[i].blackhole)
			return false;
	}
	return true;
}

static bool
pools_eq(const struct plan *a, const struct plan *b)
{
	if (a->npools != b->npools)
		return false;
	for (size_t i = 0; i < a->npools; i++) {
		const struct plan_pool *x = &a->pools[i], *y = &b->pools[i];

		if (!addr_pfx_eq(&x->cidr, &y->cidr) || x->ipip != y->ipip ||
		    x->vxlan != y->vxlan ||
		    x->nat_outgoing != y->nat_outgoing ||
		    x->disabled != y->disabled ||
		    x->disable_bgp_export != y->disable_bgp_export)
			return false;
	}
	return true;
}

static bool
advs_eq(const struct plan *a, const struct plan *b)
{
	if (a->nprefix_advs != b->nprefix_advs)
		return false;
	for (size_t i = 0; i < a->nprefix_advs; i++) {
		const struct plan_prefix_adv *x = &a->prefix_advs[i];
		const struct plan_prefix_adv *y = &b->prefix_advs[i];

		if (!addr_pfx_eq(&x->cidr, &y->cidr) || x->ncomms != y->ncomms)
			return false;
		for (size_t k = 0; k < x->ncomms; k++) {
			if (x->comms[k].large != y->comms[k].large ||
			    x->comms[k].a != y->comms[k].a ||
			    x->comms[k].b != y->comms[k].b ||
			    x->comms[k].c != y->comms[k].c)
				return false;
		}
	}
	return true;
}

static bool
rule_eq(const struct config_frule *x, const struct config_frule *y)
{
	if (x->accept != y->accept || x->has_cidr != y->has_cidr ||
	    (x->has_cidr && !addr_pfx_eq(&x->cidr, &y->cidr)) ||
	    x->op != y->op || x->has_plen_min != y->has_plen_min ||
	    x->has_plen_max != y->has_plen_max ||
	    x->plen_min != y->plen_min || x->plen_max != y->plen_max ||
	    x->source_remote_peers != y->source_remote_peers ||
	    !str_eq(x->iface, y->iface) || x->peer_type != y->peer_type ||
	    x->has_community != y->has_community ||
	    memcmp(&x->community, &y->community, sizeof(x->community)) != 0 ||
	    x->nas_path_prefix != y->nas_path_prefix ||
	    x->priority != y->priority || x->nops != y->nops)
		return false;
	if (x->nas_path_prefix > 0 && memcmp(x->as_path_prefix,
	    y->as_path_prefix, x->nas_path_prefix * sizeof(uint32_t)) != 0)
		return false;
	for (size_t k = 0; k < x->nops; k++) {
		const struct config_fop *p = &x->ops[k], *q = &y->ops[k];

		if (p->kind != q->kind || p->priority != q->priority ||
		    memcmp(&p->community, &q->community,
		    sizeof(p->community)) != 0 || p->nasns != q->nasns ||
		    (p->nasns > 0 && memcmp(p->asns, q->asns,
		    p->nasns * sizeof(uint32_t)) != 0))
			return false;
	}
	return true;
}

bool
plan_filter_rules_eq(const struct plan_filter *x, const struct plan_filter *y,
    bool import)
{
	for (int d = 0; d < CONFIG_FRULE_NDIRS; d++) {
		bool imp = d == CONFIG_IMPORT_V4 || d == CONFIG_IMPORT_V6;

		if (imp != import)
			continue;
		if (x->nrules[d] != y->nrules[d])
			return false;
		for (size_t k = 0; k < x->nrules[d]; k++)
			if (!rule_eq(&x->rules[d][k], &y->rules[d][k]))
				return false;
	}
	return true;
}

static bool
filters_eq(const struct plan *a, const struct plan *b)
{
	if (a->nfilters != b->nfilters)
		return false;
	for (size_t i = 0; i < a->nfilters; i++) {
		const struct plan_filter *x = &a->filters[i];
		const struct plan_filter *y = &b->filters[i];

		if (strcmp(x->name, y->name) != 0 ||
		    !plan_filter_rules_eq(x, y, true) ||
		    !plan_filter_rules_eq(x, y, false))
			return false;
	}
	return true;
}

static bool
policy_eq(const struct plan *a, const struct plan *b)
{
	return pools_eq(a, b) && advs_eq(a, b) && filters_eq(a, b) &&
	    pfxv_eq(a->svc_cluster, a->nsvc_cluster, b->svc_cluster,
	    b->nsvc_cluster) &&
	    pfxv_eq(a->svc_external, a->nsvc_external, b->svc_external,
	    b->nsvc_external) &&
	    pfxv_eq(a->svc_lb, a->nsvc_lb, b->svc_lb, b->nsvc_lb) &&
	    a->lb_aggregation == b->lb_aggregation &&
	    a->exclude_from_lb == b->exclude_from_lb &&
	    strv_eq(a->ignored_ifaces, a->nignored_ifaces, b->ignored_ifaces,
	    b->nignored_ifaces) &&
	    a->program_routes == b->program_routes &&
	    a->v4_normal_priority == b->v4_normal_priority &&
	    a->v6_normal_priority == b->v6_normal_priority &&
	    addr_same(&a->cluster_id, &b->cluster_id) &&
	    addr_same(&a->addr_v4.addr, &b->addr_v4.addr) &&
	    addr_same(&a->addr_v6.addr, &b->addr_v6.addr) &&
	    a->addr_v4.len == b->addr_v4.len &&
	    a->addr_v6.len == b->addr_v6.len;
}

static void
add_change(struct plan_diff *d, enum plan_action act,
    const struct plan_session *o, const struct plan_session *n,
    uint32_t changed)
{
	struct plan_change *c;

	d->changes = xreallocarray(d->changes, d->n + 1, sizeof(*d->changes));
	c = &d->changes[d->n++];
	c->action = act;
	c->old = o;
	c->new = n;
	c->changed = changed;
	switch (act) {
	case PLAN_KEEP: d->nkeep++; break;
	case PLAN_UPDATE: d->nupdate++; break;
	case PLAN_RESTART: d->nrestart++; break;
	case PLAN_ADD: d->nadd++; break;
	case PLAN_REMOVE: d->nremove++; break;
	}
}

static const struct plan_session *
find_peer(const struct plan *p, const struct plan_session *s)
{
	for (size_t i = 0; i < p->nsessions; i++) {
		if (addr_eq(&p->sessions[i].peer_ip, &s->peer_ip) &&
		    p->sessions[i].peer_port == s->peer_port)
			return &p->sessions[i];
	}
	return NULL;
}

void
plan_diff(const struct plan *old, const struct plan *new,
    struct plan_diff *d)
{
	bool rid = !addr_same(&old->router_id, &new->router_id);

	memset(d, 0, sizeof(*d));
	for (size_t i = 0; i < old->nsessions; i++) {
		const struct plan_session *o = &old->sessions[i];
		const struct plan_session *n = find_peer(new, o);
		uint32_t f;

		if (n == NULL) {
			add_change(d, PLAN_REMOVE, o, NULL, 0);
			continue;
		}
		f = session_changes(o, n) | (rid ? PLAN_F_ROUTER_ID : 0);
		if (f & PLAN_F_NEEDS_RESTART)
			add_change(d, PLAN_RESTART, o, n, f);
		else if (f != 0)
			add_change(d, PLAN_UPDATE, o, n, f);
		else
			add_change(d, PLAN_KEEP, o, n, 0);
	}
	for (size_t i = 0; i < new->nsessions; i++) {
		if (find_peer(old, &new->sessions[i]) == NULL)
			add_change(d, PLAN_ADD, NULL, &new->sessions[i], 0);
	}
	d->listen_changed = old->listen_port != new->listen_port ||
	    old->bind_node_ip != new->bind_node_ip ||
	    (new->bind_node_ip && (!addr_same(&old->addr_v4.addr,
	    &new->addr_v4.addr) || !addr_same(&old->addr_v6.addr,
	    &new->addr_v6.addr)));
	d->originate_changed = !blocks_eq(old, new);
	d->policy_changed = !policy_eq(old, new);
}

void
plan_diff_free(struct plan_diff *d)
{
	free(d->changes);
	memset(d, 0, sizeof(*d));
}

const char *
plan_action_name(enum plan_action a)
{
	static const char *const names[] = {
		[PLAN_KEEP] = "keep", [PLAN_UPDATE] = "update",
		[PLAN_RESTART] = "restart", [PLAN_ADD] = "add",
		[PLAN_REMOVE] = "remove",
	};

	return names[a];
}

const char *
plan_changed_names(uint32_t changed, char *buf, size_t size)
{
	static const char *const names[] = {
		"name", "remote-as", "local-as", "passive", "route-reflector",
		"source-address", "password", "restart-time", "keepalive",
		"ttl-security", "next-hop", "allow-local-as", "reachable-by",
		"filters", "origin", "router-id",
	};
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int n;

		if (!(changed & (1u << i)))
			continue;
		n = snprintf(buf + off, size - off, "%s%s", off ? "," : "",
		    names[i]);
		if (n < 0 || (size_t)n >= size - off)
			break;
		off += (size_t)n;
	}
	return buf;
}
