/*
 * peerpol: see peerpol.h.
 */
#include "peerpol.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/decide.h"
#include "config/plan.h"
#include "lib/buf.h"
#include "lib/xalloc.h"

#define MAX_ADVS	64	/* prefixAdvertisements a set can name */
#define MAX_PATH	64	/* AS path ASNs a filter looks at */

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

/* An export class: its text (peerpol_export_class). */
struct pclass {
	uint8_t	*key;
	size_t	len;
};

struct peerpol {
	struct pset **sets;
	size_t	nsets, cap;
	struct rset **rsets;
	size_t	nrsets, rcap;
	/* Export classes, for the policy's life (across resets). */
	struct pclass *classes;
	size_t	nclasses, ccap;
};

struct peerpol *
peerpol_new(void)
{
	return xcalloc(1, sizeof(struct peerpol));
}

void
peerpol_reset(struct peerpol *po)
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

void
peerpol_free(struct peerpol *po)
{
	if (po == NULL)
		return;
	peerpol_reset(po);
	for (size_t i = 0; i < po->nclasses; i++)
		free(po->classes[i].key);
	free(po->classes);
	free(po);
}

const struct plan_block *
peerpol_own_block(const struct plan *pl, const struct ip_prefix *p,
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

const struct ip_prefix *
peerpol_service(const struct plan *pl, size_t i)
{
	return pl->svc_advertise && i < pl->nsvc_ranges ?
	    &pl->svc_ranges[i] : NULL;
}

uint32_t
peerpol_normal_priority(const struct plan *pl, int af)
{
	return af == AF_INET6 ? pl->v6_normal_priority :
	    pl->v4_normal_priority;
}

uint32_t
peerpol_route_lp(const struct attrset *s)
{
	return (s->present & ATTR_P_LOCAL_PREF) ? s->local_pref :
	    DECIDE_DEFAULT_LOCAL_PREF;
}

uint32_t
peerpol_local_lp(const struct plan *pl, const struct ip_prefix *p,
    uint32_t metric)
{
	return PLAN_PRIO_LP(metric != 0 ? metric :
	    peerpol_normal_priority(pl, p->addr.af));
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

/* Step 4: the communities of every prefixAdvertisement holding p. */
static const struct speaker_adds *
additions(struct peerpol *po, const struct plan *pl, const struct ip_prefix *p)
{
	struct pset *s;
	uint64_t mask = 0;
	size_t nc = 0, nl = 0;

	for (size_t i = 0; i < pl->nprefix_advs && i < MAX_ADVS; i++)
		if (addr_pfx_contains(&pl->prefix_advs[i].cidr, p))
			mask |= (uint64_t)1 << i;
	if (mask == 0)
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
rule_adds(struct peerpol *po, const struct config_frule *r)
{
	struct rset *s;
	size_t nc = 0, nl = 0, np = 0, nprio = 0;

	for (size_t i = 0; i < r->nops; i++)
		if (r->ops[i].kind == CONFIG_FOP_ADD_COMMUNITY)
			r->ops[i].community.large ? nl++ : nc++;
		else if (r->ops[i].kind == CONFIG_FOP_PREPEND_AS_PATH)
			np += r->ops[i].nasns;
		else if (r->ops[i].kind == CONFIG_FOP_SET_PRIORITY)
			nprio++;
	if (nc + nl + np + nprio == 0)
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
filters(struct peerpol *po, const struct peerpol_session *s, bool import,
    const struct plan_route *rt, const struct speaker_adds **adds)
{
	for (size_t i = 0; i < s->nfilters; i++) {
		const struct config_frule *r;
		enum plan_verdict v = plan_filter_eval(s->filters[i], import,
		    rt, &r);

		if (v == PLAN_ACCEPT)
			*adds = rule_adds(po, r);
		if (v != PLAN_NO_MATCH)
			return v;
	}
	return PLAN_NO_MATCH;
}

/* The route as a BGPFilter sees it; path[MAX_PATH] holds its AS path. */
static void
route_of(const struct peerpol_session *s, const struct ip_prefix *p,
    bool from_bgp, const char *dev, const struct bgp_attrs *a,
    uint32_t *path, struct plan_route *rt)
{
	memset(rt, 0, sizeof(*rt));
	rt->pfx = p;
	rt->from_bgp = from_bgp;
	rt->dev = from_bgp ? NULL : dev;
	rt->ebgp_session = s->ebgp;
	rt->local_pref = DECIDE_DEFAULT_LOCAL_PREF;
	if (a != NULL && (a->present & ATTR_P_LOCAL_PREF))
		rt->local_pref = a->local_pref;
	if (a != NULL) {
		rt->aspath = path;
		rt->naspath = flat_path(a->aspath, a->aspath_len, path,
		    MAX_PATH);
		rt->comms = a->communities;
		rt->ncomms = a->ncommunities;
		rt->large = a->large_communities;
		rt->nlarge = a->nlarge_communities;
	}
}

bool
peerpol_import(struct peerpol *po, const struct peerpol_session *s,
    const struct ip_prefix *p, const struct bgp_attrs *a,
    const struct speaker_adds **adds)
{
	struct plan_route rt;
	uint32_t path[MAX_PATH];

	*adds = NULL;
	if (s->nfilters == 0)
		return true;
	route_of(s, p, true, NULL, a, path, &rt);
	return filters(po, s, true, &rt, adds) != PLAN_REJECT;
}

bool
peerpol_export(struct peerpol *po, const struct plan *pl,
    const struct peerpol_session *s, const struct peerpol_route *r,
    const struct speaker_adds **adds)
{
	const struct ip_prefix *p = r->pfx;
	const struct plan_pool *pool = plan_pool_of(pl, p);
	const struct plan_block *b;

	*adds = NULL;
	/* BGPFilter export rules come first (CALICO.md 4.7). */
	if (s->nfilters > 0 && r->attrs != NULL) {
		struct bgp_attrs a;
		struct plan_route rt;
		uint32_t path[MAX_PATH];
		enum plan_verdict v;

		attrset_view(r->attrs, &a);
		route_of(s, p, !r->local, r->dev, &a, path, &rt);
		v = filters(po, s, false, &rt, adds);
		if (v != PLAN_NO_MATCH)
			return v == PLAN_ACCEPT;
	}
	/* 1. */
	if (pool != NULL && pool->disable_bgp_export)
		return false;
	/* 2, 3: Felix's tunnel and eBPF routes. */
	if (r->local && r->dev != NULL) {
		if (!s->ebgp && (fnmatch("*.cali", r->dev, 0) == 0 ||
		    fnmatch("*.calico", r->dev, 0) == 0 ||
		    (pl->felix_ipip && strcmp(r->dev, "tunl0") == 0)))
			return false;
		if (fnmatch("bpf*.cali", r->dev, 0) == 0)
			return false;
	}
	/* 4. */
	*adds = additions(po, pl, p);
	/* 5.  A route of a higher priority than normal inside the block
	 * (a lower kernel metric: a live-migrated workload's) escapes the
	 * aggregation (confd's calico_aggr: krt_metric < normal). */
	b = peerpol_own_block(pl, p, false);
	if (b != NULL && b->aggregate)
		return addr_pfx_eq(&b->cidr, p) || (r->attrs != NULL &&
		    peerpol_route_lp(r->attrs) > PLAN_PRIO_LP(
		    peerpol_normal_priority(pl, p->addr.af)));
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

/*
 * What peerpol_export() reads of the session is whether it is eBGP and
 * its filters' export rules, in order (the first match decides); all
 * else it reads is the route's and the plan's.  So that pair is the
 * class: eBGP or not, and the names of the session's filters that have
 * export rules (a name is one filter of the plan, its rules the same
 * for every session naming it).  Interned by that text and kept across
 * resets, so a session whose pair did not change keeps its class
 * through a reload.
 */
uint64_t
peerpol_export_class(struct peerpol *po, const struct peerpol_session *s)
{
	struct buf_wr w;
	uint64_t id = 0;

	buf_wr_init(&w, 0);
	buf_put_str(&w, s->ebgp ? "e" : "i");
	for (size_t i = 0; i < s->nfilters; i++) {
		const struct plan_filter *f = s->filters[i];

		if (f->nrules[CONFIG_EXPORT_V4] == 0 &&
		    f->nrules[CONFIG_EXPORT_V6] == 0)
			continue;
		/* A NUL between names: no two lists read alike. */
		buf_put_u8(&w, 0);
		buf_put_str(&w, f->name);
	}
	for (size_t i = 0; i < po->nclasses && id == 0; i++)
		if (po->classes[i].len == w.len &&
		    memcmp(po->classes[i].key, w.data, w.len) == 0)
			id = i + 1;
	if (id == 0) {
		po->classes = xgrow(po->classes, &po->ccap,
		    po->nclasses + 1, sizeof(*po->classes));
		po->classes[po->nclasses].len = w.len;
		po->classes[po->nclasses++].key = buf_wr_detach(&w, NULL);
		id = po->nclasses;
	}
	buf_wr_free(&w);
	return id;
}

bool
peerpol_imports_eq(const struct plan_filter *const *a, size_t na,
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
