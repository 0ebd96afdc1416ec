/*
 * gen: a BGP route generator for the benchmarks (bench/TOOLS.md).
 *
 * One process plays P peers of a device under test (DUT): it connects to
 * the DUT from P source addresses, announces N prefixes per peer packed
 * into as few UPDATEs as fit, then End-of-RIB, and reports on stdout, as
 * JSON lines stamped with CLOCK_MONOTONIC, when each peer's last byte
 * went into its socket.  Everything is encoded with the project's codec
 * before the first connection, so a run costs the generator a write() of
 * prepared bytes.  Peers announcing the same prefixes share those bytes:
 * the next hop (by default each session's local address) is patched in
 * just before each write(), which copies them into the socket.
 *
 * In sink mode it listens instead, accepts any peer and counts what it
 * receives: gen into gen --sink measures the generator's own rate.
 *
 * One poll() loop, no threads; signals arrive on a signalfd.
 */
#include <sys/types.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bgp/bgp.h"
#include "bgp/msg.h"
#include "bgp/update.h"
#include "lib/addr.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/monotime.h"
#include "lib/xalloc.h"

#include "common.h"
#include "gen.h"

#define SEC		1000000000ULL
#define RBUF_SIZE	(128 * 1024)	/* two largest messages and more */
#define WCHUNK		(1024 * 1024)	/* bytes per write() */
#define QMAX		8		/* queued feeds per session */
#define RETRY_NS	SEC		/* reconnect interval */
#define OPEN_NS		(30 * SEC)	/* connect + OPEN exchange limit */
#define STOP_NS		(2 * SEC)	/* grace to send NOTIFICATIONs */
#define REPORT_NS	SEC		/* "received" at most this often */
#define GR_TIME		120

enum fkind {
	FK_ANNOUNCE_EOR,	/* everything, then End-of-RIB */
	FK_ANNOUNCE,		/* everything again */
	FK_EOR,			/* only End-of-RIB (after a withdrawal) */
	FK_WITHDRAW,
};

enum sstate {
	ST_IDLE,		/* waiting to (re)connect */
	ST_CONNECTING,
	ST_OPENSENT,
	ST_OPENCONFIRM,
	ST_ESTABLISHED,
	ST_CLOSING,		/* flushing a NOTIFICATION, then close */
	ST_DEAD,		/* sink: an accepted session that ended */
};

struct sess {
	unsigned idx;
	int	fd;
	enum sstate state;
	struct ip_addr src;		/* bind address; af 0: any */
	struct ip_addr local, remote;
	uint32_t router_id;
	struct feedset *fs;
	bool	ext, as4, ebgp, up_ever, warned;
	bool	shut;			/* closing: our side is shut down */
	uint8_t	nh[16];			/* next hop patched into the feed */
	size_t	nhlen;			/* 0: nothing to patch */
	unsigned hold;			/* negotiated, seconds */
	uint64_t since, last_rx, last_ka, next_try, est_at;
	uint8_t	*rbuf;
	size_t	rlen;
	struct buf_wr ctl;		/* OPEN, KEEPALIVE, NOTIFICATION */
	size_t	ctl_off;
	struct feed *feed;		/* being written, or NULL */
	enum fkind fkind;
	size_t	fpos, fend, fmsg;	/* fmsg: end of the message at fpos */
	uint64_t fstart;
	enum fkind q[QMAX];
	size_t	qhead, qlen;
	uint64_t ann, wd;		/* prefixes received from the DUT */
	uint64_t ann_est;		/* announced since established */
	uint64_t rep_ann, rep_wd;	/* as last reported */
};

struct gen {
	struct opts o;
	struct sess **s;
	size_t	ns, scap;
	struct feedset *fsets;
	size_t	nfsets;
	int	lfd, sfd;
	bool	want_ann;		/* announced (USR2) or withdrawn */
	bool	ann_open, wd_open;	/* a round waits for all_sent... */
	uint64_t ann_since, wd_since;
	bool	stopping;
	uint64_t stop_at, next_report;
	uint64_t rep_ann, rep_wd;	/* totals as last reported (quiet) */
	unsigned naccepted;
	struct buf_wr js;		/* JSON escaping scratch */
};

static struct attr_scratch scratch;

static void	 usage(void) __attribute__((noreturn));
static void	 ev_str(struct gen *, const char *key, const char *s,
		    size_t len);
static void	 put_open(struct gen *g, struct sess *s);
static void	 enqueue(struct sess *s, enum fkind k);
static void	 sess_connect(struct gen *g, struct sess *s, uint64_t now);
static void	 sess_connected(struct gen *g, struct sess *s, uint64_t now);
static void	 sess_close(struct gen *g, struct sess *s, const char *why,
		    uint64_t now);
static void	 sess_notify(struct gen *g, struct sess *s, uint8_t code,
		    uint8_t sub, const char *why, uint64_t now);
static void	 sess_read(struct gen *g, struct sess *s, uint64_t now);
static void	 sess_flush(struct gen *g, struct sess *s, uint64_t now);
static void	 on_msg(struct gen *g, struct sess *s, uint8_t type,
		    const uint8_t *body, size_t len, uint64_t now);
static void	 on_open(struct gen *g, struct sess *s, const uint8_t *body,
		    size_t len, uint64_t now);
static void	 on_established(struct gen *g, struct sess *s, uint64_t now);
static void	 on_update(struct gen *g, struct sess *s, const uint8_t *body,
		    size_t len, uint64_t now);
static uint64_t	 nlri_count(const uint8_t *p, size_t len);
static void	 patch(struct sess *s, size_t from, size_t to);
static bool	 feed_next(struct gen *g, struct sess *s, uint64_t now);
static void	 feed_done(struct gen *g, struct sess *s, uint64_t now);
static void	 check_rounds(struct gen *g, uint64_t now);
static void	 report(struct gen *g, uint64_t now, bool all);
static void	 on_signal(struct gen *g, uint64_t now);
static void	 stop(struct gen *g, uint64_t now);
static void	 run_timers(struct gen *g, uint64_t now);
static void	 do_accept(struct gen *g, uint64_t now);
static void	 open_listener(struct gen *g);
static void	 parse_args(struct opts *o, int argc, char **argv);
static struct sess *sess_new(struct gen *g);

static void
usage(void)
{
	fprintf(stderr,
	    "usage: gen --connect ADDR [--port N] --local-as N --peer-as N\n"
	    "\t[--source ADDR] [--peers P] [--router-id A.B.C.D] [--hold S]\n"
	    "\t--prefixes N [--start PREFIX] [--plen L] [--per-peer-offset]\n"
	    "\t| --replay FILE\n"
	    "\t[--nexthop ADDR] [--aspath-len K] [--aspath-variety V]\n"
	    "\t[--aspath-base AS] [--communities] [--family 4|6] "
	    "[--ext-msg]\n"
	    "\t[--quiet]\n"
	    "       gen --sink [--listen ADDR] [--port N] --local-as N "
	    "[--quiet]\n");
	exit(1);
}

/* ---- output ---- */

static void
ev_str(struct gen *g, const char *key, const char *s, size_t len)
{
	buf_wr_reset(&g->js);
	json_escape(&g->js, s, len);
	printf(",\"%s\":\"%s\"", key, buf_str(&g->js));
}

/* ---- arguments and addresses ---- */

/* ---- sessions ---- */

static struct sess *
sess_new(struct gen *g)
{
	struct sess *s = xcalloc(1, sizeof(*s));

	s->fd = -1;
	s->idx = (unsigned)g->ns;
	buf_wr_init(&s->ctl, 0);
	g->s = xgrow(g->s, &g->scap, g->ns + 1, sizeof(*g->s));
	g->s[g->ns++] = s;
	return s;
}

static void
put_open(struct gen *g, struct sess *s)
{
	const struct opts *o = &g->o;
	struct msg_open op;
	struct msg_caps *c = &op.caps;
	int fams[2], nf = 0;

	/* The sink takes either family; a generator offers its own. */
	if (o->sink || o->family == AF_INET)
		fams[nf++] = BGP_AFI_IPV4;
	if (o->sink || o->family == AF_INET6)
		fams[nf++] = BGP_AFI_IPV6;
	memset(&op, 0, sizeof(op));
	op.version = BGP_VERSION;
	op.my_as = o->local_as > 0xffff ? BGP_AS_TRANS :
	    (uint16_t)o->local_as;
	op.hold_time = (uint16_t)o->hold;
	op.bgp_id = s->router_id;
	for (int i = 0; i < nf; i++) {
		c->mp[i].afi = (uint16_t)fams[i];
		c->mp[i].safi = BGP_SAFI_UNICAST;
		c->gr_afs[i] = c->mp[i];
	}
	c->nmp = c->ngr_afs = (size_t)nf;
	c->route_refresh = true;
	c->ext_msg = o->ext_msg;
	c->as4 = true;
	c->as4_value = o->local_as;
	/* RFC 4724: restart time, no flags, forwarding not preserved. */
	c->gr = true;
	c->gr_time = GR_TIME;
	msg_open_encode(&s->ctl, &op);
}

static void
enqueue(struct sess *s, enum fkind k)
{
	if (s->qlen == QMAX) {
		log_warnx("peer %u: too many requests queued, one dropped",
		    s->idx);
		return;
	}
	s->q[(s->qhead + s->qlen++) % QMAX] = k;
}

static void
sess_connect(struct gen *g, struct sess *s, uint64_t now)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char a[ADDR_STRLEN];

	s->fd = socket(g->o.connect.af, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (s->fd == -1)
		fatal("socket");
	if (s->src.af != 0) {
		sl = addr_to_sockaddr(&s->src, 0, &ss);
		if (bind(s->fd, (struct sockaddr *)&ss, sl) == -1)
			fatal("peer %u: bind %s (is the address on an "
			    "interface?)", s->idx,
			    addr_fmt(&s->src, a, sizeof(a)));
	}
	s->since = now;
	sl = addr_to_sockaddr(&g->o.connect, g->o.port, &ss);
	if (connect(s->fd, (struct sockaddr *)&ss, sl) == 0) {
		sess_connected(g, s, now);
		return;
	}
	if (errno == EINPROGRESS) {
		s->state = ST_CONNECTING;
		return;
	}
	if (!s->warned)
		log_warn("peer %u: connect (retrying every second)", s->idx);
	s->warned = true;
	close(s->fd);
	s->fd = -1;
	s->next_try = now + RETRY_NS;
}

static void
sess_connected(struct gen *g, struct sess *s, uint64_t now)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int one = 1;

	(void)setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (getsockname(s->fd, (struct sockaddr *)&ss, &sl) == 0)
		addr_from_sockaddr(&ss, &s->local);
	sl = sizeof(ss);
	if (getpeername(s->fd, (struct sockaddr *)&ss, &sl) == 0)
		addr_from_sockaddr(&ss, &s->remote);
	if (!g->o.sink && !g->o.has_nexthop) {
		if (s->local.af != g->o.family)
			fatalx("peer %u: the session is not IPv%d, so its "
			    "address cannot be the next hop: give --nexthop",
			    s->idx, g->o.family == AF_INET ? 4 : 6);
		s->nhlen = addr_len(s->local.af);
		memcpy(s->nh, s->local.b, s->nhlen);
	}
	if (s->rbuf == NULL)
		s->rbuf = xmalloc(RBUF_SIZE);
	s->rlen = 0;
	s->warned = false;
	s->shut = false;
	s->state = ST_OPENSENT;
	s->since = s->last_rx = now;
	put_open(g, s);
}

static void
sess_close(struct gen *g, struct sess *s, const char *why, uint64_t now)
{
	bool was_up = s->state >= ST_OPENSENT && s->state <= ST_CLOSING;

	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
	if (was_up && !g->o.quiet) {
		bench_ev_begin("closed", now);
		printf(",\"peer\":%u", s->idx);
		ev_str(g, "reason", why, strlen(why));
		bench_ev_end();
	}
	buf_wr_reset(&s->ctl);
	s->ctl_off = 0;
	s->feed = NULL;
	s->qlen = 0;
	s->rlen = 0;
	s->hold = 0;
	s->next_try = now + RETRY_NS;
	s->state = g->o.sink ? ST_DEAD : ST_IDLE;
	if (g->o.sink) {
		free(s->rbuf);
		s->rbuf = NULL;
		buf_wr_free(&s->ctl);
	}
}

/* Send a NOTIFICATION if it can go now, then close. */
static void
sess_notify(struct gen *g, struct sess *s, uint8_t code, uint8_t sub,
    const char *why, uint64_t now)
{
	struct buf_wr w;

	if (s->ctl_off == s->ctl.len &&
	    (s->feed == NULL || s->fpos == s->fmsg)) {
		buf_wr_init(&w, 0);
		msg_notification_encode(&w, code, sub, NULL, 0);
		(void)send(s->fd, w.data, w.len, MSG_NOSIGNAL);
		buf_wr_free(&w);
	}
	sess_close(g, s, why, now);
}

static void
sess_read(struct gen *g, struct sess *s, uint64_t now)
{
	size_t off = 0;
	ssize_t n;

	/* Closing: discard until the peer closes too (closing with
	 * unread data would reset the connection, NOTIFICATION and all). */
	if (s->state == ST_CLOSING)
		s->rlen = 0;
	n = read(s->fd, s->rbuf + s->rlen, RBUF_SIZE - s->rlen);
	if (n == 0) {
		sess_close(g, s, s->state == ST_CLOSING ? "shutdown" :
		    "the peer closed the connection", now);
		return;
	}
	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR)
			sess_close(g, s, strerror(errno), now);
		return;
	}
	s->rlen += (size_t)n;
	s->last_rx = now;
	while (s->rlen - off >= BGP_HDR_LEN && s->fd != -1) {
		struct msg_hdr h;
		struct bgp_err err;

		memset(&err, 0, sizeof(err));
		if (msg_hdr_check(s->rbuf + off, s->ext ? BGP_MAX_MSG_EXT :
		    BGP_MAX_MSG, &h, &err) != 0) {
			sess_notify(g, s, err.code, err.subcode, err.reason,
			    now);
			return;
		}
		if (s->rlen - off < h.len)
			break;
		if (s->state == ST_CLOSING)
			break;
		on_msg(g, s, h.type, s->rbuf + off + BGP_HDR_LEN,
		    h.len - BGP_HDR_LEN, now);
		off += h.len;
	}
	if (s->fd == -1)
		return;
	memmove(s->rbuf, s->rbuf + off, s->rlen - off);
	s->rlen -= off;
}

static void
on_msg(struct gen *g, struct sess *s, uint8_t type, const uint8_t *body,
    size_t len, uint64_t now)
{
	struct msg_notification n;
	char why[512];

	switch (type) {
	case BGP_MSG_OPEN:
		on_open(g, s, body, len, now);
		break;
	case BGP_MSG_KEEPALIVE:
		if (s->state == ST_OPENCONFIRM)
			on_established(g, s, now);
		else if (s->state != ST_ESTABLISHED)
			sess_notify(g, s, BGP_ERR_FSM, BGP_FSM_OPENSENT,
			    "KEEPALIVE before OPEN", now);
		break;
	case BGP_MSG_UPDATE:
		if (s->state == ST_ESTABLISHED)
			on_update(g, s, body, len, now);
		else
			sess_notify(g, s, BGP_ERR_FSM, 0,
			    "UPDATE before the session is up", now);
		break;
	case BGP_MSG_NOTIFICATION:
		if (msg_notification_decode(body, len, &n) != 0) {
			sess_close(g, s, "short NOTIFICATION received", now);
			break;
		}
		snprintf(why, sizeof(why), "NOTIFICATION received: %s, %s%s"
		    "%.*s", bgp_err_code_name(n.code),
		    bgp_err_subcode_name(n.code, n.subcode),
		    n.text_len > 0 ? ": " : "", (int)n.text_len,
		    (const char *)n.text);
		sess_close(g, s, why, now);
		break;
	case BGP_MSG_ROUTE_REFRESH:
		/* RFC 2918: send the Adj-RIB-Out again. */
		if (s->state == ST_ESTABLISHED && !g->o.sink && g->want_ann)
			enqueue(s, FK_ANNOUNCE);
		break;
	default:
		break;
	}
}

static void
on_open(struct gen *g, struct sess *s, const uint8_t *body, size_t len,
    uint64_t now)
{
	const struct opts *o = &g->o;
	struct msg_open op;
	struct bgp_err err;
	uint32_t as;
	char why[128];

	memset(&err, 0, sizeof(err));
	if (s->state != ST_OPENSENT) {
		sess_notify(g, s, BGP_ERR_FSM, BGP_FSM_OPENCONFIRM,
		    "a second OPEN", now);
		return;
	}
	if (msg_open_decode(body, len, &op, &err) != 0) {
		sess_notify(g, s, err.code, err.subcode, err.reason, now);
		return;
	}
	as = op.caps.as4 ? op.caps.as4_value : op.my_as;
	if (!o->sink && as != o->peer_as) {
		snprintf(why, sizeof(why), "the peer is AS %" PRIu32
		    ", not AS %" PRIu32, as, o->peer_as);
		sess_notify(g, s, BGP_ERR_OPEN, BGP_OPEN_PEER_AS, why, now);
		return;
	}
	/* What was encoded in advance assumes 4-octet ASNs (RFC 6793). */
	if (!o->sink && !op.caps.as4)
		fatalx("peer %u: the DUT does not announce the 4-octet AS "
		    "capability, which gen needs", s->idx);
	if (!o->sink && !msg_caps_has_af(&op.caps, o->family == AF_INET ?
	    BGP_AFI_IPV4 : BGP_AFI_IPV6, BGP_SAFI_UNICAST))
		fatalx("peer %u: the DUT does not offer IPv%d unicast",
		    s->idx, o->family == AF_INET ? 4 : 6);
	s->hold = op.hold_time < o->hold ? op.hold_time : o->hold;
	s->ext = o->ext_msg && op.caps.ext_msg;
	s->as4 = op.caps.as4;
	s->ebgp = as != o->local_as;
	msg_keepalive_encode(&s->ctl);
	s->last_ka = now;
	s->state = ST_OPENCONFIRM;
}

static void
on_established(struct gen *g, struct sess *s, uint64_t now)
{
	char l[ADDR_STRLEN], r[ADDR_STRLEN];

	s->state = ST_ESTABLISHED;
	s->est_at = now;
	s->ann_est = 0;
	s->up_ever = true;
	if (!g->o.quiet) {
		bench_ev_begin("established", now);
		printf(",\"peer\":%u,\"local\":\"%s\",\"remote\":\"%s\","
		    "\"hold\":%u,\"ext_msg\":%s", s->idx,
		    addr_fmt(&s->local, l, sizeof(l)),
		    addr_fmt(&s->remote, r, sizeof(r)), s->hold,
		    s->ext ? "true" : "false");
		bench_ev_end();
	}
	if (g->o.sink)
		return;
	if (g->want_ann) {
		if (!g->ann_open) {
			g->ann_open = true;
			g->ann_since = now;
		}
		enqueue(s, FK_ANNOUNCE_EOR);
	} else {
		enqueue(s, FK_EOR);
	}
}

/* Prefixes in an NLRI field (no ADD-PATH: gen never offers it). */
static uint64_t
nlri_count(const uint8_t *p, size_t len)
{
	uint64_t n = 0;
	size_t i = 0;

	while (i < len) {
		i += 1 + (p[i] + 7u) / 8u;
		n++;
	}
	return n;
}

static void
on_update(struct gen *g, struct sess *s, const uint8_t *body, size_t len,
    uint64_t now)
{
	struct attr_ctx ctx = { .as4 = s->as4, .ebgp = s->ebgp,
	    .ipv4 = true, .ipv6 = true };
	struct bgp_update u;
	struct bgp_err err;
	uint64_t a, w;

	memset(&err, 0, sizeof(err));
	update_decode(body, len, &ctx, &u, &scratch, &err);
	if (err.action == BGP_ACT_RESET) {
		sess_notify(g, s, err.code, err.subcode, err.reason, now);
		return;
	}
	if (u.eor) {
		double t = bench_secs(now - s->est_at);

		if (!g->o.sink && g->o.quiet)
			return;
		bench_ev_begin("eor", now);
		printf(",\"peer\":%u,\"family\":%d,\"prefixes\":%" PRIu64
		    ",\"secs\":%.6f,\"rate\":%.0f", s->idx,
		    u.eor_af == AF_INET ? 4 : 6, s->ann_est, t,
		    t > 0 ? (double)s->ann_est / t : 0.0);
		bench_ev_end();
		return;
	}
	a = nlri_count(u.nlri, u.nlri_len);
	w = nlri_count(u.withdrawn, u.withdrawn_len);
	if (u.attrs.mp_reach.usable)
		a += nlri_count(u.attrs.mp_reach.nlri,
		    u.attrs.mp_reach.nlri_len);
	if (u.attrs.mp_unreach.usable)
		w += nlri_count(u.attrs.mp_unreach.nlri,
		    u.attrs.mp_unreach.nlri_len);
	/* RFC 7606 treat-as-withdraw: the announced ones count as gone. */
	if (err.action == BGP_ACT_WITHDRAW) {
		w += a;
		a = 0;
	}
	s->ann += a;
	s->ann_est += a;
	s->wd += w;
}

/* Copy the session's next hop into the feed bytes [from, to). */
static void
patch(struct sess *s, size_t from, size_t to)
{
	const struct feed *f = s->feed;
	size_t lo = 0, hi = f->nnh;

	if (s->nhlen == 0)
		return;
	while (lo < hi) {	/* first next hop ending after from */
		size_t mid = (lo + hi) / 2;

		if (f->nh[mid] + s->nhlen <= from)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < f->nnh && f->nh[lo] < to; lo++)
		memcpy(f->data + f->nh[lo], s->nh, s->nhlen);
}

static bool
feed_next(struct gen *g, struct sess *s, uint64_t now)
{
	int sz = s->ext ? SZ_EXT : SZ_STD;
	enum fkind k;

	if (s->qlen == 0 || s->state != ST_ESTABLISHED)
		return false;
	k = s->q[s->qhead];
	s->qhead = (s->qhead + 1) % QMAX;
	s->qlen--;
	s->fkind = k;
	s->feed = k == FK_WITHDRAW ? &s->fs->wd[sz] : &s->fs->ann[sz];
	s->fpos = k == FK_EOR ? s->feed->body : 0;
	s->fend = k == FK_ANNOUNCE ? s->feed->body : s->feed->len;
	s->fmsg = s->fpos;
	s->fstart = now;
	return true;
}

static void
sess_flush(struct gen *g, struct sess *s, uint64_t now)
{
	for (;;) {
		size_t end;
		ssize_t n;

		/* Control messages go between UPDATEs, never inside one. */
		if (s->ctl_off < s->ctl.len &&
		    (s->feed == NULL || s->fpos == s->fmsg)) {
			n = send(s->fd, s->ctl.data + s->ctl_off,
			    s->ctl.len - s->ctl_off, MSG_NOSIGNAL);
			if (n == -1)
				goto err;
			s->ctl_off += (size_t)n;
			if (s->ctl_off == s->ctl.len) {
				buf_wr_reset(&s->ctl);
				s->ctl_off = 0;
			}
			continue;
		}
		if (s->feed == NULL) {
			if (s->state == ST_CLOSING) {
				if (!s->shut)
					(void)shutdown(s->fd, SHUT_WR);
				s->shut = true;
				return;
			}
			if (!feed_next(g, s, now))
				return;
			continue;
		}
		if (s->fpos == s->fend) {
			feed_done(g, s, now);
			continue;
		}
		end = s->ctl_off < s->ctl.len ? s->fmsg : s->fend;
		if (end - s->fpos > WCHUNK)
			end = s->fpos + WCHUNK;
		patch(s, s->fpos, end);
		n = send(s->fd, s->feed->data + s->fpos, end - s->fpos,
		    MSG_NOSIGNAL);
		if (n == -1)
			goto err;
		s->fpos += (size_t)n;
		while (s->fmsg < s->fpos)
			s->fmsg += (size_t)(s->feed->data[s->fmsg + 16] << 8 |
			    s->feed->data[s->fmsg + 17]);
	}
err:
	if (errno != EAGAIN && errno != EINTR)
		sess_close(g, s, strerror(errno), now);
}

static void
feed_done(struct gen *g, struct sess *s, uint64_t now)
{
	enum fkind k = s->fkind;

	now = monotime_ns();	/* the write just returned */
	s->feed = NULL;
	if (s->state != ST_ESTABLISHED)
		return;
	if ((k == FK_ANNOUNCE_EOR || k == FK_ANNOUNCE) && !g->o.quiet) {
		bench_ev_begin("sent", now);
		printf(",\"peer\":%u,\"prefixes\":%zu,\"secs\":%.6f", s->idx,
		    s->fs->npfx, bench_secs(now - s->fstart));
		bench_ev_end();
	}
	check_rounds(g, now);
}

/*
 * all_sent: every peer is up and has written its latest announcement;
 * withdrawn: the same after SIGUSR1.  A round opens with the first
 * session up (again) or a signal.
 */
static void
check_rounds(struct gen *g, uint64_t now)
{
	size_t total = 0;
	double t;

	if (!g->ann_open && !g->wd_open)
		return;
	for (size_t i = 0; i < g->ns; i++) {
		const struct sess *s = g->s[i];

		if (s->state != ST_ESTABLISHED || s->feed != NULL ||
		    s->qlen > 0)
			return;
		total += s->fs->npfx;
	}
	if (g->ann_open && g->want_ann) {
		t = bench_secs(now - g->ann_since);
		bench_ev_begin("all_sent", now);
		printf(",\"peers\":%zu,\"prefixes\":%zu,"
		    "\"secs_since_first_established\":%.6f,\"rate\":%.0f",
		    g->ns, total, t, t > 0 ? (double)total / t : 0.0);
		bench_ev_end();
		g->ann_open = false;
	}
	if (g->wd_open && !g->want_ann) {
		t = bench_secs(now - g->wd_since);
		bench_ev_begin("withdrawn", now);
		printf(",\"peers\":%zu,\"prefixes\":%zu,\"secs\":%.6f",
		    g->ns, total, t);
		bench_ev_end();
		g->wd_open = false;
	}
}

/* "received": per peer, or one total with --quiet. */
static void
report(struct gen *g, uint64_t now, bool all)
{
	uint64_t a = 0, w = 0;

	for (size_t i = 0; i < g->ns; i++) {
		struct sess *s = g->s[i];

		a += s->ann;
		w += s->wd;
		if (g->o.quiet || (s->ann == s->rep_ann && s->wd == s->rep_wd &&
		    !(all && s->up_ever)))
			continue;
		bench_ev_begin("received", now);
		printf(",\"peer\":%u,\"announced\":%" PRIu64 ",\"withdrawn\":%"
		    PRIu64, s->idx, s->ann, s->wd);
		bench_ev_end();
		s->rep_ann = s->ann;
		s->rep_wd = s->wd;
	}
	if (!g->o.quiet || (a == g->rep_ann && w == g->rep_wd && !all))
		return;
	bench_ev_begin("received", now);
	printf(",\"peer\":\"all\",\"peers\":%zu,\"announced\":%" PRIu64
	    ",\"withdrawn\":%" PRIu64, g->ns, a, w);
	bench_ev_end();
	g->rep_ann = a;
	g->rep_wd = w;
}

/* ---- control ---- */

static void
stop(struct gen *g, uint64_t now)
{
	g->stopping = true;
	g->stop_at = now + STOP_NS;
	if (g->lfd != -1)
		close(g->lfd);
	g->lfd = -1;
	for (size_t i = 0; i < g->ns; i++) {
		struct sess *s = g->s[i];

		switch (s->state) {
		case ST_OPENSENT:
		case ST_OPENCONFIRM:
		case ST_ESTABLISHED:
			/* Finish the UPDATE being written, then Cease. */
			s->qlen = 0;
			if (s->feed != NULL)
				s->fend = s->fmsg;
			msg_notification_shutdown(&s->ctl,
			    BGP_CEASE_SHUTDOWN, "benchmark generator stopping");
			s->state = ST_CLOSING;
			break;
		case ST_CONNECTING:
			close(s->fd);
			s->fd = -1;
			s->state = ST_IDLE;
			break;
		default:
			break;
		}
	}
}

static void
on_signal(struct gen *g, uint64_t now)
{
	struct signalfd_siginfo si;

	while (read(g->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			if (!g->stopping)
				stop(g, now);
			continue;
		}
		if (g->o.sink || g->stopping)
			continue;
		g->want_ann = si.ssi_signo == SIGUSR2;
		if (g->want_ann) {
			g->ann_open = true;
			g->ann_since = now;
		} else {
			g->wd_open = true;
			g->wd_since = now;
		}
		for (size_t i = 0; i < g->ns; i++)
			if (g->s[i]->state == ST_ESTABLISHED)
				enqueue(g->s[i], g->want_ann ? FK_ANNOUNCE :
				    FK_WITHDRAW);
	}
}

static void
run_timers(struct gen *g, uint64_t now)
{
	for (size_t i = 0; i < g->ns; i++) {
		struct sess *s = g->s[i];

		switch (s->state) {
		case ST_IDLE:
			if (!g->o.sink && !g->stopping && now >= s->next_try)
				sess_connect(g, s, now);
			break;
		case ST_CONNECTING:
		case ST_OPENSENT:
			if (now - s->since > OPEN_NS)
				sess_close(g, s, "no OPEN in time", now);
			break;
		case ST_OPENCONFIRM:
		case ST_ESTABLISHED:
			if (s->hold == 0)
				break;
			if (now - s->last_rx > s->hold * SEC) {
				sess_notify(g, s, BGP_ERR_HOLD, 0,
				    "hold timer expired", now);
				break;
			}
			if (now - s->last_ka >= s->hold * SEC / 3) {
				msg_keepalive_encode(&s->ctl);
				s->last_ka = now;
			}
			break;
		default:
			break;
		}
	}
	if (now >= g->next_report) {
		report(g, now, false);
		g->next_report = now + REPORT_NS;
	}
}

static void
open_listener(struct gen *g)
{
	struct sockaddr_storage ss;
	struct ip_addr any;
	socklen_t sl;
	int one = 1, zero = 0;

	memset(&any, 0, sizeof(any));
	any.af = AF_INET6;
	if (g->o.has_listen)
		any = g->o.listen;
	g->lfd = socket(any.af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (g->lfd == -1)
		fatal("socket");
	(void)setsockopt(g->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Without --listen: every address of both families. */
	if (!g->o.has_listen)
		(void)setsockopt(g->lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
		    sizeof(zero));
	sl = addr_to_sockaddr(&any, g->o.port, &ss);
	if (bind(g->lfd, (struct sockaddr *)&ss, sl) == -1)
		fatal("bind port %u", g->o.port);
	if (listen(g->lfd, 1024) == -1)
		fatal("listen");
}

static void
do_accept(struct gen *g, uint64_t now)
{
	for (;;) {
		struct sess *s;
		int fd = accept4(g->lfd, NULL, NULL, SOCK_NONBLOCK |
		    SOCK_CLOEXEC);

		if (fd == -1) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("accept");
			return;
		}
		s = sess_new(g);
		s->fd = fd;
		s->router_id = g->o.router_id;
		sess_connected(g, s, now);
	}
}

/* ---- main ---- */

static void
parse_args(struct opts *o, int argc, char **argv)
{
	enum { O_CONNECT = 256, O_PORT, O_LAS, O_PAS, O_SOURCE, O_PEERS,
	    O_RID, O_HOLD, O_PREFIXES, O_START, O_PLEN, O_PPO, O_NH, O_APL,
	    O_APV, O_APB, O_COMM, O_FAM, O_EXT, O_SINK, O_LISTEN, O_QUIET,
	    O_REPLAY };
	static const struct option lo[] = {
		{ "connect", required_argument, NULL, O_CONNECT },
		{ "port", required_argument, NULL, O_PORT },
		{ "local-as", required_argument, NULL, O_LAS },
		{ "peer-as", required_argument, NULL, O_PAS },
		{ "source", required_argument, NULL, O_SOURCE },
		{ "peers", required_argument, NULL, O_PEERS },
		{ "router-id", required_argument, NULL, O_RID },
		{ "hold", required_argument, NULL, O_HOLD },
		{ "prefixes", required_argument, NULL, O_PREFIXES },
		{ "start", required_argument, NULL, O_START },
		{ "plen", required_argument, NULL, O_PLEN },
		{ "per-peer-offset", no_argument, NULL, O_PPO },
		{ "nexthop", required_argument, NULL, O_NH },
		{ "aspath-len", required_argument, NULL, O_APL },
		{ "aspath-variety", required_argument, NULL, O_APV },
		{ "aspath-base", required_argument, NULL, O_APB },
		{ "communities", no_argument, NULL, O_COMM },
		{ "family", required_argument, NULL, O_FAM },
		{ "ext-msg", no_argument, NULL, O_EXT },
		{ "sink", no_argument, NULL, O_SINK },
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "quiet", no_argument, NULL, O_QUIET },
		{ "replay", required_argument, NULL, O_REPLAY },
		{ NULL, 0, NULL, 0 },
	};
	struct ip_addr rid;
	const char *start = NULL;
	int plen = -1, c, have_las = 0, have_pas = 0, have_pfx = 0;
	bool have_rid = false, have_connect = false;

	memset(o, 0, sizeof(*o));
	o->port = BGP_PORT;
	o->peers = 1;
	o->hold = 90;
	o->aspath_len = 1;
	o->variety = 1;
	o->aspath_base = 4200000000u;	/* RFC 6996 private, 4-octet */
	o->family = AF_INET;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case O_CONNECT:
			if (addr_parse(optarg, &o->connect) != 0)
				fatalx("--connect: bad address %s", optarg);
			have_connect = true;
			break;
		case O_PORT:
			o->port = (uint16_t)bench_num("port", optarg, 1, 65535);
			break;
		case O_LAS:
			o->local_as = (uint32_t)bench_num("local-as", optarg, 1,
			    UINT32_MAX);
			have_las = 1;
			break;
		case O_PAS:
			o->peer_as = (uint32_t)bench_num("peer-as", optarg, 1,
			    UINT32_MAX);
			have_pas = 1;
			break;
		case O_SOURCE:
			if (addr_parse(optarg, &o->source) != 0)
				fatalx("--source: bad address %s", optarg);
			o->has_source = true;
			break;
		case O_PEERS:
			o->peers = (unsigned)bench_num("peers", optarg, 1,
			    65536);
			break;
		case O_RID:
			if (addr_parse(optarg, &rid) != 0 || rid.af != AF_INET)
				fatalx("--router-id: not A.B.C.D: %s", optarg);
			o->router_id = addr_v4(&rid);
			have_rid = true;
			break;
		case O_HOLD:
			o->hold = (unsigned)bench_num("hold", optarg, 0, 65535);
			if (o->hold > 0 && o->hold < BGP_MIN_HOLD)
				fatalx("--hold: 0 or at least 3 seconds");
			break;
		case O_PREFIXES:
			o->prefixes = (size_t)bench_num("prefixes", optarg, 1,
			    1000000000);
			have_pfx = 1;
			break;
		case O_START:
			start = optarg;
			break;
		case O_PLEN:
			plen = (int)bench_num("plen", optarg, 1, 128);
			break;
		case O_PPO:
			o->per_peer = true;
			break;
		case O_NH:
			if (addr_parse(optarg, &o->nexthop) != 0)
				fatalx("--nexthop: bad address %s", optarg);
			o->has_nexthop = true;
			break;
		case O_APL:
			o->aspath_len = (unsigned)bench_num("aspath-len",
			    optarg, 0, MAX_PATH);
			break;
		case O_APV:
			o->variety = (unsigned)bench_num("aspath-variety",
			    optarg, 1, 1000000);
			break;
		case O_APB:
			o->aspath_base = (uint32_t)bench_num("aspath-base",
			    optarg, 1, UINT32_MAX - 2000000);
			break;
		case O_COMM:
			o->communities = true;
			break;
		case O_FAM:
			o->family = bench_num("family", optarg, 4, 6) == 6 ?
			    AF_INET6 : AF_INET;
			if (strcmp(optarg, "4") != 0 &&
			    strcmp(optarg, "6") != 0)
				fatalx("--family: 4 or 6");
			break;
		case O_EXT:
			o->ext_msg = true;
			break;
		case O_LISTEN:
			if (addr_parse(optarg, &o->listen) != 0)
				fatalx("--listen: bad address %s", optarg);
			o->has_listen = true;
			o->sink = true;
			break;
		case O_SINK:
			o->sink = true;
			break;
		case O_QUIET:
			o->quiet = true;
			break;
		case O_REPLAY:
			o->replay = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !have_las)
		usage();
	if (!have_rid)
		o->router_id = o->has_source && o->source.af == AF_INET ?
		    addr_v4(&o->source) : o->sink ? 0x0afffffeu : 0x0affff01u;
	if (o->sink)
		return;
	if (!have_connect || !have_pas || (!have_pfx && o->replay == NULL))
		usage();
	if (o->replay != NULL && (have_pfx || o->per_peer ||
	    o->family != AF_INET))
		fatalx("--replay sends the file's IPv4 UPDATEs: no "
		    "--prefixes, --per-peer-offset or --family 6");
	if (o->has_source && o->source.af != o->connect.af)
		fatalx("--source and --connect are of different families");
	if (o->peers > 1 && !o->has_source)
		fatalx("--peers %u needs --source: each peer must have its "
		    "own address", o->peers);
	if (o->has_nexthop && o->nexthop.af != o->family)
		fatalx("--nexthop is not an IPv%d address",
		    o->family == AF_INET ? 4 : 6);
	if (o->local_as != o->peer_as && o->aspath_len == 0)
		fatalx("--aspath-len 0 is for iBGP only: an eBGP path starts "
		    "with our AS");
	if (start == NULL)
		start = o->family == AF_INET ? "100.64.0.0" :
		    "2001:db8:1000::";
	if (addr_pfx_parse(start, &o->start, true) != 0 ||
	    o->start.addr.af != o->family)
		fatalx("--start: not an IPv%d prefix: %s",
		    o->family == AF_INET ? 4 : 6, start);
	if (plen >= 0) {
		if ((unsigned)plen > addr_bits(o->family))
			fatalx("--plen %d is too long", plen);
		o->start.len = (uint8_t)plen;
	}
	addr_pfx_mask(&o->start);
}

int
main(int argc, char **argv)
{
	struct gen g;
	struct pollfd *pfd = NULL;
	struct sess **pses = NULL;
	size_t pcap = 0, scap = 0;
	sigset_t set;

	log_init("gen", LOG_LVL_INFO, false);
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&g, 0, sizeof(g));
	buf_wr_init(&g.js, 0);
	parse_args(&g.o, argc, argv);
	g.lfd = -1;
	g.want_ann = true;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		fatal("sigprocmask");
	g.sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (g.sfd == -1)
		fatal("signalfd");
	signal(SIGPIPE, SIG_IGN);

	if (g.o.sink) {
		open_listener(&g);
	} else {
		if (g.o.replay != NULL)
			gen_replay(&g.o, &g.fsets, &g.nfsets);
		else
			gen_encode(&g.o, &g.fsets, &g.nfsets);
		for (unsigned i = 0; i < g.o.peers; i++) {
			struct sess *s = sess_new(&g);

			s->router_id = g.o.router_id + i;
			s->fs = &g.fsets[g.o.per_peer ? i : 0];
			if (g.o.has_source) {
				s->src = g.o.source;
				if (bench_addr_add(&s->src, i, 0) != 0)
					fatalx("--source + %u overflows", i);
			}
		}
	}
	g.next_report = monotime_ns() + REPORT_NS;

	for (;;) {
		uint64_t now = monotime_ns();
		size_t np = 0;

		run_timers(&g, now);
		if (g.stopping) {
			bool open = false;

			for (size_t i = 0; i < g.ns; i++)
				open |= g.s[i]->fd != -1;
			if (!open || now >= g.stop_at)
				break;
		}
		pfd = xgrow(pfd, &pcap, g.ns + 2, sizeof(*pfd));
		pses = xgrow(pses, &scap, g.ns + 2, sizeof(*pses));
		pfd[np].fd = g.sfd;
		pfd[np].events = POLLIN;
		pses[np++] = NULL;
		if (g.lfd != -1) {
			pfd[np].fd = g.lfd;
			pfd[np].events = POLLIN;
			pses[np++] = NULL;
		}
		for (size_t i = 0; i < g.ns; i++) {
			struct sess *s = g.s[i];

			if (s->fd == -1)
				continue;
			pfd[np].fd = s->fd;
			pfd[np].events = s->state == ST_CONNECTING ? POLLOUT :
			    POLLIN;
			if (s->state != ST_CONNECTING &&
			    (s->ctl_off < s->ctl.len || s->feed != NULL ||
			    (s->qlen > 0 && s->state == ST_ESTABLISHED) ||
			    (s->state == ST_CLOSING && !s->shut)))
				pfd[np].events |= POLLOUT;
			pses[np++] = s;
		}
		if (poll(pfd, np, 100) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		now = monotime_ns();
		for (size_t i = 0; i < np; i++) {
			struct sess *s = pses[i];
			int err = 0;
			socklen_t el = sizeof(err);

			if (pfd[i].revents == 0)
				continue;
			now = monotime_ns();
			if (pfd[i].fd == g.sfd) {
				on_signal(&g, now);
				continue;
			}
			if (s == NULL) {
				if (g.lfd != -1)
					do_accept(&g, now);
				continue;
			}
			if (s->fd != pfd[i].fd)
				continue;
			if (s->state == ST_CONNECTING) {
				(void)getsockopt(s->fd, SOL_SOCKET, SO_ERROR,
				    &err, &el);
				if (err == 0) {
					sess_connected(&g, s, now);
					continue;
				}
				if (!s->warned)
					log_warnx("peer %u: connect: %s "
					    "(retrying every second)", s->idx,
					    strerror(err));
				s->warned = true;
				close(s->fd);
				s->fd = -1;
				s->state = ST_IDLE;
				s->next_try = now + RETRY_NS;
				continue;
			}
			if (pfd[i].revents & (POLLIN | POLLERR | POLLHUP))
				sess_read(&g, s, now);
			if (s->fd != -1 && (pfd[i].revents & POLLOUT))
				sess_flush(&g, s, now);
		}
		/* Anything queued by reads or timers goes out at once. */
		for (size_t i = 0; i < g.ns; i++) {
			struct sess *s = g.s[i];

			if (s->fd != -1 && s->state != ST_CONNECTING &&
			    (s->ctl_off < s->ctl.len || (s->feed == NULL &&
			    s->qlen > 0) || (s->state == ST_CLOSING &&
			    !s->shut)))
				sess_flush(&g, s, now);
		}
	}
	for (size_t i = 0; i < g.ns; i++)
		if (g.s[i]->fd != -1)
			close(g.s[i]->fd);
	report(&g, monotime_ns(), true);
	return 0;
}
