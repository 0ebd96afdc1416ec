/*
 * secrets: TCP-MD5 passwords from Kubernetes-style secret files.  A
 * BGPPeer's password.secretKeyRef {name, key} (and BGPConfiguration's
 * nodeMeshPassword) is the file <secrets-dir>/<name>/<key>, the shape of
 * a secret volume.  secrets_read() gives the key or a located error: a
 * missing, unreadable, empty or too long (> 80 octets) secret is never
 * turned into "no password".  One trailing newline is not part of the
 * key (files written with echo).
 *
 * The watcher (inotify on the secrets folder and each secret's folder,
 * which catches a volume's atomic ..data swap) calls back, debounced,
 * whenever anything there changed; the daemon then re-reads the
 * secrets and restarts only the sessions whose key changed.
 */
#ifndef BGPD_SECRETS_H
#define BGPD_SECRETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcpsec.h"

#define SECRETS_DEFAULT_DIR	"/etc/bgpd/secrets"

struct daemon;
struct secrets;

struct secrets_key {
	uint8_t	key[TCPSEC_MAX_KEY];
	size_t	len;
};

/* Read secret name/key under dir.  0, or -1 with err saying what and
 * where ("/etc/bgpd/secrets/bgp/tor: No such file or directory"). */
int	 secrets_read(const char *dir, const char *name, const char *key,
	    struct secrets_key *out, char *err, size_t errlen);

/* Watch dir and the folders of the given secret names; changed(d) is
 * called after changes settle.  NULL when inotify is not available
 * (reload still re-reads). */
struct secrets *secrets_watch(struct daemon *d, const char *dir,
	    void (*changed)(struct daemon *));
/* The secret names in use changed: watch their folders. */
void	 secrets_watch_names(struct secrets *s, const char *const *names,
	    size_t n);
void	 secrets_free(struct secrets *s);

#endif
