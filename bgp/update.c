/* update: see update.h. */
#include "update.h"

#include <string.h>

#include "msg.h"
#include "nlri.h"

static const char *const missing_reason[] = {
	[BGP_ATTR_ORIGIN] = "ORIGIN missing",
	[BGP_ATTR_AS_PATH] = "AS_PATH missing",
	[BGP_ATTR_NEXT_HOP] = "NEXT_HOP missing",
	[BGP_ATTR_LOCAL_PREF] = "LOCAL_PREF missing from an internal peer",
};

static const uint8_t missing_type[] = {
	BGP_ATTR_ORIGIN, BGP_ATTR_AS_PATH, BGP_ATTR_NEXT_HOP,
	BGP_ATTR_LOCAL_PREF,
};

/* RFC 7606 3(d): a missing well-known attribute is treat-as-withdraw.
 * The data is the missing type code (RFC 4271 6.3). */
static void
check_mandatory(const struct attr_ctx *ctx, const struct bgp_update *u,
    struct bgp_err *err)
{
	const struct bgp_attrs *a = &u->attrs;
	const uint32_t need[] = { ATTR_P_ORIGIN, ATTR_P_AS_PATH,
	    ATTR_P_NEXT_HOP, ATTR_P_LOCAL_PREF };

	for (size_t i = 0; i < 4; i++) {
		if (a->present & need[i])
			continue;
		if (i == 2 && u->nlri_len == 0)
			continue;	/* NEXT_HOP only for classic NLRI */
		if (i == 3 && ctx->ebgp)
			continue;
		bgp_err_set(err, BGP_ACT_WITHDRAW, BGP_ERR_UPDATE,
		    BGP_UPD_MISSING_WK, missing_type[i], &missing_type[i], 1,
		    missing_reason[missing_type[i]]);
	}
}

/* RFC 4271 6.3: a NEXT_HOP that cannot be a host address. */
static bool
nexthop_bogus(const struct ip_addr *nh)
{
	uint32_t v = addr_v4(nh);

	return v == 0 || (v >> 24) == 127 || (v >> 28) == 0xe ||
	    v == 0xffffffffu;
}

void
update_decode(const uint8_t *body, size_t len, const struct attr_ctx *ctx,
    struct bgp_update *u, struct attr_scratch *s, struct bgp_err *err)
{
	uint16_t wlen, alen;
	struct buf_rd r;
	const uint8_t *attrs;

	memset(u, 0, sizeof(*u));
	buf_rd_init(&r, body, len);
	/* RFC 4271 6.3, kept by RFC 7606 3(b): the lengths must add up. */
	if (buf_get_u16(&r, &wlen) != 0 || buf_left(&r) < (size_t)wlen + 2) {
		bgp_err_set(err, BGP_ACT_RESET, BGP_ERR_UPDATE,
		    BGP_UPD_ATTRLIST, 0, NULL, 0,
		    "withdrawn routes length overruns the message");
		return;
	}
	u->withdrawn = buf_cur(&r);
	u->withdrawn_len = wlen;
	buf_skip(&r, wlen);
	buf_get_u16(&r, &alen);
	if (buf_left(&r) < alen) {
		bgp_err_set(err, BGP_ACT_RESET, BGP_ERR_UPDATE,
		    BGP_UPD_ATTRLIST, 0, NULL, 0,
		    "total attribute length overruns the message");
		return;
	}
	attrs = buf_cur(&r);
	buf_skip(&r, alen);
	u->nlri = buf_cur(&r);
	u->nlri_len = buf_left(&r);
	/* RFC 7606 3(i), 5.3: unparsable NLRI cannot be withdrawn. */
	if (nlri_check(u->withdrawn, wlen, AF_INET, ctx->addpath_v4) != 0 ||
	    nlri_check(u->nlri, u->nlri_len, AF_INET, ctx->addpath_v4) != 0) {
		bgp_err_set(err, BGP_ACT_RESET, BGP_ERR_UPDATE,
		    BGP_UPD_NETWORK, 0, NULL, 0, "IPv4 prefix malformed");
		return;
	}
	if (wlen == 0 && alen == 0 && u->nlri_len == 0) {
		u->eor = true;
		u->eor_af = AF_INET;
		return;
	}
	attr_decode(attrs, alen, ctx, &u->attrs, s, err);
	if (err->action == BGP_ACT_RESET)
		return;
	/* RFC 4724 2: only an empty MP_UNREACH_NLRI marks End-of-RIB. */
	if (u->attrs.present == ATTR_P_MP_UNREACH && wlen == 0 &&
	    u->nlri_len == 0 && u->attrs.mp_unreach.usable &&
	    u->attrs.mp_unreach.nlri_len == 0 && u->attrs.nunknown == 0) {
		u->eor = true;
		u->eor_af = u->attrs.mp_unreach.afi == BGP_AFI_IPV4 ?
		    AF_INET : AF_INET6;
		return;
	}
	/* RFC 7606 3(j): if the list broke before an MP_REACH_NLRI could
	 * be seen and there is no classic NLRI, the NLRI is lost. */
	if (u->attrs.truncated && !(u->attrs.present & ATTR_P_MP_REACH) &&
	    u->nlri_len == 0 && (ctx->ipv6 || wlen == 0)) {
		bgp_err_set(err, BGP_ACT_RESET, BGP_ERR_UPDATE,
		    BGP_UPD_ATTRLIST, 0, NULL, 0,
		    "attribute list broken before the NLRI could be found");
		return;
	}
	if (u->nlri_len > 0 || u->attrs.mp_reach.usable)
		check_mandatory(ctx, u, err);
	if (u->nlri_len > 0 && (u->attrs.present & ATTR_P_NEXT_HOP) &&
	    nexthop_bogus(&u->attrs.nexthop))
		bgp_err_set(err, BGP_ACT_WITHDRAW, BGP_ERR_UPDATE,
		    BGP_UPD_NEXTHOP, BGP_ATTR_NEXT_HOP, NULL, 0,
		    "NEXT_HOP is not a usable host address");
}

/* Header, withdrawn length, attribute length; returns the offset of the
 * 2-octet total attribute length. */
static size_t
begin(struct buf_wr *w, size_t *start)
{
	size_t off;

	*start = msg_begin(w, BGP_MSG_UPDATE);
	buf_put_u16(w, 0);
	off = w->len;
	buf_put_u16(w, 0);
	return off;
}

static void
mp_reach_head(struct buf_wr *w, const struct ip_addr *nh,
    const struct ip_addr *nh_ll, size_t *lenoff)
{
	bool ll = nh_ll != NULL && nh_ll->af == AF_INET6;

	/* Extended Length so the length can be patched after the NLRI. */
	buf_put_u8(w, BGP_ATTR_F_OPTIONAL | BGP_ATTR_F_EXTLEN);
	buf_put_u8(w, BGP_ATTR_MP_REACH);
	*lenoff = w->len;
	buf_put_u16(w, 0);
	buf_put_u16(w, BGP_AFI_IPV6);
	buf_put_u8(w, BGP_SAFI_UNICAST);
	buf_put_u8(w, ll ? 32 : 16);
	buf_put_bytes(w, nh->b, 16);
	if (ll)
		buf_put_bytes(w, nh_ll->b, 16);
	buf_put_u8(w, 0);
}

size_t
update_encode_reach(struct buf_wr *w, size_t max, const struct attr_ctx *ctx,
    const struct bgp_attrs *a, const struct ip_addr *nh,
    const struct ip_addr *nh_ll, const struct ip_prefix *pfx,
    const uint32_t *path_ids, size_t n)
{
	struct bgp_attrs b = *a;
	struct buf_wr rest;
	size_t start, alenoff, mplen = 0, attrs_start, i = 0;
	bool v6 = n > 0 && pfx[0].addr.af == AF_INET6;
	bool addpath = path_ids != NULL;

	if (n == 0)
		return 0;
	b.present &= ~(ATTR_P_MP_REACH | ATTR_P_MP_UNREACH | ATTR_P_NEXT_HOP);
	if (!v6) {
		b.present |= ATTR_P_NEXT_HOP;
		b.nexthop = *nh;
	}
	buf_wr_init(&rest, 0);
	attr_encode(&rest, &b, ctx);
	alenoff = begin(w, &start);
	attrs_start = w->len;
	/* RFC 7606 5.1: MP_REACH_NLRI first, the other attributes after
	 * its NLRI; IPv4 has the attributes, then the NLRI field. */
	if (v6)
		mp_reach_head(w, nh, nh_ll, &mplen);
	else
		buf_put_bytes(w, rest.data, rest.len);
	for (; i < n; i++) {
		size_t sz = nlri_size(&pfx[i], addpath);

		if (pfx[i].addr.af != pfx[0].addr.af ||
		    w->len - start + sz + (v6 ? rest.len : 0) > max)
			break;
		nlri_put(w, &pfx[i], addpath, addpath ? path_ids[i] : 0);
	}
	if (i == 0 || w->overflow) {
		w->len = start;
		w->overflow = false;
		buf_wr_free(&rest);
		return 0;
	}
	if (v6) {
		buf_set_u16_at(w, mplen, (uint16_t)(w->len - mplen - 2));
		buf_put_bytes(w, rest.data, rest.len);
		buf_set_u16_at(w, alenoff, (uint16_t)(w->len - attrs_start));
	} else {
		buf_set_u16_at(w, alenoff, (uint16_t)rest.len);
	}
	buf_wr_free(&rest);
	msg_end(w, start);
	return i;
}

size_t
update_encode_withdraw(struct buf_wr *w, size_t max,
    const struct attr_ctx *ctx, const struct ip_prefix *pfx,
    const uint32_t *path_ids, size_t n)
{
	size_t start, alenoff, wlenoff, mplen = 0, i;
	bool v6 = n > 0 && pfx[0].addr.af == AF_INET6;
	bool addpath = path_ids != NULL;

	if (n == 0)
		return 0;
	start = msg_begin(w, BGP_MSG_UPDATE);
	wlenoff = w->len;
	buf_put_u16(w, 0);
	alenoff = w->len;
	if (v6) {
		buf_put_u16(w, 0);
		buf_put_u8(w, BGP_ATTR_F_OPTIONAL | BGP_ATTR_F_EXTLEN);
		buf_put_u8(w, BGP_ATTR_MP_UNREACH);
		mplen = w->len;
		buf_put_u16(w, 0);
		buf_put_u16(w, BGP_AFI_IPV6);
		buf_put_u8(w, BGP_SAFI_UNICAST);
	}
	for (i = 0; i < n; i++) {
		size_t sz = nlri_size(&pfx[i], addpath);

		/* IPv4 still needs its 2-octet attribute length after. */
		if (pfx[i].addr.af != pfx[0].addr.af ||
		    w->len - start + sz + (v6 ? 0 : 2) > max)
			break;
		nlri_put(w, &pfx[i], addpath, addpath ? path_ids[i] : 0);
	}
	if (i == 0 || w->overflow) {
		w->len = start;
		w->overflow = false;
		return 0;
	}
	if (v6) {
		buf_set_u16_at(w, mplen, (uint16_t)(w->len - mplen - 2));
		buf_set_u16_at(w, alenoff, (uint16_t)(w->len - alenoff - 2));
	} else {
		buf_set_u16_at(w, wlenoff, (uint16_t)(w->len - wlenoff - 2));
		buf_put_u16(w, 0);
	}
	msg_end(w, start);
	return i;
}

void
update_encode_eor(struct buf_wr *w, int af)
{
	size_t start = msg_begin(w, BGP_MSG_UPDATE);

	buf_put_u16(w, 0);
	if (af == AF_INET) {
		buf_put_u16(w, 0);
	} else {
		/* An MP_UNREACH_NLRI with no withdrawn routes. */
		buf_put_u16(w, 6);
		buf_put_u8(w, BGP_ATTR_F_OPTIONAL);
		buf_put_u8(w, BGP_ATTR_MP_UNREACH);
		buf_put_u8(w, 3);
		buf_put_u16(w, BGP_AFI_IPV6);
		buf_put_u8(w, BGP_SAFI_UNICAST);
	}
	msg_end(w, start);
}
