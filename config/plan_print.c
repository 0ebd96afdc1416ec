/*
 * plan_print: the plan as text (bgpd --check) and as JSON (--json).
 * Both are deterministic, so golden tests can compare them byte for byte.
 */
#include <stdio.h>
#include <string.h>

#include "lib/json.h"
#include "plan.h"

static const char *const encap_names[] = {
	[CONFIG_ENCAP_NEVER] = "Never",
	[CONFIG_ENCAP_ALWAYS] = "Always",
	[CONFIG_ENCAP_CROSS_SUBNET] = "CrossSubnet",
};

static const char *const nh_names[] = {
	[PLAN_NH_AUTO] = "auto",
	[PLAN_NH_SELF] = "self",
	[PLAN_NH_KEEP] = "keep",
};

static const char *const pcr_names[] = {
	[CONFIG_PCR_UNSET] = "default",
	[CONFIG_PCR_ENABLED] = "Enabled",
	[CONFIG_PCR_DISABLED] = "Disabled",
	[CONFIG_PCR_IPIP_ONLY] = "EnabledIPIPOnly",
	[CONFIG_PCR_NOENCAP_ONLY] = "EnabledNoEncapOnly",
};

static const char *
ip(const struct ip_addr *a, char *buf)
{
	return addr_fmt(a, buf, ADDR_STRLEN);
}

static const char *
pfx(const struct ip_prefix *p, char *buf)
{
	return addr_pfx_fmt(p, buf, ADDR_PFX_STRLEN);
}

static void
fmt_community(const struct config_community *c, char *buf, size_t size)
{
	if (c->large)
		snprintf(buf, size, "%u:%u:%u", c->a, c->b, c->c);
	else
		snprintf(buf, size, "%u:%u", c->a, c->b);
}

/* ---- text ---- */

static void
text_session_opts(const struct plan_session *s, struct buf_wr *o)
{
	char a[ADDR_STRLEN];

#define OPT(...) do {						\
	buf_put_str(o, "    ");					\
	buf_printf(o, __VA_ARGS__);				\
	buf_put_str(o, "\n");					\
} while (0)
	if (s->rr_client)
		OPT("route reflector client (cluster id %s)",
		    ip(&s->rr_cluster_id, a));
	if (s->password_secret != NULL)
		OPT("password from secret %s key %s", s->password_secret,
		    s->password_key);
	if (s->has_restart_time)
		OPT("graceful restart time %us", s->restart_time);
	if (s->has_keepalive_time)
		OPT("keepalive time %us", s->keepalive_time);
	if (s->next_hop != PLAN_NH_AUTO)
		OPT("next hop %s", nh_names[s->next_hop]);
	if (s->allow_local_as != 0)
		OPT("allow local AS %u", s->allow_local_as);
	if (s->reachable_by.af != 0)
		OPT("reachable by %s", ip(&s->reachable_by, a));
	if (s->bfd)
		OPT("BFD if directly connected");
	if (s->nfilters > 0) {
		buf_put_str(o, "    filters");
		for (size_t i = 0; i < s->nfilters; i++)
			buf_printf(o, " %s", s->filters[i]);
		buf_put_str(o, "\n");
	}
#undef OPT
}

static void
text_session(const struct plan_session *s, struct buf_wr *o)
{
	char a[ADDR_STRLEN], b[ADDR_STRLEN];
	bool v6 = s->peer_ip.af == AF_INET6;

	buf_printf(o, "  %s\n", s->name);
	buf_printf(o, "    %s peer %s%s%s port %u, AS %u, local AS %u, "
	    "%s\n", plan_stype_name(s->type), v6 ? "[" : "",
	    ip(&s->peer_ip, a), v6 ? "]" : "", s->peer_port, s->remote_as,
	    s->local_as, s->remote_as == s->local_as ? "iBGP" : "eBGP");
	buf_printf(o, "    %s, source address %s, ttl security ",
	    s->passive ? "passive" : "active",
	    s->source_addr.af ? ip(&s->source_addr, b) : "none");
	if (s->ttl_security)
		buf_printf(o, "on, %u hop%s\n", s->ttl_security,
		    s->ttl_security == 1 ? "" : "s");
	else
		buf_put_str(o, "off\n");
	text_session_opts(s, o);
	buf_printf(o, "    from %s", s->origin);
	if (s->peer_node != NULL)
		buf_printf(o, "; peer is node %s", s->peer_node);
	buf_put_str(o, "\n");
}

static void
text_prefixes(const char *title, const struct ip_prefix *v, size_t n,
    struct buf_wr *o)
{
	char p[ADDR_PFX_STRLEN];

	if (n == 0)
		return;
	buf_printf(o, "  %s:", title);
	for (size_t i = 0; i < n; i++)
		buf_printf(o, " %s", pfx(&v[i], p));
	buf_put_str(o, "\n");
}

static void
text_policy(const struct plan *pl, struct buf_wr *o)
{
	char p[ADDR_PFX_STRLEN], c[40];

	buf_printf(o, "\npools (%zu)\n", pl->npools);
	for (size_t i = 0; i < pl->npools; i++) {
		const struct plan_pool *q = &pl->pools[i];

		buf_printf(o, "  %s ipip %s, vxlan %s%s%s%s; kernel %s\n",
		    pfx(&q->cidr, p), encap_names[q->ipip],
		    encap_names[q->vxlan],
		    q->nat_outgoing ? ", nat outgoing" : "",
		    q->disabled ? ", disabled" : "",
		    q->disable_bgp_export ? ", not exported" : "",
		    plan_kernel_name(q->kernel));
	}
	if (pl->nprefix_advs > 0)
		buf_printf(o, "\ncommunities\n");
	for (size_t i = 0; i < pl->nprefix_advs; i++) {
		buf_printf(o, "  %s:", pfx(&pl->prefix_advs[i].cidr, p));
		for (size_t k = 0; k < pl->prefix_advs[i].ncomms; k++) {
			fmt_community(&pl->prefix_advs[i].comms[k], c,
			    sizeof(c));
			buf_printf(o, " %s", c);
		}
		buf_put_str(o, "\n");
	}
	if (pl->nsvc_cluster + pl->nsvc_external + pl->nsvc_lb > 0) {
		buf_printf(o, "\nservices%s\n", pl->exclude_from_lb ?
		    " (node excluded from load balancers)" : "");
		text_prefixes("cluster IPs", pl->svc_cluster,
		    pl->nsvc_cluster, o);
		text_prefixes("external IPs", pl->svc_external,
		    pl->nsvc_external, o);
		text_prefixes("load balancer IPs", pl->svc_lb, pl->nsvc_lb, o);
	}
	if (pl->nignored_ifaces > 0) {
		buf_printf(o, "\nignored interfaces:");
		for (size_t i = 0; i < pl->nignored_ifaces; i++)
			buf_printf(o, " %s", pl->ignored_ifaces[i]);
		buf_put_str(o, "\n");
	}
	if (pl->program_routes != CONFIG_PCR_UNSET)
		buf_printf(o, "\nprogram cluster routes: %s\n",
		    pcr_names[pl->program_routes]);
	if (pl->v4_normal_priority != 1024 || pl->v6_normal_priority != 1024)
		buf_printf(o, "\nnormal route priority: IPv4 %u, IPv6 %u\n",
		    pl->v4_normal_priority, pl->v6_normal_priority);
	if (pl->nfilters > 0) {
		buf_printf(o, "\nfilters\n");
		for (size_t i = 0; i < pl->nfilters; i++) {
			const struct plan_filter *f = &pl->filters[i];

			buf_printf(o, "  %s: export v4 %zu, import v4 %zu, "
			    "export v6 %zu, import v6 %zu rules\n", f->name,
			    f->nrules[CONFIG_EXPORT_V4],
			    f->nrules[CONFIG_IMPORT_V4],
			    f->nrules[CONFIG_EXPORT_V6],
			    f->nrules[CONFIG_IMPORT_V6]);
		}
	}
}

void
plan_print_text(const struct plan *pl, struct buf_wr *o)
{
	char a[ADDR_STRLEN], p[ADDR_PFX_STRLEN];

	buf_printf(o, "node %s\n", pl->node);
	buf_printf(o, "  router id     %s (%s)\n", ip(&pl->router_id, a),
	    pl->router_id_source);
	buf_printf(o, "  AS            %u\n", pl->local_as);
	buf_printf(o, "  listen port   %u%s\n", pl->listen_port,
	    pl->bind_node_ip ? " on the node addresses" : "");
	buf_printf(o, "  IPv4 address  %s\n",
	    pl->addr_v4.addr.af ? pfx(&pl->addr_v4, p) : "none");
	buf_printf(o, "  IPv6 address  %s\n",
	    pl->addr_v6.addr.af ? pfx(&pl->addr_v6, p) : "none");
	buf_printf(o, "  mesh          %s\n", pl->mesh_enabled ?
	    "enabled" : "disabled");
	if (pl->cluster_id.af != 0)
		buf_printf(o, "  route reflector, cluster id %s\n",
		    ip(&pl->cluster_id, a));
	buf_printf(o, "  log severity  %s\n", pl->log_severity);
	buf_printf(o, "\nsessions (%zu)\n", pl->nsessions);
	for (size_t i = 0; i < pl->nsessions; i++)
		text_session(&pl->sessions[i], o);
	buf_printf(o, "\noriginate (%zu)\n", pl->nblocks);
	for (size_t i = 0; i < pl->nblocks; i++) {
		const struct plan_block *b = &pl->blocks[i];

		buf_printf(o, "  %s %s\n", pfx(&b->cidr, p),
		    b->aggregate && b->blackhole ? "aggregate, blackhole" :
		    b->aggregate ? "aggregate" :
		    "blackhole only (affinity pending deletion)");
	}
	text_policy(pl, o);
	plan_bfd_print_text(pl, o);
}

/* ---- JSON ---- */

static void
j_ip(struct json_w *j, const char *key, const struct ip_addr *a)
{
	char b[ADDR_STRLEN];

	json_key(j, key);
	if (a->af == 0)
		json_null(j);
	else
		json_str(j, ip(a, b));
}

static void
j_pfx(struct json_w *j, const char *key, const struct ip_prefix *x)
{
	char b[ADDR_PFX_STRLEN];

	json_key(j, key);
	if (x->addr.af == 0)
		json_null(j);
	else
		json_str(j, pfx(x, b));
}

static void
j_pfx_list(struct json_w *j, const char *key, const struct ip_prefix *v,
    size_t n)
{
	char b[ADDR_PFX_STRLEN];

	json_key(j, key);
	json_arr_begin(j);
	for (size_t i = 0; i < n; i++)
		json_str(j, pfx(&v[i], b));
	json_arr_end(j);
}

static void
j_opt_uint(struct json_w *j, const char *key, bool has, uint64_t v)
{
	json_key(j, key);
	if (has)
		json_uint(j, v);
	else
		json_null(j);
}

static void
j_session(struct json_w *j, const struct plan_session *s)
{
	json_obj_begin(j);
	json_kstr(j, "name", s->name);
	json_kstr(j, "type", plan_stype_name(s->type));
	if (s->bfd)
		json_kbool(j, "bfd_if_directly_connected", true);
	j_ip(j, "peer_ip", &s->peer_ip);
	json_kuint(j, "peer_port", s->peer_port);
	json_kuint(j, "remote_as", s->remote_as);
	json_kuint(j, "local_as", s->local_as);
	json_kbool(j, "passive", s->passive);
	json_kbool(j, "rr_client", s->rr_client);
	j_ip(j, "rr_cluster_id", &s->rr_cluster_id);
	j_ip(j, "source_address", &s->source_addr);
	json_key(j, "password");
	if (s->password_secret == NULL) {
		json_null(j);
	} else {
		json_obj_begin(j);
		json_kstr(j, "secret", s->password_secret);
		json_kstr(j, "key", s->password_key);
		json_obj_end(j);
	}
	j_opt_uint(j, "restart_time", s->has_restart_time, s->restart_time);
	j_opt_uint(j, "keepalive_time", s->has_keepalive_time,
	    s->keepalive_time);
	json_kuint(j, "ttl_security", s->ttl_security);
	json_kstr(j, "next_hop", nh_names[s->next_hop]);
	json_kuint(j, "allow_local_as", s->allow_local_as);
	j_ip(j, "reachable_by", &s->reachable_by);
	json_key(j, "filters");
	json_arr_begin(j);
	for (size_t i = 0; i < s->nfilters; i++)
		json_str(j, s->filters[i]);
	json_arr_end(j);
	json_kbool(j, "calico_node", s->calico_node);
	json_kstr(j, "peer_node", s->peer_node);
	json_kstr(j, "origin", s->origin);
	json_obj_end(j);
}

static void
j_community(struct json_w *j, const struct config_community *c)
{
	char b[40];

	fmt_community(c, b, sizeof(b));
	json_str(j, b);
}

static void
j_rule(struct json_w *j, const struct config_frule *r)
{
	static const char *const ops[] = {
		"", "Equal", "NotEqual", "In", "NotIn",
	};
	static const char *const ptypes[] = { "", "eBGP", "iBGP" };

	json_obj_begin(j);
	json_kstr(j, "action", r->accept ? "Accept" : "Reject");
	if (r->has_cidr) {
		j_pfx(j, "cidr", &r->cidr);
		json_kstr(j, "match_operator", ops[r->op]);
	}
	if (r->has_plen_min)
		json_kuint(j, "prefix_length_min", r->plen_min);
	if (r->has_plen_max)
		json_kuint(j, "prefix_length_max", r->plen_max);
	if (r->source_remote_peers)
		json_kstr(j, "source", "RemotePeers");
	if (r->iface != NULL)
		json_kstr(j, "interface", r->iface);
	if (r->peer_type != CONFIG_PEERTYPE_ANY)
		json_kstr(j, "peer_type", ptypes[r->peer_type]);
	if (r->has_community) {
		json_key(j, "community");
		j_community(j, &r->community);
	}
	if (r->nas_path_prefix > 0) {
		json_key(j, "as_path_prefix");
		json_arr_begin(j);
		for (size_t i = 0; i < r->nas_path_prefix; i++)
			json_uint(j, r->as_path_prefix[i]);
		json_arr_end(j);
	}
	if (r->priority != 0)
		json_kuint(j, "priority", r->priority);
	if (r->nops > 0) {
		json_key(j, "operations");
		json_arr_begin(j);
		for (size_t i = 0; i < r->nops; i++) {
			const struct config_fop *op = &r->ops[i];

			json_obj_begin(j);
			if (op->kind == CONFIG_FOP_ADD_COMMUNITY) {
				json_key(j, "add_community");
				j_community(j, &op->community);
			} else if (op->kind == CONFIG_FOP_PREPEND_AS_PATH) {
				json_key(j, "prepend_as_path");
				json_arr_begin(j);
				for (size_t k = 0; k < op->nasns; k++)
					json_uint(j, op->asns[k]);
				json_arr_end(j);
			} else {
				json_kuint(j, "set_priority", op->priority);
			}
			json_obj_end(j);
		}
		json_arr_end(j);
	}
	json_obj_end(j);
}

static void
j_filters(struct json_w *j, const struct plan *pl)
{
	static const char *const dirs[] = {
		"export_v4", "import_v4", "export_v6", "import_v6",
	};

	json_key(j, "filters");
	json_arr_begin(j);
	for (size_t i = 0; i < pl->nfilters; i++) {
		const struct plan_filter *f = &pl->filters[i];

		json_obj_begin(j);
		json_kstr(j, "name", f->name);
		for (int d = 0; d < CONFIG_FRULE_NDIRS; d++) {
			json_key(j, dirs[d]);
			json_arr_begin(j);
			for (size_t k = 0; k < f->nrules[d]; k++)
				j_rule(j, &f->rules[d][k]);
			json_arr_end(j);
		}
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void
j_policy(struct json_w *j, const struct plan *pl)
{
	json_key(j, "pools");
	json_arr_begin(j);
	for (size_t i = 0; i < pl->npools; i++) {
		const struct plan_pool *q = &pl->pools[i];

		json_obj_begin(j);
		j_pfx(j, "cidr", &q->cidr);
		json_kstr(j, "ipip_mode", encap_names[q->ipip]);
		json_kstr(j, "vxlan_mode", encap_names[q->vxlan]);
		json_kbool(j, "nat_outgoing", q->nat_outgoing);
		json_kbool(j, "disabled", q->disabled);
		json_kbool(j, "disable_bgp_export", q->disable_bgp_export);
		json_kstr(j, "kernel", plan_kernel_name(q->kernel));
		json_obj_end(j);
	}
	json_arr_end(j);
	json_key(j, "prefix_advertisements");
	json_arr_begin(j);
	for (size_t i = 0; i < pl->nprefix_advs; i++) {
		json_obj_begin(j);
		j_pfx(j, "cidr", &pl->prefix_advs[i].cidr);
		json_key(j, "communities");
		json_arr_begin(j);
		for (size_t k = 0; k < pl->prefix_advs[i].ncomms; k++)
			j_community(j, &pl->prefix_advs[i].comms[k]);
		json_arr_end(j);
		json_obj_end(j);
	}
	json_arr_end(j);
	j_pfx_list(j, "service_cluster_ips", pl->svc_cluster, pl->nsvc_cluster);
	j_pfx_list(j, "service_external_ips", pl->svc_external,
	    pl->nsvc_external);
	j_pfx_list(j, "service_loadbalancer_ips", pl->svc_lb, pl->nsvc_lb);
	json_kbool(j, "service_loadbalancer_aggregation", pl->lb_aggregation);
	json_kbool(j, "exclude_from_external_load_balancers",
	    pl->exclude_from_lb);
	j_pfx_list(j, "service_ranges", pl->svc_ranges, pl->nsvc_ranges);
	json_kbool(j, "service_ranges_advertised", pl->svc_advertise);
	json_kbool(j, "felix_programs_ipip", pl->felix_ipip);
	json_key(j, "ignored_interfaces");
	json_arr_begin(j);
	for (size_t i = 0; i < pl->nignored_ifaces; i++)
		json_str(j, pl->ignored_ifaces[i]);
	json_arr_end(j);
	json_kstr(j, "program_cluster_routes", pcr_names[pl->program_routes]);
	json_kuint(j, "ipv4_normal_route_priority", pl->v4_normal_priority);
	json_kuint(j, "ipv6_normal_route_priority", pl->v6_normal_priority);
	j_filters(j, pl);
}

void
plan_print_json(const struct plan *pl, struct buf_wr *o)
{
	struct json_w j;
	char p[ADDR_PFX_STRLEN];

	json_init(&j, o, true);
	json_obj_begin(&j);
	json_kstr(&j, "node", pl->node);
	j_ip(&j, "router_id", &pl->router_id);
	json_kstr(&j, "router_id_source", pl->router_id_source);
	json_kuint(&j, "as", pl->local_as);
	json_kuint(&j, "listen_port", pl->listen_port);
	json_kbool(&j, "bind_node_ip", pl->bind_node_ip);
	j_pfx(&j, "ipv4_address", &pl->addr_v4);
	j_pfx(&j, "ipv6_address", &pl->addr_v6);
	json_kbool(&j, "mesh_enabled", pl->mesh_enabled);
	json_kbool(&j, "add_paths", pl->add_paths);
	j_ip(&j, "rr_cluster_id", &pl->cluster_id);
	json_kstr(&j, "log_severity", pl->log_severity);
	json_key(&j, "sessions");
	json_arr_begin(&j);
	for (size_t i = 0; i < pl->nsessions; i++)
		j_session(&j, &pl->sessions[i]);
	json_arr_end(&j);
	json_key(&j, "originate");
	json_arr_begin(&j);
	for (size_t i = 0; i < pl->nblocks; i++) {
		if (pl->blocks[i].aggregate)
			json_str(&j, pfx(&pl->blocks[i].cidr, p));
	}
	json_arr_end(&j);
	json_key(&j, "blackholes");
	json_arr_begin(&j);
	for (size_t i = 0; i < pl->nblocks; i++) {
		if (pl->blocks[i].blackhole)
			json_str(&j, pfx(&pl->blocks[i].cidr, p));
	}
	json_arr_end(&j);
	j_policy(&j, pl);
	plan_bfd_print_json(pl, &j);
	json_obj_end(&j);
}
