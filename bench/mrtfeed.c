/*
 * mrtfeed: real routes for the benchmarks (bench/TOOLS.md).
 *
 * Reads an MRT file (RFC 6396, uncompressed) and writes the UPDATEs its
 * peer would send to the device under test over an eBGP session of its
 * own, as a file of BGP messages that `gen --replay` sends.  Encoding
 * happens here, once, with bgp/'s codec, so that the sender's cost is
 * not part of a measurement.
 *
 * Input: BGP4MP and BGP4MP_ET (RFC 6396 4.4, 4.5) MESSAGE and
 * MESSAGE_AS4 records (a feed of UPDATEs), or TABLE_DUMP (4.2, version
 * 1) entries (a RIB snapshot).  Only the records of one peer are used:
 * --peer, or the peer with the most records.
 *
 * What changes, as an eBGP peer would change it (the README of
 * ../shared/realworld): the sender's AS is prepended to AS_PATH, NEXT_HOP
 * is the sender's address, LOCAL_PREF, ORIGINATOR_ID and CLUSTER_LIST go
 * (with MP_REACH/MP_UNREACH: IPv4 unicast only).  Every other attribute
 * stays (unknown transitive ones get the Partial bit, RFC 4271 5).
 * Routes bgp/'s decoder refuses, and with --dut-as those whose path has
 * the DUT's AS (every DUT drops them as loops), are sent as withdrawals,
 * so that every DUT ends with the same table.
 *
 * Two shapes:
 *  - stream (the default for BGP4MP): every UPDATE of the feed in its
 *    order, its withdrawals then its announcements, split only where
 *    the prepended AS makes it overflow 4,096 octets;
 *  - table (--group; the default for TABLE_DUMP): the routes the input
 *    leaves standing, one UPDATE run per distinct attribute set (in the
 *    order of each set's first prefix), packed up to 4,096 octets.
 *
 * Last comes a sentinel route (--sentinel, default 100.64.0.0/32, not in
 * any real table): it is the last prefix the DUT learns, so a DUT
 * holding every route of the input and the sentinel has read the whole
 * feed, even when the feed ends with UPDATEs that change no count.
 *
 * Prints one "converted" event (bench/TOOLS.md) and optionally writes
 * the routes standing at the end (--prefixes, one per line, in the
 * order first announced, then the sentinel): what nlfloor installs for
 * the kernel floor of the same table.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/attr.h"
#include "bgp/aspath.h"
#include "bgp/bgp.h"
#include "bgp/msg.h"
#include "bgp/nlri.h"
#include "bgp/update.h"
#include "lib/addr.h"
#include "lib/buf.h"
#include "lib/hash.h"
#include "lib/log.h"
#include "lib/monotime.h"
#include "lib/xalloc.h"

#include "common.h"

/* RFC 6396 types and subtypes */
#define MRT_TABLE_DUMP		12
#define MRT_BGP4MP		16
#define MRT_BGP4MP_ET		17
#define TD_AFI_IPV4		1
#define BGP4MP_MESSAGE		1
#define BGP4MP_MESSAGE_AS4	4

#define MAX_PFX		2048	/* prefixes in one UPDATE, at most */

struct opts {
	const char *in, *out, *prefixes;
	uint32_t local_as, dut_as;
	struct ip_addr nexthop, peer;
	bool	has_peer, group, group_set, no_sentinel;
	struct ip_prefix sentinel;
	size_t	max_updates;
};

/* One record of the chosen kind, taken apart. */
struct rec {
	struct ip_addr peer;
	uint32_t peer_as;
	bool	as4;
	bool	table;		/* TABLE_DUMP entry, else a BGP message */
	const uint8_t *msg;	/* BGP message (header included) */
	size_t	msg_len;
	struct ip_prefix pfx;	/* TABLE_DUMP: the entry's prefix */
	const uint8_t *attrs;	/* TABLE_DUMP: its attributes */
	size_t	attrs_len;
};

/* A distinct attribute set, as sent (encoded, next hop included). */
struct aset {
	uint8_t	*key;
	size_t	len;
	size_t	id;
	struct ip_prefix *pfx;	/* table shape: its standing routes */
	size_t	n, cap;
};

/* A prefix seen in the input. */
struct route {
	struct ip_prefix pfx;
	size_t	aset;		/* SIZE_MAX: withdrawn */
};

static struct {
	struct aset **asets;
	size_t	nasets, asets_cap;
	struct hash_table aset_tab;
	struct route *routes;
	size_t	nroutes, routes_cap;
	struct hash_table route_tab;
	/* counters */
	size_t	records, used, updates, announced, withdrawn, skipped;
	size_t	messages, bytes, standing, other_af;
	/* why routes were skipped: the decoder's reasons, counted */
	struct { const char *why; size_t n; } why[8];
	size_t	nwhy;
} S;

static void	 usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(stderr, "usage: mrtfeed --local-as N --nexthop A.B.C.D "
	    "--out FILE [--in FILE]\n"
	    "\t[--dut-as N] [--peer ADDR] [--group | --stream]\n"
	    "\t[--prefixes FILE] [--sentinel PREFIX | --no-sentinel] "
	    "[--max-updates N]\n");
	exit(1);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint8_t *
read_all(const char *path, size_t *len)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	uint8_t *data = NULL;
	size_t cap = 0, n = 0;

	if (fp == NULL)
		fatal("%s", path);
	for (;;) {
		size_t got;

		data = xgrow(data, &cap, n + 65536, 1);
		got = fread(data + n, 1, cap - n, fp);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(fp))
		fatal("%s: read", path);
	if (fp != stdin)
		fclose(fp);
	*len = n;
	return data;
}

/*
 * The next record at *off that we can use; false at the end.  Records of
 * other types are counted and skipped; a truncated file is fatal.
 */
static bool
next_rec(const uint8_t *d, size_t len, size_t *off, struct rec *r)
{
	while (*off < len) {
		const uint8_t *h = d + *off, *b;
		uint16_t type, sub;
		size_t blen, alen, at;
		uint16_t afi;

		if (len - *off < 12)
			fatalx("MRT record at offset %zu: truncated header",
			    *off);
		type = get16(h + 4);
		sub = get16(h + 6);
		blen = get32(h + 8);
		if (len - *off - 12 < blen)
			fatalx("MRT record at offset %zu: %zu octets "
			    "announced, %zu left", *off, blen,
			    len - *off - 12);
		b = h + 12;
		*off += 12 + blen;
		S.records++;
		memset(r, 0, sizeof(*r));
		if (type == MRT_TABLE_DUMP && sub == TD_AFI_IPV4) {
			/* view, seq, prefix, length, status, time, peer
			 * address, peer AS, attribute length (RFC 6396
			 * 4.2) */
			if (blen < 22)
				fatalx("TABLE_DUMP entry too short");
			r->table = true;
			addr_from_bytes(&r->pfx.addr, AF_INET, b + 4);
			r->pfx.len = b[8];
			if (r->pfx.len > 32)
				fatalx("TABLE_DUMP entry: prefix length %u",
				    r->pfx.len);
			addr_pfx_mask(&r->pfx);
			addr_from_bytes(&r->peer, AF_INET, b + 14);
			r->peer_as = get16(b + 18);
			alen = get16(b + 20);
			if (alen > blen - 22)
				fatalx("TABLE_DUMP entry: attributes overrun");
			r->attrs = b + 22;
			r->attrs_len = alen;
			return true;
		}
		if (type != MRT_BGP4MP && type != MRT_BGP4MP_ET)
			continue;
		if (sub != BGP4MP_MESSAGE && sub != BGP4MP_MESSAGE_AS4)
			continue;	/* state changes, local, ADD-PATH */
		if (type == MRT_BGP4MP_ET) {	/* microseconds first */
			if (blen < 4)
				fatalx("BGP4MP_ET record too short");
			b += 4;
			blen -= 4;
		}
		r->as4 = sub == BGP4MP_MESSAGE_AS4;
		at = r->as4 ? 8 : 4;	/* peer AS, local AS */
		if (blen < at + 4)
			fatalx("BGP4MP record too short");
		r->peer_as = r->as4 ? get32(b) : get16(b);
		afi = get16(b + at + 2);
		at += 4;		/* interface index, AFI */
		if (afi != BGP_AFI_IPV4 && afi != BGP_AFI_IPV6)
			fatalx("BGP4MP record: address family %u", afi);
		if (blen < at + 2 * addr_len(afi == 1 ? AF_INET : AF_INET6))
			fatalx("BGP4MP record too short");
		addr_from_bytes(&r->peer, afi == 1 ? AF_INET : AF_INET6,
		    b + at);
		at += 2 * addr_len(r->peer.af);
		r->msg = b + at;
		r->msg_len = blen - at;
		if (r->msg_len < BGP_HDR_LEN ||
		    get16(r->msg + 16) != r->msg_len)
			fatalx("BGP4MP record: the BGP message length does not "
			    "match the record's");
		return true;
	}
	return false;
}

/* --peer, or the peer with the most usable records. */
static void
choose_peer(const uint8_t *d, size_t len, struct opts *o)
{
	struct { struct ip_addr a; size_t n; } *tally = NULL;
	size_t ntally = 0, cap = 0, off = 0, best = 0;
	struct rec r;

	if (o->has_peer)
		return;
	while (next_rec(d, len, &off, &r)) {
		size_t i;

		for (i = 0; i < ntally; i++)
			if (addr_eq(&tally[i].a, &r.peer))
				break;
		if (i == ntally) {
			tally = xgrow(tally, &cap, ntally + 1,
			    sizeof(*tally));
			tally[ntally].a = r.peer;
			tally[ntally++].n = 0;
		}
		tally[i].n++;
	}
	if (ntally == 0)
		fatalx("no BGP4MP message or TABLE_DUMP entry in the input");
	for (size_t i = 1; i < ntally; i++)
		if (tally[i].n > tally[best].n)
			best = i;
	o->peer = tally[best].a;
	free(tally);
	S.records = 0;
}

/* ---- attribute sets and routes ---- */

static bool
aset_eq(const void *entry, const void *key)
{
	const struct aset *a = entry;
	const struct buf_wr *w = key;

	return a->len == w->len && memcmp(a->key, w->data, w->len) == 0;
}

/* The id of the set encoded in w (interned on first sight). */
static size_t
aset_intern(const struct buf_wr *w)
{
	uint64_t hv = hash_bytes(w->data, w->len);
	struct aset *a = hash_find(&S.aset_tab, hv, aset_eq, w);

	if (a != NULL)
		return a->id;
	a = xcalloc(1, sizeof(*a));
	a->key = xmalloc(w->len);
	memcpy(a->key, w->data, w->len);
	a->len = w->len;
	a->id = S.nasets;
	S.asets = xgrow(S.asets, &S.asets_cap, S.nasets + 1,
	    sizeof(*S.asets));
	S.asets[S.nasets++] = a;
	hash_insert(&S.aset_tab, hv, a);
	return a->id;
}

/* Routes: the hash table holds index + 1 (the array moves). */
static bool
route_eq(const void *entry, const void *key)
{
	return addr_pfx_eq(&S.routes[(uintptr_t)entry - 1].pfx, key);
}

static struct route *
route_get(const struct ip_prefix *p)
{
	uint64_t hv = addr_pfx_hash(p);
	void *e = hash_find(&S.route_tab, hv, route_eq, p);

	if (e != NULL)
		return &S.routes[(uintptr_t)e - 1];
	S.routes = xgrow(S.routes, &S.routes_cap, S.nroutes + 1,
	    sizeof(*S.routes));
	S.routes[S.nroutes].pfx = *p;
	S.routes[S.nroutes].aset = SIZE_MAX;
	hash_insert(&S.route_tab, hv, (void *)(uintptr_t)(S.nroutes + 1));
	return &S.routes[S.nroutes++];
}

static void
route_set(const struct ip_prefix *p, size_t aset)
{
	struct route *rt = route_get(p);

	if (rt->aset == SIZE_MAX && aset != SIZE_MAX)
		S.standing++;
	else if (rt->aset != SIZE_MAX && aset == SIZE_MAX)
		S.standing--;
	rt->aset = aset;
}

/* ---- what an eBGP peer changes ---- */

static const struct attr_ctx out_ctx = {
	.as4 = true, .ebgp = true, .ipv4 = true,
};

/*
 * in as the sender passes it on: its AS prepended (into path), the
 * attributes of an internal session dropped.  The set as sent goes into
 * w (NEXT_HOP included); returns -1 if the path is too long.
 */
static int
ebgp_attrs(const struct opts *o, const struct bgp_attrs *in,
    struct bgp_attrs *out, uint8_t *path, struct buf_wr *w)
{
	static const uint8_t empty[1];
	size_t len = in->present & ATTR_P_AS_PATH ? in->aspath_len : 0;

	if (len + 6 > ASPATH_MAX)
		return -1;
	*out = *in;
	out->present &= ~(ATTR_P_LOCAL_PREF | ATTR_P_ORIGINATOR_ID |
	    ATTR_P_CLUSTER_LIST | ATTR_P_MP_REACH | ATTR_P_MP_UNREACH);
	out->ncluster = 0;
	out->ndiscarded = 0;
	out->aspath_len = aspath_prepend(len > 0 ? in->aspath : empty, len,
	    o->local_as, 1, path);
	out->aspath = path;
	out->present |= ATTR_P_AS_PATH | ATTR_P_NEXT_HOP;
	out->nexthop = o->nexthop;
	buf_wr_reset(w);
	attr_encode(w, out, &out_ctx);
	return 0;
}

/* Count a reason for skipping routes. */
static void
why(const char *reason)
{
	size_t i;

	for (i = 0; i < S.nwhy; i++)
		if (strcmp(S.why[i].why, reason) == 0)
			break;
	if (i == S.nwhy && S.nwhy < 8)
		S.why[S.nwhy++].why = reason;
	if (i < S.nwhy)
		S.why[i].n++;
}

/* Decode attributes as the peer's own session had them. */
static bool
decode_attrs(const uint8_t *p, size_t len, bool as4, struct bgp_attrs *a,
    struct attr_scratch *s)
{
	struct attr_ctx ctx = { .as4 = as4, .ipv4 = true, .ipv6 = true };
	struct bgp_err err;

	memset(&err, 0, sizeof(err));
	attr_decode(p, len, &ctx, a, s, &err);
	if (err.action == BGP_ACT_NONE || err.action == BGP_ACT_DISCARD)
		return true;
	why(err.reason);
	return false;
}

/* A path the DUT drops as a loop: its own AS in it (RFC 4271 9.1.2). */
static bool
loops(const struct opts *o, const struct bgp_attrs *a)
{
	if (o->dut_as == 0 || !(a->present & ATTR_P_AS_PATH) ||
	    aspath_count_as(a->aspath, a->aspath_len, o->dut_as) == 0)
		return false;
	why("AS_PATH has the DUT's AS (a loop)");
	return true;
}

/* ---- output ---- */

static void
emit_reach(struct buf_wr *w, const struct opts *o, const struct bgp_attrs *a,
    const struct ip_prefix *pfx, size_t n)
{
	while (n > 0) {
		size_t k = update_encode_reach(w, BGP_MAX_MSG, &out_ctx, a,
		    &o->nexthop, NULL, pfx, NULL, n);

		if (k == 0)
			fatalx("an attribute set does not fit an UPDATE");
		S.messages++;
		pfx += k;
		n -= k;
	}
}

static void
emit_withdraw(struct buf_wr *w, const struct ip_prefix *pfx, size_t n)
{
	while (n > 0) {
		size_t k = update_encode_withdraw(w, BGP_MAX_MSG, &out_ctx,
		    pfx, NULL, n);

		if (k == 0)
			fatalx("%s: encoding failed", __func__);
		S.messages++;
		pfx += k;
		n -= k;
	}
}

/* The prefixes of an NLRI field into pfx (at most MAX_PFX). */
static size_t
get_nlri(const uint8_t *p, size_t len, struct ip_prefix *pfx)
{
	struct buf_rd r;
	size_t n = 0;

	buf_rd_init(&r, p, len);
	while (buf_left(&r) > 0) {
		if (n == MAX_PFX)
			fatalx("more than %d prefixes in one UPDATE", MAX_PFX);
		if (nlri_get(&r, AF_INET, false, &pfx[n], NULL) != 0)
			return SIZE_MAX;
		n++;
	}
	return n;
}

/* One UPDATE of the feed: written out (stream) and applied to the
 * routes. */
static void
one_update(const struct opts *o, const struct rec *r, struct buf_wr *out,
    struct buf_wr *key, struct attr_scratch *s)
{
	static struct ip_prefix wd[MAX_PFX], ann[MAX_PFX];
	static uint8_t path[ASPATH_MAX + 8];
	const uint8_t *b = r->msg + BGP_HDR_LEN;
	size_t len = r->msg_len - BGP_HDR_LEN, nwd, nann, id = SIZE_MAX;
	uint16_t wlen, alen;
	struct bgp_attrs in, sent;

	if (len < 4 || (wlen = get16(b)) > len - 4 ||
	    (alen = get16(b + 2 + wlen)) > len - 4 - wlen)
		fatalx("UPDATE %zu: lengths overrun the message", S.updates);
	nwd = get_nlri(b + 2, wlen, wd);
	nann = get_nlri(b + 4 + wlen + alen, len - 4 - wlen - alen, ann);
	if (nwd == SIZE_MAX || nann == SIZE_MAX)
		fatalx("UPDATE %zu: malformed NLRI", S.updates);
	if (nann > 0 && (!decode_attrs(b + 4 + wlen, alen, r->as4, &in, s) ||
	    loops(o, &in) || ebgp_attrs(o, &in, &sent, path, key) != 0)) {
		/* treat-as-withdraw, as the DUT would (RFC 7606) */
		S.skipped += nann;
		memcpy(wd + nwd, ann, nann * sizeof(*ann));
		nwd += nann;
		nann = 0;
	}
	if (nann == 0 && alen > 0 && nwd == 0)
		S.other_af++;	/* MP_REACH/UNREACH only: not IPv4 */
	S.withdrawn += nwd;
	S.announced += nann;
	for (size_t i = 0; i < nwd; i++)
		route_set(&wd[i], SIZE_MAX);
	if (nann > 0)
		id = aset_intern(key);
	for (size_t i = 0; i < nann; i++)
		route_set(&ann[i], id);
	if (o->group)
		return;
	emit_withdraw(out, wd, nwd);
	if (nann > 0)
		emit_reach(out, o, &sent, ann, nann);
}

static void
one_entry(const struct opts *o, const struct rec *r, struct buf_wr *key,
    struct attr_scratch *s)
{
	static uint8_t path[ASPATH_MAX + 8];
	struct bgp_attrs in, sent;

	if (!decode_attrs(r->attrs, r->attrs_len, r->as4, &in, s) ||
	    loops(o, &in) || ebgp_attrs(o, &in, &sent, path, key) != 0) {
		S.skipped++;
		return;
	}
	S.announced++;
	route_set(&r->pfx, aset_intern(key));
}

/* Table shape: each set's standing routes, sets in order of their first
 * route. */
static void
emit_table(const struct opts *o, struct buf_wr *out)
{
	struct attr_scratch s;
	size_t *order = xcalloc(S.nasets + 1, sizeof(*order)), norder = 0;

	for (size_t i = 0; i < S.nroutes; i++) {
		struct aset *a;

		if (S.routes[i].aset == SIZE_MAX)
			continue;
		a = S.asets[S.routes[i].aset];
		if (a->n == 0)
			order[norder++] = a->id;
		a->pfx = xgrow(a->pfx, &a->cap, a->n + 1, sizeof(*a->pfx));
		a->pfx[a->n++] = S.routes[i].pfx;
	}
	for (size_t i = 0; i < norder; i++) {
		struct aset *a = S.asets[order[i]];
		struct bgp_attrs attrs;

		if (!decode_attrs(a->key, a->len, true, &attrs, &s))
			fatalx("an attribute set we encoded does not decode");
		emit_reach(out, o, &attrs, a->pfx, a->n);
	}
	free(order);
}

static void
emit_sentinel(const struct opts *o, struct buf_wr *out)
{
	static const uint8_t empty[1];
	uint8_t path[6];
	struct bgp_attrs a;

	if (o->no_sentinel)
		return;
	if (hash_find(&S.route_tab, addr_pfx_hash(&o->sentinel), route_eq,
	    &o->sentinel) != NULL)
		fatalx("the sentinel is a route of the input: pick another "
		    "with --sentinel");
	memset(&a, 0, sizeof(a));
	a.present = ATTR_P_ORIGIN | ATTR_P_AS_PATH;
	a.origin = BGP_ORIGIN_IGP;
	a.aspath_len = aspath_prepend(empty, 0, o->local_as, 1, path);
	a.aspath = path;
	emit_reach(out, o, &a, &o->sentinel, 1);
}

static void
write_file(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	if (fp == NULL)
		fatal("%s", path);
	if ((len > 0 && fwrite(data, 1, len, fp) != len) || fclose(fp) != 0)
		fatal("%s: write", path);
}

static void
write_prefixes(const struct opts *o)
{
	FILE *fp = fopen(o->prefixes, "w");
	char buf[ADDR_PFX_STRLEN];

	if (fp == NULL)
		fatal("%s", o->prefixes);
	for (size_t i = 0; i < S.nroutes; i++)
		if (S.routes[i].aset != SIZE_MAX)
			fprintf(fp, "%s\n", addr_pfx_fmt(&S.routes[i].pfx, buf,
			    sizeof(buf)));
	if (!o->no_sentinel)
		fprintf(fp, "%s\n", addr_pfx_fmt(&o->sentinel, buf,
		    sizeof(buf)));
	if (fclose(fp) != 0)
		fatal("%s: write", o->prefixes);
}

static void
parse_args(struct opts *o, int argc, char **argv)
{
	enum { O_IN = 256, O_OUT, O_PFX, O_LAS, O_NH, O_PEER, O_GROUP,
	    O_STREAM, O_SENT, O_NOSENT, O_MAX, O_DAS };
	static const struct option lo[] = {
		{ "in", required_argument, NULL, O_IN },
		{ "out", required_argument, NULL, O_OUT },
		{ "prefixes", required_argument, NULL, O_PFX },
		{ "local-as", required_argument, NULL, O_LAS },
		{ "dut-as", required_argument, NULL, O_DAS },
		{ "nexthop", required_argument, NULL, O_NH },
		{ "peer", required_argument, NULL, O_PEER },
		{ "group", no_argument, NULL, O_GROUP },
		{ "stream", no_argument, NULL, O_STREAM },
		{ "sentinel", required_argument, NULL, O_SENT },
		{ "no-sentinel", no_argument, NULL, O_NOSENT },
		{ "max-updates", required_argument, NULL, O_MAX },
		{ NULL, 0, NULL, 0 },
	};
	bool have_nh = false;
	int c;

	memset(o, 0, sizeof(*o));
	o->in = "-";
	if (addr_pfx_parse("100.64.0.0/32", &o->sentinel, false) != 0)
		fatalx("the default sentinel does not parse");
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case O_IN:
			o->in = optarg;
			break;
		case O_OUT:
			o->out = optarg;
			break;
		case O_PFX:
			o->prefixes = optarg;
			break;
		case O_LAS:
			o->local_as = (uint32_t)bench_num("local-as", optarg, 1,
			    UINT32_MAX);
			break;
		case O_DAS:
			o->dut_as = (uint32_t)bench_num("dut-as", optarg, 1,
			    UINT32_MAX);
			break;
		case O_NH:
			if (addr_parse(optarg, &o->nexthop) != 0 ||
			    o->nexthop.af != AF_INET)
				fatalx("--nexthop: not an IPv4 address: %s",
				    optarg);
			have_nh = true;
			break;
		case O_PEER:
			if (addr_parse(optarg, &o->peer) != 0)
				fatalx("--peer: bad address %s", optarg);
			o->has_peer = true;
			break;
		case O_GROUP:
		case O_STREAM:
			o->group = c == O_GROUP;
			o->group_set = true;
			break;
		case O_SENT:
			if (addr_pfx_parse(optarg, &o->sentinel, false) != 0 ||
			    o->sentinel.addr.af != AF_INET ||
			    !addr_pfx_is_masked(&o->sentinel))
				fatalx("--sentinel: not an IPv4 network: %s",
				    optarg);
			break;
		case O_NOSENT:
			o->no_sentinel = true;
			break;
		case O_MAX:
			o->max_updates = (size_t)bench_num("max-updates",
			    optarg, 1, SIZE_MAX);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || o->out == NULL || o->local_as == 0 || !have_nh)
		usage();
}

int
main(int argc, char **argv)
{
	uint64_t t0 = monotime_ns();
	struct attr_scratch *s = xcalloc(1, sizeof(*s));
	struct buf_wr out, key;
	struct opts o;
	size_t len, off = 0;
	uint8_t *d;
	struct rec r;
	bool table = false;
	char pbuf[ADDR_STRLEN];

	log_init("mrtfeed", LOG_LVL_INFO, false);
	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_args(&o, argc, argv);
	d = read_all(o.in, &len);
	choose_peer(d, len, &o);
	hash_init(&S.aset_tab);
	hash_init(&S.route_tab);
	buf_wr_init(&out, 0);
	buf_wr_init(&key, 0);
	while (next_rec(d, len, &off, &r)) {
		if (!addr_eq(&r.peer, &o.peer))
			continue;
		S.used++;
		if (r.table) {
			if (!o.group_set)
				o.group = true;
			if (!o.group)
				fatalx("a TABLE_DUMP can only be sent as a "
				    "table (--group)");
			table = true;
			one_entry(&o, &r, &key, s);
			continue;
		}
		if (r.msg[18] != BGP_MSG_UPDATE)
			continue;
		if (o.max_updates != 0 && S.updates == o.max_updates)
			break;
		S.updates++;
		one_update(&o, &r, &out, &key, s);
	}
	if (S.used == 0)
		fatalx("no record of peer %s", addr_fmt(&o.peer, pbuf,
		    sizeof(pbuf)));
	if (o.group)
		emit_table(&o, &out);
	emit_sentinel(&o, &out);
	if (out.overflow)
		fatalx("out of memory encoding");
	S.bytes = out.len;
	write_file(o.out, out.data, out.len);
	if (o.prefixes != NULL)
		write_prefixes(&o);
	bench_ev_begin("converted", monotime_ns());
	printf(",\"input\":\"%s\",\"peer\":\"%s\",\"shape\":\"%s\","
	    "\"records\":%zu,\"used\":%zu,\"updates_in\":%zu,"
	    "\"announced\":%zu,\"withdrawn\":%zu,\"skipped\":%zu,"
	    "\"other_af\":%zu,\"distinct_prefixes\":%zu,\"attr_sets\":%zu,"
	    "\"messages\":%zu,\"bytes\":%zu,\"routes\":%zu,\"secs\":%.6f",
	    table ? "table_dump" : "bgp4mp", addr_fmt(&o.peer, pbuf,
	    sizeof(pbuf)), o.group ? "table" : "stream", S.records, S.used,
	    S.updates, S.announced, S.withdrawn, S.skipped, S.other_af,
	    S.nroutes, S.nasets, S.messages, S.bytes,
	    S.standing + (o.no_sentinel ? 0 : 1),
	    bench_secs(monotime_ns() - t0));
	fputs(",\"skipped_why\":{", stdout);
	for (size_t i = 0; i < S.nwhy; i++)
		printf("%s\"%s\":%zu", i > 0 ? "," : "", S.why[i].why,
		    S.why[i].n);
	fputs("}", stdout);
	bench_ev_end();
	return 0;
}
