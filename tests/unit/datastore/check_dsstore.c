/*
 * Unit tests for dsstore: keys in and out (changes detected, re-list
 * sweeps), and the model built from Calico's JSON values: the same
 * resources and validation as YAML, every error located as
 * etcd:<key>, bad keys left out and the rest kept.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/plan.h"
#include "datastore/dsstore.h"
#include "tests/unit/util/testutil.h"

#define RES	"/calico/resources/v3/projectcalico.org/"
#define AFF4	"/calico/ipam/v2/host/n1/ipv4/block/"
#define AFF_OK	"{\"state\":\"confirmed\",\"deleted\":false}"

static struct dsstore st;
static struct config cfg;
static bool built;

static void
setup(void)
{
	dsstore_init(&st, "n1");
	built = false;
}

static void
teardown(void)
{
	if (built)
		config_free(&cfg);
	dsstore_free(&st);
}

static bool
put(const char *key, const char *val)
{
	return dsstore_put(&st, key, strlen(key), val, strlen(val), 1);
}

static size_t
build(void)
{
	size_t fin, skipped;

	if (built)
		config_free(&cfg);
	skipped = dsstore_build(&st, &cfg, &fin);
	built = true;
	ck_assert_uint_eq(fin, 0);
	return skipped;
}

/* The formatted diagnostic containing sub; fails the test if none. */
static char *
diag(const char *sub)
{
	for (size_t i = 0; i < cfg.diags.n; i++) {
		char *s = config_diag_format(&cfg.diags.v[i]);

		if (strstr(s, sub) != NULL)
			return s;
		free(s);
	}
	ck_abort_msg("no diagnostic containing '%s' (%zu diags)", sub,
	    cfg.diags.n);
	return NULL;
}

static void
expect_diag(const char *exact)
{
	char *s = diag(exact);

	ck_assert_str_eq(s, exact);
	free(s);
}

#define PEER(name, spec)						\
	"{\"kind\":\"BGPPeer\",\"apiVersion\":\"projectcalico.org/v3\","\
	"\"metadata\":{\"name\":\"" name "\",\"uid\":\"3c1e7b7e\","	\
	"\"creationTimestamp\":\"2026-12-02T10:00:00Z\"},"		\
	"\"spec\":{" spec "}}"
#define NODE(name, ip)							\
	"{\"kind\":\"Node\",\"apiVersion\":\"projectcalico.org/v3\","	\
	"\"metadata\":{\"name\":\"" name "\",\"labels\":"		\
	"{\"rack\":\"r1\"}},\"spec\":{\"bgp\":{\"ipv4Address\":\"" ip	\
	"\"},\"orchRefs\":[{\"nodeName\":\"" name "\","			\
	"\"orchestrator\":\"k8s\"}]},\"status\":{}}"

START_TEST(test_put_del_changes)
{
	ck_assert(put(RES "nodes/n1", "{}"));
	ck_assert(!put(RES "nodes/n1", "{}"));		/* same value */
	ck_assert(put(RES "nodes/n1", "{\"a\":1}"));
	ck_assert(!put("/calico/felix/v1/x", "{}"));	/* not ours */
	ck_assert(!put(AFF4 "nonsense", "{}"));		/* malformed */
	ck_assert_uint_eq(st.ignored, 2);
	ck_assert_uint_eq(dsstore_count(&st), 1);
	ck_assert(dsstore_del(&st, RES "nodes/n1", strlen(RES "nodes/n1")));
	ck_assert(!dsstore_del(&st, RES "nodes/n1", strlen(RES "nodes/n1")));
	ck_assert_uint_eq(dsstore_count(&st), 0);
}
END_TEST

START_TEST(test_relist_sweep)
{
	put(RES "nodes/a", "{}");
	put(RES "nodes/b", "{}");
	put(RES "bgppeers/p", "{}");
	dsstore_relist_begin(&st, DSKEY_NODE);
	put(RES "nodes/b", "{}");		/* listed again, unchanged */
	put(RES "nodes/c", "{}");
	ck_assert_uint_eq(dsstore_relist_sweep(&st, DSKEY_NODE), 1);
	ck_assert_ptr_null(dsstore_get(&st, RES "nodes/a",
	    strlen(RES "nodes/a")));
	ck_assert_ptr_nonnull(dsstore_get(&st, RES "nodes/b",
	    strlen(RES "nodes/b")));
	/* Other kinds are untouched by a node re-list. */
	ck_assert_ptr_nonnull(dsstore_get(&st, RES "bgppeers/p",
	    strlen(RES "bgppeers/p")));
	ck_assert_uint_eq(st.nkind[DSKEY_NODE], 2);
}
END_TEST

START_TEST(test_build_resources)
{
	const struct config_peer *p;
	const struct config_node *n;

	put(RES "nodes/n1", NODE("n1", "198.51.100.1/24"));
	put(RES "bgppeers/tor", PEER("tor", "\"nodeSelector\":\"rack == "
	    "'r1'\",\"peerIP\":\"198.51.100.254\",\"asNumber\":64513"));
	put(RES "bgpconfigurations/default", "{\"kind\":\"BGPConfiguration\","
	    "\"apiVersion\":\"projectcalico.org/v3\",\"metadata\":{\"name\":"
	    "\"default\"},\"spec\":{\"nodeToNodeMeshEnabled\":false,"
	    "\"asNumber\":64512}}");
	put(RES "ippools/p", "{\"kind\":\"IPPool\",\"apiVersion\":"
	    "\"projectcalico.org/v3\",\"metadata\":{\"name\":\"p\"},\"spec\":"
	    "{\"cidr\":\"100.64.0.0/16\",\"ipipMode\":\"Never\"}}");
	put(AFF4 "100.64.1.0-26", AFF_OK);
	put(AFF4 "100.64.2.0-26", "{\"state\":\"pending\",\"deleted\":false}");
	put("/calico/ipam/v2/host/n1/ipv6/block/2001:db8:1000::-122", "");
	ck_assert_uint_eq(build(), 0);
	ck_assert_uint_eq(cfg.diags.nerrors, 0);
	ck_assert_uint_eq(cfg.diags.nwarnings, 0);
	ck_assert_uint_eq(cfg.nnodes, 1);
	n = config_node_find(&cfg, "n1");
	ck_assert_ptr_nonnull(n);
	ck_assert_str_eq(config_label_get(&n->labels, "rack"), "r1");
	p = &cfg.peers[0];
	ck_assert_str_eq(p->name, "tor");
	ck_assert_uint_eq(p->asn, 64513);
	ck_assert_str_eq(cfg.peers[0].loc.file,
	    "etcd:" RES "bgppeers/tor");
	ck_assert_uint_eq(cfg.nbgpconfs, 1);
	ck_assert_int_eq(cfg.bgpconfs[0].mesh_enabled, 0);
	ck_assert_uint_eq(cfg.naffinities, 3);
	/* The key names node and block; the value the state. */
	for (size_t i = 0; i < cfg.naffinities; i++) {
		char b[ADDR_PFX_STRLEN];

		ck_assert_str_eq(cfg.affinities[i].node, "n1");
		addr_pfx_fmt(&cfg.affinities[i].cidr, b, sizeof(b));
		if (strcmp(b, "100.64.2.0/26") == 0)
			ck_assert_int_eq(cfg.affinities[i].state,
			    CONFIG_AFF_PENDING);
		else
			ck_assert_int_eq(cfg.affinities[i].state,
			    CONFIG_AFF_CONFIRMED);
	}
}
END_TEST

START_TEST(test_bad_values_located_rest_kept)
{
	put(RES "nodes/n1", NODE("n1", "198.51.100.1/24"));
	put(RES "bgppeers/good", PEER("good", "\"peerIP\":\"198.51.100.9\","
	    "\"asNumber\":64513"));
	put(RES "bgppeers/tor", PEER("tor", "\"peerIP\":\"198.51.100.254\","
	    "\"asNumber\":\"sixty\""));
	put(RES "bgppeers/broken", "{\"kind\":\"BGPPeer\",");
	put(RES "bgppeers/array", "[1,2]");
	put(RES "bgppeers/dup", "{\"kind\":\"BGPPeer\",\"kind\":\"BGPPeer\"}");
	put(RES "bgppeers/other", PEER("someone-else", "\"peerIP\":"
	    "\"198.51.100.8\",\"asNumber\":1"));
	put(RES "ippools/notapool", PEER("notapool", "\"peerIP\":"
	    "\"198.51.100.7\",\"asNumber\":1"));
	put(AFF4 "100.64.9.0-26", "{\"state\":\"maybe\"}");
	put(AFF4 "100.64.8.0-26", "\"confirmed\"");
	put(AFF4 "100.64.7.0-26", "{\"node\":\"n2\"}");
	ck_assert_uint_eq(build(), 9);
	/* The good ones are in. */
	ck_assert_uint_eq(cfg.nnodes, 1);
	ck_assert_uint_eq(cfg.npeers, 1);
	ck_assert_str_eq(cfg.peers[0].name, "good");
	ck_assert_uint_eq(cfg.npools, 0);
	ck_assert_uint_eq(cfg.naffinities, 0);
	/* Each bad one has its error, located at its key. */
	free(diag("etcd:" RES "bgppeers/tor: error: spec.asNumber: "));
	free(diag("etcd:" RES "bgppeers/broken: error: invalid JSON at "
	    "byte "));
	expect_diag("etcd:" RES "bgppeers/array: error: expected a BGPPeer "
	    "resource (a JSON object), found a list");
	free(diag("etcd:" RES "bgppeers/dup: error: invalid JSON"));
	expect_diag("etcd:" RES "bgppeers/other: error: metadata.name: "
	    "'someone-else' differs from the key's name 'other'");
	expect_diag("etcd:" RES "ippools/notapool: error: kind: 'BGPPeer' "
	    "under the IPPool prefix, expected IPPool");
	free(diag("etcd:" AFF4 "100.64.9.0-26: error: spec.state: "));
	free(diag("etcd:" AFF4 "100.64.8.0-26: error: expected a JSON "
	    "object"));
	free(diag("etcd:" AFF4 "100.64.7.0-26: error: node: not a field"));
}
END_TEST

/* Calico Enterprise's BFDConfiguration under its own prefix, as the
 * JSON Kubernetes writes (durations as strings); a bad one is skipped
 * with its key. */
START_TEST(test_bfd_from_etcd)
{
	put(RES "nodes/n1", NODE("n1", "198.51.100.1/24"));
	put(RES "bgppeers/tor", PEER("tor", "\"peerIP\":\"198.51.100.254\","
	    "\"asNumber\":64513,\"failureDetectionMode\":"
	    "\"BFDIfDirectlyConnected\""));
	put(RES "bfdconfigurations/rack-a", "{\"kind\":\"BFDConfiguration\","
	    "\"apiVersion\":\"projectcalico.org/v3\",\"metadata\":{\"name\":"
	    "\"rack-a\"},\"spec\":{\"nodeSelector\":\"all()\",\"interfaces\":"
	    "[{\"matchPattern\":\"eth*\",\"minimumRecvInterval\":\"100ms\","
	    "\"minimumSendInterval\":\"100ms\",\"idleSendInterval\":\"1m0s\","
	    "\"multiplier\":3}]}}");
	put(RES "bfdconfigurations/bad", "{\"kind\":\"BFDConfiguration\","
	    "\"apiVersion\":\"projectcalico.org/v3\",\"metadata\":{\"name\":"
	    "\"bad\"},\"spec\":{\"interfaces\":[{\"matchPattern\":\"*\","
	    "\"minimumRecvInterval\":\"ten\"}]}}");
	ck_assert_uint_eq(build(), 1);
	ck_assert_uint_eq(cfg.nbfds, 1);
	ck_assert_str_eq(cfg.bfds[0].name, "rack-a");
	ck_assert_uint_eq(cfg.bfds[0].nifaces, 1);
	ck_assert_uint_eq(cfg.bfds[0].ifaces[0].min_rx_us, 100000);
	ck_assert_uint_eq(cfg.bfds[0].ifaces[0].idle_tx_us, 60000000);
	ck_assert_uint_eq(cfg.bfds[0].ifaces[0].mult, 3);
	ck_assert(cfg.peers[0].bfd);
	free(diag("etcd:" RES "bfdconfigurations/bad: error: "
	    "spec.interfaces[0].minimumRecvInterval: 'ten' is not a "
	    "duration"));
}
END_TEST

START_TEST(test_same_messages_as_yaml)
{
	char *y, *e, *path;
	struct config ycfg;
	size_t i;

	/* The YAML and the JSON of one invalid peer say the same thing,
	 * each at its own location. */
	path = tu_write_file("peer.yaml", "apiVersion: projectcalico.org/v3\n"
	    "kind: BGPPeer\nmetadata: {name: tor}\n"
	    "spec: {peerIP: 198.51.100.254, asNumber: 1.2.3, bogus: 1}\n");
	ck_assert_int_ne(config_load(path, &ycfg), 0);
	put(RES "bgppeers/tor", PEER("tor", "\"peerIP\":\"198.51.100.254\","
	    "\"asNumber\":\"1.2.3\",\"bogus\":1"));
	build();
	ck_assert_uint_eq(ycfg.diags.n, cfg.diags.n);
	for (i = 0; i < cfg.diags.n; i++) {
		y = config_diag_format(&ycfg.diags.v[i]);
		e = config_diag_format(&cfg.diags.v[i]);
		ck_assert_str_eq(strstr(y, ": error: ") ? strstr(y, ": error: ")
		    : strstr(y, ": warning: "), strstr(e, ": error: ") ?
		    strstr(e, ": error: ") : strstr(e, ": warning: "));
		ck_assert(strncmp(e, "etcd:" RES "bgppeers/tor: ",
		    strlen("etcd:" RES "bgppeers/tor: ")) == 0);
		free(y);
		free(e);
	}
	config_free(&ycfg);
	free(path);
}
END_TEST

START_TEST(test_plan_from_etcd)
{
	struct plan pl;
	struct config_diags pd;
	struct plan_opts po = { .router_id = NULL };

	put(RES "nodes/n1", NODE("n1", "198.51.100.1/24"));
	put(RES "nodes/n2", NODE("n2", "198.51.100.2/24"));
	put(RES "ippools/p", "{\"kind\":\"IPPool\",\"apiVersion\":"
	    "\"projectcalico.org/v3\",\"metadata\":{\"name\":\"p\"},\"spec\":"
	    "{\"cidr\":\"100.64.0.0/16\"}}");
	put(AFF4 "100.64.1.0-26", AFF_OK);
	put(AFF4 "100.64.3.0-26", "{\"state\":\"confirmed\",\"deleted\":true}");
	build();
	memset(&pd, 0, sizeof(pd));
	ck_assert_int_eq(plan_compute(&cfg, "n1", &po, &pl, &pd), 0);
	ck_assert_uint_eq(pl.nsessions, 1);
	ck_assert_str_eq(pl.sessions[0].name, "Mesh_198_51_100_2");
	ck_assert_uint_eq(pl.nblocks, 1);
	plan_free(&pl);
	config_diags_free(&pd);
}
END_TEST

START_TEST(test_overlapping_pools_unusable)
{
	size_t fin;

	put(RES "ippools/a", "{\"kind\":\"IPPool\",\"apiVersion\":"
	    "\"projectcalico.org/v3\",\"metadata\":{\"name\":\"a\"},\"spec\":"
	    "{\"cidr\":\"100.64.0.0/16\"}}");
	put(RES "ippools/b", "{\"kind\":\"IPPool\",\"apiVersion\":"
	    "\"projectcalico.org/v3\",\"metadata\":{\"name\":\"b\"},\"spec\":"
	    "{\"cidr\":\"100.64.0.0/20\"}}");
	ck_assert_uint_eq(dsstore_build(&st, &cfg, &fin), 0);
	built = true;
	ck_assert_uint_eq(fin, 1);
	free(diag("etcd:" RES "ippools/b: error: IPPool 'b'"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("dsstore");
	TCase *tc = tcase_create("dsstore");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_put_del_changes);
	tcase_add_test(tc, test_relist_sweep);
	tcase_add_test(tc, test_build_resources);
	tcase_add_test(tc, test_bad_values_located_rest_kept);
	tcase_add_test(tc, test_bfd_from_etcd);
	tcase_add_test(tc, test_same_messages_as_yaml);
	tcase_add_test(tc, test_plan_from_etcd);
	tcase_add_test(tc, test_overlapping_pools_unusable);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
