/*
 * routes: the body of `bgpd routes [--json]`, streamed (issue 15).  The
 * RIB is walked a few buckets at a time (rib_walk: an entry there from
 * the start to the end of the walk is written exactly once, whatever
 * changes meanwhile), and the control socket asks for the next part
 * only once the last one has been written to the client.  So a million
 * routes cost the daemon one part of output at a time and never stall
 * its loop: no snapshot of the table, no buffer of all of it, no sort.
 * Routes come in the table's order.
 */
#ifndef BGPD_ROUTES_H
#define BGPD_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"

struct routes_stream;
struct view;

struct routes_stream *routes_stream_new(const struct view *v, bool json);
void	 routes_stream_free(struct routes_stream *rs);
/* Append parts to o (always the same buffer: the JSON writer keeps it)
 * until it holds room octets or the end was written; true at the end. */
bool	 routes_stream_next(struct routes_stream *rs, struct buf_wr *o,
	    size_t room);

#endif
