/* Unit tests for lib/addr: parse, format, compare, contain, hash. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <check.h>
#include <string.h>

#include "lib/addr.h"
#include "tests/unit/util/testutil.h"

static const struct {
	const char *in;
	int ok;
	const char *out;
} addr_cases[] = {
	{ "198.51.100.1", 1, "198.51.100.1" },
	{ "0.0.0.0", 1, "0.0.0.0" },
	{ "255.255.255.255", 1, "255.255.255.255" },
	{ "2001:db8::1", 1, "2001:db8::1" },
	{ "2001:DB8:0:0:0:0:0:1", 1, "2001:db8::1" },
	{ "::", 1, "::" },
	{ "::ffff:198.51.100.1", 1, "::ffff:198.51.100.1" },
	{ "256.1.1.1", 0, NULL },
	{ "1.2.3", 0, NULL },
	{ "01.2.3.4", 0, NULL },
	{ "1.2.3.4 ", 0, NULL },
	{ "", 0, NULL },
	{ "2001:db8::1%eth0", 0, NULL },
	{ "2001:db8:::1", 0, NULL },
	{ "abc", 0, NULL },
};

START_TEST(test_addr_parse)
{
	struct ip_addr a;
	char buf[ADDR_STRLEN];
	int ok = addr_parse(addr_cases[_i].in, &a) == 0;

	ck_assert_msg(ok == addr_cases[_i].ok, "%s", addr_cases[_i].in);
	if (ok)
		ck_assert_str_eq(addr_fmt(&a, buf, sizeof(buf)),
		    addr_cases[_i].out);
}
END_TEST

static const struct {
	const char *in;
	bool bare;
	int ok;
	const char *out;
	bool masked;
} pfx_cases[] = {
	{ "100.64.0.0/16", false, 1, "100.64.0.0/16", true },
	{ "100.64.1.0/16", false, 1, "100.64.1.0/16", false },
	{ "100.64.0.0/0", false, 1, "100.64.0.0/0", false },
	{ "0.0.0.0/0", false, 1, "0.0.0.0/0", true },
	{ "100.64.0.1/32", false, 1, "100.64.0.1/32", true },
	{ "100.64.0.0/33", false, 0, NULL, false },
	{ "100.64.0.0/", false, 0, NULL, false },
	{ "100.64.0.0/-1", false, 0, NULL, false },
	{ "100.64.0.0/08", false, 0, NULL, false },
	{ "100.64.0.0/ 8", false, 0, NULL, false },
	{ "100.64.0.0", false, 0, NULL, false },
	{ "100.64.0.7", true, 1, "100.64.0.7/32", true },
	{ "2001:db8:1000::/48", false, 1, "2001:db8:1000::/48", true },
	{ "2001:db8:1000::/129", false, 0, NULL, false },
	{ "2001:db8:1000::1/64", false, 1, "2001:db8:1000::1/64", false },
	{ "2001:db8::5", true, 1, "2001:db8::5/128", true },
};

START_TEST(test_pfx_parse)
{
	struct ip_prefix p;
	char buf[ADDR_PFX_STRLEN];
	int ok = addr_pfx_parse(pfx_cases[_i].in, &p, pfx_cases[_i].bare) == 0;

	ck_assert_msg(ok == pfx_cases[_i].ok, "%s", pfx_cases[_i].in);
	if (!ok)
		return;
	ck_assert_str_eq(addr_pfx_fmt(&p, buf, sizeof(buf)),
	    pfx_cases[_i].out);
	ck_assert_msg(addr_pfx_is_masked(&p) == pfx_cases[_i].masked, "%s",
	    pfx_cases[_i].in);
}
END_TEST

static struct ip_prefix
P(const char *s)
{
	struct ip_prefix p;

	ck_assert_int_eq(addr_pfx_parse(s, &p, true), 0);
	return p;
}

static struct ip_addr
A(const char *s)
{
	struct ip_addr a;

	ck_assert_int_eq(addr_parse(s, &a), 0);
	return a;
}

START_TEST(test_mask)
{
	struct ip_prefix p = P("100.64.77.200/18");
	char buf[ADDR_PFX_STRLEN];

	addr_pfx_mask(&p);
	ck_assert_str_eq(addr_pfx_fmt(&p, buf, sizeof(buf)), "100.64.64.0/18");
	p = P("2001:db8:ffff:ffff::1/33");
	addr_pfx_mask(&p);
	ck_assert_str_eq(addr_pfx_fmt(&p, buf, sizeof(buf)),
	    "2001:db8:8000::/33");
	p = P("255.255.255.255/0");
	addr_pfx_mask(&p);
	ck_assert_str_eq(addr_pfx_fmt(&p, buf, sizeof(buf)), "0.0.0.0/0");
	/* Every length of an all-ones IPv6 address: the first len bits
	 * stay, no other; the family and length are untouched. */
	for (unsigned len = 0; len <= 128; len++) {
		memset(&p, 0, sizeof(p));
		p.addr.af = AF_INET6;
		memset(p.addr.b, 0xff, sizeof(p.addr.b));
		p.len = (uint8_t)len;
		addr_pfx_mask(&p);
		ck_assert_uint_eq(p.addr.af, AF_INET6);
		ck_assert_uint_eq(p.len, len);
		for (unsigned bit = 0; bit < 128; bit++) {
			unsigned v = (p.addr.b[bit / 8] >> (7 - bit % 8)) & 1;

			ck_assert_uint_eq(v, bit < len);
		}
	}
}
END_TEST

START_TEST(test_contains)
{
	struct ip_prefix a = P("100.64.0.0/16"), b = P("100.64.3.0/26");
	struct ip_prefix c = P("100.65.0.0/26"), d = P("2001:db8::/32");
	struct ip_prefix any = P("0.0.0.0/0");

	ck_assert(addr_pfx_contains(&a, &b));
	ck_assert(!addr_pfx_contains(&b, &a));
	ck_assert(addr_pfx_contains(&a, &a));
	ck_assert(!addr_pfx_contains(&a, &c));
	ck_assert(!addr_pfx_contains(&a, &d));
	ck_assert(addr_pfx_contains(&any, &c));
	ck_assert(!addr_pfx_contains(&any, &d));
	ck_assert(addr_pfx_overlaps(&a, &b) && addr_pfx_overlaps(&b, &a));
	ck_assert(!addr_pfx_overlaps(&a, &c));
	struct ip_addr x = A("100.64.3.63"), y = A("100.64.3.64");

	ck_assert(addr_pfx_contains_addr(&b, &x));
	ck_assert(!addr_pfx_contains_addr(&b, &y));
	struct ip_prefix odd = P("100.64.3.0/25");

	ck_assert(addr_pfx_contains_addr(&odd, &y));
	struct ip_addr v6 = A("2001:db8::1");

	ck_assert(!addr_pfx_contains_addr(&b, &v6));
	ck_assert(addr_pfx_contains_addr(&d, &v6));
}
END_TEST

START_TEST(test_cmp_hash)
{
	struct ip_addr a = A("10.0.0.9"), b = A("10.0.0.10"), c = A("::1");
	struct ip_addr a2 = A("10.0.0.9");

	/* Numeric order, not string order; IPv4 sorts before IPv6. */
	ck_assert_int_lt(addr_cmp(&a, &b), 0);
	ck_assert_int_gt(addr_cmp(&b, &a), 0);
	ck_assert_int_lt(addr_cmp(&a, &c), 0);
	ck_assert_int_gt(addr_cmp(&c, &a), 0);
	ck_assert(addr_eq(&a, &a2));
	ck_assert_uint_eq(addr_hash(&a), addr_hash(&a2));
	ck_assert_uint_ne(addr_hash(&a), addr_hash(&b));

	struct ip_prefix p = P("10.0.0.0/8"), q = P("10.0.0.0/9");

	ck_assert_int_lt(addr_pfx_cmp(&p, &q), 0);
	ck_assert_int_gt(addr_pfx_cmp(&q, &p), 0);
	ck_assert_uint_ne(addr_pfx_hash(&p), addr_pfx_hash(&q));
	ck_assert_uint_eq(addr_v4(&a), 0x0a000009);
	struct ip_addr r;

	addr_from_v4(&r, 0xc6336401);
	ck_assert(addr_eq(&r, &(struct ip_addr){ 0 }) == false);
	ck_assert(addr_eq(&r, &(struct ip_addr){ .af = AF_INET,
	    .b = { 198, 51, 100, 1 } }));
}
END_TEST

START_TEST(test_sockaddr)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct ip_addr a, b;

	ck_assert(addr_parse("198.51.100.7", &a) == 0);
	ck_assert_uint_eq(addr_to_sockaddr(&a, 179, &ss),
	    sizeof(struct sockaddr_in));
	ck_assert_uint_eq(ntohs(((struct sockaddr_in *)&ss)->sin_port), 179);
	addr_from_sockaddr(&ss, &b);
	ck_assert(addr_eq(&a, &b));
	ck_assert(addr_parse("2001:db8::7", &a) == 0);
	ck_assert_uint_eq(addr_to_sockaddr(&a, 1179, &ss),
	    sizeof(struct sockaddr_in6));
	addr_from_sockaddr(&ss, &b);
	ck_assert(addr_eq(&a, &b));
	/* A dual-stack socket's IPv4 peer. */
	ck_assert(addr_parse("::ffff:198.51.100.7", &a) == 0);
	addr_to_sockaddr(&a, 0, &ss);
	addr_from_sockaddr(&ss, &b);
	ck_assert_uint_eq(b.af, AF_INET);
	ck_assert_uint_eq(b.b[3], 7);
	/* No address: the IPv6 wildcard. */
	memset(&a, 0, sizeof(a));
	addr_to_sockaddr(&a, 179, &ss);
	ck_assert_uint_eq(s6->sin6_family, AF_INET6);
	ck_assert(IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("addr");

	tcase_add_loop_test(tc, test_addr_parse, 0,
	    sizeof(addr_cases) / sizeof(addr_cases[0]));
	tcase_add_loop_test(tc, test_pfx_parse, 0,
	    sizeof(pfx_cases) / sizeof(pfx_cases[0]));
	tcase_add_test(tc, test_mask);
	tcase_add_test(tc, test_contains);
	tcase_add_test(tc, test_cmp_hash);
	tcase_add_test(tc, test_sockaddr);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
