/*
 * Unit tests for bgp/session over months of virtual time (issue 11).
 *
 * Pairs of real sessions talk over a fake transport driven the way the
 * daemon drives them: an event loop that jumps from deadline to deadline
 * of a virtual clock, runs expired timers first and delivers queued
 * output a little later (a write is never instantaneous), so a timer
 * computed from a stale instant fires before the write that would have
 * stopped it.  A peer can freeze: it stops reading (its window stays
 * shut) but a keepalive thread of its own still reaches us, which is
 * the case RFC 9687's Send Hold Timer exists for.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "bgp/bgp.h"
#include "bgp/session.h"
#include "tests/unit/util/testutil.h"

#define DAY_MS		(86400ull * 1000)
#define WRITE_LAT_MS	3	/* queued output reaches the wire after */
#define MAX_EPS		8

struct ep {
	struct session *s;
	struct ep *peer;
	bool	frozen;		/* reads nothing, runs no timers */
	bool	connected;
	bool	want_connect;
	uint64_t write_at;	/* 0: nothing scheduled */
	/* What this end sent, seen from its counters after each step. */
	uint64_t ka_seen, msgs_seen;
	uint64_t ka_last, ka_min_gap, ka_gaps;
	uint64_t msg_last, msg_max_gap;
	uint64_t first_stuck;	/* output queued and never written */
	/* Hooks. */
	int	ups, downs;
	uint64_t down_at;
	char	down_why[200];
};

static struct ep eps[MAX_EPS];
static int neps;
static uint64_t now;
/* Scheduled UPDATEs from eps[upd_from] every upd_every ms (0: none). */
static int upd_from = -1;
static uint64_t upd_every, upd_next;
/* Frozen peers' own keepalive thread: one KEEPALIVE to us this often. */
static uint64_t frozen_ka_ms = 30000, frozen_ka_next;

static void t_connect(void *ctx) { ((struct ep *)ctx)->want_connect = true; }
static void h_update(void *ctx, const struct bgp_update *u,
    const struct bgp_err *e, uint64_t t) { }
static void h_eor(void *ctx, int af) { }
static void h_refresh(void *ctx, int af) { }

static void
t_disconnect(void *ctx)
{
	struct ep *e = ctx;

	if (!e->connected)
		return;
	e->connected = false;
	e->write_at = 0;
	if (e->peer->connected && !e->peer->frozen) {
		e->peer->connected = false;
		session_closed(e->peer->s, "peer closed", now);
	}
}

static void
t_output(void *ctx)
{
	struct ep *e = ctx;

	if (e->write_at == 0)
		e->write_at = now + WRITE_LAT_MS;
}

static const struct session_transport transport = {
	t_connect, t_disconnect, t_output,
};

static void h_up(void *ctx, uint64_t t) { ((struct ep *)ctx)->ups++; }

static void
h_down(void *ctx, bool was_up, const char *why, uint64_t t)
{
	struct ep *e = ctx;

	if (!was_up)
		return;
	e->downs++;
	e->down_at = t;
	snprintf(e->down_why, sizeof(e->down_why), "%s", why ? why : "");
}

static const struct session_hooks hooks = {
	h_up, h_down, h_update, h_eor, h_refresh,
};

static void
reset_world(void)
{
	for (int i = 0; i < neps; i++)
		session_free(eps[i].s);
	memset(eps, 0, sizeof(eps));
	neps = 0;
	now = 1000;
	upd_from = -1;
	upd_every = upd_next = 0;
	frozen_ka_next = 0;
}

/* A pair: eps[i] connects actively, eps[i + 1] is passive. */
static int
add_pair(uint16_t hold_a, uint16_t hold_b, uint32_t send_hold)
{
	struct session_conf c;
	int i = neps;

	ck_assert_int_le(neps + 2, MAX_EPS);
	for (int k = 0; k < 2; k++) {
		memset(&c, 0, sizeof(c));
		addr_parse(k == 0 ? "198.51.100.2" : "198.51.100.1", &c.peer);
		c.af = AF_INET;
		c.port = 179;
		c.local_as = c.remote_as = 64512;
		c.router_id = 0xc6336401 + (uint32_t)(i + k);
		c.passive = k == 1;
		c.hold = k == 0 ? hold_a : hold_b;
		c.send_hold = send_hold;
		snprintf(c.name, sizeof(c.name), "pair%d.%d", i / 2, k);
		eps[i + k].s = session_new(&c, &transport, &eps[i + k],
		    &hooks, &eps[i + k], now);
		eps[i + k].peer = &eps[i + 1 - k];
	}
	neps += 2;
	return i;
}

/* Move what e has queued to its peer, unless the peer is frozen. */
static void
deliver(struct ep *e)
{
	const uint8_t *p;
	size_t len, room;
	uint8_t *in;

	e->write_at = 0;
	if (!e->connected)
		return;
	session_out_data(e->s, &p, &len);
	if (len == 0)
		return;
	if (e->peer->frozen) {
		if (e->first_stuck == 0)
			e->first_stuck = now;
		return;
	}
	while (len > 0 && e->connected) {
		size_t n;
		bool more;

		session_in_space(e->peer->s, &in, &room);
		n = len < room ? len : room;
		memcpy(in, p, n);
		session_out_written(e->s, n, now);
		more = session_in_commit(e->peer->s, n, now);
		while (more && e->peer->connected)
			more = session_in_commit(e->peer->s, 0, now);
		session_out_data(e->s, &p, &len);
	}
}

/* A withdrawal of 100.64.1.0/24 (27 octets), as an UPDATE to send. */
static void
queue_update(struct ep *e)
{
	static const uint8_t upd[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x00, 27, BGP_MSG_UPDATE, 0x00, 0x04, 24, 100, 64, 1,
		0x00, 0x00,
	};

	if (!session_established(e->s))
		return;
	buf_put_bytes(session_outbuf(e->s), upd, sizeof(upd));
	session_queued(e->s, 1, 1, now);
}

/* A frozen peer's keepalive thread: 19 octets straight into our input. */
static void
frozen_keepalive(struct ep *to)
{
	uint8_t ka[BGP_HDR_LEN], *in;
	size_t room;

	memset(ka, 0xff, 16);
	ka[16] = 0;
	ka[17] = BGP_HDR_LEN;
	ka[18] = BGP_MSG_KEEPALIVE;
	session_in_space(to->s, &in, &room);
	memcpy(in, ka, sizeof(ka));
	while (session_in_commit(to->s, sizeof(ka), now))
		;
}

/* Keep the cadence books: called after every step. */
static void
observe(struct ep *e)
{
	const struct session_stats *st = &e->s->stats;

	if (st->keepalives_out != e->ka_seen) {
		ck_assert_msg(st->keepalives_out == e->ka_seen + 1,
		    "%s: %llu keepalives at once at %llu ms",
		    e->s->conf.name, (unsigned long long)(st->keepalives_out -
		    e->ka_seen), (unsigned long long)now);
		if (e->ka_last != 0) {
			uint64_t gap = now - e->ka_last;

			if (e->ka_gaps == 0 || gap < e->ka_min_gap)
				e->ka_min_gap = gap;
			e->ka_gaps++;
		}
		e->ka_last = now;
		e->ka_seen = st->keepalives_out;
	}
	if (st->msgs_out != e->msgs_seen) {
		if (e->msg_last != 0 && session_established(e->s) &&
		    now - e->msg_last > e->msg_max_gap)
			e->msg_max_gap = now - e->msg_last;
		e->msg_last = now;
		e->msgs_seen = st->msgs_out;
	}
}

static uint64_t
min_nz(uint64_t a, uint64_t b)
{
	return a == 0 ? b : b == 0 ? a : a < b ? a : b;
}

/* The event loop: until `until`, jump to each next deadline. */
static void
run_until(uint64_t until)
{
	while (now < until) {
		uint64_t t = 0;

		for (int i = 0; i < neps; i++) {
			struct ep *e = &eps[i];

			if (!e->frozen)
				t = min_nz(t, session_next_timer(e->s));
			t = min_nz(t, e->write_at);
			/* A frozen peer accepts no new connection. */
			if (e->want_connect && !e->peer->frozen)
				t = min_nz(t, now);
			if (e->frozen && session_established(e->peer->s))
				t = min_nz(t, frozen_ka_next);
		}
		if (upd_from >= 0)
			t = min_nz(t, upd_next);
		if (t == 0 || t > until)
			t = until;
		/* A deadline in the past runs now, as libevent would. */
		if (t > now)
			now = t;
		/* Timers first: the worst order for a stale deadline. */
		for (int i = 0; i < neps; i++)
			if (!eps[i].frozen)
				session_run_timers(eps[i].s, now);
		for (int i = 0; i < neps; i++) {
			struct ep *e = &eps[i];

			if (e->want_connect && !e->peer->frozen) {
				e->want_connect = false;
				e->connected = e->peer->connected = true;
				session_connected(e->s, now);
				session_connected(e->peer->s, now);
			}
		}
		for (int i = 0; i < neps; i++)
			if (eps[i].write_at != 0 && eps[i].write_at <= now)
				deliver(&eps[i]);
		for (int i = 0; i < neps; i++) {
			struct ep *e = &eps[i];

			if (e->frozen && session_established(e->peer->s) &&
			    frozen_ka_next <= now)
				frozen_keepalive(e->peer);
		}
		if (frozen_ka_next <= now)
			frozen_ka_next = now + frozen_ka_ms;
		if (upd_from >= 0 && upd_next <= now) {
			queue_update(&eps[upd_from]);
			upd_next = now + upd_every;
		}
		for (int i = 0; i < neps; i++)
			observe(&eps[i]);
	}
}

static void
freeze(struct ep *e)
{
	e->frozen = true;
	frozen_ka_next = now + frozen_ka_ms;
}

static void
start_all(void)
{
	for (int i = 0; i < neps; i++)
		session_start(eps[i].s, now);
	run_until(now + 10000);
	for (int i = 0; i < neps; i++)
		ck_assert_msg(session_established(eps[i].s), "%s: %s",
		    eps[i].s->conf.name, session_state_name(eps[i].s));
}

static void
assert_stayed_up(const struct ep *e)
{
	ck_assert_msg(e->downs == 0, "%s went down at %llu ms: %s",
	    e->s->conf.name, (unsigned long long)e->down_at, e->down_why);
	ck_assert_int_eq(e->ups, 1);
	ck_assert(session_established(e->s));
	ck_assert_uint_eq(e->s->fsm.flaps, 0);
}

/* 30 days idle: exactly one KEEPALIVE per 30 s, nobody drops. */
START_TEST(test_idle_30_days)
{
	uint64_t t0;

	reset_world();
	add_pair(0, 0, 0);
	add_pair(240, 90, 0);	/* negotiated: 90 s, keepalive 30 s */
	start_all();
	t0 = now;
	run_until(t0 + 30 * DAY_MS);
	for (int i = 0; i < neps; i++) {
		const struct ep *e = &eps[i];

		assert_stayed_up(e);
		ck_assert_uint_eq(e->s->neg.hold, 90);
		/* The cadence is exact: never shorter, never longer. */
		ck_assert_uint_eq(e->ka_min_gap, 30000);
		ck_assert_uint_eq(e->msg_max_gap, 30000);
		/* One per interval over 30 days, give or take the edges. */
		ck_assert_uint_ge(e->s->stats.keepalives_out,
		    30 * DAY_MS / 30000);
		ck_assert_uint_le(e->s->stats.keepalives_out,
		    30 * DAY_MS / 30000 + 2);
		ck_assert_uint_eq(e->s->stats.notifications_out, 0);
	}
	reset_world();
}
END_TEST

/*
 * UPDATEs every 7 s (more often than the keepalive interval) and every
 * 45 s (less often): a KEEPALIVE only fills silences, never bursts, and
 * the session holds for 30 days.
 */
START_TEST(test_updates_30_days)
{
	static const uint64_t every[] = { 7000, 45000 };

	for (size_t k = 0; k < sizeof(every) / sizeof(every[0]); k++) {
		const struct ep *a;
		uint64_t ka0;

		reset_world();
		add_pair(0, 0, 0);
		start_all();
		a = &eps[0];
		ka0 = a->s->stats.keepalives_out;
		upd_from = 0;
		upd_every = every[k];
		upd_next = now + upd_every;
		run_until(now + 30 * DAY_MS);
		upd_from = -1;	/* let the last one arrive */
		run_until(now + 1000);
		for (int i = 0; i < neps; i++)
			assert_stayed_up(&eps[i]);
		ck_assert_uint_ge(a->s->stats.updates_out,
		    30 * DAY_MS / every[k]);
		ck_assert_uint_eq(eps[1].s->stats.updates_in,
		    a->s->stats.updates_out);
		/* Silence never lasts longer than the keepalive interval,
		 * and keepalives never come closer than it. */
		ck_assert_uint_le(a->msg_max_gap, 30000);
		ck_assert(a->ka_gaps == 0 || a->ka_min_gap >= 30000);
		if (every[k] < 30000) {
			/* Updates say "alive": no KEEPALIVE needed. */
			ck_assert_uint_eq(a->s->stats.keepalives_out, ka0);
		} else {
			/* One KEEPALIVE between two UPDATEs, 30 s after. */
			ck_assert_uint_ge(a->s->stats.keepalives_out - ka0,
			    a->s->stats.updates_out - 1);
			ck_assert_uint_le(a->s->stats.keepalives_out - ka0,
			    a->s->stats.updates_out + 1);
		}
	}
	reset_world();
}
END_TEST

/*
 * Three sessions; one peer stops reading on day 3.  Only that session
 * drops, with Send Hold Timer Expired, exactly max(8 min, 2 x hold)
 * after the first output that could not be written; the other two stay
 * up for 30 days.  With hold 300 s the timer is 2 x hold = 600 s.
 */
START_TEST(test_send_hold_only_stuck_peer)
{
	static const uint16_t holds[] = { 90, 300 };

	for (size_t k = 0; k < sizeof(holds) / sizeof(holds[0]); k++) {
		uint64_t want = holds[k] * 2000ull > 480000 ?
		    holds[k] * 2000ull : 480000;
		struct ep *stuck;

		reset_world();
		add_pair(holds[k], holds[k], 0);
		add_pair(holds[k], holds[k], 0);
		add_pair(holds[k], holds[k], 0);
		start_all();
		ck_assert_uint_eq(session_send_hold_ms(eps[4].s), want);
		run_until(now + 3 * DAY_MS);
		freeze(&eps[5]);	/* eps[4]'s peer stops reading */
		stuck = &eps[4];
		run_until(now + 27 * DAY_MS);
		for (int i = 0; i < 4; i++)
			assert_stayed_up(&eps[i]);
		ck_assert_int_eq(stuck->downs, 1);
		ck_assert_str_eq(stuck->down_why,
		    "BGP Error: Send Hold Timer Expired");
		ck_assert_uint_ne(stuck->first_stuck, 0);
		ck_assert_uint_eq(stuck->down_at - stuck->first_stuck +
		    WRITE_LAT_MS, want);
		/* The peer's keepalives kept the hold timer from firing. */
		ck_assert_uint_eq(stuck->s->stats.notifications_out, 1);
	}
	reset_world();
}
END_TEST

/* --send-hold-time lowers the floor; twice the hold still wins. */
START_TEST(test_send_hold_configured)
{
	reset_world();
	add_pair(3, 3, 6);
	start_all();
	ck_assert_uint_eq(eps[0].s->neg.hold, 3);
	ck_assert_uint_eq(session_send_hold_ms(eps[0].s), 6000);
	/* Up for a day at keepalive 1 s with a 6 s send hold. */
	run_until(now + DAY_MS);
	assert_stayed_up(&eps[0]);
	assert_stayed_up(&eps[1]);
	ck_assert_uint_eq(eps[0].ka_min_gap, 1000);
	frozen_ka_ms = 1000;
	freeze(&eps[1]);
	run_until(now + 60000);
	frozen_ka_ms = 30000;
	ck_assert_int_eq(eps[0].downs, 1);
	ck_assert_str_eq(eps[0].down_why,
	    "BGP Error: Send Hold Timer Expired");
	ck_assert_uint_eq(eps[0].down_at - eps[0].first_stuck +
	    WRITE_LAT_MS, 6000);
	reset_world();
	add_pair(90, 90, 6);
	start_all();
	ck_assert_uint_eq(session_send_hold_ms(eps[0].s), 180000);
	reset_world();
}
END_TEST

/*
 * A passive session waits 20 minutes for its peer, then stays up for
 * 30 days: the wait must not count against its first sends.
 */
START_TEST(test_passive_long_wait)
{
	reset_world();
	add_pair(0, 0, 0);
	session_start(eps[1].s, now);	/* the passive side only */
	run_until(now + 20 * 60 * 1000);
	ck_assert_str_eq(session_state_name(eps[1].s), "Active");
	session_start(eps[0].s, now);
	run_until(now + 30 * DAY_MS);
	assert_stayed_up(&eps[0]);
	assert_stayed_up(&eps[1]);
	ck_assert_uint_eq(eps[1].ka_min_gap, 30000);
	reset_world();
}
END_TEST

static Suite *
longrun_suite(void)
{
	Suite *s = suite_create("longrun");
	TCase *tc = tcase_create("longrun");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_idle_30_days);
	tcase_add_test(tc, test_updates_30_days);
	tcase_add_test(tc, test_send_hold_only_stuck_peer);
	tcase_add_test(tc, test_send_hold_configured);
	tcase_add_test(tc, test_passive_long_wait);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(longrun_suite());
}
