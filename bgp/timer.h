/*
 * timer: a session's timers as data (DESIGN.md principle 3): deadlines in
 * monotonic milliseconds, 0 meaning stopped.  The daemon arms one event
 * timer for timer_next(); whoever owns the set polls timer_pop().
 */
#ifndef BGPD_TIMER_H
#define BGPD_TIMER_H

#include <stdbool.h>
#include <stdint.h>

enum timer_id {
	TIMER_CONNECT_RETRY,	/* next outgoing connection attempt */
	TIMER_HOLD,		/* peer silent too long */
	TIMER_KEEPALIVE,	/* time to send a KEEPALIVE */
	TIMER_IDLE_HOLD,	/* back-off after an error, then restart */
	TIMER_SEND_HOLD,	/* RFC 9687: we could not send */
	TIMER_MAX,
};

struct timer_set {
	uint64_t due[TIMER_MAX];
};

static inline void
timer_start(struct timer_set *t, enum timer_id id, uint64_t now,
    uint64_t after_ms)
{
	t->due[id] = now + after_ms;
	if (t->due[id] == 0)
		t->due[id] = 1;
}

static inline void
timer_stop(struct timer_set *t, enum timer_id id)
{
	t->due[id] = 0;
}

static inline bool
timer_running(const struct timer_set *t, enum timer_id id)
{
	return t->due[id] != 0;
}

/* The earliest deadline, or 0 when every timer is stopped. */
static inline uint64_t
timer_next(const struct timer_set *t)
{
	uint64_t next = 0;

	for (int i = 0; i < TIMER_MAX; i++) {
		if (t->due[i] != 0 && (next == 0 || t->due[i] < next))
			next = t->due[i];
	}
	return next;
}

/* An expired timer, stopped on the way out, or -1. */
static inline int
timer_pop(struct timer_set *t, uint64_t now)
{
	for (int i = 0; i < TIMER_MAX; i++) {
		if (t->due[i] != 0 && t->due[i] <= now) {
			t->due[i] = 0;
			return i;
		}
	}
	return -1;
}

#endif
