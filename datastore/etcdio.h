/*
 * etcdio: etcdsm's transport on libevent: HTTP/1.1 to the etcd gateway
 * through libevent's evhttp client, TLS through bufferevent_openssl
 * (client certificate, CA, hostname or IP verification), and the timer
 * that runs etcdsm's deadlines.  One connection per unary request (a TLS
 * bufferevent cannot be reconnected), one long-lived connection for each
 * watch stream (one per kind, etcdsm.h) with TCP keepalive 30 s/10 s
 * (Calico's), its chunked body split into lines for etcdsm.  Cancelled
 * or finished connections are freed from a zero timeout, never inside
 * their own callbacks.
 */
#ifndef BGPD_ETCDIO_H
#define BGPD_ETCDIO_H

#include <stddef.h>

#include "etcdsm.h"

struct event_base;
struct etcdio;

struct etcdio_conf {
	char	**endpoints;	/* http:// or https:// URLs */
	size_t	nendpoints;
	const char *ca_file, *cert_file, *key_file;	/* NULL: none */
};

/* etcdsm's ops; their arg is the etcdio. */
extern const struct etcdsm_ops etcdio_ops;

/* Parse the endpoints and set TLS up (files are read here); NULL with
 * err on failure.  sm's changed() calls changed(arg). */
struct etcdio *etcdio_new(struct event_base *base,
	    const struct etcdio_conf *conf, struct etcdsm *sm,
	    void (*changed)(void *), void *arg, char *err, size_t errlen);
void	 etcdio_free(struct etcdio *io);
/* Run etcdsm's timers again after calling into it from outside. */
void	 etcdio_rearm(struct etcdio *io);
const char *etcdio_endpoint(const struct etcdio *io, size_t i);

#endif
