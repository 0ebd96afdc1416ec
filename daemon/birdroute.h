/*
 * birdroute: `show route` for the BIRD control sockets (birdsock.h), as
 * BIRD 1.6 lists its table inside calico/node, one line per route:
 *  - every BGP path bgpd holds for the socket's family (several per
 *    peer with ADD-PATH), named by its session (Mesh_, Node_, Global_),
 *    the RIB's best marked primary (" *"; " !" when the kernel refused
 *    it), "via GW on IF" as BIRD's gateway recursive resolves the next
 *    hop through the kernel's tables (" from NEIGHBOR" when the gateway
 *    is another), "unreachable" when it does not resolve (or bgpd runs
 *    without the kernel);
 *  - what Calico's one static protocol ("static1") holds: a blackhole
 *    per affine block, the service ranges bgpd advertises, the
 *    reachableBy routes to peers;
 *  - the host's own prefixes bgpd learns from the kernel: other
 *    protocols' routes as "kernel1" (Felix's pod routes, a default
 *    route), interface prefixes as "direct1".
 * Options: all (attribute lines), primary, protocol NAME, a prefix
 * (exact) or for PREFIX|ADDR (longest match), stats, count, filtered
 * (bgpd keeps no filtered routes: nothing), table master.
 *
 * A whole-table listing is made in parts, as `bgpd routes` is: the RIB
 * is walked a few buckets at a time (rib_walk; held against shrinking),
 * then the kernel's local prefixes; the socket asks for the next part
 * only when the last one was written.  Routes come in table order.
 */
#ifndef BGPD_BIRDROUTE_H
#define BGPD_BIRDROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "bgp/birdfmt.h"
#include "lib/addr.h"

struct birdroute;
struct view;

struct birdroute_query {
	int	af;		/* the socket's family */
	bool	all;		/* attributes too */
	bool	primary;	/* only each net's primary route */
	bool	filtered;	/* routes import filters kept: none */
	int	stats;		/* 1: a count at the end; 2: only that */
	char	proto[96];	/* "": every protocol */
	bool	one;		/* one net: pfx */
	bool	longest;	/* ... the longest match of pfx */
	struct ip_prefix pfx;
};

/* Is name a protocol of the BIRD that serves family af? */
bool	 birdroute_is_proto(const struct view *v, int af, const char *name);

struct birdroute *birdroute_new(const struct view *v,
	    const struct birdroute_query *q);
void	 birdroute_free(struct birdroute *br);
/* Lines of the answer into f until f->o holds room octets or the answer
 * ended (with its final line): true then. */
bool	 birdroute_next(struct birdroute *br, struct birdfmt *f, size_t room);

#endif
