/*
 * update: UPDATE messages (RFC 4271 4.3, RFC 4760) <-> struct bgp_update,
 * with RFC 7606's rules for framing, NLRI syntax and missing attributes,
 * End-of-RIB (RFC 4724 2) both ways, and an encoder that packs as many
 * prefixes with one attribute set as fit in one message.  Pure.
 */
#ifndef BGPD_UPDATE_H
#define BGPD_UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attr.h"
#include "lib/buf.h"

struct bgp_update {
	const uint8_t *withdrawn;	/* IPv4 withdrawn routes field */
	size_t	withdrawn_len;
	const uint8_t *nlri;		/* IPv4 NLRI field */
	size_t	nlri_len;
	struct bgp_attrs attrs;
	bool	eor;			/* an End-of-RIB marker */
	int	eor_af;			/* AF_INET or AF_INET6 */
};

/*
 * Decode an UPDATE body (the bytes after the 19-octet header).  err says
 * what RFC 7606 requires: NONE or DISCARD (use the routes), WITHDRAW
 * (withdraw every prefix of u->nlri and attrs.mp_reach as well), RESET.
 */
void	 update_decode(const uint8_t *body, size_t len,
	    const struct attr_ctx *ctx, struct bgp_update *u,
	    struct attr_scratch *s, struct bgp_err *err);

/*
 * Append one UPDATE announcing pfx[0..] with attributes a, as many as fit
 * in max octets (max is 4096, or 65535 with extended messages); it stops
 * at the first prefix of another address family.  IPv4
 * uses NEXT_HOP from nh; IPv6 goes into MP_REACH_NLRI with nh and, if
 * set, nh_ll.  path_ids may be NULL (no ADD-PATH).  Returns the number of
 * prefixes written; 0 means nothing was written (the attributes alone do
 * not fit, or n is 0).
 */
size_t	 update_encode_reach(struct buf_wr *w, size_t max,
	    const struct attr_ctx *ctx, const struct bgp_attrs *a,
	    const struct ip_addr *nh, const struct ip_addr *nh_ll,
	    const struct ip_prefix *pfx, const uint32_t *path_ids, size_t n);
/* The same for withdrawals (all of one family). */
size_t	 update_encode_withdraw(struct buf_wr *w, size_t max,
	    const struct attr_ctx *ctx, const struct ip_prefix *pfx,
	    const uint32_t *path_ids, size_t n);
void	 update_encode_eor(struct buf_wr *w, int af);

#endif
