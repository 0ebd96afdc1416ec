/*
 * monotime: monotonic clock helpers.  Timers never use wall-clock time, so
 * clock steps (NTP, admin) cannot fire or starve them.
 */
#ifndef BGPD_MONOTIME_H
#define BGPD_MONOTIME_H

#include <stdint.h>
#include <time.h>

static inline uint64_t
monotime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline uint64_t
monotime_ms(void)
{
	return monotime_ns() / 1000000ULL;
}

/* The wall-clock time of a monotonic instant in ms (for "since"
 * columns): now minus the time passed since then. */
static inline time_t
monotime_wall(uint64_t mono_ms)
{
	uint64_t now = monotime_ms();

	return time(NULL) - (time_t)((now > mono_ms ? now - mono_ms : 0) /
	    1000);
}

#endif
