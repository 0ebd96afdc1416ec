/*
 * Unit tests for calico/sessconf: a planned session as the speaker runs
 * it, with the options Calico's BIRD template gives every session
 * (CALICO.md 4.6).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/msg.h"
#include "config/plan.h"
#include "calico/sessconf.h"
#include "lib/xalloc.h"
#include "tests/unit/util/testutil.h"
#include "plantext.h"

static struct plan pl;

static void
setup(void)
{
	plantext(
	    "apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\n"
	    "metadata: {name: default}\n"
	    "spec: {asNumber: 64512, nodeMeshMaxRestartTime: 300s}\n"
	    "---\n"
	    "apiVersion: projectcalico.org/v3\nkind: Node\n"
	    "metadata: {name: n1}\n"
	    "spec: {bgp: {ipv4Address: 198.51.100.1/24,\n"
	    "  routeReflectorClusterID: 244.0.0.1}}\n"
	    "---\n"
	    "apiVersion: projectcalico.org/v3\nkind: Node\n"
	    "metadata: {name: n2}\n"
	    "spec: {bgp: {ipv4Address: 198.51.100.2/24}}\n"
	    "---\n"
	    "apiVersion: projectcalico.org/v3\nkind: BGPPeer\n"
	    "metadata: {name: tor}\n"
	    "spec: {peerIP: 203.0.113.1, asNumber: 65001,\n"
	    "  keepaliveTime: 20s, nextHopMode: Keep,\n"
	    "  numAllowedLocalASNumbers: 2, sourceAddress: None}\n"
	    "---\n"
	    "apiVersion: projectcalico.org/v3\nkind: BGPPeer\n"
	    "metadata: {name: clients}\n"
	    "spec: {nodeSelector: all(), peerSelector: all(),\n"
	    "  maxRestartTime: 9000s}\n", "n1", &pl);
}

static void
teardown(void)
{
	plan_free(&pl);
}

static const struct plan_session *
session(const char *name)
{
	for (size_t i = 0; i < pl.nsessions; i++)
		if (strcmp(pl.sessions[i].name, name) == 0)
			return &pl.sessions[i];
	ck_abort_msg("no session %s", name);
	return NULL;
}

START_TEST(test_external_peer)
{
	struct speaker_peer_conf c;
	char b[ADDR_STRLEN];

	sessconf_from_plan(&pl, session("Global_203_0_113_1"), &c);
	ck_assert_str_eq(c.session.name, "Global_203_0_113_1");
	ck_assert_uint_eq(c.session.remote_as, 65001);
	ck_assert_uint_eq(c.session.local_as, 64512);
	ck_assert_uint_eq(c.session.router_id, 0xc6336401);
	ck_assert_str_eq(c.session.hostname, "n1");
	/* keepaliveTime; BIRD's 120 s restart time by default. */
	ck_assert_uint_eq(c.session.keepalive, 20);
	ck_assert_uint_eq(c.session.gr_time, 120);
	ck_assert(c.session.gr_forwarding);
	ck_assert(c.session.llgr);
	/* `add paths on`, both ways. */
	ck_assert_uint_eq(c.session.addpath, MSG_ADDPATH_RX | MSG_ADDPATH_TX);
	ck_assert_int_eq(c.next_hop, SPEAKER_NH_KEEP);
	ck_assert_uint_eq(c.allow_local_as, 2);
	ck_assert(!c.rr_client);
	/* sourceAddress None: next hop self is still the node's own. */
	ck_assert_str_eq(addr_fmt(&c.local_addr, b, sizeof(b)),
	    "198.51.100.1");
}
END_TEST

START_TEST(test_reflector_client)
{
	struct speaker_peer_conf c;

	sessconf_from_plan(&pl, session("Node_198_51_100_2"), &c);
	ck_assert(c.rr_client);
	ck_assert(!c.session.passive);
	/* maxRestartTime beyond RFC 4724's 12 bits: 4095 s. */
	ck_assert_uint_eq(c.session.gr_time, 4095);
	ck_assert_uint_eq(c.session.keepalive, 0);
	ck_assert_int_eq(c.next_hop, SPEAKER_NH_AUTO);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sessconf");
	TCase *tc = tcase_create("sessconf");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_external_peer);
	tcase_add_test(tc, test_reflector_client);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
