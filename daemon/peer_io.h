/*
 * peer_io: TCP for BGP sessions.  One struct conn per planned session
 * (outgoing connects from the node address, the session's socket, its
 * timer), and the listeners that accept incoming connections, match them
 * to a session by address, refuse unknown ones with a log line and
 * resolve connection collisions (RFC 4271 6.8).  Sockets are non-blocking;
 * write interest is enabled only while output is queued; reads process a
 * bounded number of messages per callback.
 */
#ifndef BGPD_PEER_IO_H
#define BGPD_PEER_IO_H

#include <stdbool.h>
#include <stdint.h>

#include "config/plan.h"
#include "connix.h"
#include "secrets.h"

struct daemon;
struct speaker_peer;

/* What a new secret does to its session (peerio_secrets_read()). */
enum peerio_key_todo {
	PEERIO_KEY_KEEP,
	PEERIO_KEY_RESTART,	/* the key changed */
	PEERIO_KEY_START,	/* the secret appeared */
	PEERIO_KEY_STOP,	/* the secret went away */
};

struct conn {
	struct daemon *d;
	char	name[96];
	enum plan_stype type;
	struct ip_addr peer;
	uint16_t port;
	struct ip_addr source;		/* af 0: any */
	uint8_t	ttl_security;
	/* TCP-MD5: the secret the plan names, and its key once read; a
	 * session whose secret cannot be read stays down (auth_err). */
	bool	has_password;
	char	*secret_name, *secret_key;
	bool	key_ok;
	struct secrets_key key;
	char	auth_err[300];
	enum peerio_key_todo key_todo;
	bool	admin_down;	/* shut down by the operator */
	/* Why the session is held down by another protocol (BFD down,
	 * RFC 5882: bfd_io.c sets and clears it); NULL: it is not. */
	const char *held;
	struct speaker_peer *peer_sp;
	struct connix_ent ix;	/* in the daemon's conn_ix */
	/* The session's BGPFilters, in the BGPPeer's order (pointers into
	 * the running plan, refreshed by policy_apply()). */
	const struct plan_filter **filters;
	size_t	nfilters;
	int	fd;
	bool	connecting;
	struct event *rev, *wev, *timer, *more;
	/* A second connection from the peer during OpenSent/OpenConfirm,
	 * held until its OPEN says who wins (cbuf: BGP_MAX_MSG octets,
	 * only while it is held). */
	int	cfd;
	struct event *crev;
	uint8_t	*cbuf;
	size_t	clen;
	struct conn *next;
};

/* Create the connection and its speaker peer, and start the session
 * (unless held: why it must stay down, see struct conn). */
struct conn *peerio_conn_new(struct daemon *d, const struct plan *pl,
	    const struct plan_session *s, const char *held);
/* Stop the session (Cease/subcode) and free the connection. */
void	 peerio_conn_free(struct conn *c, uint8_t subcode, const char *text);
/* Operator commands: stop the session (Cease subcode, optional RFC 9003
 * text) and keep it down until peerio_conn_start(); start it again. */
void	 peerio_conn_stop(struct conn *c, uint8_t subcode, const char *text);
/* False (and nothing started) while the session's TCP-MD5 secret
 * cannot be read: c->auth_err says why. */
bool	 peerio_conn_start(struct conn *c);
/* Rename/retype in place (a plan UPDATE). */
void	 peerio_conn_update(struct conn *c, const struct plan_session *s);
/* Why peerio_conn_start() refused ("" when it did not). */
const char *peerio_why_down(const struct conn *c);
struct conn *peerio_conn_find(struct daemon *d, const struct ip_addr *peer,
	    uint16_t port);

/* A listener accepted fd from c's peer. */
void	 peerio_incoming(struct conn *c, int fd);
/* Read every session's secret again (reload, or the files changed) and
 * note what each must do; then, once the listeners have the new keys
 * too (so that a new connection already finds them), act: sessions
 * whose key changed restart, those whose secret went away stop and stay
 * down, those whose secret appeared start. */
void	 peerio_secrets_read(struct daemon *d);
void	 peerio_secrets_act(struct daemon *d);
/* Watch the folders of the secrets the sessions use. */
void	 peerio_watch_secrets(struct daemon *d);
/* Shutdown: Cease to peers that would drop our routes on a plain close,
 * a plain close to those that will keep them (graceful restart). */
void	 peerio_shutdown(struct daemon *d);

/* The sessions' transport (each session's context its struct conn) and
 * the speaker's wakeup; daemon.c fills in the rest. */
extern const struct speaker_io peerio_speaker_io;

#endif
