/* Unit tests for bfd/session on a virtual clock (microseconds): every
 * RFC 5880 transition, detection time, poll/final, slow start, jitter. */
#include <check.h>
#include <string.h>

#include "bfd/bfd.h"
#include "bfd/packet.h"
#include "bfd/session.h"
#include "tests/unit/util/testutil.h"

#define MS	1000ULL
#define SEC	1000000ULL

static struct bfd_sess s;
static uint64_t now;
static const struct bfd_conf conf100x3 = {
	100 * MS, 100 * MS, 1 * SEC, 3,
};

static void
setup(void)
{
	now = 5 * SEC;
	bfd_sess_init(&s, &conf100x3, 0x1111, 7, now);
}

/* A packet from the remote (My Discriminator 0x2222). */
static struct bfd_pkt
from(uint8_t state, uint32_t tx, uint32_t rx, uint8_t mult)
{
	struct bfd_pkt p;

	memset(&p, 0, sizeof(p));
	p.version = 1;
	p.state = state;
	p.mult = mult;
	p.len = 24;
	p.my_disc = 0x2222;
	p.your_disc = state == BFD_ST_DOWN ? 0 : s.local_disc;
	p.min_tx = tx;
	p.min_rx = rx;
	return p;
}

static unsigned
rx(uint8_t state)
{
	struct bfd_pkt p = from(state, 100 * MS, 100 * MS, 3);

	return bfd_sess_rx(&s, &p, now);
}

static struct bfd_pkt
tx(void)
{
	struct bfd_pkt p;

	bfd_sess_tx(&s, &p, now);
	return p;
}

static void
to_up(void)
{
	rx(BFD_ST_DOWN);
	ck_assert_uint_eq(s.state, BFD_ST_INIT);
	rx(BFD_ST_UP);
	ck_assert_uint_eq(s.state, BFD_ST_UP);
}

START_TEST(test_down_init_up)
{
	unsigned r;
	struct bfd_pkt p;

	ck_assert_uint_eq(s.state, BFD_ST_DOWN);
	/* The first packet is due at once, Down, Your Discriminator 0,
	 * the slow-start interval. */
	ck_assert(bfd_sess_timer(&s, now) & BFD_SESS_SEND);
	p = tx();
	ck_assert_uint_eq(p.state, BFD_ST_DOWN);
	ck_assert_uint_eq(p.your_disc, 0);
	ck_assert_uint_eq(p.my_disc, 0x1111);
	ck_assert_uint_eq(p.min_tx, 1 * SEC);
	ck_assert_uint_eq(p.min_rx, 100 * MS);
	ck_assert_uint_eq(p.mult, 3);
	ck_assert(!p.poll && !p.final);
	/* Down + Down -> Init, announced at once. */
	now += 10 * MS;
	r = rx(BFD_ST_DOWN);
	ck_assert_uint_eq(r, BFD_SESS_CHANGED | BFD_SESS_SEND);
	ck_assert_uint_eq(s.state, BFD_ST_INIT);
	ck_assert_uint_eq(s.remote_disc, 0x2222);
	ck_assert_uint_eq(bfd_sess_next(&s), now);
	p = tx();
	ck_assert_uint_eq(p.state, BFD_ST_INIT);
	ck_assert_uint_eq(p.your_disc, 0x2222);
	ck_assert_uint_eq(p.min_tx, 1 * SEC);	/* still slow: not Up */
	/* Init + Down: stays Init. */
	now += 10 * MS;
	ck_assert_uint_eq(rx(BFD_ST_DOWN), 0);
	ck_assert_uint_eq(s.state, BFD_ST_INIT);
	/* Init + Up -> Up; the fast interval is polled for. */
	r = rx(BFD_ST_UP);
	ck_assert_uint_eq(r, BFD_SESS_CHANGED | BFD_SESS_SEND);
	ck_assert_uint_eq(s.state, BFD_ST_UP);
	ck_assert_uint_eq(s.up_since, now);
	ck_assert_uint_eq(s.n_up, 1);
	p = tx();
	ck_assert_uint_eq(p.state, BFD_ST_UP);
	ck_assert_uint_eq(p.min_tx, 100 * MS);
	ck_assert(p.poll);
}
END_TEST

START_TEST(test_down_up_on_init)
{
	/* Down + Init -> Up directly. */
	ck_assert_uint_eq(rx(BFD_ST_INIT), BFD_SESS_CHANGED | BFD_SESS_SEND);
	ck_assert_uint_eq(s.state, BFD_ST_UP);
	/* Down + Up: nothing (the remote will time out). */
	setup();
	ck_assert_uint_eq(rx(BFD_ST_UP), 0);
	ck_assert_uint_eq(s.state, BFD_ST_DOWN);
	/* Init + Init -> Up. */
	rx(BFD_ST_DOWN);
	ck_assert_uint_eq(s.state, BFD_ST_INIT);
	rx(BFD_ST_INIT);
	ck_assert_uint_eq(s.state, BFD_ST_UP);
	/* Up + Init, Up + Up: stays. */
	ck_assert_uint_eq(rx(BFD_ST_INIT) & BFD_SESS_CHANGED, 0);
	ck_assert_uint_eq(rx(BFD_ST_UP) & BFD_SESS_CHANGED, 0);
	ck_assert_uint_eq(s.state, BFD_ST_UP);
}
END_TEST

START_TEST(test_up_down_neighbor)
{
	struct bfd_pkt p;
	char why[64];

	to_up();
	now += 1 * SEC;
	ck_assert_uint_eq(rx(BFD_ST_DOWN), BFD_SESS_CHANGED | BFD_SESS_SEND);
	ck_assert_uint_eq(s.state, BFD_ST_DOWN);
	ck_assert_uint_eq(s.local_diag, BFD_DIAG_NEIGHBOR_DOWN);
	ck_assert_uint_eq(s.n_down, 1);
	ck_assert_uint_eq(s.last_down_at, now);
	ck_assert(!s.remote_admin);
	ck_assert_str_eq(bfd_sess_down_reason(&s, why, sizeof(why)),
	    "neighbor signaled session down");
	p = tx();
	ck_assert_uint_eq(p.state, BFD_ST_DOWN);
	ck_assert_uint_eq(p.diag, BFD_DIAG_NEIGHBOR_DOWN);
	/* Back to slow start, no poll while not Up. */
	ck_assert_uint_eq(p.min_tx, 1 * SEC);
	ck_assert(!p.poll);
	/* Down + AdminDown: stays Down. */
	ck_assert_uint_eq(rx(BFD_ST_ADMIN_DOWN) & BFD_SESS_CHANGED, 0);
}
END_TEST

START_TEST(test_remote_admin_down)
{
	char why[64];

	/* Up + AdminDown -> Down, diag 3, flagged as the neighbor's
	 * AdminDown (RFC 5882 4.2: no action for clients). */
	to_up();
	ck_assert(rx(BFD_ST_ADMIN_DOWN) & BFD_SESS_CHANGED);
	ck_assert_uint_eq(s.state, BFD_ST_DOWN);
	ck_assert_uint_eq(s.local_diag, BFD_DIAG_NEIGHBOR_DOWN);
	ck_assert(s.remote_admin);
	ck_assert_str_eq(bfd_sess_down_reason(&s, why, sizeof(why)),
	    "neighbor signaled AdminDown");
	/* Init + AdminDown -> Down too. */
	rx(BFD_ST_DOWN);
	ck_assert_uint_eq(s.state, BFD_ST_INIT);
	rx(BFD_ST_ADMIN_DOWN);
	ck_assert_uint_eq(s.state, BFD_ST_DOWN);
	/* Up again clears the flag. */
	rx(BFD_ST_INIT);
	ck_assert_uint_eq(s.state, BFD_ST_UP);
	ck_assert(!s.remote_admin);
}
END_TEST

START_TEST(test_local_admin_down)
{
	struct bfd_pkt p;
	char why[64];

	to_up();
	ck_assert_uint_eq(bfd_sess_admin(&s, true, now),
	    BFD_SESS_CHANGED | BFD_SESS_SEND);
	ck_assert_uint_eq(s.state, BFD_ST_ADMIN_DOWN);
	ck_assert_uint_eq(s.n_down, 1);
	ck_assert_str_eq(bfd_sess_down_reason(&s, why, sizeof(why)),
	    "administratively down");
	p = tx();
	ck_assert_uint_eq(p.state, BFD_ST_ADMIN_DOWN);
	ck_assert_uint_eq(p.diag, BFD_DIAG_ADMIN_DOWN);
	ck_assert_uint_eq(p.min_tx, 1 * SEC);
	/* No detection while AdminDown, and packets are discarded. */
	ck_assert_uint_eq(s.detect_at, 0);
	ck_assert_uint_eq(rx(BFD_ST_UP), BFD_SESS_DROPPED);
	ck_assert_uint_eq(s.state, BFD_ST_ADMIN_DOWN);
	ck_assert_uint_eq(s.detect_at, 0);
	now += 60 * SEC;
	ck_assert_uint_eq(bfd_sess_timer(&s, now) & BFD_SESS_CHANGED, 0);
	/* Twice is nothing; out of it is Down. */
	ck_assert_uint_eq(bfd_sess_admin(&s, true, now), 0);
	ck_assert_uint_eq(bfd_sess_admin(&s, false, now),
	    BFD_SESS_CHANGED | BFD_SESS_SEND);
	ck_assert_uint_eq(s.state, BFD_ST_DOWN);
	ck_assert_uint_eq(s.local_diag, BFD_DIAG_NONE);
	ck_assert_uint_eq(bfd_sess_admin(&s, false, now), 0);
}
END_TEST

/* Detection time = the remote's Detect Mult x max(our RequiredMinRx,
 * its Desired Min TX), in both orders; the timer fires exactly then. */
START_TEST(test_detection_time)
{
	struct bfd_pkt p;
	char why[64];

	to_up();
	/* Remote: TX 300 ms, mult 5, ours RX 100 ms: 1.5 s. */
	p = from(BFD_ST_UP, 300 * MS, 100 * MS, 5);
	bfd_sess_rx(&s, &p, now);
	ck_assert_uint_eq(bfd_sess_detect_us(&s), 1500 * MS);
	ck_assert_uint_eq(s.detect_at, now + 1500 * MS);
	/* Remote: TX 10 ms, mult 4, ours RX 100 ms: 400 ms. */
	p = from(BFD_ST_UP, 10 * MS, 100 * MS, 4);
	bfd_sess_rx(&s, &p, now);
	ck_assert_uint_eq(bfd_sess_detect_us(&s), 400 * MS);
	/* Our own multiplier does not count. */
	ck_assert_uint_eq(s.conf.mult, 3);
	/* Every packet restarts it. */
	now += 399 * MS;
	bfd_sess_rx(&s, &p, now);
	ck_assert_uint_eq(s.detect_at, now + 400 * MS);
	now += 400 * MS - 1;
	ck_assert_uint_eq(bfd_sess_timer(&s, now) & BFD_SESS_CHANGED, 0);
	ck_assert_uint_eq(s.state, BFD_ST_UP);
	now += 1;
	ck_assert(bfd_sess_timer(&s, now) & BFD_SESS_CHANGED);
	ck_assert_uint_eq(s.state, BFD_ST_DOWN);
	ck_assert_uint_eq(s.local_diag, BFD_DIAG_EXPIRED);
	ck_assert_uint_eq(s.remote_disc, 0);	/* 6.8.1 */
	ck_assert_str_eq(bfd_sess_down_reason(&s, why, sizeof(why)),
	    "control detection time expired");
	/* The next packet says why, at once. */
	ck_assert(bfd_sess_timer(&s, now) & BFD_SESS_SEND);
	p = tx();
	ck_assert_uint_eq(p.diag, BFD_DIAG_EXPIRED);
	ck_assert_uint_eq(p.your_disc, 0);
}
END_TEST

START_TEST(test_detection_in_init_and_down)
{
	rx(BFD_ST_DOWN);
	ck_assert_uint_eq(s.state, BFD_ST_INIT);
	/* 3 x max(our RX 100 ms, its TX 100 ms). */
	ck_assert_uint_eq(bfd_sess_detect_us(&s), 300 * MS);
	now += 300 * MS;
	ck_assert(bfd_sess_timer(&s, now) & BFD_SESS_CHANGED);
	ck_assert_uint_eq(s.state, BFD_ST_DOWN);
	ck_assert_uint_eq(s.local_diag, BFD_DIAG_EXPIRED);
	ck_assert_uint_eq(s.n_down, 0);		/* was never Up */
	/* In Down, expiry forgets the remote, no state change. */
	rx(BFD_ST_UP);
	ck_assert_uint_eq(s.remote_disc, 0x2222);
	now += 300 * MS;
	ck_assert_uint_eq(bfd_sess_timer(&s, now) & BFD_SESS_CHANGED, 0);
	ck_assert_uint_eq(s.remote_disc, 0);
}
END_TEST

/* Slow start: not Up, at least 1 s between packets whatever the idle
 * interval says; Up, the agreed interval. */
START_TEST(test_slow_start)
{
	struct bfd_conf c = conf100x3;
	uint64_t last;

	c.idle_tx_us = 200 * MS;	/* below 1 s: raised */
	bfd_sess_init(&s, &c, 0x1111, 99, now);
	ck_assert_uint_eq(s.desired_min_tx, 1 * SEC);
	last = now;
	tx();
	for (int i = 0; i < 200; i++) {
		now = bfd_sess_next(&s);
		ck_assert(bfd_sess_timer(&s, now) & BFD_SESS_SEND);
		ck_assert_uint_ge(now - last, 750 * MS);
		ck_assert_uint_le(now - last, 1 * SEC);
		last = now;
		tx();
	}
	/* An idle interval above 1 s is used as it is (Calico's 1m). */
	c.idle_tx_us = 60 * SEC;
	bfd_sess_init(&s, &c, 0x1111, 99, now);
	tx();
	ck_assert_uint_ge(s.next_tx - now, 45 * SEC);
	/* Up: the remote asks for 10 ms, we want 100 ms: 100 ms. */
	now += 1 * SEC;
	{
		struct bfd_pkt p = from(BFD_ST_INIT, 100 * MS, 10 * MS, 3);

		bfd_sess_rx(&s, &p, now);
	}
	ck_assert_uint_eq(s.state, BFD_ST_UP);
	ck_assert_uint_eq(bfd_sess_tx_us(&s), 100 * MS);
	tx();
	ck_assert_uint_le(s.next_tx - now, 100 * MS);
	ck_assert_uint_ge(s.next_tx - now, 75 * MS);
}
END_TEST

/* The remote polls: answered at once with F (not P), whatever the
 * transmit timer says. */
START_TEST(test_answer_poll)
{
	struct bfd_pkt p;
	unsigned r;

	to_up();
	tx();
	/* End our own poll (going Up) first. */
	p = from(BFD_ST_UP, 100 * MS, 100 * MS, 3);
	p.final = true;
	bfd_sess_rx(&s, &p, now);
	ck_assert(!s.polling);
	now += 5 * MS;
	ck_assert_uint_gt(s.next_tx, now);
	p = from(BFD_ST_UP, 50 * MS, 50 * MS, 3);
	p.poll = true;
	r = bfd_sess_rx(&s, &p, now);
	ck_assert_uint_eq(r, BFD_SESS_SEND);
	ck_assert_uint_eq(bfd_sess_next(&s), now);
	p = tx();
	ck_assert(p.final);
	ck_assert(!p.poll);
	/* The remote's new RX applies to our interval. */
	ck_assert_uint_eq(s.remote_min_rx, 50 * MS);
	ck_assert_uint_eq(bfd_sess_tx_us(&s), 100 * MS);
	/* And the next periodic packet has no F. */
	now = s.next_tx;
	p = tx();
	ck_assert(!p.final && !p.poll);
}
END_TEST

/* Our poll: P on every periodic packet until an F; an increase of our
 * TX is not used until then, a decrease of our RX not for detection. */
START_TEST(test_poll_sequence)
{
	struct bfd_pkt p;
	struct bfd_conf c = conf100x3;

	to_up();
	p = from(BFD_ST_UP, 100 * MS, 100 * MS, 3);
	p.final = true;
	bfd_sess_rx(&s, &p, now);
	ck_assert(!s.polling);
	ck_assert_uint_eq(s.polls, 1);		/* the one of going Up */
	/* TX 100 -> 300 ms, RX 100 -> 20 ms. */
	c.min_tx_us = 300 * MS;
	c.min_rx_us = 20 * MS;
	bfd_sess_set_conf(&s, &c, now);
	ck_assert(s.polling);
	ck_assert_uint_eq(s.polls, 2);
	ck_assert_uint_eq(s.desired_min_tx, 300 * MS);
	ck_assert_uint_eq(s.required_min_rx, 20 * MS);
	/* Packets carry the new values and P; the old ones are in force. */
	for (int i = 0; i < 5; i++) {
		now = bfd_sess_next(&s) > now ? bfd_sess_next(&s) : now;
		p = tx();
		ck_assert(p.poll && !p.final);
		ck_assert_uint_eq(p.min_tx, 300 * MS);
		ck_assert_uint_eq(p.min_rx, 20 * MS);
		ck_assert_uint_eq(bfd_sess_tx_us(&s), 100 * MS);
		ck_assert_uint_le(s.next_tx - now, 100 * MS);
		p = from(BFD_ST_UP, 10 * MS, 100 * MS, 3);
		bfd_sess_rx(&s, &p, now);
		/* 3 x max(100 held, 10) */
		ck_assert_uint_eq(bfd_sess_detect_us(&s), 300 * MS);
	}
	/* The F ends it: both apply. */
	p = from(BFD_ST_UP, 10 * MS, 100 * MS, 3);
	p.final = true;
	bfd_sess_rx(&s, &p, now);
	ck_assert(!s.polling);
	ck_assert_uint_eq(bfd_sess_tx_us(&s), 300 * MS);
	ck_assert_uint_eq(bfd_sess_detect_us(&s), 60 * MS);
	p = tx();
	ck_assert(!p.poll);
	ck_assert_uint_ge(s.next_tx - now, 225 * MS);
	/* A decrease of TX applies at once (still polled). */
	c.min_tx_us = 50 * MS;
	bfd_sess_set_conf(&s, &c, now);
	ck_assert(s.polling);
	ck_assert_uint_eq(bfd_sess_tx_us(&s), 100 * MS);   /* remote RX */
	ck_assert_uint_le(s.next_tx - now, 100 * MS);
	/* No change, no poll. */
	p.final = true;
	bfd_sess_rx(&s, &p, now);
	ck_assert(!s.polling);
	bfd_sess_set_conf(&s, &c, now);
	ck_assert(!s.polling);
}
END_TEST

START_TEST(test_poll_again)
{
	struct bfd_pkt p;
	struct bfd_conf c = conf100x3;

	to_up();
	ck_assert(s.polling);
	/* A change during the poll of going Up: polled again after its F,
	 * the hold kept until the second F. */
	c.min_tx_us = 500 * MS;
	bfd_sess_set_conf(&s, &c, now);
	ck_assert(s.poll_again);
	p = from(BFD_ST_UP, 100 * MS, 100 * MS, 3);
	p.final = true;
	bfd_sess_rx(&s, &p, now);
	ck_assert(s.polling && !s.poll_again);
	ck_assert_uint_eq(bfd_sess_tx_us(&s), 100 * MS);
	bfd_sess_rx(&s, &p, now);
	ck_assert(!s.polling);
	ck_assert_uint_eq(bfd_sess_tx_us(&s), 500 * MS);
}
END_TEST

/* The remote's Required Min RX: 0 stops our periodic packets (but not a
 * Final), a larger one slows them. */
START_TEST(test_remote_rx)
{
	struct bfd_pkt p;

	to_up();
	p = from(BFD_ST_UP, 100 * MS, 0, 3);
	bfd_sess_rx(&s, &p, now);
	tx();
	ck_assert_uint_eq(s.next_tx, 0);
	p.poll = true;
	ck_assert(bfd_sess_rx(&s, &p, now) & BFD_SESS_SEND);
	p = tx();
	ck_assert(p.final);
	ck_assert_uint_eq(s.next_tx, 0);
	/* Back at 1 s: due at once, then every 750 ms - 1 s. */
	p = from(BFD_ST_UP, 100 * MS, 1 * SEC, 3);
	bfd_sess_rx(&s, &p, now);
	ck_assert_uint_ne(s.next_tx, 0);
	ck_assert_uint_eq(bfd_sess_tx_us(&s), 1 * SEC);
}
END_TEST

/* 6.8.7 jitter over many draws: 75-100 %, 75-90 % at Detect Mult 1,
 * and really spread over that range. */
static void
jitter_bounds(uint8_t mult, uint64_t lo_pct, uint64_t hi_pct)
{
	struct bfd_conf c = conf100x3;
	uint64_t iv = 100 * MS, lo = ~0ULL, hi = 0;

	c.mult = mult;
	bfd_sess_init(&s, &c, 0x1111, 12345, now);
	to_up();
	ck_assert_uint_eq(bfd_sess_tx_us(&s), iv);
	for (int i = 0; i < 100000; i++) {
		uint64_t d;

		tx();
		d = s.next_tx - now;
		ck_assert_uint_ge(d * 100, iv * lo_pct);
		ck_assert_uint_le(d * 100, iv * hi_pct);
		if (d < lo)
			lo = d;
		if (d > hi)
			hi = d;
		now = s.next_tx;
		/* Keep the session Up. */
		rx(BFD_ST_UP);
	}
	ck_assert_uint_le(lo * 1000, iv * (lo_pct * 10 + 5));
	ck_assert_uint_ge(hi * 1000, iv * (hi_pct * 10 - 5));
}

START_TEST(test_jitter)
{
	jitter_bounds(3, 75, 100);
	jitter_bounds(1, 75, 90);
}
END_TEST

/* Two sessions joined by a virtual wire: Up within a few packets, and a
 * cut seen within the detection time on both sides. */
START_TEST(test_pair)
{
	struct bfd_sess a, b;
	struct bfd_conf ca = conf100x3, cb = conf100x3;
	bool wire = true;
	uint64_t cut = 0;

	cb.min_tx_us = 300 * MS;
	cb.mult = 5;
	bfd_sess_init(&a, &ca, 0xa, 1, now);
	bfd_sess_init(&b, &cb, 0xb, 2, now + 333);
	for (int step = 0; step < 100000; step++) {
		struct bfd_sess *x, *y;
		struct bfd_pkt p;
		uint64_t na = bfd_sess_next(&a), nb = bfd_sess_next(&b);

		if (na <= nb) {
			x = &a, y = &b, now = na;
		} else {
			x = &b, y = &a, now = nb;
		}
		if (bfd_sess_timer(x, now) & BFD_SESS_SEND) {
			bfd_sess_tx(x, &p, now);
			if (wire)
				bfd_sess_rx(y, &p, now);
		}
		if (cut == 0 && a.state == BFD_ST_UP &&
		    b.state == BFD_ST_UP && !a.polling && !b.polling &&
		    now > 30 * SEC) {
			/* Agreed: A sends every 100 ms (its TX, B's RX),
			 * B every 300 ms (its TX); A waits 5 x 300 ms, B
			 * 3 x 100 ms. */
			ck_assert_uint_eq(bfd_sess_tx_us(&a), 100 * MS);
			ck_assert_uint_eq(bfd_sess_tx_us(&b), 300 * MS);
			ck_assert_uint_eq(bfd_sess_detect_us(&a), 1500 * MS);
			ck_assert_uint_eq(bfd_sess_detect_us(&b), 300 * MS);
			ck_assert_uint_eq(a.n_up, 1);
			ck_assert_uint_eq(b.n_up, 1);
			wire = false;
			cut = now;
		}
		if (cut != 0 && a.state == BFD_ST_DOWN &&
		    b.state == BFD_ST_DOWN)
			break;
	}
	ck_assert_uint_ne(cut, 0);
	ck_assert_uint_eq(a.state, BFD_ST_DOWN);
	ck_assert_uint_eq(b.state, BFD_ST_DOWN);
	ck_assert_uint_eq(a.local_diag, BFD_DIAG_EXPIRED);
	ck_assert_uint_eq(b.local_diag, BFD_DIAG_EXPIRED);
	ck_assert_uint_le(a.last_down_at - cut, 1500 * MS);
	ck_assert_uint_le(b.last_down_at - cut, 300 * MS);
	ck_assert_uint_eq(a.n_down, 1);
	ck_assert_uint_eq(b.n_down, 1);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("bfd_session");
	TCase *tc = tcase_create("session");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_down_init_up);
	tcase_add_test(tc, test_down_up_on_init);
	tcase_add_test(tc, test_up_down_neighbor);
	tcase_add_test(tc, test_remote_admin_down);
	tcase_add_test(tc, test_local_admin_down);
	tcase_add_test(tc, test_detection_time);
	tcase_add_test(tc, test_detection_in_init_and_down);
	tcase_add_test(tc, test_slow_start);
	tcase_add_test(tc, test_answer_poll);
	tcase_add_test(tc, test_poll_sequence);
	tcase_add_test(tc, test_poll_again);
	tcase_add_test(tc, test_remote_rx);
	tcase_add_test(tc, test_jitter);
	tcase_add_test(tc, test_pair);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(su, tc);
	return tu_run(su);
}
