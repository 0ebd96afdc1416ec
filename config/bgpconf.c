/*
 * bgpconf: BGPConfiguration parsing and validation (CALICO.md section 2).
 * `default` holds the cluster-wide values; `node.<name>` overrides for one
 * node, of which confd honours only listenPort, logSeverityScreen and
 * prefixAdvertisements: other fields there get a warning.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kinds.h"
#include "lib/xalloc.h"

#define NFIELDS(t)	(sizeof(t) / sizeof((t)[0]))
#define MAX_COMMUNITIES		500
#define MAX_PREFIX_ADVS		500
#define MAX_ADV_COMMUNITIES	50

struct raw_adv {
	char	**names;
	size_t	n;
	struct config_loc *locs;
};

struct bgpconf_ctx {
	struct config_bgpconf *c;
	struct raw_adv *raw;	/* parallel to c->prefix_advs */
	const struct ynode *mesh, *mesh_pw, *mesh_restart, *comms, *advs;
	const struct ynode *first_global;	/* a non-node field, if any */
	char	first_global_name[160];
};

static void
note_global(struct bgpconf_ctx *c, const char *field, const struct ynode *v)
{
	if (c->first_global == NULL) {
		c->first_global = v;
		snprintf(c->first_global_name, sizeof(c->first_global_name),
		    "%s", field);
	}
}

static void
f_log(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	static const char *const ok[] = {
		"", "trace", "debug", "info", "warning", "error", "fatal",
	};
	struct bgpconf_ctx *c = o;
	char *s = NULL;

	if (ytree_is_null(v) || walk_str(w, field, v, &s) != 0)
		return;
	for (size_t i = 0; i < NFIELDS(ok); i++) {
		if (strcasecmp(s, ok[i]) == 0) {
			c->c->log_severity = s;
			return;
		}
	}
	walk_err(w, v, "%s: '%s' is not valid, expected Trace, Debug, Info, "
	    "Warning, Error or Fatal", field, s);
	free(s);
}

static void
f_mesh(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	struct bgpconf_ctx *c = o;
	bool b;

	note_global(c, field, v);
	if (!ytree_is_null(v) && walk_bool(w, field, v, &b) == 0) {
		c->c->mesh_enabled = b;
		c->mesh = v;
	}
}

static void
f_asn(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	struct bgpconf_ctx *c = o;

	note_global(c, field, v);
	if (!ytree_is_null(v))
		walk_asn(w, field, v, &c->c->asn);
}

static void
f_port(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	uint64_t n;

	if (!ytree_is_null(v) && walk_uint(w, field, v, 1, 65535, &n) == 0)
		((struct bgpconf_ctx *)o)->c->listen_port = (uint16_t)n;
}

/* serviceClusterIPs etc.: a list of {cidr: ...}.  An entry without a
 * cidr ({} or cidr: "") is skipped, as confd skips it. */
static void
svc_list(struct walk *w, const char *field, const struct ynode *v,
    struct ip_prefix **out, size_t *n)
{
	char path[160];

	if (ytree_is_null(v) || !walk_is_seq(w, field, v))
		return;
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *e = v->vals[i], *cidr;
		struct ip_prefix p;

		snprintf(path, sizeof(path), "%s[%zu]", field, i);
		if (!walk_is_map(w, path, e))
			continue;
		for (size_t k = 0; k < e->n; k++) {
			if (strcmp(e->keys[k]->str, "cidr") != 0)
				walk_warn(w, e->keys[k], "unknown field "
				    "'%s.%s' in %s; ignored", path,
				    e->keys[k]->str, w->kind);
		}
		cidr = ytree_get(e, "cidr");
		strncat(path, ".cidr", sizeof(path) - strlen(path) - 1);
		if (cidr == NULL || ytree_is_null(cidr) ||
		    (cidr->kind == YT_SCALAR && cidr->len == 0))
			continue;
		if (walk_cidr(w, path, cidr, 0, true, &p) != 0)
			continue;
		*out = xreallocarray(*out, *n + 1, sizeof(**out));
		(*out)[(*n)++] = p;
	}
}

#define SVC_FIELD(fn, member)						\
static void								\
fn(struct walk *w, const char *field, const struct ynode *v, void *o)	\
{									\
	struct bgpconf_ctx *c = o;					\
									\
	note_global(c, field, v);					\
	svc_list(w, field, v, &c->c->member, &c->c->n##member);	\
}
SVC_FIELD(f_svc_cluster, svc_cluster_ips)
SVC_FIELD(f_svc_external, svc_external_ips)
SVC_FIELD(f_svc_lb, svc_lb_ips)

static void
f_lb_aggr(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	static const char *const names[] = { "Disabled", "Enabled", NULL };
	struct bgpconf_ctx *c = o;
	int e;

	note_global(c, field, v);
	if (!ytree_is_null(v) && walk_enum(w, field, v, names, &e) == 0)
		c->c->lb_aggregation = e;
}

static void
f_communities(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	struct bgpconf_ctx *c = o;
	char path[160];

	/* Not global-only: a per-node BGPConfiguration's own names resolve
	 * its prefixAdvertisements' communities. */
	if (ytree_is_null(v) || !walk_is_seq(w, field, v))
		return;
	c->comms = v;
	if (v->n > MAX_COMMUNITIES)
		walk_err(w, v, "%s: %zu entries, expected at most %d", field,
		    v->n, MAX_COMMUNITIES);
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *e = v->vals[i], *name, *val;
		struct config_community_def *d;
		struct config_community tmp;

		snprintf(path, sizeof(path), "%s[%zu]", field, i);
		if (!walk_is_map(w, path, e))
			continue;
		name = ytree_get(e, "name");
		val = ytree_get(e, "value");
		if (name == NULL || val == NULL || name->kind != YT_SCALAR ||
		    val->kind != YT_SCALAR) {
			walk_err(w, e, "%s: needs a name and a value", path);
			continue;
		}
		if (config_community_parse(val->str, &tmp) != 0) {
			walk_err(w, val, "%s.value: '%s' is not a community, "
			    "expected aa:nn (16-bit parts) or aa:nn:mm "
			    "(32-bit parts)", path, val->str);
			continue;
		}
		c->c->communities = xreallocarray(c->c->communities,
		    c->c->ncommunities + 1, sizeof(*c->c->communities));
		d = &c->c->communities[c->c->ncommunities++];
		d->name = xstrdup(name->str);
		d->value = xstrdup(val->str);
	}
}

static void
one_adv(struct walk *w, const char *path, const struct ynode *e,
    struct bgpconf_ctx *c)
{
	const struct ynode *cidr = ytree_get(e, "cidr");
	const struct ynode *comms = ytree_get(e, "communities");
	struct config_prefix_adv *a;
	struct raw_adv *raw;
	char sub[180];
	struct ip_prefix p;

	snprintf(sub, sizeof(sub), "%s.cidr", path);
	if (cidr == NULL) {
		walk_err(w, e, "%s: required", sub);
		return;
	}
	if (walk_cidr(w, sub, cidr, 0, false, &p) != 0)
		return;
	c->c->prefix_advs = xreallocarray(c->c->prefix_advs,
	    c->c->nprefix_advs + 1, sizeof(*c->c->prefix_advs));
	c->raw = xreallocarray(c->raw, c->c->nprefix_advs + 1,
	    sizeof(*c->raw));
	a = &c->c->prefix_advs[c->c->nprefix_advs];
	raw = &c->raw[c->c->nprefix_advs++];
	memset(a, 0, sizeof(*a));
	memset(raw, 0, sizeof(*raw));
	a->cidr = p;
	a->loc = walk_loc(w, e);
	if (comms == NULL || ytree_is_null(comms))
		return;
	snprintf(sub, sizeof(sub), "%s.communities", path);
	walk_str_list(w, sub, comms, &raw->names, &raw->n, &raw->locs);
	if (raw->n > MAX_ADV_COMMUNITIES)
		walk_err(w, comms, "%s: %zu communities, expected at most %d",
		    sub, raw->n, MAX_ADV_COMMUNITIES);
}

static void
f_advs(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	struct bgpconf_ctx *c = o;
	char path[160];

	if (ytree_is_null(v) || !walk_is_seq(w, field, v))
		return;
	c->advs = v;
	c->c->has_prefix_advs = true;
	if (v->n > MAX_PREFIX_ADVS)
		walk_err(w, v, "%s: %zu entries, expected at most %d", field,
		    v->n, MAX_PREFIX_ADVS);
	for (size_t i = 0; i < v->n; i++) {
		snprintf(path, sizeof(path), "%s[%zu]", field, i);
		if (!walk_is_map(w, path, v->vals[i]))
			continue;
		for (size_t k = 0; k < v->vals[i]->n; k++) {
			const char *key = v->vals[i]->keys[k]->str;

			if (strcmp(key, "cidr") && strcmp(key, "communities"))
				walk_warn(w, v->vals[i]->keys[k], "unknown "
				    "field '%s.%s' in %s; ignored", path, key,
				    w->kind);
		}
		one_adv(w, path, v->vals[i], c);
	}
}

static void
f_mesh_pw(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	struct bgpconf_ctx *c = o;

	note_global(c, field, v);
	if (ytree_is_null(v))
		return;
	c->mesh_pw = v;
	kind_secret_ref(w, field, v, &c->c->mesh_password);
}

static void
f_mesh_restart(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	struct bgpconf_ctx *c = o;

	note_global(c, field, v);
	if (ytree_is_null(v))
		return;
	c->mesh_restart = v;
	if (walk_duration(w, field, v, &c->c->mesh_restart_s) == 0)
		c->c->has_mesh_restart = true;
}

static void
f_bind(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	static const char *const names[] = { "None", "NodeIP", NULL };
	struct bgpconf_ctx *c = o;
	int e;

	note_global(c, field, v);
	if (!ytree_is_null(v) && walk_enum(w, field, v, names, &e) == 0)
		c->c->bind_mode = (enum config_bind_mode)e;
}

/* ^[a-zA-Z0-9_.*-]{1,15}$ and not just "*" */
static bool
iface_pattern_valid(const char *s)
{
	size_t len = strlen(s);

	if (len < 1 || len > 15 || strcmp(s, "*") == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isalnum((unsigned char)s[i]) && !strchr("_.*-", s[i]))
			return false;
	}
	return true;
}

static void
f_ignored(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	struct bgpconf_ctx *c = o;
	struct config_loc *locs = NULL;
	size_t before = c->c->nignored_ifaces;

	note_global(c, field, v);
	if (ytree_is_null(v))
		return;
	walk_str_list(w, field, v, &c->c->ignored_ifaces,
	    &c->c->nignored_ifaces, &locs);
	for (size_t i = before; i < c->c->nignored_ifaces; i++) {
		if (!iface_pattern_valid(c->c->ignored_ifaces[i]))
			config_diag_add(&w->cfg->diags, CONFIG_ERROR,
			    &locs[i - before], "%s: '%s' is not a valid "
			    "interface pattern, expected 1 to 15 of "
			    "[a-zA-Z0-9_.*-] and not '*' alone", field,
			    c->c->ignored_ifaces[i]);
	}
	free(locs);
}

static void
f_lw_v4(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	struct bgpconf_ctx *c = o;

	note_global(c, field, v);
	if (!ytree_is_null(v) && v->len > 0)
		walk_ip(w, field, v, AF_INET, &c->c->lw_peering_v4);
}

static void
f_lw_v6(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	struct bgpconf_ctx *c = o;

	note_global(c, field, v);
	if (!ytree_is_null(v) && v->len > 0)
		walk_ip(w, field, v, AF_INET6, &c->c->lw_peering_v6);
}

static void
f_pcr(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	static const char *const names[] = {
		"Enabled", "Disabled", "EnabledIPIPOnly",
		"EnabledNoEncapOnly", NULL,
	};
	struct bgpconf_ctx *c = o;
	int e;

	note_global(c, field, v);
	if (!ytree_is_null(v) && walk_enum(w, field, v, names, &e) == 0)
		c->c->program_routes = (enum config_program_routes)(e + 1);
}

static void
priority(struct walk *w, const char *field, const struct ynode *v,
    struct bgpconf_ctx *c, uint32_t *out)
{
	uint64_t n;

	note_global(c, field, v);
	if (!ytree_is_null(v) &&
	    walk_uint(w, field, v, 1, 2147483646, &n) == 0)
		*out = (uint32_t)n;
}

static void
f_prio4(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	struct bgpconf_ctx *c = o;

	priority(w, field, v, c, &c->c->v4_normal_priority);
}

static void
f_prio6(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	struct bgpconf_ctx *c = o;

	priority(w, field, v, c, &c->c->v6_normal_priority);
}

static const struct walk_field bgpconf_spec_fields[] = {
	{ "logSeverityScreen", f_log },
	{ "nodeToNodeMeshEnabled", f_mesh },
	{ "asNumber", f_asn },
	{ "listenPort", f_port },
	{ "serviceClusterIPs", f_svc_cluster },
	{ "serviceExternalIPs", f_svc_external },
	{ "serviceLoadBalancerIPs", f_svc_lb },
	{ "serviceLoadBalancerAggregation", f_lb_aggr },
	{ "communities", f_communities },
	{ "prefixAdvertisements", f_advs },
	{ "nodeMeshPassword", f_mesh_pw },
	{ "nodeMeshMaxRestartTime", f_mesh_restart },
	{ "bindMode", f_bind },
	{ "ignoredInterfaces", f_ignored },
	{ "localWorkloadPeeringIPV4", f_lw_v4 },
	{ "localWorkloadPeeringIPV6", f_lw_v6 },
	{ "programClusterRoutes", f_pcr },
	{ "ipv4NormalRoutePriority", f_prio4 },
	{ "ipv6NormalRoutePriority", f_prio6 },
};

static const struct config_community_def *
community_def(const struct config_bgpconf *c, const char *name)
{
	for (size_t i = 0; i < c->ncommunities; i++) {
		if (strcmp(c->communities[i].name, name) == 0)
			return &c->communities[i];
	}
	return NULL;
}

/* Resolve prefixAdvertisement community names (or literals) to values. */
static void
resolve_advs(struct walk *w, struct bgpconf_ctx *ctx)
{
	struct config_bgpconf *c = ctx->c;

	for (size_t i = 0; i < c->nprefix_advs; i++) {
		struct config_prefix_adv *a = &c->prefix_advs[i];
		struct raw_adv *raw = &ctx->raw[i];

		a->comms = xcalloc(raw->n ? raw->n : 1, sizeof(*a->comms));
		for (size_t k = 0; k < raw->n; k++) {
			const struct config_community_def *d;
			const char *s = raw->names[k];

			if ((d = community_def(c, s)) != NULL)
				s = d->value;
			if (config_community_parse(s, &a->comms[a->ncomms])
			    == 0) {
				a->ncomms++;
				continue;
			}
			config_diag_add(&w->cfg->diags, CONFIG_ERROR,
			    &raw->locs[k], "prefixAdvertisements: community "
			    "'%s' is neither defined in spec.communities nor "
			    "a value of the form aa:nn or aa:nn:mm", s);
		}
		for (size_t k = 0; k < raw->n; k++)
			free(raw->names[k]);
		free(raw->names);
		free(raw->locs);
	}
	free(ctx->raw);
	ctx->raw = NULL;
}

static void
bgpconf_validate(struct walk *w, struct bgpconf_ctx *ctx)
{
	struct config_bgpconf *c = ctx->c;

	if (c->ncommunities > 0 && c->nprefix_advs == 0)
		walk_err(w, ctx->comms, "spec.communities: set but no "
		    "spec.prefixAdvertisements refers to them");
	if (c->mesh_enabled == 0 && ctx->mesh_pw != NULL)
		walk_err(w, ctx->mesh_pw, "spec.nodeMeshPassword: not allowed "
		    "when nodeToNodeMeshEnabled is false");
	if (c->mesh_enabled == 0 && ctx->mesh_restart != NULL)
		walk_err(w, ctx->mesh_restart, "spec.nodeMeshMaxRestartTime: "
		    "not allowed when nodeToNodeMeshEnabled is false");
	if (c->node != NULL && ctx->first_global != NULL)
		walk_warn(w, ctx->first_global, "%s: only listenPort, "
		    "logSeverityScreen and prefixAdvertisements apply in a "
		    "per-node BGPConfiguration ('%s'); ignored",
		    ctx->first_global_name, c->name);
}

void
kind_bgpconf(struct walk *w, struct kind_meta *m)
{
	struct config *cfg = w->cfg;
	struct bgpconf_ctx ctx;
	struct config_bgpconf *c;

	cfg->bgpconfs = xreallocarray(cfg->bgpconfs, cfg->nbgpconfs + 1,
	    sizeof(*cfg->bgpconfs));
	c = &cfg->bgpconfs[cfg->nbgpconfs++];
	memset(c, 0, sizeof(*c));
	c->name = m->name;
	m->name = NULL;
	c->loc = m->loc;
	c->mesh_enabled = -1;
	c->lb_aggregation = -1;
	if (strncmp(c->name, "node.", 5) == 0 && c->name[5] != '\0')
		c->node = c->name + 5;
	else if (strcmp(c->name, "default") != 0)
		walk_warn(w, ytree_get(m->meta, "name"), "BGPConfiguration "
		    "'%s' is neither 'default' nor 'node.<node name>'; "
		    "calico/node ignores it and so does bgpd", c->name);
	memset(&ctx, 0, sizeof(ctx));
	ctx.c = c;
	if (m->spec != NULL)
		walk_map(w, "spec", m->spec, bgpconf_spec_fields,
		    NFIELDS(bgpconf_spec_fields), &ctx);
	resolve_advs(w, &ctx);
	bgpconf_validate(w, &ctx);
}
