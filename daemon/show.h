/*
 * show: the operator's detail views over the control socket, text and
 * JSON: one peer in detail (capabilities both ways, timers, graceful
 * restart and LLGR, counters, last error), the route to a prefix or
 * address (longest match), and a peer's Adj-RIB-In (the paths bgpd holds
 * from it, after import policy) and Adj-RIB-Out (what it has from us).
 */
#ifndef BGPD_SHOW_H
#define BGPD_SHOW_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/buf.h"

struct attrset;
struct conn;
struct json_w;
struct view;

/* A session by name or peer address (the first one with that address),
 * or NULL. */
const struct conn *show_find_conn(const struct view *v, const char *name);
void	 show_peer(const struct view *v, const struct conn *c, bool json,
	    struct buf_wr *out);
/* 0, or -1 with an error line in out when what is no prefix/address. */
int	 show_route(const struct view *v, const char *what, bool json,
	    struct buf_wr *out);
void	 show_adj(const struct view *v, const struct conn *c, bool in,
	    bool json, struct buf_wr *out);
/* Capabilities as words ("route-refresh", "4-octet-as(65001)", ...). */
struct msg_caps;
void	 show_caps(const struct msg_caps *c, struct buf_wr *out);
/* For route listings: an ORIGIN's word, and where a path came from (the
 * session's name, or "local"). */
struct rib_path;
const char *show_origin(uint8_t o);
/* A path's attributes as JSON members (next_hop, path_id, as_path,
 * origin, local_pref, med, communities, large_communities,
 * originator_id, cluster_list): the one writer of routes, adj-in and
 * adj-out.  id: the path id (RFC 7911), or -1. */
void	 show_attrs_json(struct json_w *j, const struct attrset *s,
	    int64_t id);
/* The (large) communities of s as "a:b c:d", space separated. */
void	 show_communities_text(const struct attrset *s, struct buf_wr *o,
	    bool large);
const char *show_path_source(const struct rib_path *p);
/* Does p's path id say something (not 0, or its peer sends path ids,
 * RFC 7911)? */
bool	 show_path_id(const struct rib_path *p);

#endif
