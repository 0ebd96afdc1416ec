/*
 * fib: desired versus installed kernel routes (see fib.h).
 *
 * Per prefix fib keeps a slot (struct fib_slot) in its owner's storage:
 * the route's state, a few flags and the id of the interned next-hop set
 * of ours the kernel has.  What the kernel should have is not stored: a
 * change only queues the slot, and fib_output() asks the owner for the
 * wanted route, resolves it into kernel form (once per run of routes
 * with the same next hops), interns that, and sends the one request that
 * makes the two agree.  Requests go out in batches with no
 * acknowledgement asked for: the kernel handles a netlink sendmsg
 * synchronously, so once sendto() returns every error of the batch is
 * already queued on the socket and is read before the next batch
 * (RELIABILITY.md 4.2).  The dirty queue is lib/ring, unbounded: it
 * grows as far as a load needs and goes back to the system once drained,
 * so a large load costs 8 octets a queued route for as long as it is
 * queued, and no walk of the owner's table to find flagged slots (a
 * cache miss per entry in hash order: issue 21, bench/PROFILE-REAL.md
 * cause 5).
 */
#include "fib.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "ftab.h"
#include "kmirror.h"
#include "lib/hash.h"
#include "lib/log.h"
#include "lib/ring.h"
#include "lib/xalloc.h"
#include "nl.h"

#define BATCH_BYTES	(128 * 1024)
#define BATCH_REQS	4096		/* requests per batch at most */
#define BATCHES_PER_RUN	8
#define RETRY_MIN_MS	1000
#define RETRY_MAX_MS	60000
/* A delete answered "no such route" is looked at again this many times
 * before the route is believed gone (see request_failed), the first
 * after LOOK_MS, then twice as long each time. */
#define ESRCH_LOOKS	3
#define LOOK_MS		100

/* Slot flags. */
#define F_DIRTY		0x01	/* to be looked at */
#define F_WANTED	0x04	/* the owner wanted a route, last asked */
#define F_INHERITED	0x08	/* found at start, untouched since */
#define F_SEEN		0x10	/* resync mark */
#define F_RETRY		0x20	/* on the retry list */

#define KSET_UNKNOWN	255	/* type of "something of ours, unknown" */

/* An interned next-hop set in kernel form (ifindexes); a slot holds
 * its id. */
struct kset {
	uint64_t hv;
	unsigned refs;
	uint32_t id;
	uint32_t metric;	/* RTA_PRIORITY, as the kernel has it */
	uint8_t	type;		/* FIB_UNICAST, FIB_BLACKHOLE, KSET_UNKNOWN */
	uint8_t	n;
	struct nl_nh nh[];
};

/* A resolution result, cached per (gw, dev, onlink). */
struct resolved {
	struct fib_nh key;
	bool	ok;
	bool	recursive;	/* through a route: ours may change it */
	struct nl_nh nh;
};

enum dump {
	DUMP_NONE,
	DUMP_LINKS,
	DUMP_ADDRS,
	DUMP_ROUTES,
};

struct retry {
	struct fib_slot *s;
	uint64_t at;
};

struct fib {
	uint8_t	proto;
	uint32_t table;
	struct fib_hooks hooks;
	struct fib_owner own;
	struct ftab *ftab;		/* without an owner */
	struct nl_sock cmd, mon;
	unsigned resolve_gen;		/* bumped when resolutions move */
	/* The last wanted next hops pulled, and their kernel set. */
	struct {
		bool	set;
		unsigned gen;
		uint8_t	type, n;
		uint32_t metric;
		struct fib_nh nh[FIB_MAX_NH];
		uint32_t kid;		/* 0: unresolvable */
	} last;
	struct hash_table ksets;	/* interned kernel sets */
	struct kset **byid;		/* id -> set */
	uint32_t nids, *freeids;
	size_t	nfree;
	struct kmirror km;		/* links, addresses, others' routes */
	struct hash_table cache;	/* fib_nh -> resolved */
	size_t	nrecursive;		/* of them through a route */
	struct ring dq;			/* changed slots (lib/ring) */
	enum dump dumping;
	uint32_t dump_seq;
	bool	resync;		/* a dump is a resync (mark and sweep) */
	bool	resync_wanted;
	bool	ready, synced;
	bool	all_dirty;	/* look at every slot when idle */
	/* Requests of the batch in flight: seq - first_seq indexes. */
	struct inflight {
		struct fib_slot *s;	/* NULL: strays[stray] */
		size_t	stray;
		uint16_t op;
	} *inflight;
	size_t	ninflight, inflight_cap;
	uint32_t first_seq;
	uint8_t	*batch;		/* BATCH_BYTES, or NULL (fib_release) */
	uint64_t batch_used;	/* monotonic ms of the last batch sent */
	struct retry *retry;		/* slots waiting to retry */
	size_t	nretry, retry_cap;
	uint32_t unknown;		/* the "unknown" set's id */
	/* Routes of our protocol at a metric we never use (somebody
	 * else's doing): deleted once ready. */
	struct stray {
		struct nl_route r;
		uint64_t at;		/* waiting until */
		uint8_t	looks;		/* deletes answered ESRCH */
		bool	waiting;
		bool	sent, done;	/* in the batch; delete answered */
	} *strays;
	size_t	nstrays, strays_cap, nwaiting;
	struct fib_stats st;
};

/* ---- kernel sets ---- */

struct kset_key {
	uint8_t	type, n;
	uint32_t metric;
	const struct nl_nh *nh;
};

static bool
kset_eq(const void *e, const void *k)
{
	const struct kset *s = e;
	const struct kset_key *key = k;

	return s->type == key->type && s->n == key->n &&
	    s->metric == key->metric &&
	    memcmp(s->nh, key->nh, key->n * sizeof(*key->nh)) == 0;
}

/* A reference to the id of (type, next hops, metric). */
static uint32_t
kset_intern(struct fib *f, uint8_t type, const struct nl_nh *nh, size_t n,
    uint32_t metric)
{
	struct kset_key k = { type, (uint8_t)n, metric, nh };
	uint64_t hv = hash_mix(hash_mix(hash_bytes(nh, n * sizeof(*nh)),
	    type), metric);
	struct kset *s = hash_find(&f->ksets, hv, kset_eq, &k);

	if (s != NULL) {
		s->refs++;
		return s->id;
	}
	s = xcalloc(1, sizeof(*s) + n * sizeof(*nh));
	s->hv = hv;
	s->refs = 1;
	s->type = type;
	s->metric = metric;
	s->n = (uint8_t)n;
	memcpy(s->nh, nh, n * sizeof(*nh));
	if (f->nfree > 0) {
		s->id = f->freeids[--f->nfree];
	} else {
		if (f->nids == UINT32_MAX)
			fatalx("%s: out of set ids", __func__);
		s->id = ++f->nids;
		f->byid = xreallocarray(f->byid, f->nids + 1,
		    sizeof(*f->byid));
	}
	f->byid[s->id] = s;
	hash_insert(&f->ksets, hv, s);
	return s->id;
}

static const struct kset *
kset_get(const struct fib *f, uint32_t id)
{
	return id != 0 ? f->byid[id] : NULL;
}

static void
kset_ref(struct fib *f, uint32_t id)
{
	if (id != 0)
		f->byid[id]->refs++;
}

static void
kset_unref(struct fib *f, uint32_t id)
{
	struct kset *s;

	if (id == 0 || --(s = f->byid[id])->refs > 0)
		return;
	hash_remove_entry(&f->ksets, s->hv, s);
	f->byid[id] = NULL;
	f->freeids = xreallocarray(f->freeids, f->nfree + 1,
	    sizeof(*f->freeids));
	f->freeids[f->nfree++] = id;
	free(s);
}

/* ---- slots ---- */

/* Nothing in the kernel, nothing wanted, nothing pending.  F_SEEN is a
 * resync's mark only: a slot that has nothing is not kept for it. */
static bool
slot_idle(const struct fib_slot *s)
{
	return s->have == 0 && s->state == FIB_ST_NONE &&
	    (s->flags & ~F_SEEN) == 0 && s->fails == 0;
}

/* The owner may let an idle slot go: all zero, as the owner's octets
 * must be for its entry to go too. */
static void
slot_done(struct fib *f, struct fib_slot *s)
{
	if (slot_idle(s)) {
		s->flags = 0;
		f->own.release(f->own.arg, s);
	}
}

static void
mark_dirty(struct fib *f, struct fib_slot *s)
{
	if (s->flags & F_DIRTY)
		return;
	s->flags |= F_DIRTY;
	ring_push(&f->dq, s);
}

static bool
any_dirty(const struct fib *f)
{
	return ring_len(&f->dq) > 0;
}

/* The next changed slot, or NULL. */
static struct fib_slot *
take_dirty(struct fib *f)
{
	struct fib_slot *s = ring_pop(&f->dq);

	if (s != NULL)
		s->flags &= (uint8_t)~F_DIRTY;
	return s;
}

static void
set_have(struct fib *f, struct fib_slot *s, uint32_t k)
{
	kset_ref(f, k);
	if (s->have == 0 && k != 0)
		f->st.kernel_own++;
	else if (s->have != 0 && k == 0)
		f->st.kernel_own--;
	kset_unref(f, s->have);
	s->have = k;
}

static void
set_wanted(struct fib *f, struct fib_slot *s, bool w)
{
	if (w == !!(s->flags & F_WANTED))
		return;
	if (w) {
		s->flags |= F_WANTED;
		f->st.wanted++;
	} else {
		s->flags &= (uint8_t)~F_WANTED;
		f->st.wanted--;
	}
}

static void
set_state(struct fib *f, struct fib_slot *s, enum fib_state st)
{
	if (s->state == st)
		return;
	switch (s->state) {
	case FIB_ST_INSTALLED: f->st.installed--; break;
	case FIB_ST_UNRESOLVED: f->st.unresolved--; break;
	case FIB_ST_CONFLICT: f->st.conflicts--; break;
	case FIB_ST_FAILED: f->st.failing--; break;
	default: break;
	}
	switch (st) {
	case FIB_ST_INSTALLED: f->st.installed++; break;
	case FIB_ST_UNRESOLVED: f->st.unresolved++; break;
	case FIB_ST_CONFLICT: f->st.conflicts++; break;
	case FIB_ST_FAILED: f->st.failing++; break;
	default: break;
	}
	s->state = (uint8_t)st;
}

/* ---- links, addresses, resolution ---- */

/* Our route installed for exactly p, for recursive resolution. */
static const struct nl_nh *
own_at(void *arg, const struct ip_prefix *p)
{
	struct fib *f = arg;
	const struct fib_slot *s = f->own.slot(f->own.arg, p, false);
	const struct kset *k = s != NULL ? kset_get(f, s->have) : NULL;

	if (k == NULL || k->type != FIB_UNICAST || k->n == 0 ||
	    s->state != FIB_ST_INSTALLED)
		return NULL;
	return &k->nh[0];
}

static bool
resolved_eq(const void *e, const void *k)
{
	return memcmp(&((const struct resolved *)e)->key, k,
	    sizeof(struct fib_nh)) == 0;
}

static bool
resolve(struct fib *f, const struct fib_nh *w, struct nl_nh *out)
{
	uint64_t hv = hash_bytes(w, sizeof(*w));
	struct resolved *r = hash_find(&f->cache, hv, resolved_eq, w);

	if (r == NULL) {
		r = xcalloc(1, sizeof(*r));
		r->key = *w;
		r->ok = kmirror_resolve(&f->km, w, &r->nh, own_at, f,
		    &r->recursive);
		f->nrecursive += r->recursive;
		hash_insert(&f->cache, hv, r);
	}
	*out = r->nh;
	return r->ok;
}

/* Something resolution depends on changed: recompute the cache (only
 * the answers that came through a route when just our own routes
 * moved) and, if any answer moved, look at every wanted route again. */
static void
reresolve(struct fib *f, bool own_only)
{
	size_t it = 0;
	struct resolved *r;
	bool changed = false;

	if (own_only && f->nrecursive == 0)
		return;
	while ((r = hash_next(&f->cache, &it)) != NULL) {
		struct nl_nh nh;
		bool ok, rec;

		if (own_only && !r->recursive)
			continue;
		ok = kmirror_resolve(&f->km, &r->key, &nh, own_at, f, &rec);
		f->nrecursive += (size_t)rec - (size_t)r->recursive;
		r->recursive = rec;
		if (ok != r->ok || memcmp(&nh, &r->nh, sizeof(nh)) != 0) {
			r->ok = ok;
			r->nh = nh;
			changed = true;
		}
	}
	if (changed) {
		f->resolve_gen++;
		f->all_dirty = true;
	}
}

/* ---- the kernel's state, from dumps and events ---- */

/* The metric the kernel gives a route written without one: 0 for IPv4,
 * 1024 for IPv6. */
static uint32_t
default_metric(int af)
{
	return af == AF_INET6 ? 1024 : 0;
}

static uint32_t
kset_metric(const struct fib *f, uint32_t id)
{
	const struct kset *k = id != 0 ? f->byid[id] : NULL;

	return k != NULL ? k->metric : 0;
}

static void
stray_remove(struct fib *f, size_t i)
{
	if (f->strays[i].waiting)
		f->nwaiting--;
	f->strays[i] = f->strays[--f->nstrays];
}

/* A route of ours that no slot holds (add), or one that went (!add):
 * deleted once ready.  moved: the one we left at its old metric. */
static void
stray(struct fib *f, const struct nl_route *r, bool add, bool moved)
{
	char p[ADDR_PFX_STRLEN];
	size_t i;

	for (i = 0; i < f->nstrays; i++)
		if (addr_pfx_eq(&f->strays[i].r.pfx, &r->pfx) &&
		    f->strays[i].r.priority == r->priority)
			break;
	if (!add) {
		if (i < f->nstrays)
			stray_remove(f, i);
		return;
	}
	if (i < f->nstrays)
		return;
	if (moved)
		log_debug("kernel: %s moved from metric %u: deleting the "
		    "old route", addr_pfx_fmt(&r->pfx, p, sizeof(p)),
		    r->priority);
	else
		log_notice("kernel: %s metric %u has our protocol but is "
		    "none of ours: deleting it", addr_pfx_fmt(&r->pfx, p,
		    sizeof(p)), r->priority);
	f->strays = xgrow(f->strays, &f->strays_cap, f->nstrays + 1,
	    sizeof(*f->strays));
	memset(&f->strays[f->nstrays], 0, sizeof(f->strays[0]));
	f->strays[f->nstrays++].r = *r;
}

static void
own_route(struct fib *f, const struct nl_route *r, bool add)
{
	struct fib_slot *s;
	uint8_t type;
	uint32_t k;

	if (r->table != f->table || (r->type != RTN_UNICAST &&
	    r->type != RTN_BLACKHOLE))
		return;
	if (!add) {
		/* Ours went away (our own delete echoed back, an admin, a
		 * link going down): put it back if it is still wanted.  One
		 * at another metric than the slot's was a stray. */
		s = f->own.slot(f->own.arg, &r->pfx, false);
		if (s == NULL || s->have == 0 ||
		    kset_metric(f, s->have) != r->priority) {
			stray(f, r, false, false);
			return;
		}
		set_have(f, s, 0);
		mark_dirty(f, s);
		return;
	}
	s = f->own.slot(f->own.arg, &r->pfx, true);
	if (s->have != 0 && kset_metric(f, s->have) != r->priority) {
		/* A second route of ours for the prefix, at another metric
		 * (a move half done, or somebody's): one is enough. */
		stray(f, r, true, false);
		return;
	}
	s->flags |= F_SEEN;
	if (!f->synced)
		s->flags |= F_INHERITED;
	type = r->type == RTN_BLACKHOLE ? FIB_BLACKHOLE : FIB_UNICAST;
	k = kset_intern(f, type, r->nh, type == FIB_UNICAST ? r->nnh : 0,
	    r->priority);
	if (s->have != k) {
		set_have(f, s, k);
		mark_dirty(f, s);
	}
	kset_unref(f, k);
}

static void
on_route(struct fib *f, const struct nlmsghdr *h)
{
	struct nl_route r;

	if (nl_parse_route(h, &r) != 0)
		return;
	if (r.protocol == f->proto) {
		own_route(f, &r, h->nlmsg_type == RTM_NEWROUTE);
		return;
	}
	kmirror_route(&f->km, &r, h->nlmsg_type == RTM_DELROUTE);
	/* Only a route that could carry one of our gateways matters. */
	if (f->synced)
		reresolve(f, false);
}

/* IPv4 drops routes over a link that goes down without telling anyone:
 * forget ours over it (they are re-added if still wanted). */
static void
link_down(struct fib *f, int ifindex)
{
	size_t it = 0;
	struct fib_slot *s;

	while ((s = f->own.next(f->own.arg, &it)) != NULL) {
		const struct kset *k = kset_get(f, s->have);

		if (k == NULL || k->type != FIB_UNICAST)
			continue;
		for (size_t i = 0; i < k->n; i++)
			if (k->nh[i].ifindex == ifindex) {
				set_have(f, s, 0);
				mark_dirty(f, s);
				break;
			}
	}
}

static void
links_changed(struct fib *f)
{
	if (!f->synced)
		return;
	reresolve(f, false);
	if (f->hooks.links != NULL)
		f->hooks.links(f->hooks.arg);
}

static void
on_link(struct fib *f, const struct nlmsghdr *h)
{
	struct nl_link nl;
	int down;

	if (nl_parse_link(h, &nl) != 0)
		return;
	down = kmirror_link(&f->km, &nl, h->nlmsg_type == RTM_DELLINK);
	if (down != 0)
		link_down(f, down);
	links_changed(f);
}

static void
on_addr(struct fib *f, const struct nlmsghdr *h)
{
	struct nl_addr a;

	if (nl_parse_addr(h, &a) != 0)
		return;
	kmirror_addr(&f->km, &a, h->nlmsg_type == RTM_DELADDR);
	links_changed(f);
}

static void
dispatch(struct fib *f, const struct nlmsghdr *h)
{
	f->st.events++;
	switch (h->nlmsg_type) {
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		on_route(f, h);
		break;
	case RTM_NEWLINK:
	case RTM_DELLINK:
		on_link(f, h);
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		on_addr(f, h);
		break;
	default:
		break;
	}
}

/* ---- dumps and resync ---- */

static int
send_dump(struct fib *f, uint16_t type)
{
	uint8_t buf[256];
	size_t n = nl_put_dump(buf, sizeof(buf), type, ++f->cmd.seq);

	f->dump_seq = f->cmd.seq;
	if (mnl_socket_sendto(f->cmd.mnl, buf, n) < 0) {
		log_warn("netlink dump request");
		return -1;
	}
	return 0;
}

static void
begin_dumps(struct fib *f, bool resync)
{
	size_t it = 0;
	struct fib_slot *s;

	f->resync = resync;
	if (resync) {
		f->st.resyncs++;
		log_notice("kernel events were lost (ENOBUFS): reading the "
		    "routing table again");
		kmirror_mark(&f->km);
		while ((s = f->own.next(f->own.arg, &it)) != NULL)
			s->flags &= (uint8_t)~F_SEEN;
	}
	f->dumping = DUMP_LINKS;
	if (send_dump(f, RTM_GETLINK) != 0)
		f->dumping = DUMP_NONE;
}

static void
link_gone(void *arg, int ifindex)
{
	link_down(arg, ifindex);
}

static void
sweep_slots(struct fib *f)
{
	size_t it = 0;
	struct fib_slot *s;

	while ((s = f->own.next(f->own.arg, &it)) != NULL)
		if (!(s->flags & F_SEEN) && s->have != 0) {
			set_have(f, s, 0);
			mark_dirty(f, s);
		}
}

/* A dump finished: start the next, or go live. */
static void
dump_done(struct fib *f)
{
	switch (f->dumping) {
	case DUMP_LINKS:
		if (f->resync)
			kmirror_sweep_links(&f->km, link_gone, f);
		f->dumping = DUMP_ADDRS;
		if (send_dump(f, RTM_GETADDR) == 0)
			return;
		break;
	case DUMP_ADDRS:
		if (f->resync)
			kmirror_sweep_addrs(&f->km);
		f->dumping = DUMP_ROUTES;
		if (send_dump(f, RTM_GETROUTE) == 0)
			return;
		break;
	case DUMP_ROUTES:
		if (f->resync) {
			kmirror_sweep_routes(&f->km);
			sweep_slots(f);
		}
		break;
	case DUMP_NONE:
		return;
	}
	f->dumping = DUMP_NONE;
	f->resync = false;
	if (!f->synced)
		log_info("kernel: %zu links, %zu addresses, %zu routes of "
		    "ours kept, %zu local routes", kmirror_nlinks(&f->km),
		    f->km.naddrs, f->st.kernel_own, f->km.local_routes);
	f->synced = true;
	f->st.synced = true;
	reresolve(f, false);
	f->resolve_gen++;
	f->all_dirty = true;
	if (f->hooks.links != NULL)
		f->hooks.links(f->hooks.arg);
}

/* ---- making the kernel agree ---- */

static int
nh_cmp(const void *a, const void *b)
{
	const struct nl_nh *x = a, *y = b;
	int c = addr_cmp(&x->gw, &y->gw);

	if (c != 0)
		return c;
	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	return (int)x->onlink - (int)y->onlink;
}

/* The wanted next hops in kernel form (a reference), or 0:
 * unresolvable. */
static uint32_t
want_kernel(struct fib *f, uint8_t type, const struct fib_nh *w, size_t nw,
    uint32_t metric)
{
	struct nl_nh nh[FIB_MAX_NH];
	size_t n = 0;

	if (type == FIB_BLACKHOLE)
		return kset_intern(f, FIB_BLACKHOLE, nh, 0, metric);
	for (size_t i = 0; i < nw; i++) {
		struct nl_nh r;

		memset(&r, 0, sizeof(r));
		if (!resolve(f, &w[i], &r))
			continue;	/* the others still carry traffic */
		for (size_t j = 0; j < n; j++)
			if (nh_cmp(&nh[j], &r) == 0)
				goto dup;
		nh[n++] = r;
dup:		;
	}
	if (n == 0)
		return 0;
	qsort(nh, n, sizeof(nh[0]), nh_cmp);
	return kset_intern(f, FIB_UNICAST, nh, n, metric);
}

/* want_kernel() of a pulled route, remembered for the next one: the
 * routes of a table come in runs with one set of next hops. */
static uint32_t
want_kernel_last(struct fib *f, const struct fib_route *r)
{
	struct fib_nh nh[FIB_MAX_NH];
	size_t n = r->type == FIB_UNICAST ? r->nnh : 0;
	uint8_t type = (uint8_t)r->type;
	uint32_t metric = r->metric != 0 ? r->metric :
	    default_metric(r->pfx.addr.af);

	if (n > FIB_MAX_NH)
		n = FIB_MAX_NH;
	/* Zero the padding: next hops compare as bytes. */
	memset(nh, 0, n * sizeof(nh[0]));
	for (size_t i = 0; i < n; i++) {
		nh[i].gw = r->nh[i].gw;
		memcpy(nh[i].dev, r->nh[i].dev, sizeof(nh[i].dev));
		nh[i].dev[FIB_IFNAMSIZ - 1] = '\0';
		nh[i].onlink = r->nh[i].onlink;
	}
	if (!f->last.set || f->last.gen != f->resolve_gen ||
	    f->last.type != type || f->last.n != n ||
	    f->last.metric != metric ||
	    memcmp(f->last.nh, nh, n * sizeof(nh[0])) != 0) {
		kset_unref(f, f->last.kid);
		f->last.kid = want_kernel(f, type, nh, n, metric);
		f->last.set = true;
		f->last.gen = f->resolve_gen;
		f->last.type = type;
		f->last.metric = metric;
		f->last.n = (uint8_t)n;
		memcpy(f->last.nh, nh, n * sizeof(nh[0]));
	}
	kset_ref(f, f->last.kid);
	return f->last.kid;
}

/* Another protocol's route holds the slot ours would take (the same
 * prefix and metric). */
static bool
conflict(const struct fib *f, const struct ip_prefix *p, uint32_t kid)
{
	return kmirror_conflict(&f->km, p, kset_metric(f, kid));
}

enum op {
	OP_NONE,
	OP_SET,
	OP_DEL,
};

/* What s needs now; on OP_SET *out is the kernel set to send (a
 * reference).  *r is the route, its prefix at least. */
static enum op
decide(struct fib *f, struct fib_slot *s, struct fib_route *r,
    uint32_t *out)
{
	bool wanted = f->own.want(f->own.arg, s, r);
	uint32_t kw = wanted ? want_kernel_last(f, r) : 0;
	bool inherited = (s->flags & F_INHERITED) != 0;

	set_wanted(f, s, wanted);
	*out = 0;
	if (kw != 0) {
		if (conflict(f, &r->pfx, kw)) {
			kset_unref(f, kw);
			set_state(f, s, FIB_ST_CONFLICT);
			return OP_NONE;
		}
		if (s->have == kw) {
			kset_unref(f, kw);
			set_state(f, s, FIB_ST_INSTALLED);
			return OP_NONE;
		}
		if (s->have != 0 && inherited && !f->ready) {
			/* Keep what forwards now until the feed is in. */
			kset_unref(f, kw);
			set_state(f, s, FIB_ST_PENDING);
			return OP_NONE;
		}
		*out = kw;
		return OP_SET;
	}
	/* Until the feed is in, routes found at start stay; what we
	 * installed ourselves since then goes as soon as it is unwanted. */
	set_state(f, s, wanted ? FIB_ST_UNRESOLVED :
	    s->have != 0 && inherited && !f->ready ? FIB_ST_STALE :
	    FIB_ST_NONE);
	if (s->have == 0 || (inherited && !f->ready))
		return OP_NONE;
	return OP_DEL;
}

static void
to_nl(const struct fib *f, const struct ip_prefix *p, uint32_t kid,
    struct nl_route *r)
{
	const struct kset *k = kset_get(f, kid);

	memset(r, 0, sizeof(*r));
	r->pfx = *p;
	r->table = f->table;
	r->protocol = f->proto;
	r->priority = k != NULL ? k->metric : default_metric(p->addr.af);
	r->type = k == NULL || k->type == FIB_UNICAST ? RTN_UNICAST :
	    RTN_BLACKHOLE;
	if (k != NULL && k->type == FIB_UNICAST) {
		r->nnh = k->n;
		memcpy(r->nh, k->nh, k->n * sizeof(r->nh[0]));
	}
}

/* Bring s back after first_ms, twice as long after each further
 * failure (at most max_ms). */
static void
retry_after(struct fib *f, struct fib_slot *s, uint64_t now,
    uint64_t first_ms, uint64_t max_ms)
{
	uint64_t wait = first_ms;
	size_t i;

	for (unsigned k = 0; k < s->fails && wait < max_ms; k++)
		wait *= 2;
	if (wait > max_ms)
		wait = max_ms;
	if (s->fails < 255)
		s->fails++;
	if (!(s->flags & F_RETRY)) {
		s->flags |= F_RETRY;
		f->retry = xgrow(f->retry, &f->retry_cap, f->nretry + 1,
		    sizeof(*f->retry));
		f->retry[f->nretry].s = s;
		f->retry[f->nretry++].at = now + wait;
		return;
	}
	for (i = 0; i < f->nretry && f->retry[i].s != s; i++)
		;
	if (i < f->nretry)
		f->retry[i].at = now + wait;
}

static void
retry_later(struct fib *f, struct fib_slot *s, uint64_t now)
{
	retry_after(f, s, now, RETRY_MIN_MS, RETRY_MAX_MS);
}

static void
request_failed(struct fib *f, struct fib_slot *s, uint16_t op, int error,
    const char *msg, uint64_t now)
{
	char p[ADDR_PFX_STRLEN];
	struct ip_prefix pfx;

	if (op == RTM_DELROUTE && error == ESRCH) {
		/* Gone already, as we wanted; or not yet to be found: IPv6
		 * tells of a new prefix before a delete can find it (the
		 * kernel's fib6_add_rt2 sends the notification, then marks
		 * the node as holding routes), so a delete sent at once on
		 * that notification can miss a route that stays.  Had
		 * somebody deleted it, their RTM_DELROUTE is on its way and
		 * says so (have = 0, nothing to retry); look again a few
		 * times before believing it gone. */
		if (s != NULL && s->fails < ESRCH_LOOKS) {
			set_have(f, s, f->unknown);
			retry_after(f, s, now, LOOK_MS,
			    (uint64_t)LOOK_MS << (ESRCH_LOOKS - 1));
		} else if (s != NULL) {
			s->fails = 0;
		}
		return;
	}
	f->st.errors++;
	if (s == NULL) {
		log_warnx("kernel refused to delete a stray route of our "
		    "protocol: %s", strerror(error));
		return;
	}
	/* What the kernel holds now is not known: assume something of
	 * ours, so the retry replaces or deletes it. */
	set_have(f, s, f->unknown);
	set_state(f, s, FIB_ST_FAILED);
	f->own.prefix(f->own.arg, s, &pfx);
	log_warnx("kernel refused to %s %s: %s%s%s (retrying)",
	    op == RTM_DELROUTE ? "delete" : "install",
	    addr_pfx_fmt(&pfx, p, sizeof(p)), strerror(error),
	    msg != NULL ? ": " : "", msg != NULL ? msg : "");
	retry_later(f, s, now);
}

static void
handle_error(struct fib *f, const struct nlmsghdr *h, uint64_t now,
    bool *failed)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(h);
	uint32_t idx = h->nlmsg_seq - f->first_seq;

	if (h->nlmsg_len < NLMSG_SPACE(sizeof(*err)) || err->error == 0)
		return;
	if (f->dumping != DUMP_NONE && h->nlmsg_seq == f->dump_seq) {
		log_warnx("kernel dump failed: %s", strerror(-err->error));
		dump_done(f);
		return;
	}
	if (idx >= f->ninflight || failed[idx])
		return;
	failed[idx] = true;
	if (f->inflight[idx].s == NULL && -err->error == ESRCH) {
		/* A stray's delete found nothing: as for a slot (see
		 * request_failed), look again before believing it. */
		struct stray *st = &f->strays[f->inflight[idx].stray];

		if (st->looks < ESRCH_LOOKS) {
			st->at = now + ((uint64_t)LOOK_MS << st->looks++);
			st->waiting = true;
			st->done = false;
			f->nwaiting++;
		}
		return;
	}
	request_failed(f, f->inflight[idx].s, f->inflight[idx].op,
	    -err->error, NULL, now);
}

/* Read the command socket: dump parts, errors of our requests. */
static void
read_cmd(struct fib *f, uint64_t now, bool *failed)
{
	uint8_t buf[65536];

	for (int rounds = 0; rounds < 256; rounds++) {
		ssize_t n = recv(f->cmd.fd, buf, sizeof(buf), 0);
		const struct nlmsghdr *h;
		int left;

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("netlink read");
			if (errno == ENOBUFS)
				f->resync_wanted = true;
			return;
		}
		left = (int)n;
		for (h = (const void *)buf; mnl_nlmsg_ok(h, left);
		    h = mnl_nlmsg_next(h, &left)) {
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				f->resync_wanted = true;
			if (h->nlmsg_type == NLMSG_DONE) {
				if (h->nlmsg_seq == f->dump_seq)
					dump_done(f);
			} else if (h->nlmsg_type == NLMSG_ERROR) {
				handle_error(f, h, now, failed);
			} else {
				dispatch(f, h);
			}
		}
	}
}

static void
read_mon(struct fib *f)
{
	uint8_t buf[65536];

	for (int rounds = 0; rounds < 256; rounds++) {
		ssize_t n = recv(f->mon.fd, buf, sizeof(buf), 0);
		const struct nlmsghdr *h;
		int left;

		if (n < 0) {
			if (errno == ENOBUFS) {
				f->resync_wanted = true;
				continue;
			}
			if (errno != EAGAIN && errno != EINTR)
				log_warn("netlink event read");
			return;
		}
		left = (int)n;
		for (h = (const void *)buf; mnl_nlmsg_ok(h, left);
		    h = mnl_nlmsg_next(h, &left))
			dispatch(f, h);
	}
}

/* Put the request slot s needs into the batch; false when the batch is
 * full (s is dirty again). */
static bool
add_request(struct fib *f, struct fib_slot *s, size_t *len)
{
	struct fib_route want;
	struct nl_route r;
	uint32_t k;
	enum op op;
	size_t n;
	uint16_t type;

	op = decide(f, s, &want, &k);
	if (op == OP_NONE) {
		s->fails = 0;	/* nothing is failing now */
		slot_done(f, s);
		return true;
	}
	to_nl(f, &want.pfx, k, &r);
	type = op == OP_DEL ? RTM_DELROUTE : RTM_NEWROUTE;
	/* IPv4 deletes match the type: RTN_UNSPEC matches any.  A delete
	 * names the metric of what we have there (0, for "unknown": any),
	 * and no next hops (the whole route goes). */
	if (op == OP_DEL) {
		r.type = RTN_UNSPEC;
		r.priority = kset_metric(f, s->have);
	}
	n = nl_put_route(f->batch + *len, BATCH_BYTES - *len, type,
	    op == OP_DEL ? 0 : NLM_F_CREATE | NLM_F_REPLACE,
	    ++f->cmd.seq, &r);
	if (n == 0) {
		/* Cannot happen with the margin run_batch keeps. */
		f->cmd.seq--;
		kset_unref(f, k);
		mark_dirty(f, s);
		return false;
	}
	*len += n;
	if (op == OP_SET && s->have != 0 && s->have != f->unknown &&
	    kset_metric(f, s->have) != kset_metric(f, k)) {
		/* The route moved to another metric: the new one is in the
		 * batch, the old one goes once it is (a stray). */
		struct nl_route old;

		to_nl(f, &want.pfx, s->have, &old);
		stray(f, &old, true, true);
	}
	/* Nothing of ours at the metric we now write is a stray. */
	stray(f, &r, false, false);
	s->flags &= (uint8_t)~F_INHERITED;
	if (op == OP_DEL)
		f->st.deletes++;
	else if (s->have != 0)
		f->st.replaces++;
	else
		f->st.adds++;
	set_have(f, s, k);
	kset_unref(f, k);
	set_state(f, s, op == OP_DEL ? FIB_ST_NONE : FIB_ST_INSTALLED);
	f->inflight = xgrow(f->inflight, &f->inflight_cap, f->ninflight + 1,
	    sizeof(*f->inflight));
	f->inflight[f->ninflight].s = s;
	f->inflight[f->ninflight++].op = type;
	return true;
}

/* One batch: decide slots off the dirty queue, send, read errors. */
static bool
run_batch(struct fib *f, uint64_t now)
{
	size_t len = 0;
	bool failed_buf[BATCH_REQS];
	struct fib_slot *s;

	f->ninflight = 0;
	f->first_seq = f->cmd.seq + 1;
	if (f->batch == NULL) {
		if (f->nstrays == 0 && !any_dirty(f))
			return false;
		f->batch = xmalloc(BATCH_BYTES);
	}
	for (size_t i = 0; f->ready && i < f->nstrays &&
	    len + 1024 <= BATCH_BYTES && f->ninflight < BATCH_REQS; i++) {
		struct stray *st = &f->strays[i];
		struct nl_route r = st->r;

		if (st->waiting)
			continue;
		r.type = RTN_UNSPEC;
		len += nl_put_route(f->batch + len, BATCH_BYTES - len,
		    RTM_DELROUTE, 0, ++f->cmd.seq, &r);
		f->st.deletes++;
		st->sent = st->done = true;
		f->inflight = xgrow(f->inflight, &f->inflight_cap,
		    f->ninflight + 1, sizeof(*f->inflight));
		f->inflight[f->ninflight].s = NULL;
		f->inflight[f->ninflight].stray = i;
		f->inflight[f->ninflight++].op = RTM_DELROUTE;
	}
	while (len + 1024 <= BATCH_BYTES && f->ninflight < BATCH_REQS &&
	    (s = take_dirty(f)) != NULL) {
		if (s->flags & F_RETRY)
			continue;	/* its timer brings it back */
		if (!add_request(f, s, &len))
			break;
	}
	if (len == 0)
		return false;
	f->batch_used = now;
	memset(failed_buf, 0, f->ninflight * sizeof(failed_buf[0]));
	if (mnl_socket_sendto(f->cmd.mnl, f->batch, len) < 0) {
		int err = errno;

		for (size_t i = 0; i < f->ninflight; i++)
			request_failed(f, f->inflight[i].s,
			    f->inflight[i].op, err, "sendto", now);
	} else {
		read_cmd(f, now, failed_buf);
	}
	for (size_t i = 0; i < f->ninflight; i++) {
		s = f->inflight[i].s;
		if (s == NULL)
			continue;	/* a stray's delete */
		if (!failed_buf[i])
			s->fails = 0;
		slot_done(f, s);
	}
	/* Strays deleted (or refused) go; those to look at again wait. */
	for (size_t i = f->nstrays; i-- > 0;) {
		struct stray *st = &f->strays[i];

		if (st->sent && st->done)
			stray_remove(f, i);
		else
			st->sent = false;
	}
	f->ninflight = 0;
	/* Our own routes moved: a recursive next hop may depend on one. */
	reresolve(f, true);
	return true;
}

/* ---- the API ---- */

struct fib *
fib_new(uint8_t protocol, uint32_t table, const struct fib_hooks *hooks,
    char *err, size_t errlen)
{
	struct fib *f = xcalloc(1, sizeof(*f));
	struct nl_nh none;

	f->proto = protocol;
	f->table = table;
	if (hooks != NULL)
		f->hooks = *hooks;
	f->cmd.fd = f->mon.fd = -1;
	f->ftab = ftab_new();
	ftab_owner(f->ftab, &f->own);
	hash_init(&f->ksets);
	kmirror_init(&f->km, table, hooks);
	hash_init(&f->cache);
	memset(&none, 0, sizeof(none));
	f->unknown = kset_intern(f, KSET_UNKNOWN, &none, 0, 0);
	(void)err;
	(void)errlen;
	return f;
}

bool
fib_release(struct fib *f, uint64_t now, uint64_t idle_ms)
{
	if (f->batch == NULL || now - f->batch_used < idle_ms)
		return false;
	free(f->batch);
	f->batch = NULL;
	return true;
}

void
fib_set_owner(struct fib *f, const struct fib_owner *owner)
{
	if (f->cmd.fd >= 0)
		fatalx("%s: after fib_start", __func__);
	ftab_free(f->ftab);
	f->ftab = NULL;
	f->own = *owner;
}

void
fib_free(struct fib *f)
{
	size_t it = 0;
	void *p;

	if (f == NULL)
		return;
	nl_close(&f->cmd);
	nl_close(&f->mon);
	/* The slots stay with their owner, which forgets them (an
	 * owner's table outlives nothing of ours). */
	ftab_free(f->ftab);
	kmirror_free(&f->km);
	while ((p = hash_next(&f->cache, &it)) != NULL)
		free(p);
	hash_free(&f->cache);
	for (uint32_t i = 1; i <= f->nids; i++)
		free(f->byid[i]);
	free(f->byid);
	free(f->freeids);
	hash_free(&f->ksets);
	ring_free(&f->dq);
	free(f->retry);
	free(f->inflight);
	free(f->batch);
	free(f->strays);
	free(f);
}

int
fib_start(struct fib *f, uint64_t now, char *err, size_t errlen)
{
	unsigned groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR |
	    RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE;

	if (nl_open(&f->mon, groups, err, errlen) != 0)
		return -1;
	if (nl_open(&f->cmd, 0, err, errlen) != 0) {
		nl_close(&f->mon);
		return -1;
	}
	if (nl_filter_own(&f->mon, f->proto, f->cmd.portid) != 0)
		log_warn("netlink filter (our own route events will be read)");
	(void)now;
	begin_dumps(f, false);
	if (f->dumping == DUMP_NONE) {
		snprintf(err, errlen, "cannot read the kernel's tables");
		return -1;
	}
	return 0;
}

int
fib_fd(const struct fib *f, int which)
{
	return which == 0 ? f->cmd.fd : f->mon.fd;
}

void
fib_input(struct fib *f, int which, uint64_t now)
{
	bool none[1] = { false };

	if (which == 0)
		read_cmd(f, now, none);
	else
		read_mon(f);
	if (f->resync_wanted && f->dumping == DUMP_NONE && f->synced) {
		f->resync_wanted = false;
		begin_dumps(f, true);
	}
}

bool
fib_want_write(const struct fib *f)
{
	return f->synced && f->dumping == DUMP_NONE &&
	    (any_dirty(f) || f->all_dirty ||
	    (f->ready && f->nstrays > f->nwaiting));
}

void
fib_output(struct fib *f, uint64_t now)
{
	if (!f->synced || f->dumping != DUMP_NONE)
		return;
	if (f->all_dirty) {
		size_t it = 0;
		struct fib_slot *s;

		/* An all-zero slot wants nothing and has nothing. */
		f->all_dirty = false;
		while ((s = f->own.next(f->own.arg, &it)) != NULL)
			if (!slot_idle(s))
				mark_dirty(f, s);
	}
	for (int i = 0; i < BATCHES_PER_RUN; i++)
		if (!run_batch(f, now) && !any_dirty(f))
			break;
}

uint64_t
fib_next_timer(const struct fib *f)
{
	uint64_t t = UINT64_MAX;

	for (size_t i = 0; i < f->nretry; i++)
		if (f->retry[i].at < t)
			t = f->retry[i].at;
	for (size_t i = 0; f->nwaiting > 0 && i < f->nstrays; i++)
		if (f->strays[i].waiting && f->strays[i].at < t)
			t = f->strays[i].at;
	return t;
}

void
fib_run_timers(struct fib *f, uint64_t now)
{
	for (size_t i = 0; i < f->nretry;) {
		struct fib_slot *s = f->retry[i].s;

		if (f->retry[i].at > now) {
			i++;
			continue;
		}
		s->flags &= (uint8_t)~F_RETRY;
		f->retry[i] = f->retry[--f->nretry];
		mark_dirty(f, s);
	}
	for (size_t i = 0; f->nwaiting > 0 && i < f->nstrays; i++)
		if (f->strays[i].waiting && f->strays[i].at <= now) {
			f->strays[i].waiting = false;
			f->nwaiting--;
		}
}

void
fib_changed(struct fib *f, struct fib_slot *s)
{
	mark_dirty(f, s);
}

void
fib_set(struct fib *f, const struct fib_route *r)
{
	struct fib_slot *s;

	if (f->ftab == NULL)
		fatalx("%s: the fib has an owner", __func__);
	if ((s = ftab_want(f->ftab, &r->pfx, r)) != NULL)
		mark_dirty(f, s);
}

void
fib_unset(struct fib *f, const struct ip_prefix *p)
{
	struct fib_slot *s;

	if (f->ftab == NULL)
		fatalx("%s: the fib has an owner", __func__);
	if ((s = ftab_want(f->ftab, p, NULL)) != NULL)
		mark_dirty(f, s);
}

void
fib_ready(struct fib *f)
{
	if (f->ready)
		return;
	f->ready = true;
	f->st.ready = true;
	f->all_dirty = true;
}

bool
fib_synced(const struct fib *f)
{
	return f->synced;
}

enum fib_state
fib_state(const struct fib *f, const struct ip_prefix *p)
{
	const struct fib_slot *s = f->own.slot(f->own.arg, p, false);

	if (s == NULL)
		return FIB_ST_NONE;
	if ((s->flags & F_DIRTY) && s->state != FIB_ST_FAILED)
		return FIB_ST_PENDING;
	return (enum fib_state)s->state;
}

const char *
fib_state_name(enum fib_state s)
{
	static const char *const names[] = {
		"none", "installed", "pending", "unresolved", "failed",
		"conflict", "stale",
	};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] :
	    "?";
}

void
fib_stats(const struct fib *f, struct fib_stats *st)
{
	*st = f->st;
	st->local_routes = f->km.local_routes;
	st->local_addrs = f->km.naddrs;
	st->nh_sets = hash_count(&f->ksets);
}

int
fib_ifindex(const struct fib *f, const char *dev)
{
	return kmirror_ifindex(&f->km, dev);
}

bool
fib_is_local_addr(const struct fib *f, const struct ip_addr *a)
{
	/* A host has a handful of addresses: a scan is the right size. */
	for (size_t i = 0; i < f->km.naddrs; i++)
		if (addr_eq(&f->km.addrs[i].a.pfx.addr, a))
			return true;
	return false;
}

bool
fib_view_route(const struct fib *f, const struct ip_prefix *p,
    struct fib_view *v)
{
	const struct nl_route *r = kmirror_learned(&f->km, p);
	const char *dev;

	memset(v, 0, sizeof(*v));
	if (r == NULL)
		return false;
	v->type = r->type == RTN_UNICAST ? FIB_VIEW_UNICAST :
	    r->type == RTN_BLACKHOLE ? FIB_VIEW_BLACKHOLE :
	    r->type == RTN_UNREACHABLE ? FIB_VIEW_UNREACHABLE :
	    r->type == RTN_PROHIBIT ? FIB_VIEW_PROHIBIT : FIB_VIEW_OTHER;
	v->protocol = r->protocol;
	v->priority = r->priority;
	if (r->nnh > 0) {
		v->gw = r->nh[0].gw;
		if ((dev = kmirror_ifname(&f->km, r->nh[0].ifindex)) != NULL)
			snprintf(v->dev, sizeof(v->dev), "%s", dev);
	}
	return true;
}

bool
fib_view_nexthop(const struct fib *f, const struct ip_addr *gw,
    struct fib_view *v)
{
	struct fib_nh w;
	struct nl_nh nh;
	const struct resolved *r;
	const char *dev;
	bool ok;

	memset(v, 0, sizeof(*v));
	memset(&w, 0, sizeof(w));
	w.gw = *gw;
	/* Our own routes' answers first; else the same resolution, not
	 * kept (a listing must not grow the cache). */
	r = hash_find(&f->cache, hash_bytes(&w, sizeof(w)), resolved_eq, &w);
	if (r != NULL) {
		ok = r->ok;
		nh = r->nh;
		v->recursive = r->recursive;
	} else {
		ok = kmirror_resolve(&f->km, &w, &nh, own_at, (void *)f,
		    &v->recursive);
	}
	if (!ok || (dev = kmirror_ifname(&f->km, nh.ifindex)) == NULL)
		return false;
	v->type = FIB_VIEW_UNICAST;
	v->gw = nh.gw;
	snprintf(v->dev, sizeof(v->dev), "%s", dev);
	return true;
}
