/*
 * Unit tests for fib/ against the real kernel, in a private network
 * namespace this process makes (unshare; needs root, else every test is
 * skipped with a message).  Each test builds its own links with ip(8)
 * and looks at the result with ip(8): what the kernel has is the truth.
 */
#include <check.h>
#include <poll.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fib/fib.h"
#include "lib/log.h"
#include "lib/monotime.h"
#include "tests/unit/util/testutil.h"

static bool have_ns;

struct locals {
	char	last[64];
	int	adds, dels, updates;
	uint32_t metric;
};

static void
on_local(void *arg, const struct fib_local *l, bool add)
{
	struct locals *lc = arg;

	if (l->kind != FIB_LOCAL_ROUTE)
		return;
	addr_pfx_fmt(&l->pfx, lc->last, sizeof(lc->last));
	lc->metric = l->metric;
	if (l->update)
		lc->updates++;
	else if (add)
		lc->adds++;
	else
		lc->dels++;
}

static void
sh(const char *cmd)
{
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

/* stdout of cmd, trimmed. */
static char *
out(const char *cmd)
{
	static char buf[4096];
	FILE *p = popen(cmd, "r");
	size_t n;

	ck_assert(p != NULL);
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	pclose(p);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return buf;
}

/* Run fib's I/O for ms milliseconds (or until synced when ms < 0). */
static void
pump(struct fib *f, int ms)
{
	uint64_t end = monotime_ms() + (uint64_t)(ms < 0 ? 5000 : ms);

	while (monotime_ms() < end) {
		struct pollfd p[2] = {
			{ fib_fd(f, 0), POLLIN, 0 },
			{ fib_fd(f, 1), POLLIN, 0 },
		};

		if (poll(p, 2, 20) > 0) {
			if (p[0].revents)
				fib_input(f, 0, monotime_ms());
			if (p[1].revents)
				fib_input(f, 1, monotime_ms());
		}
		fib_run_timers(f, monotime_ms());
		while (fib_want_write(f))
			fib_output(f, monotime_ms());
		if (ms < 0 && fib_synced(f))
			return;
	}
}

static struct locals lc;

static struct fib *
start(bool ready)
{
	struct fib_hooks h = { on_local, NULL, &lc };
	char err[256];
	struct fib *f;

	memset(&lc, 0, sizeof(lc));
	f = fib_new(186, 254, &h, err, sizeof(err));
	ck_assert(f != NULL);
	ck_assert_msg(fib_start(f, monotime_ms(), err, sizeof(err)) == 0,
	    "%s", err);
	pump(f, -1);
	ck_assert(fib_synced(f));
	if (ready)
		fib_ready(f);
	return f;
}

static void
route(struct fib_route *r, const char *pfx, const char *gw1,
    const char *gw2)
{
	memset(r, 0, sizeof(*r));
	ck_assert(addr_pfx_parse(pfx, &r->pfx, false) == 0);
	r->type = FIB_UNICAST;
	if (gw1 != NULL)
		ck_assert(addr_parse(gw1, &r->nh[r->nnh++].gw) == 0);
	if (gw2 != NULL)
		ck_assert(addr_parse(gw2, &r->nh[r->nnh++].gw) == 0);
}

/* A fresh namespace per test: veth a (198.51.100.1/24) <-> b. */
static void
setup(void)
{
	if (!have_ns)
		return;
	if (unshare(CLONE_NEWNET) != 0)
		ck_abort_msg("unshare");
	sh("ip link set lo up && ip link add name va type veth peer name vb && "
	    "ip addr add 198.51.100.1/24 dev va && ip link set va up && "
	    "ip link set vb up");
}

#define NEED_NS() do { if (!have_ns) return; } while (0)

START_TEST(test_install_replace_delete)
{
	struct fib *f;
	struct fib_route r;
	struct ip_prefix p;
	struct fib_stats st;

	NEED_NS();
	f = start(true);
	route(&r, "100.64.1.0/26", "198.51.100.2", NULL);
	fib_set(f, &r);
	pump(f, 100);
	ck_assert_str_eq(out("ip route show 100.64.1.0/26 proto 186"),
	    "100.64.1.0/26 via 198.51.100.2 dev va");
	ck_assert_int_eq(fib_state(f, &r.pfx), FIB_ST_INSTALLED);
	/* Two next hops: one multipath route, by replace. */
	route(&r, "100.64.1.0/26", "198.51.100.2", "198.51.100.3");
	fib_set(f, &r);
	pump(f, 100);
	ck_assert_ptr_nonnull(strstr(out("ip route show 100.64.1.0/26 "
	    "proto 186"), "nexthop via 198.51.100.3 dev va"));
	route(&r, "100.64.1.0/26", "198.51.100.3", NULL);
	fib_set(f, &r);
	pump(f, 100);
	ck_assert_str_eq(out("ip route show 100.64.1.0/26 proto 186"),
	    "100.64.1.0/26 via 198.51.100.3 dev va");
	fib_stats(f, &st);
	ck_assert_uint_eq(st.adds, 1);
	ck_assert_uint_eq(st.replaces, 2);
	ck_assert_uint_eq(st.deletes, 0);
	addr_pfx_parse("100.64.1.0/26", &p, false);
	fib_unset(f, &p);
	pump(f, 100);
	ck_assert_str_eq(out("ip route show 100.64.1.0/26"), "");
	ck_assert_int_eq(fib_state(f, &p), FIB_ST_NONE);
	fib_free(f);
}
END_TEST

/* The request buffer goes back once idle, not before, and the next
 * change takes a new one and reaches the kernel. */
START_TEST(test_release_idle)
{
	struct fib *f;
	struct fib_route r;
	uint64_t now;

	NEED_NS();
	f = start(true);
	now = monotime_ms();
	ck_assert(!fib_release(f, now, 1000));	/* no batch sent yet */
	route(&r, "100.64.2.0/26", "198.51.100.2", NULL);
	fib_set(f, &r);
	pump(f, 100);
	ck_assert_int_eq(fib_state(f, &r.pfx), FIB_ST_INSTALLED);
	now = monotime_ms();
	ck_assert(!fib_release(f, now, 1000));	/* just used */
	ck_assert(fib_release(f, now + 1000, 1000));
	ck_assert(!fib_release(f, now + 2000, 1000));	/* gone */
	route(&r, "100.64.2.0/26", "198.51.100.3", NULL);
	fib_set(f, &r);
	pump(f, 100);
	ck_assert_str_eq(out("ip route show 100.64.2.0/26 proto 186"),
	    "100.64.2.0/26 via 198.51.100.3 dev va");
	ck_assert(fib_release(f, monotime_ms() + 1000, 1000));
	fib_free(f);
}
END_TEST

START_TEST(test_blackhole)
{
	struct fib *f;
	struct fib_route r;

	NEED_NS();
	f = start(true);
	memset(&r, 0, sizeof(r));
	addr_pfx_parse("100.64.2.0/26", &r.pfx, false);
	r.type = FIB_BLACKHOLE;
	fib_set(f, &r);
	pump(f, 100);
	ck_assert_str_eq(out("ip route show 100.64.2.0/26 proto 186"),
	    "blackhole 100.64.2.0/26");
	fib_unset(f, &r.pfx);
	pump(f, 100);
	ck_assert_str_eq(out("ip route show 100.64.2.0/26"), "");
	fib_free(f);
}
END_TEST

/* Another protocol's route in our slot: left alone, reported. */
START_TEST(test_foreign_untouched)
{
	struct fib *f;
	struct fib_route r;

	NEED_NS();
	sh("ip route add 100.64.3.0/26 via 198.51.100.9 proto 80");
	f = start(true);
	ck_assert_int_eq(lc.adds, 1);
	ck_assert_str_eq(lc.last, "100.64.3.0/26");
	route(&r, "100.64.3.0/26", "198.51.100.2", NULL);
	fib_set(f, &r);
	pump(f, 100);
	ck_assert_int_eq(fib_state(f, &r.pfx), FIB_ST_CONFLICT);
	ck_assert_str_eq(out("ip route show 100.64.3.0/26"),
	    "100.64.3.0/26 via 198.51.100.9 dev va proto 80");
	fib_unset(f, &r.pfx);
	pump(f, 100);
	ck_assert_str_eq(out("ip route show 100.64.3.0/26"),
	    "100.64.3.0/26 via 198.51.100.9 dev va proto 80");
	/* Its removal is an event, reported too. */
	sh("ip route del 100.64.3.0/26 proto 80");
	pump(f, 100);
	ck_assert_int_eq(lc.dels, 1);
	fib_free(f);
}
END_TEST

/* Ours from before a restart: kept until ready, then swept/replaced. */
START_TEST(test_restart_keeps_until_ready)
{
	struct fib *f;
	struct fib_route r;

	NEED_NS();
	sh("ip route add 100.64.4.0/26 via 198.51.100.2 proto 186 && "
	    "ip route add 100.64.5.0/26 via 198.51.100.2 proto 186 && "
	    "ip route add 100.64.6.0/26 via 198.51.100.2 proto 186");
	f = start(false);
	route(&r, "100.64.4.0/26", "198.51.100.2", NULL);	/* same */
	fib_set(f, &r);
	route(&r, "100.64.5.0/26", "198.51.100.3", NULL);	/* changed */
	fib_set(f, &r);
	route(&r, "100.64.7.0/26", "198.51.100.3", NULL);	/* new */
	fib_set(f, &r);
	pump(f, 150);
	ck_assert_str_eq(out("ip route show proto 186 | sort"),
	    "100.64.4.0/26 via 198.51.100.2 dev va \n"
	    "100.64.5.0/26 via 198.51.100.2 dev va \n"
	    "100.64.6.0/26 via 198.51.100.2 dev va \n"
	    "100.64.7.0/26 via 198.51.100.3 dev va");
	ck_assert_int_eq(fib_state(f, &r.pfx), FIB_ST_INSTALLED);
	/* What we installed ourselves goes at once, ready or not. */
	fib_unset(f, &r.pfx);
	pump(f, 150);
	ck_assert_str_eq(out("ip route show 100.64.7.0/26"), "");
	fib_ready(f);
	pump(f, 150);
	fib_set(f, &r);
	pump(f, 150);
	ck_assert_str_eq(out("ip route show proto 186 | sort"),
	    "100.64.4.0/26 via 198.51.100.2 dev va \n"
	    "100.64.5.0/26 via 198.51.100.3 dev va \n"
	    "100.64.7.0/26 via 198.51.100.3 dev va");
	fib_free(f);
}
END_TEST

/*
 * With an owner (the daemon's RIB): fib keeps no table of its own, only
 * the owner's 8-octet slots and one interned set per distinct next-hop
 * set; it asks the owner what to want when it writes, and gives a slot
 * back once it is all zero.  A restart over the routes it left finds
 * them through the owner's slots and changes nothing in the kernel
 * while the owner wants the same; after fib_ready() what is unwanted
 * goes.
 */
#define NOWN	64

struct own_ent {
	struct ip_prefix pfx;
	struct fib_slot slot;
	struct fib_route want;
	bool	used, wanted;
};

static struct own_ent own_v[NOWN];
static int own_released;

static struct own_ent *
own_of(const struct fib_slot *s)
{
	return (struct own_ent *)((char *)s - offsetof(struct own_ent, slot));
}

static struct fib_slot *
o_slot(void *arg, const struct ip_prefix *p, bool make)
{
	int free_i = -1;

	for (int i = 0; i < NOWN; i++) {
		if (own_v[i].used && addr_pfx_eq(&own_v[i].pfx, p))
			return &own_v[i].slot;
		if (!own_v[i].used && free_i < 0)
			free_i = i;
	}
	if (!make || free_i < 0)
		return NULL;
	memset(&own_v[free_i], 0, sizeof(own_v[free_i]));
	own_v[free_i].used = true;
	own_v[free_i].pfx = *p;
	return &own_v[free_i].slot;
}

static void
o_prefix(void *arg, const struct fib_slot *s, struct ip_prefix *p)
{
	*p = own_of(s)->pfx;
}

static bool
o_want(void *arg, const struct fib_slot *s, struct fib_route *r)
{
	const struct own_ent *e = own_of(s);

	*r = e->want;
	r->pfx = e->pfx;
	return e->wanted;
}

static void
o_release(void *arg, struct fib_slot *s)
{
	struct own_ent *e = own_of(s);

	if (!e->wanted) {
		e->used = false;
		own_released++;
	}
}

static struct fib_slot *
o_next(void *arg, size_t *it)
{
	while (*it < NOWN) {
		struct own_ent *e = &own_v[(*it)++];

		if (e->used)
			return &e->slot;
	}
	return NULL;
}

static const struct fib_owner test_owner = {
	o_slot, o_prefix, o_want, o_release, o_next, NULL,
};

static struct fib *
start_owned(bool ready)
{
	struct fib_hooks h = { on_local, NULL, &lc };
	char err[256];
	struct fib *f;

	memset(&lc, 0, sizeof(lc));
	f = fib_new(186, 254, &h, err, sizeof(err));
	ck_assert(f != NULL);
	fib_set_owner(f, &test_owner);
	ck_assert_msg(fib_start(f, monotime_ms(), err, sizeof(err)) == 0,
	    "%s", err);
	pump(f, -1);
	if (ready)
		fib_ready(f);
	return f;
}

/* The owner wants r for its prefix from now on (NULL: nothing). */
static void
own_want(struct fib *f, const char *pfx, const char *gw)
{
	struct ip_prefix p;
	struct own_ent *e;

	ck_assert(addr_pfx_parse(pfx, &p, false) == 0);
	e = own_of(o_slot(NULL, &p, true));
	e->wanted = gw != NULL;
	if (gw != NULL)
		route(&e->want, pfx, gw, NULL);
	fib_changed(f, &e->slot);
}

START_TEST(test_owner_slots)
{
	struct fib *f;
	struct fib_stats st;
	struct ip_prefix p;
	char pfx[32];

	NEED_NS();
	memset(own_v, 0, sizeof(own_v));
	own_released = 0;
	f = start_owned(true);
	for (int i = 0; i < 40; i++) {
		snprintf(pfx, sizeof(pfx), "100.64.%d.0/26", i);
		own_want(f, pfx, "198.51.100.2");
	}
	pump(f, 150);
	ck_assert_str_eq(out("ip route show proto 186 | wc -l"), "40");
	fib_stats(f, &st);
	ck_assert_uint_eq(st.installed, 40);
	ck_assert_uint_eq(st.wanted, 40);
	/* One set for the 40 routes (and fib's "unknown"). */
	ck_assert_uint_eq(st.nh_sets, 2);
	own_want(f, "100.64.3.0/26", "198.51.100.3");
	own_want(f, "100.64.4.0/26", NULL);
	pump(f, 150);
	ck_assert_str_eq(out("ip route show 100.64.3.0/26 proto 186"),
	    "100.64.3.0/26 via 198.51.100.3 dev va");
	ck_assert_str_eq(out("ip route show 100.64.4.0/26"), "");
	/* The slot of the route gone is all zero and given back. */
	ck_assert_int_eq(own_released, 1);
	ck_assert(addr_pfx_parse("100.64.4.0/26", &p, false) == 0);
	ck_assert_ptr_null(o_slot(NULL, &p, false));
	ck_assert_int_eq(fib_state(f, &p), FIB_ST_NONE);
	fib_free(f);

	/* A restart: the owner starts empty, fib finds its 39 routes. */
	memset(own_v, 0, sizeof(own_v));
	f = start_owned(false);
	fib_stats(f, &st);
	ck_assert_uint_eq(st.kernel_own, 39);
	for (int i = 0; i < 40; i++) {
		if (i == 4 || i == 7)
			continue;	/* 7 is no longer wanted */
		snprintf(pfx, sizeof(pfx), "100.64.%d.0/26", i);
		own_want(f, pfx, i == 3 ? "198.51.100.3" : "198.51.100.2");
	}
	pump(f, 150);
	fib_stats(f, &st);
	ck_assert_uint_eq(st.adds + st.replaces + st.deletes, 0);
	ck_assert_uint_eq(st.installed, 38);
	ck_assert(addr_pfx_parse("100.64.7.0/26", &p, false) == 0);
	ck_assert_int_eq(fib_state(f, &p), FIB_ST_STALE);
	fib_ready(f);
	pump(f, 150);
	fib_stats(f, &st);
	ck_assert_uint_eq(st.deletes, 1);
	ck_assert_uint_eq(st.adds + st.replaces, 0);
	ck_assert_str_eq(out("ip route show 100.64.7.0/26"), "");
	ck_assert_str_eq(out("ip route show proto 186 | wc -l"), "38");
	fib_free(f);
}
END_TEST

/* A resync marks the slots it finds; once their routes are deleted the
 * slots go back all zero, mark or not (a RIB entry goes only then). */
START_TEST(test_owner_slots_after_resync)
{
	struct fib *f;
	struct fib_stats st;
	char pfx[32];
	int small = 2048;
	FILE *b;

	NEED_NS();
	memset(own_v, 0, sizeof(own_v));
	own_released = 0;
	f = start_owned(true);
	for (int i = 0; i < 10; i++) {
		snprintf(pfx, sizeof(pfx), "100.64.%d.0/26", i);
		own_want(f, pfx, "198.51.100.2");
	}
	pump(f, 150);
	ck_assert(setsockopt(fib_fd(f, 1), SOL_SOCKET, SO_RCVBUF, &small,
	    sizeof(small)) == 0);
	b = fopen("/tmp/check_fib.batch", "w");
	ck_assert(b != NULL);
	for (int i = 0; i < 2000; i++)
		fprintf(b, "route add 100.65.%d.%d/32 via 198.51.100.9 "
		    "proto 80\n", i / 250, i % 250);
	fclose(b);
	sh("ip -batch /tmp/check_fib.batch");
	unlink("/tmp/check_fib.batch");
	pump(f, 1000);
	fib_stats(f, &st);
	ck_assert_uint_ge(st.resyncs, 1);
	for (int i = 0; i < 10; i++) {
		snprintf(pfx, sizeof(pfx), "100.64.%d.0/26", i);
		own_want(f, pfx, NULL);
	}
	pump(f, 150);
	ck_assert_str_eq(out("ip route show proto 186 | wc -l"), "0");
	ck_assert_int_eq(own_released, 10);
	for (int i = 0; i < NOWN; i++)
		ck_assert(!own_v[i].used);
	fib_free(f);
}
END_TEST

/* Next hops: recursive through a static route; unresolvable until an
 * address makes them connected; back again when a link goes down. */
START_TEST(test_resolution)
{
	struct fib *f;
	struct fib_route r;

	NEED_NS();
	sh("ip route add 203.0.113.0/24 via 198.51.100.2 proto static");
	f = start(true);
	route(&r, "100.64.8.0/26", "203.0.113.7", NULL);
	fib_set(f, &r);
	pump(f, 100);
	ck_assert_str_eq(out("ip route show 100.64.8.0/26 proto 186"),
	    "100.64.8.0/26 via 198.51.100.2 dev va");
	route(&r, "100.64.9.0/26", "192.0.2.7", NULL);
	fib_set(f, &r);
	pump(f, 100);
	ck_assert_int_eq(fib_state(f, &r.pfx), FIB_ST_UNRESOLVED);
	sh("ip addr add 192.0.2.1/24 dev vb");
	pump(f, 150);
	ck_assert_str_eq(out("ip route show 100.64.9.0/26 proto 186"),
	    "100.64.9.0/26 via 192.0.2.7 dev vb");
	/* The static route moves: the recursive route follows. */
	sh("ip route replace 203.0.113.0/24 via 198.51.100.3 proto static");
	pump(f, 150);
	ck_assert_str_eq(out("ip route show 100.64.8.0/26 proto 186"),
	    "100.64.8.0/26 via 198.51.100.3 dev va");
	fib_free(f);
}
END_TEST

/* A next hop reached through a route of our own (a reachableBy static)
 * follows it when we move it, and only then: the routes whose next hops
 * are directly connected keep their kernel form. */
START_TEST(test_resolution_own)
{
	struct fib *f;
	struct fib_route r, s;
	struct fib_stats st;
	uint64_t replaces;

	NEED_NS();
	f = start(true);
	route(&s, "203.0.113.7/32", "198.51.100.2", NULL);
	fib_set(f, &s);
	route(&r, "100.64.8.0/26", "203.0.113.7", NULL);
	fib_set(f, &r);
	route(&r, "100.64.9.0/26", "198.51.100.5", NULL);
	fib_set(f, &r);
	pump(f, 150);
	ck_assert_str_eq(out("ip route show 100.64.8.0/26 proto 186"),
	    "100.64.8.0/26 via 198.51.100.2 dev va");
	ck_assert_str_eq(out("ip route show 100.64.9.0/26 proto 186"),
	    "100.64.9.0/26 via 198.51.100.5 dev va");
	fib_stats(f, &st);
	replaces = st.replaces;
	route(&s, "203.0.113.7/32", "198.51.100.3", NULL);
	fib_set(f, &s);
	pump(f, 150);
	ck_assert_str_eq(out("ip route show 100.64.8.0/26 proto 186"),
	    "100.64.8.0/26 via 198.51.100.3 dev va");
	ck_assert_str_eq(out("ip route show 100.64.9.0/26 proto 186"),
	    "100.64.9.0/26 via 198.51.100.5 dev va");
	/* The static and the route through it, nothing else. */
	fib_stats(f, &st);
	ck_assert_uint_eq(st.replaces - replaces, 2);
	fib_free(f);
}
END_TEST

/* The views a listing takes (the BIRD socket's show route): another
 * protocol's route for a prefix, devices by name; a next hop resolved
 * as ours are, connected or through a route, or not at all. */
START_TEST(test_views)
{
	struct fib *f;
	struct fib_view v;
	struct ip_prefix p;
	struct ip_addr a;

	NEED_NS();
	sh("ip route add 203.0.113.0/24 via 198.51.100.2 proto static && "
	    "ip route add blackhole 100.64.7.0/24 proto 80 && "
	    "ip route add 100.64.0.5/32 dev vb proto 80 metric 7");
	f = start(true);
	ck_assert(addr_pfx_parse("203.0.113.0/24", &p, false) == 0);
	ck_assert(fib_view_route(f, &p, &v));
	ck_assert_int_eq(v.type, FIB_VIEW_UNICAST);
	ck_assert_uint_eq(v.protocol, 4);	/* static */
	ck_assert_str_eq(addr_fmt(&v.gw, (char[ADDR_STRLEN]){ 0 },
	    ADDR_STRLEN), "198.51.100.2");
	ck_assert_str_eq(v.dev, "va");
	ck_assert(addr_pfx_parse("100.64.7.0/24", &p, false) == 0);
	ck_assert(fib_view_route(f, &p, &v));
	ck_assert_int_eq(v.type, FIB_VIEW_BLACKHOLE);
	ck_assert_uint_eq(v.protocol, 80);
	ck_assert(addr_pfx_parse("100.64.0.5/32", &p, false) == 0);
	ck_assert(fib_view_route(f, &p, &v));
	ck_assert_int_eq(v.type, FIB_VIEW_UNICAST);
	ck_assert_uint_eq(v.gw.af, 0);
	ck_assert_str_eq(v.dev, "vb");
	ck_assert_uint_eq(v.priority, 7);
	/* The interface's own subnet is an address, not a route. */
	ck_assert(addr_pfx_parse("198.51.100.0/24", &p, false) == 0);
	ck_assert(!fib_view_route(f, &p, &v));

	ck_assert(addr_parse("198.51.100.9", &a) == 0);
	ck_assert(fib_view_nexthop(f, &a, &v));
	ck_assert(!v.recursive);
	ck_assert(addr_eq(&v.gw, &a));
	ck_assert_str_eq(v.dev, "va");
	ck_assert(addr_parse("203.0.113.7", &a) == 0);
	ck_assert(fib_view_nexthop(f, &a, &v));
	ck_assert(v.recursive);
	ck_assert_str_eq(addr_fmt(&v.gw, (char[ADDR_STRLEN]){ 0 },
	    ADDR_STRLEN), "198.51.100.2");
	ck_assert_str_eq(v.dev, "va");
	ck_assert(addr_parse("192.0.2.7", &a) == 0);
	ck_assert(!fib_view_nexthop(f, &a, &v));
	fib_free(f);
}
END_TEST

/* Someone deletes our route: it comes back. */
START_TEST(test_drift_repaired)
{
	struct fib *f;
	struct fib_route r;

	NEED_NS();
	f = start(true);
	route(&r, "100.64.10.0/26", "198.51.100.2", NULL);
	fib_set(f, &r);
	pump(f, 100);
	sh("ip route del 100.64.10.0/26 proto 186");
	pump(f, 150);
	ck_assert_str_eq(out("ip route show 100.64.10.0/26 proto 186"),
	    "100.64.10.0/26 via 198.51.100.2 dev va");
	fib_free(f);
}
END_TEST

/* Prefixes of every length (RTA_DST is always the whole address), and
 * IPv6. */
START_TEST(test_lengths_and_v6)
{
	static const char *const v[] = { "0.0.0.0/0", "100.65.0.0/16",
	    "100.65.7.0/24", "100.65.8.128/25" };
	struct fib *f;
	struct fib_route r;
	char cmd[128];

	NEED_NS();
	sh("ip addr add 2001:db8:100::1/64 dev va nodad");
	f = start(true);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		route(&r, v[i], "198.51.100.2", NULL);
		fib_set(f, &r);
	}
	route(&r, "2001:db8:2000::/48", "2001:db8:100::2", NULL);
	fib_set(f, &r);
	pump(f, 150);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(cmd, sizeof(cmd), "ip route show %s proto 186", v[i]);
		ck_assert_msg(out(cmd)[0] != '\0', "%s not installed", v[i]);
	}
	ck_assert_str_eq(out("ip -6 route show 2001:db8:2000::/48 proto 186"),
	    "2001:db8:2000::/48 via 2001:db8:100::2 dev va metric 1024 "
	    "pref medium");
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		addr_pfx_parse(v[i], &r.pfx, false);
		fib_unset(f, &r.pfx);
	}
	pump(f, 150);
	ck_assert_str_eq(out("ip -4 route show proto 186"), "");
	fib_free(f);
}
END_TEST

/* Dev-named next hops (IPIP's tunl0): onlink, and only while the
 * device exists. */
START_TEST(test_onlink_dev)
{
	struct fib *f;
	struct fib_route r;

	NEED_NS();
	f = start(true);
	route(&r, "100.64.11.0/26", "203.0.113.9", NULL);
	strcpy(r.nh[0].dev, "tunl0");
	r.nh[0].onlink = true;
	fib_set(f, &r);
	pump(f, 100);
	ck_assert_int_eq(fib_state(f, &r.pfx), FIB_ST_UNRESOLVED);
	sh("ip link add tunl0 type veth peer name tunl0p && "
	    "ip link set tunl0 up && ip link set tunl0p up");
	pump(f, 150);
	ck_assert_str_eq(out("ip route show 100.64.11.0/26 proto 186"),
	    "100.64.11.0/26 via 203.0.113.9 dev tunl0 onlink");
	fib_free(f);
}
END_TEST

/* Lost events (ENOBUFS): a full re-read, after which the mirror and our
 * routes are right again. */
START_TEST(test_enobufs_resync)
{
	struct fib *f;
	struct fib_route r;
	struct fib_stats st;
	int small = 2048;
	FILE *b;

	NEED_NS();
	f = start(true);
	route(&r, "100.64.12.0/26", "198.51.100.2", NULL);
	fib_set(f, &r);
	pump(f, 100);
	ck_assert(setsockopt(fib_fd(f, 1), SOL_SOCKET, SO_RCVBUF, &small,
	    sizeof(small)) == 0);
	b = fopen("/tmp/check_fib.batch", "w");
	ck_assert(b != NULL);
	for (int i = 0; i < 2000; i++)
		fprintf(b, "route add 100.65.%d.%d/32 via 198.51.100.9 "
		    "proto 80\n", i / 250, i % 250);
	fclose(b);
	/* Nobody reads while 2000 events arrive. */
	sh("ip -batch /tmp/check_fib.batch");
	unlink("/tmp/check_fib.batch");
	sh("ip route del 100.64.12.0/26 proto 186");
	pump(f, 1000);
	fib_stats(f, &st);
	ck_assert_uint_ge(st.resyncs, 1);
	ck_assert_int_eq(lc.adds, 2000);
	ck_assert_uint_eq(st.local_routes, 2000);
	/* Our route deleted behind our back during the loss: back. */
	ck_assert_str_eq(out("ip route show 100.64.12.0/26 proto 186"),
	    "100.64.12.0/26 via 198.51.100.2 dev va");
	fib_free(f);
}
END_TEST

/* Our own changes are not echoed back to the event socket: thousands
 * of installs and deletes in large batches go through an event buffer
 * far too small for their notifications without a loss (ENOBUFS) and a
 * re-read; a delete by somebody else still arrives and is repaired. */
START_TEST(test_own_changes_silent)
{
	enum { N = 3000 };
	struct fib *f;
	struct fib_route r;
	struct fib_stats st;
	int small = 2048;
	uint64_t events;
	char pfx[32];

	NEED_NS();
	f = start(true);
	ck_assert(setsockopt(fib_fd(f, 1), SOL_SOCKET, SO_RCVBUF, &small,
	    sizeof(small)) == 0);
	fib_stats(f, &st);
	events = st.events;
	for (int i = 0; i < N; i++) {
		snprintf(pfx, sizeof(pfx), "100.66.%d.%d/32", i / 250,
		    i % 250);
		route(&r, pfx, "198.51.100.2", NULL);
		fib_set(f, &r);
	}
	pump(f, 300);
	ck_assert_str_eq(out("ip route show proto 186 | wc -l"), "3000");
	for (int i = 0; i < N; i++) {
		snprintf(pfx, sizeof(pfx), "100.66.%d.%d/32", i / 250,
		    i % 250);
		route(&r, pfx, "198.51.100.2", NULL);
		fib_unset(f, &r.pfx);
	}
	pump(f, 300);
	ck_assert_str_eq(out("ip route show proto 186 | wc -l"), "0");
	fib_stats(f, &st);
	ck_assert_uint_eq(st.resyncs, 0);
	/* Not one of our 6,000 changes: at most a few of the kernel's
	 * own (addresses, IPv6 routes of the links). */
	ck_assert_uint_lt(st.events - events, 50);
	ck_assert_uint_eq(st.adds, N);
	ck_assert_uint_eq(st.deletes, N);
	/* Somebody else's delete of ours still comes through. */
	route(&r, "100.64.13.0/26", "198.51.100.2", NULL);
	fib_set(f, &r);
	pump(f, 100);
	sh("ip route del 100.64.13.0/26 proto 186");
	pump(f, 300);
	ck_assert_str_eq(out("ip route show 100.64.13.0/26 proto 186"),
	    "100.64.13.0/26 via 198.51.100.2 dev va");
	fib_free(f);
}
END_TEST

/* The dirty queue grows while part drained and wrapped round: every
 * route queued before and after still reaches the kernel. */
START_TEST(test_dirty_ring_wraps)
{
	enum { FIRST = 20000, MORE = 36000 };
	struct fib *f;
	struct fib_route r;
	struct fib_stats st;
	char pfx[32];

	NEED_NS();
	f = start(true);
	for (int i = 0; i < FIRST + MORE; i++) {
		snprintf(pfx, sizeof(pfx), "100.%d.%d.%d/32", 80 + i / 65536,
		    i / 256 % 256, i % 256);
		route(&r, pfx, "198.51.100.2", "198.51.100.3");
		fib_set(f, &r);
		/* One run sends part of the first routes (two next hops
		 * each: the batches' octets run out first): the ring's head
		 * moves on, the next ones wrap round and grow it. */
		if (i == FIRST - 1) {
			fib_output(f, monotime_ms());
			fib_stats(f, &st);
			ck_assert_uint_gt(st.adds, 0);
			ck_assert_uint_lt(st.adds, FIRST);
		}
	}
	pump(f, 500);
	fib_stats(f, &st);
	ck_assert_uint_eq(st.adds, FIRST + MORE);
	ck_assert_uint_eq(st.errors, 0);
	ck_assert_str_eq(out("ip -o route show proto 186 | wc -l"), "56000");
	ck_assert_ptr_nonnull(strstr(out("ip route show 100.80.218.191/32 "
	    "proto 186"), "nexthop via 198.51.100.3 dev va"));
	fib_free(f);
}
END_TEST

/* Routes of our protocol made by somebody else while we run, at our
 * metric (slots) and at another (strays), each for a prefix new to the
 * kernel.  IPv6 sends the notification of a new prefix before a delete
 * can find it, so a delete sent at once may be answered "no such
 * route" while the route stays: fib must look again, and in the end
 * the kernel holds none of them. */
START_TEST(test_new_v6_prefixes_deleted)
{
	struct fib *f;
	struct fib_stats st;
	FILE *b;
	pid_t pid;
	int status, n;

	NEED_NS();
	sh("ip -6 addr add 2001:db8:100::1/64 dev va nodad");
	f = start(true);
	b = fopen("/tmp/check_fib6.batch", "w");
	ck_assert(b != NULL);
	for (int i = 0; i < 3000; i++)
		fprintf(b, "route add 2001:db8:%x:%x::/64 via "
		    "2001:db8:100::2 proto 186%s\n", 0x2000 + i / 1000,
		    i % 1000, i % 2 ? " metric 50" : "");
	fclose(b);
	pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		execlp("ip", "ip", "-batch", "/tmp/check_fib6.batch",
		    (char *)NULL);
		_exit(127);
	}
	/* fib reads and deletes while they are being added. */
	while (waitpid(pid, &status, WNOHANG) == 0)
		pump(f, 20);
	unlink("/tmp/check_fib6.batch");
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* Past the last look (100 + 200 + 400 ms). */
	pump(f, 1500);
	n = atoi(out("ip -6 route show proto 186 | wc -l"));
	ck_assert_msg(n == 0, "%d routes of ours left:\n%s", n,
	    out("ip -6 route show proto 186 | head -5"));
	fib_stats(f, &st);
	ck_assert_uint_eq(st.errors, 0);
	fib_free(f);
}
END_TEST

/*
 * Route metrics (Calico's route priorities): a route is written at the
 * metric asked for; moving it adds the new one before the old one goes
 * (never a moment without a route), IPv4 and IPv6; a route of ours
 * found at start at the metric still wanted is kept untouched; a local
 * route's metric reaches the hooks, and a change of it as an update.
 */
START_TEST(test_metrics)
{
	struct fib *f;
	struct fib_route r;
	struct fib_stats st;

	NEED_NS();
	sh("ip -6 addr add 2001:db8:100::1/64 dev va nodad");
	f = start(true);
	route(&r, "100.64.13.0/26", "198.51.100.2", NULL);
	r.metric = 1024;
	fib_set(f, &r);
	route(&r, "2001:db8:2000::/64", "2001:db8:100::2", NULL);
	r.metric = 2147483547u;
	fib_set(f, &r);
	pump(f, 200);
	ck_assert_str_eq(out("ip route show 100.64.13.0/26 proto 186"),
	    "100.64.13.0/26 via 198.51.100.2 dev va metric 1024");
	ck_assert_str_eq(out("ip -6 route show 2001:db8:2000::/64 proto 186 "
	    "| cut -d' ' -f1-7"),
	    "2001:db8:2000::/64 via 2001:db8:100::2 dev va metric 2147483547");
	/* An elevated priority: metric 512.  The monitor's file is this
	 * process's; it listens once a marker route shows in it. */
	char mon[64], pid[64], cmd[320];

	snprintf(mon, sizeof(mon), "/tmp/check_fib.%d.mon", (int)getpid());
	snprintf(pid, sizeof(pid), "/tmp/check_fib.%d.pid", (int)getpid());
	snprintf(cmd, sizeof(cmd), "(ip monitor route > %s 2>&1 & echo $! > "
	    "%s)", mon, pid);
	sh(cmd);
	for (int i = 0; ; i++) {
		ck_assert_msg(i < 100, "ip monitor never listened");
		sh("ip route replace 192.0.2.99/32 dev va");
		sh("ip route del 192.0.2.99/32 dev va");
		snprintf(cmd, sizeof(cmd), "grep -q 192.0.2.99 %s", mon);
		if (system(cmd) == 0)
			break;
		usleep(20000);
	}
	route(&r, "100.64.13.0/26", "198.51.100.2", NULL);
	r.metric = 512;
	fib_set(f, &r);
	route(&r, "2001:db8:2000::/64", "2001:db8:100::2", NULL);
	r.metric = 512;
	fib_set(f, &r);
	pump(f, 300);
	snprintf(cmd, sizeof(cmd), "kill $(cat %s); sleep 0.1", pid);
	sh(cmd);
	ck_assert_str_eq(out("ip route show 100.64.13.0/26 proto 186"),
	    "100.64.13.0/26 via 198.51.100.2 dev va metric 512");
	ck_assert_str_eq(out("ip -6 route show 2001:db8:2000::/64 proto 186 "
	    "| wc -l"), "1");
	/* The new one first, then the old one deleted. */
	snprintf(cmd, sizeof(cmd), "grep -n 100.64.13.0/26 %s | "
	    "cut -d: -f2 | cut -c1-8 | tr '\\n' ' '", mon);
	ck_assert_str_eq(out(cmd), "100.64.1 Deleted");
	unlink(mon);
	unlink(pid);
	fib_stats(f, &st);
	ck_assert_uint_eq(st.errors, 0);
	fib_free(f);
	/* A restart: the routes at metric 512 are found and kept. */
	f = start(false);
	route(&r, "100.64.13.0/26", "198.51.100.2", NULL);
	r.metric = 512;
	fib_set(f, &r);
	route(&r, "2001:db8:2000::/64", "2001:db8:100::2", NULL);
	r.metric = 512;
	fib_set(f, &r);
	fib_ready(f);
	pump(f, 200);
	fib_stats(f, &st);
	ck_assert_uint_eq(st.adds + st.replaces + st.deletes, 0);
	ck_assert_uint_eq(st.installed, 2);
	/* A local route's metric, and its change. */
	sh("ip route add 100.64.14.5/32 dev va proto 80 metric 1024");
	pump(f, 100);
	ck_assert_int_eq(lc.adds, 1);
	ck_assert_uint_eq(lc.metric, 1024);
	sh("ip route add 100.64.14.5/32 dev va proto 80 metric 512");
	pump(f, 100);
	ck_assert_int_eq(lc.adds, 1);
	ck_assert_int_eq(lc.updates, 1);
	ck_assert_uint_eq(lc.metric, 512);
	fib_free(f);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("fib");
	TCase *tc = tcase_create("kernel");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_install_replace_delete);
	tcase_add_test(tc, test_release_idle);
	tcase_add_test(tc, test_blackhole);
	tcase_add_test(tc, test_foreign_untouched);
	tcase_add_test(tc, test_restart_keeps_until_ready);
	tcase_add_test(tc, test_resolution);
	tcase_add_test(tc, test_resolution_own);
	tcase_add_test(tc, test_owner_slots);
	tcase_add_test(tc, test_drift_repaired);
	tcase_add_test(tc, test_onlink_dev);
	tcase_add_test(tc, test_lengths_and_v6);
	tcase_add_test(tc, test_enobufs_resync);
	tcase_add_test(tc, test_own_changes_silent);
	tcase_add_test(tc, test_dirty_ring_wraps);
	tcase_add_test(tc, test_new_v6_prefixes_deleted);
	tcase_add_test(tc, test_metrics);
	tcase_add_test(tc, test_owner_slots_after_resync);
	tcase_add_test(tc, test_views);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	log_set_level(LOG_LVL_ERR);
	/* Probe once: can this process make a network namespace? */
	have_ns = geteuid() == 0 && system("ip -V >/dev/null 2>&1") == 0;
	if (!have_ns)
		printf("check_fib: skipped: needs root and ip(8) for a "
		    "private network namespace\n");
	if (have_ns && getenv("CK_FORK") != NULL &&
	    strcmp(getenv("CK_FORK"), "no") == 0) {
		printf("check_fib: needs CK_FORK=yes (one namespace per "
		    "test)\n");
		return 1;
	}
	return tu_run(suite());
}
