/* ds: see ds.h. */
#include "ds.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsstore.h"
#include "etcdio.h"
#include "etcdsm.h"
#include "filewatch.h"
#include "lib/hash.h"
#include "lib/log.h"
#include "lib/monotime.h"
#include "lib/xalloc.h"

struct ds {
	struct event_base *base;
	enum dsenv_type type;
	char	*path;
	void	(*changed)(void *);
	void	*arg;
	unsigned changes;
	uint64_t opened;
	/* files */
	struct filewatch *fw;
	char	fw_error[256];
	/* etcd */
	struct dsstore store;
	struct etcdsm sm;
	struct etcdio *io;
	char	**eps;
	size_t	neps;
};

static void
on_changed(void *arg)
{
	struct ds *ds = arg;

	ds->changes++;
	if (ds->changed != NULL)
		ds->changed(ds->arg);
}

static int
open_etcd(struct ds *ds, const struct dsenv *env, const char *node,
    bool watch, char *err, size_t errlen)
{
	struct etcdsm_conf sc;
	struct etcdio_conf ic;

	ds->neps = dsenv_split(env->endpoints, &ds->eps);
	memset(&sc, 0, sizeof(sc));
	sc.nendpoints = ds->neps;
	sc.user = env->user;
	sc.password = env->password;
	sc.page_limit = ETCDSM_PAGE_LIMIT;
	sc.request_timeout_ms = ETCDSM_REQUEST_TIMEOUT;
	sc.watch_idle_ms = env->watch_idle_ms ? env->watch_idle_ms :
	    ETCDSM_WATCH_IDLE;
	sc.backoff_min_ms = ETCDSM_BACKOFF_MIN;
	sc.backoff_max_ms = ETCDSM_BACKOFF_MAX;
	sc.coalesce_ms = ETCDSM_COALESCE;
	sc.snapshot_only = !watch;
	/* Nodes of one cluster should not retry in step. */
	sc.seed = (uint32_t)hash_str(node) ^ (uint32_t)monotime_ns();
	dsstore_init(&ds->store, node);
	memset(&ic, 0, sizeof(ic));
	ic.endpoints = ds->eps;
	ic.nendpoints = ds->neps;
	ic.ca_file = env->ca_file;
	ic.cert_file = env->cert_file;
	ic.key_file = env->key_file;
	ds->io = etcdio_new(ds->base, &ic, &ds->sm, on_changed, ds, err,
	    errlen);
	if (ds->io == NULL)
		return -1;
	etcdsm_init(&ds->sm, &sc, &etcdio_ops, ds->io, &ds->store);
	log_info("datastore: etcdv3 at %s (%s), node %s", env->endpoints,
	    env->type_from, node);
	etcdsm_start(&ds->sm, monotime_ms());
	etcdio_rearm(ds->io);
	return 0;
}

static struct ds *
open_ds(struct event_base *base, const struct dsenv *env,
    const char *config_path, const char *node, bool watch,
    void (*changed)(void *), void *arg, char *err, size_t errlen)
{
	struct ds *ds = xcalloc(1, sizeof(*ds));

	ds->base = base;
	ds->type = env->type;
	ds->path = xstrdup(config_path);
	ds->changed = changed;
	ds->arg = arg;
	ds->opened = monotime_ms();
	if (env->type == DSENV_ETCD) {
		if (open_etcd(ds, env, node, watch, err, errlen) != 0) {
			ds_close(ds);
			return NULL;
		}
		return ds;
	}
	/* Following the files is a convenience: without it, reload works. */
	ds->fw = filewatch_new(base, config_path, FILEWATCH_DEBOUNCE_MS,
	    on_changed, ds, ds->fw_error, sizeof(ds->fw_error));
	if (ds->fw == NULL)
		log_warnx("not following %s for changes: %s", config_path,
		    ds->fw_error);
	else
		log_info("datastore: files under %s, followed for changes",
		    config_path);
	return ds;
}

struct ds *
ds_open(struct event_base *base, const struct dsenv *env,
    const char *config_path, const char *node, void (*changed)(void *),
    void *arg, char *err, size_t errlen)
{
	return open_ds(base, env, config_path, node, true, changed, arg, err,
	    errlen);
}

void
ds_close(struct ds *ds)
{
	if (ds == NULL)
		return;
	filewatch_free(ds->fw);
	if (ds->type == DSENV_ETCD) {
		etcdio_free(ds->io);
		etcdsm_free(&ds->sm);
		dsstore_free(&ds->store);
		dsenv_split_free(ds->eps, ds->neps);
	}
	free(ds->path);
	free(ds);
}

bool
ds_is_etcd(const struct ds *ds)
{
	return ds->type == DSENV_ETCD;
}

bool
ds_synced(const struct ds *ds)
{
	return ds->type != DSENV_ETCD || ds->sm.synced;
}

int
ds_load(struct ds *ds, struct config *cfg, size_t *skipped)
{
	size_t before;

	*skipped = 0;
	if (ds->type != DSENV_ETCD)
		return config_load(ds->path, cfg);
	*skipped = dsstore_build(&ds->store, cfg, &before);
	return before == 0 ? 0 : -1;
}

void
ds_status(const struct ds *ds, struct ds_status *o)
{
	memset(o, 0, sizeof(*o));
	o->changes = ds->changes;
	if (ds->type != DSENV_ETCD) {
		o->type = "file";
		o->source = ds->path;
		o->state = ds->fw ? "following" : "not following";
		o->in_sync = true;
		o->state_since = ds->opened;
		o->last_error = ds->fw ? "" : ds->fw_error;
		return;
	}
	o->type = "etcdv3";
	o->source = etcdio_endpoint(ds->io, ds->sm.ep);
	o->state = etcdsm_state_name(ds->sm.state);
	o->in_sync = etcdsm_in_sync(&ds->sm);
	o->revision = ds->sm.revision;
	o->keys = dsstore_count(&ds->store);
	o->state_since = ds->sm.state_since;
	o->last_error = ds->sm.last_error;
	o->last_error_at = ds->sm.last_error_at;
	o->watch_restarts = ds->sm.watch_restarts;
	o->relists = ds->sm.relists;
	o->compactions = ds->sm.compactions;
	o->failures = ds->sm.failures;
	o->auths = ds->sm.auths;
}

/* ---- --check ---- */

struct once {
	struct event_base *base;
	bool	done;
};

static void
once_changed(void *arg)
{
	struct once *o = arg;

	o->done = true;
	event_base_loopbreak(o->base);
}

static void
once_timeout(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(arg);
}

int
ds_load_once(const struct dsenv *env, const char *config_path,
    const char *node, uint64_t timeout_ms, struct config *cfg,
    size_t *skipped, char *err, size_t errlen)
{
	struct once o = { NULL, false };
	struct timeval tv = { (time_t)(timeout_ms / 1000),
	    (suseconds_t)(timeout_ms % 1000) * 1000 };
	struct event *t;
	struct ds *ds;
	int rc;

	*skipped = 0;
	if (env->type != DSENV_ETCD)
		return config_load(config_path, cfg);
	o.base = event_base_new();
	if (o.base == NULL) {
		snprintf(err, errlen, "cannot create an event loop");
		return -2;
	}
	/* The snapshot only: no watch connections to open and tear down
	 * half-made at once. */
	ds = open_ds(o.base, env, config_path, node, false, once_changed, &o,
	    err, errlen);
	if (ds == NULL) {
		event_base_free(o.base);
		return -2;
	}
	t = evtimer_new(o.base, once_timeout, o.base);
	event_add(t, &tv);
	event_base_dispatch(o.base);
	if (!o.done) {
		snprintf(err, errlen, "no snapshot from etcd within %llu "
		    "ms%s%s", (unsigned long long)timeout_ms,
		    ds->sm.last_error[0] ? ": " : "", ds->sm.last_error);
		rc = -2;
	} else {
		rc = ds_load(ds, cfg, skipped);
	}
	event_free(t);
	ds_close(ds);
	event_base_free(o.base);
	return rc;
}
