/*
 * Unit tests for calico/kernpol: what Calico's BIRD programs into the
 * kernel for a learned route (CALICO.md 5.3: per pool IPIP Always,
 * CrossSubnet, no encapsulation, VXLAN and programClusterRoutes;
 * service ranges; routes outside the pools; ECMP; the metric of 5.6),
 * its reachableBy routes, the interfaces it learns addresses of, and
 * which of the node's own routes it originates (5.1 steps 1, 5, 8).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/attrset.h"
#include "calico/kernpol.h"
#include "config/plan.h"
#include "fib/fib.h"
#include "lib/xalloc.h"
#include "tests/unit/util/testutil.h"
#include "plantext.h"

static const char *const cluster =
    "apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\n"
    "metadata: {name: default}\n"
    "spec:\n"
    "  %s\n"
    "  serviceClusterIPs: [{cidr: 100.70.0.0/24}]\n"
    "  ignoredInterfaces: ['ens*']\n"
    "---\n"
    "apiVersion: projectcalico.org/v3\nkind: Node\n"
    "metadata: {name: n1}\n"
    "spec: {bgp: {ipv4Address: 198.51.100.1/24}}\n"
    "---\n"
    "apiVersion: projectcalico.org/v3\nkind: IPPool\n"
    "metadata: {name: always}\n"
    "spec: {cidr: 100.64.0.0/16, ipipMode: Always}\n"
    "---\n"
    "apiVersion: projectcalico.org/v3\nkind: IPPool\n"
    "metadata: {name: cross}\n"
    "spec: {cidr: 100.65.0.0/16, ipipMode: CrossSubnet}\n"
    "---\n"
    "apiVersion: projectcalico.org/v3\nkind: IPPool\n"
    "metadata: {name: plain}\n"
    "spec: {cidr: 100.66.0.0/16}\n"
    "---\n"
    "apiVersion: projectcalico.org/v3\nkind: IPPool\n"
    "metadata: {name: vxlan}\n"
    "spec: {cidr: 100.67.0.0/16, vxlanMode: Always}\n"
    "---\n"
    "apiVersion: projectcalico.org/v3\nkind: IPPool\n"
    "metadata: {name: private}\n"
    "spec: {cidr: 100.68.0.0/16, disableBGPExport: true}\n"
    "---\n"
    "apiVersion: crd.projectcalico.org/v1\nkind: IPAMBlock\n"
    "metadata: {name: b1}\n"
    "spec: {cidr: 100.66.1.0/26, affinity: 'host:n1'}\n"
    "---\n"
    "apiVersion: projectcalico.org/v3\nkind: BGPPeer\n"
    "metadata: {name: tor}\n"
    "spec: {peerIP: 203.0.113.1, asNumber: 65001,\n"
    "  reachableBy: 198.51.100.254}\n";

static struct plan pl;
static struct rib rib;
static struct rib_peer peers[3];
static int owner;	/* any non-NULL: a BGP session's paths */

static void
setup_with(const char *extra)
{
	char *text = xasprintf(cluster, extra);

	plantext(text, "n1", &pl);
	free(text);
	rib_init(&rib);
	for (int i = 0; i < 3; i++) {
		rib_peer_init(&peers[i]);
		addr_from_v4(&peers[i].addr, 0xc6336402 + (uint32_t)i);
		peers[i].router_id = 0x0a000001 + (uint32_t)i;
		peers[i].owner = &owner;
	}
	peers[2].ebgp = true;
	peers[2].remote_as = 65001;
}

static void
setup(void)
{
	setup_with("logSeverityScreen: Info");
}

static void
teardown(void)
{
	for (int i = 0; i < 3; i++)
		while (rib_peer_flush(&rib, &peers[i], 0) > 0)
			;
	rib_free(&rib);
	plan_free(&pl);
}

/* peer i's path to pfx via next hop nh, with LOCAL_PREF lp (0: none). */
static void
learn(int i, const char *pfx, const char *nh, uint32_t lp)
{
	struct bgp_attrs a;
	struct ip_prefix p;
	struct ip_addr n;

	memset(&a, 0, sizeof(a));
	a.present = ATTR_P_ORIGIN | ATTR_P_AS_PATH | ATTR_P_NEXT_HOP;
	if (lp != 0) {
		a.present |= ATTR_P_LOCAL_PREF;
		a.local_pref = lp;
	}
	ck_assert_int_eq(addr_pfx_parse(pfx, &p, false), 0);
	ck_assert_int_eq(addr_parse(nh, &n), 0);
	rib_update(&rib, &peers[i], &p, 0, attrset_intern(&a, &n, NULL));
}

static bool
kroute(const char *pfx, struct fib_route *r)
{
	struct ip_prefix p;

	ck_assert_int_eq(addr_pfx_parse(pfx, &p, false), 0);
	ck_assert_ptr_nonnull(rib_lookup(&rib, &p));
	return kernpol_learned(&pl, rib_lookup(&rib, &p), r);
}

static void
expect_nh(const struct fib_route *r, size_t i, const char *gw,
    const char *dev, bool onlink)
{
	char b[ADDR_STRLEN];

	ck_assert_uint_gt(r->nnh, i);
	ck_assert_str_eq(addr_fmt(&r->nh[i].gw, b, sizeof(b)), gw);
	ck_assert_str_eq(r->nh[i].dev, dev);
	ck_assert(r->nh[i].onlink == onlink);
}

/* CALICO.md 5.3 with programClusterRoutes unset (bgpd programs IPIP,
 * README), and the metric of 5.6. */
START_TEST(test_learned)
{
	struct fib_route r;

	learn(0, "100.64.2.0/26", "198.51.100.2", 2147482623u);
	ck_assert(kroute("100.64.2.0/26", &r));
	expect_nh(&r, 0, "198.51.100.2", "tunl0", true);
	ck_assert_uint_eq(r.metric, 1024);
	/* CrossSubnet: tunl0 only off the node's subnet. */
	learn(0, "100.65.2.0/26", "198.51.100.2", 2147482623u);
	ck_assert(kroute("100.65.2.0/26", &r));
	expect_nh(&r, 0, "198.51.100.2", "", false);
	learn(1, "100.65.3.0/26", "192.0.2.3", 2147482623u);
	ck_assert(kroute("100.65.3.0/26", &r));
	expect_nh(&r, 0, "192.0.2.3", "tunl0", true);
	/* No encapsulation; VXLAN is Felix's. */
	learn(0, "100.66.2.0/26", "198.51.100.2", 2147482623u);
	ck_assert(kroute("100.66.2.0/26", &r));
	expect_nh(&r, 0, "198.51.100.2", "", false);
	learn(0, "100.67.2.0/26", "198.51.100.2", 2147482623u);
	ck_assert(!kroute("100.67.2.0/26", &r));
	/* A service range is never programmed; a default route is. */
	learn(2, "100.70.0.0/24", "198.51.100.4", 0);
	ck_assert(!kroute("100.70.0.0/24", &r));
	learn(2, "0.0.0.0/0", "198.51.100.4", 0);
	ck_assert(kroute("0.0.0.0/0", &r));
	/* eBGP, no LOCAL_PREF: BIRD's 100, metric 2^31 - 1 - 100. */
	ck_assert_uint_eq(r.metric, 2147483547u);
	/* An elevated priority (512). */
	learn(1, "100.66.3.7/32", "198.51.100.3", 2147483135u);
	ck_assert(kroute("100.66.3.7/32", &r));
	ck_assert_uint_eq(r.metric, 512);
	/* ECMP: both next hops in one route; our own address left out. */
	learn(0, "100.66.9.0/24", "198.51.100.2", 2147482623u);
	learn(1, "100.66.9.0/24", "198.51.100.3", 2147482623u);
	ck_assert(kroute("100.66.9.0/24", &r));
	ck_assert_uint_eq(r.nnh, 2);
	learn(0, "100.66.8.0/24", "198.51.100.1", 2147482623u);
	ck_assert(!kroute("100.66.8.0/24", &r));
}
END_TEST

/* programClusterRoutes EnabledNoEncapOnly (confd's HEAD default): the
 * IPIP pools are Felix's, the plain one still bgpd's. */
START_TEST(test_felix_ipip)
{
	struct fib_route r;

	teardown();
	setup_with("programClusterRoutes: EnabledNoEncapOnly");
	learn(0, "100.64.2.0/26", "198.51.100.2", 2147482623u);
	learn(0, "100.65.2.0/26", "198.51.100.2", 2147482623u);
	learn(0, "100.66.2.0/26", "198.51.100.2", 2147482623u);
	ck_assert(!kroute("100.64.2.0/26", &r));
	ck_assert(!kroute("100.65.2.0/26", &r));
	ck_assert(kroute("100.66.2.0/26", &r));
	teardown();
	setup_with("programClusterRoutes: Disabled");
	learn(0, "100.66.2.0/26", "198.51.100.2", 2147482623u);
	ck_assert(!kroute("100.66.2.0/26", &r));
}
END_TEST

START_TEST(test_reachable_and_ifaces)
{
	struct fib_route r;
	char b[ADDR_PFX_STRLEN];
	size_t n = 0;

	for (size_t i = 0; i < pl.nsessions; i++) {
		if (!kernpol_reachable(&pl.sessions[i], &r))
			continue;
		n++;
		ck_assert_str_eq(addr_pfx_fmt(&r.pfx, b, sizeof(b)),
		    "203.0.113.1/32");
		expect_nh(&r, 0, "198.51.100.254", "", false);
	}
	ck_assert_uint_eq(n, 1);
	ck_assert(kernpol_ignored_dev(&pl, "cali1234"));
	ck_assert(kernpol_ignored_dev(&pl, "kube-ipvs0"));
	ck_assert(kernpol_ignored_dev(&pl, "ens3"));
	ck_assert(!kernpol_ignored_dev(&pl, "eth0"));
	ck_assert(!kernpol_ignored_dev(&pl, "tunl0"));
}
END_TEST

/* The node's own routes: which are originated, with which LOCAL_PREF. */
static const struct {
	const char *pfx;
	uint32_t metric;
	bool	want;
	uint32_t lp;
} origins[] = {
	{ "100.66.2.5/32", 0, true, 2147482623u },	/* borrowed */
	{ "100.66.2.6/32", 1024, true, 2147482623u },
	{ "100.66.2.7/32", 512, true, 2147483135u },	/* migrated VM */
	{ "100.66.1.10/32", 0, false, 0 },	/* in the block */
	{ "100.66.1.11/32", 1024, false, 0 },
	{ "100.66.1.12/32", 512, true, 2147483135u },	/* escapes */
	{ "100.66.1.0/26", 0, false, 0 },	/* the block: static */
	{ "100.68.1.0/24", 0, false, 0 },	/* disableBGPExport */
	{ "192.0.2.0/24", 0, false, 0 },	/* outside the pools */
};

START_TEST(test_originate)
{
	struct ip_prefix p;
	uint32_t lp = 0;

	ck_assert_int_eq(addr_pfx_parse(origins[_i].pfx, &p, false), 0);
	ck_assert_msg(kernpol_originate(&pl, &p, origins[_i].metric, &lp) ==
	    origins[_i].want, "%s metric %u", origins[_i].pfx,
	    origins[_i].metric);
	if (origins[_i].want)
		ck_assert_uint_eq(lp, origins[_i].lp);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("kernpol");
	TCase *tc = tcase_create("kernpol");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_learned);
	tcase_add_test(tc, test_felix_ipip);
	tcase_add_test(tc, test_reachable_and_ifaces);
	tcase_add_loop_test(tc, test_originate, 0,
	    sizeof(origins) / sizeof(origins[0]));
	suite_add_tcase(s, tc);
	return tu_run(s);
}
