/*
 * metrics: Prometheus metrics over HTTP (libevent's evhttp), with
 * --metrics ADDR:PORT; off by default.  GET /metrics answers the text
 * exposition format 0.0.4 from live state: per session (labels peer,
 * afi) state, uptime, flaps, prefixes received/accepted/advertised,
 * messages in and out by type, RFC 7606 actions; the RIB's and the
 * kernel's route counts and kernel errors; configuration reloads and
 * datastore sync; the process's CPU, memory and file descriptors.
 * Names follow Prometheus conventions: bgpd_ prefix, base units in the
 * name, _total on counters.  Other paths get 404, other methods 405.
 */
#ifndef BGPD_METRICS_H
#define BGPD_METRICS_H

#include <stddef.h>

#include "lib/buf.h"

struct metrics;
struct view;

/* Serve v's metrics at addr_port; NULL with err set. */
struct metrics *metrics_open(const struct view *v, const char *addr_port,
	    char *err, size_t errlen);
void	 metrics_close(struct metrics *m);
/* The exposition text (also for tests). */
void	 metrics_render(const struct view *v, struct buf_wr *out);

#endif
