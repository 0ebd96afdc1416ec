/*
 * control: the unix control socket and what it answers.  A client sends
 * one line ("status", "status json", "routes", "routes json", "reload",
 * "version", and ops.h's commands) and gets "OK\n" or "ERROR <why>\n",
 * then the body, then EOF (`routes` streamed a part per write:
 * routes.h).
 * The socket is created 0660 in a 0750 directory; `reload` needs the
 * daemon's uid or root (SO_PEERCRED); requests are capped in size, time
 * and number of clients.
 */
#ifndef BGPD_CONTROL_H
#define BGPD_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

struct control;
struct view;

/* The control socket at path, answering from v; NULL with err set. */
struct control *control_open(const struct view *v, const char *path,
	    char *err, size_t errlen);
void	 control_close(struct control *ctl);
/* A listening unix socket at path, 0660, its directory made 0750; a
 * stale socket of ours is replaced, anything else refused.  The fd
 * (non-blocking), or -1 with err set.  Also for the BIRD sockets. */
int	 control_listen_unix(const char *path, int backlog, char *err,
	    size_t errlen);
/* BIRD's and calicoctl's "since": HH:MM:SS within 20 hours, else the
 * date. */
void	 control_since_text(uint64_t mono, char *buf, size_t size);

/* The bodies, also used by tests (ctl: the socket's own counters, or
 * NULL). */
void	 control_status_text(const struct view *v, struct buf_wr *out);
void	 control_status_json(const struct view *v, const struct control *ctl,
	    struct buf_wr *out);

#endif
