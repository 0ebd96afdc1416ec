/* birdsock: see birdsock.h.  Layouts from BIRD 1.6 nest/proto.c
 * (proto_cmd_show), proto/bgp/bgp.c (bgp_show_proto_info) and nest/cmds.c
 * (cmd_show_status), as DATASTORE.md 4.4 records them; `show route` is
 * birdroute.c's, its arguments as BIRD 1.6's nest/config.Y r_args. */
#include "birdsock.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bgp/birdfmt.h"
#include "bgp/speaker.h"
#include "birdroute.h"
#include "config/plan.h"
#include "control.h"
#include "health.h"
#include "bfd_io.h"
#include "lib/log.h"
#include "lib/monotime.h"
#include "lib/xalloc.h"
#include "peer_io.h"
#include "view.h"

#define BS_MAX_CLIENTS	16
#define BS_MAX_LINE	1024		/* BIRD's CLI takes lines this long */
#define BS_OUT_HIGH	(256 * 1024)	/* stop reading while above */
#define BS_IDLE_S	600
#define BS_WRITE_S	30
#define BS_PART		(64 * 1024)	/* a `show route` part, octets */
#define BS_WORDS	16		/* words of a request */

struct birdsock {
	const struct view *v;
	int	af;
	int	fd;
	char	*path;
	struct event *ev;
	int	nclients;
	struct bclient *clients;
};

struct bclient {
	struct birdsock *bs;
	struct bufferevent *bev;
	int	last_code;
	bool	closing;		/* free once the output is written */
	struct birdroute *br;		/* the rest of a `show route` */
	struct event *more;		/* its next part, when no write is
					 * due to ask for it */
	struct bclient *next;
};

static void client_free(struct bclient *c);

/* ---- reply lines ---- */

/* One line: code, then '-' when more lines follow (cont) or ' ' when
 * this is the last; a line continuing the previous code starts with a
 * single space instead (BIRD's cli_printf). */
static void reply(struct bclient *c, int code, bool cont, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static void
reply(struct bclient *c, int code, bool cont, const char *fmt, ...)
{
	struct evbuffer *o = bufferevent_get_output(c->bev);
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* Nothing from a peer may break the line structure. */
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < ' ' || (unsigned char)*p == 0x7f)
			*p = '?';
	if (cont && code == c->last_code)
		evbuffer_add_printf(o, " %s\n", line);
	else
		evbuffer_add_printf(o, "%04d%c%s\n", code, cont ? '-' : ' ',
		    line);
	c->last_code = cont ? code : -1;
}

/* ---- show protocols ---- */

static const char *
proto_state(const struct session *s)
{
	if (session_established(s))
		return "up";
	return s->fsm.running ? "start" : "down";
}

static void
proto_info(const struct conn *cn, const struct session *s, char *buf,
    size_t size)
{
	const char *st = session_state_name(s);

	/* A shut down protocol shows nothing, as a disabled BIRD one. */
	if (!s->fsm.running) {
		buf[0] = '\0';
		return;
	}
	if (s->conf.passive && s->fsm.state == FSM_ACTIVE)
		st = "Passive";
	snprintf(buf, size, "%-14s%s", st, session_established(s) ? "" :
	    s->last_error);
}

static void
proto_row(struct bclient *c, const struct conn *cn, int code)
{
	const struct session *s = speaker_peer_session(cn->peer_sp);
	char since[32], info[256];

	control_since_text(s->fsm.state_since, since, sizeof(since));
	proto_info(cn, s, info, sizeof(info));
	reply(c, code, true, "%-8s %-8s %-8s %-5s  %-10s  %s", cn->name,
	    "BGP", "master", proto_state(s), since, info);
}

static const char *
caps_words(const struct msg_caps *k, int af, char *buf, size_t size)
{
	const struct msg_af *ap = k->addpath ? msg_caps_find(k->addpath_afs,
	    k->naddpath_afs, af == AF_INET6 ? BGP_AFI_IPV6 : BGP_AFI_IPV4,
	    BGP_SAFI_UNICAST) : NULL;
	uint8_t m = ap != NULL ? ap->flags : 0;

	snprintf(buf, size, "%s%s%s%s%s%s", k->route_refresh ? " refresh" :
	    "", k->enhanced_rr ? " enhanced-refresh" : "",
	    k->gr ? (k->ngr_afs ? " restart-able" : " restart-aware") : "",
	    k->as4 ? " AS4" : "", m & MSG_ADDPATH_RX ? " add-path-rx" : "",
	    m & MSG_ADDPATH_TX ? " add-path-tx" : "");
	return buf[0] ? buf + 1 : buf;
}

static void
timer_left(const struct session *s, enum timer_id t, unsigned total,
    char *buf, size_t size)
{
	uint64_t due = s->fsm.timers.due[t], now = monotime_ms();

	snprintf(buf, size, "%u/%u", due > now ? (unsigned)((due - now +
	    999) / 1000) : 0, total);
}

/* bgp_show_proto_info's lines (1006), in the layout bird_exporter and
 * the CalicoNodeStatus reporter read. */
static void
proto_details(struct bclient *c, const struct conn *cn)
{
	struct session *s = speaker_peer_session(cn->peer_sp);
	const struct speaker_peer_conf *pc = speaker_peer_conf(cn->peer_sp);
	struct speaker_peer_stats st;
	char a[ADDR_STRLEN], buf[160];
	struct ip_addr id;

	speaker_peer_stats(cn->peer_sp, &st);
	reply(c, 1006, true, "  Preference:     100");
	reply(c, 1006, true, "  Input filter:   ACCEPT");
	reply(c, 1006, true, "  Output filter:  ACCEPT");
	if (session_established(s))
		reply(c, 1006, true, "  Routes:         %zu imported, "
		    "%zu exported", st.received, st.advertised);
	reply(c, 1006, true, "  BGP state:          %s", !s->fsm.running ?
	    "Down" : s->conf.passive && s->fsm.state == FSM_ACTIVE ?
	    "Passive" : session_state_name(s));
	reply(c, 1006, true, "    Neighbor address: %s",
	    addr_fmt(&cn->peer, a, sizeof(a)));
	reply(c, 1006, true, "    Neighbor AS:      %u", s->conf.remote_as);
	if (session_established(s)) {
		addr_from_v4(&id, s->neg.peer_id);
		reply(c, 1006, true, "    Neighbor ID:      %s",
		    addr_fmt(&id, a, sizeof(a)));
		reply(c, 1006, true, "    Neighbor caps:    %s",
		    caps_words(&s->neg.peer_caps, s->conf.af, buf,
		    sizeof(buf)));
		reply(c, 1006, true, "    Session:          %s%s%s%s",
		    speaker_peer_ebgp(cn->peer_sp) ? "external" : "internal",
		    s->neg.as4 ? " AS4" : "", s->neg.addpath & MSG_ADDPATH_RX ?
		    " add-path-rx" : "", s->neg.addpath & MSG_ADDPATH_TX ?
		    " add-path-tx" : "");
		if (pc->local_addr.af)
			reply(c, 1006, true, "    Source address:   %s",
			    addr_fmt(&pc->local_addr, a, sizeof(a)));
		timer_left(s, TIMER_HOLD, s->neg.hold, buf, sizeof(buf));
		reply(c, 1006, true, "    Hold timer:       %s", buf);
		timer_left(s, TIMER_KEEPALIVE, s->fsm.keepalive, buf,
		    sizeof(buf));
		reply(c, 1006, true, "    Keepalive timer:  %s", buf);
	}
	if (s->last_error[0] != '\0' && s->fsm.running)
		reply(c, 1006, true, "    Last error:       %s",
		    s->last_error);
	reply(c, 1006, true, "%s", "");
}

static int
conn_name_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct conn *const *)a)->name,
	    (*(const struct conn *const *)b)->name);
}

static void
show_protocols(struct bclient *c, bool all, const char *pat, bool quoted)
{
	const struct conn *conns = view_conns(c->bs->v);
	const struct conn **v;
	size_t n = 0, k = 0;

	for (const struct conn *cn = conns; cn != NULL; cn = cn->next)
		n++;
	v = xcalloc(n + 1, sizeof(*v));
	for (const struct conn *cn = conns; cn != NULL; cn = cn->next) {
		if (cn->peer.af != c->bs->af)
			continue;
		if (pat != NULL && (quoted ? fnmatch(pat, cn->name, 0) != 0 :
		    strcmp(pat, cn->name) != 0))
			continue;
		v[k++] = cn;
	}
	qsort(v, k, sizeof(*v), conn_name_cmp);
	if (k == 0 && pat != NULL && !quoted)
		reply(c, 9002, false, "%s is not a protocol", pat);
	else if (k == 0 && pat != NULL)
		reply(c, 8003, false, "No protocols match");
	else {
		reply(c, 2002, true, "name     proto    table    state  "
		    "since       info");
		for (size_t i = 0; i < k; i++) {
			proto_row(c, v[i], 1002);
			if (all)
				proto_details(c, v[i]);
		}
		reply(c, 0, false, "%s", "");
	}
	free(v);
}

/* ---- show bfd sessions (BIRD 2's proto/bfd layout) ---- */

static void
bfd_row(void *arg, const char *line)
{
	reply(arg, 1020, true, "%s", line);
}

static void
show_bfd(struct bclient *c)
{
	reply(c, 1020, true, "bfd1:");
	reply(c, 1020, true, "%-25s %-10s %-10s %-12s  %8s %8s",
	    "IP address", "Interface", "State", "Since", "Interval",
	    "Timeout");
	bfdio_bird_rows(view_bfd(c->bs->v), c->bs->af, bfd_row, c);
	reply(c, 0, false, "%s", "");
}

/* ---- show status ---- */

static void
wall_text(time_t t, char *buf, size_t size)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
}

static void
show_status(struct bclient *c)
{
	const struct view *v = c->bs->v;
	struct health_recovery r;
	char a[ADDR_STRLEN], t[32];
	unsigned waiting = 0;

	reply(c, 1000, true, "BIRD v%s", BGPD_VERSION);
	reply(c, 1011, true, "Router ID is %s", addr_fmt(&v->plan->router_id,
	    a, sizeof(a)));
	wall_text(time(NULL), t, sizeof(t));
	reply(c, 1011, true, "Current server time is %s", t);
	wall_text(v->start_wall, t, sizeof(t));
	reply(c, 1011, true, "Last reboot on %s", t);
	wall_text(*v->last_reload_wall, t, sizeof(t));
	reply(c, 1011, true, "Last reconfiguration on %s", t);
	health_recovery(v, &r);
	if (r.running) {
		for (const struct conn *cn = view_conns(v); cn;
		    cn = cn->next) {
			struct speaker_peer_stats st;

			speaker_peer_stats(cn->peer_sp, &st);
			waiting += cn->peer.af == c->bs->af &&
			    !st.eor_received;
		}
		reply(c, 24, true, "Graceful restart recovery in progress");
		reply(c, 24, true, "  Waiting for %u protocols to recover",
		    waiting);
		reply(c, 24, true, "  Wait timer is %llu/%llu",
		    (unsigned long long)(r.left_ms + 999) / 1000,
		    (unsigned long long)r.total_ms / 1000);
	}
	reply(c, 13, false, "Daemon is up and running");
}

/* ---- show route ---- */

/* The next part of a route listing; new requests wait until its end. */
static void
route_part(struct bclient *c)
{
	struct buf_wr o;
	struct birdfmt f = { &o, c->last_code };
	bool done;

	buf_wr_init(&o, 0);
	done = birdroute_next(c->br, &f, BS_PART);
	c->last_code = f.last;
	if (o.len > 0)
		evbuffer_add(bufferevent_get_output(c->bev), o.data, o.len);
	if (done) {
		birdroute_free(c->br);
		c->br = NULL;
	} else if (o.len == 0) {
		/* Nothing to write, so no write will call us back. */
		event_active(c->more, EV_TIMEOUT, 0);
	}
	buf_wr_free(&o);
}

static void
on_more(evutil_socket_t fd, short what, void *arg)
{
	struct bclient *c = arg;

	if (c->br != NULL)
		route_part(c);
}

static bool
word(const char *w, const char *keyword)
{
	return strcasecmp(w, keyword) == 0;
}

/* A prefix or address of the socket's family into p: NULL, or the
 * parser's message. */
static const char *
route_prefix(const struct bclient *c, const char *w, struct ip_prefix *p)
{
	if (addr_pfx_parse(w, p, true) != 0 || p->addr.af != c->bs->af)
		return "syntax error";
	return addr_pfx_is_masked(p) ? NULL : "Invalid prefix";
}

/* One argument of show route at w[*i] (the next one taken too where it
 * belongs to it): NULL, or the parser's message (msg may hold it). */
static const char *
route_arg(struct bclient *c, char **w, size_t n, size_t *i,
    struct birdroute_query *q, char *msg, size_t size)
{
	const char *a = w[*i], *next = *i + 1 < n ? w[*i + 1] : NULL;
	struct ip_prefix p;

	if (word(a, "all"))
		q->all = true;
	else if (word(a, "primary"))
		q->primary = true;
	else if (word(a, "filtered"))
		q->filtered = true;
	else if (word(a, "stats"))
		q->stats = 1;
	else if (word(a, "count"))
		q->stats = 2;
	else if (word(a, "protocol") && next != NULL) {
		(*i)++;
		if (q->proto[0] != '\0')
			return "Protocol specified twice";
		if (!birdroute_is_proto(c->bs->v, q->af, next)) {
			snprintf(msg, size, "%.100s is not a protocol", next);
			return msg;
		}
		snprintf(q->proto, sizeof(q->proto), "%s", next);
	} else if (word(a, "table") && next != NULL) {
		(*i)++;
		if (strcmp(next, "master") != 0) {
			snprintf(msg, size, "%.100s is not a table", next);
			return msg;
		}
	} else if (word(a, "for") && next != NULL) {
		(*i)++;
		if (q->one)
			return "Only one prefix expected";
		q->one = q->longest = true;
		return route_prefix(c, next, &q->pfx);
	} else if (addr_pfx_parse(a, &p, true) == 0) {
		if (q->one)
			return "Only one prefix expected";
		q->one = true;
		return route_prefix(c, a, &q->pfx);
	} else {
		return "syntax error";
	}
	return NULL;
}

/* show route [PREFIX | for PREFIX|ADDR] [table master] [all] [primary]
 * [filtered] [protocol NAME] [stats|count]: BIRD 1.6's arguments but
 * filters and export views, which are "syntax error". */
static void
show_route(struct bclient *c, char **w, size_t n)
{
	struct birdroute_query q;
	const char *why = NULL;
	char msg[160];

	memset(&q, 0, sizeof(q));
	q.af = c->bs->af;
	for (size_t i = 0; i < n && why == NULL; i++)
		why = route_arg(c, w, n, &i, &q, msg, sizeof(msg));
	if (why != NULL) {
		reply(c, 9001, false, "%s", why);
		return;
	}
	c->br = birdroute_new(c->bs->v, &q);
	route_part(c);
}

/* ---- requests ---- */

/* word matches keyword kw, or an abbreviation of it of 2+ letters */
static bool
kw(const char *word, const char *keyword)
{
	size_t n = strlen(word);

	return n > 0 && (n >= 2 || strlen(keyword) == n) &&
	    strncasecmp(word, keyword, n) == 0 && n <= strlen(keyword);
}

static void
command(struct bclient *c, char *line)
{
	char *w[BS_WORDS + 1], *save = NULL;
	size_t n = 0;

	line[strcspn(line, "\r")] = '\0';
	for (char *t = strtok_r(line, " \t", &save); t != NULL &&
	    n <= BS_WORDS; t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	c->last_code = -1;
	if (n == 0)
		return;		/* BIRD ignores empty lines */
	if (n > BS_WORDS) {
		reply(c, 9001, false, "syntax error");
	} else if (n >= 2 && kw(w[0], "show") && kw(w[1], "route")) {
		show_route(c, w + 2, n - 2);
	} else if (n >= 2 && kw(w[0], "show") && kw(w[1], "status") &&
	    n == 2) {
		show_status(c);
	} else if (n == 3 && kw(w[0], "show") && kw(w[1], "bfd") &&
	    kw(w[2], "sessions")) {
		show_bfd(c);
	} else if (n >= 2 && kw(w[0], "show") && kw(w[1], "protocols") &&
	    n <= 4) {
		bool all = n >= 3 && strcmp(w[2], "all") == 0;
		char *pat = n > (all ? 3u : 2u) ? w[all ? 3 : 2] : NULL;
		bool quoted = false;
		size_t len = pat ? strlen(pat) : 0;

		if (n == 4 && !all) {
			reply(c, 9001, false, "syntax error");
			return;
		}
		if (pat != NULL && len >= 2 && pat[0] == '"' &&
		    pat[len - 1] == '"') {
			pat[len - 1] = '\0';
			pat++;
			quoted = true;
		}
		show_protocols(c, all, pat, quoted);
	} else {
		reply(c, 9001, false, "syntax error");
	}
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct bclient *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;
	size_t n;

	if (c->closing)
		return;
	/* Bounded: stop once a reader lets output pile up, and while a
	 * route listing runs (BIRD, too, answers one request at a time). */
	while (c->br == NULL && evbuffer_get_length(bufferevent_get_output(
	    bev)) < BS_OUT_HIGH && (line = evbuffer_readln(in, &n,
	    EVBUFFER_EOL_LF)) != NULL) {
		if (n > BS_MAX_LINE || memchr(line, '\0', n) != NULL) {
			free(line);
			reply(c, 9000, false, "Command too long");
			c->closing = true;
			return;
		}
		command(c, line);
		free(line);
	}
	if (evbuffer_get_length(in) > BS_MAX_LINE &&
	    evbuffer_search_eol(in, NULL, NULL, EVBUFFER_EOL_LF).pos < 0) {
		reply(c, 9000, false, "Command too long");
		c->closing = true;
		return;
	}
	if (evbuffer_get_length(bufferevent_get_output(bev)) >= BS_OUT_HIGH)
		bufferevent_disable(bev, EV_READ);
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	struct bclient *c = arg;

	/* Drained below the low mark: the next part of a listing. */
	if (c->br != NULL) {
		route_part(c);
		if (c->br != NULL)
			return;
	}
	if (c->closing) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			client_free(c);
		return;
	}
	/* Take requests again. */
	bufferevent_enable(bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_input(bev)) > 0)
		on_read(bev, c);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct bclient *c = arg;

	/* A client that sent its requests and shut its side (socat, nc)
	 * still gets the answers; an error or a timeout (idle reader,
	 * stuck writer) ends it. */
	if ((what & BEV_EVENT_EOF) && (what & BEV_EVENT_READING) &&
	    (c->br != NULL || evbuffer_get_length(bufferevent_get_output(
	    bev)) > 0)) {
		c->closing = true;
		bufferevent_disable(bev, EV_READ);
		return;
	}
	client_free(c);
}

static void
client_free(struct bclient *c)
{
	struct birdsock *bs = c->bs;

	for (struct bclient **pp = &bs->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	birdroute_free(c->br);
	event_free(c->more);
	bufferevent_free(c->bev);
	bs->nclients--;
	free(c);
}

static void
on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct birdsock *bs = arg;
	struct timeval rt = { BS_IDLE_S, 0 }, wt = { BS_WRITE_S, 0 };
	struct bclient *c;
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (bs->nclients >= BS_MAX_CLIENTS) {
		static const char busy[] = "0005 Too many clients\n";

		(void)!write(fd, busy, sizeof(busy) - 1);
		close(fd);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->bs = bs;
	c->last_code = -1;
	c->bev = bufferevent_socket_new(bs->v->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		free(c);
		return;
	}
	c->more = event_new(bs->v->base, -1, 0, on_more, c);
	bs->nclients++;
	c->next = bs->clients;
	bs->clients = c;
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, BS_OUT_HIGH / 4, 0);
	bufferevent_setwatermark(c->bev, EV_READ, 0, 4 * BS_MAX_LINE);
	bufferevent_set_timeouts(c->bev, &rt, &wt);
	reply(c, 1, false, "BIRD v%s ready.", BGPD_VERSION);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

struct birdsock *
birdsock_open(const struct view *v, const char *path, int af, char *err,
    size_t errlen)
{
	struct birdsock *b;
	int fd = control_listen_unix(path, BS_MAX_CLIENTS, err, errlen);

	if (fd < 0)
		return NULL;
	b = xcalloc(1, sizeof(*b));
	b->v = v;
	b->af = af;
	b->fd = fd;
	b->path = xstrdup(path);
	b->ev = event_new(v->base, fd, EV_READ | EV_PERSIST, on_accept, b);
	event_add(b->ev, NULL);
	log_info("BIRD control protocol for IPv%d sessions on %s",
	    af == AF_INET ? 4 : 6, path);
	return b;
}

void
birdsock_close(struct birdsock *b)
{
	if (b == NULL)
		return;
	while (b->clients != NULL)
		client_free(b->clients);
	event_free(b->ev);
	close(b->fd);
	unlink(b->path);
	free(b->path);
	free(b);
}
