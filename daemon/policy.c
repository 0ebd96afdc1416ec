/*
 * policy: see policy.h.
 */
#include "policy.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/attrset.h"
#include "bgp/decide.h"
#include "bgp/rib.h"
#include "daemon.h"
#include "kernel.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "peer_io.h"

#define MAX_ADVS	64	/* prefixAdvertisements a set can name */

/* The additions for one combination of matching prefixAdvertisements. */
struct pset {
	uint64_t mask;		/* which plan->prefix_advs matched */
	struct speaker_adds adds;
	uint8_t	*comm, *large;
};

/* The additions of one BGPFilter rule's operations. */
struct rset {
	const struct config_frule *rule;
	struct speaker_adds adds;
	uint8_t	*comm, *large;
	uint32_t *prepend;
};

struct policy {
	struct pset **sets;
	size_t	nsets, cap;
	struct rset **rsets;
	size_t	nrsets, rcap;
};

const struct plan_block *
policy_own_block(const struct plan *pl, const struct ip_prefix *p,
    bool exact)
{
	for (size_t i = 0; i < pl->nblocks; i++) {
		const struct plan_block *b = &pl->blocks[i];

		if (exact ? addr_pfx_eq(&b->cidr, p) :
		    addr_pfx_contains(&b->cidr, p))
			return b;
	}
	return NULL;
}

/* The service ranges this node advertises (CALICO.md 5.2). */
static const struct ip_prefix *
service(const struct plan *pl, size_t i)
{
	return pl->svc_advertise && i < pl->nsvc_ranges ?
	    &pl->svc_ranges[i] : NULL;
}

static void
put32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

/* Append community c to adds, in the wire form, into comm or large. */
static void
add_community(struct speaker_adds *adds, uint8_t *comm, uint8_t *large,
    const struct config_community *c)
{
	if (c->large) {
		uint8_t *o = large + 12 * adds->nlarge++;

		put32(o, c->a);
		put32(o + 4, c->b);
		put32(o + 8, c->c);
	} else {
		put32(comm + 4 * adds->ncommunities++,
		    c->a << 16 | (c->b & 0xffff));
	}
}

static const struct speaker_adds *
additions(struct daemon *d, const struct ip_prefix *p)
{
	const struct plan *pl = &d->plan;
	struct policy *po = d->pol;
	struct pset *s;
	uint64_t mask = 0;
	size_t nc = 0, nl = 0;

	for (size_t i = 0; i < pl->nprefix_advs && i < MAX_ADVS; i++)
		if (addr_pfx_contains(&pl->prefix_advs[i].cidr, p))
			mask |= (uint64_t)1 << i;
	if (mask == 0 || po == NULL)
		return NULL;
	for (size_t i = 0; i < po->nsets; i++)
		if (po->sets[i]->mask == mask)
			return &po->sets[i]->adds;
	s = xcalloc(1, sizeof(*s));
	s->mask = mask;
	for (size_t i = 0; i < pl->nprefix_advs && i < MAX_ADVS; i++) {
		if (!(mask & ((uint64_t)1 << i)))
			continue;
		for (size_t k = 0; k < pl->prefix_advs[i].ncomms; k++)
			if (pl->prefix_advs[i].comms[k].large)
				nl++;
			else
				nc++;
	}
	s->comm = xcalloc(nc ? nc : 1, 4);
	s->large = xcalloc(nl ? nl : 1, 12);
	for (size_t i = 0; i < pl->nprefix_advs && i < MAX_ADVS; i++) {
		if (!(mask & ((uint64_t)1 << i)))
			continue;
		for (size_t k = 0; k < pl->prefix_advs[i].ncomms; k++)
			add_community(&s->adds, s->comm, s->large,
			    &pl->prefix_advs[i].comms[k]);
	}
	s->adds.communities = s->comm;
	s->adds.large = s->large;
	po->sets = xgrow(po->sets, &po->cap, po->nsets + 1,
	    sizeof(*po->sets));
	po->sets[po->nsets++] = s;
	return &s->adds;
}

/* The AS_SEQUENCE ASNs of a canonical AS path, first first. */
static size_t
flat_path(const uint8_t *p, size_t len, uint32_t *out, size_t max)
{
	size_t n = 0, off = 0;

	while (off + 2 <= len) {
		uint8_t type = p[off], count = p[off + 1];

		off += 2;
		for (unsigned i = 0; i < count && off + 4 <= len; i++) {
			if (type == 2 && n < max)
				out[n++] = (uint32_t)p[off] << 24 |
				    (uint32_t)p[off + 1] << 16 |
				    (uint32_t)p[off + 2] << 8 | p[off + 3];
			off += 4;
		}
	}
	return n;
}

/* The additions a rule's addCommunity, prependASPath and setPriority
 * operations make (setPriority: LOCAL_PREF 2^31 - 1 minus it, as confd
 * renders `bgp_local_pref = ...`), or NULL. */
static const struct speaker_adds *
rule_adds(struct daemon *d, const struct config_frule *r)
{
	struct policy *po = d->pol;
	struct rset *s;
	size_t nc = 0, nl = 0, np = 0, nprio = 0;

	for (size_t i = 0; i < r->nops; i++)
		if (r->ops[i].kind == CONFIG_FOP_ADD_COMMUNITY)
			r->ops[i].community.large ? nl++ : nc++;
		else if (r->ops[i].kind == CONFIG_FOP_PREPEND_AS_PATH)
			np += r->ops[i].nasns;
		else if (r->ops[i].kind == CONFIG_FOP_SET_PRIORITY)
			nprio++;
	if (nc + nl + np + nprio == 0 || po == NULL)
		return NULL;
	for (size_t i = 0; i < po->nrsets; i++)
		if (po->rsets[i]->rule == r)
			return &po->rsets[i]->adds;
	s = xcalloc(1, sizeof(*s));
	s->rule = r;
	s->comm = xcalloc(nc ? nc : 1, 4);
	s->large = xcalloc(nl ? nl : 1, 12);
	s->prepend = xcalloc(np ? np : 1, sizeof(uint32_t));
	for (size_t i = 0; i < r->nops; i++) {
		const struct config_fop *op = &r->ops[i];
		size_t n = s->adds.nprepend;

		if (op->kind == CONFIG_FOP_ADD_COMMUNITY) {
			add_community(&s->adds, s->comm, s->large,
			    &op->community);
		} else if (op->kind == CONFIG_FOP_SET_PRIORITY) {
			s->adds.set_local_pref = true;
			s->adds.local_pref = PLAN_PRIO_LP(op->priority);
		} else if (op->kind == CONFIG_FOP_PREPEND_AS_PATH) {
			/* A later prepend goes in front of an earlier. */
			memmove(s->prepend + op->nasns, s->prepend,
			    n * sizeof(uint32_t));
			memcpy(s->prepend, op->asns,
			    op->nasns * sizeof(uint32_t));
			s->adds.nprepend = n + op->nasns;
		}
	}
	s->adds.communities = s->comm;
	s->adds.large = s->large;
	s->adds.prepend = s->prepend;
	po->rsets = xgrow(po->rsets, &po->rcap, po->nrsets + 1,
	    sizeof(*po->rsets));
	po->rsets[po->nrsets++] = s;
	return &s->adds;
}

/* The session's BGPFilters, in order: the first match decides; an
 * accepting rule's operations go into *adds. */
static enum plan_verdict
filters(struct daemon *d, const struct speaker_peer *sp, bool import,
    const struct plan_route *rt, const struct speaker_adds **adds)
{
	const struct conn *c = speaker_peer_io_ctx(sp);

	for (size_t i = 0; c != NULL && i < c->nfilters; i++) {
		const struct config_frule *r;
		enum plan_verdict v = plan_filter_eval(c->filters[i], import,
		    rt, &r);

		if (v == PLAN_ACCEPT)
			*adds = rule_adds(d, r);
		if (v != PLAN_NO_MATCH)
			return v;
	}
	return PLAN_NO_MATCH;
}

static void
route_of(struct daemon *d, const struct speaker_peer *sp,
    const struct ip_prefix *p, bool from_bgp, const struct bgp_attrs *a,
    uint32_t *path, size_t max, struct plan_route *rt)
{
	memset(rt, 0, sizeof(*rt));
	rt->pfx = p;
	rt->from_bgp = from_bgp;
	rt->dev = from_bgp ? NULL : kernel_local_dev(d, p);
	rt->ebgp_session = speaker_peer_ebgp(sp);
	rt->local_pref = DECIDE_DEFAULT_LOCAL_PREF;
	if (a != NULL && (a->present & ATTR_P_LOCAL_PREF))
		rt->local_pref = a->local_pref;
	if (a != NULL) {
		rt->aspath = path;
		rt->naspath = flat_path(a->aspath, a->aspath_len, path, max);
		rt->comms = a->communities;
		rt->ncomms = a->ncommunities;
		rt->large = a->large_communities;
		rt->nlarge = a->nlarge_communities;
	}
}

bool
policy_import(void *arg, const struct speaker_peer *from,
    const struct ip_prefix *p, const struct bgp_attrs *a,
    const struct speaker_adds **adds)
{
	struct daemon *d = arg;
	const struct conn *c = speaker_peer_io_ctx(from);
	struct plan_route rt;
	uint32_t path[64];

	*adds = NULL;
	if (c == NULL || c->nfilters == 0)
		return true;
	route_of(d, from, p, true, a, path, 64, &rt);
	return filters(d, from, true, &rt, adds) != PLAN_REJECT;
}

bool
policy_export(void *arg, const struct speaker_peer *to,
    const struct rib_entry *e, const struct rib_path *best,
    const struct speaker_adds **adds)
{
	struct daemon *d = arg;
	const struct plan *pl = &d->plan;
	struct ip_prefix pfx;
	const struct ip_prefix *p = &pfx;
	const struct plan_pool *pool;
	const struct plan_block *b;
	bool ebgp = speaker_peer_ebgp(to);
	const struct conn *c = speaker_peer_io_ctx(to);

	rib_entry_prefix(e, &pfx);
	pool = plan_pool_of(pl, p);
	*adds = NULL;
	/* BGPFilter export rules come first (CALICO.md 4.7). */
	if (c != NULL && c->nfilters > 0 && best != NULL) {
		struct bgp_attrs a;
		struct plan_route rt;
		uint32_t path[64];
		enum plan_verdict v;

		attrset_view(best->attrs, &a);
		route_of(d, to, p, speaker_path_peer(best) != NULL, &a,
		    path, 64, &rt);
		v = filters(d, to, false, &rt, adds);
		if (v != PLAN_NO_MATCH)
			return v == PLAN_ACCEPT;
	}
	/* 1. */
	if (pool != NULL && pool->disable_bgp_export)
		return false;
	/* 2, 3: Felix's tunnel and eBPF routes. */
	if (best != NULL && speaker_path_peer(best) == NULL) {
		const char *dev = kernel_local_dev(d, p);

		if (dev != NULL && !ebgp && (fnmatch("*.cali", dev, 0) == 0 ||
		    fnmatch("*.calico", dev, 0) == 0 ||
		    (pl->felix_ipip && strcmp(dev, "tunl0") == 0)))
			return false;
		if (dev != NULL && fnmatch("bpf*.cali", dev, 0) == 0)
			return false;
	}
	/* 4. */
	*adds = additions(d, p);
	/* 5.  A route of a higher priority than normal inside the block
	 * (a lower kernel metric: a live-migrated workload's) escapes the
	 * aggregation (confd's calico_aggr: krt_metric < normal). */
	b = policy_own_block(pl, p, false);
	if (b != NULL && b->aggregate)
		return addr_pfx_eq(&b->cidr, p) || (best != NULL &&
		    policy_route_lp(best->attrs) > PLAN_PRIO_LP(
		    policy_normal_priority(pl, p->addr.af)));
	/* 6, 7. */
	if (pl->svc_advertise && plan_is_service_route(pl, p))
		return true;
	if (pl->cluster_id.af != 0) {
		for (size_t i = 0; i < pl->nsvc_lb; i++)
			if (addr_pfx_contains(&pl->svc_lb[i], p))
				return true;
	}
	/* 8, 9. */
	return pool != NULL;
}

uint32_t
policy_normal_priority(const struct plan *pl, int af)
{
	return af == AF_INET6 ? pl->v6_normal_priority :
	    pl->v4_normal_priority;
}

uint32_t
policy_route_lp(const struct attrset *s)
{
	return (s->present & ATTR_P_LOCAL_PREF) ? s->local_pref :
	    DECIDE_DEFAULT_LOCAL_PREF;
}

uint32_t
policy_local_lp(const struct plan *pl, const struct ip_prefix *p,
    uint32_t metric)
{
	return PLAN_PRIO_LP(metric != 0 ? metric :
	    policy_normal_priority(pl, p->addr.af));
}

static void
free_sets(struct policy *po)
{
	for (size_t i = 0; i < po->nsets; i++) {
		free(po->sets[i]->comm);
		free(po->sets[i]->large);
		free(po->sets[i]);
	}
	free(po->sets);
	po->sets = NULL;
	po->nsets = po->cap = 0;
	for (size_t i = 0; i < po->nrsets; i++) {
		free(po->rsets[i]->comm);
		free(po->rsets[i]->large);
		free(po->rsets[i]->prepend);
		free(po->rsets[i]);
	}
	free(po->rsets);
	po->rsets = NULL;
	po->nrsets = po->rcap = 0;
}

static bool
has_service(const struct plan *pl, const struct ip_prefix *p)
{
	return pl != NULL && pl->svc_advertise &&
	    plan_is_service_route(pl, p);
}

/* Whether two filter lists import alike: same filters, same import
 * rules, in the same order. */
static bool
imports_eq(const struct plan_filter *const *a, size_t na,
    const struct plan_filter *const *b, size_t nb)
{
	size_t i = 0, j = 0;

	/* Filters without import rules do not count. */
	for (;;) {
		while (i < na && a[i]->nrules[CONFIG_IMPORT_V4] == 0 &&
		    a[i]->nrules[CONFIG_IMPORT_V6] == 0)
			i++;
		while (j < nb && b[j]->nrules[CONFIG_IMPORT_V4] == 0 &&
		    b[j]->nrules[CONFIG_IMPORT_V6] == 0)
			j++;
		if (i == na || j == nb)
			return i == na && j == nb;
		if (!plan_filter_rules_eq(a[i], b[j], true))
			return false;
		i++;
		j++;
	}
}

static const struct plan_session *
find_session(const struct plan *pl, const char *name)
{
	for (size_t i = 0; i < pl->nsessions; i++)
		if (strcmp(pl->sessions[i].name, name) == 0)
			return &pl->sessions[i];
	return NULL;
}

static void
request_refresh(struct conn *c)
{
	struct session *s = speaker_peer_session(c->peer_sp);

	if (!session_established(s))
		return;
	if (session_request_refresh(s, daemon_now()))
		log_info("%s: import rules changed: asked the peer for its "
		    "routes again (route refresh)", c->name);
	else
		log_warn("%s: import rules changed but the peer cannot "
		    "refresh; routes it already sent keep the old verdict "
		    "until it sends them again", c->name);
}

/* Point every connection at its session's filters in the new plan (the
 * old plan is still alive).  Where the import rules changed, ask the
 * peer for its routes again (RFC 2918) so they pass the new rules, as
 * BIRD's "reload in" does; a peer without route refresh keeps what it
 * sent until it next changes it, which we log. */
static void
bind_filters(struct daemon *d)
{
	const struct plan *pl = &d->plan;

	for (struct conn *c = d->conns; c != NULL; c = c->next) {
		const struct plan_session *s = find_session(pl, c->name);
		const struct plan_filter **old = c->filters;
		size_t nold = c->nfilters;

		c->filters = NULL;
		c->nfilters = 0;
		if (s != NULL && s->nfilters > 0)
			c->filters = xcalloc(s->nfilters,
			    sizeof(*c->filters));
		for (size_t k = 0; s != NULL && k < s->nfilters; k++)
			for (size_t j = 0; j < pl->nfilters; j++)
				if (strcmp(pl->filters[j].name,
				    s->filters[k]) == 0)
					c->filters[c->nfilters++] =
					    &pl->filters[j];
		if (!imports_eq(old, nold, c->filters, c->nfilters))
			request_refresh(c);
		free(old);
	}
}

void
policy_apply(struct daemon *d, const struct plan *old)
{
	const struct ip_prefix *s;
	char buf[ADDR_PFX_STRLEN];

	if (d->pol == NULL)
		d->pol = xcalloc(1, sizeof(*d->pol));
	bind_filters(d);
	/* The speaker's caches hold our old additions: drop them first. */
	speaker_refresh_exports(d->sp);
	free_sets(d->pol);
	for (size_t i = 0; old != NULL && (s = service(old, i)) != NULL; i++)
		if (!has_service(&d->plan, s))
			speaker_withdraw(d->sp, s);
	for (size_t i = 0; (s = service(&d->plan, i)) != NULL; i++)
		if (!has_service(old, s) || policy_local_lp(old, s, 0) !=
		    policy_local_lp(&d->plan, s, 0)) {
			if (!has_service(old, s))
				log_info("advertising service range %s",
				    addr_pfx_fmt(s, buf, sizeof(buf)));
			speaker_originate_lp(d->sp, s,
			    policy_local_lp(&d->plan, s, 0));
		}
}

void
policy_free(struct daemon *d)
{
	if (d->pol == NULL)
		return;
	free_sets(d->pol);
	free(d->pol);
	d->pol = NULL;
}
