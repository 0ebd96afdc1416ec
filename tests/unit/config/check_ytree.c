/* Unit tests for config/ytree: shapes, locations, and hostile YAML. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/ytree.h"
#include "lib/buf.h"
#include "tests/unit/util/testutil.h"

static int
load(const char *text, struct ytree *t, struct ytree_error *e)
{
	return ytree_load_mem("t.yaml", text, strlen(text), t, e);
}

START_TEST(test_shapes)
{
	struct ytree t;
	struct ytree_error e;
	const char *y =
	    "kind: BGPPeer\n"
	    "spec:\n"
	    "  asNumber: 64512\n"
	    "  filters: [a, 'b']\n"
	    "  empty:\n"
	    "---\n"
	    "# only a comment\n"
	    "---\n"
	    "- x\n";
	struct ynode *root, *spec, *f;

	ck_assert_int_eq(load(y, &t, &e), 0);
	ck_assert_uint_eq(t.ndocs, 3);
	root = t.docs[0].root;
	ck_assert_int_eq(root->kind, YT_MAP);
	ck_assert_str_eq(ytree_get(root, "kind")->str, "BGPPeer");
	spec = ytree_get(root, "spec");
	ck_assert_uint_eq(spec->line, 3);
	ck_assert_uint_eq(spec->col, 3);
	ck_assert_uint_eq(ytree_get(spec, "asNumber")->line, 3);
	ck_assert_uint_eq(ytree_get(spec, "asNumber")->col, 13);
	ck_assert_int_eq(ytree_get(spec, "asNumber")->style, YT_PLAIN);
	f = ytree_get(spec, "filters");
	ck_assert_int_eq(f->kind, YT_SEQ);
	ck_assert_uint_eq(f->n, 2);
	ck_assert_int_eq(f->vals[1]->style, YT_QUOTED);
	ck_assert(ytree_is_null(ytree_get(spec, "empty")));
	ck_assert_ptr_null(ytree_get(spec, "missing"));
	ck_assert(t.docs[1].root == NULL || ytree_is_null(t.docs[1].root));
	ck_assert_int_eq(t.docs[2].root->kind, YT_SEQ);
	ytree_free(&t);
}
END_TEST

START_TEST(test_null_words)
{
	struct ytree t;
	struct ytree_error e;
	struct ynode *r;

	ck_assert_int_eq(load("a: ~\nb: null\nc: NULL\nd: 'null'\ne: x\n",
	    &t, &e), 0);
	r = t.docs[0].root;
	ck_assert(ytree_is_null(ytree_get(r, "a")));
	ck_assert(ytree_is_null(ytree_get(r, "b")));
	ck_assert(ytree_is_null(ytree_get(r, "c")));
	ck_assert(!ytree_is_null(ytree_get(r, "d")));
	ck_assert(!ytree_is_null(ytree_get(r, "e")));
	ytree_free(&t);
}
END_TEST

START_TEST(test_duplicate_key)
{
	struct ytree t;
	struct ytree_error e;

	ck_assert_int_eq(load("a: 1\nb:\n  x: 1\n  x: 2\n", &t, &e), -1);
	ck_assert_uint_eq(e.line, 4);
	ck_assert_uint_eq(e.col, 3);
	ck_assert_str_eq(e.msg, "duplicate key 'x' (first at line 3)");
	ytree_free(&t);
}
END_TEST

START_TEST(test_syntax_error)
{
	struct ytree t;
	struct ytree_error e;

	ck_assert_int_eq(load("a: [1, 2\nb: 3\n", &t, &e), -1);
	ck_assert_uint_gt(e.line, 0);
	ck_assert(strlen(e.msg) > 0);
	ytree_free(&t);
	ck_assert_int_eq(load("a: *nope\n", &t, &e), -1);
	ck_assert_str_eq(e.msg, "unknown alias '*nope'");
	ytree_free(&t);
}
END_TEST

START_TEST(test_alias_shared)
{
	struct ytree t;
	struct ytree_error e;
	struct ynode *r;

	ck_assert_int_eq(load("base: &b {x: 1}\nuse: *b\n", &t, &e), 0);
	r = t.docs[0].root;
	ck_assert_ptr_eq(ytree_get(r, "base"), ytree_get(r, "use"));
	ck_assert_str_eq(ytree_get(ytree_get(r, "use"), "x")->str, "1");
	ytree_free(&t);
}
END_TEST

START_TEST(test_alias_bomb)
{
	/* Nine levels of ten-fold aliases: 10^9 nodes if expanded. */
	struct buf_wr b;
	struct ytree t;
	struct ytree_error e;

	buf_wr_init(&b, 0);
	buf_put_str(&b, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (int i = 1; i < 10; i++) {
		buf_printf(&b, "a%d: &a%d [", i, i);
		for (int k = 0; k < 10; k++)
			buf_printf(&b, "%s*a%d", k ? ", " : "", i - 1);
		buf_put_str(&b, "]\n");
	}
	ck_assert_int_eq(load(buf_str(&b), &t, &e), -1);
	ck_assert_msg(strstr(e.msg, "alias expansion") != NULL, "%s", e.msg);
	ytree_free(&t);
	buf_wr_free(&b);
}
END_TEST

START_TEST(test_depth)
{
	struct buf_wr b;
	struct ytree t;
	struct ytree_error e;

	buf_wr_init(&b, 0);
	for (int i = 0; i < 100; i++)
		buf_put_str(&b, "[");
	for (int i = 0; i < 100; i++)
		buf_put_str(&b, "]");
	ck_assert_int_eq(load(buf_str(&b), &t, &e), -1);
	ck_assert_msg(strstr(e.msg, "nesting deeper") != NULL, "%s", e.msg);
	ytree_free(&t);
	buf_wr_free(&b);
}
END_TEST

START_TEST(test_self_alias)
{
	struct ytree t;
	struct ytree_error e;

	/* An alias to an enclosing node would make a cycle. */
	ck_assert_int_eq(load("a: &x\n  b: *x\n", &t, &e), -1);
	ytree_free(&t);
}
END_TEST

START_TEST(test_file_errors)
{
	struct ytree t;
	struct ytree_error e;

	ck_assert_int_eq(ytree_load_file("/nonexistent/bgpd.yaml", &t, &e),
	    -1);
	ck_assert_msg(strstr(e.msg, "cannot open") != NULL, "%s", e.msg);
	ytree_free(&t);
	/* A raw NUL inside the text is refused, not silently truncated. */
	ck_assert_int_eq(ytree_load_mem("t.yaml", "a: \"x\0y\"\n", 9, &t, &e),
	    -1);
	ytree_free(&t);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ytree");
	TCase *tc = tcase_create("ytree");

	tcase_add_test(tc, test_shapes);
	tcase_add_test(tc, test_null_words);
	tcase_add_test(tc, test_duplicate_key);
	tcase_add_test(tc, test_syntax_error);
	tcase_add_test(tc, test_alias_shared);
	tcase_add_test(tc, test_alias_bomb);
	tcase_add_test(tc, test_depth);
	tcase_add_test(tc, test_self_alias);
	tcase_add_test(tc, test_file_errors);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
