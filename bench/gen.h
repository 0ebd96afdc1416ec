/*
 * gen: the benchmark route generator (gen.c runs the sessions, gen_enc.c
 * encodes every UPDATE before the first connection).
 */
#ifndef BGPD_BENCH_GEN_H
#define BGPD_BENCH_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

#define MAX_PATH	255		/* ASNs: one AS_SEQUENCE segment */

struct opts {
	struct ip_addr connect, source, nexthop, listen;
	bool	has_source, has_nexthop, has_listen;
	uint16_t port;
	uint32_t local_as, peer_as, router_id, aspath_base;
	unsigned peers, hold, aspath_len, variety;
	size_t	prefixes;
	const char *replay;		/* --replay FILE, or NULL */
	struct ip_prefix start;
	int	family;			/* AF_INET or AF_INET6 */
	bool	per_peer, communities, ext_msg, sink, quiet;
};

/* Prepared bytes: UPDATEs (and End-of-RIB) for one message size. */
struct feed {
	uint8_t	*data;
	size_t	len;
	size_t	body;		/* offset of the End-of-RIB, or len */
	size_t	*nh;		/* offsets of the next hops to patch */
	size_t	nnh, nh_cap;
	size_t	nmsgs;
};

enum { SZ_STD, SZ_EXT, SZ_N };

struct feedset {
	struct feed ann[SZ_N], wd[SZ_N];
	size_t	npfx;
};

/* Every announcement and withdrawal, for each message size in use: one
 * feedset per peer with --per-peer-offset, else one shared.  Prints the
 * "encoded" event. */
void	 gen_encode(const struct opts *o, struct feedset **fsets,
	    size_t *nfsets);
/* The same from a file of UPDATEs (mrtfeed's output): sent as they are
 * (next hops patched), then End-of-RIB; the withdrawal feed withdraws
 * every prefix they announce.  Prints the "encoded" event. */
void	 gen_replay(const struct opts *o, struct feedset **fsets,
	    size_t *nfsets);

#endif
