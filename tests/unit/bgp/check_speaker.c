/*
 * Unit tests for bgp/speaker: small networks of speakers in memory,
 * sessions joined by a pump, time advanced by hand.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "bgp/aspath.h"
#include "bgp/attrset.h"
#include "bgp/speaker.h"
#include "tests/unit/util/testutil.h"

struct node {
	struct speaker *sp;
	uint32_t as, id;
	struct ip_addr addr;
};

struct half {
	struct link *l;
	int	side;
};

struct link {
	struct node *n[2];
	struct speaker_peer *p[2];
	struct half h[2];
	bool	want[2];
	bool	connected;
};

static struct node nodes[4];
static struct link links[4];
static int nlinks;
static uint64_t now;

static void
io_connect(void *ctx)
{
	struct half *h = ctx;

	h->l->want[h->side] = true;
}

static bool move(struct link *l, int from);

/* Like the daemon: hand over the last bytes (a NOTIFICATION), close. */
static void
io_disconnect(void *ctx)
{
	struct half *h = ctx;
	struct link *l = h->l;

	if (!l->connected)
		return;
	move(l, h->side);
	l->connected = false;
	session_closed(speaker_peer_session(l->p[!h->side]), "closed by peer",
	    now);
}

static void io_output(void *ctx) { }
static void io_wakeup(void *arg) { }

static const struct speaker_io io = {
	io_connect, io_disconnect, io_output, io_wakeup, NULL, NULL,
};

static void
node_init(int i, uint32_t as)
{
	char a[32];

	snprintf(a, sizeof(a), "198.51.100.%d", i + 1);
	nodes[i].as = as;
	nodes[i].id = 0xc6336400u + (uint32_t)i + 1;
	addr_parse(a, &nodes[i].addr);
	nodes[i].sp = speaker_new(nodes[i].id, &io);
}

static void
add_peer(struct link *l, int side)
{
	struct node *me = l->n[side], *them = l->n[!side];
	struct speaker_peer_conf c;

	memset(&c, 0, sizeof(c));
	snprintf(c.session.name, sizeof(c.session.name), "peer");
	c.session.peer = them->addr;
	c.session.port = 179;
	c.session.af = AF_INET;
	c.session.local_as = me->as;
	c.session.remote_as = them->as;
	c.session.router_id = me->id;
	c.session.passive = side == 1;
	c.local_addr = me->addr;
	l->h[side].l = l;
	l->h[side].side = side;
	l->p[side] = speaker_peer_add(me->sp, &c, &l->h[side], now);
}

static struct link *
link_nodes(int a, int b)
{
	struct link *l = &links[nlinks++];

	memset(l, 0, sizeof(*l));
	l->n[0] = &nodes[a];
	l->n[1] = &nodes[b];
	add_peer(l, 0);
	add_peer(l, 1);
	return l;
}

static bool
move(struct link *l, int from)
{
	struct session *s = speaker_peer_session(l->p[from]);
	struct session *d = speaker_peer_session(l->p[!from]);
	const uint8_t *p;
	uint8_t *in;
	size_t len, room;

	session_out_data(s, &p, &len);
	if (len == 0)
		return false;
	session_in_space(d, &in, &room);
	if (len > room)
		len = room;
	memcpy(in, p, len);
	session_out_written(s, len, now);
	if (session_in_commit(d, len, now))
		while (session_in_commit(d, 0, now))
			;
	speaker_peer_writable(l->n[from]->sp, l->p[from]);
	return true;
}

static void
settle(void)
{
	for (int round = 0; round < 10000; round++) {
		bool busy = false;

		for (int i = 0; i < 4; i++) {
			if (nodes[i].sp == NULL)
				continue;
			while (speaker_run(nodes[i].sp, now))
				busy = true;
		}
		for (int i = 0; i < nlinks; i++) {
			struct link *l = &links[i];

			if (l->p[0] == NULL)
				continue;
			if (!l->connected && (l->want[0] || l->want[1])) {
				l->connected = true;
				l->want[0] = l->want[1] = false;
				session_connected(speaker_peer_session(l->p[0]),
				    now);
				session_connected(speaker_peer_session(l->p[1]),
				    now);
				busy = true;
			}
			if (!l->connected)
				continue;
			busy |= move(l, 0);
			if (l->connected)
				busy |= move(l, 1);
		}
		if (!busy)
			return;
	}
	ck_abort_msg("the network never settled");
}

/* Let timers run (connection delays) and everything settle. */
static void
run_for(uint64_t ms)
{
	for (uint64_t t = 0; t < ms; t += 500) {
		now += 500;
		for (int i = 0; i < nlinks; i++)
			for (int s = 0; s < 2; s++)
				if (links[i].p[s] != NULL)
					session_run_timers(speaker_peer_session(
					    links[i].p[s]), now);
		settle();
	}
}

static void
setup(void)
{
	now = 1000;
	nlinks = 0;
	memset(nodes, 0, sizeof(nodes));
	memset(links, 0, sizeof(links));
}

static void
teardown(void)
{
	struct attrset_stats st;

	for (int i = 0; i < 4; i++)
		speaker_free(nodes[i].sp);
	attrset_stats(&st);
	ck_assert_uint_eq(st.refs, 0);
}

static const struct rib_path *
best_at(int node, const char *pfx)
{
	struct ip_prefix p;
	const struct rib_entry *e;

	addr_pfx_parse(pfx, &p, false);
	e = rib_lookup(speaker_rib(nodes[node].sp), &p);
	return e != NULL ? rib_best(e) : NULL;
}

static const char *
path_text(const struct rib_path *p)
{
	static char buf[128];

	return aspath_format(attrset_aspath(p->attrs), p->attrs->aspath_len,
	    buf, sizeof(buf));
}

START_TEST(test_ebgp_propagation_and_packing)
{
	struct ip_prefix p;
	const struct rib_path *b;
	char nh[ADDR_STRLEN];
	struct session *sb;

	node_init(0, 65001);
	node_init(1, 65002);
	link_nodes(0, 1);
	addr_pfx_parse("100.64.0.0/26", &p, false);
	speaker_originate(nodes[0].sp, &p);
	for (uint32_t i = 0; i < 2000; i++) {
		struct ip_prefix h;

		addr_from_v4(&h.addr, 0x64410000u + i);
		h.len = 32;
		speaker_originate(nodes[0].sp, &h);
	}
	run_for(3000);
	sb = speaker_peer_session(links[0].p[1]);
	ck_assert(session_established(sb));
	b = best_at(1, "100.64.0.0/26");
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(path_text(b), "65001");
	ck_assert_str_eq(addr_fmt(&b->attrs->nexthop, nh, sizeof(nh)),
	    "198.51.100.1");
	ck_assert(!(b->attrs->present & ATTR_P_LOCAL_PREF));
	ck_assert_uint_eq(rib_count(speaker_rib(nodes[1].sp)), 2001);
	/* 2001 prefixes, one attribute set, 64 KiB messages: one UPDATE
	 * and an End-of-RIB. */
	ck_assert_uint_eq(sb->stats.updates_in, 2);
	{
		struct speaker_peer_stats st;

		speaker_peer_stats(links[0].p[1], &st);
		ck_assert_uint_eq(st.received, 2001);
		ck_assert(st.eor_received);
		speaker_peer_stats(links[0].p[0], &st);
		ck_assert_uint_eq(st.advertised, 2001);
		ck_assert(st.eor_sent);
		/* Nothing goes back to where it came from. */
		ck_assert_uint_eq(st.received, 0);
	}
}
END_TEST

START_TEST(test_ibgp_split_horizon)
{
	struct ip_prefix p;

	/* A -iBGP- B -iBGP- C: C never hears A's route through B. */
	node_init(0, 64512);
	node_init(1, 64512);
	node_init(2, 64512);
	link_nodes(0, 1);
	link_nodes(1, 2);
	addr_pfx_parse("100.64.0.0/26", &p, false);
	speaker_originate(nodes[0].sp, &p);
	run_for(3000);
	ck_assert_ptr_nonnull(best_at(1, "100.64.0.0/26"));
	ck_assert_uint_eq(best_at(1, "100.64.0.0/26")->attrs->local_pref,
	    100);
	ck_assert_str_eq(path_text(best_at(1, "100.64.0.0/26")), "");
	ck_assert_ptr_null(best_at(2, "100.64.0.0/26"));
}
END_TEST

START_TEST(test_ibgp_to_ebgp_and_withdraw)
{
	struct ip_prefix p;
	const struct rib_path *c;
	char nh[ADDR_STRLEN];

	/* A -iBGP- B -eBGP- C */
	node_init(0, 64512);
	node_init(1, 64512);
	node_init(2, 65003);
	link_nodes(0, 1);
	link_nodes(1, 2);
	addr_pfx_parse("100.64.0.0/26", &p, false);
	speaker_originate(nodes[0].sp, &p);
	run_for(3000);
	c = best_at(2, "100.64.0.0/26");
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(path_text(c), "64512");
	ck_assert_str_eq(addr_fmt(&c->attrs->nexthop, nh, sizeof(nh)),
	    "198.51.100.2");
	/* The withdrawal travels the same way. */
	speaker_withdraw(nodes[0].sp, &p);
	settle();
	ck_assert_ptr_null(best_at(1, "100.64.0.0/26"));
	ck_assert_ptr_null(best_at(2, "100.64.0.0/26"));
}
END_TEST

START_TEST(test_session_down_flushes)
{
	struct ip_prefix p;

	node_init(0, 65001);
	node_init(1, 65002);
	node_init(2, 65003);
	link_nodes(0, 1);
	link_nodes(1, 2);
	addr_pfx_parse("100.64.0.0/26", &p, false);
	speaker_originate(nodes[0].sp, &p);
	run_for(3000);
	ck_assert_ptr_nonnull(best_at(2, "100.64.0.0/26"));
	/* A removes its peering with B: B drops A's routes, C follows. */
	speaker_peer_remove(nodes[0].sp, links[0].p[0], BGP_CEASE_DECONFIG,
	    NULL, now);
	links[0].p[0] = NULL;
	settle();
	ck_assert_ptr_null(best_at(1, "100.64.0.0/26"));
	ck_assert_ptr_null(best_at(2, "100.64.0.0/26"));
	ck_assert_str_eq(speaker_peer_session(links[0].p[1])->last_error,
	    "Received: Peer De-configured");
	links[0].p[1] = NULL;	/* its session would retry; stop looking */
}
END_TEST

START_TEST(test_loop_rejected)
{
	struct ip_prefix p;
	const struct rib_entry *e;

	/* eBGP ring A-B-C-A: A's route comes back from C and is refused. */
	node_init(0, 65001);
	node_init(1, 65002);
	node_init(2, 65003);
	link_nodes(0, 1);
	link_nodes(1, 2);
	link_nodes(2, 0);
	addr_pfx_parse("100.64.0.0/26", &p, false);
	speaker_originate(nodes[0].sp, &p);
	run_for(3000);
	e = rib_lookup(speaker_rib(nodes[0].sp), &p);
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_null(rib_best(e)->next);	/* only the local path */
	/* C has it twice: from B ("65002 65001") and A ("65001"). */
	ck_assert_str_eq(path_text(best_at(2, "100.64.0.0/26")), "65001");
	ck_assert_ptr_nonnull(best_at(2, "100.64.0.0/26")->next);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("speaker");
	TCase *tc = tcase_create("speaker");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ebgp_propagation_and_packing);
	tcase_add_test(tc, test_ibgp_split_horizon);
	tcase_add_test(tc, test_ibgp_to_ebgp_and_withdraw);
	tcase_add_test(tc, test_session_down_flushes);
	tcase_add_test(tc, test_loop_rejected);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
