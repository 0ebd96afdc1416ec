/*
 * Unit tests for bgp/update (and the attribute rules it applies): every
 * RFC 7606 row of RELIABILITY.md 1.2 as a byte table, End-of-RIB, and the
 * UPDATE packer.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/aspath.h"
#include "bgp/msg.h"
#include "bgp/nlri.h"
#include "bgp/update.h"
#include "tests/unit/util/testutil.h"

/* Attributes, in hex.  AS 65000 = fde8, 198.51.100.1 = c6336401. */
#define ORIGIN		"40 01 01 00 "
#define ASPATH		"40 02 06 02 01 00 00 fd e8 "	/* 4-octet */
#define ASPATH2		"40 02 04 02 01 fd e8 "		/* 2-octet */
#define NEXTHOP		"40 03 04 c6 33 64 01 "
#define LPREF		"40 05 04 00 00 00 64 "
#define BASE		ORIGIN ASPATH NEXTHOP LPREF
#define NLRI		"18 64 40 00"			/* 100.64.0.0/24 */
/* MP_REACH IPv6 2001:db8::1, NLRI 2001:db8:1000::/48 */
#define MPREACH6	"80 0e 1c 00 02 01 10 20 01 0d b8 00 00 00 00 " \
			"00 00 00 00 00 00 00 01 00 30 20 01 0d b8 10 00 "

enum ctxk { IBGP4, EBGP4, IBGP2, EBGP2 };

static const struct row {
	const char *name;
	enum ctxk ctx;
	const char *attrs;
	const char *nlri;
	enum bgp_action act;
	uint8_t subcode;
} rows[] = {
	{ "valid", IBGP4, BASE, NLRI, BGP_ACT_NONE, 0 },
	{ "origin-len-0", IBGP4, "40 01 00 " ASPATH NEXTHOP LPREF, NLRI,
	  BGP_ACT_WITHDRAW, BGP_UPD_LENGTH },
	{ "origin-len-2", IBGP4, "40 01 02 00 00 " ASPATH NEXTHOP LPREF, NLRI,
	  BGP_ACT_WITHDRAW, BGP_UPD_LENGTH },
	{ "origin-value-3", IBGP4, "40 01 01 03 " ASPATH NEXTHOP LPREF, NLRI,
	  BGP_ACT_WITHDRAW, BGP_UPD_ORIGIN },
	{ "origin-value-255", IBGP4, "40 01 01 ff " ASPATH NEXTHOP LPREF,
	  NLRI, BGP_ACT_WITHDRAW, BGP_UPD_ORIGIN },
	{ "aspath-seg-type-0", IBGP4, ORIGIN "40 02 06 00 01 00 00 fd e8 "
	  NEXTHOP LPREF, NLRI, BGP_ACT_WITHDRAW, BGP_UPD_ASPATH },
	{ "aspath-seg-type-5", IBGP4, ORIGIN "40 02 06 05 01 00 00 fd e8 "
	  NEXTHOP LPREF, NLRI, BGP_ACT_WITHDRAW, BGP_UPD_ASPATH },
	{ "aspath-seg-len-0", IBGP4, ORIGIN "40 02 02 02 00 " NEXTHOP LPREF,
	  NLRI, BGP_ACT_WITHDRAW, BGP_UPD_ASPATH },
	{ "aspath-seg-len-overrun", IBGP4, ORIGIN
	  "40 02 06 02 02 00 00 fd e8 " NEXTHOP LPREF, NLRI,
	  BGP_ACT_WITHDRAW, BGP_UPD_ASPATH },
	{ "aspath-one-octet-left", IBGP4, ORIGIN
	  "40 02 07 02 01 00 00 fd e8 02 " NEXTHOP LPREF, NLRI,
	  BGP_ACT_WITHDRAW, BGP_UPD_ASPATH },
	{ "aspath-as-zero", IBGP4, ORIGIN "40 02 06 02 01 00 00 00 00 "
	  NEXTHOP LPREF, NLRI, BGP_ACT_WITHDRAW, BGP_UPD_ASPATH },
	{ "aspath-as-set (RFC 9774)", IBGP4, ORIGIN
	  "40 02 06 01 01 00 00 fd e8 " NEXTHOP LPREF, NLRI,
	  BGP_ACT_WITHDRAW, BGP_UPD_ASPATH },
	{ "aspath-2octet-seg-overrun", IBGP2, ORIGIN "40 02 04 02 02 fd e8 "
	  NEXTHOP LPREF, NLRI, BGP_ACT_WITHDRAW, BGP_UPD_ASPATH },
	{ "nexthop-len-3", IBGP4, ORIGIN ASPATH "40 03 03 c6 33 64 " LPREF,
	  NLRI, BGP_ACT_WITHDRAW, BGP_UPD_LENGTH },
	{ "nexthop-zero", IBGP4, ORIGIN ASPATH "40 03 04 00 00 00 00 " LPREF,
	  NLRI, BGP_ACT_WITHDRAW, BGP_UPD_NEXTHOP },
	{ "nexthop-loopback", IBGP4, ORIGIN ASPATH "40 03 04 7f 00 00 01 "
	  LPREF, NLRI, BGP_ACT_WITHDRAW, BGP_UPD_NEXTHOP },
	{ "nexthop-multicast", IBGP4, ORIGIN ASPATH "40 03 04 e0 00 00 05 "
	  LPREF, NLRI, BGP_ACT_WITHDRAW, BGP_UPD_NEXTHOP },
	{ "med-len-3", IBGP4, BASE "80 04 03 00 00 01 ", NLRI,
	  BGP_ACT_WITHDRAW, BGP_UPD_LENGTH },
	{ "med-len-5", IBGP4, BASE "80 04 05 00 00 00 00 01 ", NLRI,
	  BGP_ACT_WITHDRAW, BGP_UPD_LENGTH },
	{ "local-pref-len-3-ibgp", IBGP4, ORIGIN ASPATH NEXTHOP
	  "40 05 03 00 00 64 ", NLRI, BGP_ACT_WITHDRAW, BGP_UPD_LENGTH },
	{ "local-pref-from-ebgp", EBGP4, BASE, NLRI, BGP_ACT_DISCARD,
	  BGP_UPD_OPTATTR },
	{ "atomic-aggregate-len-1", IBGP4, BASE "40 06 01 00 ", NLRI,
	  BGP_ACT_DISCARD, BGP_UPD_LENGTH },
	{ "aggregator-len-7", IBGP4, BASE "c0 07 07 00 00 fd e8 c6 33 64 ",
	  NLRI, BGP_ACT_DISCARD, BGP_UPD_LENGTH },
	{ "aggregator-len-8-2octet", IBGP2, ORIGIN ASPATH2 NEXTHOP LPREF
	  "c0 07 08 00 00 fd e8 c6 33 64 01 ", NLRI, BGP_ACT_DISCARD,
	  BGP_UPD_LENGTH },
	{ "aggregator-as-zero", IBGP4, BASE
	  "c0 07 08 00 00 00 00 c6 33 64 01 ", NLRI, BGP_ACT_DISCARD,
	  BGP_UPD_OPTATTR },
	{ "comm-len-0", IBGP4, BASE "c0 08 00 ", NLRI, BGP_ACT_WITHDRAW,
	  BGP_UPD_LENGTH },
	{ "comm-len-5", IBGP4, BASE "c0 08 05 00 01 00 02 03 ", NLRI,
	  BGP_ACT_WITHDRAW, BGP_UPD_LENGTH },
	{ "originator-id-len-3-ibgp", IBGP4, BASE "80 09 03 01 02 03 ", NLRI,
	  BGP_ACT_WITHDRAW, BGP_UPD_LENGTH },
	{ "originator-id-from-ebgp", EBGP4, ORIGIN ASPATH NEXTHOP
	  "80 09 04 01 02 03 04 ", NLRI, BGP_ACT_DISCARD, BGP_UPD_OPTATTR },
	{ "cluster-list-len-0-ibgp", IBGP4, BASE "80 0a 00 ", NLRI,
	  BGP_ACT_WITHDRAW, BGP_UPD_LENGTH },
	{ "cluster-list-len-5-ibgp", IBGP4, BASE "80 0a 05 01 02 03 04 05 ",
	  NLRI, BGP_ACT_WITHDRAW, BGP_UPD_LENGTH },
	{ "cluster-list-from-ebgp", EBGP4, ORIGIN ASPATH NEXTHOP
	  "80 0a 04 01 02 03 04 ", NLRI, BGP_ACT_DISCARD, BGP_UPD_OPTATTR },
	{ "mp-reach-valid", IBGP4, MPREACH6 ORIGIN ASPATH LPREF, "",
	  BGP_ACT_NONE, 0 },
	{ "mp-reach-nexthop-len-bogus", IBGP4,
	  "80 0e 12 00 02 01 08 20 01 0d b8 00 00 00 01 00 "
	  "30 20 01 0d b8 10 00 " ORIGIN ASPATH LPREF, "", BGP_ACT_RESET,
	  BGP_UPD_OPTATTR },
	{ "mp-reach-nexthop-overrun", IBGP4,
	  "80 0e 08 00 02 01 20 20 01 0d b8 " ORIGIN ASPATH LPREF, "",
	  BGP_ACT_RESET, BGP_UPD_OPTATTR },
	{ "mp-reach-truncated", IBGP4, "80 0e 03 00 02 01 " ORIGIN ASPATH
	  LPREF, "", BGP_ACT_RESET, BGP_UPD_OPTATTR },
	{ "mp-reach-nlri-len-129", IBGP4,
	  "80 0e 16 00 02 01 10 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 "
	  "00 01 00 81 " ORIGIN ASPATH LPREF, "", BGP_ACT_RESET,
	  BGP_UPD_OPTATTR },
	{ "mp-reach-family-not-negotiated", IBGP4,
	  "80 0e 0d 00 01 04 04 c6 33 64 01 00 18 64 40 00 " ORIGIN ASPATH
	  LPREF, "", BGP_ACT_NONE, 0 },
	{ "mp-unreach-truncated", IBGP4, "80 0f 02 00 02 ", "",
	  BGP_ACT_RESET, BGP_UPD_OPTATTR },
	{ "mp-unreach-overrun", IBGP4, "80 0f 06 00 02 01 30 20 01 ", "",
	  BGP_ACT_RESET, BGP_UPD_OPTATTR },
	{ "mp-unreach-only-needs-no-attrs", IBGP4,
	  "80 0f 0a 00 02 01 30 20 01 0d b8 10 00 ", "", BGP_ACT_NONE, 0 },
	{ "mp-reach-twice", IBGP4, MPREACH6 MPREACH6 ORIGIN ASPATH LPREF, "",
	  BGP_ACT_RESET, BGP_UPD_ATTRLIST },
	{ "extcomm-len-0", IBGP4, BASE "c0 10 00 ", NLRI, BGP_ACT_WITHDRAW,
	  BGP_UPD_LENGTH },
	{ "extcomm-len-9", IBGP4, BASE "c0 10 09 00 02 fd e8 00 00 00 01 07 ",
	  NLRI, BGP_ACT_WITHDRAW, BGP_UPD_LENGTH },
	{ "large-comm-len-0", IBGP4, BASE "c0 20 00 ", NLRI, BGP_ACT_WITHDRAW,
	  BGP_UPD_LENGTH },
	{ "large-comm-len-13", IBGP4, BASE
	  "c0 20 0d 00 00 fd e8 00 00 00 01 00 00 00 02 07 ", NLRI,
	  BGP_ACT_WITHDRAW, BGP_UPD_LENGTH },
	{ "otc-len-3", IBGP4, BASE "c0 23 03 00 00 01 ", NLRI,
	  BGP_ACT_WITHDRAW, BGP_UPD_LENGTH },
	{ "unknown-optional-transitive-kept", IBGP4, BASE "c0 fe 02 ab cd ",
	  NLRI, BGP_ACT_NONE, 0 },
	{ "unknown-optional-non-transitive", IBGP4, BASE "80 fd 02 ab cd ",
	  NLRI, BGP_ACT_NONE, 0 },
	{ "unknown-well-known", IBGP4, BASE "40 fc 01 00 ", NLRI,
	  BGP_ACT_RESET, BGP_UPD_UNKNOWN_WK },
	{ "duplicate-origin-first-wins", IBGP4, BASE "40 01 01 02 ", NLRI,
	  BGP_ACT_NONE, 0 },
	{ "flags-origin-optional", IBGP4, "c0 01 01 00 " ASPATH NEXTHOP LPREF,
	  NLRI, BGP_ACT_WITHDRAW, BGP_UPD_FLAGS },
	{ "flags-med-transitive", IBGP4, BASE "c0 04 04 00 00 00 01 ", NLRI,
	  BGP_ACT_WITHDRAW, BGP_UPD_FLAGS },
	{ "flags-aggregator-not-optional", IBGP4, BASE
	  "40 07 08 00 00 fd e8 c6 33 64 01 ", NLRI, BGP_ACT_DISCARD,
	  BGP_UPD_FLAGS },
	{ "flags-low-bits-ignored", IBGP4, "4f 01 01 00 " ASPATH NEXTHOP LPREF,
	  NLRI, BGP_ACT_NONE, 0 },
	{ "attr-len-overrun", IBGP4, BASE "c0 08 08 00 01 00 02 ", NLRI,
	  BGP_ACT_WITHDRAW, BGP_UPD_ATTRLIST },
	{ "attr-header-short", IBGP4, BASE "c0 08 ", NLRI, BGP_ACT_WITHDRAW,
	  BGP_UPD_ATTRLIST },
	{ "attr-broken-before-any-nlri", IBGP4, ORIGIN "c0 08 ", "",
	  BGP_ACT_RESET, BGP_UPD_ATTRLIST },
	{ "missing-origin", IBGP4, ASPATH NEXTHOP LPREF, NLRI,
	  BGP_ACT_WITHDRAW, BGP_UPD_MISSING_WK },
	{ "missing-aspath", IBGP4, ORIGIN NEXTHOP LPREF, NLRI,
	  BGP_ACT_WITHDRAW, BGP_UPD_MISSING_WK },
	{ "missing-nexthop", IBGP4, ORIGIN ASPATH LPREF, NLRI,
	  BGP_ACT_WITHDRAW, BGP_UPD_MISSING_WK },
	{ "missing-local-pref-ibgp", IBGP4, ORIGIN ASPATH NEXTHOP, NLRI,
	  BGP_ACT_WITHDRAW, BGP_UPD_MISSING_WK },
	{ "no-local-pref-ebgp-ok", EBGP4, ORIGIN ASPATH NEXTHOP, NLRI,
	  BGP_ACT_NONE, 0 },
	{ "nexthop-not-needed-for-mp", IBGP4, MPREACH6 ORIGIN ASPATH LPREF,
	  "", BGP_ACT_NONE, 0 },
	{ "strongest-wins", EBGP4, ORIGIN ASPATH NEXTHOP
	  "40 06 01 00 c0 08 05 00 01 00 02 03 ", NLRI, BGP_ACT_WITHDRAW,
	  BGP_UPD_LENGTH },
	{ "as4path-from-new-speaker", EBGP4, ORIGIN ASPATH NEXTHOP
	  "c0 11 06 02 01 00 00 fd e9 ", NLRI, BGP_ACT_DISCARD,
	  BGP_UPD_OPTATTR },
	{ "as4path-malformed-from-old", EBGP2, ORIGIN ASPATH2 NEXTHOP
	  "c0 11 05 02 01 00 00 fd ", NLRI, BGP_ACT_DISCARD,
	  BGP_UPD_OPTATTR },
	/* Found by fuzz_update: our own re-encoding then had an AS_SET. */
	{ "as4path-with-as-set-from-old", EBGP2, ORIGIN ASPATH2 NEXTHOP
	  "c0 11 0a 01 02 fa ff fd e9 fa 64 41 02 ", NLRI, BGP_ACT_WITHDRAW,
	  BGP_UPD_OPTATTR },
	/* RFC 5065 5 / RFC 7606 7.2: we are in no confederation, so a
	 * confederation segment from any peer is malformed. */
	{ "aspath-confed-seq-from-ebgp", EBGP4, ORIGIN
	  "40 02 0c 02 01 00 00 fd e8 03 01 00 00 fd e9 " NEXTHOP, NLRI,
	  BGP_ACT_WITHDRAW, BGP_UPD_ASPATH },
	{ "aspath-confed-seq-from-ibgp", IBGP4, ORIGIN
	  "40 02 06 03 01 00 00 fd e9 " NEXTHOP LPREF, NLRI,
	  BGP_ACT_WITHDRAW, BGP_UPD_ASPATH },
	{ "aspath-confed-set-from-ebgp", EBGP4, ORIGIN
	  "40 02 0c 02 01 00 00 fd e8 04 01 00 00 fd e9 " NEXTHOP, NLRI,
	  BGP_ACT_WITHDRAW, BGP_UPD_ASPATH },
	{ "aspath-confed-seq-2octet", EBGP2, ORIGIN
	  "40 02 08 02 01 fd e8 03 01 fd e9 " NEXTHOP, NLRI,
	  BGP_ACT_WITHDRAW, BGP_UPD_ASPATH },
	/* RFC 4271 6.3, enforce first AS: eBGP paths start with the
	 * peer's AS; an empty one is wrong too. */
	{ "aspath-empty-from-ebgp", EBGP4, ORIGIN "40 02 00 " NEXTHOP, NLRI,
	  BGP_ACT_WITHDRAW, BGP_UPD_ASPATH },
	{ "aspath-empty-from-ibgp-ok", IBGP4, ORIGIN "40 02 00 " NEXTHOP
	  LPREF, NLRI, BGP_ACT_NONE, 0 },
	{ "aspath-first-as-not-peer", EBGP4, ORIGIN
	  "40 02 0a 02 02 00 00 fd e9 00 00 fd e8 " NEXTHOP, NLRI,
	  BGP_ACT_WITHDRAW, BGP_UPD_ASPATH },
	{ "aspath-first-as-not-peer-2octet", EBGP2, ORIGIN
	  "40 02 04 02 01 fd e9 " NEXTHOP, NLRI, BGP_ACT_WITHDRAW,
	  BGP_UPD_ASPATH },
	{ "aspath-first-as-peer-2octet-ok", EBGP2, ORIGIN ASPATH2 NEXTHOP,
	  NLRI, BGP_ACT_NONE, 0 },
	{ "aspath-first-as-peer-then-others-ok", EBGP4, ORIGIN
	  "40 02 0a 02 02 00 00 fd e8 00 00 fd e9 " NEXTHOP, NLRI,
	  BGP_ACT_NONE, 0 },
	{ "aspath-first-as-not-peer-mp", EBGP4, MPREACH6 ORIGIN
	  "40 02 06 02 01 00 00 fd e9 ", "", BGP_ACT_WITHDRAW,
	  BGP_UPD_ASPATH },
	/* RFC 7606 7.15: IPv6 Address Specific Extended Communities. */
	{ "ipv6-extcomm-len-0", IBGP4, BASE "c0 19 00 ", NLRI,
	  BGP_ACT_WITHDRAW, BGP_UPD_LENGTH },
	{ "ipv6-extcomm-len-21", IBGP4, BASE "c0 19 15 00 02 20 01 0d b8 "
	  "00 00 00 00 00 00 00 00 00 00 00 01 00 07 09 ", NLRI,
	  BGP_ACT_WITHDRAW, BGP_UPD_LENGTH },
	{ "ipv6-extcomm-len-19", IBGP4, BASE "c0 19 13 00 02 20 01 0d b8 "
	  "00 00 00 00 00 00 00 00 00 00 00 01 00 ", NLRI,
	  BGP_ACT_WITHDRAW, BGP_UPD_LENGTH },
	{ "ipv6-extcomm-len-20-ok", IBGP4, BASE "c0 19 14 00 02 20 01 0d b8 "
	  "00 00 00 00 00 00 00 00 00 00 00 01 00 07 ", NLRI,
	  BGP_ACT_NONE, 0 },
	{ "nlri-len-33", IBGP4, BASE, "21 64 40 00 00 00", BGP_ACT_RESET,
	  BGP_UPD_NETWORK },
	{ "nlri-overrun", IBGP4, BASE, "18 64 40", BGP_ACT_RESET,
	  BGP_UPD_NETWORK },
};

static struct attr_ctx
ctx_of(enum ctxk k)
{
	struct attr_ctx c;

	memset(&c, 0, sizeof(c));
	c.as4 = k == IBGP4 || k == EBGP4;
	c.ebgp = k == EBGP4 || k == EBGP2;
	/* The external peer is AS 65000, which ASPATH starts with. */
	c.peer_as = c.ebgp ? 65000 : 0;
	c.ipv4 = true;
	c.ipv6 = true;
	return c;
}

/* withdrawn length, attributes with their length, NLRI. */
static size_t
body(uint8_t *out, size_t size, const char *withdrawn, const char *attrs,
    const char *nlri)
{
	uint8_t tmp[4096];
	size_t off = 0, n;

	n = tu_hex(withdrawn, tmp, sizeof(tmp));
	out[off++] = (uint8_t)(n >> 8);
	out[off++] = (uint8_t)n;
	memcpy(out + off, tmp, n);
	off += n;
	n = tu_hex(attrs, tmp, sizeof(tmp));
	out[off++] = (uint8_t)(n >> 8);
	out[off++] = (uint8_t)n;
	memcpy(out + off, tmp, n);
	off += n;
	n = tu_hex(nlri, out + off, size - off);
	return off + n;
}

static struct attr_scratch scratch;

START_TEST(test_rfc7606_rows)
{
	const struct row *r = &rows[_i];
	struct attr_ctx c = ctx_of(r->ctx);
	struct bgp_update u;
	struct bgp_err e;
	uint8_t b[4096];
	size_t n = body(b, sizeof(b), "", r->attrs, r->nlri);

	memset(&e, 0, sizeof(e));
	update_decode(b, n, &c, &u, &scratch, &e);
	ck_assert_msg(e.action == r->act, "%s: action %s (%s), want %s",
	    r->name, bgp_action_name(e.action), e.reason ? e.reason : "",
	    bgp_action_name(r->act));
	if (r->act != BGP_ACT_NONE) {
		ck_assert_msg(e.code == BGP_ERR_UPDATE, "%s", r->name);
		ck_assert_msg(e.subcode == r->subcode, "%s: subcode %u want %u"
		    " (%s)", r->name, e.subcode, r->subcode, e.reason);
		ck_assert_ptr_nonnull(e.reason);
	}
}
END_TEST

/* Values survive decoding, and each kind of discard keeps the route. */
START_TEST(test_values)
{
	struct attr_ctx c = ctx_of(EBGP4);
	struct bgp_update u;
	struct bgp_err e;
	uint8_t b[1024];
	char buf[64];
	size_t n;

	memset(&e, 0, sizeof(e));
	n = body(b, sizeof(b), "", ORIGIN ASPATH NEXTHOP LPREF
	    "80 04 04 00 00 00 07 c0 08 08 fd e8 00 01 ff ff ff 01 "
	    "c0 fe 02 ab cd 40 06 01 00", NLRI);
	update_decode(b, n, &c, &u, &scratch, &e);
	ck_assert_int_eq(e.action, BGP_ACT_DISCARD);
	ck_assert(!(u.attrs.present & ATTR_P_LOCAL_PREF));
	ck_assert(!(u.attrs.present & ATTR_P_ATOMIC_AGG));
	ck_assert_uint_eq(u.attrs.ndiscarded, 2);
	ck_assert_uint_eq(u.attrs.discarded[0], BGP_ATTR_LOCAL_PREF);
	ck_assert_uint_eq(u.attrs.discarded[1], BGP_ATTR_ATOMIC_AGG);
	ck_assert_uint_eq(u.attrs.med, 7);
	ck_assert_uint_eq(u.attrs.ncommunities, 2);
	ck_assert_uint_eq(u.attrs.nunknown, 1);
	ck_assert_uint_eq(u.attrs.unknown[0].type, 0xfe);
	ck_assert_str_eq(aspath_format(u.attrs.aspath, u.attrs.aspath_len,
	    buf, sizeof(buf)), "65000");
	ck_assert_str_eq(addr_fmt(&u.attrs.nexthop, buf, sizeof(buf)),
	    "198.51.100.1");
	ck_assert_uint_eq(u.nlri_len, 4);
}
END_TEST

START_TEST(test_withdrawn_lengths)
{
	struct attr_ctx c = ctx_of(IBGP4);
	struct bgp_update u;
	struct bgp_err e;
	uint8_t b[64];
	size_t n;

	/* Withdrawn length 10 but only 4 octets follow. */
	memset(&e, 0, sizeof(e));
	n = tu_hex("00 0a 18 64 40 00", b, sizeof(b));
	update_decode(b, n, &c, &u, &scratch, &e);
	ck_assert_int_eq(e.action, BGP_ACT_RESET);
	ck_assert_uint_eq(e.subcode, BGP_UPD_ATTRLIST);
	/* Total attribute length beyond the message. */
	memset(&e, 0, sizeof(e));
	n = tu_hex("00 00 00 20 40 01 01 00", b, sizeof(b));
	update_decode(b, n, &c, &u, &scratch, &e);
	ck_assert_int_eq(e.action, BGP_ACT_RESET);
	ck_assert_uint_eq(e.subcode, BGP_UPD_ATTRLIST);
	/* A malformed withdrawn prefix cannot be withdrawn: reset. */
	memset(&e, 0, sizeof(e));
	n = tu_hex("00 02 19 64 00 00", b, sizeof(b));
	update_decode(b, n, &c, &u, &scratch, &e);
	ck_assert_int_eq(e.action, BGP_ACT_RESET);
	ck_assert_uint_eq(e.subcode, BGP_UPD_NETWORK);
	/* A well-formed withdrawal needs no attributes. */
	memset(&e, 0, sizeof(e));
	n = tu_hex("00 04 18 64 40 00 00 00", b, sizeof(b));
	update_decode(b, n, &c, &u, &scratch, &e);
	ck_assert_int_eq(e.action, BGP_ACT_NONE);
	ck_assert_uint_eq(u.withdrawn_len, 4);
}
END_TEST

START_TEST(test_end_of_rib)
{
	struct attr_ctx c = ctx_of(IBGP4);
	struct bgp_update u;
	struct bgp_err e;
	struct buf_wr w;
	uint8_t b[64];
	size_t n;

	memset(&e, 0, sizeof(e));
	n = tu_hex("00 00 00 00", b, sizeof(b));
	update_decode(b, n, &c, &u, &scratch, &e);
	ck_assert(u.eor);
	ck_assert_int_eq(u.eor_af, AF_INET);
	n = tu_hex("00 00 00 06 80 0f 03 00 02 01", b, sizeof(b));
	update_decode(b, n, &c, &u, &scratch, &e);
	ck_assert(u.eor);
	ck_assert_int_eq(u.eor_af, AF_INET6);
	ck_assert_int_eq(e.action, BGP_ACT_NONE);
	/* With a withdrawn prefix it is an ordinary withdrawal. */
	n = tu_hex("00 00 00 08 80 0f 05 00 02 01 08 20", b, sizeof(b));
	update_decode(b, n, &c, &u, &scratch, &e);
	ck_assert(!u.eor);
	/* Encoding: the minimal UPDATE, and the empty MP_UNREACH. */
	buf_wr_init(&w, 0);
	update_encode_eor(&w, AF_INET);
	ck_assert_uint_eq(w.len, 23);
	update_encode_eor(&w, AF_INET6);
	ck_assert_uint_eq(w.len, 23 + 29);
	ck_assert_mem_eq(w.data + 23 + 19, "\x00\x00\x00\x06\x80\x0f\x03\x00"
	    "\x02\x01", 10);
	buf_wr_free(&w);
}
END_TEST

/* Two-octet speakers: AS_PATH widened, AS4_PATH merged (RFC 6793). */
static const struct {
	const char *name;
	const char *attrs;
	const char *path;
	uint32_t aggregator_as;
} as4_cases[] = {
	{ "plain 2-octet path", ORIGIN "40 02 06 02 02 fd e7 fd e8 "
	  NEXTHOP, "64999 65000", 0 },
	{ "AS_TRANS replaced from AS4_PATH", ORIGIN
	  "40 02 06 02 02 fd e7 5b a0 " NEXTHOP
	  "c0 11 06 02 01 fa 56 ea 01 ", "64999 4200000001", 0 },
	{ "AS4_PATH before AS_PATH", ORIGIN
	  "c0 11 06 02 01 fa 56 ea 01 40 02 06 02 02 fd e7 5b a0 " NEXTHOP,
	  "64999 4200000001", 0 },
	{ "AS4_PATH longer is ignored", ORIGIN "40 02 04 02 01 5b a0 "
	  NEXTHOP "c0 11 0a 02 02 fa 56 ea 01 fa 56 ea 02 ", "23456", 0 },
	{ "AGGREGATOR not AS_TRANS: AS4 attributes ignored", ORIGIN
	  "40 02 04 02 01 5b a0 " NEXTHOP "c0 07 06 fd e8 c6 33 64 01 "
	  "c0 11 06 02 01 fa 56 ea 01 ", "23456", 65000 },
	{ "AS4_AGGREGATOR replaces AS_TRANS", ORIGIN
	  "40 02 04 02 01 5b a0 " NEXTHOP "c0 07 06 5b a0 c6 33 64 01 "
	  "c0 12 08 fa 56 ea 01 c6 33 64 01 c0 11 06 02 01 fa 56 ea 01 ",
	  "4200000001", 4200000001u },
	{ "confed in AS4_PATH dropped", ORIGIN
	  "40 02 06 02 02 fd e7 5b a0 " NEXTHOP
	  "c0 11 0c 03 01 00 00 fd e9 02 01 fa 56 ea 01 ",
	  "64999 4200000001", 0 },
};

START_TEST(test_as4_merge)
{
	struct attr_ctx c = ctx_of(EBGP2);
	struct bgp_update u;
	struct bgp_err e;
	uint8_t b[512];
	char buf[128];
	size_t n;

	c.peer_as = 0;	/* paths from several first ASes here */
	memset(&e, 0, sizeof(e));
	n = body(b, sizeof(b), "", as4_cases[_i].attrs, NLRI);
	update_decode(b, n, &c, &u, &scratch, &e);
	ck_assert_msg(e.action == BGP_ACT_NONE, "%s: %s", as4_cases[_i].name,
	    e.reason ? e.reason : "");
	ck_assert_str_eq(aspath_format(u.attrs.aspath, u.attrs.aspath_len,
	    buf, sizeof(buf)), as4_cases[_i].path);
	if (as4_cases[_i].aggregator_as != 0)
		ck_assert_uint_eq(u.attrs.aggregator_as,
		    as4_cases[_i].aggregator_as);
}
END_TEST

/* Encode for a 2-octet peer: AS_TRANS in AS_PATH plus AS4_PATH. */
START_TEST(test_encode_for_old_speaker)
{
	struct attr_ctx c4 = ctx_of(EBGP4), c2 = ctx_of(EBGP2);
	struct bgp_update u, u2;
	struct bgp_err e;
	struct buf_wr w;
	uint8_t b[512];
	char buf[128];
	size_t n;

	c4.peer_as = 4200000001u;
	c2.peer_as = 0;	/* decoding what we would send: our path */
	memset(&e, 0, sizeof(e));
	n = body(b, sizeof(b), "", ORIGIN
	    "40 02 0a 02 02 fa 56 ea 01 00 00 fd e8 " NEXTHOP, NLRI);
	update_decode(b, n, &c4, &u, &scratch, &e);
	ck_assert_int_eq(e.action, BGP_ACT_NONE);
	buf_wr_init(&w, 0);
	attr_encode(&w, &u.attrs, &c2);
	/* Ascending type order: AS4_PATH (17) after NEXT_HOP (3). */
	ck_assert_mem_eq(w.data, "\x40\x01\x01\x00"
	    "\x40\x02\x06\x02\x02\x5b\xa0\xfd\xe8"
	    "\x40\x03\x04\xc6\x33\x64\x01"
	    "\xc0\x11\x0a\x02\x02\xfa\x56\xea\x01\x00\x00\xfd\xe8", w.len);
	ck_assert_uint_eq(w.len, 4 + 9 + 7 + 13);
	/* And the old speaker's view decodes back to the same path. */
	n = body(b, sizeof(b), "", "", NLRI);
	{
		uint8_t b2[512];
		size_t off = 0;

		b2[off++] = 0;
		b2[off++] = 0;
		b2[off++] = 0;
		b2[off++] = (uint8_t)w.len;
		memcpy(b2 + off, w.data, w.len);
		off += w.len;
		memcpy(b2 + off, "\x18\x64\x40\x00", 4);
		off += 4;
		update_decode(b2, off, &c2, &u2, &scratch, &e);
	}
	ck_assert_str_eq(aspath_format(u2.attrs.aspath, u2.attrs.aspath_len,
	    buf, sizeof(buf)), "4200000001 65000");
	buf_wr_free(&w);
	(void)n;
}
END_TEST

static void
check_roundtrip(const char *hex, enum ctxk k)
{
	struct attr_ctx c = ctx_of(k);
	struct bgp_update u;
	struct bgp_err e;
	struct buf_wr w;
	uint8_t b[1024];
	size_t n = tu_hex(hex, b, sizeof(b));

	memset(&e, 0, sizeof(e));
	update_decode(b, n, &c, &u, &scratch, &e);
	ck_assert_int_eq(e.action, BGP_ACT_NONE);
	buf_wr_init(&w, 0);
	attr_encode(&w, &u.attrs, &c);
	/* The attribute field re-encodes to the same bytes. */
	ck_assert_uint_eq(w.len, (size_t)(b[2] << 8 | b[3]));
	ck_assert_mem_eq(w.data, b + 4, w.len);
	buf_wr_free(&w);
}

START_TEST(test_roundtrip_attrs)
{
	/* ORIGIN, AS_PATH, NEXT_HOP, MED, LOCAL_PREF, ATOMIC_AGGREGATE,
	 * AGGREGATOR, COMMUNITIES, ORIGINATOR_ID, CLUSTER_LIST, EXT and
	 * LARGE communities in canonical order. */
	check_roundtrip("00 00 00 67 " ORIGIN ASPATH NEXTHOP
	    "80 04 04 00 00 00 05 " LPREF "40 06 00 "
	    "c0 07 08 00 00 fd e8 c6 33 64 01 "
	    "c0 08 08 fd e8 00 01 ff ff ff 01 "
	    "80 09 04 c6 33 64 09 80 0a 08 f4 00 00 01 f4 00 00 02 "
	    "c0 10 08 00 02 fd e8 00 00 00 07 "
	    "c0 20 0c 00 00 fd e8 00 00 00 01 00 00 00 02 " NLRI, IBGP4);
}
END_TEST

START_TEST(test_unknown_gets_partial)
{
	struct attr_ctx c = ctx_of(IBGP4);
	struct bgp_update u;
	struct bgp_err e;
	struct buf_wr w;
	uint8_t b[256];
	size_t n;

	memset(&e, 0, sizeof(e));
	n = body(b, sizeof(b), "", BASE "c0 fe 02 ab cd 80 fd 01 ee", NLRI);
	update_decode(b, n, &c, &u, &scratch, &e);
	buf_wr_init(&w, 0);
	attr_encode(&w, &u.attrs, &c);
	/* Transitive one passed on with the Partial bit; the
	 * non-transitive one not at all. */
	ck_assert_mem_eq(w.data + w.len - 5, "\xe0\xfe\x02\xab\xcd", 5);
	ck_assert_uint_eq(w.len, 4 + 9 + 7 + 7 + 5);
	buf_wr_free(&w);
}
END_TEST

/* Flags of optional transitive attributes passed on (RFC 4271 5):
 * Partial is added to the ones we do not recognize, never to OTC (RFC
 * 9234), and never taken away.  Received attribute -> attribute sent. */
static const struct {
	const char *in, *out;
} passed_on[] = {
	{ "c0 23 04 00 00 fd e9 ", "c0 23 04 00 00 fd e9" },	/* OTC */
	{ "e0 23 04 00 00 fd e9 ", "e0 23 04 00 00 fd e9" },	/* partial */
	{ "d0 23 00 04 00 00 fd e9 ", "c0 23 04 00 00 fd e9" },	/* extlen */
	{ "c0 fe 02 ab cd ", "e0 fe 02 ab cd" },		/* unknown */
	{ "e0 fe 02 ab cd ", "e0 fe 02 ab cd" },
	{ "d0 fe 00 02 ab cd ", "e0 fe 02 ab cd" },
};

START_TEST(test_passed_on_flags)
{
	struct attr_ctx c = ctx_of(IBGP4);
	struct bgp_update u;
	struct bgp_err e;
	struct buf_wr w;
	uint8_t b[256], want[32];
	char attrs[256];
	size_t n, nw = tu_hex(passed_on[_i].out, want, sizeof(want));

	memset(&e, 0, sizeof(e));
	snprintf(attrs, sizeof(attrs), "%s%s", BASE, passed_on[_i].in);
	n = body(b, sizeof(b), "", attrs, NLRI);
	update_decode(b, n, &c, &u, &scratch, &e);
	ck_assert_int_eq(e.action, BGP_ACT_NONE);
	buf_wr_init(&w, 0);
	attr_encode(&w, &u.attrs, &c);
	ck_assert_uint_eq(w.len, 4 + 9 + 7 + 7 + nw);
	ck_assert_mem_eq(w.data + w.len - nw, want, nw);
	buf_wr_free(&w);
}
END_TEST

START_TEST(test_pack_ipv4)
{
	struct attr_ctx c = ctx_of(IBGP4);
	struct bgp_update u;
	struct bgp_err e;
	struct buf_wr w;
	struct ip_prefix *pfx = calloc(2000, sizeof(*pfx));
	struct ip_addr nh;
	uint8_t b[256];
	size_t n, done = 0, msgs = 0, count = 0;

	memset(&e, 0, sizeof(e));
	n = body(b, sizeof(b), "", BASE, NLRI);
	update_decode(b, n, &c, &u, &scratch, &e);
	addr_parse("198.51.100.7", &nh);
	for (int i = 0; i < 2000; i++) {
		addr_from_v4(&pfx[i].addr, 0x64400000u + (uint32_t)i * 256);
		pfx[i].len = 24;
	}
	buf_wr_init(&w, 0);
	while (done < 2000) {
		size_t start = w.len, k;

		k = update_encode_reach(&w, BGP_MAX_MSG, &c, &u.attrs, &nh,
		    NULL, pfx + done, NULL, 2000 - done);
		ck_assert_uint_gt(k, 0);
		ck_assert_uint_le(w.len - start, BGP_MAX_MSG);
		/* Every message but the last is full to within a prefix. */
		if (done + k < 2000)
			ck_assert_uint_gt(w.len - start, BGP_MAX_MSG - 4);
		done += k;
		msgs++;
	}
	/* 19 + 4 + 25 attribute octets, then 4 octets per /24. */
	ck_assert_uint_eq(msgs, (2000 + 1012 - 1) / 1012);
	/* Decode them all back. */
	for (size_t off = 0; off < w.len;) {
		struct msg_hdr h;
		struct buf_rd r;
		struct ip_prefix p;

		ck_assert_int_eq(msg_hdr_check(w.data + off, BGP_MAX_MSG, &h,
		    &e), 0);
		update_decode(w.data + off + 19, h.len - 19u, &c, &u, &scratch,
		    &e);
		ck_assert_int_eq(e.action, BGP_ACT_NONE);
		ck_assert(addr_eq(&u.attrs.nexthop, &nh));
		buf_rd_init(&r, u.nlri, u.nlri_len);
		while (buf_left(&r) > 0) {
			ck_assert_int_eq(nlri_get(&r, AF_INET, false, &p, NULL),
			    0);
			ck_assert(addr_pfx_eq(&p, &pfx[count]));
			count++;
		}
		off += h.len;
	}
	ck_assert_uint_eq(count, 2000);
	buf_wr_free(&w);
	free(pfx);
}
END_TEST

START_TEST(test_pack_ipv6_and_withdraw)
{
	struct attr_ctx c = ctx_of(EBGP4);
	struct bgp_update u;
	struct bgp_err e;
	struct buf_wr w;
	struct ip_prefix pfx[600];
	struct ip_addr nh, ll;
	uint8_t b[256];
	size_t n, k, count = 0;

	memset(&e, 0, sizeof(e));
	n = body(b, sizeof(b), "", ORIGIN ASPATH, "");
	update_decode(b, n, &c, &u, &scratch, &e);
	addr_parse("2001:db8:100::1", &nh);
	addr_parse("fe80::1", &ll);
	for (int i = 0; i < 600; i++) {
		addr_parse("2001:db8:1000::", &pfx[i].addr);
		pfx[i].addr.b[6] = (uint8_t)(i >> 8);
		pfx[i].addr.b[7] = (uint8_t)i;
		pfx[i].len = 64;
	}
	buf_wr_init(&w, 0);
	k = update_encode_reach(&w, BGP_MAX_MSG, &c, &u.attrs, &nh, &ll, pfx,
	    NULL, 600);
	/* 19 + 4 + (4 + 5 + 32) MP header + 13 other = 77; 9 per /64. */
	ck_assert_uint_eq(k, (BGP_MAX_MSG - 77) / 9);
	update_decode(w.data + 19, w.len - 19, &c, &u, &scratch, &e);
	ck_assert_int_eq(e.action, BGP_ACT_NONE);
	ck_assert(u.attrs.mp_reach.usable);
	ck_assert(addr_eq(&u.attrs.mp_reach.nh, &nh));
	ck_assert(addr_eq(&u.attrs.mp_reach.nh_ll, &ll));
	{
		struct buf_rd r;
		struct ip_prefix p;

		buf_rd_init(&r, u.attrs.mp_reach.nlri,
		    u.attrs.mp_reach.nlri_len);
		while (nlri_get(&r, AF_INET6, false, &p, NULL) == 0)
			ck_assert(addr_pfx_eq(&p, &pfx[count++]));
		ck_assert_uint_eq(count, k);
	}
	/* Withdrawals pack too: MP_UNREACH for IPv6, field for IPv4. */
	buf_wr_reset(&w);
	k = update_encode_withdraw(&w, BGP_MAX_MSG, &c, pfx, NULL, 300);
	ck_assert_uint_eq(k, 300);
	update_decode(w.data + 19, w.len - 19, &c, &u, &scratch, &e);
	ck_assert_int_eq(e.action, BGP_ACT_NONE);
	ck_assert_uint_eq(u.attrs.mp_unreach.nlri_len, 300 * 9);
	buf_wr_free(&w);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("update");
	TCase *tc = tcase_create("update");

	tcase_add_loop_test(tc, test_rfc7606_rows, 0,
	    sizeof(rows) / sizeof(rows[0]));
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_withdrawn_lengths);
	tcase_add_test(tc, test_end_of_rib);
	tcase_add_loop_test(tc, test_as4_merge, 0,
	    sizeof(as4_cases) / sizeof(as4_cases[0]));
	tcase_add_test(tc, test_encode_for_old_speaker);
	tcase_add_test(tc, test_roundtrip_attrs);
	tcase_add_test(tc, test_unknown_gets_partial);
	tcase_add_loop_test(tc, test_passed_on_flags, 0,
	    sizeof(passed_on) / sizeof(passed_on[0]));
	tcase_add_test(tc, test_pack_ipv4);
	tcase_add_test(tc, test_pack_ipv6_and_withdraw);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
