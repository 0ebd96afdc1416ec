/*
 * hash: a keyed byte hash and one open-addressing hash table.
 *
 * hash_bytes() is keyed under a per-process random key, so peers cannot
 * choose attribute sets or prefixes that collide on purpose: inputs of
 * up to 28 octets (prefixes, addresses, names) get NH, the universal
 * hash of UMAC, with a final mix; longer ones (attribute sets) get
 * SipHash-1-3.  hash_mix() is NH too.  The
 * table stores caller-owned entry pointers with their 64-bit hash (no
 * rehashing on growth); equality is a callback against a lookup key, so one
 * table type serves interned attributes, prefixes and names.
 */
#ifndef BGPD_HASH_H
#define BGPD_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fixes the key (tests); otherwise the first hash draws one at random. */
void	 hash_set_key(const uint8_t key[16]);
uint64_t hash_bytes(const void *data, size_t len);
uint64_t hash_siphash24(const uint8_t key[16], const void *data, size_t len);
uint64_t hash_siphash13(const uint8_t key[16], const void *data, size_t len);
uint64_t hash_str(const char *s);
/* Combine a running hash with another 64-bit value (order matters). */
uint64_t hash_mix(uint64_t h, uint64_t v);

struct hash_slot {
	uint64_t hv;
	void	*entry;		/* NULL empty, HASH_TOMB removed */
};

struct hash_table {
	struct hash_slot *slots;
	size_t	cap;		/* power of two, or 0 */
	size_t	count;		/* live entries */
	size_t	used;		/* live + tombstones */
	unsigned resizes;	/* bumped when slots move (iterators) */
};

typedef bool hash_eq_fn(const void *entry, const void *key);

void	 hash_init(struct hash_table *t);
void	 hash_free(struct hash_table *t);
void	*hash_find(const struct hash_table *t, uint64_t hv, hash_eq_fn *eq,
	    const void *key);
/* The caller guarantees no equal entry is present. */
void	 hash_insert(struct hash_table *t, uint64_t hv, void *entry);
void	*hash_remove(struct hash_table *t, uint64_t hv, hash_eq_fn *eq,
	    const void *key);
bool	 hash_remove_entry(struct hash_table *t, uint64_t hv,
	    const void *entry);
/* Iterate: size_t it = 0; while ((e = hash_next(t, &it)) != NULL) ... */
void	*hash_next(const struct hash_table *t, size_t *it);
size_t	 hash_count(const struct hash_table *t);
/* Give memory back when at most an eighth of the slots is live (after
 * a large table drained); true if the slots moved.  Never call it while
 * iterating. */
bool	 hash_shrink(struct hash_table *t);

#endif
