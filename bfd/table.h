/*
 * table: a node's BFD sessions.  Allocates local discriminators, finds
 * the session a received packet belongs to (RFC 5880 6.3 and 6.8.6,
 * RFC 5881 3) and counts every packet dropped, by reason.  Pure: the
 * transport hands it bytes with their source, interface and TTL.
 *
 * Lookups are linear: BFD runs only to directly connected peers, tens of
 * them on a node.
 */
#ifndef BGPD_BFD_TABLE_H
#define BGPD_BFD_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "session.h"

struct bfd_tab_ent {
	struct bfd_sess s;
	struct ip_addr peer;	/* the remote system */
	struct ip_addr local;	/* our address toward it (af 0: any) */
	unsigned ifindex;	/* 0: any interface */
	uint64_t drops;		/* packets for it that were dropped */
	void	*user;		/* the transport's */
};

struct bfd_table {
	struct bfd_tab_ent **v;
	size_t	n, cap;
	uint64_t drops[BFD_DROP_MAX];
	uint64_t rng;
};

void	 bfd_tab_init(struct bfd_table *t, uint64_t seed);
void	 bfd_tab_free(struct bfd_table *t);
/* A new session in Down with a fresh nonzero discriminator. */
struct bfd_tab_ent *bfd_tab_add(struct bfd_table *t,
	    const struct ip_addr *peer, const struct ip_addr *local,
	    unsigned ifindex, const struct bfd_conf *c, uint64_t now);
void	 bfd_tab_del(struct bfd_table *t, struct bfd_tab_ent *e);
struct bfd_tab_ent *bfd_tab_find_disc(const struct bfd_table *t,
	    uint32_t disc);
struct bfd_tab_ent *bfd_tab_find_peer(const struct bfd_table *t,
	    const struct ip_addr *peer, unsigned ifindex);

/*
 * One received UDP payload from src on ifindex (0: unknown) with the IP
 * TTL/Hop Limit ttl.  Checks, in order: RFC 5881 5 (TTL 255), RFC 5880
 * 6.8.6 (packet.c's checks, Your Discriminator 0 only in Down or
 * AdminDown, the A bit, the session by Your Discriminator or else by
 * source address and interface), then runs the session.  Returns the
 * reason it was dropped (counted) or BFD_DROP_NONE with *hit and the
 * session's BFD_SESS_* result in *flags.
 */
enum bfd_drop bfd_tab_input(struct bfd_table *t, const uint8_t *b,
	    size_t n, const struct ip_addr *src, unsigned ifindex, int ttl,
	    uint64_t now, struct bfd_tab_ent **hit, unsigned *flags);

#endif
