/* Unit tests for lib/json: structure, escaping, hostile bytes, sha256. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jescape.h"
#include "lib/json.h"
#include "lib/sha256.h"
#include "tests/unit/util/testutil.h"

START_TEST(test_compact)
{
	struct buf_wr b;
	struct json_w j;

	buf_wr_init(&b, 0);
	json_init(&j, &b, false);
	json_obj_begin(&j);
	json_kstr(&j, "node", "n1");
	json_kuint(&j, "as", 4200000000u);
	json_kint(&j, "neg", -5);
	json_key(&j, "sessions");
	json_arr_begin(&j);
	json_obj_begin(&j);
	json_kbool(&j, "passive", true);
	json_obj_end(&j);
	json_null(&j);
	json_arr_end(&j);
	json_key(&j, "empty");
	json_arr_begin(&j);
	json_arr_end(&j);
	json_obj_end(&j);
	ck_assert_str_eq(buf_str(&b), "{\"node\":\"n1\",\"as\":4200000000,"
	    "\"neg\":-5,\"sessions\":[{\"passive\":true},null],\"empty\":[]}");
	buf_wr_free(&b);
}
END_TEST

START_TEST(test_pretty)
{
	struct buf_wr b;
	struct json_w j;

	buf_wr_init(&b, 0);
	json_init(&j, &b, true);
	json_obj_begin(&j);
	json_kstr(&j, "a", "x");
	json_key(&j, "l");
	json_arr_begin(&j);
	json_uint(&j, 1);
	json_uint(&j, 2);
	json_arr_end(&j);
	json_obj_end(&j);
	ck_assert_str_eq(buf_str(&b),
	    "{\n  \"a\": \"x\",\n  \"l\": [\n    1,\n    2\n  ]\n}\n");
	buf_wr_free(&b);
}
END_TEST

START_TEST(test_escape)
{
	struct buf_wr b;
	struct json_w j;
	/* quote, backslash, control, DEL, valid UTF-8, invalid bytes */
	const char in[] = "a\"b\\c\n\x01\x7f\xc3\xa9\xff\xc0\xaf\xed\xa0\x80z";

	buf_wr_init(&b, 0);
	json_init(&j, &b, false);
	json_str(&j, in);
	ck_assert_str_eq(buf_str(&b), "\"a\\\"b\\\\c\\n\\u0001\\u007f\xc3\xa9"
	    "\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffdz\"");
	buf_wr_free(&b);
}
END_TEST

/* The escaping core alone: a small buffer is filled with whole escapes
 * and whole characters only, and what is left comes next; a long input
 * through json_escape's 256-octet steps gives the same text. */
START_TEST(test_jescape_bounds)
{
	const char in[] = "\xc3\xa9\"\x01x";
	char out[16], big[8192];
	const char *s;
	size_t w, used;
	struct buf_wr b;

	used = jescape(out, 3, in, strlen(in), &w);
	ck_assert_uint_eq(used, 2);		/* the whole e-acute */
	ck_assert_str_eq(out, "\xc3\xa9");
	used += jescape(out, 4, in + used, strlen(in) - used, &w);
	ck_assert_str_eq(out, "\\\"");	/* the quote, not the \u0001 */
	used += jescape(out, 7, in + used, strlen(in) - used, &w);
	ck_assert_str_eq(out, "\\u0001");
	ck_assert_uint_eq(used, strlen(in) - 1);
	ck_assert_uint_eq(jescape(out, 1, "x", 1, &w), 0);
	ck_assert_str_eq(out, "");
	memset(big, '"', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_wr_init(&b, 0);
	json_escape(&b, big, strlen(big));
	s = buf_str(&b);
	ck_assert_uint_eq(strlen(s), 2 * (sizeof(big) - 1));
	for (size_t i = 0; i < strlen(s); i += 2)
		ck_assert(s[i] == '\\' && s[i + 1] == '"');
	buf_wr_free(&b);
}
END_TEST

static void
hex32(const uint8_t d[32], char out[65])
{
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

START_TEST(test_sha256)
{
	uint8_t d[32];
	char h[65];
	char *million = malloc(1000000);

	sha256("", 0, d);
	hex32(d, h);
	ck_assert_str_eq(h, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	sha256("abc", 3, d);
	hex32(d, h);
	ck_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	/* 56 bytes: the padding spills into a second block. */
	sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    56, d);
	hex32(d, h);
	ck_assert_str_eq(h, "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1");
	memset(million, 'a', 1000000);
	sha256(million, 1000000, d);
	hex32(d, h);
	ck_assert_str_eq(h, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
	free(million);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("json");

	tcase_add_test(tc, test_compact);
	tcase_add_test(tc, test_pretty);
	tcase_add_test(tc, test_escape);
	tcase_add_test(tc, test_jescape_bounds);
	tcase_add_test(tc, test_sha256);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
