/*
 * rib: Adj-RIB-In and Loc-RIB in one structure.
 *
 * An entry per prefix holds every peer's path for it, sorted best first by
 * decide_cmp(); the leading paths that decide_ecmp() finds equal to the
 * best form the ECMP set.  Each path is also linked into its peer's list,
 * so a session going down flushes that peer in O(its paths).  A changed
 * entry is queued once on a dirty list; consumers (Adj-RIB-Out, the FIB
 * bridge) drain it in bounded chunks and diff against their own state, so
 * a burst of updates to one prefix costs one export.  The RIB never
 * touches sockets or netlink.
 */
#ifndef BGPD_RIB_H
#define BGPD_RIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/hash.h"
#include "lib/slab.h"

struct attrset;
struct rib_entry;

/* A source of paths: a BGP session, or this node's own origination. */
struct rib_peer {
	struct ip_addr addr;	/* tie-break; unset for local */
	uint32_t router_id;
	uint32_t remote_as;
	bool	ebgp;
	bool	local;		/* locally originated routes */
	size_t	npaths;		/* this peer's paths */
	size_t	nstale;		/* of them flagged stale */
	/* A walk over the table for this peer's paths (flushes). */
	size_t	walk_it;
	unsigned walk_gen;
	void	*owner;		/* for the speaker */
};

#define RIB_PATH_STALE	0x1	/* kept across a peer's graceful restart */

/* A path: 32 octets.  Paths hang off their entry only; what is done to
 * all of a peer's paths walks the table (as BIRD's prune does), which
 * keeps a route's memory down. */
struct rib_path {
	struct rib_path *next;		/* in the entry, best first */
	struct rib_peer *peer;
	struct attrset *attrs;
	uint32_t flags;
};

struct rib_entry {
	struct ip_prefix prefix;
	bool	dirty;
	uint16_t necmp;		/* paths in the ECMP set (0 if none) */
	struct rib_path *paths;
};

struct rib {
	struct hash_table entries;
	struct slab entry_slab, path_slab;
	/* Entries whose best path changed, in order: a ring of ndirty
	 * from dq_head. */
	struct rib_entry **dq;
	size_t	dq_cap, dq_head;
	size_t	ndirty;
	size_t	npaths;
};

void	 rib_init(struct rib *r);
/* Frees every entry and path; peers must have been flushed or not. */
void	 rib_free(struct rib *r);
void	 rib_peer_init(struct rib_peer *p);

/* Add or replace peer's path for p; takes a reference to attrs. */
void	 rib_update(struct rib *r, struct rib_peer *peer,
	    const struct ip_prefix *p, struct attrset *attrs);
/* Remove peer's path for p; true if there was one. */
bool	 rib_withdraw(struct rib *r, struct rib_peer *peer,
	    const struct ip_prefix *p);
/* Remove peer's paths, looking at up to max entries (0: all); returns
 * how many of its paths remain.  Call again until 0. */
size_t	 rib_peer_flush(struct rib *r, struct rib_peer *peer, size_t max);
/* The same for peer's paths flagged stale; returns how many remain. */
size_t	 rib_peer_flush_stale(struct rib *r, struct rib_peer *peer,
	    size_t max);
/* Flag all of peer's paths stale (graceful restart helper). */
void	 rib_peer_mark_stale(struct rib *r, struct rib_peer *peer);

struct rib_entry *rib_lookup(const struct rib *r, const struct ip_prefix *p);
const struct rib_path *rib_best(const struct rib_entry *e);
/* peer's own path in e, or NULL. */
const struct rib_path *rib_path_of(const struct rib_entry *e,
	    const struct rib_peer *peer);
size_t	 rib_count(const struct rib *r);

/* Take the next changed entry (NULL when none). */
struct rib_entry *rib_dirty_pop(struct rib *r);
/* Done with a popped entry: frees it if it has no paths left. */
void	 rib_entry_done(struct rib *r, struct rib_entry *e);

/* Give memory back after a large table drained (between walks: a walk
 * in progress starts over). */
void	 rib_compact(struct rib *r);

/* Iterate entries: size_t it = 0; while ((e = rib_next(r, &it))) ... */
struct rib_entry *rib_next(const struct rib *r, size_t *it);

#endif
