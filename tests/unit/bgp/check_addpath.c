/*
 * Unit tests for ADD-PATH (RFC 7911) across bgp/: path identifiers in
 * the codec (byte tables, malformed ones included), the capability and
 * its negotiation, the RIB keyed by (peer, path id), the Adj-RIB-Out
 * sending every path with ids of its own, and speakers around a route
 * reflector (spnet) where a client gets both paths of a prefix and
 * makes one ECMP set of them.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/adjout.h"
#include "bgp/attrset.h"
#include "bgp/decide.h"
#include "bgp/msg.h"
#include "bgp/nlri.h"
#include "bgp/rib.h"
#include "bgp/speaker.h"
#include "bgp/update.h"
#include "tests/unit/util/spnet.h"
#include "tests/unit/util/testutil.h"

/* Attributes, in hex (as check_update.c): AS 65000, 198.51.100.1. */
#define ORIGIN		"40 01 01 00 "
#define ASPATH		"40 02 06 02 01 00 00 fd e8 "
#define NEXTHOP		"40 03 04 c6 33 64 01 "
#define LPREF		"40 05 04 00 00 00 64 "
#define BASE		ORIGIN ASPATH NEXTHOP LPREF
#define V6HEAD		"00 02 01 10 20 01 0d b8 00 00 00 00 00 00 00 00 " \
			"00 00 00 01 00 "
#define P48		"30 20 01 0d b8 10 00 "		/* 2001:db8:1000::/48 */

static struct attr_scratch scratch;

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
	return off + tu_hex(nlri, out + off, size - off);
}

/* "id:prefix" for each NLRI of a field, appended to out. */
static void
walk(const uint8_t *p, size_t len, int af, bool ids, char *out, size_t size)
{
	struct buf_rd r;
	struct ip_prefix x;
	uint32_t id;
	char b[ADDR_PFX_STRLEN];

	buf_rd_init(&r, p, len);
	while (buf_left(&r) > 0) {
		size_t o = strlen(out);

		ck_assert_int_eq(nlri_get(&r, af, ids, &x, &id), 0);
		snprintf(out + o, size - o, "%s%u:%s", o ? " " : "", id,
		    addr_pfx_fmt(&x, b, sizeof(b)));
	}
}

static struct attr_ctx
ctx_ids(bool v4, bool v6)
{
	struct attr_ctx c;

	memset(&c, 0, sizeof(c));
	c.as4 = true;
	c.ipv4 = c.ipv6 = true;
	c.addpath_v4 = v4;
	c.addpath_v6 = v6;
	return c;
}

/* ---- codec ---- */

static const struct crow {
	const char *name;
	bool	v4, v6;			/* path ids received, per family */
	const char *withdrawn, *attrs, *nlri;
	enum bgp_action act;
	uint8_t	subcode;
	const char *ann, *wd;		/* what decodes, "id:prefix ..." */
} crows[] = {
	{ "v4 two paths of one prefix", true, false, "", BASE,
	  "00 00 00 01 18 64 40 00 00 00 00 02 18 64 40 00", BGP_ACT_NONE,
	  0, "1:100.64.0.0/24 2:100.64.0.0/24", "" },
	{ "v4 path id 0 is an id", true, false, "", BASE,
	  "00 00 00 00 18 64 40 00", BGP_ACT_NONE, 0, "0:100.64.0.0/24", "" },
	{ "v4 highest path id, /32", true, false, "", BASE,
	  "ff ff ff ff 20 c6 33 64 05", BGP_ACT_NONE, 0,
	  "4294967295:198.51.100.5/32", "" },
	{ "v4 default route", true, false, "", BASE, "00 00 00 03 00",
	  BGP_ACT_NONE, 0, "3:0.0.0.0/0", "" },
	{ "v4 withdrawal names its path", true, false,
	  "00 00 00 07 18 64 40 00 00 00 00 08 18 64 40 00", "", "",
	  BGP_ACT_NONE, 0, "", "7:100.64.0.0/24 8:100.64.0.0/24" },
	{ "v6 MP_REACH two paths", false, true, "",
	  "80 0e 2b " V6HEAD "00 00 00 01 " P48 "00 00 00 02 " P48
	  ORIGIN ASPATH LPREF, "", BGP_ACT_NONE, 0,
	  "1:2001:db8:1000::/48 2:2001:db8:1000::/48", "" },
	{ "v6 MP_UNREACH names its path", false, true, "",
	  "80 0f 0e 00 02 01 00 00 00 09 " P48, "", BGP_ACT_NONE, 0, "",
	  "9:2001:db8:1000::/48" },
	{ "ids for IPv6 only", false, true, "", BASE "80 0e 20 " V6HEAD
	  "00 00 00 05 " P48, "18 64 40 00", BGP_ACT_NONE, 0,
	  "0:100.64.0.0/24 5:2001:db8:1000::/48", "" },
	/* RFC 7606 5.3: NLRI that cannot be parsed cannot be withdrawn:
	 * a session reset, as for any malformed prefix. */
	{ "v4 path id truncated", true, false, "", BASE, "00 00 00",
	  BGP_ACT_RESET, BGP_UPD_NETWORK, NULL, NULL },
	{ "v4 path id without a prefix", true, false, "", BASE,
	  "00 00 00 01", BGP_ACT_RESET, BGP_UPD_NETWORK, NULL, NULL },
	{ "v4 prefix cut after its id", true, false, "", BASE,
	  "00 00 00 01 18 64 40", BGP_ACT_RESET, BGP_UPD_NETWORK, NULL,
	  NULL },
	{ "v4 length 33 after the id", true, false, "", BASE,
	  "00 00 00 01 21 64 40 00 00 00", BGP_ACT_RESET, BGP_UPD_NETWORK,
	  NULL, NULL },
	{ "v4 withdrawn path id truncated", true, false, "00 00 01", "", "",
	  BGP_ACT_RESET, BGP_UPD_NETWORK, NULL, NULL },
	{ "v4 withdrawn length cuts a prefix", true, false,
	  "00 00 00 01 18 64", "", "", BGP_ACT_RESET, BGP_UPD_NETWORK, NULL,
	  NULL },
	{ "v4 ids sent, not negotiated", false, false, "", BASE,
	  "00 00 00 01 18 64 40 00", BGP_ACT_RESET, BGP_UPD_NETWORK, NULL,
	  NULL },
	{ "v4 ids negotiated, not sent", true, false, "", BASE,
	  "18 64 40 00", BGP_ACT_RESET, BGP_UPD_NETWORK, NULL, NULL },
	{ "v6 MP_REACH path id truncated", false, true, "",
	  "80 0e 18 " V6HEAD "00 00 00 " ORIGIN ASPATH LPREF, "",
	  BGP_ACT_RESET, BGP_UPD_OPTATTR, NULL, NULL },
	{ "v6 MP_REACH prefix cut after its id", false, true, "",
	  "80 0e 1c " V6HEAD "00 00 00 01 30 20 01 " ORIGIN ASPATH LPREF,
	  "", BGP_ACT_RESET, BGP_UPD_OPTATTR, NULL, NULL },
	{ "v6 MP_UNREACH path id truncated", false, true, "",
	  "80 0f 05 00 02 01 00 00", "", BGP_ACT_RESET, BGP_UPD_OPTATTR,
	  NULL, NULL },
	{ "v6 MP_UNREACH ids not negotiated", false, false, "",
	  "80 0f 0e 00 02 01 00 00 00 09 " P48, "", BGP_ACT_RESET,
	  BGP_UPD_OPTATTR, NULL, NULL },
};

/* IPv4 prefixes in an "id:prefix ..." list. */
static unsigned
v4_words(const char *s)
{
	unsigned n = 0;

	for (const char *w = s; *w != '\0'; ) {
		size_t len = strcspn(w, " ");

		if (memchr(w, '.', len) != NULL)
			n++;
		w += len;
		w += *w == ' ';
	}
	return n;
}

START_TEST(test_codec_rows)
{
	const struct crow *r = &crows[_i];
	struct attr_ctx c = ctx_ids(r->v4, r->v6);
	struct bgp_update u;
	struct bgp_err e;
	uint8_t b[4096];
	char ann[512] = "", wd[512] = "";
	size_t n = body(b, sizeof(b), r->withdrawn, r->attrs, r->nlri);

	memset(&e, 0, sizeof(e));
	update_decode(b, n, &c, &u, &scratch, &e);
	ck_assert_msg(e.action == r->act, "%s: action %s (%s)", r->name,
	    bgp_action_name(e.action), e.reason ? e.reason : "");
	if (r->act != BGP_ACT_NONE) {
		ck_assert_uint_eq(e.code, BGP_ERR_UPDATE);
		ck_assert_msg(e.subcode == r->subcode, "%s: subcode %u",
		    r->name, e.subcode);
		return;
	}
	ck_assert(!u.eor);
	walk(u.nlri, u.nlri_len, AF_INET, r->v4, ann, sizeof(ann));
	if (u.attrs.mp_reach.usable)
		walk(u.attrs.mp_reach.nlri, u.attrs.mp_reach.nlri_len,
		    AF_INET6, r->v6, ann, sizeof(ann));
	walk(u.withdrawn, u.withdrawn_len, AF_INET, r->v4, wd, sizeof(wd));
	if (u.attrs.mp_unreach.usable)
		walk(u.attrs.mp_unreach.nlri, u.attrs.mp_unreach.nlri_len,
		    AF_INET6, r->v6, wd, sizeof(wd));
	ck_assert_msg(strcmp(ann, r->ann) == 0, "%s: announced '%s'",
	    r->name, ann);
	ck_assert_msg(strcmp(wd, r->wd) == 0, "%s: withdrawn '%s'", r->name,
	    wd);
	ck_assert_uint_eq(nlri_count(u.nlri, u.nlri_len, AF_INET, r->v4),
	    v4_words(r->ann));
}
END_TEST

/* End-of-RIB is the same with path ids negotiated (RFC 7911 changes
 * only the NLRI encoding). */
START_TEST(test_codec_eor)
{
	struct attr_ctx c = ctx_ids(true, true);
	struct bgp_update u;
	struct bgp_err e;
	uint8_t b[64];
	size_t n;

	memset(&e, 0, sizeof(e));
	n = tu_hex("00 00 00 00", b, sizeof(b));
	update_decode(b, n, &c, &u, &scratch, &e);
	ck_assert(u.eor && u.eor_af == AF_INET);
	n = tu_hex("00 00 00 06 80 0f 03 00 02 01", b, sizeof(b));
	update_decode(b, n, &c, &u, &scratch, &e);
	ck_assert(u.eor && u.eor_af == AF_INET6);
	ck_assert_int_eq(e.action, BGP_ACT_NONE);
}
END_TEST

/* Decode every UPDATE in w into "A id:pfx" / "W id:pfx" words. */
static unsigned
decode_all(const struct buf_wr *w, bool ids, char *out, size_t size)
{
	struct attr_ctx c = ctx_ids(ids, ids);
	size_t pos = 0;
	unsigned msgs = 0;

	out[0] = '\0';
	while (pos < w->len) {
		const uint8_t *m = w->data + pos;
		size_t len = (size_t)m[16] << 8 | m[17];
		struct bgp_update u;
		struct bgp_err e;
		static char a[16384], d[16384];
		size_t o;

		a[0] = d[0] = '\0';
		ck_assert_uint_eq(m[18], BGP_MSG_UPDATE);
		ck_assert_uint_le(len, BGP_MAX_MSG);
		memset(&e, 0, sizeof(e));
		update_decode(m + BGP_HDR_LEN, len - BGP_HDR_LEN, &c, &u,
		    &scratch, &e);
		ck_assert_int_eq(e.action, BGP_ACT_NONE);
		walk(u.nlri, u.nlri_len, AF_INET, ids, a, sizeof(a));
		if (u.attrs.mp_reach.usable)
			walk(u.attrs.mp_reach.nlri, u.attrs.mp_reach.nlri_len,
			    AF_INET6, ids, a, sizeof(a));
		walk(u.withdrawn, u.withdrawn_len, AF_INET, ids, d, sizeof(d));
		if (u.attrs.mp_unreach.usable)
			walk(u.attrs.mp_unreach.nlri,
			    u.attrs.mp_unreach.nlri_len, AF_INET6, ids, d,
			    sizeof(d));
		o = strlen(out);
		snprintf(out + o, size - o, "%s%s%s%s%s%s", o ? " | " : "",
		    *a ? "A " : "", a, *a && *d ? " " : "", *d ? "W " : "", d);
		pos += len;
		msgs++;
	}
	return msgs;
}

/* The encoder counts the 4 octets of each id: 300 /32s with ids fill
 * messages of at most 4096 octets and come back whole. */
START_TEST(test_codec_encode_sizes)
{
	struct attr_ctx c = ctx_ids(true, true);
	struct ip_prefix pfx[600];
	uint32_t ids[600];
	struct bgp_attrs a;
	struct ip_addr nh;
	struct buf_wr w;
	size_t done = 0, k;
	unsigned msgs = 0;
	char *out = malloc(1 << 16);

	memset(&a, 0, sizeof(a));
	a.present = ATTR_P_ORIGIN | ATTR_P_AS_PATH | ATTR_P_LOCAL_PREF;
	a.local_pref = 100;
	addr_parse("198.51.100.1", &nh);
	for (int i = 0; i < 600; i++) {
		addr_from_v4(&pfx[i].addr, 0x64400000u + (uint32_t)i);
		pfx[i].len = 32;
		ids[i] = 1000u + (uint32_t)i;
	}
	buf_wr_init(&w, 0);
	while (done < 600) {
		k = update_encode_reach(&w, BGP_MAX_MSG, &c, &a, &nh, NULL,
		    pfx + done, ids + done, 600 - done);
		ck_assert_uint_gt(k, 0);
		done += k;
		msgs++;
	}
	/* 9 octets a path: fewer per message than the 5 without ids. */
	ck_assert_uint_ge(msgs, 2);
	ck_assert_uint_eq(decode_all(&w, true, out, 1 << 16), msgs);
	ck_assert_ptr_nonnull(strstr(out, "A 1000:100.64.0.0/32 "));
	ck_assert_ptr_nonnull(strstr(out, " 1599:100.64.2.87/32"));
	buf_wr_reset(&w);
	done = 0;
	while (done < 600)
		done += update_encode_withdraw(&w, BGP_MAX_MSG, &c, pfx + done,
		    ids + done, 600 - done);
	decode_all(&w, true, out, 1 << 16);
	ck_assert_ptr_nonnull(strstr(out, "W 1000:100.64.0.0/32 "));
	ck_assert_ptr_nonnull(strstr(out, " 1599:100.64.2.87/32"));
	buf_wr_free(&w);
	free(out);
}
END_TEST

/* ---- the capability ---- */

static const struct nrow {
	uint8_t	ours, theirs, want;
} nrows[] = {
	{ 3, 3, MSG_ADDPATH_RX | MSG_ADDPATH_TX },
	{ 3, 1, MSG_ADDPATH_TX },	/* they only receive */
	{ 3, 2, MSG_ADDPATH_RX },	/* they only send */
	{ 1, 3, MSG_ADDPATH_RX },
	{ 2, 3, MSG_ADDPATH_TX },
	{ 1, 1, 0 },
	{ 2, 2, 0 },
	{ 1, 2, MSG_ADDPATH_RX },
	{ 3, 0, 0 },			/* no capability from them */
	{ 0, 3, 0 },
};

START_TEST(test_negotiation)
{
	const struct nrow *r = &nrows[_i];
	struct msg_caps a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (r->ours) {
		a.addpath = true;
		a.addpath_afs[a.naddpath_afs++] = (struct msg_af){ 1, 1,
		    r->ours, 0 };
	}
	if (r->theirs) {
		b.addpath = true;
		b.addpath_afs[b.naddpath_afs++] = (struct msg_af){ 1, 1,
		    r->theirs, 0 };
	}
	ck_assert_uint_eq(msg_addpath_neg(&a, &b, 1, 1), r->want);
	/* Per family: IPv6 was not offered. */
	ck_assert_uint_eq(msg_addpath_neg(&a, &b, 2, 1), 0);
}
END_TEST

#define OPENHEAD	"04 fd e8 00 5a c6 33 64 01 "

START_TEST(test_capability_decode)
{
	uint8_t b[256];
	struct msg_open o;
	struct bgp_err e;
	size_t n;

	/* IPv4 send/receive, IPv6 receive. */
	memset(&e, 0, sizeof(e));
	n = tu_hex(OPENHEAD "0c 02 0a 45 08 00 01 01 03 00 02 01 01", b,
	    sizeof(b));
	ck_assert_int_eq(msg_open_decode(b, n, &o, &e), 0);
	ck_assert(o.caps.addpath);
	ck_assert_uint_eq(o.caps.naddpath_afs, 2);
	ck_assert_uint_eq(msg_caps_find(o.caps.addpath_afs, 2, 2, 1)->flags,
	    MSG_ADDPATH_RX);
	/* RFC 7911 4: Send/Receive 4 (or 0): not understood, ignored. */
	n = tu_hex(OPENHEAD "08 02 06 45 04 00 01 01 04", b, sizeof(b));
	ck_assert_int_eq(msg_open_decode(b, n, &o, &e), 0);
	ck_assert(!o.caps.addpath);
	ck_assert_uint_eq(o.caps.naddpath_afs, 0);
	ck_assert_uint_eq(o.caps.nunknown, 1);
	ck_assert_uint_eq(o.caps.unknown[0], BGP_CAP_ADDPATH);
	n = tu_hex(OPENHEAD "08 02 06 45 04 00 01 01 00", b, sizeof(b));
	ck_assert_int_eq(msg_open_decode(b, n, &o, &e), 0);
	ck_assert(!o.caps.addpath);
	/* A length that is no multiple of 4 is malformed. */
	n = tu_hex(OPENHEAD "07 02 05 45 03 00 01 01", b, sizeof(b));
	ck_assert_int_eq(msg_open_decode(b, n, &o, &e), -1);
	ck_assert_uint_eq(e.code, BGP_ERR_OPEN);
}
END_TEST

/* ---- the RIB ---- */

static struct rib_peer rr;

static struct attrset *
mkset(uint32_t lp, uint32_t originator, const char *nh, uint32_t comm)
{
	struct bgp_attrs a;
	struct ip_addr n;
	uint8_t cl[4] = { 1, 1, 1, 1 }, c[4];

	memset(&a, 0, sizeof(a));
	a.present = ATTR_P_ORIGIN | ATTR_P_AS_PATH | ATTR_P_LOCAL_PREF;
	a.local_pref = lp;
	if (originator != 0) {
		a.present |= ATTR_P_ORIGINATOR_ID | ATTR_P_CLUSTER_LIST;
		a.originator_id = originator;
		a.cluster_list = cl;
		a.ncluster = 1;
	}
	if (comm != 0) {
		c[0] = (uint8_t)(comm >> 24);
		c[1] = (uint8_t)(comm >> 16);
		c[2] = (uint8_t)(comm >> 8);
		c[3] = (uint8_t)comm;
		a.present |= ATTR_P_COMMUNITIES;
		a.communities = c;
		a.ncommunities = 1;
	}
	addr_parse(nh, &n);
	return attrset_intern(&a, &n, NULL);
}

static void
rib_setup(struct rib *r)
{
	rib_init(r);
	rib_peer_init(&rr);
	addr_parse("198.51.100.1", &rr.addr);
	rr.router_id = 0xc6336401;
}

static unsigned
npaths(const struct rib_entry *e)
{
	unsigned n = 0;

	for (const struct rib_path *q = e ? rib_best(e) : NULL; q != NULL;
	    q = q->next)
		n++;
	return n;
}

static void
drain(struct rib *r)
{
	struct rib_entry *e;

	while ((e = rib_dirty_pop(r)) != NULL)
		rib_entry_done(r, e);
}

/* A reflector's two paths: they differ in ORIGINATOR_ID and next hop
 * and still make one ECMP set (BIRD's bgp_rte_mergable ignores both);
 * an update replaces only its own path id, a withdrawal only its own. */
START_TEST(test_rib_paths_of_one_peer)
{
	struct rib r;
	struct ip_prefix p;
	struct attrset *a = mkset(100, 0xc6336402, "198.51.100.2", 0);
	struct attrset *b = mkset(100, 0xc6336403, "198.51.100.3", 0);
	struct attrset *c = mkset(200, 0xc6336404, "198.51.100.4", 0);
	const struct rib_entry *e;

	rib_setup(&r);
	addr_pfx_parse("100.64.0.0/26", &p, false);
	rib_update(&r, &rr, &p, 1, attrset_ref(a));
	rib_update(&r, &rr, &p, 2, attrset_ref(b));
	e = rib_lookup(&r, &p);
	ck_assert_uint_eq(npaths(e), 2);
	ck_assert_uint_eq(e->necmp, 2);
	ck_assert_uint_eq(rr.npaths, 2);
	ck_assert_uint_eq(rib_count(&r), 1);
	/* Lower ORIGINATOR_ID first (RFC 4456 9). */
	ck_assert_uint_eq(rib_best(e)->path_id, 1);
	ck_assert_ptr_eq(rib_path_of(e, &rr, 2)->attrs, b);
	ck_assert_ptr_null(rib_path_of(e, &rr, 0));
	/* Path 3, better: alone in the set; the others stay. */
	rib_update(&r, &rr, &p, 3, attrset_ref(c));
	ck_assert_uint_eq(npaths(e), 3);
	ck_assert_uint_eq(e->necmp, 1);
	ck_assert_uint_eq(rib_best(e)->path_id, 3);
	/* Path 3 replaced by worse attributes: only path 3 changes. */
	rib_update(&r, &rr, &p, 3, mkset(50, 0xc6336404, "198.51.100.4",
	    0));
	ck_assert_uint_eq(npaths(e), 3);
	ck_assert_uint_eq(e->necmp, 2);
	ck_assert_uint_eq(rib_path_of(e, &rr, 3)->attrs->local_pref, 50);
	ck_assert_ptr_eq(rib_path_of(e, &rr, 1)->attrs, a);
	/* A withdrawal names its path. */
	ck_assert(!rib_withdraw(&r, &rr, &p, 7));
	ck_assert(rib_withdraw(&r, &rr, &p, 1));
	ck_assert_uint_eq(npaths(e), 2);
	ck_assert_ptr_null(rib_path_of(e, &rr, 1));
	ck_assert_uint_eq(rib_best(e)->path_id, 2);
	ck_assert_uint_eq(e->necmp, 1);
	ck_assert_uint_eq(rr.npaths, 2);
	/* Session down: every path of the peer goes. */
	ck_assert_uint_eq(rib_peer_flush(&r, &rr, 0), 0);
	ck_assert_uint_eq(rib_count(&r), 0);
	ck_assert_uint_eq(r.npaths, 0);
	drain(&r);
	ck_assert_uint_eq(rib_entries(&r), 0);
	attrset_unref(a);
	attrset_unref(b);
	attrset_unref(c);
	rib_free(&r);
}
END_TEST

/* Same attributes, same peer: the path id decides, and only the same
 * path compares equal. */
START_TEST(test_decide_path_id)
{
	struct attrset *a = mkset(100, 0, "198.51.100.2", 0);
	struct rib_path x = { NULL, &rr, a, 5, 0 }, y = { NULL, &rr, a, 9, 0 };

	rib_peer_init(&rr);
	ck_assert_int_lt(decide_cmp(&x, &y), 0);
	ck_assert_int_gt(decide_cmp(&y, &x), 0);
	ck_assert_int_eq(decide_cmp(&x, &x), 0);
	ck_assert(decide_ecmp(&x, &y));
	ck_assert_str_eq(decide_reason(&x, &y), "path id");
	attrset_unref(a);
}
END_TEST

static struct attrset *
tag(const struct attrset *a, void *arg)
{
	struct bgp_attrs v;
	uint8_t c[4] = { 0xff, 0xff, 0, 6 };

	attrset_view(a, &v);
	v.present |= ATTR_P_COMMUNITIES;
	v.communities = c;
	v.ncommunities = 1;
	return attrset_intern(&v, &a->nexthop, NULL);
}

/* Graceful restart per path: all of the peer's paths are marked, a
 * re-sent one is fresh again, the others go at the flush; retagging
 * (LLGR) keeps each path's id. */
START_TEST(test_rib_stale_per_path)
{
	struct rib r;
	struct ip_prefix p, q;
	struct attrset *a = mkset(100, 0xc6336402, "198.51.100.2", 0);
	struct attrset *b = mkset(100, 0xc6336403, "198.51.100.3", 0);
	const struct rib_entry *e;

	rib_setup(&r);
	addr_pfx_parse("100.64.0.0/26", &p, false);
	addr_pfx_parse("100.64.1.0/26", &q, false);
	rib_update(&r, &rr, &p, 1, attrset_ref(a));
	rib_update(&r, &rr, &p, 2, attrset_ref(b));
	rib_update(&r, &rr, &q, 1, attrset_ref(a));
	rib_peer_mark_stale(&r, &rr);
	ck_assert_uint_eq(rr.nstale, 3);
	/* Retag (RFC 9494): both paths of p, each keeping its id. */
	rib_peer_walk_reset(&rr);
	ck_assert(rib_peer_retag_stale(&r, &rr, 0, tag, NULL));
	ck_assert_uint_eq(rr.nstale, 3);
	e = rib_lookup(&r, &p);
	ck_assert_uint_eq(npaths(e), 2);
	ck_assert_uint_eq(rib_path_of(e, &rr, 1)->attrs->ncommunities, 1);
	ck_assert_uint_eq(rib_path_of(e, &rr, 2)->attrs->ncommunities, 1);
	ck_assert(rib_path_of(e, &rr, 2)->flags & RIB_PATH_STALE);
	/* Back: path 2 of p re-sent; End-of-RIB flushes the rest. */
	rib_update(&r, &rr, &p, 2, attrset_ref(b));
	ck_assert_uint_eq(rr.nstale, 2);
	ck_assert(!(rib_path_of(e, &rr, 2)->flags & RIB_PATH_STALE));
	ck_assert_uint_eq(rib_peer_flush_stale(&r, &rr, 0), 0);
	ck_assert_uint_eq(npaths(e), 1);
	ck_assert_ptr_nonnull(rib_path_of(e, &rr, 2));
	ck_assert_ptr_null(rib_best(rib_lookup(&r, &q)));
	ck_assert_uint_eq(rr.npaths, 1);
	ck_assert_uint_eq(r.npaths, 1);
	rib_peer_flush(&r, &rr, 0);
	drain(&r);
	attrset_unref(a);
	attrset_unref(b);
	rib_free(&r);
}
END_TEST

/* A change of a path outside the selection queues its entry only while
 * someone takes every path (all_changes). */
START_TEST(test_rib_all_changes)
{
	struct rib r;
	struct ip_prefix p;
	struct attrset *a = mkset(200, 0, "198.51.100.2", 0);

	rib_setup(&r);
	addr_pfx_parse("100.64.0.0/26", &p, false);
	rib_update(&r, &rr, &p, 1, attrset_ref(a));
	rib_update(&r, &rr, &p, 2, mkset(100, 0, "198.51.100.3", 0));
	drain(&r);
	rib_update(&r, &rr, &p, 2, mkset(90, 0, "198.51.100.3", 0));
	ck_assert_ptr_null(rib_dirty_pop(&r));
	r.all_changes = true;
	rib_update(&r, &rr, &p, 2, mkset(80, 0, "198.51.100.3", 0));
	ck_assert_ptr_eq(rib_dirty_pop(&r), rib_lookup(&r, &p));
	rib_withdraw(&r, &rr, &p, 2);
	ck_assert_ptr_eq(rib_dirty_pop(&r), rib_lookup(&r, &p));
	rib_peer_flush(&r, &rr, 0);
	drain(&r);
	attrset_unref(a);
	rib_free(&r);
}
END_TEST

/* ---- the Adj-RIB-Out ---- */

static struct buf_wr *
tw_out(void *arg, struct adjout_member *m)
{
	return arg;
}

static void
tw_sent(void *arg, struct adjout_member *m, unsigned n)
{
}

/* A group with one member (src 99) that takes everything. */
static void
group_init(struct adjout *o, struct adjout_member *m, bool addpath)
{
	struct adjout_enc enc;

	memset(&enc, 0, sizeof(enc));
	enc.actx = ctx_ids(true, true);
	enc.max_msg = BGP_MAX_MSG;
	addr_parse("198.51.100.9", &enc.nh);
	adjout_init(o, addpath, &enc);
	memset(m, 0, sizeof(*m));
	adjout_join(o, m, 99, NULL);
}

static unsigned
flush_out(struct adjout *o, struct buf_wr *w, char *out, size_t size)
{
	const struct adjout_sink s = { tw_out, tw_sent, w };
	size_t budget = SIZE_MAX;

	buf_wr_reset(w);
	ck_assert(!adjout_flush(o, &s, &budget));
	return decode_all(w, o->addpath, out, size);
}

static void
want(struct adjout *o, const char *pfx, const uint32_t *src, size_t n,
    struct attrset *const *sets)
{
	struct adjout_want v[8];
	struct ip_prefix p;

	ck_assert_int_eq(addr_pfx_parse(pfx, &p, false), 0);
	for (size_t i = 0; i < n; i++)
		v[i] = (struct adjout_want){ src[i], 0, attrset_ref(sets[i]) };
	adjout_set_paths(o, &p, v, n);
}

START_TEST(test_adjout_every_path)
{
	struct adjout o;
	struct adjout_member m;
	struct buf_wr w;
	char out[4096];
	struct attrset *a = mkset(100, 0, "198.51.100.2", 0);
	struct attrset *b = mkset(100, 0, "198.51.100.3", 0);
	const uint32_t s12[] = { 1, 2 }, s1[] = { 1 }, s13[] = { 1, 3 },
	    s14[] = { 1, 4 }, s15[] = { 1, 5 };

	group_init(&o, &m, true);
	buf_wr_init(&w, 0);
	/* Two paths: two sets, two UPDATEs, ids 1 and 2. */
	want(&o, "100.64.0.0/26", s12, 2, (struct attrset *[]){ a, b });
	ck_assert_uint_eq(flush_out(&o, &w, out, sizeof(out)), 2);
	ck_assert_ptr_nonnull(strstr(out, "A 1:100.64.0.0/26"));
	ck_assert_ptr_nonnull(strstr(out, "A 2:100.64.0.0/26"));
	ck_assert_uint_eq(adjout_member_count(&m), 2);
	/* The same again: nothing to send. */
	want(&o, "100.64.0.0/26", s12, 2, (struct attrset *[]){ a, b });
	ck_assert_uint_eq(flush_out(&o, &w, out, sizeof(out)), 0);
	/* One path goes: only its id is withdrawn. */
	want(&o, "100.64.0.0/26", s1, 1, (struct attrset *[]){ a });
	ck_assert_uint_eq(flush_out(&o, &w, out, sizeof(out)), 1);
	ck_assert_str_eq(out, "W 2:100.64.0.0/26");
	ck_assert_uint_eq(adjout_member_count(&m), 1);
	/* A path's new attributes keep its id. */
	want(&o, "100.64.0.0/26", s1, 1, (struct attrset *[]){ b });
	flush_out(&o, &w, out, sizeof(out));
	ck_assert_str_eq(out, "A 1:100.64.0.0/26");
	/* Id 2 was withdrawn and that went out: free for a new path. */
	want(&o, "100.64.0.0/26", s13, 2, (struct attrset *[]){ b, a });
	flush_out(&o, &w, out, sizeof(out));
	ck_assert_str_eq(out, "A 2:100.64.0.0/26");
	/* Path 3 goes and path 4 comes before that goes out: 4 may not
	 * have 2 while 2's withdrawal is still to go. */
	want(&o, "100.64.0.0/26", s14, 2, (struct attrset *[]){ b, a });
	flush_out(&o, &w, out, sizeof(out));
	ck_assert_str_eq(out, "W 2:100.64.0.0/26 | A 3:100.64.0.0/26");
	ck_assert_uint_eq(o.nentries, 2);
	/* A path that comes and goes before anything went out needs no
	 * withdrawal (the peer never had its id). */
	want(&o, "100.64.0.0/26", s15, 2, (struct attrset *[]){ b, a });
	want(&o, "100.64.0.0/26", s1, 1, (struct attrset *[]){ b });
	ck_assert_uint_eq(o.nentries, 2);
	flush_out(&o, &w, out, sizeof(out));
	ck_assert_str_eq(out, "W 3:100.64.0.0/26");
	ck_assert_uint_eq(o.nentries, 1);
	/* All gone. */
	want(&o, "100.64.0.0/26", s13, 2, (struct attrset *[]){ b, a });
	flush_out(&o, &w, out, sizeof(out));
	want(&o, "100.64.0.0/26", NULL, 0, NULL);
	flush_out(&o, &w, out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "1:100.64.0.0/26"));
	ck_assert_ptr_nonnull(strstr(out, "2:100.64.0.0/26"));
	ck_assert(strncmp(out, "W ", 2) == 0 && strchr(out, '|') == NULL);
	ck_assert_uint_eq(o.nentries, 0);
	ck_assert_uint_eq(adjout_member_count(&m), 0);
	adjout_leave(&m);
	adjout_free(&o);
	buf_wr_free(&w);
	attrset_unref(a);
	attrset_unref(b);
}
END_TEST

/* Paths sharing an attribute set pack together, across prefixes and
 * within one; IPv6 carries the ids in MP_REACH/MP_UNREACH. */
START_TEST(test_adjout_packing)
{
	struct adjout o;
	struct adjout_member m;
	struct buf_wr w;
	char out[4096];
	struct attrset *a = mkset(100, 0, "198.51.100.2", 0);
	struct attrset *b = mkset(100, 0, "198.51.100.3", 0);
	struct attrset *v6;
	struct bgp_attrs x;
	struct ip_addr nh;
	const uint32_t s12[] = { 1, 2 }, s1[] = { 1 };
	const struct adjout_entry *e = NULL;
	size_t it = 0, n = 0;

	group_init(&o, &m, true);
	buf_wr_init(&w, 0);
	want(&o, "100.64.0.0/26", s12, 2, (struct attrset *[]){ a, b });
	want(&o, "100.64.0.64/26", s12, 2, (struct attrset *[]){ a, b });
	want(&o, "100.64.0.128/26", s12, 2, (struct attrset *[]){ a, a });
	ck_assert_uint_eq(flush_out(&o, &w, out, sizeof(out)), 2);
	ck_assert_ptr_nonnull(strstr(out, "1:100.64.0.0/26"));
	ck_assert_ptr_nonnull(strstr(out, "2:100.64.0.64/26"));
	ck_assert_ptr_nonnull(strstr(out, "1:100.64.0.128/26"));
	ck_assert_ptr_nonnull(strstr(out, "2:100.64.0.128/26"));
	while ((e = adjout_next(&o, &it, e)) != NULL)
		n++;
	ck_assert_uint_eq(n, 6);
	ck_assert_uint_eq(o.nentries, 6);
	memset(&x, 0, sizeof(x));
	x.present = ATTR_P_ORIGIN | ATTR_P_AS_PATH | ATTR_P_LOCAL_PREF;
	x.local_pref = 100;
	addr_parse("2001:db8:100::2", &nh);
	v6 = attrset_intern(&x, &nh, NULL);
	want(&o, "2001:db8:1000::/48", s12, 2, (struct attrset *[]){ v6,
	    v6 });
	ck_assert_uint_eq(flush_out(&o, &w, out, sizeof(out)), 1);
	ck_assert_ptr_nonnull(strstr(out, "1:2001:db8:1000::/48"));
	ck_assert_ptr_nonnull(strstr(out, "2:2001:db8:1000::/48"));
	want(&o, "2001:db8:1000::/48", s1, 1, (struct attrset *[]){ v6 });
	flush_out(&o, &w, out, sizeof(out));
	ck_assert_str_eq(out, "W 2:2001:db8:1000::/48");
	/* A peer that went down has nothing of the group; back, it gets
	 * every path again, with the same ids. */
	adjout_leave(&m);
	ck_assert_uint_eq(adjout_member_count(&m), 0);
	adjout_join(&o, &m, 99, NULL);
	ck_assert_uint_eq(adjout_member_count(&m), 7);
	ck_assert_uint_eq(flush_out(&o, &w, out, sizeof(out)), 3);
	ck_assert_ptr_nonnull(strstr(out, "2:100.64.0.64/26"));
	ck_assert_ptr_nonnull(strstr(out, "1:2001:db8:1000::/48"));
	ck_assert_ptr_null(strstr(out, "W "));
	adjout_leave(&m);
	adjout_free(&o);
	buf_wr_free(&w);
	attrset_unref(a);
	attrset_unref(b);
	attrset_unref(v6);
}
END_TEST

/* Without ADD-PATH nothing changes: no ids on the wire. */
START_TEST(test_adjout_classic)
{
	struct adjout o;
	struct adjout_member m;
	struct buf_wr w;
	char out[1024];
	struct ip_prefix p;
	struct attrset *a = mkset(100, 0, "198.51.100.2", 0);

	group_init(&o, &m, false);
	buf_wr_init(&w, 0);
	addr_pfx_parse("100.64.0.0/26", &p, false);
	adjout_set(&o, &p, 1, attrset_ref(a));
	flush_out(&o, &w, out, sizeof(out));
	ck_assert_str_eq(out, "A 0:100.64.0.0/26");
	/* The NLRI ends the message: 5 octets, no path id. */
	ck_assert_uint_eq(w.len, 19 + 4 + (w.data[21] << 8 | w.data[22]) +
	    5);
	ck_assert_mem_eq(w.data + w.len - 5, "\x1a\x64\x40\x00\x00", 5);
	adjout_set(&o, &p, 1, NULL);
	flush_out(&o, &w, out, sizeof(out));
	ck_assert_str_eq(out, "W 0:100.64.0.0/26");
	adjout_leave(&m);
	adjout_free(&o);
	buf_wr_free(&w);
	attrset_unref(a);
}
END_TEST

/* ---- speakers around a reflector ---- */

#define RR_CLUSTER	0x01010101u

static void
sp_setup(void)
{
	spnet_reset();
}

static void
sp_teardown(void)
{
	struct attrset_stats st;

	spnet_reset();
	attrset_stats(&st);
	ck_assert_uint_eq(st.refs, 0);
}

static struct spnet_link *
client(int n, uint8_t rr_side, uint8_t client_side)
{
	struct spnet_link *l = spnet_link(0, n);

	spnet_conf(l, 0)->rr_client = true;
	spnet_conf(l, 0)->session.addpath = rr_side;
	spnet_conf(l, n)->session.addpath = client_side;
	spnet_link_start(l);
	return l;
}

static const struct rib_entry *
entry(int n, const char *pfx)
{
	struct ip_prefix p;

	ck_assert_int_eq(addr_pfx_parse(pfx, &p, false), 0);
	return rib_lookup(speaker_rib(spnet_nodes[n].sp), &p);
}

/* Withdrawals node 3 got from the reflector, "id:prefix ...". */
static char wd3[1024];
static struct spnet_link *l3;

static void
watch3(struct spnet_link *l, int to, const uint8_t *b, size_t len)
{
	struct attr_ctx c = ctx_ids(true, false);
	struct bgp_update u;
	struct bgp_err e;

	if (l != l3 || to != 3)
		return;
	memset(&e, 0, sizeof(e));
	update_decode(b, len, &c, &u, &scratch, &e);
	ck_assert_int_eq(e.action, BGP_ACT_NONE);
	walk(u.withdrawn, u.withdrawn_len, AF_INET, true, wd3, sizeof(wd3));
}

/* Nodes 1 and 2 announce one prefix to reflector 0.  Client 3 (ADD-PATH
 * both ways) gets both paths over its one session and makes one ECMP
 * set of them; client 4 (no ADD-PATH) gets the best only; each source
 * gets the other's path.  A withdrawal names one path. */
START_TEST(test_reflector_ecmp)
{
	const struct rib_entry *e;
	const struct rib_path *q;
	char nh[2][ADDR_STRLEN];
	uint32_t gone = 0;
	int k = 0;

	for (int i = 0; i < 5; i++)
		spnet_node(i, 64512);
	speaker_set_cluster_id(spnet_nodes[0].sp, RR_CLUSTER);
	client(1, 3, 3);
	client(2, 3, 3);
	l3 = client(3, 3, 3);
	client(4, 3, 0);
	spnet_update_hook = watch3;
	spnet_originate(1, "100.64.0.5", 1, true);
	spnet_originate(2, "100.64.0.5", 1, true);
	spnet_run(5000);
	ck_assert_uint_eq(spnet_session(l3, 3)->neg.addpath,
	    MSG_ADDPATH_RX | MSG_ADDPATH_TX);
	ck_assert_uint_eq(npaths(entry(0, "100.64.0.5/32")), 2);
	e = entry(3, "100.64.0.5/32");
	ck_assert_uint_eq(npaths(e), 2);
	ck_assert_uint_eq(e->necmp, 2);
	for (q = rib_best(e); q != NULL; q = q->next, k++) {
		ck_assert_ptr_eq(q->peer, rib_best(e)->peer);
		ck_assert_uint_ne(q->path_id, 0);
		ck_assert(q->attrs->present & ATTR_P_ORIGINATOR_ID);
		addr_fmt(&q->attrs->nexthop, nh[k], sizeof(nh[k]));
		if (strcmp(nh[k], "198.51.100.3") == 0)
			gone = q->path_id;
	}
	ck_assert_uint_ne(rib_best(e)->path_id, rib_best(e)->next->path_id);
	ck_assert(strcmp(nh[0], nh[1]) != 0);
	ck_assert_uint_ne(gone, 0);
	e = entry(4, "100.64.0.5/32");
	ck_assert_uint_eq(npaths(e), 1);
	ck_assert_uint_eq(rib_best(e)->path_id, 0);
	ck_assert_uint_eq(npaths(entry(1, "100.64.0.5/32")), 2);
	ck_assert_uint_eq(npaths(entry(2, "100.64.0.5/32")), 2);
	/* Node 2 withdraws: client 3 loses that path only. */
	spnet_originate(2, "100.64.0.5", 1, false);
	spnet_run(5000);
	e = entry(3, "100.64.0.5/32");
	ck_assert_uint_eq(npaths(e), 1);
	ck_assert_str_eq(addr_fmt(&rib_best(e)->attrs->nexthop, nh[0],
	    sizeof(nh[0])), "198.51.100.2");
	snprintf(nh[1], sizeof(nh[1]), "%u:100.64.0.5/32", gone);
	ck_assert_str_eq(wd3, nh[1]);
	ck_assert_uint_eq(npaths(entry(4, "100.64.0.5/32")), 1);
	/* And the last: gone everywhere. */
	spnet_originate(1, "100.64.0.5", 1, false);
	spnet_run(5000);
	ck_assert_ptr_null(entry(3, "100.64.0.5/32"));
	ck_assert_ptr_null(entry(4, "100.64.0.5/32"));
}
END_TEST

/* Each direction on its own (RFC 7911 4): a side that only receives
 * gets ids and sends none. */
START_TEST(test_session_directions)
{
	struct spnet_link *l;
	const struct rib_entry *e;

	spnet_node(0, 64512);
	spnet_node(1, 64512);
	l = spnet_link(0, 1);
	spnet_conf(l, 0)->session.addpath = MSG_ADDPATH_RX;
	spnet_conf(l, 1)->session.addpath = MSG_ADDPATH_TX |
	    MSG_ADDPATH_RX;
	spnet_link_start(l);
	spnet_originate(0, "100.64.0.1", 1, true);
	spnet_originate(1, "100.64.0.2", 1, true);
	spnet_run(5000);
	ck_assert(spnet_rx(l, 1)->last_open.caps.addpath);
	ck_assert_uint_eq(spnet_rx(l, 1)->last_open.caps.addpath_afs[0].flags,
	    MSG_ADDPATH_RX);
	ck_assert_uint_eq(spnet_session(l, 0)->neg.addpath, MSG_ADDPATH_RX);
	ck_assert_uint_eq(spnet_session(l, 1)->neg.addpath, MSG_ADDPATH_TX);
	ck_assert(spnet_session(l, 0)->actx.addpath_v4);
	ck_assert(!spnet_session(l, 1)->actx.addpath_v4);
	/* Node 1 sends ids (its first is 1), node 0 none. */
	e = entry(0, "100.64.0.2/32");
	ck_assert_uint_eq(rib_best(e)->path_id, 1);
	e = entry(1, "100.64.0.1/32");
	ck_assert_uint_eq(rib_best(e)->path_id, 0);
	/* Not offered at all: no capability in the OPEN. */
	spnet_reset();
	spnet_node(0, 64512);
	spnet_node(1, 64512);
	l = spnet_link(0, 1);
	spnet_conf(l, 1)->session.addpath = 3;
	spnet_link_start(l);
	spnet_run(5000);
	ck_assert(!spnet_rx(l, 1)->last_open.caps.addpath);
	ck_assert_uint_eq(spnet_session(l, 0)->neg.addpath, 0);
	ck_assert_uint_eq(spnet_session(l, 1)->neg.addpath, 0);
}
END_TEST

/* Graceful restart of the session to the reflector: both paths are
 * kept stale; what is not re-sent by End-of-RIB goes. */
START_TEST(test_reflector_graceful_restart)
{
	const struct rib_entry *e;
	struct speaker_peer_stats st;

	for (int i = 0; i < 4; i++)
		spnet_node(i, 64512);
	speaker_set_cluster_id(spnet_nodes[0].sp, RR_CLUSTER);
	client(1, 3, 3);
	client(2, 3, 3);
	l3 = client(3, 3, 3);
	spnet_originate(1, "100.64.0.5", 1, true);
	spnet_originate(2, "100.64.0.5", 1, true);
	spnet_run(5000);
	ck_assert_uint_eq(npaths(entry(3, "100.64.0.5/32")), 2);
	spnet_cut(l3, true);
	spnet_run(1000);
	e = entry(3, "100.64.0.5/32");
	ck_assert_uint_eq(npaths(e), 2);
	ck_assert_uint_eq(e->necmp, 2);
	speaker_peer_stats(spnet_peer(l3, 3), &st);
	ck_assert(st.gr_helping);
	ck_assert_uint_eq(st.stale, 2);
	/* While it is away, node 2 withdraws. */
	spnet_originate(2, "100.64.0.5", 1, false);
	spnet_cut(l3, false);
	spnet_run(60000);
	e = entry(3, "100.64.0.5/32");
	ck_assert_uint_eq(npaths(e), 1);
	ck_assert(!(rib_best(e)->flags & RIB_PATH_STALE));
	speaker_peer_stats(spnet_peer(l3, 3), &st);
	ck_assert(!st.gr_helping);
	ck_assert_uint_eq(st.stale, 0);
	ck_assert_uint_eq(st.received, 1);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("addpath");
	TCase *tc = tcase_create("codec");

	tcase_add_loop_test(tc, test_codec_rows, 0,
	    sizeof(crows) / sizeof(crows[0]));
	tcase_add_test(tc, test_codec_eor);
	tcase_add_test(tc, test_codec_encode_sizes);
	tcase_add_loop_test(tc, test_negotiation, 0,
	    sizeof(nrows) / sizeof(nrows[0]));
	tcase_add_test(tc, test_capability_decode);
	suite_add_tcase(s, tc);
	tc = tcase_create("rib");
	tcase_add_test(tc, test_rib_paths_of_one_peer);
	tcase_add_test(tc, test_decide_path_id);
	tcase_add_test(tc, test_rib_stale_per_path);
	tcase_add_test(tc, test_rib_all_changes);
	tcase_add_test(tc, test_adjout_every_path);
	tcase_add_test(tc, test_adjout_packing);
	tcase_add_test(tc, test_adjout_classic);
	suite_add_tcase(s, tc);
	tc = tcase_create("speakers");
	tcase_add_checked_fixture(tc, sp_setup, sp_teardown);
	tcase_add_test(tc, test_reflector_ecmp);
	tcase_add_test(tc, test_session_directions);
	tcase_add_test(tc, test_reflector_graceful_restart);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(suite());
}
