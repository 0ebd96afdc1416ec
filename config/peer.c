/*
 * peer: BGPPeer parsing and validation (CALICO.md 1.1, 1.2), and the old
 * Calico v1 bgpPeer form (1.3), converted to the v3 model the way
 * calicoctl's converter names it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"
#include "lib/xalloc.h"
#include "selector.h"

#define NFIELDS(t)	(sizeof(t) / sizeof((t)[0]))

/* Where each field was, for cross-field validation messages. */
struct peer_ctx {
	struct config_peer *p;
	const struct ynode *node, *node_sel, *peer_ip, *asn, *peer_sel;
	const struct ynode *keep_nh, *nh_mode, *reachable, *lw_sel;
	const struct ynode *local_asn, *source;
	bool	asn_bad;	/* asNumber given but unparseable */
};

static bool
empty_scalar(const struct ynode *v)
{
	return ytree_is_null(v) || (v->kind == YT_SCALAR && v->len == 0);
}

static void
f_node(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	struct peer_ctx *c = o;

	if (empty_scalar(v))
		return;
	c->node = v;
	walk_name(w, field, v, &c->p->node);
}

static void
f_node_sel(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	struct peer_ctx *c = o;

	/* An empty selector field means "not set" for BGPPeer. */
	if (empty_scalar(v))
		return;
	c->node_sel = v;
	walk_selector(w, field, v, &c->p->node_sel, &c->p->node_sel_text);
}

static void
f_peer_sel(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	struct peer_ctx *c = o;

	if (empty_scalar(v))
		return;
	c->peer_sel = v;
	walk_selector(w, field, v, &c->p->peer_sel, &c->p->peer_sel_text);
}

static void
f_lw_sel(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	struct peer_ctx *c = o;

	if (empty_scalar(v))
		return;
	c->lw_sel = v;
	walk_selector(w, field, v, &c->p->lw_sel, &c->p->lw_sel_text);
}

static void
f_peer_ip(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	struct peer_ctx *c = o;
	const char *why;

	if (empty_scalar(v))
		return;
	c->peer_ip = v;
	if (v->kind != YT_SCALAR) {
		walk_err(w, v, "%s: expected an IP address, found %s", field,
		    ytree_kind_name(v));
		return;
	}
	if (v->len > 64 || config_peerip_parse(v->str, &c->p->peer_ip,
	    &c->p->peer_port, &why) != 0) {
		memset(&c->p->peer_ip, 0, sizeof(c->p->peer_ip));
		c->p->peer_port = 0;
		walk_err(w, v, "%s: '%s' is invalid: %s; expected IP, "
		    "IPv4:port or [IPv6]:port", field, v->str,
		    v->len > 64 ? "longer than 64 characters" : why);
	}
}

static void
f_asn(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	struct peer_ctx *c = o;

	if (ytree_is_null(v))
		return;
	c->asn = v;
	c->asn_bad = walk_asn(w, field, v, &c->p->asn) != 0;
}

static void
f_local_asn(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	struct peer_ctx *c = o;

	if (ytree_is_null(v))
		return;
	c->local_asn = v;
	walk_asn(w, field, v, &c->p->local_asn);
}

static void
f_keep_nh(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	struct peer_ctx *c = o;

	if (walk_bool(w, field, v, &c->p->keep_original_nh) == 0 &&
	    c->p->keep_original_nh)
		c->keep_nh = v;
}

static void
f_nh_mode(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	static const char *const names[] = { "Auto", "Self", "Keep", NULL };
	struct peer_ctx *c = o;
	int e;

	if (empty_scalar(v))
		return;
	c->nh_mode = v;
	if (walk_enum(w, field, v, names, &e) == 0)
		c->p->nh_mode = (enum config_nh_mode)(CONFIG_NH_AUTO + e);
}

static void
f_password(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	struct peer_ctx *c = o;

	if (!ytree_is_null(v))
		kind_secret_ref(w, field, v, &c->p->password);
}

static void
f_source(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	static const char *const names[] = { "UseNodeIP", "None", NULL };
	struct peer_ctx *c = o;
	int e;

	if (empty_scalar(v))
		return;
	c->source = v;
	if (walk_enum(w, field, v, names, &e) == 0)
		c->p->source_none = e == 1;
}

static void
f_restart(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	struct config_peer *p = ((struct peer_ctx *)o)->p;

	if (!ytree_is_null(v) &&
	    walk_duration(w, field, v, &p->restart_s) == 0)
		p->has_restart = true;
}

static void
f_keepalive(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	struct config_peer *p = ((struct peer_ctx *)o)->p;

	if (!ytree_is_null(v) &&
	    walk_duration(w, field, v, &p->keepalive_s) == 0)
		p->has_keepalive = true;
}

static void
f_allow_local(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	uint64_t n;

	if (!ytree_is_null(v) && walk_uint(w, field, v, 0, INT32_MAX, &n) == 0)
		((struct peer_ctx *)o)->p->allow_local_as = (uint32_t)n;
}

static void
f_ttl(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	uint64_t n;

	if (!ytree_is_null(v) && walk_uint(w, field, v, 0, 255, &n) == 0)
		((struct peer_ctx *)o)->p->ttl_security = (uint8_t)n;
}

static void
f_reachable(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	struct peer_ctx *c = o;

	if (empty_scalar(v))
		return;
	c->reachable = v;
	walk_ip(w, field, v, 0, &c->p->reachable_by);
}

static void
f_filters(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	struct config_peer *p = ((struct peer_ctx *)o)->p;

	if (ytree_is_null(v))
		return;
	walk_str_list(w, field, v, &p->filters, &p->nfilters, &p->filter_locs);
	for (size_t i = 0; i < p->nfilters; i++) {
		if (!config_name_valid(p->filters[i]))
			config_diag_add(&w->cfg->diags, CONFIG_ERROR,
			    &p->filter_locs[i], "%s[%zu]: '%s' is not a "
			    "valid BGPFilter name", field, i, p->filters[i]);
	}
}

static void
f_reverse(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	static const char *const names[] = { "Auto", "Manual", NULL };
	int e;

	if (!empty_scalar(v) && walk_enum(w, field, v, names, &e) == 0)
		((struct peer_ctx *)o)->p->reverse_manual = e == 1;
}

static void
f_enterprise(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	walk_notice(w, v, "%s is a Calico Enterprise field that bgpd does "
	    "not implement; ignored", field);
}

static void
f_fdm(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	kind_peer_fdm(w, field, v, ((struct peer_ctx *)o)->p);
}

static const struct walk_field peer_spec_fields[] = {
	{ "node", f_node },
	{ "nodeSelector", f_node_sel },
	{ "peerIP", f_peer_ip },
	{ "asNumber", f_asn },
	{ "localASNumber", f_local_asn },
	{ "peerSelector", f_peer_sel },
	{ "keepOriginalNextHop", f_keep_nh },
	{ "nextHopMode", f_nh_mode },
	{ "password", f_password },
	{ "sourceAddress", f_source },
	{ "maxRestartTime", f_restart },
	{ "keepaliveTime", f_keepalive },
	{ "numAllowedLocalASNumbers", f_allow_local },
	{ "ttlSecurity", f_ttl },
	{ "reachableBy", f_reachable },
	{ "filters", f_filters },
	{ "localWorkloadSelector", f_lw_sel },
	{ "reversePeering", f_reverse },
	{ "failureDetectionMode", f_fdm },
	{ "restartMode", f_enterprise },
	{ "birdGatewayMode", f_enterprise },
	{ "extensions", f_enterprise },
	{ "externalNetwork", f_enterprise },
};

/* CALICO.md 1.2, plus: a peer must say whom to peer with. */
static void
peer_validate(struct walk *w, struct peer_ctx *c, const struct ynode *at)
{
	struct config_peer *p = c->p;
	bool has_ip = c->peer_ip != NULL;

	if (c->node != NULL && c->node_sel != NULL)
		walk_err(w, c->node_sel, "spec.nodeSelector: cannot be set "
		    "together with spec.node; use one of them");
	if (has_ip && c->peer_sel != NULL)
		walk_err(w, c->peer_sel, "spec.peerSelector: cannot be set "
		    "together with spec.peerIP; use one of them");
	if (c->peer_sel != NULL && c->asn != NULL && p->asn != 0)
		walk_err(w, c->asn, "spec.asNumber: must be empty when "
		    "spec.peerSelector is set (the AS comes from each "
		    "selected node)");
	if (c->lw_sel != NULL) {
		if (has_ip || c->peer_sel != NULL)
			walk_err(w, c->lw_sel, "spec.localWorkloadSelector: "
			    "cannot be set together with peerIP or "
			    "peerSelector");
		if (p->asn == 0)
			walk_err(w, c->lw_sel, "spec.localWorkloadSelector: "
			    "requires spec.asNumber");
	}
	if (c->reachable != NULL) {
		if (!has_ip)
			walk_err(w, c->reachable, "spec.reachableBy: requires "
			    "spec.peerIP");
		else if (p->reachable_by.af != 0 && p->peer_ip.af != 0 &&
		    p->reachable_by.af != p->peer_ip.af)
			walk_err(w, c->reachable, "spec.reachableBy: address "
			    "family differs from spec.peerIP's");
	}
	if (c->keep_nh != NULL && c->nh_mode != NULL)
		walk_err(w, c->nh_mode, "spec.nextHopMode: cannot be set "
		    "together with keepOriginalNextHop: true");
	if (!has_ip && c->peer_sel == NULL && c->lw_sel == NULL)
		walk_err(w, at, "BGPPeer '%s': needs spec.peerIP, "
		    "spec.peerSelector or spec.localWorkloadSelector",
		    p->name);
	/* No asNumber with a peerIP: Calico accepts it (the peer stands for
	 * a node of the default AS when it matches reverse peerings);
	 * plan.c peers with the default AS and says so. */
}

static struct config_peer *
peer_new(struct config *cfg)
{
	struct config_peer *p;

	cfg->peers = xreallocarray(cfg->peers, cfg->npeers + 1,
	    sizeof(*cfg->peers));
	p = &cfg->peers[cfg->npeers++];
	memset(p, 0, sizeof(*p));
	return p;
}

void
kind_peer(struct walk *w, struct kind_meta *m)
{
	struct peer_ctx ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.p = peer_new(w->cfg);
	ctx.p->name = m->name;
	m->name = NULL;
	ctx.p->loc = m->loc;
	if (m->spec != NULL)
		walk_map(w, "spec", m->spec, peer_spec_fields,
		    NFIELDS(peer_spec_fields), &ctx);
	peer_validate(w, &ctx, m->spec ? m->spec : m->doc);
}

/* ---- v1 bgpPeer ---- */

/* v1 -> v3 name of an IP: '.' and ':' become '-', IPv6 fully expanded. */
static void
v1_ip_name(const struct ip_addr *ip, char *buf, size_t size)
{
	char tmp[ADDR_STRLEN];

	if (ip->af == AF_INET6) {
		size_t off = 0;

		for (int i = 0; i < 16; i += 2)
			off += (size_t)snprintf(buf + off, size - off,
			    "%s%02x%02x", i ? "-" : "", ip->b[i], ip->b[i + 1]);
		return;
	}
	addr_fmt(ip, tmp, sizeof(tmp));
	for (char *s = tmp; *s; s++) {
		if (*s == '.')
			*s = '-';
	}
	snprintf(buf, size, "%s", tmp);
}

struct v1_ctx {
	struct config_peer *p;
	int	scope;		/* -1 unset, 0 global, 1 node */
	const struct ynode *scope_n, *node_n, *ip_n, *asn_n;
};

static void
f_v1_scope(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	static const char *const names[] = { "global", "node", NULL };
	struct v1_ctx *c = o;

	c->scope_n = v;
	walk_enum(w, field, v, names, &c->scope);
}

static void
f_v1_node(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	struct v1_ctx *c = o;

	if (empty_scalar(v))
		return;
	c->node_n = v;
	walk_name(w, field, v, &c->p->node);
}

static void
f_v1_ip(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	struct v1_ctx *c = o;

	c->ip_n = v;
	walk_ip(w, field, v, 0, &c->p->peer_ip);
}

static void
f_v1_asn(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	struct v1_ctx *c = o;

	c->asn_n = v;
	walk_asn(w, field, v, &c->p->asn);
}

static const struct walk_field v1_meta_fields[] = {
	{ "scope", f_v1_scope },
	{ "node", f_v1_node },
	{ "peerIP", f_v1_ip },
};

static const struct walk_field v1_spec_fields[] = {
	{ "asNumber", f_v1_asn },
};

static void
v1_validate(struct walk *w, struct v1_ctx *c, const struct ynode *at)
{
	if (c->scope_n == NULL)
		walk_err(w, at, "bgpPeer: metadata.scope is required, "
		    "expected global or node");
	else if (c->scope == 0 && c->node_n != NULL)
		walk_err(w, c->node_n, "metadata.node: must be omitted when "
		    "metadata.scope is global");
	else if (c->scope == 1 && c->node_n == NULL)
		walk_err(w, c->scope_n, "metadata.node: required when "
		    "metadata.scope is node");
	if (c->ip_n == NULL)
		walk_err(w, at, "bgpPeer: metadata.peerIP is required");
	if (c->asn_n == NULL || c->p->asn == 0)
		walk_err(w, c->asn_n ? c->asn_n : at, "spec.asNumber: "
		    "required (and not 0) for a v1 bgpPeer");
}

void
kind_peer_v1(struct walk *w, struct kind_meta *m)
{
	struct v1_ctx ctx;
	char ipname[64];

	memset(&ctx, 0, sizeof(ctx));
	ctx.scope = -1;
	ctx.p = peer_new(w->cfg);
	ctx.p->v1 = true;
	ctx.p->loc = m->loc;
	walk_map(w, "metadata", m->meta, v1_meta_fields,
	    NFIELDS(v1_meta_fields), &ctx);
	if (m->spec != NULL)
		walk_map(w, "spec", m->spec, v1_spec_fields,
		    NFIELDS(v1_spec_fields), &ctx);
	v1_validate(w, &ctx, m->doc);
	v1_ip_name(&ctx.p->peer_ip, ipname, sizeof(ipname));
	if (ctx.p->node != NULL) {
		for (char *s = ctx.p->node; *s; s++)
			*s = (char)tolower((unsigned char)*s);
		ctx.p->name = xasprintf("%s.%s", ctx.p->node, ipname);
	} else {
		ctx.p->name = xstrdup(ipname);
	}
}
