/* Unit tests for config/plan: naming, router id, key rules, and diff. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/plan.h"
#include "lib/xalloc.h"
#include "tests/unit/util/testutil.h"

static const char *const nodes3 =
    "apiVersion: projectcalico.org/v3\nkind: Node\n"
    "metadata: {name: n9, labels: {rr: 'yes'}}\n"
    "spec: {bgp: {ipv4Address: 198.51.100.9/24}}\n---\n"
    "apiVersion: projectcalico.org/v3\nkind: Node\n"
    "metadata: {name: n10}\n"
    "spec: {bgp: {ipv4Address: 198.51.100.10/24}}\n---\n"
    "apiVersion: projectcalico.org/v3\nkind: Node\n"
    "metadata: {name: n11}\n"
    "spec: {bgp: {ipv4Address: 198.51.100.11/24}}\n";

/* Local workloads for the next plan_for() (Felix's status files). */
static const struct plan_workload *workloads;
static size_t nworkloads;

/* Load yaml (plus nodes3 when with_nodes) and plan for node. */
static int
plan_for(const char *yaml, bool with_nodes, const char *node,
    const char *rid, struct plan *pl, struct config_diags *d)
{
	struct config cfg;
	struct plan_opts o = { .router_id = rid, .workloads = workloads,
	    .nworkloads = nworkloads };
	char *text = xasprintf("%s%s%s", with_nodes ? nodes3 : "",
	    with_nodes && yaml[0] ? "---\n" : "", yaml);
	char *path = tu_write_file("plan.yaml", text);
	int rc;

	memset(d, 0, sizeof(*d));
	rc = config_load(path, &cfg);
	ck_assert_msg(rc == 0, "config errors: %s", cfg.diags.n ?
	    cfg.diags.v[0].msg : "");
	rc = plan_compute(&cfg, node, &o, pl, d);
	config_free(&cfg);
	free(path);
	free(text);
	return rc;
}

static const struct plan_session *
session(const struct plan *pl, const char *name)
{
	for (size_t i = 0; i < pl->nsessions; i++) {
		if (strcmp(pl->sessions[i].name, name) == 0)
			return &pl->sessions[i];
	}
	ck_abort_msg("no session %s", name);
	return NULL;
}

/*
 * confd's local workload peerings (TestLocalBGPPeer): a session per
 * selected workload address, named Local_Workload_, passive, without a
 * source address, with the BGPPeer's AS, localASNumber and filters and
 * nothing else of it; a node-scoped BGPPeer only on its node; a workload
 * naming another BGPPeer is not this one's; and an address another
 * global peering already has keeps that peering (confd's emit()).
 */
START_TEST(test_local_workloads)
{
	static struct plan_workload wl[3];
	struct plan pl;
	struct config_diags d;
	const struct plan_session *s;
	const char *yaml =
	    "apiVersion: projectcalico.org/v3\nkind: BGPPeer\n"
	    "metadata: {name: lw}\n"
	    "spec: {localWorkloadSelector: app == 'r', asNumber: 65010,\n"
	    "  localASNumber: 65001, maxRestartTime: 30s, ttlSecurity: 2,\n"
	    "  keepOriginalNextHop: true, filters: [f]}\n---\n"
	    "apiVersion: projectcalico.org/v3\nkind: BGPPeer\n"
	    "metadata: {name: lw-n11}\n"
	    "spec: {localWorkloadSelector: app == 'r', asNumber: 65011,\n"
	    "  node: n11}\n---\n"
	    "apiVersion: projectcalico.org/v3\nkind: BGPPeer\n"
	    "metadata: {name: ext}\n"
	    "spec: {peerIP: 100.64.9.9, asNumber: 65099}\n---\n"
	    "apiVersion: projectcalico.org/v3\nkind: BGPFilter\n"
	    "metadata: {name: f}\n"
	    "spec: {importV4: [{action: Reject}]}\n";

	wl[0].file = "a";
	wl[0].bgp_peer = "lw";
	addr_parse("100.64.1.5", &wl[0].v4);
	addr_parse("2001:db8:1000::5", &wl[0].v6);
	wl[1].file = "b";
	wl[1].bgp_peer = "lw-n11";
	addr_parse("100.64.1.6", &wl[1].v4);
	wl[2].file = "c";
	wl[2].bgp_peer = "lw";
	addr_parse("100.64.9.9", &wl[2].v4);
	workloads = wl;
	nworkloads = 3;
	ck_assert_int_eq(plan_for(yaml, true, "n10", NULL, &pl, &d), 0);
	s = session(&pl, "Local_Workload_100_64_1_5");
	ck_assert_int_eq(s->type, PLAN_LOCAL_WORKLOAD);
	ck_assert(s->passive);
	ck_assert_int_eq(s->source_addr.af, 0);
	ck_assert_uint_eq(s->remote_as, 65010);
	ck_assert_uint_eq(s->local_as, 65001);
	ck_assert_uint_eq(s->nfilters, 1);
	ck_assert(!s->has_restart_time);
	ck_assert_uint_eq(s->ttl_security, 0);
	ck_assert_int_eq(s->next_hop, PLAN_NH_AUTO);
	/* n10 has no IPv6 address: no IPv6 sessions at all. */
	for (size_t i = 0; i < pl.nsessions; i++)
		ck_assert_int_ne(pl.sessions[i].peer_ip.af, AF_INET6);
	/* lw-n11 is n11's; 100.64.9.9 is ext's global peering. */
	for (size_t i = 0; i < pl.nsessions; i++) {
		ck_assert_str_ne(pl.sessions[i].name,
		    "Local_Workload_100_64_1_6");
		ck_assert_str_ne(pl.sessions[i].name,
		    "Local_Workload_100_64_9_9");
	}
	ck_assert_uint_eq(session(&pl, "Global_100_64_9_9")->remote_as,
	    65099);
	plan_free(&pl);
	config_diags_free(&d);
	ck_assert_int_eq(plan_for(yaml, true, "n11", NULL, &pl, &d), 0);
	ck_assert_uint_eq(session(&pl, "Local_Workload_100_64_1_6")->
	    remote_as, 65011);
	plan_free(&pl);
	config_diags_free(&d);
	workloads = NULL;
	nworkloads = 0;
}
END_TEST

START_TEST(test_names)
{
	struct ip_addr a;
	char buf[96];

	addr_parse("198.51.100.7", &a);
	plan_session_name(PLAN_MESH, &a, 0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Mesh_198_51_100_7");
	plan_session_name(PLAN_NODE, &a, 179, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Node_198_51_100_7");
	plan_session_name(PLAN_NODE, &a, 500, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Node_198_51_100_7_port_500");
	addr_parse("fd5f::3", &a);
	plan_session_name(PLAN_GLOBAL, &a, 500, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Global_fd5f__3_port_500");
}
END_TEST

START_TEST(test_hash_router_id)
{
	struct ip_addr a;
	char buf[ADDR_STRLEN];

	/* Expected values computed with Python's hashlib.sha256. */
	plan_hash_router_id("node-a", &a);
	ck_assert_str_eq(addr_fmt(&a, buf, sizeof(buf)), "102.87.15.240");
	/* First byte 245 > 223 becomes 213 (Calico's -32 rule). */
	plan_hash_router_id("node-18", &a);
	ck_assert_str_eq(addr_fmt(&a, buf, sizeof(buf)), "213.194.139.227");
}
END_TEST

START_TEST(test_router_id_sources)
{
	struct plan pl;
	struct config_diags d;
	char buf[ADDR_STRLEN];

	ck_assert_int_eq(plan_for("", true, "n9", NULL, &pl, &d), 0);
	ck_assert_str_eq(addr_fmt(&pl.router_id, buf, sizeof(buf)),
	    "198.51.100.9");
	plan_free(&pl);
	config_diags_free(&d);
	ck_assert_int_eq(plan_for("", true, "n9", "203.0.113.1", &pl, &d), 0);
	ck_assert_str_eq(addr_fmt(&pl.router_id, buf, sizeof(buf)),
	    "203.0.113.1");
	plan_free(&pl);
	config_diags_free(&d);
	ck_assert_int_eq(plan_for("", true, "n9", "bad", &pl, &d), -1);
	ck_assert_uint_eq(d.nerrors, 1);
	plan_free(&pl);
	config_diags_free(&d);
	/* An IPv6-only node falls back to the hash, with a notice. */
	ck_assert_int_eq(plan_for("apiVersion: projectcalico.org/v3\n"
	    "kind: Node\nmetadata: {name: node-a}\n"
	    "spec: {bgp: {ipv6Address: 2001:db8::a/64}}\n", false, "node-a",
	    NULL, &pl, &d), 0);
	ck_assert_str_eq(addr_fmt(&pl.router_id, buf, sizeof(buf)),
	    "102.87.15.240");
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_eq(d.v[0].sev, CONFIG_NOTICE);
	plan_free(&pl);
	config_diags_free(&d);
}
END_TEST

START_TEST(test_mesh_lexical_passive)
{
	struct plan pl;
	struct config_diags d;

	/* "198.51.100.10" < "198.51.100.9" as strings: n9 is active to
	 * n10 although 10 > 9 numerically, and passive to n11? no: "11" <
	 * "9" too.  From n10, n9 ("...9" > "...10") is passive. */
	ck_assert_int_eq(plan_for("", true, "n9", NULL, &pl, &d), 0);
	ck_assert_uint_eq(pl.nsessions, 2);
	ck_assert(!session(&pl, "Mesh_198_51_100_10")->passive);
	ck_assert(!session(&pl, "Mesh_198_51_100_11")->passive);
	plan_free(&pl);
	config_diags_free(&d);
	ck_assert_int_eq(plan_for("", true, "n10", NULL, &pl, &d), 0);
	ck_assert(session(&pl, "Mesh_198_51_100_9")->passive);
	ck_assert(session(&pl, "Mesh_198_51_100_11")->passive);
	plan_free(&pl);
	config_diags_free(&d);
}
END_TEST

START_TEST(test_unknown_node)
{
	struct plan pl;
	struct config_diags d;

	ck_assert_int_eq(plan_for("", true, "nope", NULL, &pl, &d), -1);
	ck_assert_uint_eq(d.nerrors, 1);
	ck_assert_str_eq(d.v[0].msg, "node 'nope' is not defined: no Node "
	    "resource has that name (defined: n10, n11, n9)");
	plan_free(&pl);
	config_diags_free(&d);
}
END_TEST

START_TEST(test_first_peer_wins)
{
	struct plan pl;
	struct config_diags d;
	const char *peers =
	    "apiVersion: projectcalico.org/v3\nkind: BGPPeer\n"
	    "metadata: {name: b-second}\n"
	    "spec: {peerIP: 203.0.113.1, asNumber: 65002}\n---\n"
	    "apiVersion: projectcalico.org/v3\nkind: BGPPeer\n"
	    "metadata: {name: a-first}\n"
	    "spec: {peerIP: 203.0.113.1, asNumber: 65001}\n---\n"
	    "apiVersion: projectcalico.org/v3\nkind: BGPPeer\n"
	    "metadata: {name: c-node}\n"
	    "spec: {node: n9, peerIP: 203.0.113.1, asNumber: 65003}\n";

	ck_assert_int_eq(plan_for(peers, true, "n9", NULL, &pl, &d), 0);
	/* Global beats node-specific; by name, a-first beats b-second. */
	ck_assert_uint_eq(session(&pl, "Global_203_0_113_1")->remote_as,
	    65001);
	for (size_t i = 0; i < pl.nsessions; i++)
		ck_assert_str_ne(pl.sessions[i].name, "Node_203_0_113_1");
	ck_assert_uint_eq(d.n, 2);
	plan_free(&pl);
	config_diags_free(&d);
}
END_TEST

static struct plan old_plan, new_plan;
static struct config_diags dd;

static void
two_plans(const char *a, const char *b, const char *node)
{
	struct config_diags d2;

	ck_assert_int_eq(plan_for(a, true, node, NULL, &old_plan, &dd), 0);
	ck_assert_int_eq(plan_for(b, true, node, NULL, &new_plan, &d2), 0);
	config_diags_free(&d2);
}

static void
free_plans(void)
{
	plan_free(&old_plan);
	plan_free(&new_plan);
	config_diags_free(&dd);
}

static const struct plan_change *
change_for(const struct plan_diff *df, const char *ip)
{
	struct ip_addr a;

	addr_parse(ip, &a);
	for (size_t i = 0; i < df->n; i++) {
		const struct plan_session *s = df->changes[i].new ?
		    df->changes[i].new : df->changes[i].old;

		if (addr_eq(&s->peer_ip, &a))
			return &df->changes[i];
	}
	ck_abort_msg("no change for %s", ip);
	return NULL;
}

START_TEST(test_diff_identical)
{
	struct plan_diff df;

	two_plans("", "", "n9");
	plan_diff(&old_plan, &new_plan, &df);
	ck_assert_uint_eq(df.n, 2);
	ck_assert_uint_eq(df.nkeep, 2);
	ck_assert(!df.listen_changed && !df.originate_changed &&
	    !df.policy_changed);
	plan_diff_free(&df);
	free_plans();
}
END_TEST

START_TEST(test_diff_mesh_to_explicit_is_update)
{
	/* Seed 001's migration seen from one node: the same peer moves
	 * from the mesh to a BGPPeer; the session must stay up. */
	const char *b =
	    "apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\n"
	    "metadata: {name: default}\nspec: {nodeToNodeMeshEnabled: false}\n"
	    "---\napiVersion: projectcalico.org/v3\nkind: BGPPeer\n"
	    "metadata: {name: all}\nspec: {nodeSelector: all(), "
	    "peerSelector: all()}\n";
	struct plan_diff df;
	char names[200];

	two_plans("", b, "n9");
	plan_diff(&old_plan, &new_plan, &df);
	const struct plan_change *c = change_for(&df, "198.51.100.10");

	ck_assert_int_eq(c->action, PLAN_UPDATE);
	ck_assert_str_eq(plan_changed_names(c->changed, names, sizeof(names)),
	    "name,origin");
	ck_assert_uint_eq(df.nupdate, 2);
	ck_assert_uint_eq(df.nrestart + df.nadd + df.nremove, 0);
	plan_diff_free(&df);
	free_plans();
}
END_TEST

START_TEST(test_diff_restart_add_remove)
{
	const char *a =
	    "apiVersion: projectcalico.org/v3\nkind: BGPPeer\n"
	    "metadata: {name: tor}\n"
	    "spec: {peerIP: 203.0.113.1, asNumber: 65001}\n---\n"
	    "apiVersion: projectcalico.org/v3\nkind: BGPPeer\n"
	    "metadata: {name: gone}\n"
	    "spec: {peerIP: 203.0.113.2, asNumber: 65001}\n";
	const char *b =
	    "apiVersion: projectcalico.org/v3\nkind: BGPPeer\n"
	    "metadata: {name: tor}\n"
	    "spec: {peerIP: 203.0.113.1, asNumber: 65009, "
	    "nextHopMode: Self}\n---\n"
	    "apiVersion: projectcalico.org/v3\nkind: BGPPeer\n"
	    "metadata: {name: new}\n"
	    "spec: {peerIP: 203.0.113.3, asNumber: 65001}\n";
	struct plan_diff df;
	char names[200];

	two_plans(a, b, "n9");
	plan_diff(&old_plan, &new_plan, &df);
	ck_assert_int_eq(change_for(&df, "203.0.113.1")->action, PLAN_RESTART);
	ck_assert_str_eq(plan_changed_names(change_for(&df, "203.0.113.1")
	    ->changed, names, sizeof(names)), "remote-as,next-hop");
	ck_assert_int_eq(change_for(&df, "203.0.113.2")->action, PLAN_REMOVE);
	ck_assert_int_eq(change_for(&df, "203.0.113.3")->action, PLAN_ADD);
	ck_assert_int_eq(change_for(&df, "198.51.100.10")->action, PLAN_KEEP);
	ck_assert_uint_eq(df.nkeep, 2);
	plan_diff_free(&df);
	free_plans();
}
END_TEST

START_TEST(test_diff_policy_only)
{
	const char *a =
	    "apiVersion: projectcalico.org/v3\nkind: IPPool\n"
	    "metadata: {name: p}\nspec: {cidr: 100.64.0.0/16}\n";
	const char *b =
	    "apiVersion: projectcalico.org/v3\nkind: IPPool\n"
	    "metadata: {name: p}\n"
	    "spec: {cidr: 100.64.0.0/16, disableBGPExport: true}\n---\n"
	    "apiVersion: crd.projectcalico.org/v1\nkind: IPAMBlock\n"
	    "metadata: {name: b}\n"
	    "spec: {cidr: 100.64.0.0/26, affinity: 'host:n9'}\n---\n"
	    "apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\n"
	    "metadata: {name: node.n9}\nspec: {listenPort: 1179}\n";
	struct plan_diff df;

	two_plans(a, b, "n9");
	plan_diff(&old_plan, &new_plan, &df);
	ck_assert_uint_eq(df.nkeep, 2);
	ck_assert(df.policy_changed);
	ck_assert(df.originate_changed);
	ck_assert(df.listen_changed);
	plan_diff_free(&df);
	free_plans();
}
END_TEST

START_TEST(test_diff_router_id_restarts_all)
{
	const char *b =
	    "apiVersion: projectcalico.org/v3\nkind: Node\n"
	    "metadata: {name: extra}\n"
	    "spec: {bgp: {ipv4Address: 198.51.100.12/24}}\n";
	struct plan_diff df;
	struct config_diags d2;

	ck_assert_int_eq(plan_for("", true, "n9", NULL, &old_plan, &dd), 0);
	ck_assert_int_eq(plan_for(b, true, "n9", "hash", &new_plan, &d2), 0);
	config_diags_free(&d2);
	plan_diff(&old_plan, &new_plan, &df);
	ck_assert_uint_eq(df.nrestart, 2);
	ck_assert_uint_eq(df.nadd, 1);
	ck_assert(change_for(&df, "198.51.100.10")->changed &
	    PLAN_F_ROUTER_ID);
	plan_diff_free(&df);
	free_plans();
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("plan");
	TCase *tc = tcase_create("plan");

	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_hash_router_id);
	tcase_add_test(tc, test_router_id_sources);
	tcase_add_test(tc, test_mesh_lexical_passive);
	tcase_add_test(tc, test_unknown_node);
	tcase_add_test(tc, test_first_peer_wins);
	tcase_add_test(tc, test_diff_identical);
	tcase_add_test(tc, test_diff_mesh_to_explicit_is_update);
	tcase_add_test(tc, test_diff_restart_add_remove);
	tcase_add_test(tc, test_diff_policy_only);
	tcase_add_test(tc, test_diff_router_id_restarts_all);
	tcase_add_test(tc, test_local_workloads);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
