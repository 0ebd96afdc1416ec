/*
 * policy: Calico's route policy toward BGP peers (CALICO.md 5.1, 5.2).
 *
 * policy_export() is the speaker's export hook, after the plain BGP
 * rules (split horizon, reflection).  The session's BGPFilter export
 * rules come first, in the BGPPeer's order; the first match accepts or
 * rejects.  Then Calico's own export filter:
 *   1. routes inside a pool with disableBGPExport: never;
 *   2. to iBGP peers, local routes on *.cali / *.calico interfaces
 *      (Felix's VXLAN and WireGuard routes), and on tunl0 when Felix
 *      programs the IPIP routes: no;
 *   3. local routes on bpf*.cali interfaces: no;
 *   4. communities and large communities of every prefixAdvertisement
 *      whose CIDR holds the route are added;
 *   5. this node's affine blocks: the block yes, anything inside no;
 *   6. the service ranges this node advertises: yes;
 *   7. on a route reflector, anything inside serviceLoadBalancerIPs;
 *   8. anything inside a pool;
 *   9. nothing else.
 * policy_apply() originates the service ranges of 5.2 (never programmed
 * into the kernel: kernel.c keeps them out).
 */
#ifndef BGPD_POLICY_H
#define BGPD_POLICY_H

#include <stdbool.h>

#include "bgp/speaker.h"
#include "config/plan.h"

struct daemon;

/* The speaker's import hook: the session's BGPFilter import rules, and
 * the operations (addCommunity, prependASPath) of the rule that
 * accepted the route. */
bool	 policy_import(void *arg, const struct speaker_peer *from,
	    const struct ip_prefix *p, const struct bgp_attrs *a,
	    const struct speaker_adds **adds);
/* One path of e (the best, or each with ADD-PATH) toward `to`. */
bool	 policy_export(void *arg, const struct speaker_peer *to,
	    const struct rib_entry *e, const struct rib_path *best,
	    const struct speaker_adds **adds);
/* The plan changed (or started: old NULL): rebuild, re-originate. */
void	 policy_apply(struct daemon *d, const struct plan *old);
void	 policy_free(struct daemon *d);
/* Calico's route priorities (CALICO.md 5.6): the normal priority of a
 * family (BGPConfiguration ipv4/ipv6NormalRoutePriority), and the
 * LOCAL_PREF a path counts with (received, or BIRD's default 100). */
uint32_t policy_normal_priority(const struct plan *pl, int af);
uint32_t policy_route_lp(const struct attrset *s);
/* The LOCAL_PREF a local route of p is originated with: 2^31 - 1 minus
 * its kernel metric (metric 0: none, the normal priority), as confd's
 * export filter sets it. */
uint32_t policy_local_lp(const struct plan *pl, const struct ip_prefix *p,
	    uint32_t metric);
/* This node's block equal to (exact) or holding p, or NULL. */
const struct plan_block *policy_own_block(const struct plan *pl,
	    const struct ip_prefix *p, bool exact);

#endif
