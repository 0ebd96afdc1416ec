/*
 * fsm: see fsm.h.  The states are RFC 4271 8.2.2's.  Two simplifications
 * that the RFC allows: DelayOpen is never used, and between connection
 * attempts the session waits in Active (as BIRD shows it) with the
 * ConnectRetry timer running, so Connect means "an attempt is in flight".
 * Errors after the TCP connection came up send their NOTIFICATION and
 * enter Idle with an idle hold that grows on repeated failures.
 */
#include "fsm.h"

#include <string.h>

#include "bgp.h"

static const char *const state_names[] = {
	[FSM_IDLE] = "Idle",
	[FSM_CONNECT] = "Connect",
	[FSM_ACTIVE] = "Active",
	[FSM_OPENSENT] = "OpenSent",
	[FSM_OPENCONFIRM] = "OpenConfirm",
	[FSM_ESTABLISHED] = "Established",
};

const char *
fsm_state_name(enum fsm_state s)
{
	return (unsigned)s <= FSM_ESTABLISHED ? state_names[s] : "?";
}

void
fsm_conf_defaults(struct fsm_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->connect_delay_ms = 250;
	c->connect_fail_ms = 500;
	c->connect_retry_ms = 5000;
	c->idle_hold_min_ms = 5000;
	c->idle_hold_max_ms = 30000;
	c->error_forget_ms = 300000;
	c->hold = 90;
	c->open_hold = 240;	/* RFC 4271 8: "large", 4 minutes */
}

/* The first retry after a failed connection (then doubled). */
static uint32_t
first_retry(const struct fsm_conf *c)
{
	return c->connect_fail_ms == 0 ||
	    c->connect_fail_ms > c->connect_retry_ms ? c->connect_retry_ms :
	    c->connect_fail_ms;
}

void
fsm_init(struct fsm *f, const struct fsm_conf *conf,
    const struct fsm_ops *ops, void *ctx, uint64_t now)
{
	memset(f, 0, sizeof(*f));
	f->conf = *conf;
	f->ops = ops;
	f->ctx = ctx;
	f->state = FSM_IDLE;
	f->state_since = now;
	f->idle_hold_ms = conf->idle_hold_min_ms;
	f->retry_ms = first_retry(conf);
}

static void
go(struct fsm *f, enum fsm_state s, uint64_t now)
{
	if (f->state != s)
		f->state_since = now;
	f->state = s;
}

static void
stop_timers(struct fsm *f)
{
	memset(&f->timers, 0, sizeof(f->timers));
}

/* Wait delay_ms, then connect (or just wait, if passive). */
static void
start_connecting(struct fsm *f, uint64_t now, uint32_t delay_ms)
{
	go(f, FSM_ACTIVE, now);
	if (!f->conf.passive)
		timer_start(&f->timers, TIMER_CONNECT_RETRY, now, delay_ms);
}

/* An error after the connection came up: drop it and back off (or
 * idle for idle_ms when non-zero). */
static void
fail(struct fsm *f, uint64_t now, const char *why, uint32_t idle_ms)
{
	bool was_up = f->state == FSM_ESTABLISHED;

	if (was_up) {
		f->flaps++;
		/* A long stable session forgets earlier failures. */
		if (now - f->up_since >= f->conf.error_forget_ms)
			f->idle_hold_ms = f->conf.idle_hold_min_ms;
	}
	stop_timers(f);
	f->ops->disconnect(f->ctx);
	go(f, FSM_IDLE, now);
	f->ops->down(f->ctx, was_up, why, now);
	if (!f->running)
		return;
	if (idle_ms != 0) {
		timer_start(&f->timers, TIMER_IDLE_HOLD, now, idle_ms);
		return;
	}
	timer_start(&f->timers, TIMER_IDLE_HOLD, now, f->idle_hold_ms);
	f->idle_hold_ms *= 2;
	if (f->idle_hold_ms > f->conf.idle_hold_max_ms)
		f->idle_hold_ms = f->conf.idle_hold_max_ms;
}

static void
notify_fail(struct fsm *f, uint64_t now, uint8_t code, uint8_t sub,
    const uint8_t *data, size_t len, const char *why)
{
	f->ops->send_notification(f->ctx, code, sub, data, len, now);
	fail(f, now, why, 0);
}

/* RFC 6608: which FSM error subcode an unexpected message gets. */
static uint8_t
fsm_subcode(const struct fsm *f)
{
	switch (f->state) {
	case FSM_OPENSENT: return BGP_FSM_OPENSENT;
	case FSM_OPENCONFIRM: return BGP_FSM_OPENCONFIRM;
	case FSM_ESTABLISHED: return BGP_FSM_ESTABLISHED;
	default: return 0;
	}
}

static void
restart_hold(struct fsm *f, uint64_t now)
{
	if (f->hold > 0)
		timer_start(&f->timers, TIMER_HOLD, now, f->hold * 1000ull);
}

static void
on_open(struct fsm *f, const struct fsm_arg *arg, uint64_t now)
{
	uint16_t ka;

	if (f->state != FSM_OPENSENT) {
		notify_fail(f, now, BGP_ERR_FSM, fsm_subcode(f), NULL, 0,
		    "unexpected OPEN");
		return;
	}
	/* RFC 4271 4.2: the smaller hold time; keepalive a third of it. */
	f->hold = arg->hold;
	ka = f->hold / 3;
	if (f->conf.keepalive != 0 && f->conf.keepalive < ka)
		ka = f->conf.keepalive;
	f->keepalive = ka;
	stop_timers(f);
	f->ops->send_keepalive(f->ctx, now);
	restart_hold(f, now);
	if (f->keepalive > 0)
		timer_start(&f->timers, TIMER_KEEPALIVE, now,
		    f->keepalive * 1000ull);
	go(f, FSM_OPENCONFIRM, now);
}

static void
on_timer(struct fsm *f, enum timer_id t, uint64_t now)
{
	switch (t) {
	case TIMER_CONNECT_RETRY:
		if (f->state == FSM_CONNECT)
			f->ops->disconnect(f->ctx);
		if (f->state != FSM_ACTIVE && f->state != FSM_CONNECT)
			return;
		go(f, FSM_CONNECT, now);
		timer_start(&f->timers, TIMER_CONNECT_RETRY, now,
		    f->conf.connect_retry_ms);
		f->ops->connect(f->ctx);
		return;
	case TIMER_HOLD:
		if (f->state >= FSM_OPENSENT)
			notify_fail(f, now, BGP_ERR_HOLD, 0, NULL, 0,
			    "hold timer expired");
		return;
	case TIMER_KEEPALIVE:
		if (f->state < FSM_OPENCONFIRM || f->keepalive == 0)
			return;
		f->ops->send_keepalive(f->ctx, now);
		timer_start(&f->timers, TIMER_KEEPALIVE, now,
		    f->keepalive * 1000ull);
		return;
	case TIMER_IDLE_HOLD:
		if (f->state == FSM_IDLE && f->running)
			start_connecting(f, now, 0);
		return;
	case TIMER_SEND_HOLD:
		if (f->state >= FSM_OPENSENT)
			notify_fail(f, now, BGP_ERR_SEND_HOLD, 0, NULL, 0,
			    "send hold timer expired: the peer stopped "
			    "reading");
		return;
	case TIMER_MAX:
		return;
	}
}

static void
on_message(struct fsm *f, enum fsm_event ev, uint64_t now)
{
	switch (f->state) {
	case FSM_OPENCONFIRM:
		if (ev == FSM_EV_KEEPALIVE) {
			restart_hold(f, now);
			go(f, FSM_ESTABLISHED, now);
			f->retry_ms = first_retry(&f->conf);
			f->up_since = now;
			f->ops->established(f->ctx, now);
			return;
		}
		notify_fail(f, now, BGP_ERR_FSM, fsm_subcode(f), NULL, 0,
		    "unexpected message in OpenConfirm");
		return;
	case FSM_ESTABLISHED:
		restart_hold(f, now);
		return;
	case FSM_OPENSENT:
		notify_fail(f, now, BGP_ERR_FSM, fsm_subcode(f), NULL, 0,
		    "unexpected message in OpenSent");
		return;
	default:
		return;
	}
}

static void
on_stop(struct fsm *f, const struct fsm_arg *arg, uint64_t now)
{
	bool was_up = f->state == FSM_ESTABLISHED;

	f->running = false;
	if (f->state >= FSM_OPENSENT)
		f->ops->send_notification(f->ctx, BGP_ERR_CEASE,
		    arg ? arg->subcode : BGP_CEASE_SHUTDOWN,
		    arg ? arg->data : NULL, arg ? arg->data_len : 0, now);
	if (f->state != FSM_IDLE && f->state != FSM_ACTIVE)
		f->ops->disconnect(f->ctx);
	stop_timers(f);
	go(f, FSM_IDLE, now);
	if (was_up)
		f->ops->down(f->ctx, true, arg && arg->why ? arg->why :
		    "stopped", now);
	f->idle_hold_ms = f->conf.idle_hold_min_ms;
}

static void
on_conn_lost(struct fsm *f, enum fsm_event ev, const struct fsm_arg *arg,
    uint64_t now)
{
	const char *why = arg && arg->why ? arg->why : ev == FSM_EV_CONN_FAIL ?
	    "connection failed" : "connection closed";

	switch (f->state) {
	case FSM_CONNECT:
	case FSM_ACTIVE:
	case FSM_OPENSENT:
		/* RFC 4271 8.2.2: back to Active, try again later. */
		if (f->state != FSM_ACTIVE)
			f->ops->disconnect(f->ctx);
		stop_timers(f);
		/* A peer that is not listening yet (a whole cluster
		 * starting): retry soon, doubling to connect_retry_ms. */
		start_connecting(f, now, f->retry_ms);
		f->retry_ms = f->retry_ms * 2 > f->conf.connect_retry_ms ?
		    f->conf.connect_retry_ms : f->retry_ms * 2;
		f->ops->down(f->ctx, false, why, now);
		return;
	case FSM_OPENCONFIRM:
	case FSM_ESTABLISHED:
		fail(f, now, why, 0);
		return;
	default:
		return;
	}
}

/*
 * RFC 4271 6.8: the peer closed this connection because it keeps the
 * other one of a collision.  Nothing failed: no back-off, and in Active
 * the peer's connection (perhaps already held) is taken up; the
 * daemon's disconnect leaves a held connection alone (fsm.collided).
 */
static void
lost_collision(struct fsm *f, const struct fsm_arg *arg, uint64_t now)
{
	stop_timers(f);
	f->collided = true;
	f->ops->disconnect(f->ctx);
	f->collided = false;
	start_connecting(f, now, f->conf.connect_retry_ms);
	f->ops->down(f->ctx, false, arg->why != NULL ? arg->why :
	    "connection collision", now);
}

void
fsm_event(struct fsm *f, enum fsm_event ev, const struct fsm_arg *arg,
    uint64_t now)
{
	switch (ev) {
	case FSM_EV_START:
		if (f->running)
			return;
		f->running = true;
		if (f->state == FSM_IDLE && !timer_running(&f->timers,
		    TIMER_IDLE_HOLD))
			start_connecting(f, now, f->conf.connect_delay_ms);
		return;
	case FSM_EV_STOP:
		on_stop(f, arg, now);
		return;
	case FSM_EV_CONN_OPEN:
		if (f->state != FSM_CONNECT && f->state != FSM_ACTIVE) {
			f->ops->disconnect(f->ctx);
			return;
		}
		stop_timers(f);
		f->ops->send_open(f->ctx, now);
		timer_start(&f->timers, TIMER_HOLD, now,
		    f->conf.open_hold * 1000ull);
		go(f, FSM_OPENSENT, now);
		return;
	case FSM_EV_CONN_FAIL:
	case FSM_EV_CONN_CLOSED:
		on_conn_lost(f, ev, arg, now);
		return;
	case FSM_EV_OPEN:
		on_open(f, arg, now);
		return;
	case FSM_EV_KEEPALIVE:
	case FSM_EV_UPDATE:
	case FSM_EV_ROUTE_REFRESH:
		on_message(f, ev, now);
		return;
	case FSM_EV_NOTIFICATION:
		if (f->state == FSM_OPENSENT || f->state == FSM_OPENCONFIRM) {
			if (arg != NULL && arg->code == BGP_ERR_CEASE &&
			    arg->subcode == BGP_CEASE_COLLISION) {
				lost_collision(f, arg, now);
				return;
			}
		}
		if (f->state >= FSM_OPENSENT)
			fail(f, now, arg && arg->why ? arg->why :
			    "NOTIFICATION received", 0);
		return;
	case FSM_EV_ERROR:
		if (f->state >= FSM_OPENSENT) {
			f->ops->send_notification(f->ctx, arg->code,
			    arg->subcode, arg->data, arg->data_len, now);
			fail(f, now, arg->why, arg->idle_ms);
		}
		return;
	case FSM_EV_TIMER:
		on_timer(f, arg->timer, now);
		return;
	}
}

void
fsm_run_timers(struct fsm *f, uint64_t now)
{
	struct fsm_arg arg;
	int t;

	memset(&arg, 0, sizeof(arg));
	while ((t = timer_pop(&f->timers, now)) >= 0) {
		arg.timer = (enum timer_id)t;
		fsm_event(f, FSM_EV_TIMER, &arg, now);
	}
}

uint64_t
fsm_next_timer(const struct fsm *f)
{
	return timer_next(&f->timers);
}

void
fsm_sent(struct fsm *f, uint64_t now)
{
	if (f->state >= FSM_OPENCONFIRM && f->keepalive > 0)
		timer_start(&f->timers, TIMER_KEEPALIVE, now,
		    f->keepalive * 1000ull);
}
