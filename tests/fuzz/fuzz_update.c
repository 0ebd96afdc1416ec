/*
 * libFuzzer harness: UPDATE bodies (bgp/update, bgp/attr, bgp/nlri).
 * The first octet picks the decoding context (AS4, eBGP, families,
 * ADD-PATH).  Properties checked beyond "no crash":
 *  - every NLRI field the decoder accepted walks cleanly with nlri_get;
 *  - what attr_encode writes for a decoded set decodes again without
 *    error, and re-encoding reaches a fixed point (see reencode()).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/nlri.h"
#include "bgp/update.h"
#include "lib/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
walk(const uint8_t *p, size_t len, int af, bool addpath)
{
	struct buf_rd r;
	struct ip_prefix pfx;
	uint32_t id;

	buf_rd_init(&r, p, len);
	while (buf_left(&r) > 0)
		if (nlri_get(&r, af, addpath, &pfx, &id) != 0)
			abort();	/* the decoder vouched for it */
}

static void
mp(const struct attr_mp *m, const struct attr_ctx *ctx)
{
	if (m->usable && m->nlri_len > 0)
		walk(m->nlri, m->nlri_len, m->afi == 2 ? AF_INET6 : AF_INET,
		    m->afi == 2 ? ctx->addpath_v6 : ctx->addpath_v4);
}

/* Encode a, decode that (must be clean) into out, encode out into w. */
static void
round_trip(const struct bgp_attrs *a, const struct attr_ctx *ctx,
    struct buf_wr *w, struct bgp_attrs *out, struct attr_scratch *s)
{
	struct bgp_err e;

	buf_wr_init(w, 0);
	attr_encode(w, a, ctx);
	memset(&e, 0, sizeof(e));
	attr_decode(w->data, w->len, ctx, out, s, &e);
	if (e.action != BGP_ACT_NONE)
		abort();	/* we wrote something we reject */
}

static bool
same(const struct buf_wr *a, const struct buf_wr *b)
{
	return a->len == b->len &&
	    (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/*
 * With 4-octet AS on both sides encoding is exact: encode(decode(x)) is a
 * fixed point at once.  Toward a 2-octet peer RFC 6793 4.2.3 can make the
 * receiver drop AS4_PATH (an AGGREGATOR without AS_TRANS), so one round
 * may lose information; the second round must then be stable.
 */
static void
reencode(const struct bgp_attrs *a, const struct attr_ctx *ctx)
{
	static struct attr_scratch s2, s3, s4;
	struct buf_wr w1, w2, w3;
	struct bgp_attrs a2, a3, a4;

	round_trip(a, ctx, &w1, &a2, &s2);
	round_trip(&a2, ctx, &w2, &a3, &s3);
	if (ctx->as4 && !same(&w1, &w2))
		abort();	/* not a fixed point */
	round_trip(&a3, ctx, &w3, &a4, &s4);
	if (!same(&w2, &w3))
		abort();	/* does not converge */
	buf_wr_free(&w1);
	buf_wr_free(&w2);
	buf_wr_free(&w3);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct attr_scratch s;
	struct attr_ctx ctx;
	struct bgp_update u;
	struct bgp_err err;

	if (size < 1)
		return 0;
	memset(&ctx, 0, sizeof(ctx));
	ctx.as4 = data[0] & 1;
	ctx.ebgp = data[0] & 2;
	ctx.ipv4 = !(data[0] & 4);
	ctx.ipv6 = !(data[0] & 8);
	ctx.addpath_v4 = data[0] & 16;
	ctx.addpath_v6 = data[0] & 32;
	memset(&err, 0, sizeof(err));
	update_decode(data + 1, size - 1, &ctx, &u, &s, &err);
	if (err.action == BGP_ACT_RESET)
		return 0;
	walk(u.withdrawn, u.withdrawn_len, AF_INET, ctx.addpath_v4);
	if (err.action == BGP_ACT_WITHDRAW)
		return 0;
	walk(u.nlri, u.nlri_len, AF_INET, ctx.addpath_v4);
	mp(&u.attrs.mp_reach, &ctx);
	mp(&u.attrs.mp_unreach, &ctx);
	reencode(&u.attrs, &ctx);
	return 0;
}
