/* hash: see hash.h. */
#include "hash.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "log.h"
#include "xalloc.h"

static uint8_t hash_key[16];
static bool hash_key_set;

static char tomb_marker;
#define HASH_TOMB	((void *)&tomb_marker)

void
hash_set_key(const uint8_t key[16])
{
	memcpy(hash_key, key, sizeof(hash_key));
	hash_key_set = true;
}

static void
hash_key_init(void)
{
	if (getrandom(hash_key, sizeof(hash_key), 0) != sizeof(hash_key))
		fatal("getrandom");
	hash_key_set = true;
}

#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do {							\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

static uint64_t
load_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* SipHash-2-4 (Aumasson, Bernstein 2012), written from the paper. */
uint64_t
hash_siphash24(const uint8_t key[16], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL;
	uint64_t v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL;
	uint64_t v3 = k1 ^ 0x7465646279746573ULL;
	uint64_t m, b = (uint64_t)len << 56;
	size_t i, full = len & ~(size_t)7;

	for (i = 0; i < full; i += 8) {
		m = load_le64(p + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; i + j < len; j++)
		b |= (uint64_t)p[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t
hash_bytes(const void *data, size_t len)
{
	if (!hash_key_set)
		hash_key_init();
	return hash_siphash24(hash_key, data, len);
}

uint64_t
hash_str(const char *s)
{
	return hash_bytes(s, strlen(s));
}

uint64_t
hash_mix(uint64_t h, uint64_t v)
{
	uint64_t in[2] = { h, v };

	return hash_bytes(in, sizeof(in));
}

void
hash_init(struct hash_table *t)
{
	memset(t, 0, sizeof(*t));
}

void
hash_free(struct hash_table *t)
{
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

size_t
hash_count(const struct hash_table *t)
{
	return t->count;
}

static void
hash_resize(struct hash_table *t, size_t ncap)
{
	struct hash_slot *old = t->slots;
	size_t ocap = t->cap;

	t->slots = xcalloc(ncap, sizeof(*t->slots));
	t->cap = ncap;
	t->resizes++;
	t->used = t->count = 0;
	for (size_t i = 0; i < ocap; i++) {
		if (old[i].entry != NULL && old[i].entry != HASH_TOMB)
			hash_insert(t, old[i].hv, old[i].entry);
	}
	free(old);
}

bool
hash_shrink(struct hash_table *t)
{
	size_t ncap = 16;

	if (t->cap <= 64 || t->count * 8 > t->cap)
		return false;
	/* Half full at most afterwards, as insertion would size it. */
	while (t->count * 2 > ncap)
		ncap *= 2;
	if (ncap >= t->cap)
		return false;
	hash_resize(t, ncap);
	return true;
}

void *
hash_find(const struct hash_table *t, uint64_t hv, hash_eq_fn *eq,
    const void *key)
{
	size_t mask = t->cap - 1, i;

	if (t->cap == 0)
		return NULL;
	for (i = hv & mask;; i = (i + 1) & mask) {
		struct hash_slot *s = &t->slots[i];

		if (s->entry == NULL)
			return NULL;
		if (s->entry != HASH_TOMB && s->hv == hv && eq(s->entry, key))
			return s->entry;
	}
}

void
hash_insert(struct hash_table *t, uint64_t hv, void *entry)
{
	size_t mask, i;

	/* Keep live + tombstones under 3/4 so probes stay short. */
	if ((t->used + 1) * 4 > t->cap * 3) {
		size_t ncap = t->cap ? t->cap : 16;

		while ((t->count + 1) * 2 > ncap)
			ncap *= 2;
		hash_resize(t, ncap);
	}
	mask = t->cap - 1;
	for (i = hv & mask;; i = (i + 1) & mask) {
		struct hash_slot *s = &t->slots[i];

		if (s->entry == NULL || s->entry == HASH_TOMB) {
			if (s->entry == NULL)
				t->used++;
			s->hv = hv;
			s->entry = entry;
			t->count++;
			return;
		}
	}
}

static void
hash_kill(struct hash_table *t, struct hash_slot *s)
{
	s->entry = HASH_TOMB;
	t->count--;
}

void *
hash_remove(struct hash_table *t, uint64_t hv, hash_eq_fn *eq,
    const void *key)
{
	size_t mask = t->cap - 1, i;

	if (t->cap == 0)
		return NULL;
	for (i = hv & mask;; i = (i + 1) & mask) {
		struct hash_slot *s = &t->slots[i];
		void *e = s->entry;

		if (e == NULL)
			return NULL;
		if (e != HASH_TOMB && s->hv == hv && eq(e, key)) {
			hash_kill(t, s);
			return e;
		}
	}
}

bool
hash_remove_entry(struct hash_table *t, uint64_t hv, const void *entry)
{
	size_t mask = t->cap - 1, i;

	if (t->cap == 0)
		return false;
	for (i = hv & mask;; i = (i + 1) & mask) {
		struct hash_slot *s = &t->slots[i];

		if (s->entry == NULL)
			return false;
		if (s->entry == entry) {
			hash_kill(t, s);
			return true;
		}
	}
}

void *
hash_next(const struct hash_table *t, size_t *it)
{
	while (*it < t->cap) {
		void *e = t->slots[(*it)++].entry;

		if (e != NULL && e != HASH_TOMB)
			return e;
	}
	return NULL;
}
