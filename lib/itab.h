/*
 * itab: a hash index for tables with an entry per route (the RIB, fib's
 * own table).  It holds one 8-octet slot per entry: the upper 32 bits
 * of the entry's hash and a 32-bit reference the caller turns into the
 * entry (lib/slab's slab_ref and slab_obj).  A probe compares hashes in
 * a cache line of slots and reads an entry only when its hash matches;
 * growth moves slots and never reads or hashes an entry.
 *
 * Open addressing with linear probing, the slots kept in the order of
 * their hashes: a hash's home slot is h * cap / 2^32 (monotonic in h,
 * any cap), an entry sits at or after its home with no empty slot in
 * between, and an insert shifts the rest of its run one slot up
 * (removal shifts it back down, so there are no tombstones).  A search
 * stops at the first larger hash; a resize is one pass in order.  The
 * slots past the last home (the overflow) take the runs that reach the
 * end: the table never wraps around.
 *
 * Because the order is the hashes' order whatever the table's size, a
 * walk resumes from a hash (itab_seek): an entry present from a walk's
 * start to its end is seen exactly once across any inserts, removals,
 * growth and shrinking in between.
 *
 * Memory: 8 octets a slot at a load between 0.68 and 0.85 once large
 * (9.4 to 11.8 octets an entry), some 20 octets an entry less than a
 * pointer table with the entry's hash beside it.
 */
#ifndef BGPD_ITAB_H
#define BGPD_ITAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct itab_slot {
	uint32_t h;		/* the hash's upper half */
	uint32_t ref;		/* the caller's; 0: empty */
};

struct itab {
	struct itab_slot *s;
	size_t	cap;		/* home slots */
	size_t	n;		/* slots: cap + overflow */
	size_t	count;
	unsigned resizes;	/* bumped when slots move between sizes */
};

/* Does the entry ref match what the caller looks for (ctx)? */
typedef bool itab_eq_fn(const void *ctx, uint32_t ref);

void	 itab_init(struct itab *t);
/* Frees the slots; the entries are the caller's. */
void	 itab_free(struct itab *t);
/* The reference of the entry matching ctx, 0 when none. */
uint32_t itab_find(const struct itab *t, uint64_t hv, itab_eq_fn *eq,
	    const void *ctx);
/* ref != 0; the caller guarantees no equal entry is present. */
void	 itab_insert(struct itab *t, uint64_t hv, uint32_t ref);
/* As itab_find, and when it finds none, *at is where itab_insert_at
 * puts an entry of hash hv as long as the table does not change in
 * between: a miss followed by an insert probes once. */
uint32_t itab_find_at(const struct itab *t, uint64_t hv, itab_eq_fn *eq,
	    const void *ctx, size_t *at);
void	 itab_insert_at(struct itab *t, size_t at, uint64_t hv, uint32_t ref);
/* ref must be in the table under hv (fatal otherwise). */
void	 itab_remove(struct itab *t, uint64_t hv, uint32_t ref);
/* After a table drained (far fewer entries than slots): fewer slots,
 * memory given back.  True if it shrank. */
bool	 itab_shrink(struct itab *t);
/* Octets of slots. */
size_t	 itab_mem(const struct itab *t);

/* Walks.  The slot index of the first entry whose hash (upper half) is
 * at least h (h up to 2^32; n when none): from there every slot up to
 * n is an entry (ref != 0, in hash order) or empty. */
size_t	 itab_seek(const struct itab *t, uint64_t h);
/* The table's one cursor: the next entry's reference from slot *it on
 * (start at 0), *it moved past it; 0 at the end.  The table must not
 * change between calls (a walk across changes resumes by hash:
 * itab_seek). */
uint32_t itab_next(const struct itab *t, size_t *it);

#endif
