/* hash: see hash.h. */
#include "hash.h"

#include <stdlib.h>
#include <endian.h>
#include <string.h>
#include <sys/random.h>

#include "log.h"
#include "xalloc.h"

static uint8_t hash_key[16];
static bool hash_key_set;

/* The short hash's key, drawn from hash_key: NH words for hash_bytes
 * (8) and hash_mix (4), and what the result is xored with before the
 * final mix. */
static uint32_t nh_key[12];
static uint64_t fin_key[2];

static char tomb_marker;
#define HASH_TOMB	((void *)&tomb_marker)

/* Inputs up to this long get the short hash (the length takes a word). */
#define SHORT_MAX	28

static uint64_t sip(const uint8_t key[16], const void *data, size_t len,
	    int c, int d);

static void
derive(void)
{
	for (uint8_t i = 0; i < 12; i++) {
		uint8_t in[3] = { 'n', 'h', i };

		nh_key[i] = (uint32_t)sip(hash_key, in, sizeof(in), 1, 3);
	}
	for (uint8_t i = 0; i < 2; i++) {
		uint8_t in[3] = { 'f', 'k', i };

		fin_key[i] = sip(hash_key, in, sizeof(in), 1, 3);
	}
	hash_key_set = true;
}

void
hash_set_key(const uint8_t key[16])
{
	memcpy(hash_key, key, sizeof(hash_key));
	derive();
}

static void
hash_key_init(void)
{
	if (getrandom(hash_key, sizeof(hash_key), 0) != sizeof(hash_key))
		fatal("getrandom");
	derive();
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
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

/* SipHash-c-d (Aumasson, Bernstein 2012), written from the paper. */
static uint64_t
sip(const uint8_t key[16], const void *data, size_t len, int c, int d)
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
		for (int r = 0; r < c; r++)
			SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; i + j < len; j++)
		b |= (uint64_t)p[i + j] << (8 * j);
	v3 ^= b;
	for (int r = 0; r < c; r++)
		SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	for (int r = 0; r < d; r++)
		SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t
hash_siphash24(const uint8_t key[16], const void *data, size_t len)
{
	return sip(key, data, len, 2, 4);
}

uint64_t
hash_siphash13(const uint8_t key[16], const void *data, size_t len)
{
	return sip(key, data, len, 1, 3);
}

/* A bijective final mix (MurmurHash3's fmix64 constants): every bit of
 * NH's sum reaches the upper half, which lib/itab uses. */
static uint64_t
fmix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* One NH term (RFC 4418 5.2.1): 32-bit sums, their 64-bit product. */
static uint64_t
nh(uint32_t a, uint32_t b, uint32_t ka, uint32_t kb)
{
	return (uint64_t)(uint32_t)(a + ka) * (uint32_t)(b + kb);
}

/*
 * Short inputs: NH, the universal hash of UMAC (RFC 4418), over eight
 * 32-bit words (the length, then the input, zero padded), under the
 * per-process key.  For any two different inputs the chance over the
 * key that their sums are equal is at most 2^-32 (all inputs are eight
 * words: the length word tells padding from zeros), so there is no set
 * of prefixes that collides whatever the key (as MurmurHash2's or
 * CityHash's seeds allow); without the key a peer can aim neither at a
 * hash nor at a run of lib/itab's slots.  The final mix spreads the sum.
 * Some 40 instructions, against 290 for SipHash-2-4 of 6 octets.
 */
static uint64_t
hash_short(const void *data, size_t len)
{
	uint32_t w[8] = { (uint32_t)len };
	const uint8_t *d = data;
	uint8_t *o = (uint8_t *)&w[1];

	/* memcpy(o, d, len) in fixed-size moves (the last may overlap the
	 * one before with the same octets). */
	if (len >= 8) {
		for (size_t i = 0; i + 8 <= len; i += 8)
			memcpy(o + i, d + i, 8);
		memcpy(o + len - 8, d + len - 8, 8);
	} else if (len >= 4) {
		memcpy(o, d, 4);
		memcpy(o + len - 4, d + len - 4, 4);
	} else {
		for (size_t i = 0; i < len; i++)
			o[i] = d[i];
	}
	return fmix(fin_key[0] ^ (nh(w[0], w[1], nh_key[0], nh_key[1]) +
	    nh(w[2], w[3], nh_key[2], nh_key[3]) +
	    nh(w[4], w[5], nh_key[4], nh_key[5]) +
	    nh(w[6], w[7], nh_key[6], nh_key[7])));
}

/* Long inputs (attribute sets, which a peer chooses): SipHash-1-3, a
 * keyed pseudorandom function (Rust's and CPython's table hash). */
uint64_t
hash_bytes(const void *data, size_t len)
{
	if (!hash_key_set)
		hash_key_init();
	if (len <= SHORT_MAX)
		return hash_short(data, len);
	return sip(hash_key, data, len, 1, 3);
}

uint64_t
hash_str(const char *s)
{
	return hash_bytes(s, strlen(s));
}

/* NH of the four 32-bit halves under key words of its own. */
uint64_t
hash_mix(uint64_t h, uint64_t v)
{
	if (!hash_key_set)
		hash_key_init();
	return fmix(fin_key[1] ^ (nh((uint32_t)h, (uint32_t)(h >> 32),
	    nh_key[8], nh_key[9]) + nh((uint32_t)v, (uint32_t)(v >> 32),
	    nh_key[10], nh_key[11])));
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
