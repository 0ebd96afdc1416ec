/*
 * addr: IPv4/IPv6 addresses and prefixes as plain values.
 *
 * An address is its family plus 16 bytes (IPv4 uses the first four), so it
 * can be copied, compared and hashed without allocation.  A prefix is an
 * address plus a length; parsing keeps host bits (a Node's "10.0.0.5/24"
 * names both its address and its subnet) and callers that need a network
 * use addr_pfx_mask() or check addr_pfx_is_masked().
 */
#ifndef BGPD_ADDR_H
#define BGPD_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define ADDR_STRLEN	46	/* INET6_ADDRSTRLEN */
#define ADDR_PFX_STRLEN	(ADDR_STRLEN + 4)

struct ip_addr {
	uint8_t	af;		/* AF_INET, AF_INET6, or 0 for "none" */
	uint8_t	b[16];		/* network byte order */
};

struct ip_prefix {
	struct ip_addr addr;
	uint8_t	len;
};

int	 addr_parse(const char *s, struct ip_addr *out);
const char *addr_fmt(const struct ip_addr *a, char *buf, size_t size);
int	 addr_cmp(const struct ip_addr *a, const struct ip_addr *b);
bool	 addr_eq(const struct ip_addr *a, const struct ip_addr *b);
uint64_t addr_hash(const struct ip_addr *a);
bool	 addr_is_set(const struct ip_addr *a);
unsigned addr_bits(int af);	/* 32, 128, or 0 */
size_t	 addr_len(int af);	/* 4, 16, or 0 */
void	 addr_from_v4(struct ip_addr *a, uint32_t host_order);
uint32_t addr_v4(const struct ip_addr *a);	/* host order */
void	 addr_from_bytes(struct ip_addr *a, int af, const void *bytes);
/* a and port as a socket address: IPv4 for AF_INET, else IPv6 (af 0:
 * the IPv6 wildcard).  Returns the address's length. */
socklen_t addr_to_sockaddr(const struct ip_addr *a, uint16_t port,
	    struct sockaddr_storage *ss);
/* The address of ss; a v4-mapped IPv6 address is the IPv4 one, af 0 for
 * other families. */
void	 addr_from_sockaddr(const struct sockaddr_storage *ss,
	    struct ip_addr *a);

/* "A.B.C.D/N", "X::Y/N"; without "/N" only if allow_bare (full length). */
int	 addr_pfx_parse(const char *s, struct ip_prefix *out, bool allow_bare);
const char *addr_pfx_fmt(const struct ip_prefix *p, char *buf, size_t size);
int	 addr_pfx_cmp(const struct ip_prefix *a, const struct ip_prefix *b);
bool	 addr_pfx_eq(const struct ip_prefix *a, const struct ip_prefix *b);
uint64_t addr_pfx_hash(const struct ip_prefix *p);
void	 addr_pfx_mask(struct ip_prefix *p);
bool	 addr_pfx_is_masked(const struct ip_prefix *p);
void	 addr_pfx_host(struct ip_prefix *p, const struct ip_addr *a);
/* True if outer covers inner (same family, shorter or equal, same bits). */
bool	 addr_pfx_contains(const struct ip_prefix *outer,
	    const struct ip_prefix *inner);
bool	 addr_pfx_contains_addr(const struct ip_prefix *p,
	    const struct ip_addr *a);
bool	 addr_pfx_overlaps(const struct ip_prefix *a,
	    const struct ip_prefix *b);

#endif
