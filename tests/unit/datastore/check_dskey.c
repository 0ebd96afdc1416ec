/*
 * Unit tests for dskey (Calico's etcd key layout) and dsenv (choosing
 * the datastore from calico/node's environment and the flags).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "datastore/dsenv.h"
#include "datastore/dskey.h"
#include "tests/unit/util/testutil.h"

static struct dskey_prefixes px;

static void
setup(void)
{
	dskey_prefixes_init(&px, "node-1");
}

static void
teardown(void)
{
	dskey_prefixes_free(&px);
}

static int
parse(const char *key, struct dskey_info *ki, const char **why)
{
	return dskey_parse(&px, key, strlen(key), ki, why);
}

START_TEST(test_prefixes)
{
	ck_assert_str_eq(px.v[DSKEY_NODE],
	    "/calico/resources/v3/projectcalico.org/nodes/");
	ck_assert_str_eq(px.v[DSKEY_BGPCONF],
	    "/calico/resources/v3/projectcalico.org/bgpconfigurations/");
	ck_assert_str_eq(px.v[DSKEY_PEER],
	    "/calico/resources/v3/projectcalico.org/bgppeers/");
	ck_assert_str_eq(px.v[DSKEY_POOL],
	    "/calico/resources/v3/projectcalico.org/ippools/");
	ck_assert_str_eq(px.v[DSKEY_FILTER],
	    "/calico/resources/v3/projectcalico.org/bgpfilters/");
	ck_assert_str_eq(px.v[DSKEY_AFFINITY], "/calico/ipam/v2/host/node-1/");
	ck_assert_str_eq(dskey_kind_name(DSKEY_FILTER), "BGPFilter");
	ck_assert_str_eq(px.v[DSKEY_BFD],
	    "/calico/resources/v3/projectcalico.org/bfdconfigurations/");
	ck_assert_str_eq(dskey_kind_name(DSKEY_BFD), "BFDConfiguration");
}
END_TEST

START_TEST(test_classify)
{
	struct dskey_info ki;
	const char *why;

	ck_assert_int_eq(parse("/calico/resources/v3/projectcalico.org/"
	    "bgppeers/rack1-tor", &ki, &why), 0);
	ck_assert_int_eq(ki.kind, DSKEY_PEER);
	ck_assert_str_eq(ki.name, "rack1-tor");
	ck_assert_int_eq(parse("/calico/resources/v3/projectcalico.org/"
	    "bgpconfigurations/node.node-1", &ki, &why), 0);
	ck_assert_str_eq(ki.name, "node.node-1");
	ck_assert_int_eq(parse("/calico/resources/v3/projectcalico.org/"
	    "bfdconfigurations/rack-a", &ki, &why), 0);
	ck_assert_int_eq(ki.kind, DSKEY_BFD);
	ck_assert_str_eq(ki.name, "rack-a");
	ck_assert_int_eq(parse("/calico/ipam/v2/host/node-1/ipv4/block/"
	    "10.244.1.0-26", &ki, &why), 0);
	ck_assert_int_eq(ki.kind, DSKEY_AFFINITY);
	ck_assert_int_eq(ki.af, AF_INET);
	ck_assert_str_eq(ki.name, "10.244.1.0/26");
	ck_assert_int_eq(parse("/calico/ipam/v2/host/node-1/ipv6/block/"
	    "fd00:10:244::-122", &ki, &why), 0);
	ck_assert_int_eq(ki.af, AF_INET6);
	ck_assert_str_eq(ki.name, "fd00:10:244::/122");
	/* Outside every prefix: other nodes, siblings, other trees. */
	ck_assert_int_eq(parse("/calico/ipam/v2/host/node-10/ipv4/block/"
	    "10.0.0.0-26", &ki, &why), 1);
	ck_assert_int_eq(parse("/calico/resources/v3/projectcalico.org/"
	    "bgppeersX/a", &ki, &why), 1);
	ck_assert_int_eq(parse("/calico/ipam/v2/assignment/ipv4/block/"
	    "10.0.0.0-26", &ki, &why), 1);
	/* Inside, but not the shape Calico writes. */
	ck_assert_int_eq(parse("/calico/resources/v3/projectcalico.org/"
	    "bgppeers/ns/a", &ki, &why), -1);
	ck_assert_int_eq(parse("/calico/resources/v3/projectcalico.org/"
	    "nodes/", &ki, &why), -1);
	ck_assert_int_eq(parse("/calico/ipam/v2/host/node-1/ipv4/block/"
	    "10.0.0.0", &ki, &why), -1);
	ck_assert_ptr_nonnull(why);
	ck_assert_int_eq(parse("/calico/ipam/v2/host/node-1/ipv5/block/"
	    "10.0.0.0-26", &ki, &why), -1);
	ck_assert_int_eq(dskey_parse(&px, "/calico/resources/v3/"
	    "projectcalico.org/nodes/a\0b", 47, &ki, &why), -1);
}
END_TEST

START_TEST(test_range_end)
{
	char out[64];

	dskey_range_end("/calico/resources/v3/projectcalico.org/bgppeers/",
	    out, sizeof(out));
	ck_assert_str_eq(out, "/calico/resources/v3/projectcalico.org/"
	    "bgppeers0");
	dskey_range_end("/a/", out, 3);		/* too small: empty */
	ck_assert_str_eq(out, "");
}
END_TEST

static const char *const vars[] = {
	"DATASTORE_TYPE", "ETCD_ENDPOINTS", "ETCD_CA_CERT_FILE",
	"ETCD_CERT_FILE", "ETCD_KEY_FILE", "ETCD_USERNAME", "ETCD_PASSWORD",
	"ETCD_DISCOVERY_SRV",
};

static void
clear_env(void)
{
	char name[64];

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		unsetenv(vars[i]);
		snprintf(name, sizeof(name), "CALICO_%s", vars[i]);
		unsetenv(name);
	}
}

START_TEST(test_env_default_file)
{
	struct dsenv e;
	struct dsenv_flags f = { NULL };
	char err[300];

	clear_env();
	ck_assert_int_eq(dsenv_load(&e, &f, err, sizeof(err)), 0);
	ck_assert_int_eq(e.type, DSENV_FILE);
	dsenv_free(&e);
	/* calico/node: ETCD_ENDPOINTS alone means etcdv3. */
	setenv("ETCD_ENDPOINTS", "https://a:2379,https://b:2379", 1);
	ck_assert_int_eq(dsenv_load(&e, &f, err, sizeof(err)), 0);
	ck_assert_int_eq(e.type, DSENV_ETCD);
	ck_assert_str_eq(e.endpoints, "https://a:2379,https://b:2379");
	dsenv_free(&e);
	clear_env();
}
END_TEST

START_TEST(test_env_calico_prefix_wins_flags_win)
{
	struct dsenv e;
	struct dsenv_flags f = { NULL };
	char err[300];

	clear_env();
	setenv("DATASTORE_TYPE", "etcdv3", 1);
	setenv("ETCD_ENDPOINTS", "http://plain:2379", 1);
	setenv("CALICO_ETCD_ENDPOINTS", "https://prefixed:2379", 1);
	setenv("ETCD_CA_CERT_FILE", "/ca.pem", 1);
	setenv("ETCD_CERT_FILE", "/c.pem", 1);
	setenv("CALICO_ETCD_KEY_FILE", "/k.pem", 1);
	setenv("ETCD_USERNAME", "root", 1);
	ck_assert_int_eq(dsenv_load(&e, &f, err, sizeof(err)), 0);
	ck_assert_str_eq(e.endpoints, "https://prefixed:2379");
	ck_assert_str_eq(e.ca_file, "/ca.pem");
	ck_assert_str_eq(e.key_file, "/k.pem");
	/* A user without a password is not used (Calico's rule). */
	ck_assert_ptr_null(e.user);
	dsenv_free(&e);
	setenv("CALICO_ETCD_PASSWORD", "pw", 1);
	f.endpoints = "https://flag:2379";
	f.ca = "/flag-ca.pem";
	ck_assert_int_eq(dsenv_load(&e, &f, err, sizeof(err)), 0);
	ck_assert_str_eq(e.endpoints, "https://flag:2379");
	ck_assert_str_eq(e.ca_file, "/flag-ca.pem");
	ck_assert_str_eq(e.user, "root");
	ck_assert_str_eq(e.password, "pw");
	dsenv_free(&e);
	/* --datastore file overrides the environment's etcdv3. */
	f.datastore = "file";
	ck_assert_int_eq(dsenv_load(&e, &f, err, sizeof(err)), 0);
	ck_assert_int_eq(e.type, DSENV_FILE);
	dsenv_free(&e);
	clear_env();
}
END_TEST

START_TEST(test_env_errors)
{
	struct dsenv e;
	struct dsenv_flags f = { NULL };
	char err[300];

	clear_env();
	setenv("DATASTORE_TYPE", "kubernetes", 1);
	ck_assert_int_eq(dsenv_load(&e, &f, err, sizeof(err)), -1);
	ck_assert(strstr(err, "DATASTORE_TYPE=kubernetes") != NULL);
	dsenv_free(&e);
	setenv("DATASTORE_TYPE", "etcdv3", 1);
	ck_assert_int_eq(dsenv_load(&e, &f, err, sizeof(err)), -1);
	ck_assert(strstr(err, "needs ETCD_ENDPOINTS") != NULL);
	dsenv_free(&e);
	setenv("ETCD_ENDPOINTS", "https://a:2379", 1);
	setenv("ETCD_CERT_FILE", "/c.pem", 1);
	ck_assert_int_eq(dsenv_load(&e, &f, err, sizeof(err)), -1);
	ck_assert(strstr(err, "ETCD_KEY_FILE") != NULL);
	dsenv_free(&e);
	unsetenv("ETCD_CERT_FILE");
	setenv("ETCD_DISCOVERY_SRV", "example.org", 1);
	ck_assert_int_eq(dsenv_load(&e, &f, err, sizeof(err)), -1);
	ck_assert(strstr(err, "ETCD_DISCOVERY_SRV") != NULL);
	dsenv_free(&e);
	unsetenv("ETCD_DISCOVERY_SRV");
	f.datastore = "consul";
	ck_assert_int_eq(dsenv_load(&e, &f, err, sizeof(err)), -1);
	ck_assert(strstr(err, "--datastore 'consul'") != NULL);
	dsenv_free(&e);
	f.datastore = NULL;
	f.watch_idle = "0";
	ck_assert_int_eq(dsenv_load(&e, &f, err, sizeof(err)), -1);
	dsenv_free(&e);
	f.watch_idle = "2.5";
	ck_assert_int_eq(dsenv_load(&e, &f, err, sizeof(err)), 0);
	ck_assert_uint_eq(e.watch_idle_ms, 2500);
	dsenv_free(&e);
	clear_env();
}
END_TEST

START_TEST(test_split)
{
	char **v;
	size_t n = dsenv_split(" https://a:1, https://b:2,,https://c:3 ", &v);

	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(v[0], "https://a:1");
	ck_assert_str_eq(v[2], "https://c:3");
	dsenv_split_free(v, n);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("dskey");
	TCase *tc = tcase_create("dskey");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_prefixes);
	tcase_add_test(tc, test_classify);
	tcase_add_test(tc, test_range_end);
	tcase_add_test(tc, test_env_default_file);
	tcase_add_test(tc, test_env_calico_prefix_wins_flags_win);
	tcase_add_test(tc, test_env_errors);
	tcase_add_test(tc, test_split);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
