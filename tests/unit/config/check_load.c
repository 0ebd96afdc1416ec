/* Unit tests for config loading: values of every kind, and diagnostics. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/config.h"
#include "config/selector.h"
#include "tests/unit/util/testutil.h"

static struct config cfg;

static int
load_text(const char *name, const char *yaml)
{
	char *p = tu_write_file(name, yaml);
	int rc = config_load(p, &cfg);

	free(p);
	return rc;
}

/* The diagnostic whose message contains `sub`, or NULL. */
static const struct config_diag *
diag(const char *sub)
{
	for (size_t i = 0; i < cfg.diags.n; i++) {
		if (strstr(cfg.diags.v[i].msg, sub) != NULL)
			return &cfg.diags.v[i];
	}
	return NULL;
}

static void
expect(enum config_sev sev, unsigned line, unsigned col, const char *sub)
{
	const struct config_diag *d = diag(sub);

	ck_assert_msg(d != NULL, "no diagnostic containing '%s' "
	    "(%zu diags%s%s)", sub, cfg.diags.n, cfg.diags.n ? ", first: " : "",
	    cfg.diags.n ? cfg.diags.v[0].msg : "");
	ck_assert_int_eq(d->sev, sev);
	ck_assert_uint_eq(d->loc.line, line);
	ck_assert_uint_eq(d->loc.col, col);
}

static void
teardown(void)
{
	config_free(&cfg);
}

static const char *
label_get(const void *ctx, const char *key)
{
	return config_label_get(ctx, key);
}

START_TEST(test_peer_fields)
{
	const struct config_peer *p;
	char buf[ADDR_STRLEN];

	ck_assert_int_eq(load_text("p.yaml",
	    "apiVersion: projectcalico.org/v3\n"
	    "kind: BGPPeer\n"
	    "metadata: {name: tor}\n"
	    "spec:\n"
	    "  nodeSelector: rack == 'r1'\n"
	    "  peerIP: '[2001:db8::1]:1179'\n"
	    "  asNumber: '1.10'\n"
	    "  localASNumber: 65001\n"
	    "  nextHopMode: Self\n"
	    "  password: {secretKeyRef: {name: bgp, key: tor}}\n"
	    "  sourceAddress: None\n"
	    "  maxRestartTime: 2m\n"
	    "  keepaliveTime: 10s\n"
	    "  numAllowedLocalASNumbers: 2\n"
	    "  ttlSecurity: 1\n"
	    "  reachableBy: 2001:db8::fe\n"
	    "  filters: [f1, f2]\n"
	    "  reversePeering: Manual\n"), 0);
	ck_assert_uint_eq(cfg.npeers, 1);
	p = &cfg.peers[0];
	ck_assert_str_eq(p->name, "tor");
	ck_assert_uint_eq(p->loc.line, 3);
	ck_assert_str_eq(p->node_sel_text, "rack == 'r1'");
	ck_assert_str_eq(addr_fmt(&p->peer_ip, buf, sizeof(buf)),
	    "2001:db8::1");
	ck_assert_uint_eq(p->peer_port, 1179);
	ck_assert_uint_eq(p->asn, 65546);
	ck_assert_uint_eq(p->local_asn, 65001);
	ck_assert_int_eq(p->nh_mode, CONFIG_NH_SELF);
	ck_assert_str_eq(p->password.name, "bgp");
	ck_assert_str_eq(p->password.key, "tor");
	ck_assert(p->source_none);
	ck_assert(p->has_restart);
	ck_assert_uint_eq(p->restart_s, 120);
	ck_assert_uint_eq(p->keepalive_s, 10);
	ck_assert_uint_eq(p->allow_local_as, 2);
	ck_assert_uint_eq(p->ttl_security, 1);
	ck_assert_str_eq(addr_fmt(&p->reachable_by, buf, sizeof(buf)),
	    "2001:db8::fe");
	ck_assert_uint_eq(p->nfilters, 2);
	ck_assert_str_eq(p->filters[1], "f2");
	ck_assert(p->reverse_manual);
	/* The undefined filters are warnings, not errors. */
	expect(CONFIG_WARNING, 17, 13, "BGPFilter 'f1', which is not defined");
}
END_TEST

START_TEST(test_v1_peers)
{
	ck_assert_int_eq(load_text("v1.yaml",
	    "apiVersion: v1\n"
	    "kind: bgpPeer\n"
	    "metadata:\n"
	    "  peerIP: 192.20.30.40\n"
	    "  scope: global\n"
	    "spec:\n"
	    "  asNumber: 64567\n"
	    "---\n"
	    "apiVersion: v1\n"
	    "kind: bgppeer\n"
	    "metadata: {scope: node, node: Node1, peerIP: 'aa:bb::ff'}\n"
	    "spec: {asNumber: 64514}\n"), 0);
	ck_assert_uint_eq(cfg.npeers, 2);
	/* Sorted by name; names follow calicoctl's v1 -> v3 converter. */
	ck_assert_str_eq(cfg.peers[0].name, "192-20-30-40");
	ck_assert_ptr_null(cfg.peers[0].node);
	ck_assert_uint_eq(cfg.peers[0].asn, 64567);
	ck_assert_str_eq(cfg.peers[1].name,
	    "node1.00aa-00bb-0000-0000-0000-0000-0000-00ff");
	ck_assert_str_eq(cfg.peers[1].node, "node1");
	ck_assert(cfg.peers[1].v1);
}
END_TEST

START_TEST(test_node_fields)
{
	const struct config_node *n;
	char buf[ADDR_PFX_STRLEN];

	ck_assert_int_eq(load_text("n.yaml",
	    "apiVersion: projectcalico.org/v3\n"
	    "kind: Node\n"
	    "metadata:\n"
	    "  name: n1\n"
	    "  labels: {rack: r1, route-reflector: 'true', empty: }\n"
	    "spec:\n"
	    "  bgp:\n"
	    "    ipv4Address: 198.51.100.5/24\n"
	    "    ipv6Address: 2001:db8:100::5\n"
	    "    asNumber: 4200000001\n"
	    "    routeReflectorClusterID: 244.0.0.1\n"
	    "  orchRefs: [{nodeName: n1, orchestrator: k8s}]\n"), 0);
	n = config_node_find(&cfg, "n1");
	ck_assert_ptr_nonnull(n);
	ck_assert_str_eq(addr_pfx_fmt(&n->v4, buf, sizeof(buf)),
	    "198.51.100.5/24");
	ck_assert_str_eq(addr_pfx_fmt(&n->v6, buf, sizeof(buf)),
	    "2001:db8:100::5/128");
	ck_assert_uint_eq(n->asn, 4200000001u);
	ck_assert_uint_eq(addr_v4(&n->rr_cluster_id), 0xf4000001);
	ck_assert_str_eq(config_label_get(&n->labels, "rack"), "r1");
	ck_assert_str_eq(config_label_get(&n->labels, "empty"), "");
	ck_assert_ptr_null(config_label_get(&n->labels, "nope"));
	/* Labels feed selectors. */
	{
		struct selector *s;
		struct selector_error e;

		ck_assert_int_eq(selector_parse("route-reflector == 'true' "
		    "&& has(empty)", &s, &e), 0);
		ck_assert(selector_match(s, label_get, &n->labels));
		selector_free(s);
	}
}
END_TEST

START_TEST(test_unknown_field_suggestion)
{
	ck_assert_int_eq(load_text("u.yaml",
	    "apiVersion: projectcalico.org/v3\n"
	    "kind: BGPPeer\n"
	    "metadata: {name: x}\n"
	    "spec:\n"
	    "  peerIP: 198.51.100.1\n"
	    "  asNumber: 65000\n"
	    "  nodeselector: all()\n"
	    "  totallyUnknown: 1\n"), 0);
	expect(CONFIG_WARNING, 7, 3, "unknown field 'spec.nodeselector' in "
	    "BGPPeer (did you mean 'nodeSelector'?); ignored");
	expect(CONFIG_WARNING, 8, 3, "unknown field 'spec.totallyUnknown' in "
	    "BGPPeer; ignored");
	ck_assert_uint_eq(cfg.diags.nwarnings, 2);
}
END_TEST

START_TEST(test_selector_error_column)
{
	ck_assert_int_eq(load_text("s.yaml",
	    "apiVersion: projectcalico.org/v3\n"
	    "kind: BGPPeer\n"
	    "metadata: {name: x}\n"
	    "spec:\n"
	    "  peerSelector: \"has(a) && b = 'x'\"\n"), -1);
	/* The bad '=' is at offset 12 of the selector, after the quote. */
	expect(CONFIG_ERROR, 5, 30, "spec.peerSelector: invalid selector");
}
END_TEST

START_TEST(test_bgpconf_communities)
{
	const struct config_bgpconf *c;

	ck_assert_int_eq(load_text("b.yaml",
	    "apiVersion: projectcalico.org/v3\n"
	    "kind: BGPConfiguration\n"
	    "metadata: {name: default}\n"
	    "spec:\n"
	    "  communities:\n"
	    "  - {name: gold, value: '65000:100'}\n"
	    "  prefixAdvertisements:\n"
	    "  - cidr: 100.64.0.0/16\n"
	    "    communities: [gold, '65000:1:2']\n"
	    "  listenPort: 1179\n"
	    "  nodeToNodeMeshEnabled: false\n"
	    "  serviceClusterIPs: [{cidr: 10.96.0.0/12}]\n"), 0);
	c = config_bgpconf_find(&cfg, "default");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->mesh_enabled, 0);
	ck_assert_uint_eq(c->listen_port, 1179);
	ck_assert_uint_eq(c->nprefix_advs, 1);
	ck_assert_uint_eq(c->prefix_advs[0].ncomms, 2);
	ck_assert(!c->prefix_advs[0].comms[0].large);
	ck_assert_uint_eq(c->prefix_advs[0].comms[0].b, 100);
	ck_assert(c->prefix_advs[0].comms[1].large);
	ck_assert_uint_eq(c->nsvc_cluster_ips, 1);
}
END_TEST

START_TEST(test_list_and_skip)
{
	ck_assert_int_eq(load_text("l.yaml",
	    "apiVersion: projectcalico.org/v3\n"
	    "kind: BGPPeerList\n"
	    "metadata: {resourceVersion: '1'}\n"
	    "items:\n"
	    "- apiVersion: projectcalico.org/v3\n"
	    "  kind: BGPPeer\n"
	    "  metadata: {name: a}\n"
	    "  spec: {peerIP: 198.51.100.1, asNumber: 65000}\n"
	    "- apiVersion: projectcalico.org/v3\n"
	    "  kind: FelixConfiguration\n"
	    "  metadata: {name: default}\n"
	    "---\n"
	    "apiVersion: apps/v1\n"
	    "kind: Deployment\n"
	    "metadata: {name: x}\n"), 0);
	ck_assert_uint_eq(cfg.npeers, 1);
	expect(CONFIG_NOTICE, 9, 3, "skipping FelixConfiguration");
	expect(CONFIG_NOTICE, 13, 1, "skipping Deployment");
}
END_TEST

START_TEST(test_directory)
{
	const char *dir = tu_tmpdir();
	char *sub = NULL;

	ck_assert_int_ne(asprintf(&sub, "%s/conf.d", dir), -1);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	free(tu_write_file("conf.d/20-b.yml",
	    "apiVersion: projectcalico.org/v3\nkind: Node\n"
	    "metadata: {name: b}\n"));
	free(tu_write_file("conf.d/10-a.yaml",
	    "apiVersion: projectcalico.org/v3\nkind: Node\n"
	    "metadata: {name: a}\n---\n"
	    "apiVersion: projectcalico.org/v3\nkind: Node\n"
	    "metadata: {name: b}\n"));
	free(tu_write_file("conf.d/notes.txt", "not yaml at all: [\n"));
	free(tu_write_file("conf.d/.hidden.yaml", "garbage: [\n"));
	ck_assert_int_eq(config_load(sub, &cfg), -1);
	ck_assert_uint_eq(cfg.nfiles, 2);
	ck_assert_uint_eq(cfg.nnodes, 3);
	/* 10-a.yaml is read first, so 20-b.yml's Node b is the duplicate. */
	const struct config_diag *d = diag("duplicate Node 'b'");

	ck_assert_ptr_nonnull(d);
	ck_assert_msg(strstr(d->loc.file, "20-b.yml") != NULL, "%s",
	    d->loc.file);
	ck_assert_msg(strstr(d->msg, "10-a.yaml:7:18") != NULL, "%s", d->msg);
	free(sub);
}
END_TEST

START_TEST(test_api_version)
{
	ck_assert_int_eq(load_text("a.yaml",
	    "apiVersion: projectcalico.org/v2\n"
	    "kind: BGPPeer\n"
	    "metadata: {name: x}\n"
	    "---\n"
	    "kind: Node\n"
	    "metadata: {name: y}\n"
	    "---\n"
	    "apiVersion: crd.projectcalico.org/v1\n"
	    "kind: IPPool\n"
	    "metadata: {name: p}\n"
	    "spec: {cidr: 100.64.0.0/16}\n"), -1);
	expect(CONFIG_ERROR, 1, 13, "apiVersion 'projectcalico.org/v2' is "
	    "not supported for BGPPeer");
	expect(CONFIG_ERROR, 5, 1, "Node has no apiVersion");
	ck_assert_uint_eq(cfg.npools, 1);
	ck_assert_uint_eq(cfg.pools[0].block_size, 26);
}
END_TEST

START_TEST(test_missing_file)
{
	ck_assert_int_eq(config_load("/nonexistent/bgpd", &cfg), -1);
	ck_assert_ptr_nonnull(diag("cannot read config"));
}
END_TEST

START_TEST(test_filter_rules)
{
	const struct config_filter *f;

	ck_assert_int_eq(load_text("f.yaml",
	    "apiVersion: projectcalico.org/v3\n"
	    "kind: BGPFilter\n"
	    "metadata: {name: f}\n"
	    "spec:\n"
	    "  exportV4:\n"
	    "  - {action: Reject, cidr: 100.64.0.0/16, matchOperator: In,\n"
	    "     prefixLength: {min: 24, max: 32}}\n"
	    "  - action: Accept\n"
	    "    interface: 'eth*'\n"
	    "    operations: [{addCommunity: {value: '65000:7'}},\n"
	    "                 {prependASPath: {prefix: [65000, 65001]}}]\n"
	    "  importV6:\n"
	    "  - {action: Accept, source: RemotePeers, peerType: iBGP}\n"),
	    0);
	f = config_filter_find(&cfg, "f");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->nrules[CONFIG_EXPORT_V4], 2);
	ck_assert(!f->rules[CONFIG_EXPORT_V4][0].accept);
	ck_assert_int_eq(f->rules[CONFIG_EXPORT_V4][0].op, CONFIG_MATCH_IN);
	ck_assert_uint_eq(f->rules[CONFIG_EXPORT_V4][0].plen_min, 24);
	ck_assert_str_eq(f->rules[CONFIG_EXPORT_V4][1].iface, "eth*");
	ck_assert_uint_eq(f->rules[CONFIG_EXPORT_V4][1].nops, 2);
	ck_assert_uint_eq(f->rules[CONFIG_EXPORT_V4][1].ops[1].asns[1], 65001);
	ck_assert_uint_eq(f->nrules[CONFIG_IMPORT_V6], 1);
	ck_assert(f->rules[CONFIG_IMPORT_V6][0].source_remote_peers);
	ck_assert_int_eq(f->rules[CONFIG_IMPORT_V6][0].peer_type,
	    CONFIG_PEERTYPE_IBGP);
}
END_TEST

/* Calico ignores service entries without a cidr (mesh/static-routes of
 * its golden tests); a per-node BGPConfiguration's communities name its
 * prefixAdvertisements' values and are not "ignored". */
START_TEST(test_bgpconf_quirks)
{
	const struct config_bgpconf *c;

	ck_assert_int_eq(load_text("q.yaml",
	    "apiVersion: projectcalico.org/v3\n"
	    "kind: BGPConfiguration\n"
	    "metadata: {name: default}\n"
	    "spec:\n"
	    "  serviceClusterIPs: [{cidr: 10.96.0.0/12}, {}, {cidr: ''}]\n"
	    "  serviceLoadBalancerIPs: [{}, {cidr: 203.0.113.0/24}]\n"
	    "---\n"
	    "apiVersion: projectcalico.org/v3\n"
	    "kind: BGPConfiguration\n"
	    "metadata: {name: node.n1}\n"
	    "spec:\n"
	    "  communities: [{name: gold, value: '65000:7'}]\n"
	    "  prefixAdvertisements:\n"
	    "  - {cidr: 100.64.0.0/16, communities: [gold]}\n"), 0);
	ck_assert_uint_eq(cfg.diags.n, 0);
	c = config_bgpconf_find(&cfg, "default");
	ck_assert_uint_eq(c->nsvc_cluster_ips, 1);
	ck_assert_uint_eq(c->nsvc_lb_ips, 1);
	c = config_bgpconf_find(&cfg, "node.n1");
	ck_assert_uint_eq(c->nprefix_advs, 1);
	ck_assert_uint_eq(c->prefix_advs[0].comms[0].b, 7);
}
END_TEST

/* Label values as calicoctl stores them: YAML 1.1 plain scalars are
 * typed, then written back as strings (sigs.k8s.io/yaml). */
static const struct {
	const char *yaml, *stored;
} yaml11_labels[] = {
	{ "yes", "true" }, { "Yes", "true" }, { "YES", "true" },
	{ "y", "true" }, { "on", "true" }, { "True", "true" },
	{ "no", "false" }, { "N", "false" }, { "off", "false" },
	{ "FALSE", "false" },
	{ "'yes'", "yes" }, { "\"on\"", "on" },
	{ "010", "8" }, { "0x1F", "31" }, { "1_000", "1000" },
	{ "-5", "-5" }, { "+7", "7" }, { "0b101", "5" },
	{ "1.10", "1.1" }, { "3.0", "3" }, { ".5", "0.5" },
	{ "1e3", "1000" },
	{ "'007'", "007" }, { "v1.2", "v1.2" }, { "yess", "yess" },
	{ "r1", "r1" }, { "1.2.3", "1.2.3" }, { "0x", "0x" },
};

START_TEST(test_label_yaml11)
{
	char yaml[300];
	const struct config_node *n;

	snprintf(yaml, sizeof(yaml),
	    "apiVersion: projectcalico.org/v3\n"
	    "kind: Node\n"
	    "metadata:\n"
	    "  name: n1\n"
	    "  labels:\n"
	    "    v: %s\n"
	    "spec:\n"
	    "  bgp: {ipv4Address: 198.51.100.5/24}\n",
	    yaml11_labels[_i].yaml);
	ck_assert_int_eq(load_text("l.yaml", yaml), 0);
	ck_assert_uint_eq(cfg.diags.n, 0);
	n = config_node_find(&cfg, "n1");
	ck_assert_ptr_nonnull(n);
	ck_assert_str_eq(config_label_get(&n->labels, "v"),
	    yaml11_labels[_i].stored);
}
END_TEST

/* Every field of the current Node API is known, quietly. */
START_TEST(test_node_all_fields)
{
	ck_assert_int_eq(load_text("nall.yaml",
	    "apiVersion: projectcalico.org/v3\n"
	    "kind: Node\n"
	    "metadata: {name: n1, uid: x, resourceVersion: '5',\n"
	    "  creationTimestamp: '2026-01-01T00:00:00Z'}\n"
	    "spec:\n"
	    "  bgp: {ipv4Address: 198.51.100.5/24, ipv4IPIPTunnelAddr: "
	    "100.64.0.1}\n"
	    "  ipv4VXLANTunnelAddr: 100.64.0.2\n"
	    "  vxlanTunnelMACAddr: '66:cf:23:df:22:07'\n"
	    "  ipv6VXLANTunnelAddr: 2001:db8:1000::1\n"
	    "  vxlanTunnelMACAddrV6: '66:cf:23:df:22:08'\n"
	    "  orchRefs: [{nodeName: n1, orchestrator: k8s}]\n"
	    "  wireguard: {interfaceIPv4Address: 100.64.0.3}\n"
	    "  addresses: [{address: 198.51.100.5, type: InternalIP}]\n"
	    "  interfaces: [{name: eth0, addresses: [198.51.100.5]}]\n"
	    "status: {podCIDRs: [100.64.0.0/24], wireguardPublicKey: k}\n"),
	    0);
	ck_assert_uint_eq(cfg.diags.n, 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("load");
	TCase *tc = tcase_create("load");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_peer_fields);
	tcase_add_test(tc, test_v1_peers);
	tcase_add_test(tc, test_node_fields);
	tcase_add_test(tc, test_unknown_field_suggestion);
	tcase_add_test(tc, test_selector_error_column);
	tcase_add_test(tc, test_bgpconf_communities);
	tcase_add_test(tc, test_list_and_skip);
	tcase_add_test(tc, test_directory);
	tcase_add_test(tc, test_api_version);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_filter_rules);
	tcase_add_loop_test(tc, test_label_yaml11, 0,
	    sizeof(yaml11_labels) / sizeof(yaml11_labels[0]));
	tcase_add_test(tc, test_node_all_fields);
	tcase_add_test(tc, test_bgpconf_quirks);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
