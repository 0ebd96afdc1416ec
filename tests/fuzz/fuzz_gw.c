/*
 * libFuzzer harness: the etcd gateway's JSON envelopes (datastore/gw.c)
 * and the client state machine that consumes them (etcdsm, dsstore).
 * The input is lines: while etcdsm lists, each line answers its range
 * request (HTTP 200; a line starting with '!' is a 400 or 401 error
 * body instead); once it watches, each line is one watch stream
 * message, on the stream its watch_id names (else on stream 0).
 * Every line also goes through the other parsers.  An input starting
 * with "#auth" configures a user, so the first line answers the
 * authentication.  At the end the model is built and this node
 * planned, as a change would be.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/plan.h"
#include "datastore/dsstore.h"
#include "datastore/etcdsm.h"
#include "datastore/gw.h"
#include "lib/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
quiet(enum log_level l, const char *msg, void *arg)
{
}

static void
f_request(void *arg, enum etcdsm_req what, int stream, size_t ep,
    const char *path, const char *body)
{
	if (body == NULL || path == NULL || ep >= 2 || stream < 0 ||
	    stream >= ETCDSM_NSTREAMS)
		abort();
}

static void
f_none(void *arg)
{
}

static const struct etcdsm_ops ops = { f_request, f_none, f_none };

/* Returns the stream a watch message belongs on. */
static int
other_parsers(const char *p, size_t n)
{
	struct gw_range r;
	struct gw_watch_msg m;
	struct gw_error e;
	char err[128], *t;
	int stream = 0;

	if (gw_range_parse(p, n, &r, err, sizeof(err)) == 0)
		gw_range_free(&r);
	else if (err[0] == '\0')
		abort();	/* every failure says why */
	if (gw_watch_parse(p, n, &m, err, sizeof(err)) == 0) {
		if (m.watch_id >= 1 && m.watch_id <= ETCDSM_NSTREAMS)
			stream = (int)m.watch_id - 1;
		gw_watch_free(&m);
	}
	(void)gw_error_parse(p, n, &e);
	if ((t = gw_auth_parse(p, n, err, sizeof(err))) != NULL)
		free(t);
	return stream;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct etcdsm_conf c;
	struct dsstore st;
	struct etcdsm sm;
	struct config cfg;
	struct config_diags pd;
	struct plan pl;
	struct plan_opts po = { .router_id = NULL };
	const char *p = (const char *)data, *end = p + size;
	uint64_t now = 1000;
	size_t fin;

	log_set_level(LOG_LVL_DEBUG);
	log_set_hook(quiet, NULL);
	memset(&c, 0, sizeof(c));
	c.nendpoints = 2;
	c.page_limit = 2;
	c.request_timeout_ms = 10000;
	c.watch_idle_ms = 60000;
	c.backoff_min_ms = 500;
	c.backoff_max_ms = 5000;
	c.coalesce_ms = 50;
	c.seed = 1;
	if (size >= 6 && memcmp(p, "#auth\n", 6) == 0) {
		c.user = "root";
		c.password = "pw";
		p += 6;
	}
	dsstore_init(&st, "n1");
	etcdsm_init(&sm, &c, &ops, NULL, &st);
	etcdsm_start(&sm, now);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		int stream = other_parsers(p, n);

		if (sm.state == ETCDSM_LIST || sm.state == ETCDSM_AUTH) {
			if (n > 0 && p[0] == '!')
				etcdsm_response(&sm, now, n > 1 && p[1] == 'a' ?
				    401 : 400, p + 1, n - 1);
			else
				etcdsm_response(&sm, now, 200, p, n);
		} else if (sm.state == ETCDSM_WATCH) {
			etcdsm_watch_line(&sm, now, stream, p, n);
		}
		now += 700;
		etcdsm_tick(&sm, now);
		if (etcdsm_next_deadline(&sm) < now)
			abort();	/* a deadline in the past never runs */
		p += n + (nl != NULL);
	}
	(void)dsstore_build(&st, &cfg, &fin);
	memset(&pd, 0, sizeof(pd));
	(void)plan_compute(&cfg, "n1", &po, &pl, &pd);
	plan_free(&pl);		/* also after a failure */
	config_diags_free(&pd);
	config_free(&cfg);
	etcdsm_free(&sm);
	dsstore_free(&st);
	return 0;
}
