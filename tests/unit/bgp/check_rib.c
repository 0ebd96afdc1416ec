/* Unit tests for bgp/decide, bgp/rib and bgp/attrset. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/attrset.h"
#include "bgp/bgp.h"
#include "bgp/decide.h"
#include "bgp/rib.h"
#include "lib/xalloc.h"
#include "tests/unit/util/testutil.h"

static struct rib_peer peers[8];

static bool
prefix_is(const struct rib_entry *e, const struct ip_prefix *p)
{
	struct ip_prefix x;

	rib_entry_prefix(e, &x);
	return addr_pfx_eq(&x, p);
}

static void
peer_setup(int i, const char *addr, uint32_t rid, bool ebgp)
{
	rib_peer_init(&peers[i]);
	addr_parse(addr, &peers[i].addr);
	peers[i].router_id = rid;
	peers[i].ebgp = ebgp;
}

/* An attribute set: local pref (0 = absent), AS path of `hops` ASes
 * starting with first_as, origin, MED (<0 = absent), originator id,
 * cluster list length. */
static struct attrset *
mkattrs(uint32_t lp, unsigned hops, uint32_t first_as, uint8_t origin,
    int med, uint32_t originator, unsigned ncluster, const char *nh)
{
	struct bgp_attrs a;
	uint8_t path[2 + 4 * 16], cl[4 * 8];
	struct ip_addr n;

	memset(&a, 0, sizeof(a));
	a.present = ATTR_P_ORIGIN | ATTR_P_AS_PATH;
	a.origin = origin;
	if (lp != 0) {
		a.present |= ATTR_P_LOCAL_PREF;
		a.local_pref = lp;
	}
	if (med >= 0) {
		a.present |= ATTR_P_MED;
		a.med = (uint32_t)med;
	}
	if (originator != 0) {
		a.present |= ATTR_P_ORIGINATOR_ID;
		a.originator_id = originator;
	}
	if (ncluster > 0) {
		memset(cl, 7, sizeof(cl));
		a.present |= ATTR_P_CLUSTER_LIST;
		a.cluster_list = cl;
		a.ncluster = ncluster;
	}
	if (hops > 0) {
		path[0] = 2;
		path[1] = (uint8_t)hops;
		for (unsigned i = 0; i < hops; i++) {
			uint32_t as = i == 0 ? first_as : 65100 + i;

			path[2 + 4 * i] = (uint8_t)(as >> 24);
			path[3 + 4 * i] = (uint8_t)(as >> 16);
			path[4 + 4 * i] = (uint8_t)(as >> 8);
			path[5 + 4 * i] = (uint8_t)as;
		}
		a.aspath = path;
		a.aspath_len = 2 + 4 * hops;
	}
	addr_parse(nh, &n);
	return attrset_intern(&a, &n, NULL);
}

START_TEST(test_attrset_interning)
{
	struct attrset *a = mkattrs(100, 2, 65001, 0, -1, 0, 0, "198.51.100.1");
	struct attrset *b = mkattrs(100, 2, 65001, 0, -1, 0, 0, "198.51.100.1");
	struct attrset *c = mkattrs(100, 2, 65001, 0, -1, 0, 0, "198.51.100.2");
	struct attrset *d = mkattrs(100, 2, 65001, 0, 5, 0, 0, "198.51.100.1");
	struct attrset_stats st;
	struct bgp_attrs v;

	ck_assert_ptr_eq(a, b);
	ck_assert_ptr_ne(a, c);
	ck_assert_ptr_ne(a, d);
	ck_assert_uint_eq(a->refcnt, 2);
	attrset_stats(&st);
	ck_assert_uint_eq(st.sets, 3);
	ck_assert_uint_eq(st.refs, 4);
	ck_assert_uint_eq(a->path_length, 2);
	ck_assert_uint_eq(a->first_as, 65001);
	attrset_view(d, &v);
	ck_assert_uint_eq(v.med, 5);
	ck_assert_uint_eq(v.aspath_len, 10);
	ck_assert(v.present & ATTR_P_NEXT_HOP);
	attrset_unref(a);
	attrset_unref(b);
	attrset_unref(c);
	attrset_unref(d);
	attrset_stats(&st);
	ck_assert_uint_eq(st.sets, 0);
	ck_assert_uint_eq(st.bytes, 0);
	ck_assert_uint_eq(st.refs, 0);
}
END_TEST

/* Many sets: the index grows, references freed in a scattered order
 * are reused, every set is found again and the index shrinks back. */
START_TEST(test_attrset_many)
{
	enum { N = 5000 };
	static struct attrset *s[N];
	struct attrset_stats st;

	for (int i = 0; i < N; i++)
		s[i] = mkattrs(100, 2, 65001, 0, i, 0, 0, "198.51.100.1");
	for (int i = 0; i < N; i++) {
		ck_assert_uint_eq(s[i]->med, (uint32_t)i);
		for (int j = 0; j < i && j < 3; j++)
			ck_assert_ptr_ne(s[i], s[j]);
	}
	/* Every third one goes, then comes back as a new set. */
	for (int i = 0; i < N; i += 3)
		attrset_unref(s[i]);
	attrset_stats(&st);
	ck_assert_uint_eq(st.sets, N - (N + 2) / 3);
	for (int i = 0; i < N; i += 3)
		s[i] = mkattrs(100, 2, 65001, 0, i, 0, 0, "198.51.100.1");
	for (int i = 0; i < N; i++) {
		struct attrset *again = mkattrs(100, 2, 65001, 0, i, 0, 0,
		    "198.51.100.1");

		ck_assert_ptr_eq(again, s[i]);
		ck_assert_uint_eq(again->refcnt, 2);
		attrset_unref(again);
	}
	attrset_stats(&st);
	ck_assert_uint_eq(st.sets, N);
	ck_assert_uint_eq(st.refs, N);
	for (int i = N - 1; i >= 0; i -= 2)
		attrset_unref(s[i]);
	for (int i = N - 2; i >= 0; i -= 2)
		attrset_unref(s[i]);
	attrset_stats(&st);
	ck_assert_uint_eq(st.sets, 0);
	ck_assert_uint_eq(st.bytes, 0);
	/* Empty again: a set interned now is found. */
	s[0] = mkattrs(1, 1, 1, 0, -1, 0, 0, "198.51.100.9");
	ck_assert_ptr_eq(mkattrs(1, 1, 1, 0, -1, 0, 0, "198.51.100.9"),
	    s[0]);
	attrset_unref(s[0]);
	attrset_unref(s[0]);
}
END_TEST

/* Pairs (better, worse) and the step that must decide between them. */
START_TEST(test_decide_steps)
{
	struct rib_path a, b;
	struct {
		struct attrset *x, *y;
		int px, py;
		const char *why;
	} t[] = {
		{ mkattrs(200, 3, 1, 2, 9, 0, 0, "198.51.100.1"),
		  mkattrs(100, 1, 1, 0, 0, 0, 0, "198.51.100.1"), 1, 3,
		  "local preference" },
		{ mkattrs(0, 1, 1, 0, -1, 0, 0, "198.51.100.1"),
		  mkattrs(99, 1, 1, 0, -1, 0, 0, "198.51.100.1"), 1, 3,
		  "local preference" },
		{ mkattrs(100, 1, 1, 2, -1, 0, 0, "198.51.100.1"),
		  mkattrs(100, 2, 1, 0, -1, 0, 0, "198.51.100.1"), 1, 3,
		  "AS path length" },
		{ mkattrs(100, 1, 1, 0, -1, 0, 0, "198.51.100.1"),
		  mkattrs(100, 1, 1, 1, -1, 0, 0, "198.51.100.1"), 1, 3,
		  "origin" },
		{ mkattrs(100, 1, 1, 0, 5, 0, 0, "198.51.100.1"),
		  mkattrs(100, 1, 1, 0, 6, 0, 0, "198.51.100.1"), 1, 3,
		  "MED" },
		{ mkattrs(100, 1, 1, 0, -1, 0, 0, "198.51.100.1"),
		  mkattrs(100, 1, 1, 0, 1, 0, 0, "198.51.100.1"), 1, 3,
		  "MED" },
		/* MED from different neighbour ASes is not compared. */
		{ mkattrs(100, 1, 2, 0, 9, 0, 0, "198.51.100.1"),
		  mkattrs(100, 1, 3, 0, 1, 0, 0, "198.51.100.1"), 2, 1,
		  "eBGP over iBGP" },
		{ mkattrs(100, 1, 1, 0, -1, 0, 0, "198.51.100.1"),
		  mkattrs(100, 1, 1, 0, -1, 0, 0, "198.51.100.1"), 2, 1,
		  "eBGP over iBGP" },
		{ mkattrs(100, 1, 1, 0, -1, 0, 0, "198.51.100.1"),
		  mkattrs(100, 1, 1, 0, -1, 0, 0, "198.51.100.1"), 3, 4,
		  "router id" },
		/* ORIGINATOR_ID stands in for the router id (RFC 4456). */
		{ mkattrs(100, 1, 1, 0, -1, 5, 0, "198.51.100.1"),
		  mkattrs(100, 1, 1, 0, -1, 0, 0, "198.51.100.1"), 4, 3,
		  "router id" },
		{ mkattrs(100, 1, 1, 0, -1, 7, 1, "198.51.100.1"),
		  mkattrs(100, 1, 1, 0, -1, 7, 2, "198.51.100.1"), 3, 4,
		  "cluster list length" },
		{ mkattrs(100, 1, 1, 0, -1, 0, 0, "198.51.100.1"),
		  mkattrs(100, 1, 1, 0, -1, 0, 0, "198.51.100.1"), 5, 6,
		  "peer address" },
		{ mkattrs(200, 9, 1, 2, 9, 0, 0, "198.51.100.1"),
		  mkattrs(200, 1, 1, 0, -1, 0, 0, "198.51.100.1"), 0, 1,
		  "local origin" },
		/* Calico's route priorities: a learned path beats a local one
		 * only with a higher LOCAL_PREF (an elevated priority: a
		 * lower kernel metric, 512 against the normal 1024). */
		{ mkattrs(2147482623u, 1, 1, 0, -1, 0, 0, "198.51.100.1"),
		  mkattrs(2147482623u, 1, 1, 0, -1, 0, 0, "198.51.100.1"),
		  0, 1, "local origin" },
		{ mkattrs(2147483135u, 1, 1, 0, -1, 0, 0, "198.51.100.1"),
		  mkattrs(2147482623u, 1, 1, 0, -1, 0, 0, "198.51.100.1"),
		  1, 0, "local origin" },
	};

	peer_setup(0, "0.0.0.0", 1, false);
	peers[0].local = true;
	peer_setup(1, "198.51.100.1", 1, false);
	peer_setup(2, "198.51.100.2", 1, true);
	peer_setup(3, "198.51.100.3", 10, false);
	peer_setup(4, "198.51.100.4", 20, false);
	peer_setup(5, "198.51.100.5", 30, false);
	peer_setup(6, "198.51.100.6", 30, false);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		a.attrs = t[i].x;
		a.peer = &peers[t[i].px];
		b.attrs = t[i].y;
		b.peer = &peers[t[i].py];
		/* Both argument orders. */
		ck_assert_msg(decide_cmp(&a, &b) < 0, "case %zu", i);
		ck_assert_msg(decide_cmp(&b, &a) > 0, "case %zu", i);
		ck_assert_str_eq(decide_reason(&a, &b), t[i].why);
		ck_assert_str_eq(decide_reason(&b, &a), t[i].why);
		attrset_unref(t[i].x);
		attrset_unref(t[i].y);
	}
}
END_TEST

static void
permute(int *v, int k, int n, void (*fn)(const int *, int))
{
	if (k == n) {
		fn(v, n);
		return;
	}
	for (int i = k; i < n; i++) {
		int t = v[k];

		v[k] = v[i];
		v[i] = t;
		permute(v, k + 1, n, fn);
		v[i] = v[k];
		v[k] = t;
	}
}

static struct attrset *order_attrs[5];
static int runs;

/* Insert paths in the given order; the result must not depend on it. */
static void
check_order(const int *order, int n)
{
	struct rib r;
	struct ip_prefix p;
	struct rib_entry *e;
	const struct rib_path *q;
	int k = 0;

	rib_init(&r);
	addr_pfx_parse("100.64.1.0/26", &p, false);
	for (int i = 0; i < n; i++)
		rib_update(&r, &peers[order[i]], &p, 0,
		    attrset_ref(order_attrs[order[i]]));
	e = rib_lookup(&r, &p);
	ck_assert_ptr_nonnull(e);
	/* The expected order is peers 0, 1, 2, 3, 4. */
	for (q = rib_best(e); q != NULL; q = q->next, k++)
		ck_assert_ptr_eq(q->peer, &peers[k]);
	ck_assert_int_eq(k, 5);
	/* 0 and 1 tie before the router id: the ECMP set. */
	ck_assert_uint_eq(e->necmp, 2);
	for (int i = 0; i < n; i++)
		rib_peer_flush(&r, &peers[i], 0);
	ck_assert_uint_eq(rib_entries(&r), 1);	/* still queued */
	while ((e = rib_dirty_pop(&r)) != NULL)
		rib_entry_done(&r, e);
	ck_assert_uint_eq(rib_entries(&r), 0);
	rib_free(&r);
	runs++;
}

START_TEST(test_insertion_orders)
{
	int order[5] = { 0, 1, 2, 3, 4 };

	peer_setup(0, "198.51.100.1", 1, true);
	peer_setup(1, "198.51.100.2", 2, true);
	peer_setup(2, "198.51.100.3", 3, false);
	peer_setup(3, "198.51.100.4", 4, false);
	peer_setup(4, "198.51.100.5", 5, false);
	order_attrs[0] = mkattrs(0, 2, 65001, 0, -1, 0, 0, "198.51.100.1");
	order_attrs[1] = mkattrs(0, 2, 65002, 0, -1, 0, 0, "198.51.100.2");
	order_attrs[2] = mkattrs(100, 2, 65003, 0, -1, 0, 0, "198.51.100.3");
	order_attrs[3] = mkattrs(100, 3, 65003, 0, -1, 0, 0, "198.51.100.4");
	order_attrs[4] = mkattrs(90, 1, 65003, 0, -1, 0, 0, "198.51.100.5");
	runs = 0;
	permute(order, 0, 5, check_order);
	ck_assert_int_eq(runs, 120);
	for (int i = 0; i < 5; i++)
		attrset_unref(order_attrs[i]);
}
END_TEST

START_TEST(test_updates_and_dirty)
{
	struct rib r;
	struct ip_prefix p1, p2;
	struct rib_entry *e;
	struct attrset *a1, *a2, *a3;
	struct attrset_stats st;

	peer_setup(0, "198.51.100.1", 1, false);
	peer_setup(1, "198.51.100.2", 2, false);
	rib_init(&r);
	addr_pfx_parse("100.64.1.0/26", &p1, false);
	addr_pfx_parse("100.64.1.64/26", &p2, false);
	a1 = mkattrs(100, 1, 1, 0, -1, 0, 0, "198.51.100.1");
	a2 = mkattrs(100, 1, 1, 0, -1, 0, 0, "198.51.100.2");
	a3 = mkattrs(200, 1, 1, 0, -1, 0, 0, "198.51.100.2");
	rib_update(&r, &peers[0], &p1, 0, attrset_ref(a1));
	rib_update(&r, &peers[0], &p2, 0, attrset_ref(a1));
	rib_update(&r, &peers[1], &p1, 0, attrset_ref(a2));
	/* Two entries queued once each, in order. */
	ck_assert_uint_eq(r.ndirty, 2);
	e = rib_dirty_pop(&r);
	ck_assert(prefix_is(e, &p1));
	ck_assert_uint_eq(e->necmp, 2);
	rib_entry_done(&r, e);
	e = rib_dirty_pop(&r);
	ck_assert(prefix_is(e, &p2));
	rib_entry_done(&r, e);
	ck_assert_ptr_null(rib_dirty_pop(&r));
	/* The same path again changes nothing. */
	rib_update(&r, &peers[0], &p1, 0, attrset_ref(a1));
	ck_assert_uint_eq(r.ndirty, 0);
	/* A path outside the ECMP set changing does not dirty either. */
	rib_update(&r, &peers[1], &p1, 0, attrset_ref(a3));
	ck_assert_uint_eq(r.ndirty, 1);	/* a3 is now best: dirty */
	e = rib_dirty_pop(&r);
	ck_assert_ptr_eq(rib_best(e)->peer, &peers[1]);
	ck_assert_uint_eq(e->necmp, 1);
	rib_entry_done(&r, e);
	rib_update(&r, &peers[0], &p1, 0, attrset_ref(a2));
	ck_assert_uint_eq(r.ndirty, 0);
	ck_assert_ptr_eq(rib_path_of(rib_lookup(&r, &p1), &peers[0], 0)->attrs,
	    a2);
	/* Withdraw, flush. */
	ck_assert(rib_withdraw(&r, &peers[1], &p1, 0));
	ck_assert(!rib_withdraw(&r, &peers[1], &p1, 0));
	ck_assert_uint_eq(r.ndirty, 1);
	/* A step looks at a bucket or more: one or both entries. */
	ck_assert_uint_le(rib_peer_flush(&r, &peers[0], 1), 1);
	ck_assert_uint_eq(rib_peer_flush(&r, &peers[0], 0), 0);
	ck_assert_uint_eq(r.npaths, 0);
	while ((e = rib_dirty_pop(&r)) != NULL) {
		ck_assert_ptr_null(rib_best(e));
		rib_entry_done(&r, e);
	}
	ck_assert_uint_eq(rib_count(&r), 0);
	rib_free(&r);
	attrset_unref(a1);
	attrset_unref(a2);
	attrset_unref(a3);
	attrset_stats(&st);
	ck_assert_uint_eq(st.sets, 0);
}
END_TEST

START_TEST(test_stale)
{
	struct rib r;
	struct ip_prefix p1, p2;
	struct attrset *a1;
	struct rib_entry *e;

	peer_setup(0, "198.51.100.1", 1, false);
	rib_init(&r);
	addr_pfx_parse("100.64.1.0/26", &p1, false);
	addr_pfx_parse("100.64.1.64/26", &p2, false);
	a1 = mkattrs(100, 1, 1, 0, -1, 0, 0, "198.51.100.1");
	rib_update(&r, &peers[0], &p1, 0, attrset_ref(a1));
	rib_update(&r, &peers[0], &p2, 0, attrset_ref(a1));
	while ((e = rib_dirty_pop(&r)) != NULL)
		rib_entry_done(&r, e);
	/* The peer restarts: its routes go stale, one is refreshed. */
	rib_peer_mark_stale(&r, &peers[0]);
	ck_assert_uint_eq(peers[0].nstale, 2);
	rib_update(&r, &peers[0], &p1, 0, attrset_ref(a1));
	ck_assert_uint_eq(r.ndirty, 0);	/* refreshed, not changed */
	/* End-of-RIB: the one not refreshed goes. */
	ck_assert_uint_eq(rib_peer_flush_stale(&r, &peers[0], 0), 0);
	ck_assert_ptr_nonnull(rib_lookup(&r, &p1));
	e = rib_dirty_pop(&r);
	ck_assert(prefix_is(e, &p2));
	ck_assert_ptr_null(rib_best(e));
	rib_entry_done(&r, e);
	ck_assert_ptr_null(rib_lookup(&r, &p2));
	rib_peer_flush(&r, &peers[0], 0);
	while ((e = rib_dirty_pop(&r)) != NULL)
		rib_entry_done(&r, e);
	rib_free(&r);
	attrset_unref(a1);
}
END_TEST

/* A prefix's only path replaced by other attributes: dirty, the new
 * attributes best, one path still, the stale flag gone with the old
 * ones, the old attributes' reference given back. */
START_TEST(test_lone_path_replaced)
{
	struct rib r;
	struct ip_prefix p1;
	struct attrset *a1, *a2, *a3;
	struct rib_entry *e;

	peer_setup(0, "198.51.100.1", 1, false);
	rib_init(&r);
	addr_pfx_parse("100.64.1.0/26", &p1, false);
	a1 = mkattrs(100, 1, 1, 0, -1, 0, 0, "198.51.100.1");
	a2 = mkattrs(100, 2, 1, 0, -1, 0, 0, "198.51.100.1");
	a3 = mkattrs(100, 3, 1, 0, -1, 0, 0, "198.51.100.1");
	rib_update(&r, &peers[0], &p1, 0, attrset_ref(a1));
	ck_assert_uint_eq(r.ndirty, 1);
	ck_assert_uint_eq(rib_count(&r), 1);
	ck_assert_uint_eq(rib_dirty_pop(&r)->necmp, 1);
	rib_update(&r, &peers[0], &p1, 0, attrset_ref(a2));
	ck_assert_uint_eq(r.ndirty, 1);
	e = rib_dirty_pop(&r);
	ck_assert_ptr_eq(rib_best(e)->attrs, a2);
	ck_assert_ptr_null(rib_best(e)->next);
	ck_assert_uint_eq(a1->refcnt, 1);
	ck_assert_uint_eq(peers[0].npaths, 1);
	rib_peer_mark_stale(&r, &peers[0]);
	ck_assert_uint_eq(peers[0].nstale, 1);
	rib_update(&r, &peers[0], &p1, 0, attrset_ref(a3));
	ck_assert_uint_eq(peers[0].nstale, 0);
	ck_assert_uint_eq(rib_best(e)->flags, 0);
	ck_assert_uint_eq(r.ndirty, 1);
	ck_assert_uint_eq(rib_count(&r), 1);
	ck_assert_uint_eq(r.npaths, 1);
	rib_peer_flush(&r, &peers[0], 0);
	while ((e = rib_dirty_pop(&r)) != NULL)
		rib_entry_done(&r, e);
	ck_assert_uint_eq(rib_count(&r), 0);
	rib_free(&r);
	attrset_unref(a1);
	attrset_unref(a2);
	attrset_unref(a3);
}
END_TEST

/* a with the communities v (n of them) added. */
static struct attrset *
with_comms(const struct attrset *a, const uint32_t *v, size_t n)
{
	struct bgp_attrs x;
	uint8_t c[4 * 8];

	attrset_view(a, &x);
	for (size_t i = 0; i < n; i++) {
		c[4 * i] = (uint8_t)(v[i] >> 24);
		c[4 * i + 1] = (uint8_t)(v[i] >> 16);
		c[4 * i + 2] = (uint8_t)(v[i] >> 8);
		c[4 * i + 3] = (uint8_t)v[i];
	}
	x.communities = c;
	x.ncommunities = n;
	x.present |= ATTR_P_COMMUNITIES;
	return attrset_intern(&x, &a->nexthop, &a->nexthop_ll);
}

/* The retag callback: LLGR_STALE added, NO_LLGR paths dropped. */
static struct attrset *
tag_llgr(const struct attrset *a, void *arg)
{
	static const uint32_t t[] = { BGP_COMM_LLGR_STALE };

	(*(int *)arg)++;
	if (attrset_has_community(a, BGP_COMM_NO_LLGR))
		return NULL;
	if (attrset_has_community(a, BGP_COMM_LLGR_STALE))
		return attrset_ref((struct attrset *)a);
	return with_comms(a, t, 1);
}

/* RFC 9494: a long-lived stale path is the least preferred, whatever
 * else it has; retagging walks only the peer's stale paths, keeps them
 * stale, drops those with NO_LLGR, and is idempotent. */
START_TEST(test_llgr_retag)
{
	struct rib r;
	struct ip_prefix p1, p2, p3;
	struct attrset *good, *worse, *nollgr, *stale;
	const struct rib_path *b;
	struct rib_path x, y;
	struct rib_entry *e;
	static const uint32_t no[] = { BGP_COMM_NO_LLGR };
	static const uint32_t ls[] = { BGP_COMM_LLGR_STALE };
	int calls = 0;

	peer_setup(0, "198.51.100.1", 1, true);
	peer_setup(1, "198.51.100.2", 2, true);
	/* The decision: LLGR_STALE loses even with every step won. */
	good = mkattrs(200, 1, 1, 0, -1, 0, 0, "198.51.100.1");
	worse = mkattrs(100, 5, 2, 2, 9, 0, 0, "198.51.100.2");
	stale = with_comms(good, ls, 1);
	memset(&x, 0, sizeof(x));
	memset(&y, 0, sizeof(y));
	x.attrs = stale;
	x.peer = &peers[0];
	y.attrs = worse;
	y.peer = &peers[1];
	ck_assert_int_gt(decide_cmp(&x, &y), 0);
	ck_assert_int_lt(decide_cmp(&y, &x), 0);
	ck_assert(!decide_ecmp(&x, &y));
	ck_assert_str_eq(decide_reason(&x, &y), "long-lived stale");

	rib_init(&r);
	addr_pfx_parse("100.64.1.0/26", &p1, false);
	addr_pfx_parse("100.64.1.64/26", &p2, false);
	addr_pfx_parse("100.64.1.128/26", &p3, false);
	nollgr = with_comms(good, no, 1);
	/* Peer 0 best for p1 (peer 1 has a worse path), alone for p2;
	 * its p3 path carries NO_LLGR. */
	rib_update(&r, &peers[0], &p1, 0, attrset_ref(good));
	rib_update(&r, &peers[1], &p1, 0, attrset_ref(worse));
	rib_update(&r, &peers[0], &p2, 0, attrset_ref(good));
	rib_update(&r, &peers[0], &p3, 0, attrset_ref(nollgr));
	while ((e = rib_dirty_pop(&r)) != NULL)
		rib_entry_done(&r, e);
	ck_assert_ptr_eq(rib_best(rib_lookup(&r, &p1))->peer, &peers[0]);

	rib_peer_mark_stale(&r, &peers[0]);
	rib_peer_walk_reset(&peers[0]);
	while (!rib_peer_retag_stale(&r, &peers[0], 1, tag_llgr, &calls))
		;
	ck_assert_int_eq(calls, 3);	/* peer 0's three, not peer 1's */
	ck_assert_uint_eq(peers[0].npaths, 2);
	ck_assert_uint_eq(peers[0].nstale, 2);
	ck_assert_ptr_null(rib_best(rib_lookup(&r, &p3)));
	/* p1: peer 1's worse path is the best now; p2 keeps the tagged. */
	b = rib_best(rib_lookup(&r, &p1));
	ck_assert_ptr_eq(b->peer, &peers[1]);
	ck_assert_ptr_eq(b->next->attrs, stale);
	ck_assert(b->next->flags & RIB_PATH_STALE);
	b = rib_best(rib_lookup(&r, &p2));
	ck_assert_ptr_eq(b->attrs, stale);
	ck_assert(b->flags & RIB_PATH_STALE);
	ck_assert_uint_eq(r.ndirty, 3);
	while ((e = rib_dirty_pop(&r)) != NULL)
		rib_entry_done(&r, e);
	/* Again: nothing changes. */
	calls = 0;
	rib_peer_walk_reset(&peers[0]);
	ck_assert(rib_peer_retag_stale(&r, &peers[0], 0, tag_llgr, &calls));
	ck_assert_int_eq(calls, 2);
	ck_assert_uint_eq(r.ndirty, 0);
	/* The long-lived stale time ends: they go. */
	ck_assert_uint_eq(rib_peer_flush_stale(&r, &peers[0], 0), 0);
	ck_assert_ptr_eq(rib_best(rib_lookup(&r, &p1))->peer, &peers[1]);
	ck_assert_ptr_null(rib_best(rib_lookup(&r, &p2)));
	rib_peer_flush(&r, &peers[1], 0);
	while ((e = rib_dirty_pop(&r)) != NULL)
		rib_entry_done(&r, e);
	rib_free(&r);
	attrset_unref(good);
	attrset_unref(worse);
	attrset_unref(stale);
	attrset_unref(nollgr);
}
END_TEST

/* Flushes walk the table a few entries at a time; the table may grow
 * (its slots move) between steps, and other peers' paths stay. */
START_TEST(test_flush_walk_across_growth)
{
	struct rib r;
	struct ip_prefix p;
	struct attrset *a0, *a1;
	struct rib_entry *e;
	size_t left, steps = 0;
	uint32_t next = 0;

	peer_setup(0, "198.51.100.1", 1, false);
	peer_setup(1, "198.51.100.2", 2, false);
	rib_init(&r);
	a0 = mkattrs(100, 1, 1, 0, -1, 0, 0, "198.51.100.1");
	a1 = mkattrs(100, 1, 1, 0, -1, 0, 0, "198.51.100.2");
	for (uint32_t i = 0; i < 3000; i++) {
		addr_from_v4(&p.addr, 0x64400000u + i);
		p.len = 32;
		rib_update(&r, &peers[0], &p, 0, attrset_ref(a0));
		if (i % 3 == 0)
			rib_update(&r, &peers[1], &p, 0, attrset_ref(a1));
	}
	/* Peer 0's routes go stale; peer 1 keeps sending new ones. */
	rib_peer_mark_stale(&r, &peers[0]);
	ck_assert_uint_eq(peers[0].nstale, 3000);
	do {
		for (int k = 0; k < 16; k++, next++) {
			addr_from_v4(&p.addr, 0x64500000u + next);
			p.len = 32;
			rib_update(&r, &peers[1], &p, 0, attrset_ref(a1));
		}
		left = rib_peer_flush_stale(&r, &peers[0], 64);
		steps++;
		ck_assert_uint_lt(steps, 1000);
	} while (left > 0);
	ck_assert_uint_eq(peers[0].npaths, 0);
	ck_assert_uint_eq(peers[1].npaths, 1000 + next);
	ck_assert_uint_eq(rib_count(&r), 1000 + next);
	ck_assert_uint_eq(rib_entries(&r), 1000 + next + 2000);	/* dirty */
	while ((e = rib_dirty_pop(&r)) != NULL)
		rib_entry_done(&r, e);
	ck_assert_uint_eq(rib_entries(&r), 1000 + next);
	/* A down peer: the same walk, every path. */
	do
		left = rib_peer_flush(&r, &peers[1], 100);
	while (left > 0);
	while ((e = rib_dirty_pop(&r)) != NULL)
		rib_entry_done(&r, e);
	ck_assert_uint_eq(rib_count(&r), 0);
	ck_assert_uint_eq(rib_entries(&r), 0);
	ck_assert_uint_eq(r.npaths, 0);
	rib_free(&r);
	attrset_unref(a0);
	attrset_unref(a1);
}
END_TEST

/*
 * What a route costs (issue 15), from the slab and table counters: an
 * IPv4 prefix with one path is one 48-octet object (IPv6: 64) and no
 * path object; only a second path takes one (32 octets); the table's
 * index costs at most 12 octets an entry (an 8-octet slot, load 0.68
 * at least once grown).
 */
START_TEST(test_memory_per_route)
{
	struct rib r;
	struct rib_mem m;
	struct ip_prefix p;
	struct attrset *a0, *a1;
	const size_t n = 20000;

	peer_setup(0, "198.51.100.1", 1, false);
	peer_setup(1, "198.51.100.2", 2, false);
	rib_init(&r);
	a0 = mkattrs(100, 1, 1, 0, -1, 0, 0, "198.51.100.1");
	a1 = mkattrs(100, 2, 1, 0, -1, 0, 0, "198.51.100.2");
	for (uint32_t i = 0; i < n; i++) {
		addr_from_v4(&p.addr, 0x64400000u + i);
		p.len = 32;
		rib_update(&r, &peers[0], &p, 0, attrset_ref(a0));
	}
	for (uint32_t i = 0; i < 100; i++) {
		memset(&p, 0, sizeof(p));
		p.addr.af = AF_INET6;
		p.addr.b[0] = 0x20;
		p.addr.b[1] = 0x01;
		p.addr.b[2] = 0x0d;
		p.addr.b[3] = 0xb8;
		p.addr.b[15] = (uint8_t)i;
		p.len = 128;
		rib_update(&r, &peers[0], &p, 0, attrset_ref(a0));
	}
	rib_mem(&r, &m);
	ck_assert_uint_eq(m.entries4, n);
	ck_assert_uint_eq(m.entries6, 100);
	ck_assert_uint_eq(m.paths, 0);
#if UINTPTR_MAX == UINT64_MAX
	ck_assert_uint_eq(m.entry4_size, 48);
	ck_assert_uint_eq(m.entry6_size, 64);
	ck_assert_uint_eq(m.path_size, 32);
#endif
	ck_assert_uint_le(m.bucket_bytes, (n + 100) * 12);
	/* A worse second path for one prefix: one path object; a better
	 * one for another: the best moves into the entry, one object. */
	addr_from_v4(&p.addr, 0x64400000u);
	p.len = 32;
	rib_update(&r, &peers[1], &p, 0, attrset_ref(a1));
	ck_assert_ptr_eq(rib_best(rib_lookup(&r, &p))->peer, &peers[0]);
	rib_update(&r, &peers[1], &p, 0, attrset_ref(a0));
	rib_mem(&r, &m);
	ck_assert_uint_eq(m.paths, 1);
	ck_assert_uint_eq(r.npaths, n + 100 + 1);
	rib_withdraw(&r, &peers[0], &p, 0);
	rib_mem(&r, &m);
	ck_assert_uint_eq(m.paths, 0);
	ck_assert_ptr_eq(rib_best(rib_lookup(&r, &p))->peer, &peers[1]);
	rib_free(&r);
	attrset_unref(a0);
	attrset_unref(a1);
}
END_TEST

/*
 * More changes than the dirty ring holds: the rest are flagged and found
 * by a walk; every changed entry comes out exactly once, whatever the
 * mix, and the ring's memory is given back.
 */
START_TEST(test_dirty_overflow)
{
	struct rib r;
	struct rib_mem m;
	struct ip_prefix p;
	struct attrset *a0;
	struct rib_entry *e;
	const size_t n = RIB_DIRTY_RING + 5000;
	size_t popped = 0, nulls = 0;
	uint8_t *seen = xcalloc(n, 1);

	peer_setup(0, "198.51.100.1", 1, false);
	rib_init(&r);
	a0 = mkattrs(100, 1, 1, 0, -1, 0, 0, "198.51.100.1");
	for (uint32_t i = 0; i < n; i++) {
		addr_from_v4(&p.addr, 0x64400000u + i);
		p.len = 32;
		rib_update(&r, &peers[0], &p, 0, attrset_ref(a0));
	}
	ck_assert_uint_eq(r.ndirty, n);
	ck_assert_uint_eq(r.nflagged, 5000);
	rib_mem(&r, &m);
	ck_assert_uint_le(m.ring_bytes, RIB_DIRTY_RING * sizeof(void *));
	while (r.ndirty > 0) {
		struct ip_prefix x;

		if ((e = rib_dirty_pop(&r)) == NULL) {
			ck_assert_uint_lt(++nulls, 100);
			continue;
		}
		rib_entry_prefix(e, &x);
		uint32_t i = addr_v4(&x.addr) - 0x64400000u;
		ck_assert_uint_lt(i, n);
		ck_assert_uint_lt(seen[i], 2);
		seen[i]++;
		popped++;
		/* A change to one already out: it comes out once more. */
		if (popped == 1000)
			rib_withdraw(&r, &peers[0], &x, 0);
		rib_entry_done(&r, e);
	}
	ck_assert_uint_eq(popped, n + 1);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_ge(seen[i], 1);
	ck_assert_ptr_null(rib_dirty_pop(&r));
	rib_mem(&r, &m);
	ck_assert_uint_eq(m.ring_bytes, 0);
	rib_free(&r);
	attrset_unref(a0);
	free(seen);
}
END_TEST

/* A walk in steps while the table doubles under it: every entry there
 * from start to end is seen exactly once. */
static uint8_t walk_seen[4096];

static void
count_one(struct rib *r, struct rib_entry *e, void *arg)
{
	struct ip_prefix x;
	uint32_t i;

	rib_entry_prefix(e, &x);
	i = addr_v4(&x.addr) - 0x64400000u;
	if (i < 1000)
		walk_seen[i]++;
}

START_TEST(test_walk_across_growth)
{
	struct rib r;
	struct rib_cursor c;
	struct ip_prefix p;
	struct attrset *a0;
	unsigned resizes;
	uint32_t next = 1000;

	peer_setup(0, "198.51.100.1", 1, false);
	rib_init(&r);
	a0 = mkattrs(100, 1, 1, 0, -1, 0, 0, "198.51.100.1");
	for (uint32_t i = 0; i < 1000; i++) {
		addr_from_v4(&p.addr, 0x64400000u + i);
		p.len = 32;
		rib_update(&r, &peers[0], &p, 0, attrset_ref(a0));
	}
	memset(walk_seen, 0, sizeof(walk_seen));
	memset(&c, 0, sizeof(c));
	resizes = r.entries.resizes;
	while (!rib_walk(&r, &c, 10, count_one, NULL)) {
		for (int k = 0; k < 20; k++, next++) {
			addr_from_v4(&p.addr, 0x64400000u + next);
			p.len = 32;
			rib_update(&r, &peers[0], &p, 0, attrset_ref(a0));
		}
	}
	ck_assert_uint_ge(r.entries.resizes, resizes + 2);
	for (int i = 0; i < 1000; i++)
		ck_assert_uint_eq(walk_seen[i], 1);
	rib_free(&r);
	attrset_unref(a0);
}
END_TEST

/* A held RIB does not shrink under a walk; released, it does, and a
 * walk begun before goes on, seeing each entry once. */
START_TEST(test_walk_hold_shrink)
{
	struct rib r;
	struct rib_cursor c;
	struct ip_prefix p;
	struct attrset *a0;
	struct rib_entry *e;
	size_t nb;

	peer_setup(0, "198.51.100.1", 1, false);
	rib_init(&r);
	a0 = mkattrs(100, 1, 1, 0, -1, 0, 0, "198.51.100.1");
	for (uint32_t i = 0; i < 1000; i++) {
		addr_from_v4(&p.addr, 0x64400000u + i);
		p.len = 32;
		rib_update(&r, &peers[0], &p, 0, attrset_ref(a0));
	}
	while ((e = rib_dirty_pop(&r)) != NULL)
		rib_entry_done(&r, e);
	memset(walk_seen, 0, sizeof(walk_seen));
	memset(&c, 0, sizeof(c));
	rib_hold(&r);
	ck_assert(!rib_walk(&r, &c, 10, count_one, NULL));
	for (uint32_t i = 10; i < 1000; i++) {
		addr_from_v4(&p.addr, 0x64400000u + i);
		p.len = 32;
		rib_withdraw(&r, &peers[0], &p, 0);
	}
	while ((e = rib_dirty_pop(&r)) != NULL)
		rib_entry_done(&r, e);
	ck_assert_uint_eq(rib_count(&r), 10);
	nb = r.entries.cap;
	rib_compact(&r);
	ck_assert_uint_eq(r.entries.cap, nb);
	while (!rib_walk(&r, &c, 10, count_one, NULL))
		;
	for (int i = 0; i < 10; i++)
		ck_assert_uint_eq(walk_seen[i], 1);
	rib_release(&r);
	/* Released: it shrinks under a walk in progress, which goes on. */
	memset(walk_seen, 0, sizeof(walk_seen));
	memset(&c, 0, sizeof(c));
	(void)rib_walk(&r, &c, 1, count_one, NULL);
	rib_compact(&r);
	ck_assert_uint_lt(r.entries.cap, nb);
	while (!rib_walk(&r, &c, 1, count_one, NULL))
		;
	for (int i = 0; i < 10; i++)
		ck_assert_uint_eq(walk_seen[i], 1);
	rib_free(&r);
	attrset_unref(a0);
}
END_TEST

/* An owner's EXT octets keep an entry without paths; all zero, it goes. */
START_TEST(test_ext_keeps_entry)
{
	struct rib r;
	struct ip_prefix p;
	struct attrset *a0;
	struct rib_entry *e;

	peer_setup(0, "198.51.100.1", 1, false);
	rib_init(&r);
	a0 = mkattrs(100, 1, 1, 0, -1, 0, 0, "198.51.100.1");
	addr_pfx_parse("100.64.3.0/26", &p, false);
	e = rib_get(&r, &p);
	ck_assert_ptr_eq(rib_get(&r, &p), e);
	ck_assert_ptr_null(rib_best(e));
	ck_assert_ptr_eq(rib_entry_of_ext(rib_entry_ext(e)), e);
	ck_assert_uint_eq(rib_count(&r), 0);
	rib_entry_ext(e)[3] = 1;
	rib_update(&r, &peers[0], &p, 0, attrset_ref(a0));
	ck_assert_ptr_eq(rib_lookup(&r, &p), e);
	ck_assert_uint_eq(rib_count(&r), 1);
	rib_withdraw(&r, &peers[0], &p, 0);
	while ((e = rib_dirty_pop(&r)) != NULL)
		rib_entry_done(&r, e);
	e = rib_lookup(&r, &p);
	ck_assert_ptr_nonnull(e);	/* the owner's still */
	ck_assert_uint_eq(rib_count(&r), 0);
	rib_entry_ext(e)[3] = 0;
	rib_entry_done(&r, e);
	ck_assert_ptr_null(rib_lookup(&r, &p));
	ck_assert_uint_eq(rib_entries(&r), 0);
	rib_free(&r);
	attrset_unref(a0);
}
END_TEST

/* A RIB without the owner's octets (BGP only): smaller entries, both
 * families, that go with their last path. */
START_TEST(test_no_ext)
{
	struct rib r;
	struct rib_mem m, m0;
	struct ip_prefix p4, p6;
	struct attrset *a0;
	struct rib_entry *e;

	peer_setup(0, "198.51.100.1", 1, false);
	rib_init(&r);
	rib_mem(&r, &m0);
	rib_no_ext(&r);
	rib_mem(&r, &m);
	ck_assert_uint_eq(m.entry4_size + RIB_EXT, m0.entry4_size);
	ck_assert_uint_eq(m.entry4_size, 40);
	ck_assert_uint_le(m.entry6_size, 56);
	a0 = mkattrs(100, 1, 1, 0, -1, 0, 0, "198.51.100.1");
	addr_pfx_parse("100.64.3.0/26", &p4, false);
	addr_pfx_parse("2001:db8:1000::/64", &p6, false);
	for (int i = 0; i < 1000; i++) {
		struct ip_prefix q = p4;

		q.addr.b[2] = (uint8_t)(i / 4);
		q.addr.b[3] = (uint8_t)(i % 4 * 64);
		rib_update(&r, &peers[0], &q, 0, attrset_ref(a0));
	}
	rib_update(&r, &peers[0], &p6, 0, attrset_ref(a0));
	ck_assert_uint_eq(rib_count(&r), 1001);
	e = (struct rib_entry *)rib_lookup(&r, &p6);
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_eq(rib_best(e)->attrs, a0);
	e = (struct rib_entry *)rib_lookup(&r, &p4);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->len, 26);
	while ((e = rib_dirty_pop(&r)) != NULL)
		rib_entry_done(&r, e);
	rib_withdraw(&r, &peers[0], &p6, 0);
	rib_withdraw(&r, &peers[0], &p4, 0);
	while ((e = rib_dirty_pop(&r)) != NULL)
		rib_entry_done(&r, e);
	ck_assert_ptr_null(rib_lookup(&r, &p4));
	ck_assert_ptr_null(rib_lookup(&r, &p6));
	ck_assert_uint_eq(rib_entries(&r), 999);
	rib_free(&r);
	attrset_unref(a0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("rib");
	TCase *tc = tcase_create("rib");

	tcase_add_test(tc, test_attrset_interning);
	tcase_add_test(tc, test_attrset_many);
	tcase_add_test(tc, test_decide_steps);
	tcase_add_test(tc, test_insertion_orders);
	tcase_add_test(tc, test_updates_and_dirty);
	tcase_add_test(tc, test_stale);
	tcase_add_test(tc, test_lone_path_replaced);
	tcase_add_test(tc, test_llgr_retag);
	tcase_add_test(tc, test_flush_walk_across_growth);
	tcase_add_test(tc, test_memory_per_route);
	tcase_add_test(tc, test_dirty_overflow);
	tcase_add_test(tc, test_ext_keeps_entry);
	tcase_add_test(tc, test_no_ext);
	tcase_add_test(tc, test_walk_across_growth);
	tcase_add_test(tc, test_walk_hold_shrink);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
