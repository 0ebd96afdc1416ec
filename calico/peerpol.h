/*
 * peerpol: Calico's route policy toward and from BGP peers (CALICO.md
 * 5.1, 4.7, 5.6), as pure functions of the plan and the route: what
 * confd renders into BIRD's export and import filters.
 *
 * peerpol_export() decides one path of a prefix toward one session,
 * after the plain BGP rules (split horizon, reflection): the session's
 * BGPFilter export rules first, in the BGPPeer's order, the first match
 * accepting (with its operations) or rejecting; then Calico's export
 * filter, calico_export_to_bgp_peers:
 *   1. routes inside a pool with disableBGPExport: never;
 *   2. to iBGP peers, local routes on *.cali / *.calico interfaces
 *      (Felix's VXLAN and WireGuard routes), and on tunl0 when Felix
 *      programs the IPIP routes: no;
 *   3. local routes on bpf*.cali interfaces: no;
 *   4. communities and large communities of every prefixAdvertisement
 *      whose CIDR holds the route are added;
 *   5. this node's affine blocks: the block yes, anything inside no,
 *      unless its priority is higher than normal (calico_aggr);
 *   6. the service ranges this node advertises: yes;
 *   7. on a route reflector, anything inside serviceLoadBalancerIPs;
 *   8. anything inside a pool;
 *   9. nothing else.
 * peerpol_import() applies the session's BGPFilter import rules.
 *
 * Additions (communities, prepends, LOCAL_PREF) are handed out as
 * pointers the speaker caches its transformed attributes by: one per
 * distinct set, kept by the struct peerpol until peerpol_reset().  The
 * caller tells what only it knows of a route: whether it is this node's
 * and on which interface.
 */
#ifndef BGPD_PEERPOL_H
#define BGPD_PEERPOL_H

#include <stdbool.h>
#include <stdint.h>

#include "bgp/attrset.h"
#include "bgp/speaker.h"
struct plan;
struct plan_filter;
struct plan_block;

struct peerpol;

/* The session a decision is for: its BGPFilters in order, and whether
 * it is eBGP (confd's peer AS != the session's local AS). */
struct peerpol_session {
	const struct plan_filter *const *filters;
	size_t	nfilters;
	bool	ebgp;
};

/* A route as the policy sees it. */
struct peerpol_route {
	const struct ip_prefix *pfx;
	const struct attrset *attrs;	/* the path's, or NULL */
	bool	local;			/* originated by this node */
	const char *dev;		/* a local route's interface, or NULL */
};

struct peerpol *peerpol_new(void);
void	 peerpol_free(struct peerpol *pp);
/* The plan's policy changed: the additions handed out are forgotten
 * (the speaker must drop its caches first). */
void	 peerpol_reset(struct peerpol *pp);

bool	 peerpol_export(struct peerpol *pp, const struct plan *pl,
	    const struct peerpol_session *s, const struct peerpol_route *r,
	    const struct speaker_adds **adds);
/* The session's import rules for a received path (its attributes a);
 * false: rejected. */
bool	 peerpol_import(struct peerpol *pp, const struct peerpol_session *s,
	    const struct ip_prefix *p, const struct bgp_attrs *a,
	    const struct speaker_adds **adds);
/* The session's export class (update groups): two sessions of one
 * class get the same answer and additions from peerpol_export() for
 * every route; a positive number, the same for the policy's life. */
uint64_t peerpol_export_class(struct peerpol *pp,
	    const struct peerpol_session *s);
/* Whether two filter lists import alike: the same import rules in the
 * same order (filters without import rules do not count). */
bool	 peerpol_imports_eq(const struct plan_filter *const *a, size_t na,
	    const struct plan_filter *const *b, size_t nb);

/* Calico's route priorities (CALICO.md 5.6): the normal priority of a
 * family (BGPConfiguration ipv4/ipv6NormalRoutePriority); the
 * LOCAL_PREF a path counts with (received, or BIRD's default 100); and
 * the one a local route of p is originated with, 2^31 - 1 minus its
 * kernel metric (0: none, the normal priority). */
uint32_t peerpol_normal_priority(const struct plan *pl, int af);
uint32_t peerpol_route_lp(const struct attrset *s);
uint32_t peerpol_local_lp(const struct plan *pl, const struct ip_prefix *p,
	    uint32_t metric);
/* This node's block equal to (exact) or holding p, or NULL. */
const struct plan_block *peerpol_own_block(const struct plan *pl,
	    const struct ip_prefix *p, bool exact);
/* The service ranges this node originates (CALICO.md 5.2): i-th, or
 * NULL past the last. */
const struct ip_prefix *peerpol_service(const struct plan *pl, size_t i);

#endif
