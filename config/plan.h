/*
 * plan: what one node must do, computed from the cluster's resources.
 *
 * plan_compute() is a pure function of (config, node name, options): the
 * router id, local AS and listen port; every BGP session with its Calico
 * name and parameters (CALICO.md section 4: mesh, global/node/nodeSelector
 * peers, peerIP and peerSelector expansion, automatic reverse peerings,
 * de-duplication, route-reflector client rules); the blocks the node
 * originates (aggregate + blackhole); and the pools, communities, service
 * ranges and filters route policy needs.  The plan owns copies of
 * everything, so the config can be freed.  plan_diff() compares two plans
 * for reload; plan_print_*() render --check output.
 */
#ifndef BGPD_PLAN_H
#define BGPD_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "lib/addr.h"
#include "lib/buf.h"

enum plan_stype {
	PLAN_MESH,
	PLAN_GLOBAL,
	PLAN_NODE,
	PLAN_LOCAL_WORKLOAD,	/* a pod of this node (localWorkloadSelector) */
};

enum plan_nh {
	PLAN_NH_AUTO,
	PLAN_NH_SELF,
	PLAN_NH_KEEP,
};

struct plan_session {
	char	name[96];	/* Mesh_10_0_0_1, Node_fd00__1_port_500 */
	enum plan_stype type;
	struct ip_addr peer_ip;
	uint16_t peer_port;	/* 179 unless configured otherwise */
	uint32_t remote_as;
	uint32_t local_as;
	bool	passive;
	bool	rr_client;
	struct ip_addr rr_cluster_id;	/* set when rr_client */
	struct ip_addr source_addr;	/* af == 0: sourceAddress None */
	char	*password_secret;	/* NULL: no password */
	char	*password_key;
	bool	has_restart_time;
	uint32_t restart_time;	/* graceful restart time, seconds */
	bool	has_keepalive_time;
	uint32_t keepalive_time;
	uint8_t	ttl_security;	/* 0: off (multihop) */
	enum plan_nh next_hop;
	uint32_t allow_local_as;
	struct ip_addr reachable_by;	/* af == 0: none */
	char	**filters;	/* BGPFilter names, in the peer's order */
	size_t	nfilters;
	bool	calico_node;	/* the peer address is a Calico node's */
	char	*peer_node;	/* that node's name, or NULL */
	char	*origin;	/* why: "node-to-node mesh", "BGPPeer x", ... */
	bool	bfd;		/* BFD if directly connected (plan_bfd.c) */
};

struct plan_block {
	struct ip_prefix cidr;
	bool	aggregate;	/* confirmed affinity: advertise the block */
	bool	blackhole;	/* all but /32 and /128 blocks */
};

/* What this node's kernel gets for a learned route inside a pool
 * (CALICO.md 5.3, calico_kernel_programming). */
enum plan_kernel {
	PLAN_KERNEL_DIRECT,	/* via the BGP next hop */
	PLAN_KERNEL_TUNNEL,	/* IPIP Always: via it, dev tunl0 onlink */
	PLAN_KERNEL_CROSS_SUBNET, /* tunl0 unless the next hop is on the
				   * node's own subnet */
	PLAN_KERNEL_FELIX,	/* nothing: Felix programs these (VXLAN
				 * pools, programClusterRoutes) */
};

struct plan_pool {
	struct ip_prefix cidr;
	enum config_encap ipip, vxlan;
	bool	nat_outgoing, disabled, disable_bgp_export;
	enum plan_kernel kernel;
};

struct plan_prefix_adv {
	struct ip_prefix cidr;
	struct config_community *comms;
	size_t	ncomms;
};

struct plan_filter {
	char	*name;
	struct config_frule *rules[CONFIG_FRULE_NDIRS];
	size_t	nrules[CONFIG_FRULE_NDIRS];
};

struct plan {
	char	*node;
	struct ip_addr router_id;
	const char *router_id_source;	/* static text */
	uint32_t local_as;
	uint16_t listen_port;
	bool	bind_node_ip;
	struct ip_prefix addr_v4, addr_v6;	/* af == 0 when absent */
	bool	mesh_enabled;
	/* ADD-PATH (RFC 7911) send and receive on every session: what
	 * Calico's BIRD template renders (`add paths on`); no field turns
	 * it off. */
	bool	add_paths;
	struct ip_addr cluster_id;	/* af != 0: this node is an RR */
	char	*log_severity;		/* lower case, "info" default */
	struct plan_session *sessions;	/* IPv4 then IPv6, by name */
	size_t	nsessions;
	struct plan_block *blocks;	/* sorted */
	size_t	nblocks;
	struct plan_pool *pools;	/* sorted */
	size_t	npools;
	struct plan_prefix_adv *prefix_advs;
	size_t	nprefix_advs;
	struct ip_prefix *svc_cluster, *svc_external, *svc_lb;
	size_t	nsvc_cluster, nsvc_external, nsvc_lb;
	bool	lb_aggregation;
	bool	exclude_from_lb;	/* node label excludes services */
	/* CALICO.md 5.2: the service ranges (every serviceClusterIPs CIDR,
	 * the serviceExternalIPs and, with aggregation, the
	 * serviceLoadBalancerIPs CIDRs that are not single addresses):
	 * never programmed into the kernel, and advertised (a blackhole
	 * route of ours) unless the node is excluded by its label. */
	struct ip_prefix *svc_ranges;
	size_t	nsvc_ranges;
	bool	svc_advertise;
	/* Felix programs the IPIP routes (programClusterRoutes): tunl0
	 * routes are then Felix's and not sent to iBGP peers either. */
	bool	felix_ipip;
	char	**ignored_ifaces;
	size_t	nignored_ifaces;
	enum config_program_routes program_routes;
	uint32_t v4_normal_priority, v6_normal_priority;
	struct plan_filter *filters;	/* the BGPFilters sessions use */
	size_t	nfilters;
	struct plan_bfd *bfd;	/* this node's BFD interfaces (plan_bfd.c) */
	size_t	nbfd;
};

/* A workload of this node that Felix selected for BGP peering (its
 * endpoint status file names a BGPPeer with a localWorkloadSelector;
 * CALICO.md 4.2). */
struct plan_workload {
	const char *file;	/* the status file's name */
	const char *bgp_peer;	/* the BGPPeer */
	struct ip_addr v4, v6;	/* its first address of each family, or
				 * af 0 */
};

struct plan_opts {
	const char *router_id;	/* CALICO_ROUTER_ID: NULL, "hash" or IPv4 */
	const struct plan_workload *workloads;	/* by file name */
	size_t	nworkloads;
};

/*
 * Compute node's plan.  Problems (unknown node, bad router id) are errors
 * in diags and make it return -1; dropped duplicates and other oddities
 * are warnings or notices.
 */
int	 plan_compute(const struct config *cfg, const char *node,
	    const struct plan_opts *opts, struct plan *plan,
	    struct config_diags *diags);
void	 plan_free(struct plan *plan);

/* A route as BGPFilter rules see it (plan_filter.c). */
struct plan_route {
	const struct ip_prefix *pfx;
	bool	from_bgp;		/* learned from a BGP peer */
	const char *dev;		/* a local route's interface, or NULL */
	bool	ebgp_session;		/* the session the filter is on */
	const uint32_t *aspath;		/* AS_SEQUENCE ASNs, first first */
	size_t	naspath;
	const uint8_t *comms;		/* 4-octet communities */
	size_t	ncomms;
	const uint8_t *large;		/* 12-octet large communities */
	size_t	nlarge;
	/* LOCAL_PREF as BIRD has it when the filter runs: received or 100
	 * on import, 2^31 - 1 minus the route's priority on export. */
	uint32_t local_pref;
};

/* Calico's route priorities (v3.32, CALICO.md 5.6): a route's priority
 * P is its kernel metric; BGP carries it as LOCAL_PREF 2^31 - 1 - P. */
#define PLAN_PRIO_BASE		2147483647u
#define PLAN_PRIO_LP(p)		(PLAN_PRIO_BASE - (p))

enum plan_verdict {
	PLAN_NO_MATCH,
	PLAN_ACCEPT,
	PLAN_REJECT,
};

/* Whether two filters hold the same import (or export) rules. */
bool	 plan_filter_rules_eq(const struct plan_filter *x,
	    const struct plan_filter *y, bool import);
/* The first rule of f (import or export, the route's family) that
 * matches decides; *matched (optional) is that rule. */
enum plan_verdict plan_filter_eval(const struct plan_filter *f,
	    bool import, const struct plan_route *rt,
	    const struct config_frule **matched);

/* What this node does with a route inside pool (its kernel action). */
const char *plan_kernel_name(enum plan_kernel k);
/* The most specific pool holding p, or NULL. */
const struct plan_pool *plan_pool_of(const struct plan *pl,
	    const struct ip_prefix *p);
/* Is p inside one of the service ranges (CALICO.md 5.2)? */
bool	 plan_in_service_range(const struct plan *pl,
	    const struct ip_prefix *p);
/* Is p exactly a service range this node advertises? */
bool	 plan_is_service_route(const struct plan *pl,
	    const struct ip_prefix *p);

/* Calico's hashed router id: SHA-256(name)[0..3], first octet -32 > 223. */
void	 plan_hash_router_id(const char *name, struct ip_addr *out);
/* "Mesh_10_0_0_1", "Node_2001_db8__1_port_500". */
void	 plan_session_name(enum plan_stype type, const struct ip_addr *ip,
	    uint16_t port, char *buf, size_t size);
const char *plan_stype_name(enum plan_stype type);

/*
 * BFD (plan_bfd.c).  A session with bfd set (BGPPeer failureDetectionMode
 * BFDIfDirectlyConnected) runs BFD when its peer is on a connected subnet
 * of an interface that one of the node's BFDConfigurations matches; the
 * interface table is the daemon's, so the plan carries the patterns, in
 * BFDConfiguration name order then list order, and plan_bfd_match()
 * gives the first that matches an interface name.
 */
struct plan_bfd {
	char	*pattern;	/* fnmatch(3) pattern */
	uint32_t min_rx_us, min_tx_us, idle_tx_us;
	uint8_t	mult;
	char	*from;		/* the BFDConfiguration's name */
};

void	 plan_bfd_compute(const struct config *cfg,
	    const struct config_node *self, struct plan *pl);
void	 plan_bfd_free(struct plan *pl);
const struct plan_bfd *plan_bfd_match(const struct plan *pl,
	    const char *ifname);
void	 plan_bfd_print_text(const struct plan *pl, struct buf_wr *out);
struct json_w;
void	 plan_bfd_print_json(const struct plan *pl, struct json_w *j);

/* ---- diff, for reload ---- */

enum plan_action {
	PLAN_KEEP,	/* nothing changed */
	PLAN_UPDATE,	/* policy or naming changed: apply without reset */
	PLAN_RESTART,	/* a session parameter changed: reset the session */
	PLAN_ADD,
	PLAN_REMOVE,
};

/* Bits of struct plan_change.changed. */
#define PLAN_F_NAME		0x00001u	/* name or type (cosmetic) */
#define PLAN_F_REMOTE_AS	0x00002u
#define PLAN_F_LOCAL_AS		0x00004u
#define PLAN_F_PASSIVE		0x00008u
#define PLAN_F_RR		0x00010u
#define PLAN_F_SOURCE		0x00020u
#define PLAN_F_PASSWORD		0x00040u
#define PLAN_F_RESTART_TIME	0x00080u
#define PLAN_F_KEEPALIVE	0x00100u
#define PLAN_F_TTL		0x00200u
#define PLAN_F_NEXT_HOP		0x00400u
#define PLAN_F_ALLOW_LOCAL_AS	0x00800u
#define PLAN_F_REACHABLE_BY	0x01000u
#define PLAN_F_FILTERS		0x02000u
#define PLAN_F_ORIGIN		0x04000u	/* provenance only */
#define PLAN_F_ROUTER_ID	0x08000u	/* plan-wide: all restart */
/* Changes that alter the OPEN or the transport need a new session. */
#define PLAN_F_NEEDS_RESTART	(PLAN_F_REMOTE_AS | PLAN_F_LOCAL_AS |	\
	PLAN_F_SOURCE | PLAN_F_PASSWORD | PLAN_F_RESTART_TIME |		\
	PLAN_F_TTL | PLAN_F_ROUTER_ID)

struct plan_change {
	enum plan_action action;
	const struct plan_session *old;	/* NULL for ADD */
	const struct plan_session *new;	/* NULL for REMOVE */
	uint32_t changed;		/* PLAN_F_* */
};

struct plan_diff {
	struct plan_change *changes;	/* one per session of either plan */
	size_t	n;
	size_t	nadd, nremove, nrestart, nupdate, nkeep;
	bool	listen_changed;		/* port or bind address */
	bool	originate_changed;	/* blocks */
	bool	policy_changed;		/* pools, communities, services... */
};

/*
 * Sessions are matched by peer address and port, not by name: a session
 * that moves from the mesh to an explicit BGPPeer (same peer) is an
 * UPDATE, so migrations keep the TCP session and its routes.
 */
void	 plan_diff(const struct plan *old, const struct plan *new,
	    struct plan_diff *d);
void	 plan_diff_free(struct plan_diff *d);
const char *plan_action_name(enum plan_action a);
/* "remote-as,password" for the bits set; buf must hold 200 bytes. */
const char *plan_changed_names(uint32_t changed, char *buf, size_t size);

/* ---- output ---- */

void	 plan_print_text(const struct plan *plan, struct buf_wr *out);
void	 plan_print_json(const struct plan *plan, struct buf_wr *out);

#endif
