/*
 * kernel: see kernel.h.
 */
#include "kernel.h"

#include <errno.h>
#include <event2/event.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/attrset.h"
#include "bgp/msg.h"
#include "bgp/rib.h"
#include "bgp/session.h"
#include "bgp/speaker.h"
#include "daemon.h"
#include "fib/fib.h"
#include "grwait.h"
#include "lib/hash.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/monotime.h"
#include "lib/xalloc.h"
#include "calico/kernpol.h"
#include "calico/peerpol.h"

#define READY_DEADLINE_MS	(30 * 1000)
#define SYNC_WAIT_MS		(20 * 1000)	/* the first read, at most */

/* A prefix of this host's (fib/ reports it), maybe originated. */
struct local {
	struct ip_prefix pfx;
	unsigned nroutes, naddrs;
	bool	originated;
	uint32_t lp;		/* the LOCAL_PREF it was originated with */
	uint32_t metric;	/* the route's lowest metric (0: none) */
	char	dev[FIB_IFNAMSIZ];	/* the interface it was seen on */
};

struct kernel {
	struct daemon *d;
	struct fib *fib;
	struct event *ev_cmd, *ev_mon, *ev_timer;
	struct hash_table locals;
	size_t	nreachable;		/* reachableBy static routes */
	bool	ready;			/* swept: fib_ready() */
	/* Routes of ours were in the kernel at start: bgpd restarted with
	 * its forwarding kept (RFC 4724 4.1), and defers selection. */
	bool	restarted;
	/* Until the sweep: when to select and when to sweep (grwait.h),
	 * and what each session says of itself. */
	struct grwait gw;
	struct grwait_peer *gv;
	size_t	gv_cap;
	/* What the last grwait_step saw: the peers (speaker_peers_gen)
	 * and whether the RIB was busy.  Steps are taken again only when
	 * one of them changed or a deadline came (grwait_next): a turn of
	 * the loop does not walk every session (a 300-node mesh turns the
	 * loop thousands of times before the last End-of-RIB). */
	uint64_t gr_gen;
	bool	gr_busy, gr_seen;
	/* The session that kept the next step back at the last walk
	 * (grwait_holds_next), while no peer was removed since
	 * (speaker_peers_removed): until it changes, no other session's
	 * news can let a step be taken, so they are not walked (each of a
	 * 300-node mesh's 900 session events walked all 299 sessions). */
	struct speaker_peer *gr_hold;
	uint64_t gr_hold_removed;
};

static bool
local_eq(const void *e, const void *k)
{
	return addr_pfx_eq(&((const struct local *)e)->pfx, k);
}

/* ---- fib's slots in the RIB's entries ---- */

_Static_assert(sizeof(struct fib_slot) <= RIB_EXT,
    "fib's slot does not fit a RIB entry's octets for its owner");

static struct fib_slot *
slot_of(const struct rib_entry *e)
{
	/* The entry is the RIB's; its EXT octets are ours to write. */
	return (struct fib_slot *)(void *)rib_entry_ext((struct rib_entry *)e);
}

static struct rib_entry *
entry_of(const struct fib_slot *s)
{
	return rib_entry_of_ext((void *)s);
}

static struct fib_slot *
own_slot(void *arg, const struct ip_prefix *p, bool make)
{
	struct kernel *k = arg;
	struct rib *rib = speaker_rib_ext(k->d->sp);
	struct rib_entry *e = make ? rib_get(rib, p) : rib_lookup(rib, p);

	return e != NULL ? slot_of(e) : NULL;
}

static void
own_prefix(void *arg, const struct fib_slot *s, struct ip_prefix *p)
{
	rib_entry_prefix(entry_of(s), p);
}

/* What the kernel should have for an entry's prefix: our own block's
 * blackhole, a reachableBy static route, or the best route as
 * kernpol_learned() makes it. */
static bool
own_want(void *arg, const struct fib_slot *s, struct fib_route *r)
{
	struct kernel *k = arg;
	const struct plan *pl = &k->d->plan;
	const struct rib_entry *e = entry_of(s);
	const struct plan_block *b;
	struct ip_prefix p;

	rib_entry_prefix(e, &p);
	b = peerpol_own_block(pl, &p, true);
	if (b != NULL && b->blackhole) {
		memset(r, 0, sizeof(*r));
		r->pfx = p;
		r->type = FIB_BLACKHOLE;
		return true;
	}
	for (size_t i = 0; k->nreachable > 0 && i < pl->nsessions; i++)
		if (kernpol_reachable(&pl->sessions[i], r) &&
		    addr_pfx_eq(&r->pfx, &p))
			return true;
	return kernpol_learned(pl, e, r);
}

static void
own_release(void *arg, struct fib_slot *s)
{
	struct kernel *k = arg;

	rib_entry_done(speaker_rib_ext(k->d->sp), entry_of(s));
}

static struct fib_slot *
own_next(void *arg, size_t *it)
{
	struct kernel *k = arg;
	struct rib_entry *e = rib_next(speaker_rib(k->d->sp), it);

	return e != NULL ? slot_of(e) : NULL;
}

/* What the kernel should have for p may have changed. */
static void
touch(struct kernel *k, const struct ip_prefix *p)
{
	fib_changed(k->fib, own_slot(k, p, true));
}

void
kernel_changed(void *arg, const struct rib_entry *e)
{
	struct daemon *d = arg;

	if (d->kern != NULL)
		fib_changed(d->kern->fib, slot_of(e));
}

/* Our static routes: reachableBy routes to peers, a blackhole per
 * affine block; old is the previous plan (NULL at start). */
static void
statics(struct kernel *k, const struct plan *old)
{
	const struct plan *pl = &k->d->plan;
	struct fib_route r;

	k->nreachable = 0;
	for (size_t i = 0; i < pl->nsessions; i++)
		if (kernpol_reachable(&pl->sessions[i], &r))
			k->nreachable++;
	for (size_t i = 0; old != NULL && i < old->nblocks; i++)
		if (old->blocks[i].blackhole)
			touch(k, &old->blocks[i].cidr);
	for (size_t i = 0; old != NULL && i < old->nsessions; i++)
		if (kernpol_reachable(&old->sessions[i], &r))
			touch(k, &r.pfx);
	for (size_t i = 0; i < pl->nsessions; i++)
		if (kernpol_reachable(&pl->sessions[i], &r))
			touch(k, &r.pfx);
	for (size_t i = 0; i < pl->nblocks; i++)
		if (pl->blocks[i].blackhole)
			touch(k, &pl->blocks[i].cidr);
}

/* ---- local prefixes ---- */

static void
local_eval(struct kernel *k, struct local *l)
{
	uint32_t metric = l->nroutes > 0 ? l->metric : 0, lp;
	bool want = kernpol_originate(&k->d->plan, &l->pfx, metric, &lp) &&
	    (l->nroutes + l->naddrs) > 0;
	char p[ADDR_PFX_STRLEN];

	if (want == l->originated && (!want || lp == l->lp))
		return;
	if (want && !l->originated)
		log_info("originating %s (a local route outside this node's "
		    "blocks)", addr_pfx_fmt(&l->pfx, p, sizeof(p)));
	l->originated = want;
	if (want) {
		l->lp = lp;
		speaker_originate_lp(k->d->sp, &l->pfx, lp);
	} else {
		speaker_withdraw(k->d->sp, &l->pfx);
	}
}

static void
on_local(void *arg, const struct fib_local *fl, bool add)
{
	struct kernel *k = arg;
	uint64_t hv = addr_pfx_hash(&fl->pfx);
	struct local *l = hash_find(&k->locals, hv, local_eq, &fl->pfx);
	unsigned *count;

	if (fl->kind == FIB_LOCAL_ADDR &&
	    kernpol_ignored_dev(&k->d->plan, fl->dev))
		return;
	if (fl->update) {
		/* The route's metric (or device) moved. */
		if (l == NULL)
			return;
		l->metric = fl->metric;
		memcpy(l->dev, fl->dev, sizeof(l->dev));
		local_eval(k, l);
		daemon_wake(k->d);
		return;
	}
	if (l == NULL) {
		if (!add)
			return;
		l = xcalloc(1, sizeof(*l));
		l->pfx = fl->pfx;
		hash_insert(&k->locals, hv, l);
	}
	count = fl->kind == FIB_LOCAL_ROUTE ? &l->nroutes : &l->naddrs;
	if (add && (l->dev[0] == '\0' || fl->kind == FIB_LOCAL_ROUTE))
		memcpy(l->dev, fl->dev, sizeof(l->dev));
	if (add && fl->kind == FIB_LOCAL_ROUTE)
		l->metric = fl->metric;
	if (add)
		(*count)++;
	else if (*count > 0)
		(*count)--;
	local_eval(k, l);
	if (l->nroutes + l->naddrs == 0) {
		hash_remove_entry(&k->locals, hv, l);
		free(l);
	}
	daemon_wake(k->d);
}

/* ---- events ---- */

static void
on_fd(evutil_socket_t fd, short what, void *arg)
{
	struct kernel *k = arg;

	fib_input(k->fib, fd == fib_fd(k->fib, 0) ? 0 : 1, monotime_ms());
	daemon_wake(k->d);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct kernel *k = arg;

	fib_run_timers(k->fib, monotime_ms());
	daemon_wake(k->d);
}

/* What session p says of itself, for grwait. */
static void
peer_facts(struct speaker_peer *p, struct grwait_peer *g)
{
	const struct session *s = speaker_peer_session(p);
	const struct msg_caps *c = &s->neg.peer_caps;
	struct speaker_peer_stats st;
	const struct msg_af *a;
	uint16_t afi = speaker_peer_conf(p)->session.af == AF_INET6 ?
	    BGP_AFI_IPV6 : BGP_AFI_IPV4;

	speaker_peer_stats(p, &st);
	memset(g, 0, sizeof(*g));
	g->up = session_established(s);
	g->eor = st.eor_received;
	if (!g->up || !c->gr)
		return;
	g->gr = true;
	g->r = (c->gr_flags & MSG_GR_R) != 0;
	a = msg_caps_find(c->gr_afs, c->ngr_afs, afi, BGP_SAFI_UNICAST);
	g->f = a != NULL && (a->flags & MSG_AF_F);
}

void
kernel_peer_json(const struct kernel *k, struct speaker_peer *p,
    struct json_w *j)
{
	const struct session *s = speaker_peer_session(p);
	struct grwait_peer g;

	peer_facts(p, &g);
	json_key(j, "graceful_restart");
	json_obj_begin(j);
	/* What the peer's last OPEN said (while up). */
	json_kbool(j, "capability", g.gr);
	json_kbool(j, "restarting", g.r);
	json_kbool(j, "forwarding", g.f);
	json_kuint(j, "restart_time", g.gr ? s->neg.peer_caps.gr_time : 0);
	/* It keeps the routes of ours found at start in the kernel. */
	json_kbool(j, "holds_sweep", k != NULL && k->restarted &&
	    !k->ready && grwait_holds_sweep(&g));
	json_obj_end(j);
}

/* The sessions that still hold the sweep, for the log. */
static void
log_sweep_holders(struct kernel *k)
{
	struct speaker_peer *p = NULL;
	size_t i = 0;

	while ((p = speaker_peer_next(k->d->sp, p)) != NULL) {
		const struct grwait_peer *g = &k->gv[i++];

		if (!grwait_holds_sweep(g))
			continue;
		log_info("kernel: routes of ours found at start kept until "
		    "End-of-RIB from %s (%s%s%s)",
		    speaker_peer_conf(p)->session.name,
		    !g->up ? "not up" : !g->gr ? "no graceful restart" :
		    g->r ? "restarting itself, R" : "up",
		    g->up && g->gr ? (g->f ? ", F" : ", no F") : "",
		    g->up ? "" : ", at most to the start-up deadline");
	}
}

/* Selection and the sweep of the routes found at start (grwait.h). */
static void
gr_steps(struct kernel *k, uint64_t now)
{
	struct daemon *d = k->d;
	struct speaker_peer *p = NULL;
	struct grwait_peer g;
	unsigned steps;
	size_t n = 0;

	if (k->gr_hold != NULL && now < grwait_next(&k->gw) &&
	    k->gr_hold_removed == speaker_peers_removed(d->sp)) {
		peer_facts(k->gr_hold, &g);
		if (grwait_holds_next(&k->gw, &g))
			return;
	}
	while ((p = speaker_peer_next(d->sp, p)) != NULL) {
		k->gv = xgrow(k->gv, &k->gv_cap, n + 1, sizeof(*k->gv));
		peer_facts(p, &k->gv[n++]);
	}
	steps = grwait_step(&k->gw, k->gv, n, speaker_rib(d->sp)->ndirty > 0,
	    now);
	k->gr_hold = NULL;
	n = 0;
	while ((p = speaker_peer_next(d->sp, p)) != NULL)
		if (grwait_holds_next(&k->gw, &k->gv[n++])) {
			k->gr_hold = p;
			k->gr_hold_removed = speaker_peers_removed(d->sp);
			break;
		}
	if (steps & GRWAIT_SELECT) {
		/* Peers get their tables and our End-of-RIB; later OPENs
		 * say we are not restarting. */
		if (k->restarted)
			log_info("graceful restart: selection done after %llu "
			    "ms%s; sending our tables and End-of-RIB",
			    (unsigned long long)(now - k->gw.start),
			    k->gw.select_bound ? " (deadline reached)" : "");
		speaker_set_restart(d->sp, false, true);
		speaker_defer(d->sp, false);
		if (!(steps & GRWAIT_SWEEP) && k->restarted)
			log_sweep_holders(k);
	}
	if (steps & GRWAIT_SWEEP) {
		k->ready = true;
		log_info("kernel: %s; removing stale routes of ours",
		    k->gw.sweep_bound ? "start-up deadline reached" :
		    "every session sent End-of-RIB");
		fib_ready(k->fib);
		free(k->gv);
		k->gv = NULL;
		k->gv_cap = 0;
	}
}

bool
kernel_tick(struct daemon *d)
{
	struct kernel *k = d->kern;
	uint64_t now = monotime_ms(), t;
	struct timeval tv;

	if (k == NULL)
		return false;
	if (!k->ready && fib_synced(k->fib)) {
		uint64_t gen = speaker_peers_gen(d->sp);
		bool busy = speaker_rib(d->sp)->ndirty > 0;

		if (!k->gr_seen || gen != k->gr_gen || busy != k->gr_busy ||
		    now >= grwait_next(&k->gw)) {
			k->gr_seen = true;
			k->gr_gen = gen;
			k->gr_busy = busy;
			gr_steps(k, now);
		}
	}
	if (fib_want_write(k->fib)) {
		struct fib_stats a, b;

		fib_stats(k->fib, &a);
		fib_output(k->fib, now);
		fib_stats(k->fib, &b);
		if (b.adds + b.replaces + b.deletes > a.adds + a.replaces +
		    a.deletes)
			log_debug("kernel: batch of %llu adds, %llu replaces, "
			    "%llu deletes", (unsigned long long)(b.adds -
			    a.adds), (unsigned long long)(b.replaces -
			    a.replaces), (unsigned long long)(b.deletes -
			    a.deletes));
	}
	t = fib_next_timer(k->fib);
	if (grwait_next(&k->gw) < t)
		t = grwait_next(&k->gw);
	if (t != UINT64_MAX) {
		t = t > now ? t - now : 0;
		tv.tv_sec = (time_t)(t / 1000);
		tv.tv_usec = (suseconds_t)(t % 1000) * 1000;
		event_add(k->ev_timer, &tv);
	}
	return fib_want_write(k->fib);
}

bool
kernel_recovering(const struct kernel *k, uint64_t *left_ms,
    uint64_t *total_ms)
{
	uint64_t now = monotime_ms();

	*left_ms = 0;
	*total_ms = READY_DEADLINE_MS;
	if (k == NULL || k->ready)
		return false;
	*left_ms = k->gw.deadline > now ? k->gw.deadline - now : 0;
	return true;
}

bool
kernel_stats(const struct kernel *k, struct fib_stats *st)
{
	if (k == NULL)
		return false;
	fib_stats(k->fib, st);
	return true;
}

/* Pump the initial dumps to their end, before the event loop runs. */
static int
first_sync(struct fib *f, char *err, size_t errlen)
{
	uint64_t end = monotime_ms() + SYNC_WAIT_MS, now;
	struct pollfd pfd = { fib_fd(f, 0), POLLIN, 0 };

	while (!fib_synced(f)) {
		now = monotime_ms();
		if (now >= end) {
			snprintf(err, errlen, "the kernel's tables were not "
			    "read within %d s", SYNC_WAIT_MS / 1000);
			return -1;
		}
		if (poll(&pfd, 1, (int)(end - now)) < 0 && errno != EINTR) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return -1;
		}
		if (pfd.revents != 0)
			fib_input(f, 0, monotime_ms());
	}
	return 0;
}

int
kernel_open(struct daemon *d, char *err, size_t errlen)
{
	struct kernel *k = xcalloc(1, sizeof(*k));
	struct fib_hooks hooks = { on_local, NULL, k };
	struct fib_stats st;

	k->d = d;
	hash_init(&k->locals);
	struct fib_owner owner = {
		own_slot, own_prefix, own_want, own_release, own_next, k,
	};

	k->fib = fib_new((uint8_t)d->opts.route_protocol, 254, &hooks, err,
	    errlen);
	if (k->fib != NULL)
		fib_set_owner(k->fib, &owner);
	if (k->fib == NULL || fib_start(k->fib, monotime_ms(), err,
	    errlen) != 0) {
		fib_free(k->fib);
		free(k);
		return -1;
	}
	/* Read the kernel's tables before any session starts: whether
	 * routes of ours survived decides the R and F bits of our OPENs. */
	if (first_sync(k->fib, err, errlen) != 0) {
		fib_free(k->fib);
		free(k);
		return -1;
	}
	fib_stats(k->fib, &st);
	k->restarted = st.kernel_own > 0;
	speaker_set_restart(d->sp, k->restarted, k->restarted);
	speaker_defer(d->sp, k->restarted);
	if (k->restarted)
		log_info("graceful restart: %zu routes of ours kept in the "
		    "kernel; OPENs carry R and F, selection deferred until "
		    "End-of-RIB from every peer (at most %d s)",
		    st.kernel_own, READY_DEADLINE_MS / 1000);
	grwait_init(&k->gw, k->restarted, monotime_ms(), READY_DEADLINE_MS);
	k->ev_cmd = event_new(d->base, fib_fd(k->fib, 0), EV_READ | EV_PERSIST,
	    on_fd, k);
	k->ev_mon = event_new(d->base, fib_fd(k->fib, 1), EV_READ | EV_PERSIST,
	    on_fd, k);
	k->ev_timer = event_new(d->base, -1, 0, on_timer, k);
	event_add(k->ev_cmd, NULL);
	event_add(k->ev_mon, NULL);
	d->kern = k;
	statics(k, NULL);
	return 0;
}

void
kernel_close(struct daemon *d)
{
	struct kernel *k = d->kern;
	size_t it = 0;
	struct local *l;

	if (k == NULL)
		return;
	event_free(k->ev_cmd);
	event_free(k->ev_mon);
	event_free(k->ev_timer);
	/* Routes stay in the kernel (RELIABILITY.md 4.1). */
	fib_free(k->fib);
	while ((l = hash_next(&k->locals, &it)) != NULL)
		free(l);
	hash_free(&k->locals);
	free(k->gv);
	free(k);
	d->kern = NULL;
}

void
kernel_apply_plan(struct daemon *d, const struct plan *old)
{
	struct kernel *k = d->kern;
	const struct rib *rib;
	struct rib_entry *e;
	struct local *l;
	size_t it = 0;

	if (k == NULL)
		return;
	statics(k, old);
	rib = speaker_rib(d->sp);
	while ((e = rib_next(rib, &it)) != NULL)
		fib_changed(k->fib, slot_of(e));
	it = 0;
	while ((l = hash_next(&k->locals, &it)) != NULL)
		local_eval(k, l);
	daemon_wake(d);
}

bool
kernel_is_local(void *arg, const struct ip_addr *a)
{
	const struct daemon *d = arg;

	if ((d->plan.addr_v4.addr.af != 0 && addr_eq(&d->plan.addr_v4.addr,
	    a)) || (d->plan.addr_v6.addr.af != 0 &&
	    addr_eq(&d->plan.addr_v6.addr, a)))
		return true;
	return d->kern != NULL && d->kern->fib != NULL &&
	    fib_is_local_addr(d->kern->fib, a);
}

const char *
kernel_local_dev(const struct kernel *k, const struct ip_prefix *p)
{
	const struct local *l;

	if (k == NULL)
		return NULL;
	l = hash_find(&k->locals, addr_pfx_hash(p), local_eq, p);
	return l != NULL ? l->dev : NULL;
}

static void
local_out(const struct local *l, struct kernel_local *out)
{
	_Static_assert(sizeof(out->dev) == FIB_IFNAMSIZ, "device names");
	out->pfx = l->pfx;
	out->route = l->nroutes > 0;
	out->addr = l->naddrs > 0;
	out->originated = l->originated;
	memcpy(out->dev, l->dev, sizeof(out->dev));
}

bool
kernel_local_get(const struct kernel *k, const struct ip_prefix *p,
    struct kernel_local *out)
{
	const struct local *l;

	if (k == NULL)
		return false;
	l = hash_find(&k->locals, addr_pfx_hash(p), local_eq, p);
	if (l != NULL)
		local_out(l, out);
	return l != NULL;
}

bool
kernel_local_next(const struct kernel *k, size_t *it,
    struct kernel_local *out)
{
	const struct local *l;

	if (k == NULL || (l = hash_next(&k->locals, it)) == NULL)
		return false;
	local_out(l, out);
	return true;
}

bool
kernel_release(struct kernel *k, uint64_t now, uint64_t idle_ms)
{
	return fib_release(k->fib, now, idle_ms);
}

const struct fib *
kernel_fib(const struct kernel *k)
{
	return k != NULL ? k->fib : NULL;
}

const char *
kernel_route_state(const struct kernel *k, const struct ip_prefix *p)
{
	if (k == NULL)
		return NULL;
	return fib_state_name(fib_state(k->fib, p));
}

void
kernel_status_json(const struct kernel *k, struct json_w *j)
{
	struct fib_stats st;

	json_key(j, "kernel");
	if (k == NULL) {
		json_null(j);
		return;
	}
	fib_stats(k->fib, &st);
	json_obj_begin(j);
	json_kuint(j, "protocol", (uint64_t)k->d->opts.route_protocol);
	json_kbool(j, "synced", st.synced);
	json_kbool(j, "ready", st.ready);
	/* Our own graceful restart: routes of ours were found at start;
	 * while selection is deferred peers get nothing yet. */
	json_kbool(j, "restarted", k->restarted);
	json_kbool(j, "selection_deferred", speaker_deferring(k->d->sp));
	json_kuint(j, "wanted", st.wanted);
	json_kuint(j, "installed", st.installed);
	json_kuint(j, "ours_in_kernel", st.kernel_own);
	json_kuint(j, "unresolved", st.unresolved);
	json_kuint(j, "conflicts", st.conflicts);
	json_kuint(j, "failing", st.failing);
	json_kuint(j, "errors", st.errors);
	json_kuint(j, "adds", st.adds);
	json_kuint(j, "replaces", st.replaces);
	json_kuint(j, "deletes", st.deletes);
	json_kuint(j, "resyncs", st.resyncs);
	json_kuint(j, "local_routes", st.local_routes);
	json_kuint(j, "local_addresses", st.local_addrs);
	json_obj_end(j);
}
