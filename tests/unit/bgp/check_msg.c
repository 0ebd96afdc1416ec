/* Unit tests for bgp/msg: header, OPEN and capabilities, NOTIFICATION,
 * ROUTE-REFRESH, KEEPALIVE, as byte tables and round trips. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/msg.h"
#include "tests/unit/util/testutil.h"

#define MARKER "ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff "

static const struct {
	const char *name;
	const char *hex;
	size_t max;
	int ok;
	uint8_t subcode;
	const char *data;	/* expected NOTIFICATION data, hex */
} hdr_cases[] = {
	{ "keepalive", MARKER "00 13 04", BGP_MAX_MSG, 1, 0, NULL },
	{ "open min", MARKER "00 1d 01", BGP_MAX_MSG, 1, 0, NULL },
	{ "bad marker", "ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff fe "
	  "00 13 04", BGP_MAX_MSG, 0, BGP_HDR_SYNC, "" },
	{ "type 0", MARKER "00 13 00", BGP_MAX_MSG, 0, BGP_HDR_TYPE, "00" },
	{ "type 6", MARKER "00 13 06", BGP_MAX_MSG, 0, BGP_HDR_TYPE, "06" },
	{ "length 18", MARKER "00 12 04", BGP_MAX_MSG, 0, BGP_HDR_LENGTH,
	  "00 12" },
	{ "keepalive 20", MARKER "00 14 04", BGP_MAX_MSG, 0, BGP_HDR_LENGTH,
	  "00 14" },
	{ "open 28", MARKER "00 1c 01", BGP_MAX_MSG, 0, BGP_HDR_LENGTH,
	  "00 1c" },
	{ "update 22", MARKER "00 16 02", BGP_MAX_MSG, 0, BGP_HDR_LENGTH,
	  "00 16" },
	{ "notification 20", MARKER "00 14 03", BGP_MAX_MSG, 0,
	  BGP_HDR_LENGTH, "00 14" },
	{ "update 4097", MARKER "10 01 02", BGP_MAX_MSG, 0, BGP_HDR_LENGTH,
	  "10 01" },
	{ "update 4097 extended", MARKER "10 01 02", BGP_MAX_MSG_EXT, 1, 0,
	  NULL },
	{ "open 4097 never extended", MARKER "10 01 01", BGP_MAX_MSG_EXT, 0,
	  BGP_HDR_LENGTH, "10 01" },
};

START_TEST(test_header)
{
	uint8_t b[64], d[8];
	struct msg_hdr h;
	struct bgp_err e;
	int rc;

	memset(&e, 0, sizeof(e));
	tu_hex(hdr_cases[_i].hex, b, sizeof(b));
	rc = msg_hdr_check(b, hdr_cases[_i].max, &h, &e);
	ck_assert_msg((rc == 0) == hdr_cases[_i].ok, "%s", hdr_cases[_i].name);
	if (rc == 0)
		return;
	ck_assert_int_eq(e.action, BGP_ACT_RESET);
	ck_assert_uint_eq(e.code, BGP_ERR_HEADER);
	ck_assert_uint_eq(e.subcode, hdr_cases[_i].subcode);
	ck_assert_uint_eq(e.data_len, tu_hex(hdr_cases[_i].data, d,
	    sizeof(d)));
	if (e.data_len > 0)
		ck_assert_mem_eq(e.data, d, e.data_len);
}
END_TEST

/* An OPEN from AS 65000 (4-octet 4200000001), hold 90, id 198.51.100.1,
 * with MP v4+v6, RR, enhanced RR, AS4, GR (R, 120 s, v4 F), LLGR, ADD-PATH,
 * extended message, FQDN and an unknown capability 99, then two empty
 * capabilities parameters (allowed). */
#define OPEN_BODY \
	"04 fd e8 00 5a c6 33 64 01 43 02 3d " \
	"01 04 00 01 00 01 01 04 00 02 00 01 02 00 46 00 " \
	"41 04 fa 56 ea 01 40 06 80 78 00 01 01 80 " \
	"47 07 00 01 01 80 00 0e 10 45 04 00 01 01 03 06 00 " \
	"49 07 05 6e 6f 64 65 31 00 63 03 01 02 03 " \
	"02 00 02 00 "

START_TEST(test_open_decode)
{
	uint8_t b[256];
	size_t n = tu_hex(OPEN_BODY, b, sizeof(b));
	struct msg_open o;
	struct bgp_err e;

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(msg_open_decode(b, n, &o, &e), 0);
	ck_assert_uint_eq(o.my_as, 65000);
	ck_assert_uint_eq(o.hold_time, 90);
	ck_assert_uint_eq(o.bgp_id, 0xc6336401);
	ck_assert_uint_eq(o.caps.nmp, 2);
	ck_assert(msg_caps_has_af(&o.caps, BGP_AFI_IPV6, BGP_SAFI_UNICAST));
	ck_assert(o.caps.route_refresh);
	ck_assert(o.caps.enhanced_rr);
	ck_assert(o.caps.as4);
	ck_assert_uint_eq(o.caps.as4_value, 4200000001u);
	ck_assert(o.caps.gr);
	ck_assert_uint_eq(o.caps.gr_flags, MSG_GR_R);
	ck_assert_uint_eq(o.caps.gr_time, 120);
	ck_assert_uint_eq(o.caps.ngr_afs, 1);
	ck_assert_uint_eq(o.caps.gr_afs[0].flags, MSG_AF_F);
	ck_assert(o.caps.llgr);
	ck_assert_uint_eq(o.caps.llgr_afs[0].stale, 3600);
	ck_assert(o.caps.addpath);
	ck_assert_uint_eq(o.caps.addpath_afs[0].flags, 3);
	ck_assert(o.caps.ext_msg);
	ck_assert(o.caps.fqdn);
	ck_assert_uint_eq(o.caps.hostname_len, 5);
	ck_assert_mem_eq(o.caps.hostname, "node1", 5);
	ck_assert_uint_eq(o.caps.nunknown, 1);
	ck_assert_uint_eq(o.caps.unknown[0], 99);
}
END_TEST

START_TEST(test_open_roundtrip)
{
	struct msg_open o, o2;
	struct buf_wr w;
	struct bgp_err e;
	struct msg_hdr h;

	memset(&o, 0, sizeof(o));
	memset(&e, 0, sizeof(e));
	o.version = 4;
	o.my_as = BGP_AS_TRANS;
	o.hold_time = 240;
	o.bgp_id = 0xc6336409;
	o.caps.mp[0] = (struct msg_af){ BGP_AFI_IPV4, 1, 0, 0 };
	o.caps.mp[1] = (struct msg_af){ BGP_AFI_IPV6, 1, 0, 0 };
	o.caps.nmp = 2;
	o.caps.route_refresh = true;
	o.caps.as4 = true;
	o.caps.as4_value = 4200000009u;
	o.caps.gr = true;
	o.caps.gr_flags = MSG_GR_R | MSG_GR_N;
	o.caps.gr_time = 120;
	o.caps.gr_afs[0] = (struct msg_af){ BGP_AFI_IPV4, 1, MSG_AF_F, 0 };
	o.caps.ngr_afs = 1;
	o.caps.llgr = true;
	o.caps.llgr_afs[0] = (struct msg_af){ BGP_AFI_IPV6, 1, 0, 86400 };
	o.caps.nllgr_afs = 1;
	buf_wr_init(&w, 0);
	msg_open_encode(&w, &o);
	ck_assert_int_eq(msg_hdr_check(w.data, BGP_MAX_MSG, &h, &e), 0);
	ck_assert_uint_eq(h.len, w.len);
	ck_assert_int_eq(msg_open_decode(w.data + 19, w.len - 19, &o2, &e), 0);
	ck_assert_uint_eq(o2.my_as, BGP_AS_TRANS);
	ck_assert_uint_eq(o2.caps.as4_value, 4200000009u);
	ck_assert_uint_eq(o2.caps.gr_flags, MSG_GR_R | MSG_GR_N);
	ck_assert_uint_eq(o2.caps.gr_time, 120);
	ck_assert_uint_eq(o2.caps.llgr_afs[0].stale, 86400);
	ck_assert_uint_eq(o2.caps.nmp, 2);
	/* Encoding the decoded OPEN again gives the same bytes. */
	{
		struct buf_wr w2;

		buf_wr_init(&w2, 0);
		o2.version = 4;
		msg_open_encode(&w2, &o2);
		ck_assert_uint_eq(w2.len, w.len);
		ck_assert_mem_eq(w2.data, w.data, w.len);
		buf_wr_free(&w2);
	}
	buf_wr_free(&w);
}
END_TEST

static const struct {
	const char *name;
	const char *hex;
	uint8_t code, subcode;
} open_bad[] = {
	{ "version 3", "03 fd e8 00 5a c6 33 64 01 00", BGP_ERR_OPEN,
	  BGP_OPEN_VERSION },
	{ "hold time 1", "04 fd e8 00 01 c6 33 64 01 00", BGP_ERR_OPEN,
	  BGP_OPEN_HOLDTIME },
	{ "hold time 2", "04 fd e8 00 02 c6 33 64 01 00", BGP_ERR_OPEN,
	  BGP_OPEN_HOLDTIME },
	{ "bgp id 0", "04 fd e8 00 5a 00 00 00 00 00", BGP_ERR_OPEN,
	  BGP_OPEN_BGPID },
	{ "opt len past end", "04 fd e8 00 5a c6 33 64 01 08 02 02 02 00",
	  BGP_ERR_OPEN, BGP_OPEN_UNSPEC },
	{ "trailing octets", "04 fd e8 00 5a c6 33 64 01 00 00", BGP_ERR_OPEN,
	  BGP_OPEN_UNSPEC },
	{ "param type 1", "04 fd e8 00 5a c6 33 64 01 03 01 01 00",
	  BGP_ERR_OPEN, BGP_OPEN_OPTPARAM },
	{ "capability overruns", "04 fd e8 00 5a c6 33 64 01 04 02 02 41 04",
	  BGP_ERR_OPEN, BGP_OPEN_UNSPEC },
	{ "as4 length 3", "04 fd e8 00 5a c6 33 64 01 07 02 05 41 03 00 00 01",
	  BGP_ERR_OPEN, BGP_OPEN_UNSPEC },
	{ "gr length 3", "04 fd e8 00 5a c6 33 64 01 07 02 05 40 03 00 78 00",
	  BGP_ERR_OPEN, BGP_OPEN_UNSPEC },
	{ "mp length 3", "04 fd e8 00 5a c6 33 64 01 07 02 05 01 03 00 01 00",
	  BGP_ERR_OPEN, BGP_OPEN_UNSPEC },
	{ "fqdn overruns", "04 fd e8 00 5a c6 33 64 01 06 02 04 49 02 09 61",
	  BGP_ERR_OPEN, BGP_OPEN_UNSPEC },
	{ "rfc9072 ext length past end",
	  "04 fd e8 00 5a c6 33 64 01 ff ff 00 10 02 00 02 00",
	  BGP_ERR_OPEN, BGP_OPEN_UNSPEC },
	{ "too short", "04 fd e8 00", BGP_ERR_HEADER, BGP_HDR_LENGTH },
};

START_TEST(test_open_bad)
{
	uint8_t b[64];
	size_t n = tu_hex(open_bad[_i].hex, b, sizeof(b));
	struct msg_open o;
	struct bgp_err e;

	memset(&e, 0, sizeof(e));
	ck_assert_msg(msg_open_decode(b, n, &o, &e) == -1, "%s",
	    open_bad[_i].name);
	ck_assert_int_eq(e.action, BGP_ACT_RESET);
	ck_assert_msg(e.code == open_bad[_i].code &&
	    e.subcode == open_bad[_i].subcode, "%s: %u/%u", open_bad[_i].name,
	    e.code, e.subcode);
	if (open_bad[_i].subcode == BGP_OPEN_VERSION)
		ck_assert_mem_eq(e.data, "\x00\x04", 2);
}
END_TEST

START_TEST(test_open_rfc9072)
{
	/* Extended optional parameters: 255, 255, 2-octet lengths. */
	uint8_t b[64];
	size_t n = tu_hex("04 fd e8 00 5a c6 33 64 01 ff ff 00 09 02 00 06 "
	    "41 04 00 00 fd e8", b, sizeof(b));
	struct msg_open o;
	struct bgp_err e;

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(msg_open_decode(b, n, &o, &e), 0);
	ck_assert(o.caps.as4);
	ck_assert_uint_eq(o.caps.as4_value, 65000);
}
END_TEST

START_TEST(test_open_no_caps)
{
	uint8_t b[16];
	size_t n = tu_hex("04 fd e8 00 00 c6 33 64 01 00", b, sizeof(b));
	struct msg_open o;
	struct bgp_err e;

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(msg_open_decode(b, n, &o, &e), 0);
	ck_assert_uint_eq(o.hold_time, 0);
	ck_assert(!o.caps.any);
	/* RFC 4760: a speaker without MP capabilities does IPv4 unicast. */
	ck_assert(msg_caps_has_af(&o.caps, BGP_AFI_IPV4, BGP_SAFI_UNICAST));
	ck_assert(!msg_caps_has_af(&o.caps, BGP_AFI_IPV6, BGP_SAFI_UNICAST));
}
END_TEST

START_TEST(test_notification)
{
	uint8_t b[512];
	size_t n;
	struct msg_notification m;
	struct buf_wr w;

	/* Valid shutdown communication. */
	n = tu_hex("06 02 0b 6d 61 69 6e 74 65 6e 61 6e 63 65", b, sizeof(b));
	ck_assert_int_eq(msg_notification_decode(b, n, &m), 0);
	ck_assert_uint_eq(m.code, 6);
	ck_assert_uint_eq(m.subcode, 2);
	ck_assert_uint_eq(m.text_len, 11);
	ck_assert_mem_eq(m.text, "maintenance", 11);
	ck_assert(!m.text_bad);
	/* Length octet larger than the data: kept short, flagged. */
	n = tu_hex("06 04 ff 61 62", b, sizeof(b));
	ck_assert_int_eq(msg_notification_decode(b, n, &m), 0);
	ck_assert(m.text_bad);
	ck_assert_uint_eq(m.text_len, 2);
	/* Invalid UTF-8 is flagged, not rejected. */
	n = tu_hex("06 02 03 61 ff 62", b, sizeof(b));
	ck_assert_int_eq(msg_notification_decode(b, n, &m), 0);
	ck_assert(m.text_bad);
	ck_assert_uint_eq(m.text_len, 3);
	/* No text on other subcodes; data kept as is. */
	n = tu_hex("03 05 40 01 02 00 00", b, sizeof(b));
	ck_assert_int_eq(msg_notification_decode(b, n, &m), 0);
	ck_assert_ptr_null(m.text);
	ck_assert_uint_eq(m.data_len, 5);
	ck_assert_int_eq(msg_notification_decode(b, 1, &m), -1);
	/* Encoding cuts long text at 128 octets on a character boundary. */
	{
		char text[300];

		memset(text, 'a', 127);
		strcpy(text + 127, "\xc3\xa9\xc3\xa9");	/* 2 x e-acute */
		buf_wr_init(&w, 0);
		msg_notification_shutdown(&w, BGP_CEASE_SHUTDOWN, text);
		ck_assert_uint_eq(w.data[21], 127);
		ck_assert_uint_eq(w.len, 19 + 2 + 1 + 127);
		ck_assert_int_eq(msg_notification_decode(w.data + 19,
		    w.len - 19, &m), 0);
		ck_assert(!m.text_bad);
		buf_wr_free(&w);
	}
}
END_TEST

START_TEST(test_rrefresh_keepalive)
{
	struct buf_wr w;
	struct msg_rrefresh r;
	struct bgp_err e;
	struct msg_hdr h;

	memset(&e, 0, sizeof(e));
	buf_wr_init(&w, 0);
	msg_rrefresh_encode(&w, BGP_AFI_IPV6, 0, BGP_SAFI_UNICAST);
	ck_assert_uint_eq(w.len, 23);
	ck_assert_int_eq(msg_hdr_check(w.data, BGP_MAX_MSG, &h, &e), 0);
	ck_assert_int_eq(msg_rrefresh_decode(w.data + 19, 4, &r, &e), 0);
	ck_assert_uint_eq(r.afi, BGP_AFI_IPV6);
	ck_assert_int_eq(msg_rrefresh_decode(w.data + 19, 5, &r, &e), -1);
	ck_assert_uint_eq(e.code, BGP_ERR_RREFRESH);
	ck_assert_uint_eq(e.subcode, BGP_RR_BAD_LENGTH);
	buf_wr_reset(&w);
	msg_keepalive_encode(&w);
	ck_assert_uint_eq(w.len, 19);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(msg_hdr_check(w.data, BGP_MAX_MSG, &h, &e), 0);
	ck_assert_uint_eq(h.type, BGP_MSG_KEEPALIVE);
	buf_wr_free(&w);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(bgp_err_code_name(6), "Cease");
	ck_assert_str_eq(bgp_err_subcode_name(6, 2), "Administrative Shutdown");
	ck_assert_str_eq(bgp_err_subcode_name(3, 11), "Malformed AS_PATH");
	ck_assert_str_eq(bgp_err_subcode_name(2, 99), "Unknown subcode");
	ck_assert_str_eq(bgp_err_code_name(99), "Unknown error");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("msg");
	TCase *tc = tcase_create("msg");

	tcase_add_loop_test(tc, test_header, 0,
	    sizeof(hdr_cases) / sizeof(hdr_cases[0]));
	tcase_add_test(tc, test_open_decode);
	tcase_add_test(tc, test_open_roundtrip);
	tcase_add_loop_test(tc, test_open_bad, 0,
	    sizeof(open_bad) / sizeof(open_bad[0]));
	tcase_add_test(tc, test_open_rfc9072);
	tcase_add_test(tc, test_open_no_caps);
	tcase_add_test(tc, test_notification);
	tcase_add_test(tc, test_rrefresh_keepalive);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
