/* adjout: see adjout.h. */
#include "adjout.h"

#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/xalloc.h"
#include "update.h"

/* An entry with ADD-PATH: one path of a prefix. */
struct xentry {
	struct adjout_entry e;		/* first */
	struct xentry *sib;		/* the prefix's next path */
	uint32_t src, src_id;		/* which path (adjout_want) */
};

#define X(e)	((struct xentry *)(e))

_Static_assert(sizeof(void *) != 8 || (sizeof(struct adjout_entry) == 48 &&
    sizeof(struct xentry) == 64), "adjout.h's sizes");

static bool
entry_eq(const void *e, const void *key)
{
	return addr_pfx_eq(&((const struct adjout_entry *)e)->prefix, key);
}

void
adjout_init(struct adjout *o)
{
	memset(o, 0, sizeof(*o));
	hash_init(&o->entries);
}

/* Free every entry (with ADD-PATH, every path of every prefix). */
static void
free_entries(struct adjout *o)
{
	size_t it = 0;
	struct adjout_entry *e, *next;

	while ((e = hash_next(&o->entries, &it)) != NULL) {
		for (; e != NULL; e = next) {
			next = o->addpath && X(e)->sib != NULL ?
			    &X(e)->sib->e : NULL;
			attrset_unref(e->sent);
			attrset_unref(e->want);
			free(e);
		}
	}
	hash_free(&o->entries);
	o->nentries = 0;
}

void
adjout_free(struct adjout *o)
{
	free_entries(o);
	free(o->scratch);
	memset(o, 0, sizeof(*o));
}

void
adjout_set_addpath(struct adjout *o, bool addpath)
{
	if (o->nentries != 0)
		fatalx("%s: not empty", __func__);
	o->addpath = addpath;
}

const struct adjout_entry *
adjout_next(const struct adjout *o, size_t *it,
    const struct adjout_entry *prev)
{
	if (prev != NULL && o->addpath && X(prev)->sib != NULL)
		return &X(prev)->sib->e;
	return hash_next(&o->entries, it);
}

static void
make_pending(struct adjout *o, struct adjout_entry *e)
{
	if (e->pending)
		return;
	e->pending = true;
	e->pnext = o->pending;
	o->pending = e;
	o->npending++;
}

void
adjout_set(struct adjout *o, const struct ip_prefix *p, struct attrset *attrs)
{
	uint64_t hv = addr_pfx_hash(p);
	struct adjout_entry *e;

	if (o->addpath)
		fatalx("%s: ADD-PATH peer", __func__);
	e = hash_find(&o->entries, hv, entry_eq, p);
	if (e == NULL) {
		if (attrs == NULL)
			return;		/* never sent, nothing to withdraw */
		e = xcalloc(1, sizeof(*e));
		e->prefix = *p;
		hash_insert(&o->entries, hv, e);
		o->nentries++;
	}
	attrset_unref(e->want);
	e->want = attrs;
	if (e->want != e->sent)
		make_pending(o, e);
}

static void
set_want(struct adjout *o, struct adjout_entry *e, struct attrset *attrs)
{
	attrset_unref(e->want);
	e->want = attrs;
	if (e->want != e->sent)
		make_pending(o, e);
}

static int
want_cmp(const void *a, const void *b)
{
	const struct adjout_want *x = a, *y = b;

	if (x->src != y->src)
		return x->src < y->src ? -1 : 1;
	return x->src_id < y->src_id ? -1 : x->src_id > y->src_id;
}

static int
xentry_cmp(const void *a, const void *b)
{
	const struct xentry *x = *(struct xentry *const *)a;
	const struct xentry *y = *(struct xentry *const *)b;

	if (x->src != y->src)
		return x->src < y->src ? -1 : 1;
	return x->src_id < y->src_id ? -1 : x->src_id > y->src_id;
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The lowest path id not in ids[0..m) (sorted here). */
static uint32_t
lowest_free(uint32_t *ids, size_t m)
{
	uint32_t id = 1;

	qsort(ids, m, sizeof(*ids), u32_cmp);
	for (size_t i = 0; i < m && ids[i] <= id; i++)
		if (ids[i] == id)
			id++;
	return id;
}

void
adjout_set_paths(struct adjout *o, const struct ip_prefix *p,
    struct adjout_want *v, size_t n)
{
	uint64_t hv = addr_pfx_hash(p);
	struct xentry *head, **have, *x;
	uint32_t *ids, top = 0;
	size_t m = 0, k, i = 0, j = 0;

	if (!o->addpath)
		fatalx("%s: no ADD-PATH", __func__);
	head = hash_find(&o->entries, hv, entry_eq, p);
	if (head == NULL && n == 0)
		return;
	/* What the prefix has (withdrawals still to go included), by
	 * source, and the path ids it uses. */
	for (x = head; x != NULL; x = x->sib)
		m++;
	o->scratch = xgrow(o->scratch, &o->scratch_cap, (m + n) *
	    (sizeof(*have) + sizeof(*ids)), 1);
	have = o->scratch;
	ids = (uint32_t *)(have + m);
	k = m = 0;
	for (x = head; x != NULL; x = x->sib) {
		have[m++] = x;
		ids[k++] = x->e.path_id;
		if (x->e.path_id > top)
			top = x->e.path_id;
	}
	qsort(have, m, sizeof(*have), xentry_cmp);
	qsort(v, n, sizeof(*v), want_cmp);
	while (i < n || j < m) {
		struct adjout_want key = { 0, 0, NULL };
		int c;

		if (j < m) {
			key.src = have[j]->src;
			key.src_id = have[j]->src_id;
		}
		c = i == n ? 1 : j == m ? -1 : want_cmp(&v[i], &key);
		if (c > 0) {
			set_want(o, &have[j++]->e, NULL);	/* gone */
			continue;
		}
		if (c == 0) {
			set_want(o, &have[j++]->e, v[i++].attrs);
			continue;
		}
		/* A new path: an id no path of the prefix has, not even
		 * one whose withdrawal is still to be sent. */
		x = xcalloc(1, sizeof(*x));
		x->e.prefix = *p;
		x->src = v[i].src;
		x->src_id = v[i].src_id;
		x->e.path_id = top < UINT32_MAX ? ++top : lowest_free(ids, k);
		ids[k++] = x->e.path_id;
		if (head == NULL) {
			head = x;
			hash_insert(&o->entries, hv, x);
		} else {
			x->sib = head->sib;
			head->sib = x;
		}
		o->nentries++;
		set_want(o, &x->e, v[i++].attrs);
	}
}

void
adjout_reset(struct adjout *o)
{
	free_entries(o);
	hash_init(&o->entries);
	o->pending = NULL;
	o->npending = 0;
	o->nsent = 0;
}

void
adjout_resend(struct adjout *o)
{
	size_t it = 0;
	struct adjout_entry *e = NULL;

	while ((e = (struct adjout_entry *)adjout_next(o, &it, e)) != NULL) {
		if (e->sent != NULL) {
			attrset_unref(e->sent);
			e->sent = NULL;
			o->nsent--;
			make_pending(o, e);
		}
	}
}

/* A group of pending prefixes that share an outgoing attribute set. */
struct group {
	struct attrset *attrs;	/* NULL: withdrawals */
	int	af;
	struct ip_prefix *pfx;
	uint32_t *ids;		/* their path ids (ADD-PATH) */
	struct adjout_entry **ents;
	size_t	n, cap;
};

struct group_key {
	const struct attrset *attrs;
	int	af;
};

static bool
group_eq(const void *g, const void *k)
{
	const struct group *x = g;
	const struct group_key *y = k;

	return x->attrs == y->attrs && x->af == y->af;
}

static uint64_t
group_hash(const struct group_key *k)
{
	return hash_mix((uint64_t)(uintptr_t)k->attrs, (uint64_t)k->af);
}

static struct group *
group_for(struct hash_table *t, struct attrset *attrs, int af)
{
	struct group_key k = { attrs, af };
	uint64_t hv = group_hash(&k);
	struct group *g = hash_find(t, hv, group_eq, &k);

	if (g == NULL) {
		g = xcalloc(1, sizeof(*g));
		g->attrs = attrs;
		g->af = af;
		hash_insert(t, hv, g);
	}
	return g;
}

static void
group_add(struct group *g, struct adjout_entry *e)
{
	size_t cap = g->cap, cap2 = g->cap;

	g->pfx = xgrow(g->pfx, &cap, g->n + 1, sizeof(*g->pfx));
	g->ids = xgrow(g->ids, &cap2, g->n + 1, sizeof(*g->ids));
	g->ents = xgrow(g->ents, &g->cap, g->n + 1, sizeof(*g->ents));
	g->pfx[g->n] = e->prefix;
	g->ids[g->n] = e->path_id;
	g->ents[g->n++] = e;
}

/* An entry goes: with ADD-PATH, out of its prefix's chain (its path id
 * is free again: the peer has its withdrawal). */
static void
drop_entry(struct adjout *o, struct adjout_entry *e)
{
	uint64_t hv = addr_pfx_hash(&e->prefix);
	struct xentry *head, *x;

	o->nentries--;
	if (!o->addpath) {
		hash_remove_entry(&o->entries, hv, e);
		free(e);
		return;
	}
	head = hash_find(&o->entries, hv, entry_eq, &e->prefix);
	if (head == X(e)) {
		hash_remove_entry(&o->entries, hv, head);
		if (head->sib != NULL)
			hash_insert(&o->entries, hv, head->sib);
	} else {
		for (x = head; x != NULL && x->sib != X(e); x = x->sib)
			;
		if (x == NULL)
			fatalx("%s: path not in its prefix", __func__);
		x->sib = X(e)->sib;
	}
	free(e);
}

/* The peer now has what we wanted it to have. */
static void
settle(struct adjout *o, struct adjout_entry *e)
{
	if (e->sent == NULL && e->want != NULL)
		o->nsent++;
	else if (e->sent != NULL && e->want == NULL)
		o->nsent--;
	attrset_unref(e->sent);
	e->sent = e->want != NULL ? attrset_ref(e->want) : NULL;
	e->pending = false;
	if (e->want == NULL)
		drop_entry(o, e);
}

/* One UPDATE from g starting at `from`; returns the prefixes it took. */
static size_t
encode_one(struct buf_wr *w, const struct group *g,
    const struct adjout_enc *enc, size_t from, bool addpath)
{
	struct bgp_attrs a;
	const struct ip_addr *nh, *ll;
	const uint32_t *ids = addpath ? g->ids + from : NULL;

	if (g->attrs == NULL)
		return update_encode_withdraw(w, enc->max_msg, enc->actx,
		    g->pfx + from, ids, g->n - from);
	attrset_view(g->attrs, &a);
	nh = g->attrs->nexthop.af != 0 ? &g->attrs->nexthop : &enc->nh;
	ll = g->attrs->nexthop_ll.af != 0 ? &g->attrs->nexthop_ll :
	    &enc->nh_ll;
	return update_encode_reach(w, enc->max_msg, enc->actx, &a, nh, ll,
	    g->pfx + from, ids, g->n - from);
}

/* Encode one group as far as the limit allows; the rest stays pending. */
static unsigned
flush_group(struct adjout *o, struct group *g, struct buf_wr *w,
    const struct adjout_enc *enc, bool *more)
{
	unsigned msgs = 0;
	size_t done = 0;

	while (done < g->n && w->len < enc->limit) {
		size_t k = encode_one(w, g, enc, done, o->addpath);

		if (k == 0)
			break;
		done += k;
		msgs++;
	}
	for (size_t i = 0; i < done; i++)
		settle(o, g->ents[i]);
	for (size_t i = done; i < g->n; i++) {
		struct adjout_entry *e = g->ents[i];

		/* Attributes too large for any message: withdraw instead
		 * of leaving the peer with an older path. */
		if (w->len < enc->limit && g->attrs != NULL) {
			attrset_unref(e->want);
			e->want = NULL;
		}
		e->pending = false;
		if (e->want != e->sent)
			make_pending(o, e);
		else
			settle(o, e);
		*more = true;
	}
	return msgs;
}

unsigned
adjout_flush(struct adjout *o, struct buf_wr *w,
    const struct adjout_enc *enc, bool *more)
{
	struct hash_table groups;
	struct adjout_entry *e, *next;
	struct group *g;
	unsigned msgs = 0;
	size_t it;

	*more = false;
	hash_init(&groups);
	for (e = o->pending; e != NULL; e = next) {
		next = e->pnext;
		group_add(group_for(&groups, e->want, e->prefix.addr.af), e);
	}
	o->pending = NULL;
	o->npending = 0;
	/* Withdrawals first, then announcements (RFC 7606 5.1 allows
	 * either order; this frees the peer's memory first). */
	for (int pass = 0; pass < 2; pass++) {
		it = 0;
		while ((g = hash_next(&groups, &it)) != NULL) {
			if ((pass == 0) == (g->attrs == NULL))
				msgs += flush_group(o, g, w, enc, more);
		}
	}
	it = 0;
	while ((g = hash_next(&groups, &it)) != NULL) {
		free(g->pfx);
		free(g->ids);
		free(g->ents);
		free(g);
	}
	hash_free(&groups);
	hash_shrink(&o->entries);
	return msgs;
}
