/* metrics: see metrics.h. */
#include "metrics.h"

#include <dirent.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bgp/attrset.h"
#include "bfd_io.h"
#include "bgp/speaker.h"
#include "config/plan.h"
#include "fib/fib.h"
#include "health.h"
#include "kernel.h"
#include "lib/log.h"
#include "lib/monotime.h"
#include "lib/xalloc.h"
#include "peer_io.h"
#include "view.h"

struct metrics {
	const struct view *v;
	struct evhttp *http;
	uint64_t scrapes;
};

/* ---- exposition ---- */

static void
family(struct buf_wr *o, const char *name, const char *type,
    const char *help)
{
	buf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, double quote and newline escaped. */
static void
label_value(struct buf_wr *o, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			buf_printf(o, "\\%c", *v);
		else if (*v == '\n')
			buf_put_str(o, "\\n");
		else
			buf_printf(o, "%c", *v);
	}
}

static void
peer_labels(struct buf_wr *o, const struct conn *c)
{
	buf_put_str(o, "{peer=\"");
	label_value(o, c->name);
	buf_printf(o, "\",afi=\"%s\"", c->peer.af == AF_INET ? "ipv4" :
	    "ipv6");
}

static void
peer_u64(struct buf_wr *o, const char *name, const struct conn *c,
    const char *extra, uint64_t v)
{
	buf_put_str(o, name);
	peer_labels(o, c);
	if (extra != NULL)
		buf_printf(o, ",%s", extra);
	buf_printf(o, "} %llu\n", (unsigned long long)v);
}

static const char *const states[] = {
	"idle", "connect", "active", "opensent", "openconfirm", "established",
};

/* One family over every session: value(c) through a switch on which. */
enum pm {
	PM_UP, PM_ADMIN, PM_UPTIME, PM_FLAPS, PM_RECEIVED, PM_ACCEPTED,
	PM_ADVERTISED, PM_LOOPED, PM_FILTERED, PM_EOR,
};

static const struct {
	const char *name, *type, *help;
} pms[] = {
	[PM_UP] = { "bgpd_peer_up", "gauge",
	    "1 when the session is Established" },
	[PM_ADMIN] = { "bgpd_peer_admin_down", "gauge",
	    "1 when the operator shut the session down" },
	[PM_UPTIME] = { "bgpd_peer_uptime_seconds", "gauge",
	    "seconds since the session became Established (0 when not)" },
	[PM_FLAPS] = { "bgpd_peer_flaps_total", "counter",
	    "times the session left Established on an error" },
	[PM_RECEIVED] = { "bgpd_peer_prefixes_received", "gauge",
	    "prefixes held from the peer" },
	[PM_ACCEPTED] = { "bgpd_peer_prefixes_accepted", "gauge",
	    "prefixes from the peer that import policy accepted" },
	[PM_ADVERTISED] = { "bgpd_peer_prefixes_advertised", "gauge",
	    "prefixes the peer has from us" },
	[PM_LOOPED] = { "bgpd_peer_announcements_looped_total", "counter",
	    "announcements dropped as loops (AS path, originator, cluster)" },
	[PM_FILTERED] = { "bgpd_peer_announcements_filtered_total",
	    "counter", "announcements import policy rejected" },
	[PM_EOR] = { "bgpd_peer_end_of_rib_received", "gauge",
	    "1 once the peer sent End-of-RIB on this session" },
};

static uint64_t
pm_value(enum pm which, const struct conn *c, uint64_t now)
{
	const struct session *s = speaker_peer_session(c->peer_sp);
	struct speaker_peer_stats st;

	speaker_peer_stats(c->peer_sp, &st);
	switch (which) {
	case PM_UP: return session_established(s);
	case PM_ADMIN: return !s->fsm.running;
	case PM_UPTIME:
		return st.up_since ? (now - st.up_since) / 1000 : 0;
	case PM_FLAPS: return st.flaps;
	case PM_RECEIVED:
	case PM_ACCEPTED: return st.received;
	case PM_ADVERTISED: return st.advertised;
	case PM_LOOPED: return st.looped;
	case PM_FILTERED: return st.filtered;
	case PM_EOR: return st.eor_received;
	}
	return 0;
}

static void
peer_messages(struct buf_wr *o, const struct view *vw, bool in)
{
	static const char *const types[] = {
		"open", "update", "keepalive", "notification", "route_refresh",
	};

	family(o, in ? "bgpd_peer_messages_received_total" :
	    "bgpd_peer_messages_sent_total", "counter", in ?
	    "BGP messages received, by type" : "BGP messages sent, by type");
	for (const struct conn *c = view_conns(vw); c != NULL; c = c->next) {
		const struct session_stats *x =
		    &speaker_peer_session(c->peer_sp)->stats;
		uint64_t v[5] = {
			in ? x->opens_in : x->opens_out,
			in ? x->updates_in : x->updates_out,
			in ? x->keepalives_in : x->keepalives_out,
			in ? x->notifications_in : x->notifications_out,
			in ? x->refreshes_in : x->refreshes_out,
		};
		char t[40];

		for (int i = 0; i < 5; i++) {
			snprintf(t, sizeof(t), "type=\"%s\"", types[i]);
			peer_u64(o, in ? "bgpd_peer_messages_received_total" :
			    "bgpd_peer_messages_sent_total", c, t, v[i]);
		}
	}
}

static void
peers(struct buf_wr *o, const struct view *v)
{
	const struct conn *conns = view_conns(v);
	uint64_t now = monotime_ms();
	char a[ADDR_STRLEN], extra[200];

	family(o, "bgpd_peer_info", "gauge", "a session's address, AS and "
	    "Calico type (value 1)");
	for (const struct conn *c = conns; c != NULL; c = c->next) {
		const struct session *s = speaker_peer_session(c->peer_sp);

		snprintf(extra, sizeof(extra), "peer_address=\"%s\","
		    "peer_as=\"%u\",type=\"%s\"", addr_fmt(&c->peer, a,
		    sizeof(a)), s->conf.remote_as, plan_stype_name(c->type));
		peer_u64(o, "bgpd_peer_info", c, extra, 1);
	}
	family(o, "bgpd_peer_state", "gauge", "1 for the session's current "
	    "BGP FSM state, 0 for the others");
	for (const struct conn *c = conns; c != NULL; c = c->next) {
		const struct session *s = speaker_peer_session(c->peer_sp);

		for (int i = 0; i < 6; i++) {
			snprintf(extra, sizeof(extra), "state=\"%s\"",
			    states[i]);
			peer_u64(o, "bgpd_peer_state", c, extra,
			    (int)s->fsm.state == i);
		}
	}
	for (size_t k = 0; k < sizeof(pms) / sizeof(pms[0]); k++) {
		family(o, pms[k].name, pms[k].type, pms[k].help);
		for (const struct conn *c = conns; c != NULL; c = c->next)
			peer_u64(o, pms[k].name, c, NULL,
			    pm_value((enum pm)k, c, now));
	}
	peer_messages(o, v, true);
	peer_messages(o, v, false);
	family(o, "bgpd_peer_update_errors_total", "counter",
	    "RFC 7606 actions taken on the peer's UPDATEs");
	for (const struct conn *c = conns; c != NULL; c = c->next) {
		const struct session_stats *x =
		    &speaker_peer_session(c->peer_sp)->stats;

		peer_u64(o, "bgpd_peer_update_errors_total", c,
		    "action=\"treat_as_withdraw\"", x->withdraws);
		peer_u64(o, "bgpd_peer_update_errors_total", c,
		    "action=\"attribute_discard\"", x->discards);
	}
}

static void
one(struct buf_wr *o, const char *name, const char *type, const char *help,
    uint64_t v)
{
	family(o, name, type, help);
	buf_printf(o, "%s %llu\n", name, (unsigned long long)v);
}

static void
kernel(struct buf_wr *o, const struct view *v)
{
	struct fib_stats st;

	if (!kernel_stats(view_kernel(v), &st))
		return;		/* --no-kernel */
	one(o, "bgpd_kernel_routes_wanted", "gauge", "prefixes bgpd wants "
	    "in the kernel", st.wanted);
	one(o, "bgpd_kernel_routes_installed", "gauge", "of them in the "
	    "kernel as wanted", st.installed);
	one(o, "bgpd_kernel_routes_failing", "gauge", "routes the kernel "
	    "refuses, retried", st.failing);
	one(o, "bgpd_kernel_errors_total", "counter", "route requests the "
	    "kernel refused", st.errors);
	family(o, "bgpd_kernel_requests_total", "counter", "route requests "
	    "sent to the kernel, by operation");
	buf_printf(o, "bgpd_kernel_requests_total{op=\"add\"} %llu\n"
	    "bgpd_kernel_requests_total{op=\"replace\"} %llu\n"
	    "bgpd_kernel_requests_total{op=\"delete\"} %llu\n",
	    (unsigned long long)st.adds, (unsigned long long)st.replaces,
	    (unsigned long long)st.deletes);
	one(o, "bgpd_kernel_resyncs_total", "counter", "full re-reads of "
	    "the kernel table after lost events", st.resyncs);
	one(o, "bgpd_kernel_synced", "gauge", "1 once start-up recovery is "
	    "over and stale routes were swept", st.ready);
}

/* /proc/self/stat fields 14, 15 (utime, stime), 22 (starttime), 23
 * (vsize) and 24 (rss). */
static void
process(struct buf_wr *o)
{
	char buf[1024], *p;
	FILE *f = fopen("/proc/self/stat", "r");
	unsigned long long ut = 0, st = 0, start = 0, vsize = 0, rss = 0;
	long tck = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	struct rlimit rl;
	struct timespec boot;
	size_t nfd = 0;
	DIR *dir;

	if (f != NULL && fgets(buf, sizeof(buf), f) != NULL &&
	    (p = strrchr(buf, ')')) != NULL)
		sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
		    "%llu %llu %*d %*d %*d %*d %*d %*d %llu %llu %llu", &ut,
		    &st, &start, &vsize, &rss);
	if (f != NULL)
		fclose(f);
	if ((dir = opendir("/proc/self/fd")) != NULL) {
		while (readdir(dir) != NULL)
			nfd++;
		closedir(dir);
		nfd = nfd > 3 ? nfd - 3 : 0;	/* ., .. and the dir's own */
	}
	clock_gettime(CLOCK_BOOTTIME, &boot);
	family(o, "process_cpu_seconds_total", "counter",
	    "user and system CPU time");
	buf_printf(o, "process_cpu_seconds_total %.2f\n", (double)(ut + st) /
	    (double)tck);
	one(o, "process_resident_memory_bytes", "gauge", "resident memory",
	    rss * (unsigned long long)page);
	one(o, "process_virtual_memory_bytes", "gauge", "virtual memory",
	    vsize);
	one(o, "process_open_fds", "gauge", "open file descriptors", nfd);
	getrlimit(RLIMIT_NOFILE, &rl);
	one(o, "process_max_fds", "gauge", "file descriptor limit",
	    rl.rlim_cur);
	one(o, "process_start_time_seconds", "gauge", "start time, seconds "
	    "since the epoch", (uint64_t)(time(NULL) - boot.tv_sec) +
	    start / (unsigned long long)tck);
}

void
metrics_render(const struct view *v, struct buf_wr *o)
{
	const struct rib *rib = speaker_rib(view_speaker(v));
	struct attrset_stats as;
	struct health_recovery r;
	char why[300];

	family(o, "bgpd_build_info", "gauge", "bgpd's version (value 1)");
	buf_printf(o, "bgpd_build_info{version=\"%s\"} 1\n", BGPD_VERSION);
	one(o, "bgpd_up_seconds", "gauge", "seconds since bgpd started",
	    (monotime_ms() - v->start_mono) / 1000);
	peers(o, v);
	one(o, "bgpd_rib_prefixes", "gauge", "prefixes in the RIB",
	    rib_count(rib));
	one(o, "bgpd_rib_paths", "gauge", "paths in the RIB, all peers",
	    rib->npaths);
	attrset_stats(&as);
	one(o, "bgpd_attribute_sets", "gauge", "interned path attribute "
	    "sets", as.sets);
	kernel(o, v);
	health_recovery(v, &r);
	one(o, "bgpd_restart_recovery", "gauge", "1 while start-up recovery "
	    "waits for End-of-RIB", r.running);
	one(o, "bgpd_ready", "gauge", "1 when calico-node's readiness rule "
	    "holds", health_ready(v, HEALTH_THRESHOLD_S, why, sizeof(why)));
	one(o, "bgpd_datastore_in_sync", "gauge", "1 when the running plan "
	    "comes from a complete read of the datastore", v->plan->node !=
	    NULL);
	bfdio_metrics(view_bfd(v), o);
	one(o, "bgpd_config_reloads_total", "counter", "successful "
	    "reloads", *v->reloads);
	one(o, "bgpd_config_reload_failures_total", "counter", "reloads "
	    "that failed (the running plan kept)", *v->reload_failures);
	one(o, "bgpd_config_last_reload_timestamp_seconds", "gauge",
	    "when the running plan was applied",
	    (uint64_t)*v->last_reload_wall);
	process(o);
}

/* ---- HTTP ---- */

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct metrics *m = arg;
	struct evbuffer *b;
	struct buf_wr o;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(
	    req));

	if (path == NULL || strcmp(path, "/metrics") != 0) {
		evhttp_send_error(req, HTTP_NOTFOUND, "only /metrics here");
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET &&
	    evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
		evhttp_send_error(req, 405, "GET only");
		return;
	}
	m->scrapes++;
	buf_wr_init(&o, 0);
	metrics_render(m->v, &o);
	b = evbuffer_new();
	evbuffer_add(b, o.data, o.len);
	buf_wr_free(&o);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

/* "ADDR:PORT" or "[V6]:PORT" into the address text and the port. */
static int
split(const char *s, char *addr, size_t size, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	struct ip_addr a;
	char *end;
	unsigned long p;
	size_t n;

	if (colon == NULL)
		return -1;
	p = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || p == 0 || p > 65535)
		return -1;
	n = (size_t)(colon - s);
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	if (n == 0 || n >= size)
		return -1;
	memcpy(addr, s, n);
	addr[n] = '\0';
	*port = (uint16_t)p;
	return addr_parse(addr, &a);
}

struct metrics *
metrics_open(const struct view *v, const char *spec, char *err,
    size_t errlen)
{
	struct metrics *m;
	char addr[ADDR_STRLEN + 2];
	uint16_t port;

	if (split(spec, addr, sizeof(addr), &port) != 0) {
		snprintf(err, errlen, "--metrics '%s': expected ADDR:PORT or "
		    "[IPv6]:PORT", spec);
		return NULL;
	}
	m = xcalloc(1, sizeof(*m));
	m->v = v;
	if ((m->http = evhttp_new(v->base)) == NULL ||
	    evhttp_bind_socket(m->http, addr, port) != 0) {
		snprintf(err, errlen, "--metrics: cannot listen on %s", spec);
		if (m->http != NULL)
			evhttp_free(m->http);
		free(m);
		return NULL;
	}
	/* Bounded: small requests, slow clients cut off, GET and HEAD. */
	evhttp_set_timeout(m->http, 10);
	evhttp_set_max_headers_size(m->http, 8192);
	evhttp_set_max_body_size(m->http, 1024);
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST);
	evhttp_set_gencb(m->http, on_request, m);
	log_info("metrics on http://%s/metrics", spec);
	return m;
}

void
metrics_close(struct metrics *m)
{
	if (m == NULL)
		return;
	evhttp_free(m->http);
	free(m);
}
