/*
 * adjout: see adjout.h.
 *
 * The list is sorted by seq: an entry that changes gets the next seq and
 * goes to the tail.  A cohort's seq is that of the last entry it passed,
 * so an entry is still to go to a cohort exactly when its seq is above
 * the cohort's.  Cohorts are kept in list order (cprev/cnext); the first
 * one decides what may be freed: nothing before its marker is a
 * withdrawal (each is freed as the first cohort passes it whole).
 *
 * An entry is "sent" once some cohort passed it: before that no member
 * holds anything of it, so its withdrawal is simply dropped (and its
 * path id is free again at once).  An entry is "fresh" while every
 * announcement it carried was of its src's path: the member whose src it
 * is then never got it and needs no withdrawal.
 */
#include "adjout.h"

#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/xalloc.h"
#include "update.h"

/* What a cohort is sent at once: about CHUNK_BYTES of UPDATEs (an
 * attribute set counted as ATTRS_EST), at most CHUNK_MAX entries. */
#define CHUNK_BYTES	(64u << 10)
#define CHUNK_MAX	16384
#define ATTRS_EST	64

struct adjout_cohort {
	struct adjout_node node;	/* first: its marker */
	uint64_t seq;		/* entries of seq <= this are behind it */
	struct adjout_member *members;
	size_t	n;
	struct adjout_cohort *cprev, *cnext;	/* in list order */
};

/* An entry with ADD-PATH: one path of a prefix. */
struct xentry {
	struct adjout_entry e;		/* first */
	struct xentry *sib;		/* the prefix's next path */
	uint32_t src_id;		/* the path id it came with */
};

#define X(e)	((struct xentry *)(e))
#define NBYID	(sizeof(((struct adjout *)0)->byid) / \
	    sizeof(((struct adjout *)0)->byid[0]))

_Static_assert(sizeof(void *) != 8 || (sizeof(struct adjout_entry) <= 72 &&
    sizeof(struct xentry) <= 88), "adjout.h's sizes");

/* One encoding: the entries of a chunk that share attributes, family
 * and the member they must not go to (echo). */
struct egroup {
	struct attrset *attrs;	/* NULL: withdrawals */
	int	af;
	struct adjout_member *echo;
	struct ip_prefix *pfx;
	uint32_t *ids;
	struct adjout_entry **ents;
	size_t	n, cap;
	size_t	off, len;	/* its messages in the chunk's buffer */
	unsigned msgs;
	struct egroup *next;	/* in encoding order */
};

struct egroup_key {
	const struct attrset *attrs;
	int	af;
	const struct adjout_member *echo;
};

struct adjout_flushbuf {
	struct buf_wr w;		/* the chunk's messages */
	struct adjout_entry *ents[CHUNK_MAX];
	struct ip_prefix owed[CHUNK_MAX];
};

static bool
entry_eq(const void *e, const void *key)
{
	return addr_pfx_eq(&((const struct adjout_entry *)e)->prefix, key);
}

/* ---- the list ---- */

static void
list_unlink(struct adjout *o, struct adjout_node *n)
{
	if (n->prev != NULL)
		n->prev->next = n->next;
	else
		o->head = n->next;
	if (n->next != NULL)
		n->next->prev = n->prev;
	else
		o->tail = n->prev;
	n->prev = n->next = NULL;
}

static void
list_append(struct adjout *o, struct adjout_node *n)
{
	n->next = NULL;
	n->prev = o->tail;
	if (o->tail != NULL)
		o->tail->next = n;
	else
		o->head = n;
	o->tail = n;
}

static void
list_push(struct adjout *o, struct adjout_node *n)
{
	n->prev = NULL;
	n->next = o->head;
	if (o->head != NULL)
		o->head->prev = n;
	else
		o->tail = n;
	o->head = n;
}

static void
list_insert_after(struct adjout *o, struct adjout_node *at,
    struct adjout_node *n)
{
	n->prev = at;
	n->next = at->next;
	if (at->next != NULL)
		at->next->prev = n;
	else
		o->tail = n;
	at->next = n;
}

/* ---- members by src ---- */

static struct adjout_member *
member_of(const struct adjout *o, uint32_t src)
{
	if (src == 0 || o->nmembers == 0)
		return NULL;
	for (struct adjout_member *m = o->byid[src % NBYID]; m != NULL;
	    m = m->hnext)
		if (m->src == src)
			return m;
	return NULL;
}

static void
byid_remove(struct adjout *o, struct adjout_member *m)
{
	struct adjout_member **pp = &o->byid[m->src % NBYID];

	if (m->src == 0)
		return;
	while (*pp != NULL && *pp != m)
		pp = &(*pp)->hnext;
	if (*pp != NULL)
		*pp = m->hnext;
	m->hnext = NULL;
}

/* ---- entries ---- */

void
adjout_init(struct adjout *o, bool addpath, const struct adjout_enc *enc)
{
	memset(o, 0, sizeof(*o));
	hash_init(&o->entries);
	o->addpath = addpath;
	if (enc != NULL)
		o->enc = *enc;
}

static void
free_entry(struct adjout *o, struct adjout_entry *e)
{
	uint64_t hv = addr_pfx_hash(&e->prefix);
	struct xentry *head, *x;

	list_unlink(o, &e->node);
	o->nentries--;
	if (e->want != NULL)
		fatalx("%s: entry still wanted", __func__);
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

void
adjout_free(struct adjout *o)
{
	struct adjout_node *n, *next;

	if (o->nmembers != 0)
		fatalx("%s: %zu members left", __func__, o->nmembers);
	for (n = o->head; n != NULL; n = next) {
		next = n->next;
		if (n->kind == ADJOUT_ENTRY) {
			attrset_unref(((struct adjout_entry *)n)->want);
			free(n);
		} else
			free(n);
	}
	hash_free(&o->entries);
	free(o->scratch);
	if (o->fb != NULL) {
		buf_wr_free(&o->fb->w);
		free(o->fb);
	}
	memset(o, 0, sizeof(*o));
}

/* The entry's want becomes attrs (a reference, handed over), a path of
 * src: a change goes to the tail, to be sent to every member. */
static void
set_want(struct adjout *o, struct adjout_entry *e, uint32_t src,
    struct attrset *attrs)
{
	struct adjout_member *m;

	if (attrs == e->want && (attrs == NULL || src == e->src)) {
		attrset_unref(attrs);
		return;
	}
	if (e->want != NULL) {
		o->nwant--;
		if ((m = member_of(o, e->src)) != NULL)
			m->nown--;
	}
	if (attrs != NULL) {
		o->nwant++;
		if (src != e->src)
			e->fresh = false;
		e->src = src;
		if ((m = member_of(o, src)) != NULL)
			m->nown++;
	}
	attrset_unref(e->want);
	e->want = attrs;
	if (!e->mark) {
		/* Never passed by a cohort: no member has any of it, and
		 * every cohort is still before it. */
		if (attrs == NULL)
			free_entry(o, e);
		return;
	}
	list_unlink(o, &e->node);
	e->seq = ++o->seq;
	list_append(o, &e->node);
}

static void
new_entry(struct adjout *o, struct adjout_entry *e, const struct ip_prefix *p,
    uint32_t src)
{
	e->node.kind = ADJOUT_ENTRY;
	e->prefix = *p;
	e->fresh = true;
	e->src = src;
	e->seq = ++o->seq;
	list_append(o, &e->node);
	o->nentries++;
}

void
adjout_set(struct adjout *o, const struct ip_prefix *p, uint32_t src,
    struct attrset *attrs)
{
	uint64_t hv;
	struct adjout_entry *e;

	if (o->addpath)
		fatalx("%s: ADD-PATH group", __func__);
	/* A prefix the group never had needs nothing (the common case of
	 * a peer that gets none of what it sends us: no hashing). */
	if (attrs == NULL && o->nentries == 0)
		return;
	hv = addr_pfx_hash(p);
	e = hash_find(&o->entries, hv, entry_eq, p);
	if (e == NULL) {
		if (attrs == NULL)
			return;		/* never sent, nothing to withdraw */
		e = xcalloc(1, sizeof(*e));
		new_entry(o, e, p, src);
		hash_insert(&o->entries, hv, e);
	}
	set_want(o, e, src, attrs);
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

	if (x->e.src != y->e.src)
		return x->e.src < y->e.src ? -1 : 1;
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
	if (n == 0 && o->nentries == 0)
		return;
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
			key.src = have[j]->e.src;
			key.src_id = have[j]->src_id;
		}
		c = i == n ? 1 : j == m ? -1 : want_cmp(&v[i], &key);
		if (c > 0) {
			/* Gone (and maybe freed: have[] is not used
			 * again). */
			x = have[j++];
			set_want(o, &x->e, x->e.src, NULL);
			continue;
		}
		if (c == 0) {
			x = have[j++];
			set_want(o, &x->e, x->e.src, v[i++].attrs);
			continue;
		}
		/* A new path: an id no path of the prefix has, not even
		 * one whose withdrawal is still to be sent. */
		x = xcalloc(1, sizeof(*x));
		x->src_id = v[i].src_id;
		x->e.path_id = top < UINT32_MAX ? ++top : lowest_free(ids, k);
		ids[k++] = x->e.path_id;
		new_entry(o, &x->e, p, v[i].src);
		head = hash_find(&o->entries, hv, entry_eq, p);
		if (head == NULL) {
			hash_insert(&o->entries, hv, x);
		} else {
			x->sib = head->sib;
			head->sib = x;
		}
		set_want(o, &x->e, v[i].src, v[i].attrs);
		i++;
	}
}

const struct adjout_entry *
adjout_find(const struct adjout *o, const struct ip_prefix *p,
    uint32_t path_id)
{
	struct xentry *x;

	if (o->nentries == 0)
		return NULL;
	x = hash_find(&o->entries, addr_pfx_hash(p), entry_eq, p);
	if (x == NULL || !o->addpath)
		return x != NULL ? &x->e : NULL;
	for (; x != NULL && x->e.path_id != path_id; x = x->sib)
		;
	return x != NULL ? &x->e : NULL;
}

const struct adjout_entry *
adjout_next(const struct adjout *o, size_t *it,
    const struct adjout_entry *prev)
{
	if (prev != NULL && o->addpath && X(prev)->sib != NULL)
		return &X(prev)->sib->e;
	return hash_next(&o->entries, it);
}

/* ---- members and cohorts ---- */

static bool
is_own(const struct adjout_member *m, const struct adjout_entry *e)
{
	return m->src != 0 && e->src == m->src;
}

const struct adjout_entry *
adjout_member_next(const struct adjout_member *m, size_t *it,
    const struct adjout_entry *prev, bool *pending)
{
	const struct adjout_entry *e = prev;

	if (m->group == NULL)
		return NULL;
	while ((e = adjout_next(m->group, it, e)) != NULL) {
		if (e->want == NULL || is_own(m, e))
			continue;
		if (pending != NULL)
			*pending = e->seq > m->cohort->seq;
		return e;
	}
	return NULL;
}

struct adjout_member *
adjout_any(const struct adjout *o, const struct adjout_member *not)
{
	for (struct adjout_cohort *c = o->cohorts; c != NULL; c = c->cnext)
		for (struct adjout_member *m = c->members; m != NULL;
		    m = m->next)
			if (m != not)
				return m;
	return NULL;
}

bool
adjout_pending(const struct adjout_member *m)
{
	if (m->group == NULL)
		return false;
	for (const struct adjout_node *n = m->cohort->node.next; n != NULL;
	    n = n->next)
		if (n->kind == ADJOUT_ENTRY)
			return true;
	return false;
}

size_t
adjout_member_count(const struct adjout_member *m)
{
	return m->group != NULL ? m->group->nwant - m->nown : 0;
}

static struct adjout_cohort *
cohort_new(void)
{
	struct adjout_cohort *c = xcalloc(1, sizeof(*c));

	c->node.kind = ADJOUT_MARKER;
	return c;
}

static void
cohort_add(struct adjout_cohort *c, struct adjout_member *m)
{
	m->cohort = c;
	m->prev = NULL;
	m->next = c->members;
	if (c->members != NULL)
		c->members->prev = m;
	c->members = m;
	c->n++;
}

static void
cohort_del(struct adjout_cohort *c, struct adjout_member *m)
{
	if (m->prev != NULL)
		m->prev->next = m->next;
	else
		c->members = m->next;
	if (m->next != NULL)
		m->next->prev = m->prev;
	m->prev = m->next = NULL;
	m->cohort = NULL;
	c->n--;
}

/* Free the withdrawals from n on up to the next marker: every member is
 * past them. */
static void
collect(struct adjout *o, struct adjout_node *n)
{
	struct adjout_node *next;

	for (; n != NULL && n->kind == ADJOUT_ENTRY; n = next) {
		struct adjout_entry *e = (struct adjout_entry *)n;

		next = n->next;
		e->mark = 1;
		if (e->want == NULL)
			free_entry(o, e);
	}
}

/* An empty cohort goes; if it was the first, what only it still had to
 * get is everyone's now. */
static void
cohort_drop(struct adjout *o, struct adjout_cohort *c)
{
	struct adjout_node *after = c->node.next;
	bool first = c->cprev == NULL;

	if (c->cprev != NULL)
		c->cprev->cnext = c->cnext;
	else
		o->cohorts = c->cnext;
	if (c->cnext != NULL)
		c->cnext->cprev = c->cprev;
	list_unlink(o, &c->node);
	free(c);
	if (o->cohorts == NULL) {
		/* No member: nobody holds anything. */
		struct adjout_node *n, *next;

		for (n = o->head; n != NULL; n = next) {
			struct adjout_entry *e = (struct adjout_entry *)n;

			next = n->next;
			e->mark = 0;
			if (e->want == NULL)
				free_entry(o, e);
		}
	} else if (first)
		collect(o, after);
	hash_shrink(&o->entries);
}

/* m goes to the head, into the cohort there (a new one if none). */
static void
to_head(struct adjout *o, struct adjout_member *m)
{
	struct adjout_cohort *c;

	if (o->head != NULL && o->head->kind == ADJOUT_MARKER) {
		cohort_add((struct adjout_cohort *)o->head, m);
		return;
	}
	c = cohort_new();
	list_push(o, &c->node);
	c->cnext = o->cohorts;
	if (o->cohorts != NULL)
		o->cohorts->cprev = c;
	o->cohorts = c;
	cohort_add(c, m);
}

void
adjout_join(struct adjout *o, struct adjout_member *m, uint32_t src,
    void *ctx)
{
	if (m->group != NULL)
		adjout_leave(m);
	memset(m, 0, sizeof(*m));
	m->group = o;
	m->src = src;
	m->ctx = ctx;
	if (src != 0) {
		m->hnext = o->byid[src % NBYID];
		o->byid[src % NBYID] = m;
		for (struct adjout_node *n = o->head; n != NULL; n = n->next)
			if (n->kind == ADJOUT_ENTRY && is_own(m,
			    (struct adjout_entry *)n) &&
			    ((struct adjout_entry *)n)->want != NULL)
				m->nown++;
	}
	o->nmembers++;
	to_head(o, m);
}

void
adjout_leave(struct adjout_member *m)
{
	struct adjout *o = m->group;
	struct adjout_cohort *c = m->cohort;

	if (o == NULL)
		return;
	cohort_del(c, m);
	byid_remove(o, m);
	o->nmembers--;
	if (c->n == 0)
		cohort_drop(o, c);
	m->group = NULL;
	m->nown = 0;
}

void
adjout_rewind(struct adjout_member *m)
{
	struct adjout_cohort *c = m->cohort;

	if (m->group == NULL || m->group->head == &c->node)
		return;
	/* Into the head first: nothing may be freed that m is to get
	 * again (a withdrawal it has not had yet). */
	cohort_del(c, m);
	to_head(m->group, m);
	if (c->n == 0)
		cohort_drop(m->group, c);
}

/* ---- flushing ---- */

static bool
egroup_eq(const void *g, const void *k)
{
	const struct egroup *x = g;
	const struct egroup_key *y = k;

	return x->attrs == y->attrs && x->af == y->af && x->echo == y->echo;
}

static uint64_t
egroup_hash(const struct egroup_key *k)
{
	return hash_mix(hash_mix((uint64_t)(uintptr_t)k->attrs,
	    (uint64_t)k->af), (uint64_t)(uintptr_t)k->echo);
}

static struct egroup *
egroup_for(struct hash_table *t, struct egroup **list,
    struct attrset *attrs, int af, struct adjout_member *echo)
{
	struct egroup_key k = { attrs, af, echo };
	uint64_t hv = egroup_hash(&k);
	struct egroup *g = hash_find(t, hv, egroup_eq, &k);

	if (g == NULL) {
		g = xcalloc(1, sizeof(*g));
		g->attrs = attrs;
		g->af = af;
		g->echo = echo;
		hash_insert(t, hv, g);
		g->next = *list;
		*list = g;
	}
	return g;
}

static void
egroup_add(struct egroup *g, struct adjout_entry *e)
{
	size_t cap = g->cap, cap2 = g->cap;

	g->pfx = xgrow(g->pfx, &cap, g->n + 1, sizeof(*g->pfx));
	g->ids = xgrow(g->ids, &cap2, g->n + 1, sizeof(*g->ids));
	g->ents = xgrow(g->ents, &g->cap, g->n + 1, sizeof(*g->ents));
	g->pfx[g->n] = e->prefix;
	g->ids[g->n] = e->path_id;
	g->ents[g->n++] = e;
}

size_t
adjout_encode_withdraw(const struct adjout *o, struct buf_wr *w,
    const struct ip_prefix *p, const uint32_t *ids, size_t n)
{
	return update_encode_withdraw(w, o->enc.max_msg, &o->enc.actx, p,
	    o->addpath ? ids : NULL, n);
}

/* One UPDATE from g starting at `from`; returns the prefixes it took. */
static size_t
encode_one(const struct adjout *o, struct buf_wr *w, const struct egroup *g,
    size_t from)
{
	struct bgp_attrs a;
	const struct ip_addr *nh, *ll;

	if (g->attrs == NULL)
		return adjout_encode_withdraw(o, w, g->pfx + from,
		    g->ids + from, g->n - from);
	attrset_view(g->attrs, &a);
	nh = g->attrs->nexthop.af != 0 ? &g->attrs->nexthop : &o->enc.nh;
	ll = g->attrs->nexthop_ll.af != 0 ? &g->attrs->nexthop_ll :
	    &o->enc.nh_ll;
	return update_encode_reach(w, o->enc.max_msg, &o->enc.actx, &a, nh,
	    ll, g->pfx + from, o->addpath ? g->ids + from : NULL,
	    g->n - from);
}

/* Encode g into w; what cannot be encoded at all (attributes too large
 * for any message) is withdrawn instead, for every member, rather than
 * leave them with an older path.  Returns the messages. */
static unsigned
encode_group(struct adjout *o, struct buf_wr *w, struct egroup *g)
{
	unsigned msgs = 0;
	size_t done = 0, k;

	while (done < g->n && (k = encode_one(o, w, g, done)) > 0) {
		done += k;
		msgs++;
	}
	if (done == g->n)
		return msgs;
	for (size_t i = done; i < g->n; i++) {
		struct adjout_entry *e = g->ents[i];
		struct adjout_member *m = member_of(o, e->src);

		o->nwant--;
		if (m != NULL)
			m->nown--;
		attrset_unref(e->want);
		e->want = NULL;
	}
	while (done < g->n && (k = adjout_encode_withdraw(o, w, g->pfx + done,
	    g->ids + done, g->n - done)) > 0) {
		done += k;
		msgs++;
	}
	return msgs;
}

/* Encode the chunk ents[0..n): withdrawals first, then announcements
 * (RFC 7606 5.1 allows either order; this frees the peers' memory
 * first).  The groups come back in *list with their bytes in fb->w;
 * echo members get o->stamp. */
static unsigned
encode_chunk(struct adjout *o, const struct adjout_cohort *c,
    struct adjout_entry **ents, size_t n, struct egroup **list)
{
	struct buf_wr *w = &o->fb->w;
	struct hash_table t;
	struct egroup *g, *wd = NULL, *an = NULL, **tail;
	unsigned msgs = 0;

	hash_init(&t);
	for (size_t i = 0; i < n; i++) {
		struct adjout_entry *e = ents[i];
		struct adjout_member *echo = member_of(o, e->src);

		/* A withdrawal goes to the path's own peer too unless it
		 * never had anything of the entry. */
		if ((e->want == NULL && !e->fresh) ||
		    (echo != NULL && echo->cohort != c))
			echo = NULL;
		if (echo != NULL)
			echo->stamp = o->stamp;
		g = egroup_for(&t, e->want == NULL ? &wd : &an, e->want,
		    e->prefix.addr.af, echo);
		egroup_add(g, e);
	}
	hash_free(&t);
	/* Withdrawals, then announcements, each in the order met. */
	*list = NULL;
	tail = list;
	for (int pass = 0; pass < 2; pass++) {
		struct egroup *rev = NULL, *next;

		for (g = pass == 0 ? wd : an; g != NULL; g = next) {
			next = g->next;
			g->next = rev;
			rev = g;
		}
		for (g = rev; g != NULL; g = g->next) {
			*tail = g;
			tail = &g->next;
		}
	}
	buf_wr_reset(w);
	for (g = *list; g != NULL; g = g->next) {
		g->off = w->len;
		g->msgs = encode_group(o, w, g);
		g->len = w->len - g->off;
		msgs += g->msgs;
	}
	return msgs;
}

static void
free_egroups(struct egroup *g)
{
	struct egroup *next;

	for (; g != NULL; g = next) {
		next = g->next;
		free(g->pfx);
		free(g->ids);
		free(g->ents);
		free(g);
	}
}

/* The chunk for member m: everything, or (if some of it is m's own
 * paths) everything else and a withdrawal where m may hold another
 * path of the prefix.  Returns the messages added. */
static unsigned
deliver(struct adjout *o, struct adjout_member *m, struct egroup *list,
    unsigned msgs)
{
	struct buf_wr *w = m->w;
	struct ip_prefix *owed = o->fb->owed;
	size_t nowed = 0, done = 0, k;
	unsigned n = 0;

	if (m->stamp != o->stamp) {
		buf_put_bytes(w, o->fb->w.data, o->fb->w.len);
		return msgs;
	}
	for (struct egroup *g = list; g != NULL; g = g->next) {
		if (g->echo != m) {
			buf_put_bytes(w, o->fb->w.data + g->off, g->len);
			n += g->msgs;
			continue;
		}
		for (size_t i = 0; i < g->n && g->attrs != NULL; i++)
			if (!g->ents[i]->fresh)
				owed[nowed++] = g->pfx[i];
	}
	/* No ADD-PATH here: an ADD-PATH entry is one source's only. */
	while (done < nowed && (k = adjout_encode_withdraw(o, w, owed + done,
	    NULL, nowed - done)) > 0) {
		done += k;
		n++;
	}
	return n;
}

/* Split the members without output (m->w NULL) off c into a cohort of
 * their own at c's place, just before it; c keeps the others. */
static void
split(struct adjout *o, struct adjout_cohort *c)
{
	struct adjout_cohort *d = cohort_new();
	struct adjout_member *m, *next;

	d->seq = c->seq;
	for (m = c->members; m != NULL; m = next) {
		next = m->next;
		if (m->w == NULL) {
			cohort_del(c, m);
			cohort_add(d, m);
		}
	}
	/* d before c, on the list and in cohort order. */
	if (c->node.prev != NULL)
		list_insert_after(o, c->node.prev, &d->node);
	else
		list_push(o, &d->node);
	d->cprev = c->cprev;
	d->cnext = c;
	if (c->cprev != NULL)
		c->cprev->cnext = d;
	else
		o->cohorts = d;
	c->cprev = d;
}

/* c's members all join d, the cohort right after it. */
static void
merge(struct adjout *o, struct adjout_cohort *c, struct adjout_cohort *d)
{
	struct adjout_member *m;

	while ((m = c->members) != NULL) {
		cohort_del(c, m);
		cohort_add(d, m);
	}
	if (c->seq > d->seq)
		d->seq = c->seq;
	cohort_drop(o, c);
}

/*
 * Move c on as far as its members can take and the budget allows.
 * Returns the cohort to look at next (in list order); *more is set when
 * c stopped on the budget.
 */
static struct adjout_cohort *
cohort_step(struct adjout *o, struct adjout_cohort *c,
    const struct adjout_sink *s, size_t *budget, bool *more)
{
	struct adjout_entry **ents = o->fb->ents;

	for (;;) {
		struct adjout_node *n = c->node.next, *last = NULL;
		struct adjout_member *m, *next;
		struct egroup *list;
		size_t nents = 0, nready = 0, est = 0;
		unsigned msgs;
		bool first;

		if (n == NULL)
			return c->cnext;
		if (n->kind == ADJOUT_MARKER) {
			struct adjout_cohort *d = (struct adjout_cohort *)n;

			merge(o, c, d);
			return d;
		}
		if (*budget == 0) {
			*more = true;
			return NULL;
		}
		for (; n != NULL && n->kind == ADJOUT_ENTRY &&
		    nents < CHUNK_MAX && est < CHUNK_BYTES; n = n->next) {
			struct adjout_entry *e = (struct adjout_entry *)n;

			bool newset = nents == 0 ||
			    e->want != ents[nents - 1]->want;

			est += 1 + (e->prefix.len + 7u) / 8 +
			    (o->addpath ? 4 : 0) + (newset ? ATTRS_EST : 0);
			ents[nents++] = e;
			last = n;
		}
		o->stamp++;
		msgs = encode_chunk(o, c, ents, nents, &list);
		/* Who takes it: members with room, while the budget lasts
		 * (at least one, so that the group moves). */
		for (m = c->members; m != NULL; m = m->next) {
			m->w = NULL;
			if (nready > 0 && o->fb->w.len > *budget)
				continue;
			m->w = s->out(s->arg, m);
			if (m->w == NULL)
				continue;
			nready++;
			*budget = *budget > o->fb->w.len ? *budget -
			    o->fb->w.len : 0;
		}
		if (nready == 0) {
			free_egroups(list);
			return c->cnext;
		}
		if (nready < c->n)
			split(o, c);
		first = c->cprev == NULL;
		for (m = c->members; m != NULL; m = next) {
			next = m->next;
			s->sent(s->arg, m, deliver(o, m, list, msgs));
		}
		free_egroups(list);
		/* Past the chunk. */
		list_unlink(o, &c->node);
		list_insert_after(o, last, &c->node);
		c->seq = ((struct adjout_entry *)last)->seq;
		for (size_t i = 0; i < nents; i++) {
			ents[i]->mark = 1;
			if (first && ents[i]->want == NULL)
				free_entry(o, ents[i]);
		}
		if (first)
			hash_shrink(&o->entries);
	}
}

bool
adjout_flush(struct adjout *o, const struct adjout_sink *s, size_t *budget)
{
	struct adjout_cohort *c = o->cohorts;
	bool more = false;

	if (o->fb == NULL) {
		o->fb = xcalloc(1, sizeof(*o->fb));
		buf_wr_init(&o->fb->w, 0);
	}
	while (c != NULL)
		c = cohort_step(o, c, s, budget, &more);
	/* A large chunk's encoding is not kept. */
	if (o->fb->w.cap > (64u << 10)) {
		buf_wr_free(&o->fb->w);
		buf_wr_init(&o->fb->w, 0);
	}
	return more;
}
