/*
 * spnet: small networks of speakers for unit tests, on a virtual clock.
 *
 * Nodes are speakers at 198.51.100.(i + 1); a link joins two of them
 * with a session each, moved by a pump that reads every message going
 * by (so tests see OPENs, UPDATEs and NOTIFICATIONs as the peer got
 * them).  spnet_run() jumps from deadline to deadline (session timers,
 * speaker timers) and settles the network at each, so days of virtual
 * time cost little.  A node can crash (its connections die without a
 * NOTIFICATION, as after kill -9) and come back as a new speaker.
 */
#ifndef BGPD_SPNET_H
#define BGPD_SPNET_H

#include <stdbool.h>
#include <stdint.h>

#include "bgp/msg.h"
#include "bgp/speaker.h"

#define SPNET_NODES	6
#define SPNET_LINKS	8

struct spnet_node {
	struct speaker *sp;
	uint32_t as, id;
	struct ip_addr addr;
	bool	down;		/* crashed, not restarted yet */
	/* Called with every best-path change (the speaker's changed
	 * hook), for tests that watch a prefix. */
	void	(*changed)(int node, const struct rib_entry *e);
};

/* What went over one direction of a link. */
struct spnet_dir {
	uint8_t	buf[70000];	/* framing of the byte stream */
	size_t	len;
	unsigned opens, updates, eors, notifications;
	struct msg_open last_open;	/* caps as the receiver saw them */
	uint64_t first_update_at;	/* since the last OPEN; 0: none */
	uint64_t eor_at;		/* since the last OPEN; 0: none */
	uint8_t	ncode, nsub;		/* the last NOTIFICATION */
	uint8_t	ndata[64];
	size_t	ndata_len;
};

struct spnet_link {
	int	a, b;
	struct speaker_peer *p[2];
	struct speaker_peer_conf conf[2];	/* to re-add after a crash */
	bool	want[2];
	bool	connected;
	bool	cut;		/* no connection can be made */
	struct spnet_dir dir[2];	/* dir[0]: a -> b */
};

/* Called with every UPDATE body (End-of-RIB too) as node `to` got it
 * over l, if set (spnet_reset clears it). */
extern void (*spnet_update_hook)(struct spnet_link *l, int to,
    const uint8_t *body, size_t len);

extern struct spnet_node spnet_nodes[SPNET_NODES];
extern struct spnet_link spnet_links[SPNET_LINKS];
extern int spnet_nlinks;
extern uint64_t spnet_now;

/* Forget everything (frees the speakers); the clock starts at 1000. */
void	 spnet_reset(void);
void	 spnet_node(int i, uint32_t as);
/* A session each way between nodes a and b (b passive); tune the two
 * configurations in place before the first spnet_run(). */
struct spnet_link *spnet_link(int a, int b);
/* The peer conf of node n's side of l (before spnet_link_start). */
struct speaker_peer_conf *spnet_conf(struct spnet_link *l, int n);
/* Add the speaker peers of l (spnet_link() leaves them unmade so the
 * configurations can be changed first). */
void	 spnet_link_start(struct spnet_link *l);
/* Node n's peer on l, and its session. */
struct speaker_peer *spnet_peer(struct spnet_link *l, int n);
struct session *spnet_session(struct spnet_link *l, int n);
/* What node `to` received over l. */
struct spnet_dir *spnet_rx(struct spnet_link *l, int to);

/* Run for ms of virtual time. */
void	 spnet_run(uint64_t ms);
/* Node n dies: every connection of it closes without a NOTIFICATION. */
void	 spnet_crash(int n);
/* Node n starts again with a fresh speaker and the same peers. */
void	 spnet_restart(int n);
/* The TCP connection of l dies (both ends see it), and stays down
 * while cut. */
void	 spnet_cut(struct spnet_link *l, bool cut);

/* Node n's best path for prefix text pfx, or NULL. */
const struct rib_path *spnet_best(int n, const char *pfx);
/* Node n originates count /32s from first (dotted quad), or withdraws. */
void	 spnet_originate(int n, const char *first, unsigned count, bool add);

#endif
