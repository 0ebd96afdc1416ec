/*
 * slab: a pool of fixed-size objects for what bgpd holds per route (RIB
 * entries and paths, FIB entries).  Objects are carved from 64 KiB blocks
 * mapped from the kernel, with no per-object header, so an object costs
 * its size rounded to 8 octets instead of malloc's 16-octet steps plus
 * 8; a block whose objects are all free goes back to the system.
 * Under AddressSanitizer it is plain malloc and free, so use-after-free
 * is still caught.
 *
 * Every live object also has a 32-bit reference (slab_ref), below
 * SLAB_REF_LIMIT and never 0, that slab_obj turns back into its address
 * with two loads: a block's number in the slab's block table and the
 * object's offset in the block.  lib/itab's slots hold these instead
 * of pointers (half the size).
 */
#ifndef BGPD_SLAB_H
#define BGPD_SLAB_H

#include <stddef.h>
#include <stdint.h>

/* Under ASan, malloc per object (tests/unit/lib/check_slab.c includes
 * slab.c with SLAB_REAL to test the blocks there too). */
#ifndef SLAB_REAL
#if defined(__SANITIZE_ADDRESS__)
#define SLAB_MALLOC	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLAB_MALLOC	1
#endif
#endif
#endif

struct slab_block;

/* References are below this (bit 31 is the caller's). */
#define SLAB_REF_LIMIT	(UINT32_C(1) << 31)

struct slab {
	size_t	size;			/* object size, a multiple of 8 */
	void	**tab;			/* blocks by number (objects under
					 * ASan); NULL: a free number */
	size_t	ntab, tabcap;		/* numbers used, allocated */
	uint32_t *freeno;		/* free numbers below ntab */
	size_t	nfreeno, freecap;
	size_t	per_block;		/* objects per block */
	struct slab_block *partial;	/* blocks with free objects */
	struct slab_block *full;	/* blocks without */
	size_t	nobjs;			/* live objects */
	size_t	nblocks;
};

void	 slab_init(struct slab *s, size_t size);
/* A zeroed object; fatal when out of memory, as xcalloc. */
void	*slab_alloc(struct slab *s);
void	 slab_free(struct slab *s, void *obj);	/* NULL is fine */
/* Frees every block; objects still live are gone too. */
void	 slab_destroy(struct slab *s);
/* A live object's reference, and back. */
uint32_t slab_ref(const struct slab *s, const void *obj);
static inline void *slab_obj(const struct slab *s, uint32_t ref);

#ifdef SLAB_MALLOC
static inline void *
slab_obj(const struct slab *s, uint32_t ref)
{
	return s->tab[ref];
}
#else
/* A block is 64 KiB and objects are 8-aligned: 13 bits of offset. */
#define SLAB_OFF_BITS	13
static inline void *
slab_obj(const struct slab *s, uint32_t ref)
{
	return (uint8_t *)s->tab[ref >> SLAB_OFF_BITS] +
	    ((size_t)(ref & ((1u << SLAB_OFF_BITS) - 1)) << 3);
}
#endif

#endif
