/*
 * Unit tests for lib/slab.  The file is included with SLAB_REAL so that
 * the block allocator itself is tested, not the malloc stand-in the
 * sanitizer build would otherwise use.
 */
#define SLAB_REAL 1
#include "lib/slab.c"

#include <check.h>

#include "tests/unit/util/testutil.h"

#define N	20000

static uint8_t *objs[N];

START_TEST(test_alloc_free_blocks)
{
	struct slab s;
	size_t blocks;
	uint8_t zero[48] = { 0 }, want[48];

	slab_init(&s, 44);
	ck_assert_uint_eq(s.size, 48);
	for (size_t i = 0; i < N; i++) {
		objs[i] = slab_alloc(&s);
		/* Zeroed, and ours: fill it for the overlap check. */
		ck_assert(memcmp(objs[i], zero, s.size) == 0);
		memset(objs[i], (int)(i & 0xff), s.size);
	}
	ck_assert_uint_eq(s.nobjs, N);
	blocks = s.nblocks;
	ck_assert_uint_eq(blocks, (N + s.per_block - 1) / s.per_block);
	for (size_t i = 0; i < N; i++) {
		memset(want, (int)(i & 0xff), s.size);
		ck_assert(memcmp(objs[i], want, s.size) == 0);
	}
	/* Free every other one: no block empties. */
	for (size_t i = 0; i < N; i += 2)
		slab_free(&s, objs[i]);
	ck_assert_uint_eq(s.nblocks, blocks);
	/* Reuse comes from the freed slots, not new blocks. */
	for (size_t i = 0; i < N; i += 2)
		objs[i] = slab_alloc(&s);
	ck_assert_uint_eq(s.nblocks, blocks);
	/* Free all, back to front: empty blocks go back but one. */
	for (size_t i = N; i-- > 0;)
		slab_free(&s, objs[i]);
	ck_assert_uint_eq(s.nobjs, 0);
	ck_assert_uint_eq(s.nblocks, 1);
	slab_free(&s, NULL);
	slab_destroy(&s);
}
END_TEST

/* Random alloc/free against a shadow: no object handed out twice. */
START_TEST(test_random)
{
	struct slab s;
	size_t live = 0;

	slab_init(&s, 8);
	srand(7);
	memset(objs, 0, sizeof(objs));
	for (int round = 0; round < 200000; round++) {
		size_t i = (size_t)rand() % N;

		if (objs[i] == NULL) {
			objs[i] = slab_alloc(&s);
			ck_assert_uint_eq(*(uint64_t *)objs[i], 0);
			*(uint64_t *)objs[i] = i + 1;
			live++;
		} else {
			ck_assert_uint_eq(*(uint64_t *)objs[i], i + 1);
			slab_free(&s, objs[i]);
			objs[i] = NULL;
			live--;
		}
		ck_assert_uint_eq(s.nobjs, live);
	}
	for (size_t i = 0; i < N; i++)
		if (objs[i] != NULL)
			ck_assert_uint_eq(*(uint64_t *)objs[i], i + 1);
	slab_destroy(&s);
}
END_TEST

/* References: never 0, below the limit, each object's own, back to the
 * object; blocks given back and mapped again get numbers again. */
START_TEST(test_refs)
{
	struct slab s;
	uint32_t *refs = calloc(N, sizeof(*refs));

	slab_init(&s, 48);
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < N; i++) {
			objs[i] = slab_alloc(&s);
			refs[i] = slab_ref(&s, objs[i]);
			ck_assert_uint_ne(refs[i], 0);
			ck_assert_uint_lt(refs[i], SLAB_REF_LIMIT);
			ck_assert_ptr_eq(slab_obj(&s, refs[i]), objs[i]);
			ck_assert(i == 0 || refs[i] != refs[i - 1]);
		}
		for (size_t i = 0; i < N; i++)
			ck_assert_ptr_eq(slab_obj(&s, refs[i]), objs[i]);
		/* Most blocks go back; the table's numbers are reused. */
		for (size_t i = 0; i < N; i++)
			if (i % 1000 != 0)
				slab_free(&s, objs[i]);
		for (size_t i = 0; i < N; i += 1000) {
			ck_assert_ptr_eq(slab_obj(&s, refs[i]), objs[i]);
			slab_free(&s, objs[i]);
		}
		ck_assert_uint_le(s.ntab, (N + s.per_block - 1) /
		    s.per_block + 1);
	}
	slab_destroy(&s);
	free(refs);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("slab");
	TCase *tc = tcase_create("slab");

	tcase_add_test(tc, test_alloc_free_blocks);
	tcase_add_test(tc, test_random);
	tcase_add_test(tc, test_refs);
	/* Seconds under ASan on a loaded machine (check's default is 4). */
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(suite());
}
