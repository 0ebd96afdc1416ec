/*
 * listen: the sockets that accept BGP connections.  Per family one
 * listening socket for peers without GTSM and, when some sessions have
 * ttlSecurity, one more per distinct hop count with IP_MINTTL (or
 * IPV6_MINHOPCOUNT) 256 - hops and TTL 255 (the SYN-ACK goes out with
 * it); they share the address in a SO_REUSEPORT group whose BPF program
 * sends each configured GTSM peer's SYN to its socket, so the kernel
 * drops a too-far peer's SYN (TcpExtTCPMinTTLDrop) before any
 * handshake.  Every listening socket carries the TCP-MD5 key of every
 * peer that has one.  An accepted connection goes to its session
 * (peer_io) only from the socket its GTSM setting matches.
 */
#ifndef BGPD_LISTEN_H
#define BGPD_LISTEN_H

#include <stddef.h>

#include "config/plan.h"

struct daemon;

/* Listen on the plan's port (both families, or the node addresses). */
int	 listen_open(struct daemon *d, const struct plan *pl, char *err,
	    size_t errlen);
void	 listen_close(struct daemon *d);
/* The sessions, their GTSM hops or their keys changed: rebuild the
 * groups whose hop counts changed, re-steer, install and remove keys. */
void	 listen_sync(struct daemon *d);

#endif
