/* adjout: see adjout.h. */
#include "adjout.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "update.h"

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

void
adjout_free(struct adjout *o)
{
	size_t it = 0;
	struct adjout_entry *e;

	while ((e = hash_next(&o->entries, &it)) != NULL) {
		attrset_unref(e->sent);
		attrset_unref(e->want);
		free(e);
	}
	hash_free(&o->entries);
	memset(o, 0, sizeof(*o));
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
	struct adjout_entry *e = hash_find(&o->entries, hv, entry_eq, p);

	if (e == NULL) {
		if (attrs == NULL)
			return;		/* never sent, nothing to withdraw */
		e = xcalloc(1, sizeof(*e));
		e->prefix = *p;
		hash_insert(&o->entries, hv, e);
	}
	attrset_unref(e->want);
	e->want = attrs;
	if (e->want != e->sent)
		make_pending(o, e);
}

void
adjout_reset(struct adjout *o)
{
	size_t it = 0;
	struct adjout_entry *e;

	while ((e = hash_next(&o->entries, &it)) != NULL) {
		attrset_unref(e->sent);
		attrset_unref(e->want);
		free(e);
	}
	hash_free(&o->entries);
	hash_init(&o->entries);
	o->pending = NULL;
	o->npending = 0;
	o->nsent = 0;
}

void
adjout_resend(struct adjout *o)
{
	size_t it = 0;
	struct adjout_entry *e;

	while ((e = hash_next(&o->entries, &it)) != NULL) {
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
	size_t cap = g->cap;

	g->pfx = xgrow(g->pfx, &cap, g->n + 1, sizeof(*g->pfx));
	g->ents = xgrow(g->ents, &g->cap, g->n + 1, sizeof(*g->ents));
	g->pfx[g->n] = e->prefix;
	g->ents[g->n++] = e;
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
	if (e->want == NULL) {
		hash_remove_entry(&o->entries, addr_pfx_hash(&e->prefix), e);
		free(e);
	}
}

/* One UPDATE from g starting at `from`; returns the prefixes it took. */
static size_t
encode_one(struct buf_wr *w, const struct group *g,
    const struct adjout_enc *enc, size_t from)
{
	struct bgp_attrs a;
	const struct ip_addr *nh, *ll;

	if (g->attrs == NULL)
		return update_encode_withdraw(w, enc->max_msg, enc->actx,
		    g->pfx + from, NULL, g->n - from);
	attrset_view(g->attrs, &a);
	nh = g->attrs->nexthop.af != 0 ? &g->attrs->nexthop : &enc->nh;
	ll = g->attrs->nexthop_ll.af != 0 ? &g->attrs->nexthop_ll :
	    &enc->nh_ll;
	return update_encode_reach(w, enc->max_msg, enc->actx, &a, nh, ll,
	    g->pfx + from, NULL, g->n - from);
}

/* Encode one group as far as the limit allows; the rest stays pending. */
static unsigned
flush_group(struct adjout *o, struct group *g, struct buf_wr *w,
    const struct adjout_enc *enc, bool *more)
{
	unsigned msgs = 0;
	size_t done = 0;

	while (done < g->n && w->len < enc->limit) {
		size_t k = encode_one(w, g, enc, done);

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
		free(g->ents);
		free(g);
	}
	hash_free(&groups);
	hash_shrink(&o->entries);
	return msgs;
}
