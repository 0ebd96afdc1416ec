/*
 * fib: desired versus installed kernel routes (see fib.h).
 *
 * Per prefix one entry holds what we want (an interned set of next hops
 * as the daemon gave them, devices by name) and what the kernel has of
 * ours (an interned set in kernel form, ifindexes).  Any change puts the
 * entry on the dirty queue; fib_output() resolves the wanted set into
 * kernel form and sends the one request that makes the two agree.
 * Requests go out in batches with no acknowledgement asked for: the
 * kernel handles a netlink sendmsg synchronously, so once sendto()
 * returns every error of the batch is already queued on the socket and
 * is read before the next batch (RELIABILITY.md 4.2).
 */
#include "fib.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "lib/hash.h"
#include "lib/log.h"
#include "lib/slab.h"
#include "lib/xalloc.h"
#include "kmirror.h"
#include "nl.h"

#define BATCH_BYTES	(128 * 1024)
#define BATCHES_PER_RUN	8
#define RETRY_MIN_MS	1000
#define RETRY_MAX_MS	60000

/* An interned next-hop set: wanted (dev names) or kernel (ifindexes). */
struct nhset {
	uint64_t hv;
	unsigned refs;
	uint8_t	type;		/* FIB_UNICAST/FIB_BLACKHOLE */
	uint8_t	n;
	/* Wanted sets: the kernel set they resolved to (a reference, NULL
	 * for unresolvable) while memo_gen is the fib's resolve_gen. */
	bool	memo_set;
	unsigned memo_gen;
	struct nhset *memo;
	union {
		struct fib_nh want[1];
		struct nl_nh kern[1];
	} u;
};

/* One per route: the small fields fill the prefix's padding (48
 * octets on LP64, from a slab). */
struct entry {
	struct ip_prefix pfx;
	uint8_t	state;		/* enum fib_state, for reporting */
	bool	dirty;
	bool	seen;		/* resync mark */
	bool	inherited;	/* found at start, untouched since */
	uint8_t	fails;
	struct nhset *want;	/* NULL: not wanted */
	struct nhset *have;	/* NULL: none of ours in the kernel */
	uint64_t retry_at;
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

struct fib {
	uint8_t	proto;
	uint32_t table;
	struct fib_hooks hooks;
	struct nl_sock cmd, mon;
	struct hash_table entries;	/* prefix -> entry */
	unsigned resolve_gen;		/* bumped when resolutions move */
	struct nhset *wlast;		/* the wanted set interned last */
	struct slab entry_slab;
	struct hash_table wsets, ksets;	/* interned nhsets */
	struct kmirror km;		/* links, addresses, others' routes */
	struct hash_table cache;	/* fib_nh -> resolved */
	size_t	nrecursive;		/* of them through a route */
	struct entry **dirty;
	size_t	ndirty, dirty_cap, dirty_head;
	enum dump dumping;
	uint32_t dump_seq;
	bool	resync;		/* a dump is a resync (mark and sweep) */
	bool	resync_wanted;
	bool	ready, synced;
	bool	all_dirty;	/* reresolve every entry when idle */
	/* Requests of the batch in flight: seq - first_seq indexes. */
	struct inflight {
		struct entry *e;
		uint16_t op;
	} *inflight;
	size_t	ninflight, inflight_cap;
	uint32_t first_seq;
	uint8_t	*batch;
	struct entry **retry;		/* entries waiting to retry */
	size_t	nretry, retry_cap;
	struct nhset *unknown;		/* "something of ours, unknown" */
	/* Routes of our protocol at a metric we never use (somebody
	 * else's doing): deleted once ready. */
	struct nl_route *strays;
	size_t	nstrays, strays_cap;
	struct fib_stats st;
};

/* ---- interning ---- */

static size_t
set_size(size_t n, bool kern)
{
	return offsetof(struct nhset, u) + (n ? n : 1) *
	    (kern ? sizeof(struct nl_nh) : sizeof(struct fib_nh));
}

struct set_key {
	uint8_t	type, n;
	const void *nh;
	size_t	nhlen;
};

static bool
set_eq(const void *e, const void *k)
{
	const struct nhset *s = e;
	const struct set_key *key = k;

	return s->type == key->type && s->n == key->n &&
	    memcmp(&s->u, key->nh, key->nhlen) == 0;
}

static struct nhset *
set_intern(struct hash_table *t, uint8_t type, const void *nh, size_t n,
    bool kern)
{
	size_t one = kern ? sizeof(struct nl_nh) : sizeof(struct fib_nh);
	struct set_key k = { type, (uint8_t)n, nh, n * one };
	uint64_t hv = hash_mix(hash_bytes(nh, n * one), type);
	struct nhset *s = hash_find(t, hv, set_eq, &k);

	if (s != NULL) {
		s->refs++;
		return s;
	}
	s = xcalloc(1, set_size(n, kern));
	s->hv = hv;
	s->refs = 1;
	s->type = type;
	s->n = (uint8_t)n;
	if (n > 0)
		memcpy(&s->u, nh, n * one);
	hash_insert(t, hv, s);
	return s;
}

static void
set_unref(struct hash_table *t, struct nhset *s)
{
	if (s == NULL || --s->refs > 0)
		return;
	hash_remove_entry(t, s->hv, s);
	free(s);
}

/* Release a wanted set, and with its last reference its memo. */
static void
want_unref(struct fib *f, struct nhset *s)
{
	if (s != NULL && s->refs == 1) {
		set_unref(&f->ksets, s->memo);
		if (f->wlast == s)
			f->wlast = NULL;
	}
	set_unref(&f->wsets, s);
}

/* ---- entries ---- */

static bool
entry_eq(const void *e, const void *k)
{
	return addr_pfx_eq(&((const struct entry *)e)->pfx, k);
}

static struct entry *
entry_find(const struct fib *f, const struct ip_prefix *p)
{
	return hash_find(&f->entries, addr_pfx_hash(p), entry_eq, p);
}

static struct entry *
entry_get(struct fib *f, const struct ip_prefix *p)
{
	struct entry *e = entry_find(f, p);

	if (e == NULL) {
		e = slab_alloc(&f->entry_slab);
		e->pfx = *p;
		hash_insert(&f->entries, addr_pfx_hash(p), e);
	}
	return e;
}

static void
mark_dirty(struct fib *f, struct entry *e)
{
	if (e->dirty)
		return;
	e->dirty = true;
	if (f->ndirty == f->dirty_cap) {
		/* Compact the consumed head before growing. */
		if (f->dirty_head > 0) {
			memmove(f->dirty, f->dirty + f->dirty_head,
			    (f->ndirty - f->dirty_head) * sizeof(*f->dirty));
			f->ndirty -= f->dirty_head;
			f->dirty_head = 0;
		}
		if (f->ndirty == f->dirty_cap)
			f->dirty = xgrow(f->dirty, &f->dirty_cap,
			    f->ndirty + 1, sizeof(*f->dirty));
	}
	f->dirty[f->ndirty++] = e;
}

/* Forget an entry that is neither wanted nor in the kernel. */
static void
entry_maybe_free(struct fib *f, struct entry *e)
{
	if (e->want != NULL || e->have != NULL || e->dirty ||
	    e->retry_at != 0)
		return;
	hash_remove_entry(&f->entries, addr_pfx_hash(&e->pfx), e);
	slab_free(&f->entry_slab, e);
}

static void
set_have(struct fib *f, struct entry *e, struct nhset *k)
{
	if (k != NULL)
		k->refs++;
	if (e->have == NULL && k != NULL)
		f->st.kernel_own++;
	else if (e->have != NULL && k == NULL)
		f->st.kernel_own--;
	set_unref(&f->ksets, e->have);
	e->have = k;
}

/* ---- links, addresses, resolution ---- */

/* Our route installed for exactly p, for recursive resolution. */
static const struct nl_nh *
own_at(void *arg, const struct ip_prefix *p)
{
	const struct entry *e = entry_find(arg, p);

	if (e == NULL || e->have == NULL || e->have->type != FIB_UNICAST ||
	    e->have->n == 0 || e->state != FIB_ST_INSTALLED)
		return NULL;
	return &e->have->u.kern[0];
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

static bool
own(const struct fib *f, const struct nl_route *r)
{
	return r->protocol == f->proto;
}

static struct nhset *
kset_of(struct fib *f, const struct nl_route *r)
{
	uint8_t type = r->type == RTN_BLACKHOLE ? FIB_BLACKHOLE : FIB_UNICAST;

	return set_intern(&f->ksets, type, r->nh, type == FIB_UNICAST ?
	    r->nnh : 0, true);
}

/* The metric of the routes we write: none, which the kernel takes as 0
 * for IPv4 and 1024 for IPv6. */
static uint32_t
own_priority(int af)
{
	return af == AF_INET6 ? 1024 : 0;
}

static void
stray(struct fib *f, const struct nl_route *r, bool add)
{
	char p[ADDR_PFX_STRLEN];
	size_t i;

	for (i = 0; i < f->nstrays; i++)
		if (addr_pfx_eq(&f->strays[i].pfx, &r->pfx) &&
		    f->strays[i].priority == r->priority)
			break;
	if (!add) {
		if (i < f->nstrays)
			f->strays[i] = f->strays[--f->nstrays];
		return;
	}
	if (i < f->nstrays)
		return;
	log_notice("kernel: %s metric %u has our protocol but is none of "
	    "ours: deleting it", addr_pfx_fmt(&r->pfx, p, sizeof(p)),
	    r->priority);
	f->strays = xgrow(f->strays, &f->strays_cap, f->nstrays + 1,
	    sizeof(*f->strays));
	f->strays[f->nstrays++] = *r;
}

static void
own_route(struct fib *f, const struct nl_route *r, bool add)
{
	struct entry *e;
	struct nhset *k;

	if (r->table != f->table || (r->type != RTN_UNICAST &&
	    r->type != RTN_BLACKHOLE))
		return;
	if (r->priority != own_priority(r->pfx.addr.af)) {
		stray(f, r, add);
		return;
	}
	if (!add) {
		/* Ours went away (our own delete echoed back, an admin, a
		 * link going down): put it back if it is still wanted. */
		e = entry_find(f, &r->pfx);
		if (e == NULL || e->have == NULL)
			return;
		set_have(f, e, NULL);
		mark_dirty(f, e);
		return;
	}
	e = entry_get(f, &r->pfx);
	e->seen = true;
	if (!f->synced)
		e->inherited = true;
	k = kset_of(f, r);
	if (e->have != k) {
		set_have(f, e, k);
		mark_dirty(f, e);
	}
	set_unref(&f->ksets, k);
}

static void
on_route(struct fib *f, const struct nlmsghdr *h)
{
	struct nl_route r;

	if (nl_parse_route(h, &r) != 0)
		return;
	if (own(f, &r)) {
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
	struct entry *e;

	while ((e = hash_next(&f->entries, &it)) != NULL) {
		if (e->have == NULL || e->have->type != FIB_UNICAST)
			continue;
		for (size_t i = 0; i < e->have->n; i++)
			if (e->have->u.kern[i].ifindex == ifindex) {
				set_have(f, e, NULL);
				mark_dirty(f, e);
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
	struct entry *e;

	f->resync = resync;
	if (resync) {
		f->st.resyncs++;
		log_notice("kernel events were lost (ENOBUFS): reading the "
		    "routing table again");
		kmirror_mark(&f->km);
		while ((e = hash_next(&f->entries, &it)) != NULL)
			e->seen = false;
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
sweep_entries(struct fib *f)
{
	size_t it = 0;
	struct entry *e;

	while ((e = hash_next(&f->entries, &it)) != NULL)
		if (!e->seen && e->have != NULL) {
			set_have(f, e, NULL);
			mark_dirty(f, e);
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
			sweep_entries(f);
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

static void
set_state(struct fib *f, struct entry *e, enum fib_state s)
{
	if (e->state == s)
		return;
	switch (e->state) {
	case FIB_ST_INSTALLED: f->st.installed--; break;
	case FIB_ST_UNRESOLVED: f->st.unresolved--; break;
	case FIB_ST_CONFLICT: f->st.conflicts--; break;
	case FIB_ST_FAILED: f->st.failing--; break;
	default: break;
	}
	switch (s) {
	case FIB_ST_INSTALLED: f->st.installed++; break;
	case FIB_ST_UNRESOLVED: f->st.unresolved++; break;
	case FIB_ST_CONFLICT: f->st.conflicts++; break;
	case FIB_ST_FAILED: f->st.failing++; break;
	default: break;
	}
	e->state = (uint8_t)s;
}

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

/* The wanted set in kernel form (a reference), or NULL: unresolvable. */
static struct nhset *
want_kernel(struct fib *f, const struct nhset *w)
{
	struct nl_nh nh[FIB_MAX_NH];
	size_t n = 0;

	if (w->type == FIB_BLACKHOLE)
		return set_intern(&f->ksets, FIB_BLACKHOLE, nh, 0, true);
	for (size_t i = 0; i < w->n; i++) {
		struct nl_nh r;

		memset(&r, 0, sizeof(r));
		if (!resolve(f, &w->u.want[i], &r))
			continue;	/* the others still carry traffic */
		for (size_t j = 0; j < n; j++)
			if (nh_cmp(&nh[j], &r) == 0)
				goto dup;
		nh[n++] = r;
dup:		;
	}
	if (n == 0)
		return NULL;
	qsort(nh, n, sizeof(nh[0]), nh_cmp);
	return set_intern(&f->ksets, FIB_UNICAST, nh, n, true);
}

/* want_kernel(), remembered per wanted set until resolutions move:
 * the routes of a table share a handful of sets. */
static struct nhset *
want_kernel_memo(struct fib *f, struct nhset *w)
{
	if (!w->memo_set || w->memo_gen != f->resolve_gen) {
		set_unref(&f->ksets, w->memo);
		w->memo = want_kernel(f, w);	/* the memo's reference */
		w->memo_set = true;
		w->memo_gen = f->resolve_gen;
	}
	if (w->memo != NULL)
		w->memo->refs++;
	return w->memo;
}

/* Another protocol's route holds the slot ours would take. */
static bool
conflict(const struct fib *f, const struct ip_prefix *p)
{
	return kmirror_conflict(&f->km, p, p->addr.af == AF_INET6 ? 1024 : 0);
}

enum op {
	OP_NONE,
	OP_SET,
	OP_DEL,
};

/* What e needs now; on OP_SET *out is the kernel set to send. */
static enum op
decide(struct fib *f, struct entry *e, struct nhset **out)
{
	struct nhset *kw = e->want != NULL ? want_kernel_memo(f, e->want) :
	    NULL;

	*out = NULL;
	if (kw != NULL) {
		if (conflict(f, &e->pfx)) {
			set_unref(&f->ksets, kw);
			set_state(f, e, FIB_ST_CONFLICT);
			return OP_NONE;
		}
		if (e->have == kw) {
			set_unref(&f->ksets, kw);
			set_state(f, e, FIB_ST_INSTALLED);
			return OP_NONE;
		}
		if (e->have != NULL && e->inherited && !f->ready) {
			/* Keep what forwards now until the feed is in. */
			set_unref(&f->ksets, kw);
			set_state(f, e, FIB_ST_PENDING);
			return OP_NONE;
		}
		*out = kw;
		return OP_SET;
	}
	/* Until the feed is in, routes found at start stay; what we
	 * installed ourselves since then goes as soon as it is unwanted. */
	set_state(f, e, e->want != NULL ? FIB_ST_UNRESOLVED :
	    e->have != NULL && e->inherited && !f->ready ? FIB_ST_STALE :
	    FIB_ST_NONE);
	if (e->have == NULL || (e->inherited && !f->ready))
		return OP_NONE;
	return OP_DEL;
}

static void
to_nl(const struct fib *f, const struct entry *e, const struct nhset *k,
    struct nl_route *r)
{
	memset(r, 0, sizeof(*r));
	r->pfx = e->pfx;
	r->table = f->table;
	r->protocol = f->proto;
	r->type = k == NULL || k->type == FIB_UNICAST ? RTN_UNICAST :
	    RTN_BLACKHOLE;
	if (k != NULL && k->type == FIB_UNICAST) {
		r->nnh = k->n;
		memcpy(r->nh, k->u.kern, k->n * sizeof(r->nh[0]));
	}
}

static void
retry_later(struct fib *f, struct entry *e, uint64_t now)
{
	uint64_t wait = RETRY_MIN_MS;

	for (unsigned i = 0; i < e->fails && wait < RETRY_MAX_MS; i++)
		wait *= 2;
	if (wait > RETRY_MAX_MS)
		wait = RETRY_MAX_MS;
	if (e->fails < 255)
		e->fails++;
	if (e->retry_at == 0) {
		f->retry = xgrow(f->retry, &f->retry_cap, f->nretry + 1,
		    sizeof(*f->retry));
		f->retry[f->nretry++] = e;
	}
	e->retry_at = now + wait;
}

static void
request_failed(struct fib *f, struct entry *e, uint16_t op, int error,
    const char *msg, uint64_t now)
{
	char p[ADDR_PFX_STRLEN];

	if (op == RTM_DELROUTE && error == ESRCH)
		return;		/* already gone: what we wanted */
	f->st.errors++;
	if (e == NULL) {
		log_warnx("kernel refused to delete a stray route of our "
		    "protocol: %s", strerror(error));
		return;
	}
	/* What the kernel holds now is not known: assume something of
	 * ours, so the retry replaces or deletes it. */
	set_have(f, e, f->unknown);
	set_state(f, e, FIB_ST_FAILED);
	log_warnx("kernel refused to %s %s: %s%s%s (retrying)",
	    op == RTM_DELROUTE ? "delete" : "install",
	    addr_pfx_fmt(&e->pfx, p, sizeof(p)), strerror(error),
	    msg != NULL ? ": " : "", msg != NULL ? msg : "");
	retry_later(f, e, now);
}

struct drain_ctx {
	struct fib *f;
	uint64_t now;
	bool	*failed;
};

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
	request_failed(f, f->inflight[idx].e, f->inflight[idx].op,
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

/* One batch: decide entries off the dirty queue, send, read errors. */
static bool
run_batch(struct fib *f, uint64_t now)
{
	size_t len = 0;
	bool failed_buf[4096];
	bool *failed;

	f->ninflight = 0;
	f->first_seq = f->cmd.seq + 1;
	while (f->ready && f->nstrays > 0 && len + 1024 <= BATCH_BYTES) {
		struct nl_route r = f->strays[--f->nstrays];

		r.type = RTN_UNSPEC;
		len += nl_put_route(f->batch + len, BATCH_BYTES - len,
		    RTM_DELROUTE, 0, ++f->cmd.seq, &r);
		f->st.deletes++;
		f->inflight = xgrow(f->inflight, &f->inflight_cap,
		    f->ninflight + 1, sizeof(*f->inflight));
		f->inflight[f->ninflight].e = NULL;
		f->inflight[f->ninflight++].op = RTM_DELROUTE;
	}
	while (f->dirty_head < f->ndirty) {
		struct entry *e = f->dirty[f->dirty_head];
		struct nhset *k;
		struct nl_route r;
		enum op op;
		size_t n;
		uint16_t type;

		if (len + 1024 > BATCH_BYTES || f->ninflight == 4096)
			break;
		f->dirty_head++;
		e->dirty = false;
		if (e->retry_at > now)
			continue;	/* its timer brings it back */
		op = decide(f, e, &k);
		if (op == OP_NONE) {
			entry_maybe_free(f, e);
			continue;
		}
		to_nl(f, e, k, &r);
		type = op == OP_DEL ? RTM_DELROUTE : RTM_NEWROUTE;
		/* IPv4 deletes match the type: RTN_UNSPEC matches any. */
		if (op == OP_DEL)
			r.type = RTN_UNSPEC;
		n = nl_put_route(f->batch + len, BATCH_BYTES - len, type,
		    op == OP_DEL ? 0 : NLM_F_CREATE | NLM_F_REPLACE,
		    ++f->cmd.seq, &r);
		if (n == 0) {
			/* Cannot happen with the margin above. */
			f->cmd.seq--;
			mark_dirty(f, e);
			break;
		}
		len += n;
		e->inherited = false;
		if (op == OP_DEL)
			f->st.deletes++;
		else if (e->have != NULL)
			f->st.replaces++;
		else
			f->st.adds++;
		set_have(f, e, k);
		set_unref(&f->ksets, k);
		set_state(f, e, op == OP_DEL ? FIB_ST_NONE :
		    FIB_ST_INSTALLED);
		f->inflight = xgrow(f->inflight, &f->inflight_cap,
		    f->ninflight + 1, sizeof(*f->inflight));
		f->inflight[f->ninflight].e = e;
		f->inflight[f->ninflight++].op = type;
	}
	if (f->dirty_head == f->ndirty) {
		f->dirty_head = f->ndirty = 0;
		if (f->dirty_cap > 4096) {
			/* A big load has drained: give the queue back. */
			free(f->dirty);
			f->dirty = NULL;
			f->dirty_cap = 0;
		}
		hash_shrink(&f->entries);
	}
	if (len == 0)
		return false;
	failed = failed_buf;
	memset(failed, 0, f->ninflight * sizeof(*failed));
	if (mnl_socket_sendto(f->cmd.mnl, f->batch, len) < 0) {
		int err = errno;

		for (size_t i = 0; i < f->ninflight; i++)
			request_failed(f, f->inflight[i].e,
			    f->inflight[i].op, err, "sendto", now);
	} else {
		read_cmd(f, now, failed);
	}
	for (size_t i = 0; i < f->ninflight; i++) {
		struct entry *e = f->inflight[i].e;

		if (e == NULL)
			continue;	/* a stray's delete */
		if (!failed[i])
			e->fails = 0;
		entry_maybe_free(f, e);
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
	hash_init(&f->entries);
	slab_init(&f->entry_slab, sizeof(struct entry));
	hash_init(&f->wsets);
	hash_init(&f->ksets);
	kmirror_init(&f->km, table, hooks);
	hash_init(&f->cache);
	f->batch = xmalloc(BATCH_BYTES);
	memset(&none, 0, sizeof(none));
	f->unknown = set_intern(&f->ksets, 255, &none, 0, true);
	(void)err;
	(void)errlen;
	return f;
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
	while ((p = hash_next(&f->entries, &it)) != NULL) {
		struct entry *e = p;

		want_unref(f, e->want);
		set_unref(&f->ksets, e->have);
		slab_free(&f->entry_slab, e);
	}
	hash_free(&f->entries);
	slab_destroy(&f->entry_slab);
	set_unref(&f->ksets, f->unknown);
	kmirror_free(&f->km);
	it = 0;
	while ((p = hash_next(&f->cache, &it)) != NULL)
		free(p);
	hash_free(&f->cache);
	/* Every set is released with its last entry. */
	hash_free(&f->wsets);
	hash_free(&f->ksets);
	free(f->dirty);
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
	    (f->dirty_head < f->ndirty || f->all_dirty ||
	    (f->ready && f->nstrays > 0));
}

void
fib_output(struct fib *f, uint64_t now)
{
	if (!f->synced || f->dumping != DUMP_NONE)
		return;
	if (f->all_dirty) {
		size_t it = 0;
		struct entry *e;

		f->all_dirty = false;
		while ((e = hash_next(&f->entries, &it)) != NULL)
			mark_dirty(f, e);
	}
	for (int i = 0; i < BATCHES_PER_RUN; i++)
		if (!run_batch(f, now) && f->dirty_head == f->ndirty)
			break;
}

uint64_t
fib_next_timer(const struct fib *f)
{
	uint64_t t = UINT64_MAX;

	for (size_t i = 0; i < f->nretry; i++)
		if (f->retry[i]->retry_at < t)
			t = f->retry[i]->retry_at;
	return t;
}

void
fib_run_timers(struct fib *f, uint64_t now)
{
	for (size_t i = 0; i < f->nretry;) {
		struct entry *e = f->retry[i];

		if (e->retry_at > now) {
			i++;
			continue;
		}
		e->retry_at = 0;
		f->retry[i] = f->retry[--f->nretry];
		mark_dirty(f, e);
	}
}

void
fib_set(struct fib *f, const struct fib_route *r)
{
	struct fib_nh nh[FIB_MAX_NH];
	size_t n = r->type == FIB_UNICAST ? r->nnh : 0;
	struct entry *e;
	struct nhset *w;

	if (n > FIB_MAX_NH)
		n = FIB_MAX_NH;
	/* Zero the padding: sets compare as bytes. */
	memset(nh, 0, sizeof(nh));
	for (size_t i = 0; i < n; i++) {
		nh[i].gw = r->nh[i].gw;
		memcpy(nh[i].dev, r->nh[i].dev, sizeof(nh[i].dev));
		nh[i].dev[FIB_IFNAMSIZ - 1] = '\0';
		nh[i].onlink = r->nh[i].onlink;
	}
	/* Routes mostly come in runs with one set: skip the hashing. */
	if (f->wlast != NULL && f->wlast->type == r->type &&
	    f->wlast->n == n && (n == 0 ||
	    memcmp(f->wlast->u.want, nh, n * sizeof(nh[0])) == 0)) {
		w = f->wlast;
		w->refs++;
	} else {
		w = set_intern(&f->wsets, (uint8_t)r->type, nh, n, false);
		f->wlast = w;
	}
	e = entry_get(f, &r->pfx);
	if (e->want == w) {
		want_unref(f, w);
		return;
	}
	if (e->want == NULL)
		f->st.wanted++;
	want_unref(f, e->want);
	e->want = w;
	mark_dirty(f, e);
}

void
fib_unset(struct fib *f, const struct ip_prefix *p)
{
	struct entry *e = entry_find(f, p);

	if (e == NULL || e->want == NULL)
		return;
	f->st.wanted--;
	want_unref(f, e->want);
	e->want = NULL;
	mark_dirty(f, e);
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
	const struct entry *e = entry_find(f, p);

	if (e == NULL)
		return FIB_ST_NONE;
	if (e->dirty && e->state != FIB_ST_FAILED)
		return FIB_ST_PENDING;
	return (enum fib_state)e->state;
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
