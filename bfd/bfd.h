/*
 * bfd: protocol constants of Bidirectional Forwarding Detection shared by
 * the BFD modules (RFC 5880 4.1 and 6.8.1, RFC 5881 4 and 5) and their
 * names as operators see them (BIRD's spelling of the states).
 *
 * The folder's layers, purest first:
 *   packet.c   the control packet codec and its 6.8.6 checks (no state)
 *   session.c  one session's state machine, timers as data on a clock
 *              the caller gives (microseconds)
 *   table.c    the sessions of a node: discriminators, demultiplexing
 *              (RFC 5880 6.3, RFC 5881 3), drops counted by reason
 *   io.c       the transport: UDP sockets and a thread of its own
 * Only io.c makes system calls; everything else is unit-tested on a
 * virtual clock.  bfd/ uses lib/ and libc only.
 */
#ifndef BGPD_BFD_H
#define BGPD_BFD_H

#include <stdint.h>

#define BFD_PORT		3784	/* RFC 5881 4: single hop */
#define BFD_SPORT_MIN		49152	/* RFC 5881 4: source ports */
#define BFD_SPORT_MAX		65535
#define BFD_TTL			255	/* RFC 5881 5 */
#define BFD_VERSION		1
#define BFD_HDR_LEN		24	/* mandatory section */
#define BFD_HDR_LEN_AUTH	26	/* with the smallest auth section */
#define BFD_SLOW_US		1000000u	/* RFC 5880 6.8.3: 1 s */

/* RFC 5880 4.1: Sta. */
enum bfd_state {
	BFD_ST_ADMIN_DOWN = 0,
	BFD_ST_DOWN = 1,
	BFD_ST_INIT = 2,
	BFD_ST_UP = 3,
};

/* RFC 5880 4.1: Diag. */
enum bfd_diag {
	BFD_DIAG_NONE = 0,
	BFD_DIAG_EXPIRED = 1,		/* Control Detection Time Expired */
	BFD_DIAG_ECHO = 2,		/* Echo Function Failed */
	BFD_DIAG_NEIGHBOR_DOWN = 3,	/* Neighbor Signaled Session Down */
	BFD_DIAG_FWD_RESET = 4,		/* Forwarding Plane Reset */
	BFD_DIAG_PATH_DOWN = 5,		/* Path Down */
	BFD_DIAG_CONCAT_DOWN = 6,	/* Concatenated Path Down */
	BFD_DIAG_ADMIN_DOWN = 7,	/* Administratively Down */
	BFD_DIAG_REV_CONCAT_DOWN = 8,	/* Reverse Concatenated Path Down */
};

/* Why a received packet was dropped (RFC 5880 6.8.6, RFC 5881 5). */
enum bfd_drop {
	BFD_DROP_NONE = 0,
	BFD_DROP_SHORT,		/* fewer octets than a header */
	BFD_DROP_VERSION,	/* version is not 1 */
	BFD_DROP_LENGTH,	/* Length too small or past the payload */
	BFD_DROP_MULT,		/* Detect Mult is 0 */
	BFD_DROP_MULTIPOINT,	/* M bit set */
	BFD_DROP_MY_DISC,	/* My Discriminator is 0 */
	BFD_DROP_YOUR_DISC,	/* Your Discriminator 0 while not Down */
	BFD_DROP_NO_SESSION,	/* no session for it */
	BFD_DROP_AUTH,		/* A bit: we use no authentication */
	BFD_DROP_TTL,		/* TTL/Hop Limit not 255 */
	BFD_DROP_ADMIN_DOWN,	/* our session is AdminDown */
	BFD_DROP_MAX,
};

/* "AdminDown", "Down", "Init", "Up" (BIRD's words). */
const char *bfd_state_name(unsigned state);
/* "Control detection time expired", ... ; "Unknown diagnostic N". */
const char *bfd_diag_name(unsigned diag, char *buf, unsigned size);
/* Short words for the counters: "version", "length", ... */
const char *bfd_drop_name(unsigned drop);

#endif
