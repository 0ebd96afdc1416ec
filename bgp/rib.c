/* rib: see rib.h. */
#include "rib.h"

#include <stdlib.h>
#include <string.h>

#include "attrset.h"
#include "decide.h"
#include "lib/log.h"
#include "lib/xalloc.h"

static bool
entry_eq(const void *entry, const void *key)
{
	return addr_pfx_eq(&((const struct rib_entry *)entry)->prefix, key);
}

void
rib_init(struct rib *r)
{
	memset(r, 0, sizeof(*r));
	hash_init(&r->entries);
	slab_init(&r->entry_slab, sizeof(struct rib_entry));
	slab_init(&r->path_slab, sizeof(struct rib_path));
}

void
rib_peer_init(struct rib_peer *p)
{
	memset(p, 0, sizeof(*p));
}

size_t
rib_count(const struct rib *r)
{
	return hash_count(&r->entries);
}

struct rib_entry *
rib_lookup(const struct rib *r, const struct ip_prefix *p)
{
	return hash_find(&r->entries, addr_pfx_hash(p), entry_eq, p);
}

const struct rib_path *
rib_best(const struct rib_entry *e)
{
	return e->paths;
}

const struct rib_path *
rib_path_of(const struct rib_entry *e, const struct rib_peer *peer)
{
	for (const struct rib_path *p = e->paths; p != NULL; p = p->next) {
		if (p->peer == peer)
			return p;
	}
	return NULL;
}

static void
mark_dirty(struct rib *r, struct rib_entry *e)
{
	if (e->dirty)
		return;
	e->dirty = true;
	if (r->ndirty == r->dq_cap) {
		/* Grow the ring, unwrapping it. */
		size_t ncap = r->dq_cap ? 2 * r->dq_cap : 256;
		struct rib_entry **q = xreallocarray(NULL, ncap,
		    sizeof(*q));

		for (size_t i = 0; i < r->ndirty; i++)
			q[i] = r->dq[(r->dq_head + i) % r->dq_cap];
		free(r->dq);
		r->dq = q;
		r->dq_cap = ncap;
		r->dq_head = 0;
	}
	r->dq[(r->dq_head + r->ndirty) % r->dq_cap] = e;
	r->ndirty++;
}

struct rib_entry *
rib_dirty_pop(struct rib *r)
{
	struct rib_entry *e;

	if (r->ndirty == 0)
		return NULL;
	e = r->dq[r->dq_head];
	r->dq_head = (r->dq_head + 1) % r->dq_cap;
	e->dirty = false;
	if (--r->ndirty == 0 && r->dq_cap > 4096) {
		/* A big load has drained: give the ring back. */
		free(r->dq);
		r->dq = NULL;
		r->dq_cap = r->dq_head = 0;
	}
	return e;
}

void
rib_entry_done(struct rib *r, struct rib_entry *e)
{
	if (e->paths != NULL || e->dirty)
		return;
	if (!hash_remove_entry(&r->entries, addr_pfx_hash(&e->prefix), e))
		fatalx("%s: entry not in the table", __func__);
	slab_free(&r->entry_slab, e);
}

static uint16_t
count_ecmp(const struct rib_entry *e)
{
	uint16_t n = 0;

	for (const struct rib_path *p = e->paths; p != NULL; p = p->next) {
		if (n > 0 && !decide_ecmp(e->paths, p))
			break;
		if (n < UINT16_MAX)
			n++;
	}
	return n;
}

/* The best path and ECMP set as attribute pointers, for change checks. */
static bool
same_selection(const struct rib_entry *e, const struct rib_path *best,
    uint16_t necmp, const struct attrset *const *sel)
{
	const struct rib_path *p = e->paths;

	if (p != best || e->necmp != necmp)
		return false;
	for (uint16_t i = 0; i < necmp && p != NULL; i++, p = p->next) {
		if (p->attrs != sel[i])
			return false;
	}
	return true;
}

static void
unlink_path(struct rib_entry *e, struct rib_path *path)
{
	struct rib_path **pp;

	for (pp = &e->paths; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == path) {
			*pp = path->next;
			return;
		}
	}
	fatalx("%s: path not in its entry", __func__);
}

static void
insert_sorted(struct rib_entry *e, struct rib_path *path)
{
	struct rib_path **pp = &e->paths;

	while (*pp != NULL && decide_cmp(*pp, path) < 0)
		pp = &(*pp)->next;
	path->next = *pp;
	*pp = path;
}

/*
 * Apply `change` to e (insert, replace or remove a path), then queue e if
 * its best path or ECMP set changed.  Selections longer than 16 paths are
 * compared by their first 16 and the count.
 */
#define SEL_MAX	16

static void
reselect(struct rib *r, struct rib_entry *e, const struct rib_path *old_best,
    uint16_t old_necmp, const struct attrset *const *old_sel)
{
	uint16_t n = count_ecmp(e);

	if (!same_selection(e, old_best, n < SEL_MAX ? n : SEL_MAX, old_sel) ||
	    old_necmp != n || e->paths == NULL)
		mark_dirty(r, e);
	e->necmp = n;
}

static void
snapshot(const struct rib_entry *e, const struct rib_path **best,
    uint16_t *necmp, const struct attrset **sel)
{
	const struct rib_path *p = e->paths;

	*best = p;
	*necmp = e->necmp;
	for (int i = 0; i < SEL_MAX; i++) {
		sel[i] = p != NULL && i < e->necmp ? p->attrs : NULL;
		if (p != NULL)
			p = p->next;
	}
}

void
rib_update(struct rib *r, struct rib_peer *peer, const struct ip_prefix *p,
    struct attrset *attrs)
{
	const struct attrset *sel[SEL_MAX];
	const struct rib_path *old_best;
	struct rib_path *path = NULL;
	struct rib_entry *e;
	uint16_t old_necmp;
	uint64_t hv = addr_pfx_hash(p);

	e = hash_find(&r->entries, hv, entry_eq, p);
	if (e == NULL) {
		e = slab_alloc(&r->entry_slab);
		e->prefix = *p;
		addr_pfx_mask(&e->prefix);
		hash_insert(&r->entries, hv, e);
	}
	snapshot(e, &old_best, &old_necmp, sel);
	for (struct rib_path *q = e->paths; q != NULL; q = q->next) {
		if (q->peer == peer) {
			path = q;
			break;
		}
	}
	if (path != NULL) {
		/* Same attributes again (a refresh): nothing changes. */
		if (path->attrs == attrs && !(path->flags & RIB_PATH_STALE)) {
			attrset_unref(attrs);
			return;
		}
		if (path->flags & RIB_PATH_STALE)
			peer->nstale--;
		unlink_path(e, path);
		attrset_unref(path->attrs);
	} else {
		path = slab_alloc(&r->path_slab);
		path->peer = peer;
		peer->npaths++;
		r->npaths++;
	}
	path->attrs = attrs;
	path->flags = 0;
	insert_sorted(e, path);
	reselect(r, e, old_best, old_necmp, sel);
}

static void
remove_path(struct rib *r, struct rib_entry *e, struct rib_path *path)
{
	const struct attrset *sel[SEL_MAX];
	const struct rib_path *old_best;
	uint16_t old_necmp;

	snapshot(e, &old_best, &old_necmp, sel);
	unlink_path(e, path);
	path->peer->npaths--;
	if (path->flags & RIB_PATH_STALE)
		path->peer->nstale--;
	attrset_unref(path->attrs);
	slab_free(&r->path_slab, path);
	r->npaths--;
	reselect(r, e, old_best == path ? NULL : old_best, old_necmp, sel);
	rib_entry_done(r, e);
}

bool
rib_withdraw(struct rib *r, struct rib_peer *peer, const struct ip_prefix *p)
{
	struct rib_entry *e = rib_lookup(r, p);

	if (e == NULL)
		return false;
	for (struct rib_path *q = e->paths; q != NULL; q = q->next) {
		if (q->peer == peer) {
			remove_path(r, e, q);
			return true;
		}
	}
	return false;
}

enum walk_op {
	WALK_FLUSH,
	WALK_FLUSH_STALE,
	WALK_MARK_STALE,
};

/* One step of a walk over the table doing op to peer's path in each
 * entry, looking at up to max entries (0: all).  The walk resumes where
 * the last step stopped, or from the start if the table's slots moved
 * since.  True when it reached the end. */
static bool
peer_walk(struct rib *r, struct rib_peer *peer, size_t max,
    enum walk_op op)
{
	struct rib_entry *e;
	size_t n = 0;

	if (peer->walk_gen != r->entries.resizes) {
		peer->walk_gen = r->entries.resizes;
		peer->walk_it = 0;
	}
	while (max == 0 || n++ < max) {
		struct rib_path *q;

		e = hash_next(&r->entries, &peer->walk_it);
		if (e == NULL) {
			peer->walk_it = 0;
			return true;
		}
		for (q = e->paths; q != NULL && q->peer != peer; q = q->next)
			;
		if (q == NULL)
			continue;
		if (op == WALK_MARK_STALE) {
			if (!(q->flags & RIB_PATH_STALE)) {
				q->flags |= RIB_PATH_STALE;
				peer->nstale++;
			}
		} else if (op == WALK_FLUSH || (q->flags & RIB_PATH_STALE)) {
			/* Removing leaves the slots where they are. */
			remove_path(r, e, q);
		}
	}
	return false;
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
	peer->walk_it = 0;
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
	hash_shrink(&r->entries);
}

struct rib_entry *
rib_next(const struct rib *r, size_t *it)
{
	return hash_next(&r->entries, it);
}

void
rib_free(struct rib *r)
{
	size_t it = 0;
	struct rib_entry *e;

	while ((e = hash_next(&r->entries, &it)) != NULL) {
		struct rib_path *p = e->paths, *next;

		for (; p != NULL; p = next) {
			next = p->next;
			attrset_unref(p->attrs);
			slab_free(&r->path_slab, p);
		}
		slab_free(&r->entry_slab, e);
	}
	hash_free(&r->entries);
	slab_destroy(&r->entry_slab);
	slab_destroy(&r->path_slab);
	free(r->dq);
	memset(r, 0, sizeof(*r));
}
