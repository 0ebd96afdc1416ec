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
	bool freed = session_in_release(now, DAEMON_IDLE_MS);

	if (d->kern != NULL && kernel_release(d->kern, now, DAEMON_IDLE_MS))
		freed = true;
	if (freed) {
		log_debug("idle for %u ms: the burst buffers went back",
		    DAEMON_IDLE_MS);
		malloc_trim(0);
	}

	if (n >= d->trim_mark) {
		d->trim_mark = n;
		return;
	}
	if (d->trim_mark - n < 10000 || n > d->trim_mark / 2)
		return;
	malloc_trim(0);
	d->trim_mark = n;
}

/* maybe_trim() from a timer, not from every idle turn of the loop: it
 * comes DAEMON_IDLE_MS (and a little) after the loop first went idle,
 * and again while the loop keeps turning, so an idle daemon gets one
 * wake-up after its last work (a client after its one burst had kept
 * its 128 KiB buffers until the next keepalive). */
static void
trim_later(struct daemon *d)
{
	struct timeval tv = { 0, (DAEMON_IDLE_MS + 100) * 1000 };

	if (d->trim == NULL || evtimer_pending(d->trim, NULL))
		return;
	d->trim_turns = d->turns;
	evtimer_add(d->trim, &tv);
}

static void
on_trim(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	maybe_trim(d);
	/* Busy since it was set: what was used then may not be idle yet. */
	if (d->turns != d->trim_turns)
		trim_later(d);
}

static void
on_work(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	/* Bounded work per turn: if there is more, come back after I/O. */
	bool more = speaker_run(d->sp, monotime_ms());
	uint64_t t = speaker_next_timer(d->sp), now = monotime_ms();

	d->turns++;
	if (kernel_tick(d) || more)
		event_active(d->work, EV_TIMEOUT, 0);
	else
		trim_later(d);
	sdnotify_tick(d->svc);
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

/* ---- what the operator surfaces see and may do (view.h) ---- */

/* c, one of ours (the surfaces hand back what the view showed them). */
static struct conn *
own_conn(struct daemon *d, const struct conn *c)
{
	struct conn *x = d->conns;

	while (x != NULL && x != c)
		x = x->next;
	if (x == NULL)
		fatalx("%s: not a session of ours", __func__);
	return x;
}

static void
op_rib_hold(void *arg)
{
	struct daemon *d = arg;

	rib_hold(speaker_rib_ext(d->sp));
}

static void
op_rib_release(void *arg)
{
	struct daemon *d = arg;

	rib_release(speaker_rib_ext(d->sp));
}

struct op_walk {
	view_rib_fn *fn;
	void	*arg;
};

static void
op_walk_one(struct rib *r, struct rib_entry *e, void *arg)
{
	struct op_walk *w = arg;

	w->fn(e, w->arg);
}

static bool
op_rib_walk(void *arg, struct rib_cursor *c, size_t max, view_rib_fn *fn,
    void *fnarg)
{
	struct daemon *d = arg;
	struct op_walk w = { fn, fnarg };

	return rib_walk(speaker_rib_ext(d->sp), c, max, op_walk_one, &w);
}

static int
op_reload(void *arg, char *err, size_t errlen)
{
	return reconf_reload(arg, err, errlen);
}

static void
op_peer_stop(void *arg, const struct conn *c, uint8_t subcode,
    const char *text)
{
	peerio_conn_stop(own_conn(arg, c), subcode, text);
}

static const char *
op_peer_start(void *arg, const struct conn *c)
{
	struct conn *x = own_conn(arg, c);

	return peerio_conn_start(x) ? NULL : peerio_why_down(x);
}

static bool
op_peer_refresh(void *arg, const struct conn *c)
{
	struct daemon *d = arg;
	struct conn *x = own_conn(d, c);
	bool asked = session_request_refresh(speaker_peer_session(x->peer_sp),
	    monotime_ms());

	speaker_peer_resend(d->sp, x->peer_sp);
	daemon_wake(d);
	return asked;
}

static void
op_log_level(void *arg, enum log_level lvl)
{
	log_set_level(lvl);
}

static const struct view_ops view_ops = {
	.rib_hold = op_rib_hold,
	.rib_release = op_rib_release,
	.rib_walk = op_rib_walk,
	.reload = op_reload,
	.peer_stop = op_peer_stop,
	.peer_start = op_peer_start,
	.peer_refresh = op_peer_refresh,
	.log_level = op_log_level,
};

/* The view points into the state, so it is current whenever read. */
static void
view_fill(struct daemon *d)
{
	struct view *v = &d->view;

	v->ops = &view_ops;
	v->arg = d;
	v->base = d->base;
	v->plan = &d->plan;
	v->start_mono = d->start_mono;
	v->start_wall = d->start_wall;
	v->reloads = &d->reloads;
	v->reload_failures = &d->reload_failures;
	v->last_reload_error = d->last_reload_error;
	v->last_reload_wall = &d->last_reload_wall;
	v->stopping = &d->stopping;
	v->conns = &d->conns;
	v->sp = &d->sp;
	v->kern = &d->kern;
	v->bfd = &d->bfd;
	v->dsw = &d->dsw;
}

/* The calico/node drop-in: BIRD sockets, metrics, systemd (issue 14). */
static int
dropin_open(struct daemon *d, char *err, size_t errlen)
{
	if (d->opts.bird_socket != NULL && (d->bird4 = birdsock_open(
	    &d->view, d->opts.bird_socket, AF_INET, err, errlen)) == NULL)
		return -1;
	if (d->opts.bird6_socket != NULL && (d->bird6 = birdsock_open(
	    &d->view, d->opts.bird6_socket, AF_INET6, err, errlen)) == NULL)
		return -1;
	if (d->opts.metrics != NULL && (d->metrics = metrics_open(&d->view,
	    d->opts.metrics, err, errlen)) == NULL)
		return -1;
	d->svc = sdnotify_open(&d->view, err, errlen);
	return d->svc != NULL ? 0 : -1;
}

static void
dropin_close(struct daemon *d)
{
	metrics_close(d->metrics);
	d->metrics = NULL;
	sdnotify_close(d->svc);
	d->svc = NULL;
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
	d->trim = evtimer_new(d->base, on_trim, d);
	if ((d->ctl = control_open(&d->view, d->opts.socket, err,
	    sizeof(err))) == NULL) {
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
	connix_free(&d->conn_ix);
	listen_close(d);
	secrets_free(d->secrets);
	control_close(d->ctl);
	d->ctl = NULL;
	dropin_close(d);
	kernel_close(d);
	speaker_free(d->sp);
	policy_free(d);
	if (d->work != NULL)
		event_free(d->work);
	if (d->sp_timer != NULL)
		event_free(d->sp_timer);
	if (d->trim != NULL)
		event_free(d->trim);
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
	connix_init(&d.conn_ix);
	d.opts = *o;
	d.start_mono = monotime_ms();
	d.start_wall = d.last_reload_wall = time(NULL);
	d.base = event_base_new();
	if (d.base == NULL) {
		log_err("cannot create the event loop");
		return 1;
	}
	view_fill(&d);
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
