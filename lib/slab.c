/* slab: see slab.h. */
#include "slab.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "log.h"
#include "xalloc.h"

#define BLOCK_SIZE	(64 * 1024)	/* also the blocks' alignment */

/* A block: this header, then per_block objects.  Free objects hold the
 * free list's links. */
struct slab_block {
	struct slab_block *next, **pprev;
	void	*free;			/* this block's free objects */
	size_t	nfree;
	size_t	unused;			/* objects never handed out yet */
	uint32_t no;			/* in the slab's table */
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

/* The first number: under ASan a reference is the number, and 0 is
 * none; a block's objects never sit at offset 0, so block 0 is fine. */
#ifdef SLAB_MALLOC
#define TAB_FIRST	1
#else
#define TAB_FIRST	0
#endif

/* A number for p in s's table: a free one, or the next; below limit. */
static uint32_t
tab_put(struct slab *s, void *p, size_t limit)
{
	size_t no;

	if (s->nfreeno > 0) {
		no = s->freeno[--s->nfreeno];
	} else {
		if (s->ntab == 0)
			s->ntab = TAB_FIRST;
		if (s->ntab >= limit)
			fatalx("slab: more than %zu objects or blocks",
			    limit);
		s->tab = xgrow(s->tab, &s->tabcap, s->ntab + 1,
		    sizeof(*s->tab));
		no = s->ntab++;
	}
	s->tab[no] = p;
	return (uint32_t)no;
}

static void
tab_drop(struct slab *s, uint32_t no)
{
	s->tab[no] = NULL;
	s->freeno = xgrow(s->freeno, &s->freecap, s->nfreeno + 1,
	    sizeof(*s->freeno));
	s->freeno[s->nfreeno++] = no;
}

static void
tab_destroy(struct slab *s)
{
	free(s->tab);
	free(s->freeno);
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

/* Each object has a header with its number (16 octets: the object
 * stays 16-aligned). */
#define OHDR	16

void *
slab_alloc(struct slab *s)
{
	uint8_t *p = xcalloc(1, OHDR + s->size);

	*(uint32_t *)p = tab_put(s, p + OHDR, SLAB_REF_LIMIT);
	s->nobjs++;
	return p + OHDR;
}

void
slab_free(struct slab *s, void *obj)
{
	uint8_t *p = obj;

	if (obj == NULL)
		return;
	s->nobjs--;
	tab_drop(s, *(uint32_t *)(p - OHDR));
	free(p - OHDR);
}

uint32_t
slab_ref(const struct slab *s, const void *obj)
{
	(void)s;
	return *(const uint32_t *)((const uint8_t *)obj - OHDR);
}

void
slab_destroy(struct slab *s)
{
	(void)block_unlink;
	(void)block_link;
	for (size_t i = TAB_FIRST; i < s->ntab; i++)
		if (s->tab[i] != NULL)
			free((uint8_t *)s->tab[i] - OHDR);
	tab_destroy(s);
	memset(s, 0, sizeof(*s));
}

#else

_Static_assert(BLOCK_SIZE == 8 << SLAB_OFF_BITS, "offsets fit the bits");

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
block_unmap(struct slab *s, struct slab_block *b)
{
	tab_drop(s, b->no);
	munmap(b, BLOCK_SIZE);
}

uint32_t
slab_ref(const struct slab *s, const void *obj)
{
	uintptr_t off = (uintptr_t)obj & (BLOCK_SIZE - 1);
	const struct slab_block *b = (const struct slab_block *)
	    ((uintptr_t)obj - off);

	(void)s;
	return b->no << SLAB_OFF_BITS | (uint32_t)(off >> 3);
}

void *
slab_alloc(struct slab *s)
{
	struct slab_block *b = s->partial;
	uint8_t *obj;

	if (b == NULL) {
		b = block_map();
		b->nfree = b->unused = s->per_block;
		b->no = tab_put(s, b, SLAB_REF_LIMIT >> SLAB_OFF_BITS);
		block_link(&s->partial, b);
		s->nblocks++;
	}
	if (b->free != NULL) {
		obj = b->free;
		b->free = *(void **)obj;
		memset(obj, 0, s->size);
	} else {
		/* Never handed out: still zero from the mapping. */
		obj = (uint8_t *)b + HDR +
		    (s->per_block - b->unused) * s->size;
		b->unused--;
	}
	if (--b->nfree == 0) {
		block_unlink(b);
		block_link(&s->full, b);
	}
	s->nobjs++;
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
		block_unmap(s, b);
		s->nblocks--;
	}
}

static void
free_list(struct slab *s, struct slab_block *b)
{
	while (b != NULL) {
		struct slab_block *next = b->next;

		block_unmap(s, b);
		b = next;
	}
}

void
slab_destroy(struct slab *s)
{
	free_list(s, s->partial);
	free_list(s, s->full);
	tab_destroy(s);
	memset(s, 0, sizeof(*s));
}

#endif
