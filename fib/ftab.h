/*
 * ftab: fib's own table of prefixes, for a fib without an owner (the
 * tests, the benchmark's fibload): it keeps each prefix's slot and what
 * fib_set() said the kernel should have (next-hop sets interned), and
 * answers fib's struct fib_owner calls from that.  Private to fib/.
 */
#ifndef BGPD_FTAB_H
#define BGPD_FTAB_H

#include "fib.h"

struct ftab;

struct ftab *ftab_new(void);
void	 ftab_free(struct ftab *t);
/* The owner calls, answered by t. */
void	 ftab_owner(struct ftab *t, struct fib_owner *o);
/* p should have r (NULL: nothing of ours); the slot whose wish changed,
 * or NULL when nothing changed. */
struct fib_slot *ftab_want(struct ftab *t, const struct ip_prefix *p,
	    const struct fib_route *r);

#endif
