/* nlri: see nlri.h. */
#include "nlri.h"

#include <string.h>

/* Straight from the octets (a real feed's UPDATEs carry hundreds of
 * prefixes each; buf_get_* per octet cost 160 instructions a prefix). */
int
nlri_get(struct buf_rd *r, int af, bool addpath, struct ip_prefix *p,
    uint32_t *path_id)
{
	const uint8_t *d = r->p + r->pos;
	size_t left = r->len - r->pos, n;
	uint32_t id = 0;
	unsigned len;

	if (addpath) {
		if (left < 4)
			return -1;
		id = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 |
		    (uint32_t)d[2] << 8 | d[3];
		d += 4;
		left -= 4;
	}
	if (left < 1 || (len = d[0]) > addr_bits(af))
		return -1;
	n = (len + 7u) / 8u;
	if (left - 1 < n)
		return -1;
	memset(p, 0, sizeof(*p));
	p->addr.af = (uint8_t)af;
	p->len = (uint8_t)len;
	for (size_t i = 0; i < n; i++)
		p->addr.b[i] = d[1 + i];
	/* RFC 4271 4.3: trailing bits are irrelevant; keep them zero. */
	if (len % 8 != 0)
		p->addr.b[n - 1] &= (uint8_t)(0xff << (8 - len % 8));
	r->pos += (addpath ? 4u : 0u) + 1u + n;
	if (path_id != NULL)
		*path_id = id;
	return 0;
}

/* The lengths alone: every prefix fits the field and its family. */
int
nlri_check(const uint8_t *data, size_t len, int af, bool addpath)
{
	unsigned bits = addr_bits(af);
	size_t i = 0;

	while (i < len) {
		if (addpath) {
			if (len - i < 4)
				return -1;
			i += 4;
		}
		if (i >= len || data[i] > bits)
			return -1;
		i += 1u + (data[i] + 7u) / 8u;
		if (i > len)
			return -1;
	}
	return 0;
}

size_t
nlri_size(const struct ip_prefix *p, bool addpath)
{
	return (addpath ? 4u : 0u) + 1u + (p->len + 7u) / 8u;
}

void
nlri_put(struct buf_wr *w, const struct ip_prefix *p, bool addpath,
    uint32_t path_id)
{
	struct ip_prefix m = *p;

	addr_pfx_mask(&m);
	if (addpath)
		buf_put_u32(w, path_id);
	buf_put_u8(w, p->len);
	buf_put_bytes(w, m.addr.b, (p->len + 7u) / 8u);
}

unsigned
nlri_count(const uint8_t *data, size_t len, int af, bool addpath)
{
	struct buf_rd r;
	struct ip_prefix p;
	unsigned n = 0;

	buf_rd_init(&r, data, len);
	while (buf_left(&r) > 0 && nlri_get(&r, af, addpath, &p, NULL) == 0)
		n++;
	return n;
}
