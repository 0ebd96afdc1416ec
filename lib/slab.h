/*
 * slab: a pool of fixed-size objects for what bgpd holds per route (RIB
 * entries and paths, FIB entries).  Objects are carved from 64 KiB blocks
 * mapped from the kernel, with no per-object header, so an object costs
 * its size rounded to 8 octets instead of malloc's 16-octet steps plus
 * 8; a block whose objects are all free goes back to the system.
 * Under AddressSanitizer it is plain malloc and free, so use-after-free
 * is still caught.
 */
#ifndef BGPD_SLAB_H
#define BGPD_SLAB_H

#include <stddef.h>

struct slab_block;

struct slab {
	size_t	size;			/* object size, a multiple of 8 */
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

#endif
