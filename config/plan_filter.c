/*
 * plan_filter: BGPFilter rules applied to one route (CALICO.md 4.7).
 * confd renders each filter as a BIRD function of `if (conditions) then
 * accept|reject;` in rule order; the first rule whose conditions all
 * hold decides, and no match falls through to Calico's own policy.
 * Conditions:
 *   cidr + matchOperator   Equal: net = CIDR, NotEqual: net != CIDR,
 *                          In: net inside CIDR, NotIn: not inside;
 *   prefixLength{min,max}  net inside CIDR with min <= length <= max
 *                          (min defaults to the CIDR's length, max to
 *                          32/128);
 *   source RemotePeers     learned over BGP;
 *   interface (glob)       a local route on a matching interface;
 *   peerType eBGP|iBGP     the session the filter is applied on;
 *   communities            the route carries that community;
 *   asPathPrefix           the AS path starts with those ASNs;
 *   priority               the route's priority is that: its
 *                          LOCAL_PREF is 2^31 - 1 minus it, as BIRD's
 *                          `bgp_local_pref = ` test reads it.
 * An accepting rule's operations are the caller's to apply.
 */
#include <fnmatch.h>
#include <string.h>

#include "plan.h"

static bool
cidr_ok(const struct config_frule *r, const struct ip_prefix *p)
{
	bool inside;

	if (!r->has_cidr)
		return true;
	if (r->cidr.addr.af != p->addr.af)
		return false;
	inside = addr_pfx_contains(&r->cidr, p);
	/* prefixLength turns "inside" into BIRD's [ CIDR{min,max} ]. */
	if (r->has_plen_min || r->has_plen_max) {
		unsigned min = r->has_plen_min ? r->plen_min : r->cidr.len;
		unsigned max = r->has_plen_max ? r->plen_max :
		    addr_bits(p->addr.af);

		inside = inside && p->len >= min && p->len <= max;
	}
	switch (r->op) {
	case CONFIG_MATCH_EQUAL:
		return addr_pfx_eq(&r->cidr, p);
	case CONFIG_MATCH_NOT_EQUAL:
		return !addr_pfx_eq(&r->cidr, p);
	case CONFIG_MATCH_NOT_IN:
		return !inside;
	default:
		return inside;
	}
}

static uint32_t
get32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
}

static bool
community_ok(const struct config_frule *r, const struct plan_route *rt)
{
	const struct config_community *c = &r->community;

	if (!r->has_community)
		return true;
	if (!c->large) {
		uint32_t want = c->a << 16 | (c->b & 0xffff);

		for (size_t i = 0; i < rt->ncomms; i++)
			if (get32(rt->comms + 4 * i) == want)
				return true;
		return false;
	}
	for (size_t i = 0; i < rt->nlarge; i++) {
		const uint8_t *l = rt->large + 12 * i;

		if (get32(l) == c->a && get32(l + 4) == c->b &&
		    get32(l + 8) == c->c)
			return true;
	}
	return false;
}

static bool
rule_matches(const struct config_frule *r, const struct plan_route *rt)
{
	if (!cidr_ok(r, rt->pfx))
		return false;
	if (r->source_remote_peers && !rt->from_bgp)
		return false;
	if (r->iface != NULL && (rt->dev == NULL ||
	    fnmatch(r->iface, rt->dev, 0) != 0))
		return false;
	if (r->peer_type == CONFIG_PEERTYPE_EBGP && !rt->ebgp_session)
		return false;
	if (r->peer_type == CONFIG_PEERTYPE_IBGP && rt->ebgp_session)
		return false;
	if (!community_ok(r, rt))
		return false;
	if (r->priority != 0 && rt->local_pref != PLAN_PRIO_LP(r->priority))
		return false;
	if (r->nas_path_prefix > 0) {
		if (rt->naspath < r->nas_path_prefix)
			return false;
		for (size_t i = 0; i < r->nas_path_prefix; i++)
			if (rt->aspath[i] != r->as_path_prefix[i])
				return false;
	}
	return true;
}

enum plan_verdict
plan_filter_eval(const struct plan_filter *f, bool import,
    const struct plan_route *rt, const struct config_frule **matched)
{
	bool v6 = rt->pfx->addr.af == AF_INET6;
	enum config_frule_dir dir = import ?
	    (v6 ? CONFIG_IMPORT_V6 : CONFIG_IMPORT_V4) :
	    (v6 ? CONFIG_EXPORT_V6 : CONFIG_EXPORT_V4);

	for (size_t i = 0; i < f->nrules[dir]; i++) {
		const struct config_frule *r = &f->rules[dir][i];

		if (rule_matches(r, rt)) {
			if (matched != NULL)
				*matched = r;
			return r->accept ? PLAN_ACCEPT : PLAN_REJECT;
		}
	}
	return PLAN_NO_MATCH;
}
