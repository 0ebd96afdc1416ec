/*
 * daemon: see daemon.h.  Startup order: config and plan (errors exit 1),
 * speaker, control socket, listeners, signals, then one session per
 * planned peer and the node's blocks originated; READY=1 for systemd.
 */
#include "daemon.h"

#include <event2/event.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bfd_io.h"
#include "birdsock.h"
#include "bgp/session.h"
#include "bgp/speaker.h"
#include "config/config.h"
#include "control.h"
#include "dswire.h"
#include "fib/fib.h"
#include "kernel.h"
#include "listen.h"
#include "lib/log.h"
#include "lib/monotime.h"
#include "metrics.h"
#include "peer_io.h"
#include "calico/peerpol.h"
#include "policy.h"
#include "privdrop.h"
#include "reconf.h"
#include "sdnotify.h"
#include "secrets.h"

/* Once a large table went away (a peer flushed after its prefix
 * limit, a session down), hand the freed heap back: glibc keeps it
 * otherwise, and RSS would stay at the peak.  So too the buffers sized
 * for a burst (a session's input, the kernel's requests) once the
 * burst is DAEMON_IDLE_MS over: an idle node keeps only its tables. */
#define DAEMON_IDLE_MS	1000

static void
maybe_trim(struct daemon *d)
{
	size_t n = speaker_rib(d->sp)->npaths;
	uint64_t now = monotime_ms();
	struct fib *f = kernel_fib(d);
	bool freed = session_in_release(now, DAEMON_IDLE_MS);

	if (f != NULL && fib_release(f, now, DAEMON_IDLE_MS))
		freed = true;
	if (freed)
		malloc_trim(0);

	if (n >= d->trim_mark) {
		d->trim_mark = n;
		return;
	}
	if (d->trim_mark - n < 10000 || n > d->trim_mark / 2)
		return;
	malloc_trim(0);
	d->trim_mark = n;
}

static void
on_work(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	/* Bounded work per turn: if there is more, come back after I/O. */
	bool more = speaker_run(d->sp, monotime_ms());
	uint64_t t = speaker_next_timer(d->sp), now = monotime_ms();

	if (kernel_tick(d) || more)
		event_active(d->work, EV_TIMEOUT, 0);
	else
		maybe_trim(d);
	sdnotify_tick(d);
	if (t != UINT64_MAX) {
		struct timeval tv;

		t = t > now ? t - now : 0;
		tv.tv_sec = (time_t)(t / 1000);
		tv.tv_usec = (suseconds_t)(t % 1000) * 1000;
		event_add(d->sp_timer, &tv);
	}
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	char err[512];

	if (sig == SIGHUP) {
		reconf_reload(d, err, sizeof(err));
		return;
	}
	if (d->stopping)
		return;
	d->stopping = true;
	log_info("shutting down (signal %d); kernel routes stay",
	    (int)sig);
	sdnotify("STOPPING=1");
	peerio_shutdown(d);
	event_base_loopexit(d->base, NULL);
}

/* The calico/node drop-in: BIRD sockets, metrics, systemd (issue 14). */
static int
dropin_open(struct daemon *d, char *err, size_t errlen)
{
	if (d->opts.bird_socket != NULL && (d->bird4 = birdsock_open(d,
	    d->opts.bird_socket, AF_INET, err, errlen)) == NULL)
		return -1;
	if (d->opts.bird6_socket != NULL && (d->bird6 = birdsock_open(d,
	    d->opts.bird6_socket, AF_INET6, err, errlen)) == NULL)
		return -1;
	if (d->opts.metrics != NULL && (d->metrics = metrics_open(d,
	    d->opts.metrics, err, errlen)) == NULL)
		return -1;
	return sdnotify_open(d, err, errlen);
}

static void
dropin_close(struct daemon *d)
{
	metrics_close(d->metrics);
	d->metrics = NULL;
	sdnotify_close(d);
	birdsock_close(d->bird4);
	birdsock_close(d->bird6);
	d->bird4 = d->bird6 = NULL;
}

static int
start(struct daemon *d)
{
	struct speaker_io io = peerio_speaker_io;
	char err[512];

	io.arg = d;
	io.changed = kernel_changed;
	io.is_local = kernel_is_local;
	io.export = policy_export;
	io.export_class = policy_export_class;
	io.import = policy_import;
	d->sp = speaker_new(addr_v4(&d->plan.router_id), &io);
	/* BGP only: no kernel state per route in the RIB's entries. */
	if (d->opts.no_kernel)
		rib_no_ext(speaker_rib_ext(d->sp));
	speaker_set_cluster_id(d->sp, d->plan.cluster_id.af == AF_INET ?
	    addr_v4(&d->plan.cluster_id) : 0);
	d->work = event_new(d->base, -1, 0, on_work, d);
	d->sp_timer = event_new(d->base, -1, 0, on_work, d);
	if (control_open(d, d->opts.socket, err, sizeof(err)) != 0) {
		log_err("%s", err);
		return -1;
	}
	if (dropin_open(d, err, sizeof(err)) != 0) {
		log_err("%s", err);
		return -1;
	}
	if (listen_open(d, &d->plan, err, sizeof(err)) != 0) {
		log_err("%s", err);
		return -1;
	}
	if (!d->opts.no_kernel && kernel_open(d, err, sizeof(err)) != 0) {
		log_err("kernel routing table: %s (--no-kernel runs BGP "
		    "only)", err);
		return -1;
	}
	d->sig_term = evsignal_new(d->base, SIGTERM, on_signal, d);
	d->sig_int = evsignal_new(d->base, SIGINT, on_signal, d);
	d->sig_hup = evsignal_new(d->base, SIGHUP, on_signal, d);
	event_add(d->sig_term, NULL);
	event_add(d->sig_int, NULL);
	event_add(d->sig_hup, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < d->plan.nsessions; i++)
		peerio_conn_new(d, &d->plan, &d->plan.sessions[i], NULL);
	listen_sync(d);
	d->secrets = secrets_watch(d, d->opts.secrets_dir, reconf_secrets);
	peerio_watch_secrets(d);
	reconf_blocks(d, NULL, &d->plan);
	policy_apply(d, NULL);
	bfdio_apply(d);
	return 0;
}

static void
stop(struct daemon *d)
{
	bfdio_close(d);	/* AdminDown first: the peers keep BGP as it is */
	while (d->conns != NULL)
		peerio_conn_free(d->conns, BGP_CEASE_SHUTDOWN, NULL);
	listen_close(d);
	secrets_free(d->secrets);
	control_close(d);
	dropin_close(d);
	kernel_close(d);
	speaker_free(d->sp);
	policy_free(d);
	if (d->work != NULL)
		event_free(d->work);
	if (d->sp_timer != NULL)
		event_free(d->sp_timer);
	if (d->sig_term != NULL) {
		event_free(d->sig_term);
		event_free(d->sig_int);
		event_free(d->sig_hup);
	}
	dswire_close(d);
	if (d->base != NULL)
		event_base_free(d->base);
	plan_free(&d->plan);
}

int
daemon_main(const struct daemon_opts *o)
{
	struct daemon d;
	char err[512];
	char rid[ADDR_STRLEN];
	int rc = 0;

	const char *socks[] = { o->socket, o->bird_socket, o->bird6_socket };

	/* Privileges go first: everything after runs as the user. */
	if (privdrop_startup(o->user, o->socket_group, socks, 3,
	    !o->no_kernel, err, sizeof(err)) != 0) {
		log_err("cannot start: %s", err);
		return 1;
	}
	memset(&d, 0, sizeof(d));
	d.opts = *o;
	d.start_mono = monotime_ms();
	d.start_wall = d.last_reload_wall = time(NULL);
	d.base = event_base_new();
	if (d.base == NULL) {
		log_err("cannot create the event loop");
		return 1;
	}
	if (dswire_open(&d, reconf_on_datastore, reconf_on_workloads, err,
	    sizeof(err)) != 0 ||
	    dswire_first_plan(&d, err, sizeof(err)) != 0) {
		log_err("cannot start: %s", err);
		dswire_close(&d);
		event_base_free(d.base);
		return d.stopping ? 0 : 1;
	}
	if (start(&d) != 0) {
		rc = 1;
	} else {
		log_info("bgpd %s started: node %s, router id %s, AS %u, %zu "
		    "sessions, %zu blocks", BGPD_VERSION, d.plan.node,
		    addr_fmt(&d.plan.router_id, rid, sizeof(rid)),
		    d.plan.local_as, d.plan.nsessions, d.plan.nblocks);
		/* READY=1 comes from sdnotify_tick() once synced. */
		daemon_wake(&d);
		event_base_dispatch(d.base);
	}
	stop(&d);
	return rc;
}
