/*
 * session: one BFD session's state machine (RFC 5880), pure; see
 * session.h for the rules coded here and how the caller drives it.
 */
#include <stdio.h>
#include <string.h>

#include "session.h"

static uint32_t
max32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

/* xorshift64*: cheap, seeded by the caller, so tests can replay it. */
static uint64_t
rng_next(struct bfd_sess *s)
{
	uint64_t x = s->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	s->rng = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* RFC 5880 6.8.3: "When bfd.SessionState is not Up, the system MUST set
 * bfd.DesiredMinTxInterval to a value of not less than one second." */
static uint32_t
idle_tx(const struct bfd_conf *c)
{
	return max32(c->idle_tx_us, BFD_SLOW_US);
}

/* The DesiredMinTxInterval transmission uses: an increase made while Up
 * waits for the end of its Poll Sequence (6.8.3). */
static uint32_t
tx_in_force(const struct bfd_sess *s)
{
	return s->tx_held != 0 ? s->tx_held : s->desired_min_tx;
}

/* The RequiredMinRxInterval detection uses: a decrease made while Up
 * waits for the end of its Poll Sequence (6.8.3). */
static uint32_t
rx_in_force(const struct bfd_sess *s)
{
	return s->rx_held != 0 ? s->rx_held : s->required_min_rx;
}

uint32_t
bfd_sess_tx_us(const struct bfd_sess *s)
{
	/* 6.8.7: "the greater of bfd.DesiredMinTxInterval and
	 * bfd.RemoteMinRxInterval". */
	return max32(tx_in_force(s), s->remote_min_rx);
}

uint32_t
bfd_sess_rx_us(const struct bfd_sess *s)
{
	return max32(rx_in_force(s), s->remote_min_tx);
}

uint64_t
bfd_sess_detect_us(const struct bfd_sess *s)
{
	/* 6.8.4: "the Detection Time ... is equal to the value of Detect
	 * Mult received from the remote system, multiplied by the agreed
	 * transmit interval of the remote system (the greater of
	 * bfd.RequiredMinRxInterval and the last received Desired Min TX
	 * Interval)." */
	return (uint64_t)(s->remote_mult ? s->remote_mult : s->conf.mult) *
	    bfd_sess_rx_us(s);
}

/* 6.8.7: "The periodic transmission of BFD Control packets MUST be
 * jittered on a per-packet basis by up to 25%, that is, the interval MUST
 * be reduced by a random value of 0 to 25% ... If bfd.DetectMult is equal
 * to 1, the interval between transmitted BFD Control packets MUST be no
 * more than 90% of the negotiated transmission interval, and MUST be no
 * less than 75%". */
static uint64_t
jittered(struct bfd_sess *s, uint32_t iv)
{
	uint64_t lo = (uint64_t)iv * 3 / 4;
	uint64_t hi = s->conf.mult == 1 ? (uint64_t)iv * 9 / 10 : iv;

	return lo + rng_next(s) % (hi - lo + 1);
}

static void
schedule_tx(struct bfd_sess *s, uint64_t now)
{
	/* 6.8.7: "A system MUST NOT periodically transmit BFD Control
	 * packets if bfd.RemoteMinRxInterval is zero." */
	if (s->remote_min_rx == 0) {
		s->next_tx = 0;
		return;
	}
	s->next_tx = now + jittered(s, bfd_sess_tx_us(s));
}

static void
tx_now(struct bfd_sess *s, uint64_t now)
{
	s->next_tx = now ? now : 1;
}

static void
poll_start(struct bfd_sess *s)
{
	/* 6.5: one Poll Sequence at a time; changes made during one are
	 * polled again once it ends, and what it held stays held. */
	if (s->polling) {
		s->poll_again = true;
		return;
	}
	s->polling = true;
	s->polls++;
}

/* 6.8.6: "If a Poll Sequence is being transmitted by the local system
 * and the Final (F) bit in the received packet is set, the Poll Sequence
 * MUST be terminated." */
static void
poll_end(struct bfd_sess *s, uint64_t now)
{
	if (s->poll_again) {
		s->poll_again = false;
		s->polls++;
		return;
	}
	s->polling = false;
	s->tx_held = 0;
	s->rx_held = 0;
	if (s->next_tx != 0)
		schedule_tx(s, now);
}

/*
 * New DesiredMinTx/RequiredMinRx.  6.8.3: "If either
 * bfd.DesiredMinTxInterval is changed or bfd.RequiredMinRxInterval is
 * changed, a Poll Sequence MUST be initiated"; we poll only a session
 * that is Up (a remote that is not Up is not timing us: the state change
 * itself tells it).  "If bfd.DesiredMinTxInterval is increased and
 * bfd.SessionState is Up, the actual transmission interval used MUST NOT
 * change until the Poll Sequence ... has terminated."  "If
 * bfd.RequiredMinRxInterval is reduced and bfd.SessionState is Up, the
 * previous value ... MUST be used when calculating the Detection Time
 * ... until the Poll Sequence ... has terminated."
 */
static void
set_intervals(struct bfd_sess *s, uint32_t tx, uint32_t rx, uint64_t now)
{
	uint64_t due;

	if (tx == s->desired_min_tx && rx == s->required_min_rx)
		return;
	if (s->state == BFD_ST_UP) {
		if (tx > s->desired_min_tx && s->tx_held == 0)
			s->tx_held = s->desired_min_tx;
		if (rx < s->required_min_rx && s->rx_held == 0)
			s->rx_held = s->required_min_rx;
	}
	s->desired_min_tx = tx;
	s->required_min_rx = rx;
	if (s->tx_held != 0 && tx <= s->tx_held)
		s->tx_held = 0;		/* not an increase any more */
	if (s->rx_held != 0 && rx >= s->rx_held)
		s->rx_held = 0;
	if (s->state == BFD_ST_UP)
		poll_start(s);
	/* A shorter interval applies to the next packet at once. */
	due = now + bfd_sess_tx_us(s);
	if (s->next_tx > due)
		schedule_tx(s, now);
}

static void
set_state(struct bfd_sess *s, uint8_t st, uint64_t now)
{
	bool was_up = s->state == BFD_ST_UP;

	s->state = st;
	s->last_change = now;
	if (st == BFD_ST_UP) {
		s->up_since = now;
		s->n_up++;
		s->local_diag = BFD_DIAG_NONE;
		s->remote_admin = false;
		set_intervals(s, s->conf.min_tx_us, s->conf.min_rx_us, now);
	} else {
		if (was_up) {
			s->n_down++;
			s->last_down_at = now;
			s->last_down_diag = s->local_diag;
		}
		s->up_since = 0;
		/* Holds and polls are about an Up session. */
		s->polling = s->poll_again = false;
		s->tx_held = s->rx_held = 0;
		set_intervals(s, idle_tx(&s->conf), s->conf.min_rx_us, now);
	}
	/* Tell the remote at once rather than at the next period. */
	tx_now(s, now);
}

static void
go_down(struct bfd_sess *s, uint8_t diag, bool remote_admin, uint64_t now)
{
	s->local_diag = diag;
	s->remote_admin = remote_admin;
	set_state(s, BFD_ST_DOWN, now);
}

void
bfd_sess_init(struct bfd_sess *s, const struct bfd_conf *c,
    uint32_t local_disc, uint64_t seed, uint64_t now)
{
	memset(s, 0, sizeof(*s));
	s->conf = *c;
	if (s->conf.mult == 0)
		s->conf.mult = 1;
	s->state = BFD_ST_DOWN;
	s->remote_state = BFD_ST_DOWN;
	s->local_disc = local_disc;
	s->desired_min_tx = idle_tx(c);
	s->required_min_rx = c->min_rx_us;
	s->remote_min_rx = 1;	/* 6.8.1: "initialized to 1" */
	s->rng = seed ? seed : 0x9e3779b97f4a7c15ULL;
	s->created = s->last_change = now;
	tx_now(s, now);
}

void
bfd_sess_set_conf(struct bfd_sess *s, const struct bfd_conf *c,
    uint64_t now)
{
	s->conf = *c;
	if (s->conf.mult == 0)
		s->conf.mult = 1;
	if (s->state == BFD_ST_UP)
		set_intervals(s, c->min_tx_us, c->min_rx_us, now);
	else
		set_intervals(s, idle_tx(c), c->min_rx_us, now);
	/* 6.8.12: a new Detect Mult goes out with the next packet. */
}

unsigned
bfd_sess_admin(struct bfd_sess *s, bool down, uint64_t now)
{
	if (down && s->state != BFD_ST_ADMIN_DOWN) {
		/* 6.8.16: "set bfd.SessionState to AdminDown ... and
		 * bfd.LocalDiag to an appropriate value"; detection
		 * stops, AdminDown is sent at the idle rate. */
		s->local_diag = BFD_DIAG_ADMIN_DOWN;
		s->remote_admin = false;
		s->detect_at = 0;
		set_state(s, BFD_ST_ADMIN_DOWN, now);
		return BFD_SESS_CHANGED | BFD_SESS_SEND;
	}
	if (!down && s->state == BFD_ST_ADMIN_DOWN) {
		/* "... it sets bfd.SessionState to Down". */
		s->local_diag = BFD_DIAG_NONE;
		set_state(s, BFD_ST_DOWN, now);
		return BFD_SESS_CHANGED | BFD_SESS_SEND;
	}
	return 0;
}

unsigned
bfd_sess_rx(struct bfd_sess *s, const struct bfd_pkt *p, uint64_t now)
{
	uint8_t before = s->state;
	uint32_t old_rmin = s->remote_min_rx;
	unsigned out = 0;

	s->rx_pkts++;
	s->last_rx = now;
	/* 6.8.6, in its order. */
	s->remote_disc = p->my_disc;
	s->remote_state = p->state;
	s->remote_demand = p->demand;
	s->remote_min_rx = p->min_rx;
	s->remote_min_tx = p->min_tx;
	s->remote_mult = p->mult;
	s->remote_diag = p->diag;
	if (s->polling && p->final)
		poll_end(s, now);
	/* "Update the transmit interval as described in section 6.8.2":
	 * a remote that now asks for none stops us, one that asks again
	 * restarts us, a shorter interval applies to the next packet. */
	if (s->remote_min_rx != old_rmin) {
		if (old_rmin == 0 || s->next_tx == 0 ||
		    s->next_tx > now + bfd_sess_tx_us(s))
			schedule_tx(s, now);
	}
	/* "Update the Detection Time as described in section 6.8.4":
	 * the timer restarts with every packet that gets this far. */
	if (s->state != BFD_ST_ADMIN_DOWN)
		s->detect_at = now + bfd_sess_detect_us(s);
	/* "If bfd.SessionState is AdminDown: Discard the packet." */
	if (s->state == BFD_ST_ADMIN_DOWN)
		return BFD_SESS_DROPPED;
	if (p->state == BFD_ST_ADMIN_DOWN) {
		/* "If received state is AdminDown: If bfd.SessionState is
		 * not Down: Set bfd.LocalDiag to 3 (Neighbor signaled
		 * session down), Set bfd.SessionState to Down". */
		if (s->state != BFD_ST_DOWN)
			go_down(s, BFD_DIAG_NEIGHBOR_DOWN, true, now);
	} else if (s->state == BFD_ST_DOWN) {
		/* "If received State is Down: Set bfd.SessionState to
		 * Init; Else if received State is Init: Set
		 * bfd.SessionState to Up". */
		if (p->state == BFD_ST_DOWN)
			set_state(s, BFD_ST_INIT, now);
		else if (p->state == BFD_ST_INIT)
			set_state(s, BFD_ST_UP, now);
	} else if (s->state == BFD_ST_INIT) {
		/* "If received State is Init or Up: Set bfd.SessionState
		 * to Up". */
		if (p->state == BFD_ST_INIT || p->state == BFD_ST_UP)
			set_state(s, BFD_ST_UP, now);
	} else if (p->state == BFD_ST_DOWN) {
		/* Up: "If received State is Down: Set bfd.LocalDiag to 3
		 * (Neighbor signaled session down), Set bfd.SessionState
		 * to Down". */
		go_down(s, BFD_DIAG_NEIGHBOR_DOWN, false, now);
	}
	if (s->state != before)
		out |= BFD_SESS_CHANGED | BFD_SESS_SEND;
	/* "If the Poll (P) bit is set, send a BFD Control packet to the
	 * remote system with the Poll (P) bit clear, and the Final (F)
	 * bit set" -- at once, "without respect to the transmission
	 * timer" (6.8.7). */
	if (p->poll) {
		s->send_final = true;
		out |= BFD_SESS_SEND;
	}
	if (out & BFD_SESS_SEND)
		tx_now(s, now);
	return out;
}

unsigned
bfd_sess_timer(struct bfd_sess *s, uint64_t now)
{
	unsigned out = 0;

	if (s->detect_at != 0 && s->detect_at <= now) {
		s->detect_at = 0;
		/* 6.8.1: bfd.RemoteDiscr "MUST be set to zero if a period
		 * of a Detection Time passes without the receipt of a valid
		 * ... packet from the remote system". */
		s->remote_disc = 0;
		s->remote_state = BFD_ST_DOWN;
		/* 6.8.4: "... and bfd.SessionState is Init or Up, the
		 * session has gone down -- the local system MUST set
		 * bfd.SessionState to Down and bfd.LocalDiag to 1 (Control
		 * Detection Time Expired)." */
		if (s->state == BFD_ST_INIT || s->state == BFD_ST_UP) {
			go_down(s, BFD_DIAG_EXPIRED, false, now);
			out |= BFD_SESS_CHANGED;
		}
	}
	if (s->next_tx != 0 && s->next_tx <= now)
		out |= BFD_SESS_SEND;
	return out;
}

void
bfd_sess_tx(struct bfd_sess *s, struct bfd_pkt *p, uint64_t now)
{
	memset(p, 0, sizeof(*p));
	p->version = BFD_VERSION;
	p->diag = s->local_diag;
	p->state = s->state;
	/* 6.8.7: "the Poll (P) bit ... MUST be set if ... a Poll Sequence
	 * is being transmitted"; a Final answers a Poll, and P and F are
	 * never set together (6.5). */
	if (s->send_final) {
		p->final = true;
		s->send_final = false;
	} else {
		p->poll = s->polling;
	}
	/* C clear: BFD shares fate with bgpd's control plane (one
	 * process).  A, D, M clear: no authentication, no Demand mode,
	 * no multipoint. */
	p->mult = s->conf.mult;
	p->len = BFD_HDR_LEN;
	p->my_disc = s->local_disc;
	p->your_disc = s->remote_disc;
	p->min_tx = s->desired_min_tx;
	p->min_rx = s->required_min_rx;
	p->min_echo_rx = 0;	/* no Echo function */
	s->tx_pkts++;
	s->last_tx = now;
	schedule_tx(s, now);
}

uint64_t
bfd_sess_next(const struct bfd_sess *s)
{
	if (s->next_tx == 0)
		return s->detect_at;
	if (s->detect_at == 0)
		return s->next_tx;
	return s->next_tx < s->detect_at ? s->next_tx : s->detect_at;
}

const char *
bfd_sess_down_reason(const struct bfd_sess *s, char *buf, unsigned size)
{
	char tmp[40];

	if (s->n_down == 0 && s->state != BFD_ST_ADMIN_DOWN) {
		snprintf(buf, size, "%s", "");
		return buf;
	}
	if (s->state == BFD_ST_ADMIN_DOWN)
		snprintf(buf, size, "administratively down");
	else if (s->remote_admin)
		snprintf(buf, size, "neighbor signaled AdminDown");
	else
		snprintf(buf, size, "%s", bfd_diag_name(s->last_down_diag,
		    tmp, sizeof(tmp)));
	return buf;
}
