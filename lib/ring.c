/* ring: see ring.h. */
#include "ring.h"

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "log.h"

static void
unmap(struct ring *r)
{
	if (r->v != NULL)
		(void)munmap(r->v, r->cap * sizeof(*r->v));
	r->v = NULL;
	r->cap = r->head = 0;
}

/* Twice the slots, in order: a wrapped part moves behind the rest. */
static void
grow(struct ring *r)
{
	size_t ncap = r->cap ? 2 * r->cap : RING_MIN;
	size_t wrapped = r->head + r->n > r->cap ? r->head + r->n - r->cap : 0;
	void *q;

	if (ncap > SIZE_MAX / sizeof(*r->v))
		fatalx("%s: %zu entries queued", __func__, r->n);
	if (r->v == NULL)
		q = mmap(NULL, ncap * sizeof(*r->v), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	else
		q = mremap(r->v, r->cap * sizeof(*r->v), ncap * sizeof(*r->v),
		    MREMAP_MAYMOVE);
	if (q == MAP_FAILED)
		fatal("%s: %zu slots", __func__, ncap);
	r->v = q;
	memcpy(r->v + r->cap, r->v, wrapped * sizeof(*r->v));
	r->cap = ncap;
}

void
ring_push(struct ring *r, void *p)
{
	if (r->n == r->cap)
		grow(r);
	r->v[(r->head + r->n) % r->cap] = p;
	r->n++;
}

void *
ring_pop(struct ring *r)
{
	void *p;

	if (r->n == 0)
		return NULL;
	p = r->v[r->head];
	r->head = (r->head + 1) % r->cap;
	if (--r->n == 0) {
		r->head = 0;
		if (r->cap > RING_KEEP)
			unmap(r);
	}
	return p;
}

void
ring_free(struct ring *r)
{
	unmap(r);
	r->n = 0;
}
