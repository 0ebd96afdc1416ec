/*
 * bfdconf: Calico Enterprise's BFDConfiguration resource and BGPPeer's
 * failureDetectionMode (the tigera/api v3 types).
 *
 *   spec.nodeSelector         the nodes it applies to (empty: all())
 *   spec.interfaces[]         per interface, the first match wins:
 *     matchPattern            "eth0", "eth*", "*" (required)
 *     minimumRecvInterval     default 10ms  (RequiredMinRxInterval)
 *     minimumSendInterval     default 100ms (DesiredMinTxInterval)
 *     idleSendInterval        default 1m    (TX while the session is
 *                                            not Up)
 *     multiplier              default 5     (Detect Mult, 1-255)
 *
 * Durations are Go/Kubernetes durations ("100ms", "1m", "1m0s", "1.5s");
 * the API wants "a whole number of milliseconds greater than 0", and BFD
 * carries them as 32-bit microseconds (at most 4294967 ms).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"
#include "lib/xalloc.h"
#include "selector.h"

#define NFIELDS(t)	(sizeof(t) / sizeof((t)[0]))
#define MAX_US		4294967000ULL	/* 4294967 ms in 32-bit us */

/*
 * Go's time.ParseDuration: [-+]?(\d*(\.\d*)?unit)+ or "0"; units ns, us,
 * µs, μs, ms, s, m, h.  Returns 0 and nanoseconds, -1 on bad syntax, -2
 * when negative, -3 when too large.
 */
static int
go_duration_ns(const char *s, uint64_t *out)
{
	static const struct {
		const char *u;
		uint64_t ns;
	} units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 },
		{ "\xce\xbcs", 1000 }, { "ms", 1000000 },
		{ "s", 1000000000ULL }, { "m", 60000000000ULL },
		{ "h", 3600000000000ULL },
	};
	const uint64_t cap = 1ULL << 62;
	uint64_t total = 0;
	bool neg = false;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (strcmp(s, "0") == 0) {
		*out = 0;
		return 0;
	}
	if (*s == '\0')
		return -1;
	while (*s != '\0') {
		uint64_t whole = 0, frac = 0, scale = 1, unit = 0, v;
		bool digits = false;
		size_t ul = 0;

		while (isdigit((unsigned char)*s)) {
			if (whole > cap / 10)
				return -3;
			whole = whole * 10 + (uint64_t)(*s++ - '0');
			digits = true;
		}
		if (*s == '.') {
			s++;
			while (isdigit((unsigned char)*s)) {
				if (scale < 1000000000000000000ULL) {
					frac = frac * 10 +
					    (uint64_t)(*s - '0');
					scale *= 10;
				}
				s++;
				digits = true;
			}
		}
		if (!digits)
			return -1;
		for (size_t i = 0; i < NFIELDS(units); i++) {
			size_t l = strlen(units[i].u);

			/* "ms" before "m", "ns"/"us" before "s": longest. */
			if (l > ul && strncmp(s, units[i].u, l) == 0) {
				unit = units[i].ns;
				ul = l;
			}
		}
		if (unit == 0)
			return -1;
		s += ul;
		if (whole > cap / unit)
			return -3;
		v = whole * unit + (uint64_t)((long double)frac * unit /
		    scale);
		if (v > cap - total)
			return -3;
		total += v;
	}
	if (neg && total > 0)
		return -2;
	*out = total;
	return 0;
}

/* A BFD interval: a duration that is a whole number of ms, 1 ms to
 * 4294967 ms.  Returns 0 with *us. */
static int
interval(struct walk *w, const char *field, const struct ynode *v,
    uint32_t *us)
{
	uint64_t ns;
	int rc;

	if (v->kind != YT_SCALAR || ytree_is_null(v)) {
		walk_err(w, v, "%s: expected a duration such as 100ms or 1m",
		    field);
		return -1;
	}
	rc = go_duration_ns(v->str, &ns);
	if (rc == -1) {
		walk_err(w, v, "%s: '%s' is not a duration, expected e.g. "
		    "100ms, 1s or 1m", field, v->str);
		return -1;
	}
	if (rc == -2 || (rc == 0 && ns == 0)) {
		walk_err(w, v, "%s: %s, expected a duration greater than 0",
		    field, v->str);
		return -1;
	}
	if (rc == -3 || ns / 1000 > MAX_US) {
		walk_err(w, v, "%s: %s is too long, expected at most "
		    "4294967ms (BFD carries 32-bit microseconds)", field,
		    v->str);
		return -1;
	}
	if (ns % 1000000 != 0) {
		walk_err(w, v, "%s: %s is not a whole number of "
		    "milliseconds", field, v->str);
		return -1;
	}
	*us = (uint32_t)(ns / 1000);
	return 0;
}

struct iface_ctx {
	struct config_bfd_iface *i;
	bool	has_pattern;	/* valid */
	bool	seen_pattern;	/* given, valid or not */
};

static void
f_pattern(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	struct iface_ctx *c = o;
	char *s = NULL;
	size_t len;

	c->seen_pattern = true;
	if (walk_str(w, field, v, &s) != 0)
		return;
	len = strlen(s);
	/* Linux interface names (15 octets) and '*'. */
	for (size_t k = 0; k < len; k++) {
		if (!isalnum((unsigned char)s[k]) && !strchr("_.*:@-", s[k])) {
			walk_err(w, v, "%s: '%s' is not an interface name or "
			    "pattern, expected e.g. eth0, eth* or *", field,
			    s);
			free(s);
			return;
		}
	}
	if (len == 0 || len > 15) {
		walk_err(w, v, "%s: '%s' is %zu characters, expected 1 to "
		    "15", field, s, len);
		free(s);
		return;
	}
	free(c->i->pattern);
	c->i->pattern = s;
	c->has_pattern = true;
}

static void
f_min_rx(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	interval(w, field, v, &((struct iface_ctx *)o)->i->min_rx_us);
}

static void
f_min_tx(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	interval(w, field, v, &((struct iface_ctx *)o)->i->min_tx_us);
}

static void
f_idle_tx(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	struct config_bfd_iface *i = ((struct iface_ctx *)o)->i;

	if (interval(w, field, v, &i->idle_tx_us) != 0)
		return;
	/* RFC 5880 6.8.3: at least 1 s while a session is not Up. */
	if (i->idle_tx_us < 1000000)
		walk_warn(w, v, "%s: %s is under 1s; BFD sends at least 1s "
		    "apart while a session is not Up (RFC 5880 6.8.3)",
		    field, v->str);
}

static void
f_mult(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	uint64_t m;

	if (walk_uint(w, field, v, 1, 255, &m) == 0)
		((struct iface_ctx *)o)->i->mult = (uint8_t)m;
}

static const struct walk_field iface_fields[] = {
	{ "matchPattern", f_pattern },
	{ "minimumRecvInterval", f_min_rx },
	{ "minimumSendInterval", f_min_tx },
	{ "idleSendInterval", f_idle_tx },
	{ "multiplier", f_mult },
};

static void
f_interfaces(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	struct config_bfd *b = o;
	char path[120];

	if (ytree_is_null(v) || !walk_is_seq(w, field, v))
		return;
	b->ifaces = xcalloc(v->n ? v->n : 1, sizeof(*b->ifaces));
	for (size_t k = 0; k < v->n; k++) {
		struct config_bfd_iface *i = &b->ifaces[b->nifaces];
		struct iface_ctx c = { i, false, false };

		snprintf(path, sizeof(path), "%s[%zu]", field, k);
		if (!walk_is_map(w, path, v->vals[k]))
			continue;
		/* The API's defaults (kubebuilder). */
		i->min_rx_us = 10000;
		i->min_tx_us = 100000;
		i->idle_tx_us = 60000000;
		i->mult = 5;
		i->loc = walk_loc(w, v->vals[k]);
		walk_map(w, path, v->vals[k], iface_fields,
		    NFIELDS(iface_fields), &c);
		if (!c.has_pattern) {
			if (!c.seen_pattern)
				walk_err(w, v->vals[k], "%s.matchPattern: "
				    "required, expected an interface name or "
				    "pattern such as eth0, eth* or *", path);
			free(i->pattern);
			memset(i, 0, sizeof(*i));
			continue;
		}
		b->nifaces++;
	}
}

static void
f_node_sel(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	struct config_bfd *b = o;

	if (ytree_is_null(v))
		return;
	selector_free(b->node_sel);
	b->node_sel = NULL;
	walk_selector(w, field, v, &b->node_sel, &b->node_sel_text);
}

static const struct walk_field spec_fields[] = {
	{ "nodeSelector", f_node_sel },
	{ "interfaces", f_interfaces },
};

void
kind_bfdconf(struct walk *w, struct kind_meta *m)
{
	struct config *cfg = w->cfg;
	struct config_bfd *b;

	cfg->bfds = xreallocarray(cfg->bfds, cfg->nbfds + 1,
	    sizeof(*cfg->bfds));
	b = &cfg->bfds[cfg->nbfds++];
	memset(b, 0, sizeof(*b));
	b->name = m->name;
	m->name = NULL;
	b->loc = m->loc;
	if (m->spec != NULL)
		walk_map(w, "spec", m->spec, spec_fields,
		    NFIELDS(spec_fields), b);
	if (b->nifaces == 0)
		config_diag_add(&cfg->diags, CONFIG_NOTICE, &b->loc,
		    "BFDConfiguration '%s' has no interfaces: it enables BFD "
		    "nowhere", b->name);
}

void
kind_bfdconf_free(struct config_bfd *b)
{
	free(b->name);
	selector_free(b->node_sel);
	free(b->node_sel_text);
	for (size_t i = 0; i < b->nifaces; i++)
		free(b->ifaces[i].pattern);
	free(b->ifaces);
}

/* BGPPeer spec.failureDetectionMode: None | BFDIfDirectlyConnected. */
void
kind_peer_fdm(struct walk *w, const char *field, const struct ynode *v,
    struct config_peer *p)
{
	static const char *const names[] = {
		"None", "BFDIfDirectlyConnected", NULL,
	};
	int e;

	if (ytree_is_null(v) || (v->kind == YT_SCALAR && v->len == 0))
		return;
	if (walk_enum(w, field, v, names, &e) == 0)
		p->bfd = e == 1;
}
