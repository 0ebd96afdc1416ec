/* Unit tests for lib/buf: bounds on every get, writer limits, back-patch. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "tests/unit/util/testutil.h"

START_TEST(test_reader)
{
	const uint8_t data[] = { 1, 0x02, 0x03, 0xa0, 0xb0, 0xc0, 0xd0, 9 };
	struct buf_rd r, sub;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;

	buf_rd_init(&r, data, sizeof(data));
	ck_assert_int_eq(buf_get_u8(&r, &u8), 0);
	ck_assert_uint_eq(u8, 1);
	ck_assert_int_eq(buf_get_u16(&r, &u16), 0);
	ck_assert_uint_eq(u16, 0x0203);
	ck_assert_int_eq(buf_get_u32(&r, &u32), 0);
	ck_assert_uint_eq(u32, 0xa0b0c0d0);
	ck_assert_uint_eq(buf_left(&r), 1);
	/* A short read fails and consumes nothing. */
	ck_assert_int_eq(buf_get_u16(&r, &u16), -1);
	ck_assert_int_eq(buf_get_u32(&r, &u32), -1);
	ck_assert_uint_eq(buf_left(&r), 1);
	ck_assert_int_eq(buf_get_view(&r, 2, &sub), -1);
	ck_assert_int_eq(buf_get_view(&r, 1, &sub), 0);
	ck_assert_uint_eq(buf_left(&r), 0);
	ck_assert_int_eq(buf_get_u8(&r, &u8), -1);
	ck_assert_int_eq(buf_get_u8(&sub, &u8), 0);
	ck_assert_uint_eq(u8, 9);
	ck_assert_int_eq(buf_get_u8(&sub, &u8), -1);
}
END_TEST

START_TEST(test_view_is_bounded)
{
	const uint8_t data[] = { 1, 2, 3, 4, 5, 6 };
	struct buf_rd r, sub;
	uint32_t u32;
	uint8_t tmp[4];

	buf_rd_init(&r, data, sizeof(data));
	ck_assert_int_eq(buf_skip(&r, 1), 0);
	ck_assert_int_eq(buf_get_view(&r, 3, &sub), 0);
	/* The sub-view cannot see past its three bytes. */
	ck_assert_int_eq(buf_get_u32(&sub, &u32), -1);
	ck_assert_int_eq(buf_get_bytes(&sub, tmp, 4), -1);
	ck_assert_int_eq(buf_get_bytes(&sub, tmp, 3), 0);
	ck_assert_uint_eq(tmp[0], 2);
	ck_assert_uint_eq(tmp[2], 4);
	ck_assert_uint_eq(buf_left(&r), 2);
	ck_assert_int_eq(buf_skip(&r, 3), -1);
	ck_assert_int_eq(buf_skip(&r, 2), 0);
}
END_TEST

START_TEST(test_writer)
{
	struct buf_wr w;
	size_t len;
	uint8_t *d;

	buf_wr_init(&w, 0);
	buf_put_u8(&w, 0xff);
	buf_put_u16(&w, 0);
	buf_put_u32(&w, 0x01020304);
	buf_set_u16_at(&w, 1, 0xbeef);
	ck_assert_uint_eq(w.len, 7);
	ck_assert_mem_eq(w.data, "\xff\xbe\xef\x01\x02\x03\x04", 7);
	for (int i = 0; i < 10000; i++)
		buf_put_u8(&w, (uint8_t)i);
	ck_assert_uint_eq(w.len, 10007);
	ck_assert(!w.overflow);
	d = buf_wr_detach(&w, &len);
	ck_assert_uint_eq(len, 10007);
	ck_assert_uint_eq(d[10006], (uint8_t)9999);
	ck_assert_ptr_null(w.data);
	free(d);
}
END_TEST

START_TEST(test_writer_limit)
{
	struct buf_wr w;

	buf_wr_init(&w, 4);
	buf_put_u16(&w, 1);
	buf_put_u16(&w, 2);
	ck_assert(!w.overflow);
	buf_put_u8(&w, 3);
	ck_assert(w.overflow);
	ck_assert_uint_eq(w.len, 4);
	/* Sticky: later smaller writes do not clear it. */
	buf_put_bytes(&w, "", 0);
	ck_assert(w.overflow);
	buf_wr_reset(&w);
	ck_assert(!w.overflow);
	ck_assert_uint_eq(w.len, 0);
	buf_wr_free(&w);
}
END_TEST

START_TEST(test_printf)
{
	struct buf_wr w;

	buf_wr_init(&w, 0);
	ck_assert_str_eq(buf_str(&w), "");
	buf_printf(&w, "%s=%d", "as", 64512);
	buf_put_str(&w, ";");
	ck_assert_str_eq(buf_str(&w), "as=64512;");
	buf_wr_free(&w);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("buf");

	tcase_add_test(tc, test_reader);
	tcase_add_test(tc, test_view_is_bounded);
	tcase_add_test(tc, test_writer);
	tcase_add_test(tc, test_writer_limit);
	tcase_add_test(tc, test_printf);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
