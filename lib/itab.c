/* itab: see itab.h. */
#include "itab.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xalloc.h"

#define MIN_BUCKETS	16
#define MAX_LOAD	2	/* entries per bucket before growing */

void
itab_init(struct itab *t, itab_hash_fn *hash)
{
	memset(t, 0, sizeof(*t));
	t->hash = hash;
}

void
itab_free(struct itab *t)
{
	itab_hash_fn *hash = t->hash;

	free(t->b);
	itab_init(t, hash);
}

struct itab_node *
itab_find(const struct itab *t, uint64_t hv, itab_eq_fn *eq, const void *key)
{
	struct itab_node *n;

	if (t->nb == 0)
		return NULL;
	for (n = t->b[hv & (t->nb - 1)]; n != NULL; n = n->next)
		if (eq(n, key))
			return n;
	return NULL;
}

static void
rehash(struct itab *t, size_t nb)
{
	struct itab_node **b = xcalloc(nb, sizeof(*b));

	for (size_t i = 0; i < t->nb; i++) {
		struct itab_node *n = t->b[i], *next;

		for (; n != NULL; n = next) {
			size_t j = t->hash(n) & (nb - 1);

			next = n->next;
			n->next = b[j];
			b[j] = n;
		}
	}
	free(t->b);
	t->b = b;
	t->nb = nb;
	t->resizes++;
}

bool
itab_shrink(struct itab *t)
{
	size_t nb = MIN_BUCKETS;

	/* Below one entry per 8 buckets; afterwards at most one a bucket,
	 * so the next inserts do not grow it straight back. */
	if (t->nb <= 4 * MIN_BUCKETS || t->count * 8 >= t->nb)
		return false;
	while (t->count > nb)
		nb *= 2;
	rehash(t, nb);
	return true;
}

void
itab_insert(struct itab *t, uint64_t hv, struct itab_node *n)
{
	size_t i;

	if (t->count + 1 > t->nb * MAX_LOAD)
		rehash(t, t->nb ? 2 * t->nb : MIN_BUCKETS);
	i = hv & (t->nb - 1);
	n->next = t->b[i];
	t->b[i] = n;
	t->count++;
}

void
itab_remove(struct itab *t, uint64_t hv, struct itab_node *n)
{
	struct itab_node **pp;

	if (t->nb == 0)
		fatalx("%s: empty table", __func__);
	for (pp = &t->b[hv & (t->nb - 1)]; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == n) {
			*pp = n->next;
			n->next = NULL;
			t->count--;
			return;
		}
	}
	fatalx("%s: entry not in the table", __func__);
}

struct itab_node *
itab_bucket(const struct itab *t, size_t i)
{
	return i < t->nb ? t->b[i] : NULL;
}

size_t
itab_mem(const struct itab *t)
{
	return t->nb * sizeof(*t->b);
}
