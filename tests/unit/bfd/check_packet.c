/* Unit tests for bfd/packet and bfd/table: a byte-table codec test and
 * the RFC 5880 6.8.6 / RFC 5881 5 drops, each counted by reason. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "bfd/bfd.h"
#include "bfd/packet.h"
#include "bfd/table.h"
#include "tests/unit/util/testutil.h"

/* Down, Detect Mult 3, My Discriminator 0x11223344, TX 1 s, RX 100 ms. */
#define GOOD "20 40 03 18 11 22 33 44 00 00 00 00" \
	     "00 0f 42 40 00 01 86 a0 00 00 00 00"

static const struct {
	const char *name;
	const char *hex;
	enum bfd_drop want;
} cases[] = {
	{ "good", GOOD, BFD_DROP_NONE },
	{ "good, octets past Length ignored", GOOD "de ad be ef",
	    BFD_DROP_NONE },
	{ "3 octets", "20 40 03", BFD_DROP_SHORT },
	{ "version 0", "00 40 03 18 11 22 33 44 00 00 00 00"
	    "00 0f 42 40 00 01 86 a0 00 00 00 00", BFD_DROP_VERSION },
	{ "version 2", "40 40 03 18 11 22 33 44 00 00 00 00"
	    "00 0f 42 40 00 01 86 a0 00 00 00 00", BFD_DROP_VERSION },
	{ "version 7", "e0 40 03 18 11 22 33 44 00 00 00 00"
	    "00 0f 42 40 00 01 86 a0 00 00 00 00", BFD_DROP_VERSION },
	{ "Length 23", "20 40 03 17 11 22 33 44 00 00 00 00"
	    "00 0f 42 40 00 01 86 a0 00 00 00 00", BFD_DROP_LENGTH },
	{ "Length 0", "20 40 03 00 11 22 33 44 00 00 00 00"
	    "00 0f 42 40 00 01 86 a0 00 00 00 00", BFD_DROP_LENGTH },
	{ "Length 25 in 24 octets", "20 40 03 19 11 22 33 44 00 00 00 00"
	    "00 0f 42 40 00 01 86 a0 00 00 00 00", BFD_DROP_LENGTH },
	{ "Length 24 in 20 octets", "20 40 03 18 11 22 33 44 00 00 00 00"
	    "00 0f 42 40 00 01 86 a0", BFD_DROP_LENGTH },
	{ "A set, Length 24", "20 44 03 18 11 22 33 44 00 00 00 00"
	    "00 0f 42 40 00 01 86 a0 00 00 00 00", BFD_DROP_LENGTH },
	{ "Detect Mult 0", "20 40 00 18 11 22 33 44 00 00 00 00"
	    "00 0f 42 40 00 01 86 a0 00 00 00 00", BFD_DROP_MULT },
	{ "M set", "20 41 03 18 11 22 33 44 00 00 00 00"
	    "00 0f 42 40 00 01 86 a0 00 00 00 00", BFD_DROP_MULTIPOINT },
	{ "My Discriminator 0", "20 40 03 18 00 00 00 00 00 00 00 00"
	    "00 0f 42 40 00 01 86 a0 00 00 00 00", BFD_DROP_MY_DISC },
};

START_TEST(test_decode_table)
{
	uint8_t b[64];
	size_t n = tu_hex(cases[_i].hex, b, sizeof(b));
	struct bfd_pkt p;

	ck_assert_msg(bfd_pkt_decode(b, n, &p) == cases[_i].want,
	    "%s: got %s", cases[_i].name,
	    bfd_drop_name(bfd_pkt_decode(b, n, &p)));
}
END_TEST

START_TEST(test_decode_fields)
{
	uint8_t b[64];
	size_t n = tu_hex("23 f8 05 18 00 00 00 07 00 00 00 09"
	    "00 01 86 a0 00 00 27 10 00 00 00 00", b, sizeof(b));
	struct bfd_pkt p;

	/* Diag 3, state Up, P, F, C set. */
	ck_assert_int_eq(bfd_pkt_decode(b, n, &p), BFD_DROP_NONE);
	ck_assert_uint_eq(p.version, 1);
	ck_assert_uint_eq(p.diag, BFD_DIAG_NEIGHBOR_DOWN);
	ck_assert_uint_eq(p.state, BFD_ST_UP);
	ck_assert(p.poll && p.final && p.cpi);
	ck_assert(!p.auth && !p.demand && !p.multipoint);
	ck_assert_uint_eq(p.mult, 5);
	ck_assert_uint_eq(p.len, 24);
	ck_assert_uint_eq(p.my_disc, 7);
	ck_assert_uint_eq(p.your_disc, 9);
	ck_assert_uint_eq(p.min_tx, 100000);
	ck_assert_uint_eq(p.min_rx, 10000);
	ck_assert_uint_eq(p.min_echo_rx, 0);
}
END_TEST

START_TEST(test_encode_bytes)
{
	struct bfd_pkt p, q;
	uint8_t out[BFD_HDR_LEN], want[BFD_HDR_LEN];

	memset(&p, 0, sizeof(p));
	p.diag = BFD_DIAG_EXPIRED;
	p.state = BFD_ST_INIT;
	p.final = true;
	p.mult = 3;
	p.my_disc = 0xdeadbeef;
	p.your_disc = 0x01020304;
	p.min_tx = 1000000;
	p.min_rx = 300000;
	ck_assert_uint_eq(bfd_pkt_encode(&p, out), 24);
	tu_hex("21 90 03 18 de ad be ef 01 02 03 04"
	    "00 0f 42 40 00 04 93 e0 00 00 00 00", want, sizeof(want));
	ck_assert_mem_eq(out, want, sizeof(want));
	ck_assert_int_eq(bfd_pkt_decode(out, sizeof(out), &q),
	    BFD_DROP_NONE);
	ck_assert_uint_eq(q.state, BFD_ST_INIT);
	ck_assert(q.final && !q.poll);
	ck_assert_uint_eq(q.min_rx, 300000);
}
END_TEST

/* ---- the table: demultiplexing and the drops that need a session ---- */

static struct bfd_table t;
static struct bfd_tab_ent *e;
static struct ip_addr peer, other;

static void
setup(void)
{
	struct bfd_conf c = { 100000, 100000, 1000000, 3 };

	bfd_tab_init(&t, 42);
	addr_parse("198.51.100.2", &peer);
	addr_parse("198.51.100.9", &other);
	e = bfd_tab_add(&t, &peer, NULL, 4, &c, 1000);
}

static void
teardown(void)
{
	bfd_tab_free(&t);
}

/* A packet from the peer: state, Your Discriminator, flags octet. */
static size_t
mk(uint8_t *b, uint8_t state, uint32_t your, uint8_t extra_flags,
    uint8_t len)
{
	struct bfd_pkt p;

	memset(&p, 0, sizeof(p));
	p.state = state;
	p.mult = 3;
	p.my_disc = 0xabc;
	p.your_disc = your;
	p.min_tx = 100000;
	p.min_rx = 100000;
	bfd_pkt_encode(&p, b);
	b[1] |= extra_flags;
	b[3] = len;
	memset(b + 24, 0, 8);
	return len > 24 ? len : 24;
}

static enum bfd_drop
in(const uint8_t *b, size_t n, const struct ip_addr *src, unsigned ifx,
    int ttl)
{
	struct bfd_tab_ent *hit;
	unsigned fl;

	return bfd_tab_input(&t, b, n, src, ifx, ttl, 2000, &hit, &fl);
}

START_TEST(test_table_drops)
{
	uint8_t b[64];
	size_t n;
	uint32_t mine = e->s.local_disc;
	uint64_t before[BFD_DROP_MAX];

	ck_assert_uint_ne(mine, 0);
	memset(before, 0, sizeof(before));
	/* TTL 254, 64, 1: RFC 5881 5. */
	n = mk(b, BFD_ST_DOWN, 0, 0, 24);
	ck_assert_int_eq(in(b, n, &peer, 4, 254), BFD_DROP_TTL);
	ck_assert_int_eq(in(b, n, &peer, 4, 64), BFD_DROP_TTL);
	ck_assert_int_eq(in(b, n, &peer, 4, 1), BFD_DROP_TTL);
	ck_assert_uint_eq(t.drops[BFD_DROP_TTL], 3);
	ck_assert_uint_eq(e->drops, 3);
	ck_assert_uint_eq(e->s.rx_pkts, 0);
	/* Codec drops are counted too. */
	n = mk(b, BFD_ST_DOWN, 0, 0, 24);
	b[0] = 0x40;
	ck_assert_int_eq(in(b, n, &peer, 4, 255), BFD_DROP_VERSION);
	n = mk(b, BFD_ST_DOWN, 0, 0, 24);
	b[2] = 0;
	ck_assert_int_eq(in(b, n, &peer, 4, 255), BFD_DROP_MULT);
	n = mk(b, BFD_ST_DOWN, 0, 0, 20);
	ck_assert_int_eq(in(b, 24, &peer, 4, 255), BFD_DROP_LENGTH);
	n = mk(b, BFD_ST_DOWN, 0, 0, 24);
	memset(b + 4, 0, 4);
	ck_assert_int_eq(in(b, n, &peer, 4, 255), BFD_DROP_MY_DISC);
	/* Your Discriminator 0 in Up or Init. */
	n = mk(b, BFD_ST_UP, 0, 0, 24);
	ck_assert_int_eq(in(b, n, &peer, 4, 255), BFD_DROP_YOUR_DISC);
	n = mk(b, BFD_ST_INIT, 0, 0, 24);
	ck_assert_int_eq(in(b, n, &peer, 4, 255), BFD_DROP_YOUR_DISC);
	/* Unknown discriminator, or ours from another source; an unknown
	 * source; another interface. */
	n = mk(b, BFD_ST_UP, mine + 1, 0, 24);
	ck_assert_int_eq(in(b, n, &peer, 4, 255), BFD_DROP_NO_SESSION);
	n = mk(b, BFD_ST_UP, mine, 0, 24);
	ck_assert_int_eq(in(b, n, &other, 4, 255), BFD_DROP_NO_SESSION);
	n = mk(b, BFD_ST_DOWN, 0, 0, 24);
	ck_assert_int_eq(in(b, n, &other, 4, 255), BFD_DROP_NO_SESSION);
	ck_assert_int_eq(in(b, n, &peer, 5, 255), BFD_DROP_NO_SESSION);
	/* A bit: we use no authentication (Length 26 so the codec passes
	 * it on). */
	n = mk(b, BFD_ST_DOWN, 0, 0x04, 26);
	ck_assert_int_eq(in(b, n, &peer, 4, 255), BFD_DROP_AUTH);
	ck_assert_uint_eq(t.drops[BFD_DROP_VERSION], 1);
	ck_assert_uint_eq(t.drops[BFD_DROP_MULT], 1);
	ck_assert_uint_eq(t.drops[BFD_DROP_LENGTH], 1);
	ck_assert_uint_eq(t.drops[BFD_DROP_MY_DISC], 1);
	ck_assert_uint_eq(t.drops[BFD_DROP_YOUR_DISC], 2);
	ck_assert_uint_eq(t.drops[BFD_DROP_NO_SESSION], 4);
	ck_assert_uint_eq(t.drops[BFD_DROP_AUTH], 1);
	/* Nothing reached the session. */
	ck_assert_uint_eq(e->s.rx_pkts, 0);
	ck_assert_uint_eq(e->s.state, BFD_ST_DOWN);
	/* A good one does, from the peer on its interface (or an unknown
	 * interface), with TTL 255. */
	n = mk(b, BFD_ST_DOWN, 0, 0, 24);
	ck_assert_int_eq(in(b, n, &peer, 4, 255), BFD_DROP_NONE);
	ck_assert_uint_eq(e->s.rx_pkts, 1);
	ck_assert_uint_eq(e->s.state, BFD_ST_INIT);
	n = mk(b, BFD_ST_UP, mine, 0, 24);
	ck_assert_int_eq(in(b, n, &peer, 0, 255), BFD_DROP_NONE);
	ck_assert_uint_eq(e->s.state, BFD_ST_UP);
	/* AdminDown locally: dropped after the remote's values were
	 * taken (6.8.6 order). */
	bfd_sess_admin(&e->s, true, 3000);
	n = mk(b, BFD_ST_UP, mine, 0, 24);
	ck_assert_int_eq(in(b, n, &peer, 4, 255), BFD_DROP_ADMIN_DOWN);
	ck_assert_uint_eq(t.drops[BFD_DROP_ADMIN_DOWN], 1);
	ck_assert_uint_eq(e->s.state, BFD_ST_ADMIN_DOWN);
}
END_TEST

START_TEST(test_table_discriminators)
{
	struct bfd_conf c = { 100000, 100000, 1000000, 3 };
	struct ip_addr a;
	char s[32];

	/* Nonzero and unique over many sessions; found by either key. */
	for (int i = 0; i < 500; i++) {
		snprintf(s, sizeof(s), "2001:db8:100::%x", i + 10);
		addr_parse(s, &a);
		bfd_tab_add(&t, &a, NULL, 0, &c, 1000);
	}
	for (size_t i = 0; i < t.n; i++) {
		ck_assert_uint_ne(t.v[i]->s.local_disc, 0);
		ck_assert_ptr_eq(bfd_tab_find_disc(&t, t.v[i]->s.local_disc),
		    t.v[i]);
		ck_assert_ptr_eq(bfd_tab_find_peer(&t, &t.v[i]->peer, 0),
		    t.v[i]);
	}
	bfd_tab_del(&t, e);
	ck_assert_ptr_null(bfd_tab_find_peer(&t, &peer, 4));
	ck_assert_uint_eq(t.n, 500);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("bfd_packet");
	TCase *tc = tcase_create("codec");
	TCase *tt = tcase_create("table");

	tcase_add_loop_test(tc, test_decode_table, 0,
	    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_decode_fields);
	tcase_add_test(tc, test_encode_bytes);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tt, setup, teardown);
	tcase_add_test(tt, test_table_drops);
	tcase_add_test(tt, test_table_discriminators);
	suite_add_tcase(s, tt);
	return tu_run(s);
}
