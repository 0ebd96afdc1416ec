/*
 * attr: see attr.h.  Decoding follows RFC 4271 5 and 6.3 as revised by
 * RFC 7606: each attribute has an expected Optional/Transitive pair and a
 * "malformed" action (treat-as-withdraw for those that affect route
 * selection, attribute discard for those that cannot, session reset only
 * for MP_REACH/MP_UNREACH whose NLRI could then not be found).  AS4_PATH
 * and AS4_AGGREGATOR are applied after the whole list is read, so their
 * position relative to AS_PATH does not matter.
 */
#include "attr.h"

#include <string.h>

#include "nlri.h"

struct adef {
	uint8_t	type;
	uint8_t	flags;		/* expected Optional | Transitive bits */
	enum bgp_action bad;	/* action when malformed */
};

#define OPT	BGP_ATTR_F_OPTIONAL
#define TRANS	BGP_ATTR_F_TRANSITIVE

static const struct adef adefs[] = {
	{ BGP_ATTR_ORIGIN, TRANS, BGP_ACT_WITHDRAW },
	{ BGP_ATTR_AS_PATH, TRANS, BGP_ACT_WITHDRAW },
	{ BGP_ATTR_NEXT_HOP, TRANS, BGP_ACT_WITHDRAW },
	{ BGP_ATTR_MED, OPT, BGP_ACT_WITHDRAW },
	{ BGP_ATTR_LOCAL_PREF, TRANS, BGP_ACT_WITHDRAW },
	{ BGP_ATTR_ATOMIC_AGG, TRANS, BGP_ACT_DISCARD },
	{ BGP_ATTR_AGGREGATOR, OPT | TRANS, BGP_ACT_DISCARD },
	{ BGP_ATTR_COMMUNITIES, OPT | TRANS, BGP_ACT_WITHDRAW },
	{ BGP_ATTR_ORIGINATOR_ID, OPT, BGP_ACT_WITHDRAW },
	{ BGP_ATTR_CLUSTER_LIST, OPT, BGP_ACT_WITHDRAW },
	{ BGP_ATTR_MP_REACH, OPT, BGP_ACT_RESET },
	{ BGP_ATTR_MP_UNREACH, OPT, BGP_ACT_RESET },
	{ BGP_ATTR_EXT_COMMUNITIES, OPT | TRANS, BGP_ACT_WITHDRAW },
	{ BGP_ATTR_AS4_PATH, OPT | TRANS, BGP_ACT_DISCARD },
	{ BGP_ATTR_AS4_AGGREGATOR, OPT | TRANS, BGP_ACT_DISCARD },
	{ BGP_ATTR_LARGE_COMMUNITIES, OPT | TRANS, BGP_ACT_WITHDRAW },
};


/* One attribute as found in the list. */
struct araw {
	uint8_t	flags;
	uint8_t	type;
	const uint8_t *whole;	/* flags..value, for NOTIFICATION data */
	size_t	whole_len;
	const uint8_t *val;
	size_t	len;
};

/* AS paths found during the walk, applied at the end. */
struct apaths {
	const struct araw *aspath, *as4path, *as4agg;
	struct araw slots[3];
};

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static const struct adef *
adef_find(uint8_t type)
{
	for (size_t i = 0; i < sizeof(adefs) / sizeof(adefs[0]); i++) {
		if (adefs[i].type == type)
			return &adefs[i];
	}
	return NULL;
}

static int
discard(struct bgp_attrs *a, struct bgp_err *err, const struct araw *r,
    uint8_t subcode, const char *why)
{
	if (a->ndiscarded < ATTR_MAX_DISCARDED)
		a->discarded[a->ndiscarded++] = r->type;
	bgp_err_set(err, BGP_ACT_DISCARD, BGP_ERR_UPDATE, subcode, r->type,
	    r->whole, r->whole_len, why);
	return 0;
}

static int
bad(struct bgp_err *err, enum bgp_action act, const struct araw *r,
    uint8_t subcode, const char *why)
{
	bgp_err_set(err, act, BGP_ERR_UPDATE, subcode, r->type, r->whole,
	    r->whole_len, why);
	return 0;
}

/* MP_REACH_NLRI (RFC 4760 3): AFI, SAFI, next hop, reserved, NLRI. */
static int
mp_reach(const struct attr_ctx *ctx, struct bgp_attrs *a,
    const struct araw *r, struct bgp_err *err)
{
	struct attr_mp *m = &a->mp_reach;
	const uint8_t *p = r->val;
	uint8_t nhlen;
	int af;

	if (r->len < 5 || (nhlen = p[3], (size_t)nhlen + 5 > r->len)) {
		bad(err, BGP_ACT_RESET, r, BGP_UPD_OPTATTR,
		    "MP_REACH_NLRI truncated");
		return 0;
	}
	m->afi = (uint16_t)(p[0] << 8 | p[1]);
	m->safi = p[2];
	m->nlri = p + 5 + nhlen;
	m->nlri_len = r->len - 5 - nhlen;
	af = m->afi == BGP_AFI_IPV4 ? AF_INET : AF_INET6;
	if (m->safi != BGP_SAFI_UNICAST || (m->afi != BGP_AFI_IPV4 &&
	    m->afi != BGP_AFI_IPV6) || !(af == AF_INET ? ctx->ipv4 :
	    ctx->ipv6)) {
		/* A family we did not negotiate: skip it, do not reset. */
		a->present |= ATTR_P_MP_REACH;
		return 0;
	}
	if ((af == AF_INET && nhlen != 4) ||
	    (af == AF_INET6 && nhlen != 16 && nhlen != 32)) {
		bad(err, BGP_ACT_RESET, r, BGP_UPD_OPTATTR,
		    "MP_REACH_NLRI next hop length invalid for the family");
		return 0;
	}
	addr_from_bytes(&m->nh, af, p + 4);
	if (nhlen == 32)
		addr_from_bytes(&m->nh_ll, AF_INET6, p + 4 + 16);
	if (nlri_check(m->nlri, m->nlri_len, af, af == AF_INET ?
	    ctx->addpath_v4 : ctx->addpath_v6) != 0) {
		bad(err, BGP_ACT_RESET, r, BGP_UPD_OPTATTR,
		    "MP_REACH_NLRI prefix malformed");
		return 0;
	}
	m->usable = true;
	a->present |= ATTR_P_MP_REACH;
	return 0;
}

/* MP_UNREACH_NLRI (RFC 4760 4): AFI, SAFI, withdrawn routes. */
static int
mp_unreach(const struct attr_ctx *ctx, struct bgp_attrs *a,
    const struct araw *r, struct bgp_err *err)
{
	struct attr_mp *m = &a->mp_unreach;
	const uint8_t *p = r->val;
	int af;

	if (r->len < 3) {
		bad(err, BGP_ACT_RESET, r, BGP_UPD_OPTATTR,
		    "MP_UNREACH_NLRI truncated");
		return 0;
	}
	m->afi = (uint16_t)(p[0] << 8 | p[1]);
	m->safi = p[2];
	m->nlri = p + 3;
	m->nlri_len = r->len - 3;
	a->present |= ATTR_P_MP_UNREACH;
	af = m->afi == BGP_AFI_IPV4 ? AF_INET : AF_INET6;
	if (m->safi != BGP_SAFI_UNICAST || (m->afi != BGP_AFI_IPV4 &&
	    m->afi != BGP_AFI_IPV6) || !(af == AF_INET ? ctx->ipv4 :
	    ctx->ipv6))
		return 0;
	if (nlri_check(m->nlri, m->nlri_len, af, af == AF_INET ?
	    ctx->addpath_v4 : ctx->addpath_v6) != 0) {
		bad(err, BGP_ACT_RESET, r, BGP_UPD_OPTATTR,
		    "MP_UNREACH_NLRI prefix malformed");
		return 0;
	}
	m->usable = true;
	return 0;
}

/* Fixed-size and list attributes; returns false if r was rejected. */
static int
known(const struct attr_ctx *ctx, struct bgp_attrs *a, const struct araw *r,
    struct apaths *ap, struct bgp_err *err)
{
	const uint8_t *v = r->val;
	size_t len = r->len;

	switch (r->type) {
	case BGP_ATTR_ORIGIN:
		if (len != 1)
			return bad(err, BGP_ACT_WITHDRAW, r, BGP_UPD_LENGTH,
			    "ORIGIN length is not 1");
		if (v[0] > BGP_ORIGIN_INCOMPLETE)
			return bad(err, BGP_ACT_WITHDRAW, r, BGP_UPD_ORIGIN,
			    "ORIGIN value invalid");
		a->origin = v[0];
		a->present |= ATTR_P_ORIGIN;
		return 0;
	case BGP_ATTR_AS_PATH:
		ap->slots[0] = *r;
		ap->aspath = &ap->slots[0];
		return 0;
	case BGP_ATTR_NEXT_HOP:
		if (len != 4)
			return bad(err, BGP_ACT_WITHDRAW, r, BGP_UPD_LENGTH,
			    "NEXT_HOP length is not 4");
		addr_from_bytes(&a->nexthop, AF_INET, v);
		a->present |= ATTR_P_NEXT_HOP;
		return 0;
	case BGP_ATTR_MED:
		if (len != 4)
			return bad(err, BGP_ACT_WITHDRAW, r, BGP_UPD_LENGTH,
			    "MULTI_EXIT_DISC length is not 4");
		a->med = get32(v);
		a->present |= ATTR_P_MED;
		return 0;
	case BGP_ATTR_LOCAL_PREF:
		/* RFC 4271 5.1.5: ignored from external peers. */
		if (ctx->ebgp)
			return discard(a, err, r, BGP_UPD_OPTATTR,
			    "LOCAL_PREF from an external peer");
		if (len != 4)
			return bad(err, BGP_ACT_WITHDRAW, r, BGP_UPD_LENGTH,
			    "LOCAL_PREF length is not 4");
		a->local_pref = get32(v);
		a->present |= ATTR_P_LOCAL_PREF;
		return 0;
	case BGP_ATTR_ATOMIC_AGG:
		if (len != 0)
			return discard(a, err, r, BGP_UPD_LENGTH,
			    "ATOMIC_AGGREGATE length is not 0");
		a->present |= ATTR_P_ATOMIC_AGG;
		return 0;
	case BGP_ATTR_AGGREGATOR:
		if (len != (ctx->as4 ? 8u : 6u))
			return discard(a, err, r, BGP_UPD_LENGTH,
			    "AGGREGATOR length invalid");
		a->aggregator_as = ctx->as4 ? get32(v) :
		    (uint32_t)(v[0] << 8 | v[1]);
		a->aggregator_id = get32(v + (ctx->as4 ? 4 : 2));
		if (a->aggregator_as == 0)
			return discard(a, err, r, BGP_UPD_OPTATTR,
			    "AGGREGATOR AS is 0");
		a->present |= ATTR_P_AGGREGATOR;
		return 0;
	case BGP_ATTR_COMMUNITIES:
		if (len == 0 || len % 4 != 0)
			return bad(err, BGP_ACT_WITHDRAW, r, BGP_UPD_LENGTH,
			    "COMMUNITIES length not a non-zero multiple of 4");
		if (len / 4 > ATTR_MAX_COMMUNITIES)
			return bad(err, BGP_ACT_WITHDRAW, r, BGP_UPD_OPTATTR,
			    "more COMMUNITIES than bgpd keeps");
		a->communities = v;
		a->ncommunities = len / 4;
		a->present |= ATTR_P_COMMUNITIES;
		return 0;
	case BGP_ATTR_ORIGINATOR_ID:
		if (ctx->ebgp)
			return discard(a, err, r, BGP_UPD_OPTATTR,
			    "ORIGINATOR_ID from an external peer");
		if (len != 4)
			return bad(err, BGP_ACT_WITHDRAW, r, BGP_UPD_LENGTH,
			    "ORIGINATOR_ID length is not 4");
		a->originator_id = get32(v);
		a->present |= ATTR_P_ORIGINATOR_ID;
		return 0;
	case BGP_ATTR_CLUSTER_LIST:
		if (ctx->ebgp)
			return discard(a, err, r, BGP_UPD_OPTATTR,
			    "CLUSTER_LIST from an external peer");
		if (len == 0 || len % 4 != 0)
			return bad(err, BGP_ACT_WITHDRAW, r, BGP_UPD_LENGTH,
			    "CLUSTER_LIST length not a non-zero multiple "
			    "of 4");
		if (len / 4 > ATTR_MAX_CLUSTER)
			return bad(err, BGP_ACT_WITHDRAW, r, BGP_UPD_OPTATTR,
			    "CLUSTER_LIST longer than bgpd keeps");
		a->cluster_list = v;
		a->ncluster = len / 4;
		a->present |= ATTR_P_CLUSTER_LIST;
		return 0;
	case BGP_ATTR_MP_REACH:
		return mp_reach(ctx, a, r, err);
	case BGP_ATTR_MP_UNREACH:
		return mp_unreach(ctx, a, r, err);
	case BGP_ATTR_EXT_COMMUNITIES:
		if (len == 0 || len % 8 != 0)
			return bad(err, BGP_ACT_WITHDRAW, r, BGP_UPD_LENGTH,
			    "EXTENDED_COMMUNITIES length not a non-zero "
			    "multiple of 8");
		if (len / 8 > ATTR_MAX_EXT)
			return bad(err, BGP_ACT_WITHDRAW, r, BGP_UPD_OPTATTR,
			    "more EXTENDED_COMMUNITIES than bgpd keeps");
		a->ext_communities = v;
		a->next_communities = len / 8;
		a->present |= ATTR_P_EXT_COMMUNITIES;
		return 0;
	case BGP_ATTR_AS4_PATH:
	case BGP_ATTR_AS4_AGGREGATOR:
		/* RFC 6793 4.1: a NEW speaker must not send these. */
		if (ctx->as4)
			return discard(a, err, r, BGP_UPD_OPTATTR,
			    "AS4 attribute from a 4-octet AS speaker");
		ap->slots[r->type == BGP_ATTR_AS4_PATH ? 1 : 2] = *r;
		if (r->type == BGP_ATTR_AS4_PATH)
			ap->as4path = &ap->slots[1];
		else
			ap->as4agg = &ap->slots[2];
		return 0;
	case BGP_ATTR_LARGE_COMMUNITIES:
		if (len == 0 || len % 12 != 0)
			return bad(err, BGP_ACT_WITHDRAW, r, BGP_UPD_LENGTH,
			    "LARGE_COMMUNITIES length not a non-zero "
			    "multiple of 12");
		if (len / 12 > ATTR_MAX_LARGE)
			return bad(err, BGP_ACT_WITHDRAW, r, BGP_UPD_OPTATTR,
			    "more LARGE_COMMUNITIES than bgpd keeps");
		a->large_communities = v;
		a->nlarge_communities = len / 12;
		a->present |= ATTR_P_LARGE_COMMUNITIES;
		return 0;
	}
	return 0;
}

static int
unknown(struct bgp_attrs *a, const struct araw *r, struct bgp_err *err)
{
	/* RFC 4271 6.3: an unrecognized well-known attribute is fatal. */
	if (!(r->flags & BGP_ATTR_F_OPTIONAL))
		return bad(err, BGP_ACT_RESET, r, BGP_UPD_UNKNOWN_WK,
		    "unrecognized well-known attribute");
	if (r->type == BGP_ATTR_OTC && r->len != 4)
		return bad(err, BGP_ACT_WITHDRAW, r, BGP_UPD_LENGTH,
		    "OTC length is not 4");
	/* RFC 7606 7.15 (RFC 5701): 20-octet values, at least one. */
	if (r->type == BGP_ATTR_IPV6_EXT_COMMUNITIES &&
	    (r->len == 0 || r->len % 20 != 0))
		return bad(err, BGP_ACT_WITHDRAW, r, BGP_UPD_LENGTH,
		    "IPv6 Address Specific Extended Communities length not "
		    "a non-zero multiple of 20");
	/* Optional non-transitive: accepted, not passed on. */
	if (!(r->flags & BGP_ATTR_F_TRANSITIVE))
		return 0;
	if (a->nunknown >= ATTR_MAX_UNKNOWN)
		return discard(a, err, r, BGP_UPD_OPTATTR,
		    "more unknown attributes than bgpd keeps");
	a->unknown[a->nunknown].flags = r->flags;
	a->unknown[a->nunknown].type = r->type;
	a->unknown[a->nunknown].len = (uint16_t)r->len;
	a->unknown[a->nunknown].data = r->val;
	a->nunknown++;
	return 0;
}

/*
 * RFC 4271 6.3: an external peer's path must start with the peer's AS
 * (as BIRD's and FRR's "enforce first as"); an empty one cannot be right
 * either (RFC 4271 5.1.2: a speaker prepends its AS toward an external
 * peer).  Either makes the path malformed: treat-as-withdraw (RFC 7606
 * 7.2).  Checked on the path as rebuilt, after AS4_PATH.
 */
static int
first_as(const struct attr_ctx *ctx, const struct bgp_attrs *a,
    const struct araw *r, struct bgp_err *err)
{
	if (!ctx->ebgp || ctx->peer_as == 0)
		return 0;
	if (a->aspath_len == 0)
		return bad(err, BGP_ACT_WITHDRAW, r, BGP_UPD_ASPATH,
		    "empty AS_PATH from an external peer");
	if (aspath_first_as(a->aspath, a->aspath_len) != ctx->peer_as)
		return bad(err, BGP_ACT_WITHDRAW, r, BGP_UPD_ASPATH,
		    "AS_PATH does not start with the peer's AS");
	return 0;
}

/* AS_PATH, then AS4_PATH/AS4_AGGREGATOR for 2-octet speakers (RFC 6793). */
static int
paths(const struct attr_ctx *ctx, struct bgp_attrs *a, struct apaths *ap,
    struct attr_scratch *s, struct bgp_err *err)
{
	struct aspath_info info;
	const char *why;
	size_t n;

	if (ap->aspath == NULL)
		return 0;
	if (aspath_verify(ap->aspath->val, ap->aspath->len, ctx->as4, &info,
	    &why) != 0)
		return bad(err, BGP_ACT_WITHDRAW, ap->aspath, BGP_UPD_ASPATH,
		    why);
	/* RFC 5065 5 and RFC 7606 7.2: bgpd is in no confederation, so
	 * every peer is outside ours and its confederation segments make
	 * the path malformed. */
	if (info.has_confed)
		return bad(err, BGP_ACT_WITHDRAW, ap->aspath, BGP_UPD_ASPATH,
		    "AS_PATH has a confederation segment from a peer outside "
		    "our confederation (RFC 5065)");
	if (info.has_set)
		return bad(err, BGP_ACT_WITHDRAW, ap->aspath, BGP_UPD_ASPATH,
		    "AS_PATH contains an AS_SET (RFC 9774)");
	if ((size_t)info.nasns * 4 + ap->aspath->len > ASPATH_MAX)
		return bad(err, BGP_ACT_WITHDRAW, ap->aspath, BGP_UPD_ASPATH,
		    "AS_PATH longer than bgpd keeps");
	if (ctx->as4) {
		a->aspath = ap->aspath->val;
		a->aspath_len = ap->aspath->len;
		a->present |= ATTR_P_AS_PATH;
		return first_as(ctx, a, ap->aspath, err);
	}
	a->aspath_len = aspath_widen(ap->aspath->val, ap->aspath->len,
	    s->aspath);
	a->aspath = s->aspath;
	a->present |= ATTR_P_AS_PATH;
	/* RFC 6793 4.2.3: AGGREGATOR not AS_TRANS -> ignore AS4 attrs. */
	if ((a->present & ATTR_P_AGGREGATOR) &&
	    a->aggregator_as != BGP_AS_TRANS)
		return first_as(ctx, a, ap->aspath, err);
	if (ap->as4agg != NULL) {
		const struct araw *r = ap->as4agg;

		if (r->len != 8 || get32(r->val) == 0)
			discard(a, err, r, BGP_UPD_OPTATTR,
			    "AS4_AGGREGATOR malformed");
		else if (a->present & ATTR_P_AGGREGATOR) {
			a->aggregator_as = get32(r->val);
			a->aggregator_id = get32(r->val + 4);
		}
	}
	if (ap->as4path == NULL)
		return first_as(ctx, a, ap->aspath, err);
	if (aspath_verify(ap->as4path->val, ap->as4path->len, true, &info,
	    &why) != 0 || ap->as4path->len > ASPATH_MAX) {
		discard(a, err, ap->as4path, BGP_UPD_OPTATTR,
		    "AS4_PATH malformed");
		return first_as(ctx, a, ap->aspath, err);
	}
	/* RFC 9774 covers AS4_PATH too: it is the path we would use. */
	if (info.has_set)
		return bad(err, BGP_ACT_WITHDRAW, ap->as4path,
		    BGP_UPD_OPTATTR, "AS4_PATH contains an AS_SET (RFC 9774)");
	n = aspath_strip_confed(ap->as4path->val, ap->as4path->len,
	    s->as4path);
	a->aspath_len = aspath_merge_as4(s->aspath, a->aspath_len,
	    s->as4path, n, s->tmp);
	a->aspath = s->tmp;
	return first_as(ctx, a, ap->aspath, err);
}

void
attr_decode(const uint8_t *p, size_t len, const struct attr_ctx *ctx,
    struct bgp_attrs *a, struct attr_scratch *s, struct bgp_err *err)
{
	uint8_t seen[32];
	struct apaths ap;
	struct buf_rd rd;

	memset(a, 0, sizeof(*a));
	memset(&ap, 0, sizeof(ap));
	memset(seen, 0, sizeof(seen));
	buf_rd_init(&rd, p, len);
	while (buf_left(&rd) > 0) {
		struct araw r;
		const struct adef *d;
		uint16_t alen;
		uint8_t l8;
		size_t start = buf_pos(&rd);

		/* RFC 7606 4: too short for a header, or value overruns. */
		if (buf_get_u8(&rd, &r.flags) || buf_get_u8(&rd, &r.type) ||
		    ((r.flags & BGP_ATTR_F_EXTLEN) ? buf_get_u16(&rd, &alen) :
		    (buf_get_u8(&rd, &l8) || (alen = l8, 0))) ||
		    buf_left(&rd) < alen) {
			a->truncated = true;
			bgp_err_set(err, BGP_ACT_WITHDRAW, BGP_ERR_UPDATE,
			    BGP_UPD_ATTRLIST, 0, p + start, len - start,
			    "attribute runs past the attribute list");
			break;
		}
		r.val = buf_cur(&rd);
		r.len = alen;
		buf_skip(&rd, alen);
		r.whole = p + start;
		r.whole_len = buf_pos(&rd) - start;
		/* RFC 7606 3(g): duplicate MP_* resets, others are dropped. */
		if (seen[r.type / 8] & (1u << (r.type % 8))) {
			if (r.type == BGP_ATTR_MP_REACH ||
			    r.type == BGP_ATTR_MP_UNREACH)
				bad(err, BGP_ACT_RESET, &r, BGP_UPD_ATTRLIST,
				    "MP_REACH/MP_UNREACH_NLRI repeated");
			continue;
		}
		seen[r.type / 8] |= (uint8_t)(1u << (r.type % 8));
		if ((d = adef_find(r.type)) == NULL) {
			unknown(a, &r, err);
			continue;
		}
		/* RFC 7606 3(c): Optional/Transitive must match. */
		if ((r.flags & (OPT | TRANS)) != d->flags) {
			if (d->bad == BGP_ACT_DISCARD)
				discard(a, err, &r, BGP_UPD_FLAGS,
				    "attribute flags conflict with its type");
			else
				bad(err, d->bad, &r, BGP_UPD_FLAGS,
				    "attribute flags conflict with its type");
			continue;
		}
		known(ctx, a, &r, &ap, err);
	}
	paths(ctx, a, &ap, s, err);
}

void
attr_put(struct buf_wr *w, uint8_t flags, uint8_t type, const void *val,
    size_t len)
{
	if (len > 255) {
		buf_put_u8(w, flags | BGP_ATTR_F_EXTLEN);
		buf_put_u8(w, type);
		buf_put_u16(w, (uint16_t)len);
	} else {
		buf_put_u8(w, flags & (uint8_t)~BGP_ATTR_F_EXTLEN);
		buf_put_u8(w, type);
		buf_put_u8(w, (uint8_t)len);
	}
	buf_put_bytes(w, val, len);
}

static void
put_u32_attr(struct buf_wr *w, uint8_t flags, uint8_t type, uint32_t v)
{
	uint8_t b[4] = { v >> 24, v >> 16, v >> 8, v };

	attr_put(w, flags, type, b, 4);
}


/* AGGREGATOR, or (as4_part) the AS4_AGGREGATOR a 2-octet peer needs. */
static void
encode_aggregator(struct buf_wr *w, const struct bgp_attrs *a,
    const struct attr_ctx *ctx, bool as4_part)
{
	uint32_t as = a->aggregator_as, id = a->aggregator_id;
	uint32_t as2 = as > 0xffff ? BGP_AS_TRANS : as;
	uint8_t v4[8] = { as >> 24, as >> 16, as >> 8, as,
	    id >> 24, id >> 16, id >> 8, id };
	uint8_t v2[6] = { as2 >> 8, as2 & 0xff, id >> 24, id >> 16, id >> 8,
	    id };

	if (as4_part) {
		if (!ctx->as4 && as > 0xffff)
			attr_put(w, OPT | TRANS, BGP_ATTR_AS4_AGGREGATOR, v4,
			    8);
		return;
	}
	if (ctx->as4)
		attr_put(w, OPT | TRANS, BGP_ATTR_AGGREGATOR, v4, 8);
	else
		attr_put(w, OPT | TRANS, BGP_ATTR_AGGREGATOR, v2, 6);
}

/* Emit unknown attributes with a type below `below`, in type order. */
static void
encode_unknown(struct buf_wr *w, const struct bgp_attrs *a, unsigned below,
    unsigned *from)
{
	for (;;) {
		const struct attr_unknown *next = NULL;

		for (size_t i = 0; i < a->nunknown; i++) {
			const struct attr_unknown *u = &a->unknown[i];

			if (u->type >= *from && u->type < below &&
			    (next == NULL || u->type < next->type))
				next = u;
		}
		if (next == NULL)
			return;
		/* RFC 4271 5: an unrecognized optional transitive attribute
		 * is passed on with the Partial bit set.  OTC (RFC 9234) is
		 * recognized (its length is checked): its flags go on as
		 * received, Partial included if a speaker before set it. */
		attr_put(w, next->type == BGP_ATTR_OTC ? next->flags :
		    next->flags | BGP_ATTR_F_PARTIAL, next->type,
		    next->data, next->len);
		*from = next->type + 1u;
	}
}

/* RFC 4271 5: attributes SHOULD be in ascending type order. */
void
attr_encode(struct buf_wr *w, const struct bgp_attrs *a,
    const struct attr_ctx *ctx)
{
	uint8_t narrow[ASPATH_MAX + 16], stripped[ASPATH_MAX + 16];
	bool need_as4 = false;
	size_t nlen = 0;
	unsigned from = 0;

	if ((a->present & ATTR_P_AS_PATH) && !ctx->as4 &&
	    a->aspath_len <= ASPATH_MAX)
		nlen = aspath_narrow(a->aspath, a->aspath_len, narrow,
		    &need_as4);
	encode_unknown(w, a, BGP_ATTR_ORIGIN, &from);
	if (a->present & ATTR_P_ORIGIN)
		attr_put(w, TRANS, BGP_ATTR_ORIGIN, &a->origin, 1);
	if ((a->present & ATTR_P_AS_PATH) && (ctx->as4 || nlen == 0))
		attr_put(w, TRANS, BGP_ATTR_AS_PATH, a->aspath, a->aspath_len);
	else if (a->present & ATTR_P_AS_PATH)
		attr_put(w, TRANS, BGP_ATTR_AS_PATH, narrow, nlen);
	if (a->present & ATTR_P_NEXT_HOP)
		attr_put(w, TRANS, BGP_ATTR_NEXT_HOP, a->nexthop.b, 4);
	if (a->present & ATTR_P_MED)
		put_u32_attr(w, OPT, BGP_ATTR_MED, a->med);
	if (a->present & ATTR_P_LOCAL_PREF)
		put_u32_attr(w, TRANS, BGP_ATTR_LOCAL_PREF, a->local_pref);
	if (a->present & ATTR_P_ATOMIC_AGG)
		attr_put(w, TRANS, BGP_ATTR_ATOMIC_AGG, NULL, 0);
	if (a->present & ATTR_P_AGGREGATOR)
		encode_aggregator(w, a, ctx, false);
	if (a->present & ATTR_P_COMMUNITIES)
		attr_put(w, OPT | TRANS, BGP_ATTR_COMMUNITIES, a->communities,
		    a->ncommunities * 4);
	if (a->present & ATTR_P_ORIGINATOR_ID)
		put_u32_attr(w, OPT, BGP_ATTR_ORIGINATOR_ID, a->originator_id);
	if (a->present & ATTR_P_CLUSTER_LIST)
		attr_put(w, OPT, BGP_ATTR_CLUSTER_LIST, a->cluster_list,
		    a->ncluster * 4);
	encode_unknown(w, a, BGP_ATTR_EXT_COMMUNITIES, &from);
	if (a->present & ATTR_P_EXT_COMMUNITIES)
		attr_put(w, OPT | TRANS, BGP_ATTR_EXT_COMMUNITIES,
		    a->ext_communities, a->next_communities * 8);
	/* RFC 6793 4.2.2: AS4_PATH carries the path without confeds. */
	if (need_as4) {
		size_t n = aspath_strip_confed(a->aspath, a->aspath_len,
		    stripped);

		attr_put(w, OPT | TRANS, BGP_ATTR_AS4_PATH, stripped, n);
	}
	if (a->present & ATTR_P_AGGREGATOR)
		encode_aggregator(w, a, ctx, true);
	encode_unknown(w, a, BGP_ATTR_LARGE_COMMUNITIES, &from);
	if (a->present & ATTR_P_LARGE_COMMUNITIES)
		attr_put(w, OPT | TRANS, BGP_ATTR_LARGE_COMMUNITIES,
		    a->large_communities, a->nlarge_communities * 12);
	encode_unknown(w, a, 256, &from);
}
