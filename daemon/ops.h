/*
 * ops: the operator commands of the control socket beyond status, routes
 * and reload (control.c): peer NAME, adj-in NAME, adj-out NAME,
 * routes PREFIX, shutdown NAME [--message TEXT] (RFC 9003), enable NAME,
 * clear NAME [--soft], log-level LEVEL, config, health --ready|--live.
 * A request (request.h) gets "OK\n" and the body, or "ERROR <why>\n".
 * The commands that change something need root or the daemon's uid.
 */
#ifndef BGPD_OPS_H
#define BGPD_OPS_H

#include <stdbool.h>
#include <sys/types.h>

#include "lib/buf.h"

struct view;

/* Answer line into out; false when it names no command of ours. */
bool	 ops_run(const struct view *v, uid_t uid, const char *line,
	    struct buf_wr *out);

#endif
