/*
 * speaker: the one bridge between sessions and the RIB (DESIGN.md
 * principle 2).  It owns the RIB, the local origination and one
 * speaker_peer per session; it implements the sessions' protocol hooks
 * and gives each session the daemon's transport (speaker_io.transport)
 * with its peer's io_ctx, which the session then calls itself.  Imports
 * apply RFC 7606 withdrawals and loop checks; exports apply plain BGP
 * rules (iBGP split horizon, next hop self toward eBGP and for our own
 * routes, AS prepend and LOCAL_PREF/MED handling, NO_EXPORT/NO_ADVERTISE).
 * All RIB work happens in speaker_run() in bounded chunks: the daemon
 * calls it again while it returns true.
 *
 * Exports go through update groups (speaker_out.c): peers whose exports
 * cannot differ share one Adj-RIB-Out and one encoding of each UPDATE.
 *
 * ADD-PATH (RFC 7911): a peer whose NLRI carry path ids may give us
 * several paths of a prefix, each its own in the RIB.  A peer we may
 * send path ids to gets every path of a prefix that passes the BGP
 * rules and the export policy, as BIRD's `add paths on` (tx) does, not
 * only the best or the ECMP set: what a client then selects is its
 * own business, as it would be with a full mesh.  Others get the best.
 */
#ifndef BGPD_SPEAKER_H
#define BGPD_SPEAKER_H

#include <stdbool.h>
#include <stdint.h>

#include "adjout.h"
#include "rib.h"
#include "session.h"

/* What a policy adds to a route.  The policy keeps these alive and
 * hands out one pointer per distinct set: the pointer is part of the
 * cache key for the attributes sent. */
struct speaker_adds {
	const uint8_t *communities;	/* 4-octet values, network order */
	size_t	ncommunities;
	const uint8_t *large;		/* 12-octet values, network order */
	size_t	nlarge;
	/* ASNs put in front of the AS path, first first (on export, after
	 * our own AS on eBGP sessions, as a BIRD export filter's do). */
	const uint32_t *prepend;
	size_t	nprepend;
	/* LOCAL_PREF set to local_pref (Calico's setPriority: 2^31 - 1
	 * minus the priority). */
	bool	set_local_pref;
	uint32_t local_pref;
};

struct speaker_peer;
struct speaker_io {
	/* The peers' connections: each peer's session calls it with the
	 * io_ctx the peer was added with (speaker_peer_add()). */
	const struct session_transport *transport;
	void	(*wakeup)(void *arg);	/* speaker_run() has work */
	void	(*changed)(void *arg, const struct rib_entry *e);
	/* Export policy after the BGP rules (NULL: accept all): false
	 * keeps path (of e) from peer `to`; *adds may name additions. */
	bool	(*export)(void *arg, const struct speaker_peer *to,
		    const struct rib_entry *e, const struct rib_path *path,
		    const struct speaker_adds **adds);
	/* The export policy's class of a peer: two peers of one class
	 * get the same answer (and additions) from export() for every
	 * path, so they may share an update group.  NULL: no two peers
	 * share (when there is an export hook). */
	uint64_t (*export_class)(void *arg, const struct speaker_peer *to);
	/* Import policy per prefix (NULL: accept all): false drops it;
	 * *adds may name additions to the path kept. */
	bool	(*import)(void *arg, const struct speaker_peer *from,
		    const struct ip_prefix *p, const struct bgp_attrs *a,
		    const struct speaker_adds **adds);
	/* Is a one of this host's addresses (NULL: only the sessions'
	 * local addresses count)?  A route whose next hop is ours is
	 * ignored (RFC 4271 6.3). */
	bool	(*is_local)(void *arg, const struct ip_addr *a);
	void	*arg;
};

enum speaker_nh {
	SPEAKER_NH_AUTO,
	SPEAKER_NH_SELF,
	SPEAKER_NH_KEEP,
};

struct speaker_peer_conf {
	struct session_conf session;
	struct ip_addr local_addr;	/* our address: next hop self */
	enum speaker_nh next_hop;
	uint32_t allow_local_as;
	bool	rr_client;	/* we reflect to and from this peer */
	/* Paths the peer may have us hold (0: no limit); more is Cease/1
	 * (RFC 4486), a warning at 90 %. */
	uint32_t max_prefixes;
	bool	idle;		/* added stopped: session_start() later */
};

struct speaker_peer_stats {
	size_t	received;	/* paths held from this peer */
	size_t	advertised;	/* prefixes (ADD-PATH: paths) it has from us */
	/* Announcements dropped since the peer was added: as loops (our
	 * AS too often, our ORIGINATOR_ID or cluster id) and by import
	 * policy. */
	uint64_t looped, filtered;
	/* Announcements ignored for a NEXT_HOP of ours (RFC 4271 6.3). */
	uint64_t own_next_hop;
	uint64_t up_since;	/* monotonic ms, or 0 */
	uint64_t last_change;	/* monotonic ms of the last state change */
	unsigned flaps;
	bool	eor_received;
	bool	eor_sent;
	/* Graceful restart helper: its restart time (0: none), and while
	 * it restarts the stale paths kept and until when (monotonic). */
	uint16_t gr_time;
	bool	gr_helping;
	size_t	stale;
	uint64_t gr_deadline;
	/* Long-lived (RFC 9494): its long-lived stale time (0: none), and
	 * whether its stale paths are in that phase now. */
	uint32_t llgr_time;
	bool	llgr_stale;
	uint32_t max_prefixes;	/* 0: none */
	unsigned limit_hits;	/* Cease/1 sent for it */
	uint32_t limit_idle_ms;	/* the idle interval after the last */
};

struct speaker;
struct speaker_peer;

struct speaker *speaker_new(uint32_t router_id, const struct speaker_io *io);
void	 speaker_free(struct speaker *sp);
/* Become a route reflector with this cluster id (0: stop reflecting).
 * Peers should be restarted for the change to reach them. */
void	 speaker_set_cluster_id(struct speaker *sp, uint32_t cluster_id);
struct speaker_peer *speaker_peer_add(struct speaker *sp,
	    const struct speaker_peer_conf *c, void *io_ctx, uint64_t now);
/* Stop (Cease/subcode, optional text) and forget the peer. */
void	 speaker_peer_remove(struct speaker *sp, struct speaker_peer *p,
	    uint8_t subcode, const char *text, uint64_t now);
struct session *speaker_peer_session(struct speaker_peer *p);
/* The socket drained: resume sending to p if it has work. */
void	 speaker_peer_writable(struct speaker *sp, struct speaker_peer *p);
/* Our address on p's connection (next hop self when not configured). */
void	 speaker_peer_set_local(struct speaker_peer *p,
	    const struct ip_addr *a);
const struct speaker_peer_conf *speaker_peer_conf(
	    const struct speaker_peer *p);
void	 speaker_peer_stats(const struct speaker_peer *p,
	    struct speaker_peer_stats *st);
/* What the peer has from us or is to get (its update group's entries
 * that are not its own paths): e = NULL; it = 0; while ((e =
 * speaker_peer_adj_next(p, &it, e, &pending)) != NULL) ...; pending
 * (may be NULL) says the entry is still to be sent to it. */
const struct adjout_entry *speaker_peer_adj_next(const struct speaker_peer *p,
	    size_t *it, const struct adjout_entry *prev, bool *pending);
/* ADD-PATH send negotiated (entries carry our path ids). */
bool	 speaker_peer_addpath_tx(const struct speaker_peer *p);
/* Peers in its update group, itself included (0: not up). */
size_t	 speaker_peer_group_size(const struct speaker_peer *p);
/* Send the peer every prefix it has from us again (soft clear out). */
void	 speaker_peer_resend(struct speaker *sp, struct speaker_peer *p);
/* Change export settings in place (a plan UPDATE, no reset). */
void	 speaker_peer_reconfigure(struct speaker *sp, struct speaker_peer *p,
	    enum speaker_nh next_hop, uint32_t allow_local_as);
/* Iterate peers: NULL starts, NULL ends. */
struct speaker_peer *speaker_peer_next(const struct speaker *sp,
	    const struct speaker_peer *p);
/* Changes whenever a peer is added or removed, comes up, goes down or
 * sends End-of-RIB: what a caller derived from every peer's state is
 * current while it stays the same. */
uint64_t speaker_peers_gen(const struct speaker *sp);
/* Changes whenever a peer is removed: a peer a caller holds on to stays
 * valid (and in speaker_peer_next()'s walk) while it stays the same. */
uint64_t speaker_peers_removed(const struct speaker *sp);

void	 speaker_originate(struct speaker *sp, const struct ip_prefix *p);
/* The same with a LOCAL_PREF (sent to iBGP peers; Calico's route
 * priority, 2^31 - 1 minus the route's kernel metric). */
void	 speaker_originate_lp(struct speaker *sp, const struct ip_prefix *p,
	    uint32_t local_pref);
void	 speaker_withdraw(struct speaker *sp, const struct ip_prefix *p);

/* The export policy changed: send every peer what it now gets. */
void	 speaker_refresh_exports(struct speaker *sp);
/* True for an eBGP peer. */
bool	 speaker_peer_ebgp(const struct speaker_peer *p);
/* The io_ctx the peer was added with. */
void	*speaker_peer_io_ctx(const struct speaker_peer *p);

/*
 * Our own graceful restart (RFC 4724 4.1).  speaker_set_restart() sets
 * the R bit (we restarted) and the F bit (our forwarding survived) of
 * the OPENs sent from now on, to every peer and to those added later;
 * by default R is clear and F set.  While speaker_defer() is on, route
 * selection is deferred: peers coming up get nothing, not even
 * End-of-RIB, until it is turned off, when each gets its table and then
 * End-of-RIB.
 */
void	 speaker_set_restart(struct speaker *sp, bool restarting,
	    bool forwarding);
void	 speaker_defer(struct speaker *sp, bool on);
bool	 speaker_deferring(const struct speaker *sp);

/* Monotonic ms at which speaker_run() has timed work (graceful restart
 * deadlines), or UINT64_MAX. */
uint64_t speaker_next_timer(const struct speaker *sp);
/* Do queued work (bounded); true if more remains. */
bool	 speaker_run(struct speaker *sp, uint64_t now);
const struct rib *speaker_rib(const struct speaker *sp);
/* The RIB for the owner of the entries' EXT octets (the daemon's kernel
 * bridge: rib_get() and rib_entry_done()) and for read-only walks
 * (rib_walk(), rib_hold(), rib_release()), nothing else. */
struct rib *speaker_rib_ext(struct speaker *sp);
/* The peer a path came from (NULL for local origination). */
const struct speaker_peer *speaker_path_peer(const struct rib_path *p);

#endif
