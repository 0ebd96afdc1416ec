/*
 * session: one BFD session's state machine (RFC 5880 6.2, 6.8), pure.
 *
 * Asynchronous mode only (no Demand mode, no Echo function, no
 * authentication).  Time is a caller-given clock in microseconds, so the
 * tests drive it virtually; timers are deadlines stored as data (0:
 * stopped).  The caller feeds received packets (already checked by
 * packet.c and demultiplexed by table.c) to bfd_sess_rx(), calls
 * bfd_sess_timer() at bfd_sess_next(), and sends the packet
 * bfd_sess_tx() builds whenever either says BFD_SESS_SEND.
 *
 * What is coded here, by section:
 *   6.8.6  reception: the remote's variables, the Final that ends a
 *          Poll Sequence, the Down/Init/Up/AdminDown transitions, a
 *          Poll answered at once with a Final;
 *   6.8.4  detection time = the remote's Detect Mult x the larger of our
 *          RequiredMinRxInterval and its Desired Min TX;
 *   6.8.7  the transmit interval, max(DesiredMinTx, RemoteMinRx),
 *          less 0-25 % jitter (10-25 % at Detect Mult 1), none while the
 *          remote asks for none;
 *   6.8.3  slow start (at least 1 s while not Up), Poll Sequences for
 *          interval changes, an increase of our TX or a decrease of our
 *          RX held back until the poll ends;
 *   6.8.16 AdminDown.
 */
#ifndef BGPD_BFD_SESSION_H
#define BGPD_BFD_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "bfd.h"
#include "packet.h"

/* What the operator configures (Calico's BFDConfiguration interface). */
struct bfd_conf {
	uint32_t min_tx_us;	/* minimumSendInterval: TX wanted when Up */
	uint32_t min_rx_us;	/* minimumRecvInterval: RX we can take */
	uint32_t idle_tx_us;	/* idleSendInterval: TX while not Up */
	uint8_t	mult;		/* multiplier */
};

/* Results of bfd_sess_rx() and bfd_sess_timer(), or-ed. */
#define BFD_SESS_CHANGED	0x1	/* state changed: look at it */
#define BFD_SESS_SEND		0x2	/* send bfd_sess_tx() now */
#define BFD_SESS_DROPPED	0x4	/* rx: discarded (we are AdminDown) */

struct bfd_sess {
	struct bfd_conf conf;
	/* RFC 5880 6.8.1 */
	uint8_t	state;			/* bfd.SessionState */
	uint8_t	remote_state;		/* bfd.RemoteSessionState */
	uint8_t	local_diag;		/* bfd.LocalDiag */
	uint32_t local_disc;		/* bfd.LocalDiscr */
	uint32_t remote_disc;		/* bfd.RemoteDiscr */
	uint32_t desired_min_tx;	/* bfd.DesiredMinTxInterval */
	uint32_t required_min_rx;	/* bfd.RequiredMinRxInterval */
	uint32_t remote_min_rx;		/* bfd.RemoteMinRxInterval */
	uint32_t remote_min_tx;		/* the remote's last Desired Min TX */
	uint8_t	remote_mult;		/* the remote's last Detect Mult */
	uint8_t	remote_diag;		/* the remote's last Diag */
	bool	remote_demand;		/* bfd.RemoteDemandMode */
	/* Poll Sequence (6.5, 6.8.3). */
	bool	polling;	/* P on our periodic packets until an F */
	bool	poll_again;	/* intervals changed during this poll */
	bool	send_final;	/* the next packet answers a Poll */
	uint32_t tx_held;	/* !0: the DesiredMinTx still in force */
	uint32_t rx_held;	/* !0: the RequiredMinRx detection still uses */
	/* Timers (us, 0: stopped). */
	uint64_t next_tx;
	uint64_t detect_at;
	uint64_t rng;
	/* History for operators. */
	uint64_t created, last_change, up_since, last_rx, last_tx;
	uint64_t last_down_at;
	uint8_t	last_down_diag;
	bool	remote_admin;	/* the last Down: the neighbor's AdminDown */
	uint32_t n_up, n_down;	/* times Up, times Up -> not Up */
	uint64_t rx_pkts, tx_pkts, polls;
};

/* A new session in Down; local_disc != 0 and unique on the node (the
 * caller's), seed != 0 for the jitter.  The first packet is due now. */
void	 bfd_sess_init(struct bfd_sess *s, const struct bfd_conf *c,
	    uint32_t local_disc, uint64_t seed, uint64_t now);
/* Intervals or multiplier changed (a Poll Sequence when Up). */
void	 bfd_sess_set_conf(struct bfd_sess *s, const struct bfd_conf *c,
	    uint64_t now);
/* Take the session to AdminDown (true) or out of it to Down (false). */
unsigned bfd_sess_admin(struct bfd_sess *s, bool down, uint64_t now);
/* A received packet that passed packet.c and table.c (6.8.6). */
unsigned bfd_sess_rx(struct bfd_sess *s, const struct bfd_pkt *p,
	    uint64_t now);
/* Run the timers due at now (detection, transmission). */
unsigned bfd_sess_timer(struct bfd_sess *s, uint64_t now);
/* The packet to send now; the next periodic one is scheduled. */
void	 bfd_sess_tx(struct bfd_sess *s, struct bfd_pkt *p, uint64_t now);
/* The earliest deadline, 0 if none. */
uint64_t bfd_sess_next(const struct bfd_sess *s);

/* Figures for status: the detection time (us), the agreed transmit and
 * receive intervals (us). */
uint64_t bfd_sess_detect_us(const struct bfd_sess *s);
uint32_t bfd_sess_tx_us(const struct bfd_sess *s);
uint32_t bfd_sess_rx_us(const struct bfd_sess *s);
/* The last down reason as words ("" if never down). */
const char *bfd_sess_down_reason(const struct bfd_sess *s, char *buf,
	    unsigned size);

#endif
