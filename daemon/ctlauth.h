/*
 * ctlauth: who may use the control sockets, and for what (RELIABILITY.md
 * 5.1).  The sockets are 0660 and belong to the socket group
 * (--socket-group, else the daemon's own group): its members may
 * connect and use the read-only commands.  Commands that change
 * anything (reload, shutdown, enable, clear, log-level) need root or
 * the daemon's uid, as SO_PEERCRED reports it; the kernel fills that in
 * at connect(), so a client cannot claim another uid.
 */
#ifndef BGPD_CTLAUTH_H
#define BGPD_CTLAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The group the sockets go to: a name or number; -1 with err if there
 * is no such group. */
int	 ctlauth_set_group(const char *name, char *err, size_t errlen);
/* Its gid, or (gid_t)-1 when none was set (sockets keep the daemon's
 * group). */
gid_t	 ctlauth_group(void);
/* Give the socket at path to the group (after bind); -1 with err. */
int	 ctlauth_socket(const char *path, char *err, size_t errlen);
/* May the client with this uid use commands that change things? */
bool	 ctlauth_may_change(uid_t uid);

#endif
