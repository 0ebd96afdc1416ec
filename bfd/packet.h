/*
 * packet: the BFD control packet (RFC 5880 4.1) as a struct, and the
 * checks RFC 5880 6.8.6 makes on every packet before any session state is
 * looked at.  Pure: bytes in, a struct or a drop reason out.
 */
#ifndef BGPD_BFD_PACKET_H
#define BGPD_BFD_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bfd.h"

struct bfd_pkt {
	uint8_t	version;
	uint8_t	diag;		/* enum bfd_diag, 5 bits */
	uint8_t	state;		/* enum bfd_state */
	bool	poll, final, cpi, auth, demand, multipoint;
	uint8_t	mult;		/* Detect Mult */
	uint8_t	len;		/* Length */
	uint32_t my_disc, your_disc;
	uint32_t min_tx;	/* Desired Min TX Interval, us */
	uint32_t min_rx;	/* Required Min RX Interval, us */
	uint32_t min_echo_rx;	/* Required Min Echo RX Interval, us */
};

/*
 * Decode and check the n octets of a UDP payload.  Returns BFD_DROP_NONE
 * or the first RFC 5880 6.8.6 rule the packet breaks that needs no
 * session: version, Length (at least 24, 26 with A set, and not more than
 * n), Detect Mult 0, M set, My Discriminator 0.  Octets past Length are
 * ignored.
 */
enum bfd_drop bfd_pkt_decode(const uint8_t *b, size_t n, struct bfd_pkt *p);
/* The 24 octets of p (no authentication section); version and length
 * are written as 1 and 24 whatever p says.  Returns 24. */
size_t	 bfd_pkt_encode(const struct bfd_pkt *p, uint8_t out[BFD_HDR_LEN]);

#endif
