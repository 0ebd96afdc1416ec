/*
 * adjout: one peer's Adj-RIB-Out.  For every prefix it knows what the
 * peer has (sent) and what it should have (want, NULL = withdrawn);
 * prefixes whose two differ wait on a pending list.  adjout_flush()
 * groups pending prefixes by outgoing attribute set and packs each group
 * into as few UPDATEs as fit (DESIGN.md: UPDATE packing), withdrawals
 * likewise, stopping when the output limit is reached.
 *
 * To a peer that negotiated ADD-PATH send (RFC 7911) an entry is one
 * path of a prefix, and a prefix has as many as the speaker wants the
 * peer to have (adjout_set_paths).  Each path is named by its source
 * (which peer it came from, and the path id it came with) and gets a
 * path identifier of ours for as long as the peer has it: kept across
 * attribute changes, and given to another path of the prefix only
 * after its withdrawal went out (the entry lives until then).  Paths
 * with one attribute set pack together as prefixes do.
 */
#ifndef BGPD_ADJOUT_H
#define BGPD_ADJOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "attrset.h"
#include "lib/buf.h"
#include "lib/hash.h"

/* 48 octets (64 with ADD-PATH: adjout.c's struct xentry around it). */
struct adjout_entry {
	struct ip_prefix prefix;
	bool	pending;
	uint8_t	mark;		/* adjout.c's scratch */
	uint32_t path_id;	/* ADD-PATH: ours for this path; else 0 */
	struct attrset *sent;	/* what the peer has, or NULL */
	struct attrset *want;	/* what it should have, or NULL */
	struct adjout_entry *pnext;
};

struct adjout {
	/* Entries by prefix; with ADD-PATH the first path of each prefix,
	 * the others chained from it. */
	struct hash_table entries;
	struct adjout_entry *pending;
	size_t	npending;
	size_t	nsent;		/* prefixes (ADD-PATH: paths) the peer has */
	size_t	nentries;	/* entries, pending withdrawals included */
	bool	addpath;	/* ADD-PATH send negotiated */
	void	*scratch;	/* adjout_set_paths()'s (xgrow) */
	size_t	scratch_cap;
};

void	 adjout_init(struct adjout *o);
void	 adjout_free(struct adjout *o);
/* Send path identifiers or not; only while empty (after a reset). */
void	 adjout_set_addpath(struct adjout *o, bool addpath);
/* The peer should have p with attrs (a new reference), or not (NULL).
 * Without ADD-PATH only. */
void	 adjout_set(struct adjout *o, const struct ip_prefix *p,
	    struct attrset *attrs);

/* One path an ADD-PATH peer should have: which one (its source's name,
 * rib_peer.id, and the path id it came with) and its attributes (a
 * reference, handed over). */
struct adjout_want {
	uint32_t src;
	uint32_t src_id;
	struct attrset *attrs;
};

/* With ADD-PATH: the peer should have exactly the paths v[0..n) of p
 * (n may be 0); v is sorted in place. */
void	 adjout_set_paths(struct adjout *o, const struct ip_prefix *p,
	    struct adjout_want *v, size_t n);
/* Forget what was sent (the peer lost it: session down, refresh). */
void	 adjout_reset(struct adjout *o);
/* Mark every sent prefix pending again (ROUTE-REFRESH). */
void	 adjout_resend(struct adjout *o);
/* Every entry, each path of a prefix after the other:
 * e = NULL; it = 0; while ((e = adjout_next(o, &it, e)) != NULL) ...
 * The Adj-RIB-Out must not change meanwhile. */
const struct adjout_entry *adjout_next(const struct adjout *o, size_t *it,
	    const struct adjout_entry *prev);

struct adjout_enc {
	const struct attr_ctx *actx;
	size_t	max_msg;	/* 4096 or 65535 */
	size_t	limit;		/* stop once the buffer holds this much */
	struct ip_addr nh;	/* next hop used when a set has none */
	struct ip_addr nh_ll;
};

/*
 * Encode pending changes into w.  Returns the number of messages written;
 * *more says whether changes remain (the limit was reached).
 */
unsigned adjout_flush(struct adjout *o, struct buf_wr *w,
	    const struct adjout_enc *enc, bool *more);

#endif
