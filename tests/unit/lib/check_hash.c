/* Unit tests for lib/hash: SipHash vector, table insert/find/remove/grow. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"
#include "tests/unit/util/testutil.h"

START_TEST(test_siphash_vector)
{
	/* The reference vector of the SipHash paper, appendix A. */
	uint8_t key[16], msg[15];

	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	ck_assert_uint_eq(hash_siphash24(key, msg, 15), 0xa129ca6149be45e5ULL);
	/* Keyed: another key gives another value. */
	key[0] = 1;
	ck_assert_uint_ne(hash_siphash24(key, msg, 15), 0xa129ca6149be45e5ULL);
}
END_TEST

/* SipHash-1-3 (long inputs): zero key, the empty input and "siphash",
 * as other implementations give them. */
START_TEST(test_siphash13_vector)
{
	uint8_t key[16] = { 0 };

	ck_assert_uint_eq(hash_siphash13(key, "", 0), 0xd1fba762150c532cULL);
	ck_assert_uint_eq(hash_siphash13(key, "siphash", 7),
	    0x8264ceeccb16bcbeULL);
}
END_TEST

/* The short hash and hash_mix are keyed, tell lengths apart (a zero
 * octet more is another input), mix in order; prefixes that differ in
 * one bit spread over the upper half (lib/itab's homes). */
START_TEST(test_short_keyed)
{
	uint8_t k1[16] = { 1 }, k2[16] = { 2 }, a[28] = { 0 };
	uint64_t h1, h2, top = 0, bottom = ~(uint64_t)0;

	hash_set_key(k1);
	h1 = hash_bytes("prefix", 6);
	ck_assert_uint_eq(hash_bytes("prefix", 6), h1);
	ck_assert_uint_ne(hash_mix(1, 2), hash_mix(2, 1));
	for (size_t n = 0; n < sizeof(a); n++)
		ck_assert_uint_ne(hash_bytes(a, n), hash_bytes(a, n + 1));
	/* 29 octets: SipHash, still keyed and length-aware. */
	ck_assert_uint_ne(hash_bytes("0123456789012345678901234567", 28),
	    hash_bytes("01234567890123456789012345678", 29));
	h2 = hash_mix(1, 2);
	hash_set_key(k2);
	ck_assert_uint_ne(hash_bytes("prefix", 6), h1);
	ck_assert_uint_ne(hash_mix(1, 2), h2);
	/* 4096 /32s of one /20: the upper 32 bits take both extremes. */
	for (uint32_t i = 0; i < 4096; i++) {
		uint8_t key[6] = { 2, 32, 100, 64, (uint8_t)(i >> 8),
		    (uint8_t)i };
		uint64_t h = hash_bytes(key, sizeof(key)) >> 32;

		top = h > top ? h : top;
		bottom = h < bottom ? h : bottom;
	}
	ck_assert_uint_gt(top, UINT64_C(0xff000000));
	ck_assert_uint_lt(bottom, UINT64_C(0x01000000));
}
END_TEST

struct ent {
	int	key;
	int	val;
};

static bool
ent_eq(const void *e, const void *k)
{
	return ((const struct ent *)e)->key == *(const int *)k;
}

static uint64_t
ent_hash(int k)
{
	return hash_bytes(&k, sizeof(k));
}

START_TEST(test_table)
{
	enum { N = 5000 };
	struct hash_table t;
	struct ent *e = calloc(N, sizeof(*e));
	size_t it = 0, seen = 0;

	hash_init(&t);
	for (int i = 0; i < N; i++) {
		e[i].key = i * 7;
		e[i].val = i;
		hash_insert(&t, ent_hash(e[i].key), &e[i]);
	}
	ck_assert_uint_eq(hash_count(&t), N);
	for (int i = 0; i < N; i++) {
		int k = i * 7;
		struct ent *f = hash_find(&t, ent_hash(k), ent_eq, &k);

		ck_assert_ptr_nonnull(f);
		ck_assert_int_eq(f->val, i);
	}
	int missing = 3;

	ck_assert_ptr_null(hash_find(&t, ent_hash(missing), ent_eq, &missing));
	/* Remove every other entry, the rest must still be found. */
	for (int i = 0; i < N; i += 2) {
		int k = i * 7;

		ck_assert_ptr_eq(hash_remove(&t, ent_hash(k), ent_eq, &k),
		    &e[i]);
	}
	ck_assert_uint_eq(hash_count(&t), N / 2);
	for (int i = 0; i < N; i++) {
		int k = i * 7;
		struct ent *f = hash_find(&t, ent_hash(k), ent_eq, &k);

		ck_assert(i % 2 ? f == &e[i] : f == NULL);
	}
	while (hash_next(&t, &it) != NULL)
		seen++;
	ck_assert_uint_eq(seen, N / 2);
	ck_assert(hash_remove_entry(&t, ent_hash(7), &e[1]));
	ck_assert(!hash_remove_entry(&t, ent_hash(7), &e[1]));
	/* Churn (insert/remove cycles) must not fill the table with tombs. */
	for (int round = 0; round < 20000; round++) {
		int k = 1000000 + round;
		struct ent tmp = { k, 0 };

		hash_insert(&t, ent_hash(k), &tmp);
		ck_assert_ptr_eq(hash_remove(&t, ent_hash(k), ent_eq, &k),
		    &tmp);
	}
	ck_assert_uint_eq(hash_count(&t), N / 2 - 1);
	ck_assert_uint_le(t.cap, 16384);
	hash_free(&t);
	free(e);
}
END_TEST

START_TEST(test_empty)
{
	struct hash_table t;
	size_t it = 0;
	int k = 1;

	hash_init(&t);
	ck_assert_ptr_null(hash_find(&t, 1, ent_eq, &k));
	ck_assert_ptr_null(hash_remove(&t, 1, ent_eq, &k));
	ck_assert_ptr_null(hash_next(&t, &it));
	hash_free(&t);
}
END_TEST

/* A drained table gives its slots back; what is left stays findable. */
START_TEST(test_shrink)
{
	enum { N = 20000, KEEP = 100 };
	struct hash_table t;
	struct ent *e = calloc(N, sizeof(*e));
	size_t big;
	unsigned resizes;

	hash_init(&t);
	for (int i = 0; i < N; i++) {
		e[i].key = i;
		hash_insert(&t, ent_hash(i), &e[i]);
	}
	big = t.cap;
	ck_assert(!hash_shrink(&t));
	for (int i = KEEP; i < N; i++)
		ck_assert(hash_remove_entry(&t, ent_hash(i), &e[i]));
	resizes = t.resizes;
	ck_assert(hash_shrink(&t));
	ck_assert_uint_lt(t.cap, big / 64);
	ck_assert_uint_ge(t.cap, 2 * KEEP);
	ck_assert_uint_ne(t.resizes, resizes);
	ck_assert_uint_eq(hash_count(&t), KEEP);
	for (int i = 0; i < N; i++) {
		void *f = hash_find(&t, ent_hash(i), ent_eq, &i);

		ck_assert(i < KEEP ? f == &e[i] : f == NULL);
	}
	/* Already small: nothing moves. */
	ck_assert(!hash_shrink(&t));
	hash_free(&t);
	free(e);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("hash");
	TCase *tc = tcase_create("hash");

	tcase_add_test(tc, test_siphash_vector);
	tcase_add_test(tc, test_siphash13_vector);
	tcase_add_test(tc, test_short_keyed);
	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_shrink);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
