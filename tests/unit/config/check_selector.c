/* Unit tests for config/selector: Calico's selector language, by table. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "config/selector.h"
#include "tests/unit/util/testutil.h"

/* Labels of the node the match cases are evaluated against. */
static const char *const labels[][2] = {
	{ "rack", "r1" },
	{ "role", "route-reflector" },
	{ "zone", "eu-west-1a" },
	{ "empty", "" },
	{ "q", "a\"b" },
	{ "k8s.io/os", "linux" },
};

static const char *
get(const void *ctx, const char *key)
{
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		if (strcmp(labels[i][0], key) == 0)
			return labels[i][1];
	}
	return NULL;
}

static const struct {
	const char *sel;
	bool match;
	const char *canon;	/* NULL: same as sel */
} ok_cases[] = {
	{ "", true, "all()" },
	{ "   ", true, "all()" },
	{ "all()", true, NULL },
	{ "!all()", false, NULL },
	{ "global()", true, NULL },
	{ "has(rack)", true, NULL },
	{ "has( rack )", true, "has(rack)" },
	{ "has(nope)", false, NULL },
	{ "!has(nope)", true, NULL },
	{ "!!has(rack)", true, "has(rack)" },
	{ "!!!has(rack)", false, "!has(rack)" },
	{ "has(empty)", true, NULL },
	{ "has(k8s.io/os)", true, NULL },
	/* == and != on present and absent labels */
	{ "rack == 'r1'", true, "rack == \"r1\"" },
	{ "rack == \"r2\"", false, NULL },
	{ "nope == \"r1\"", false, NULL },
	{ "rack != \"r2\"", true, NULL },
	{ "rack != \"r1\"", false, NULL },
	{ "nope != \"r1\"", true, NULL },
	{ "empty == \"\"", true, NULL },
	{ "q == 'a\"b'", true, NULL },
	{ "rack==\"r1\"", true, "rack == \"r1\"" },
	/* in, not in, notin */
	{ "rack in {\"r1\", \"r2\"}", true, NULL },
	{ "rack in {'r2','r1'}", true, "rack in {\"r1\", \"r2\"}" },
	{ "rack in {}", false, NULL },
	{ "nope in {\"x\"}", false, NULL },
	{ "rack not in {\"r2\"}", true, NULL },
	{ "rack not in {\"r1\"}", false, NULL },
	{ "nope not in {\"r1\"}", true, NULL },
	{ "rack notin {\"r1\"}", false, "rack not in {\"r1\"}" },
	{ "rack  not\t in {\"r9\"}", true, "rack not in {\"r9\"}" },
	{ "rack in{\"r1\"}", true, "rack in {\"r1\"}" },
	/* contains, starts with, ends with: absent is false */
	{ "zone contains \"west\"", true, NULL },
	{ "zone contains \"WEST\"", false, NULL },
	{ "nope contains \"\"", false, NULL },
	{ "zone starts with \"eu-\"", true, NULL },
	{ "zone startswith \"eu-\"", true, "zone starts with \"eu-\"" },
	{ "zone starts with \"west\"", false, NULL },
	{ "zone ends with \"1a\"", true, NULL },
	{ "zone ends  with \"eu\"", false, "zone ends with \"eu\"" },
	{ "nope ends with \"\"", false, NULL },
	/* precedence: && binds tighter than ||, ! tighter than && */
	{ "rack == \"x\" || rack == \"r1\" && has(nope)", false,
	  "(rack == \"x\" || (rack == \"r1\" && has(nope)))" },
	{ "(rack == \"x\" || rack == \"r1\") && has(zone)", true,
	  "((rack == \"x\" || rack == \"r1\") && has(zone))" },
	{ "!has(nope) && has(rack)", true, "(!has(nope) && has(rack))" },
	{ "!(has(nope) || has(rack))", false, "!(has(nope) || has(rack))" },
	{ "has(a) || has(b) || has(rack)", true,
	  "(has(a) || has(b) || has(rack))" },
	{ "((has(rack)))", true, "has(rack)" },
	{ "\thas(rack)\t&&\thas(zone)", true, "(has(rack) && has(zone))" },
	{ "has(rack)\n", true, "has(rack)" },
	{ "role == 'route-reflector'", true,
	  "role == \"route-reflector\"" },
};

START_TEST(test_ok)
{
	struct selector *s, *s2;
	struct selector_error e;
	char *f, *f2;

	ck_assert_msg(selector_parse(ok_cases[_i].sel, &s, &e) == 0,
	    "'%s': %s at %zu", ok_cases[_i].sel, e.msg, e.offset);
	ck_assert_msg(selector_match(s, get, NULL) == ok_cases[_i].match,
	    "'%s'", ok_cases[_i].sel);
	f = selector_format(s);
	ck_assert_str_eq(f, ok_cases[_i].canon ? ok_cases[_i].canon :
	    ok_cases[_i].sel);
	/* The canonical form parses back to the same meaning and text. */
	ck_assert_int_eq(selector_parse(f, &s2, &e), 0);
	ck_assert(selector_match(s2, get, NULL) == ok_cases[_i].match);
	f2 = selector_format(s2);
	ck_assert_str_eq(f, f2);
	free(f);
	free(f2);
	selector_free(s);
	selector_free(s2);
}
END_TEST

static const struct {
	const char *sel;
	size_t offset;
	const char *msg;
} bad_cases[] = {
	{ "rack = 'r1'", 5, "unexpected '=', expected '=='" },
	{ "has(a) & has(b)", 7, "unexpected '&', expected '&&'" },
	{ "has(a) | has(b)", 7, "unexpected '|', expected '||'" },
	{ "rack == 'r1", 8, "unterminated string, expected a closing '" },
	{ "rack == \"r1", 8, "unterminated string, expected a closing \"" },
	{ "all ()", 4, "unexpected '(', expected an operator (==, !=, in, "
	  "not in, contains, starts with, ends with)" },
	{ "has(rack) has(zone)", 10, "unexpected 'has()', expected '&&', "
	  "'||' or the end of the selector" },
	{ "rack inx {}", 5, "unexpected label, expected an operator (==, "
	  "!=, in, not in, contains, starts with, ends with)" },
	{ "rack ==", 7, "unexpected end of selector, expected a quoted "
	  "string" },
	{ "rack == r1", 8, "unexpected label, expected a quoted string" },
	{ "rack in {\"a\",}", 13, "unexpected '}', expected a quoted "
	  "string" },
	{ "rack in {\"a\" \"b\"}", 13, "unexpected string, expected ',' or "
	  "'}'" },
	{ "rack in \"a\"", 8, "unexpected string, expected '{'" },
	{ "()", 1, "unexpected ')', expected a label, has(), all() or '('" },
	{ "(has(a)", 7, "unexpected end of selector, expected ')'" },
	{ "has(a) &&", 9, "unexpected end of selector, expected a label, "
	  "has(), all() or '('" },
	{ "!", 1, "unexpected end of selector, expected a label, has(), "
	  "all() or '('" },
	{ "rack == 'x' @", 12, "unexpected character '@'" },
	{ "has(a)\nhas(b)", 6, "unexpected character 0x0a" },
	{ "in == 'x'", 0, "unexpected 'in', expected a label, has(), all() "
	  "or '('" },
};

START_TEST(test_bad)
{
	struct selector *s = (struct selector *)1;
	struct selector_error e;

	ck_assert_msg(selector_parse(bad_cases[_i].sel, &s, &e) == -1, "'%s'",
	    bad_cases[_i].sel);
	ck_assert_ptr_null(s);
	ck_assert_str_eq(e.msg, bad_cases[_i].msg);
	ck_assert_uint_eq(e.offset, bad_cases[_i].offset);
}
END_TEST

START_TEST(test_limits)
{
	char *text = malloc(2000);
	struct selector *s;
	struct selector_error e;

	/* A 512-character label is fine, 513 is not. */
	memset(text, 'a', 512);
	strcpy(text + 512, " == \"x\"");
	ck_assert_int_eq(selector_parse(text, &s, &e), 0);
	selector_free(s);
	memset(text, 'a', 513);
	strcpy(text + 513, " == \"x\"");
	ck_assert_int_eq(selector_parse(text, &s, &e), -1);
	ck_assert_str_eq(e.msg, "label longer than 512 characters");
	/* Nesting is bounded so hostile input cannot exhaust the stack. */
	for (int i = 0; i < 500; i++)
		text[i] = '(';
	strcpy(text + 500, "all()");
	ck_assert_int_eq(selector_parse(text, &s, &e), -1);
	ck_assert_msg(strstr(e.msg, "nested too deeply") != NULL, "%s", e.msg);
	for (int i = 0; i < 60; i++)
		text[i] = '(';
	strcpy(text + 60, "all()");
	for (int i = 0; i < 60; i++)
		strcat(text, ")");
	ck_assert_int_eq(selector_parse(text, &s, &e), 0);
	selector_free(s);
	/* Long chains of ! are a loop, not recursion. */
	memset(text, '!', 1001);
	strcpy(text + 1001, "all()");
	ck_assert_int_eq(selector_parse(text, &s, &e), 0);
	ck_assert(!selector_match(s, get, NULL));
	selector_free(s);
	free(text);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("selector");
	TCase *tc = tcase_create("selector");

	tcase_add_loop_test(tc, test_ok, 0,
	    sizeof(ok_cases) / sizeof(ok_cases[0]));
	tcase_add_loop_test(tc, test_bad, 0,
	    sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
