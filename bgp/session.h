/*
 * session: one BGP session's protocol half (no sockets): input framing
 * and message dispatch, OPEN construction and validation, capability
 * negotiation, the FSM, the output queue and counters.
 *
 * The daemon owns the TCP connection: it reads into session_in_space()
 * and calls session_in_commit(), writes what session_out_data() returns
 * and reports it with session_out_written(), and is the session's
 * transport (struct session_transport, given to session_new()), which
 * the session calls itself to connect, to disconnect and when output is
 * queued.  Decoded UPDATEs go to the speaker through the
 * update/eor/refresh hooks; the session never sees the RIB (DESIGN.md
 * principle 2).
 */
#ifndef BGPD_SESSION_H
#define BGPD_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsm.h"
#include "lib/addr.h"
#include "lib/buf.h"
#include "msg.h"
#include "update.h"

#define SESSION_MSG_LIMIT	64	/* messages per session_in_commit */
#define SESSION_OUT_HIGH	(1u << 20)	/* speaker pauses above */
#define SESSION_SEND_HOLD_MS	480000u	/* RFC 9687: 8 minutes */
/* After a prefix limit Cease the session idles this long, doubling on
 * each consecutive one up to the cap. */
#define SESSION_LIMIT_IDLE_MS	60000u
#define SESSION_LIMIT_IDLE_MAX_MS (15u * 60000u)

struct session_conf {
	char	name[96];
	struct ip_addr peer;
	uint16_t port;
	int	af;		/* family carried: the peer address's */
	uint32_t local_as;
	uint32_t remote_as;
	uint32_t router_id;	/* host order */
	bool	passive;
	uint16_t hold;		/* 0: default */
	uint16_t keepalive;	/* 0: hold / 3 */
	/* The send hold time's floor, seconds (0: RFC 9687's 480); the
	 * timer is the larger of it and twice the negotiated hold. */
	uint32_t send_hold;
	uint16_t gr_time;	/* restart time we advertise; 0: 120 */
	bool	gr_restarting;	/* advertise the R bit */
	bool	gr_forwarding;	/* advertise F: our forwarding survived */
	/* Long-lived graceful restart (RFC 9494): advertise it (a helper
	 * for the peer), offering our routes' long-lived stale time. */
	bool	llgr;
	uint32_t llgr_time;	/* s; with llgr 0: we only help */
	char	hostname[64];	/* FQDN capability; empty: none */
	/* ADD-PATH (RFC 7911) for af: MSG_ADDPATH_RX | MSG_ADDPATH_TX
	 * offered, 0: no capability. */
	uint8_t	addpath;
};

/* The TCP connection under a session (the daemon's): called with the
 * context given to session_new(). */
struct session_transport {
	void	(*connect)(void *ctx);		/* start a connection */
	void	(*disconnect)(void *ctx);	/* after flushing output */
	void	(*output)(void *ctx);		/* output is queued */
};

/* What the session tells its owner (the speaker). */
struct session_hooks {
	void	(*up)(void *ctx, uint64_t now);
	void	(*down)(void *ctx, bool was_up, const char *why,
		    uint64_t now);
	/* A decoded UPDATE; err->action is NONE, DISCARD or WITHDRAW. */
	void	(*update)(void *ctx, const struct bgp_update *u,
		    const struct bgp_err *err, uint64_t now);
	void	(*eor)(void *ctx, int af);
	void	(*refresh)(void *ctx, int af);
};

struct session_stats {
	uint64_t msgs_in, msgs_out;
	uint64_t updates_in, updates_out;
	uint64_t keepalives_in, keepalives_out;
	uint64_t notifications_in, notifications_out;
	uint64_t opens_in, opens_out;
	uint64_t refreshes_in, refreshes_out;
	uint64_t bytes_in, bytes_out;
	uint64_t discards, withdraws;	/* RFC 7606 actions taken */
};

/* What the OPENs agreed. */
struct session_neg {
	bool	as4;
	bool	ext_msg;
	bool	route_refresh;
	bool	ipv4, ipv6;
	uint32_t peer_as;
	uint32_t peer_id;	/* host order */
	uint16_t hold;
	/* ADD-PATH for the session's family (RFC 7911 4): MSG_ADDPATH_RX,
	 * the peer's NLRI carry path ids; MSG_ADDPATH_TX, ours do. */
	uint8_t	addpath;
	struct msg_caps peer_caps;
};

struct session {
	struct session_conf conf;
	const struct session_transport *transport;
	void	*transport_ctx;
	const struct session_hooks *hooks;
	void	*ctx;
	struct fsm fsm;
	struct session_neg neg;
	struct attr_ctx actx;
	/* Input not yet dispatched: in[in_off..in_len), or NULL. */
	uint8_t	*in;
	size_t	in_off, in_len, in_cap;
	bool	in_scratch;	/* between session_in_space and _commit */
	struct buf_wr out;
	size_t	out_off;
	struct session_stats stats;
	char	last_error[200];	/* "Received: Cease/..." */
	bool	notified;	/* a NOTIFICATION went either way on this
				 * connection (no graceful restart then) */
	char	peer_text[260];		/* escaped shutdown communication */
	struct msg_caps sent_caps;	/* what our last OPEN offered */
	/* Prefix limit (RFC 4486): Ceases sent, the idle interval of the
	 * last one. */
	unsigned limit_hits;
	uint32_t limit_idle_ms;
};

struct session *session_new(const struct session_conf *conf,
	    const struct session_transport *transport, void *transport_ctx,
	    const struct session_hooks *hooks, void *ctx, uint64_t now);
void	 session_free(struct session *s);

void	 session_start(struct session *s, uint64_t now);
/* Stop with Cease/subcode and an optional shutdown text (RFC 9003). */
void	 session_stop(struct session *s, uint8_t subcode, const char *text,
	    uint64_t now);

/* The peer sent more prefixes than limit: Cease/1 with the RFC 4486
 * data (AFI, SAFI, limit), then idle for the limit interval. */
void	 session_limit_exceeded(struct session *s, uint32_t limit,
	    uint64_t now);

/* Transport events. */
void	 session_connected(struct session *s, uint64_t now);
void	 session_conn_failed(struct session *s, const char *why,
	    uint64_t now);
void	 session_closed(struct session *s, const char *why, uint64_t now);
/* A connection that wins a collision replaces the current one: drop the
 * current transport state without reporting the session down. */
void	 session_takeover(struct session *s, uint64_t now);
/* Should a new connection from the peer replace the current one
 * (RFC 4271 6.8)?  Only decidable once the peer's identifier is known. */
bool	 session_collision_new_wins(const struct session *s,
	    uint32_t peer_id);

/* Input: room to read into (valid until the commit; one buffer serves
 * every session), then how much was read.  Returns true when complete
 * messages are still buffered (call again: bounded work). */
void	 session_in_space(struct session *s, uint8_t **p, size_t *room);
bool	 session_in_commit(struct session *s, size_t n, uint64_t now);
/* The space session_in_space() gave was not used (the read found
 * nothing, or failed): what the session holds stays its own. */
void	 session_in_cancel(struct session *s);
/* The input buffer every session reads into is sized for a burst (two
 * extended messages, 128 KiB); when no session has read for idle_ms,
 * give it back (the next read takes a new one).  True when it freed
 * memory.  Not between session_in_space() and session_in_commit(). */
bool	 session_in_release(uint64_t now, uint64_t idle_ms);

/* Output. */
void	 session_out_data(const struct session *s, const uint8_t **p,
	    size_t *len);
void	 session_out_written(struct session *s, size_t n, uint64_t now);
size_t	 session_out_pending(const struct session *s);
/* The speaker appends UPDATEs here, then calls session_queued(). */
struct buf_wr *session_outbuf(struct session *s);
void	 session_queued(struct session *s, unsigned nmsgs,
	    unsigned nupdates, uint64_t now);
size_t	 session_max_msg(const struct session *s);
/* How long output may make no progress before the session is dropped
 * (RFC 9687 Send Hold Timer). */
uint64_t session_send_hold_ms(const struct session *s);

void	 session_run_timers(struct session *s, uint64_t now);
uint64_t session_next_timer(const struct session *s);
bool	 session_established(const struct session *s);
/* Ask the peer to send its routes again (RFC 2918); false when the
 * session is not up or the peer cannot. */
bool	 session_request_refresh(struct session *s, uint64_t now);
const char *session_state_name(const struct session *s);

#endif
