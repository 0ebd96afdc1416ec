/* itab: see itab.h. */
#include "itab.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xalloc.h"

#define MIN_CAP		16
#define BIG_CAP		4096	/* from here growth is by a quarter */

/* Grow past 17/20 (0.85) of the home slots taken: a search then reads
 * some 3.8 slots on average, an insert moves some 22. */
#define FULL(count, cap)	((count) * 20 > (cap) * 17)

static size_t
home(uint32_t h, size_t cap)
{
	return (size_t)(((uint64_t)h * cap) >> 32);
}

/* The overflow beyond the homes; runs that reach the end extend it. */
static size_t
overflow(size_t cap)
{
	return 32 + cap / 128;
}

void
itab_init(struct itab *t)
{
	memset(t, 0, sizeof(*t));
}

void
itab_free(struct itab *t)
{
	free(t->s);
	itab_init(t);
}

size_t
itab_mem(const struct itab *t)
{
	return t->n * sizeof(*t->s);
}

/* More overflow: the slots from t->n on are new and empty. */
static void
extend(struct itab_slot **s, size_t *n)
{
	size_t nn = *n + *n / 8 + 32;

	*s = xreallocarray(*s, nn, sizeof(**s));
	memset(*s + *n, 0, (nn - *n) * sizeof(**s));
	*n = nn;
}

/* The same entries on cap home slots: one pass in order, each at its
 * new home or right after the one before. */
static void
resize(struct itab *t, size_t cap)
{
	size_t n = cap + overflow(cap), j = 0;
	struct itab_slot *s = xcalloc(n, sizeof(*s));

	for (size_t i = 0; i < t->n; i++) {
		size_t k;

		if (t->s[i].ref == 0)
			continue;
		k = home(t->s[i].h, cap);
		if (k < j)
			k = j;
		if (k >= n)
			extend(&s, &n);
		s[k] = t->s[i];
		j = k + 1;
	}
	free(t->s);
	t->s = s;
	t->cap = cap;
	t->n = n;
	t->resizes++;
}

/* No position: itab_insert_at searches. */
#define NO_AT	SIZE_MAX

uint32_t
itab_find_at(const struct itab *t, uint64_t hv, itab_eq_fn *eq,
    const void *ctx, size_t *at)
{
	uint32_t h = (uint32_t)(hv >> 32);
	size_t i;

	*at = NO_AT;
	if (t->count == 0)
		return 0;
	for (i = home(h, t->cap); i < t->n; i++) {
		const struct itab_slot *sl = &t->s[i];

		if (sl->ref == 0 || sl->h > h)
			break;
		if (sl->h == h && eq(ctx, sl->ref))
			return sl->ref;
	}
	/* After the run's entries of smaller or equal hash. */
	*at = i;
	return 0;
}

uint32_t
itab_find(const struct itab *t, uint64_t hv, itab_eq_fn *eq, const void *ctx)
{
	size_t at;

	return itab_find_at(t, hv, eq, ctx, &at);
}

void
itab_insert_at(struct itab *t, size_t at, uint64_t hv, uint32_t ref)
{
	uint32_t h = (uint32_t)(hv >> 32);
	size_t i = at, j;

	if (ref == 0)
		fatalx("%s: reference 0", __func__);
	if (t->cap == 0 || FULL(t->count + 1, t->cap)) {
		resize(t, t->cap == 0 ? MIN_CAP : t->cap < BIG_CAP ?
		    2 * t->cap : t->cap + t->cap / 4);
		i = NO_AT;
	}
	if (i == NO_AT)
		for (i = home(h, t->cap); i < t->n && t->s[i].ref != 0 &&
		    t->s[i].h <= h; i++)
			;
	for (j = i; j < t->n && t->s[j].ref != 0; j++)
		;
	if (j == t->n)
		extend(&t->s, &t->n);
	memmove(&t->s[i + 1], &t->s[i], (j - i) * sizeof(*t->s));
	t->s[i].h = h;
	t->s[i].ref = ref;
	t->count++;
}

void
itab_insert(struct itab *t, uint64_t hv, uint32_t ref)
{
	itab_insert_at(t, NO_AT, hv, ref);
}

void
itab_remove(struct itab *t, uint64_t hv, uint32_t ref)
{
	uint32_t h = (uint32_t)(hv >> 32);
	size_t i, j;

	for (i = t->cap > 0 ? home(h, t->cap) : 0; i < t->n; i++) {
		if (t->s[i].ref == 0 || t->s[i].h > h)
			break;
		if (t->s[i].ref == ref && t->s[i].h == h)
			goto found;
	}
	fatalx("%s: entry not in the table", __func__);
found:
	/* The displaced entries after it move down one. */
	for (j = i + 1; j < t->n && t->s[j].ref != 0 &&
	    home(t->s[j].h, t->cap) < j; j++)
		;
	memmove(&t->s[i], &t->s[i + 1], (j - i - 1) * sizeof(*t->s));
	t->s[j - 1].h = 0;
	t->s[j - 1].ref = 0;
	t->count--;
}

bool
itab_shrink(struct itab *t)
{
	size_t cap;

	/* Below one entry in 8 slots; afterwards at most half full, so
	 * the next inserts do not grow it straight back. */
	if (t->cap <= 4 * MIN_CAP || t->count * 8 >= t->cap)
		return false;
	cap = t->count * 2;
	if (cap < MIN_CAP)
		cap = MIN_CAP;
	resize(t, cap);
	return true;
}

size_t
itab_seek(const struct itab *t, uint64_t h)
{
	size_t i;

	if (h > UINT32_MAX || t->cap == 0)
		return t->n;
	for (i = home((uint32_t)h, t->cap); i < t->n && t->s[i].ref != 0 &&
	    t->s[i].h < h; i++)
		;
	return i;
}

uint32_t
itab_next(const struct itab *t, size_t *it)
{
	for (; *it < t->n; (*it)++) {
		uint32_t ref = t->s[*it].ref;

		if (ref != 0) {
			(*it)++;
			return ref;
		}
	}
	return 0;
}
