/* health: see health.h. */
#include "health.h"

#include <stdio.h>
#include <string.h>

#include "bgp/speaker.h"
#include "config/plan.h"
#include "kernel.h"
#include "lib/buf.h"
#include "lib/monotime.h"
#include "peer_io.h"
#include "view.h"

bool
health_counted_name(const char *name)
{
	static const char *const pfx[] = { "Global_", "Node_", "Mesh_" };

	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(pfx[i]);

		if (strncmp(name, pfx[i], n) == 0 && name[n] != '\0')
			return true;
	}
	return false;
}

void
health_recovery(const struct view *v, struct health_recovery *r)
{
	memset(r, 0, sizeof(*r));
	r->running = kernel_recovering(view_kernel(v), &r->left_ms,
	    &r->total_ms);
	if (!r->running)
		return;
	for (const struct conn *c = view_conns(v); c != NULL; c = c->next) {
		struct speaker_peer_stats st;

		speaker_peer_stats(c->peer_sp, &st);
		if (!st.eor_received)
			r->waiting++;
	}
}

/* The file datastore is in sync once loaded: bgpd does not start
 * without it, and a failed reload keeps the last good plan running. */
static bool
datastore_synced(const struct view *v)
{
	return v->plan->node != NULL;
}

/* One family's rule; false with the peers that are not up in bad. */
static bool
family_ready(const struct view *v, int af, bool strict,
    struct buf_wr *bad, unsigned *up, unsigned *all)
{
	unsigned nup = 0, n = 0;
	char a[ADDR_STRLEN];

	for (const struct conn *c = view_conns(v); c != NULL; c = c->next) {
		struct session *s = speaker_peer_session(c->peer_sp);

		/* A disabled protocol prints no state word to calico (5
		 * fields): it is not counted, as with BIRD. */
		if (c->peer.af != af || !health_counted_name(c->name) ||
		    !s->fsm.running)
			continue;
		n++;
		if (session_established(s)) {
			nup++;
			continue;
		}
		buf_printf(bad, "%s%s", bad->len ? "," : "",
		    addr_fmt(&c->peer, a, sizeof(a)));
	}
	*up += nup;
	*all += n;
	return n == 0 || (strict ? nup == n : nup > 0);
}

bool
health_ready(const struct view *v, unsigned threshold_s, char *why,
    size_t len)
{
	struct health_recovery r;
	struct buf_wr bad;
	unsigned up = 0, all = 0;
	uint64_t age = (monotime_ms() - v->start_mono) / 1000;
	bool strict = age < threshold_s, ok;

	if (!datastore_synced(v)) {
		snprintf(why, len, "not ready: datastore not in sync");
		return false;
	}
	buf_wr_init(&bad, 0);
	ok = family_ready(v, AF_INET, strict, &bad, &up, &all);
	ok = family_ready(v, AF_INET6, strict, &bad, &up, &all) && ok;
	if (!ok) {
		snprintf(why, len, "not ready: BGP not established with %s",
		    buf_str(&bad));
		buf_wr_free(&bad);
		return false;
	}
	buf_wr_free(&bad);
	health_recovery(v, &r);
	if (strict && r.running) {
		snprintf(why, len, "not ready: graceful restart recovery in "
		    "progress (%u sessions without End-of-RIB, %llus left)",
		    r.waiting, (unsigned long long)(r.left_ms + 999) / 1000);
		return false;
	}
	snprintf(why, len, "ready: %u of %u sessions Established%s", up, all,
	    strict ? "" : " (after start-up, one per family is enough)");
	return true;
}

void
health_live(const struct view *v, char *why, size_t len)
{
	snprintf(why, len, "live: bgpd %s answering, up %llus, %u sessions",
	    BGPD_VERSION, (unsigned long long)(monotime_ms() -
	    v->start_mono) / 1000, (unsigned)v->plan->nsessions);
}
