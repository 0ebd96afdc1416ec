/*
 * jescape: JSON string escaping (RFC 8259 section 7), the one rule the
 * log's JSON lines and lib/json share: '"', '\\' and control characters
 * escaped, valid UTF-8 kept, every invalid octet written as U+FFFD.
 * Depends on nothing, so lib/log can use it without lib/json and
 * lib/buf (which report their own failures through lib/log).
 */
#ifndef BGPD_JESCAPE_H
#define BGPD_JESCAPE_H

#include <stddef.h>

/* The longest escape of one input octet ("\u00xx", "\ufffd"). */
#define JESCAPE_MAX	6

/*
 * Escape s[0..len) into dst: at most size - 1 octets and a NUL, never
 * half an escape or half a character.  *written is the octets written;
 * returns the input octets consumed (less than len when dst is full).
 */
size_t	 jescape(char *dst, size_t size, const char *s, size_t len,
	    size_t *written);

#endif
