/*
 * attrset: see attrset.h.  The key of a set is its fixed fields and its
 * data bytes; both are compared on lookup, so a hash collision can never
 * merge different sets.
 */
#include "attrset.h"

#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"
#include "lib/itab.h"
#include "lib/log.h"
#include "lib/xalloc.h"

/* The part of struct attrset that is key, from `present` to the end. */
#define KEY_START	offsetof(struct attrset, present)
#define KEY_FIXED	(offsetof(struct attrset, data) - KEY_START)
/* A set's allocation: its fixed fields, then its data (data[] starts
 * inside the struct's tail padding). */
#define SET_SIZE(dlen)	(offsetof(struct attrset, data) + (dlen))

/*
 * The sets by content: an itab of the sets' references, and the table
 * that turns a reference into the set.  A free entry of that table
 * holds the next free reference, shifted left and tagged with bit 0
 * (sets are aligned, so a pointer never has it).  Reference 0 is none.
 * Some 18 octets a set, where a lib/hash table kept at most half full
 * with its tombstones took 32 to 64.
 */
static struct itab sets_index;
static struct attrset **byref;
static size_t nbyref, capbyref;	/* references handed out, allocated */
static uint32_t free_ref;	/* the first free one, 0: none */
static size_t total_bytes, total_refs;

static uint32_t
ref_take(struct attrset *s)
{
	uint32_t r;

	if (free_ref != 0) {
		r = free_ref;
		free_ref = (uint32_t)((uintptr_t)byref[r] >> 1);
	} else {
		if (nbyref == 0)
			nbyref = 1;
		if (nbyref >= UINT32_MAX)
			fatalx("%s: too many attribute sets", __func__);
		byref = xgrow(byref, &capbyref, nbyref + 1, sizeof(*byref));
		r = (uint32_t)nbyref++;
	}
	byref[r] = s;
	return r;
}

static void
ref_give(uint32_t r)
{
	byref[r] = (struct attrset *)(((uintptr_t)free_ref << 1) | 1);
	free_ref = r;
}

/* Offsets into data[]. */
static size_t
off_comm(const struct attrset *s)
{
	return s->aspath_len;
}

static size_t
off_ext(const struct attrset *s)
{
	return off_comm(s) + (size_t)s->ncommunities * 4;
}

static size_t
off_large(const struct attrset *s)
{
	return off_ext(s) + (size_t)s->next_communities * 8;
}

static size_t
off_cluster(const struct attrset *s)
{
	return off_large(s) + (size_t)s->nlarge_communities * 12;
}

static size_t
off_unknown(const struct attrset *s)
{
	return off_cluster(s) + (size_t)s->ncluster * 4;
}

static size_t
data_len(const struct attrset *s)
{
	return off_unknown(s) + s->unknown_len;
}

static bool
set_eq(const void *key, uint32_t ref)
{
	const struct attrset *a = byref[ref], *b = key;

	return memcmp((const uint8_t *)a + KEY_START,
	    (const uint8_t *)b + KEY_START, KEY_FIXED) == 0 &&
	    memcmp(a->data, b->data, data_len(a)) == 0;
}

/* Build the candidate set in a temporary allocation. */
static struct attrset *
build(const struct bgp_attrs *a, const struct ip_addr *nh,
    const struct ip_addr *nh_ll, size_t *size)
{
	size_t ulen = 0, dlen, off;
	struct attrset *s;

	for (size_t i = 0; i < a->nunknown; i++)
		ulen += 4 + a->unknown[i].len;
	dlen = a->aspath_len + a->ncommunities * 4 +
	    a->next_communities * 8 + a->nlarge_communities * 12 +
	    a->ncluster * 4 + ulen;
	*size = SET_SIZE(dlen);
	/* calloc: padding bytes are part of the compared key. */
	s = xcalloc(1, *size);
	s->present = a->present & ~(ATTR_P_MP_REACH | ATTR_P_MP_UNREACH |
	    ATTR_P_NEXT_HOP);
	s->origin = a->origin;
	s->aspath_len = (uint16_t)a->aspath_len;
	s->ncommunities = (uint16_t)a->ncommunities;
	s->next_communities = (uint16_t)a->next_communities;
	s->nlarge_communities = (uint16_t)a->nlarge_communities;
	s->ncluster = (uint16_t)a->ncluster;
	s->nunknown = (uint8_t)a->nunknown;
	s->unknown_len = (uint16_t)ulen;
	s->med = (a->present & ATTR_P_MED) ? a->med : 0;
	s->local_pref = (a->present & ATTR_P_LOCAL_PREF) ? a->local_pref : 0;
	s->aggregator_as = a->aggregator_as;
	s->aggregator_id = a->aggregator_id;
	s->originator_id = a->originator_id;
	if (nh != NULL)
		s->nexthop = *nh;
	if (nh_ll != NULL)
		s->nexthop_ll = *nh_ll;
	s->path_length = (uint16_t)aspath_length(a->aspath, a->aspath_len);
	s->first_as = aspath_first_as(a->aspath, a->aspath_len);
	off = 0;
#define COPY(src, n) do {						\
	if ((n) > 0)							\
		memcpy(s->data + off, (src), (n));			\
	off += (n);							\
} while (0)
	COPY(a->aspath, a->aspath_len);
	COPY(a->communities, a->ncommunities * 4);
	COPY(a->ext_communities, a->next_communities * 8);
	COPY(a->large_communities, a->nlarge_communities * 12);
	COPY(a->cluster_list, a->ncluster * 4);
#undef COPY
	for (size_t i = 0; i < a->nunknown; i++) {
		const struct attr_unknown *u = &a->unknown[i];

		s->data[off++] = u->flags;
		s->data[off++] = u->type;
		s->data[off++] = (uint8_t)(u->len >> 8);
		s->data[off++] = (uint8_t)u->len;
		memcpy(s->data + off, u->data, u->len);
		off += u->len;
	}
	return s;
}

struct attrset *
attrset_intern(const struct bgp_attrs *a, const struct ip_addr *nh,
    const struct ip_addr *nh_ll)
{
	struct attrset *cand;
	size_t size, at;
	uint64_t hv;
	uint32_t ref;

	cand = build(a, nh, nh_ll, &size);
	hv = hash_bytes((const uint8_t *)cand + KEY_START,
	    KEY_FIXED + data_len(cand));
	if ((ref = itab_find_at(&sets_index, hv, set_eq, cand, &at)) != 0) {
		free(cand);
		return attrset_ref(byref[ref]);
	}
	cand->hash = (uint32_t)(hv >> 32);
	cand->refcnt = 1;
	cand->ref = ref_take(cand);
	total_refs++;
	total_bytes += size;
	itab_insert_at(&sets_index, at, hv, cand->ref);
	return cand;
}

struct attrset *
attrset_ref(struct attrset *s)
{
	if (s->refcnt == UINT32_MAX)
		fatalx("%s: reference count overflow", __func__);
	s->refcnt++;
	total_refs++;
	return s;
}

void
attrset_unref(struct attrset *s)
{
	if (s == NULL)
		return;
	if (s->refcnt == 0)
		fatalx("%s: unref of a dead set", __func__);
	total_refs--;
	if (--s->refcnt > 0)
		return;
	itab_remove(&sets_index, (uint64_t)s->hash << 32, s->ref);
	ref_give(s->ref);
	total_bytes -= SET_SIZE(data_len(s));
	free(s);
	/* After a large table went: the index's memory back. */
	itab_shrink(&sets_index);
}

void
attrset_view(const struct attrset *s, struct bgp_attrs *a)
{
	size_t off;

	memset(a, 0, sizeof(*a));
	a->present = s->present;
	a->origin = s->origin;
	a->aspath = s->data;
	a->aspath_len = s->aspath_len;
	a->med = s->med;
	a->local_pref = s->local_pref;
	a->aggregator_as = s->aggregator_as;
	a->aggregator_id = s->aggregator_id;
	a->originator_id = s->originator_id;
	a->communities = s->data + off_comm(s);
	a->ncommunities = s->ncommunities;
	a->ext_communities = s->data + off_ext(s);
	a->next_communities = s->next_communities;
	a->large_communities = s->data + off_large(s);
	a->nlarge_communities = s->nlarge_communities;
	a->cluster_list = s->data + off_cluster(s);
	a->ncluster = s->ncluster;
	if (s->nexthop.af == AF_INET) {
		a->nexthop = s->nexthop;
		a->present |= ATTR_P_NEXT_HOP;
	}
	off = off_unknown(s);
	for (size_t i = 0; i < s->nunknown && i < ATTR_MAX_UNKNOWN; i++) {
		struct attr_unknown *u = &a->unknown[i];

		u->flags = s->data[off];
		u->type = s->data[off + 1];
		u->len = (uint16_t)(s->data[off + 2] << 8 | s->data[off + 3]);
		u->data = s->data + off + 4;
		off += 4u + u->len;
		a->nunknown++;
	}
}

const uint8_t *
attrset_aspath(const struct attrset *s)
{
	return s->data;
}

const uint8_t *
attrset_communities(const struct attrset *s)
{
	return s->data + off_comm(s);
}

const uint8_t *
attrset_large_communities(const struct attrset *s)
{
	return s->data + off_large(s);
}

const uint8_t *
attrset_cluster_list(const struct attrset *s)
{
	return s->data + off_cluster(s);
}

bool
attrset_has_community(const struct attrset *s, uint32_t c)
{
	const uint8_t *p = attrset_communities(s);

	for (size_t i = 0; i < s->ncommunities; i++, p += 4) {
		if (((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3]) == c)
			return true;
	}
	return false;
}

void
attrset_stats(struct attrset_stats *st)
{
	st->sets = sets_index.count;
	st->bytes = total_bytes;
	st->refs = total_refs;
}
