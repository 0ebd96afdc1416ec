/*
 * plan: compute one node's plan from the cluster's resources, as confd
 * does for BIRD (CALICO.md section 4, confd's updatePeersV1 and
 * bgp_processor.go).  Three passes over the BGPPeers emit peering keys:
 * global peers, node-specific peers, then automatic reverse peerings; the
 * first key emitted wins and a node-specific key loses to a global key for
 * the same address and port.  Keys become sessions; mesh sessions are
 * added for every other non-route-reflector node.
 *
 * Where confd walks a Go map (arbitrary order), bgpd walks BGPPeers and
 * Nodes in name order, so the winner among duplicates is deterministic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sha256.h"
#include "lib/xalloc.h"
#include "plan.h"
#include "selector.h"

/* One emitted peering (confd's v1 peer key and value) for this node. */
struct pkey {
	bool	global;
	struct ip_addr ip;
	uint16_t port;		/* 0: not set (179) */
	uint32_t asn;
	struct ip_addr rr_cluster;	/* the peer node's cluster id */
	bool	calico_node;
	bool	ip_is_node;	/* confd's CalicoNode: peerIP is a node's */
	const char *peer_node;
	bool	from_peer_ip;	/* peerIP path: localASNumber applies */
	bool	reverse;
	bool	workload;	/* a local workload (localWorkloadSelector) */
	const struct config_peer *res;
};

struct pctx {
	const struct config *cfg;
	const struct plan_opts *opts;
	const struct config_node *self;
	struct plan *plan;
	struct config_diags *d;
	const struct config_bgpconf *global, *override;
	uint32_t global_as;
	uint16_t global_port;	/* 0: unset */
	struct pkey *keys;
	size_t	nkeys, capkeys;
};

static const char *
label_lookup(const void *ctx, const char *key)
{
	return config_label_get(ctx, key);
}

static bool
node_matches(const struct config_node *n, const struct selector *sel)
{
	return selector_match(sel, label_lookup, &n->labels);
}

static uint32_t
node_as(const struct pctx *c, const struct config_node *n)
{
	return n->asn != 0 ? n->asn : c->global_as;
}

/* The node's configured listen port: node.<name>, then default, else 0. */
static uint16_t
node_port(const struct pctx *c, const struct config_node *n)
{
	char name[CONFIG_MAX_NAME + 8];
	const struct config_bgpconf *o;

	snprintf(name, sizeof(name), "node.%s", n->name);
	o = config_bgpconf_find(c->cfg, name);
	if (o != NULL && o->listen_port != 0)
		return o->listen_port;
	return c->global_port;
}

static const struct ip_prefix *
node_addr(const struct config_node *n, int af)
{
	const struct ip_prefix *p = af == AF_INET ? &n->v4 : &n->v6;

	return p->addr.af != 0 ? p : NULL;
}

static bool
is_self(const struct pctx *c, const struct config_node *n)
{
	return n == c->self;
}

/*
 * Nodes whose address (either family) is ip, whose AS is asn (0: the
 * global AS) and, when port is given, whose listen port is port.  confd's
 * version compares address strings and has an else-branch quirk on ports;
 * this compares parsed addresses and the node's effective port.
 */
static bool
node_has_ip_port_as(const struct pctx *c, const struct config_node *n,
    const struct ip_addr *ip, uint32_t asn, uint16_t port)
{
	uint16_t np;

	if (!(n->v4.addr.af && addr_eq(&n->v4.addr, ip)) &&
	    !(n->v6.addr.af && addr_eq(&n->v6.addr, ip)))
		return false;
	if (node_as(c, n) != (asn != 0 ? asn : c->global_as))
		return false;
	np = node_port(c, n);
	if (port != 0 && (np != 0 ? np : CONFIG_DEFAULT_PORT) != port)
		return false;
	return true;
}

static const struct config_node *
node_by_ip(const struct pctx *c, const struct ip_addr *ip)
{
	for (size_t i = 0; i < c->cfg->nnodes; i++) {
		const struct config_node *n = &c->cfg->nodes[i];

		if ((n->v4.addr.af && addr_eq(&n->v4.addr, ip)) ||
		    (n->v6.addr.af && addr_eq(&n->v6.addr, ip)))
			return n;
	}
	return NULL;
}

static uint16_t
key_port(uint16_t port)
{
	return port == 0 ? CONFIG_DEFAULT_PORT : port;
}

static bool
same_key(const struct pkey *a, bool global, const struct ip_addr *ip,
    uint16_t port)
{
	return a->global == global && addr_eq(&a->ip, ip) &&
	    key_port(a->port) == key_port(port);
}

/* confd's emit(): first key wins; a global key shadows node-specific. */
static void
emit(struct pctx *c, const struct pkey *k)
{
	for (size_t i = 0; i < c->nkeys; i++) {
		const struct pkey *o = &c->keys[i];
		bool dup = same_key(o, k->global, &k->ip, k->port);
		bool shadow = !k->global &&
		    same_key(o, true, &k->ip, k->port);
		char a[ADDR_STRLEN];

		if (!dup && !shadow)
			continue;
		/* Report only when two resources disagree explicitly. */
		if (!k->reverse && !o->reverse && o->res != k->res)
			config_diag_add(c->d, CONFIG_NOTICE, &k->res->loc,
			    "BGPPeer '%s': peering with %s port %u is already "
			    "given by %sBGPPeer '%s', which wins", k->res->name,
			    addr_fmt(&k->ip, a, sizeof(a)), key_port(k->port),
			    shadow ? "global " : "", o->res->name);
		return;
	}
	c->keys = xgrow(c->keys, &c->capkeys, c->nkeys + 1, sizeof(*c->keys));
	c->keys[c->nkeys++] = *k;
}

/* confd's nodeAsBGPPeers(): the peer node's address(es), AS and port. */
static void
emit_node_peer(struct pctx *c, const struct config_node *x, bool v4,
    bool v6, struct pkey *tmpl)
{
	const int afs[2] = { AF_INET, AF_INET6 };
	const bool want[2] = { v4, v6 };

	for (int i = 0; i < 2; i++) {
		const struct ip_prefix *a = node_addr(x, afs[i]);

		if (!want[i] || a == NULL)
			continue;
		tmpl->ip = a->addr;
		tmpl->port = node_port(c, x);
		tmpl->asn = node_as(c, x);
		tmpl->rr_cluster = x->rr_cluster_id;
		tmpl->calico_node = true;
		tmpl->peer_node = x->name;
		emit(c, tmpl);
	}
}

/* Forward peerings of one BGPPeer for this node (global or node key). */
static void
forward(struct pctx *c, const struct config_peer *p, bool global)
{
	struct pkey k;

	memset(&k, 0, sizeof(k));
	k.global = global;
	k.res = p;
	if (p->peer_sel != NULL) {
		for (size_t i = 0; i < c->cfg->nnodes; i++) {
			const struct config_node *x = &c->cfg->nodes[i];

			if (node_matches(x, p->peer_sel))
				emit_node_peer(c, x, true, true, &k);
		}
		return;
	}
	if (p->peer_ip.af == 0)
		return;
	k.ip = p->peer_ip;
	k.port = p->peer_port;
	k.asn = p->asn;
	k.from_peer_ip = true;
	if (k.asn == 0) {
		char a[ADDR_STRLEN];

		/* confd renders "as 0", which BIRD refuses with its whole
		 * configuration; confd's own reverse-peering match reads 0
		 * as the default AS, and so does bgpd. */
		k.asn = c->global_as;
		config_diag_add(c->d, CONFIG_NOTICE, &p->loc, "BGPPeer '%s' "
		    "has no asNumber: peering with %s in the default AS "
		    "%u", p->name, addr_fmt(&p->peer_ip, a, sizeof(a)),
		    k.asn);
	}
	/* No port given: if the address is a Calico node, use its port. */
	if (k.port == 0) {
		for (size_t i = 0; i < c->cfg->nnodes; i++) {
			const struct config_node *x = &c->cfg->nodes[i];

			if (node_has_ip_port_as(c, x, &p->peer_ip, p->asn, 0)) {
				k.port = node_port(c, x);
				break;
			}
		}
	}
	{
		const struct config_node *x = node_by_ip(c, &p->peer_ip);

		k.calico_node = x != NULL;
		k.ip_is_node = x != NULL;
		k.peer_node = x ? x->name : NULL;
	}
	emit(c, &k);
}

static bool
peer_is_global(const struct config_peer *p)
{
	return p->node == NULL && p->node_sel == NULL;
}

/* Does this node get the BGPPeer's node-specific peerings? */
static bool
peer_applies(const struct pctx *c, const struct config_peer *p)
{
	if (p->node_sel != NULL)
		return node_matches(c->self, p->node_sel);
	return p->node != NULL && strcmp(p->node, c->self->name) == 0;
}

/*
 * Automatic reverse peering (CALICO.md 4.2): if this node is one the
 * BGPPeer points at (peerSelector, or peerIP+AS+port), peer back with
 * every node the BGPPeer applies to.
 */
static void
reverse(struct pctx *c, const struct config_peer *p)
{
	bool v4 = true, v6 = true, local;
	struct pkey k;

	if (p->reverse_manual || p->lw_sel != NULL)
		return;
	if (p->peer_sel != NULL) {
		local = node_matches(c->self, p->peer_sel);
	} else if (p->peer_ip.af != 0) {
		local = node_has_ip_port_as(c, c->self, &p->peer_ip, p->asn,
		    p->peer_port);
		v4 = p->peer_ip.af == AF_INET;
		v6 = !v4;
	} else {
		return;
	}
	if (!local)
		return;
	memset(&k, 0, sizeof(k));
	k.res = p;
	k.reverse = true;
	for (size_t i = 0; i < c->cfg->nnodes; i++) {
		const struct config_node *x = &c->cfg->nodes[i];

		if (p->node_sel != NULL ? !node_matches(x, p->node_sel) :
		    p->node != NULL ? strcmp(p->node, x->name) != 0 : false)
			continue;
		emit_node_peer(c, x, v4, v6, &k);
	}
}

/*
 * confd's localBGPPeerDataAsBGPPeers(): every workload Felix selected
 * for this BGPPeer (its endpoint status names it; Felix evaluated the
 * selector on the pod's labels), at its first IPv4 and IPv6 address.
 * Only the AS, localASNumber and filters come from the BGPPeer; the
 * session is passive and has no source address.  Its key is global or
 * node-specific like the BGPPeer's, so it competes for an address with
 * the other peerings as confd's emit() does.
 */
static void
workloads(struct pctx *c, const struct config_peer *p, bool global)
{
	struct pkey k;

	for (size_t i = 0; i < c->opts->nworkloads; i++) {
		const struct plan_workload *wl = &c->opts->workloads[i];
		const struct ip_addr *ips[2] = { &wl->v4, &wl->v6 };

		if (strcmp(wl->bgp_peer, p->name) != 0)
			continue;
		for (int f = 0; f < 2; f++) {
			if (ips[f]->af == 0)
				continue;
			memset(&k, 0, sizeof(k));
			k.global = global;
			k.res = p;
			k.ip = *ips[f];
			k.asn = p->asn;
			k.workload = true;
			emit(c, &k);
		}
	}
}

static void
compute_keys(struct pctx *c)
{
	const struct config *cfg = c->cfg;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < cfg->npeers; i++) {
			const struct config_peer *p = &cfg->peers[i];

			if (p->lw_sel != NULL) {
				if (pass == 0 && peer_is_global(p))
					workloads(c, p, true);
				else if (pass == 1 && !peer_is_global(p) &&
				    peer_applies(c, p))
					workloads(c, p, false);
				continue;
			}
			if (pass == 0 && peer_is_global(p))
				forward(c, p, true);
			else if (pass == 1 && !peer_is_global(p) &&
			    peer_applies(c, p))
				forward(c, p, false);
		}
	}
	for (size_t i = 0; i < cfg->npeers; i++)
		reverse(c, &cfg->peers[i]);
}

static bool
same_comm(const struct config_community *x,
    const struct config_community *y)
{
	return x->large == y->large && x->a == y->a && x->b == y->b &&
	    x->c == y->c;
}

/* ---- sessions ---- */

const char *
plan_stype_name(enum plan_stype type)
{
	switch (type) {
	case PLAN_MESH:
		return "mesh";
	case PLAN_GLOBAL:
		return "global";
	case PLAN_LOCAL_WORKLOAD:
		return "local_workload";
	default:
		return "node";
	}
}

void
plan_session_name(enum plan_stype type, const struct ip_addr *ip,
    uint16_t port, char *buf, size_t size)
{
	static const char *const prefix[] = { "Mesh", "Global", "Node",
	    "Local_Workload" };
	char a[ADDR_STRLEN];
	int n;

	addr_fmt(ip, a, sizeof(a));
	for (char *s = a; *s != '\0'; s++) {
		if (*s == '.' || *s == ':')
			*s = '_';
	}
	n = snprintf(buf, size, "%s_%s", prefix[type], a);
	if (port != 0 && port != CONFIG_DEFAULT_PORT && n > 0 &&
	    (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, "_port_%u", port);
}

static struct plan_session *
new_session(struct pctx *c)
{
	struct plan *pl = c->plan;
	struct plan_session *s;

	pl->sessions = xreallocarray(pl->sessions, pl->nsessions + 1,
	    sizeof(*pl->sessions));
	s = &pl->sessions[pl->nsessions++];
	memset(s, 0, sizeof(*s));
	return s;
}

/* String comparison of the addresses' text, as the templates do. */
static bool
ip_text_greater(const struct ip_addr *a, const struct ip_addr *b)
{
	char x[ADDR_STRLEN], y[ADDR_STRLEN];

	return strcmp(addr_fmt(a, x, sizeof(x)), addr_fmt(b, y, sizeof(y))) > 0;
}

static void
mesh(struct pctx *c)
{
	const struct config_bgpconf *g = c->global;
	const struct config_node *self = c->self;

	if (!c->plan->mesh_enabled || self->rr_cluster_id.af != 0)
		return;
	for (size_t i = 0; i < c->cfg->nnodes; i++) {
		const struct config_node *x = &c->cfg->nodes[i];

		if (is_self(c, x) || x->rr_cluster_id.af != 0)
			continue;
		for (int af = AF_INET; af != 0;
		    af = af == AF_INET ? AF_INET6 : 0) {
			const struct ip_prefix *mine = node_addr(self, af);
			const struct ip_prefix *theirs = node_addr(x, af);
			struct plan_session *s;

			if (mine == NULL || theirs == NULL ||
			    addr_eq(&mine->addr, &theirs->addr))
				continue;
			s = new_session(c);
			s->type = PLAN_MESH;
			s->peer_ip = theirs->addr;
			s->peer_port = node_port(c, x);
			if (s->peer_port == 0)
				s->peer_port = CONFIG_DEFAULT_PORT;
			/* Mesh names never carry a port (confd). */
			plan_session_name(PLAN_MESH, &s->peer_ip, 0, s->name,
			    sizeof(s->name));
			s->remote_as = node_as(c, x);
			s->local_as = c->plan->local_as;
			s->source_addr = mine->addr;
			s->passive = ip_text_greater(&theirs->addr,
			    &mine->addr);
			if (g != NULL && g->mesh_password.name != NULL) {
				s->password_secret =
				    xstrdup(g->mesh_password.name);
				s->password_key = xstrdup(g->mesh_password.key);
			}
			if (g != NULL && g->has_mesh_restart) {
				s->has_restart_time = true;
				s->restart_time = g->mesh_restart_s;
			}
			s->calico_node = true;
			s->peer_node = xstrdup(x->name);
			s->origin = xstrdup("node-to-node mesh");
		}
	}
}

static void
copy_filters(struct pctx *c, struct plan_session *s,
    const struct config_peer *p)
{
	s->filters = xcalloc(p->nfilters ? p->nfilters : 1,
	    sizeof(*s->filters));
	for (size_t i = 0; i < p->nfilters; i++) {
		/* confd skips names with no BGPFilter (warned at load). */
		if (config_filter_find(c->cfg, p->filters[i]) != NULL)
			s->filters[s->nfilters++] = xstrdup(p->filters[i]);
	}
}

static void rr_client(struct pctx *, struct plan_session *,
    const struct pkey *);

/* A local workload's session: passive, no source address, the
 * BGPPeer's filters and nothing else of it (confd sets no password,
 * timers, TTL security or next-hop mode for these). */
static void
workload_session(struct pctx *c, struct plan_session *s,
    const struct pkey *k)
{
	s->passive = true;
	copy_filters(c, s, k->res);
	rr_client(c, s, k);
	s->origin = xasprintf("BGPPeer '%s' (local workload)",
	    k->res->name);
}

/* CALICO.md 4.5: RR client iff iBGP and a different cluster id. */
static void
rr_client(struct pctx *c, struct plan_session *s, const struct pkey *k)
{
	if (s->remote_as == s->local_as && c->self->rr_cluster_id.af != 0 &&
	    (k->rr_cluster.af == 0 ||
	    !addr_eq(&k->rr_cluster, &c->self->rr_cluster_id))) {
		s->rr_client = true;
		s->rr_cluster_id = c->self->rr_cluster_id;
	}
}

/* confd's buildPeerFromData() for one surviving key. */
static void
render_key(struct pctx *c, const struct pkey *k)
{
	const struct config_peer *p = k->res;
	const struct ip_prefix *mine = node_addr(c->self, k->ip.af);
	struct plan_session *s;
	uint32_t local_as;

	/* No address of this family: that family has no sessions. */
	if (mine == NULL || addr_eq(&mine->addr, &k->ip))
		return;
	s = new_session(c);
	s->type = k->workload ? PLAN_LOCAL_WORKLOAD : k->global ?
	    PLAN_GLOBAL : PLAN_NODE;
	s->peer_ip = k->ip;
	s->peer_port = key_port(k->port);
	plan_session_name(s->type, &k->ip, k->port, s->name, sizeof(s->name));
	s->remote_as = k->asn;
	local_as = c->plan->local_as;
	if ((k->from_peer_ip || k->workload) && p->local_asn != 0)
		local_as = p->local_asn;
	s->local_as = local_as;
	if (k->workload) {
		workload_session(c, s, k);
		return;
	}
	if (!p->source_none)
		s->source_addr = mine->addr;
	if (p->password.name != NULL) {
		s->password_secret = xstrdup(p->password.name);
		s->password_key = xstrdup(p->password.key);
	}
	s->has_restart_time = p->has_restart;
	s->restart_time = p->restart_s;
	s->has_keepalive_time = p->has_keepalive;
	s->keepalive_time = p->keepalive_s;
	s->ttl_security = p->ttl_security;
	s->bfd = p->bfd;
	s->allow_local_as = p->allow_local_as;
	if (p->reachable_by.af == k->ip.af)
		s->reachable_by = p->reachable_by;
	copy_filters(c, s, p);
	if (p->nh_mode == CONFIG_NH_SELF)
		s->next_hop = PLAN_NH_SELF;
	else if (p->nh_mode == CONFIG_NH_KEEP)
		s->next_hop = PLAN_NH_KEEP;
	else if (p->keep_original_nh && s->remote_as != local_as)
		s->next_hop = PLAN_NH_KEEP;	/* eBGP only (deprecated) */
	rr_client(c, s, k);
	s->calico_node = k->calico_node;
	if (k->peer_node != NULL)
		s->peer_node = xstrdup(k->peer_node);
	/* Unidirectional like the mesh, for global peers given by a peerIP
	 * that is a node's (confd's CalicoNode; peerSelector and reverse
	 * peerings are active on both ends, as in confd). */
	if (s->type == PLAN_GLOBAL && k->ip_is_node &&
	    ip_text_greater(&k->ip, &mine->addr))
		s->passive = true;
	s->origin = xasprintf("BGPPeer '%s'%s", p->name,
	    k->reverse ? " (automatic reverse peering)" : "");
}

static void
session_free(struct plan_session *s)
{
	free(s->password_secret);
	free(s->password_key);
	for (size_t i = 0; i < s->nfilters; i++)
		free(s->filters[i]);
	free(s->filters);
	free(s->peer_node);
	free(s->origin);
}

/*
 * confd renders a Mesh_ and an explicit session to the same peer side by
 * side; they then fight over one TCP connection.  Keep the explicit one.
 */
static void
drop_mesh_duplicates(struct pctx *c)
{
	struct plan *pl = c->plan;
	size_t out = 0;

	for (size_t i = 0; i < pl->nsessions; i++) {
		struct plan_session *s = &pl->sessions[i];
		const struct plan_session *e = NULL;

		for (size_t j = 0; j < pl->nsessions && s->type == PLAN_MESH;
		    j++) {
			const struct plan_session *o = &pl->sessions[j];

			if (o->type != PLAN_MESH &&
			    addr_eq(&o->peer_ip, &s->peer_ip) &&
			    o->peer_port == s->peer_port)
				e = o;
		}
		if (e != NULL) {
			config_diag_add(c->d, CONFIG_WARNING, NULL, "%s and %s "
			    "(%s) peer with the same address; keeping %s. "
			    "Disable the node-to-node mesh when Calico nodes "
			    "peer through BGPPeers", s->name, e->name,
			    e->origin, e->name);
			session_free(s);
			continue;
		}
		pl->sessions[out++] = *s;
	}
	pl->nsessions = out;
}

static int
session_cmp(const void *a, const void *b)
{
	const struct plan_session *x = a, *y = b;

	if (x->peer_ip.af != y->peer_ip.af)
		return x->peer_ip.af == AF_INET ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* ---- node-wide values ---- */

void
plan_hash_router_id(const char *name, struct ip_addr *out)
{
	uint8_t d[SHA256_LEN];

	sha256(name, strlen(name), d);
	/* BGP identifiers may not be class D/E: Calico subtracts 32. */
	if (d[0] > 223)
		d[0] -= 32;
	addr_from_bytes(out, AF_INET, d);
}

static int
router_id(struct pctx *c, const struct plan_opts *opts)
{
	struct plan *pl = c->plan;
	char a[ADDR_STRLEN];

	if (opts != NULL && opts->router_id != NULL &&
	    opts->router_id[0] != '\0') {
		if (strcmp(opts->router_id, "hash") == 0) {
			plan_hash_router_id(pl->node, &pl->router_id);
			pl->router_id_source = "hash of the node name";
			return 0;
		}
		if (addr_parse(opts->router_id, &pl->router_id) != 0 ||
		    pl->router_id.af != AF_INET ||
		    addr_v4(&pl->router_id) == 0) {
			config_diag_add(c->d, CONFIG_ERROR, NULL,
			    "CALICO_ROUTER_ID '%s' is not valid, expected "
			    "a non-zero IPv4 address or \"hash\"",
			    opts->router_id);
			return -1;
		}
		pl->router_id_source = "CALICO_ROUTER_ID";
		return 0;
	}
	if (c->self->v4.addr.af != 0) {
		pl->router_id = c->self->v4.addr;
		pl->router_id_source = "node IPv4 address";
		if (addr_v4(&pl->router_id) != 0)
			return 0;
	}
	plan_hash_router_id(pl->node, &pl->router_id);
	pl->router_id_source = "hash of the node name";
	config_diag_add(c->d, CONFIG_NOTICE, &c->self->loc, "Node '%s' has "
	    "no usable IPv4 address; router id %s is derived from its name "
	    "(set CALICO_ROUTER_ID to choose one)", pl->node,
	    addr_fmt(&pl->router_id, a, sizeof(a)));
	return 0;
}

static bool
affinity_state(const struct pctx *c, const struct ip_prefix *cidr,
    bool *found, enum config_aff_state *state)
{
	for (size_t i = 0; i < c->cfg->naffinities; i++) {
		const struct config_affinity *a = &c->cfg->affinities[i];

		if (a->deleted || a->node == NULL ||
		    strcmp(a->node, c->self->name) != 0 ||
		    !addr_pfx_eq(&a->cidr, cidr))
			continue;
		*found = true;
		*state = a->state;
		return true;
	}
	*found = false;
	*state = CONFIG_AFF_CONFIRMED;
	return false;
}

static void
add_block(struct pctx *c, const struct ip_prefix *cidr,
    enum config_aff_state state)
{
	struct plan *pl = c->plan;
	struct plan_block *b;

	if (state == CONFIG_AFF_PENDING)
		return;
	for (size_t i = 0; i < pl->nblocks; i++) {
		if (addr_pfx_eq(&pl->blocks[i].cidr, cidr))
			return;
	}
	pl->blocks = xreallocarray(pl->blocks, pl->nblocks + 1,
	    sizeof(*pl->blocks));
	b = &pl->blocks[pl->nblocks++];
	b->cidr = *cidr;
	b->aggregate = state == CONFIG_AFF_CONFIRMED;
	b->blackhole = cidr->len != addr_bits(cidr->addr.af);
}

/* This node's affine blocks: IPAMBlocks and BlockAffinities (3.3). */
static void
blocks(struct pctx *c)
{
	const struct config *cfg = c->cfg;
	enum config_aff_state st;
	bool found;

	for (size_t i = 0; i < cfg->nblocks; i++) {
		const struct config_block *b = &cfg->blocks[i];

		if (b->deleted || b->affinity_node == NULL ||
		    b->cidr.addr.af == 0 ||
		    strcmp(b->affinity_node, c->self->name) != 0)
			continue;
		affinity_state(c, &b->cidr, &found, &st);
		add_block(c, &b->cidr, st);
	}
	for (size_t i = 0; i < cfg->naffinities; i++) {
		const struct config_affinity *a = &cfg->affinities[i];

		if (!a->deleted && a->node != NULL && a->cidr.addr.af != 0 &&
		    strcmp(a->node, c->self->name) == 0)
			add_block(c, &a->cidr, a->state);
	}
}

static int
pfx_cmp(const void *a, const void *b)
{
	return addr_pfx_cmp(a, b);
}

static struct ip_prefix *
dup_prefixes(const struct ip_prefix *src, size_t n)
{
	return n == 0 ? NULL : xmemdup(src, n * sizeof(*src));
}

/* CALICO.md 5.2: the service ranges, in list order, without repeats. */
static void
services(struct plan *pl)
{
	const struct ip_prefix *lists[3] = { pl->svc_cluster,
	    pl->svc_external, pl->svc_lb };
	size_t counts[3] = { pl->nsvc_cluster, pl->nsvc_external,
	    pl->lb_aggregation ? pl->nsvc_lb : 0 };

	pl->svc_ranges = xcalloc(counts[0] + counts[1] + counts[2] + 1,
	    sizeof(*pl->svc_ranges));
	for (int l = 0; l < 3; l++)
		for (size_t k = 0; k < counts[l]; k++) {
			const struct ip_prefix *p = &lists[l][k];

			/* Single external and LB addresses are per-service
			 * routes, which need Kubernetes Services. */
			if (l > 0 && p->len == addr_bits(p->addr.af))
				continue;
			if (plan_is_service_route(pl, p))
				continue;
			pl->svc_ranges[pl->nsvc_ranges++] = *p;
		}
	pl->svc_advertise = !pl->exclude_from_lb;
}

/*
 * CALICO.md 5.3 per pool, with programClusterRoutes (confd's
 * clusterRoutePolicyFromBGPConfig): VXLAN pools are always Felix's; of
 * the others, Felix takes those the setting does not give to BIRD.
 * Unset means Enabled here, as in Calico v3.32 (README explains why
 * not v3.33's EnabledNoEncapOnly).
 */
static void
kernel_actions(struct plan *pl)
{
	bool ipip = true, noencap = true;

	switch (pl->program_routes) {
	case CONFIG_PCR_DISABLED:
		ipip = noencap = false;
		break;
	case CONFIG_PCR_IPIP_ONLY:
		noencap = false;
		break;
	case CONFIG_PCR_NOENCAP_ONLY:
		ipip = false;
		break;
	default:
		break;
	}
	pl->felix_ipip = !ipip;
	for (size_t i = 0; i < pl->npools; i++) {
		struct plan_pool *q = &pl->pools[i];
		bool is_ipip = q->ipip != CONFIG_ENCAP_NEVER &&
		    q->cidr.addr.af == AF_INET;

		if (q->vxlan != CONFIG_ENCAP_NEVER ||
		    !(is_ipip ? ipip : noencap))
			q->kernel = PLAN_KERNEL_FELIX;
		else if (!is_ipip)
			q->kernel = PLAN_KERNEL_DIRECT;
		else if (q->ipip == CONFIG_ENCAP_ALWAYS)
			q->kernel = PLAN_KERNEL_TUNNEL;
		else
			q->kernel = PLAN_KERNEL_CROSS_SUBNET;
	}
}

const char *
plan_kernel_name(enum plan_kernel k)
{
	switch (k) {
	case PLAN_KERNEL_TUNNEL:
		return "tunl0";
	case PLAN_KERNEL_CROSS_SUBNET:
		return "cross-subnet";
	case PLAN_KERNEL_FELIX:
		return "felix";
	default:
		return "direct";
	}
}

const struct plan_pool *
plan_pool_of(const struct plan *pl, const struct ip_prefix *p)
{
	const struct plan_pool *best = NULL;

	for (size_t i = 0; i < pl->npools; i++)
		if (addr_pfx_contains(&pl->pools[i].cidr, p) &&
		    (best == NULL || pl->pools[i].cidr.len > best->cidr.len))
			best = &pl->pools[i];
	return best;
}

bool
plan_in_service_range(const struct plan *pl, const struct ip_prefix *p)
{
	for (size_t i = 0; i < pl->nsvc_ranges; i++)
		if (addr_pfx_contains(&pl->svc_ranges[i], p))
			return true;
	return false;
}

bool
plan_is_service_route(const struct plan *pl, const struct ip_prefix *p)
{
	for (size_t i = 0; i < pl->nsvc_ranges; i++)
		if (addr_pfx_eq(&pl->svc_ranges[i], p))
			return true;
	return false;
}

static void
pools_and_policy(struct pctx *c)
{
	const struct config *cfg = c->cfg;
	const struct config_bgpconf *g = c->global;
	const struct config_bgpconf *adv = c->override;
	struct plan *pl = c->plan;
	const char *ex;

	pl->pools = xcalloc(cfg->npools ? cfg->npools : 1, sizeof(*pl->pools));
	for (size_t i = 0; i < cfg->npools; i++) {
		const struct config_pool *p = &cfg->pools[i];
		struct plan_pool *q = &pl->pools[pl->npools++];

		q->cidr = p->cidr;
		q->ipip = p->ipip;
		q->vxlan = p->vxlan;
		q->nat_outgoing = p->nat_outgoing;
		q->disabled = p->disabled;
		q->disable_bgp_export = p->disable_bgp_export;
	}
	if (pl->npools > 1)
		qsort(pl->pools, pl->npools, sizeof(*pl->pools), pfx_cmp);
	if (pl->nblocks > 1)
		qsort(pl->blocks, pl->nblocks, sizeof(*pl->blocks), pfx_cmp);
	/* A node's prefixAdvertisements replace the global list. */
	if (adv == NULL || !adv->has_prefix_advs)
		adv = g;
	if (adv != NULL && adv->nprefix_advs > 0) {
		pl->prefix_advs = xcalloc(adv->nprefix_advs,
		    sizeof(*pl->prefix_advs));
		for (size_t i = 0; i < adv->nprefix_advs; i++) {
			const struct config_prefix_adv *a;
			struct plan_prefix_adv *b = &pl->prefix_advs[i];

			a = &adv->prefix_advs[i];

			b->cidr = a->cidr;
			/* A community listed twice (by name and by value)
			 * is added once, as BIRD's set add does. */
			b->comms = xcalloc(a->ncomms ? a->ncomms : 1,
			    sizeof(*b->comms));
			for (size_t j = 0; j < a->ncomms; j++) {
				size_t k;

				for (k = 0; k < b->ncomms; k++)
					if (same_comm(&b->comms[k],
					    &a->comms[j]))
						break;
				if (k == b->ncomms)
					b->comms[b->ncomms++] = a->comms[j];
			}
		}
		pl->nprefix_advs = adv->nprefix_advs;
	}
	pl->lb_aggregation = true;
	if (g != NULL) {
		pl->svc_cluster = dup_prefixes(g->svc_cluster_ips,
		    pl->nsvc_cluster = g->nsvc_cluster_ips);
		pl->svc_external = dup_prefixes(g->svc_external_ips,
		    pl->nsvc_external = g->nsvc_external_ips);
		pl->svc_lb = dup_prefixes(g->svc_lb_ips,
		    pl->nsvc_lb = g->nsvc_lb_ips);
		pl->lb_aggregation = g->lb_aggregation != 0;
		pl->ignored_ifaces = xcalloc(g->nignored_ifaces + 1,
		    sizeof(char *));
		for (size_t i = 0; i < g->nignored_ifaces; i++)
			pl->ignored_ifaces[i] = xstrdup(g->ignored_ifaces[i]);
		pl->nignored_ifaces = g->nignored_ifaces;
		pl->program_routes = g->program_routes;
		pl->v4_normal_priority = g->v4_normal_priority;
		pl->v6_normal_priority = g->v6_normal_priority;
	}
	if (pl->v4_normal_priority == 0)
		pl->v4_normal_priority = 1024;
	if (pl->v6_normal_priority == 0)
		pl->v6_normal_priority = 1024;
	ex = config_label_get(&c->self->labels,
	    "node.kubernetes.io/exclude-from-external-load-balancers");
	pl->exclude_from_lb = ex != NULL && strcmp(ex, "true") == 0;
	services(pl);
	kernel_actions(pl);
}

static struct config_frule *
copy_rules(const struct config_frule *src, size_t n)
{
	struct config_frule *r = xcalloc(n ? n : 1, sizeof(*r));

	for (size_t i = 0; i < n; i++) {
		r[i] = src[i];
		r[i].iface = src[i].iface ? xstrdup(src[i].iface) : NULL;
		r[i].as_path_prefix = src[i].nas_path_prefix == 0 ? NULL :
		    xmemdup(src[i].as_path_prefix,
		    src[i].nas_path_prefix * sizeof(uint32_t));
		r[i].ops = src[i].nops == 0 ? NULL :
		    xmemdup(src[i].ops, src[i].nops * sizeof(*src[i].ops));
		for (size_t k = 0; k < src[i].nops; k++)
			r[i].ops[k].asns = src[i].ops[k].nasns == 0 ? NULL :
			    xmemdup(src[i].ops[k].asns,
			    src[i].ops[k].nasns * sizeof(uint32_t));
	}
	return r;
}

/* Copy the BGPFilters that some session uses, in name order. */
static void
used_filters(struct pctx *c)
{
	struct plan *pl = c->plan;

	for (size_t i = 0; i < c->cfg->nfilters; i++) {
		const struct config_filter *f = &c->cfg->filters[i];
		struct plan_filter *pf;
		bool used = false;

		for (size_t s = 0; s < pl->nsessions && !used; s++) {
			for (size_t k = 0; k < pl->sessions[s].nfilters; k++)
				used |= strcmp(pl->sessions[s].filters[k],
				    f->name) == 0;
		}
		if (!used)
			continue;
		pl->filters = xreallocarray(pl->filters, pl->nfilters + 1,
		    sizeof(*pl->filters));
		pf = &pl->filters[pl->nfilters++];
		memset(pf, 0, sizeof(*pf));
		pf->name = xstrdup(f->name);
		for (int d = 0; d < CONFIG_FRULE_NDIRS; d++) {
			pf->rules[d] = copy_rules(f->rules[d], f->nrules[d]);
			pf->nrules[d] = f->nrules[d];
		}
	}
}

static void
node_not_found(struct pctx *c, const char *node)
{
	struct buf_wr b;

	buf_wr_init(&b, 0);
	for (size_t i = 0; i < c->cfg->nnodes && i < 10; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", c->cfg->nodes[i].name);
	if (c->cfg->nnodes > 10)
		buf_printf(&b, ", ... (%zu in all)", c->cfg->nnodes);
	config_diag_add(c->d, CONFIG_ERROR, NULL, "node '%s' is not defined: "
	    "no Node resource has that name (%s%s)", node,
	    c->cfg->nnodes ? "defined: " : "no Nodes are defined",
	    c->cfg->nnodes ? buf_str(&b) : "");
	buf_wr_free(&b);
}

int
plan_compute(const struct config *cfg, const char *node,
    const struct plan_opts *opts, struct plan *pl, struct config_diags *d)
{
	struct pctx c;
	char name[CONFIG_MAX_NAME + 8];
	const char *sev;

	memset(pl, 0, sizeof(*pl));
	memset(&c, 0, sizeof(c));
	c.cfg = cfg;
	c.opts = opts;
	c.plan = pl;
	c.d = d;
	pl->node = xstrdup(node);
	c.self = config_node_find(cfg, node);
	if (c.self == NULL) {
		node_not_found(&c, node);
		return -1;
	}
	c.global = config_bgpconf_find(cfg, "default");
	snprintf(name, sizeof(name), "node.%s", node);
	c.override = config_bgpconf_find(cfg, name);
	c.global_as = c.global && c.global->asn ? c.global->asn :
	    CONFIG_DEFAULT_AS;
	c.global_port = c.global ? c.global->listen_port : 0;
	pl->local_as = node_as(&c, c.self);
	pl->add_paths = true;
	pl->listen_port = node_port(&c, c.self);
	if (pl->listen_port == 0)
		pl->listen_port = CONFIG_DEFAULT_PORT;
	pl->bind_node_ip = c.global && c.global->bind_mode ==
	    CONFIG_BIND_NODE_IP;
	pl->addr_v4 = c.self->v4;
	pl->addr_v6 = c.self->v6;
	pl->mesh_enabled = c.global == NULL || c.global->mesh_enabled != 0;
	pl->cluster_id = c.self->rr_cluster_id;
	sev = c.override && c.override->log_severity ?
	    c.override->log_severity : c.global && c.global->log_severity ?
	    c.global->log_severity : "info";
	pl->log_severity = xstrdup(sev[0] ? sev : "info");
	for (char *s = pl->log_severity; *s; s++)
		*s = (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
	if (router_id(&c, opts) != 0)
		return -1;
	if (c.self->v4.addr.af == 0 && c.self->v6.addr.af == 0)
		config_diag_add(d, CONFIG_WARNING, &c.self->loc, "Node '%s' "
		    "has neither spec.bgp.ipv4Address nor "
		    "spec.bgp.ipv6Address: it has no BGP sessions", node);
	mesh(&c);
	compute_keys(&c);
	for (size_t i = 0; i < c.nkeys; i++)
		render_key(&c, &c.keys[i]);
	free(c.keys);
	drop_mesh_duplicates(&c);
	if (pl->nsessions > 1)
		qsort(pl->sessions, pl->nsessions, sizeof(*pl->sessions),
		    session_cmp);
	blocks(&c);
	pools_and_policy(&c);
	used_filters(&c);
	plan_bfd_compute(cfg, c.self, pl);
	return 0;
}

static void
free_rules(struct config_frule *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].iface);
		free(r[i].as_path_prefix);
		for (size_t k = 0; k < r[i].nops; k++)
			free(r[i].ops[k].asns);
		free(r[i].ops);
	}
	free(r);
}

void
plan_free(struct plan *pl)
{
	plan_bfd_free(pl);
	free(pl->node);
	free(pl->log_severity);
	for (size_t i = 0; i < pl->nsessions; i++)
		session_free(&pl->sessions[i]);
	free(pl->sessions);
	free(pl->blocks);
	free(pl->pools);
	for (size_t i = 0; i < pl->nprefix_advs; i++)
		free(pl->prefix_advs[i].comms);
	free(pl->prefix_advs);
	free(pl->svc_cluster);
	free(pl->svc_ranges);
	free(pl->svc_external);
	free(pl->svc_lb);
	for (size_t i = 0; i < pl->nignored_ifaces; i++)
		free(pl->ignored_ifaces[i]);
	free(pl->ignored_ifaces);
	for (size_t i = 0; i < pl->nfilters; i++) {
		free(pl->filters[i].name);
		for (int d = 0; d < CONFIG_FRULE_NDIRS; d++)
			free_rules(pl->filters[i].rules[d],
			    pl->filters[i].nrules[d]);
	}
	free(pl->filters);
	memset(pl, 0, sizeof(*pl));
}
