/*
 * attrset: see attrset.h.  The key of a set is its fixed fields and its
 * data bytes; both are compared on lookup, so a hash collision can never
 * merge different sets.
 */
#include "attrset.h"

#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"
#include "lib/log.h"
#include "lib/xalloc.h"

/* The part of struct attrset that is key, from `present` to the end. */
#define KEY_START	offsetof(struct attrset, present)
#define KEY_FIXED	(offsetof(struct attrset, data) - KEY_START)

static struct hash_table table;
static size_t total_bytes, total_refs;

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
set_eq(const void *entry, const void *key)
{
	const struct attrset *a = entry, *b = key;

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
	*size = sizeof(*s) + dlen;
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
	struct attrset *cand, *found;
	size_t size;

	cand = build(a, nh, nh_ll, &size);
	cand->hash = hash_bytes((const uint8_t *)cand + KEY_START,
	    KEY_FIXED + data_len(cand));
	found = hash_find(&table, cand->hash, set_eq, cand);
	if (found != NULL) {
		free(cand);
		return attrset_ref(found);
	}
	cand->refcnt = 1;
	total_refs++;
	total_bytes += size;
	hash_insert(&table, cand->hash, cand);
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
	if (!hash_remove_entry(&table, s->hash, s))
		fatalx("%s: set not in the table", __func__);
	total_bytes -= sizeof(*s) + data_len(s);
	free(s);
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
	st->sets = hash_count(&table);
	st->bytes = total_bytes;
	st->refs = total_refs;
}
