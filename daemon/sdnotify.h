/*
 * sdnotify: systemd's Type=notify protocol over $NOTIFY_SOCKET, without
 * libsystemd (a no-op when the variable is unset):
 *  - READY=1 once the initial table sync is over (bgpd's start-up
 *    recovery: every session's End-of-RIB, or the deadline), with STATUS=;
 *  - STATUS= lines whenever the one-line summary changes;
 *  - RELOADING=1 and READY=1 around a reload, STOPPING=1 on the way out;
 *  - WATCHDOG=1 from the event loop every half $WATCHDOG_USEC (when
 *    $WATCHDOG_PID is unset or ours), so a stalled loop gets restarted.
 */
#ifndef BGPD_SDNOTIFY_H
#define BGPD_SDNOTIFY_H

#include <stddef.h>

struct svc;
struct view;

void	 sdnotify(const char *state);
/* The service's side, reading v: starts the watchdog timer; NULL with
 * err set. */
struct svc *sdnotify_open(const struct view *v, char *err, size_t errlen);
void	 sdnotify_close(struct svc *s);
/* After each turn of work: READY=1 once synced, STATUS= on change. */
void	 sdnotify_tick(struct svc *s);
/* A reload is over: READY=1 again if readiness was announced. */
void	 sdnotify_reloaded(struct svc *s);

#endif
