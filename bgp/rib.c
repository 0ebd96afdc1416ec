/* rib: see rib.h. */
#include "rib.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "attrset.h"
#include "decide.h"
#include "lib/hash.h"
#include "lib/log.h"
#include "lib/xalloc.h"

/* dirty: 0 clean, queued on the ring, or only flagged. */
#define D_QUEUED	1
#define D_FLAGGED	2

/* Memory per route (rib.h): the path id took the path's padding. */
_Static_assert(sizeof(void *) != 8 || sizeof(struct rib_path) == 32,
    "a path is 32 octets");

/* Index slots one rib_dirty_pop() looks at for flagged entries. */
#define SCAN_SLOTS	65536

/* An entry's reference in the index: its slab's, bit 31 for IPv6. */
#define REF_V6		SLAB_REF_LIMIT

/* A prefix as the entries keep it: family, length, address octets. */
struct pkey {
	uint8_t	af, len;
	uint8_t	addr[16];
};

/* An entry's object: the owner's octets (r->ext of them), then the
 * entry. */
static void *
obj_of(const struct rib *r, const struct rib_entry *e)
{
	return (uint8_t *)(uintptr_t)e - r->ext;
}

static struct slab *
slab_of(struct rib *r, int af)
{
	return af == AF_INET ? &r->entry4_slab : &r->entry6_slab;
}

static struct rib_entry *
entry_at(const struct rib *r, uint32_t ref)
{
	uint8_t *o = ref & REF_V6 ? slab_obj(&r->entry6_slab, ref & ~REF_V6) :
	    slab_obj(&r->entry4_slab, ref);

	return (struct rib_entry *)(void *)(o + r->ext);
}

static uint32_t
ref_of(const struct rib *r, const struct rib_entry *e)
{
	if (e->af == AF_INET)
		return slab_ref(&r->entry4_slab, obj_of(r, e));
	return slab_ref(&r->entry6_slab, obj_of(r, e)) | REF_V6;
}

static size_t
key_len(int af)
{
	return 2 + addr_len(af);
}

/* The key octets start at the entry's af (rib.h keeps them adjacent). */
static uint64_t
entry_hash(const struct rib_entry *e)
{
	return hash_bytes(&e->af, key_len(e->af));
}

/* A search: the key and the RIB whose entries it compares. */
struct probe {
	const struct rib *r;
	struct pkey k;
};

static bool
entry_eq(const void *ctx, uint32_t ref)
{
	const struct probe *pr = ctx;
	const struct rib_entry *e = entry_at(pr->r, ref);

	return e->af == pr->k.af && e->len == pr->k.len &&
	    memcmp(e->addr, pr->k.addr, addr_len(pr->k.af)) == 0;
}

static uint64_t
pack(const struct ip_prefix *p, struct pkey *k)
{
	k->af = p->addr.af;
	k->len = p->len;
	memcpy(k->addr, p->addr.b, sizeof(k->addr));
	return hash_bytes(k, key_len(k->af));
}

/* The address octets of an entry of family af (4 or 16), copied with
 * fixed sizes (a copy of addr_len() octets is a libc call). */
static void
addr_copy(uint8_t *dst, const uint8_t *src, int af)
{
	if (af == AF_INET)
		memcpy(dst, src, 4);
	else
		memcpy(dst, src, 16);
}

void
rib_init(struct rib *r)
{
	memset(r, 0, sizeof(*r));
	itab_init(&r->entries);
	r->ext = RIB_EXT;
	slab_init(&r->entry4_slab, RIB_EXT + offsetof(struct rib_entry, addr) +
	    4);
	slab_init(&r->entry6_slab, RIB_EXT + offsetof(struct rib_entry, addr) +
	    16);
	slab_init(&r->path_slab, sizeof(struct rib_path));
}

void
rib_no_ext(struct rib *r)
{
	if (r->entries.count != 0)
		fatalx("%s: the RIB has entries", __func__);
	slab_destroy(&r->entry4_slab);
	slab_destroy(&r->entry6_slab);
	r->ext = 0;
	slab_init(&r->entry4_slab, offsetof(struct rib_entry, addr) + 4);
	slab_init(&r->entry6_slab, offsetof(struct rib_entry, addr) + 16);
}

void
rib_peer_init(struct rib_peer *p)
{
	memset(p, 0, sizeof(*p));
}

size_t
rib_count(const struct rib *r)
{
	return r->nroutes;
}

size_t
rib_entries(const struct rib *r)
{
	return r->entries.count;
}

void
rib_mem(const struct rib *r, struct rib_mem *m)
{
	memset(m, 0, sizeof(*m));
	m->entries4 = r->entry4_slab.nobjs;
	m->entries6 = r->entry6_slab.nobjs;
	m->entry4_size = r->entry4_slab.size;
	m->entry6_size = r->entry6_slab.size;
	m->paths = r->path_slab.nobjs;
	m->path_size = r->path_slab.size;
	m->bucket_bytes = itab_mem(&r->entries);
	m->ring_bytes = r->dq.cap * sizeof(*r->dq.v);
}

void
rib_entry_prefix(const struct rib_entry *e, struct ip_prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->addr.af = e->af;
	p->len = e->len;
	addr_copy(p->addr.b, e->addr, e->af);
}

struct rib_entry *
rib_entry_of_ext(void *ext)
{
	return (struct rib_entry *)(void *)((uint8_t *)ext + RIB_EXT);
}

uint8_t *
rib_entry_ext(struct rib_entry *e)
{
	return (uint8_t *)e - RIB_EXT;
}

struct rib_entry *
rib_lookup(const struct rib *r, const struct ip_prefix *p)
{
	struct probe pr;
	uint64_t hv;
	uint32_t ref;

	pr.r = r;
	hv = pack(p, &pr.k);
	ref = itab_find(&r->entries, hv, entry_eq, &pr);
	return ref != 0 ? entry_at(r, ref) : NULL;
}

/* Find or make the entry of p (masked). */
static struct rib_entry *
entry_get(struct rib *r, const struct ip_prefix *p)
{
	struct ip_prefix m = *p;
	struct rib_entry *e;
	struct probe pr;
	uint64_t hv;
	uint32_t ref;
	size_t at;

	addr_pfx_mask(&m);
	pr.r = r;
	hv = pack(&m, &pr.k);
	if ((ref = itab_find_at(&r->entries, hv, entry_eq, &pr, &at)) != 0)
		return entry_at(r, ref);
	if (m.addr.af != AF_INET && m.addr.af != AF_INET6)
		fatalx("%s: not an IP prefix", __func__);
	e = (struct rib_entry *)(void *)((uint8_t *)slab_alloc(slab_of(r,
	    m.addr.af)) + r->ext);
	e->af = pr.k.af;
	e->len = pr.k.len;
	addr_copy(e->addr, pr.k.addr, pr.k.af);
	itab_insert_at(&r->entries, at, hv, ref_of(r, e));
	return e;
}

struct rib_entry *
rib_get(struct rib *r, const struct ip_prefix *p)
{
	return entry_get(r, p);
}

const struct rib_path *
rib_best(const struct rib_entry *e)
{
	return e->best.peer != NULL ? &e->best : NULL;
}

const struct rib_path *
rib_path_of(const struct rib_entry *e, const struct rib_peer *peer,
    uint32_t path_id)
{
	for (const struct rib_path *p = rib_best(e); p != NULL; p = p->next) {
		if (p->peer == peer && p->path_id == path_id)
			return p;
	}
	return NULL;
}

/* ---- the dirty queue ---- */

static void
mark_dirty(struct rib *r, struct rib_entry *e)
{
	if (e->dirty)
		return;
	r->ndirty++;
	if (ring_len(&r->dq) == RIB_DIRTY_RING) {
		/* Full: a walk finds it (rib_dirty_pop). */
		e->dirty = D_FLAGGED;
		r->nflagged++;
		return;
	}
	e->dirty = D_QUEUED;
	ring_push(&r->dq, e);
}

/* A flagged entry, looking at up to SCAN_SLOTS slots of the index from
 * the scan cursor (around the end: flags set behind it are found next
 * time). */
static struct rib_entry *
scan_flagged(struct rib *r)
{
	const struct itab *t = &r->entries;

	for (size_t k = 0; k < SCAN_SLOTS && k < t->n; k++) {
		uint32_t ref;

		if (r->scan >= t->n)
			r->scan = 0;
		if ((ref = t->s[r->scan].ref) != 0) {
			struct rib_entry *e = entry_at(r, ref);

			if (e->dirty == D_FLAGGED)
				return e;
		}
		r->scan++;
	}
	return NULL;
}

struct rib_entry *
rib_dirty_pop(struct rib *r)
{
	struct rib_entry *e;

	if ((e = ring_pop(&r->dq)) == NULL) {
		if (r->nflagged == 0 || (e = scan_flagged(r)) == NULL)
			return NULL;
		r->nflagged--;
	}
	e->dirty = 0;
	r->ndirty--;
	return e;
}

static bool
ext_unused(const struct rib *r, const struct rib_entry *e)
{
	static const uint8_t zero[RIB_EXT];

	return r->ext == 0 || memcmp(obj_of(r, e), zero, RIB_EXT) == 0;
}

void
rib_entry_done(struct rib *r, struct rib_entry *e)
{
	if (e->best.peer != NULL || e->dirty || !ext_unused(r, e))
		return;
	itab_remove(&r->entries, entry_hash(e), ref_of(r, e));
	slab_free(slab_of(r, e->af), obj_of(r, e));
}

/* ---- paths ---- */

static uint8_t
count_ecmp(const struct rib_entry *e)
{
	const struct rib_path *best = rib_best(e);
	uint8_t n = 0;

	for (const struct rib_path *p = best; p != NULL; p = p->next) {
		if (n > 0 && !decide_ecmp(best, p))
			break;
		if (n < UINT8_MAX)
			n++;
	}
	return n;
}

/*
 * A change queues e if its best path or ECMP set changed: the best
 * path's peer and the attributes of the set's paths are compared before
 * and after.  Selections longer than 16 paths are compared by their
 * first 16 and the count.
 */
#define SEL_MAX	16

struct selection {
	const struct rib_peer *best;
	uint8_t	necmp;
	const struct attrset *attrs[SEL_MAX];
};

static void
snapshot(const struct rib_entry *e, struct selection *s)
{
	const struct rib_path *p = rib_best(e);

	memset(s, 0, sizeof(*s));
	s->best = p != NULL ? p->peer : NULL;
	s->necmp = e->necmp;
	for (int i = 0; i < SEL_MAX && p != NULL && i < e->necmp; i++) {
		s->attrs[i] = p->attrs;
		p = p->next;
	}
}

static void
reselect(struct rib *r, struct rib_entry *e, const struct selection *old)
{
	struct selection now;

	e->necmp = count_ecmp(e);
	snapshot(e, &now);
	if (r->all_changes || e->best.peer == NULL ||
	    memcmp(&now, old, sizeof(now)) != 0)
		mark_dirty(r, e);
}

/* Take path q out of e's list; the path object is freed (or, for the
 * entry's own, given the next path's contents). */
static void
unlink_path(struct rib *r, struct rib_entry *e, struct rib_path *q)
{
	struct rib_path *n;

	if (q == &e->best) {
		if ((n = e->best.next) == NULL) {
			memset(&e->best, 0, sizeof(e->best));
			return;
		}
		e->best = *n;
		slab_free(&r->path_slab, n);
		return;
	}
	for (struct rib_path *p = &e->best; p->next != NULL; p = p->next) {
		if (p->next == q) {
			p->next = q->next;
			slab_free(&r->path_slab, q);
			return;
		}
	}
	fatalx("%s: path not in its entry", __func__);
}

/* Put the path (peer, path_id, attrs, flags) in its place in e's
 * list. */
static void
insert_sorted(struct rib *r, struct rib_entry *e, struct rib_peer *peer,
    uint32_t path_id, struct attrset *attrs, uint32_t flags)
{
	struct rib_path tmp = { NULL, peer, attrs, path_id, flags }, *n, *p;

	if (e->best.peer == NULL) {
		e->best = tmp;
		return;
	}
	n = slab_alloc(&r->path_slab);
	if (decide_cmp(&e->best, &tmp) >= 0) {
		/* The new best: the old one moves out of the entry. */
		*n = e->best;
		e->best = tmp;
		e->best.next = n;
		return;
	}
	for (p = &e->best; p->next != NULL && decide_cmp(p->next, &tmp) < 0;
	    p = p->next)
		;
	*n = tmp;
	n->next = p->next;
	p->next = n;
}

/* RFC 7911 3: a path is the peer's and its path identifier. */
static struct rib_path *
find_path(struct rib_entry *e, const struct rib_peer *peer, uint32_t id)
{
	for (struct rib_path *q = &e->best; q != NULL && q->peer != NULL;
	    q = q->next) {
		if (q->peer == peer && q->path_id == id)
			return q;
	}
	return NULL;
}

void
rib_update(struct rib *r, struct rib_peer *peer, const struct ip_prefix *p,
    uint32_t path_id, struct attrset *attrs)
{
	struct selection old;
	struct rib_entry *e = entry_get(r, p);
	struct rib_path *q = find_path(e, peer, path_id);

	/* The common cases, without comparing selections: the entry's
	 * first path, and new attributes for its only path.  Either way
	 * the selection changed (a best where there was none, other
	 * attributes), so the entry is dirty. */
	if (e->best.peer == NULL) {
		e->best.peer = peer;
		e->best.attrs = attrs;
		e->best.path_id = path_id;
		e->best.flags = 0;
		e->necmp = 1;
		r->nroutes++;
		peer->npaths++;
		r->npaths++;
		mark_dirty(r, e);
		return;
	}
	if (q == &e->best && q->next == NULL && q->attrs != attrs) {
		if (q->flags & RIB_PATH_STALE)
			peer->nstale--;
		attrset_unref(q->attrs);
		q->attrs = attrs;
		q->flags = 0;
		mark_dirty(r, e);
		return;
	}
	snapshot(e, &old);
	if (q != NULL) {
		/* Same attributes again (a refresh): nothing changes. */
		if (q->attrs == attrs && !(q->flags & RIB_PATH_STALE)) {
			attrset_unref(attrs);
			return;
		}
		if (q->flags & RIB_PATH_STALE)
			peer->nstale--;
		attrset_unref(q->attrs);
		unlink_path(r, e, q);
	} else {
		if (e->best.peer == NULL)
			r->nroutes++;
		peer->npaths++;
		r->npaths++;
	}
	insert_sorted(r, e, peer, path_id, attrs, 0);
	reselect(r, e, &old);
}

static void
remove_path(struct rib *r, struct rib_entry *e, struct rib_path *q)
{
	struct selection old;
	struct rib_peer *peer = q->peer;

	snapshot(e, &old);
	peer->npaths--;
	if (q->flags & RIB_PATH_STALE)
		peer->nstale--;
	attrset_unref(q->attrs);
	unlink_path(r, e, q);
	r->npaths--;
	if (e->best.peer == NULL)
		r->nroutes--;
	reselect(r, e, &old);
	rib_entry_done(r, e);
}

bool
rib_withdraw(struct rib *r, struct rib_peer *peer, const struct ip_prefix *p,
    uint32_t path_id)
{
	struct rib_entry *e = rib_lookup(r, p);
	struct rib_path *q;

	if (e == NULL || (q = find_path(e, peer, path_id)) == NULL)
		return false;
	remove_path(r, e, q);
	return true;
}

/* ---- walks ---- */

bool
rib_walk(struct rib *r, struct rib_cursor *c, size_t max, rib_walk_fn *fn,
    void *arg)
{
	const struct itab *t = &r->entries;
	size_t seen = 0, i = itab_seek(t, c->next);

	while (i < t->n) {
		uint32_t ref = t->s[i].ref, h = t->s[i].h;

		if (ref == 0) {
			i++;
			continue;
		}
		fn(r, entry_at(r, ref), arg);
		seen++;
		/* Freed, the slots after it moved down one. */
		if (t->s[i].ref == ref)
			i++;
		if (i < t->n && t->s[i].ref != 0 && t->s[i].h == h)
			continue;	/* a hash's entries in one call */
		c->next = (uint64_t)h + 1;
		if (max != 0 && seen >= max && c->next <= UINT32_MAX)
			return false;
	}
	memset(c, 0, sizeof(*c));
	return true;
}

enum walk_op {
	WALK_FLUSH,
	WALK_FLUSH_STALE,
	WALK_MARK_STALE,
	WALK_RETAG_STALE,
};

struct walk_arg {
	struct rib_peer *peer;
	enum walk_op op;
	rib_retag_fn *fn;	/* WALK_RETAG_STALE */
	void	*arg;
	uint32_t *ids;		/* scratch: path ids (xgrow) */
	size_t	nids;
};

/* Stale path q of e gets fn's attributes, or goes. */
static void
retag(struct rib *r, struct rib_entry *e, struct rib_path *q,
    const struct walk_arg *w)
{
	struct attrset *n = w->fn(q->attrs, w->arg);
	struct selection old;
	uint32_t id;

	if (n == NULL) {
		remove_path(r, e, q);
		return;
	}
	if (n == q->attrs) {
		attrset_unref(n);
		return;
	}
	snapshot(e, &old);
	attrset_unref(q->attrs);
	id = q->path_id;
	unlink_path(r, e, q);
	insert_sorted(r, e, w->peer, id, n, RIB_PATH_STALE);
	reselect(r, e, &old);
}

/* Remove every path of peer from e (only the stale ones if stale) in
 * one pass, which keeps the list in order; e stays (it is dirty when
 * it has no path left). */
static void
drop_paths(struct rib *r, struct rib_entry *e, struct rib_peer *peer,
    bool stale)
{
	struct selection old;
	struct rib_path **pp = &e->best.next, *q;
	uint32_t mask = stale ? RIB_PATH_STALE : 0;
	size_t n = 0;

	snapshot(e, &old);
	while ((q = *pp) != NULL) {
		if (q->peer != peer || (q->flags & mask) != mask) {
			pp = &q->next;
			continue;
		}
		*pp = q->next;
		if (q->flags & RIB_PATH_STALE)
			peer->nstale--;
		attrset_unref(q->attrs);
		slab_free(&r->path_slab, q);
		n++;
	}
	if (e->best.peer == peer && (e->best.flags & mask) == mask) {
		if (e->best.flags & RIB_PATH_STALE)
			peer->nstale--;
		attrset_unref(e->best.attrs);
		unlink_path(r, e, &e->best);
		n++;
	}
	if (n == 0)
		return;
	peer->npaths -= n;
	r->npaths -= n;
	if (e->best.peer == NULL)
		r->nroutes--;
	reselect(r, e, &old);
}

/* The path ids of peer's stale paths in e, into *v (grown). */
static size_t
stale_ids(const struct rib_entry *e, const struct rib_peer *peer,
    uint32_t **v, size_t *cap)
{
	size_t n = 0;

	for (const struct rib_path *q = rib_best(e); q != NULL; q = q->next) {
		if (q->peer != peer || !(q->flags & RIB_PATH_STALE))
			continue;
		*v = xgrow(*v, cap, n + 1, sizeof(**v));
		(*v)[n++] = q->path_id;
	}
	return n;
}

static void
peer_step(struct rib *r, struct rib_entry *e, void *arg)
{
	struct walk_arg *w = arg;
	struct rib_path *q;

	if (w->op == WALK_MARK_STALE) {
		for (q = &e->best; q != NULL && q->peer != NULL; q = q->next) {
			if (q->peer == w->peer &&
			    !(q->flags & RIB_PATH_STALE)) {
				q->flags |= RIB_PATH_STALE;
				w->peer->nstale++;
			}
		}
	} else if (w->op == WALK_RETAG_STALE) {
		/* Each retag moves its path: go by path id. */
		size_t n = stale_ids(e, w->peer, &w->ids, &w->nids);

		for (size_t i = 0; i < n; i++)
			if ((q = find_path(e, w->peer, w->ids[i])) != NULL)
				retag(r, e, q, w);
	} else {
		drop_paths(r, e, w->peer, w->op == WALK_FLUSH_STALE);
	}
}

/* One step of a walk doing op to peer's path in each entry, looking at
 * up to max entries (0: all).  True when it reached the end. */
static bool
peer_walk(struct rib *r, struct rib_peer *peer, size_t max,
    enum walk_op op)
{
	struct walk_arg w = { peer, op, NULL, NULL, NULL, 0 };

	return rib_walk(r, &peer->walk, max, peer_step, &w);
}

bool
rib_peer_retag_stale(struct rib *r, struct rib_peer *peer, size_t max,
    rib_retag_fn *fn, void *arg)
{
	struct walk_arg w = { peer, WALK_RETAG_STALE, fn, arg, NULL, 0 };
	bool done;

	if (peer->nstale == 0)
		return true;
	done = rib_walk(r, &peer->walk, max, peer_step, &w);
	free(w.ids);
	return done;
}

void
rib_peer_walk_reset(struct rib_peer *peer)
{
	memset(&peer->walk, 0, sizeof(peer->walk));
}

size_t
rib_peer_flush(struct rib *r, struct rib_peer *peer, size_t max)
{
	if (peer->npaths > 0)
		peer_walk(r, peer, max, WALK_FLUSH);
	return peer->npaths;
}

void
rib_peer_mark_stale(struct rib *r, struct rib_peer *peer)
{
	memset(&peer->walk, 0, sizeof(peer->walk));
	peer_walk(r, peer, 0, WALK_MARK_STALE);
}

size_t
rib_peer_flush_stale(struct rib *r, struct rib_peer *peer, size_t max)
{
	if (peer->nstale > 0 &&
	    peer_walk(r, peer, max, WALK_FLUSH_STALE) && peer->nstale > 0)
		fatalx("%s: %zu stale paths not in the table", __func__,
		    peer->nstale);
	return peer->nstale;
}

void
rib_compact(struct rib *r)
{
	if (r->nholds == 0)
		itab_shrink(&r->entries);
}

void
rib_hold(struct rib *r)
{
	r->nholds++;
}

void
rib_release(struct rib *r)
{
	if (r->nholds == 0)
		fatalx("%s: not held", __func__);
	r->nholds--;
}

/* it: the index's slot. */
struct rib_entry *
rib_next(const struct rib *r, size_t *it)
{
	uint32_t ref = itab_next(&r->entries, it);

	return ref != 0 ? entry_at(r, ref) : NULL;
}

void
rib_free(struct rib *r)
{
	const struct itab *t = &r->entries;

	for (size_t i = 0; i < t->n; i++) {
		struct rib_entry *e;
		struct rib_path *p, *pn;

		if (t->s[i].ref == 0)
			continue;
		e = entry_at(r, t->s[i].ref);
		attrset_unref(e->best.attrs);
		for (p = e->best.next; p != NULL; p = pn) {
			pn = p->next;
			attrset_unref(p->attrs);
			slab_free(&r->path_slab, p);
		}
		slab_free(slab_of(r, e->af), obj_of(r, e));
	}
	itab_free(&r->entries);
	slab_destroy(&r->entry4_slab);
	slab_destroy(&r->entry6_slab);
	slab_destroy(&r->path_slab);
	ring_free(&r->dq);
	memset(r, 0, sizeof(*r));
}
