/*
 * attr: BGP path attributes <-> struct bgp_attrs, with RFC 7606 error
 * handling.  Pure: no allocation, no I/O.
 *
 * Lifetime rule: decoded variable-length values (communities, cluster
 * list, unknown attributes, MP NLRI) are views into the message, and the
 * AS path is canonical (4-octet ASNs) in the caller's struct attr_scratch.
 * Both must outlive the struct bgp_attrs; whoever keeps a value beyond the
 * message (bgp/attrset) copies it.
 *
 * Caps (exceeding one is treat-as-withdraw, RFC 7606 allows it for these
 * attributes, and it bounds memory per route whatever a peer sends):
 * AS_PATH ASPATH_MAX octets canonical, ATTR_MAX_COMMUNITIES standard,
 * ATTR_MAX_EXT extended and ATTR_MAX_LARGE large communities,
 * ATTR_MAX_CLUSTER cluster ids; at most ATTR_MAX_UNKNOWN unknown
 * transitive attributes are kept (more are discarded).
 */
#ifndef BGPD_ATTR_H
#define BGPD_ATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aspath.h"
#include "bgp.h"
#include "lib/addr.h"
#include "lib/buf.h"

#define ATTR_MAX_COMMUNITIES	1024
#define ATTR_MAX_EXT		512
#define ATTR_MAX_LARGE		512
#define ATTR_MAX_CLUSTER	255
#define ATTR_MAX_UNKNOWN	16
#define ATTR_MAX_DISCARDED	16

/* struct bgp_attrs.present */
#define ATTR_P_ORIGIN		0x0001u
#define ATTR_P_AS_PATH		0x0002u
#define ATTR_P_NEXT_HOP		0x0004u
#define ATTR_P_MED		0x0008u
#define ATTR_P_LOCAL_PREF	0x0010u
#define ATTR_P_ATOMIC_AGG	0x0020u
#define ATTR_P_AGGREGATOR	0x0040u
#define ATTR_P_COMMUNITIES	0x0080u
#define ATTR_P_ORIGINATOR_ID	0x0100u
#define ATTR_P_CLUSTER_LIST	0x0200u
#define ATTR_P_EXT_COMMUNITIES	0x0400u
#define ATTR_P_LARGE_COMMUNITIES 0x0800u
#define ATTR_P_MP_REACH		0x1000u
#define ATTR_P_MP_UNREACH	0x2000u

struct attr_unknown {
	uint8_t	flags;
	uint8_t	type;
	uint16_t len;
	const uint8_t *data;
};

struct attr_mp {
	uint16_t afi;
	uint8_t	safi;
	bool	usable;		/* a family we negotiated and parse */
	struct ip_addr nh;	/* MP_REACH: global next hop */
	struct ip_addr nh_ll;	/* MP_REACH: IPv6 link-local, if given */
	const uint8_t *nlri;
	size_t	nlri_len;
};

struct bgp_attrs {
	uint32_t present;	/* ATTR_P_* */
	uint8_t	origin;
	const uint8_t *aspath;	/* canonical, 4-octet ASNs */
	size_t	aspath_len;
	struct ip_addr nexthop;	/* NEXT_HOP (IPv4) */
	uint32_t med;
	uint32_t local_pref;
	uint32_t aggregator_as;
	uint32_t aggregator_id;
	const uint8_t *communities;	/* 4-octet values */
	size_t	ncommunities;
	const uint8_t *ext_communities;	/* 8-octet values */
	size_t	next_communities;
	const uint8_t *large_communities;	/* 12-octet values */
	size_t	nlarge_communities;
	uint32_t originator_id;
	const uint8_t *cluster_list;	/* 4-octet ids */
	size_t	ncluster;
	struct attr_unknown unknown[ATTR_MAX_UNKNOWN];
	size_t	nunknown;
	struct attr_mp mp_reach, mp_unreach;
	/* Attribute types dropped by RFC 7606 attribute discard. */
	uint8_t	discarded[ATTR_MAX_DISCARDED];
	size_t	ndiscarded;
	/* The attribute list stopped early (a framing error). */
	bool	truncated;
};

/* How to read (and write) one peer's attributes. */
struct attr_ctx {
	bool	as4;		/* 4-octet AS capability on both sides */
	bool	ebgp;
	/* An external peer's AS: its paths must start with it (0: any). */
	uint32_t peer_as;
	bool	ipv4;		/* families negotiated */
	bool	ipv6;
	bool	addpath_v4;	/* ADD-PATH receive negotiated */
	bool	addpath_v6;
};

struct attr_scratch {
	uint8_t	aspath[2 * ASPATH_MAX + 16];
	uint8_t	as4path[ASPATH_MAX + 16];
	uint8_t	tmp[2 * ASPATH_MAX + 16];
};

/*
 * Decode the attribute field of an UPDATE.  Problems are recorded in err
 * (strongest wins); the caller checks err->action.  Missing mandatory
 * attributes are the UPDATE decoder's business (it knows the NLRI).
 */
void	 attr_decode(const uint8_t *p, size_t len, const struct attr_ctx *ctx,
	    struct bgp_attrs *a, struct attr_scratch *s, struct bgp_err *err);

/*
 * Encode every present attribute except MP_REACH/MP_UNREACH (the UPDATE
 * encoder writes those, first).  For a 2-octet peer (ctx->as4 false) the
 * AS_PATH and AGGREGATOR are narrowed and AS4_PATH/AS4_AGGREGATOR added
 * when needed.  Unknown transitive attributes get the Partial bit.
 */
void	 attr_encode(struct buf_wr *w, const struct bgp_attrs *a,
	    const struct attr_ctx *ctx);
/* Write one attribute header + value (Extended Length when needed). */
void	 attr_put(struct buf_wr *w, uint8_t flags, uint8_t type,
	    const void *val, size_t len);

#endif
