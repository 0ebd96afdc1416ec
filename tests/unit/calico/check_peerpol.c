/*
 * Unit tests for calico/peerpol: Calico's export filter step by step
 * (CALICO.md 5.1, one row per step and per side of it, from a cluster
 * like those of Calico's confd tests), BGPFilter rules before it and on
 * import (4.7), with their operations, and the route priorities (5.6).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/attrset.h"
#include "config/plan.h"
#include "calico/peerpol.h"
#include "lib/xalloc.h"
#include "tests/unit/util/testutil.h"
#include "plantext.h"

static const char *const cluster =
    "apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\n"
    "metadata: {name: default}\n"
    "spec:\n"
    "  asNumber: 64512\n"
    "  %s\n"
    "  serviceClusterIPs: [{cidr: 100.70.0.0/24}]\n"
    "  serviceLoadBalancerIPs: [{cidr: 100.71.0.0/24}, "
    "{cidr: 100.72.9.9/32}]\n"
    "  prefixAdvertisements:\n"
    "  - {cidr: 100.64.0.0/16, communities: ['65000:100', '65000:1:2']}\n"
    "---\n"
    "apiVersion: projectcalico.org/v3\nkind: Node\n"
    "metadata: {name: n1}\n"
    "spec: {bgp: {ipv4Address: 198.51.100.1/24,\n"
    "  routeReflectorClusterID: 244.0.0.9}}\n"
    "---\n"
    "apiVersion: projectcalico.org/v3\nkind: IPPool\n"
    "metadata: {name: pods}\nspec: {cidr: 100.64.0.0/16}\n"
    "---\n"
    "apiVersion: projectcalico.org/v3\nkind: IPPool\n"
    "metadata: {name: private}\n"
    "spec: {cidr: 100.65.0.0/16, disableBGPExport: true}\n"
    "---\n"
    "apiVersion: crd.projectcalico.org/v1\nkind: IPAMBlock\n"
    "metadata: {name: b1}\n"
    "spec: {cidr: 100.64.1.0/26, affinity: 'host:n1'}\n"
    "---\n"
    "apiVersion: projectcalico.org/v3\nkind: BGPPeer\n"
    "metadata: {name: tor}\n"
    "spec: {peerIP: 198.51.100.101, asNumber: 65001, filters: [edge]}\n"
    "---\n"
    "apiVersion: projectcalico.org/v3\nkind: BGPFilter\n"
    "metadata: {name: edge}\n"
    "spec:\n"
    "  exportV4:\n"
    "  - {action: Reject, matchOperator: Equal, cidr: 100.64.20.0/24}\n"
    "  - action: Accept\n"
    "    matchOperator: In\n"
    "    cidr: 203.0.113.0/24\n"
    "    operations:\n"
    "    - addCommunity: {value: '65000:300'}\n"
    "    - prependASPath: {prefix: [65010, 65011]}\n"
    "  - {action: Accept, interface: 'dummy*'}\n"
    "  - {action: Accept, priority: 512}\n"
    "  importV4:\n"
    "  - {action: Reject, matchOperator: Equal, cidr: 100.72.7.0/24}\n"
    "  - action: Accept\n"
    "    communities: {values: ['65000:300']}\n"
    "    operations: [{setPriority: {value: 300}}]\n";

static struct plan pl;
static struct peerpol *pp;

static void
setup_with(const char *extra)
{
	char *text = xasprintf(cluster, extra);

	plantext(text, "n1", &pl);
	free(text);
	pp = peerpol_new();
}

static void
setup(void)
{
	/* Felix programs the IPIP routes: tunl0 routes stay off iBGP. */
	setup_with("programClusterRoutes: EnabledNoEncapOnly");
}

static void
teardown(void)
{
	peerpol_free(pp);
	plan_free(&pl);
}

/* An attribute set with LOCAL_PREF lp (0: none) and communities. */
static struct attrset *
attrs(uint32_t lp, const uint32_t *comms, size_t ncomms)
{
	struct bgp_attrs a;
	uint8_t c[16];

	memset(&a, 0, sizeof(a));
	a.present = ATTR_P_ORIGIN | ATTR_P_AS_PATH;
	if (lp != 0) {
		a.present |= ATTR_P_LOCAL_PREF;
		a.local_pref = lp;
	}
	for (size_t i = 0; i < ncomms; i++) {
		c[4 * i] = (uint8_t)(comms[i] >> 24);
		c[4 * i + 1] = (uint8_t)(comms[i] >> 16);
		c[4 * i + 2] = (uint8_t)(comms[i] >> 8);
		c[4 * i + 3] = (uint8_t)comms[i];
	}
	if (ncomms > 0) {
		a.present |= ATTR_P_COMMUNITIES;
		a.communities = c;
		a.ncommunities = ncomms;
	}
	return attrset_intern(&a, NULL, NULL);
}

/* The export filter of CALICO.md 5.1 without BGPFilters: one row per
 * step, for an iBGP and an eBGP session. */
static const struct {
	const char *pfx;
	bool	local;
	const char *dev;
	uint32_t lp;		/* the path's LOCAL_PREF, 0: none */
	bool	ibgp, ebgp;	/* the verdicts */
	int	comms;		/* additions: communities (+ 1 large) */
	const char *why;
} steps[] = {
	{ "100.65.1.0/26", true, NULL, 0, false, false, 0,
	  "1: a pool with disableBGPExport" },
	{ "100.65.9.0/24", false, NULL, 0, false, false, 0,
	  "1: learned, in that pool" },
	{ "100.64.3.0/26", true, "vxlan.calico", 0, false, true, 1,
	  "2: a Felix VXLAN route, not to iBGP" },
	{ "100.64.4.0/26", true, "wireguard.cali", 0, false, true, 1,
	  "2: a WireGuard route, not to iBGP" },
	{ "100.64.6.0/26", true, "tunl0", 0, false, true, 1,
	  "2: tunl0 while Felix programs IPIP" },
	{ "100.64.5.0/26", true, "bpf1.cali", 0, false, false, 0,
	  "3: an eBPF route, to nobody" },
	{ "100.64.2.5/32", true, "calia", 0, true, true, 1,
	  "4 and 8: a borrowed /32, with the communities" },
	{ "100.64.1.0/26", true, NULL, 0, true, true, 1,
	  "5: the affine block" },
	{ "100.64.1.10/32", true, "calib", 0, false, false, 1,
	  "5: inside the block" },
	{ "100.64.1.32/27", false, NULL, 2147482623u, false, false, 1,
	  "5: learned, inside the block" },
	{ "100.64.1.6/32", true, "calic", 2147483135u, true, true, 1,
	  "5: inside the block at priority 512: escapes" },
	{ "100.70.0.0/24", true, NULL, 0, true, true, 0,
	  "6: the service cluster range" },
	{ "100.71.0.0/24", true, NULL, 0, true, true, 0,
	  "6: the aggregated LoadBalancer range" },
	{ "100.72.9.9/32", false, NULL, 100, true, true, 0,
	  "7: a reflector passes a LoadBalancer /32 on" },
	{ "100.64.20.0/24", false, NULL, 100, true, true, 1,
	  "8: a pool route, transit" },
	{ "192.0.2.0/24", false, NULL, 100, false, false, 0,
	  "9: nothing outside the pools" },
	{ "203.0.113.0/24", true, "eth0", 0, false, false, 0,
	  "9: nor a local one" },
};

START_TEST(test_export_steps)
{
	struct ip_prefix p;
	struct attrset *a;
	struct peerpol_route r;
	struct peerpol_session s;
	const struct speaker_adds *adds;

	ck_assert_int_eq(addr_pfx_parse(steps[_i].pfx, &p, false), 0);
	a = attrs(steps[_i].lp, NULL, 0);
	memset(&r, 0, sizeof(r));
	r.pfx = &p;
	r.attrs = a;
	r.local = steps[_i].local;
	r.dev = steps[_i].dev;
	for (int ebgp = 0; ebgp < 2; ebgp++) {
		bool want = ebgp ? steps[_i].ebgp : steps[_i].ibgp;

		memset(&s, 0, sizeof(s));
		s.ebgp = ebgp;
		ck_assert_msg(peerpol_export(pp, &pl, &s, &r, &adds) == want,
		    "%s (%s): want %s", steps[_i].why, ebgp ? "eBGP" : "iBGP",
		    want ? "accept" : "reject");
		if (want && steps[_i].comms > 0) {
			ck_assert_ptr_nonnull(adds);
			ck_assert_uint_eq(adds->ncommunities, 1);
			ck_assert_uint_eq(adds->nlarge, 1);
		} else if (want) {
			ck_assert_ptr_null(adds);
		}
	}
	attrset_unref(a);
}
END_TEST

/* programClusterRoutes unset: bgpd programs IPIP (README), so routes on
 * tunl0 are ordinary ones. */
START_TEST(test_tunl0_when_bgpd_programs_ipip)
{
	struct ip_prefix p;
	struct peerpol_route r = { .pfx = &p, .local = true, .dev = "tunl0" };
	struct peerpol_session s = { .ebgp = false };
	const struct speaker_adds *adds;

	teardown();
	setup_with("logSeverityScreen: Info");
	ck_assert_int_eq(addr_pfx_parse("100.64.6.0/26", &p, false), 0);
	ck_assert(peerpol_export(pp, &pl, &s, &r, &adds));
}
END_TEST

static const struct plan_filter *
filter(const char *name)
{
	for (size_t i = 0; i < pl.nfilters; i++)
		if (strcmp(pl.filters[i].name, name) == 0)
			return &pl.filters[i];
	return NULL;
}

/* BGPFilter rules come before Calico's filter (CALICO.md 4.7), in the
 * BGPPeer's order; the first match decides, with its operations. */
START_TEST(test_filters)
{
	const struct plan_filter *f[1];
	struct peerpol_session s = { .filters = f, .nfilters = 1 };
	struct peerpol_route r;
	const struct speaker_adds *adds, *again;
	struct ip_prefix p;
	struct attrset *a = attrs(100, NULL, 0), *hi;

	f[0] = filter("edge");
	ck_assert_ptr_nonnull(f[0]);
	memset(&r, 0, sizeof(r));
	r.pfx = &p;
	r.attrs = a;
	/* Equal: rejected, though step 8 would export it. */
	addr_pfx_parse("100.64.20.0/24", &p, false);
	ck_assert(!peerpol_export(pp, &pl, &s, &r, &adds));
	/* In, with operations: accepted outside every pool, the additions
	 * one pointer for every route the rule accepts. */
	addr_pfx_parse("203.0.113.0/25", &p, false);
	ck_assert(peerpol_export(pp, &pl, &s, &r, &adds));
	ck_assert_ptr_nonnull(adds);
	ck_assert_uint_eq(adds->ncommunities, 1);
	ck_assert_uint_eq(adds->nprepend, 2);
	ck_assert_uint_eq(adds->prepend[0], 65010);
	addr_pfx_parse("203.0.113.128/25", &p, false);
	ck_assert(peerpol_export(pp, &pl, &s, &r, &again));
	ck_assert_ptr_eq(adds, again);
	/* interface: a local route on dummy1. */
	addr_pfx_parse("192.0.2.0/24", &p, false);
	r.local = true;
	r.dev = "dummy1";
	ck_assert(peerpol_export(pp, &pl, &s, &r, &adds));
	r.dev = "eth1";
	ck_assert(!peerpol_export(pp, &pl, &s, &r, &adds));
	/* priority 512: LOCAL_PREF 2^31 - 1 - 512. */
	r.local = false;
	r.dev = NULL;
	hi = attrs(2147483135u, NULL, 0);
	r.attrs = hi;
	ck_assert(peerpol_export(pp, &pl, &s, &r, &adds));
	attrset_unref(hi);
	attrset_unref(a);
}
END_TEST

START_TEST(test_import)
{
	const struct plan_filter *f[1] = { filter("edge") };
	struct peerpol_session s = { .filters = f, .nfilters = 1,
	    .ebgp = true };
	const struct speaker_adds *adds;
	const uint32_t tagged = 65000u << 16 | 300;
	struct attrset *a = attrs(0, NULL, 0), *t = attrs(0, &tagged, 1);
	struct bgp_attrs v;
	struct ip_prefix p;

	ck_assert_ptr_nonnull(f[0]);
	attrset_view(a, &v);
	addr_pfx_parse("100.72.7.0/24", &p, false);
	ck_assert(!peerpol_import(pp, &s, &p, &v, &adds));
	addr_pfx_parse("100.72.8.0/24", &p, false);
	ck_assert(peerpol_import(pp, &s, &p, &v, &adds));
	ck_assert_ptr_null(adds);
	/* setPriority 300: LOCAL_PREF 2^31 - 1 - 300. */
	attrset_view(t, &v);
	ck_assert(peerpol_import(pp, &s, &p, &v, &adds));
	ck_assert_ptr_nonnull(adds);
	ck_assert(adds->set_local_pref);
	ck_assert_uint_eq(adds->local_pref, 2147483347u);
	/* No filters: everything, as is. */
	s.nfilters = 0;
	ck_assert(peerpol_import(pp, &s, &p, &v, &adds));
	ck_assert_ptr_null(adds);
	attrset_unref(a);
	attrset_unref(t);
}
END_TEST

/* Export classes: sessions of one class get the same exports; what
 * tells them apart is eBGP or not and the filters with export rules,
 * by name and in order. */
START_TEST(test_export_class)
{
	const struct plan_filter *edge = filter("edge");
	struct plan_filter imp = { .name = "imp" }, other = { .name = "x" };
	const struct plan_filter *fe[1] = { edge }, *fie[2] = { &imp, edge },
	    *fi[1] = { &imp }, *fo[2] = { &other, edge },
	    *fr[2] = { edge, &other };
	struct peerpol_session none = { .ebgp = false }, e;
	uint64_t c0, c1;

	ck_assert_ptr_nonnull(edge);
	imp.nrules[CONFIG_IMPORT_V4] = 1;
	other.nrules[CONFIG_EXPORT_V6] = 1;
	c0 = peerpol_export_class(pp, &none);
	ck_assert_uint_gt(c0, 0);
	/* A filter with only import rules changes nothing. */
	ck_assert_uint_eq(peerpol_export_class(pp, &(struct peerpol_session){
	    .filters = fi, .nfilters = 1 }), c0);
	e = none;
	e.ebgp = true;
	ck_assert_uint_ne(peerpol_export_class(pp, &e), c0);
	c1 = peerpol_export_class(pp, &(struct peerpol_session){
	    .filters = fe, .nfilters = 1 });
	ck_assert_uint_ne(c1, c0);
	ck_assert_uint_eq(peerpol_export_class(pp, &(struct peerpol_session){
	    .filters = fie, .nfilters = 2 }), c1);
	/* Order counts: the first match decides. */
	ck_assert_uint_ne(peerpol_export_class(pp, &(struct peerpol_session){
	    .filters = fo, .nfilters = 2 }), peerpol_export_class(pp,
	    &(struct peerpol_session){ .filters = fr, .nfilters = 2 }));
	/* Classes outlive a reset (a reload keeps a session's group). */
	peerpol_reset(pp);
	ck_assert_uint_eq(peerpol_export_class(pp, &(struct peerpol_session){
	    .filters = fe, .nfilters = 1 }), c1);
	ck_assert_uint_eq(peerpol_export_class(pp, &none), c0);
}
END_TEST

/* CALICO.md 5.6: the LOCAL_PREF of a route's priority. */
START_TEST(test_priorities)
{
	struct ip_prefix p4, p6;
	struct attrset *none = attrs(0, NULL, 0), *lp = attrs(7, NULL, 0);

	addr_pfx_parse("100.64.2.5/32", &p4, false);
	addr_pfx_parse("2001:db8:1000::5/128", &p6, false);
	ck_assert_uint_eq(peerpol_normal_priority(&pl, AF_INET), 1024);
	ck_assert_uint_eq(peerpol_local_lp(&pl, &p4, 0), 2147482623u);
	ck_assert_uint_eq(peerpol_local_lp(&pl, &p4, 512), 2147483135u);
	ck_assert_uint_eq(peerpol_local_lp(&pl, &p6, 0), 2147482623u);
	ck_assert_uint_eq(peerpol_route_lp(none), 100);
	ck_assert_uint_eq(peerpol_route_lp(lp), 7);
	attrset_unref(none);
	attrset_unref(lp);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("peerpol");
	TCase *tc = tcase_create("peerpol");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_export_steps, 0,
	    sizeof(steps) / sizeof(steps[0]));
	tcase_add_test(tc, test_tunl0_when_bgpd_programs_ipip);
	tcase_add_test(tc, test_filters);
	tcase_add_test(tc, test_import);
	tcase_add_test(tc, test_priorities);
	tcase_add_test(tc, test_export_class);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
