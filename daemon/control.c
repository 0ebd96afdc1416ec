/* control: see control.h. */
#include "control.h"
#include "dswire.h"

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bgp/aspath.h"
#include "bgp/attrset.h"
#include "bfd_io.h"
#include "bgp/speaker.h"
#include "config/plan.h"
#include "ctlauth.h"
#include "kernel.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/monotime.h"
#include "lib/xalloc.h"
#include "ops.h"
#include "peer_io.h"
#include "routes.h"
#include "view.h"

#define MAX_CLIENTS	16
#define RESERVED	4	/* more, for root and the daemon's uid */
#define MAX_REQUEST	1024
#define CLIENT_TIMEOUT	5
#define STREAM_PART	(64 * 1024)	/* a streamed answer, per write */
/* Output: one client's reply built whole, and all clients' replies
 * still unread (a reply is charged from its start to the client's
 * end); a small reply is always let through, so status answers. */
#define OUT_MAX		(64u << 20)
#define OUT_TOTAL	(128u << 20)
#define OUT_SMALL	(64u << 10)

struct control {
	const struct view *v;
	int	fd;
	struct event *ev;
	char	*path;
	int	nclients;
	size_t	charged;	/* output of all clients' replies */
	/* Parts of streamed answers made, and the longest one took: on
	 * the clock (the loop's longest stall on a listing, preemption
	 * by others included) and in this thread's CPU time (its own
	 * work): status --json. */
	uint64_t parts, part_max_ns, part_max_cpu_ns;
};

struct client {
	struct control *ctl;
	int	fd;
	uid_t	uid;
	struct event *rev, *wev, *tmo;
	char	req[MAX_REQUEST];
	size_t	rlen;
	struct buf_wr out;
	size_t	off;
	struct routes_stream *rs;	/* the rest of the answer */
	size_t	charge;		/* in ctl->charged */
};

/* ---- status ---- */

static const char *
peer_type_text(enum plan_stype t)
{
	switch (t) {
	case PLAN_MESH: return "node-to-node mesh";
	case PLAN_GLOBAL: return "global";
	default: return "node specific";
	}
}

/* BIRD's protocol state words: up, start, down. */
static const char *
state_word(const struct session *s)
{
	if (session_established(s))
		return "up";
	return s->fsm.running ? "start" : "down";
}

static void
info_text(const struct session *s, char *buf, size_t size)
{
	const char *st = session_state_name(s);

	if (s->conf.passive && s->fsm.state == FSM_ACTIVE)
		st = "Passive";
	if (!session_established(s) && s->last_error[0] != '\0')
		snprintf(buf, size, "%s %s", st, s->last_error);
	else
		snprintf(buf, size, "%s", st);
}

void
control_since_text(uint64_t mono, char *buf, size_t size)
{
	time_t t = monotime_wall(mono), now = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	/* calicoctl: HH:MM:SS within 20 hours, else the date. */
	if (now - t < 20 * 3600)
		strftime(buf, size, "%H:%M:%S", &tm);
	else
		strftime(buf, size, "%Y-%m-%d", &tm);
}

static void
addr_port(const struct conn *c, char *buf, size_t size)
{
	char a[ADDR_STRLEN];

	addr_fmt(&c->peer, a, sizeof(a));
	if (c->port == 179)
		snprintf(buf, size, "%s", a);
	else if (c->peer.af == AF_INET6)
		snprintf(buf, size, "[%s]:%u", a, c->port);
	else
		snprintf(buf, size, "%s:%u", a, c->port);
}

#define NCOLS	5

struct row {
	char	cell[NCOLS][220];
};

static void
table_rule(struct buf_wr *o, const size_t *w)
{
	for (int i = 0; i < NCOLS; i++) {
		buf_put_str(o, "+");
		for (size_t k = 0; k < w[i] + 2; k++)
			buf_put_str(o, "-");
	}
	buf_put_str(o, "+\n");
}

/* Calico's table: centred headers, left-aligned rows. */
static void
table(struct buf_wr *o, const struct row *rows, size_t n)
{
	static const char *const head[NCOLS] = {
		"PEER ADDRESS", "PEER TYPE", "STATE", "SINCE", "INFO",
	};
	size_t w[NCOLS];

	for (int i = 0; i < NCOLS; i++) {
		w[i] = strlen(head[i]);
		for (size_t r = 0; r < n; r++)
			if (strlen(rows[r].cell[i]) > w[i])
				w[i] = strlen(rows[r].cell[i]);
	}
	table_rule(o, w);
	for (int i = 0; i < NCOLS; i++) {
		size_t pad = w[i] - strlen(head[i]);

		buf_printf(o, "| %*s%s%*s ", (int)(pad / 2), "", head[i],
		    (int)(pad - pad / 2), "");
	}
	buf_put_str(o, "|\n");
	table_rule(o, w);
	for (size_t r = 0; r < n; r++) {
		for (int i = 0; i < NCOLS; i++)
			buf_printf(o, "| %-*s ", (int)w[i], rows[r].cell[i]);
		buf_put_str(o, "|\n");
	}
	table_rule(o, w);
}

static int
conn_cmp(const void *a, const void *b)
{
	const struct conn *x = *(const struct conn *const *)a;
	const struct conn *y = *(const struct conn *const *)b;

	return strcmp(x->name, y->name);
}

/* The connections sorted by name. */
static const struct conn **
sorted_conns(const struct view *vw, size_t *n)
{
	const struct conn **v;
	size_t k = 0;

	for (const struct conn *c = view_conns(vw); c != NULL; c = c->next)
		k++;
	v = xcalloc(k ? k : 1, sizeof(*v));
	k = 0;
	for (const struct conn *c = view_conns(vw); c != NULL; c = c->next)
		v[k++] = c;
	if (k > 1)
		qsort(v, k, sizeof(*v), conn_cmp);
	*n = k;
	return v;
}

void
control_status_text(const struct view *vw, struct buf_wr *o)
{
	size_t n;
	const struct conn **v = sorted_conns(vw, &n);
	struct row *rows = xcalloc(n ? n : 1, sizeof(*rows));

	buf_put_str(o, "bgpd is running.\n");
	for (int fam = 0; fam < 2; fam++) {
		int af = fam == 0 ? AF_INET : AF_INET6;
		size_t k = 0;

		for (size_t i = 0; i < n; i++) {
			const struct session *s;

			if (v[i]->peer.af != af)
				continue;
			s = speaker_peer_session(v[i]->peer_sp);
			addr_port(v[i], rows[k].cell[0],
			    sizeof(rows[k].cell[0]));
			snprintf(rows[k].cell[1], sizeof(rows[k].cell[1]), "%s",
			    peer_type_text(v[i]->type));
			snprintf(rows[k].cell[2], sizeof(rows[k].cell[2]), "%s",
			    state_word(s));
			control_since_text(s->fsm.state_since,
			    rows[k].cell[3], sizeof(rows[k].cell[3]));
			info_text(s, rows[k].cell[4], sizeof(rows[k].cell[4]));
			k++;
		}
		buf_printf(o, "\nIPv%d BGP status\n", fam == 0 ? 4 : 6);
		if (k == 0)
			buf_printf(o, "No IPv%d peers found.\n",
			    fam == 0 ? 4 : 6);
		else
			table(o, rows, k);
	}
	buf_put_str(o, "\n");
	dswire_status_text(view_dswire(vw), o);
	free(rows);
	free(v);
}

static void
rfc3339(uint64_t mono, char *buf, size_t size)
{
	time_t t = monotime_wall(mono);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The session's protection: TCP-MD5, GTSM, its prefix limit. */
static void
status_protection_json(struct json_w *j, const struct conn *c,
    const struct speaker_peer_stats *st)
{
	json_key(j, "tcp_md5");
	if (!c->has_password) {
		json_null(j);
	} else {
		json_obj_begin(j);
		json_kstr(j, "secret", c->secret_name);
		json_kstr(j, "key", c->secret_key);
		json_kbool(j, "ok", c->key_ok);
		json_kstr(j, "error", c->key_ok ? NULL : c->auth_err);
		json_obj_end(j);
	}
	json_kuint(j, "ttl_security", c->ttl_security);
	json_key(j, "prefix_limit");
	json_obj_begin(j);
	json_key(j, "max");
	if (st->max_prefixes != 0)
		json_uint(j, st->max_prefixes);
	else
		json_null(j);
	json_kuint(j, "exceeded", st->limit_hits);
	json_kuint(j, "idle_seconds", st->limit_idle_ms / 1000);
	json_obj_end(j);
}

static void
status_peer_json(const struct view *v, struct json_w *j,
    const struct conn *c)
{
	const struct session *s = speaker_peer_session(c->peer_sp);
	struct speaker_peer_stats st;
	char a[ADDR_STRLEN], buf[300];
	uint64_t now = monotime_ms();

	speaker_peer_stats(c->peer_sp, &st);
	json_obj_begin(j);
	json_kstr(j, "name", c->name);
	json_kstr(j, "peer_address", addr_fmt(&c->peer, a, sizeof(a)));
	json_kuint(j, "peer_port", c->port);
	json_kstr(j, "family", c->peer.af == AF_INET ? "ipv4" : "ipv6");
	json_kstr(j, "type", plan_stype_name(c->type));
	json_kstr(j, "peer_type", peer_type_text(c->type));
	json_kstr(j, "state", state_word(s));
	json_kstr(j, "bgp_state", session_state_name(s));
	rfc3339(s->fsm.state_since, buf, sizeof(buf));
	json_kstr(j, "since", buf);
	info_text(s, buf, sizeof(buf));
	json_kstr(j, "info", buf);
	json_kstr(j, "last_error", s->last_error[0] ? s->last_error : NULL);
	json_kuint(j, "local_as", s->conf.local_as);
	json_kuint(j, "remote_as", s->conf.remote_as);
	json_kbool(j, "passive", s->conf.passive);
	json_key(j, "uptime_seconds");
	if (st.up_since != 0)
		json_uint(j, (now - st.up_since) / 1000);
	else
		json_null(j);
	json_kuint(j, "flaps", st.flaps);
	json_key(j, "prefixes");
	json_obj_begin(j);
	json_kuint(j, "received", st.received);
	json_kuint(j, "accepted", st.received);
	json_kuint(j, "looped", st.looped);
	json_kuint(j, "filtered", st.filtered);
	json_kuint(j, "own_next_hop", st.own_next_hop);
	json_kuint(j, "advertised", st.advertised);
	json_obj_end(j);
	json_key(j, "messages");
	json_obj_begin(j);
	json_kuint(j, "in", s->stats.msgs_in);
	json_kuint(j, "out", s->stats.msgs_out);
	json_kuint(j, "updates_in", s->stats.updates_in);
	json_kuint(j, "updates_out", s->stats.updates_out);
	json_kuint(j, "notifications_in", s->stats.notifications_in);
	json_kuint(j, "notifications_out", s->stats.notifications_out);
	json_kuint(j, "keepalives_in", s->stats.keepalives_in);
	json_kuint(j, "keepalives_out", s->stats.keepalives_out);
	json_obj_end(j);
	/* Negotiated while up; the send hold follows from the hold. */
	json_key(j, "timers");
	json_obj_begin(j);
	json_kuint(j, "hold_seconds", session_established(s) ?
	    s->fsm.hold : s->fsm.conf.hold);
	json_kuint(j, "keepalive_seconds", session_established(s) ?
	    s->fsm.keepalive : 0);
	json_kuint(j, "send_hold_seconds", session_send_hold_ms(s) / 1000);
	json_obj_end(j);
	bfdio_peer_json(view_bfd(v), c, j);
	json_kuint(j, "treat_as_withdraw", s->stats.withdraws);
	json_kuint(j, "attribute_discards", s->stats.discards);
	json_kbool(j, "end_of_rib_received", st.eor_received);
	json_kbool(j, "end_of_rib_sent", st.eor_sent);
	kernel_peer_json(view_kernel(v), c->peer_sp, j);
	status_protection_json(j, c, &st);
	json_obj_end(j);
}

void
control_status_json(const struct view *vw, const struct control *ctl,
    struct buf_wr *o)
{
	struct json_w j;
	struct attrset_stats as;
	size_t n;
	const struct conn **v = sorted_conns(vw, &n);
	char a[ADDR_STRLEN];

	json_init(&j, o, true);
	json_obj_begin(&j);
	json_kstr(&j, "node", vw->plan->node);
	json_kstr(&j, "router_id", addr_fmt(&vw->plan->router_id, a,
	    sizeof(a)));
	json_kuint(&j, "as", vw->plan->local_as);
	json_kuint(&j, "uptime_seconds",
	    (monotime_ms() - vw->start_mono) / 1000);
	json_kuint(&j, "reloads", *vw->reloads);
	json_kuint(&j, "reload_failures", *vw->reload_failures);
	json_kstr(&j, "last_reload_error", vw->last_reload_error[0] ?
	    vw->last_reload_error : NULL);
	json_kuint(&j, "routes", rib_count(speaker_rib(view_speaker(vw))));
	attrset_stats(&as);
	json_kuint(&j, "attribute_sets", as.sets);
	kernel_status_json(view_kernel(vw), &j);
	dswire_status_json(view_dswire(vw), &j);
	bfdio_status_json(view_bfd(vw), &j);
	if (ctl != NULL) {
		json_key(&j, "control");
		json_obj_begin(&j);
		json_kuint(&j, "clients", (uint64_t)ctl->nclients);
		json_kuint(&j, "listing_parts", ctl->parts);
		json_kuint(&j, "listing_part_max_us",
		    ctl->part_max_ns / 1000);
		json_kuint(&j, "listing_part_max_cpu_us",
		    ctl->part_max_cpu_ns / 1000);
		json_obj_end(&j);
	}
	json_key(&j, "peers");
	json_arr_begin(&j);
	for (size_t i = 0; i < n; i++)
		status_peer_json(vw, &j, v[i]);
	json_arr_end(&j);
	json_obj_end(&j);
	free(v);
}

/* ---- the socket ---- */

static void client_free(struct client *cl);

/* A client that stops reading its answer is dropped after this long
 * without progress, so it cannot hold one of the few client slots. */
static const struct timeval write_tv = { 2 * CLIENT_TIMEOUT, 0 };

static uint64_t
thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The next part of cl's streamed answer into its buffer, timed. */
static void
next_part(struct client *cl)
{
	uint64_t t0 = monotime_ns(), c0 = thread_cpu_ns(), dt, dc;
	bool done = routes_stream_next(cl->rs, &cl->out, STREAM_PART);

	dt = monotime_ns() - t0;
	dc = thread_cpu_ns() - c0;
	cl->ctl->parts++;
	if (dt > cl->ctl->part_max_ns)
		cl->ctl->part_max_ns = dt;
	if (dc > cl->ctl->part_max_cpu_ns)
		cl->ctl->part_max_cpu_ns = dc;
	if (done) {
		routes_stream_free(cl->rs);
		cl->rs = NULL;
	}
}

static void
on_client_write(evutil_socket_t fd, short what, void *arg)
{
	struct client *cl = arg;
	ssize_t n;

	if (what & EV_TIMEOUT) {
		log_notice("control: dropped a client (uid %d) that read "
		    "nothing of its answer for %d s", (int)cl->uid,
		    (int)write_tv.tv_sec);
		client_free(cl);
		return;
	}
	n = write(cl->fd, cl->out.data + cl->off, cl->out.len - cl->off);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_free(cl);
		return;
	}
	cl->off += (size_t)n;
	if (cl->off < cl->out.len)
		return;
	if (cl->rs == NULL) {
		client_free(cl);
		return;
	}
	/* Written: the next part of a streamed answer, into the same
	 * buffer (its size bounds what the answer holds in memory). */
	buf_wr_reset(&cl->out);
	cl->off = 0;
	next_part(cl);
	/* Charged for the part it holds now. */
	cl->ctl->charged -= cl->charge;
	cl->charge = cl->out.len;
	cl->ctl->charged += cl->charge;
}

/* Start sending what is in cl->out, within the output caps. */
static void
start_reply(struct client *cl)
{
	struct control *ctl = cl->ctl;
	size_t len = cl->out.len;

	if (len > OUT_SMALL && (len > OUT_MAX ||
	    ctl->charged + len > OUT_TOTAL)) {
		buf_wr_reset(&cl->out);
		if (len > OUT_MAX)
			buf_printf(&cl->out, "ERROR the answer (%zu octets) "
			    "is over the control socket's limit of %u MiB\n",
			    len, OUT_MAX >> 20);
		else
			buf_printf(&cl->out, "ERROR busy: other clients have "
			    "%zu MiB of answers unread; try again\n",
			    ctl->charged >> 20);
		log_notice("control: refused an answer of %zu octets to uid "
		    "%d (%zu octets unread by others)", len, (int)cl->uid,
		    ctl->charged);
		len = cl->out.len;
	}
	cl->charge = len;
	ctl->charged += len;
	event_del(cl->rev);
	cl->wev = event_new(ctl->v->base, cl->fd, EV_WRITE | EV_PERSIST,
	    on_client_write, cl);
	event_add(cl->wev, &write_tv);
}

static void
respond(struct client *cl)
{
	const struct view *v = cl->ctl->v;
	char *line = cl->req, err[512], orig[MAX_REQUEST];
	bool json;

	line[strcspn(line, "\r\n")] = '\0';
	snprintf(orig, sizeof(orig), "%s", line);
	json = strlen(line) > 5 &&
	    strcmp(line + strlen(line) - 5, " json") == 0;
	if (json)
		line[strlen(line) - 5] = '\0';
	if (strcmp(line, "status") == 0) {
		buf_put_str(&cl->out, "OK\n");
		if (json)
			control_status_json(v, cl->ctl, &cl->out);
		else
			control_status_text(v, &cl->out);
	} else if (strcmp(line, "routes") == 0) {
		buf_put_str(&cl->out, "OK\n");
		cl->rs = routes_stream_new(v, json);
		next_part(cl);
	} else if (strcmp(line, "reload") == 0 && !json) {
		if (!ctlauth_may_change(cl->uid))
			buf_put_str(&cl->out, "ERROR reload needs root or "
			    "the daemon's user\n");
		else if (view_reload(v, err, sizeof(err)) != 0)
			buf_printf(&cl->out, "ERROR %s\n", err);
		else
			buf_put_str(&cl->out, "OK\nconfiguration reloaded\n");
	} else if (strcmp(line, "version") == 0 && !json) {
		buf_put_str(&cl->out, "OK\nbgpd " BGPD_VERSION "\n");
	} else if (!ops_run(v, cl->uid, orig, &cl->out)) {
		buf_put_str(&cl->out, "ERROR unknown request, expected status, "
		    "routes, peer, adj-in, adj-out, shutdown, enable, clear, "
		    "log-level, config, health, reload or version\n");
	}
	start_reply(cl);
}

static void
on_client_read(evutil_socket_t fd, short what, void *arg)
{
	struct client *cl = arg;
	ssize_t n;

	if (what & EV_TIMEOUT) {
		client_free(cl);
		return;
	}
	n = read(cl->fd, cl->req + cl->rlen, sizeof(cl->req) - 1 - cl->rlen);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_free(cl);
		return;
	}
	cl->rlen += (size_t)n;
	cl->req[cl->rlen] = '\0';
	if (memchr(cl->req, '\n', cl->rlen) != NULL) {
		respond(cl);
		return;
	}
	if (cl->rlen >= sizeof(cl->req) - 1) {
		buf_put_str(&cl->out, "ERROR request too long\n");
		start_reply(cl);
	}
}

static void
client_free(struct client *cl)
{
	if (cl->rev != NULL)
		event_free(cl->rev);
	if (cl->wev != NULL)
		event_free(cl->wev);
	close(cl->fd);
	routes_stream_free(cl->rs);
	buf_wr_free(&cl->out);
	cl->ctl->charged -= cl->charge;
	cl->ctl->nclients--;
	free(cl);
}

static void
on_control_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct control *ctl = arg;
	struct timeval tv = { CLIENT_TIMEOUT, 0 };
	struct client *cl;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	uid_t uid = (uid_t)-1;
	int fd;

	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
		uid = cred.uid;
	/* Clients that never finish cannot lock root out: a few places
	 * are kept for root and the daemon's uid. */
	if (ctl->nclients >= MAX_CLIENTS + RESERVED ||
	    (ctl->nclients >= MAX_CLIENTS && !ctlauth_may_change(uid))) {
		log_debug("control: refused a client (uid %d): %d clients",
		    (int)uid, ctl->nclients);
		close(fd);
		return;
	}
	cl = xcalloc(1, sizeof(*cl));
	cl->ctl = ctl;
	cl->fd = fd;
	cl->uid = uid;
	buf_wr_init(&cl->out, 0);
	ctl->nclients++;
	cl->rev = event_new(ctl->v->base, fd, EV_READ | EV_PERSIST,
	    on_client_read, cl);
	event_add(cl->rev, &tv);
}

/* Remove a stale socket of ours; refuse to touch anything else. */
static int
clear_path(const char *path, char *err, size_t errlen)
{
	struct stat st;
	struct sockaddr_un sun;
	int fd;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", path);
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sun,
	    sizeof(sun)) == 0) {
		close(fd);
		snprintf(err, errlen, "another bgpd answers on %s", path);
		return -1;
	}
	if (fd >= 0)
		close(fd);
	return unlink(path);
}

int
control_listen_unix(const char *path, int backlog, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	mode_t old;
	int fd;

	err[0] = '\0';
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		free(dir);
		return -1;
	}
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create %s: %s", dir,
			    strerror(errno));
			free(dir);
			return -1;
		}
	}
	free(dir);
	if (clear_path(path, err, errlen) != 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "cannot remove %s: %s", path,
			    strerror(errno));
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/* No window with wider permissions: umask before bind. */
	old = umask(0117);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    listen(fd, backlog) != 0) {
		umask(old);
		snprintf(err, errlen, "socket %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	umask(old);
	chmod(path, 0660);
	if (ctlauth_socket(path, err, errlen) != 0) {
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

struct control *
control_open(const struct view *v, const char *path, char *err,
    size_t errlen)
{
	struct control *ctl;
	int fd = control_listen_unix(path, MAX_CLIENTS + RESERVED, err,
	    errlen);

	if (fd < 0)
		return NULL;
	ctl = xcalloc(1, sizeof(*ctl));
	ctl->v = v;
	ctl->fd = fd;
	ctl->path = xstrdup(path);
	ctl->ev = event_new(v->base, fd, EV_READ | EV_PERSIST,
	    on_control_accept, ctl);
	event_add(ctl->ev, NULL);
	return ctl;
}

void
control_close(struct control *ctl)
{
	if (ctl == NULL)
		return;
	event_free(ctl->ev);
	close(ctl->fd);
	unlink(ctl->path);
	free(ctl->path);
	free(ctl);
}
