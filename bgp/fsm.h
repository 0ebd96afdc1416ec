/*
 * fsm: the BGP finite state machine of RFC 4271 section 8, as one function
 * over (state, event) (DESIGN.md principle 3).  Actions go through struct
 * fsm_ops, so tests drive it with a fake; timers are data (timer.h).
 *
 * Timings default to what Calico configures in BIRD: first connection
 * after 2 s, retries every 5 s, and after an error an idle hold that
 * starts at 5 s and doubles up to 30 s, forgotten once a session has been
 * up for 5 minutes.  Hold time 90 s unless configured.
 */
#ifndef BGPD_FSM_H
#define BGPD_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "timer.h"

enum fsm_state {
	FSM_IDLE,
	FSM_CONNECT,
	FSM_ACTIVE,
	FSM_OPENSENT,
	FSM_OPENCONFIRM,
	FSM_ESTABLISHED,
};

enum fsm_event {
	FSM_EV_START,		/* administrative (and automatic) start */
	FSM_EV_STOP,		/* administrative stop (arg: cease subcode) */
	FSM_EV_CONN_OPEN,	/* a TCP connection is up (either way) */
	FSM_EV_CONN_FAIL,	/* the outgoing connection failed */
	FSM_EV_CONN_CLOSED,	/* the peer closed, or read/write failed */
	FSM_EV_OPEN,		/* a valid OPEN (arg: negotiated hold) */
	FSM_EV_KEEPALIVE,
	FSM_EV_UPDATE,
	FSM_EV_ROUTE_REFRESH,
	FSM_EV_NOTIFICATION,	/* received one (arg: its code, subcode) */
	FSM_EV_ERROR,		/* we found an error (arg: what to send) */
	FSM_EV_TIMER,		/* arg: which timer expired */
};

struct fsm_arg {
	/* NOTIFICATION to send (ERROR, STOP) or received (NOTIFICATION) */
	uint8_t	code, subcode;
	const uint8_t *data;
	size_t	data_len;
	uint16_t hold;		/* negotiated hold time (OPEN) */
	enum timer_id timer;	/* (TIMER) */
	const char *why;	/* for the down reason */
	/* (ERROR) Idle this long before starting again, instead of the
	 * back-off (0: the back-off). */
	uint32_t idle_ms;
};

/*
 * Every action that sends, or that the caller may time-stamp, receives
 * the FSM's current time: timers started from it must never be computed
 * from a stored instant (state_since is when the state last changed,
 * not now).
 */
struct fsm_ops {
	void	(*connect)(void *ctx);
	void	(*disconnect)(void *ctx);
	void	(*send_open)(void *ctx, uint64_t now);
	void	(*send_keepalive)(void *ctx, uint64_t now);
	void	(*send_notification)(void *ctx, uint8_t code,
		    uint8_t subcode, const uint8_t *data, size_t len,
		    uint64_t now);
	void	(*established)(void *ctx, uint64_t now);
	/* Left Established (was_up) or gave up a connection. */
	void	(*down)(void *ctx, bool was_up, const char *why,
		    uint64_t now);
};

struct fsm_conf {
	bool	passive;
	uint32_t connect_delay_ms;	/* before the first attempt */
	uint32_t connect_fail_ms;	/* retry after a first failure */
	uint32_t connect_retry_ms;
	uint32_t idle_hold_min_ms;	/* error wait, first */
	uint32_t idle_hold_max_ms;	/* error wait, cap */
	uint32_t error_forget_ms;	/* up this long: back-off resets */
	uint16_t hold;			/* offered hold time, seconds */
	uint16_t keepalive;		/* 0: hold / 3 */
	uint16_t open_hold;		/* hold while waiting for OPEN */
};

struct fsm {
	enum fsm_state state;
	const struct fsm_ops *ops;
	void	*ctx;
	struct fsm_conf conf;
	struct timer_set timers;
	bool	running;		/* started and not stopped */
	uint16_t hold;			/* negotiated */
	uint16_t keepalive;		/* negotiated interval */
	uint32_t idle_hold_ms;		/* current back-off */
	uint32_t retry_ms;		/* next retry after a failed connect */
	uint64_t up_since;		/* monotonic ms of Established */
	uint64_t state_since;		/* monotonic ms of the last change */
	unsigned flaps;			/* times it left Established */
	/* Set while disconnecting a connection that lost a collision
	 * the peer resolved: the other connection stays. */
	bool	collided;
};

void	 fsm_conf_defaults(struct fsm_conf *c);
void	 fsm_init(struct fsm *f, const struct fsm_conf *conf,
	    const struct fsm_ops *ops, void *ctx, uint64_t now);
void	 fsm_event(struct fsm *f, enum fsm_event ev,
	    const struct fsm_arg *arg, uint64_t now);
/* Fire every expired timer as FSM_EV_TIMER. */
void	 fsm_run_timers(struct fsm *f, uint64_t now);
uint64_t fsm_next_timer(const struct fsm *f);
/* Something was sent: push the keepalive timer back. */
void	 fsm_sent(struct fsm *f, uint64_t now);
const char *fsm_state_name(enum fsm_state s);

#endif
