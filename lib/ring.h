/*
 * ring: a first-in first-out queue of pointers, the "changed entries"
 * queue of the RIB and of fib/ (an entry queued once, its owner keeps
 * the flag that says so).  The ring lives in a private mapping: it
 * doubles (mremap; a wrapped part moves behind the rest) as far as a
 * load needs, costing 8 octets a queued entry for as long as it is
 * queued, and goes back to the system once drained past RING_KEEP slots
 * (malloc's dynamic mmap threshold would keep a freed ring on the heap).
 * Nothing is ever flagged and found again by a walk of the owner's
 * table (a cache miss per entry: issue 21).
 */
#ifndef BGPD_RING_H
#define BGPD_RING_H

#include <stddef.h>

struct ring {
	void	**v;
	size_t	cap, head, n;
};

#define RING_MIN	512	/* slots at first: a page */
#define RING_KEEP	8192	/* a drained ring larger than this goes */

/* Zeroed is empty. */
void	 ring_push(struct ring *r, void *p);
/* The oldest pointer, or NULL when empty. */
void	*ring_pop(struct ring *r);
static inline size_t
ring_len(const struct ring *r)
{
	return r->n;
}
void	 ring_free(struct ring *r);

#endif
