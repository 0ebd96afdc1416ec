/*
 * Unit tests for a speaker's self-protection: the per-session prefix
 * limit (RFC 4486 Cease/1 with its data, the warning at 90 %, the idle
 * interval and its back-off), over days of virtual time (spnet).
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "bgp/attrset.h"
#include "bgp/speaker.h"
#include "lib/log.h"
#include "tests/unit/util/spnet.h"
#include "tests/unit/util/testutil.h"

#define MIN_MS	60000ull

static char logged[16][256];
static int nlogged;

static void
capture(enum log_level lvl, const char *msg, void *arg)
{
	if (lvl >= LOG_LVL_WARN && nlogged < 16)
		snprintf(logged[nlogged++], sizeof(logged[0]), "%s", msg);
}

static void
setup(void)
{
	spnet_reset();
	nlogged = 0;
	log_set_hook(capture, NULL);
}

static void
teardown(void)
{
	struct attrset_stats st;

	log_set_hook(NULL, NULL);
	spnet_reset();
	attrset_stats(&st);
	ck_assert_uint_eq(st.refs, 0);
}

/* Node 0 (limit `max`) and node 1, which originates n /32s. */
static struct spnet_link *
limited_pair(uint32_t max, unsigned n)
{
	struct spnet_link *l;

	spnet_node(0, 65001);
	spnet_node(1, 65002);
	l = spnet_link(0, 1);
	spnet_conf(l, 0)->max_prefixes = max;
	spnet_link_start(l);
	spnet_originate(1, "100.64.0.1", n, true);
	return l;
}

static bool
logged_has(const char *s)
{
	for (int i = 0; i < nlogged; i++)
		if (strstr(logged[i], s) != NULL)
			return true;
	return false;
}

START_TEST(test_limit_cease_data)
{
	struct spnet_link *l = limited_pair(100, 150);
	const struct spnet_dir *to1 = spnet_rx(l, 1);
	struct speaker_peer_stats st;
	static const uint8_t want[] = { 0, 1, 1, 0, 0, 0, 100 };

	spnet_run(10000);
	ck_assert_uint_eq(to1->notifications, 1);
	ck_assert_uint_eq(to1->ncode, BGP_ERR_CEASE);
	ck_assert_uint_eq(to1->nsub, BGP_CEASE_MAXPFX);
	/* RFC 4486 4: AFI 1, SAFI 1, the limit 100. */
	ck_assert_uint_eq(to1->ndata_len, sizeof(want));
	ck_assert(memcmp(to1->ndata, want, sizeof(want)) == 0);
	/* Nothing of the peer's is kept, and it is said plainly. */
	ck_assert_uint_eq(rib_count(speaker_rib(spnet_nodes[0].sp)), 0);
	speaker_peer_stats(spnet_peer(l, 0), &st);
	ck_assert_uint_eq(st.received, 0);
	ck_assert_uint_eq(st.max_prefixes, 100);
	ck_assert_uint_eq(st.limit_hits, 1);
	ck_assert_uint_eq(st.limit_idle_ms, MIN_MS);
	ck_assert_str_eq(spnet_session(l, 0)->last_error,
	    "BGP Error: Maximum Number of Prefixes Reached");
	ck_assert_str_eq(spnet_session(l, 1)->last_error,
	    "Received: Maximum Number of Prefixes Reached");
	ck_assert(logged_has("to2: more than 100 prefixes (--max-prefixes): "
	    "closing the session"));
	/* 90 % came first. */
	ck_assert(logged_has("to2: 100 prefixes, 90% of the limit of 100"));
}
END_TEST

/* The session idles 60 s, then 120, 240, ... up to 15 minutes. */
START_TEST(test_limit_backoff)
{
	struct spnet_link *l = limited_pair(100, 150);
	const struct spnet_dir *to1 = spnet_rx(l, 1);
	uint64_t last = 0, want = MIN_MS;
	unsigned seen = 0;

	while (seen < 7) {
		spnet_run(500);
		if (to1->notifications == seen)
			continue;
		ck_assert_uint_eq(to1->notifications, seen + 1);
		if (seen > 0) {
			/* The idle interval, plus the connection set-up
			 * (connect delay 0 after an idle hold: at most a few
			 * seconds in this network). */
			ck_assert_uint_ge(spnet_now - last, want);
			ck_assert_uint_le(spnet_now - last, want + 3000);
			want = want * 2 > 15 * MIN_MS ? 15 * MIN_MS : want * 2;
		}
		ck_assert_str_eq(session_state_name(spnet_session(l, 0)),
		    "Idle");
		last = spnet_now;
		seen++;
	}
	ck_assert_uint_eq(spnet_session(l, 0)->limit_idle_ms, 15 * MIN_MS);
	/* Under the limit again: the next attempt stays up, for days. */
	spnet_originate(1, "100.64.0.1", 60, false);
	spnet_run(16 * MIN_MS);
	ck_assert(session_established(spnet_session(l, 0)));
	spnet_run(3 * 86400 * 1000ull);
	ck_assert(session_established(spnet_session(l, 0)));
	ck_assert_uint_eq(to1->notifications, 7);
	ck_assert_uint_eq(rib_count(speaker_rib(spnet_nodes[0].sp)), 90);
	/* A session that was up long enough starts over at 60 s. */
	spnet_originate(1, "100.64.1.1", 20, true);
	spnet_run(1000);
	ck_assert_uint_eq(to1->notifications, 8);
	ck_assert_uint_eq(spnet_session(l, 0)->limit_idle_ms, MIN_MS);
}
END_TEST

/* Exactly the limit is allowed; 0 means no limit at all. */
START_TEST(test_limit_edges)
{
	struct spnet_link *l = limited_pair(100, 100);
	struct speaker_peer_stats st;

	spnet_run(10000);
	ck_assert(session_established(spnet_session(l, 0)));
	ck_assert_uint_eq(spnet_rx(l, 1)->notifications, 0);
	ck_assert_uint_eq(rib_count(speaker_rib(spnet_nodes[0].sp)), 100);
	ck_assert(logged_has("90% of the limit of 100"));
	spnet_reset();
	nlogged = 0;
	l = limited_pair(0, 3000);
	spnet_run(10000);
	ck_assert(session_established(spnet_session(l, 0)));
	ck_assert_uint_eq(rib_count(speaker_rib(spnet_nodes[0].sp)), 3000);
	speaker_peer_stats(spnet_peer(l, 0), &st);
	ck_assert_uint_eq(st.max_prefixes, 0);
	ck_assert_int_eq(nlogged, 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("protect");
	TCase *tc = tcase_create("protect");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_limit_cease_data);
	tcase_add_test(tc, test_limit_backoff);
	tcase_add_test(tc, test_limit_edges);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
