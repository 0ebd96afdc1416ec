/*
 * adjout: one peer's Adj-RIB-Out.  For every prefix it knows what the
 * peer has (sent) and what it should have (want, NULL = withdrawn);
 * prefixes whose two differ wait on a pending list.  adjout_flush()
 * groups pending prefixes by outgoing attribute set and packs each group
 * into as few UPDATEs as fit (DESIGN.md: UPDATE packing), withdrawals
 * likewise, stopping when the output limit is reached.
 */
#ifndef BGPD_ADJOUT_H
#define BGPD_ADJOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "attrset.h"
#include "lib/buf.h"
#include "lib/hash.h"

struct adjout_entry {
	struct ip_prefix prefix;
	bool	pending;
	struct attrset *sent;	/* what the peer has, or NULL */
	struct attrset *want;	/* what it should have, or NULL */
	struct adjout_entry *pnext;
};

struct adjout {
	struct hash_table entries;
	struct adjout_entry *pending;
	size_t	npending;
	size_t	nsent;		/* prefixes the peer has */
};

void	 adjout_init(struct adjout *o);
void	 adjout_free(struct adjout *o);
/* The peer should have p with attrs (a new reference), or not (NULL). */
void	 adjout_set(struct adjout *o, const struct ip_prefix *p,
	    struct attrset *attrs);
/* Forget what was sent (the peer lost it: session down, refresh). */
void	 adjout_reset(struct adjout *o);
/* Mark every sent prefix pending again (ROUTE-REFRESH). */
void	 adjout_resend(struct adjout *o);

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
