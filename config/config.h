/*
 * config: the Calico resource model, loaded from YAML files.
 *
 * config_load() reads a file or a directory of *.yaml and *.yml files (each
 * possibly multi-document or a *List with items) and fills struct config
 * with plain data: Nodes, BGPConfigurations, BGPPeers, IPPools, IPAM blocks
 * and block affinities, BGPFilters.  Every problem becomes a located
 * diagnostic (file:line:col: severity: message); loading never stops at the
 * first error, so one run reports them all.  Unknown kinds are skipped with
 * a notice, unknown fields of known kinds are warnings (with a suggestion),
 * values are validated as CALICO.md sections 1.2, 2, 3 and 7 say.
 *
 * The model is read-only after loading; the plan (plan.h) is computed from
 * it and copies what it keeps, so a config can be freed after planning.
 */
#ifndef BGPD_CONFIG_H
#define BGPD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/hash.h"

struct selector;

#define CONFIG_DEFAULT_AS	64512u
#define CONFIG_DEFAULT_PORT	179u
#define CONFIG_MAX_SELECTOR	1024u
#define CONFIG_MAX_NAME		253u

/* ---- diagnostics ---- */

enum config_sev {
	CONFIG_NOTICE,
	CONFIG_WARNING,
	CONFIG_ERROR,
};

struct config_loc {
	const char *file;	/* owned by the diag list's file table */
	unsigned line, col;	/* 1-based; 0 = unknown */
};

struct config_diag {
	enum config_sev sev;
	struct config_loc loc;
	char	*msg;
};

struct config_diags {
	struct config_diag *v;
	size_t	n, cap;
	size_t	nerrors, nwarnings;
	char	**files;	/* interned file names for locations */
	size_t	nfiles;
	struct hash_table file_index;	/* files by name */
};

void	 config_diag_add(struct config_diags *d, enum config_sev sev,
	    const struct config_loc *loc, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
const char *config_diag_file(struct config_diags *d, const char *path);
/* "file:line:col: error: msg" (parts that are unknown are left out). */
char	*config_diag_format(const struct config_diag *diag);
void	 config_diags_free(struct config_diags *d);

/* ---- resources ---- */

struct config_label {
	char	*key;
	char	*value;
};

struct config_labels {
	struct config_label *v;
	size_t	n;
};

struct config_secret_ref {
	char	*name;		/* NULL: no password */
	char	*key;
};

struct config_node {
	char	*name;
	struct config_loc loc;
	struct config_labels labels;
	struct ip_prefix v4;	/* addr.af == 0 when unset; host bits kept */
	struct ip_prefix v6;
	uint32_t asn;		/* 0: use the global AS */
	struct ip_addr rr_cluster_id;	/* af == 0: not a route reflector */
	struct ip_addr ipip_tunnel_addr;
};

enum config_bind_mode {
	CONFIG_BIND_NONE,
	CONFIG_BIND_NODE_IP,
};

enum config_program_routes {
	CONFIG_PCR_UNSET,
	CONFIG_PCR_ENABLED,
	CONFIG_PCR_DISABLED,
	CONFIG_PCR_IPIP_ONLY,
	CONFIG_PCR_NOENCAP_ONLY,
};

struct config_community_def {
	char	*name;
	char	*value;
};

struct config_community {
	bool	large;
	uint32_t a, b, c;
};

struct config_prefix_adv {
	struct ip_prefix cidr;
	struct config_community *comms;	/* resolved values */
	size_t	ncomms;
	struct config_loc loc;
};

struct config_bgpconf {
	char	*name;		/* "default" or "node.<node>" */
	const char *node;	/* points into name for node.<node>, or NULL */
	struct config_loc loc;
	char	*log_severity;	/* NULL: unset */
	int	mesh_enabled;	/* -1 unset, 0, 1 */
	uint32_t asn;		/* 0: unset */
	uint16_t listen_port;	/* 0: unset */
	struct ip_prefix *svc_cluster_ips, *svc_external_ips, *svc_lb_ips;
	size_t	nsvc_cluster_ips, nsvc_external_ips, nsvc_lb_ips;
	int	lb_aggregation;	/* -1 unset, 0 disabled, 1 enabled */
	struct config_community_def *communities;
	size_t	ncommunities;
	struct config_prefix_adv *prefix_advs;
	size_t	nprefix_advs;
	bool	has_prefix_advs;
	struct config_secret_ref mesh_password;
	bool	has_mesh_restart;
	uint32_t mesh_restart_s;
	enum config_bind_mode bind_mode;
	char	**ignored_ifaces;
	size_t	nignored_ifaces;
	struct ip_addr lw_peering_v4, lw_peering_v6;
	enum config_program_routes program_routes;
	uint32_t v4_normal_priority, v6_normal_priority;	/* 0: unset */
};

enum config_nh_mode {
	CONFIG_NH_UNSET,
	CONFIG_NH_AUTO,
	CONFIG_NH_SELF,
	CONFIG_NH_KEEP,
};

struct config_peer {
	char	*name;
	struct config_loc loc;
	bool	v1;		/* from an old apiVersion v1 bgpPeer */
	char	*node;		/* NULL: unset */
	struct selector *node_sel;	/* NULL: unset */
	char	*node_sel_text;
	struct ip_addr peer_ip;	/* af == 0: unset */
	uint16_t peer_port;	/* 0: not given in peerIP */
	struct selector *peer_sel;
	char	*peer_sel_text;
	uint32_t asn;		/* 0: unset */
	uint32_t local_asn;	/* 0: unset */
	bool	keep_original_nh;
	enum config_nh_mode nh_mode;
	struct config_secret_ref password;
	bool	source_none;	/* sourceAddress: None */
	bool	has_restart;
	uint32_t restart_s;
	bool	has_keepalive;
	uint32_t keepalive_s;
	uint32_t allow_local_as;
	uint8_t	ttl_security;
	struct ip_addr reachable_by;
	char	**filters;
	size_t	nfilters;
	struct config_loc *filter_locs;
	struct selector *lw_sel;	/* localWorkloadSelector */
	char	*lw_sel_text;
	bool	reverse_manual;
	bool	bfd;		/* BFDIfDirectlyConnected */
};

enum config_encap {
	CONFIG_ENCAP_NEVER,
	CONFIG_ENCAP_ALWAYS,
	CONFIG_ENCAP_CROSS_SUBNET,
};

struct config_pool {
	char	*name;
	struct config_loc loc;
	struct ip_prefix cidr;
	enum config_encap ipip, vxlan;
	bool	nat_outgoing, disabled, disable_bgp_export;
	uint8_t	block_size;
	char	*node_sel_text;
};

struct config_block {
	char	*name;
	struct config_loc loc;
	struct ip_prefix cidr;
	char	*affinity_node;	/* from "host:<node>"; NULL otherwise */
	bool	deleted;
};

enum config_aff_state {
	CONFIG_AFF_CONFIRMED,
	CONFIG_AFF_PENDING,
	CONFIG_AFF_PENDING_DELETION,
};

struct config_affinity {
	char	*name;
	struct config_loc loc;
	char	*node;
	struct ip_prefix cidr;
	enum config_aff_state state;
	bool	deleted;
};

enum config_frule_dir {
	CONFIG_EXPORT_V4,
	CONFIG_IMPORT_V4,
	CONFIG_EXPORT_V6,
	CONFIG_IMPORT_V6,
	CONFIG_FRULE_NDIRS,
};

enum config_match_op {
	CONFIG_MATCH_NONE,
	CONFIG_MATCH_EQUAL,
	CONFIG_MATCH_NOT_EQUAL,
	CONFIG_MATCH_IN,
	CONFIG_MATCH_NOT_IN,
};

enum config_peer_type {
	CONFIG_PEERTYPE_ANY,
	CONFIG_PEERTYPE_EBGP,
	CONFIG_PEERTYPE_IBGP,
};

enum config_fop_kind {
	CONFIG_FOP_ADD_COMMUNITY,
	CONFIG_FOP_PREPEND_AS_PATH,
	CONFIG_FOP_SET_PRIORITY,
};

struct config_fop {
	enum config_fop_kind kind;
	struct config_community community;
	uint32_t *asns;
	size_t	nasns;
	uint32_t priority;
};

struct config_frule {
	struct config_loc loc;
	bool	accept;		/* action Accept (true) or Reject */
	bool	has_cidr;
	struct ip_prefix cidr;
	enum config_match_op op;
	bool	has_plen_min, has_plen_max;
	uint8_t	plen_min, plen_max;
	bool	source_remote_peers;
	char	*iface;		/* glob, NULL: any */
	enum config_peer_type peer_type;
	bool	has_community;
	struct config_community community;
	uint32_t *as_path_prefix;
	size_t	nas_path_prefix;
	uint32_t priority;	/* 0: unset */
	struct config_fop *ops;
	size_t	nops;
};

struct config_filter {
	char	*name;
	struct config_loc loc;
	struct config_frule *rules[CONFIG_FRULE_NDIRS];
	size_t	nrules[CONFIG_FRULE_NDIRS];
};

/* BFDConfiguration (Calico Enterprise; bfdconf.c): per-interface BFD
 * parameters for the nodes its selector picks. */
struct config_bfd_iface {
	char	*pattern;	/* matchPattern: "eth0", "eth*", "*" */
	uint32_t min_rx_us, min_tx_us, idle_tx_us;
	uint8_t	mult;
	struct config_loc loc;
};

struct config_bfd {
	char	*name;
	struct config_loc loc;
	struct selector *node_sel;	/* NULL: all() */
	char	*node_sel_text;
	struct config_bfd_iface *ifaces;
	size_t	nifaces;
};

struct config {
	struct config_node *nodes;
	size_t	nnodes;
	struct config_bgpconf *bgpconfs;
	size_t	nbgpconfs;
	struct config_peer *peers;
	size_t	npeers;
	struct config_pool *pools;
	size_t	npools;
	struct config_block *blocks;
	size_t	nblocks;
	struct config_affinity *affinities;
	size_t	naffinities;
	struct config_filter *filters;
	size_t	nfilters;
	struct config_bfd *bfds;
	size_t	nbfds;
	size_t	nfiles;		/* YAML files read */
	struct config_diags diags;
};

/*
 * Load path (a file, or a directory whose *.yaml and *.yml files are read
 * in name order).  Returns 0 when no error was found; diagnostics of every
 * severity are in cfg->diags either way.  Arrays are sorted by name.
 */
int	 config_load(const char *path, struct config *cfg);
void	 config_free(struct config *cfg);

/*
 * The same model built one resource at a time (the etcd datastore):
 * config_init(), then config_add_doc() per resource tree, whose
 * diagnostics are located in `file` (e.g. "etcd:<key>"), then
 * config_finish() for the checks across resources and the sorting.
 * config_add_doc() returns the errors the resource had; with drop_bad a
 * resource with any error leaves nothing in the model but its
 * diagnostics.  config_finish() returns 0 when no error was found.
 */
struct ynode;
void	 config_init(struct config *cfg);
size_t	 config_add_doc(struct config *cfg, const char *file,
	    const struct ynode *root, bool drop_bad);
int	 config_finish(struct config *cfg);

/* Lookups (linear or binary; arrays are sorted by name after loading). */
const struct config_node *config_node_find(const struct config *cfg,
	    const char *name);
const struct config_bgpconf *config_bgpconf_find(const struct config *cfg,
	    const char *name);
const struct config_filter *config_filter_find(const struct config *cfg,
	    const char *name);
const char *config_label_get(const struct config_labels *l, const char *key);

/* ---- value syntax shared with other layers (values.c) ---- */

/* "64512", "4200000000", asdot "1.10" (X.Y, 16 bits each); 0 is allowed. */
int	 config_asn_parse(const char *s, uint32_t *out);
/* Go durations: "120s", "1m30s", "1.5h", "300ms", "0"; rounded seconds. */
int	 config_duration_parse(const char *s, uint32_t *seconds);
/* "IP", "IPv4:port", "[IPv6]:port" (CALICO.md 1.2 processIPPort). */
int	 config_peerip_parse(const char *s, struct ip_addr *ip, uint16_t *port,
	    const char **why);
/* "aa:nn" (16-bit parts) or "aa:nn:mm" (32-bit parts). */
int	 config_community_parse(const char *s, struct config_community *c);
/* Kubernetes-style names: lower/upper alnum, '.', '-', '_' (<= 253). */
bool	 config_name_valid(const char *s);

#endif
