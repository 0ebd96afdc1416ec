/*
 * peer_io: see peer_io.h.  Every call into a session is followed by
 * conn_rearm(), which points the connection's one timer at the session's
 * next deadline.  Failures found while the FSM is calling us (a connect
 * that fails at once) are reported from a deferred event, never from
 * inside the FSM.
 */
#include "peer_io.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bgp/msg.h"
#include "bgp/speaker.h"
#include "calico/sessconf.h"
#include "daemon.h"
#include "lib/log.h"
#include "lib/monotime.h"
#include "lib/xalloc.h"
#include "tcpsec.h"

/* Deferred failure of an outgoing connection. */
struct defer {
	struct conn *c;
	char	why[160];
};

static void conn_rearm(struct conn *c);
static bool read_secret(struct conn *c);
static void show_auth_err(struct conn *c);
static void conn_close(struct conn *c);
static void on_read(evutil_socket_t, short, void *);
static void on_write(evutil_socket_t, short, void *);

static struct session *
S(const struct conn *c)
{
	return speaker_peer_session(c->peer_sp);
}

/* Internetwork control class, and GTSM (RFC 5082) when configured. */
static void
sockopts(int fd, int af, uint8_t ttl_security)
{
	int tos = IPTOS_PREC_INTERNETCONTROL, one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (af == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos));
	else
		setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	if (tcpsec_gtsm(fd, af, ttl_security) != 0)
		log_warn("GTSM (ttlSecurity %u)", ttl_security);
}

/* Our end of the connection is the next hop we advertise as "self". */
static void
learn_local(struct conn *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct ip_addr a;

	if (getsockname(c->fd, (struct sockaddr *)&ss, &len) != 0)
		return;
	addr_from_sockaddr(&ss, &a);
	if (a.af == c->peer.af)
		speaker_peer_set_local(c->peer_sp, &a);
}

static void
conn_events(struct conn *c)
{
	struct event_base *b = c->d->base;

	c->rev = event_new(b, c->fd, EV_READ | EV_PERSIST, on_read, c);
	c->wev = event_new(b, c->fd, EV_WRITE | EV_PERSIST, on_write, c);
	event_add(c->rev, NULL);
	if (session_out_pending(S(c)) > 0)
		event_add(c->wev, NULL);
}

static void
conn_close(struct conn *c)
{
	if (c->rev != NULL)
		event_free(c->rev);
	if (c->wev != NULL)
		event_free(c->wev);
	c->rev = c->wev = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->connecting = false;
}

static void
close_pending(struct conn *c)
{
	if (c->crev != NULL)
		event_free(c->crev);
	c->crev = NULL;
	if (c->cfd >= 0)
		close(c->cfd);
	c->cfd = -1;
	c->clen = 0;
	free(c->cbuf);
	c->cbuf = NULL;
}

static void
on_defer(evutil_socket_t fd, short what, void *arg)
{
	struct defer *df = arg;
	struct conn *c = df->c;

	session_conn_failed(S(c), df->why, monotime_ms());
	conn_rearm(c);
	daemon_wake(c->d);
	free(df);
}

/* Report "Socket: <what><strerror>" from the event loop, not the FSM. */
static void
fail_later(struct conn *c, const char *what, int err)
{
	struct defer *df = xcalloc(1, sizeof(*df));

	df->c = c;
	snprintf(df->why, sizeof(df->why), "Socket: %s%s", what,
	    strerror(err));
	event_base_once(c->d->base, -1, EV_TIMEOUT, on_defer, df, NULL);
}

static void
adopt(struct conn *c, int fd)
{
	c->fd = fd;
	c->connecting = false;
	log_debug("%s: TCP connection up", c->name);
	sockopts(fd, c->peer.af, c->ttl_security);
	conn_events(c);
	learn_local(c);
	session_connected(S(c), monotime_ms());
	conn_rearm(c);
}

static void
on_connected(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	int err = 0;
	socklen_t len = sizeof(err);

	event_free(c->wev);
	c->wev = NULL;
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err != 0) {
		char why[160];

		close(c->fd);
		c->fd = -1;
		c->connecting = false;
		snprintf(why, sizeof(why), "Socket: %s", strerror(err));
		session_conn_failed(S(c), why, monotime_ms());
		conn_rearm(c);
		return;
	}
	c->connecting = false;
	adopt(c, c->fd);
	daemon_wake(c->d);
}

static void
conn_connect(struct conn *c)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	conn_close(c);
	fd = socket(c->peer.af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fail_later(c, "", errno);
		return;
	}
	sockopts(fd, c->peer.af, c->ttl_security);
	/* RFC 2385: the key is on the socket before the SYN goes out. */
	if (c->key_ok && tcpsec_md5(fd, &c->peer, c->key.key,
	    c->key.len) != 0) {
		int e = errno;

		close(fd);
		fail_later(c, "TCP-MD5: ", e);
		return;
	}
	if (c->source.af == c->peer.af) {
		len = addr_to_sockaddr(&c->source, 0, &ss);
		if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
			int e = errno;

			close(fd);
			fail_later(c, "cannot use the source address: ", e);
			return;
		}
	}
	len = addr_to_sockaddr(&c->peer, c->port, &ss);
	if (connect(fd, (struct sockaddr *)&ss, len) != 0 &&
	    errno != EINPROGRESS) {
		int e = errno;

		close(fd);
		fail_later(c, "", e);
		return;
	}
	c->fd = fd;
	c->connecting = true;
	log_debug("%s: connecting to port %u", c->name, c->port);
	c->wev = event_new(c->d->base, fd, EV_WRITE, on_connected, c);
	event_add(c->wev, NULL);
}

/* ---- the sessions' transport (speaker_io.transport) ---- */

static void
io_connect(void *ctx)
{
	conn_connect(ctx);
}

/* Best effort: what is queued (a NOTIFICATION) goes out, then close. */
static void
io_disconnect(void *ctx)
{
	struct conn *c = ctx;
	const uint8_t *p;
	size_t len;

	if (c->fd >= 0)
		log_debug("%s: closing the connection (%s)", c->name,
		    session_state_name(S(c)));
	if (c->fd >= 0 && !c->connecting) {
		session_out_data(S(c), &p, &len);
		if (len > 0) {
			ssize_t n = write(c->fd, p, len);

			if (n > 0)
				session_out_written(S(c), (size_t)n,
				    monotime_ms());
		}
	}
	conn_close(c);
	/* A connection held in a collision the peer resolved for it
	 * becomes the session's (fsm.collided). */
	if (!S(c)->fsm.collided)
		close_pending(c);
}

static void
io_output(void *ctx)
{
	struct conn *c = ctx;

	if (c->fd >= 0 && !c->connecting && c->wev != NULL)
		event_add(c->wev, NULL);
	conn_rearm(c);
}

static const struct session_transport transport = {
	.connect = io_connect,
	.disconnect = io_disconnect,
	.output = io_output,
};

static void
io_wakeup(void *arg)
{
	daemon_wake(arg);
}

const struct speaker_io peerio_speaker_io = {
	.transport = &transport,
	.wakeup = io_wakeup,
};

/* ---- reading and writing ---- */

static void
on_more(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	if (c->fd >= 0 && session_in_commit(S(c), 0, monotime_ms()))
		event_active(c->more, EV_READ, 0);
	conn_rearm(c);
	daemon_wake(c->d);
}

static void
on_read(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	uint8_t *p;
	size_t room;
	ssize_t n;
	char why[160];

	session_in_space(S(c), &p, &room);
	n = read(c->fd, p, room);
	if (n <= 0)
		session_in_cancel(S(c));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		snprintf(why, sizeof(why), "Socket: %s", n == 0 ?
		    "Connection closed" : strerror(errno));
		conn_close(c);
		session_closed(S(c), why, monotime_ms());
		conn_rearm(c);
		daemon_wake(c->d);
		return;
	}
	/* Bounded work: the rest of a burst waits for the next turn. */
	if (session_in_commit(S(c), (size_t)n, monotime_ms()) && c->fd >= 0)
		event_active(c->more, EV_READ, 0);
	conn_rearm(c);
	daemon_wake(c->d);
}

static void
on_write(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	const uint8_t *p;
	size_t len;
	ssize_t n;
	char why[160];

	session_out_data(S(c), &p, &len);
	if (len == 0) {
		event_del(c->wev);
		return;
	}
	n = write(c->fd, p, len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		snprintf(why, sizeof(why), "Socket: %s", strerror(errno));
		conn_close(c);
		session_closed(S(c), why, monotime_ms());
		conn_rearm(c);
		daemon_wake(c->d);
		return;
	}
	session_out_written(S(c), (size_t)n, monotime_ms());
	if (session_out_pending(S(c)) == 0 && c->wev != NULL)
		event_del(c->wev);
	speaker_peer_writable(c->d->sp, c->peer_sp);
	conn_rearm(c);
}

/* ---- timers ---- */

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	session_run_timers(S(c), monotime_ms());
	conn_rearm(c);
	daemon_wake(c->d);
}

static void
conn_rearm(struct conn *c)
{
	uint64_t next = session_next_timer(S(c)), now = monotime_ms();
	struct timeval tv;

	if (next == 0) {
		evtimer_del(c->timer);
		return;
	}
	next = next > now ? next - now : 0;
	tv.tv_sec = (time_t)(next / 1000);
	tv.tv_usec = (suseconds_t)(next % 1000) * 1000;
	evtimer_add(c->timer, &tv);
}

/* ---- TCP-MD5 secrets ---- */

/* Why the session is down, where status shows it (cut to fit). */
static void
show_auth_err(struct conn *c)
{
	char *dst = S(c)->last_error;
	size_t n = strlen(c->auth_err), size = sizeof(S(c)->last_error);

	if (n >= size)
		n = size - 1;
	memcpy(dst, c->auth_err, n);
	dst[n] = '\0';
}

static void
auth_failed(struct conn *c, const char *err)
{
	char why[sizeof(c->auth_err)];

	snprintf(why, sizeof(why), "TCP-MD5 password: %s", err);
	c->key_ok = false;
	explicit_bzero(&c->key, sizeof(c->key));
	if (strcmp(why, c->auth_err) != 0)
		log_err("%s: %s; the session stays down until the secret can "
		    "be read", c->name, why);
	snprintf(c->auth_err, sizeof(c->auth_err), "%s", why);
}

/* Read c's secret: true if it is usable. */
static bool
read_secret(struct conn *c)
{
	char err[256];
	struct secrets_key k;

	if (secrets_read(c->d->opts.secrets_dir, c->secret_name,
	    c->secret_key, &k, err, sizeof(err)) != 0) {
		auth_failed(c, err);
		return false;
	}
	c->key = k;
	c->key_ok = true;
	c->auth_err[0] = '\0';
	explicit_bzero(&k, sizeof(k));
	return true;
}

void
peerio_secrets_read(struct daemon *d)
{
	for (struct conn *c = d->conns; c != NULL; c = c->next) {
		bool was_ok = c->key_ok;
		struct secrets_key old = c->key;

		c->key_todo = PEERIO_KEY_KEEP;
		if (!c->has_password)
			continue;
		if (!read_secret(c))
			c->key_todo = was_ok ? PEERIO_KEY_STOP :
			    PEERIO_KEY_KEEP;
		else if (!was_ok)
			c->key_todo = PEERIO_KEY_START;
		else if (old.len != c->key.len ||
		    memcmp(old.key, c->key.key, old.len) != 0)
			c->key_todo = PEERIO_KEY_RESTART;
		explicit_bzero(&old, sizeof(old));
	}
}

void
peerio_secrets_act(struct daemon *d)
{
	for (struct conn *c = d->conns; c != NULL; c = c->next) {
		uint64_t now = monotime_ms();
		enum peerio_key_todo todo = c->key_todo;

		c->key_todo = PEERIO_KEY_KEEP;
		switch (todo) {
		case PEERIO_KEY_RESTART:
			if (!S(c)->fsm.running)
				continue;	/* shut down: the key waits */
			log_notice("%s: TCP-MD5 key changed: restarting the "
			    "session", c->name);
			session_stop(S(c), BGP_CEASE_CONFIG, NULL, now);
			session_start(S(c), now);
			break;
		case PEERIO_KEY_START:
			if (c->admin_down || c->held != NULL)
				continue;
			log_notice("%s: TCP-MD5 password read: starting the "
			    "session", c->name);
			session_start(S(c), now);
			break;
		case PEERIO_KEY_STOP:
			session_stop(S(c), BGP_CEASE_CONFIG, NULL, now);
			show_auth_err(c);
			break;
		default:
			if (c->has_password && !c->key_ok)
				show_auth_err(c);
			continue;
		}
		conn_rearm(c);
	}
	peerio_watch_secrets(d);
	daemon_wake(d);
}

void
peerio_watch_secrets(struct daemon *d)
{
	const char **names;
	size_t n = 0;

	for (struct conn *c = d->conns; c != NULL; c = c->next)
		n++;
	names = xcalloc(n ? n : 1, sizeof(*names));
	n = 0;
	for (struct conn *c = d->conns; c != NULL; c = c->next)
		if (c->has_password)
			names[n++] = c->secret_name;
	secrets_watch_names(d->secrets, names, n);
	free(names);
}

void
peerio_conn_update(struct conn *c, const struct plan_session *s)
{
	snprintf(c->name, sizeof(c->name), "%s", s->name);
	c->type = s->type;
	speaker_peer_reconfigure(c->d->sp, c->peer_sp,
	    s->next_hop == PLAN_NH_SELF ? SPEAKER_NH_SELF :
	    s->next_hop == PLAN_NH_KEEP ? SPEAKER_NH_KEEP : SPEAKER_NH_AUTO,
	    s->allow_local_as);
}

struct conn *
peerio_conn_new(struct daemon *d, const struct plan *pl,
    const struct plan_session *s, const char *held)
{
	struct conn *c = xcalloc(1, sizeof(*c));
	struct speaker_peer_conf pc;

	c->d = d;
	c->fd = c->cfd = -1;
	snprintf(c->name, sizeof(c->name), "%s", s->name);
	c->type = s->type;
	c->peer = s->peer_ip;
	c->port = s->peer_port;
	c->source = s->source_addr;
	c->ttl_security = s->ttl_security;
	c->has_password = s->password_secret != NULL;
	if (c->has_password) {
		c->secret_name = xstrdup(s->password_secret);
		c->secret_key = xstrdup(s->password_key);
		read_secret(c);
	}
	c->timer = evtimer_new(d->base, on_timer, c);
	c->more = event_new(d->base, -1, 0, on_more, c);
	sessconf_from_plan(pl, s, &pc);
	pc.session.send_hold = d->opts.send_hold;
	pc.session.hold = d->opts.hold;
	pc.max_prefixes = d->opts.max_prefixes;
	/* Never unauthenticated: without its key the session stays down;
	 * nor while its BFD session is down (RFC 5882). */
	c->held = held;
	pc.idle = (c->has_password && !c->key_ok) || c->held != NULL;
	c->next = d->conns;
	d->conns = c;
	c->ix.addr = c->peer;
	c->ix.port = c->port;
	connix_add(&d->conn_ix, &c->ix);
	c->peer_sp = speaker_peer_add(d->sp, &pc, c, monotime_ms());
	if (c->has_password && !c->key_ok)
		show_auth_err(c);
	conn_rearm(c);
	return c;
}

void
peerio_conn_free(struct conn *c, uint8_t subcode, const char *text)
{
	struct daemon *d = c->d;
	struct conn **pp;

	speaker_peer_remove(d->sp, c->peer_sp, subcode, text, monotime_ms());
	conn_close(c);
	close_pending(c);
	event_free(c->timer);
	event_free(c->more);
	for (pp = &d->conns; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	connix_del(&d->conn_ix, &c->ix);
	free(c->filters);
	free(c->secret_name);
	free(c->secret_key);
	explicit_bzero(&c->key, sizeof(c->key));
	free(c);
}

void
peerio_conn_stop(struct conn *c, uint8_t subcode, const char *text)
{
	if (subcode == BGP_CEASE_SHUTDOWN)
		c->admin_down = true;
	session_stop(S(c), subcode, text, monotime_ms());
	conn_rearm(c);
	daemon_wake(c->d);
}

bool
peerio_conn_start(struct conn *c)
{
	c->admin_down = false;
	/* Never unauthenticated, whoever asks. */
	if (c->has_password && !c->key_ok) {
		show_auth_err(c);
		return false;
	}
	/* RFC 5882: not while its BFD session is down. */
	if (c->held != NULL)
		return false;
	session_start(S(c), monotime_ms());
	conn_rearm(c);
	daemon_wake(c->d);
	return true;
}

const char *
peerio_why_down(const struct conn *c)
{
	if (c->has_password && !c->key_ok)
		return c->auth_err;
	if (c->held != NULL)
		return c->held;
	return "";
}

struct conn *
peerio_conn_find(struct daemon *d, const struct ip_addr *peer, uint16_t port)
{
	struct connix_ent *e = connix_find(&d->conn_ix, peer, port);

	return e != NULL ? (struct conn *)((char *)e -
	    offsetof(struct conn, ix)) : NULL;
}

/* ---- collisions (RFC 4271 6.8) ---- */

static void
send_cease(int fd, uint8_t subcode)
{
	struct buf_wr w;

	buf_wr_init(&w, 0);
	msg_notification_encode(&w, BGP_ERR_CEASE, subcode, NULL, 0);
	if (write(fd, w.data, w.len) < 0)
		log_debug("cease on a closing connection: %s",
		    strerror(errno));
	buf_wr_free(&w);
}

static void
feed(struct conn *c, const uint8_t *data, size_t len)
{
	uint8_t *p;
	size_t room;

	session_in_space(S(c), &p, &room);
	if (len > room)
		len = room;
	memcpy(p, data, len);
	if (session_in_commit(S(c), len, monotime_ms()) && c->fd >= 0)
		event_active(c->more, EV_READ, 0);
}

static void
on_collision_read(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct msg_hdr h;
	struct msg_open o;
	struct bgp_err e;
	ssize_t n;
	int nfd;
	uint8_t buf[4096];
	size_t len;

	n = read(c->cfd, c->cbuf + c->clen, BGP_MAX_MSG - c->clen);
	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		close_pending(c);
		return;
	}
	c->clen += (size_t)n;
	memset(&e, 0, sizeof(e));
	if (c->clen < BGP_HDR_LEN)
		return;
	if (msg_hdr_check(c->cbuf, BGP_MAX_MSG, &h, &e) != 0 ||
	    h.type != BGP_MSG_OPEN) {
		close_pending(c);
		return;
	}
	if (c->clen < h.len)
		return;
	if (msg_open_decode(c->cbuf + BGP_HDR_LEN, h.len - BGP_HDR_LEN, &o,
	    &e) != 0) {
		close_pending(c);
		return;
	}
	nfd = c->cfd;
	len = c->clen;
	memcpy(buf, c->cbuf, len);
	event_free(c->crev);
	c->crev = NULL;
	c->cfd = -1;
	c->clen = 0;
	free(c->cbuf);
	c->cbuf = NULL;
	if (S(c)->fsm.state >= FSM_OPENSENT &&
	    !session_collision_new_wins(S(c), o.bgp_id)) {
		log_info("%s: connection collision, keeping ours", c->name);
		send_cease(nfd, BGP_CEASE_COLLISION);
		close(nfd);
		return;
	}
	if (S(c)->fsm.state >= FSM_OPENSENT) {
		log_info("%s: connection collision, the peer's wins", c->name);
		send_cease(c->fd, BGP_CEASE_COLLISION);
		conn_close(c);
		session_takeover(S(c), monotime_ms());
	} else {
		conn_close(c);
	}
	adopt(c, nfd);
	feed(c, buf, len);
	conn_rearm(c);
	daemon_wake(c->d);
}

/* ---- listeners ---- */

void
peerio_incoming(struct conn *c, int fd)
{
	enum fsm_state st = S(c)->fsm.state;

	if (st == FSM_IDLE) {
		close(fd);
		return;
	}
	if (st == FSM_CONNECT || st == FSM_ACTIVE) {
		conn_close(c);	/* drop our own attempt */
		adopt(c, fd);
		daemon_wake(c->d);
		return;
	}
	if (st == FSM_ESTABLISHED || c->cfd >= 0) {
		/* RFC 4271 6.8: an Established session wins. */
		send_cease(fd, BGP_CEASE_COLLISION);
		close(fd);
		return;
	}
	c->cfd = fd;
	c->clen = 0;
	c->cbuf = xmalloc(BGP_MAX_MSG);
	sockopts(fd, c->peer.af, c->ttl_security);
	c->crev = event_new(c->d->base, fd, EV_READ | EV_PERSIST,
	    on_collision_read, c);
	event_add(c->crev, NULL);
}

void
peerio_shutdown(struct daemon *d)
{
	for (struct conn *c = d->conns; c != NULL; c = c->next) {
		struct session *s = S(c);

		/* RFC 4724: a GR-capable peer that just loses the TCP
		 * connection keeps our routes as stale for our restart
		 * time; a Cease would make it drop them at once. */
		if (session_established(s) && s->neg.peer_caps.gr) {
			log_info("%s: closing without NOTIFICATION so the "
			    "peer keeps our routes (graceful restart)",
			    c->name);
			conn_close(c);
			continue;
		}
		session_stop(s, BGP_CEASE_SHUTDOWN, "bgpd shutting down",
		    monotime_ms());
	}
}
