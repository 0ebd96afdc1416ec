/*
 * aspath: AS_PATH in its canonical form, which is the wire form with
 * 4-octet ASNs: segments of [type][count][count x 4-octet AS].  Paths from
 * 2-octet speakers are widened on receipt and narrowed (with AS_TRANS and
 * an AS4_PATH) for them on send (RFC 6793).  Pure functions over byte
 * strings; output goes into caller-sized buffers.
 */
#ifndef BGPD_ASPATH_H
#define BGPD_ASPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest canonical path accepted, in octets (about 1000 ASNs). */
#define ASPATH_MAX		4096

struct aspath_info {
	unsigned length;	/* RFC 4271 9.1.2.2(a): SET 1, confed 0 */
	unsigned nasns;		/* every AS number */
	bool	has_set;	/* AS_SET or AS_CONFED_SET */
	bool	has_confed;
};

/*
 * Check a wire path of 2- or 4-octet ASNs: known segment types, no empty
 * segment, nothing overruns, no AS 0 (RFC 7607).  0, or -1 with *why.
 */
int	 aspath_verify(const uint8_t *p, size_t len, bool as4,
	    struct aspath_info *info, const char **why);
/* 2-octet wire path to canonical; out holds 2 * len.  Returns length. */
size_t	 aspath_widen(const uint8_t *in, size_t len, uint8_t *out);
/*
 * Canonical path to 2-octet wire form, ASNs above 65535 as AS_TRANS;
 * *need_as4 says whether an AS4_PATH must go with it.  out holds len.
 */
size_t	 aspath_narrow(const uint8_t *in, size_t len, uint8_t *out,
	    bool *need_as4);
/* Copy without confederation segments (for AS4_PATH). */
size_t	 aspath_strip_confed(const uint8_t *in, size_t len, uint8_t *out);
/*
 * RFC 6793 4.2.3: rebuild a 2-octet speaker's path from AS_PATH (widened)
 * and AS4_PATH.  If AS4_PATH is longer, AS_PATH is kept as it is.  out
 * holds len + len4 octets.  Returns the length.
 */
size_t	 aspath_merge_as4(const uint8_t *path, size_t len,
	    const uint8_t *as4, size_t len4, uint8_t *out);
unsigned aspath_length(const uint8_t *p, size_t len);
unsigned aspath_count_as(const uint8_t *p, size_t len, uint32_t asn);
/* Leftmost AS of the path if it starts with AS_SEQUENCE, else 0. */
uint32_t aspath_first_as(const uint8_t *p, size_t len);
/* Rightmost AS (the originator), or 0 for an empty path. */
uint32_t aspath_origin_as(const uint8_t *p, size_t len);
/* Prepend asn `times` times.  out holds len + 2 + 4 * times octets. */
size_t	 aspath_prepend(const uint8_t *in, size_t len, uint32_t asn,
	    unsigned times, uint8_t *out);
/* "64512 64513 {1,2} (65000)"; returns buf (truncated with "..."). */
const char *aspath_format(const uint8_t *p, size_t len, char *buf,
	    size_t size);

#endif
