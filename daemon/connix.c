/* connix: see connix.h. */
#include "connix.h"

#include <stdbool.h>
#include <stddef.h>

#include "lib/log.h"

static bool
ent_eq(const void *entry, const void *key)
{
	return addr_eq(&((const struct connix_ent *)entry)->addr, key);
}

void
connix_init(struct connix *x)
{
	hash_init(&x->t);
}

void
connix_free(struct connix *x)
{
	hash_free(&x->t);
}

void
connix_add(struct connix *x, struct connix_ent *e)
{
	uint64_t hv = addr_hash(&e->addr);
	struct connix_ent *first = hash_find(&x->t, hv, ent_eq, &e->addr);

	if (first == NULL) {
		e->same = NULL;
		hash_insert(&x->t, hv, e);
		return;
	}
	e->same = first->same;
	first->same = e;
}

void
connix_del(struct connix *x, struct connix_ent *e)
{
	uint64_t hv = addr_hash(&e->addr);
	struct connix_ent *first = hash_find(&x->t, hv, ent_eq, &e->addr);
	struct connix_ent **pp;

	if (first == NULL)
		fatalx("%s: not in the index", __func__);
	if (first != e) {
		for (pp = &first->same; *pp != e; pp = &(*pp)->same)
			if (*pp == NULL)
				fatalx("%s: not in the index", __func__);
		*pp = e->same;
		return;
	}
	hash_remove_entry(&x->t, hv, e);
	if (e->same != NULL)
		hash_insert(&x->t, hv, e->same);
}

struct connix_ent *
connix_find(const struct connix *x, const struct ip_addr *addr,
    uint16_t port)
{
	struct connix_ent *e = hash_find(&x->t, addr_hash(addr), ent_eq, addr);

	while (e != NULL && port != 0 && e->port != port)
		e = e->same;
	return e;
}
