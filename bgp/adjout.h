/*
 * adjout: the Adj-RIB-Out of an update group (RFC 4271 3.2, 9.2): the
 * peers that share an outbound policy (the speaker decides who) share
 * one table and one encoding of each UPDATE, as FRR's update groups and
 * OpenBGPD's do.
 *
 * The table knows, for every prefix, what the group's peers should
 * have (want; NULL: a withdrawal still to reach someone).  Its entries
 * sit on one list in the order they last changed: a change moves an
 * entry to the tail.  Each member peer has a place on that list (its
 * cohort's marker: members at one place share it): what is behind the
 * marker the peer has, what is after it is still to be sent.
 * adjout_flush() takes a cohort's next entries, packs them into UPDATEs
 * once (grouped by attribute set, DESIGN.md: UPDATE packing) and copies
 * the bytes to every member that can take them, then moves the marker
 * past them.  A member whose output is full stays behind in a cohort of
 * its own and later catches up from its place: it is sent each entry
 * that changed since, once, at its latest state, and never needs a copy
 * of the table.  A member that joins starts at the head (every entry).
 * A withdrawal's entry is freed once every member is past it.
 *
 * A path is not sent back to the peer it came from (the member whose
 * src it is): that peer gets the other members' messages without it,
 * and a withdrawal instead when it may have had another path of the
 * prefix from the group before.
 *
 * With ADD-PATH send (RFC 7911; a group has it for all its members or
 * none) an entry is one path of a prefix, and a prefix has as many as
 * the speaker wants the group to have (adjout_set_paths).  Each path is
 * named by its source (which peer it came from, and the path id it came
 * with) and gets a path identifier of ours for as long as it is in the
 * table: kept across attribute changes, and given to another path of
 * the prefix only after its withdrawal reached every member (the entry
 * lives until then).  Paths with one attribute set pack together as
 * prefixes do.
 */
#ifndef BGPD_ADJOUT_H
#define BGPD_ADJOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "attr.h"
#include "attrset.h"
#include "lib/buf.h"
#include "lib/hash.h"

/* A place on a group's list: an entry or a cohort's marker. */
struct adjout_node {
	struct adjout_node *prev, *next;
	uint8_t	kind;		/* ADJOUT_ENTRY, ADJOUT_MARKER */
};

enum {
	ADJOUT_ENTRY,
	ADJOUT_MARKER,
};

/* 64 octets (80 with ADD-PATH: adjout.c's struct xentry around it). */
struct adjout_entry {
	struct adjout_node node;	/* first */
	bool	fresh;		/* only ever src's path (see adjout.c) */
	uint8_t	mark;		/* adjout.c's scratch */
	struct ip_prefix prefix;
	uint32_t path_id;	/* ADD-PATH: ours for this path; else 0 */
	uint32_t src;		/* whose path it is (rib_peer.id; 0: ours) */
	uint64_t seq;		/* when it last changed */
	struct attrset *want;	/* what the members should have, or NULL */
};

struct adjout_cohort;

/* A peer in a group (kept by the caller, e.g. in its peer struct). */
struct adjout_member {
	struct adjout *group;		/* NULL: in none */
	struct adjout_cohort *cohort;
	struct adjout_member *prev, *next;	/* in the cohort */
	struct adjout_member *hnext;	/* the group's members by src */
	uint32_t src;		/* its own paths' src: not sent back */
	size_t	nown;		/* wanted entries whose src is ours */
	void	*ctx;		/* the caller's */
	struct buf_wr *w;	/* adjout_flush()'s scratch */
	uint64_t stamp;
};

/* How a group's UPDATEs are encoded (the same for every member). */
struct adjout_enc {
	struct attr_ctx actx;
	size_t	max_msg;	/* 4096 or 65535 */
	struct ip_addr nh;	/* next hop used when a set has none */
	struct ip_addr nh_ll;
};

struct adjout {
	/* Entries by prefix; with ADD-PATH the first path of each prefix,
	 * the others chained from it. */
	struct hash_table entries;
	struct adjout_node *head, *tail;	/* the list, oldest first */
	struct adjout_cohort *cohorts;	/* in list order */
	struct adjout_member *byid[64];	/* members by src (hashed) */
	size_t	nmembers;
	size_t	nentries;	/* entries, withdrawals still to go included */
	size_t	nwant;		/* entries with a want */
	uint64_t seq;
	uint64_t stamp;
	bool	addpath;	/* ADD-PATH send, every member */
	struct adjout_enc enc;
	void	*scratch;	/* adjout_set_paths()'s (xgrow) */
	size_t	scratch_cap;
	struct adjout_flushbuf *fb;	/* adjout_flush()'s */
};

void	 adjout_init(struct adjout *o, bool addpath,
	    const struct adjout_enc *enc);
/* Every member must have left. */
void	 adjout_free(struct adjout *o);

/* The group's peers should have p with attrs (a reference, handed
 * over), a path whose source is src; or not (attrs NULL).  Without
 * ADD-PATH only. */
void	 adjout_set(struct adjout *o, const struct ip_prefix *p, uint32_t src,
	    struct attrset *attrs);

/* One path an ADD-PATH group should have: which one (its source's name,
 * rib_peer.id, and the path id it came with) and its attributes (a
 * reference, handed over). */
struct adjout_want {
	uint32_t src;
	uint32_t src_id;
	struct attrset *attrs;
};

/* With ADD-PATH: the group should have exactly the paths v[0..n) of p
 * (n may be 0); v is sorted in place. */
void	 adjout_set_paths(struct adjout *o, const struct ip_prefix *p,
	    struct adjout_want *v, size_t n);

/* m (zeroed, or after adjout_leave) joins o at the head: it is to get
 * every entry.  src names its own paths (0: none). */
void	 adjout_join(struct adjout *o, struct adjout_member *m, uint32_t src,
	    void *ctx);
/* m leaves its group (its peer lost everything, or goes elsewhere). */
void	 adjout_leave(struct adjout_member *m);
/* m is to get every entry again (ROUTE-REFRESH, a soft clear). */
void	 adjout_rewind(struct adjout_member *m);
/* Is anything still to be sent to m? */
bool	 adjout_pending(const struct adjout_member *m);
/* What m has or is to get: the wanted entries that are not its own. */
size_t	 adjout_member_count(const struct adjout_member *m);

/* The entry of p (with ADD-PATH: of p and path_id), or NULL. */
const struct adjout_entry *adjout_find(const struct adjout *o,
	    const struct ip_prefix *p, uint32_t path_id);
/* A member other than not (which may be NULL), or NULL. */
struct adjout_member *adjout_any(const struct adjout *o,
	    const struct adjout_member *not);

/* Every entry, each path of a prefix after the other:
 * e = NULL; it = 0; while ((e = adjout_next(o, &it, e)) != NULL) ...
 * The Adj-RIB-Out must not change meanwhile.  With m, only what m has
 * or is to get, and *pending (if given) says whether it is still to go
 * to m. */
const struct adjout_entry *adjout_next(const struct adjout *o, size_t *it,
	    const struct adjout_entry *prev);
const struct adjout_entry *adjout_member_next(const struct adjout_member *m,
	    size_t *it, const struct adjout_entry *prev, bool *pending);

/* Where a flush puts each member's messages. */
struct adjout_sink {
	/* m's output if it may take more now, else NULL. */
	struct buf_wr *(*out)(void *arg, struct adjout_member *m);
	/* n messages were added to m's output. */
	void	(*sent)(void *arg, struct adjout_member *m, unsigned n);
	void	*arg;
};

/*
 * Send what members are to get, to those that can take it.  *budget is
 * the octets the copies may add up to (it goes down; the flush stops
 * near 0).  True if work remains that a member could take now.
 */
bool	 adjout_flush(struct adjout *o, const struct adjout_sink *s,
	    size_t *budget);

/* Encode withdrawals of p[0..n) (ids: ADD-PATH path ids, or NULL) into
 * w as o's members get them; returns how many prefixes fit in one
 * message (0: none). */
size_t	 adjout_encode_withdraw(const struct adjout *o, struct buf_wr *w,
	    const struct ip_prefix *p, const uint32_t *ids, size_t n);

#endif
