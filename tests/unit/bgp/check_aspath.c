/* Unit tests for bgp/aspath and bgp/nlri. */
#include <check.h>
#include <string.h>

#include "bgp/aspath.h"
#include "bgp/bgp.h"
#include "bgp/nlri.h"
#include "tests/unit/util/testutil.h"

START_TEST(test_verify_and_count)
{
	uint8_t p[64];
	size_t n;
	struct aspath_info info;
	const char *why;

	/* SEQ 65000 65001, SET {1,2}, CONFED_SEQ 64512 */
	n = tu_hex("02 02 00 00 fd e8 00 00 fd e9 01 02 00 00 00 01 00 00 00 "
	    "02 03 01 00 00 fc 00", p, sizeof(p));
	ck_assert_int_eq(aspath_verify(p, n, true, &info, &why), 0);
	ck_assert_uint_eq(info.length, 3);	/* 2 + SET 1 + confed 0 */
	ck_assert_uint_eq(info.nasns, 5);
	ck_assert(info.has_set);
	ck_assert(info.has_confed);
	ck_assert_uint_eq(aspath_length(p, n), 3);
	ck_assert_uint_eq(aspath_count_as(p, n, 65001), 1);
	ck_assert_uint_eq(aspath_first_as(p, n), 65000);
	ck_assert_uint_eq(aspath_origin_as(p, n), 64512);
	{
		char buf[64];

		ck_assert_str_eq(aspath_format(p, n, buf, sizeof(buf)),
		    "65000 65001 {1,2} (64512)");
		/* A small buffer ends in "...", never overruns. */
		ck_assert_str_eq(aspath_format(p, n, buf, 12), "65000 65...");
	}
	ck_assert_uint_eq(aspath_first_as(p + 10, n - 10), 0);
	ck_assert_int_eq(aspath_verify(p, 0, true, &info, &why), 0);
	ck_assert_uint_eq(info.length, 0);
}
END_TEST

START_TEST(test_widen_narrow)
{
	uint8_t two[16], four[32], back[32];
	size_t n = tu_hex("02 03 fd e8 5b a0 00 01", two, sizeof(two)), m;
	bool need;

	m = aspath_widen(two, n, four);
	ck_assert_uint_eq(m, 2 + 12);
	ck_assert_mem_eq(four, "\x02\x03\x00\x00\xfd\xe8\x00\x00\x5b\xa0"
	    "\x00\x00\x00\x01", m);
	ck_assert_uint_eq(aspath_narrow(four, m, back, &need), n);
	ck_assert(!need);
	ck_assert_mem_eq(back, two, n);
	/* A 4-octet AS narrows to AS_TRANS and asks for AS4_PATH. */
	four[3] = 0x01;		/* 0x0001fde8 = 130536 */
	aspath_narrow(four, m, back, &need);
	ck_assert(need);
	ck_assert_mem_eq(back + 2, "\x5b\xa0", 2);
}
END_TEST

START_TEST(test_prepend)
{
	uint8_t p[64], out[2200];
	size_t n = tu_hex("02 01 00 00 fd e8", p, sizeof(p)), m;
	char buf[64];

	m = aspath_prepend(p, n, 64512, 2, out);
	ck_assert_str_eq(aspath_format(out, m, buf, sizeof(buf)),
	    "64512 64512 65000");
	ck_assert_uint_eq(m, 2 + 12);
	/* Onto an empty path (a locally originated route). */
	m = aspath_prepend(p, 0, 64512, 1, out);
	ck_assert_uint_eq(m, 6);
	ck_assert_str_eq(aspath_format(out, m, buf, sizeof(buf)), "64512");
	/* Onto a path starting with a SET: a new segment. */
	n = tu_hex("01 01 00 00 fd e8", p, sizeof(p));
	m = aspath_prepend(p, n, 64512, 1, out);
	ck_assert_str_eq(aspath_format(out, m, buf, sizeof(buf)),
	    "64512 {65000}");
	/* More than 255 in one go: several full segments, still valid. */
	n = tu_hex("02 01 00 00 fd e8", p, sizeof(p));
	m = aspath_prepend(p, n, 1, 300, out);
	{
		struct aspath_info info;
		const char *why;

		ck_assert_int_eq(aspath_verify(out, m, true, &info, &why), 0);
		ck_assert_uint_eq(info.length, 301);
	}
}
END_TEST

START_TEST(test_nlri)
{
	uint8_t b[32];
	struct buf_rd r;
	struct ip_prefix p;
	struct buf_wr w;
	uint32_t id;
	char s[ADDR_PFX_STRLEN];
	size_t n;

	/* /0, /1, /24 with host bits (cleared), /32 */
	n = tu_hex("00 01 80 18 64 40 ff 20 c6 33 64 01", b, sizeof(b));
	buf_rd_init(&r, b, n);
	ck_assert_int_eq(nlri_get(&r, AF_INET, false, &p, NULL), 0);
	ck_assert_str_eq(addr_pfx_fmt(&p, s, sizeof(s)), "0.0.0.0/0");
	ck_assert_int_eq(nlri_get(&r, AF_INET, false, &p, NULL), 0);
	ck_assert_str_eq(addr_pfx_fmt(&p, s, sizeof(s)), "128.0.0.0/1");
	ck_assert_int_eq(nlri_get(&r, AF_INET, false, &p, NULL), 0);
	ck_assert_str_eq(addr_pfx_fmt(&p, s, sizeof(s)), "100.64.255.0/24");
	ck_assert_int_eq(nlri_get(&r, AF_INET, false, &p, NULL), 0);
	ck_assert_str_eq(addr_pfx_fmt(&p, s, sizeof(s)), "198.51.100.1/32");
	ck_assert_int_eq(nlri_check(b, n, AF_INET, false), 0);
	ck_assert_int_eq(nlri_check(b, n - 1, AF_INET, false), -1);
	ck_assert_int_eq(nlri_check((const uint8_t *)"\x21\x01\x02\x03\x04\x05",
	    6, AF_INET, false), -1);
	ck_assert_int_eq(nlri_check((const uint8_t *)"\x81", 1, AF_INET6,
	    false), -1);
	ck_assert_int_eq(nlri_check((const uint8_t *)"\x80", 1, AF_INET6,
	    false), -1);
	/* ADD-PATH: an id without its length, or cut short. */
	ck_assert_int_eq(nlri_check((const uint8_t *)"\0\0\0\7", 4,
	    AF_INET, true), -1);
	ck_assert_int_eq(nlri_check((const uint8_t *)"\0\0\7", 3, AF_INET,
	    true), -1);
	ck_assert_int_eq(nlri_check((const uint8_t *)"\0\0\0\7\x08\x0a", 6,
	    AF_INET, true), 0);
	buf_rd_init(&r, "\0\0\7", 3);
	ck_assert_int_eq(nlri_get(&r, AF_INET, true, &p, &id), -1);
	buf_rd_init(&r, "\x21\x01\x02\x03\x04\x05", 6);
	ck_assert_int_eq(nlri_get(&r, AF_INET, false, &p, NULL), -1);
	buf_rd_init(&r, "\x18\x01\x02", 3);
	ck_assert_int_eq(nlri_get(&r, AF_INET, false, &p, NULL), -1);
	/* ADD-PATH: a 4-octet path id first. */
	n = tu_hex("00 00 00 07 18 64 40 00", b, sizeof(b));
	buf_rd_init(&r, b, n);
	ck_assert_int_eq(nlri_get(&r, AF_INET, true, &p, &id), 0);
	ck_assert_uint_eq(id, 7);
	buf_wr_init(&w, 0);
	nlri_put(&w, &p, true, 7);
	ck_assert_uint_eq(w.len, n);
	ck_assert_mem_eq(w.data, b, n);
	ck_assert_uint_eq(nlri_size(&p, true), n);
	buf_wr_free(&w);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("aspath");
	TCase *tc = tcase_create("aspath");

	tcase_add_test(tc, test_verify_and_count);
	tcase_add_test(tc, test_widen_narrow);
	tcase_add_test(tc, test_prepend);
	tcase_add_test(tc, test_nlri);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
