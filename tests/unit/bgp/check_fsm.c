/* Unit tests for bgp/fsm over a fake set of actions. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "bgp/bgp.h"
#include "bgp/fsm.h"
#include "tests/unit/util/testutil.h"

/* Everything the FSM asked for, as a string of letters, plus details. */
static char log_[256];
static uint8_t last_code, last_sub;
static bool last_was_up;

static void
rec(char c)
{
	size_t n = strlen(log_);

	if (n + 1 < sizeof(log_)) {
		log_[n] = c;
		log_[n + 1] = '\0';
	}
}

static struct fsm f;
static bool collided_seen;

static void f_connect(void *ctx) { rec('C'); }
static void f_disconnect(void *ctx) { rec('X'); collided_seen = f.collided; }
/* The time each action was given: must be the clock's, never older. */
static uint64_t last_now;
static void f_open(void *ctx, uint64_t t) { rec('O'); last_now = t; }
static void f_keepalive(void *ctx, uint64_t t) { rec('K'); last_now = t; }
static void f_established(void *ctx, uint64_t t) { rec('E'); last_now = t; }

static void
f_notification(void *ctx, uint8_t code, uint8_t sub, const uint8_t *d,
    size_t n, uint64_t t)
{
	rec('N');
	last_now = t;
	last_code = code;
	last_sub = sub;
}

static void
f_down(void *ctx, bool was_up, const char *why, uint64_t t)
{
	rec('D');
	last_now = t;
	last_was_up = was_up;
}

static const struct fsm_ops ops = {
	f_connect, f_disconnect, f_open, f_keepalive, f_notification,
	f_established, f_down,
};

static uint64_t now;

static void
setup(bool passive)
{
	struct fsm_conf c;

	fsm_conf_defaults(&c);
	c.passive = passive;
	now = 1000;
	fsm_init(&f, &c, &ops, NULL, now);
	log_[0] = '\0';
}

static void
ev(enum fsm_event e)
{
	fsm_event(&f, e, NULL, now);
}

static void
open_hold(uint16_t hold)
{
	struct fsm_arg a;

	memset(&a, 0, sizeof(a));
	a.hold = hold;
	fsm_event(&f, FSM_EV_OPEN, &a, now);
}

static void
advance(uint64_t ms)
{
	now += ms;
	fsm_run_timers(&f, now);
}

/* From Idle to Established over an outgoing connection. */
static void
establish(void)
{
	ev(FSM_EV_START);
	advance(2000);
	ev(FSM_EV_CONN_OPEN);
	open_hold(90);
	ev(FSM_EV_KEEPALIVE);
}

START_TEST(test_active_open)
{
	setup(false);
	ev(FSM_EV_START);
	ck_assert_int_eq(f.state, FSM_ACTIVE);
	ck_assert_uint_eq(fsm_next_timer(&f), now + 250);
	advance(249);
	ck_assert_str_eq(log_, "");
	advance(1);
	ck_assert_int_eq(f.state, FSM_CONNECT);
	ck_assert_str_eq(log_, "C");
	ev(FSM_EV_CONN_OPEN);
	ck_assert_int_eq(f.state, FSM_OPENSENT);
	ck_assert(timer_running(&f.timers, TIMER_HOLD));
	ck_assert_uint_eq(f.timers.due[TIMER_HOLD], now + 240000);
	open_hold(90);
	ck_assert_int_eq(f.state, FSM_OPENCONFIRM);
	ck_assert_uint_eq(f.hold, 90);
	ck_assert_uint_eq(f.keepalive, 30);
	ev(FSM_EV_KEEPALIVE);
	ck_assert_int_eq(f.state, FSM_ESTABLISHED);
	ck_assert_str_eq(log_, "COKE");
	/* Keepalives every 30 s; messages keep the hold timer away. */
	for (int i = 0; i < 5; i++) {
		advance(30000);
		ev(FSM_EV_UPDATE);
	}
	ck_assert_str_eq(log_, "COKEKKKKK");
	ck_assert_int_eq(f.state, FSM_ESTABLISHED);
	/* Silence: the hold timer expires at 90 s. */
	advance(30000);
	advance(30000);
	advance(29999);
	ck_assert_int_eq(f.state, FSM_ESTABLISHED);
	advance(1);
	ck_assert_int_eq(f.state, FSM_IDLE);
	ck_assert_uint_eq(last_code, BGP_ERR_HOLD);
	ck_assert(last_was_up);
	ck_assert_str_eq(log_, "COKEKKKKKKKNXD");
	ck_assert_uint_eq(f.flaps, 1);
	/* Idle hold 5 s, then straight to a new attempt. */
	advance(4999);
	ck_assert_int_eq(f.state, FSM_IDLE);
	advance(1);
	ck_assert_int_eq(f.state, FSM_CONNECT);
}
END_TEST

START_TEST(test_connect_failure_retry)
{
	setup(false);
	ev(FSM_EV_START);
	advance(2000);
	ev(FSM_EV_CONN_FAIL);
	ck_assert_int_eq(f.state, FSM_ACTIVE);
	ck_assert(!last_was_up);
	ck_assert_str_eq(log_, "CXD");
	/* A refused connection (the peer not listening yet) is retried
	 * after 0.5 s, then 1, 2, 4 and 5 s (connect_retry_ms). */
	ck_assert_uint_eq(fsm_next_timer(&f), now + 500);
	advance(500);
	ck_assert_str_eq(log_, "CXDC");
	const uint32_t want[] = { 1000, 2000, 4000, 5000, 5000 };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ev(FSM_EV_CONN_FAIL);
		ck_assert_uint_eq(fsm_next_timer(&f), now + want[i]);
		advance(want[i]);
		ck_assert_int_eq(f.state, FSM_CONNECT);
	}
	/* An attempt that hangs is abandoned and retried. */
	log_[0] = '\0';
	advance(5000);
	ck_assert_str_eq(log_, "XC");
	ck_assert_int_eq(f.state, FSM_CONNECT);
	/* Once Established, a later refusal starts at 0.5 s again. */
	ev(FSM_EV_CONN_OPEN);
	open_hold(90);
	ev(FSM_EV_KEEPALIVE);
	ck_assert_int_eq(f.state, FSM_ESTABLISHED);
	ck_assert_uint_eq(f.retry_ms, 500);
}
END_TEST

START_TEST(test_passive)
{
	setup(true);
	ev(FSM_EV_START);
	ck_assert_int_eq(f.state, FSM_ACTIVE);
	ck_assert_uint_eq(fsm_next_timer(&f), 0);
	advance(600000);
	ck_assert_str_eq(log_, "");
	ev(FSM_EV_CONN_OPEN);
	ck_assert_int_eq(f.state, FSM_OPENSENT);
	ck_assert_str_eq(log_, "O");
	/* Closed before the OPEN arrived: wait again, no back-off. */
	ev(FSM_EV_CONN_CLOSED);
	ck_assert_int_eq(f.state, FSM_ACTIVE);
	ck_assert_uint_eq(fsm_next_timer(&f), 0);
}
END_TEST

START_TEST(test_backoff)
{
	const uint32_t want[] = { 5000, 10000, 20000, 30000, 30000 };

	setup(false);
	ev(FSM_EV_START);
	advance(2000);
	for (int i = 0; i < 5; i++) {
		ev(FSM_EV_CONN_OPEN);
		open_hold(90);
		ev(FSM_EV_NOTIFICATION);
		ck_assert_int_eq(f.state, FSM_IDLE);
		ck_assert_uint_eq(fsm_next_timer(&f), now + want[i]);
		advance(want[i]);
		ck_assert_int_eq(f.state, FSM_CONNECT);
	}
	/* Up for 5 minutes: the next failure starts again at 5 s. */
	ev(FSM_EV_CONN_OPEN);
	open_hold(90);
	ev(FSM_EV_KEEPALIVE);
	for (int i = 0; i < 10; i++) {
		advance(30000);
		ev(FSM_EV_KEEPALIVE);
	}
	ev(FSM_EV_CONN_CLOSED);
	ck_assert_uint_eq(fsm_next_timer(&f), now + 5000);
}
END_TEST

START_TEST(test_unexpected_messages)
{
	setup(false);
	ev(FSM_EV_START);
	advance(2000);
	ev(FSM_EV_CONN_OPEN);
	ev(FSM_EV_KEEPALIVE);
	ck_assert_uint_eq(last_code, BGP_ERR_FSM);
	ck_assert_uint_eq(last_sub, BGP_FSM_OPENSENT);
	setup(false);
	ev(FSM_EV_START);
	advance(2000);
	ev(FSM_EV_CONN_OPEN);
	open_hold(90);
	ev(FSM_EV_UPDATE);
	ck_assert_uint_eq(last_sub, BGP_FSM_OPENCONFIRM);
	setup(false);
	establish();
	open_hold(90);
	ck_assert_uint_eq(last_code, BGP_ERR_FSM);
	ck_assert_uint_eq(last_sub, BGP_FSM_ESTABLISHED);
	ck_assert_int_eq(f.state, FSM_IDLE);
}
END_TEST

START_TEST(test_hold_zero_and_keepalive_conf)
{
	struct fsm_conf c;

	setup(false);
	establish();
	ck_assert(timer_running(&f.timers, TIMER_HOLD));
	setup(false);
	ev(FSM_EV_START);
	advance(2000);
	ev(FSM_EV_CONN_OPEN);
	open_hold(0);
	ev(FSM_EV_KEEPALIVE);
	ck_assert_int_eq(f.state, FSM_ESTABLISHED);
	/* Hold time 0: no keepalives, no hold timer (RFC 4271 4.4). */
	ck_assert_uint_eq(fsm_next_timer(&f), 0);
	fsm_conf_defaults(&c);
	c.keepalive = 10;
	fsm_init(&f, &c, &ops, NULL, now);
	ev(FSM_EV_START);
	advance(2000);
	ev(FSM_EV_CONN_OPEN);
	open_hold(90);
	ck_assert_uint_eq(f.keepalive, 10);
}
END_TEST

START_TEST(test_stop_and_notification)
{
	struct fsm_arg a;

	setup(false);
	establish();
	log_[0] = '\0';
	memset(&a, 0, sizeof(a));
	a.subcode = BGP_CEASE_DECONFIG;
	fsm_event(&f, FSM_EV_STOP, &a, now);
	ck_assert_str_eq(log_, "NXD");
	ck_assert_uint_eq(last_code, BGP_ERR_CEASE);
	ck_assert_uint_eq(last_sub, BGP_CEASE_DECONFIG);
	ck_assert_int_eq(f.state, FSM_IDLE);
	/* Stopped: nothing restarts it. */
	ck_assert_uint_eq(fsm_next_timer(&f), 0);
	ev(FSM_EV_CONN_OPEN);
	ck_assert_int_eq(f.state, FSM_IDLE);
	/* A received NOTIFICATION sends none back. */
	setup(false);
	establish();
	log_[0] = '\0';
	ev(FSM_EV_NOTIFICATION);
	ck_assert_str_eq(log_, "XD");
	ck_assert(last_was_up);
}
END_TEST

/*
 * RFC 4271 6.8: a Cease "Connection Collision Resolution" in OpenSent or
 * OpenConfirm closes only this connection: Active at once (the peer's
 * other connection is taken up), no back-off, the daemon told to keep
 * the held connection; in Established it is an error like any other.
 */
START_TEST(test_collision_lost)
{
	struct fsm_arg a;
	enum fsm_state st[] = { FSM_OPENSENT, FSM_OPENCONFIRM };

	memset(&a, 0, sizeof(a));
	a.code = BGP_ERR_CEASE;
	a.subcode = BGP_CEASE_COLLISION;
	for (int i = 0; i < 2; i++) {
		setup(false);
		ev(FSM_EV_START);
		advance(2000);
		ev(FSM_EV_CONN_OPEN);
		if (st[i] == FSM_OPENCONFIRM)
			open_hold(90);
		ck_assert_int_eq(f.state, st[i]);
		log_[0] = '\0';
		collided_seen = false;
		fsm_event(&f, FSM_EV_NOTIFICATION, &a, now);
		ck_assert_str_eq(log_, "XD");
		ck_assert(collided_seen);
		ck_assert(!f.collided);
		ck_assert(!last_was_up);
		ck_assert_int_eq(f.state, FSM_ACTIVE);
		ck_assert(!timer_running(&f.timers, TIMER_IDLE_HOLD));
		ck_assert_uint_eq(fsm_next_timer(&f), now + 5000);
		/* The peer's connection arrives: a session as usual. */
		ev(FSM_EV_CONN_OPEN);
		open_hold(90);
		ev(FSM_EV_KEEPALIVE);
		ck_assert_int_eq(f.state, FSM_ESTABLISHED);
	}
	/* Any other Cease still backs off. */
	a.subcode = BGP_CEASE_SHUTDOWN;
	setup(false);
	ev(FSM_EV_START);
	advance(2000);
	ev(FSM_EV_CONN_OPEN);
	fsm_event(&f, FSM_EV_NOTIFICATION, &a, now);
	ck_assert_int_eq(f.state, FSM_IDLE);
	ck_assert(timer_running(&f.timers, TIMER_IDLE_HOLD));
	/* Established: the collision was resolved long ago; an error. */
	a.subcode = BGP_CEASE_COLLISION;
	setup(false);
	establish();
	collided_seen = true;
	fsm_event(&f, FSM_EV_NOTIFICATION, &a, now);
	ck_assert_int_eq(f.state, FSM_IDLE);
	ck_assert(!collided_seen);
	ck_assert(last_was_up);
}
END_TEST

/*
 * 30 days Established, the clock jumping from deadline to deadline as
 * the daemon's loop does: one KEEPALIVE per 30 s exactly, each action
 * handed the clock's time, the hold timer always 90 s ahead of the last
 * message received.  A passive FSM that waited an hour behaves the same.
 */
START_TEST(test_thirty_days)
{
	for (int passive = 0; passive < 2; passive++) {
		uint64_t last_ka, peer_ka, end;
		unsigned kas = 0;

		setup(passive != 0);
		if (passive) {
			ev(FSM_EV_START);
			now += 3600 * 1000;	/* nobody came for an hour */
			ev(FSM_EV_CONN_OPEN);
			ck_assert_uint_eq(last_now, now);
			open_hold(90);
			ev(FSM_EV_KEEPALIVE);
		} else {
			establish();
		}
		ck_assert_int_eq(f.state, FSM_ESTABLISHED);
		ck_assert_uint_eq(last_now, now);
		last_ka = now;
		/* The peer's keepalives land every 30 s, 7 ms after ours. */
		peer_ka = now + 7;
		end = now + 30ull * 86400 * 1000;
		while (now < end) {
			uint64_t t = fsm_next_timer(&f);

			ck_assert_uint_gt(t, now);
			log_[0] = '\0';
			if (peer_ka < t) {
				now = peer_ka;
				ev(FSM_EV_KEEPALIVE);
				ck_assert_str_eq(log_, "");
				ck_assert_uint_eq(f.timers.due[TIMER_HOLD],
				    now + 90000);
				peer_ka += 30000;
				continue;
			}
			now = t;
			fsm_run_timers(&f, now);
			ck_assert_str_eq(log_, "K");
			ck_assert_uint_eq(last_now, now);
			ck_assert_uint_eq(now - last_ka, 30000);
			last_ka = now;
			kas++;
		}
		ck_assert_int_eq(f.state, FSM_ESTABLISHED);
		ck_assert_uint_eq(f.flaps, 0);
		ck_assert_uint_eq(kas, 30u * 86400 / 30);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("fsm");
	TCase *tc = tcase_create("fsm");

	tcase_add_test(tc, test_active_open);
	tcase_add_test(tc, test_connect_failure_retry);
	tcase_add_test(tc, test_passive);
	tcase_add_test(tc, test_backoff);
	tcase_add_test(tc, test_unexpected_messages);
	tcase_add_test(tc, test_hold_zero_and_keepalive_conf);
	tcase_add_test(tc, test_stop_and_notification);
	tcase_add_test(tc, test_collision_lost);
	tcase_add_test(tc, test_thirty_days);
	/* 30 days of virtual time take seconds under ASan on a busy
	 * machine: more than check's 4 s default. */
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
