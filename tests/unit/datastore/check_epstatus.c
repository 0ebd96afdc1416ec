/*
 * Unit tests for epstatus: Felix's endpoint status files, one by one
 * (a table of files as Felix writes them and as they go wrong) and as a
 * directory (order, dot files, files too large or not regular).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datastore/epstatus.h"
#include "lib/xalloc.h"
#include "tests/unit/util/testutil.h"

static const struct {
	const char *json;
	int	rc;		/* epstatus_parse's */
	const char *peer, *v4, *v6;	/* when rc is 1 */
	const char *err;	/* part of the message when rc is -1 */
} files[] = {
	/* As Felix writes them (confd's TestLocalBGPPeer). */
	{ "{\"ifaceName\":\"cali97e1defe654\",\"ipv4Nets\":"
	  "[\"192.168.162.134/32\"],\"ipv6Nets\":[\"fd00:10:244:0:586d:"
	  "4461:e980:a284/128\"],\"bgpPeerName\":\"peer-a\"}",
	  1, "peer-a", "192.168.162.134", "fd00:10:244:0:586d:4461:e980:a284",
	  NULL },
	/* The first address of each family counts. */
	{ "{\"ipv4Nets\":[\"100.64.1.5/32\",\"100.64.1.6/32\"],"
	  "\"bgpPeerName\":\"p\"}", 1, "p", "100.64.1.5", NULL, NULL },
	{ "{\"ipv6Nets\":[\"2001:db8::5/128\"],\"bgpPeerName\":\"p\","
	  "\"mac\":\"66:cf:23:df:22:07\",\"extra\":1}", 1, "p", NULL,
	  "2001:db8::5", NULL },
	/* Not selected for peering. */
	{ "{\"ifaceName\":\"cali1\",\"ipv4Nets\":[\"100.64.1.5/32\"]}",
	  0, NULL, NULL, NULL, NULL },
	{ "{\"ipv4Nets\":[\"100.64.1.5/32\"],\"bgpPeerName\":\"\"}",
	  0, NULL, NULL, NULL, NULL },
	{ "{\"ipv4Nets\":[\"100.64.1.5/32\"],\"bgpPeerName\":null}",
	  0, NULL, NULL, NULL, NULL },
	/* Selected, but no address yet. */
	{ "{\"bgpPeerName\":\"p\",\"ipv4Nets\":[]}", 0, NULL, NULL, NULL,
	  NULL },
	{ "{}", 0, NULL, NULL, NULL, NULL },
	/* Broken. */
	{ "", -1, NULL, NULL, NULL, "line" },
	{ "{\"bgpPeerName\":\"p\"", -1, NULL, NULL, NULL, "line 1" },
	{ "[1,2]", -1, NULL, NULL, NULL, "not a JSON object" },
	{ "{\"bgpPeerName\":7}", -1, NULL, NULL, NULL, "bgpPeerName" },
	{ "{\"bgpPeerName\":\"p\",\"ipv4Nets\":\"100.64.1.5/32\"}", -1,
	  NULL, NULL, NULL, "ipv4Nets: not a list" },
	{ "{\"bgpPeerName\":\"p\",\"ipv4Nets\":[\"100.64.1.5\"]}", -1,
	  NULL, NULL, NULL, "ipv4Nets[0]" },
	{ "{\"bgpPeerName\":\"p\",\"ipv4Nets\":[\"2001:db8::1/128\"]}", -1,
	  NULL, NULL, NULL, "not an IPv4 address" },
	{ "{\"bgpPeerName\":\"p\",\"ipv6Nets\":[5]}", -1, NULL, NULL, NULL,
	  "ipv6Nets[0]" },
	{ "{\"bgpPeerName\":\"p\",\"bgpPeerName\":\"q\"}", -1, NULL, NULL,
	  NULL, "duplicate" },
};

static void
expect_addr(const struct ip_addr *a, const char *want)
{
	char buf[ADDR_STRLEN];

	if (want == NULL)
		ck_assert_int_eq(a->af, 0);
	else
		ck_assert_str_eq(addr_fmt(a, buf, sizeof(buf)), want);
}

START_TEST(test_parse)
{
	struct plan_workload wl;
	char err[200] = "";
	int rc;

	rc = epstatus_parse("f", files[_i].json, strlen(files[_i].json),
	    &wl, err, sizeof(err));
	ck_assert_msg(rc == files[_i].rc, "rc %d, want %d (%s)", rc,
	    files[_i].rc, err);
	if (rc == 1) {
		ck_assert_str_eq(wl.file, "f");
		ck_assert_str_eq(wl.bgp_peer, files[_i].peer);
		expect_addr(&wl.v4, files[_i].v4);
		expect_addr(&wl.v6, files[_i].v6);
		free((char *)wl.file);
		free((char *)wl.bgp_peer);
	} else if (rc < 0) {
		ck_assert_msg(strstr(err, files[_i].err) != NULL,
		    "error '%s' lacks '%s'", err, files[_i].err);
	}
}
END_TEST

static void
put(const char *dir, const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

START_TEST(test_read_dir)
{
	char *dir = xasprintf("%s/es", tu_tmpdir());
	struct epstatus_list a, b;
	char *big, *sub;

	/* A missing directory: nothing selected (Felix makes it later). */
	epstatus_read(dir, &a);
	ck_assert_uint_eq(a.n + a.nbad, 0);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	put(dir, "pod-b", "{\"ipv4Nets\":[\"100.64.1.6/32\"],"
	    "\"bgpPeerName\":\"p\"}");
	put(dir, "pod-a", "{\"ipv4Nets\":[\"100.64.1.5/32\"],"
	    "\"bgpPeerName\":\"p\"}");
	put(dir, "pod-c", "{\"ipv4Nets\":[\"100.64.1.7/32\"]}");
	put(dir, ".pod-d.tmp", "{\"ipv4Nets\":[\"100.64.1.8/32\"],"
	    "\"bgpPeerName\":\"p\"}");
	put(dir, "pod-e", "{broken");
	big = xcalloc(EPSTATUS_MAX_FILE + 2, 1);
	memset(big, ' ', EPSTATUS_MAX_FILE + 1);
	put(dir, "pod-f", big);
	free(big);
	sub = xasprintf("%s/subdir", dir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	epstatus_read(dir, &a);
	ck_assert_uint_eq(a.n, 2);
	ck_assert_str_eq(a.v[0].file, "pod-a");
	ck_assert_str_eq(a.v[1].file, "pod-b");
	ck_assert_uint_eq(a.nbad, 3);
	epstatus_read(dir, &b);
	ck_assert(epstatus_list_eq(&a, &b));
	epstatus_list_free(&b);
	/* Unselected: the list differs. */
	put(dir, "pod-b", "{\"ipv4Nets\":[\"100.64.1.6/32\"]}");
	epstatus_read(dir, &b);
	ck_assert_uint_eq(b.n, 1);
	ck_assert(!epstatus_list_eq(&a, &b));
	epstatus_list_free(&a);
	epstatus_list_free(&b);
	rmdir(sub);
	free(sub);
	free(dir);
}
END_TEST

START_TEST(test_dir_from_env)
{
	char *d;

	unsetenv("CALICO_ENDPOINT_STATUS_PATH_PREFIX");
	d = epstatus_dir(NULL);
	ck_assert_str_eq(d, "/var/run/calico/endpoint-status");
	free(d);
	setenv("CALICO_ENDPOINT_STATUS_PATH_PREFIX", "/x/y", 1);
	d = epstatus_dir(NULL);
	ck_assert_str_eq(d, "/x/y/endpoint-status");
	free(d);
	d = epstatus_dir("/given");
	ck_assert_str_eq(d, "/given");
	free(d);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("epstatus");
	TCase *tc = tcase_create("epstatus");

	tcase_add_loop_test(tc, test_parse, 0,
	    sizeof(files) / sizeof(files[0]));
	tcase_add_test(tc, test_read_dir);
	tcase_add_test(tc, test_dir_from_env);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
