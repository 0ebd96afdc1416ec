/* Unit tests for bgp/session: two sessions talking over a fake wire. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "bgp/session.h"
#include "tests/unit/util/testutil.h"

struct end;

/* One end's fake TCP connection, the session's transport: a context of
 * its own, apart from the hooks'. */
struct wire {
	struct end *e;
	/* What was asked of it, and of the hooks, in order: c connect,
	 * o output, d disconnect; U up, D down (cut at the size). */
	char	calls[64];
	size_t	closing_out;	/* output queued at the last disconnect */
};

struct end {
	struct session *s;
	struct wire w;
	struct end *other;
	bool	conn_requested;
	bool	connected;
	int	ups, downs, updates, eors;
	bool	last_was_up;
	char	down_why[200];
	size_t	last_nlri_len;
	enum bgp_action last_action;
};

static struct end a, b;
static uint64_t now;

static void *transport_ctx;	/* the context the transport last got */

static void
called(struct wire *w, char what)
{
	size_t n = strlen(w->calls);

	if (n + 1 < sizeof(w->calls)) {
		w->calls[n] = what;
		w->calls[n + 1] = '\0';
	}
}

static void
t_connect(void *ctx)
{
	struct wire *w = ctx;

	transport_ctx = ctx;
	called(w, 'c');
	w->e->conn_requested = true;
}

static void
t_output(void *ctx)
{
	transport_ctx = ctx;
	called(ctx, 'o');
}

static void
t_disconnect(void *ctx)
{
	struct wire *w = ctx;

	transport_ctx = ctx;
	called(w, 'd');
	w->closing_out = session_out_pending(w->e->s);
	w->e->connected = false;
}

static const struct session_transport transport = {
	t_connect, t_disconnect, t_output,
};

static void
h_up(void *ctx, uint64_t t)
{
	struct end *e = ctx;

	e->ups++;
	called(&e->w, 'U');
}

static void h_refresh(void *ctx, int af) { }

static void
h_down(void *ctx, bool was_up, const char *why, uint64_t t)
{
	struct end *e = ctx;

	called(&e->w, 'D');
	e->downs++;
	e->last_was_up = was_up;
	snprintf(e->down_why, sizeof(e->down_why), "%s", why ? why : "");
}

static void
h_update(void *ctx, const struct bgp_update *u, const struct bgp_err *err,
    uint64_t t)
{
	struct end *e = ctx;

	e->updates++;
	e->last_nlri_len = u->nlri_len;
	e->last_action = err->action;
}

static void
h_eor(void *ctx, int af)
{
	((struct end *)ctx)->eors++;
}

static const struct session_hooks hooks = {
	h_up, h_down, h_update, h_eor, h_refresh,
};

static void
conf(struct session_conf *c, const char *peer, uint32_t las, uint32_t ras,
    uint32_t id, bool passive)
{
	memset(c, 0, sizeof(*c));
	addr_parse(peer, &c->peer);
	c->af = AF_INET;
	c->port = 179;
	c->local_as = las;
	c->remote_as = ras;
	c->router_id = id;
	c->passive = passive;
	snprintf(c->hostname, sizeof(c->hostname), "node-%u", id);
}

static void
setup_pair(uint32_t a_expects, uint32_t b_expects)
{
	struct session_conf ca, cb;

	now = 1000;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.other = &b;
	b.other = &a;
	a.w.e = &a;
	b.w.e = &b;
	transport_ctx = NULL;
	conf(&ca, "198.51.100.2", 65001, a_expects, 0xc6336401, false);
	conf(&cb, "198.51.100.1", 65002, b_expects, 0xc6336402, true);
	a.s = session_new(&ca, &transport, &a.w, &hooks, &a, now);
	b.s = session_new(&cb, &transport, &b.w, &hooks, &b, now);
}

static void
teardown_pair(void)
{
	session_free(a.s);
	session_free(b.s);
	a.s = b.s = NULL;
}

/* Move bytes from src's output to dst's input while connected. */
static bool
pump_one(struct end *src, struct end *dst)
{
	const uint8_t *p;
	size_t len, room;
	uint8_t *in;
	bool moved = false;

	session_out_data(src->s, &p, &len);
	if (len == 0)
		return false;
	if (!dst->connected) {
		session_out_written(src->s, len, now);
		return false;
	}
	session_in_space(dst->s, &in, &room);
	if (len > room)
		len = room;
	memcpy(in, p, len);
	session_out_written(src->s, len, now);
	while (session_in_commit(dst->s, moved ? 0 : len, now))
		moved = true;
	return true;
}

static void
pump(void)
{
	for (int i = 0; i < 100; i++) {
		bool x = pump_one(&a, &b);
		bool y = pump_one(&b, &a);

		if (!x && !y)
			return;
	}
	ck_abort_msg("the sessions never went quiet");
}

static void
connect_pair(void)
{
	session_start(a.s, now);
	session_start(b.s, now);
	now += 2000;
	session_run_timers(a.s, now);
	ck_assert(a.conn_requested);
	a.connected = b.connected = true;
	session_connected(a.s, now);
	session_connected(b.s, now);
	pump();
}

START_TEST(test_establish)
{
	setup_pair(65002, 65001);
	connect_pair();
	ck_assert_str_eq(session_state_name(a.s), "Established");
	ck_assert_str_eq(session_state_name(b.s), "Established");
	ck_assert_int_eq(a.ups, 1);
	ck_assert_int_eq(b.ups, 1);
	ck_assert(a.s->neg.as4 && a.s->neg.ext_msg && a.s->neg.ipv4);
	ck_assert(!a.s->neg.ipv6);
	ck_assert_uint_eq(a.s->neg.hold, 90);
	ck_assert_uint_eq(a.s->neg.peer_id, 0xc6336402);
	ck_assert(b.s->neg.peer_caps.fqdn);
	ck_assert_mem_eq(b.s->neg.peer_caps.hostname, "node-3325256705", 15);
	ck_assert_uint_eq(session_max_msg(a.s), 65535);
	/* OPEN + KEEPALIVE each way. */
	ck_assert_uint_eq(a.s->stats.msgs_out, 2);
	ck_assert_uint_eq(b.s->stats.msgs_in, 2);
	/* Keepalives every 30 s keep both up past the hold time. */
	for (int i = 0; i < 10; i++) {
		now += 30000;
		session_run_timers(a.s, now);
		session_run_timers(b.s, now);
		pump();
	}
	ck_assert(session_established(a.s) && session_established(b.s));
	ck_assert_uint_eq(a.s->stats.keepalives_out, 11);
	teardown_pair();
}
END_TEST

START_TEST(test_bad_peer_as)
{
	setup_pair(65002, 65009);
	connect_pair();
	ck_assert(!session_established(a.s));
	ck_assert_str_eq(b.down_why, "BGP Error: Bad Peer AS");
	ck_assert_str_eq(a.down_why, "Received: Bad Peer AS");
	ck_assert_str_eq(session_state_name(a.s), "Idle");
	/* Back-off: nothing for 5 s, then A tries again. */
	a.conn_requested = false;
	now += 4999;
	session_run_timers(a.s, now);
	ck_assert(!a.conn_requested);
	now += 1;
	session_run_timers(a.s, now);
	ck_assert(a.conn_requested);
	teardown_pair();
}
END_TEST

START_TEST(test_update_delivery)
{
	struct buf_wr *w;
	struct bgp_attrs at;
	struct ip_prefix p;
	struct ip_addr nh;
	uint8_t path[6] = { 2, 1, 0, 0, 0xfd, 0xe9 };

	setup_pair(65002, 65001);
	connect_pair();
	memset(&at, 0, sizeof(at));
	at.present = ATTR_P_ORIGIN | ATTR_P_AS_PATH;
	at.aspath = path;
	at.aspath_len = 6;
	addr_pfx_parse("100.64.7.0/26", &p, false);
	addr_parse("198.51.100.1", &nh);
	w = session_outbuf(a.s);
	ck_assert_uint_eq(update_encode_reach(w, session_max_msg(a.s),
	    &a.s->actx, &at, &nh, NULL, &p, NULL, 1), 1);
	update_encode_eor(w, AF_INET);
	session_queued(a.s, 2, 1, now);
	pump();
	ck_assert_int_eq(b.updates, 1);
	ck_assert_uint_eq(b.last_nlri_len, 5);	/* a /26 */
	ck_assert_int_eq(b.last_action, BGP_ACT_NONE);
	ck_assert_int_eq(b.eors, 1);
	ck_assert_uint_eq(b.s->stats.updates_in, 2);
	teardown_pair();
}
END_TEST

START_TEST(test_update_reset)
{
	struct buf_wr *w;
	size_t start;

	setup_pair(65002, 65001);
	connect_pair();
	/* An UPDATE whose NLRI prefix length is 33: session reset. */
	w = session_outbuf(a.s);
	start = msg_begin(w, BGP_MSG_UPDATE);
	buf_put_bytes(w, "\x00\x00\x00\x00\x21\x64\x40\x00\x00\x00", 10);
	msg_end(w, start);
	session_queued(a.s, 1, 1, now);
	pump();
	ck_assert(!session_established(b.s));
	ck_assert_str_eq(b.down_why, "BGP Error: Invalid Network Field");
	ck_assert(a.last_was_up);
	ck_assert_str_eq(a.down_why, "Received: Invalid Network Field");
	teardown_pair();
}
END_TEST

START_TEST(test_shutdown_text)
{
	setup_pair(65002, 65001);
	connect_pair();
	session_stop(a.s, BGP_CEASE_SHUTDOWN, "maintenance \x1b[31m", now);
	pump();
	ck_assert_str_eq(b.down_why, "Received: Administrative Shutdown "
	    "\"maintenance \\x1b[31m\"");
	ck_assert(b.last_was_up);
	ck_assert_str_eq(session_state_name(a.s), "Idle");
	/* Stopped: A never reconnects. */
	a.conn_requested = false;
	now += 600000;
	session_run_timers(a.s, now);
	ck_assert(!a.conn_requested);
	teardown_pair();
}
END_TEST

/* RFC 9003 shutdown texts as received: bad ones are flagged, shown
 * escaped, never trusted. */
static const struct {
	const char *hex;	/* NOTIFICATION body */
	const char *why;
} shut_rows[] = {
	{ "06 02 02 6f 6b", "Received: Administrative Shutdown \"ok\"" },
	/* length 10, 3 octets there */
	{ "06 02 0a 61 62 63", "Received: Administrative Shutdown "
	  "(malformed shutdown communication: \"abc\")" },
	/* not UTF-8 */
	{ "06 04 03 ff fe 41", "Received: Administrative Reset "
	  "(malformed shutdown communication: \"\\xff\\xfeA\")" },
	/* a truncated UTF-8 sequence at the end */
	{ "06 02 02 41 c3", "Received: Administrative Shutdown "
	  "(malformed shutdown communication: \"A\\xc3\")" },
	/* length octet only, claiming text */
	{ "06 02 05", "Received: Administrative Shutdown "
	  "(malformed shutdown communication: \"\")" },
};

START_TEST(test_shutdown_malformed)
{
	uint8_t body[64], *in;
	size_t n, room;

	setup_pair(65002, 65001);
	connect_pair();
	n = tu_hex(shut_rows[_i].hex, body, sizeof(body));
	session_in_space(b.s, &in, &room);
	memset(in, 0xff, 16);
	in[16] = 0;
	in[17] = (uint8_t)(BGP_HDR_LEN + n);
	in[18] = BGP_MSG_NOTIFICATION;
	memcpy(in + BGP_HDR_LEN, body, n);
	session_in_commit(b.s, BGP_HDR_LEN + n, now);
	ck_assert(!session_established(b.s));
	ck_assert_str_eq(b.down_why, shut_rows[_i].why);
	ck_assert_str_eq(b.s->last_error, shut_rows[_i].why);
	teardown_pair();
}
END_TEST

START_TEST(test_garbage_header)
{
	uint8_t *in;
	size_t room;

	setup_pair(65002, 65001);
	connect_pair();
	session_in_space(b.s, &in, &room);
	memset(in, 0xee, 19);
	session_in_commit(b.s, 19, now);
	ck_assert(!session_established(b.s));
	ck_assert_str_eq(b.down_why,
	    "BGP Error: Connection Not Synchronized");
	teardown_pair();
}
END_TEST

/*
 * The session calls its transport itself, with the transport's own
 * context, in the FSM's order: a NOTIFICATION is queued (output) before
 * the disconnect, which finds it still queued to flush, and the speaker
 * hears of the session going down only after that.
 */
START_TEST(test_transport_calls)
{
	uint8_t *in;
	size_t room;

	setup_pair(65002, 65001);
	session_start(a.s, now);
	session_start(b.s, now);
	now += 2000;
	session_run_timers(a.s, now);
	ck_assert_str_eq(a.w.calls, "c");
	ck_assert_ptr_eq(transport_ctx, &a.w);
	/* No answer within the retry time: the attempt is dropped, a new
	 * one made. */
	now += 5000;
	session_run_timers(a.s, now);
	ck_assert_str_eq(a.w.calls, "cdc");
	ck_assert_uint_eq(a.w.closing_out, 0);
	ck_assert_str_eq(b.w.calls, "");	/* passive */
	a.connected = b.connected = true;
	session_connected(a.s, now);
	ck_assert_str_eq(a.w.calls, "cdco");	/* the OPEN */
	session_connected(b.s, now);
	ck_assert_ptr_eq(transport_ctx, &b.w);
	pump();
	/* OPEN, then KEEPALIVE once the peer's OPEN is in, then up. */
	ck_assert_str_eq(a.w.calls, "cdcooU");
	ck_assert_str_eq(b.w.calls, "ooU");

	/* B finds an error: NOTIFICATION, disconnect, down. */
	a.w.calls[0] = b.w.calls[0] = '\0';
	session_in_space(b.s, &in, &room);
	memset(in, 0xee, 19);
	session_in_commit(b.s, 19, now);
	ck_assert_str_eq(b.w.calls, "odD");
	ck_assert_ptr_eq(transport_ctx, &b.w);
	ck_assert_uint_eq(b.w.closing_out, BGP_HDR_LEN + 2);
	ck_assert_str_eq(a.w.calls, "");
	pump();
	ck_assert_str_eq(a.w.calls, "dD");	/* A received it */
	ck_assert_uint_eq(a.w.closing_out, 0);
	teardown_pair();

	/* An operator's stop: the Cease goes before the close too. */
	setup_pair(65002, 65001);
	connect_pair();
	a.w.calls[0] = b.w.calls[0] = '\0';
	session_stop(a.s, BGP_CEASE_SHUTDOWN, NULL, now);
	ck_assert_str_eq(a.w.calls, "odD");
	ck_assert_uint_eq(a.w.closing_out, BGP_HDR_LEN + 2);
	teardown_pair();
}
END_TEST

/* A KEEPALIVE's octets (RFC 4271 4.4). */
static void
keepalive_at(uint8_t *p)
{
	memset(p, 0xff, 16);
	p[16] = 0;
	p[17] = BGP_HDR_LEN;
	p[18] = BGP_MSG_KEEPALIVE;
}

/*
 * A read that finds nothing (EAGAIN) after session_in_space(): the
 * session cancels, and what it holds beyond one commit's limit stays its
 * own while another session reads into the shared buffer; the next
 * commit without new octets (the daemon's "more" event) dispatches the
 * session's own messages, not the other's.
 */
START_TEST(test_in_cancel)
{
	const size_t n = SESSION_MSG_LIMIT + 2;
	uint8_t *in;
	size_t room;
	uint64_t ka;

	setup_pair(65002, 65001);
	connect_pair();
	ka = a.s->stats.keepalives_in;
	session_in_space(a.s, &in, &room);
	ck_assert_uint_ge(room, n * BGP_HDR_LEN);
	for (size_t i = 0; i < n; i++)
		keepalive_at(in + i * BGP_HDR_LEN);
	/* More than one commit dispatches: the rest is held. */
	ck_assert(session_in_commit(a.s, n * BGP_HDR_LEN, now));
	ck_assert_uint_eq(a.s->stats.keepalives_in, ka + SESSION_MSG_LIMIT);
	session_in_space(a.s, &in, &room);
	session_in_cancel(a.s);		/* EAGAIN */
	session_in_space(b.s, &in, &room);
	memset(in, 0xee, 4 * BGP_HDR_LEN);
	session_in_commit(b.s, 4 * BGP_HDR_LEN, now);
	ck_assert(!session_established(b.s));
	/* A's "more": its own two keepalives. */
	ck_assert(!session_in_commit(a.s, 0, now));
	ck_assert(session_established(a.s));
	ck_assert_int_eq(a.downs, 0);
	ck_assert_uint_eq(a.s->stats.keepalives_in, ka + n);
	teardown_pair();
}
END_TEST

/*
 * The shared input buffer goes back once no session has read for the
 * idle time, not before and not while one holds it; reading takes a
 * new one.
 */
START_TEST(test_in_release)
{
	uint8_t *in;
	size_t room;
	uint64_t ka;

	setup_pair(65002, 65001);
	connect_pair();
	ck_assert(!session_in_release(now, 1000));
	ck_assert(!session_in_release(now + 999, 1000));
	session_in_space(a.s, &in, &room);
	ck_assert(!session_in_release(now + 5000, 1000));	/* in use */
	session_in_cancel(a.s);
	ck_assert(session_in_release(now + 1000, 1000));
	ck_assert(!session_in_release(now + 2000, 1000));	/* gone */
	/* Both stay up, reading with new buffers. */
	ka = a.s->stats.keepalives_in;
	for (int i = 0; i < 4; i++) {
		now += 30000;
		session_run_timers(a.s, now);
		session_run_timers(b.s, now);
		pump();
		ck_assert(session_in_release(now + 1000, 1000));
	}
	ck_assert(session_established(a.s) && session_established(b.s));
	ck_assert_uint_eq(a.s->stats.keepalives_in, ka + 4);
	teardown_pair();
}
END_TEST

START_TEST(test_collision_rule)
{
	setup_pair(65002, 65001);
	/* A (id .1) keeps its own connection only against a lower id. */
	ck_assert(session_collision_new_wins(a.s, 0xc6336402));
	ck_assert(!session_collision_new_wins(b.s, 0xc6336401));
	teardown_pair();
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("session");
	TCase *tc = tcase_create("session");

	tcase_add_test(tc, test_establish);
	tcase_add_test(tc, test_bad_peer_as);
	tcase_add_test(tc, test_update_delivery);
	tcase_add_test(tc, test_update_reset);
	tcase_add_test(tc, test_shutdown_text);
	tcase_add_loop_test(tc, test_shutdown_malformed, 0,
	    sizeof(shut_rows) / sizeof(shut_rows[0]));
	tcase_add_test(tc, test_garbage_header);
	tcase_add_test(tc, test_transport_calls);
	tcase_add_test(tc, test_collision_rule);
	tcase_add_test(tc, test_in_cancel);
	tcase_add_test(tc, test_in_release);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
