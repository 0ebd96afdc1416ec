/*
 * connix: the sessions by peer address, for the one lookup every
 * accepted connection makes (a mesh node accepts N connections and has
 * N sessions: a walk of them made each accept O(N)).  Pure: libc and
 * lib/ only; unit-tested (tests/unit/daemon/check_connix.c).
 *
 * An entry lives inside the caller's session and carries its key.
 * Sessions to other ports of an address already present are chained
 * behind the first one added (BGPPeers may name one address twice with
 * different ports); removing that first one puts the next in its
 * place.
 */
#ifndef BGPD_CONNIX_H
#define BGPD_CONNIX_H

#include <stdint.h>

#include "lib/addr.h"
#include "lib/hash.h"

struct connix_ent {
	struct ip_addr addr;
	uint16_t port;
	struct connix_ent *same;	/* the same address, another port */
};

struct connix {
	struct hash_table t;
};

void	 connix_init(struct connix *x);
/* The entries are the caller's: only the index goes. */
void	 connix_free(struct connix *x);
/* e's addr and port set; no entry of the same addr and port present. */
void	 connix_add(struct connix *x, struct connix_ent *e);
/* e must be in x (fatal otherwise). */
void	 connix_del(struct connix *x, struct connix_ent *e);
/* The entry for addr and port; port 0: the first added for addr. */
struct connix_ent *connix_find(const struct connix *x,
	    const struct ip_addr *addr, uint16_t port);

#endif
