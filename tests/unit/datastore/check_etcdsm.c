/*
 * Unit tests for etcdsm, the etcd client's state machine, on a virtual
 * clock: the snapshot (paging, one revision), the watch (events,
 * progress, coalescing), resumption after a lost stream, re-listing only
 * what compaction took, endpoint failover, back-off, authentication, the
 * silent-watch restart and the request deadlines, each run past its
 * longest timer.  Every watch request must hold exactly one
 * create_request, on its own stream (the fake fails the test otherwise):
 * the gateway may lose a second create in an HTTP/1.1 body.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datastore/dsstore.h"
#include "datastore/etcdsm.h"
#include "datastore/gw.h"
#include "lib/xalloc.h"
#include "tests/unit/util/testutil.h"

#define NODES	"/calico/resources/v3/projectcalico.org/nodes/"
#define PEERS	"/calico/resources/v3/projectcalico.org/bgppeers/"
#define AFF	"/calico/ipam/v2/host/n1/"

struct fake {
	int	nreq, ncancel, nchanged;
	enum etcdsm_req what;
	int	stream;
	size_t	ep;
	char	path[64];
	json_t	*body;		/* last request, parsed (an array) */
	int	wreqs[ETCDSM_NSTREAMS];		/* watch requests per stream */
	json_t	*wbody[ETCDSM_NSTREAMS];	/* each stream's last */
};

static struct fake fk;
static struct dsstore store;
static struct etcdsm sm;
static uint64_t now;

static void
f_request(void *arg, enum etcdsm_req what, int stream, size_t ep,
    const char *path, const char *body)
{
	json_error_t je;
	size_t off = 0, len = strlen(body);

	fk.nreq++;
	fk.what = what;
	fk.stream = stream;
	fk.ep = ep;
	snprintf(fk.path, sizeof(fk.path), "%s", path);
	if (fk.body != NULL)
		json_decref(fk.body);
	fk.body = json_array();
	/* A watch body is several objects back to back. */
	while (off < len) {
		json_t *o = json_loadb(body + off, len - off,
		    JSON_DISABLE_EOF_CHECK, &je);

		ck_assert_msg(o != NULL, "request body: %s", je.text);
		json_array_append_new(fk.body, o);
		off += (size_t)je.position;
	}
	if (what != ETCDSM_REQ_WATCH) {
		ck_assert_int_eq(stream, 0);
		return;
	}
	/* One create_request per request body, for the stream's kind. */
	ck_assert_int_ge(stream, 0);
	ck_assert_int_lt(stream, ETCDSM_NSTREAMS);
	ck_assert_uint_eq(json_array_size(fk.body), 1);
	ck_assert_ptr_nonnull(json_object_get(json_array_get(fk.body, 0),
	    "create_request"));
	fk.wreqs[stream]++;
	if (fk.wbody[stream] != NULL)
		json_decref(fk.wbody[stream]);
	fk.wbody[stream] = json_incref(fk.body);
}

static void
f_cancel(void *arg)
{
	fk.ncancel++;
}

static void
f_changed(void *arg)
{
	fk.nchanged++;
}

static const struct etcdsm_ops ops = { f_request, f_cancel, f_changed };

static struct etcdsm_conf
conf(size_t neps)
{
	struct etcdsm_conf c;

	memset(&c, 0, sizeof(c));
	c.nendpoints = neps;
	c.page_limit = 2;
	c.request_timeout_ms = 10000;
	c.watch_idle_ms = 60000;
	c.backoff_min_ms = 500;
	c.backoff_max_ms = 5000;
	c.coalesce_ms = 50;
	c.seed = 7;
	return c;
}

static void
setup_n(size_t neps, const char *user)
{
	struct etcdsm_conf c = conf(neps);

	memset(&fk, 0, sizeof(fk));
	now = 1000;
	c.user = user;
	c.password = user ? "secret" : NULL;
	dsstore_init(&store, "n1");
	etcdsm_init(&sm, &c, &ops, NULL, &store);
}

static void
setup(void)
{
	setup_n(1, NULL);
}

static void
teardown(void)
{
	etcdsm_free(&sm);
	dsstore_free(&store);
	if (fk.body != NULL)
		json_decref(fk.body);
	fk.body = NULL;
	for (int k = 0; k < ETCDSM_NSTREAMS; k++) {
		if (fk.wbody[k] != NULL)
			json_decref(fk.wbody[k]);
		fk.wbody[k] = NULL;
	}
}

/* Advance the virtual clock to t, running every deadline on the way. */
static void
run_until(uint64_t t)
{
	for (int guard = 0; guard < 100000; guard++) {
		uint64_t d = etcdsm_next_deadline(&sm);

		if (d > t)
			break;
		now = d > now ? d : now;
		etcdsm_tick(&sm, now);
	}
	now = t;
}

static const char *
req_str(size_t i, const char *field)
{
	json_t *o = json_array_get(fk.body, i);
	json_t *v;

	if (json_object_get(o, "create_request") != NULL)
		o = json_object_get(o, "create_request");
	v = json_object_get(o, field);
	return v != NULL && json_is_string(v) ? json_string_value(v) : NULL;
}

/* A field of stream k's last watch request. */
static const char *
watch_str(int k, const char *field)
{
	json_t *v;

	ck_assert_ptr_nonnull(fk.wbody[k]);
	v = json_object_get(json_object_get(json_array_get(fk.wbody[k], 0),
	    "create_request"), field);
	return v != NULL && json_is_string(v) ? json_string_value(v) : NULL;
}

/* A base64 request field, decoded (static buffer). */
static const char *
req_b64(size_t i, const char *field)
{
	static char out[2048];
	const char *s = req_str(i, field);
	size_t n;
	char *d;

	if (s == NULL)
		return NULL;
	d = gw_b64_decode(s, strlen(s), &n);
	ck_assert_ptr_nonnull(d);
	memcpy(out, d, n);
	out[n] = '\0';
	free(d);
	return out;
}

static void
kv_json(json_t *arr, const char *key, const char *val, long long rev)
{
	json_t *o = json_object();
	char *k = gw_b64_encode(key, strlen(key));
	char *v = gw_b64_encode(val, strlen(val));
	char r[32];

	snprintf(r, sizeof(r), "%lld", rev);
	json_object_set_new(o, "key", json_string(k));
	if (val[0] != '\0')
		json_object_set_new(o, "value", json_string(v));
	json_object_set_new(o, "mod_revision", json_string(r));
	json_array_append_new(arr, o);
	free(k);
	free(v);
}

/* Answer the outstanding range with keys[i]=vals[i], header rev. */
static void
answer_range(long long rev, bool more, const char *const *keys,
    const char *const *vals, size_t n)
{
	json_t *o = json_object(), *h = json_object(), *kvs = json_array();
	char r[32], *s;

	ck_assert_int_eq(fk.what, ETCDSM_REQ_RANGE);
	snprintf(r, sizeof(r), "%lld", rev);
	json_object_set_new(h, "revision", json_string(r));
	json_object_set_new(o, "header", h);
	for (size_t i = 0; i < n; i++)
		kv_json(kvs, keys[i], vals[i], rev);
	if (n > 0)
		json_object_set_new(o, "kvs", kvs);
	else
		json_decref(kvs);
	if (more)
		json_object_set_new(o, "more", json_true());
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	etcdsm_response(&sm, now, 200, s, strlen(s));
	free(s);
}

static void
answer_empty(long long rev)
{
	answer_range(rev, false, NULL, NULL, 0);
}

/* One message on watch stream st. */
static void
line(int st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
line(int st, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	etcdsm_watch_line(&sm, now, st, s, strlen(s));
	free(s);
}

static void
created(int k)
{
	line(k, "{\"result\":{\"header\":{\"revision\":\"99\"},"
	    "\"watch_id\":\"%d\",\"created\":true}}", k + 1);
}

static void
created_all(void)
{
	for (int k = 0; k < ETCDSM_NSTREAMS; k++)
		created(k);
}

/* A progress notification on stream k at revision rev. */
static void
progress(int k, long long rev)
{
	line(k, "{\"result\":{\"header\":{\"revision\":\"%lld\"},"
	    "\"watch_id\":\"%d\"}}", rev, k + 1);
}

/* One event on watch id (stream id - 1) for key (PUT with value, or
 * DELETE). */
static void
event(int id, const char *key, const char *val, long long rev)
{
	json_t *o = json_object(), *r = json_object(), *evs = json_array();
	json_t *e = json_object(), *kv = json_array();
	char *s, w[16];

	kv_json(kv, key, val ? val : "", rev);
	if (val == NULL)
		json_object_set_new(e, "type", json_string("DELETE"));
	json_object_set(e, "kv", json_array_get(kv, 0));
	json_decref(kv);
	json_array_append_new(evs, e);
	snprintf(w, sizeof(w), "%d", id);
	json_object_set_new(r, "watch_id", json_string(w));
	json_object_set_new(r, "events", evs);
	json_object_set_new(o, "result", r);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	etcdsm_watch_line(&sm, now, id - 1, s, strlen(s));
	free(s);
}

/* From start to watching with one node and one peer at revision 10. */
static void
snapshot(void)
{
	static const char *const nk[] = { NODES "n1" };
	static const char *const nv[] = { "{\"node\":1}" };
	static const char *const pk[] = { PEERS "tor" };
	static const char *const pv[] = { "{\"peer\":1}" };

	etcdsm_start(&sm, now);
	answer_range(10, false, nk, nv, 1);		/* nodes */
	answer_empty(10);				/* bgpconfigurations */
	answer_range(10, false, pk, pv, 1);		/* bgppeers */
	answer_empty(10);				/* ippools */
	answer_empty(10);				/* bgpfilters */
	answer_empty(10);			/* bfdconfigurations */
	answer_empty(10);				/* affinities */
	ck_assert_int_eq(sm.state, ETCDSM_WATCH);
	created_all();
	run_until(now + 100);
}

START_TEST(test_snapshot_paged_one_revision)
{
	static const char *const k1[] = { NODES "a", NODES "b" };
	static const char *const k2[] = { NODES "c" };
	static const char *const v[] = { "{}", "{}" };

	etcdsm_start(&sm, now);
	ck_assert_int_eq(fk.what, ETCDSM_REQ_RANGE);
	ck_assert_str_eq(fk.path, "/v3/kv/range");
	ck_assert_str_eq(req_b64(0, "key"), NODES);
	ck_assert_str_eq(req_b64(0, "range_end"),
	    "/calico/resources/v3/projectcalico.org/nodes0");
	ck_assert_ptr_null(req_str(0, "revision"));	/* the current one */
	ck_assert_str_eq(req_str(0, "limit"), "2");
	answer_range(42, true, k1, v, 2);
	/* The next page: just after the last key, at the same revision. */
	ck_assert_str_eq(req_str(0, "revision"), "42");
	{
		const char *k = req_str(0, "key");
		size_t n;
		char *d = gw_b64_decode(k, strlen(k), &n);

		ck_assert_uint_eq(n, strlen(NODES "b") + 1);
		ck_assert(memcmp(d, NODES "b\0", n) == 0);
		free(d);
	}
	answer_range(42, false, k2, v, 1);
	/* The other kinds at R = 42 too. */
	for (int k = 1; k < DSKEY_NKINDS; k++) {
		ck_assert_str_eq(req_str(0, "revision"), "42");
		answer_empty(42);
	}
	ck_assert_int_eq(fk.nchanged, 0);
	ck_assert_uint_eq(dsstore_count(&store), 3);
	/* Then one watch stream for every prefix from R + 1, ids 1..6,
	 * each request one create_request (the fake checks that). */
	ck_assert_int_eq(fk.what, ETCDSM_REQ_WATCH);
	ck_assert_str_eq(fk.path, "/v3/watch");
	for (int i = 0; i < ETCDSM_NSTREAMS; i++) {
		char id[16];
		const char *k;
		size_t n;
		char *d;

		snprintf(id, sizeof(id), "%d", i + 1);
		ck_assert_int_eq(fk.wreqs[i], 1);
		ck_assert_str_eq(watch_str(i, "start_revision"), "43");
		ck_assert_str_eq(watch_str(i, "watch_id"), id);
		k = watch_str(i, "key");
		d = gw_b64_decode(k, strlen(k), &n);
		ck_assert_ptr_nonnull(d);
		ck_assert_uint_eq(n, strlen(store.prefixes.v[i]));
		ck_assert(memcmp(d, store.prefixes.v[i], n) == 0);
		free(d);
		ck_assert(json_is_true(json_object_get(json_object_get(
		    json_array_get(fk.wbody[i], 0), "create_request"),
		    "progress_notify")));
	}
	/* The first complete model is announced at once. */
	etcdsm_tick(&sm, now);
	ck_assert_int_eq(fk.nchanged, 1);
	ck_assert(!etcdsm_in_sync(&sm));
	/* In sync only once every stream's watch is created. */
	for (int k = 0; k < ETCDSM_NSTREAMS; k++) {
		ck_assert(!etcdsm_in_sync(&sm));
		created(k);
	}
	ck_assert(etcdsm_in_sync(&sm));
	ck_assert_int_eq(sm.revision, 42);
}
END_TEST

START_TEST(test_events_coalesced)
{
	snapshot();
	ck_assert_int_eq(fk.nchanged, 1);
	event(1, NODES "n2", "{\"x\":1}", 11);
	event(3, PEERS "tor", NULL, 12);
	/* Nothing until the coalescing interval has passed. */
	etcdsm_tick(&sm, now + 49);
	ck_assert_int_eq(fk.nchanged, 1);
	ck_assert_uint_eq(etcdsm_next_deadline(&sm), now + 50);
	run_until(now + 50);
	ck_assert_int_eq(fk.nchanged, 2);
	ck_assert_ptr_nonnull(dsstore_get(&store, NODES "n2",
	    strlen(NODES "n2")));
	ck_assert_ptr_null(dsstore_get(&store, PEERS "tor",
	    strlen(PEERS "tor")));
	ck_assert_int_eq(sm.rev[DSKEY_NODE], 11);
	ck_assert_int_eq(sm.rev[DSKEY_PEER], 12);
	ck_assert_int_eq(sm.rev[DSKEY_POOL], 10);
	/* The same value again changes nothing: no replan. */
	event(1, NODES "n2", "{\"x\":1}", 13);
	run_until(now + 1000);
	ck_assert_int_eq(fk.nchanged, 2);
}
END_TEST

START_TEST(test_progress_moves_one_kind)
{
	snapshot();
	progress(DSKEY_POOL, 20);
	ck_assert_int_eq(sm.rev[DSKEY_POOL], 20);
	ck_assert_int_eq(sm.rev[DSKEY_NODE], 10);
	ck_assert_int_eq(fk.nchanged, 1);
}
END_TEST

START_TEST(test_lost_stream_resumes_without_relist)
{
	teardown();
	setup_n(2, NULL);
	snapshot();
	event(1, NODES "n2", "{}", 15);
	etcdsm_watch_end(&sm, now, DSKEY_PEER, "connection closed");
	ck_assert_int_eq(sm.state, ETCDSM_BACKOFF);
	ck_assert(!etcdsm_in_sync(&sm));
	/* The model stays; the other endpoint is tried at once. */
	ck_assert_uint_eq(dsstore_count(&store), 3);
	ck_assert_uint_eq(etcdsm_next_deadline(&sm), now);
	run_until(now);
	ck_assert_int_eq(fk.what, ETCDSM_REQ_WATCH);
	/* Every stream resumes from its kind's revision. */
	ck_assert_uint_eq(fk.ep, 1);
	ck_assert_int_ge(fk.ncancel, 1);
	for (int k = 0; k < ETCDSM_NSTREAMS; k++)
		ck_assert_int_eq(fk.wreqs[k], 2);
	ck_assert_str_eq(watch_str(DSKEY_NODE, "start_revision"), "16");
	ck_assert_str_eq(watch_str(DSKEY_PEER, "start_revision"), "11");
	ck_assert_uint_eq(sm.relists, 0);
	teardown();
	setup();
}
END_TEST

START_TEST(test_compaction_relists_what_is_gone)
{
	snapshot();
	/* Pools and filters moved past 30 on progress; the rest did not. */
	progress(DSKEY_POOL, 30);
	progress(DSKEY_FILTER, 30);
	line(DSKEY_NODE, "{\"result\":{\"header\":{},\"watch_id\":\"1\","
	    "\"canceled\":true,\"compact_revision\":\"25\"}}");
	ck_assert_int_eq(sm.state, ETCDSM_LIST);
	ck_assert_uint_eq(sm.list_mask, (1u << DSKEY_NODE) |
	    (1u << DSKEY_BGPCONF) | (1u << DSKEY_PEER) |
	    (1u << DSKEY_BFD) | (1u << DSKEY_AFFINITY));
	ck_assert_ptr_null(req_str(0, "revision"));
	/* nodes: n1 is gone while we were away; bgppeers unchanged. */
	answer_empty(40);
	answer_empty(40);
	{
		static const char *const pk[] = { PEERS "tor" };
		static const char *const pv[] = { "{\"peer\":1}" };

		answer_range(40, false, pk, pv, 1);
	}
	answer_empty(40);	/* bfdconfigurations */
	answer_empty(40);	/* affinities */
	ck_assert_int_eq(fk.what, ETCDSM_REQ_WATCH);
	ck_assert_uint_eq(dsstore_count(&store), 1);
	ck_assert_str_eq(watch_str(DSKEY_NODE, "start_revision"), "41");
	ck_assert_str_eq(watch_str(DSKEY_POOL, "start_revision"), "31");
	ck_assert_uint_eq(sm.relists, 1);
	run_until(now + 100);
	ck_assert_int_eq(fk.nchanged, 2);	/* the synthesized delete */
}
END_TEST

START_TEST(test_relist_unchanged_is_quiet)
{
	static const char *const nk[] = { NODES "n1" };
	static const char *const nv[] = { "{\"node\":1}" };

	snapshot();
	line(DSKEY_NODE, "{\"result\":{\"watch_id\":\"1\",\"canceled\":true,"
	    "\"compact_revision\":\"12\"}}");
	answer_range(50, false, nk, nv, 1);	/* nodes: the same */
	answer_empty(50);			/* bgpconfigurations */
	answer_range(50, false, (const char *const[]){ PEERS "tor" },
	    (const char *const[]){ "{\"peer\":1}" }, 1);
	answer_empty(50);			/* ippools */
	answer_empty(50);			/* bgpfilters */
	answer_empty(50);			/* bfdconfigurations */
	answer_empty(50);			/* affinities */
	created_all();
	run_until(now + 1000);
	ck_assert_int_eq(fk.nchanged, 1);
	ck_assert(etcdsm_in_sync(&sm));
}
END_TEST

START_TEST(test_range_compacted_restarts_listing)
{
	static const char *const k1[] = { NODES "a", NODES "b" };
	static const char *const v[] = { "{}", "{}" };
	static const char err[] = "{\"error\":\"etcdserver: mvcc: required "
	    "revision has been compacted\",\"message\":\"etcdserver: mvcc: "
	    "required revision has been compacted\",\"code\":11}";

	etcdsm_start(&sm, now);
	answer_range(42, true, k1, v, 2);
	etcdsm_response(&sm, now, 400, err, strlen(err));
	ck_assert_int_eq(sm.state, ETCDSM_LIST);
	ck_assert_ptr_null(req_str(0, "revision"));
	ck_assert_str_eq(req_b64(0, "key"), NODES);
	ck_assert_uint_eq(sm.failures, 0);
	ck_assert_uint_eq(sm.compactions, 1);
}
END_TEST

START_TEST(test_backoff_doubles_to_cap)
{
	static const uint64_t want[] = { 500, 1000, 2000, 4000, 5000, 5000 };

	etcdsm_start(&sm, now);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		uint64_t at, reqs = (uint64_t)fk.nreq;

		etcdsm_response(&sm, now, 0, "connection refused", 18);
		ck_assert_int_eq(sm.state, ETCDSM_BACKOFF);
		at = etcdsm_next_deadline(&sm);
		ck_assert_msg(at >= now + want[i] &&
		    at <= now + want[i] + want[i] / 4, "retry %zu in %llu ms",
		    i, (unsigned long long)(at - now));
		/* Nothing is asked before the time. */
		run_until(at - 1);
		ck_assert_uint_eq((uint64_t)fk.nreq, reqs);
		run_until(at);
		ck_assert_uint_eq((uint64_t)fk.nreq, reqs + 1);
	}
	ck_assert_str_eq(sm.last_error, "connection refused");
	/* Success resets the back-off. */
	answer_empty(5);
	etcdsm_response(&sm, now, 0, "reset", 5);
	ck_assert_uint_le(etcdsm_next_deadline(&sm) - now, 625);
}
END_TEST

START_TEST(test_failover_rotates_endpoints)
{
	teardown();
	setup_n(3, NULL);
	etcdsm_start(&sm, now);
	ck_assert_uint_eq(fk.ep, 0);
	etcdsm_response(&sm, now, 0, "refused", 7);
	run_until(now);
	ck_assert_uint_eq(fk.ep, 1);
	etcdsm_response(&sm, now, 503, "{\"error\":\"etcdserver: no "
	    "leader\",\"code\":14}", 40);
	run_until(now);
	ck_assert_uint_eq(fk.ep, 2);
	/* A whole round failed: now back off before endpoint 0. */
	etcdsm_response(&sm, now, 0, "refused", 7);
	ck_assert_uint_ge(etcdsm_next_deadline(&sm), now + 500);
	run_until(now + 700);
	ck_assert_uint_eq(fk.ep, 0);
	teardown();
	setup();
}
END_TEST

START_TEST(test_watch_idle_restart)
{
	int reqs, cancels;

	snapshot();
	reqs = fk.nreq;
	cancels = fk.ncancel;
	/* Progress every 30 s on every stream keeps their 60 s idle timers
	 * from firing, for ten idle periods. */
	for (int i = 0; i < 20; i++) {
		run_until(now + 30000);
		for (int k = 0; k < ETCDSM_NSTREAMS; k++)
			progress(k, 11 + i);
	}
	ck_assert_int_eq(fk.nreq, reqs);
	ck_assert_uint_eq(sm.watch_restarts, 0);
	/* Then silence: each stream is re-created once per idle period,
	 * from where its kind was, without a re-list, a back-off or a
	 * cancel (each new request replaces its stream). */
	run_until(now + 60000);
	ck_assert_uint_eq(sm.watch_restarts, ETCDSM_NSTREAMS);
	ck_assert_int_eq(fk.nreq, reqs + ETCDSM_NSTREAMS);
	ck_assert_int_eq(fk.ncancel, cancels);
	ck_assert_int_eq(fk.what, ETCDSM_REQ_WATCH);
	for (int k = 0; k < ETCDSM_NSTREAMS; k++) {
		ck_assert_int_eq(fk.wreqs[k], 2);
		ck_assert_str_eq(watch_str(k, "start_revision"), "31");
	}
	/* A restart on purpose is no loss of sync; a failure is. */
	ck_assert(etcdsm_in_sync(&sm));
	for (int i = 0; i < 3; i++) {
		created_all();
		ck_assert(etcdsm_in_sync(&sm));
		run_until(now + 60000);
	}
	ck_assert_uint_eq(sm.watch_restarts, 4 * ETCDSM_NSTREAMS);
	ck_assert_uint_eq(sm.failures, 0);
	ck_assert_int_eq(fk.nchanged, 1);
}
END_TEST

/* Each stream has its own idle timer (etcd's progress notifications are
 * per watch): a silent one is re-created alone, the others stay. */
START_TEST(test_idle_restarts_only_the_silent_stream)
{
	static const char aff[] = AFF "ipv4/block/100.64.1.0-26";
	int cancels;

	snapshot();
	cancels = fk.ncancel;
	for (int i = 0; i < 2; i++) {
		run_until(now + 30000);
		for (int k = 0; k < ETCDSM_NSTREAMS; k++) {
			if (k != DSKEY_AFFINITY)
				progress(k, 21 + i);
		}
	}
	ck_assert_uint_eq(sm.watch_restarts, 1);
	ck_assert_int_eq(fk.ncancel, cancels);
	ck_assert_int_eq(fk.stream, DSKEY_AFFINITY);
	for (int k = 0; k < ETCDSM_NSTREAMS; k++)
		ck_assert_int_eq(fk.wreqs[k], k == DSKEY_AFFINITY ? 2 : 1);
	ck_assert_str_eq(watch_str(DSKEY_AFFINITY, "start_revision"), "11");
	ck_assert_str_eq(watch_str(DSKEY_AFFINITY, "watch_id"), "7");
	ck_assert(etcdsm_in_sync(&sm));
	/* The others went on meanwhile; the new stream works. */
	ck_assert_int_eq(sm.rev[DSKEY_NODE], 22);
	created(DSKEY_AFFINITY);
	ck_assert(etcdsm_in_sync(&sm));
	event(DSKEY_AFFINITY + 1, aff, "{\"state\":\"confirmed\"}", 23);
	run_until(now + 100);
	ck_assert_ptr_nonnull(dsstore_get(&store, aff, strlen(aff)));
	ck_assert_int_eq(fk.nchanged, 2);
	ck_assert_uint_eq(sm.failures, 0);
}
END_TEST

/*
 * What one HTTP/1.1 body with six create_requests did: the gateway lost
 * some of them (it reads the body's rest after answering the first), and
 * the lost kinds went unwatched with bgpd "in sync" until a restart.
 * Now a stream whose watch is never created keeps bgpd out of sync,
 * whatever the other streams' idle restarts do, and after the request
 * timeout it is a failure: its kind is asked for again, on its own.
 * The idle period is t_etcd_mesh's 2 s, shorter than the timeout.
 */
START_TEST(test_lost_create_is_requested_again)
{
	static const char aff[] = AFF "ipv4/block/100.64.4.0-26";
	uint64_t t0;

	sm.conf.watch_idle_ms = 2000;
	etcdsm_start(&sm, now);
	for (int k = 0; k < DSKEY_NKINDS; k++)
		answer_empty(10);
	ck_assert_int_eq(sm.state, ETCDSM_WATCH);
	t0 = now;
	/* Every create but the affinities' is answered. */
	for (int k = 0; k < ETCDSM_NSTREAMS; k++) {
		if (k != DSKEY_AFFINITY)
			created(k);
	}
	event(1, NODES "n2", "{}", 11);
	run_until(now + 100);
	ck_assert_ptr_nonnull(dsstore_get(&store, NODES "n2",
	    strlen(NODES "n2")));
	for (uint64_t t = t0 + 500; t < t0 + 10000; t += 500) {
		run_until(t);
		/* The silent streams are re-created and answered... */
		for (int k = 0; k < ETCDSM_NSTREAMS; k++) {
			if (k != DSKEY_AFFINITY &&
			    !(sm.created_mask & (1u << k)))
				created(k);
		}
		/* ...but the affinities' is still missing: not in sync. */
		ck_assert_int_eq(sm.state, ETCDSM_WATCH);
		ck_assert(!etcdsm_in_sync(&sm));
		ck_assert_int_eq(fk.wreqs[DSKEY_AFFINITY], 1);
	}
	ck_assert_uint_ge(sm.watch_restarts, 4 * (ETCDSM_NSTREAMS - 1));
	run_until(t0 + 10000);
	ck_assert_int_eq(sm.state, ETCDSM_BACKOFF);
	ck_assert(strstr(sm.last_error, "BlockAffinity: not created") !=
	    NULL);
	ck_assert_uint_eq(sm.failures, 1);
	/* Every stream resumes, the affinities' from its revision. */
	run_until(now + 1000);
	ck_assert_int_eq(sm.state, ETCDSM_WATCH);
	ck_assert_int_eq(fk.wreqs[DSKEY_AFFINITY], 2);
	ck_assert_str_eq(watch_str(DSKEY_AFFINITY, "start_revision"), "11");
	ck_assert_str_eq(watch_str(DSKEY_NODE, "start_revision"), "12");
	ck_assert_uint_eq(sm.relists, 0);
	created_all();
	ck_assert(etcdsm_in_sync(&sm));
	event(DSKEY_AFFINITY + 1, aff, "{\"state\":\"confirmed\"}", 12);
	run_until(now + 100);
	ck_assert_ptr_nonnull(dsstore_get(&store, aff, strlen(aff)));
}
END_TEST

/* A message for another watch on a stream is an error, not applied to
 * the wrong kind. */
START_TEST(test_message_on_the_wrong_stream)
{
	snapshot();
	event(1, NODES "n2", "{}", 11);
	ck_assert_int_eq(sm.state, ETCDSM_WATCH);
	line(DSKEY_PEER, "{\"result\":{\"watch_id\":\"1\",\"events\":[]}}");
	ck_assert_int_eq(sm.state, ETCDSM_BACKOFF);
	ck_assert(strstr(sm.last_error, "on the stream of watch 3") != NULL);
	/* Another stream's late line after the failure is ignored, and a
	 * stream bgpd never opened is no stream. */
	created(DSKEY_NODE);
	etcdsm_watch_end(&sm, now, ETCDSM_NSTREAMS, "eof");
	ck_assert_int_eq(sm.state, ETCDSM_BACKOFF);
	run_until(now + 1000);
	ck_assert_int_eq(sm.state, ETCDSM_WATCH);
	etcdsm_watch_end(&sm, now, -1, "eof");
	etcdsm_watch_line(&sm, now, ETCDSM_NSTREAMS, "x", 1);
	ck_assert_int_eq(sm.state, ETCDSM_WATCH);
}
END_TEST

START_TEST(test_request_deadlines)
{
	etcdsm_start(&sm, now);
	run_until(now + 9999);
	ck_assert_int_eq(sm.state, ETCDSM_LIST);
	run_until(now + 1);
	ck_assert_int_eq(sm.state, ETCDSM_BACKOFF);
	ck_assert(strstr(sm.last_error, "no answer") != NULL);
	/* A watch that is never created fails the same way. */
	teardown();
	setup();
	snapshot();
	etcdsm_watch_end(&sm, now, DSKEY_NODE, "eof");
	run_until(now + 1000);
	ck_assert_int_eq(fk.what, ETCDSM_REQ_WATCH);
	/* One stream created is not enough. */
	created(DSKEY_PEER);
	{
		uint64_t at = sm.create_by[DSKEY_NODE];

		run_until(at - 1);
		ck_assert_int_eq(sm.state, ETCDSM_WATCH);
		run_until(at);
	}
	ck_assert_int_eq(sm.state, ETCDSM_BACKOFF);
	ck_assert(strstr(sm.last_error, "not created") != NULL);
	/* A late answer after that is ignored. */
	line(0, "{\"result\":{\"watch_id\":\"1\",\"created\":true}}");
	ck_assert_int_eq(sm.state, ETCDSM_BACKOFF);
}
END_TEST

START_TEST(test_auth_and_expiry)
{
	static const char tok[] = "{\"header\":{\"revision\":\"3\"},"
	    "\"token\":\"tok.1\"}";
	static const char bad[] = "{\"error\":\"etcdserver: invalid auth "
	    "token\",\"message\":\"etcdserver: invalid auth token\","
	    "\"code\":16}";

	teardown();
	setup_n(1, "root");
	etcdsm_start(&sm, now);
	ck_assert_int_eq(fk.what, ETCDSM_REQ_AUTH);
	ck_assert_str_eq(fk.path, "/v3/auth/authenticate");
	ck_assert_str_eq(req_str(0, "name"), "root");
	ck_assert_str_eq(req_str(0, "password"), "secret");
	etcdsm_response(&sm, now, 200, tok, strlen(tok));
	ck_assert_str_eq(etcdsm_token(&sm), "tok.1");
	ck_assert_int_eq(fk.what, ETCDSM_REQ_RANGE);
	answer_empty(5);
	/* The token expires: authenticate again, retry the page. */
	etcdsm_response(&sm, now, 401, bad, strlen(bad));
	ck_assert_int_eq(fk.what, ETCDSM_REQ_AUTH);
	ck_assert_ptr_null(etcdsm_token(&sm));
	etcdsm_response(&sm, now, 200, tok, strlen(tok));
	ck_assert_int_eq(fk.what, ETCDSM_REQ_RANGE);
	ck_assert_str_eq(req_b64(0, "key"), store.prefixes.v[1]);
	/* A fresh token refused: that is a failure, not a loop. */
	etcdsm_response(&sm, now, 401, bad, strlen(bad));
	ck_assert_int_eq(sm.state, ETCDSM_BACKOFF);
	ck_assert_uint_eq(sm.auths, 2);
	/* A watch cancelled for its token re-authenticates too. */
	run_until(now + 1000);
	etcdsm_response(&sm, now, 200, tok, strlen(tok));
	for (int k = 1; k < DSKEY_NKINDS; k++)
		answer_empty(5);
	created_all();
	line(0, "{\"result\":{\"watch_id\":\"-1\",\"created\":true,"
	    "\"canceled\":true,\"cancel_reason\":\"etcdserver: invalid "
	    "auth token\"}}");
	ck_assert_int_eq(fk.what, ETCDSM_REQ_AUTH);
	teardown();
	setup();
}
END_TEST

START_TEST(test_no_credentials_for_auth)
{
	static const char e[] = "{\"error\":\"etcdserver: user name is "
	    "empty\",\"code\":3}";

	etcdsm_start(&sm, now);
	etcdsm_response(&sm, now, 401, e, strlen(e));
	ck_assert_int_eq(sm.state, ETCDSM_BACKOFF);
	ck_assert(strstr(sm.last_error, "ETCD_USERNAME") != NULL);
}
END_TEST

START_TEST(test_bad_messages_fail_cleanly)
{
	snapshot();
	line(0, "{\"result\":");
	ck_assert_int_eq(sm.state, ETCDSM_BACKOFF);
	ck_assert(strstr(sm.last_error, "invalid JSON") != NULL);
	run_until(now + 1000);
	created_all();
	line(3, "{\"error\":{\"grpc_code\":14,\"http_code\":503,"
	    "\"message\":\"transport is closing\"}}");
	ck_assert_int_eq(sm.state, ETCDSM_BACKOFF);
	ck_assert(strstr(sm.last_error, "transport is closing") != NULL);
	run_until(now + 2000);
	created_all();
	line(0, "{\"result\":{\"watch_id\":\"77\",\"events\":[]}}");
	ck_assert_int_eq(sm.state, ETCDSM_BACKOFF);
	/* Through all of it the model stayed. */
	ck_assert_uint_eq(dsstore_count(&store), 2);
	ck_assert_int_eq(fk.nchanged, 1);
}
END_TEST

START_TEST(test_revision_went_back)
{
	snapshot();
	event(1, NODES "n2", "{}", 500);
	etcdsm_watch_end(&sm, now, DSKEY_FILTER, "eof");
	run_until(now + 1000);
	/* The new cluster is at revision 7, far below 500. */
	line(0, "{\"result\":{\"header\":{\"revision\":\"7\"},"
	    "\"watch_id\":\"1\",\"created\":true}}");
	ck_assert_int_eq(sm.state, ETCDSM_LIST);
	ck_assert_uint_eq(sm.list_mask, (1u << DSKEY_NKINDS) - 1);
	for (int k = 0; k < DSKEY_NKINDS; k++)
		answer_empty(7);
	ck_assert_uint_eq(dsstore_count(&store), 0);
	for (int k = 0; k < ETCDSM_NSTREAMS; k++)
		ck_assert_str_eq(watch_str(k, "start_revision"), "8");
}
END_TEST

/* --check's: the snapshot, changed(), and no watch. */
START_TEST(test_snapshot_only_opens_no_watch)
{
	sm.conf.snapshot_only = true;
	etcdsm_start(&sm, now);
	for (int k = 0; k < DSKEY_NKINDS; k++)
		answer_empty(10);
	ck_assert_int_eq(sm.state, ETCDSM_IDLE);
	for (int k = 0; k < ETCDSM_NSTREAMS; k++)
		ck_assert_int_eq(fk.wreqs[k], 0);
	run_until(now + 100000);
	ck_assert_int_eq(fk.nchanged, 1);
	ck_assert_int_eq(fk.nreq, DSKEY_NKINDS);
	ck_assert_uint_eq(sm.failures, 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("etcdsm");
	TCase *tc = tcase_create("etcdsm");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_snapshot_paged_one_revision);
	tcase_add_test(tc, test_events_coalesced);
	tcase_add_test(tc, test_progress_moves_one_kind);
	tcase_add_test(tc, test_lost_stream_resumes_without_relist);
	tcase_add_test(tc, test_compaction_relists_what_is_gone);
	tcase_add_test(tc, test_relist_unchanged_is_quiet);
	tcase_add_test(tc, test_range_compacted_restarts_listing);
	tcase_add_test(tc, test_backoff_doubles_to_cap);
	tcase_add_test(tc, test_failover_rotates_endpoints);
	tcase_add_test(tc, test_watch_idle_restart);
	tcase_add_test(tc, test_idle_restarts_only_the_silent_stream);
	tcase_add_test(tc, test_lost_create_is_requested_again);
	tcase_add_test(tc, test_message_on_the_wrong_stream);
	tcase_add_test(tc, test_snapshot_only_opens_no_watch);
	tcase_add_test(tc, test_request_deadlines);
	tcase_add_test(tc, test_auth_and_expiry);
	tcase_add_test(tc, test_no_credentials_for_auth);
	tcase_add_test(tc, test_bad_messages_fail_cleanly);
	tcase_add_test(tc, test_revision_went_back);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
