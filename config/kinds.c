/*
 * kinds: Node, IPPool, IPAMBlock and BlockAffinity parsers, plus the
 * helpers the other kind parsers share (labels, secret references).
 * Field rules follow CALICO.md section 3.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"
#include "lib/xalloc.h"
#include "selector.h"

#define NFIELDS(t)	(sizeof(t) / sizeof((t)[0]))

/*
 * A plain (unquoted) label value as calicoctl and kubectl store it: they
 * read YAML 1.1 into typed values and write a string field back from
 * that type (sigs.k8s.io/yaml), so `yes` becomes "true", `off` "false",
 * `010` "8" and `1.10` "1.1".  Quoted values and everything else stay
 * as written.  NULL: v is not such a scalar.
 */
static char *
yaml11_label(const struct ynode *v)
{
	static const char *const yes[] = { "y", "Y", "yes", "Yes", "YES",
	    "true", "True", "TRUE", "on", "On", "ON" };
	static const char *const no[] = { "n", "N", "no", "No", "NO",
	    "false", "False", "FALSE", "off", "Off", "OFF" };
	char digits[64], *end, *out;
	size_t j = 0;
	float f;

	if (v->kind != YT_SCALAR || v->style != YT_PLAIN || v->len == 0)
		return NULL;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(v->str, yes[i]) == 0)
			return xstrdup("true");
		if (strcmp(v->str, no[i]) == 0)
			return xstrdup("false");
	}
	/* Integers: Go's ParseInt(s, 0, 64) after dropping '_'. */
	for (size_t i = 0; v->str[i] != '\0' && j + 1 < sizeof(digits); i++)
		if (v->str[i] != '_')
			digits[j++] = v->str[i];
	digits[j] = '\0';
	if (j > 0 && strchr("+-0123456789", digits[0]) != NULL) {
		long long n;
		const char *d = digits + (digits[0] == '+' || digits[0] == '-');

		errno = 0;
		if (d[0] == '0' && (d[1] == 'b' || d[1] == 'B'))
			n = strtoll(d + 2, &end, 2);
		else
			n = strtoll(d, &end, 0);
		if (*d != '\0' && *end == '\0' && errno == 0 &&
		    isdigit((unsigned char)*d))
			return xasprintf("%lld", digits[0] == '-' ? -n : n);
	}
	/* Decimal floats: the shortest text that reads back as the same
	 * float32 (FormatFloat(f, 'g', -1, 32)). */
	errno = 0;
	f = strtof(v->str, &end);
	if (*end != '\0' || errno != 0 || !isdigit((unsigned char)
	    v->str[strspn(v->str, "+-.")]) || strpbrk(v->str, "xXpP"))
		return NULL;
	for (int nd = 1; nd <= 9; nd++) {
		int exp;

		out = xasprintf("%.*e", nd - 1, (double)f);
		if (strtof(out, NULL) != f) {
			free(out);
			continue;
		}
		/* Go's 'g' with the shortest digits: %e when the exponent
		 * is under -4 or at least 6, else plain decimals. */
		exp = atoi(strchr(out, 'e') + 1);
		if (exp < -4 || exp >= 6)
			return out;
		free(out);
		return xasprintf("%.*f", nd - 1 - exp > 0 ? nd - 1 - exp : 0,
		    (double)f);
	}
	return NULL;
}

void
kind_labels(struct walk *w, const char *field, const struct ynode *v,
    struct config_labels *labels)
{
	if (ytree_is_null(v) || !walk_is_map(w, field, v))
		return;
	for (size_t i = 0; i < v->n; i++) {
		char *val = NULL;
		char path[300];

		snprintf(path, sizeof(path), "%s.%s", field, v->keys[i]->str);
		if (ytree_is_null(v->vals[i]))
			val = xstrdup("");
		else if ((val = yaml11_label(v->vals[i])) == NULL &&
		    walk_str(w, path, v->vals[i], &val) != 0)
			continue;
		labels->v = xreallocarray(labels->v, labels->n + 1,
		    sizeof(*labels->v));
		labels->v[labels->n].key = xstrdup(v->keys[i]->str);
		labels->v[labels->n].value = val;
		labels->n++;
	}
}

static void
f_secret_name(struct walk *w, const char *field, const struct ynode *v,
    void *obj)
{
	walk_str(w, field, v, &((struct config_secret_ref *)obj)->name);
}

static void
f_secret_key(struct walk *w, const char *field, const struct ynode *v,
    void *obj)
{
	walk_str(w, field, v, &((struct config_secret_ref *)obj)->key);
}

static const struct walk_field secret_key_ref_fields[] = {
	{ "name", f_secret_name },
	{ "key", f_secret_key },
	{ "optional", NULL },
};

static void
f_secret_key_ref(struct walk *w, const char *field, const struct ynode *v,
    void *obj)
{
	walk_map(w, field, v, secret_key_ref_fields,
	    NFIELDS(secret_key_ref_fields), obj);
}

static const struct walk_field secret_fields[] = {
	{ "secretKeyRef", f_secret_key_ref },
};

/* Kubernetes' rules, which also keep the file <dir>/<name>/<key> one
 * level deep: a secret name is a DNS subdomain, a key [-._a-zA-Z0-9]+;
 * neither may start with '.' (a secret volume's own files do). */
static bool
secret_part_ok(const char *s, bool is_key)
{
	size_t n = strlen(s);

	if (n == 0 || n > 253 || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.')
			continue;
		if (is_key && ((c >= 'A' && c <= 'Z') || c == '_'))
			continue;
		return false;
	}
	return true;
}

void
kind_secret_ref(struct walk *w, const char *field, const struct ynode *v,
    struct config_secret_ref *ref)
{
	struct config_secret_ref tmp = { NULL, NULL };

	walk_map(w, field, v, secret_fields, NFIELDS(secret_fields), &tmp);
	if (tmp.name == NULL || tmp.key == NULL) {
		walk_err(w, v, "%s: secretKeyRef needs both name and key",
		    field);
		free(tmp.name);
		free(tmp.key);
		return;
	}
	if (!secret_part_ok(tmp.name, false) || !secret_part_ok(tmp.key,
	    true)) {
		walk_err(w, v, "%s: secretKeyRef {name: '%s', key: '%s'}: "
		    "expected a Kubernetes secret name (lower-case letters, "
		    "digits, '-', '.') and key (letters, digits, '-', '_', "
		    "'.'), not starting with '.'", field, tmp.name, tmp.key);
		free(tmp.name);
		free(tmp.key);
		return;
	}
	free(ref->name);
	free(ref->key);
	*ref = tmp;
}

/* ---- Node ---- */

struct node_ctx {
	struct config_node *n;
};

static void
f_node_addr(struct walk *w, const char *field, const struct ynode *v,
    struct ip_prefix *out, int af)
{
	struct ip_prefix p;

	if (!ytree_is_null(v) && v->kind == YT_SCALAR &&
	    addr_pfx_parse(v->str, &p, true) == 0 && p.addr.af == af) {
		*out = p;
		return;
	}
	if (ytree_is_null(v))
		return;
	walk_err(w, v, "%s: '%s' is not an %s address, expected "
	    "address/prefix-length such as %s", field,
	    v->kind == YT_SCALAR ? v->str : "", af == AF_INET ? "IPv4" :
	    "IPv6", af == AF_INET ? "198.51.100.1/24" : "2001:db8::1/64");
}

static void
f_node_v4(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	f_node_addr(w, field, v, &((struct node_ctx *)o)->n->v4, AF_INET);
}

static void
f_node_v6(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	f_node_addr(w, field, v, &((struct node_ctx *)o)->n->v6, AF_INET6);
}

static void
f_node_asn(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	if (!ytree_is_null(v))
		walk_asn(w, field, v, &((struct node_ctx *)o)->n->asn);
}

static void
f_node_rr(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	struct config_node *n = ((struct node_ctx *)o)->n;

	if (ytree_is_null(v) || (v->kind == YT_SCALAR && v->len == 0))
		return;
	/* Calico: a valid IPv4 address string (e.g. 244.0.0.1). */
	if (v->kind != YT_SCALAR || addr_parse(v->str, &n->rr_cluster_id) ||
	    n->rr_cluster_id.af != AF_INET) {
		memset(&n->rr_cluster_id, 0, sizeof(n->rr_cluster_id));
		walk_err(w, v, "%s: '%s' is not a valid route reflector "
		    "cluster ID, expected an IPv4 address such as 244.0.0.1",
		    field, v->kind == YT_SCALAR ? v->str : "");
	}
}

static void
f_node_ipip(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	if (!ytree_is_null(v))
		walk_ip(w, field, v, AF_INET,
		    &((struct node_ctx *)o)->n->ipip_tunnel_addr);
}

static const struct walk_field node_bgp_fields[] = {
	{ "asNumber", f_node_asn },
	{ "ipv4Address", f_node_v4 },
	{ "ipv6Address", f_node_v6 },
	{ "ipv4IPIPTunnelAddr", f_node_ipip },
	{ "routeReflectorClusterID", f_node_rr },
};

static void
f_node_bgp(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	if (ytree_is_null(v))
		return;
	if (v->kind == YT_MAP && v->n == 0) {
		walk_err(w, v, "%s: present but empty, expected at least "
		    "ipv4Address or ipv6Address (or remove it)", field);
		return;
	}
	walk_map(w, field, v, node_bgp_fields, NFIELDS(node_bgp_fields), o);
}

static const struct walk_field node_spec_fields[] = {
	{ "bgp", f_node_bgp },
	{ "ipv4VXLANTunnelAddr", NULL },
	{ "ipv6VXLANTunnelAddr", NULL },
	{ "vxlanTunnelMACAddr", NULL },
	{ "vxlanTunnelMACAddrV6", NULL },
	{ "orchRefs", NULL },
	{ "wireguard", NULL },
	{ "addresses", NULL },
	{ "interfaces", NULL },
};

void
kind_node(struct walk *w, struct kind_meta *m)
{
	struct config *cfg = w->cfg;
	struct config_node *n;
	struct node_ctx ctx;

	cfg->nodes = xreallocarray(cfg->nodes, cfg->nnodes + 1,
	    sizeof(*cfg->nodes));
	n = &cfg->nodes[cfg->nnodes++];
	memset(n, 0, sizeof(*n));
	n->name = m->name;
	m->name = NULL;
	n->loc = m->loc;
	kind_labels(w, "metadata.labels", ytree_get(m->meta, "labels"),
	    &n->labels);
	ctx.n = n;
	if (m->spec != NULL)
		walk_map(w, "spec", m->spec, node_spec_fields,
		    NFIELDS(node_spec_fields), &ctx);
}

/* ---- IPPool ---- */

static const char *const encap_names[] = {
	"Never", "Always", "CrossSubnet", NULL,
};

struct pool_ctx {
	struct config_pool *p;
	const struct ynode *cidr, *ipip, *vxlan, *block_size;
	bool has_block_size;
	uint64_t block_size_v;
};

static void
f_pool_cidr(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	struct pool_ctx *c = o;

	c->cidr = v;
	walk_cidr(w, field, v, 0, true, &c->p->cidr);
}

static void
f_pool_ipip(struct walk *w, const char *field, const struct ynode *v, void *o)
{
	struct pool_ctx *c = o;
	int e;

	c->ipip = v;
	if (walk_enum(w, field, v, encap_names, &e) == 0)
		c->p->ipip = (enum config_encap)e;
}

static void
f_pool_vxlan(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	struct pool_ctx *c = o;
	int e;

	c->vxlan = v;
	if (walk_enum(w, field, v, encap_names, &e) == 0)
		c->p->vxlan = (enum config_encap)e;
}

#define POOL_BOOL(fn, member)						\
static void								\
fn(struct walk *w, const char *field, const struct ynode *v, void *o)	\
{									\
	walk_bool(w, field, v, &((struct pool_ctx *)o)->p->member);	\
}
POOL_BOOL(f_pool_nat, nat_outgoing)
POOL_BOOL(f_pool_disabled, disabled)
POOL_BOOL(f_pool_noexport, disable_bgp_export)

static void
f_pool_block_size(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	struct pool_ctx *c = o;

	c->block_size = v;
	if (walk_uint(w, field, v, 0, 128, &c->block_size_v) == 0)
		c->has_block_size = true;
}

static void
f_pool_node_sel(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	struct selector *sel = NULL;
	struct pool_ctx *c = o;

	if (walk_selector(w, field, v, &sel, &c->p->node_sel_text) == 0)
		selector_free(sel);
}

static const struct walk_field pool_spec_fields[] = {
	{ "cidr", f_pool_cidr },
	{ "ipipMode", f_pool_ipip },
	{ "vxlanMode", f_pool_vxlan },
	{ "natOutgoing", f_pool_nat },
	{ "disabled", f_pool_disabled },
	{ "disableBGPExport", f_pool_noexport },
	{ "blockSize", f_pool_block_size },
	{ "nodeSelector", f_pool_node_sel },
	{ "namespaceSelector", NULL },
	{ "allowedUses", NULL },
	{ "assignmentMode", NULL },
	{ "ipip", NULL },
	{ "nat-outgoing", NULL },
};

static void
pool_validate(struct walk *w, struct pool_ctx *c, const struct ynode *at)
{
	struct config_pool *p = c->p;
	struct ip_prefix ll4, ll6;
	unsigned min, max;
	bool v4 = p->cidr.addr.af == AF_INET;

	if (c->cidr == NULL) {
		walk_err(w, at, "IPPool '%s': spec.cidr is required",
		    p->name);
		return;
	}
	if (p->cidr.addr.af == 0)
		return;
	addr_pfx_parse("169.254.0.0/16", &ll4, false);
	addr_pfx_parse("fe80::/10", &ll6, false);
	if (addr_pfx_overlaps(&p->cidr, &ll4) ||
	    addr_pfx_overlaps(&p->cidr, &ll6))
		walk_err(w, c->cidr, "spec.cidr: '%s' overlaps the link-local "
		    "range, which IP pools may not use", c->cidr->str);
	if (!v4 && p->ipip != CONFIG_ENCAP_NEVER)
		walk_err(w, c->ipip, "spec.ipipMode: IPIP is not supported "
		    "on IPv6 pools, expected Never");
	if (p->ipip != CONFIG_ENCAP_NEVER && p->vxlan != CONFIG_ENCAP_NEVER)
		walk_err(w, c->vxlan, "spec.vxlanMode: IPIP and VXLAN cannot "
		    "both be enabled on one pool");
	min = v4 ? 20 : 116;
	max = v4 ? 32 : 128;
	if (!c->has_block_size) {
		p->block_size = v4 ? 26 : 122;
	} else if (c->block_size_v < min || c->block_size_v > max) {
		walk_err(w, c->block_size, "spec.blockSize: %llu is out of "
		    "range, expected %u to %u for an %s pool",
		    (unsigned long long)c->block_size_v, min, max,
		    v4 ? "IPv4" : "IPv6");
		return;
	} else {
		p->block_size = (uint8_t)c->block_size_v;
	}
	if (p->cidr.len > p->block_size)
		walk_err(w, c->cidr, "spec.cidr: the pool (/%u) is smaller "
		    "than its block size (/%u)", p->cidr.len, p->block_size);
}

void
kind_pool(struct walk *w, struct kind_meta *m)
{
	struct config *cfg = w->cfg;
	struct pool_ctx ctx;

	cfg->pools = xreallocarray(cfg->pools, cfg->npools + 1,
	    sizeof(*cfg->pools));
	memset(&ctx, 0, sizeof(ctx));
	ctx.p = &cfg->pools[cfg->npools++];
	memset(ctx.p, 0, sizeof(*ctx.p));
	ctx.p->name = m->name;
	m->name = NULL;
	ctx.p->loc = m->loc;
	if (m->spec != NULL)
		walk_map(w, "spec", m->spec, pool_spec_fields,
		    NFIELDS(pool_spec_fields), &ctx);
	pool_validate(w, &ctx, m->spec ? m->spec : m->doc);
}

/* ---- IPAMBlock ---- */

struct block_ctx {
	struct config_block *b;
	const struct ynode *cidr;
};

static void
f_block_cidr(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	struct block_ctx *c = o;

	c->cidr = v;
	walk_cidr(w, field, v, 0, true, &c->b->cidr);
}

static void
f_block_affinity(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	struct block_ctx *c = o;
	char *s = NULL;

	if (ytree_is_null(v) || walk_str(w, field, v, &s) != 0)
		return;
	if (strncmp(s, "host:", 5) == 0 && s[5] != '\0') {
		c->b->affinity_node = xstrdup(s + 5);
	} else if (strncmp(s, "virtual:", 8) != 0) {
		walk_err(w, v, "%s: '%s' is not a valid affinity, expected "
		    "host:<node name>", field, s);
	}
	free(s);
}

static void
f_block_deleted(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	walk_bool(w, field, v, &((struct block_ctx *)o)->b->deleted);
}

static const struct walk_field block_spec_fields[] = {
	{ "cidr", f_block_cidr },
	{ "affinity", f_block_affinity },
	{ "deleted", f_block_deleted },
	{ "allocations", NULL },
	{ "unallocated", NULL },
	{ "attributes", NULL },
	{ "sequenceNumber", NULL },
	{ "sequenceNumberForAllocation", NULL },
	{ "strictAffinity", NULL },
	{ "affinityClaimTime", NULL },
};

void
kind_block(struct walk *w, struct kind_meta *m)
{
	struct config *cfg = w->cfg;
	struct block_ctx ctx;

	cfg->blocks = xreallocarray(cfg->blocks, cfg->nblocks + 1,
	    sizeof(*cfg->blocks));
	memset(&ctx, 0, sizeof(ctx));
	ctx.b = &cfg->blocks[cfg->nblocks++];
	memset(ctx.b, 0, sizeof(*ctx.b));
	ctx.b->name = m->name;
	m->name = NULL;
	ctx.b->loc = m->loc;
	if (m->spec != NULL)
		walk_map(w, "spec", m->spec, block_spec_fields,
		    NFIELDS(block_spec_fields), &ctx);
	if (ctx.cidr == NULL)
		walk_err(w, m->spec ? m->spec : m->doc, "IPAMBlock '%s': "
		    "spec.cidr is required", ctx.b->name);
}

/* ---- BlockAffinity ---- */

static const char *const aff_state_names[] = {
	"confirmed", "pending", "pendingDeletion", NULL,
};

struct aff_ctx {
	struct config_affinity *a;
	bool has_node, has_cidr;
};

static void
f_aff_state(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	int e;

	/* An empty state is "implicitly confirmed" (CALICO.md 3.3). */
	if (ytree_is_null(v) || (v->kind == YT_SCALAR && v->len == 0))
		return;
	if (walk_enum(w, field, v, aff_state_names, &e) == 0)
		((struct aff_ctx *)o)->a->state = (enum config_aff_state)e;
}

static void
f_aff_node(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	struct aff_ctx *c = o;

	if (walk_str(w, field, v, &c->a->node) == 0)
		c->has_node = true;
}

static void
f_aff_cidr(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	struct aff_ctx *c = o;

	if (walk_cidr(w, field, v, 0, true, &c->a->cidr) == 0)
		c->has_cidr = true;
}

/* The CRD stores deleted as the string "true" or "false". */
static void
f_aff_deleted(struct walk *w, const char *field, const struct ynode *v,
    void *o)
{
	struct aff_ctx *c = o;

	if (v != NULL && v->kind == YT_SCALAR && v->style == YT_QUOTED &&
	    (strcmp(v->str, "true") == 0 || strcmp(v->str, "false") == 0)) {
		c->a->deleted = strcmp(v->str, "true") == 0;
		return;
	}
	walk_bool(w, field, v, &c->a->deleted);
}

static const struct walk_field aff_spec_fields[] = {
	{ "state", f_aff_state },
	{ "node", f_aff_node },
	{ "cidr", f_aff_cidr },
	{ "deleted", f_aff_deleted },
	{ "type", NULL },
};

void
kind_affinity(struct walk *w, struct kind_meta *m)
{
	struct config *cfg = w->cfg;
	struct aff_ctx ctx;

	cfg->affinities = xreallocarray(cfg->affinities, cfg->naffinities + 1,
	    sizeof(*cfg->affinities));
	memset(&ctx, 0, sizeof(ctx));
	ctx.a = &cfg->affinities[cfg->naffinities++];
	memset(ctx.a, 0, sizeof(*ctx.a));
	ctx.a->name = m->name;
	m->name = NULL;
	ctx.a->loc = m->loc;
	if (m->spec != NULL)
		walk_map(w, "spec", m->spec, aff_spec_fields,
		    NFIELDS(aff_spec_fields), &ctx);
	if (!ctx.has_node || !ctx.has_cidr)
		walk_err(w, m->spec ? m->spec : m->doc, "BlockAffinity '%s': "
		    "spec.node and spec.cidr are required", ctx.a->name);
}
