/*
 * io: BFD's transport, single hop (RFC 5881), in a thread of its own;
 * io.h says why a thread and how the main loop talks to it.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/monotime.h"
#include "lib/xalloc.h"
#include "io.h"
#include "table.h"

#define RX_BATCH	64	/* packets per socket per wakeup */
#define TOS_CS6		0xc0	/* network control (RFC 4594) */

enum cmd_kind { CMD_ADD, CMD_DEL };

struct cmd {
	enum cmd_kind kind;
	struct bfd_io_req req;	/* CMD_DEL: req.id only */
};

/* The transport's part of a session (bfd_tab_ent.user). */
struct sess_io {
	uint64_t id;
	int	fd;		/* send socket, -1 until it could be made */
	uint16_t sport;
	uint8_t	reported;	/* the state the main loop last heard */
	uint64_t tx_errors;
	uint64_t retry_at;	/* the next try at a send socket */
};

struct bfd_io {
	pthread_t th;
	pthread_mutex_t qmu;	/* cmds, evs, stop */
	pthread_mutex_t tmu;	/* tab and the counters */
	struct cmd *cmds;
	size_t	ncmds, cmdcap;
	struct bfd_io_event *evs;
	size_t	nevs, evcap;
	bool	stop;
	int	wake_fd;	/* main -> thread */
	int	ev_fd;		/* thread -> main */
	int	rx4, rx6;
	struct bfd_table tab;
	uint64_t rx_pkts, tx_pkts, tx_errors, wakeups;
	uint64_t rng;
};

uint64_t
bfd_io_now(void)
{
	return monotime_ns() / 1000;
}

static struct sess_io *
SI(const struct bfd_tab_ent *e)
{
	return e->user;
}

static void
wake(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("bfd: eventfd write");
}

static void
drain(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) > 0)
		;
}

/* ---- sockets ---- */

static int
rx_socket(int af, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct ip_addr any;
	int fd, on = 1;

	fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		if (errno == EAFNOSUPPORT)
			return -2;	/* no such family here */
		snprintf(err, errlen, "bfd: socket: %s", strerror(errno));
		return -1;
	}
	memset(&any, 0, sizeof(any));
	any.af = (uint8_t)af;
	if (af == AF_INET) {
		/* RFC 5881 5: the TTL of every packet is checked. */
		setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &on, sizeof(on));
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
	} else {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on,
		    sizeof(on));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
		    sizeof(on));
	}
	sl = addr_to_sockaddr(&any, BFD_PORT, &ss);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		int e = errno;

		close(fd);
		if (af == AF_INET6 && e == EADDRNOTAVAIL)
			return -2;	/* IPv6 disabled */
		snprintf(err, errlen, "bfd: bind %s port %d: %s",
		    af == AF_INET ? "0.0.0.0" : "::", BFD_PORT, strerror(e));
		return -1;
	}
	return fd;
}

static bool
sport_used(const struct bfd_io *io, uint16_t port)
{
	for (size_t i = 0; i < io->tab.n; i++) {
		struct sess_io *si = SI(io->tab.v[i]);

		if (si != NULL && si->sport == port)
			return true;
	}
	return false;
}

static uint64_t
io_rng(struct bfd_io *io)
{
	io->rng ^= io->rng >> 12;
	io->rng ^= io->rng << 25;
	io->rng ^= io->rng >> 27;
	return io->rng * 0x2545f4914f6cdd1dULL;
}

/* RFC 5881 4: "The source port MUST be in the range 49152 through 65535.
 * The same UDP source port number MUST be used for all BFD Control
 * packets associated with a particular session.  The source port number
 * SHOULD be unique among all BFD sessions on the system." */
static void
tx_socket(struct bfd_io *io, struct bfd_tab_ent *e, uint64_t now)
{
	struct sess_io *si = SI(e);
	struct sockaddr_storage ss;
	struct ip_addr local = e->local;
	socklen_t sl;
	int af = e->peer.af, fd, ttl = BFD_TTL, tos = TOS_CS6, on = 1;
	unsigned span = BFD_SPORT_MAX - BFD_SPORT_MIN + 1;

	fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* RFC 5881 5: "MUST be sent with a TTL or Hop Limit value of
	 * 255". */
	if (af == AF_INET) {
		setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
		setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
		/* The local address may come and go with its link. */
		setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &on, sizeof(on));
	} else {
		setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl,
		    sizeof(ttl));
		setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos));
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
		setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &on, sizeof(on));
	}
	if (local.af != af) {
		memset(&local, 0, sizeof(local));
		local.af = (uint8_t)af;
	}
	for (unsigned tries = 0; tries < 64; tries++) {
		uint16_t port = (uint16_t)(BFD_SPORT_MIN + io_rng(io) % span);

		if (sport_used(io, port))
			continue;
		sl = addr_to_sockaddr(&local, port, &ss);
		if (bind(fd, (struct sockaddr *)&ss, sl) == 0) {
			si->fd = fd;
			si->sport = port;
			return;
		}
		if (errno != EADDRINUSE)
			break;
	}
fail:
	if (fd >= 0)
		close(fd);
	si->tx_errors++;
	si->retry_at = now + BFD_SLOW_US;
}

static void
send_pkt(struct bfd_io *io, struct bfd_tab_ent *e, uint64_t now)
{
	struct sess_io *si = SI(e);
	struct bfd_pkt p;
	struct sockaddr_storage ss;
	socklen_t sl;
	uint8_t b[BFD_HDR_LEN];

	bfd_sess_tx(&e->s, &p, now);
	bfd_pkt_encode(&p, b);
	if (si->fd < 0 && now >= si->retry_at)
		tx_socket(io, e, now);
	if (si->fd < 0)
		return;
	sl = addr_to_sockaddr(&e->peer, BFD_PORT, &ss);
	if (sendto(si->fd, b, sizeof(b), 0, (struct sockaddr *)&ss, sl) < 0) {
		/* No route or no neighbour while the link is down: the
		 * peer will not hear us, which is what BFD is about. */
		si->tx_errors++;
		io->tx_errors++;
		return;
	}
	io->tx_pkts++;
}

/* ---- events to the main loop ---- */

static void
report(struct bfd_io *io, struct bfd_tab_ent *e, uint64_t now)
{
	struct sess_io *si = SI(e);
	struct bfd_io_event ev;

	if (si->reported == e->s.state)
		return;
	ev.id = si->id;
	ev.old_state = si->reported;
	ev.state = e->s.state;
	ev.diag = e->s.local_diag;
	ev.remote_admin = e->s.remote_admin;
	ev.at_us = now;
	si->reported = e->s.state;
	pthread_mutex_lock(&io->qmu);
	if (io->nevs == io->evcap) {
		io->evcap = io->evcap ? io->evcap * 2 : 16;
		io->evs = xreallocarray(io->evs, io->evcap, sizeof(*io->evs));
	}
	io->evs[io->nevs++] = ev;
	pthread_mutex_unlock(&io->qmu);
	wake(io->ev_fd);
}

static void
handle(struct bfd_io *io, struct bfd_tab_ent *e, unsigned fl, uint64_t now)
{
	if (fl & BFD_SESS_CHANGED)
		report(io, e, now);
	if (fl & BFD_SESS_SEND)
		send_pkt(io, e, now);
}

/* ---- commands from the main loop ---- */

static struct bfd_tab_ent *
find_id(const struct bfd_io *io, uint64_t id)
{
	for (size_t i = 0; i < io->tab.n; i++)
		if (SI(io->tab.v[i])->id == id)
			return io->tab.v[i];
	return NULL;
}

static void
remove_sess(struct bfd_io *io, struct bfd_tab_ent *e, uint64_t now)
{
	struct sess_io *si = SI(e);

	/* RFC 5880 6.8.16: tell the peer it is administrative (RFC 5882
	 * 4.2: it then takes no action). */
	bfd_sess_admin(&e->s, true, now);
	send_pkt(io, e, now);
	if (si->fd >= 0)
		close(si->fd);
	free(si);
	bfd_tab_del(&io->tab, e);
}

static void
apply(struct bfd_io *io, const struct cmd *c, uint64_t now)
{
	const struct bfd_io_req *r = &c->req;
	struct bfd_tab_ent *e = find_id(io, r->id);
	struct sess_io *si;

	if (c->kind == CMD_DEL) {
		if (e != NULL)
			remove_sess(io, e, now);
		return;
	}
	if (e != NULL && addr_eq(&e->peer, &r->peer) &&
	    addr_eq(&e->local, &r->local) && e->ifindex == r->ifindex) {
		bfd_sess_set_conf(&e->s, &r->conf, now);
		return;
	}
	if (e != NULL)
		remove_sess(io, e, now);
	e = bfd_tab_add(&io->tab, &r->peer, &r->local, r->ifindex, &r->conf,
	    now);
	si = xcalloc(1, sizeof(*si));
	si->id = r->id;
	si->fd = -1;
	si->reported = e->s.state;
	e->user = si;
	tx_socket(io, e, now);
}

/* ---- the thread ---- */

static void
rx_one(struct bfd_io *io, int fd, int af, uint64_t now)
{
	uint8_t b[128];
	union {
		struct cmsghdr h;
		uint8_t	b[256];
	} cm;
	struct sockaddr_storage ss;
	struct iovec iov = { b, sizeof(b) };
	struct msghdr mh;
	struct bfd_tab_ent *e;
	struct ip_addr src;
	unsigned ifindex = 0, fl;
	int ttl = -1;

	for (int i = 0; i < RX_BATCH; i++) {
		ssize_t n;

		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &ss;
		mh.msg_namelen = sizeof(ss);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cm.b;
		mh.msg_controllen = sizeof(cm.b);
		n = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (n < 0)
			return;
		io->rx_pkts++;
		ttl = -1;
		ifindex = 0;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL;
		    c = CMSG_NXTHDR(&mh, c)) {
			if (af == AF_INET && c->cmsg_level == IPPROTO_IP &&
			    c->cmsg_type == IP_TTL)
				memcpy(&ttl, CMSG_DATA(c), sizeof(ttl));
			else if (af == AF_INET &&
			    c->cmsg_level == IPPROTO_IP &&
			    c->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				ifindex = (unsigned)pi.ipi_ifindex;
			} else if (af == AF_INET6 &&
			    c->cmsg_level == IPPROTO_IPV6 &&
			    c->cmsg_type == IPV6_HOPLIMIT)
				memcpy(&ttl, CMSG_DATA(c), sizeof(ttl));
			else if (af == AF_INET6 &&
			    c->cmsg_level == IPPROTO_IPV6 &&
			    c->cmsg_type == IPV6_PKTINFO) {
				struct in6_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				ifindex = pi.ipi6_ifindex;
			}
		}
		addr_from_sockaddr(&ss, &src);
		if (bfd_tab_input(&io->tab, b, (size_t)n, &src, ifindex, ttl,
		    now, &e, &fl) == BFD_DROP_NONE)
			handle(io, e, fl, now);
	}
}

static uint64_t
run_timers(struct bfd_io *io, uint64_t now)
{
	uint64_t next = 0;

	for (size_t i = 0; i < io->tab.n; i++) {
		struct bfd_tab_ent *e = io->tab.v[i];
		uint64_t t;

		handle(io, e, bfd_sess_timer(&e->s, now), now);
		t = bfd_sess_next(&e->s);
		if (t != 0 && (next == 0 || t < next))
			next = t;
	}
	return next;
}

static void *
run(void *arg)
{
	struct bfd_io *io = arg;
	struct cmd *cmds = NULL;
	size_t ncmds = 0, cap = 0;

	for (;;) {
		struct pollfd pf[3];
		struct timespec ts, *tsp = NULL;
		uint64_t now, next;
		bool stop;
		int n = 0;

		pthread_mutex_lock(&io->qmu);
		/* Swap the queue out, so the main loop never waits for
		 * the table's work. */
		{
			struct cmd *t = cmds;
			size_t tc = cap;

			cmds = io->cmds;
			ncmds = io->ncmds;
			cap = io->cmdcap;
			io->cmds = t;
			io->cmdcap = tc;
			io->ncmds = 0;
		}
		stop = io->stop;
		pthread_mutex_unlock(&io->qmu);

		pthread_mutex_lock(&io->tmu);
		now = bfd_io_now();
		for (size_t i = 0; i < ncmds; i++)
			apply(io, &cmds[i], now);
		if (stop) {
			while (io->tab.n > 0)
				remove_sess(io, io->tab.v[0], now);
			pthread_mutex_unlock(&io->tmu);
			break;
		}
		/* Packets that came while this thread waited for a CPU
		 * first: a late turn must not declare dead a peer whose
		 * packets sit in the socket. */
		if (io->rx4 >= 0)
			rx_one(io, io->rx4, AF_INET, now);
		if (io->rx6 >= 0)
			rx_one(io, io->rx6, AF_INET6, now);
		next = run_timers(io, now);
		pthread_mutex_unlock(&io->tmu);

		if (next != 0) {
			uint64_t d = next > now ? next - now : 0;

			ts.tv_sec = (time_t)(d / 1000000);
			ts.tv_nsec = (long)(d % 1000000) * 1000;
			tsp = &ts;
		}
		pf[n].fd = io->wake_fd;
		pf[n++].events = POLLIN;
		if (io->rx4 >= 0) {
			pf[n].fd = io->rx4;
			pf[n++].events = POLLIN;
		}
		if (io->rx6 >= 0) {
			pf[n].fd = io->rx6;
			pf[n++].events = POLLIN;
		}
		if (ppoll(pf, (nfds_t)n, tsp, NULL) <= 0)
			continue;
		if (pf[0].revents & POLLIN)
			drain(io->wake_fd);
		pthread_mutex_lock(&io->tmu);
		io->wakeups++;
		now = bfd_io_now();
		for (int i = 1; i < n; i++) {
			if (pf[i].revents & POLLIN)
				rx_one(io, pf[i].fd, pf[i].fd == io->rx4 ?
				    AF_INET : AF_INET6, now);
		}
		pthread_mutex_unlock(&io->tmu);
	}
	free(cmds);
	return NULL;
}

/* ---- the main loop's side ---- */

struct bfd_io *
bfd_io_start(char *err, size_t errlen)
{
	struct bfd_io *io = xcalloc(1, sizeof(*io));
	pthread_attr_t attr;
	sigset_t all, old;
	uint64_t seed;
	int rc;

	io->rx4 = io->rx6 = -1;
	io->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	io->ev_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (io->wake_fd < 0 || io->ev_fd < 0) {
		snprintf(err, errlen, "bfd: eventfd: %s", strerror(errno));
		goto fail;
	}
	io->rx4 = rx_socket(AF_INET, err, errlen);
	if (io->rx4 == -1)
		goto fail;
	io->rx6 = rx_socket(AF_INET6, err, errlen);
	if (io->rx6 == -1)
		goto fail;
	if (io->rx4 < 0 && io->rx6 < 0) {
		snprintf(err, errlen, "bfd: neither IPv4 nor IPv6 here");
		goto fail;
	}
	io->rx4 = io->rx4 < 0 ? -1 : io->rx4;
	io->rx6 = io->rx6 < 0 ? -1 : io->rx6;
	seed = monotime_ns() ^ ((uint64_t)getpid() << 32);
	bfd_tab_init(&io->tab, seed | 1);
	io->rng = (seed * 0x9e3779b97f4a7c15ULL) | 1;
	pthread_mutex_init(&io->qmu, NULL);
	pthread_mutex_init(&io->tmu, NULL);
	/* Signals stay with the main thread (libevent handles them). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	rc = pthread_create(&io->th, &attr, run, io);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "bfd: thread: %s", strerror(rc));
		bfd_tab_free(&io->tab);
		goto fail;
	}
	pthread_setname_np(io->th, "bgpd-bfd");
	return io;
fail:
	if (io->rx4 >= 0)
		close(io->rx4);
	if (io->rx6 >= 0)
		close(io->rx6);
	if (io->wake_fd >= 0)
		close(io->wake_fd);
	if (io->ev_fd >= 0)
		close(io->ev_fd);
	free(io);
	return NULL;
}

void
bfd_io_stop(struct bfd_io *io)
{
	if (io == NULL)
		return;
	pthread_mutex_lock(&io->qmu);
	io->stop = true;
	pthread_mutex_unlock(&io->qmu);
	wake(io->wake_fd);
	pthread_join(io->th, NULL);
	bfd_tab_free(&io->tab);
	if (io->rx4 >= 0)
		close(io->rx4);
	if (io->rx6 >= 0)
		close(io->rx6);
	close(io->wake_fd);
	close(io->ev_fd);
	pthread_mutex_destroy(&io->qmu);
	pthread_mutex_destroy(&io->tmu);
	free(io->cmds);
	free(io->evs);
	free(io);
}

int
bfd_io_fd(const struct bfd_io *io)
{
	return io->ev_fd;
}

static void
push(struct bfd_io *io, const struct cmd *c)
{
	pthread_mutex_lock(&io->qmu);
	if (io->ncmds == io->cmdcap) {
		io->cmdcap = io->cmdcap ? io->cmdcap * 2 : 16;
		io->cmds = xreallocarray(io->cmds, io->cmdcap,
		    sizeof(*io->cmds));
	}
	io->cmds[io->ncmds++] = *c;
	pthread_mutex_unlock(&io->qmu);
	wake(io->wake_fd);
}

void
bfd_io_add(struct bfd_io *io, const struct bfd_io_req *r)
{
	struct cmd c;

	memset(&c, 0, sizeof(c));
	c.kind = CMD_ADD;
	c.req = *r;
	push(io, &c);
}

void
bfd_io_del(struct bfd_io *io, uint64_t id)
{
	struct cmd c;

	memset(&c, 0, sizeof(c));
	c.kind = CMD_DEL;
	c.req.id = id;
	push(io, &c);
}

size_t
bfd_io_events(struct bfd_io *io, struct bfd_io_event *out, size_t max)
{
	size_t n;

	drain(io->ev_fd);
	pthread_mutex_lock(&io->qmu);
	n = io->nevs < max ? io->nevs : max;
	memcpy(out, io->evs, n * sizeof(*out));
	memmove(io->evs, io->evs + n, (io->nevs - n) * sizeof(*out));
	io->nevs -= n;
	pthread_mutex_unlock(&io->qmu);
	if (io->nevs > 0)
		wake(io->ev_fd);	/* more than max: come back */
	return n;
}

size_t
bfd_io_snapshot(struct bfd_io *io, struct bfd_io_info **out)
{
	struct bfd_io_info *v;
	size_t n;

	pthread_mutex_lock(&io->tmu);
	n = io->tab.n;
	v = xcalloc(n ? n : 1, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		const struct bfd_tab_ent *e = io->tab.v[i];
		const struct bfd_sess *s = &e->s;
		const struct sess_io *si = SI(e);
		struct bfd_io_info *o = &v[i];

		o->id = si->id;
		o->peer = e->peer;
		o->local = e->local;
		o->ifindex = e->ifindex;
		o->sport = si->sport;
		o->state = s->state;
		o->remote_state = s->remote_state;
		o->local_diag = s->local_diag;
		o->remote_diag = s->remote_diag;
		o->remote_admin = s->remote_admin;
		o->local_disc = s->local_disc;
		o->remote_disc = s->remote_disc;
		o->conf = s->conf;
		o->remote_mult = s->remote_mult;
		o->tx_us = bfd_sess_tx_us(s);
		o->rx_us = bfd_sess_rx_us(s);
		o->detect_us = bfd_sess_detect_us(s);
		o->created_us = s->created;
		o->last_change_us = s->last_change;
		o->up_since_us = s->up_since;
		o->last_down_us = s->last_down_at;
		bfd_sess_down_reason(s, o->down_reason,
		    sizeof(o->down_reason));
		o->n_up = s->n_up;
		o->n_down = s->n_down;
		o->rx_pkts = s->rx_pkts;
		o->tx_pkts = s->tx_pkts;
		o->drops = e->drops;
		o->tx_errors = si->tx_errors;
	}
	pthread_mutex_unlock(&io->tmu);
	*out = v;
	return n;
}

void
bfd_io_stats(struct bfd_io *io, struct bfd_io_stats *st)
{
	clockid_t cid;
	struct timespec ts;

	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&io->tmu);
	st->sessions = io->tab.n;
	memcpy(st->drops, io->tab.drops, sizeof(st->drops));
	st->rx_pkts = io->rx_pkts;
	st->tx_pkts = io->tx_pkts;
	st->tx_errors = io->tx_errors;
	st->wakeups = io->wakeups;
	pthread_mutex_unlock(&io->tmu);
	if (pthread_getcpuclockid(io->th, &cid) == 0 &&
	    clock_gettime(cid, &ts) == 0)
		st->cpu_us = (uint64_t)ts.tv_sec * 1000000 +
		    (uint64_t)ts.tv_nsec / 1000;
}
