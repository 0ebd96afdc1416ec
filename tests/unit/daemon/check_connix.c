/*
 * Unit tests for daemon/connix: the sessions by peer address, with
 * several ports of one address chained behind the first.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "daemon/connix.h"
#include "tests/unit/util/testutil.h"

static struct connix_ent
ent(const char *addr, uint16_t port)
{
	struct connix_ent e;

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(addr_parse(addr, &e.addr), 0);
	e.port = port;
	return e;
}

static struct connix_ent *
find(const struct connix *x, const char *addr, uint16_t port)
{
	struct ip_addr a;

	ck_assert_int_eq(addr_parse(addr, &a), 0);
	return connix_find(x, &a, port);
}

/* One address, three ports: each port finds its own, port 0 the first
 * added; removing the first, a middle one and the last keeps the rest
 * findable, and the address goes with its last entry. */
START_TEST(test_ports)
{
	struct connix x;
	struct connix_ent a179 = ent("198.51.100.2", 179);
	struct connix_ent a1790 = ent("198.51.100.2", 1790);
	struct connix_ent a1791 = ent("198.51.100.2", 1791);
	struct connix_ent b = ent("198.51.100.3", 179);
	struct connix_ent v6 = ent("2001:db8::2", 179);

	connix_init(&x);
	connix_add(&x, &a179);
	connix_add(&x, &b);
	connix_add(&x, &a1790);
	connix_add(&x, &a1791);
	connix_add(&x, &v6);
	ck_assert_ptr_eq(find(&x, "198.51.100.2", 0), &a179);
	ck_assert_ptr_eq(find(&x, "198.51.100.2", 179), &a179);
	ck_assert_ptr_eq(find(&x, "198.51.100.2", 1790), &a1790);
	ck_assert_ptr_eq(find(&x, "198.51.100.2", 1791), &a1791);
	ck_assert_ptr_null(find(&x, "198.51.100.2", 1792));
	ck_assert_ptr_eq(find(&x, "198.51.100.3", 0), &b);
	ck_assert_ptr_eq(find(&x, "2001:db8::2", 0), &v6);
	ck_assert_ptr_null(find(&x, "198.51.100.4", 0));
	/* ::ffff:198.51.100.2 is another family's address */
	ck_assert_ptr_null(find(&x, "::ffff:198.51.100.2", 0));

	connix_del(&x, &a1790);		/* from the middle of the chain */
	ck_assert_ptr_null(find(&x, "198.51.100.2", 1790));
	ck_assert_ptr_eq(find(&x, "198.51.100.2", 1791), &a1791);
	ck_assert_ptr_eq(find(&x, "198.51.100.2", 0), &a179);
	connix_del(&x, &a179);	/* the first: the next takes its place */
	ck_assert_ptr_null(find(&x, "198.51.100.2", 179));
	ck_assert_ptr_eq(find(&x, "198.51.100.2", 0), &a1791);
	ck_assert_ptr_eq(find(&x, "198.51.100.2", 1791), &a1791);
	connix_add(&x, &a179);		/* back, behind the new first */
	ck_assert_ptr_eq(find(&x, "198.51.100.2", 179), &a179);
	ck_assert_ptr_eq(find(&x, "198.51.100.2", 0), &a1791);
	connix_del(&x, &a1791);
	connix_del(&x, &a179);
	ck_assert_ptr_null(find(&x, "198.51.100.2", 0));
	ck_assert_ptr_eq(find(&x, "198.51.100.3", 179), &b);
	connix_del(&x, &b);
	connix_del(&x, &v6);
	ck_assert_uint_eq(hash_count(&x.t), 0);
	connix_free(&x);
}
END_TEST

/* Many sessions (a large mesh): each found by address alone. */
START_TEST(test_many)
{
	static struct connix_ent v[2000];
	struct connix x;
	char s[64];

	connix_init(&x);
	for (unsigned i = 0; i < 2000; i++) {
		snprintf(s, sizeof(s), "2001:db8:100::%x", i + 1);
		v[i] = ent(s, 179);
		connix_add(&x, &v[i]);
	}
	for (unsigned i = 0; i < 2000; i++) {
		snprintf(s, sizeof(s), "2001:db8:100::%x", i + 1);
		ck_assert_ptr_eq(find(&x, s, 0), &v[i]);
	}
	for (unsigned i = 0; i < 2000; i += 2)
		connix_del(&x, &v[i]);
	for (unsigned i = 0; i < 2000; i++) {
		snprintf(s, sizeof(s), "2001:db8:100::%x", i + 1);
		if (i % 2)
			ck_assert_ptr_eq(find(&x, s, 179), &v[i]);
		else
			ck_assert_ptr_null(find(&x, s, 0));
	}
	connix_free(&x);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("connix");
	TCase *tc = tcase_create("connix");

	tcase_add_test(tc, test_ports);
	tcase_add_test(tc, test_many);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
