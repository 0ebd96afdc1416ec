/* ftab: see ftab.h. */
#include "ftab.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"
#include "lib/itab.h"
#include "lib/log.h"
#include "lib/slab.h"
#include "lib/xalloc.h"

/* A wanted set of next hops, interned (routes share a handful). */
struct wset {
	uint64_t hv;
	unsigned refs;
	uint32_t metric;
	uint8_t	type, n;
	struct fib_nh nh[];
};

struct fent {
	struct fib_slot slot;
	struct wset *want;	/* NULL: nothing wanted */
	struct ip_prefix pfx;
};

struct ftab {
	struct itab entries;	/* of fents by their slab references */
	struct slab fents;
	struct hash_table wsets;
	struct wset *last;	/* interned last: runs of one set */
};


static struct fent *
fent_of_slot(const struct fib_slot *s)
{
	return (struct fent *)((uint8_t *)s - offsetof(struct fent, slot));
}

/* A search: the prefix and the table. */
struct probe {
	const struct ftab *t;
	const struct ip_prefix *p;
};

static bool
fent_eq(const void *ctx, uint32_t ref)
{
	const struct probe *pr = ctx;
	const struct fent *e = slab_obj(&pr->t->fents, ref);

	return addr_pfx_eq(&e->pfx, pr->p);
}

struct ftab *
ftab_new(void)
{
	struct ftab *t = xcalloc(1, sizeof(*t));

	itab_init(&t->entries);
	slab_init(&t->fents, sizeof(struct fent));
	hash_init(&t->wsets);
	return t;
}

static void
wset_unref(struct ftab *t, struct wset *w)
{
	if (w == NULL || --w->refs > 0)
		return;
	if (t->last == w)
		t->last = NULL;
	hash_remove_entry(&t->wsets, w->hv, w);
	free(w);
}

void
ftab_free(struct ftab *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->entries.n; i++) {
		struct fent *e;

		if (t->entries.s[i].ref == 0)
			continue;
		e = slab_obj(&t->fents, t->entries.s[i].ref);
		wset_unref(t, e->want);
		slab_free(&t->fents, e);
	}
	itab_free(&t->entries);
	slab_destroy(&t->fents);
	hash_free(&t->wsets);
	free(t);
}

struct wkey {
	uint8_t	type, n;
	uint32_t metric;
	const struct fib_nh *nh;
};

static bool
wset_eq(const void *e, const void *k)
{
	const struct wset *w = e;
	const struct wkey *x = k;

	return w->type == x->type && w->n == x->n &&
	    w->metric == x->metric &&
	    memcmp(w->nh, x->nh, x->n * sizeof(*x->nh)) == 0;
}

static struct wset *
wset_intern(struct ftab *t, const struct fib_route *r)
{
	struct fib_nh nh[FIB_MAX_NH];
	size_t n = r->type == FIB_UNICAST ? r->nnh : 0;
	struct wkey k;
	struct wset *w;
	uint64_t hv;

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
	k.type = (uint8_t)r->type;
	k.n = (uint8_t)n;
	k.metric = r->metric;
	k.nh = nh;
	if ((w = t->last) != NULL && wset_eq(w, &k)) {
		w->refs++;
		return w;
	}
	hv = hash_mix(hash_mix(hash_bytes(nh, n * sizeof(nh[0])), k.type),
	    k.metric);
	if ((w = hash_find(&t->wsets, hv, wset_eq, &k)) == NULL) {
		w = xcalloc(1, sizeof(*w) + n * sizeof(nh[0]));
		w->hv = hv;
		w->type = k.type;
		w->metric = k.metric;
		w->n = k.n;
		memcpy(w->nh, nh, n * sizeof(nh[0]));
		hash_insert(&t->wsets, hv, w);
	}
	w->refs++;
	t->last = w;
	return w;
}

static struct fent *
fent_find(const struct ftab *t, const struct ip_prefix *p)
{
	struct probe pr = { t, p };
	uint32_t ref = itab_find(&t->entries, addr_pfx_hash(p), fent_eq,
	    &pr);

	return ref != 0 ? slab_obj(&t->fents, ref) : NULL;
}

static struct fent *
fent_get(struct ftab *t, const struct ip_prefix *p)
{
	struct probe pr = { t, p };
	uint64_t hv = addr_pfx_hash(p);
	uint32_t ref = itab_find(&t->entries, hv, fent_eq, &pr);
	struct fent *e;

	if (ref != 0)
		return slab_obj(&t->fents, ref);
	e = slab_alloc(&t->fents);
	e->pfx = *p;
	itab_insert(&t->entries, hv, slab_ref(&t->fents, e));
	return e;
}

static void
fent_maybe_free(struct ftab *t, struct fent *e)
{
	static const struct fib_slot zero;

	if (e->want != NULL || memcmp(&e->slot, &zero, sizeof(zero)) != 0)
		return;
	itab_remove(&t->entries, addr_pfx_hash(&e->pfx),
	    slab_ref(&t->fents, e));
	slab_free(&t->fents, e);
}

struct fib_slot *
ftab_want(struct ftab *t, const struct ip_prefix *p,
    const struct fib_route *r)
{
	struct fent *e;
	struct wset *w;

	if (r == NULL) {
		if ((e = fent_find(t, p)) == NULL || e->want == NULL)
			return NULL;
		wset_unref(t, e->want);
		e->want = NULL;
		return &e->slot;
	}
	w = wset_intern(t, r);
	e = fent_get(t, p);
	if (e->want == w) {
		wset_unref(t, w);
		return NULL;
	}
	wset_unref(t, e->want);
	e->want = w;
	return &e->slot;
}

/* ---- the owner calls ---- */

static struct fib_slot *
o_slot(void *arg, const struct ip_prefix *p, bool make)
{
	struct fent *e = make ? fent_get(arg, p) : fent_find(arg, p);

	return e != NULL ? &e->slot : NULL;
}

static void
o_prefix(void *arg, const struct fib_slot *s, struct ip_prefix *p)
{
	*p = fent_of_slot(s)->pfx;
}

static bool
o_want(void *arg, const struct fib_slot *s, struct fib_route *r)
{
	const struct fent *e = fent_of_slot(s);
	const struct wset *w = e->want;

	memset(r, 0, sizeof(*r));
	r->pfx = e->pfx;
	if (w == NULL)
		return false;
	r->type = (enum fib_type)w->type;
	r->metric = w->metric;
	r->nnh = w->n;
	memcpy(r->nh, w->nh, w->n * sizeof(w->nh[0]));
	return true;
}

static void
o_release(void *arg, struct fib_slot *s)
{
	fent_maybe_free(arg, fent_of_slot(s));
}

/* it: the index's slot. */
static struct fib_slot *
o_next(void *arg, size_t *it)
{
	const struct ftab *t = arg;
	uint32_t ref = itab_next(&t->entries, it);

	return ref != 0 ? &((struct fent *)slab_obj(&t->fents, ref))->slot :
	    NULL;
}

void
ftab_owner(struct ftab *t, struct fib_owner *o)
{
	memset(o, 0, sizeof(*o));
	o->slot = o_slot;
	o->prefix = o_prefix;
	o->want = o_want;
	o->release = o_release;
	o->next = o_next;
	o->arg = t;
}
