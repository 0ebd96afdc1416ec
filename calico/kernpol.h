/*
 * kernpol: what Calico's BIRD puts into this node's kernel and what it
 * originates from this node's own routes (CALICO.md 5.3, 5.4, 5.1 steps
 * 1, 5 and 8, 5.6), as pure functions of the plan and the RIB entry:
 * confd's calico_kernel_programming filter, its static reachableBy
 * routes, its `protocol direct` interface list and calico_aggr.
 */
#ifndef BGPD_KERNPOL_H
#define BGPD_KERNPOL_H

#include <stdbool.h>
#include <stdint.h>

#include "bgp/rib.h"
struct plan;
struct plan_session;
struct fib_route;

/*
 * The kernel route for a learned prefix (*out, its prefix set either
 * way), or false when the node programs nothing for it: its own
 * origination, a service range, a pool Felix programs (VXLAN, or left
 * to Felix by programClusterRoutes).  IPIP pools go through tunl0
 * onlink (CrossSubnet only off the node's subnet); the ECMP set is one
 * multipath route; the metric is 2^31 - 1 minus the best path's
 * LOCAL_PREF (the route's priority).  A next hop that is this node's
 * own address is left out.
 */
bool	 kernpol_learned(const struct plan *pl, const struct rib_entry *e,
	    struct fib_route *out);
/* BGPPeer reachableBy: the peer's address via that gateway, for session
 * s (false: it has none). */
bool	 kernpol_reachable(const struct plan_session *s, struct fib_route *r);
/* Interfaces whose addresses are not this node's to learn (`protocol
 * direct`: cali*, kube-ipvs* and BGPConfiguration ignoredInterfaces). */
bool	 kernpol_ignored_dev(const struct plan *pl, const char *dev);
/*
 * Whether this node originates p, a prefix of its own (a route of
 * another protocol with kernel metric metric, 0: none, or an address),
 * and with which LOCAL_PREF (*lp): inside a pool that is exported and
 * not covered by one of its aggregated blocks, unless its metric is
 * below the normal route priority (a live-migrated workload's).
 */
bool	 kernpol_originate(const struct plan *pl, const struct ip_prefix *p,
	    uint32_t metric, uint32_t *lp);

#endif
