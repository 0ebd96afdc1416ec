/*
 * Unit tests for bgp/speaker: small networks of speakers in memory,
 * sessions joined by a pump, time advanced by hand.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "bgp/aspath.h"
#include "bgp/attrset.h"
#include "bgp/bgp.h"
#include "bgp/speaker.h"
#include "lib/log.h"
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
	bool	cut;		/* the wire is down: no reconnecting */
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

static const struct session_transport transport = {
	.connect = io_connect, .disconnect = io_disconnect,
	.output = io_output,
};

static const struct speaker_io io = {
	.transport = &transport, .wakeup = io_wakeup,
};

static const struct speaker_io *node_io = &io;	/* for node_init */

static void
node_init(int i, uint32_t as)
{
	char a[32];

	snprintf(a, sizeof(a), "198.51.100.%d", i + 1);
	nodes[i].as = as;
	nodes[i].id = 0xc6336400u + (uint32_t)i + 1;
	addr_parse(a, &nodes[i].addr);
	nodes[i].sp = speaker_new(nodes[i].id, node_io);
}

static bool rr_client_next[2];	/* the next link's peers are clients */
static uint32_t llgr_next[2];	/* ... advertise LLGR (1: stale time 0) */

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
	c.rr_client = rr_client_next[side];
	c.session.llgr = llgr_next[side] != 0;
	c.session.llgr_time = llgr_next[side] > 1 ? llgr_next[side] : 0;
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
			if (!l->connected && !l->cut &&
			    (l->want[0] || l->want[1])) {
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
	node_io = &io;
	now = 1000;
	llgr_next[0] = llgr_next[1] = 0;
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

/* speaker_peers_gen: moves when a peer is added, comes up, sends
 * End-of-RIB, goes down or is removed, and only then (the kernel side
 * walks the peers for graceful restart only when it moved). */
START_TEST(test_peers_gen)
{
	struct speaker *a;
	uint64_t g, g1;

	node_init(0, 65001);
	node_init(1, 65002);
	a = nodes[0].sp;
	g = speaker_peers_gen(a);
	link_nodes(0, 1);
	ck_assert_uint_gt(speaker_peers_gen(a), g);		/* added */
	g = speaker_peers_gen(a);
	run_for(3000);
	ck_assert(session_established(speaker_peer_session(links[0].p[0])));
	ck_assert_uint_ge(speaker_peers_gen(a), g + 2);	/* up, EoR */
	g = speaker_peers_gen(a);
	run_for(5000);		/* keepalives only */
	ck_assert_uint_eq(speaker_peers_gen(a), g);
	g1 = speaker_peers_gen(nodes[1].sp);
	speaker_peer_remove(a, links[0].p[0], BGP_CEASE_DECONFIG, NULL, now);
	links[0].p[0] = NULL;
	ck_assert_uint_gt(speaker_peers_gen(a), g);		/* removed */
	settle();
	ck_assert_str_eq(speaker_peer_session(links[0].p[1])->last_error,
	    "Received: Peer De-configured");
	ck_assert_uint_gt(speaker_peers_gen(nodes[1].sp), g1);	/* down */
	links[0].p[1] = NULL;	/* its session would retry; stop looking */
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

/* Link a and b where a reflects for b (b is a's client). */
static struct link *
link_client(int rr, int client)
{
	struct link *l;

	rr_client_next[0] = true;
	l = link_nodes(rr, client);
	rr_client_next[0] = false;
	return l;
}

static uint32_t
cluster_at(const struct rib_path *b, size_t i)
{
	const uint8_t *c = attrset_cluster_list(b->attrs) + 4 * i;

	return (uint32_t)c[0] << 24 | c[1] << 16 | c[2] << 8 | c[3];
}

START_TEST(test_rr_reflection)
{
	struct ip_prefix p, q;
	const struct rib_path *b;
	char nh[ADDR_STRLEN];

	/* Clients A (0) and C (2), non-client N (3), reflector R (1). */
	for (int i = 0; i < 4; i++)
		node_init(i, 64512);
	speaker_set_cluster_id(nodes[1].sp, 0x0a000001);
	link_client(1, 0);
	link_client(1, 2);
	link_nodes(1, 3);
	addr_pfx_parse("100.64.0.0/26", &p, false);
	speaker_originate(nodes[0].sp, &p);
	addr_pfx_parse("100.64.3.0/26", &q, false);
	speaker_originate(nodes[3].sp, &q);
	run_for(3000);
	/* A client's route goes to the other client and the non-client,
	 * with ORIGINATOR_ID, our cluster id, and its own next hop. */
	for (int n = 2; n <= 3; n++) {
		b = best_at(n, "100.64.0.0/26");
		ck_assert_ptr_nonnull(b);
		ck_assert(b->attrs->present & ATTR_P_ORIGINATOR_ID);
		ck_assert_uint_eq(b->attrs->originator_id, nodes[0].id);
		ck_assert_uint_eq(b->attrs->ncluster, 1);
		ck_assert_uint_eq(cluster_at(b, 0), 0x0a000001);
		ck_assert_str_eq(addr_fmt(&b->attrs->nexthop, nh,
		    sizeof(nh)), "198.51.100.1");
	}
	/* A non-client's route goes to the clients only. */
	b = best_at(0, "100.64.3.0/26");
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(b->attrs->originator_id, nodes[3].id);
	ck_assert_ptr_nonnull(best_at(2, "100.64.3.0/26"));
	/* Nothing comes back to its source. */
	ck_assert_uint_eq(rib_lookup(speaker_rib(nodes[0].sp),
	    &p)->best.next == NULL, 1);
}
END_TEST

/* Without a cluster id the same topology reflects nothing. */
START_TEST(test_rr_off_no_reflection)
{
	for (int i = 0; i < 3; i++)
		node_init(i, 64512);
	link_client(1, 0);
	link_client(1, 2);
	{
		struct ip_prefix p;

		addr_pfx_parse("100.64.0.0/26", &p, false);
		speaker_originate(nodes[0].sp, &p);
	}
	run_for(3000);
	ck_assert_ptr_nonnull(best_at(1, "100.64.0.0/26"));
	ck_assert_ptr_null(best_at(2, "100.64.0.0/26"));
}
END_TEST

/* Two reflectors in one cluster: what one reflects the other drops
 * (RFC 4456 8), so each holds only the client's own path. */
START_TEST(test_rr_cluster_loop)
{
	struct ip_prefix p;
	const struct rib_entry *e;

	for (int i = 0; i < 3; i++)
		node_init(i, 64512);
	speaker_set_cluster_id(nodes[1].sp, 0x0a000001);
	speaker_set_cluster_id(nodes[2].sp, 0x0a000001);
	link_client(1, 0);
	link_client(2, 0);
	link_nodes(1, 2);
	addr_pfx_parse("100.64.0.0/26", &p, false);
	speaker_originate(nodes[0].sp, &p);
	run_for(3000);
	for (int n = 1; n <= 2; n++) {
		e = rib_lookup(speaker_rib(nodes[n].sp), &p);
		ck_assert_ptr_nonnull(e);
		ck_assert_ptr_null(rib_best(e)->next);
		ck_assert(!(rib_best(e)->attrs->present & ATTR_P_CLUSTER_LIST));
	}
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

/* A peer removed while it still has work of its own (End-of-RIB to
 * send: on the speaker's list of such peers) goes without a trace: the
 * next run must not look at it. */
START_TEST(test_removed_with_work_pending)
{
	struct link *l;
	struct session *s0, *s1;

	node_init(0, 65001);
	node_init(1, 65002);
	l = link_nodes(0, 1);
	s0 = speaker_peer_session(l->p[0]);
	s1 = speaker_peer_session(l->p[1]);
	/* Connect and exchange OPENs by hand: node 0's speaker never runs
	 * until its peer is removed. */
	for (int i = 0; i < 20 && !l->want[0] && !l->want[1]; i++) {
		now += 500;
		session_run_timers(s0, now);
		session_run_timers(s1, now);
	}
	ck_assert(l->want[0] || l->want[1]);
	l->connected = true;
	session_connected(s0, now);
	session_connected(s1, now);
	for (int i = 0; i < 10; i++) {
		move(l, 0);
		move(l, 1);
	}
	ck_assert_int_eq(s0->fsm.state, FSM_ESTABLISHED);
	speaker_peer_remove(nodes[0].sp, l->p[0], BGP_CEASE_DECONFIG, NULL,
	    now);
	l->p[0] = NULL;
	while (speaker_run(nodes[0].sp, now))
		;
	ck_assert_ptr_null(speaker_peer_next(nodes[0].sp, NULL));
	l->p[1] = NULL;	/* its session would retry; stop looking */
}
END_TEST

/* The TCP connection dies, no NOTIFICATION: both sides report it. */
static void
cut_wire(struct link *l)
{
	l->cut = true;
	l->connected = false;
	session_closed(speaker_peer_session(l->p[0]), "reset", now);
	session_closed(speaker_peer_session(l->p[1]), "reset", now);
	settle();
}

/* Graceful restart helper (RFC 4724 4.2): B keeps A's routes while the
 * connection is gone, they are refreshed when A is back, and what A no
 * longer announces goes at A's End-of-RIB. */
START_TEST(test_gr_helper_keeps_then_refreshes)
{
	struct ip_prefix p, q;
	const struct rib_path *b;

	node_init(0, 64512);
	node_init(1, 64512);
	link_nodes(0, 1);
	addr_pfx_parse("100.64.0.0/26", &p, false);
	addr_pfx_parse("100.64.1.0/26", &q, false);
	speaker_originate(nodes[0].sp, &p);
	speaker_originate(nodes[0].sp, &q);
	run_for(3000);
	ck_assert_ptr_nonnull(best_at(1, "100.64.1.0/26"));
	cut_wire(&links[0]);
	run_for(60000);
	b = best_at(1, "100.64.0.0/26");
	ck_assert_ptr_nonnull(b);
	ck_assert(b->flags & RIB_PATH_STALE);
	/* A comes back without q. */
	speaker_withdraw(nodes[0].sp, &q);
	links[0].cut = false;
	run_for(10000);
	ck_assert(session_established(speaker_peer_session(links[0].p[1])));
	b = best_at(1, "100.64.0.0/26");
	ck_assert_ptr_nonnull(b);
	ck_assert(!(b->flags & RIB_PATH_STALE));
	ck_assert_ptr_null(best_at(1, "100.64.1.0/26"));
	ck_assert_uint_eq(speaker_next_timer(nodes[1].sp), UINT64_MAX);
}
END_TEST

/* A does not come back within its restart time (120 s): all go. */
START_TEST(test_gr_helper_deadline)
{
	struct ip_prefix p;

	node_init(0, 64512);
	node_init(1, 64512);
	link_nodes(0, 1);
	addr_pfx_parse("100.64.0.0/26", &p, false);
	speaker_originate(nodes[0].sp, &p);
	run_for(3000);
	cut_wire(&links[0]);
	ck_assert_uint_eq(speaker_next_timer(nodes[1].sp), now + 120000);
	run_for(119000);
	ck_assert_ptr_nonnull(best_at(1, "100.64.0.0/26"));
	run_for(2000);
	ck_assert_ptr_null(best_at(1, "100.64.0.0/26"));
}
END_TEST

/* Our own restart (RFC 4724 4.1): A restarted with its forwarding kept.
 * Its OPEN carries R and F; while selection is deferred A takes B's
 * routes but sends nothing, not even End-of-RIB; then its table and
 * End-of-RIB, and a later OPEN says it is no longer restarting. */
START_TEST(test_restarting_defers)
{
	struct ip_prefix p, q;
	struct speaker_peer_stats st;
	const struct session *sa, *sb;

	node_init(0, 64512);
	node_init(1, 64512);
	speaker_set_restart(nodes[0].sp, true, true);
	speaker_defer(nodes[0].sp, true);
	link_nodes(0, 1);
	addr_pfx_parse("100.64.0.0/26", &p, false);
	addr_pfx_parse("100.64.1.0/26", &q, false);
	speaker_originate(nodes[0].sp, &p);
	speaker_originate(nodes[1].sp, &q);
	run_for(3000);
	sa = speaker_peer_session(links[0].p[0]);
	sb = speaker_peer_session(links[0].p[1]);
	ck_assert(session_established(sb));
	ck_assert_uint_eq(sa->sent_caps.gr_flags, MSG_GR_R);
	ck_assert_uint_eq(sa->sent_caps.gr_afs[0].flags, MSG_AF_F);
	ck_assert_uint_eq(sb->neg.peer_caps.gr_flags & MSG_GR_R, MSG_GR_R);
	ck_assert_uint_eq(sb->sent_caps.gr_flags, 0);
	ck_assert_ptr_nonnull(best_at(0, "100.64.1.0/26"));
	ck_assert_ptr_null(best_at(1, "100.64.0.0/26"));
	speaker_peer_stats(links[0].p[1], &st);
	ck_assert(!st.eor_received);
	speaker_peer_stats(links[0].p[0], &st);
	ck_assert(st.eor_received);
	ck_assert(!st.eor_sent);
	ck_assert(speaker_deferring(nodes[0].sp));

	speaker_set_restart(nodes[0].sp, false, true);
	speaker_defer(nodes[0].sp, false);
	settle();
	ck_assert_ptr_nonnull(best_at(1, "100.64.0.0/26"));
	speaker_peer_stats(links[0].p[1], &st);
	ck_assert(st.eor_received);
	speaker_peer_stats(links[0].p[0], &st);
	ck_assert(st.eor_sent);
	/* The next connection: no R, F still set. */
	cut_wire(&links[0]);
	links[0].cut = false;
	run_for(10000);
	ck_assert(session_established(sa));
	ck_assert_uint_eq(sa->sent_caps.gr_flags, 0);
	ck_assert_uint_eq(sa->sent_caps.gr_afs[0].flags, MSG_AF_F);
	ck_assert_ptr_nonnull(best_at(1, "100.64.0.0/26"));
}
END_TEST

static bool
has_llgr_stale(int node, const char *pfx)
{
	const struct rib_path *b = best_at(node, pfx);

	return b != NULL && attrset_has_community(b->attrs,
	    BGP_COMM_LLGR_STALE);
}

/* Long-lived graceful restart helper (RFC 9494): A (long-lived stale
 * time 60 s) goes away; B keeps its route for A's restart time (120 s)
 * as plain stale, then 60 s more tagged LLGR_STALE: still B's best, sent
 * on to D (LLGR) with the tag and withdrawn from C (no LLGR); then gone.
 * A path with NO_LLGR goes at the end of the restart time. */
START_TEST(test_llgr_helper)
{
	struct ip_prefix p;
	const struct rib_path *b;
	struct speaker_peer_stats st;

	node_init(0, 65001);
	node_init(1, 65002);
	node_init(2, 65003);
	node_init(3, 65004);
	llgr_next[0] = 60;
	llgr_next[1] = 1;
	link_nodes(0, 1);
	llgr_next[0] = 1;
	llgr_next[1] = 0;
	link_nodes(1, 2);
	llgr_next[1] = 1;
	link_nodes(1, 3);
	addr_pfx_parse("100.64.0.0/26", &p, false);
	speaker_originate(nodes[0].sp, &p);
	run_for(3000);
	ck_assert_ptr_nonnull(best_at(2, "100.64.0.0/26"));
	ck_assert_ptr_nonnull(best_at(3, "100.64.0.0/26"));
	speaker_peer_stats(links[0].p[1], &st);
	ck_assert_uint_eq(st.llgr_time, 60);
	ck_assert_uint_eq(st.gr_time, 120);

	cut_wire(&links[0]);
	run_for(119000);
	b = best_at(1, "100.64.0.0/26");
	ck_assert_ptr_nonnull(b);
	ck_assert(b->flags & RIB_PATH_STALE);
	ck_assert(!has_llgr_stale(1, "100.64.0.0/26"));
	ck_assert_ptr_nonnull(best_at(2, "100.64.0.0/26"));
	run_for(2000);
	/* Long-lived now. */
	ck_assert(has_llgr_stale(1, "100.64.0.0/26"));
	ck_assert(best_at(1, "100.64.0.0/26")->flags & RIB_PATH_STALE);
	speaker_peer_stats(links[0].p[1], &st);
	ck_assert(st.llgr_stale);
	ck_assert(st.gr_helping);
	ck_assert(has_llgr_stale(3, "100.64.0.0/26"));
	ck_assert_ptr_null(best_at(2, "100.64.0.0/26"));
	run_for(58000);
	ck_assert(has_llgr_stale(1, "100.64.0.0/26"));
	run_for(2000);
	ck_assert_ptr_null(best_at(1, "100.64.0.0/26"));
	ck_assert_ptr_null(best_at(3, "100.64.0.0/26"));
	speaker_peer_stats(links[0].p[1], &st);
	ck_assert(!st.gr_helping);
	ck_assert(!st.llgr_stale);
	ck_assert_uint_eq(speaker_next_timer(nodes[1].sp), UINT64_MAX);
}
END_TEST

/* A peer without LLGR on our side: B advertised none, so A's routes go
 * at the end of A's restart time, whatever A offers. */
START_TEST(test_llgr_needs_both)
{
	struct ip_prefix p;

	node_init(0, 65001);
	node_init(1, 65002);
	llgr_next[0] = 60;
	link_nodes(0, 1);
	addr_pfx_parse("100.64.0.0/26", &p, false);
	speaker_originate(nodes[0].sp, &p);
	run_for(3000);
	cut_wire(&links[0]);
	run_for(119000);
	ck_assert_ptr_nonnull(best_at(1, "100.64.0.0/26"));
	run_for(2000);
	ck_assert_ptr_null(best_at(1, "100.64.0.0/26"));
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

/* Policy hooks: node 0 exports with a prepend and a community; node 1
 * imports 100.64.0.0/26 with a prepend and a large community and
 * rejects 100.64.9.0/24. */
static int
node_of(const struct speaker_peer *p)
{
	const struct half *h = speaker_peer_io_ctx(p);

	return (int)(h->l->n[h->side] - nodes);
}

static const uint32_t exp_prepend[] = { 65100, 65101 };
static const uint8_t exp_comm[] = { 0xfd, 0xe9, 0x00, 0x07 };
static const struct speaker_adds exp_adds = {
	.communities = exp_comm, .ncommunities = 1,
	.prepend = exp_prepend, .nprepend = 2,
};
static const uint32_t imp_prepend[] = { 65200 };
static const uint8_t imp_large[] = { 0, 0, 0xfd, 0xea, 0, 0, 0, 1, 0, 0,
	0, 2 };
static const struct speaker_adds imp_adds = {
	.large = imp_large, .nlarge = 1,
	.prepend = imp_prepend, .nprepend = 1,
	/* setPriority 100 (Calico): LOCAL_PREF 2^31 - 1 - 100 */
	.set_local_pref = true, .local_pref = 2147483547,
};

static bool
hook_export(void *arg, const struct speaker_peer *to,
    const struct rib_entry *e, const struct rib_path *path,
    const struct speaker_adds **adds)
{
	*adds = node_of(to) == 0 ? &exp_adds : NULL;
	return true;
}

static bool
hook_import(void *arg, const struct speaker_peer *from,
    const struct ip_prefix *p, const struct bgp_attrs *a,
    const struct speaker_adds **adds)
{
	char buf[ADDR_PFX_STRLEN];

	*adds = NULL;
	if (node_of(from) != 1)
		return true;
	addr_pfx_fmt(p, buf, sizeof(buf));
	if (strcmp(buf, "100.64.9.0/24") == 0)
		return false;
	if (strcmp(buf, "100.64.0.0/26") == 0)
		*adds = &imp_adds;
	return true;
}

static const struct speaker_io hook_io = {
	.transport = &transport, .wakeup = io_wakeup,
	.export = hook_export, .import = hook_import,
};

START_TEST(test_policy_additions)
{
	struct ip_prefix p, q, r;
	const struct rib_path *b;
	struct bgp_attrs a;
	struct speaker_peer_stats st;

	/* A -eBGP- B -iBGP- C */
	node_io = &hook_io;
	node_init(0, 65001);
	node_init(1, 65002);
	node_init(2, 65002);
	link_nodes(0, 1);
	link_nodes(1, 2);
	addr_pfx_parse("100.64.0.0/26", &p, false);
	addr_pfx_parse("100.64.1.0/26", &q, false);
	addr_pfx_parse("100.64.9.0/24", &r, false);
	speaker_originate(nodes[0].sp, &p);
	speaker_originate(nodes[0].sp, &q);
	speaker_originate(nodes[0].sp, &r);
	run_for(3000);
	/* A's prepend goes after its own AS; B's import prepend in front
	 * of everything. */
	b = best_at(1, "100.64.0.0/26");
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(path_text(b), "65200 65001 65100 65101");
	attrset_view(b->attrs, &a);
	ck_assert_uint_eq(a.ncommunities, 1);
	ck_assert_mem_eq(a.communities, exp_comm, 4);
	ck_assert_uint_eq(a.nlarge_communities, 1);
	ck_assert_mem_eq(a.large_communities, imp_large, 12);
	/* setPriority on import: the LOCAL_PREF the path is held with
	 * (an eBGP path had none), and C gets it over iBGP. */
	ck_assert(a.present & ATTR_P_LOCAL_PREF);
	ck_assert_uint_eq(a.local_pref, 2147483547);
	ck_assert_uint_eq(best_at(2, "100.64.0.0/26")->attrs->local_pref,
	    2147483547);
	/* Another prefix of the same UPDATE: export additions only. */
	b = best_at(1, "100.64.1.0/26");
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(path_text(b), "65001 65100 65101");
	ck_assert_uint_eq(b->attrs->nlarge_communities, 0);
	/* Rejected on import, and counted. */
	ck_assert_ptr_null(best_at(1, "100.64.9.0/24"));
	speaker_peer_stats(links[0].p[1], &st);
	ck_assert_uint_eq(st.filtered, 1);
	ck_assert_uint_eq(st.looped, 0);
	/* B passes the modified path on over iBGP as it is. */
	ck_assert_str_eq(path_text(best_at(2, "100.64.0.0/26")),
	    "65200 65001 65100 65101");
}
END_TEST

/*
 * RFC 4271 6.3: a route whose NEXT_HOP is one of our addresses is
 * ignored.  Node 1 (B) says 198.51.100.1 is its own (an address it also
 * holds, say); A's routes carry that next hop and never reach B's RIB;
 * C's (next hop 198.51.100.3) do.
 */
static bool
hook_is_local(void *arg, const struct ip_addr *a)
{
	char buf[ADDR_STRLEN];

	return strcmp(addr_fmt(a, buf, sizeof(buf)), "198.51.100.1") == 0;
}

static const struct speaker_io local_io = {
	.transport = &transport, .wakeup = io_wakeup,
	.is_local = hook_is_local,
};

START_TEST(test_own_next_hop_ignored)
{
	struct ip_prefix p, q, r;
	struct speaker_peer_stats st;

	/* A -iBGP- B -iBGP- C, B the one with the hook and a reflector
	 * with C its client: A's routes would be reflected to C. */
	node_init(0, 64512);
	node_io = &local_io;
	node_init(1, 64512);
	node_io = &io;
	node_init(2, 64512);
	speaker_set_cluster_id(nodes[1].sp, 0x0a000001);
	link_nodes(0, 1);
	link_client(1, 2);
	addr_pfx_parse("100.64.0.0/26", &p, false);
	addr_pfx_parse("100.64.1.0/26", &q, false);
	addr_pfx_parse("100.64.2.0/26", &r, false);
	speaker_originate(nodes[0].sp, &p);
	speaker_originate(nodes[0].sp, &q);
	speaker_originate(nodes[2].sp, &r);
	run_for(3000);
	ck_assert_ptr_null(best_at(1, "100.64.0.0/26"));
	ck_assert_ptr_null(best_at(1, "100.64.1.0/26"));
	ck_assert_ptr_nonnull(best_at(1, "100.64.2.0/26"));
	speaker_peer_stats(links[0].p[1], &st);
	ck_assert_uint_eq(st.own_next_hop, 2);
	ck_assert_uint_eq(st.received, 0);
	ck_assert_uint_eq(st.looped, 0);
	speaker_peer_stats(links[1].p[0], &st);
	ck_assert_uint_eq(st.own_next_hop, 0);
	ck_assert_uint_eq(st.received, 1);
	/* Nor exported: C never hears of A's routes through B, while C's
	 * own route reaches A. */
	ck_assert_ptr_null(best_at(2, "100.64.0.0/26"));
	ck_assert_ptr_nonnull(best_at(0, "100.64.2.0/26"));
}
END_TEST

/* The session's own local address counts without any hook. */
START_TEST(test_own_next_hop_session_address)
{
	struct speaker_peer_stats st;
	struct ip_prefix p;

	node_init(0, 65001);
	node_init(1, 65002);
	/* B's address on the link is what A will send as next hop. */
	nodes[1].addr = nodes[0].addr;
	link_nodes(0, 1);
	addr_parse("198.51.100.2", &nodes[1].addr);
	addr_pfx_parse("100.64.0.0/26", &p, false);
	speaker_originate(nodes[0].sp, &p);
	run_for(3000);
	ck_assert(session_established(speaker_peer_session(links[0].p[1])));
	ck_assert_ptr_null(best_at(1, "100.64.0.0/26"));
	speaker_peer_stats(links[0].p[1], &st);
	ck_assert_uint_eq(st.own_next_hop, 1);
}
END_TEST

/* What the log said, for the tests below. */
static char logged[64][320];
static int nlogged;

static void
log_capture(enum log_level l, const char *msg, void *arg)
{
	if (l >= LOG_LVL_WARN && nlogged < 64)
		snprintf(logged[nlogged++], sizeof(logged[0]), "%s", msg);
}

/* Push one UPDATE (its body in hex) into side's session as if the
 * other side had sent it. */
static void
inject_update(struct link *l, int side, const char *hex)
{
	struct session *s = speaker_peer_session(l->p[side]);
	uint8_t body[512], *in;
	size_t n = tu_hex(hex, body, sizeof(body)), room;

	session_in_space(s, &in, &room);
	memset(in, 0xff, 16);
	in[16] = (uint8_t)((BGP_HDR_LEN + n) >> 8);
	in[17] = (uint8_t)(BGP_HDR_LEN + n);
	in[18] = BGP_MSG_UPDATE;
	memcpy(in + BGP_HDR_LEN, body, n);
	if (session_in_commit(s, BGP_HDR_LEN + n, now))
		while (session_in_commit(s, 0, now))
			;
	settle();
}

/* An UPDATE from AS 65001 (next hop 198.51.100.1) for 100.64.7.0/24. */
#define U_HEAD	"00 00 "
#define U_BASE	"40 01 01 00 40 02 06 02 01 00 00 fd e9 40 03 04 c6 33 64 01 "
#define U_NLRI	"18 64 40 07"

START_TEST(test_update_errors_logged)
{
	struct session *sb;

	node_init(0, 65001);
	node_init(1, 65002);
	link_nodes(0, 1);
	run_for(3000);
	sb = speaker_peer_session(links[0].p[1]);
	ck_assert(session_established(sb));
	nlogged = 0;
	log_set_hook(log_capture, NULL);
	/* A good one, then a bad COMMUNITIES: the route goes. */
	inject_update(&links[0], 1, U_HEAD "00 14 " U_BASE U_NLRI);
	ck_assert_ptr_nonnull(best_at(1, "100.64.7.0/24"));
	ck_assert_int_eq(nlogged, 0);
	inject_update(&links[0], 1, U_HEAD "00 1c " U_BASE
	    "c0 08 05 00 01 00 02 03 " U_NLRI);
	ck_assert_ptr_null(best_at(1, "100.64.7.0/24"));
	ck_assert_int_eq(nlogged, 1);
	ck_assert_str_eq(logged[0], "peer: UPDATE error in COMMUNITIES: "
	    "COMMUNITIES length not a non-zero multiple of 4: "
	    "treat-as-withdraw of 1 prefix");
	/* An attribute discard keeps the route and says which. */
	inject_update(&links[0], 1, U_HEAD "00 18 " U_BASE "40 06 01 00 "
	    U_NLRI);
	ck_assert_ptr_nonnull(best_at(1, "100.64.7.0/24"));
	ck_assert_int_eq(nlogged, 2);
	ck_assert_str_eq(logged[1], "peer: UPDATE error: ATOMIC_AGGREGATE "
	    "length is not 0: attribute discard of ATOMIC_AGGREGATE, routes "
	    "kept");
	/* A path not starting with the peer's AS. */
	inject_update(&links[0], 1, U_HEAD "00 14 40 01 01 00 "
	    "40 02 06 02 01 00 00 fd ea 40 03 04 c6 33 64 01 " U_NLRI);
	ck_assert_ptr_null(best_at(1, "100.64.7.0/24"));
	ck_assert_str_eq(logged[2], "peer: UPDATE error in AS_PATH: AS_PATH "
	    "does not start with the peer's AS: treat-as-withdraw of 1 "
	    "prefix");
	/* A flood: a burst of 20 lines, then one per 3 s with the count
	 * of those held back. */
	for (int i = 0; i < 30; i++)
		inject_update(&links[0], 1, U_HEAD "00 1c " U_BASE
		    "c0 08 05 00 01 00 02 03 " U_NLRI);
	ck_assert_int_eq(nlogged, 20);
	ck_assert_uint_eq(sb->stats.withdraws, 32);
	ck_assert_uint_eq(sb->stats.discards, 1);
	now += 2999;
	inject_update(&links[0], 1, U_HEAD "00 1c " U_BASE
	    "c0 08 05 00 01 00 02 03 " U_NLRI);
	ck_assert_int_eq(nlogged, 20);
	now += 1;
	inject_update(&links[0], 1, U_HEAD "00 1c " U_BASE
	    "c0 08 05 00 01 00 02 03 " U_NLRI);
	ck_assert_int_eq(nlogged, 21);
	ck_assert_str_eq(logged[20], "peer: UPDATE error in COMMUNITIES: "
	    "COMMUNITIES length not a non-zero multiple of 4: "
	    "treat-as-withdraw of 1 prefix (14 more suppressed)");
	/* Quiet for a minute: the whole burst is back. */
	now += 60000;
	for (int i = 0; i < 25; i++)
		inject_update(&links[0], 1, U_HEAD "00 1c " U_BASE
		    "c0 08 05 00 01 00 02 03 " U_NLRI);
	ck_assert_int_eq(nlogged, 41);
	log_set_hook(NULL, NULL);
	ck_assert(session_established(sb));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("speaker");
	TCase *tc = tcase_create("speaker");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ebgp_propagation_and_packing);
	tcase_add_test(tc, test_peers_gen);
	tcase_add_test(tc, test_ibgp_split_horizon);
	tcase_add_test(tc, test_removed_with_work_pending);
	tcase_add_test(tc, test_ibgp_to_ebgp_and_withdraw);
	tcase_add_test(tc, test_session_down_flushes);
	tcase_add_test(tc, test_rr_reflection);
	tcase_add_test(tc, test_rr_off_no_reflection);
	tcase_add_test(tc, test_rr_cluster_loop);
	tcase_add_test(tc, test_loop_rejected);
	tcase_add_test(tc, test_policy_additions);
	tcase_add_test(tc, test_gr_helper_keeps_then_refreshes);
	tcase_add_test(tc, test_gr_helper_deadline);
	tcase_add_test(tc, test_restarting_defers);
	tcase_add_test(tc, test_llgr_helper);
	tcase_add_test(tc, test_llgr_needs_both);
	tcase_add_test(tc, test_own_next_hop_ignored);
	tcase_add_test(tc, test_own_next_hop_session_address);
	tcase_add_test(tc, test_update_errors_logged);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
