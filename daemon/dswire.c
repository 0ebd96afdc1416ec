/* dswire: see dswire.h. */
#include "dswire.h"

#include <event2/event.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "daemon.h"
#include "datastore/ds.h"
#include "datastore/epstatus.h"
#include "lib/hash.h"
#include "lib/log.h"
#include "lib/monotime.h"
#include "lib/xalloc.h"
#include "sdnotify.h"

struct dswire {
	struct ds *ds;
	struct epstatus *es;		/* the local workloads */
	struct hash_table seen;		/* diagnostics logged last build */
	bool	waiting;		/* dswire_first_plan's loop */
	bool	have_plan;
	size_t	skipped;		/* keys left out of the last build */
	unsigned applied;		/* changes applied */
	char	last_error[512];	/* the last build's or plan's */
};

static bool
str_eq(const void *entry, const void *key)
{
	return strcmp(entry, key) == 0;
}

static void
seen_free(struct hash_table *t)
{
	char *s;
	size_t it = 0;

	while ((s = hash_next(t, &it)) != NULL)
		free(s);
	hash_free(t);
}

static enum log_level
sev_level(enum config_sev sev)
{
	return sev == CONFIG_ERROR ? LOG_LVL_ERR :
	    sev == CONFIG_WARNING ? LOG_LVL_WARN : LOG_LVL_NOTICE;
}

/* Log dg; with dedupe only what the previous build did not report. */
static void
log_diags(struct dswire *w, const struct config_diags *dg, bool dedupe,
    struct hash_table *now)
{
	for (size_t i = 0; i < dg->n; i++) {
		char *s = config_diag_format(&dg->v[i]);
		uint64_t hv = hash_str(s);

		if (!dedupe || hash_find(&w->seen, hv, str_eq, s) == NULL)
			log_msg(sev_level(dg->v[i].sev), "%s", s);
		if (dg->v[i].sev == CONFIG_ERROR)
			snprintf(w->last_error, sizeof(w->last_error), "%s",
			    s);
		if (now != NULL && hash_find(now, hv, str_eq, s) == NULL)
			hash_insert(now, hv, s);
		else
			free(s);
	}
}

int
dswire_load_plan(struct daemon *d, struct plan *pl, char *err,
    size_t errlen)
{
	struct dswire *w = d->dsw;
	bool etcd = ds_is_etcd(w->ds);
	struct config cfg;
	struct config_diags pd;
	const struct epstatus_list *wl = epstatus_current(w->es);
	struct plan_opts popts = {
		.router_id = d->opts.router_id,
		.workloads = wl->v,
		.nworkloads = wl->n,
	};
	struct hash_table now;
	int rc;

	hash_init(&now);
	w->last_error[0] = '\0';
	rc = ds_load(w->ds, &cfg, &w->skipped);
	log_diags(w, &cfg.diags, etcd, &now);
	if (rc != 0) {
		snprintf(err, errlen, "%zu error%s in %s (see the log or run "
		    "bgpd --check)", cfg.diags.nerrors,
		    cfg.diags.nerrors == 1 ? "" : "s", dswire_source(d));
		config_free(&cfg);
		goto done;
	}
	memset(&pd, 0, sizeof(pd));
	rc = plan_compute(&cfg, d->opts.node, &popts, pl, &pd);
	log_diags(w, &pd, etcd, &now);
	if (rc != 0) {
		snprintf(err, errlen, "%s", pd.n > 0 ? pd.v[pd.n - 1].msg :
		    "cannot plan this node");
		plan_free(pl);
	}
	config_diags_free(&pd);
	config_free(&cfg);
#ifdef __GLIBC__
	/* The parse trees of a large cluster are gone: give their pages
	 * back (freed heap memory otherwise stays resident). */
	malloc_trim(0);
#endif
done:
	seen_free(&w->seen);
	w->seen = now;
	if (rc != 0 && w->last_error[0] == '\0')
		snprintf(w->last_error, sizeof(w->last_error), "%s", err);
	return rc;
}

bool
dswire_waiting(const struct daemon *d)
{
	return d->dsw != NULL && d->dsw->waiting;
}

bool
dswire_is_etcd(const struct daemon *d)
{
	return d->dsw != NULL && ds_is_etcd(d->dsw->ds);
}

const char *
dswire_workloads_path(const struct daemon *d)
{
	return epstatus_path(d->dsw->es);
}

void
dswire_applied(struct daemon *d)
{
	d->dsw->applied++;
}

int
dswire_open(struct daemon *d, void (*changed)(void *),
    void (*workloads)(void *), char *err, size_t errlen)
{
	struct dswire *w = xcalloc(1, sizeof(*w));

	hash_init(&w->seen);
	d->dsw = w;
	char *dir = epstatus_dir(d->opts.epstatus_dir);

	w->es = epstatus_open(d->base, dir, workloads, d);
	free(dir);
	w->ds = ds_open(d->base, d->opts.ds, d->opts.config, d->opts.node,
	    changed, d, err, errlen);
	return w->ds != NULL ? 0 : -1;
}

void
dswire_close(struct daemon *d)
{
	struct dswire *w = d->dsw;

	if (w == NULL)
		return;
	ds_close(w->ds);
	epstatus_close(w->es);
	seen_free(&w->seen);
	free(w);
	d->dsw = NULL;
}

const char *
dswire_source(const struct daemon *d)
{
	struct ds_status st;

	if (d->dsw == NULL || d->dsw->ds == NULL)
		return d->opts.config;
	ds_status(d->dsw->ds, &st);
	return st.source;
}

static void
on_stop_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;

	log_info("signal %d while waiting for the datastore; exiting",
	    (int)sig);
	d->stopping = true;
	event_base_loopbreak(d->base);
}

int
dswire_first_plan(struct daemon *d, char *err, size_t errlen)
{
	struct dswire *w = d->dsw;
	struct event *term, *intr;
	int rc = -1;

	if (!ds_is_etcd(w->ds))
		return dswire_load_plan(d, &d->plan, err, errlen);
	term = evsignal_new(d->base, SIGTERM, on_stop_signal, d);
	intr = evsignal_new(d->base, SIGINT, on_stop_signal, d);
	event_add(term, NULL);
	event_add(intr, NULL);
	w->waiting = true;
	sdnotify("STATUS=waiting for the etcd snapshot");
	while (!d->stopping) {
		event_base_dispatch(d->base);
		if (d->stopping || !ds_synced(w->ds))
			continue;
		if ((rc = dswire_load_plan(d, &d->plan, err, errlen)) == 0)
			break;
		log_notice("waiting for the datastore to plan node %s: %s",
		    d->opts.node, err);
	}
	w->waiting = false;
	event_free(term);
	event_free(intr);
	if (d->stopping) {
		snprintf(err, errlen, "stopped while waiting for the "
		    "datastore");
		return -1;
	}
	return rc;
}

/* ---- status ---- */

static uint64_t
age_s(uint64_t at)
{
	uint64_t now = monotime_ms();

	return at != 0 && now > at ? (now - at) / 1000 : 0;
}

void
dswire_status_text(const struct dswire *w, struct buf_wr *o)
{
	struct ds_status st;

	if (w == NULL)
		return;
	ds_status(w->ds, &st);
	buf_printf(o, "Datastore: %s %s, %s", st.type, st.source, st.state);
	if (ds_is_etcd(w->ds))
		buf_printf(o, ", %s, revision %lld, %zu keys",
		    st.in_sync ? "in sync" : "NOT in sync",
		    (long long)st.revision, st.keys);
	buf_printf(o, " (for %llus)\n",
	    (unsigned long long)age_s(st.state_since));
	if (w->skipped > 0)
		buf_printf(o, "  %zu key%s skipped as invalid\n", w->skipped,
		    w->skipped == 1 ? "" : "s");
	if (st.last_error[0])
		buf_printf(o, "  last datastore error (%llus ago): %s\n",
		    (unsigned long long)age_s(st.last_error_at),
		    st.last_error);
	if (w->last_error[0])
		buf_printf(o, "  last resource error: %s\n", w->last_error);
}

void
dswire_status_json(const struct dswire *w, struct json_w *j)
{
	struct ds_status st;

	if (w == NULL)
		return;
	ds_status(w->ds, &st);
	json_key(j, "datastore");
	json_obj_begin(j);
	json_kstr(j, "type", st.type);
	json_kstr(j, "endpoint", st.source);
	json_kstr(j, "state", st.state);
	json_kuint(j, "state_seconds", age_s(st.state_since));
	json_kbool(j, "in_sync", st.in_sync);
	json_kint(j, "revision", st.revision);
	json_kuint(j, "keys", st.keys);
	json_kuint(j, "skipped_keys", w->skipped);
	json_kstr(j, "last_error", st.last_error[0] ? st.last_error : NULL);
	json_key(j, "last_error_seconds");
	if (st.last_error[0])
		json_uint(j, age_s(st.last_error_at));
	else
		json_null(j);
	json_kstr(j, "last_resource_error", w->last_error[0] ?
	    w->last_error : NULL);
	json_kuint(j, "changes", st.changes);
	json_kuint(j, "changes_applied", w->applied);
	json_kuint(j, "watch_restarts", st.watch_restarts);
	json_kuint(j, "relists", st.relists);
	json_kuint(j, "compactions", st.compactions);
	json_kuint(j, "failures", st.failures);
	json_kuint(j, "authentications", st.auths);
	json_obj_end(j);
}
