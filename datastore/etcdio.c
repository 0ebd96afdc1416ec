/* etcdio: see etcdio.h. */
#include "etcdio.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "gw.h"
#include "lib/log.h"
#include "lib/monotime.h"
#include "lib/xalloc.h"
#include "tlslib.h"

/* OpenSSL and libevent_openssl, loaded by etcdio_new (tlslib.h). */
static const struct tlslib *T;

struct endpoint {
	char	*url;
	char	*host;
	int	port;
	bool	tls;
	bool	ip;		/* host is an address literal */
};

struct xfer {
	struct etcdio *io;
	enum etcdsm_req what;
	int	stream;			/* a watch's stream */
	size_t	epi;			/* endpoint it went to */
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	struct bufferevent *bev;	/* TLS only; evcon frees it */
	struct evbuffer *carry;		/* watch lines / error body */
	int	status;
	bool	dead;			/* cancelled: ignore everything */
	bool	freeing;
	char	reason[200];
};

struct etcdio {
	struct event_base *base;
	struct evdns_base *dns;
	struct etcdsm *sm;
	struct endpoint *eps;
	size_t	neps;
	SSL_CTX	*ssl;
	struct event *timer;
	struct xfer *unary, *watch[ETCDSM_NSTREAMS];
	void	(*changed)(void *);
	void	*changed_arg;
};

static void xfer_release(struct xfer *);

/* The xfer is no longer the unary request or its stream's watch. */
static void
detach(struct xfer *x)
{
	struct etcdio *io = x->io;

	if (io->unary == x)
		io->unary = NULL;
	if (x->what == ETCDSM_REQ_WATCH && io->watch[x->stream] == x)
		io->watch[x->stream] = NULL;
}

const char *
etcdio_endpoint(const struct etcdio *io, size_t i)
{
	return i < io->neps ? io->eps[i].url : "";
}

void
etcdio_rearm(struct etcdio *io)
{
	uint64_t t = etcdsm_next_deadline(io->sm), now = monotime_ms();
	struct timeval tv;

	if (t == UINT64_MAX) {
		event_del(io->timer);
		return;
	}
	t = t > now ? t - now : 0;
	tv.tv_sec = (time_t)(t / 1000);
	tv.tv_usec = (suseconds_t)(t % 1000) * 1000;
	event_add(io->timer, &tv);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct etcdio *io = arg;

	etcdsm_tick(io->sm, monotime_ms());
	etcdio_rearm(io);
}

/* ---- freeing connections outside their callbacks ---- */

static void
xfer_free_cb(evutil_socket_t fd, short what, void *arg)
{
	struct xfer *x = arg;

	if (x->evcon != NULL)
		evhttp_connection_free(x->evcon);	/* no callbacks */
	if (x->carry != NULL)
		evbuffer_free(x->carry);
	free(x);
}

static void
xfer_release(struct xfer *x)
{
	struct etcdio *io = x->io;

	x->dead = true;
	detach(x);
	if (x->freeing)
		return;
	x->freeing = true;
	if (event_base_once(io->base, -1, EV_TIMEOUT, xfer_free_cb, x,
	    NULL) != 0)
		fatalx("etcd: cannot schedule a connection's release");
}

static void
cancel_all(void *arg)
{
	struct etcdio *io = arg;

	if (io->unary != NULL)
		xfer_release(io->unary);
	for (int i = 0; i < ETCDSM_NSTREAMS; i++) {
		if (io->watch[i] != NULL)
			xfer_release(io->watch[i]);
	}
}

/* ---- callbacks ---- */

static const char *
req_error_name(enum evhttp_request_error e)
{
	switch (e) {
	case EVREQ_HTTP_TIMEOUT: return "timed out";
	case EVREQ_HTTP_EOF: return "connection closed";
	case EVREQ_HTTP_INVALID_HEADER: return "invalid HTTP header";
	case EVREQ_HTTP_BUFFER_ERROR: return "connection failed";
	case EVREQ_HTTP_REQUEST_CANCEL: return "cancelled";
	case EVREQ_HTTP_DATA_TOO_LONG: return "response too long";
	}
	return "failed";
}

static void
on_error(enum evhttp_request_error e, void *arg)
{
	struct xfer *x = arg;
	int err = EVUTIL_SOCKET_ERROR();
	unsigned long ssl = x->bev ? T->bufferevent_get_openssl_error(x->bev) :
	    0;
	char sslmsg[120] = "";

	if (ERR_GET_LIB(ssl) == 0)
		ssl = 0;
	if (ssl != 0)
		T->ERR_error_string_n(ssl, sslmsg, sizeof(sslmsg));
	snprintf(x->reason, sizeof(x->reason), "%s: %s%s%s",
	    x->io->eps[x->epi].url,
	    req_error_name(e), ssl ? ": TLS: " : err ? ": " : "",
	    ssl ? sslmsg : err ? strerror(err) : "");
}

/* No HTTP answer and no error callback: libevent could not connect
 * (its callback then runs with errno still the connect's). */
static void
no_answer(struct xfer *x, int err)
{
	unsigned long ssl = x->bev ? T->bufferevent_get_openssl_error(x->bev) :
	    0;
	char sslmsg[120];

	if (x->reason[0])
		return;
	/* libevent queues SSL_get_error()'s value for a socket error (no
	 * OpenSSL library in it): that is errno's business. */
	if (ERR_GET_LIB(ssl) == 0)
		ssl = 0;
	if (ssl != 0) {
		T->ERR_error_string_n(ssl, sslmsg, sizeof(sslmsg));
		snprintf(x->reason, sizeof(x->reason), "%s: TLS: %s",
		    x->io->eps[x->epi].url, sslmsg);
	} else if (err == ECONNREFUSED || err == EHOSTUNREACH ||
	    err == ENETUNREACH || err == ETIMEDOUT || err == ECONNRESET ||
	    err == EHOSTDOWN || err == ENETDOWN) {
		snprintf(x->reason, sizeof(x->reason), "%s: %s",
		    x->io->eps[x->epi].url, strerror(err));
	} else {
		snprintf(x->reason, sizeof(x->reason), "%s: cannot connect",
		    x->io->eps[x->epi].url);
	}
}

static void
deliver_unary(struct xfer *x, struct evhttp_request *req, int err)
{
	struct etcdio *io = x->io;
	struct evbuffer *in;
	int status = req ? evhttp_request_get_response_code(req) : 0;

	if (status == 0) {
		no_answer(x, err);
		etcdsm_response(io->sm, monotime_ms(), 0, x->reason,
		    strlen(x->reason));
		return;
	}
	in = evhttp_request_get_input_buffer(req);
	etcdsm_response(io->sm, monotime_ms(), status,
	    (const char *)evbuffer_pullup(in, -1), evbuffer_get_length(in));
}

static void
on_done(struct evhttp_request *req, void *arg)
{
	struct xfer *x = arg;
	struct etcdio *io = x->io;
	int err = errno;
	char why[240];

	x->req = NULL;		/* libevent frees it after we return */
	if (x->dead) {
		xfer_release(x);
		return;
	}
	detach(x);
	if (x->what != ETCDSM_REQ_WATCH) {
		deliver_unary(x, req, err);
	} else {
		if (x->status != 0 && x->status != 200) {
			etcdsm_watch_status(io->sm, monotime_ms(), x->stream,
			    x->status,
			    (const char *)evbuffer_pullup(x->carry, -1),
			    evbuffer_get_length(x->carry));
		} else {
			if (x->status == 0)
				no_answer(x, err);
			if (x->reason[0])
				snprintf(why, sizeof(why), "%s", x->reason);
			else
				snprintf(why, sizeof(why), "%s: the server "
				    "closed it", io->eps[x->epi].url);
			etcdsm_watch_end(io->sm, monotime_ms(), x->stream,
			    why);
		}
	}
	xfer_release(x);
	etcdio_rearm(io);
}

static void
keepalive(struct xfer *x)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(x->evcon);
	evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
	int on = 1, idle = 30, intvl = 10, cnt = 3;

	if (fd < 0)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)) != 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle,
	    sizeof(idle)) != 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl,
	    sizeof(intvl)) != 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt)) != 0)
		log_warn("etcd: TCP keepalive on the watch");
}

static int
on_header(struct evhttp_request *req, void *arg)
{
	struct xfer *x = arg;

	if (x->dead)
		return 0;
	x->status = evhttp_request_get_response_code(req);
	keepalive(x);
	return 0;
}

static void
on_chunk(struct evhttp_request *req, void *arg)
{
	struct xfer *x = arg;
	struct etcdio *io = x->io;
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	char *line;
	size_t len;

	if (x->dead)
		return;
	evbuffer_add_buffer(x->carry, in);
	if (x->status != 200) {
		/* An error body: kept whole for on_done (bounded). */
		if (evbuffer_get_length(x->carry) > 65536)
			evbuffer_drain(x->carry, evbuffer_get_length(x->carry) -
			    65536);
		return;
	}
	/* One JSON message a line; a message may span chunks. */
	while (!x->dead && (line = evbuffer_readln(x->carry, &len,
	    EVBUFFER_EOL_LF)) != NULL) {
		if (len > 0)
			etcdsm_watch_line(io->sm, monotime_ms(), x->stream,
			    line, len);
		free(line);
	}
	if (!x->dead && evbuffer_get_length(x->carry) > GW_MAX_BODY)
		etcdsm_watch_end(io->sm, monotime_ms(), x->stream,
		    "a watch message longer than the limit");
	etcdio_rearm(io);
}

/* ---- requests ---- */

/* A request that could not even start fails from the loop, not inside
 * the etcdsm call that asked for it. */
static void
fail_later_cb(evutil_socket_t fd, short what, void *arg)
{
	struct xfer *x = arg;
	struct etcdio *io = x->io;
	const char *why = x->reason[0] ? x->reason : "request failed";

	if (!x->dead) {
		detach(x);
		if (x->what == ETCDSM_REQ_WATCH)
			etcdsm_watch_end(io->sm, monotime_ms(), x->stream,
			    why);
		else
			etcdsm_response(io->sm, monotime_ms(), 0, why,
			    strlen(why));
		etcdio_rearm(io);
	}
	xfer_free_cb(-1, 0, x);
}

/* The xfer becomes the unary request or its stream's watch, replacing
 * (abandoning) what was there. */
static void
attach(struct xfer *x)
{
	struct etcdio *io = x->io;
	struct xfer **slot = x->what == ETCDSM_REQ_WATCH ?
	    &io->watch[x->stream] : &io->unary;

	if (*slot != NULL && *slot != x)
		xfer_release(*slot);
	*slot = x;
}

static void
fail_later(struct xfer *x)
{
	struct etcdio *io = x->io;

	attach(x);
	x->freeing = true;	/* fail_later_cb frees it */
	if (event_base_once(io->base, -1, EV_TIMEOUT, fail_later_cb, x,
	    NULL) != 0)
		fatalx("etcd: cannot schedule a failure report");
}

static struct bufferevent *
tls_bufferevent(struct etcdio *io, const struct endpoint *ep, char *err,
    size_t errlen)
{
	SSL *ssl = T->SSL_new(io->ssl);
	struct bufferevent *bev;

	if (ssl == NULL) {
		snprintf(err, errlen, "SSL_new failed");
		return NULL;
	}
	if (ep->ip) {
		X509_VERIFY_PARAM *vp = T->SSL_get0_param(ssl);

		T->X509_VERIFY_PARAM_set1_ip_asc(vp, ep->host);
	} else {
		T->SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME,
		    TLSEXT_NAMETYPE_host_name, (void *)ep->host);
		T->SSL_set1_host(ssl, ep->host);
	}
	bev = T->bufferevent_openssl_socket_new(io->base, -1, ssl,
	    BUFFEREVENT_SSL_CONNECTING,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (bev == NULL) {
		T->SSL_free(ssl);
		snprintf(err, errlen, "cannot make a TLS bufferevent");
		return NULL;
	}
	T->bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

static void
do_request(void *arg, enum etcdsm_req what, int stream, size_t epi,
    const char *path, const char *body)
{
	struct etcdio *io = arg;
	const struct endpoint *ep = &io->eps[epi < io->neps ? epi : 0];
	struct xfer *x = xcalloc(1, sizeof(*x));
	struct evkeyvalq *h;
	const char *tok = etcdsm_token(io->sm);
	struct timeval tv = { 3600, 0 };
	char hostport[300], err[120];

	x->io = io;
	x->what = what;
	x->stream = what == ETCDSM_REQ_WATCH && stream >= 0 &&
	    stream < ETCDSM_NSTREAMS ? stream : 0;
	x->epi = (size_t)(ep - io->eps);
	x->carry = evbuffer_new();
	if (ep->tls && (x->bev = tls_bufferevent(io, ep, err,
	    sizeof(err))) == NULL) {
		snprintf(x->reason, sizeof(x->reason), "%s", err);
		goto failed;
	}
	x->evcon = evhttp_connection_base_bufferevent_new(io->base, io->dns,
	    x->bev, ep->host, (unsigned short)ep->port);
	if (x->evcon == NULL) {
		if (x->bev != NULL)
			bufferevent_free(x->bev);
		snprintf(x->reason, sizeof(x->reason), "cannot connect");
		goto failed;
	}
	evhttp_connection_set_retries(x->evcon, 0);
	/* etcdsm keeps the deadlines; this only backs them up. */
	if (what != ETCDSM_REQ_WATCH) {
		tv.tv_sec = (time_t)(io->sm->conf.request_timeout_ms / 1000) +
		    5;
		evhttp_connection_set_max_body_size(x->evcon, GW_MAX_BODY);
	}
	evhttp_connection_set_timeout_tv(x->evcon, &tv);
	x->req = evhttp_request_new(on_done, x);
	evhttp_request_set_error_cb(x->req, on_error);
	if (what == ETCDSM_REQ_WATCH) {
		evhttp_request_set_header_cb(x->req, on_header);
		evhttp_request_set_chunked_cb(x->req, on_chunk);
	}
	h = evhttp_request_get_output_headers(x->req);
	snprintf(hostport, sizeof(hostport), ep->ip &&
	    strchr(ep->host, ':') ? "[%s]:%d" : "%s:%d", ep->host, ep->port);
	evhttp_add_header(h, "Host", hostport);
	evhttp_add_header(h, "Content-Type", "application/json");
	if (tok != NULL)
		evhttp_add_header(h, "Authorization", tok);
	evbuffer_add(evhttp_request_get_output_buffer(x->req), body,
	    strlen(body));
	attach(x);
	x->status = 0;
	if (evhttp_make_request(x->evcon, x->req, EVHTTP_REQ_POST,
	    path) != 0) {
		/* libevent freed the request. */
		x->req = NULL;
		snprintf(x->reason, sizeof(x->reason), "%s: cannot send the "
		    "request", ep->url);
		goto failed;
	}
	return;
failed:
	fail_later(x);
}

static void
on_changed(void *arg)
{
	struct etcdio *io = arg;

	if (io->changed != NULL)
		io->changed(io->changed_arg);
}

const struct etcdsm_ops etcdio_ops = {
	.request = do_request,
	.cancel = cancel_all,
	.changed = on_changed,
};

/* ---- setup ---- */

static int
parse_endpoint(const char *url, struct endpoint *ep, char *err,
    size_t errlen)
{
	struct evhttp_uri *u = evhttp_uri_parse(url);
	const char *scheme, *host, *path;
	struct in6_addr a6;
	struct in_addr a4;

	memset(ep, 0, sizeof(*ep));
	if (u == NULL) {
		snprintf(err, errlen, "'%s' is not a URL", url);
		return -1;
	}
	scheme = evhttp_uri_get_scheme(u);
	host = evhttp_uri_get_host(u);
	path = evhttp_uri_get_path(u);
	if (scheme == NULL || (strcmp(scheme, "http") != 0 &&
	    strcmp(scheme, "https") != 0) || host == NULL || host[0] == '\0' ||
	    (path != NULL && path[0] != '\0' && strcmp(path, "/") != 0)) {
		snprintf(err, errlen, "'%s': expected http://HOST:PORT or "
		    "https://HOST:PORT", url);
		evhttp_uri_free(u);
		return -1;
	}
	ep->url = xstrdup(url);
	ep->tls = strcmp(scheme, "https") == 0;
	ep->port = evhttp_uri_get_port(u);
	if (ep->port <= 0)
		ep->port = 2379;
	/* evhttp keeps an IPv6 literal's brackets out of the host. */
	ep->host = xstrdup(host);
	ep->ip = inet_pton(AF_INET, host, &a4) == 1 ||
	    inet_pton(AF_INET6, host, &a6) == 1;
	evhttp_uri_free(u);
	return 0;
}

static int
tls_setup(struct etcdio *io, const struct etcdio_conf *c, char *err,
    size_t errlen)
{
	char e[160];

	io->ssl = T->SSL_CTX_new(T->TLS_client_method());
	if (io->ssl == NULL) {
		snprintf(err, errlen, "cannot create a TLS context");
		return -1;
	}
	T->SSL_CTX_ctrl(io->ssl, SSL_CTRL_SET_MIN_PROTO_VERSION,
	    TLS1_2_VERSION, NULL);
	T->SSL_CTX_set_verify(io->ssl, SSL_VERIFY_PEER, NULL);
	if (c->ca_file != NULL ?
	    T->SSL_CTX_load_verify_locations(io->ssl, c->ca_file, NULL) != 1 :
	    T->SSL_CTX_set_default_verify_paths(io->ssl) != 1) {
		T->ERR_error_string_n(T->ERR_get_error(), e, sizeof(e));
		snprintf(err, errlen, "etcd CA %s: %s", c->ca_file ?
		    c->ca_file : "(system default)", e);
		return -1;
	}
	if ((c->cert_file == NULL) != (c->key_file == NULL)) {
		snprintf(err, errlen, "an etcd client certificate needs both "
		    "the certificate and the key file");
		return -1;
	}
	if (c->cert_file != NULL &&
	    (T->SSL_CTX_use_certificate_chain_file(io->ssl,
	    c->cert_file) != 1 ||
	    T->SSL_CTX_use_PrivateKey_file(io->ssl, c->key_file,
	    SSL_FILETYPE_PEM) != 1 ||
	    T->SSL_CTX_check_private_key(io->ssl) != 1)) {
		T->ERR_error_string_n(T->ERR_get_error(), e, sizeof(e));
		snprintf(err, errlen, "etcd client certificate %s / key %s: "
		    "%s", c->cert_file, c->key_file, e);
		return -1;
	}
	return 0;
}

struct etcdio *
etcdio_new(struct event_base *base, const struct etcdio_conf *c,
    struct etcdsm *sm, void (*changed)(void *), void *arg, char *err,
    size_t errlen)
{
	struct etcdio *io = xcalloc(1, sizeof(*io));
	bool tls = false;

	io->base = base;
	io->sm = sm;
	io->changed = changed;
	io->changed_arg = arg;
	io->eps = xcalloc(c->nendpoints + 1, sizeof(*io->eps));
	/* The gateway's base64 needs libcrypto even without TLS. */
	if ((T = tlslib_get(err, errlen)) == NULL)
		goto bad;
	if (c->nendpoints == 0) {
		snprintf(err, errlen, "no etcd endpoints");
		goto bad;
	}
	for (size_t i = 0; i < c->nendpoints; i++) {
		if (parse_endpoint(c->endpoints[i], &io->eps[i], err,
		    errlen) != 0)
			goto bad;
		io->neps++;
		tls = tls || io->eps[i].tls;
	}
	if (!tls && (c->ca_file || c->cert_file || c->key_file))
		log_warnx("etcd: TLS files given but every endpoint is "
		    "http://; they are not used");
	if (tls && tls_setup(io, c, err, errlen) != 0)
		goto bad;
	io->dns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
	    EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	io->timer = evtimer_new(base, on_timer, io);
	return io;
bad:
	etcdio_free(io);
	return NULL;
}

void
etcdio_free(struct etcdio *io)
{
	if (io == NULL)
		return;
	if (io->unary != NULL) {
		io->unary->dead = true;
		if (io->unary->evcon != NULL)
			evhttp_connection_free(io->unary->evcon);
		io->unary->evcon = NULL;
	}
	for (int i = 0; i < ETCDSM_NSTREAMS; i++) {
		struct xfer *w = io->watch[i];

		if (w == NULL)
			continue;
		w->dead = true;
		if (w->evcon != NULL)
			evhttp_connection_free(w->evcon);
		w->evcon = NULL;
	}
	/* Scheduled releases still run from the loop (evcon now NULL). */
	if (io->unary != NULL && !io->unary->freeing)
		xfer_free_cb(-1, 0, io->unary);
	for (int i = 0; i < ETCDSM_NSTREAMS; i++) {
		if (io->watch[i] != NULL && !io->watch[i]->freeing)
			xfer_free_cb(-1, 0, io->watch[i]);
	}
	if (io->timer != NULL)
		event_free(io->timer);
	if (io->dns != NULL)
		evdns_base_free(io->dns, 0);
	if (io->ssl != NULL)
		T->SSL_CTX_free(io->ssl);
	for (size_t i = 0; i < io->neps; i++) {
		free(io->eps[i].url);
		free(io->eps[i].host);
	}
	free(io->eps);
	free(io);
}
