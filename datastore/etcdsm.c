/*
 * etcdsm: see etcdsm.h.  Every input first checks that it belongs to the
 * current state (a late answer after a cancel is dropped), then moves
 * the machine; requests go out through ops->request only from here.
 * Watch stream k watches kind k (watch_id k + 1): the stream index and
 * the kind are the same number.
 */
#include "etcdsm.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#define ALL_KINDS	((1u << DSKEY_NKINDS) - 1)
#define BIT(k)		(1u << (k))

static void resume(struct etcdsm *, uint64_t);
static void fail(struct etcdsm *, uint64_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

const char *
etcdsm_state_name(enum etcdsm_state st)
{
	switch (st) {
	case ETCDSM_IDLE: return "idle";
	case ETCDSM_BACKOFF: return "down";
	case ETCDSM_AUTH: return "authenticating";
	case ETCDSM_LIST: return "listing";
	case ETCDSM_WATCH: return "watching";
	}
	return "?";
}

void
etcdsm_init(struct etcdsm *sm, const struct etcdsm_conf *conf,
    const struct etcdsm_ops *ops, void *arg, struct dsstore *store)
{
	memset(sm, 0, sizeof(*sm));
	sm->conf = *conf;
	if (sm->conf.nendpoints == 0)
		sm->conf.nendpoints = 1;
	if (sm->conf.page_limit == 0)
		sm->conf.page_limit = ETCDSM_PAGE_LIMIT;
	if (sm->conf.backoff_max_ms < sm->conf.backoff_min_ms)
		sm->conf.backoff_max_ms = sm->conf.backoff_min_ms;
	sm->ops = ops;
	sm->arg = arg;
	sm->store = store;
	sm->rng = conf->seed ? conf->seed : 1;
	sm->list_kind = -1;
}

void
etcdsm_free(struct etcdsm *sm)
{
	free(sm->token);
	free(sm->page_key);
	sm->token = sm->page_key = NULL;
}

const char *
etcdsm_token(const struct etcdsm *sm)
{
	return sm->token;
}

bool
etcdsm_in_sync(const struct etcdsm *sm)
{
	/* A silent stream re-created on purpose is no loss of sync. */
	return sm->state == ETCDSM_WATCH && sm->synced &&
	    (sm->created_mask | sm->restart_mask) == ALL_KINDS &&
	    sm->list_mask == 0;
}

static void
set_state(struct etcdsm *sm, enum etcdsm_state st, uint64_t now)
{
	if (sm->state != st)
		sm->state_since = now;
	sm->state = st;
}

static uint32_t
rnd(struct etcdsm *sm)
{
	/* xorshift32: deterministic per seed, good enough for jitter. */
	sm->rng ^= sm->rng << 13;
	sm->rng ^= sm->rng >> 17;
	sm->rng ^= sm->rng << 5;
	return sm->rng;
}

static void
mark_dirty(struct etcdsm *sm, uint64_t now)
{
	if (!sm->dirty)
		sm->notify_at = now + sm->conf.coalesce_ms;
	sm->dirty = true;
}

static void
fail(struct etcdsm *sm, uint64_t now, const char *fmt, ...)
{
	va_list ap;
	uint64_t wait;

	va_start(ap, fmt);
	vsnprintf(sm->last_error, sizeof(sm->last_error), fmt, ap);
	va_end(ap);
	sm->last_error_at = now;
	sm->failures++;
	sm->restart_mask = 0;
	sm->ops->cancel(sm->arg);
	sm->fails++;
	sm->ep = (sm->ep + 1) % sm->conf.nendpoints;
	if (sm->fails < sm->conf.nendpoints) {
		/* Another endpoint may answer: try it now. */
		wait = 0;
	} else {
		sm->backoff_ms = sm->backoff_ms == 0 ?
		    sm->conf.backoff_min_ms : sm->backoff_ms * 2;
		if (sm->backoff_ms > sm->conf.backoff_max_ms)
			sm->backoff_ms = sm->conf.backoff_max_ms;
		wait = sm->backoff_ms + (sm->backoff_ms / 4 == 0 ? 0 :
		    rnd(sm) % (sm->backoff_ms / 4 + 1));
	}
	log_warnx("etcd: %s; %s in %llu ms", sm->last_error,
	    sm->conf.nendpoints > 1 ? "next endpoint" : "retrying",
	    (unsigned long long)wait);
	sm->retry_at = now + wait;
	set_state(sm, ETCDSM_BACKOFF, now);
}

/* A request or watch that worked: the next failure starts afresh. */
static void
healthy(struct etcdsm *sm)
{
	sm->fails = 0;
	sm->backoff_ms = 0;
}

/* The unary request (AUTH or RANGE). */
static void
issue(struct etcdsm *sm, uint64_t now, enum etcdsm_req what,
    const char *path, char *body)
{
	sm->req_deadline = now + sm->conf.request_timeout_ms;
	sm->ops->request(sm->arg, what, 0, sm->ep, path, body);
	free(body);
}

static void
send_range(struct etcdsm *sm, uint64_t now)
{
	const char *prefix = sm->store->prefixes.v[sm->list_kind];
	char end[DSKEY_MAX + 1];

	dskey_range_end(prefix, end, sizeof(end));
	set_state(sm, ETCDSM_LIST, now);
	issue(sm, now, ETCDSM_REQ_RANGE, "/v3/kv/range",
	    gw_range_request(sm->page_key, sm->page_klen, end, sm->list_rev,
	    sm->conf.page_limit));
}

static void
list_kind(struct etcdsm *sm, uint64_t now, int k)
{
	const char *prefix = sm->store->prefixes.v[k];

	sm->list_kind = k;
	sm->list_began = false;
	free(sm->page_key);
	sm->page_klen = strlen(prefix);
	sm->page_key = xmemdup(prefix, sm->page_klen + 1);
	send_range(sm, now);
}

/*
 * Open (or re-open) watch stream k: a request whose body is exactly one
 * create_request.  The gateway reads the first object of the body before
 * it answers; a second one in the same HTTP/1.1 body may be lost.
 */
static void
open_stream(struct etcdsm *sm, uint64_t now, int k)
{
	struct gw_watch_create w;
	char end[DSKEY_MAX + 1], *body;

	dskey_range_end(sm->store->prefixes.v[k], end, sizeof(end));
	w.key = sm->store->prefixes.v[k];
	w.range_end = end;
	w.start_revision = sm->rev[k] + 1;
	w.watch_id = k + 1;
	sm->created_mask &= ~BIT(k);
	sm->restart_mask &= ~BIT(k);
	sm->create_by[k] = now + sm->conf.request_timeout_ms;
	sm->idle_at[k] = now + sm->conf.watch_idle_ms;
	body = gw_watch_request(&w, 1);
	sm->ops->request(sm->arg, ETCDSM_REQ_WATCH, k, sm->ep, "/v3/watch",
	    body);
	free(body);
}

static void
open_watch(struct etcdsm *sm, uint64_t now)
{
	sm->created_mask = 0;
	sm->restart_mask = 0;
	set_state(sm, ETCDSM_WATCH, now);
	for (int k = 0; k < ETCDSM_NSTREAMS; k++)
		open_stream(sm, now, k);
}

static void
resume(struct etcdsm *sm, uint64_t now)
{
	if (sm->conf.user != NULL && sm->token == NULL) {
		set_state(sm, ETCDSM_AUTH, now);
		issue(sm, now, ETCDSM_REQ_AUTH, "/v3/auth/authenticate",
		    gw_auth_request(sm->conf.user, sm->conf.password));
		return;
	}
	if (sm->list_mask != 0) {
		for (int k = 0; k < DSKEY_NKINDS; k++) {
			if (sm->list_mask & BIT(k)) {
				list_kind(sm, now, k);
				return;
			}
		}
	}
	open_watch(sm, now);
}

void
etcdsm_start(struct etcdsm *sm, uint64_t now)
{
	sm->list_mask = ALL_KINDS;
	sm->list_rev = 0;
	sm->state_since = now;
	resume(sm, now);
}

/* 401: the token expired (or there was none); authenticate and retry,
 * unless a fresh token was refused. */
static void
unauthorized(struct etcdsm *sm, uint64_t now, const char *why)
{
	sm->ops->cancel(sm->arg);
	if (sm->conf.user == NULL) {
		fail(sm, now, "etcd requires authentication (%s): set "
		    "ETCD_USERNAME and ETCD_PASSWORD", why);
		return;
	}
	free(sm->token);
	sm->token = NULL;
	if (sm->fresh_token) {
		sm->fresh_token = false;
		fail(sm, now, "etcd refused a new token: %s", why);
		return;
	}
	log_info("etcd: token refused (%s); authenticating again", why);
	resume(sm, now);
}

static void
auth_answer(struct etcdsm *sm, uint64_t now, const char *body, size_t len)
{
	char err[200];
	char *tok = gw_auth_parse(body, len, err, sizeof(err));

	if (tok == NULL) {
		fail(sm, now, "authenticate: %s", err);
		return;
	}
	free(sm->token);
	sm->token = tok;
	sm->fresh_token = true;
	sm->auths++;
	resume(sm, now);
}

static void
list_done(struct etcdsm *sm, uint64_t now)
{
	bool first = !sm->synced;

	sm->list_rev = 0;
	sm->list_kind = -1;
	if (first) {
		sm->synced = true;
		sm->dirty = true;
		sm->notify_at = now;
		log_info("etcd: snapshot complete at revision %lld, %zu keys",
		    (long long)sm->revision, dsstore_count(sm->store));
	} else {
		sm->relists++;
		log_info("etcd: re-listed at revision %lld",
		    (long long)sm->revision);
	}
	if (sm->conf.snapshot_only) {
		set_state(sm, ETCDSM_IDLE, now);
		return;
	}
	open_watch(sm, now);
}

static void
range_answer(struct etcdsm *sm, uint64_t now, const char *body, size_t len)
{
	struct gw_range r;
	char err[200];
	int k = sm->list_kind;

	if (gw_range_parse(body, len, &r, err, sizeof(err)) != 0) {
		fail(sm, now, "range: %s", err);
		return;
	}
	if (sm->list_rev == 0)
		sm->list_rev = r.revision;
	if (!sm->list_began) {
		dsstore_relist_begin(sm->store, (enum dskey_kind)k);
		sm->list_began = true;
	}
	for (size_t i = 0; i < r.nkvs; i++) {
		if (dsstore_put(sm->store, r.kvs[i].key, r.kvs[i].klen,
		    r.kvs[i].value, r.kvs[i].vlen, r.kvs[i].mod_revision))
			mark_dirty(sm, now);
	}
	healthy(sm);
	if (r.more && r.nkvs > 0) {
		const struct gw_kv *last = &r.kvs[r.nkvs - 1];

		/* The next page starts just after the last key. */
		free(sm->page_key);
		sm->page_klen = last->klen + 1;
		sm->page_key = xmalloc(last->klen + 2);
		memcpy(sm->page_key, last->key, last->klen);
		sm->page_key[last->klen] = '\0';
		sm->page_key[last->klen + 1] = '\0';
		gw_range_free(&r);
		send_range(sm, now);
		return;
	}
	gw_range_free(&r);
	if (dsstore_relist_sweep(sm->store, (enum dskey_kind)k) > 0)
		mark_dirty(sm, now);
	sm->rev[k] = sm->list_rev;
	if (sm->list_rev > sm->revision)
		sm->revision = sm->list_rev;
	sm->list_mask &= ~BIT(k);
	if (sm->list_mask != 0)
		resume(sm, now);
	else
		list_done(sm, now);
}

void
etcdsm_response(struct etcdsm *sm, uint64_t now, int status,
    const char *body, size_t len)
{
	struct gw_error ge;
	char msg[300];

	if (sm->state != ETCDSM_AUTH && sm->state != ETCDSM_LIST)
		return;		/* late: cancelled already */
	if (status == 0) {
		fail(sm, now, "%.*s", (int)(len > 200 ? 200 : len), body);
		return;
	}
	if (status == 200) {
		if (sm->state == ETCDSM_AUTH) {
			auth_answer(sm, now, body, len);
		} else {
			sm->fresh_token = false;
			range_answer(sm, now, body, len);
		}
		return;
	}
	if (gw_error_parse(body, len, &ge) != 0) {
		ge.code = 0;
		snprintf(ge.message, sizeof(ge.message), "%.*s",
		    (int)(len > 120 ? 120 : len), body);
	}
	snprintf(msg, sizeof(msg), "HTTP %d: %s", status, ge.message);
	if (status == 401 && sm->state == ETCDSM_LIST) {
		unauthorized(sm, now, msg);
	} else if (sm->state == ETCDSM_LIST &&
	    ge.code == GW_GRPC_OUT_OF_RANGE) {
		/* Revision R was compacted under the snapshot: take a new
		 * one for the kinds still to list. */
		log_notice("etcd: %s; listing again", msg);
		sm->compactions++;
		sm->list_rev = 0;
		resume(sm, now);
	} else {
		fail(sm, now, "%s %s", sm->state == ETCDSM_AUTH ?
		    "authenticate:" : "range:", msg);
	}
}

static bool
watching(const struct etcdsm *sm, int stream)
{
	return sm->state == ETCDSM_WATCH && stream >= 0 &&
	    stream < ETCDSM_NSTREAMS;
}

void
etcdsm_watch_status(struct etcdsm *sm, uint64_t now, int stream,
    int status, const char *body, size_t len)
{
	struct gw_error ge;
	char msg[300];

	if (!watching(sm, stream))
		return;
	if (gw_error_parse(body, len, &ge) != 0)
		snprintf(ge.message, sizeof(ge.message), "%.*s",
		    (int)(len > 120 ? 120 : len), body);
	snprintf(msg, sizeof(msg), "HTTP %d: %s", status, ge.message);
	if (status == 401)
		unauthorized(sm, now, msg);
	else
		fail(sm, now, "watch of %s: %s",
		    dskey_kind_name((enum dskey_kind)stream), msg);
}

static bool
auth_reason(const char *r)
{
	return strstr(r, "auth") != NULL || strstr(r, "token") != NULL ||
	    strstr(r, "user name") != NULL ||
	    strstr(r, "permission denied") != NULL;
}

static void
watch_cancelled(struct etcdsm *sm, uint64_t now, int stream,
    const struct gw_watch_msg *m)
{
	if (m->compact_revision > 0) {
		/* This stream's kind, and every kind whose next revision
		 * is gone (every stream resumes), is re-listed. */
		for (int k = 0; k < DSKEY_NKINDS; k++) {
			if (sm->rev[k] + 1 < m->compact_revision)
				sm->list_mask |= BIT(k);
		}
		sm->list_mask |= BIT(stream);
		sm->compactions++;
		log_notice("etcd: watch of %s from revision %lld compacted "
		    "(now %lld); re-listing what changed",
		    dskey_kind_name((enum dskey_kind)stream),
		    (long long)(sm->rev[stream] + 1),
		    (long long)m->compact_revision);
		sm->ops->cancel(sm->arg);
		sm->list_rev = 0;
		resume(sm, now);
		return;
	}
	if (auth_reason(m->cancel_reason)) {
		unauthorized(sm, now, m->cancel_reason);
		return;
	}
	fail(sm, now, "watch cancelled: %s", m->cancel_reason[0] ?
	    m->cancel_reason : "no reason given");
}

static void
watch_events(struct etcdsm *sm, uint64_t now, int k,
    const struct gw_watch_msg *m)
{
	for (size_t i = 0; i < m->nevents; i++) {
		const struct gw_event *ev = &m->events[i];
		bool ch;

		if (ev->type == GW_EV_DELETE)
			ch = dsstore_del(sm->store, ev->kv.key, ev->kv.klen);
		else
			ch = dsstore_put(sm->store, ev->kv.key, ev->kv.klen,
			    ev->kv.value, ev->kv.vlen, ev->kv.mod_revision);
		if (ch)
			mark_dirty(sm, now);
		if (ev->kv.mod_revision > sm->rev[k])
			sm->rev[k] = ev->kv.mod_revision;
		if (ev->kv.mod_revision > sm->revision)
			sm->revision = ev->kv.mod_revision;
		sm->events++;
	}
}

void
etcdsm_watch_line(struct etcdsm *sm, uint64_t now, int stream,
    const char *line, size_t len)
{
	struct gw_watch_msg m;
	char err[200];
	int k = stream;
	bool was;

	if (!watching(sm, stream))
		return;
	sm->idle_at[k] = now + sm->conf.watch_idle_ms;
	if (gw_watch_parse(line, len, &m, err, sizeof(err)) != 0) {
		fail(sm, now, "watch: %s", err);
		return;
	}
	if (m.is_error) {
		fail(sm, now, "watch: error %d: %s", m.err.code,
		    m.err.message);
		goto done;
	}
	sm->fresh_token = false;
	if (m.canceled) {
		watch_cancelled(sm, now, k, &m);
		goto done;
	}
	if (m.watch_id != k + 1) {
		fail(sm, now, "watch: message for watch %lld on the stream "
		    "of watch %d (%s)", (long long)m.watch_id, k + 1,
		    dskey_kind_name((enum dskey_kind)k));
		goto done;
	}
	if (m.created && m.revision > 0 && m.revision < sm->rev[k]) {
		/* The store is older than what bgpd applied: a restored
		 * backup or another cluster.  Take everything afresh. */
		log_warnx("etcd: revision %lld is behind the %lld bgpd has "
		    "seen (restored or replaced?); listing everything again",
		    (long long)m.revision, (long long)sm->rev[k]);
		sm->ops->cancel(sm->arg);
		sm->list_mask = ALL_KINDS;
		sm->list_rev = 0;
		memset(sm->rev, 0, sizeof(sm->rev));
		sm->revision = 0;
		resume(sm, now);
		goto done;
	}
	if (m.created) {
		/* A stream re-created after silence was counted in sync. */
		was = (sm->created_mask | sm->restart_mask) == ALL_KINDS;
		sm->created_mask |= BIT(k);
		sm->restart_mask &= ~BIT(k);
		if (sm->created_mask == ALL_KINDS) {
			healthy(sm);
			if (!was)
				log_info("etcd: watching from revision %lld",
				    (long long)sm->revision);
		}
	} else if (m.nevents > 0) {
		watch_events(sm, now, k, &m);
	} else if (m.revision > sm->rev[k] &&
	    (sm->created_mask & BIT(k))) {
		/* Progress: this watch has seen everything up to here. */
		sm->rev[k] = m.revision;
		if (m.revision > sm->revision)
			sm->revision = m.revision;
	}
done:
	gw_watch_free(&m);
}

void
etcdsm_watch_end(struct etcdsm *sm, uint64_t now, int stream,
    const char *why)
{
	if (!watching(sm, stream))
		return;
	fail(sm, now, "watch of %s ended: %s",
	    dskey_kind_name((enum dskey_kind)stream), why);
}

/* Stream k's next deadline: its creation, then its silence. */
static uint64_t
stream_deadline(const struct etcdsm *sm, int k)
{
	return sm->created_mask & BIT(k) ? sm->idle_at[k] :
	    sm->create_by[k];
}

uint64_t
etcdsm_next_deadline(const struct etcdsm *sm)
{
	uint64_t t = UINT64_MAX;

	switch (sm->state) {
	case ETCDSM_BACKOFF:
		t = sm->retry_at;
		break;
	case ETCDSM_AUTH:
	case ETCDSM_LIST:
		t = sm->req_deadline;
		break;
	case ETCDSM_WATCH:
		for (int k = 0; k < ETCDSM_NSTREAMS; k++) {
			if (stream_deadline(sm, k) < t)
				t = stream_deadline(sm, k);
		}
		break;
	case ETCDSM_IDLE:
		break;
	}
	if (sm->dirty && sm->list_mask == 0 && sm->synced &&
	    sm->notify_at < t)
		t = sm->notify_at;
	return t;
}

void
etcdsm_tick(struct etcdsm *sm, uint64_t now)
{
	switch (sm->state) {
	case ETCDSM_BACKOFF:
		if (now >= sm->retry_at)
			resume(sm, now);
		break;
	case ETCDSM_AUTH:
	case ETCDSM_LIST:
		if (now >= sm->req_deadline)
			fail(sm, now, "%s: no answer within %llu ms",
			    sm->state == ETCDSM_AUTH ? "authenticate" :
			    "range", (unsigned long long)
			    sm->conf.request_timeout_ms);
		break;
	case ETCDSM_WATCH:
		for (int k = 0; k < ETCDSM_NSTREAMS &&
		    sm->state == ETCDSM_WATCH; k++) {
			if (now < stream_deadline(sm, k))
				continue;
			if (!(sm->created_mask & BIT(k))) {
				fail(sm, now, "watch of %s: not created "
				    "within %llu ms", dskey_kind_name(
				    (enum dskey_kind)k), (unsigned long long)
				    sm->conf.request_timeout_ms);
				break;
			}
			/* Silent for too long: the stream may be dead
			 * without a sign; re-create it alone from where
			 * its kind is (the request replaces it). */
			log_info("etcd: watch of %s silent for %llu ms; "
			    "restarting it from revision %lld",
			    dskey_kind_name((enum dskey_kind)k),
			    (unsigned long long)sm->conf.watch_idle_ms,
			    (long long)sm->rev[k] + 1);
			sm->watch_restarts++;
			open_stream(sm, now, k);
			sm->restart_mask |= BIT(k);
		}
		break;
	case ETCDSM_IDLE:
		break;
	}
	if (sm->dirty && sm->list_mask == 0 && sm->synced &&
	    now >= sm->notify_at) {
		sm->dirty = false;
		sm->ops->changed(sm->arg);
	}
}
