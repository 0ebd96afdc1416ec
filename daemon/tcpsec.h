/*
 * tcpsec: the socket options that protect a BGP session (RELIABILITY.md
 * 1.5, 1.6): TCP-MD5 keys (RFC 2385, TCP_MD5SIG, one per peer address,
 * on listening and connecting sockets), GTSM (RFC 5082: send with TTL
 * 255, drop what arrives with less than 256 - hops) and the classic BPF
 * program that steers each incoming SYN to the listener whose minimum
 * TTL matches the configured peer it comes from (SO_REUSEPORT groups),
 * so that a peer too far away never completes a handshake.
 */
#ifndef BGPD_TCPSEC_H
#define BGPD_TCPSEC_H

#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

#define TCPSEC_MAX_KEY	80	/* TCP_MD5SIG_MAXKEYLEN */

/* Install (len > 0) or remove (len 0) the key for peer on fd; 0 or -1
 * with errno. */
int	 tcpsec_md5(int fd, const struct ip_addr *peer, const uint8_t *key,
	    size_t len);
/* TTL 255 on send and the minimum TTL (hop limit) 256 - hops on
 * receive; hops 0: neither.  0 or -1 with errno. */
int	 tcpsec_gtsm(int fd, int af, uint8_t hops);

/* One configured peer and the index of its listener in the group. */
struct tcpsec_route {
	struct ip_addr peer;
	unsigned index;
};

/* Attach the steering program to a SO_REUSEPORT group (fd is any of
 * its sockets): a SYN from routes[i].peer goes to listener
 * routes[i].index, anything else to listener 0.  0 or -1 with errno
 * (E2BIG: too many peers for one program). */
int	 tcpsec_steer(int fd, int af, const struct tcpsec_route *routes,
	    size_t n);

#endif
