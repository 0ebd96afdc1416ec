/* listen: see listen.h. */
#include "listen.h"

#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "peer_io.h"
#include "tcpsec.h"

#define MAX_SOCKS	16	/* distinct GTSM hop counts per family + 1 */

struct group;

struct lsock {
	struct group *g;
	int	fd;
	uint8_t	hops;		/* GTSM hops of this socket; 0: none */
	struct event *ev;
};

struct group {
	struct listener *set;
	int	af;
	bool	wanted;		/* this family is listened on */
	bool	open;
	struct ip_addr bind;	/* af 0: the wildcard */
	struct lsock socks[MAX_SOCKS];
	size_t	n;
};

/* A key installed on every listening socket of the peer's family. */
struct installed {
	struct ip_addr peer;
	struct secrets_key key;
};

struct listener {
	struct daemon *d;
	uint16_t port;
	struct group g[2];	/* IPv4, IPv6 */
	struct installed *keys;
	size_t	nkeys;
};

static void
on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct lsock *ls = arg;
	struct daemon *d = ls->g->set->d;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct ip_addr peer;
	char a[ADDR_STRLEN];
	struct conn *c;
	int fd;

	fd = accept4(lfd, (struct sockaddr *)&ss, &len,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("accept");
		return;
	}
	addr_from_sockaddr(&ss, &peer);
	c = peerio_conn_find(d, &peer, 0);
	if (c == NULL) {
		log_notice("refused a connection from %s: not a configured "
		    "peer", addr_fmt(&peer, a, sizeof(a)));
		close(fd);
		return;
	}
	/* Only the socket with the session's minimum TTL may hand it a
	 * connection (the steering program makes that so). */
	if (c->ttl_security != ls->hops) {
		log_warnx("%s: refused a connection that arrived without its "
		    "GTSM check (ttlSecurity %u)", c->name, c->ttl_security);
		close(fd);
		return;
	}
	peerio_incoming(c, fd);
}

static void
sock_close(struct lsock *ls)
{
	if (ls->ev != NULL)
		event_free(ls->ev);
	if (ls->fd >= 0)
		close(ls->fd);
	ls->ev = NULL;
	ls->fd = -1;
}

static void
group_close(struct group *g)
{
	for (size_t i = 0; i < g->n; i++)
		sock_close(&g->socks[i]);
	g->n = 0;
	g->open = false;
}

static const char *
bind_text(const struct group *g, char *buf, size_t size)
{
	char a[ADDR_STRLEN];
	struct ip_addr any;

	memset(&any, 0, sizeof(any));
	any.af = (uint8_t)g->af;
	addr_fmt(g->bind.af ? &g->bind : &any, a, sizeof(a));
	snprintf(buf, size, g->af == AF_INET6 ? "[%s]" : "%s", a);
	return buf;
}

/* One socket of the group, bound and listening; -1 with err. */
static int
sock_open(struct group *g, uint8_t hops, bool reuseport, char *err,
    size_t errlen)
{
	struct lsock *ls = &g->socks[g->n];
	struct sockaddr_storage ss;
	struct ip_addr any;
	socklen_t len;
	int fd, one = 1;
	char b[ADDR_STRLEN + 2];

	memset(&any, 0, sizeof(any));
	any.af = (uint8_t)g->af;
	fd = socket(g->af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one,
	    sizeof(one)) != 0)
		goto fail;
	if (g->af == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (tcpsec_gtsm(fd, g->af, hops) != 0)
		goto fail;
	len = addr_to_sockaddr(g->bind.af ? &g->bind : &any,
	    g->set->port, &ss);
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 ||
	    listen(fd, 128) != 0)
		goto fail;
	ls->g = g;
	ls->fd = fd;
	ls->hops = hops;
	ls->ev = event_new(g->set->d->base, fd, EV_READ | EV_PERSIST,
	    on_accept, ls);
	event_add(ls->ev, NULL);
	g->n++;
	return 0;
fail:
	snprintf(err, errlen, "cannot listen on %s port %u%s: %s",
	    bind_text(g, b, sizeof(b)), g->set->port, hops ?
	    " (GTSM)" : "", strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* The distinct GTSM hop counts of the family's sessions, ascending. */
static size_t
wanted_hops(const struct daemon *d, int af, uint8_t *hops)
{
	size_t n = 0;

	for (const struct conn *c = d->conns; c != NULL; c = c->next) {
		size_t i;

		if (c->peer.af != af || c->ttl_security == 0)
			continue;
		for (i = 0; i < n && hops[i] != c->ttl_security; i++)
			;
		if (i < n)
			continue;
		if (n + 1 >= MAX_SOCKS) {
			log_warnx("%s: more than %d different ttlSecurity "
			    "values: its connections are not accepted",
			    c->name, MAX_SOCKS - 1);
			continue;
		}
		for (i = n++; i > 0 && hops[i - 1] > c->ttl_security; i--)
			hops[i] = hops[i - 1];
		hops[i] = c->ttl_security;
	}
	return n;
}

static bool
same_hops(const struct group *g, const uint8_t *hops, size_t n)
{
	if (!g->open || g->n != n + 1)
		return false;
	for (size_t i = 0; i < n; i++)
		if (g->socks[i + 1].hops != hops[i])
			return false;
	return true;
}

static void
install_all_keys(struct listener *l, struct lsock *ls, int af)
{
	for (size_t i = 0; i < l->nkeys; i++)
		if (l->keys[i].peer.af == af &&
		    tcpsec_md5(ls->fd, &l->keys[i].peer, l->keys[i].key.key,
		    l->keys[i].key.len) != 0)
			log_warn("TCP-MD5 key on a listening socket");
}

/* (Re)open the group: socket 0 plain, then one per hop count, joined
 * in that order (the order is the group's index). */
static int
group_build(struct group *g, const uint8_t *hops, size_t n, char *err,
    size_t errlen)
{
	char b[ADDR_STRLEN + 2];

	group_close(g);
	if (sock_open(g, 0, n > 0, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (sock_open(g, hops[i], true, err, errlen) != 0) {
			group_close(g);
			return -1;
		}
	g->open = true;
	for (size_t i = 0; i < g->n; i++)
		install_all_keys(g->set, &g->socks[i], g->af);
	if (n == 0)
		log_info("listening on %s port %u", bind_text(g, b, sizeof(b)),
		    g->set->port);
	else
		log_info("listening on %s port %u, with %zu GTSM socket%s",
		    bind_text(g, b, sizeof(b)), g->set->port, n,
		    n == 1 ? "" : "s");
	return 0;
}

/* Point each GTSM peer's SYNs at its socket. */
static void
group_steer(struct group *g, const struct daemon *d)
{
	struct tcpsec_route *r;
	size_t n = 0;

	if (g->n < 2)
		return;
	r = xcalloc(256, sizeof(*r));
	for (const struct conn *c = d->conns; c != NULL && n < 256;
	    c = c->next) {
		if (c->peer.af != g->af || c->ttl_security == 0)
			continue;
		for (size_t i = 1; i < g->n; i++)
			if (g->socks[i].hops == c->ttl_security) {
				r[n].peer = c->peer;
				r[n++].index = (unsigned)i;
			}
	}
	if (tcpsec_steer(g->socks[0].fd, g->af, r, n) != 0)
		log_warn("GTSM: cannot steer incoming connections (sessions "
		    "with ttlSecurity accept none; outgoing ones still work)");
	free(r);
}

/* The keys the sessions want, one per peer address. */
static struct installed *
wanted_keys(const struct daemon *d, size_t *n)
{
	struct installed *v;
	size_t k = 0, cnt = 0;

	for (const struct conn *c = d->conns; c != NULL; c = c->next)
		cnt++;
	v = xcalloc(cnt ? cnt : 1, sizeof(*v));
	for (const struct conn *c = d->conns; c != NULL; c = c->next) {
		size_t i;

		if (!c->key_ok)
			continue;
		for (i = 0; i < k && !addr_eq(&v[i].peer, &c->peer); i++)
			;
		if (i < k) {
			if (v[i].key.len != c->key.len || memcmp(v[i].key.key,
			    c->key.key, c->key.len) != 0)
				log_warnx("%s: another session to this address "
				    "has a different password; TCP-MD5 allows "
				    "one per address", c->name);
			continue;
		}
		v[k].peer = c->peer;
		v[k++].key = c->key;
	}
	*n = k;
	return v;
}

static void
set_key_everywhere(struct listener *l, const struct ip_addr *peer,
    const uint8_t *key, size_t len)
{
	struct group *g = &l->g[peer->af == AF_INET6];

	for (size_t i = 0; i < g->n; i++)
		if (tcpsec_md5(g->socks[i].fd, peer, key, len) != 0)
			log_warn("TCP-MD5 key on a listening socket");
}

static void
sync_keys(struct listener *l)
{
	size_t n;
	struct installed *want = wanted_keys(l->d, &n);

	for (size_t i = 0; i < l->nkeys; i++) {
		size_t j;

		for (j = 0; j < n && !addr_eq(&want[j].peer,
		    &l->keys[i].peer); j++)
			;
		if (j == n)
			set_key_everywhere(l, &l->keys[i].peer, NULL, 0);
	}
	for (size_t j = 0; j < n; j++) {
		size_t i;

		for (i = 0; i < l->nkeys && !addr_eq(&want[j].peer,
		    &l->keys[i].peer); i++)
			;
		if (i < l->nkeys && l->keys[i].key.len == want[j].key.len &&
		    memcmp(l->keys[i].key.key, want[j].key.key,
		    want[j].key.len) == 0)
			continue;
		set_key_everywhere(l, &want[j].peer, want[j].key.key,
		    want[j].key.len);
	}
	for (size_t i = 0; i < l->nkeys; i++)
		explicit_bzero(&l->keys[i], sizeof(l->keys[i]));
	free(l->keys);
	l->keys = want;
	l->nkeys = n;
}

void
listen_sync(struct daemon *d)
{
	struct listener *l = d->listeners;
	char err[256];

	if (l == NULL)
		return;
	for (int i = 0; i < 2; i++) {
		struct group *g = &l->g[i];
		uint8_t hops[MAX_SOCKS];
		size_t n;

		if (!g->wanted)
			continue;
		n = wanted_hops(d, g->af, hops);
		if (!same_hops(g, hops, n) &&
		    group_build(g, hops, n, err, sizeof(err)) != 0)
			log_err("%s", err);
		if (g->open)
			group_steer(g, d);
	}
	sync_keys(l);
}

int
listen_open(struct daemon *d, const struct plan *pl, char *err,
    size_t errlen)
{
	struct listener *l = xcalloc(1, sizeof(*l));
	char e[2][256] = { "", "" };
	int ok = 0;

	l->d = d;
	l->port = pl->listen_port;
	for (int i = 0; i < 2; i++) {
		struct group *g = &l->g[i];
		const struct ip_prefix *node = i ? &pl->addr_v6 : &pl->addr_v4;
		uint8_t hops[MAX_SOCKS];

		g->set = l;
		g->af = i ? AF_INET6 : AF_INET;
		if (pl->bind_node_ip) {
			if (node->addr.af == 0)
				continue;
			g->bind = node->addr;
		}
		g->wanted = true;
		d->listeners = l;
		if (group_build(g, hops, wanted_hops(d, g->af, hops), e[i],
		    sizeof(e[i])) == 0) {
			ok++;
			group_steer(g, d);
		}
	}
	if (e[0][0] && e[1][0])
		snprintf(err, errlen, "%s; %s", e[0], e[1]);
	else
		snprintf(err, errlen, "%s", e[0][0] ? e[0] : e[1]);
	d->listeners = l;
	if (ok == 0) {
		listen_close(d);
		return -1;
	}
	if (err[0])
		log_warnx("%s", err);
	sync_keys(l);
	return 0;
}

void
listen_close(struct daemon *d)
{
	struct listener *l = d->listeners;

	if (l == NULL)
		return;
	for (int i = 0; i < 2; i++)
		group_close(&l->g[i]);
	for (size_t i = 0; i < l->nkeys; i++)
		explicit_bzero(&l->keys[i], sizeof(l->keys[i]));
	free(l->keys);
	free(l);
	d->listeners = NULL;
}
