/*
 * speaker_impl: the speaker's own structures, shared by its two files:
 * speaker.c (sessions, imports, peers, the work loop) and speaker_out.c
 * (exports through update groups).  Nothing else includes it.
 */
#ifndef BGPD_SPEAKER_IMPL_H
#define BGPD_SPEAKER_IMPL_H

#include "aspath.h"
#include "speaker.h"

#define RUN_ENTRIES	512	/* changed RIB entries a run drains */
#define RUN_DUMP	2048	/* RIB entries a run of a group's dump */
#define RUN_FLUSH	4096	/* paths a run of a peer's flush */

/* Room for a path with a policy's additions. */
struct speaker_adds_buf {
	uint8_t	comms[4 * ATTR_MAX_COMMUNITIES];
	uint8_t	large[12 * ATTR_MAX_LARGE];
	uint8_t	path[2][ASPATH_MAX + 16];
};

/* What can make two peers' exports differ (speaker_out.c). */
struct speaker_gkey {
	int	af;
	struct ip_addr local_addr;	/* next hop self */
	uint32_t local_as;
	enum speaker_nh next_hop;
	bool	ebgp, rr_client, llgr, addpath, as4, ipv4, ipv6;
	size_t	max_msg;
	uint64_t policy;		/* the export policy's class */
};

/* Peers that share their exports: one Adj-RIB-Out, one encoding. */
struct speaker_group {
	struct speaker *sp;
	struct speaker_gkey key;
	struct adjout out;
	struct hash_table cache;	/* in attrset -> out attrset */
	struct speaker_peer *rep;	/* a peer of the key: export()'s `to` */
	size_t	npend;		/* peers to move in once it is dumped */
	bool	dumping;	/* the RIB is being exported into it */
	struct rib_cursor dump;
	struct speaker_group *next;
};

struct speaker_peer {
	struct speaker *sp;
	struct speaker_peer_conf conf;
	void	*io_ctx;
	struct session *session;
	struct rib_peer rp;
	struct adjout_member m;		/* its place in its group */
	struct speaker_group *g;	/* its group while up */
	struct speaker_group *g_next;	/* the group it moves to */
	/* Withdrawals owed since it left a group for another (what the
	 * new one does not announce): owed[done..n). */
	struct ip_prefix *owed;
	uint32_t *owed_ids;
	size_t	nowed, owed_done;
	bool	up;
	bool	eor_pending, eor_sent, eor_received;
	bool	todo;		/* on the speaker's todo list */
	struct speaker_peer *todo_next;
	bool	removed;
	/* Graceful restart helper (RFC 4724 4.2): the peer's paths are
	 * kept, flagged stale, until its End-of-RIB or the deadline. */
	bool	gr_stale;
	uint64_t gr_deadline;
	uint16_t gr_time;	/* the peer's restart time (0: no GR) */
	/* ... then long-lived (RFC 9494): past the restart time the stale
	 * paths are kept for the peer's long-lived stale time more, tagged
	 * LLGR_STALE.  gr_flush: at the deadline the stale paths go (the
	 * peer is back, or End-of-RIB came), no long-lived phase. */
	uint32_t llst;		/* the peer's long-lived stale time, s */
	bool	llgr, llgr_tagging, gr_flush;
	uint64_t up_since, last_change;
	uint64_t nlooped;	/* announcements dropped as loops */
	uint64_t nownnh;	/* ... for a next hop of ours */
	/* UPDATE error log, rate-limited: a token bucket. */
	uint64_t elog_last;
	unsigned elog_tokens, elog_suppressed;
	uint64_t nfiltered;	/* announcements import policy rejected */
	bool	limit_warned;	/* 90 % of max_prefixes said */
	bool	limit_hit;	/* over it: Cease after this UPDATE */
	char	last_why[200];	/* last failure logged while down */
	struct speaker_peer *next;
};

struct speaker {
	struct rib rib;
	struct rib_peer local;
	struct attrset *local_attrs;
	uint32_t router_id;
	uint32_t cluster_id;	/* non-zero: we reflect routes */
	struct speaker_io io;
	struct speaker_peer *peers;
	struct speaker_group *groups;
	/* Peers with work of their own: End-of-RIB, owed withdrawals. */
	struct speaker_peer *todo;
	size_t	naddpath;	/* peers up in ADD-PATH groups */
	size_t	nstale;		/* peers with gr_stale */
	bool	flush_check;	/* a peer may be down with paths */
	bool	moves;		/* a group peers wait for is dumped */
	/* Our own restart (RFC 4724 4.1): the R and F bits we send, and
	 * whether selection is deferred. */
	bool	gr_restarting, gr_forwarding, defer;
	uint32_t peer_ids;		/* rib_peer.id given last */
	uint64_t peers_gen;		/* speaker_peers_gen() */
	uint64_t peers_removed;		/* speaker_peers_removed() */
	struct adjout_want *want;	/* exports' (xgrow) */
	size_t	wantcap;
};

/* Ask the caller for speaker_run() soon. */
static inline void
speaker_wake(struct speaker *sp)
{
	if (sp->io.wakeup != NULL)
		sp->io.wakeup(sp->io.arg);
}

/* The peer has work of its own for speaker_groups_run(). */
static inline void
speaker_todo(struct speaker_peer *p)
{
	if (p->todo)
		return;
	p->todo = true;
	p->todo_next = p->sp->todo;
	p->sp->todo = p;
}

/* speaker_out.c (speaker.c calls it; it calls nothing of speaker.c) */
/* Put adds into a (its values then point into buf).  False when the
 * AS path would grow too long. */
bool	 speaker_apply_adds(struct bgp_attrs *a,
	    const struct speaker_adds *adds, struct speaker_adds_buf *buf);
/* p came up: into the group of its key (End-of-RIB follows its table). */
void	 speaker_group_join(struct speaker_peer *p);
/* p went down or goes away: out of its group. */
void	 speaker_group_leave(struct speaker_peer *p);
/* p's settings changed: another group if its key did. */
void	 speaker_group_rekey(struct speaker_peer *p);
/* The export policy changed: every group exports again. */
void	 speaker_groups_refresh(struct speaker *sp);
/* A changed RIB entry goes to every group. */
void	 speaker_groups_export(struct speaker *sp, const struct rib_entry *e);
/* Dumps, then what members are to get, then End-of-RIB; true if more. */
bool	 speaker_groups_run(struct speaker *sp, uint64_t now);
/* Is anything still to be sent to p? */
bool	 speaker_peer_busy(const struct speaker_peer *p);

#endif
