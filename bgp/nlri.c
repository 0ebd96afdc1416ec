/* nlri: see nlri.h. */
#include "nlri.h"

#include <string.h>

int
nlri_get(struct buf_rd *r, int af, bool addpath, struct ip_prefix *p,
    uint32_t *path_id)
{
	uint8_t len, bytes[16];
	size_t n;
	uint32_t id = 0;

	if (addpath && buf_get_u32(r, &id) != 0)
		return -1;
	if (buf_get_u8(r, &len) != 0 || len > addr_bits(af))
		return -1;
	n = (len + 7u) / 8u;
	memset(bytes, 0, sizeof(bytes));
	if (buf_get_bytes(r, bytes, n) != 0)
		return -1;
	addr_from_bytes(&p->addr, af, bytes);
	p->len = len;
	addr_pfx_mask(p);
	if (path_id != NULL)
		*path_id = id;
	return 0;
}

int
nlri_check(const uint8_t *data, size_t len, int af, bool addpath)
{
	struct buf_rd r;
	struct ip_prefix p;

	buf_rd_init(&r, data, len);
	while (buf_left(&r) > 0) {
		if (nlri_get(&r, af, addpath, &p, NULL) != 0)
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
