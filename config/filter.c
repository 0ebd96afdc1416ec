/*
 * filter: BGPFilter parsing and validation (CALICO.md 4.7 and the v3 API):
 * four ordered rule lists (exportV4, importV4, exportV6, importV6), each
 * rule a match (cidr + matchOperator + prefixLength, source, interface,
 * peerType, community, AS-path prefix, priority) and an action, with
 * optional operations on Accept.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"
#include "lib/xalloc.h"

#define NFIELDS(t)	(sizeof(t) / sizeof((t)[0]))
#define MAX_OPERATIONS	10

struct rule_ctx {
	struct config_frule *r;
	int	af;
	const struct ynode *cidr, *op, *plen, *action, *ops, *min_n, *max_n;
	uint64_t plen_min, plen_max;
};

static void
f_cidr(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	struct rule_ctx *c = o;

	if (ytree_is_null(v) || (v->kind == YT_SCALAR && v->len == 0))
		return;
	c->cidr = v;
	if (walk_cidr(w, field, v, c->af, false, &c->r->cidr) == 0) {
		c->r->has_cidr = true;
		addr_pfx_mask(&c->r->cidr);
	}
}

static void
f_op(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	static const char *const names[] = {
		"Equal", "NotEqual", "In", "NotIn", NULL,
	};
	struct rule_ctx *c = o;
	int e;

	if (ytree_is_null(v) || (v->kind == YT_SCALAR && v->len == 0))
		return;
	c->op = v;
	if (walk_enum(w, field, v, names, &e) == 0)
		c->r->op = (enum config_match_op)(CONFIG_MATCH_EQUAL + e);
}

static void
f_plen_min(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	struct rule_ctx *c = o;

	c->min_n = v;
	if (walk_uint(w, field, v, 0, addr_bits(c->af), &c->plen_min) == 0)
		c->r->has_plen_min = true;
}

static void
f_plen_max(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	struct rule_ctx *c = o;

	c->max_n = v;
	if (walk_uint(w, field, v, 0, addr_bits(c->af), &c->plen_max) == 0)
		c->r->has_plen_max = true;
}

static const struct walk_field plen_fields[] = {
	{ "min", f_plen_min },
	{ "max", f_plen_max },
};

static void
f_plen(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	struct rule_ctx *c = o;

	if (ytree_is_null(v))
		return;
	c->plen = v;
	walk_map(w, field, v, plen_fields, NFIELDS(plen_fields), o);
	c->r->plen_min = (uint8_t)c->plen_min;
	c->r->plen_max = (uint8_t)c->plen_max;
}

static void
f_source(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	static const char *const names[] = { "RemotePeers", NULL };
	int e;

	if (ytree_is_null(v) || (v->kind == YT_SCALAR && v->len == 0))
		return;
	if (walk_enum(w, field, v, names, &e) == 0)
		((struct rule_ctx *)o)->r->source_remote_peers = true;
}

/* Interface globs: Linux names plus '*' (^[a-zA-Z0-9_.*-]{1,15}$). */
static void
f_iface(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	struct rule_ctx *c = o;
	char *s = NULL;
	size_t len;

	if (ytree_is_null(v) || walk_str(w, field, v, &s) != 0)
		return;
	len = strlen(s);
	for (size_t i = 0; i < len; i++) {
		if (!isalnum((unsigned char)s[i]) && !strchr("_.*-", s[i]))
			len = 0;
	}
	if (len == 0 || len > 15) {
		walk_err(w, v, "%s: '%s' is not a valid interface pattern, "
		    "expected 1 to 15 of [a-zA-Z0-9_.*-]", field, s);
		free(s);
		return;
	}
	c->r->iface = s;
}

static void
f_peer_type(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	static const char *const names[] = { "eBGP", "iBGP", NULL };
	int e;

	if (ytree_is_null(v) || (v->kind == YT_SCALAR && v->len == 0))
		return;
	if (walk_enum(w, field, v, names, &e) == 0)
		((struct rule_ctx *)o)->r->peer_type = e == 0 ?
		    CONFIG_PEERTYPE_EBGP : CONFIG_PEERTYPE_IBGP;
}

static int
community_value(struct walk *w, const char *field, const struct ynode *v,
    struct config_community *out)
{
	if (v == NULL || v->kind != YT_SCALAR ||
	    config_community_parse(v->str, out) != 0) {
		walk_err(w, v, "%s: expected a community aa:nn (16-bit parts) "
		    "or aa:nn:mm (32-bit parts)", field);
		return -1;
	}
	return 0;
}

static void
f_communities(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	struct rule_ctx *c = o;
	const struct ynode *vals;
	char path[200];

	if (ytree_is_null(v) || !walk_is_map(w, field, v))
		return;
	for (size_t i = 0; i < v->n; i++) {
		if (strcmp(v->keys[i]->str, "values") != 0)
			walk_warn(w, v->keys[i], "unknown field '%s.%s' in "
			    "BGPFilter; ignored", field, v->keys[i]->str);
	}
	vals = ytree_get(v, "values");
	snprintf(path, sizeof(path), "%s.values", field);
	if (vals == NULL || !walk_is_seq(w, path, vals))
		return;
	if (vals->n != 1) {
		walk_err(w, vals, "%s: expected exactly one community "
		    "(Calico matches a single value)", path);
		return;
	}
	snprintf(path, sizeof(path), "%s.values[0]", field);
	if (community_value(w, path, vals->vals[0], &c->r->community) == 0)
		c->r->has_community = true;
}

static int
asn_list(struct walk *w, const char *field, const struct ynode *v,
    uint32_t **out, size_t *n)
{
	char path[200];

	if (!walk_is_seq(w, field, v))
		return -1;
	for (size_t i = 0; i < v->n; i++) {
		uint32_t asn;

		snprintf(path, sizeof(path), "%s[%zu]", field, i);
		if (walk_asn(w, path, v->vals[i], &asn) != 0)
			return -1;
		*out = xreallocarray(*out, *n + 1, sizeof(**out));
		(*out)[(*n)++] = asn;
	}
	return 0;
}

static void
f_aspath(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	struct config_frule *r = ((struct rule_ctx *)o)->r;

	if (!ytree_is_null(v))
		asn_list(w, field, v, &r->as_path_prefix, &r->nas_path_prefix);
}

static void
f_priority(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	uint64_t n;

	if (!ytree_is_null(v) &&
	    walk_uint(w, field, v, 1, 2147483646, &n) == 0) {
		((struct rule_ctx *)o)->r->priority = (uint32_t)n;
	}
}

static void
f_action(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	static const char *const names[] = { "Accept", "Reject", NULL };
	struct rule_ctx *c = o;
	int e;

	c->action = v;
	if (walk_enum(w, field, v, names, &e) == 0)
		c->r->accept = e == 0;
	else
		c->action = NULL;
}

/* One operation: exactly one of addCommunity, prependASPath, setPriority. */
static void
one_op(struct walk *w, const char *path, const struct ynode *e,
    struct config_frule *r)
{
	struct config_fop op;
	const struct ynode *v;
	char sub[220];
	uint64_t prio;

	memset(&op, 0, sizeof(op));
	if (!walk_is_map(w, path, e))
		return;
	if (e->n != 1) {
		walk_err(w, e, "%s: expected exactly one of addCommunity, "
		    "prependASPath or setPriority", path);
		return;
	}
	v = e->vals[0];
	snprintf(sub, sizeof(sub), "%s.%s", path, e->keys[0]->str);
	if (strcmp(e->keys[0]->str, "addCommunity") == 0) {
		op.kind = CONFIG_FOP_ADD_COMMUNITY;
		if (!walk_is_map(w, sub, v))
			return;
		strncat(sub, ".value", sizeof(sub) - strlen(sub) - 1);
		if (community_value(w, sub, ytree_get(v, "value"),
		    &op.community) != 0)
			return;
	} else if (strcmp(e->keys[0]->str, "prependASPath") == 0) {
		op.kind = CONFIG_FOP_PREPEND_AS_PATH;
		if (!walk_is_map(w, sub, v))
			return;
		strncat(sub, ".prefix", sizeof(sub) - strlen(sub) - 1);
		if (asn_list(w, sub, ytree_get(v, "prefix"), &op.asns,
		    &op.nasns) != 0)
			return;
		if (op.nasns < 1 || op.nasns > 10) {
			walk_err(w, v, "%s: expected 1 to 10 AS numbers", sub);
			free(op.asns);
			return;
		}
	} else if (strcmp(e->keys[0]->str, "setPriority") == 0) {
		op.kind = CONFIG_FOP_SET_PRIORITY;
		if (!walk_is_map(w, sub, v))
			return;
		strncat(sub, ".value", sizeof(sub) - strlen(sub) - 1);
		if (walk_uint(w, sub, ytree_get(v, "value"), 1, 2147483646,
		    &prio) != 0)
			return;
		op.priority = (uint32_t)prio;
	} else {
		walk_err(w, e->keys[0], "%s: unknown operation, expected "
		    "addCommunity, prependASPath or setPriority", sub);
		return;
	}
	r->ops = xreallocarray(r->ops, r->nops + 1, sizeof(*r->ops));
	r->ops[r->nops++] = op;
}

static void
f_ops(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	struct rule_ctx *c = o;
	char path[200];

	if (ytree_is_null(v) || !walk_is_seq(w, field, v))
		return;
	c->ops = v;
	if (v->n < 1 || v->n > MAX_OPERATIONS)
		walk_err(w, v, "%s: %zu operations, expected 1 to %d", field,
		    v->n, MAX_OPERATIONS);
	for (size_t i = 0; i < v->n; i++) {
		snprintf(path, sizeof(path), "%s[%zu]", field, i);
		one_op(w, path, v->vals[i], c->r);
	}
}

static const struct walk_field rule_fields[] = {
	{ "cidr", f_cidr },
	{ "matchOperator", f_op },
	{ "prefixLength", f_plen },
	{ "source", f_source },
	{ "interface", f_iface },
	{ "peerType", f_peer_type },
	{ "communities", f_communities },
	{ "asPathPrefix", f_aspath },
	{ "priority", f_priority },
	{ "action", f_action },
	{ "operations", f_ops },
};

/* The v3 API's CEL rules, plus what BIRD's [ CIDR{min,max} ] needs. */
static void
rule_validate(struct walk *w, const char *field, struct rule_ctx *c,
    const struct ynode *at)
{
	struct config_frule *r = c->r;
	unsigned lo = r->has_cidr ? r->cidr.len : 0;

	if (c->action == NULL)
		walk_err(w, at, "%s.action: required, expected Accept or "
		    "Reject", field);
	if ((c->cidr != NULL) != (c->op != NULL))
		walk_err(w, c->cidr ? c->cidr : c->op, "%s: cidr and "
		    "matchOperator must both be set or both be empty", field);
	if (c->plen != NULL && c->cidr == NULL)
		walk_err(w, c->plen, "%s.prefixLength: requires cidr", field);
	if (r->has_plen_min && r->has_cidr && r->plen_min < lo)
		walk_err(w, c->min_n, "%s.prefixLength.min: %u is shorter "
		    "than the cidr's /%u", field, r->plen_min, lo);
	if (r->has_plen_min && r->has_plen_max && r->plen_min > r->plen_max)
		walk_err(w, c->max_n, "%s.prefixLength.max: %u is less than "
		    "min %u", field, r->plen_max, r->plen_min);
	if (r->has_plen_max && r->has_cidr && r->plen_max < lo)
		walk_err(w, c->max_n, "%s.prefixLength.max: %u is shorter "
		    "than the cidr's /%u", field, r->plen_max, lo);
	if (c->ops != NULL && c->action != NULL && !r->accept)
		walk_err(w, c->ops, "%s.operations: only allowed with action "
		    "Accept", field);
}

static void
rule_list(struct walk *w, const char *field, const struct ynode *v,
    struct config_filter *f, enum config_frule_dir dir)
{
	char path[160];

	if (ytree_is_null(v) || !walk_is_seq(w, field, v))
		return;
	f->rules[dir] = xcalloc(v->n ? v->n : 1, sizeof(*f->rules[dir]));
	for (size_t i = 0; i < v->n; i++) {
		struct rule_ctx ctx;

		memset(&ctx, 0, sizeof(ctx));
		ctx.r = &f->rules[dir][f->nrules[dir]];
		ctx.af = dir == CONFIG_EXPORT_V4 || dir == CONFIG_IMPORT_V4 ?
		    AF_INET : AF_INET6;
		ctx.r->loc = walk_loc(w, v->vals[i]);
		snprintf(path, sizeof(path), "%s[%zu]", field, i);
		if (!walk_is_map(w, path, v->vals[i]))
			continue;
		walk_map(w, path, v->vals[i], rule_fields,
		    NFIELDS(rule_fields), &ctx);
		rule_validate(w, path, &ctx, v->vals[i]);
		f->nrules[dir]++;
	}
}

#define RULES_FIELD(fn, dir)						\
static void								\
fn(struct walk *w, const char *field, const struct ynode *v, void *o)	\
{									\
	rule_list(w, field, v, o, dir);					\
}
RULES_FIELD(f_export_v4, CONFIG_EXPORT_V4)
RULES_FIELD(f_import_v4, CONFIG_IMPORT_V4)
RULES_FIELD(f_export_v6, CONFIG_EXPORT_V6)
RULES_FIELD(f_import_v6, CONFIG_IMPORT_V6)

static const struct walk_field filter_spec_fields[] = {
	{ "exportV4", f_export_v4 },
	{ "importV4", f_import_v4 },
	{ "exportV6", f_export_v6 },
	{ "importV6", f_import_v6 },
};

void
kind_filter(struct walk *w, struct kind_meta *m)
{
	struct config *cfg = w->cfg;
	struct config_filter *f;

	cfg->filters = xreallocarray(cfg->filters, cfg->nfilters + 1,
	    sizeof(*cfg->filters));
	f = &cfg->filters[cfg->nfilters++];
	memset(f, 0, sizeof(*f));
	f->name = m->name;
	m->name = NULL;
	f->loc = m->loc;
	if (m->spec != NULL)
		walk_map(w, "spec", m->spec, filter_spec_fields,
		    NFIELDS(filter_spec_fields), f);
}
