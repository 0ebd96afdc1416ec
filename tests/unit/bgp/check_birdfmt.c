/* Unit tests for bgp/birdfmt: BIRD 1.6's reply framing and `show route`
 * lines, checked against lines of BIRD 1.6 (calico-node's route_test.go
 * fixtures and nest/rt-table.c's formats). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/attr.h"
#include "bgp/attrset.h"
#include "bgp/birdfmt.h"
#include "bgp/bgp.h"
#include "tests/unit/util/testutil.h"

static struct buf_wr out;
static struct birdfmt f;

static void
start(void)
{
	buf_wr_init(&out, 0);
	f.o = &out;
	f.last = -1;
}

static const char *
text(void)
{
	buf_put_u8(&out, 0);
	out.len--;
	return (const char *)out.data;
}

static struct ip_addr
ip(const char *s)
{
	struct ip_addr a;

	ck_assert_int_eq(addr_parse(s, &a), 0);
	return a;
}

/* An attribute set: path is hex of a canonical AS_PATH. */
static struct attrset *
set(uint8_t origin, const char *path, const char *nh)
{
	static uint8_t p[256];
	struct bgp_attrs a;
	struct ip_addr n = ip(nh);

	memset(&a, 0, sizeof(a));
	a.present = ATTR_P_ORIGIN | ATTR_P_AS_PATH | ATTR_P_NEXT_HOP;
	a.origin = origin;
	a.aspath = p;
	a.aspath_len = tu_hex(path, p, sizeof(p));
	a.nexthop = n;
	return attrset_intern(&a, &n, NULL);
}

START_TEST(test_framing)
{
	start();
	birdfmt_line(&f, 1007, true, "a");
	birdfmt_line(&f, 1007, true, "b");
	birdfmt_line(&f, 1008, true, "\tType: x");
	birdfmt_line(&f, 1012, true, "\tc\x01");
	birdfmt_line(&f, 1012, true, "d");
	birdfmt_line(&f, 0, false, "%s", "");
	ck_assert_str_eq(text(), "1007-a\n b\n1008-\tType: x\n1012-\tc?\n"
	    " d\n0000 \n");
	ck_assert_int_eq(f.last, -1);
	/* A final line of the same code still carries it. */
	buf_wr_free(&out);
	start();
	birdfmt_line(&f, 8001, false, "Network not in table");
	ck_assert_str_eq(text(), "8001 Network not in table\n");
	buf_wr_free(&out);
}
END_TEST

/* route_test.go's table, line by line (BIRD 1.6.8's own output). */
START_TEST(test_route_lines)
{
	struct attrset *ibgp = set(0, "", "172.17.0.5");
	struct attrset *ebgp = set(2, "02 01 00 00 fd e9", "100.100.100.100");
	struct birdfmt_rte r;
	char info[64];

	start();
	memset(&r, 0, sizeof(r));
	r.net = "0.0.0.0/0";
	r.dest = BIRDFMT_ROUTER;
	r.gw = ip("172.17.0.1");
	r.dev = "eth0";
	r.proto = "kernel1";
	r.when = "20:10:57";
	r.primary = '*';
	r.info = " (10)";
	birdfmt_rte(&f, &r);

	r.net = "192.168.110.128/26";
	r.gw = ip("172.17.0.5");
	r.from = r.gw;		/* the gateway: no "from" */
	r.proto = "Mesh_172_17_0_5";
	birdfmt_bgp_info(info, sizeof(info), 100, false, 0, ibgp);
	r.info = info;
	birdfmt_rte(&f, &r);

	r.net = NULL;
	r.gw = ip("100.100.100.100");
	r.from = ip("100.100.100.100");
	r.dev = "em0";
	r.proto = "Global_100_100_100_100";
	r.when = "20:11:00";
	r.primary = 0;
	birdfmt_bgp_info(info, sizeof(info), 100, false, BIRDFMT_IGP_UNKNOWN,
	    ebgp);
	birdfmt_rte(&f, &r);

	memset(&r, 0, sizeof(r));
	r.net = "192.168.69.128/26";
	r.dest = BIRDFMT_BLACKHOLE;
	r.proto = "static1";
	r.when = "09:23:20";
	r.primary = '*';
	r.info = " (200)";
	birdfmt_rte(&f, &r);

	r.net = NULL;
	r.dest = BIRDFMT_UNREACHABLE;
	r.proto = "Mesh_10_128_0_244";
	r.when = "09:23:24";
	r.from = ip("10.128.0.244");
	r.primary = 0;
	birdfmt_bgp_info(info, sizeof(info), 100, false,
	    BIRDFMT_IGP_UNREACHABLE, ibgp);
	r.info = info;
	birdfmt_rte(&f, &r);

	memset(&r, 0, sizeof(r));
	r.net = "192.168.36.64/26";
	r.dest = BIRDFMT_ROUTER;
	r.gw = ip("10.128.0.1");
	r.dev = "ens4";
	r.proto = "Mesh_10_128_0_241";
	r.when = "09:23:23";
	r.from = ip("10.128.0.241");
	r.primary = '*';
	birdfmt_bgp_info(info, sizeof(info), 100, false, BIRDFMT_IGP_UNKNOWN,
	    ibgp);
	r.info = info;
	birdfmt_rte(&f, &r);

	memset(&r, 0, sizeof(r));
	r.net = "192.168.162.129/32";
	r.dest = BIRDFMT_DEVICE;
	r.dev = "calie58e37f9a7f";
	r.proto = "kernel1";
	r.when = "20:11:10";
	r.primary = '*';
	r.info = " (10)";
	birdfmt_rte(&f, &r);

	/* A stale path whose route the kernel refused. */
	r.net = "10.0.0.0/8";
	r.dest = BIRDFMT_ROUTER;
	r.gw = ip("10.1.0.1");
	r.dev = "eth1";
	r.proto = "Node_10_1_0_1";
	r.when = "2026-01-02";
	r.primary = '!';
	birdfmt_bgp_info(info, sizeof(info), 100, true, 3, ebgp);
	r.info = info;
	birdfmt_rte(&f, &r);

	ck_assert_str_eq(text(),
	    "1007-0.0.0.0/0          via 172.17.0.1 on eth0 [kernel1 20:10:57]"
	    " * (10)\n"
	    " 192.168.110.128/26 via 172.17.0.5 on eth0 [Mesh_172_17_0_5 "
	    "20:10:57] * (100/0) [i]\n"
	    "                    via 100.100.100.100 on em0 "
	    "[Global_100_100_100_100 20:11:00] (100/?) [AS65001?]\n"
	    " 192.168.69.128/26  blackhole [static1 09:23:20] * (200)\n"
	    "                    unreachable [Mesh_10_128_0_244 09:23:24 from "
	    "10.128.0.244] (100/-) [i]\n"
	    " 192.168.36.64/26   via 10.128.0.1 on ens4 [Mesh_10_128_0_241 "
	    "09:23:23 from 10.128.0.241] * (100/?) [i]\n"
	    " 192.168.162.129/32 dev calie58e37f9a7f [kernel1 20:11:10] * "
	    "(10)\n"
	    " 10.0.0.0/8         via 10.1.0.1 on eth1 [Node_10_1_0_1 "
	    "2026-01-02] ! (100s/3) [AS65001?]\n");
	attrset_unref(ibgp);
	attrset_unref(ebgp);
	buf_wr_free(&out);
}
END_TEST

/* The origin AS is the last of a path ending in AS_SEQUENCE; a trailing
 * AS_SET hides it (as_path_get_last). */
START_TEST(test_origin_as)
{
	struct attrset *s;
	char info[64];

	s = set(1, "02 02 00 00 fd e8 00 00 fd e9 01 02 00 00 00 01 00 00 00 "
	    "02", "10.0.0.1");
	birdfmt_bgp_info(info, sizeof(info), 100, false, 0, s);
	ck_assert_str_eq(info, " (100/0) [e]");
	attrset_unref(s);
	s = set(0, "01 01 00 00 00 07 02 01 00 01 00 00", "10.0.0.1");
	birdfmt_bgp_info(info, sizeof(info), 200, false, 0, s);
	ck_assert_str_eq(info, " (200/0) [AS65536i]");
	attrset_unref(s);
}
END_TEST

START_TEST(test_attrs)
{
	static const uint8_t comm[] = { 0xfd, 0xe8, 0x00, 0x64, 0xff, 0xff,
	    0xff, 0x01 };
	static const uint8_t ext[] = { 0x00, 0x02, 0xfd, 0xe8, 0x00, 0x00,
	    0x00, 0x64, 0x01, 0x03, 0x0a, 0x00, 0x00, 0x01, 0x00, 0x07,
	    0x80, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
	static const uint8_t large[] = { 0x00, 0x00, 0xfd, 0xe8, 0x00, 0x00,
	    0x00, 0x01, 0x00, 0x00, 0x00, 0x02 };
	static const uint8_t cl[] = { 10, 0, 0, 1, 10, 0, 0, 2 };
	uint8_t path[64];
	struct bgp_attrs a;
	struct ip_addr nh = ip("2001:db8::1"), ll = ip("fe80::1");
	struct attrset *s;

	memset(&a, 0, sizeof(a));
	a.present = ATTR_P_ORIGIN | ATTR_P_AS_PATH | ATTR_P_MED |
	    ATTR_P_LOCAL_PREF | ATTR_P_ATOMIC_AGG | ATTR_P_AGGREGATOR |
	    ATTR_P_COMMUNITIES | ATTR_P_ORIGINATOR_ID | ATTR_P_CLUSTER_LIST |
	    ATTR_P_EXT_COMMUNITIES | ATTR_P_LARGE_COMMUNITIES;
	a.origin = 2;
	a.aspath = path;
	a.aspath_len = tu_hex("02 02 00 00 fd e8 00 00 fd e9 "
	    "01 02 00 00 00 01 00 00 00 02", path, sizeof(path));
	a.med = 5;
	a.local_pref = 200;
	a.aggregator_as = 65000;
	a.aggregator_id = 0x0a000009;
	a.communities = comm;
	a.ncommunities = 2;
	a.ext_communities = ext;
	a.next_communities = 3;
	a.large_communities = large;
	a.nlarge_communities = 1;
	a.originator_id = 0x0a000005;
	a.cluster_list = cl;
	a.ncluster = 2;
	s = attrset_intern(&a, &nh, &ll);
	start();
	birdfmt_type(&f, "BGP");
	birdfmt_bgp_attrs(&f, s);
	ck_assert_str_eq(text(),
	    "1008-\tType: BGP unicast univ\n"
	    "1012-\tBGP.origin: Incomplete\n"
	    " \tBGP.as_path: 65000 65001 { 1 2 }\n"
	    " \tBGP.next_hop: 2001:db8::1 fe80::1\n"
	    " \tBGP.med: 5\n"
	    " \tBGP.local_pref: 200\n"
	    " \tBGP.atomic_aggr: \n"
	    " \tBGP.aggregator: 10.0.0.9 AS65000\n"
	    " \tBGP.community: (65000,100) (65535,65281)\n"
	    " \tBGP.originator_id: 10.0.0.5\n"
	    " \tBGP.cluster_list: 10.0.0.1 10.0.0.2\n"
	    " \tBGP.ext_community: (rt, 65000, 100) (ro, 10.0.0.1, 7) "
	    "(generic, 0x80060000, 0x0)\n"
	    " \tBGP.large_community: (65000, 1, 2)\n");
	attrset_unref(s);
	buf_wr_free(&out);

	/* Without LOCAL_PREF (an eBGP route), BIRD's default; an empty
	 * path; the kernel's attributes. */
	s = set(0, "", "10.0.0.1");
	start();
	birdfmt_bgp_attrs(&f, s);
	birdfmt_kernel_attrs(&f, 80, 1024);
	ck_assert_str_eq(text(),
	    "1012-\tBGP.origin: IGP\n"
	    " \tBGP.as_path: \n"
	    " \tBGP.next_hop: 10.0.0.1\n"
	    " \tBGP.local_pref: 100\n"
	    " \tKernel.source: 80\n"
	    " \tKernel.metric: 1024\n");
	attrset_unref(s);
	buf_wr_free(&out);
}
END_TEST

/* Long community lists wrap where BIRD's 500-octet buffer would
 * (int_set_format): items go on while the text before the next one is
 * at most 476 octets ("BGP.community: " counted), 475 on the "\t\t"
 * lines.  "(65000,1000)" is 12 octets: 36 items (482 octets), then 37
 * (480), then the other 27. */
START_TEST(test_wrap)
{
	uint8_t comm[4 * 100];
	struct bgp_attrs a;
	struct ip_addr nh = ip("10.0.0.1");
	struct attrset *s;
	char want[4096];
	size_t len = 0;

	for (int i = 0; i < 100; i++) {
		comm[4 * i] = 0xfd;
		comm[4 * i + 1] = 0xe8;
		comm[4 * i + 2] = (uint8_t)((1000 + i) >> 8);
		comm[4 * i + 3] = (uint8_t)(1000 + i);
	}
	memset(&a, 0, sizeof(a));
	a.present = ATTR_P_ORIGIN | ATTR_P_AS_PATH | ATTR_P_COMMUNITIES;
	a.communities = comm;
	a.ncommunities = 100;
	s = attrset_intern(&a, &nh, NULL);
	for (int i = 0; i < 100; i++)
		len += (size_t)snprintf(want + len, sizeof(want) - len, "%s"
		    "(65000,%d)", i == 0 ? " \tBGP.community: " : i == 36 ||
		    i == 73 ? "\n \t\t" : " ", 1000 + i);
	start();
	birdfmt_bgp_attrs(&f, s);
	ck_assert_ptr_nonnull(strstr(text(), want));
	ck_assert_ptr_nonnull(strstr(text(), "(65000,1099)\n"));
	attrset_unref(s);
	buf_wr_free(&out);

	/* "(1,1)": after 77 items the text is exactly 476 octets, and one
	 * more goes on; 78, then 80 (479 octets), then 42. */
	{
		uint8_t many[4 * 200];
		struct attrset *t;
		unsigned n1 = 0, n2 = 0, n3 = 0, *cur = &n1;
		const char *c;

		for (int i = 0; i < 200; i++)
			memcpy(many + 4 * i, "\x00\x01\x00\x01", 4);
		a.communities = many;
		a.ncommunities = 200;
		t = attrset_intern(&a, &nh, NULL);
		start();
		birdfmt_bgp_attrs(&f, t);
		for (c = strstr(text(), "BGP.community: "); *c != '\0'; c++) {
			if (strncmp(c, "\n \t\t", 4) == 0)
				cur = cur == &n1 ? &n2 : &n3;
			else if (*c == '\n')
				break;
			else if (strncmp(c, "(1,1)", 5) == 0)
				(*cur)++;
		}
		ck_assert_uint_eq(n1, 78);
		ck_assert_uint_eq(n2, 80);
		ck_assert_uint_eq(n3, 42);
		attrset_unref(t);
		buf_wr_free(&out);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("birdfmt");
	TCase *tc = tcase_create("birdfmt");

	tcase_add_test(tc, test_framing);
	tcase_add_test(tc, test_route_lines);
	tcase_add_test(tc, test_origin_as);
	tcase_add_test(tc, test_attrs);
	tcase_add_test(tc, test_wrap);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
