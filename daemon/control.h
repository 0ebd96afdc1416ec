/*
 * control: the unix control socket and what it answers.  A client sends
 * one line ("status", "status json", "routes", "routes json", "reload",
 * "version", and ops.h's commands) and gets "OK\n" or "ERROR <why>\n",
 * then the body, then EOF.
 * The socket is created 0660 in a 0750 directory; `reload` needs the
 * daemon's uid or root (SO_PEERCRED); requests are capped in size, time
 * and number of clients.
 */
#ifndef BGPD_CONTROL_H
#define BGPD_CONTROL_H

#include <stddef.h>

#include "daemon.h"
#include "lib/buf.h"

int	 control_open(struct daemon *d, const char *path, char *err,
	    size_t errlen);
void	 control_close(struct daemon *d);

/* The bodies, also used by tests. */
void	 control_status_text(struct daemon *d, struct buf_wr *out);
void	 control_status_json(struct daemon *d, struct buf_wr *out);
void	 control_routes_text(struct daemon *d, struct buf_wr *out);
void	 control_routes_json(struct daemon *d, struct buf_wr *out);

#endif
