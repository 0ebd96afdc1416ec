/*
 * policy: see policy.h.
 */
#include "policy.h"

#include <stdlib.h>
#include <string.h>

#include "bgp/rib.h"
#include "calico/peerpol.h"
#include "daemon.h"
#include "kernel.h"
#include "lib/log.h"
#include "lib/monotime.h"
#include "lib/xalloc.h"
#include "peer_io.h"

/* The connection's session as peerpol sees it. */
static void
session_of(const struct speaker_peer *sp, struct peerpol_session *s)
{
	const struct conn *c = speaker_peer_io_ctx(sp);

	memset(s, 0, sizeof(*s));
	s->ebgp = speaker_peer_ebgp(sp);
	if (c != NULL) {
		s->filters = c->filters;
		s->nfilters = c->nfilters;
	}
}

bool
policy_import(void *arg, const struct speaker_peer *from,
    const struct ip_prefix *p, const struct bgp_attrs *a,
    const struct speaker_adds **adds)
{
	struct daemon *d = arg;
	struct peerpol_session s;

	session_of(from, &s);
	return peerpol_import(d->pol, &s, p, a, adds);
}

bool
policy_export(void *arg, const struct speaker_peer *to,
    const struct rib_entry *e, const struct rib_path *best,
    const struct speaker_adds **adds)
{
	struct daemon *d = arg;
	struct peerpol_session s;
	struct peerpol_route r;
	struct ip_prefix pfx;

	rib_entry_prefix(e, &pfx);
	session_of(to, &s);
	memset(&r, 0, sizeof(r));
	r.pfx = &pfx;
	r.attrs = best != NULL ? best->attrs : NULL;
	r.local = best != NULL && speaker_path_peer(best) == NULL;
	r.dev = r.local ? kernel_local_dev(d->kern, &pfx) : NULL;
	return peerpol_export(d->pol, &d->plan, &s, &r, adds);
}

static bool
has_service(const struct plan *pl, const struct ip_prefix *p)
{
	return pl != NULL && pl->svc_advertise &&
	    plan_is_service_route(pl, p);
}

static const struct plan_session *
find_session(const struct plan *pl, const char *name)
{
	for (size_t i = 0; i < pl->nsessions; i++)
		if (strcmp(pl->sessions[i].name, name) == 0)
			return &pl->sessions[i];
	return NULL;
}

static void
request_refresh(struct conn *c)
{
	struct session *s = speaker_peer_session(c->peer_sp);

	if (!session_established(s))
		return;
	if (session_request_refresh(s, monotime_ms()))
		log_info("%s: import rules changed: asked the peer for its "
		    "routes again (route refresh)", c->name);
	else
		log_warn("%s: import rules changed but the peer cannot "
		    "refresh; routes it already sent keep the old verdict "
		    "until it sends them again", c->name);
}

/* Point every connection at its session's filters in the new plan (the
 * old plan is still alive).  Where the import rules changed, ask the
 * peer for its routes again (RFC 2918) so they pass the new rules, as
 * BIRD's "reload in" does; a peer without route refresh keeps what it
 * sent until it next changes it, which we log. */
static void
bind_filters(struct daemon *d)
{
	const struct plan *pl = &d->plan;

	for (struct conn *c = d->conns; c != NULL; c = c->next) {
		const struct plan_session *s = find_session(pl, c->name);
		const struct plan_filter **old = c->filters;
		size_t nold = c->nfilters;

		c->filters = NULL;
		c->nfilters = 0;
		if (s != NULL && s->nfilters > 0)
			c->filters = xcalloc(s->nfilters,
			    sizeof(*c->filters));
		for (size_t k = 0; s != NULL && k < s->nfilters; k++)
			for (size_t j = 0; j < pl->nfilters; j++)
				if (strcmp(pl->filters[j].name,
				    s->filters[k]) == 0)
					c->filters[c->nfilters++] =
					    &pl->filters[j];
		if (!peerpol_imports_eq(old, nold, c->filters, c->nfilters))
			request_refresh(c);
		free(old);
	}
}

uint64_t
policy_export_class(void *arg, const struct speaker_peer *to)
{
	struct daemon *d = arg;
	struct peerpol_session s;

	if (d->pol == NULL)
		d->pol = peerpol_new();
	session_of(to, &s);
	return peerpol_export_class(d->pol, &s);
}

void
policy_apply(struct daemon *d, const struct plan *old)
{
	const struct ip_prefix *s;
	char buf[ADDR_PFX_STRLEN];

	if (d->pol == NULL)
		d->pol = peerpol_new();
	bind_filters(d);
	/* The speaker's caches hold our old additions: drop them first. */
	speaker_refresh_exports(d->sp);
	peerpol_reset(d->pol);
	for (size_t i = 0; old != NULL && (s = peerpol_service(old, i)) !=
	    NULL; i++)
		if (!has_service(&d->plan, s))
			speaker_withdraw(d->sp, s);
	for (size_t i = 0; (s = peerpol_service(&d->plan, i)) != NULL; i++)
		if (!has_service(old, s) || peerpol_local_lp(old, s, 0) !=
		    peerpol_local_lp(&d->plan, s, 0)) {
			if (!has_service(old, s))
				log_info("advertising service range %s",
				    addr_pfx_fmt(s, buf, sizeof(buf)));
			speaker_originate_lp(d->sp, s,
			    peerpol_local_lp(&d->plan, s, 0));
		}
}

void
policy_free(struct daemon *d)
{
	peerpol_free(d->pol);
	d->pol = NULL;
}
