/* Unit tests for config/values: AS numbers, durations, peerIP, communities. */
#include <check.h>
#include <string.h>

#include "config/config.h"
#include "tests/unit/util/testutil.h"

static const struct {
	const char *in;
	int ok;
	uint32_t out;
} asn_cases[] = {
	{ "64512", 1, 64512 },
	{ "0", 1, 0 },
	{ "4294967295", 1, 4294967295u },
	{ "4294967296", 0, 0 },
	{ "0064512", 1, 64512 },	/* Go ParseUint allows leading zeros */
	{ "1.10", 1, 65546 },		/* asdot: 1 * 65536 + 10 */
	{ "0.64512", 1, 64512 },
	{ "65535.65535", 1, 4294967295u },
	{ "65536.1", 0, 0 },
	{ "1.65536", 0, 0 },
	{ "70000.1", 0, 0 },
	{ "1.2.3", 0, 0 },
	{ "1.", 0, 0 },
	{ ".1", 0, 0 },
	{ "-1", 0, 0 },
	{ "+5", 0, 0 },
	{ "0x10", 0, 0 },
	{ "", 0, 0 },
	{ " 5", 0, 0 },
	{ "64512a", 0, 0 },
};

START_TEST(test_asn)
{
	uint32_t v = 12345;
	int ok = config_asn_parse(asn_cases[_i].in, &v) == 0;

	ck_assert_msg(ok == asn_cases[_i].ok, "'%s'", asn_cases[_i].in);
	if (ok)
		ck_assert_uint_eq(v, asn_cases[_i].out);
}
END_TEST

static const struct {
	const char *in;
	int ok;
	uint32_t secs;
} dur_cases[] = {
	{ "120s", 1, 120 },
	{ "0", 1, 0 },
	{ "0s", 1, 0 },
	{ "2m", 1, 120 },
	{ "1h30m", 1, 5400 },
	{ "1.5h", 1, 5400 },
	{ "1m30.5s", 1, 91 },		/* 90.5 rounds half away from zero */
	{ "1499ms", 1, 1 },
	{ "1500ms", 1, 2 },
	{ "2500000us", 1, 3 },
	{ "2500000\xc2\xb5s", 1, 3 },
	{ "100ns", 1, 0 },
	{ ".5s", 1, 1 },
	{ "5.s", 1, 5 },
	{ "+10s", 1, 10 },
	{ "120", 0, 0 },		/* missing unit */
	{ "-5s", 0, 0 },		/* negative waits make no sense */
	{ "10d", 0, 0 },
	{ "s", 0, 0 },
	{ ".s", 0, 0 },
	{ "", 0, 0 },
	{ "1h 30m", 0, 0 },
	{ "99999999999h", 0, 0 },	/* overflows int64 nanoseconds */
};

START_TEST(test_duration)
{
	uint32_t v = 777;
	int ok = config_duration_parse(dur_cases[_i].in, &v) == 0;

	ck_assert_msg(ok == dur_cases[_i].ok, "'%s'", dur_cases[_i].in);
	if (ok)
		ck_assert_uint_eq(v, dur_cases[_i].secs);
}
END_TEST

static const struct {
	const char *in;
	int ok;
	const char *ip;
	uint16_t port;
} pip_cases[] = {
	/* CALICO.md 1.2: accepted */
	{ "192.168.1.1:500", 1, "192.168.1.1", 500 },
	{ "[9000::]:500", 1, "9000::", 500 },
	{ "198.51.100.7", 1, "198.51.100.7", 0 },
	{ "2001:db8::7", 1, "2001:db8::7", 0 },
	{ "198.51.100.7:65535", 1, "198.51.100.7", 65535 },
	{ "[2001:db8::1]:179", 1, "2001:db8::1", 179 },
	/* CALICO.md 1.2: rejected */
	{ "192.168.0.0:0", 0, NULL, 0 },
	{ ":8552", 0, NULL, 0 },
	{ "[]:8552", 0, NULL, 0 },
	{ "192.168.0.0:", 0, NULL, 0 },
	{ "[9000::]:65536", 0, NULL, 0 },
	{ "[192.168.0.0]:98956", 0, NULL, 0 },
	/* more */
	{ "[9000::]", 0, NULL, 0 },
	{ "300.1.1.1:5", 0, NULL, 0 },
	{ "example.com", 0, NULL, 0 },
	{ "198.51.100.7:abc", 0, NULL, 0 },
	{ "", 0, NULL, 0 },
};

START_TEST(test_peerip)
{
	struct ip_addr ip;
	uint16_t port = 1;
	const char *why = NULL;
	char buf[ADDR_STRLEN];
	int ok = config_peerip_parse(pip_cases[_i].in, &ip, &port, &why) == 0;

	ck_assert_msg(ok == pip_cases[_i].ok, "'%s'", pip_cases[_i].in);
	if (!ok) {
		ck_assert_ptr_nonnull(why);
		return;
	}
	ck_assert_str_eq(addr_fmt(&ip, buf, sizeof(buf)), pip_cases[_i].ip);
	ck_assert_uint_eq(port, pip_cases[_i].port);
}
END_TEST

START_TEST(test_community)
{
	struct config_community c;

	ck_assert_int_eq(config_community_parse("65001:100", &c), 0);
	ck_assert(!c.large);
	ck_assert_uint_eq(c.a, 65001);
	ck_assert_uint_eq(c.b, 100);
	ck_assert_int_eq(config_community_parse("4200000000:1:2", &c), 0);
	ck_assert(c.large);
	ck_assert_uint_eq(c.a, 4200000000u);
	ck_assert_uint_eq(c.c, 2);
	ck_assert_int_eq(config_community_parse("65536:1", &c), -1);
	ck_assert_int_eq(config_community_parse("1:65536", &c), -1);
	ck_assert_int_eq(config_community_parse("4294967296:1:1", &c), -1);
	ck_assert_int_eq(config_community_parse("1:2:3:4", &c), -1);
	ck_assert_int_eq(config_community_parse("100", &c), -1);
	ck_assert_int_eq(config_community_parse("a:b", &c), -1);
	ck_assert_int_eq(config_community_parse(":1", &c), -1);
}
END_TEST

START_TEST(test_names)
{
	char big[300];

	ck_assert(config_name_valid("node-1"));
	ck_assert(config_name_valid("node.node-1"));
	ck_assert(config_name_valid("a"));
	ck_assert(config_name_valid("My_Node.2"));
	ck_assert(!config_name_valid(""));
	ck_assert(!config_name_valid("-node"));
	ck_assert(!config_name_valid("node-"));
	ck_assert(!config_name_valid("no de"));
	ck_assert(!config_name_valid("node/1"));
	memset(big, 'a', 253);
	big[253] = '\0';
	ck_assert(config_name_valid(big));
	big[253] = 'a';
	big[254] = '\0';
	ck_assert(!config_name_valid(big));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("values");
	TCase *tc = tcase_create("values");

	tcase_add_loop_test(tc, test_asn, 0,
	    sizeof(asn_cases) / sizeof(asn_cases[0]));
	tcase_add_loop_test(tc, test_duration, 0,
	    sizeof(dur_cases) / sizeof(dur_cases[0]));
	tcase_add_loop_test(tc, test_peerip, 0,
	    sizeof(pip_cases) / sizeof(pip_cases[0]));
	tcase_add_test(tc, test_community);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
