/* Unit tests for lib/itab: find, insert, remove, growth, shrinking, the
 * slots' order and walks by hash across changes. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"
#include "lib/itab.h"
#include "tests/unit/util/testutil.h"

/* Entry ref is key ref - 1: keys[ref - 1]. */
static int *keys;

struct probe {
	int	key;
};

static uint64_t
key_hash(int k)
{
	return hash_bytes(&k, sizeof(k));
}

static bool
ent_eq(const void *ctx, uint32_t ref)
{
	return keys[ref - 1] == ((const struct probe *)ctx)->key;
}

static uint32_t
find(const struct itab *t, int k)
{
	struct probe p = { k };

	return itab_find(t, key_hash(k), ent_eq, &p);
}

/* The invariants: hash order, every entry at or after its home with no
 * empty slot between, the count. */
static void
check_layout(const struct itab *t)
{
	size_t count = 0;
	uint32_t last = 0;

	for (size_t i = 0; i < t->n; i++) {
		size_t home;

		if (t->s[i].ref == 0)
			continue;
		count++;
		ck_assert_uint_ge(t->s[i].h, last);
		last = t->s[i].h;
		home = (size_t)(((uint64_t)t->s[i].h * t->cap) >> 32);
		ck_assert_uint_le(home, i);
		for (size_t j = home; j < i; j++)
			ck_assert_uint_ne(t->s[j].ref, 0);
	}
	ck_assert_uint_eq(count, t->count);
}

static void
setup(int n)
{
	keys = calloc(n, sizeof(*keys));
	for (int i = 0; i < n; i++)
		keys[i] = i;
}

START_TEST(test_table)
{
	struct itab t;
	const int n = 10000;
	unsigned resizes;

	setup(n);
	itab_init(&t);
	ck_assert_uint_eq(find(&t, 1), 0);
	for (int i = 0; i < n; i++)
		itab_insert(&t, key_hash(i), (uint32_t)i + 1);
	ck_assert_uint_eq(t.count, n);
	check_layout(&t);
	/* At most 12 octets an entry once the table is large. */
	ck_assert_uint_le(itab_mem(&t), n * 12);
	for (int i = 0; i < n; i++)
		ck_assert_uint_eq(find(&t, i), (uint32_t)i + 1);
	ck_assert_uint_eq(find(&t, n), 0);
	/* Removing leaves the table's size as it is. */
	resizes = t.resizes;
	for (int i = 0; i < n; i += 2)
		itab_remove(&t, key_hash(i), (uint32_t)i + 1);
	ck_assert_uint_eq(t.resizes, resizes);
	ck_assert_uint_eq(t.count, n / 2);
	check_layout(&t);
	for (int i = 0; i < n; i++)
		ck_assert_uint_eq(find(&t, i), i % 2 ? (uint32_t)i + 1 : 0);
	itab_free(&t);
	free(keys);
}
END_TEST

/* The cursor: every entry once, in slot order, none on an empty table
 * or past the end. */
START_TEST(test_next)
{
	struct itab t;
	const int n = 5000;
	unsigned char *seen;
	size_t it = 0, last = 0;
	uint32_t ref;
	int count = 0;

	setup(n);
	itab_init(&t);
	ck_assert_uint_eq(itab_next(&t, &it), 0);
	for (int i = 0; i < n; i++)
		itab_insert(&t, key_hash(i), (uint32_t)i + 1);
	for (int i = 0; i < n; i += 3)
		itab_remove(&t, key_hash(i), (uint32_t)i + 1);
	seen = calloc(n, 1);
	it = 0;
	while ((ref = itab_next(&t, &it)) != 0) {
		ck_assert_uint_ge(ref, 1);
		ck_assert_uint_le(ref, n);
		ck_assert_int_ne((ref - 1) % 3, 0);
		ck_assert_int_eq(seen[ref - 1], 0);
		seen[ref - 1] = 1;
		ck_assert_uint_gt(it, last);
		ck_assert_uint_eq(t.s[it - 1].ref, ref);
		last = it;
		count++;
	}
	ck_assert_int_eq(count, (int)t.count);
	ck_assert_uint_eq(itab_next(&t, &it), 0);
	ck_assert_uint_eq(itab_next(&t, &it), 0);
	free(seen);
	itab_free(&t);
	free(keys);
}
END_TEST

/* Equal hashes: each found by its own key, removed one by one. */
START_TEST(test_same_hash)
{
	struct itab t;
	const int n = 200;

	setup(n);
	itab_init(&t);
	for (int i = 0; i < n; i++)
		itab_insert(&t, key_hash(i % 3) ^ (uint64_t)(i / 3),
		    (uint32_t)i + 1);
	/* Three upper halves: runs of equal hashes. */
	check_layout(&t);
	for (int i = 0; i < n; i++) {
		struct probe p = { i };

		ck_assert_uint_eq(itab_find(&t, key_hash(i % 3) ^
		    (uint64_t)(i / 3), ent_eq, &p), (uint32_t)i + 1);
	}
	itab_free(&t);
	itab_init(&t);
	for (int i = 0; i < n; i++)
		itab_insert(&t, UINT64_C(0x1234567800000000), (uint32_t)i + 1);
	check_layout(&t);
	for (int i = 0; i < n; i++) {
		struct probe p = { i };

		ck_assert_uint_eq(itab_find(&t, UINT64_C(0x1234567800000000),
		    ent_eq, &p), (uint32_t)i + 1);
	}
	for (int i = 0; i < n; i += 3)
		itab_remove(&t, UINT64_C(0x1234567800000000),
		    (uint32_t)i + 1);
	check_layout(&t);
	for (int i = 0; i < n; i++) {
		struct probe p = { i };

		ck_assert_uint_eq(itab_find(&t, UINT64_C(0x1234567800000000),
		    ent_eq, &p), i % 3 ? (uint32_t)i + 1 : 0);
	}
	itab_free(&t);
	free(keys);
}
END_TEST

/* Hashes at the very top run into the overflow, which grows. */
START_TEST(test_overflow)
{
	struct itab t;
	const int n = 3000;

	setup(n);
	itab_init(&t);
	for (int i = 0; i < n; i++)
		itab_insert(&t, UINT64_MAX - (uint64_t)i, (uint32_t)i + 1);
	check_layout(&t);
	for (int i = 0; i < n; i++) {
		struct probe p = { i };

		ck_assert_uint_eq(itab_find(&t, UINT64_MAX - (uint64_t)i,
		    ent_eq, &p), (uint32_t)i + 1);
	}
	for (int i = 0; i < n; i++)
		itab_remove(&t, UINT64_MAX - (uint64_t)i, (uint32_t)i + 1);
	ck_assert_uint_eq(t.count, 0);
	check_layout(&t);
	itab_free(&t);
	free(keys);
}
END_TEST

/* A drained table gives its slots back; the rest stays findable. */
START_TEST(test_shrink)
{
	struct itab t;
	const int n = 100000;
	size_t big;
	unsigned resizes;

	setup(n);
	itab_init(&t);
	for (int i = 0; i < n; i++)
		itab_insert(&t, key_hash(i), (uint32_t)i + 1);
	big = itab_mem(&t);
	/* Still an eighth full: nothing to give back. */
	for (int i = 0; i < n - n / 4; i++)
		itab_remove(&t, key_hash(i), (uint32_t)i + 1);
	ck_assert(!itab_shrink(&t));
	ck_assert_uint_eq(itab_mem(&t), big);
	for (int i = n - n / 4; i < n - 100; i++)
		itab_remove(&t, key_hash(i), (uint32_t)i + 1);
	resizes = t.resizes;
	ck_assert(itab_shrink(&t));
	ck_assert_uint_gt(t.resizes, resizes);
	ck_assert_uint_le(itab_mem(&t), 512 * sizeof(struct itab_slot));
	ck_assert_uint_eq(t.count, 100);
	check_layout(&t);
	for (int i = n - 100; i < n; i++)
		ck_assert_uint_eq(find(&t, i), (uint32_t)i + 1);
	ck_assert_uint_eq(find(&t, 0), 0);
	/* Small already: no more shrinking, and inserts work on. */
	ck_assert(!itab_shrink(&t));
	itab_insert(&t, key_hash(0), 1);
	ck_assert_uint_eq(find(&t, 0), 1);
	itab_free(&t);
	free(keys);
}
END_TEST

/*
 * A walk by hash, a few entries at a time, while entries come and go
 * and the table grows and shrinks under it: every entry present from
 * start to end is seen exactly once; an entry removed when it is seen
 * (as a walk's callback may) does not make the walk skip another.
 */
START_TEST(test_walk_across_changes)
{
	struct itab t;
	const int n0 = 500, n = 20500;
	int *seen, next = n0;
	uint64_t cursor = 0;
	bool *in;
	unsigned resizes;
	size_t big = 0;

	setup(n);
	seen = calloc(n, sizeof(*seen));
	in = calloc(n, sizeof(*in));
	itab_init(&t);
	for (int i = 0; i < n0; i++) {
		itab_insert(&t, key_hash(i), (uint32_t)i + 1);
		in[i] = true;
	}
	resizes = t.resizes;
	for (int step = 0; cursor <= UINT32_MAX; step++) {
		size_t i = itab_seek(&t, cursor);
		int got = 0;

		while (i < t.n) {
			uint32_t ref = t.s[i].ref, h = t.s[i].h;

			if (ref == 0) {
				i++;
				continue;
			}
			seen[ref - 1]++;
			got++;
			/* Every third seen goes at once. */
			if ((ref - 1) % 3 == 0) {
				itab_remove(&t, key_hash((int)ref - 1), ref);
				in[ref - 1] = false;
			}
			if (t.s[i].ref == ref)
				i++;
			if (i < t.n && t.s[i].ref != 0 && t.s[i].h == h)
				continue;
			cursor = (uint64_t)h + 1;
			if (got >= 7)
				break;
		}
		if (i >= t.n)
			cursor = UINT64_C(1) << 32;
		/* Between steps: the table grows, then drains and shrinks,
		 * then grows again. */
		if (step < 500 || step >= 520) {
			for (int k = 0; k < 40 && next < n; k++, next++) {
				itab_insert(&t, key_hash(next),
				    (uint32_t)next + 1);
				in[next] = true;
			}
		} else if (step == 500) {
			big = t.cap;
			for (int k = n0; k < next; k++) {
				if (in[k]) {
					itab_remove(&t, key_hash(k),
					    (uint32_t)k + 1);
					in[k] = false;
				}
			}
			ck_assert(itab_shrink(&t));
			ck_assert_uint_lt(t.cap, big);
		}
		if (step % 64 == 0)
			check_layout(&t);
	}
	check_layout(&t);
	ck_assert_uint_gt(big, 0);
	ck_assert_uint_gt(t.resizes, resizes + 4);
	for (int i = 0; i < n0; i++)
		ck_assert_int_eq(seen[i], 1);
	for (int i = n0; i < n; i++)
		ck_assert_int_le(seen[i], 1);
	itab_free(&t);
	free(keys);
	free(seen);
	free(in);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("itab");
	TCase *tc = tcase_create("itab");

	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_next);
	tcase_add_test(tc, test_same_hash);
	tcase_add_test(tc, test_overflow);
	tcase_add_test(tc, test_shrink);
	tcase_add_test(tc, test_walk_across_changes);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
