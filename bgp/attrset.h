/*
 * attrset: interned, immutable, refcounted path attribute sets
 * (DESIGN.md principle 4).
 *
 * A decoded struct bgp_attrs (views into a message) plus its next hops is
 * looked up in one process-wide table keyed by content (SipHash-1-3 with
 * a random key; the index is a lib/itab of 8-octet slots over a table
 * of set pointers) and either shared or copied into a new set whose
 * variable parts (AS path, communities, cluster list, unknown
 * attributes) follow the struct's fixed fields in the same allocation.
 * Routes hold a reference and compare sets by pointer.  attrset_view()
 * gives a struct bgp_attrs back for encoding or for building a modified
 * set on export.
 */
#ifndef BGPD_ATTRSET_H
#define BGPD_ATTRSET_H

#include <stddef.h>
#include <stdint.h>

#include "attr.h"

struct attrset {
	uint32_t hash;		/* the upper half of the key's hash */
	uint32_t refcnt;
	uint32_t ref;		/* in the index (attrset.c) */
	/* The key: every field from here on, and data[]. */
	uint32_t present;	/* ATTR_P_* (MP bits never set) */
	uint8_t	origin;
	uint8_t	nunknown;
	uint16_t aspath_len;	/* octets, canonical */
	uint16_t ncommunities;
	uint16_t next_communities;
	uint16_t nlarge_communities;
	uint16_t ncluster;
	uint32_t med;
	uint32_t local_pref;
	uint32_t aggregator_as;
	uint32_t aggregator_id;
	uint32_t originator_id;
	uint16_t path_length;	/* RFC 4271 9.1.2.2(a), cached */
	uint16_t unknown_len;	/* octets of packed unknown attributes */
	uint32_t first_as;	/* neighbour AS for MED comparison */
	struct ip_addr nexthop;	/* BGP next hop (IPv4 or IPv6 global) */
	struct ip_addr nexthop_ll;	/* IPv6 link-local, or none */
	uint8_t	data[];	/* aspath, comms, ext, large, cluster, unknown */
};

struct attrset_stats {
	size_t	sets;		/* distinct sets alive */
	size_t	bytes;		/* their allocations */
	size_t	refs;		/* references held */
};

/* Intern a (nexthop, attributes) pair; returns a new reference. */
struct attrset *attrset_intern(const struct bgp_attrs *a,
	    const struct ip_addr *nh, const struct ip_addr *nh_ll);
struct attrset *attrset_ref(struct attrset *s);
void	 attrset_unref(struct attrset *s);
/* A struct bgp_attrs whose views point into s (valid while s lives). */
void	 attrset_view(const struct attrset *s, struct bgp_attrs *a);
const uint8_t *attrset_aspath(const struct attrset *s);
const uint8_t *attrset_communities(const struct attrset *s);
const uint8_t *attrset_large_communities(const struct attrset *s);
const uint8_t *attrset_cluster_list(const struct attrset *s);
bool	 attrset_has_community(const struct attrset *s, uint32_t c);
void	 attrset_stats(struct attrset_stats *st);

#endif
