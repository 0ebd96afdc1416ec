/* slab: see slab.h. */
#include "slab.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "log.h"
#include "xalloc.h"

/* Under ASan, malloc per object (tests/unit/lib/check_slab.c includes
 * this file with SLAB_REAL to test the blocks there too). */
#ifndef SLAB_REAL
#if defined(__SANITIZE_ADDRESS__)
#define SLAB_MALLOC	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLAB_MALLOC	1
#endif
#endif
#endif

#define BLOCK_SIZE	(64 * 1024)	/* also the blocks' alignment */

/* A block: this header, then per_block objects.  Free objects hold the
 * free list's links. */
struct slab_block {
	struct slab_block *next, **pprev;
	void	*free;			/* this block's free objects */
	size_t	nfree;
	size_t	unused;			/* objects never handed out yet */
};

#define HDR	((sizeof(struct slab_block) + 15) & ~(size_t)15)

void
slab_init(struct slab *s, size_t size)
{
	memset(s, 0, sizeof(*s));
	s->size = size < sizeof(void *) ? sizeof(void *) : (size + 7) & ~7;
	s->per_block = (BLOCK_SIZE - HDR) / s->size;
	if (s->per_block == 0)
		fatalx("%s: objects of %zu octets do not fit a block",
		    __func__, size);
}

static void
block_unlink(struct slab_block *b)
{
	*b->pprev = b->next;
	if (b->next != NULL)
		b->next->pprev = b->pprev;
}

static void
block_link(struct slab_block **head, struct slab_block *b)
{
	b->next = *head;
	if (b->next != NULL)
		b->next->pprev = &b->next;
	b->pprev = head;
	*head = b;
}

#ifdef SLAB_MALLOC

void *
slab_alloc(struct slab *s)
{
	s->nobjs++;
	return xcalloc(1, s->size);
}

void
slab_free(struct slab *s, void *obj)
{
	if (obj == NULL)
		return;
	s->nobjs--;
	free(obj);
}

void
slab_destroy(struct slab *s)
{
	(void)block_unlink;
	(void)block_link;
	memset(s, 0, sizeof(*s));
}

#else

/*
 * Blocks are mapped, aligned, straight from the kernel: malloc's
 * aligned_alloc leaves a gap before every block that is half the
 * address space and some of it resident; a mapping costs only the
 * pages the objects carved from it touch, and goes back whole.
 */
static struct slab_block *
block_map(void)
{
	uint8_t *p = mmap(NULL, 2 * BLOCK_SIZE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t a;
	size_t head;

	if (p == MAP_FAILED)
		fatal("%s: mmap", __func__);
	a = ((uintptr_t)p + BLOCK_SIZE - 1) & ~(uintptr_t)(BLOCK_SIZE - 1);
	head = a - (uintptr_t)p;
	if (head > 0)
		munmap(p, head);
	munmap((uint8_t *)a + BLOCK_SIZE, BLOCK_SIZE - head);
	return (struct slab_block *)a;
}

static void
block_unmap(struct slab_block *b)
{
	munmap(b, BLOCK_SIZE);
}

void *
slab_alloc(struct slab *s)
{
	struct slab_block *b = s->partial;
	uint8_t *obj;

	if (b == NULL) {
		b = block_map();
		b->nfree = b->unused = s->per_block;
		block_link(&s->partial, b);
		s->nblocks++;
	}
	if (b->free != NULL) {
		obj = b->free;
		b->free = *(void **)obj;
	} else {
		obj = (uint8_t *)b + HDR +
		    (s->per_block - b->unused) * s->size;
		b->unused--;
	}
	if (--b->nfree == 0) {
		block_unlink(b);
		block_link(&s->full, b);
	}
	s->nobjs++;
	memset(obj, 0, s->size);
	return obj;
}

void
slab_free(struct slab *s, void *obj)
{
	struct slab_block *b;

	if (obj == NULL)
		return;
	b = (struct slab_block *)((uintptr_t)obj &
	    ~(uintptr_t)(BLOCK_SIZE - 1));
	if (b->nfree++ == 0) {
		block_unlink(b);
		block_link(&s->partial, b);
	}
	*(void **)obj = b->free;
	b->free = obj;
	s->nobjs--;
	/* An empty block goes back, unless it is the only one left to
	 * allocate from. */
	if (b->nfree == s->per_block &&
	    (s->partial != b || b->next != NULL)) {
		block_unlink(b);
		block_unmap(b);
		s->nblocks--;
	}
}

static void
free_list(struct slab_block *b)
{
	while (b != NULL) {
		struct slab_block *next = b->next;

		block_unmap(b);
		b = next;
	}
}

void
slab_destroy(struct slab *s)
{
	free_list(s->partial);
	free_list(s->full);
	memset(s, 0, sizeof(*s));
}

#endif
