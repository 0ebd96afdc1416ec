/* buf: see buf.h. */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xalloc.h"

void
buf_rd_init(struct buf_rd *r, const void *data, size_t len)
{
	r->p = data;
	r->len = len;
	r->pos = 0;
}

size_t
buf_left(const struct buf_rd *r)
{
	return r->len - r->pos;
}

size_t
buf_pos(const struct buf_rd *r)
{
	return r->pos;
}

const uint8_t *
buf_cur(const struct buf_rd *r)
{
	return r->p + r->pos;
}

int
buf_get_u8(struct buf_rd *r, uint8_t *v)
{
	if (buf_left(r) < 1)
		return -1;
	*v = r->p[r->pos++];
	return 0;
}

int
buf_peek_u8(const struct buf_rd *r, uint8_t *v)
{
	if (buf_left(r) < 1)
		return -1;
	*v = r->p[r->pos];
	return 0;
}

int
buf_get_u16(struct buf_rd *r, uint16_t *v)
{
	if (buf_left(r) < 2)
		return -1;
	*v = (uint16_t)(r->p[r->pos] << 8 | r->p[r->pos + 1]);
	r->pos += 2;
	return 0;
}

int
buf_get_u32(struct buf_rd *r, uint32_t *v)
{
	const uint8_t *p = r->p + r->pos;

	if (buf_left(r) < 4)
		return -1;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	r->pos += 4;
	return 0;
}

int
buf_get_bytes(struct buf_rd *r, void *dst, size_t n)
{
	if (buf_left(r) < n)
		return -1;
	if (n > 0)
		memcpy(dst, r->p + r->pos, n);
	r->pos += n;
	return 0;
}

int
buf_skip(struct buf_rd *r, size_t n)
{
	if (buf_left(r) < n)
		return -1;
	r->pos += n;
	return 0;
}

int
buf_get_view(struct buf_rd *r, size_t n, struct buf_rd *sub)
{
	if (buf_left(r) < n)
		return -1;
	buf_rd_init(sub, r->p + r->pos, n);
	r->pos += n;
	return 0;
}

void
buf_wr_init(struct buf_wr *w, size_t limit)
{
	memset(w, 0, sizeof(*w));
	w->limit = limit;
}

void
buf_wr_free(struct buf_wr *w)
{
	free(w->data);
	w->data = NULL;
	w->len = w->cap = 0;
	w->overflow = false;
}

void
buf_wr_reset(struct buf_wr *w)
{
	w->len = 0;
	w->overflow = false;
}

uint8_t *
buf_wr_detach(struct buf_wr *w, size_t *len)
{
	uint8_t *d;

	buf_str(w);
	d = w->data;
	if (len != NULL)
		*len = w->len;
	w->data = NULL;
	w->len = w->cap = 0;
	w->overflow = false;
	return d;
}

/* Make room for n more bytes (plus a NUL); false on limit overflow. */
static bool
buf_room(struct buf_wr *w, size_t n)
{
	if (w->overflow)
		return false;
	if (n > SIZE_MAX / 2 - w->len ||
	    (w->limit != 0 && w->len + n > w->limit)) {
		w->overflow = true;
		return false;
	}
	w->data = xgrow(w->data, &w->cap, w->len + n + 1, 1);
	return true;
}

void
buf_put_bytes(struct buf_wr *w, const void *src, size_t n)
{
	if (n == 0 || !buf_room(w, n))
		return;
	memcpy(w->data + w->len, src, n);
	w->len += n;
}

void
buf_put_u8(struct buf_wr *w, uint8_t v)
{
	buf_put_bytes(w, &v, 1);
}

void
buf_put_u16(struct buf_wr *w, uint16_t v)
{
	uint8_t b[2] = { v >> 8, v & 0xff };

	buf_put_bytes(w, b, 2);
}

void
buf_put_u32(struct buf_wr *w, uint32_t v)
{
	uint8_t b[4] = { v >> 24, v >> 16, v >> 8, v };

	buf_put_bytes(w, b, 4);
}

void
buf_put_zero(struct buf_wr *w, size_t n)
{
	if (n == 0 || !buf_room(w, n))
		return;
	memset(w->data + w->len, 0, n);
	w->len += n;
}

void
buf_put_str(struct buf_wr *w, const char *s)
{
	buf_put_bytes(w, s, strlen(s));
}

void
buf_vprintf(struct buf_wr *w, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		fatalx("buf_vprintf: bad format");
	if (!buf_room(w, (size_t)n))
		return;
	vsnprintf((char *)w->data + w->len, (size_t)n + 1, fmt, ap);
	w->len += (size_t)n;
}

void
buf_printf(struct buf_wr *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(w, fmt, ap);
	va_end(ap);
}

void
buf_set_u8_at(struct buf_wr *w, size_t off, uint8_t v)
{
	if (off + 1 > w->len)
		fatalx("buf_set_u8_at: offset %zu past %zu", off, w->len);
	w->data[off] = v;
}

void
buf_set_u16_at(struct buf_wr *w, size_t off, uint16_t v)
{
	if (off + 2 > w->len)
		fatalx("buf_set_u16_at: offset %zu past %zu", off, w->len);
	w->data[off] = v >> 8;
	w->data[off + 1] = v & 0xff;
}

const char *
buf_str(struct buf_wr *w)
{
	if (w->data == NULL) {
		w->data = xgrow(NULL, &w->cap, 1, 1);
	}
	w->data[w->len] = '\0';
	return (const char *)w->data;
}
