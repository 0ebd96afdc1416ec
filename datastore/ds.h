/*
 * ds: bgpd's datastore, whichever it is: the files under --config,
 * followed with inotify, or Calico's etcd v3 (snapshot, then one watch
 * stream per kind).  The daemon opens one, is called back when
 * resources changed and asks for the model with ds_load().
 * ds_load_once() is --check's: one snapshot, no watch.  The Kubernetes
 * API datastore is designed in datastore/KDD.md to slot in here as a
 * third kind.
 */
#ifndef BGPD_DS_H
#define BGPD_DS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
#include "dsenv.h"

struct event_base;
struct ds;

struct ds_status {
	const char *type;	/* "file" or "etcdv3" */
	const char *source;	/* the config path, or the endpoint in use */
	const char *state;	/* etcd: idle, down, listing, ...; file: ok */
	bool	in_sync;
	int64_t	revision;	/* etcd only */
	size_t	keys;
	uint64_t state_since;	/* monotonic ms */
	const char *last_error;	/* "" when none */
	uint64_t last_error_at;
	unsigned changes;	/* callbacks so far */
	unsigned watch_restarts, relists, compactions, failures, auths;
};

/* changed(arg) runs from the loop when the resources changed (etcd: the
 * first time when the snapshot is complete). */
struct ds *ds_open(struct event_base *base, const struct dsenv *env,
	    const char *config_path, const char *node,
	    void (*changed)(void *), void *arg, char *err, size_t errlen);
void	 ds_close(struct ds *ds);
bool	 ds_is_etcd(const struct ds *ds);
/* etcd: the first snapshot is complete; files: always. */
bool	 ds_synced(const struct ds *ds);

/*
 * The model now (cfg is initialised here; config_free() it).  Files: as
 * config_load(), any error makes it unusable.  etcd: keys with errors
 * are left out (*skipped says how many) and only errors across
 * resources make it unusable.  Returns 0 when usable.
 */
int	 ds_load(struct ds *ds, struct config *cfg, size_t *skipped);
void	 ds_status(const struct ds *ds, struct ds_status *out);

/* One snapshot within timeout_ms, for --check; -1 with err if etcd
 * could not be read.  Otherwise as ds_load(). */
int	 ds_load_once(const struct dsenv *env, const char *config_path,
	    const char *node, uint64_t timeout_ms, struct config *cfg,
	    size_t *skipped, char *err, size_t errlen);

#endif
