/* gen_enc: see gen.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/bgp.h"
#include "bgp/nlri.h"
#include "bgp/update.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/monotime.h"
#include "lib/xalloc.h"

#include "common.h"
#include "gen.h"

/*
 * Attributes of group g: ORIGIN IGP; AS_PATH our AS (eBGP) then the
 * further ASNs, the last of which is aspath_base + g so that groups
 * differ; LOCAL_PREF 100 on iBGP; 1 to 3 communities if asked.
 */
static void
group_attrs(const struct opts *o, unsigned g, struct bgp_attrs *a,
    uint8_t *path, uint8_t *comm)
{
	bool ibgp = o->local_as == o->peer_as;
	unsigned further, n = 0;
	uint32_t asn[MAX_PATH + 2];

	memset(a, 0, sizeof(*a));
	a->present = ATTR_P_ORIGIN | ATTR_P_AS_PATH;
	a->origin = BGP_ORIGIN_IGP;
	if (!ibgp)
		asn[n++] = o->local_as;
	further = ibgp ? o->aspath_len : o->aspath_len - 1;
	if (o->variety > 1 && further == 0)
		further = 1;	/* somewhere to vary */
	for (unsigned i = 0; i + 1 < further; i++)
		asn[n++] = o->aspath_base + o->variety + i;
	if (further > 0)
		asn[n++] = o->aspath_base + g;
	if (n > 0) {
		path[0] = BGP_ASPATH_SEQUENCE;
		path[1] = (uint8_t)n;
		for (unsigned i = 0; i < n; i++) {
			path[2 + 4 * i] = (uint8_t)(asn[i] >> 24);
			path[3 + 4 * i] = (uint8_t)(asn[i] >> 16);
			path[4 + 4 * i] = (uint8_t)(asn[i] >> 8);
			path[5 + 4 * i] = (uint8_t)asn[i];
		}
		a->aspath = path;
		a->aspath_len = 2 + 4 * (size_t)n;
	}
	if (ibgp) {
		a->present |= ATTR_P_LOCAL_PREF;
		a->local_pref = 100;
	}
	if (o->communities) {
		unsigned nc = 1 + g % 3;

		for (unsigned i = 0; i < nc; i++) {
			uint32_t c = (o->local_as & 0xffff) << 16 |
			    ((g * 3 + i) & 0xffff);

			comm[4 * i] = (uint8_t)(c >> 24);
			comm[4 * i + 1] = (uint8_t)(c >> 16);
			comm[4 * i + 2] = (uint8_t)(c >> 8);
			comm[4 * i + 3] = (uint8_t)c;
		}
		a->present |= ATTR_P_COMMUNITIES;
		a->communities = comm;
		a->ncommunities = nc;
	}
}

/* Offset in an UPDATE of its next hop: NEXT_HOP's value, or the next
 * hop inside MP_REACH_NLRI. */
static size_t
find_nh(const uint8_t *m, size_t len)
{
	struct buf_rd r, attrs;
	uint16_t wlen, alen;

	buf_rd_init(&r, m, len);
	if (buf_skip(&r, BGP_HDR_LEN) != 0 || buf_get_u16(&r, &wlen) != 0 ||
	    buf_skip(&r, wlen) != 0 || buf_get_u16(&r, &alen) != 0 ||
	    buf_get_view(&r, alen, &attrs) != 0)
		fatalx("%s: an UPDATE we encoded is malformed", __func__);
	while (buf_left(&attrs) > 0) {
		uint8_t flags, type, l8;
		uint16_t l = 0;
		size_t at;

		if (buf_get_u8(&attrs, &flags) != 0 ||
		    buf_get_u8(&attrs, &type) != 0)
			break;
		if (flags & BGP_ATTR_F_EXTLEN) {
			if (buf_get_u16(&attrs, &l) != 0)
				break;
		} else {
			if (buf_get_u8(&attrs, &l8) != 0)
				break;
			l = l8;
		}
		at = (size_t)(buf_cur(&attrs) - m);
		if (type == BGP_ATTR_NEXT_HOP)
			return at;
		if (type == BGP_ATTR_MP_REACH)
			return at + 4;	/* AFI, SAFI, next hop length */
		if (buf_skip(&attrs, l) != 0)
			break;
	}
	fatalx("%s: an UPDATE we encoded has no next hop", __func__);
}

static void
feed_reach(struct feed *f, const struct opts *o, size_t max,
    const struct ip_prefix *pfx, size_t n)
{
	struct attr_ctx ctx = { .as4 = true,
	    .ebgp = o->local_as != o->peer_as,
	    .ipv4 = o->family == AF_INET, .ipv6 = o->family == AF_INET6 };
	uint8_t path[2 + 4 * (MAX_PATH + 2)], comm[12];
	struct ip_addr nh;
	struct bgp_attrs a;
	struct buf_wr w;

	/* Without --nexthop a placeholder, patched per session. */
	memset(&nh, 0, sizeof(nh));
	nh.af = (uint8_t)o->family;
	if (o->has_nexthop)
		nh = o->nexthop;
	buf_wr_init(&w, 0);
	for (unsigned g = 0; g < o->variety; g++) {
		size_t lo = n * g / o->variety, hi = n * (g + 1) / o->variety;

		group_attrs(o, g, &a, path, comm);
		while (lo < hi) {
			size_t at = w.len, k;

			k = update_encode_reach(&w, max, &ctx, &a, &nh, NULL,
			    pfx + lo, NULL, hi - lo);
			if (k == 0)
				fatalx("the attributes do not fit an UPDATE");
			f->nh = xgrow(f->nh, &f->nh_cap, f->nnh + 1,
			    sizeof(*f->nh));
			f->nh[f->nnh++] = at + find_nh(w.data + at,
			    w.len - at);
			f->nmsgs++;
			lo += k;
		}
	}
	f->body = w.len;
	update_encode_eor(&w, o->family);
	if (w.overflow)
		fatalx("%s: encoding failed", __func__);
	f->data = buf_wr_detach(&w, &f->len);
}

static void
feed_withdraw(struct feed *f, const struct opts *o, size_t max,
    const struct ip_prefix *pfx, size_t n)
{
	struct attr_ctx ctx = { .as4 = true,
	    .ebgp = o->local_as != o->peer_as,
	    .ipv4 = o->family == AF_INET, .ipv6 = o->family == AF_INET6 };
	struct buf_wr w;
	size_t lo = 0;

	buf_wr_init(&w, 0);
	while (lo < n) {
		size_t k = update_encode_withdraw(&w, max, &ctx, pfx + lo,
		    NULL, n - lo);

		if (k == 0)
			fatalx("%s: encoding failed", __func__);
		f->nmsgs++;
		lo += k;
	}
	if (w.overflow)
		fatalx("%s: encoding failed", __func__);
	f->data = buf_wr_detach(&w, &f->len);
	f->body = f->len;
}

void
gen_encode(const struct opts *o, struct feedset **out, size_t *nout)
{
	uint64_t t0 = monotime_ns();
	unsigned shift = addr_bits(o->family) - o->start.len;
	struct ip_prefix *pfx;
	size_t msgs = 0, bytes = 0, wmsgs = 0, wbytes = 0, total = 0;
	int nsz = o->ext_msg ? SZ_N : 1;

	size_t nfsets = o->per_peer ? o->peers : 1;
	struct feedset *fsets = xcalloc(nfsets, sizeof(*fsets));

	pfx = xcalloc(o->prefixes, sizeof(*pfx));
	for (size_t i = 0; i < nfsets; i++) {
		struct feedset *fs = &fsets[i];

		for (size_t k = 0; k < o->prefixes; k++) {
			pfx[k] = o->start;
			if (bench_addr_add(&pfx[k].addr, i * o->prefixes + k,
			    shift) != 0)
				fatalx("prefix %zu of peer %zu is beyond the "
				    "end of the address space", k, i);
		}
		for (int sz = 0; sz < nsz; sz++) {
			size_t max = sz == SZ_EXT ? BGP_MAX_MSG_EXT :
			    BGP_MAX_MSG;

			feed_reach(&fs->ann[sz], o, max, pfx, o->prefixes);
			feed_withdraw(&fs->wd[sz], o, max, pfx, o->prefixes);
		}
		fs->npfx = o->prefixes;
		total += o->prefixes;
		msgs += fs->ann[0].nmsgs;
		bytes += fs->ann[0].len;
		wmsgs += fs->wd[0].nmsgs;
		wbytes += fs->wd[0].len;
	}
	free(pfx);
	bench_ev_begin("encoded", monotime_ns());
	printf(",\"prefixes\":%zu,\"messages\":%zu,\"bytes\":%zu,"
	    "\"withdraw_messages\":%zu,\"withdraw_bytes\":%zu",
	    total, msgs, bytes, wmsgs, wbytes);
	if (o->ext_msg)
		printf(",\"ext_messages\":%zu,\"ext_bytes\":%zu",
		    fsets[0].ann[SZ_EXT].nmsgs,
		    fsets[0].ann[SZ_EXT].len);
	printf(",\"secs\":%.6f", bench_secs(monotime_ns() - t0));
	bench_ev_end();
	*out = fsets;
	*nout = nfsets;
}


static uint8_t *
read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t cap = 0, n = 0, got;

	if (fp == NULL)
		fatal("--replay %s", path);
	do {
		data = xgrow(data, &cap, n + 65536, 1);
		got = fread(data + n, 1, cap - n, fp);
		n += got;
	} while (got > 0);
	if (ferror(fp))
		fatal("--replay %s: read", path);
	fclose(fp);
	*len = n;
	return data;
}

/* A prefix and where it was first announced. */
struct seen {
	struct ip_prefix p;
	size_t	at;
};

static int
by_prefix(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;
	int c = addr_pfx_cmp(&x->p, &y->p);

	return c != 0 ? c : (x->at > y->at) - (x->at < y->at);
}

static int
by_place(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;

	return (x->at > y->at) - (x->at < y->at);
}

/*
 * pfx[0..n) with each prefix once, in the order first announced: the
 * order the DUT learnt them, and the order of mrtfeed's prefix list
 * (the kernel's cost depends on the order: deleting in address order
 * costs it some three times as much as in the feed's order).
 */
static size_t
first_seen(struct ip_prefix *pfx, size_t n)
{
	struct seen *v = xcalloc(n > 0 ? n : 1, sizeof(*v));
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		v[i].p = pfx[i];
		v[i].at = i;
	}
	qsort(v, n, sizeof(*v), by_prefix);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || !addr_pfx_eq(&v[k - 1].p, &v[i].p))
			v[k++] = v[i];
	qsort(v, k, sizeof(*v), by_place);
	for (size_t i = 0; i < k; i++)
		pfx[i] = v[i].p;
	free(v);
	return k;
}

/* Every prefix of an NLRI field appended to *pfx. */
static void
collect(const uint8_t *p, size_t len, struct ip_prefix **pfx, size_t *n,
    size_t *cap)
{
	struct buf_rd r;

	buf_rd_init(&r, p, len);
	while (buf_left(&r) > 0) {
		*pfx = xgrow(*pfx, cap, *n + 1, sizeof(**pfx));
		if (nlri_get(&r, AF_INET, false, &(*pfx)[*n], NULL) != 0)
			fatalx("--replay: malformed NLRI");
		(*n)++;
	}
}

void
gen_replay(const struct opts *o, struct feedset **out, size_t *nout)
{
	uint64_t t0 = monotime_ns();
	struct attr_ctx ctx = { .as4 = true,
	    .ebgp = o->local_as != o->peer_as,
	    .peer_as = o->local_as != o->peer_as ? o->local_as : 0,
	    .ipv4 = true };
	struct feedset *fs = xcalloc(1, sizeof(*fs));
	struct feed *f = &fs->ann[SZ_STD];
	struct ip_prefix *pfx = NULL;
	size_t npfx = 0, pcap = 0, nwd = 0, off = 0, uniq = 0;
	struct attr_scratch *s = xcalloc(1, sizeof(*s));
	struct buf_wr w;
	uint8_t *d;
	size_t len;

	d = read_file(o->replay, &len);
	/* Every message must be an UPDATE that an eBGP peer may send. */
	while (off < len) {
		struct bgp_update u;
		struct bgp_err err;
		size_t mlen;

		if (len - off < BGP_HDR_LEN ||
		    (mlen = (size_t)(d[off + 16] << 8 | d[off + 17])) <
		    BGP_HDR_LEN || mlen > BGP_MAX_MSG || mlen > len - off ||
		    d[off + 18] != BGP_MSG_UPDATE)
			fatalx("--replay %s: offset %zu is not an UPDATE",
			    o->replay, off);
		memset(&err, 0, sizeof(err));
		update_decode(d + off + BGP_HDR_LEN, mlen - BGP_HDR_LEN, &ctx,
		    &u, s, &err);
		if (err.action != BGP_ACT_NONE || u.eor ||
		    (u.attrs.present & (ATTR_P_MP_REACH | ATTR_P_MP_UNREACH)))
			fatalx("--replay %s: the UPDATE at offset %zu is not "
			    "one an eBGP peer of AS %u sends (IPv4 only)",
			    o->replay, off, o->local_as);
		nwd += nlri_count(u.withdrawn, u.withdrawn_len, AF_INET,
		    false);
		collect(u.nlri, u.nlri_len, &pfx, &npfx, &pcap);
		if (u.nlri_len > 0) {
			f->nh = xgrow(f->nh, &f->nh_cap, f->nnh + 1,
			    sizeof(*f->nh));
			f->nh[f->nnh++] = off + find_nh(d + off, mlen);
		}
		f->nmsgs++;
		off += mlen;
	}
	fs->npfx = npfx;
	/* the announcements, then End-of-RIB */
	buf_wr_init(&w, 0);
	buf_put_bytes(&w, d, len);
	f->body = w.len;
	update_encode_eor(&w, AF_INET);
	if (w.overflow)
		fatalx("--replay: out of memory");
	f->data = buf_wr_detach(&w, &f->len);
	free(d);
	/* the withdrawal of every prefix announced, each once */
	uniq = first_seen(pfx, npfx);
	feed_withdraw(&fs->wd[SZ_STD], o, BGP_MAX_MSG, pfx, uniq);
	free(pfx);
	free(s);
	/* messages of at most 4,096 octets do for extended ones too */
	fs->ann[SZ_EXT] = fs->ann[SZ_STD];
	fs->wd[SZ_EXT] = fs->wd[SZ_STD];
	bench_ev_begin("encoded", monotime_ns());
	printf(",\"prefixes\":%zu,\"distinct\":%zu,\"withdrawn\":%zu,"
	    "\"messages\":%zu,\"bytes\":%zu,\"withdraw_messages\":%zu,"
	    "\"withdraw_bytes\":%zu,\"replay\":true,\"secs\":%.6f",
	    fs->npfx, uniq, nwd, f->nmsgs,
	    f->len, fs->wd[SZ_STD].nmsgs, fs->wd[SZ_STD].len,
	    bench_secs(monotime_ns() - t0));
	bench_ev_end();
	*out = fs;
	*nout = 1;
}
