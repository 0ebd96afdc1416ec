/* Unit tests for config/bfdconf.c and config/plan_bfd.c: Calico
 * Enterprise's BFDConfiguration and failureDetectionMode, values,
 * defaults, located errors, the plan's interfaces and their order. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/plan.h"
#include "tests/unit/util/testutil.h"

static struct config cfg;

static int
load_text(const char *yaml)
{
	char *p = tu_write_file("bfd.yaml", yaml);
	int rc = config_load(p, &cfg);

	free(p);
	return rc;
}

static void
expect(enum config_sev sev, unsigned line, unsigned col, const char *sub)
{
	for (size_t i = 0; i < cfg.diags.n; i++) {
		const struct config_diag *d = &cfg.diags.v[i];

		if (strstr(d->msg, sub) == NULL)
			continue;
		ck_assert_int_eq(d->sev, sev);
		ck_assert_uint_eq(d->loc.line, line);
		ck_assert_uint_eq(d->loc.col, col);
		return;
	}
	ck_abort_msg("no diagnostic containing '%s' (%zu diags)", sub,
	    cfg.diags.n);
}

static void
teardown(void)
{
	config_free(&cfg);
}

#define HEAD \
	"apiVersion: projectcalico.org/v3\n" \
	"kind: BGPConfiguration\n" \
	"metadata: {name: default}\n" \
	"spec: {nodeToNodeMeshEnabled: false, asNumber: 64512}\n" \
	"---\n" \
	"apiVersion: projectcalico.org/v3\n" \
	"kind: Node\n" \
	"metadata: {name: n1, labels: {rack: a}}\n" \
	"spec: {bgp: {ipv4Address: 198.51.100.1/24}}\n" \
	"---\n" \
	"apiVersion: projectcalico.org/v3\n" \
	"kind: BGPPeer\n" \
	"metadata: {name: tor}\n" \
	"spec: {peerIP: 198.51.100.2, asNumber: 65001,\n" \
	"  failureDetectionMode: BFDIfDirectlyConnected}\n" \
	"---\n" \
	"apiVersion: projectcalico.org/v3\n" \
	"kind: BGPPeer\n" \
	"metadata: {name: other}\n" \
	"spec: {peerIP: 198.51.100.3, asNumber: 65001,\n" \
	"  failureDetectionMode: None}\n"

START_TEST(test_values_and_defaults)
{
	const struct config_bfd *b;

	ck_assert_int_eq(load_text(HEAD
	    "---\n"
	    "apiVersion: projectcalico.org/v3\n"
	    "kind: BFDConfiguration\n"
	    "metadata: {name: zz}\n"
	    "spec:\n"
	    "  nodeSelector: rack == 'a'\n"
	    "  interfaces:\n"
	    "  - matchPattern: eth*\n"
	    "    minimumRecvInterval: 100ms\n"
	    "    minimumSendInterval: 0.3s\n"
	    "    idleSendInterval: 1m30s\n"
	    "    multiplier: 3\n"
	    "  - matchPattern: \"*\"\n"
	    "---\n"
	    "apiVersion: projectcalico.org/v3\n"
	    "kind: BFDConfiguration\n"
	    "metadata: {name: aa}\n"
	    "spec:\n"
	    "  nodeSelector: rack == 'b'\n"
	    "  interfaces: [{matchPattern: bond0, minimumSendInterval: 2s}]\n"),
	    0);
	ck_assert_uint_eq(cfg.nbfds, 2);
	/* Sorted by name. */
	ck_assert_str_eq(cfg.bfds[0].name, "aa");
	b = &cfg.bfds[1];
	ck_assert_str_eq(b->name, "zz");
	ck_assert_uint_eq(b->nifaces, 2);
	ck_assert_str_eq(b->ifaces[0].pattern, "eth*");
	ck_assert_uint_eq(b->ifaces[0].min_rx_us, 100000);
	ck_assert_uint_eq(b->ifaces[0].min_tx_us, 300000);
	ck_assert_uint_eq(b->ifaces[0].idle_tx_us, 90000000);
	ck_assert_uint_eq(b->ifaces[0].mult, 3);
	/* The API's defaults: 10ms, 100ms, 1m, 5. */
	ck_assert_str_eq(b->ifaces[1].pattern, "*");
	ck_assert_uint_eq(b->ifaces[1].min_rx_us, 10000);
	ck_assert_uint_eq(b->ifaces[1].min_tx_us, 100000);
	ck_assert_uint_eq(b->ifaces[1].idle_tx_us, 60000000);
	ck_assert_uint_eq(b->ifaces[1].mult, 5);
	ck_assert_uint_eq(cfg.bfds[0].ifaces[0].min_tx_us, 2000000);
	ck_assert(cfg.peers[1].bfd);	/* tor */
	ck_assert(!cfg.peers[0].bfd);	/* other */
}
END_TEST

START_TEST(test_errors_located)
{
	ck_assert_int_ne(load_text(HEAD
	    "---\n"						/* 22 */
	    "apiVersion: projectcalico.org/v3\n"
	    "kind: BFDConfiguration\n"
	    "metadata: {name: bad}\n"				/* 25 */
	    "spec:\n"
	    "  nodeSelector: rack ==\n"
	    "  interfaces:\n"
	    "  - matchPattern: eth 0\n"				/* 29 */
	    "    minimumRecvInterval: 10\n"
	    "    minimumSendInterval: 1500us\n"
	    "    idleSendInterval: -1s\n"
	    "    multiplier: 256\n"
	    "  - minimumRecvInterval: 2h\n"			/* 34 */
	    "  - matchPattern: x\n"
	    "    idleSendInterval: 500ms\n"			/* 36 */
	    "    minimumSendInterval: 0s\n"
	    "    multiplier: 0\n"
	    "---\n"
	    "apiVersion: projectcalico.org/v3\n"		/* 40 */
	    "kind: BGPPeer\n"
	    "metadata: {name: p3}\n"
	    "spec: {peerIP: 198.51.100.4, asNumber: 65001,\n"
	    "  failureDetectionMode: BFD}\n"),			/* 44 */
	    0);
	expect(CONFIG_ERROR, 27, 24, "spec.nodeSelector: invalid selector");
	expect(CONFIG_ERROR, 29, 19, "'eth 0' is not an interface name");
	expect(CONFIG_ERROR, 30, 26, "'10' is not a duration");
	expect(CONFIG_ERROR, 31, 26, "1500us is not a whole number of "
	    "milliseconds");
	expect(CONFIG_ERROR, 32, 23, "-1s, expected a duration greater");
	expect(CONFIG_ERROR, 33, 17, "multiplier: 256 is out of range");
	expect(CONFIG_ERROR, 34, 5, "interfaces[1].matchPattern: required");
	expect(CONFIG_ERROR, 34, 26, "2h is too long");
	expect(CONFIG_WARNING, 36, 23, "500ms is under 1s");
	expect(CONFIG_ERROR, 37, 26, "0s, expected a duration greater");
	expect(CONFIG_ERROR, 38, 17, "multiplier: 0 is out of range");
	expect(CONFIG_ERROR, 44, 25, "'BFD' is not valid, expected None or "
	    "BFDIfDirectlyConnected");
}
END_TEST

START_TEST(test_plan_interfaces)
{
	struct plan pl;
	struct config_diags d;
	const struct plan_bfd *m;

	ck_assert_int_eq(load_text(HEAD
	    "---\n"
	    "apiVersion: projectcalico.org/v3\n"
	    "kind: BFDConfiguration\n"
	    "metadata: {name: b}\n"
	    "spec:\n"
	    "  nodeSelector: rack == 'a'\n"
	    "  interfaces:\n"
	    "  - {matchPattern: eth0, minimumSendInterval: 300ms}\n"
	    "  - {matchPattern: \"*\", multiplier: 7}\n"
	    "---\n"
	    "apiVersion: projectcalico.org/v3\n"
	    "kind: BFDConfiguration\n"
	    "metadata: {name: a}\n"
	    "spec:\n"
	    "  interfaces:\n"
	    "  - {matchPattern: \"eth*\", multiplier: 4}\n"
	    "---\n"
	    "apiVersion: projectcalico.org/v3\n"
	    "kind: BFDConfiguration\n"
	    "metadata: {name: c}\n"
	    "spec:\n"
	    "  nodeSelector: rack == 'b'\n"
	    "  interfaces:\n"
	    "  - {matchPattern: \"*\", multiplier: 9}\n"), 0);
	memset(&d, 0, sizeof(d));
	ck_assert_int_eq(plan_compute(&cfg, "n1", NULL, &pl, &d), 0);
	/* a (all nodes) before b (rack a); c is another rack's. */
	ck_assert_uint_eq(pl.nbfd, 3);
	ck_assert_str_eq(pl.bfd[0].from, "a");
	ck_assert_str_eq(pl.bfd[1].pattern, "eth0");
	m = plan_bfd_match(&pl, "eth0");
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(m->mult, 4);		/* a's eth* first */
	m = plan_bfd_match(&pl, "bond0");
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(m->mult, 7);
	ck_assert_uint_eq(m->min_tx_us, 100000);
	/* Sessions: BFD only where failureDetectionMode says so. */
	ck_assert_uint_eq(pl.nsessions, 2);
	for (size_t i = 0; i < pl.nsessions; i++)
		ck_assert(pl.sessions[i].bfd ==
		    (strcmp(pl.sessions[i].name, "Global_198_51_100_2") == 0));
	plan_free(&pl);
	config_diags_free(&d);
}
END_TEST

START_TEST(test_no_interfaces_no_match)
{
	struct plan pl;
	struct config_diags d;

	ck_assert_int_eq(load_text(HEAD
	    "---\n"
	    "apiVersion: projectcalico.org/v3\n"
	    "kind: BFDConfiguration\n"
	    "metadata: {name: empty}\n"
	    "spec: {nodeSelector: all()}\n"), 0);
	expect(CONFIG_NOTICE, 25, 18, "has no interfaces");
	memset(&d, 0, sizeof(d));
	ck_assert_int_eq(plan_compute(&cfg, "n1", NULL, &pl, &d), 0);
	ck_assert_uint_eq(pl.nbfd, 0);
	ck_assert_ptr_null(plan_bfd_match(&pl, "eth0"));
	plan_free(&pl);
	config_diags_free(&d);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("bfdconf");
	TCase *tc = tcase_create("bfdconf");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_values_and_defaults);
	tcase_add_test(tc, test_errors_located);
	tcase_add_test(tc, test_plan_interfaces);
	tcase_add_test(tc, test_no_interfaces_no_match);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
