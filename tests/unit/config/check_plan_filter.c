/*
 * Unit tests for plan_filter_eval(): every BGPFilter operator and
 * condition, rule order, and no-match fall-through (CALICO.md 4.7).
 */
#include <check.h>
#include <string.h>

#include "config/plan.h"
#include "tests/unit/util/testutil.h"

static struct config_frule rules[8];
static struct plan_filter filt;
static struct ip_prefix pfx;
static struct plan_route rt;

static void
setup(void)
{
	memset(rules, 0, sizeof(rules));
	memset(&filt, 0, sizeof(filt));
	memset(&rt, 0, sizeof(rt));
	filt.name = "f";
	filt.rules[CONFIG_EXPORT_V4] = rules;
	rt.pfx = &pfx;
}

/* One export rule: CIDR op, action. */
static struct config_frule *
rule(int i, const char *cidr, enum config_match_op op, bool accept)
{
	struct config_frule *r = &rules[i];

	if (cidr != NULL) {
		r->has_cidr = true;
		ck_assert(addr_pfx_parse(cidr, &r->cidr, false) == 0);
	}
	r->op = op;
	r->accept = accept;
	if ((size_t)i + 1 > filt.nrules[CONFIG_EXPORT_V4])
		filt.nrules[CONFIG_EXPORT_V4] = (size_t)i + 1;
	return r;
}

static enum plan_verdict
eval(const char *p)
{
	ck_assert(addr_pfx_parse(p, &pfx, false) == 0);
	return plan_filter_eval(&filt, false, &rt, NULL);
}

START_TEST(test_operators)
{
	rule(0, "100.64.0.0/16", CONFIG_MATCH_EQUAL, false);
	ck_assert_int_eq(eval("100.64.0.0/16"), PLAN_REJECT);
	ck_assert_int_eq(eval("100.64.1.0/24"), PLAN_NO_MATCH);
	rules[0].op = CONFIG_MATCH_NOT_EQUAL;
	ck_assert_int_eq(eval("100.64.0.0/16"), PLAN_NO_MATCH);
	ck_assert_int_eq(eval("100.64.1.0/24"), PLAN_REJECT);
	rules[0].op = CONFIG_MATCH_IN;
	ck_assert_int_eq(eval("100.64.1.0/24"), PLAN_REJECT);
	ck_assert_int_eq(eval("100.64.0.0/16"), PLAN_REJECT);
	ck_assert_int_eq(eval("100.65.0.0/24"), PLAN_NO_MATCH);
	ck_assert_int_eq(eval("100.0.0.0/8"), PLAN_NO_MATCH);
	rules[0].op = CONFIG_MATCH_NOT_IN;
	ck_assert_int_eq(eval("100.64.1.0/24"), PLAN_NO_MATCH);
	ck_assert_int_eq(eval("100.65.0.0/24"), PLAN_REJECT);
	/* Another family never matches. */
	ck_assert_int_eq(eval("2001:db8::/64"), PLAN_NO_MATCH);
}
END_TEST

START_TEST(test_prefix_length)
{
	struct config_frule *r = rule(0, "100.64.0.0/16", CONFIG_MATCH_IN,
	    true);

	r->has_plen_max = true;
	r->plen_max = 26;
	ck_assert_int_eq(eval("100.64.0.0/16"), PLAN_ACCEPT);
	ck_assert_int_eq(eval("100.64.1.0/26"), PLAN_ACCEPT);
	ck_assert_int_eq(eval("100.64.1.1/32"), PLAN_NO_MATCH);
	r->has_plen_min = true;
	r->plen_min = 24;
	ck_assert_int_eq(eval("100.64.0.0/16"), PLAN_NO_MATCH);
	ck_assert_int_eq(eval("100.64.1.0/24"), PLAN_ACCEPT);
	r->op = CONFIG_MATCH_NOT_IN;
	ck_assert_int_eq(eval("100.64.1.1/32"), PLAN_ACCEPT);
	ck_assert_int_eq(eval("100.64.1.0/24"), PLAN_NO_MATCH);
}
END_TEST

START_TEST(test_source_interface_peer_type)
{
	struct config_frule *r = rule(0, NULL, CONFIG_MATCH_NONE, false);

	r->source_remote_peers = true;
	ck_assert_int_eq(eval("100.64.1.0/24"), PLAN_NO_MATCH);
	rt.from_bgp = true;
	ck_assert_int_eq(eval("100.64.1.0/24"), PLAN_REJECT);
	r->source_remote_peers = false;
	r->iface = "eth*";
	ck_assert_int_eq(eval("100.64.1.0/24"), PLAN_NO_MATCH);
	rt.dev = "eth1";
	ck_assert_int_eq(eval("100.64.1.0/24"), PLAN_REJECT);
	rt.dev = "cali123";
	ck_assert_int_eq(eval("100.64.1.0/24"), PLAN_NO_MATCH);
	r->iface = NULL;
	r->peer_type = CONFIG_PEERTYPE_EBGP;
	ck_assert_int_eq(eval("100.64.1.0/24"), PLAN_NO_MATCH);
	rt.ebgp_session = true;
	ck_assert_int_eq(eval("100.64.1.0/24"), PLAN_REJECT);
	r->peer_type = CONFIG_PEERTYPE_IBGP;
	ck_assert_int_eq(eval("100.64.1.0/24"), PLAN_NO_MATCH);
}
END_TEST

START_TEST(test_community_and_as_path)
{
	static const uint8_t comms[] = { 0xfd, 0xe8, 0x00, 0x07 };
	static const uint8_t large[] = { 0, 0, 0xfd, 0xe8, 0, 0, 0, 1,
	    0, 0, 0, 2 };
	static const uint32_t path[] = { 65001, 65002, 65003 };
	static uint32_t want[] = { 65001, 65002 };
	struct config_frule *r = rule(0, NULL, CONFIG_MATCH_NONE, true);

	r->has_community = true;
	r->community.a = 65000;
	r->community.b = 7;
	ck_assert_int_eq(eval("100.64.1.0/24"), PLAN_NO_MATCH);
	rt.comms = comms;
	rt.ncomms = 1;
	ck_assert_int_eq(eval("100.64.1.0/24"), PLAN_ACCEPT);
	r->community.large = true;
	r->community.b = 1;
	r->community.c = 2;
	ck_assert_int_eq(eval("100.64.1.0/24"), PLAN_NO_MATCH);
	rt.large = large;
	rt.nlarge = 1;
	ck_assert_int_eq(eval("100.64.1.0/24"), PLAN_ACCEPT);
	r->has_community = false;
	r->as_path_prefix = want;
	r->nas_path_prefix = 2;
	ck_assert_int_eq(eval("100.64.1.0/24"), PLAN_NO_MATCH);
	rt.aspath = path;
	rt.naspath = 3;
	ck_assert_int_eq(eval("100.64.1.0/24"), PLAN_ACCEPT);
	want[1] = 65003;
	ck_assert_int_eq(eval("100.64.1.0/24"), PLAN_NO_MATCH);
}
END_TEST

/* The first matching rule decides; import and export are apart. */
START_TEST(test_order_and_direction)
{
	const struct config_frule *m = NULL;

	rule(0, "100.64.1.0/24", CONFIG_MATCH_EQUAL, true);
	rule(1, "100.64.0.0/16", CONFIG_MATCH_IN, false);
	ck_assert_int_eq(eval("100.64.1.0/24"), PLAN_ACCEPT);
	ck_assert_int_eq(eval("100.64.2.0/24"), PLAN_REJECT);
	ck_assert(addr_pfx_parse("100.64.2.0/24", &pfx, false) == 0);
	ck_assert_int_eq(plan_filter_eval(&filt, false, &rt, &m),
	    PLAN_REJECT);
	ck_assert_ptr_eq(m, &rules[1]);
	/* No import rules: nothing matches on import. */
	ck_assert_int_eq(plan_filter_eval(&filt, true, &rt, NULL),
	    PLAN_NO_MATCH);
}
END_TEST

/* A priority condition holds for a route whose LOCAL_PREF is 2^31 - 1
 * minus it (confd: `bgp_local_pref = 2147482623` for 1024); otherwise
 * the next rule decides. */
START_TEST(test_priority)
{
	rule(0, "100.64.0.0/16", CONFIG_MATCH_IN, false)->priority = 512;
	rule(1, "100.64.0.0/16", CONFIG_MATCH_IN, true);
	rt.local_pref = 2147483135u;	/* priority 512 */
	ck_assert_int_eq(eval("100.64.1.0/24"), PLAN_REJECT);
	rt.local_pref = 2147482623u;	/* 1024, the normal one */
	ck_assert_int_eq(eval("100.64.1.0/24"), PLAN_ACCEPT);
	rt.local_pref = 100;		/* an eBGP route's */
	ck_assert_int_eq(eval("100.64.1.0/24"), PLAN_ACCEPT);
	rules[0].priority = 0;
	ck_assert_int_eq(eval("100.64.1.0/24"), PLAN_REJECT);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("plan_filter");
	TCase *tc = tcase_create("eval");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_operators);
	tcase_add_test(tc, test_prefix_length);
	tcase_add_test(tc, test_source_interface_peer_type);
	tcase_add_test(tc, test_community_and_as_path);
	tcase_add_test(tc, test_order_and_direction);
	tcase_add_test(tc, test_priority);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(suite());
}
