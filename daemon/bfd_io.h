/*
 * bfd_io: BFD in the daemon (RFC 5882 for BGP): which sessions run BFD,
 * what a BFD session going down does to its BGP session, and BFD's lines
 * in status, `bgpd peer`, metrics and the BIRD socket.
 *
 * A BGP session gets a BFD session when its plan says BFD (BGPPeer
 * failureDetectionMode: BFDIfDirectlyConnected), its peer is on a
 * connected subnet of one of this host's interfaces, and a
 * BFDConfiguration of this node matches that interface (plan_bfd_match);
 * the intervals are that interface's.  The sessions run in bfd/io.c's
 * thread, started when the first one is wanted; its events come back
 * through an eventfd this loop watches.
 *
 * RFC 5882 4.3, RFC 9384: a BFD session that goes from Up to Down takes
 * its BGP session down at once with a NOTIFICATION Cease/10 "BFD Down"
 * (a NOTIFICATION, so graceful restart keeps nothing and the routes
 * leave the RIB and the kernel), and the BGP session stays down until
 * BFD is Up again.  A BFD session that was never Up holds nothing back
 * (a peer without BFD keeps its BGP session), and a neighbor signalling
 * AdminDown is not a failure (RFC 5882 4.2).
 */
#ifndef BGPD_BFD_IO_DAEMON_H
#define BGPD_BFD_IO_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

struct daemon;
struct bfdio;
struct conn;
struct ip_addr;
struct json_w;
struct buf_wr;

/* Sessions follow the running plan, the connections and the host's
 * interfaces: call after every plan change (and a timer calls it). */
void	 bfdio_apply(struct daemon *d);
/* Shutdown: AdminDown to every BFD peer (RFC 5882 4.2: they take no
 * action, so graceful restart still works), stop the thread. */
void	 bfdio_close(struct daemon *d);
/* Why a session to peer, port must stay down (its BFD session is down,
 * RFC 5882), or NULL: for a session created anew (a plan change). */
const char *bfdio_held(const struct daemon *d, const struct ip_addr *peer,
	    uint16_t port);

/* What the operator surfaces show, from the daemon's BFD object (d->bfd,
 * view.h's view_bfd(); NULL until BFD is wanted). */
/* Status: c's "bfd" member (null without BFD); the node's "bfd". */
void	 bfdio_peer_json(const struct bfdio *b, const struct conn *c,
	    struct json_w *j);
void	 bfdio_status_json(const struct bfdio *b, struct json_w *j);
/* `bgpd peer NAME`: one "  bfd ..." line, nothing without BFD. */
void	 bfdio_peer_text(const struct bfdio *b, const struct conn *c,
	    struct buf_wr *o);
/* Prometheus families bgpd_bfd_*. */
void	 bfdio_metrics(const struct bfdio *b, struct buf_wr *o);
/* BIRD's `show bfd sessions` rows (BIRD 2 layout) of family af. */
void	 bfdio_bird_rows(const struct bfdio *b, int af,
	    void (*row)(void *arg, const char *line), void *arg);

#endif
