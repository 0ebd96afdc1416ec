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

#endif
