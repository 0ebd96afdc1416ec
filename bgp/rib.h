/*
 * rib: Adj-RIB-In and Loc-RIB in one structure, one entry per prefix.
 *
 * An entry holds every peer's path for its prefix, sorted best first by
 * decide_cmp(); the leading paths that decide_ecmp() finds equal to the
 * best form the ECMP set.  A changed entry is queued once on a dirty
 * list; consumers (Adj-RIB-Out, the FIB bridge) drain it in bounded
 * chunks and diff against their own state, so a burst of updates to one
 * prefix costs one export.  What is done to all of a peer's paths walks
 * the table a few entries at a time (as BIRD's prune does).  The RIB
 * never touches sockets or netlink.
 *
 * A peer that negotiated ADD-PATH receive (RFC 7911) may have several
 * paths in one entry, told apart by the path identifier it gave each:
 * an announcement replaces only the path with the same (peer, path id),
 * a withdrawal removes only that one, and all of them take part in the
 * decision and the ECMP set like paths of different peers.  Without
 * ADD-PATH the path id is 0, one path per peer.
 *
 * Memory is the point of the layout (issue 15): an entry is one slab
 * object of 48 octets for IPv4 (64 for IPv6) that holds its best path in
 * place, its prefix as family, length and only the address's octets,
 * and, just before the entry, RIB_EXT octets its owner uses for the
 * kernel's state of the route (fib/'s per-route slot: the RIB never
 * reads them beyond asking whether they are all zero); a RIB whose
 * owner keeps no kernel state (rib_no_ext: bgpd --no-kernel) leaves
 * them out, 40 octets for IPv4 (56 for IPv6).  The table's index
 * (lib/itab) adds an 8-octet slot per entry at a load of 0.68 to 0.85.
 * So a route costs one allocation and one hash probe for the RIB and the
 * FIB together.
 * Only a prefix's second and later paths take a 32-octet object each.
 * The dirty queue is a bounded lib/ring: past RIB_DIRTY_RING entries,
 * changed entries are only flagged and found again by a scan of the
 * index, so a load of a million routes does not grow a queue of a
 * million pointers.
 */
#ifndef BGPD_RIB_H
#define BGPD_RIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/itab.h"
#include "lib/ring.h"
#include "lib/slab.h"

struct attrset;
struct rib_entry;

#define RIB_EXT		8	/* the owner's octets per entry */
#define RIB_DIRTY_RING	65536	/* changed entries queued before walking */

/* A resumable walk over the table in the order of the entries' hashes
 * (lib/itab keeps its slots in that order at any size); all zero
 * starts one.  The cursor is the next hash to visit, so a walk goes on
 * across growth, shrinking and removals without seeing an entry
 * twice. */
struct rib_cursor {
	uint64_t next;		/* hashes below are done; 2^32: all */
};

/* A source of paths: a BGP session, or this node's own origination. */
struct rib_peer {
	struct ip_addr addr;	/* tie-break; unset for local */
	uint32_t router_id;
	uint32_t remote_as;
	bool	ebgp;
	bool	local;		/* locally originated routes */
	size_t	npaths;		/* this peer's paths */
	size_t	nstale;		/* of them flagged stale */
	struct rib_cursor walk;	/* flushes and stale marking */
	void	*owner;		/* for the speaker */
	uint32_t id;		/* the owner's name for it (adjout keys) */
};

#define RIB_PATH_STALE	0x1	/* kept across a peer's graceful restart */

/* A path: 32 octets.  The best one lives in its entry; the others hang
 * off it, in order.  Pointers to paths are valid until the entry next
 * changes (a better path moves into the entry's own). */
struct rib_path {
	struct rib_path *next;		/* in the entry, best first */
	struct rib_peer *peer;		/* NULL: the entry has no path */
	struct attrset *attrs;
	uint32_t path_id;		/* the peer's (RFC 7911), or 0 */
	uint32_t flags;
};

/* The owner's RIB_EXT octets (all zero: unused) precede the entry in
 * its object, unless the RIB has none (rib_no_ext). */
struct rib_entry {
	struct rib_path best;		/* the best path, in place */
	uint8_t	dirty;			/* queued or flagged (rib.c) */
	uint8_t	necmp;			/* paths in the ECMP set, or 0 */
	uint8_t	af, len;		/* the prefix ... */
	uint8_t	addr[];			/* ... 4 or 16 octets of it */
};

struct rib_mem {
	size_t	entries4, entries6;	/* entries of each family */
	size_t	entry4_size, entry6_size;	/* octets per entry object */
	size_t	paths;			/* extra path objects */
	size_t	path_size;
	size_t	bucket_bytes;		/* the table's index */
	size_t	ring_bytes;		/* the dirty ring */
};

struct rib {
	struct itab entries;
	size_t	ext;			/* RIB_EXT, or 0: rib_no_ext */
	struct slab entry4_slab, entry6_slab, path_slab;
	/* Changed entries: a ring (lib/ring) of at most RIB_DIRTY_RING;
	 * ndirty counts them and those only flagged (the ring was full),
	 * found by a walk round the index from slot scan. */
	struct ring dq;
	size_t	ndirty;
	size_t	nflagged;
	size_t	scan;			/* the scan's slot in the index */
	size_t	npaths;
	size_t	nroutes;		/* entries with a path */
	unsigned nholds;		/* walks the table must not shrink
					 * under (rib_hold) */
	/* Queue an entry on any change of its paths, not only of its
	 * selection (someone takes every path: ADD-PATH send). */
	bool	all_changes;
};

void	 rib_init(struct rib *r);
/* No owner's octets per entry (nothing keeps kernel state in them):
 * RIB_EXT octets less a route.  Only while the RIB has no entry. */
void	 rib_no_ext(struct rib *r);
/* Frees every entry and path; peers must have been flushed or not. */
void	 rib_free(struct rib *r);
void	 rib_peer_init(struct rib_peer *p);

/* Add or replace peer's path path_id for p; takes a reference to
 * attrs. */
void	 rib_update(struct rib *r, struct rib_peer *peer,
	    const struct ip_prefix *p, uint32_t path_id, struct attrset *attrs);
/* Remove peer's path path_id for p; true if there was one. */
bool	 rib_withdraw(struct rib *r, struct rib_peer *peer,
	    const struct ip_prefix *p, uint32_t path_id);
/* Remove peer's paths, looking at up to max entries (0: all); returns
 * how many of its paths remain.  Call again until 0. */
size_t	 rib_peer_flush(struct rib *r, struct rib_peer *peer, size_t max);
/* The same for peer's paths flagged stale; returns how many remain. */
size_t	 rib_peer_flush_stale(struct rib *r, struct rib_peer *peer,
	    size_t max);
/* Flag all of peer's paths stale (graceful restart helper). */
void	 rib_peer_mark_stale(struct rib *r, struct rib_peer *peer);
/* Long-lived graceful restart (RFC 9494 4.2): each of peer's stale paths
 * gets the attributes fn returns for its own (a new reference; NULL: the
 * path goes), staying stale; looks at up to max entries (0: all) from
 * peer's walk cursor.  True when the walk reached the end.  Start with
 * rib_peer_walk_reset(). */
typedef struct attrset *rib_retag_fn(const struct attrset *a, void *arg);
bool	 rib_peer_retag_stale(struct rib *r, struct rib_peer *peer,
	    size_t max, rib_retag_fn *fn, void *arg);
void	 rib_peer_walk_reset(struct rib_peer *peer);

struct rib_entry *rib_lookup(const struct rib *r, const struct ip_prefix *p);
/* The entry of p, made (without paths) if there is none: for the owner
 * of the EXT octets, which keep it until they are all zero again. */
struct rib_entry *rib_get(struct rib *r, const struct ip_prefix *p);
void	 rib_entry_prefix(const struct rib_entry *e, struct ip_prefix *p);
/* The entry whose EXT octets these are, and back (a RIB with them). */
struct rib_entry *rib_entry_of_ext(void *ext);
uint8_t	*rib_entry_ext(struct rib_entry *e);
const struct rib_path *rib_best(const struct rib_entry *e);
/* peer's path path_id in e, or NULL. */
const struct rib_path *rib_path_of(const struct rib_entry *e,
	    const struct rib_peer *peer, uint32_t path_id);
/* Prefixes with at least one path. */
size_t	 rib_count(const struct rib *r);
/* Entries, with those kept only for their owner or their dirt. */
size_t	 rib_entries(const struct rib *r);
void	 rib_mem(const struct rib *r, struct rib_mem *m);

/* Take the next changed entry (NULL when none, or when a walk for
 * flagged ones ran its course for this call: see ndirty). */
struct rib_entry *rib_dirty_pop(struct rib *r);
/* Done with a popped entry, or with its EXT octets: frees it if it has
 * no paths, is not dirty and its EXT octets are all zero. */
void	 rib_entry_done(struct rib *r, struct rib_entry *e);

/* Give memory back after a large table drained, unless held (walks
 * go on across it, see struct rib_cursor). */
void	 rib_compact(struct rib *r);
/* While held, rib_compact() does nothing (an operator's listing holds
 * the RIB from start to end, so the index keeps its size). */
void	 rib_hold(struct rib *r);
void	 rib_release(struct rib *r);

/* Iterate entries: size_t it = 0; while ((e = rib_next(r, &it))) ...
 * The RIB must not change between calls (use rib_walk for that). */
struct rib_entry *rib_next(const struct rib *r, size_t *it);

/* Call fn for the next entries from *c in hash order, until at least
 * max entries were seen (0: all; entries of one hash are seen in one
 * call); fn may free the entry it is given and nothing else.  Between
 * calls the RIB may change: an entry there from the walk's start to its
 * end is seen exactly once, others maybe, whatever the index did in
 * between.  True when the walk reached the end (*c starts over). */
typedef void rib_walk_fn(struct rib *r, struct rib_entry *e, void *arg);
bool	 rib_walk(struct rib *r, struct rib_cursor *c, size_t max,
	    rib_walk_fn *fn, void *arg);

#endif
