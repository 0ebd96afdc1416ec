/* addr: see addr.h. */
#include "addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"

size_t
addr_len(int af)
{
	return af == AF_INET ? 4 : af == AF_INET6 ? 16 : 0;
}

unsigned
addr_bits(int af)
{
	return (unsigned)addr_len(af) * 8;
}

bool
addr_is_set(const struct ip_addr *a)
{
	return a->af != 0;
}

void
addr_from_bytes(struct ip_addr *a, int af, const void *bytes)
{
	memset(a, 0, sizeof(*a));
	a->af = (uint8_t)af;
	memcpy(a->b, bytes, addr_len(af));
}

void
addr_from_v4(struct ip_addr *a, uint32_t v)
{
	memset(a, 0, sizeof(*a));
	a->af = AF_INET;
	a->b[0] = v >> 24;
	a->b[1] = v >> 16;
	a->b[2] = v >> 8;
	a->b[3] = v;
}

uint32_t
addr_v4(const struct ip_addr *a)
{
	return (uint32_t)a->b[0] << 24 | (uint32_t)a->b[1] << 16 |
	    (uint32_t)a->b[2] << 8 | a->b[3];
}

/* Strict: dotted quad without leading zeros, or RFC 4291 text; no zones. */
int
addr_parse(const char *s, struct ip_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (strchr(s, ':') != NULL) {
		if (inet_pton(AF_INET6, s, out->b) != 1)
			return -1;
		out->af = AF_INET6;
		return 0;
	}
	if (inet_pton(AF_INET, s, out->b) != 1)
		return -1;
	out->af = AF_INET;
	return 0;
}

const char *
addr_fmt(const struct ip_addr *a, char *buf, size_t size)
{
	if (a->af == 0 || inet_ntop(a->af, a->b, buf, size) == NULL)
		snprintf(buf, size, "none");
	return buf;
}

int
addr_cmp(const struct ip_addr *a, const struct ip_addr *b)
{
	if (a->af != b->af)
		return a->af < b->af ? -1 : 1;
	return memcmp(a->b, b->b, addr_len(a->af));
}

bool
addr_eq(const struct ip_addr *a, const struct ip_addr *b)
{
	return addr_cmp(a, b) == 0;
}

uint64_t
addr_hash(const struct ip_addr *a)
{
	uint8_t key[17];

	key[0] = a->af;
	memcpy(key + 1, a->b, 16);
	return hash_bytes(key, 1 + addr_len(a->af));
}

int
addr_pfx_parse(const char *s, struct ip_prefix *out, bool allow_bare)
{
	char buf[ADDR_PFX_STRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long len;
	char *end;

	memset(out, 0, sizeof(*out));
	if (alen >= sizeof(buf))
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (addr_parse(buf, &out->addr) != 0)
		return -1;
	if (slash == NULL) {
		if (!allow_bare)
			return -1;
		out->len = (uint8_t)addr_bits(out->addr.af);
		return 0;
	}
	/* Decimal digits only: no sign, no spaces, no leading zeros. */
	if (slash[1] < '0' || slash[1] > '9' ||
	    (slash[1] == '0' && slash[2] != '\0'))
		return -1;
	len = strtoul(slash + 1, &end, 10);
	if (*end != '\0' || len > addr_bits(out->addr.af))
		return -1;
	out->len = (uint8_t)len;
	return 0;
}

const char *
addr_pfx_fmt(const struct ip_prefix *p, char *buf, size_t size)
{
	char a[ADDR_STRLEN];

	snprintf(buf, size, "%s/%u", addr_fmt(&p->addr, a, sizeof(a)),
	    p->len);
	return buf;
}

int
addr_pfx_cmp(const struct ip_prefix *a, const struct ip_prefix *b)
{
	int c = addr_cmp(&a->addr, &b->addr);

	if (c != 0)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

bool
addr_pfx_eq(const struct ip_prefix *a, const struct ip_prefix *b)
{
	return addr_pfx_cmp(a, b) == 0;
}

uint64_t
addr_pfx_hash(const struct ip_prefix *p)
{
	uint8_t key[18];

	key[0] = p->addr.af;
	key[1] = p->len;
	memcpy(key + 2, p->addr.b, 16);
	return hash_bytes(key, 2 + addr_len(p->addr.af));
}

/* Zero every bit past p->len, in two 64-bit words (bgpd masks every
 * prefix it takes in). */
void
addr_pfx_mask(struct ip_prefix *p)
{
	uint64_t w[2], hi, lo;
	unsigned len = p->len;

	if (len >= 128)
		return;
	memcpy(w, p->addr.b, sizeof(w));
	hi = be64toh(w[0]);
	lo = be64toh(w[1]);
	if (len <= 64) {
		hi &= len == 0 ? 0 : ~(uint64_t)0 << (64 - len);
		lo = 0;
	} else {
		lo &= ~(uint64_t)0 << (128 - len);
	}
	w[0] = htobe64(hi);
	w[1] = htobe64(lo);
	memcpy(p->addr.b, w, sizeof(w));
}

bool
addr_pfx_is_masked(const struct ip_prefix *p)
{
	struct ip_prefix m = *p;

	addr_pfx_mask(&m);
	return memcmp(m.addr.b, p->addr.b, sizeof(m.addr.b)) == 0;
}

void
addr_pfx_host(struct ip_prefix *p, const struct ip_addr *a)
{
	p->addr = *a;
	p->len = (uint8_t)addr_bits(a->af);
}

/* Compare the first `len` bits of two byte strings. */
static bool
bits_equal(const uint8_t *a, const uint8_t *b, unsigned len)
{
	size_t full = len / 8;
	unsigned rest = len % 8;

	if (memcmp(a, b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[full] ^ b[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool
addr_pfx_contains(const struct ip_prefix *outer, const struct ip_prefix *inner)
{
	if (outer->addr.af != inner->addr.af || outer->len > inner->len)
		return false;
	return bits_equal(outer->addr.b, inner->addr.b, outer->len);
}

bool
addr_pfx_contains_addr(const struct ip_prefix *p, const struct ip_addr *a)
{
	if (p->addr.af != a->af)
		return false;
	return bits_equal(p->addr.b, a->b, p->len);
}

bool
addr_pfx_overlaps(const struct ip_prefix *a, const struct ip_prefix *b)
{
	return addr_pfx_contains(a, b) || addr_pfx_contains(b, a);
}

socklen_t
addr_to_sockaddr(const struct ip_addr *a, uint16_t port,
    struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->af == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a->b, 4);
		return sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		if (a->af == AF_INET6)
			memcpy(&s6->sin6_addr, a->b, 16);
		return sizeof(*s6);
	}
}

void
addr_from_sockaddr(const struct sockaddr_storage *ss, struct ip_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;

		addr_from_bytes(a, AF_INET, &s4->sin_addr);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		/* A v4-mapped address (a dual-stack socket's IPv4 peer). */
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			addr_from_bytes(a, AF_INET,
			    s6->sin6_addr.s6_addr + 12);
		else
			addr_from_bytes(a, AF_INET6, &s6->sin6_addr);
	}
}
