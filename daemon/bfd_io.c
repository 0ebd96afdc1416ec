/* bfd_io: see bfd_io.h. */
#include "bfd_io.h"

#include <event2/event.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "bfd/bfd.h"
#include "bfd/io.h"
#include "bgp/bgp.h"
#include "bgp/session.h"
#include "bgp/speaker.h"
#include "config/plan.h"
#include "daemon.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/monotime.h"
#include "lib/xalloc.h"
#include "peer_io.h"

#define RESYNC_S	5	/* interfaces are looked at again this often */

struct bsess {
	uint64_t id;
	struct ip_addr peer;
	uint16_t port;
	char	name[96];
	char	ifname[IF_NAMESIZE];
	unsigned ifindex;
	struct ip_addr local;
	struct bfd_conf conf;
	uint8_t	state;		/* as last reported by the thread */
	uint8_t	diag;
	bool	remote_admin;
	bool	held;		/* its BGP session is held down */
	bool	mark;
	uint64_t since;		/* monotime_ms() of the last change */
};

struct bfdio {
	struct bfd_io *io;	/* NULL until a session is wanted */
	struct event *ev, *tick;
	struct bsess *v;
	size_t	n, cap;
	uint64_t next_id;
	bool	start_failed;	/* logged once */
	uint64_t holds;		/* BGP sessions taken down by BFD */
};

/* What a held session says (struct conn's held, peerio_why_down()). */
#define HELD	"its BFD session is down (RFC 5882)"

static struct bfdio *
B(const struct daemon *d)
{
	return d->bfd;
}

static struct bsess *
find_peer(const struct bfdio *b, const struct ip_addr *peer, uint16_t port)
{
	if (b == NULL)
		return NULL;
	for (size_t i = 0; i < b->n; i++)
		if (addr_eq(&b->v[i].peer, peer) && b->v[i].port == port)
			return &b->v[i];
	return NULL;
}

static struct bsess *
find_id(const struct bfdio *b, uint64_t id)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->v[i].id == id)
			return &b->v[i];
	return NULL;
}

const char *
bfdio_held(const struct daemon *d, const struct ip_addr *peer,
    uint16_t port)
{
	const struct bsess *e = find_peer(B(d), peer, port);

	return e != NULL && e->held ? HELD : NULL;
}

/* ---- RFC 5882: what BFD does to BGP ---- */

static void
release(struct daemon *d, struct bsess *e, const char *why)
{
	struct conn *c = peerio_conn_find(d, &e->peer, e->port);

	if (!e->held)
		return;
	e->held = false;
	if (c != NULL)
		c->held = NULL;
	if (c == NULL || c->admin_down)
		return;
	log_notice("%s: %s: starting the BGP session again", c->name, why);
	peerio_conn_start(c);
}

static void
went_down(struct daemon *d, struct bsess *e)
{
	struct conn *c = peerio_conn_find(d, &e->peer, e->port);
	char dbuf[40];

	if (c == NULL || e->state == BFD_ST_ADMIN_DOWN)
		return;
	if (e->remote_admin) {
		/* RFC 5882 4.2: "... clients SHOULD NOT take any control
		 * protocol action." */
		log_notice("%s: BFD neighbor is AdminDown: the BGP session "
		    "is left as it is", c->name);
		return;
	}
	/* RFC 5882 4.3 and RFC 9384: down at once, Cease/BFD Down, and
	 * not again until BFD is Up. */
	log_warnx("%s: BFD session down (%s): BGP session down now "
	    "(Cease, BFD Down), held down until BFD is Up", c->name,
	    bfd_diag_name(e->diag, dbuf, sizeof(dbuf)));
	e->held = true;
	c->held = HELD;
	B(d)->holds++;
	peerio_conn_stop(c, BGP_CEASE_BFD_DOWN, NULL);
}

static void
on_events(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	struct bfdio *b = B(d);
	struct bfd_io_event ev[64];
	size_t n;

	while ((n = bfd_io_events(b->io, ev, 64)) > 0) {
		for (size_t i = 0; i < n; i++) {
			struct bsess *e = find_id(b, ev[i].id);
			char dbuf[40];

			if (e == NULL)
				continue;
			e->state = ev[i].state;
			e->diag = ev[i].diag;
			e->remote_admin = ev[i].remote_admin;
			e->since = monotime_ms();
			log_notice("%s: BFD %s -> %s%s%s", e->name,
			    bfd_state_name(ev[i].old_state),
			    bfd_state_name(ev[i].state),
			    ev[i].state == BFD_ST_UP ? "" : ", ",
			    ev[i].state == BFD_ST_UP ? "" :
			    e->remote_admin ? "neighbor AdminDown" :
			    bfd_diag_name(e->diag, dbuf, sizeof(dbuf)));
			if (ev[i].old_state == BFD_ST_UP &&
			    ev[i].state != BFD_ST_UP)
				went_down(d, e);
			else if (ev[i].state == BFD_ST_UP)
				release(d, e, "BFD is Up");
		}
	}
}

/* ---- which sessions ---- */

/* getifaddrs' sockaddrs are not aligned for a sockaddr_storage. */
static void
sa_addr(const struct sockaddr *sa, struct ip_addr *a)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, sa, sa->sa_family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	addr_from_sockaddr(&ss, a);
}

static unsigned
mask_len(const struct sockaddr *m, int af)
{
	struct ip_addr a;
	unsigned n = 0;

	/* The netmask's sa_family may be unset: read it as af. */
	{
		struct sockaddr_storage ss;

		memset(&ss, 0, sizeof(ss));
		memcpy(&ss, m, af == AF_INET6 ?
		    sizeof(struct sockaddr_in6) :
		    sizeof(struct sockaddr_in));
		ss.ss_family = (sa_family_t)af;
		addr_from_sockaddr(&ss, &a);
	}
	for (size_t i = 0; i < addr_len(a.af); i++)
		n += (unsigned)__builtin_popcount(a.b[i]);
	return n;
}

/* The interface whose connected subnet holds peer (the longest), with
 * our address in it.  Point-to-point and host addresses (/32, /128)
 * make no subnet. */
static bool
connected(const struct ifaddrs *ifs, const struct ip_addr *peer,
    char *ifname, struct ip_addr *local)
{
	int best = -1;

	for (const struct ifaddrs *i = ifs; i != NULL; i = i->ifa_next) {
		struct ip_prefix p;
		unsigned len;

		if (i->ifa_addr == NULL || i->ifa_netmask == NULL ||
		    i->ifa_addr->sa_family != peer->af ||
		    (i->ifa_flags & IFF_LOOPBACK))
			continue;
		sa_addr(i->ifa_addr, &p.addr);
		if (p.addr.af != peer->af || addr_eq(&p.addr, peer))
			continue;
		len = mask_len(i->ifa_netmask, peer->af);
		if (len >= addr_bits(peer->af) || (int)len <= best)
			continue;
		p.len = (uint8_t)len;
		if (!addr_pfx_contains_addr(&p, peer))
			continue;
		best = (int)len;
		snprintf(ifname, IF_NAMESIZE, "%s", i->ifa_name);
		*local = p.addr;
	}
	return best >= 0;
}

static const struct plan_session *
plan_session_of(const struct daemon *d, const struct conn *c)
{
	for (size_t i = 0; i < d->plan.nsessions; i++) {
		const struct plan_session *s = &d->plan.sessions[i];

		if (addr_eq(&s->peer_ip, &c->peer) && s->peer_port == c->port)
			return s;
	}
	return NULL;
}

static bool
ensure_io(struct daemon *d)
{
	struct bfdio *b = B(d);
	char err[256];

	if (b->io != NULL)
		return true;
	b->io = bfd_io_start(err, sizeof(err));
	if (b->io == NULL) {
		if (!b->start_failed)
			log_err("BFD cannot start: %s; BGP sessions run "
			    "without it", err);
		b->start_failed = true;
		return false;
	}
	b->start_failed = false;
	b->ev = event_new(d->base, bfd_io_fd(b->io), EV_READ | EV_PERSIST,
	    on_events, d);
	event_add(b->ev, NULL);
	log_info("BFD started (RFC 5880/5881 single hop, its own thread)");
	return true;
}

static void
push(struct bfdio *b, const struct bsess *e)
{
	struct bfd_io_req r;

	memset(&r, 0, sizeof(r));
	r.id = e->id;
	r.peer = e->peer;
	r.local = e->local;
	r.ifindex = e->ifindex;
	r.conf = e->conf;
	bfd_io_add(b->io, &r);
}

static void
want(struct daemon *d, struct conn *c, const char *ifname,
    const struct ip_addr *local, const struct plan_bfd *m)
{
	struct bfdio *b = B(d);
	struct bsess *e = find_peer(b, &c->peer, c->port);
	struct bfd_conf conf;
	unsigned ifindex = if_nametoindex(ifname);
	char a[ADDR_STRLEN];

	memset(&conf, 0, sizeof(conf));
	conf.min_tx_us = m->min_tx_us;
	conf.min_rx_us = m->min_rx_us;
	conf.idle_tx_us = m->idle_tx_us;
	conf.mult = m->mult;
	if (e == NULL) {
		if (!ensure_io(d))
			return;
		if (b->n == b->cap) {
			b->cap = b->cap ? b->cap * 2 : 8;
			b->v = xreallocarray(b->v, b->cap, sizeof(*b->v));
		}
		e = &b->v[b->n++];
		memset(e, 0, sizeof(*e));
		e->id = ++b->next_id;
		e->peer = c->peer;
		e->port = c->port;
		e->state = BFD_ST_DOWN;
		e->since = monotime_ms();
	} else if (strcmp(e->ifname, ifname) == 0 && e->ifindex == ifindex &&
	    addr_eq(&e->local, local) && memcmp(&e->conf, &conf,
	    sizeof(conf)) == 0) {
		e->mark = true;
		snprintf(e->name, sizeof(e->name), "%s", c->name);
		return;
	}
	snprintf(e->name, sizeof(e->name), "%s", c->name);
	snprintf(e->ifname, sizeof(e->ifname), "%s", ifname);
	e->ifindex = ifindex;
	e->local = *local;
	e->conf = conf;
	e->mark = true;
	log_info("%s: BFD to %s on %s (BFDConfiguration %s, %s): %ums x %u, "
	    "receive %ums, idle %ums", c->name, addr_fmt(&c->peer, a,
	    sizeof(a)), ifname, m->from, m->pattern, conf.min_tx_us / 1000,
	    conf.mult, conf.min_rx_us / 1000, conf.idle_tx_us / 1000);
	push(b, e);
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	bfdio_apply(arg);
}

void
bfdio_apply(struct daemon *d)
{
	struct bfdio *b = B(d);
	struct ifaddrs *ifs = NULL;
	bool any = false;
	size_t k;

	for (size_t i = 0; i < d->plan.nsessions && !any; i++)
		any = d->plan.sessions[i].bfd;
	any = any && d->plan.nbfd > 0;
	if (b == NULL) {
		if (!any)
			return;
		b = d->bfd = xcalloc(1, sizeof(*b));
		b->tick = evtimer_new(d->base, on_tick, d);
	}
	for (size_t i = 0; i < b->n; i++)
		b->v[i].mark = false;
	if (any && getifaddrs(&ifs) != 0) {
		log_warn("BFD: cannot read the interface addresses");
		ifs = NULL;
	}
	for (struct conn *c = any ? d->conns : NULL; c != NULL; c = c->next) {
		const struct plan_session *s = plan_session_of(d, c);
		const struct plan_bfd *m;
		char ifname[IF_NAMESIZE];
		struct ip_addr local;

		if (s == NULL || !s->bfd ||
		    !connected(ifs, &c->peer, ifname, &local))
			continue;
		m = plan_bfd_match(&d->plan, ifname);
		if (m != NULL)
			want(d, c, ifname, &local, m);
	}
	if (ifs != NULL)
		freeifaddrs(ifs);
	/* Sessions no longer wanted: gone, and their holds released. */
	for (k = 0; k < b->n;) {
		struct bsess *e = &b->v[k];

		if (e->mark) {
			k++;
			continue;
		}
		log_info("%s: BFD no longer configured", e->name);
		if (b->io != NULL)
			bfd_io_del(b->io, e->id);
		release(d, e, "BFD no longer configured");
		b->v[k] = b->v[--b->n];
	}
	/* The held ones stay down whoever started them meanwhile (a
	 * restart by a plan change). */
	for (k = 0; k < b->n; k++) {
		struct conn *c = peerio_conn_find(d, &b->v[k].peer,
		    b->v[k].port);

		if (b->v[k].held && c != NULL)
			c->held = HELD;
		if (b->v[k].held && c != NULL &&
		    speaker_peer_session(c->peer_sp)->fsm.running)
			peerio_conn_stop(c, BGP_CEASE_BFD_DOWN, NULL);
	}
	if (any) {
		struct timeval tv = { RESYNC_S, 0 };

		evtimer_add(b->tick, &tv);
	} else {
		evtimer_del(b->tick);
	}
}

void
bfdio_close(struct daemon *d)
{
	struct bfdio *b = B(d);

	if (b == NULL)
		return;
	if (b->io != NULL)
		bfd_io_stop(b->io);
	if (b->ev != NULL)
		event_free(b->ev);
	event_free(b->tick);
	free(b->v);
	free(b);
	d->bfd = NULL;
}

/* ---- what operators see ---- */

/* The thread's view of e (false if it has none yet). */
static bool
info_of(const struct bfdio *b, const struct bsess *e,
    struct bfd_io_info *out)
{
	struct bfd_io_info *v;
	size_t n;
	bool found = false;

	if (b->io == NULL)
		return false;
	n = bfd_io_snapshot(b->io, &v);
	for (size_t i = 0; i < n && !found; i++) {
		if (v[i].id == e->id) {
			*out = v[i];
			found = true;
		}
	}
	free(v);
	return found;
}

/* Seconds from a thread's monotonic us to now (0 if unset). */
static uint64_t
ago_s(uint64_t us)
{
	uint64_t now = bfd_io_now();

	return us != 0 && now > us ? (now - us) / 1000000 : 0;
}

void
bfdio_peer_json(const struct bfdio *b, const struct conn *c,
    struct json_w *j)
{
	const struct bsess *e = find_peer(b, &c->peer, c->port);
	struct bfd_io_info in;
	char a[ADDR_STRLEN];

	json_key(j, "bfd");
	if (e == NULL || !info_of(b, e, &in)) {
		json_null(j);
		return;
	}
	json_obj_begin(j);
	json_kstr(j, "state", bfd_state_name(in.state));
	json_kstr(j, "remote_state", bfd_state_name(in.remote_state));
	json_kstr(j, "interface", e->ifname);
	json_kstr(j, "local_address", addr_fmt(&e->local, a, sizeof(a)));
	json_kuint(j, "source_port", in.sport);
	json_kuint(j, "local_discriminator", in.local_disc);
	json_kuint(j, "remote_discriminator", in.remote_disc);
	json_kuint(j, "min_tx_ms", in.conf.min_tx_us / 1000);
	json_kuint(j, "min_rx_ms", in.conf.min_rx_us / 1000);
	json_kuint(j, "idle_tx_ms", in.conf.idle_tx_us / 1000);
	json_kuint(j, "multiplier", in.conf.mult);
	json_kuint(j, "remote_multiplier", in.remote_mult);
	json_kuint(j, "tx_interval_ms", in.tx_us / 1000);
	json_kuint(j, "rx_interval_ms", in.rx_us / 1000);
	json_kuint(j, "detect_time_ms", in.detect_us / 1000);
	json_key(j, "uptime_seconds");
	if (in.state == BFD_ST_UP)
		json_uint(j, ago_s(in.up_since_us));
	else
		json_null(j);
	json_kuint(j, "state_seconds", ago_s(in.last_change_us));
	json_kuint(j, "flaps", in.n_down);
	json_kstr(j, "last_down_reason", in.down_reason[0] ?
	    in.down_reason : NULL);
	json_key(j, "last_down_seconds_ago");
	if (in.last_down_us != 0)
		json_uint(j, ago_s(in.last_down_us));
	else
		json_null(j);
	json_kbool(j, "holding_bgp_down", e->held);
	json_kuint(j, "packets_in", in.rx_pkts);
	json_kuint(j, "packets_out", in.tx_pkts);
	json_kuint(j, "drops", in.drops);
	json_obj_end(j);
}

void
bfdio_status_json(const struct bfdio *b, struct json_w *j)
{
	struct bfd_io_stats st;

	json_key(j, "bfd");
	if (b == NULL || b->io == NULL) {
		json_null(j);
		return;
	}
	bfd_io_stats(b->io, &st);
	json_obj_begin(j);
	json_kuint(j, "sessions", st.sessions);
	json_kuint(j, "bgp_sessions_taken_down", b->holds);
	json_kuint(j, "packets_in", st.rx_pkts);
	json_kuint(j, "packets_out", st.tx_pkts);
	json_kuint(j, "send_errors", st.tx_errors);
	json_kuint(j, "thread_cpu_ms", st.cpu_us / 1000);
	json_key(j, "drops");
	json_obj_begin(j);
	for (unsigned i = 1; i < BFD_DROP_MAX; i++)
		json_kuint(j, bfd_drop_name(i), st.drops[i]);
	json_obj_end(j);
	json_obj_end(j);
}

void
bfdio_peer_text(const struct bfdio *b, const struct conn *c,
    struct buf_wr *o)
{
	const struct bsess *e = find_peer(b, &c->peer, c->port);
	struct bfd_io_info in;

	if (e == NULL || !info_of(b, e, &in))
		return;
	buf_printf(o, "  bfd            %s for %llus on %s, remote %s; "
	    "%ums x %u (agreed tx %ums, rx %ums, detect %ums); %u flaps",
	    bfd_state_name(in.state),
	    (unsigned long long)ago_s(in.last_change_us), e->ifname,
	    bfd_state_name(in.remote_state), in.conf.min_tx_us / 1000,
	    in.conf.mult, in.tx_us / 1000, in.rx_us / 1000,
	    (unsigned)(in.detect_us / 1000), in.n_down);
	if (in.down_reason[0] != '\0')
		buf_printf(o, ", last down %llus ago: %s",
		    (unsigned long long)ago_s(in.last_down_us),
		    in.down_reason);
	if (e->held)
		buf_put_str(o, "; holding the BGP session down");
	buf_put_str(o, "\n");
}

static void
metric_labels(struct buf_wr *o, const char *name, const struct bsess *e)
{
	buf_printf(o, "%s{peer=\"%s\",afi=\"%s\",interface=\"%s\"", name,
	    e->name, e->peer.af == AF_INET ? "ipv4" : "ipv6", e->ifname);
}

void
bfdio_metrics(const struct bfdio *b, struct buf_wr *o)
{
	enum { M_UP, M_STATE, M_UPTIME, M_FLAPS, M_DETECT, M_TX, M_MULT,
	    M_HOLD, M_DOWN, M_N };
	static const char *const fam[M_N][3] = {
		{ "bgpd_bfd_session_up", "gauge",
		    "1 while the BFD session is Up" },
		{ "bgpd_bfd_session_state", "gauge",
		    "1 for the BFD session's state, 0 for the others" },
		{ "bgpd_bfd_session_uptime_seconds", "gauge",
		    "seconds the BFD session has been Up (0: not Up)" },
		{ "bgpd_bfd_session_flaps_total", "counter",
		    "times the BFD session went from Up to down" },
		{ "bgpd_bfd_session_detect_seconds", "gauge",
		    "the BFD detection time in force" },
		{ "bgpd_bfd_session_tx_interval_seconds", "gauge",
		    "the agreed BFD transmit interval" },
		{ "bgpd_bfd_session_multiplier", "gauge",
		    "our BFD detect multiplier" },
		{ "bgpd_bfd_session_holding_bgp", "gauge",
		    "1 while BFD holds the BGP session down" },
		{ "bgpd_bfd_session_last_down_seconds", "gauge",
		    "seconds since the BFD session last went down from Up, "
		    "with the reason" },
	};
	struct bfd_io_stats st;
	struct bfd_io_info *in, *v;
	size_t n;

	if (b == NULL || b->io == NULL)
		return;
	/* One snapshot, matched to our sessions by id. */
	n = bfd_io_snapshot(b->io, &v);
	in = xcalloc(b->n ? b->n : 1, sizeof(*in));
	for (size_t i = 0; i < b->n; i++) {
		in[i].state = 0xff;	/* not in the thread yet */
		for (size_t k = 0; k < n; k++)
			if (v[k].id == b->v[i].id)
				in[i] = v[k];
	}
	free(v);
	for (int f = 0; f < M_N; f++) {
		buf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", fam[f][0],
		    fam[f][2], fam[f][0], fam[f][1]);
		for (size_t i = 0; i < b->n; i++) {
			const struct bsess *e = &b->v[i];
			const struct bfd_io_info *x = &in[i];

			if (x->state == 0xff)
				continue;
			if (f == M_STATE) {
				for (unsigned k = 0; k < 4; k++) {
					metric_labels(o, fam[f][0], e);
					buf_printf(o, ",state=\"%s\"} %d\n",
					    bfd_state_name(k), x->state == k);
				}
				continue;
			}
			if (f == M_DOWN) {
				if (x->down_reason[0] == '\0' ||
				    x->last_down_us == 0)
					continue;
				metric_labels(o, fam[f][0], e);
				buf_printf(o, ",reason=\"%s\"} %" PRIu64 "\n",
				    x->down_reason, ago_s(x->last_down_us));
				continue;
			}
			metric_labels(o, fam[f][0], e);
			buf_put_str(o, "} ");
			switch (f) {
			case M_UP:
				buf_printf(o, "%d\n", x->state == BFD_ST_UP);
				break;
			case M_UPTIME:
				buf_printf(o, "%" PRIu64 "\n", x->state ==
				    BFD_ST_UP ? ago_s(x->up_since_us) : 0);
				break;
			case M_FLAPS:
				buf_printf(o, "%u\n", x->n_down);
				break;
			case M_DETECT:
				buf_printf(o, "%.3f\n", x->detect_us / 1e6);
				break;
			case M_TX:
				buf_printf(o, "%.3f\n", x->tx_us / 1e6);
				break;
			case M_MULT:
				buf_printf(o, "%u\n", x->conf.mult);
				break;
			default:
				buf_printf(o, "%d\n", e->held);
				break;
			}
		}
	}
	free(in);
	bfd_io_stats(b->io, &st);
	buf_printf(o, "# HELP bgpd_bfd_packets_total BFD control packets "
	    "received and sent\n# TYPE bgpd_bfd_packets_total counter\n"
	    "bgpd_bfd_packets_total{dir=\"in\"} %" PRIu64 "\n"
	    "bgpd_bfd_packets_total{dir=\"out\"} %" PRIu64 "\n",
	    st.rx_pkts, st.tx_pkts);
	buf_printf(o, "# HELP bgpd_bfd_drops_total BFD packets dropped, by "
	    "reason (RFC 5880 6.8.6, RFC 5881 5)\n# TYPE "
	    "bgpd_bfd_drops_total counter\n");
	for (unsigned i = 1; i < BFD_DROP_MAX; i++)
		buf_printf(o, "bgpd_bfd_drops_total{reason=\"%s\"} %" PRIu64
		    "\n", bfd_drop_name(i), st.drops[i]);
	buf_printf(o, "# HELP bgpd_bfd_thread_cpu_seconds_total CPU time "
	    "of the BFD thread\n# TYPE bgpd_bfd_thread_cpu_seconds_total "
	    "counter\nbgpd_bfd_thread_cpu_seconds_total %.3f\n",
	    st.cpu_us / 1e6);
}

/* BIRD 2's `show bfd sessions` row: address, interface, state, since
 * (HH:MM:SS.mmm), the transmit interval and the detection time in
 * seconds. */
void
bfdio_bird_rows(const struct bfdio *b, int af,
    void (*row)(void *arg, const char *line), void *arg)
{
	struct bfd_io_info *v;
	size_t n;

	if (b == NULL || b->io == NULL)
		return;
	n = bfd_io_snapshot(b->io, &v);
	for (size_t i = 0; i < n; i++) {
		const struct bsess *e = find_id(b, v[i].id);
		char a[ADDR_STRLEN], since[32], line[160];
		uint64_t ago = bfd_io_now() - v[i].last_change_us;
		struct timespec now;
		struct tm tm;
		time_t t;
		long ms;

		if (e == NULL || e->peer.af != af)
			continue;
		clock_gettime(CLOCK_REALTIME, &now);
		ms = (long)(now.tv_nsec / 1000000) - (long)(ago / 1000 % 1000);
		t = now.tv_sec - (time_t)(ago / 1000000);
		if (ms < 0) {
			ms += 1000;
			t--;
		}
		localtime_r(&t, &tm);
		strftime(since, sizeof(since), "%H:%M:%S", &tm);
		snprintf(since + strlen(since), sizeof(since) - strlen(since),
		    ".%03ld", ms);
		snprintf(line, sizeof(line), "%-25s %-10s %-10s %-12s  %7.3f  "
		    "%7.3f", addr_fmt(&e->peer, a, sizeof(a)), e->ifname,
		    bfd_state_name(v[i].state), since,
		    v[i].tx_pkts ? v[i].tx_us / 1e6 : 0.0,
		    v[i].detect_us / 1e6);
		row(arg, line);
	}
	free(v);
}
