/*
 * nlri: IPv4/IPv6 prefixes in BGP's NLRI encoding (RFC 4271 4.3,
 * RFC 4760): a length octet, then the fewest octets that hold it, with an
 * optional 4-octet ADD-PATH identifier before it (RFC 7911).  Pure.
 */
#ifndef BGPD_NLRI_H
#define BGPD_NLRI_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/buf.h"

/* Decode one prefix; trailing host bits are cleared.  -1 if malformed
 * (length above 32/128, or the prefix runs past the field). */
int	 nlri_get(struct buf_rd *r, int af, bool addpath, struct ip_prefix *p,
	    uint32_t *path_id);
/* Check a whole field without keeping anything (RFC 7606 5.3). */
int	 nlri_check(const uint8_t *data, size_t len, int af, bool addpath);
void	 nlri_put(struct buf_wr *w, const struct ip_prefix *p, bool addpath,
	    uint32_t path_id);
/* Prefixes in a field (a debug summary); stops at the first bad one. */
unsigned nlri_count(const uint8_t *data, size_t len, int af, bool addpath);
/* Octets nlri_put() will write. */
size_t	 nlri_size(const struct ip_prefix *p, bool addpath);

#endif
