/*
 * kmirror: fib's copy of the kernel state that is not ours: links,
 * interface addresses and the main table's routes of other protocols.
 * It answers next-hop resolution (connected, then recursive through
 * those routes, as BIRD's gateway recursive) and reports local prefixes
 * (learnable routes, addresses) through fib's hooks, once per prefix.
 * A resync marks everything, re-reads, and sweeps what was not seen.
 */
#ifndef BGPD_KMIRROR_H
#define BGPD_KMIRROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fib.h"
#include "lib/hash.h"
#include "nl.h"

struct kmirror_addr {
	struct nl_addr a;
	bool	seen;
};

struct kmirror {
	uint32_t table;
	struct fib_hooks hooks;
	struct hash_table links;	/* ifindex -> link */
	struct hash_table kroutes;	/* prefix -> routes */
	struct hash_table old_kroutes;	/* during a resync */
	/* Prefix lengths ever mirrored, per family (bit len of lens[f]
	 * [len / 64]): most conflict checks end here, without a probe. */
	uint64_t lens[2][3];
	struct kmirror_addr *addrs;
	size_t	naddrs, addrs_cap;
	size_t	local_routes;		/* prefixes reported */
};

void	 kmirror_init(struct kmirror *km, uint32_t table,
	    const struct fib_hooks *hooks);
void	 kmirror_free(struct kmirror *km);

/* Events.  kmirror_link() returns the ifindex of a link that went down
 * or away (routes over it are gone), else 0. */
int	 kmirror_link(struct kmirror *km, const struct nl_link *l, bool del);
void	 kmirror_addr(struct kmirror *km, const struct nl_addr *a, bool del);
void	 kmirror_route(struct kmirror *km, const struct nl_route *r,
	    bool del);

/* Resync: mark, (dump), then sweep each kind after its dump. */
void	 kmirror_mark(struct kmirror *km);
void	 kmirror_sweep_links(struct kmirror *km,
	    void (*down)(void *arg, int ifindex), void *arg);
void	 kmirror_sweep_addrs(struct kmirror *km);
void	 kmirror_sweep_routes(struct kmirror *km);

/* Our own route for exactly p (its first next hop), or NULL. */
typedef const struct nl_nh *kmirror_own_fn(void *arg,
	    const struct ip_prefix *p);
/* Resolve a wanted next hop into kernel form; false: unusable now.
 * Recursion looks at other protocols' routes and, through own(), at
 * ours (a reachableBy static, a BGP route); *recursive says whether the
 * answer came from a route (else from a device or a connected subnet,
 * which only links and addresses change). */
bool	 kmirror_resolve(const struct kmirror *km, const struct fib_nh *w,
	    struct nl_nh *out, kmirror_own_fn *own, void *arg,
	    bool *recursive);
int	 kmirror_ifindex(const struct kmirror *km, const char *dev);
/* A route of another protocol holds p at priority prio. */
bool	 kmirror_conflict(const struct kmirror *km, const struct ip_prefix *p,
	    uint32_t prio);
size_t	 kmirror_nlinks(const struct kmirror *km);
/* For listings: a link's name (NULL: none), and the route of another
 * protocol that makes p a local route (the one reported), or NULL. */
const char *kmirror_ifname(const struct kmirror *km, int ifindex);
const struct nl_route *kmirror_learned(const struct kmirror *km,
	    const struct ip_prefix *p);

#endif
