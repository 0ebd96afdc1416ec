/*
 * sdnotify: systemd readiness notifications (READY=1, RELOADING=1,
 * STOPPING=1) over $NOTIFY_SOCKET, without libsystemd.  A no-op when the
 * variable is unset.
 */
#ifndef BGPD_SDNOTIFY_H
#define BGPD_SDNOTIFY_H

void	 sdnotify(const char *state);

#endif
