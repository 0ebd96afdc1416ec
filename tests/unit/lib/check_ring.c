/*
 * Unit tests for lib/ring: order kept through growth with a wrapped
 * part (the part that must move behind the rest), the mapping given back
 * once a large ring drains, interleaved use against a model queue.
 */
#include "lib/ring.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "tests/unit/util/testutil.h"

static void *
P(uintptr_t i)
{
	return (void *)(i + 1);		/* never NULL */
}

START_TEST(test_empty)
{
	struct ring r = { 0 };

	ck_assert_ptr_null(ring_pop(&r));
	ck_assert_uint_eq(ring_len(&r), 0);
	ring_push(&r, P(7));
	ck_assert_uint_eq(ring_len(&r), 1);
	ck_assert_ptr_eq(ring_pop(&r), P(7));
	ck_assert_ptr_null(ring_pop(&r));
	ring_free(&r);
	ring_free(&r);
}
END_TEST

/* Fill, drain part, push again so the tail wraps round the end, then
 * grow: every pointer comes out in order. */
START_TEST(test_wrap_then_grow)
{
	struct ring r = { 0 };
	uintptr_t in = 0, out = 0;

	for (; in < RING_MIN; in++)
		ring_push(&r, P(in));
	ck_assert_uint_eq(r.cap, RING_MIN);
	for (int k = 0; k < 300; k++)
		ck_assert_ptr_eq(ring_pop(&r), P(out++));
	for (int k = 0; k < 300; k++)
		ring_push(&r, P(in++));	/* 212 at the end, 88 wrapped */
	ck_assert_uint_eq(r.cap, RING_MIN);
	ck_assert_uint_gt(r.head + r.n, r.cap);
	for (int k = 0; k < 5000; k++)	/* 5,512 queued: 16 times */
		ring_push(&r, P(in++));
	ck_assert_uint_eq(r.cap, 16 * RING_MIN);
	while (ring_len(&r) > 0)
		ck_assert_ptr_eq(ring_pop(&r), P(out++));
	ck_assert_uint_eq(out, in);
	ring_free(&r);
}
END_TEST

/* A ring past RING_KEEP goes back to the system when drained; a small
 * one is kept for the next change. */
START_TEST(test_given_back)
{
	struct ring r = { 0 };

	for (uintptr_t i = 0; i < 4 * RING_KEEP; i++)
		ring_push(&r, P(i));
	ck_assert_uint_gt(r.cap, RING_KEEP);
	for (uintptr_t i = 0; i < 4 * RING_KEEP; i++)
		ck_assert_ptr_eq(ring_pop(&r), P(i));
	ck_assert_ptr_null(r.v);
	ck_assert_uint_eq(r.cap, 0);
	ring_push(&r, P(1));
	ck_assert_ptr_eq(ring_pop(&r), P(1));
	ck_assert_ptr_nonnull(r.v);
	ck_assert_uint_eq(r.cap, RING_MIN);
	ring_free(&r);
}
END_TEST

/* Random pushes and pops against a model (an array window). */
START_TEST(test_model)
{
	enum { N = 200000 };
	struct ring r = { 0 };
	uintptr_t in = 0, out = 0;

	srandom(5);
	for (int step = 0; step < N; step++) {
		/* Phases that grow, then phases that drain. */
		int bias = (step / 20000) % 2 ? 30 : 70;

		if (random() % 100 < bias) {
			ring_push(&r, P(in++));
		} else {
			void *p = ring_pop(&r);

			if (out == in) {
				ck_assert_ptr_null(p);
			} else {
				ck_assert_ptr_eq(p, P(out));
				out++;
			}
		}
		ck_assert_uint_eq(ring_len(&r), in - out);
	}
	ring_free(&r);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("ring");
	TCase *tc = tcase_create("ring");

	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_wrap_then_grow);
	tcase_add_test(tc, test_given_back);
	tcase_add_test(tc, test_model);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(suite());
}
