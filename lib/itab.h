/*
 * itab: an intrusive chained hash table, for tables with an entry per
 * route.  An entry embeds a struct itab_node (one pointer) and the table
 * holds one pointer per bucket, at most two entries per bucket on
 * average: some 12 octets per entry where lib/hash's open addressing
 * needs 21 to 43.  The caller keeps each entry's key and hands the table
 * the key's hash, so a lookup that misses is followed by an insert
 * without a second search; on growth the table rehashes through the
 * caller's function.  Only an insert and itab_shrink() move entries
 * between buckets: a walk bucket by bucket can free the entry it is at,
 * and knows from `resizes` when it has to start over.
 */
#ifndef BGPD_ITAB_H
#define BGPD_ITAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct itab_node {
	struct itab_node *next;
};

typedef uint64_t itab_hash_fn(const struct itab_node *n);
typedef bool itab_eq_fn(const struct itab_node *n, const void *key);

struct itab {
	struct itab_node **b;	/* buckets */
	size_t	nb;		/* a power of two, or 0 */
	size_t	count;
	unsigned resizes;	/* bumped when entries move */
	itab_hash_fn *hash;
};

void	 itab_init(struct itab *t, itab_hash_fn *hash);
/* Frees the buckets; the entries are the caller's. */
void	 itab_free(struct itab *t);
struct itab_node *itab_find(const struct itab *t, uint64_t hv,
	    itab_eq_fn *eq, const void *key);
/* The caller guarantees no equal entry is present. */
void	 itab_insert(struct itab *t, uint64_t hv, struct itab_node *n);
/* n must be in the table (fatal otherwise). */
void	 itab_remove(struct itab *t, uint64_t hv, struct itab_node *n);
/* The first entry of bucket i (i < t->nb), for walks. */
struct itab_node *itab_bucket(const struct itab *t, size_t i);
/* After a table drained (far fewer entries than buckets): smaller
 * buckets, memory given back.  True if it shrank (entries moved). */
bool	 itab_shrink(struct itab *t);
/* Octets of buckets. */
size_t	 itab_mem(const struct itab *t);

#endif
