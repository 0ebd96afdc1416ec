/*
 * session: see session.h.  Message dispatch follows RFC 4271 6 and 8:
 * header errors and OPEN errors reset the session; UPDATE errors are
 * classified by the codec (RFC 7606) and only a reset reaches the FSM;
 * everything else is counted and handed to the speaker.
 */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"

/* One decoding scratch for the process: sessions decode one at a time. */
static struct attr_scratch scratch;

#define IN_READ		(2 * (BGP_MAX_MSG_EXT + BGP_HDR_LEN))	/* per read */
#define OUT_KEEP	4096	/* output buffer kept once drained */

static void s_connect(void *);
static void s_disconnect(void *);
static void s_send_open(void *, uint64_t);
static void s_send_keepalive(void *, uint64_t);
static void s_send_notification(void *, uint8_t, uint8_t, const uint8_t *,
    size_t, uint64_t);
static void s_established(void *, uint64_t);
static void s_down(void *, bool, const char *, uint64_t);

static const struct fsm_ops session_fsm_ops = {
	s_connect, s_disconnect, s_send_open, s_send_keepalive,
	s_send_notification, s_established, s_down,
};

struct session *
session_new(const struct session_conf *conf,
    const struct session_transport *transport, void *transport_ctx,
    const struct session_hooks *hooks, void *ctx, uint64_t now)
{
	struct session *s = xcalloc(1, sizeof(*s));
	struct fsm_conf fc;

	s->conf = *conf;
	s->transport = transport;
	s->transport_ctx = transport_ctx;
	s->hooks = hooks;
	s->ctx = ctx;
	fsm_conf_defaults(&fc);
	fc.passive = conf->passive;
	if (conf->hold != 0)
		fc.hold = conf->hold;
	fc.keepalive = conf->keepalive;
	fsm_init(&s->fsm, &fc, &session_fsm_ops, s, now);
	buf_wr_init(&s->out, 0);
	return s;
}

void
session_free(struct session *s)
{
	if (s == NULL)
		return;
	free(s->in);
	buf_wr_free(&s->out);
	free(s);
}

size_t
session_max_msg(const struct session *s)
{
	return s->neg.ext_msg ? BGP_MAX_MSG_EXT : BGP_MAX_MSG;
}

uint64_t
session_send_hold_ms(const struct session *s)
{
	uint64_t floor = s->conf.send_hold ? s->conf.send_hold * 1000ull :
	    SESSION_SEND_HOLD_MS, twice = 2000ull * s->neg.hold;

	/* RFC 9687 3: max(8 minutes, 2 x the negotiated hold time). */
	return twice > floor ? twice : floor;
}

bool
session_request_refresh(struct session *s, uint64_t now)
{
	if (!session_established(s) || !s->neg.route_refresh)
		return false;
	msg_rrefresh_encode(&s->out, s->conf.af == AF_INET6 ? BGP_AFI_IPV6 :
	    BGP_AFI_IPV4, 0, BGP_SAFI_UNICAST);
	s->stats.refreshes_out++;
	session_queued(s, 1, 0, now);
	return true;
}

bool
session_established(const struct session *s)
{
	return s->fsm.state == FSM_ESTABLISHED;
}

const char *
session_state_name(const struct session *s)
{
	return fsm_state_name(s->fsm.state);
}

/* ---- output ---- */

static void
queued(struct session *s, unsigned nmsgs, uint64_t now)
{
	s->stats.msgs_out += nmsgs;
	fsm_sent(&s->fsm, now);
	if (!timer_running(&s->fsm.timers, TIMER_SEND_HOLD))
		timer_start(&s->fsm.timers, TIMER_SEND_HOLD, now,
		    session_send_hold_ms(s));
	s->transport->output(s->transport_ctx);
}

struct buf_wr *
session_outbuf(struct session *s)
{
	return &s->out;
}

void
session_queued(struct session *s, unsigned nmsgs, unsigned nupdates,
    uint64_t now)
{
	s->stats.updates_out += nupdates;
	queued(s, nmsgs, now);
}

size_t
session_out_pending(const struct session *s)
{
	return s->out.len - s->out_off;
}

void
session_out_data(const struct session *s, const uint8_t **p, size_t *len)
{
	*p = s->out.data + s->out_off;
	*len = s->out.len - s->out_off;
}

void
session_out_written(struct session *s, size_t n, uint64_t now)
{
	s->out_off += n;
	s->stats.bytes_out += n;
	if (s->out_off >= s->out.len) {
		/* Drained: an idle session keeps no output buffer beyond
		 * a page (a table sent once leaves none behind). */
		if (s->out.cap > OUT_KEEP)
			buf_wr_free(&s->out);
		buf_wr_reset(&s->out);
		s->out_off = 0;
		timer_stop(&s->fsm.timers, TIMER_SEND_HOLD);
		return;
	}
	/* Progress: the send hold timer starts over. */
	timer_stop(&s->fsm.timers, TIMER_SEND_HOLD);
	queued(s, 0, now);
	/* Keep the buffer from growing forever while a prefix drains. */
	if (s->out_off > (1u << 16) && s->out_off * 2 > s->out.len) {
		memmove(s->out.data, s->out.data + s->out_off,
		    s->out.len - s->out_off);
		s->out.len -= s->out_off;
		s->out_off = 0;
	}
}

/* "Hold Timer Expired", "Bad Peer AS": the subcode when it says more. */
static const char *
err_text(uint8_t code, uint8_t sub)
{
	const char *n = bgp_err_subcode_name(code, sub);

	if (n[0] == '\0' || strcmp(n, "Unknown subcode") == 0 ||
	    strcmp(n, "Unspecific") == 0 || strcmp(n, "Unspecified") == 0)
		return bgp_err_code_name(code);
	return n;
}

/* ---- FSM actions ---- */

static void
s_connect(void *ctx)
{
	struct session *s = ctx;

	s->transport->connect(s->transport_ctx);
}

static void
reset_transport(struct session *s)
{
	/* Not freed here: a dispatch may still read its message. */
	s->in_off = s->in_len = 0;
	memset(&s->neg, 0, sizeof(s->neg));
}

static void
s_disconnect(void *ctx)
{
	struct session *s = ctx;

	s->transport->disconnect(s->transport_ctx);
	reset_transport(s);
}

static void
s_send_open(void *ctx, uint64_t now)
{
	struct session *s = ctx;
	struct msg_open o;
	struct msg_caps *c = &o.caps;
	uint16_t afi = s->conf.af == AF_INET6 ? BGP_AFI_IPV6 : BGP_AFI_IPV4;

	memset(&o, 0, sizeof(o));
	o.version = BGP_VERSION;
	o.my_as = s->conf.local_as > 0xffff ? BGP_AS_TRANS :
	    (uint16_t)s->conf.local_as;
	o.hold_time = s->fsm.conf.hold;
	o.bgp_id = s->conf.router_id;
	c->mp[c->nmp++] = (struct msg_af){ afi, BGP_SAFI_UNICAST, 0, 0 };
	c->route_refresh = true;
	c->ext_msg = true;
	c->as4 = true;
	c->as4_value = s->conf.local_as;
	/* RFC 4724: restart time, R if we restarted, F per family. */
	c->gr = true;
	c->gr_time = s->conf.gr_time ? s->conf.gr_time : 120;
	if (c->gr_time > 4095)
		c->gr_time = 4095;
	c->gr_flags = s->conf.gr_restarting ? MSG_GR_R : 0;
	c->gr_afs[c->ngr_afs++] = (struct msg_af){ afi, BGP_SAFI_UNICAST,
	    s->conf.gr_forwarding ? MSG_AF_F : 0, 0 };
	if (s->conf.llgr || s->conf.llgr_time != 0) {
		c->llgr = true;
		c->llgr_afs[c->nllgr_afs++] = (struct msg_af){ afi,
		    BGP_SAFI_UNICAST, s->conf.gr_forwarding ? MSG_AF_F : 0,
		    s->conf.llgr_time & 0xffffff };
	}
	if (s->conf.hostname[0] != '\0') {
		size_t n = strlen(s->conf.hostname);

		c->fqdn = true;
		c->hostname_len = (uint8_t)(n < sizeof(c->hostname) ? n :
		    sizeof(c->hostname));
		memcpy(c->hostname, s->conf.hostname, c->hostname_len);
	}
	if (s->conf.addpath != 0) {
		c->addpath = true;
		c->addpath_afs[c->naddpath_afs++] = (struct msg_af){ afi,
		    BGP_SAFI_UNICAST, s->conf.addpath & (MSG_ADDPATH_RX |
		    MSG_ADDPATH_TX), 0 };
	}
	msg_open_encode(&s->out, &o);
	s->sent_caps = o.caps;
	s->stats.opens_out++;
	queued(s, 1, now);
}

static void
s_send_keepalive(void *ctx, uint64_t now)
{
	struct session *s = ctx;

	msg_keepalive_encode(&s->out);
	s->stats.keepalives_out++;
	queued(s, 1, now);
}

static void
s_send_notification(void *ctx, uint8_t code, uint8_t sub,
    const uint8_t *data, size_t len, uint64_t now)
{
	struct session *s = ctx;

	msg_notification_encode(&s->out, code, sub, data, len);
	s->stats.notifications_out++;
	s->notified = true;
	/* BIRD's wording, which status readers know: "BGP Error: ..." */
	snprintf(s->last_error, sizeof(s->last_error), "BGP Error: %s",
	    err_text(code, sub));
	queued(s, 1, now);
}

static void
s_established(void *ctx, uint64_t now)
{
	struct session *s = ctx;

	s->last_error[0] = '\0';
	s->hooks->up(s->ctx, now);
}

static void
s_down(void *ctx, bool was_up, const char *why, uint64_t now)
{
	struct session *s = ctx;

	/* A NOTIFICATION we sent or received already said why. */
	if (why != NULL && strncmp(s->last_error, "BGP Error: ", 11) != 0 &&
	    strncmp(s->last_error, "Received: ", 10) != 0)
		snprintf(s->last_error, sizeof(s->last_error), "%s", why);
	s->hooks->down(s->ctx, was_up, s->last_error, now);
}

/* ---- public control ---- */

void
session_start(struct session *s, uint64_t now)
{
	fsm_event(&s->fsm, FSM_EV_START, NULL, now);
}

void
session_stop(struct session *s, uint8_t subcode, const char *text,
    uint64_t now)
{
	struct fsm_arg a;
	uint8_t buf[129];
	size_t n = text ? strlen(text) : 0;

	memset(&a, 0, sizeof(a));
	a.subcode = subcode;
	a.why = "stopped by configuration";
	if (n > 0 && (subcode == BGP_CEASE_SHUTDOWN ||
	    subcode == BGP_CEASE_RESET)) {
		if (n > 128)
			n = 128;
		while (n > 0 && ((uint8_t)text[n] & 0xc0) == 0x80)
			n--;
		buf[0] = (uint8_t)n;
		memcpy(buf + 1, text, n);
		a.data = buf;
		a.data_len = n + 1;
	}
	fsm_event(&s->fsm, FSM_EV_STOP, &a, now);
}

void
session_limit_exceeded(struct session *s, uint32_t limit, uint64_t now)
{
	struct fsm_arg a;
	uint16_t afi = s->conf.af == AF_INET6 ? BGP_AFI_IPV6 : BGP_AFI_IPV4;
	uint8_t d[7] = { afi >> 8, afi & 0xff, BGP_SAFI_UNICAST,
	    limit >> 24, (limit >> 16) & 0xff, (limit >> 8) & 0xff,
	    limit & 0xff };
	uint32_t idle = s->limit_idle_ms * 2;

	if (!session_established(s))
		return;
	/* A session that stayed up long enough forgets earlier hits, as
	 * the FSM's back-off does. */
	if (s->limit_idle_ms == 0 ||
	    now - s->fsm.up_since >= s->fsm.conf.error_forget_ms)
		idle = SESSION_LIMIT_IDLE_MS;
	if (idle > SESSION_LIMIT_IDLE_MAX_MS)
		idle = SESSION_LIMIT_IDLE_MAX_MS;
	s->limit_idle_ms = idle;
	s->limit_hits++;
	memset(&a, 0, sizeof(a));
	a.code = BGP_ERR_CEASE;
	a.subcode = BGP_CEASE_MAXPFX;
	/* RFC 4486 4: AFI (2 octets), SAFI (1), the upper bound (4). */
	a.data = d;
	a.data_len = sizeof(d);
	a.why = "prefix limit exceeded";
	a.idle_ms = idle;
	fsm_event(&s->fsm, FSM_EV_ERROR, &a, now);
}

void
session_connected(struct session *s, uint64_t now)
{
	s->last_error[0] = '\0';
	s->notified = false;
	fsm_event(&s->fsm, FSM_EV_CONN_OPEN, NULL, now);
}

static void
conn_event(struct session *s, enum fsm_event ev, const char *why,
    uint64_t now)
{
	struct fsm_arg a;

	memset(&a, 0, sizeof(a));
	a.why = why;
	/* Keep the NOTIFICATION that explains a close. */
	if (why != NULL && strncmp(s->last_error, "Received: ", 10) != 0)
		snprintf(s->last_error, sizeof(s->last_error), "%s", why);
	fsm_event(&s->fsm, ev, &a, now);
}

void
session_conn_failed(struct session *s, const char *why, uint64_t now)
{
	conn_event(s, FSM_EV_CONN_FAIL, why, now);
}

void
session_closed(struct session *s, const char *why, uint64_t now)
{
	conn_event(s, FSM_EV_CONN_CLOSED, why, now);
}

bool
session_collision_new_wins(const struct session *s, uint32_t peer_id)
{
	/* RFC 4271 6.8: the connection opened by the higher id survives;
	 * ours is the current one when we are the higher. */
	return s->conf.router_id < peer_id;
}

void
session_takeover(struct session *s, uint64_t now)
{
	reset_transport(s);
	buf_wr_reset(&s->out);
	s->out_off = 0;
	memset(&s->fsm.timers, 0, sizeof(s->fsm.timers));
	s->fsm.state = FSM_ACTIVE;
	s->fsm.state_since = now;
}

/* ---- input ---- */

/*
 * Input lands in one buffer shared by every session (reads are handled
 * one at a time): complete messages are dispatched from there and only
 * what is left over, a partial message or messages beyond the limit of
 * one call, is copied into the session's own buffer, which is freed
 * once it is consumed.  An idle session holds no input buffer at all.
 */
static uint8_t *in_scratch;
static size_t in_scratch_cap;
static bool in_scratch_busy;		/* between in_space and commit */
static uint64_t in_scratch_used;	/* the last commit's now */

bool
session_in_release(uint64_t now, uint64_t idle_ms)
{
	if (in_scratch == NULL || in_scratch_busy ||
	    now - in_scratch_used < idle_ms)
		return false;
	free(in_scratch);
	in_scratch = NULL;
	in_scratch_cap = 0;
	return true;
}

void
session_in_space(struct session *s, uint8_t **p, size_t *room)
{
	size_t held = s->in_len - s->in_off;

	if (in_scratch_cap < held + IN_READ) {
		free(in_scratch);
		in_scratch_cap = held + IN_READ;
		in_scratch = xmalloc(in_scratch_cap);
	}
	if (held > 0)
		memcpy(in_scratch, s->in + s->in_off, held);
	s->in_scratch = true;
	in_scratch_busy = true;
	*p = in_scratch + held;
	*room = in_scratch_cap - held;
}

void
session_in_cancel(struct session *s)
{
	s->in_scratch = false;
	in_scratch_busy = false;
}

/* What is still to be dispatched, wherever it lives. */
static uint8_t *
in_data(const struct session *s)
{
	if (s->in_scratch)
		return in_scratch;
	return s->in != NULL ? s->in + s->in_off : NULL; /* NULL + 0: UB */
}

/* Keep the len octets at data, or nothing: the session's own buffer. */
static void
in_keep(struct session *s, const uint8_t *data, size_t len)
{
	if (len == 0) {
		free(s->in);
		s->in = NULL;
		s->in_cap = s->in_len = s->in_off = 0;
		return;
	}
	if (!s->in_scratch) {
		/* Already ours: consume from the front, compact lazily. */
		s->in_off = s->in_len - len;
		if (s->in_off > len) {
			memmove(s->in, s->in + s->in_off, len);
			s->in_off = 0;
			s->in_len = len;
		}
		return;
	}
	if (s->in_cap < len || s->in_cap > 2 * len + 4096) {
		free(s->in);
		s->in_cap = (len + 4095) & ~(size_t)4095;
		s->in = xmalloc(s->in_cap);
	}
	memcpy(s->in, data, len);
	s->in_off = 0;
	s->in_len = len;
}

static void
error(struct session *s, const struct bgp_err *e, uint64_t now)
{
	struct fsm_arg a;

	memset(&a, 0, sizeof(a));
	a.code = e->code;
	a.subcode = e->subcode;
	a.data = e->data;
	a.data_len = e->data_len;
	a.why = e->reason;
	fsm_event(&s->fsm, FSM_EV_ERROR, &a, now);
}

static void
open_error(struct session *s, uint8_t sub, const void *data, size_t len,
    const char *why, uint64_t now)
{
	struct bgp_err e;

	memset(&e, 0, sizeof(e));
	bgp_err_set(&e, BGP_ACT_RESET, BGP_ERR_OPEN, sub, 0, data, len, why);
	error(s, &e, now);
}

/* RFC 4271 6.2 and RFC 6793: checks that need our configuration. */
static void
on_open(struct session *s, const uint8_t *body, size_t len, uint64_t now)
{
	struct msg_open o;
	struct bgp_err e;
	struct session_neg *n = &s->neg;
	struct fsm_arg a;
	uint32_t as;
	uint16_t afi = s->conf.af == AF_INET6 ? BGP_AFI_IPV6 : BGP_AFI_IPV4;

	memset(&e, 0, sizeof(e));
	if (s->fsm.state != FSM_OPENSENT) {
		/* Unexpected OPEN: let the FSM say so (RFC 6608). */
		memset(&a, 0, sizeof(a));
		fsm_event(&s->fsm, FSM_EV_OPEN, &a, now);
		return;
	}
	if (msg_open_decode(body, len, &o, &e) != 0) {
		error(s, &e, now);
		return;
	}
	as = o.caps.as4 ? o.caps.as4_value : o.my_as;
	if (as != s->conf.remote_as) {
		uint8_t d[2] = { o.my_as >> 8, o.my_as & 0xff };

		snprintf(s->last_error, sizeof(s->last_error), "Bad peer AS "
		    "%u (expected %u)", as, s->conf.remote_as);
		open_error(s, BGP_OPEN_PEER_AS, d, 2, s->last_error, now);
		return;
	}
	/* RFC 6286: unique within the AS. */
	if (as == s->conf.local_as && o.bgp_id == s->conf.router_id) {
		open_error(s, BGP_OPEN_BGPID, NULL, 0, "peer uses our BGP "
		    "identifier", now);
		return;
	}
	memset(n, 0, sizeof(*n));
	n->peer_caps = o.caps;
	n->peer_as = as;
	n->peer_id = o.bgp_id;
	n->as4 = o.caps.as4;
	n->ext_msg = o.caps.ext_msg;
	n->route_refresh = o.caps.route_refresh;
	n->ipv4 = afi == BGP_AFI_IPV4 &&
	    msg_caps_has_af(&o.caps, BGP_AFI_IPV4, BGP_SAFI_UNICAST);
	n->ipv6 = afi == BGP_AFI_IPV6 &&
	    msg_caps_has_af(&o.caps, BGP_AFI_IPV6, BGP_SAFI_UNICAST);
	n->hold = o.hold_time < s->fsm.conf.hold ? o.hold_time :
	    s->fsm.conf.hold;
	memset(&s->actx, 0, sizeof(s->actx));
	s->actx.as4 = n->as4;
	s->actx.ebgp = s->conf.remote_as != s->conf.local_as;
	s->actx.peer_as = s->actx.ebgp ? as : 0;
	s->actx.ipv4 = n->ipv4;
	s->actx.ipv6 = n->ipv6;
	if (n->ipv4 || n->ipv6)
		n->addpath = msg_addpath_neg(&s->sent_caps, &o.caps, afi,
		    BGP_SAFI_UNICAST);
	s->actx.addpath_v4 = n->ipv4 && (n->addpath & MSG_ADDPATH_RX);
	s->actx.addpath_v6 = n->ipv6 && (n->addpath & MSG_ADDPATH_RX);
	memset(&a, 0, sizeof(a));
	a.hold = n->hold;
	fsm_event(&s->fsm, FSM_EV_OPEN, &a, now);
}

static void
on_update(struct session *s, const uint8_t *body, size_t len, uint64_t now)
{
	struct bgp_update u;
	struct bgp_err e;

	fsm_event(&s->fsm, FSM_EV_UPDATE, NULL, now);
	if (s->fsm.state != FSM_ESTABLISHED)
		return;
	s->stats.updates_in++;
	memset(&e, 0, sizeof(e));
	update_decode(body, len, &s->actx, &u, &scratch, &e);
	if (e.action == BGP_ACT_RESET) {
		error(s, &e, now);
		return;
	}
	if (e.action == BGP_ACT_DISCARD)
		s->stats.discards++;
	if (e.action == BGP_ACT_WITHDRAW)
		s->stats.withdraws++;
	if (u.eor)
		s->hooks->eor(s->ctx, u.eor_af);
	else
		s->hooks->update(s->ctx, &u, &e, now);
}

/* Peer text is untrusted: keep printable ASCII, escape the rest. */
static void
escape_text(char *dst, size_t size, const uint8_t *src, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 5 < size; i++) {
		if (src[i] >= 0x20 && src[i] < 0x7f && src[i] != '\\')
			dst[o++] = (char)src[i];
		else
			o += (size_t)snprintf(dst + o, size - o, "\\x%02x",
			    src[i]);
	}
	dst[o] = '\0';
}

static void
on_notification(struct session *s, const uint8_t *body, size_t len,
    uint64_t now)
{
	struct msg_notification m;
	struct fsm_arg a;

	s->stats.notifications_in++;
	s->notified = true;
	s->peer_text[0] = '\0';
	memset(&m, 0, sizeof(m));
	if (msg_notification_decode(body, len, &m) != 0) {
		snprintf(s->last_error, sizeof(s->last_error),
		    "Received: malformed NOTIFICATION");
		m.code = m.subcode = 0;		/* nothing to act on */
	} else {
		if (m.text != NULL)
			escape_text(s->peer_text, sizeof(s->peer_text),
			    m.text, m.text_len);
		/* RFC 9003 2: a bad length or bad UTF-8 is only reported;
		 * what there is stays escaped and visible. */
		if (m.text_bad)
			snprintf(s->last_error, sizeof(s->last_error),
			    "Received: %s (malformed shutdown communication: "
			    "\"%.100s\")", err_text(m.code, m.subcode),
			    s->peer_text);
		else
			snprintf(s->last_error, sizeof(s->last_error),
			    "Received: %s%s%.100s%s", err_text(m.code,
			    m.subcode), s->peer_text[0] ? " \"" : "",
			    s->peer_text, s->peer_text[0] ? "\"" : "");
	}
	memset(&a, 0, sizeof(a));
	a.why = s->last_error;
	a.code = m.code;
	a.subcode = m.subcode;
	fsm_event(&s->fsm, FSM_EV_NOTIFICATION, &a, now);
}

static void
on_refresh(struct session *s, const uint8_t *body, size_t len, uint64_t now)
{
	struct msg_rrefresh r;
	struct bgp_err e;

	memset(&e, 0, sizeof(e));
	if (msg_rrefresh_decode(body, len, &r, &e) != 0) {
		error(s, &e, now);
		return;
	}
	fsm_event(&s->fsm, FSM_EV_ROUTE_REFRESH, NULL, now);
	if (s->fsm.state != FSM_ESTABLISHED || r.safi != BGP_SAFI_UNICAST)
		return;
	if (r.afi == BGP_AFI_IPV4 && s->neg.ipv4)
		s->hooks->refresh(s->ctx, AF_INET);
	else if (r.afi == BGP_AFI_IPV6 && s->neg.ipv6)
		s->hooks->refresh(s->ctx, AF_INET6);
}

static void
dispatch(struct session *s, const struct msg_hdr *h, const uint8_t *body,
    uint64_t now)
{
	size_t len = h->len - BGP_HDR_LEN;

	s->stats.msgs_in++;
	switch (h->type) {
	case BGP_MSG_OPEN:
		s->stats.opens_in++;
		on_open(s, body, len, now);
		return;
	case BGP_MSG_UPDATE:
		on_update(s, body, len, now);
		return;
	case BGP_MSG_NOTIFICATION:
		on_notification(s, body, len, now);
		return;
	case BGP_MSG_KEEPALIVE:
		s->stats.keepalives_in++;
		fsm_event(&s->fsm, FSM_EV_KEEPALIVE, NULL, now);
		return;
	case BGP_MSG_ROUTE_REFRESH:
		s->stats.refreshes_in++;
		on_refresh(s, body, len, now);
		return;
	}
}

/* A session still has the connection this input came over. */
static bool
connected(const struct session *s)
{
	return s->fsm.state >= FSM_OPENSENT;
}

bool
session_in_commit(struct session *s, size_t n, uint64_t now)
{
	uint8_t *data = in_data(s);
	size_t len = (s->in_scratch ? 0 : s->in_len - s->in_off), pos = 0;
	unsigned count = 0;

	if (s->in_scratch)
		len = s->in_len - s->in_off + n;
	in_scratch_busy = false;
	in_scratch_used = now;
	s->stats.bytes_in += n;
	while (count < SESSION_MSG_LIMIT && len - pos >= BGP_HDR_LEN &&
	    connected(s)) {
		struct msg_hdr h;
		struct bgp_err e;

		memset(&e, 0, sizeof(e));
		if (msg_hdr_check(data + pos, session_max_msg(s), &h,
		    &e) != 0) {
			error(s, &e, now);
			break;
		}
		if (len - pos < h.len)
			break;
		dispatch(s, &h, data + pos + BGP_HDR_LEN, now);
		pos += h.len;
		count++;
	}
	/* A dispatch may have reset the transport. */
	if (!connected(s)) {
		s->in_scratch = false;
		in_keep(s, NULL, 0);
		return false;
	}
	if (s->in_scratch || pos > 0 || n > 0)
		in_keep(s, data + pos, len - pos);
	s->in_scratch = false;
	len = s->in_len - s->in_off;
	if (s->in == NULL || len < BGP_HDR_LEN)
		return false;	/* no pointer arithmetic on NULL (C11 6.5.6) */
	data = s->in + s->in_off;
	/* More complete messages buffered? */
	return len >= (size_t)(data[16] << 8 | data[17]);
}

/* ---- timers ---- */

void
session_run_timers(struct session *s, uint64_t now)
{
	fsm_run_timers(&s->fsm, now);
}

uint64_t
session_next_timer(const struct session *s)
{
	return fsm_next_timer(&s->fsm);
}
