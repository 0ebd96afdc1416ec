/* Unit tests for lib/itab: find, insert, remove, growth, bucket walks. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"
#include "lib/itab.h"
#include "tests/unit/util/testutil.h"

struct ent {
	struct itab_node node;
	int	key;
};

static uint64_t
key_hash(int k)
{
	return hash_bytes(&k, sizeof(k));
}

static uint64_t
ent_hash(const struct itab_node *n)
{
	return key_hash(((const struct ent *)n)->key);
}

static bool
ent_eq(const struct itab_node *n, const void *k)
{
	return ((const struct ent *)n)->key == *(const int *)k;
}

static struct ent *
find(const struct itab *t, int k)
{
	return (struct ent *)itab_find(t, key_hash(k), ent_eq, &k);
}

START_TEST(test_table)
{
	struct itab t;
	const int n = 10000;
	struct ent *v = calloc(n, sizeof(*v));
	unsigned resizes;

	itab_init(&t, ent_hash);
	ck_assert_ptr_null(find(&t, 1));
	for (int i = 0; i < n; i++) {
		v[i].key = i;
		itab_insert(&t, key_hash(i), &v[i].node);
	}
	ck_assert_uint_eq(t.count, n);
	/* At most two entries per bucket: a pointer per two entries. */
	ck_assert_uint_le(t.count, 2 * t.nb);
	ck_assert_uint_le(itab_mem(&t), n * sizeof(void *));
	for (int i = 0; i < n; i++)
		ck_assert_ptr_eq(find(&t, i), &v[i]);
	ck_assert_ptr_null(find(&t, n));
	/* Removing leaves the buckets where they are. */
	resizes = t.resizes;
	for (int i = 0; i < n; i += 2)
		itab_remove(&t, key_hash(i), &v[i].node);
	ck_assert_uint_eq(t.resizes, resizes);
	ck_assert_uint_eq(t.count, n / 2);
	for (int i = 0; i < n; i++)
		ck_assert_ptr_eq(find(&t, i), i % 2 ? &v[i] : NULL);
	itab_free(&t);
	free(v);
}
END_TEST

/* A walk bucket by bucket that removes every entry it is given sees
 * each one exactly once. */
/* A drained table gives its buckets back; the rest stays findable. */
START_TEST(test_shrink)
{
	struct itab t;
	const int n = 100000;
	struct ent *v = calloc(n, sizeof(*v));
	size_t big;
	unsigned resizes;

	itab_init(&t, ent_hash);
	for (int i = 0; i < n; i++) {
		v[i].key = i;
		itab_insert(&t, key_hash(i), &v[i].node);
	}
	big = itab_mem(&t);
	/* Still an eighth full: nothing to give back. */
	for (int i = 0; i < n - n / 4; i++)
		itab_remove(&t, key_hash(i), &v[i].node);
	ck_assert(!itab_shrink(&t));
	ck_assert_uint_eq(itab_mem(&t), big);
	for (int i = n - n / 4; i < n - 100; i++)
		itab_remove(&t, key_hash(i), &v[i].node);
	resizes = t.resizes;
	ck_assert(itab_shrink(&t));
	ck_assert_uint_gt(t.resizes, resizes);
	ck_assert_uint_le(itab_mem(&t), 128 * sizeof(void *));
	ck_assert_uint_eq(t.count, 100);
	for (int i = n - 100; i < n; i++)
		ck_assert_ptr_eq(find(&t, i), &v[i]);
	ck_assert_ptr_null(find(&t, 0));
	/* Small already: no more shrinking, and inserts work on. */
	ck_assert(!itab_shrink(&t));
	itab_insert(&t, key_hash(0), &v[0].node);
	ck_assert_ptr_eq(find(&t, 0), &v[0]);
	itab_free(&t);
	free(v);
}
END_TEST

START_TEST(test_walk_removing)
{
	struct itab t;
	const int n = 3000;
	struct ent *v = calloc(n, sizeof(*v));
	int *seen = calloc(n, sizeof(*seen));

	itab_init(&t, ent_hash);
	for (int i = 0; i < n; i++) {
		v[i].key = i;
		itab_insert(&t, key_hash(i), &v[i].node);
	}
	for (size_t b = 0; b < t.nb; b++) {
		struct itab_node *x = itab_bucket(&t, b), *next;

		for (; x != NULL; x = next) {
			next = x->next;
			seen[((struct ent *)x)->key]++;
			itab_remove(&t, ent_hash(x), x);
		}
	}
	ck_assert_uint_eq(t.count, 0);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(seen[i], 1);
	ck_assert_ptr_null(itab_bucket(&t, t.nb));
	itab_free(&t);
	free(v);
	free(seen);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("itab");
	TCase *tc = tcase_create("itab");

	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_walk_removing);
	tcase_add_test(tc, test_shrink);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
