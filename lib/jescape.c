/* jescape: see jescape.h. */
#include "jescape.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (max n bytes), or 0. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

size_t
jescape(char *dst, size_t size, const char *str, size_t len,
    size_t *written)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, o = 0;

	while (i < len) {
		unsigned char c = s[i];
		const char *e = NULL;
		char u[8];
		size_t n;

		switch (c) {
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		default: break;
		}
		if (e == NULL && (c < 0x20 || c == 0x7f)) {
			snprintf(u, sizeof(u), "\\u%04x", c);
			e = u;
		}
		n = e != NULL ? 1 : utf8_seq(s + i, len - i);
		if (e == NULL && n == 0)
			e = "\\ufffd", n = 1;
		if (e != NULL) {
			size_t el = strlen(e);

			if (o + el >= size)
				break;
			memcpy(dst + o, e, el);
			o += el;
		} else {
			if (o + n >= size)
				break;
			memcpy(dst + o, s + i, n);
			o += n;
		}
		i += n;
	}
	if (size > 0)
		dst[o] = '\0';
	*written = o;
	return i;
}
