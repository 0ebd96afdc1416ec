/*
 * daemon: bgpd's running state (struct daemon, which daemon/'s modules
 * share) and its one event loop.  daemon_main() loads the config,
 * computes the plan, opens the control socket and the listeners, starts a
 * session per planned peer and runs until SIGTERM/SIGINT.  SIGHUP and
 * `bgpd reload` re-read the config and apply the plan diff (reconf.h):
 * unchanged sessions stay up; a bad new config is reported and the
 * running one kept.  The resources come from the datastore (dswire.h):
 * the files under --config, followed for changes, or Calico's etcd,
 * watched.  No daemon/ module calls into daemon.c (doc/DESIGN.md).
 * The operator surfaces never see this state: they read the view of it
 * that daemon.c fills (view.h) and act through that view's functions.
 */
#ifndef BGPD_DAEMON_H
#define BGPD_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <event2/event.h>

#include "config/plan.h"
#include "connix.h"
#include "view.h"

struct speaker;
struct conn;
struct listener;
struct control;
struct kernel;
struct peerpol;
struct birdsock;
struct metrics;
struct svc;
struct dswire;
struct dsenv;
struct secrets;
struct bfdio;

struct daemon_opts {
	const struct dsenv *ds;	/* which datastore */
	const char *config;
	const char *node;
	const char *socket;
	const char *router_id;	/* CALICO_ROUTER_ID */
	int	route_protocol;
	uint32_t send_hold;	/* RFC 9687 floor, s; 0: 480 */
	uint16_t hold;		/* hold time we offer, s; 0: 90 */
	uint32_t max_prefixes;	/* per session; 0: no limit */
	const char *secrets_dir;	/* <dir>/<name>/<key>: TCP-MD5 */
	const char *epstatus_dir;	/* NULL: Calico's default */
	const char *user;	/* --user: drop to it (from root) */
	const char *socket_group;	/* the control sockets' group */
	bool	no_kernel;	/* BGP only: no kernel routes at all */
	/* The drop-in for calico/node (issue 14); NULL: off. */
	const char *bird_socket, *bird6_socket;	/* BIRD CLI protocol */
	const char *metrics;	/* ADDR:PORT of /metrics */
};

struct daemon {
	struct daemon_opts opts;
	struct event_base *base;
	struct plan plan;
	struct speaker *sp;
	struct conn *conns;
	/* The sessions by peer address (peerio_conn_find: every accepted
	 * connection looks its session up; a mesh node has N of each). */
	struct connix conn_ix;
	struct listener *listeners;
	struct control *ctl;
	struct kernel *kern;	/* NULL with --no-kernel */
	struct peerpol *pol;	/* Calico's policy toward peers */
	struct dswire *dsw;
	struct secrets *secrets;	/* NULL: no inotify */
	struct event *sig_term, *sig_int, *sig_hup, *work;
	struct event *sp_timer;	/* the speaker's deadlines */
	/* The burst buffers go back once bgpd has been idle a while; this
	 * timer comes then even if no event does (turns: on_work's count,
	 * trim_turns: its value when the timer was set). */
	struct event *trim;
	uint64_t turns, trim_turns;
	bool	stopping;
	uint64_t start_mono;
	time_t	start_wall;
	size_t	trim_mark;	/* most RIB paths since the last trim */
	unsigned reloads;
	unsigned reload_failures;
	char	last_reload_error[512];
	time_t	last_reload_wall;	/* the last good (re)configuration */
	struct birdsock *bird4, *bird6;
	struct metrics *metrics;
	struct svc *svc;	/* systemd: readiness, watchdog, status */
	struct bfdio *bfd;	/* BFD (bfd_io.c), NULL until wanted */
	struct view view;	/* what the operator surfaces see */
};

/* The process: runs until SIGTERM/SIGINT; the exit status. */
int	 daemon_main(const struct daemon_opts *o);

/* Ask for speaker_run() soon (the state's one action: it needs no
 * function of daemon.c, so no module calls back into the loop). */
static inline void
daemon_wake(struct daemon *d)
{
	if (d->work != NULL)
		event_active(d->work, EV_TIMEOUT, 0);
}

#endif
