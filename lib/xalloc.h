/*
 * xalloc: allocation that never returns NULL.  Out of memory and size
 * overflow are fatal (error tier c in DESIGN.md): there is no sensible
 * recovery inside a routing daemon's hot paths.
 */
#ifndef BGPD_XALLOC_H
#define BGPD_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t nmemb, size_t size);
void	*xreallocarray(void *, size_t nmemb, size_t size);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char	*xvasprintf(const char *fmt, va_list)
	    __attribute__((format(printf, 1, 0)));
void	*xmemdup(const void *, size_t);

/*
 * Grow an array so it can hold at least `need` elements of `size` bytes;
 * *cap is updated.  Growth is geometric so appends are amortised O(1).
 */
void	*xgrow(void *array, size_t *cap, size_t need, size_t size);

#endif
