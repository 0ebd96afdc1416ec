/*
 * Unit tests for daemon/grwait: the restarting side's two waits (RFC
 * 4724 4.1) on a virtual clock, as the table of README's "Graceful
 * restart, restarting side": (we restarted or not) x (the peer's R bit)
 * x (its F bit for the session's family) x (its End-of-RIB after its
 * routes, before them, in the same read, never), IPv4 and IPv6 sessions,
 * and a peer without the graceful restart capability.
 *
 * The timeline of every row, in ms from bgpd's start: the peer's other
 * session (the other family; an ordinary GR session, no R) is up at 200
 * with its End-of-RIB at 300.  The session under test is up at 1000; its
 * routes come at 1500 and the RIB hands them to the kernel side by 1510
 * (busy in between); its End-of-RIB comes at 2000 (AFTER), 1200
 * (BEFORE), with the routes at 1500 (WITH) or not at all (NEVER).  The
 * bound is 30 s.  Before our restart the peer's route was in the kernel:
 * it is "dropped" when the sweep comes before the RIB wants it again
 * (delete, then add back), "kept" otherwise (left or replaced in place).
 * Without a restart nothing was kept, and SWEEP comes with SELECT.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "daemon/grwait.h"
#include "tests/unit/util/testutil.h"

#define BOUND	30000
#define T_UP	1000
#define T_ROUTES 1500
#define T_RIB	1510	/* the RIB has handed the routes on */

enum order { EOR_AFTER, EOR_BEFORE, EOR_WITH, EOR_NEVER };

static const struct row {
	int	restarted, af, gr, r, f;
	enum order order;
	uint64_t sel, swp;	/* when SELECT and SWEEP come */
	bool	dropped;	/* the peer's kept route left the kernel */
} rows[] = {
	/* restarted, af, gr, R, F, End-of-RIB, SELECT, SWEEP, dropped */
{ 1, 4, 1, 0, 0, EOR_AFTER, 2000, 2000, false },
	{ 1, 4, 1, 0, 0, EOR_BEFORE, 1200, 1200, true },
	{ 1, 4, 1, 0, 0, EOR_WITH, 1510, 1510, false },
	{ 1, 4, 1, 0, 0, EOR_NEVER, 30000, 30000, false },
	{ 1, 4, 1, 0, 1, EOR_AFTER, 2000, 2000, false },
	{ 1, 4, 1, 0, 1, EOR_BEFORE, 1200, 1200, true },
	{ 1, 4, 1, 0, 1, EOR_WITH, 1510, 1510, false },
	{ 1, 4, 1, 0, 1, EOR_NEVER, 30000, 30000, false },
	{ 1, 4, 1, 1, 0, EOR_AFTER, 1000, 2000, false },
	{ 1, 4, 1, 1, 0, EOR_BEFORE, 1000, 1200, true },
	{ 1, 4, 1, 1, 0, EOR_WITH, 1000, 1510, false },
	{ 1, 4, 1, 1, 0, EOR_NEVER, 1000, 30000, false },
	{ 1, 4, 1, 1, 1, EOR_AFTER, 1000, 2000, false },
	{ 1, 4, 1, 1, 1, EOR_BEFORE, 1000, 1200, true },
	{ 1, 4, 1, 1, 1, EOR_WITH, 1000, 1510, false },
	{ 1, 4, 1, 1, 1, EOR_NEVER, 1000, 30000, false },
	{ 1, 4, 0, 0, 0, EOR_AFTER, 1000, 2000, false },
	{ 1, 4, 0, 0, 0, EOR_BEFORE, 1000, 1200, true },
	{ 1, 4, 0, 0, 0, EOR_WITH, 1000, 1510, false },
	{ 1, 4, 0, 0, 0, EOR_NEVER, 1000, 30000, false },
	{ 1, 6, 1, 0, 0, EOR_AFTER, 2000, 2000, false },
	{ 1, 6, 1, 0, 0, EOR_BEFORE, 1200, 1200, true },
	{ 1, 6, 1, 0, 0, EOR_WITH, 1510, 1510, false },
	{ 1, 6, 1, 0, 0, EOR_NEVER, 30000, 30000, false },
	{ 1, 6, 1, 0, 1, EOR_AFTER, 2000, 2000, false },
	{ 1, 6, 1, 0, 1, EOR_BEFORE, 1200, 1200, true },
	{ 1, 6, 1, 0, 1, EOR_WITH, 1510, 1510, false },
	{ 1, 6, 1, 0, 1, EOR_NEVER, 30000, 30000, false },
	{ 1, 6, 1, 1, 0, EOR_AFTER, 1000, 2000, false },
	{ 1, 6, 1, 1, 0, EOR_BEFORE, 1000, 1200, true },
	{ 1, 6, 1, 1, 0, EOR_WITH, 1000, 1510, false },
	{ 1, 6, 1, 1, 0, EOR_NEVER, 1000, 30000, false },
	{ 1, 6, 1, 1, 1, EOR_AFTER, 1000, 2000, false },
	{ 1, 6, 1, 1, 1, EOR_BEFORE, 1000, 1200, true },
	{ 1, 6, 1, 1, 1, EOR_WITH, 1000, 1510, false },
	{ 1, 6, 1, 1, 1, EOR_NEVER, 1000, 30000, false },
	{ 1, 6, 0, 0, 0, EOR_AFTER, 1000, 2000, false },
	{ 1, 6, 0, 0, 0, EOR_BEFORE, 1000, 1200, true },
	{ 1, 6, 0, 0, 0, EOR_WITH, 1000, 1510, false },
	{ 1, 6, 0, 0, 0, EOR_NEVER, 1000, 30000, false },
	{ 0, 4, 1, 0, 0, EOR_AFTER, 2000, 2000, false },
	{ 0, 4, 1, 0, 0, EOR_BEFORE, 1200, 1200, false },
	{ 0, 4, 1, 0, 1, EOR_AFTER, 2000, 2000, false },
	{ 0, 4, 1, 0, 1, EOR_BEFORE, 1200, 1200, false },
	{ 0, 4, 1, 1, 0, EOR_AFTER, 1000, 1000, false },
	{ 0, 4, 1, 1, 0, EOR_BEFORE, 1000, 1000, false },
	{ 0, 4, 1, 1, 1, EOR_AFTER, 1000, 1000, false },
	{ 0, 4, 1, 1, 1, EOR_BEFORE, 1000, 1000, false },
	{ 0, 6, 1, 0, 0, EOR_AFTER, 2000, 2000, false },
	{ 0, 6, 1, 0, 0, EOR_BEFORE, 1200, 1200, false },
	{ 0, 6, 1, 0, 1, EOR_AFTER, 2000, 2000, false },
	{ 0, 6, 1, 0, 1, EOR_BEFORE, 1200, 1200, false },
	{ 0, 6, 1, 1, 0, EOR_AFTER, 1000, 1000, false },
	{ 0, 6, 1, 1, 0, EOR_BEFORE, 1000, 1000, false },
	{ 0, 6, 1, 1, 1, EOR_AFTER, 1000, 1000, false },
	{ 0, 6, 1, 1, 1, EOR_BEFORE, 1000, 1000, false },
};

static uint64_t
eor_at(enum order o)
{
	switch (o) {
	case EOR_AFTER:
		return 2000;
	case EOR_BEFORE:
		return 1200;
	case EOR_WITH:
		return T_ROUTES;
	default:
		return UINT64_MAX;
	}
}

/* Run row r's timeline; *sel and *swp get when the steps came. */
static void
run(const struct row *r, uint64_t *sel, uint64_t *swp)
{
	struct grwait w;
	uint64_t t = 0, eor = eor_at(r->order);

	*sel = *swp = UINT64_MAX;
	grwait_init(&w, r->restarted, 0, BOUND);
	ck_assert_uint_eq(grwait_next(&w), BOUND);
	for (;;) {
		struct grwait_peer v[2] = {
			{ t >= 200, true, false, true, t >= 300 },
			{ t >= T_UP, r->gr, r->gr && r->r, r->gr && r->f,
			  t >= eor },
		};
		bool busy = t >= T_ROUTES && t < T_RIB;
		unsigned s = grwait_step(&w, v, 2, busy, t);

		if (s & GRWAIT_SELECT) {
			ck_assert_uint_eq(*sel, UINT64_MAX);
			*sel = t;
		}
		if (s & GRWAIT_SWEEP) {
			ck_assert_uint_eq(*swp, UINT64_MAX);
			*swp = t;
		}
		/* Selection is deferred only after a restart, until SELECT;
		 * SWEEP never comes before SELECT. */
		ck_assert_int_eq(grwait_deferring(&w),
		    r->restarted && *sel == UINT64_MAX);
		ck_assert(*swp == UINT64_MAX || *sel <= *swp);
		if (*swp != UINT64_MAX) {
			ck_assert_uint_eq(grwait_next(&w), UINT64_MAX);
			ck_assert_uint_eq(grwait_step(&w, v, 2, false, t + 1),
			    0);
			return;
		}
		/* Every 10 ms to 3 s, then the timer (grwait_next). */
		t = t < 3000 ? t + 10 : grwait_next(&w);
		ck_assert_uint_le(t, BOUND);
	}
}

START_TEST(test_table)
{
	const struct row *r = &rows[_i];
	uint64_t sel, swp;
	bool dropped;
	char name[96];

	snprintf(name, sizeof(name), "restarted %d IPv%d gr %d R %d F %d "
	    "End-of-RIB %s", r->restarted, r->af, r->gr, r->r, r->f,
	    (const char *[]){ "after", "before", "with", "never" }[r->order]);
	run(r, &sel, &swp);
	dropped = r->restarted && swp < T_RIB;
	ck_assert_msg(sel == r->sel, "%s: SELECT at %llu, not %llu", name,
	    (unsigned long long)sel, (unsigned long long)r->sel);
	ck_assert_msg(swp == r->swp, "%s: SWEEP at %llu, not %llu", name,
	    (unsigned long long)swp, (unsigned long long)r->swp);
	ck_assert_msg(dropped == r->dropped, "%s: the kept route %s", name,
	    dropped ? "left the kernel" : "stayed");
}
END_TEST

/* The issue 23 sequence with the rule it had (the sweep waited for what
 * selection waits for) would drop the route: the rows say otherwise. */
START_TEST(test_restarting_peer_holds_sweep_only)
{
	struct grwait_peer p = { true, true, true, true, false };

	ck_assert(!grwait_holds_select(&p));
	ck_assert(grwait_holds_sweep(&p));
	p.eor = true;
	ck_assert(!grwait_holds_select(&p));
	ck_assert(!grwait_holds_sweep(&p));
	/* Not up: holds both, whatever it said last time. */
	p = (struct grwait_peer){ false, true, true, true, false };
	ck_assert(grwait_holds_select(&p));
	ck_assert(grwait_holds_sweep(&p));
	/* Up without the capability: holds the sweep only. */
	p = (struct grwait_peer){ true, false, false, false, false };
	ck_assert(!grwait_holds_select(&p));
	ck_assert(grwait_holds_sweep(&p));
}
END_TEST

/* The bound ends both waits even with the RIB busy and nobody done. */
START_TEST(test_bound)
{
	struct grwait w;
	struct grwait_peer p = { false, false, false, false, false };

	grwait_init(&w, true, 5000, BOUND);
	ck_assert_uint_eq(grwait_step(&w, &p, 1, true, 5000 + BOUND - 1), 0);
	ck_assert(grwait_deferring(&w));
	ck_assert_uint_eq(grwait_step(&w, &p, 1, true, 5000 + BOUND),
	    GRWAIT_SELECT | GRWAIT_SWEEP);
	ck_assert(w.select_bound && w.sweep_bound);
	ck_assert(!grwait_deferring(&w));
	/* No session at all: both at once, at the first look. */
	grwait_init(&w, true, 0, BOUND);
	ck_assert_uint_eq(grwait_step(&w, NULL, 0, false, 0),
	    GRWAIT_SELECT | GRWAIT_SWEEP);
	ck_assert(!w.select_bound && !w.sweep_bound);
}
END_TEST

/*
 * What kernel.c relies on to skip its walk of every session: while one
 * session holds the next step (grwait_holds_next), grwait_step takes no
 * step whatever the others say; once none does, it takes the next one.
 * Every state of three sessions (32 each), restarted or not, before
 * SELECT and between SELECT and SWEEP.
 */
START_TEST(test_holds_next)
{
	struct grwait w, w2;
	struct grwait_peer v[3];
	unsigned code, i, steps, want;
	bool any;

	for (int restarted = 0; restarted <= 1; restarted++)
	for (int after_select = 0; after_select <= 1; after_select++)
	for (code = 0; code < 32 * 32 * 32; code++) {
		for (i = 0; i < 3; i++) {
			unsigned c = code >> (5 * i);

			v[i] = (struct grwait_peer){ c & 1, c & 2, c & 4,
			    c & 8, c & 16 };
		}
		grwait_init(&w, restarted, 0, BOUND);
		if (after_select) {
			/* SELECT taken, SWEEP not: a restarted start whose
			 * one session came up with R and no End-of-RIB. */
			struct grwait_peer r = { true, true, true, false,
			    false };

			if (!restarted)
				continue;
			ck_assert_uint_eq(grwait_step(&w, &r, 1, false, 1),
			    GRWAIT_SELECT);
		}
		any = false;
		for (i = 0; i < 3; i++)
			any |= grwait_holds_next(&w, &v[i]);
		w2 = w;
		steps = grwait_step(&w2, v, 3, false, 2);
		want = after_select ? GRWAIT_SWEEP : GRWAIT_SELECT;
		if (any)
			ck_assert_uint_eq(steps, 0);
		else
			ck_assert_uint_ne(steps & want, 0);
		/* Once both are taken nothing holds anything. */
		if (steps == (GRWAIT_SELECT | GRWAIT_SWEEP) ||
		    (after_select && steps == GRWAIT_SWEEP))
			for (i = 0; i < 3; i++)
				ck_assert(!grwait_holds_next(&w2, &v[i]));
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("grwait");
	TCase *tc = tcase_create("grwait");

	tcase_add_loop_test(tc, test_table, 0, sizeof(rows) / sizeof(rows[0]));
	tcase_add_test(tc, test_restarting_peer_holds_sweep_only);
	tcase_add_test(tc, test_bound);
	tcase_add_test(tc, test_holds_next);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
