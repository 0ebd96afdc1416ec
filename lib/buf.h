/*
 * buf: a bounds-checked read cursor and a growable write buffer.
 *
 * Readers never read past their view: every get returns -1 (and consumes
 * nothing) when too few bytes are left, so decoders are a sequence of
 * checked gets and a sub-view per length-prefixed field.  Writers grow on
 * demand up to an optional limit; writing past the limit sets a sticky
 * overflow flag that encoders check once at the end.  Multi-byte integers
 * are network byte order on both sides.
 */
#ifndef BGPD_BUF_H
#define BGPD_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf_rd {
	const uint8_t *p;
	size_t	len;
	size_t	pos;
};

void	 buf_rd_init(struct buf_rd *r, const void *data, size_t len);
size_t	 buf_left(const struct buf_rd *r);
size_t	 buf_pos(const struct buf_rd *r);
const uint8_t *buf_cur(const struct buf_rd *r);
int	 buf_get_u8(struct buf_rd *r, uint8_t *v);
int	 buf_get_u16(struct buf_rd *r, uint16_t *v);
int	 buf_get_u32(struct buf_rd *r, uint32_t *v);
int	 buf_get_bytes(struct buf_rd *r, void *dst, size_t n);
int	 buf_skip(struct buf_rd *r, size_t n);
/* Take the next n bytes as a new reader and advance past them. */
int	 buf_get_view(struct buf_rd *r, size_t n, struct buf_rd *sub);
int	 buf_peek_u8(const struct buf_rd *r, uint8_t *v);

struct buf_wr {
	uint8_t	*data;
	size_t	len;
	size_t	cap;
	size_t	limit;		/* 0: unlimited */
	bool	overflow;
};

void	 buf_wr_init(struct buf_wr *w, size_t limit);
void	 buf_wr_free(struct buf_wr *w);
void	 buf_wr_reset(struct buf_wr *w);
/* Hand the bytes to the caller (NUL-terminated); the writer is reset. */
uint8_t	*buf_wr_detach(struct buf_wr *w, size_t *len);
void	 buf_put_u8(struct buf_wr *w, uint8_t v);
void	 buf_put_u16(struct buf_wr *w, uint16_t v);
void	 buf_put_u32(struct buf_wr *w, uint32_t v);
void	 buf_put_bytes(struct buf_wr *w, const void *src, size_t n);
void	 buf_put_zero(struct buf_wr *w, size_t n);
void	 buf_put_str(struct buf_wr *w, const char *s);
void	 buf_printf(struct buf_wr *w, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 buf_vprintf(struct buf_wr *w, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));
/* Back-patch fixed-size fields (lengths) at an offset already written. */
void	 buf_set_u8_at(struct buf_wr *w, size_t off, uint8_t v);
void	 buf_set_u16_at(struct buf_wr *w, size_t off, uint16_t v);
/* A C string view of the text written so far. */
const char *buf_str(struct buf_wr *w);

#endif
