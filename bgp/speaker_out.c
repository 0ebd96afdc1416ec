/*
 * speaker_out: the speaker's exports (RFC 4271 9.1.3, 9.2; RFC 4456 6,
 * 8; RFC 7911), through update groups.
 *
 * Peers whose exports cannot differ share a group (struct
 * speaker_group): one Adj-RIB-Out (bgp/adjout), one export decision per
 * route and one encoding of each UPDATE for all of them, as FRR's update
 * groups and OpenBGPD's.  The key (struct speaker_gkey) holds everything
 * export_path(), transform() and the encoder read from a peer: its
 * family, eBGP or not, route reflection client or not, the next-hop
 * mode and the local address next-hop-self puts in, the local AS
 * prepended toward eBGP, whether it advertised LLGR (long-lived stale
 * routes go only to those), ADD-PATH send, the session's encoding
 * (4-octet ASes, families, extended messages), and the export policy's
 * own answer: its class for the peer (speaker_io.export_class; without
 * one every peer is a class of its own), never a guess of ours.  The
 * export rule that depends on the peer itself, not sending a path back
 * to the peer it came from, is adjout's (a member's src); a group of
 * one peer keeps no entry for what that peer sent us, so a peer that
 * gets nothing costs nothing (a second peer makes the group export the
 * RIB again).
 *
 * A peer comes up into its group at the head and gets the group's
 * table, then End-of-RIB (RFC 4724 2) once the group's own dump of the
 * RIB is done and nothing is left for it.  A peer whose key changes
 * (next-hop mode, local address, the policy's class) waits in its old
 * group until the new one is dumped, then moves, with a withdrawal of
 * whatever the new group does not announce: no route flaps on the way.
 */
#include "speaker_impl.h"

#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/xalloc.h"
#include "update.h"

/* ---- export ---- */

/* Append to (v, *n) the values of add (size octets each) not in v. */
static size_t
merge_values(uint8_t *out, const uint8_t *v, size_t n, const uint8_t *add,
    size_t nadd, size_t size, size_t max)
{
	if (n > 0)
		memcpy(out, v, n * size);
	for (size_t i = 0; i < nadd && n < max; i++) {
		size_t j;

		for (j = 0; j < n; j++)
			if (memcmp(out + j * size, add + i * size, size) == 0)
				break;
		if (j == n)
			memcpy(out + n++ * size, add + i * size, size);
	}
	return n;
}

bool
speaker_apply_adds(struct bgp_attrs *a, const struct speaker_adds *adds,
    struct speaker_adds_buf *buf)
{
	if (adds == NULL)
		return true;
	if (adds->set_local_pref) {
		a->local_pref = adds->local_pref;
		a->present |= ATTR_P_LOCAL_PREF;
	}
	if (adds->ncommunities > 0) {
		a->ncommunities = merge_values(buf->comms, a->communities,
		    a->ncommunities, adds->communities, adds->ncommunities, 4,
		    ATTR_MAX_COMMUNITIES);
		a->communities = buf->comms;
		a->present |= ATTR_P_COMMUNITIES;
	}
	if (adds->nlarge > 0) {
		a->nlarge_communities = merge_values(buf->large,
		    a->large_communities, a->nlarge_communities, adds->large,
		    adds->nlarge, 12, ATTR_MAX_LARGE);
		a->large_communities = buf->large;
		a->present |= ATTR_P_LARGE_COMMUNITIES;
	}
	if (adds->nprepend > 0) {
		const uint8_t *cur = a->aspath;
		size_t len = a->aspath_len;
		int k = 0;

		if (len + 6 + 4 * adds->nprepend > ASPATH_MAX)
			return false;
		/* Last first, so the first ends up in front. */
		for (size_t i = adds->nprepend; i-- > 0; k ^= 1) {
			len = aspath_prepend(cur, len, adds->prepend[i], 1,
			    buf->path[k]);
			cur = buf->path[k];
		}
		a->aspath = cur;
		a->aspath_len = len;
	}
	return true;
}

#define CACHE_MAX	4096
/* A member takes more while less than this waits for its socket. */
#define OUT_READY	(SESSION_OUT_HIGH / 4)
/* Octets a run copies into the members' output, about. */
#define RUN_OUT		(2u << 20)

struct xcache {
	const struct attrset *in;
	bool	local;
	uint32_t reflect;	/* reflected: the ORIGINATOR_ID; else 0 */
	const struct speaker_adds *adds;	/* the policy's additions */
	struct attrset *out;
};

static bool
xcache_eq(const void *e, const void *k)
{
	const struct xcache *a = e, *b = k;

	return a->in == b->in && a->local == b->local &&
	    a->reflect == b->reflect && a->adds == b->adds;
}

static uint64_t
xcache_hash(const struct attrset *in, bool local, uint32_t reflect,
    const struct speaker_adds *adds)
{
	return hash_mix(hash_mix(hash_mix(in->hash, local), reflect),
	    (uint64_t)(uintptr_t)adds);
}

static void
xcache_clear(struct speaker_group *g)
{
	size_t it = 0;
	struct xcache *x;

	while ((x = hash_next(&g->cache, &it)) != NULL) {
		attrset_unref((struct attrset *)x->in);
		attrset_unref(x->out);
		free(x);
	}
	hash_free(&g->cache);
	hash_init(&g->cache);
}

/* The attributes the group gets for a path with attributes `in`;
 * reflect is the ORIGINATOR_ID for a reflected route (RFC 4456 8), else
 * 0. */
static struct attrset *
transform(const struct speaker_group *g, const struct attrset *in,
    bool local, uint32_t reflect, const struct speaker_adds *adds)
{
	static struct speaker_adds_buf buf;
	const struct speaker_gkey *k = &g->key;
	uint8_t path[ASPATH_MAX + 16];
	uint8_t clist[4 * (ATTR_MAX_CLUSTER + 1)];
	struct bgp_attrs a;
	struct ip_addr nh = in->nexthop, ll = in->nexthop_ll;
	bool self;

	attrset_view(in, &a);
	self = local || k->next_hop == SPEAKER_NH_SELF ||
	    (k->ebgp && k->next_hop != SPEAKER_NH_KEEP);
	a.present |= ATTR_P_ORIGIN | ATTR_P_AS_PATH;
	/* The policy's additions first: on eBGP our AS then goes in front
	 * of its prepends, as after a BIRD export filter. */
	if (!speaker_apply_adds(&a, adds, &buf))
		return NULL;
	if (k->ebgp) {
		/* RFC 4271 5.1.2, 5.1.4, 5.1.5; RFC 4456 8. */
		if (a.aspath_len + 6 > ASPATH_MAX)
			return NULL;
		a.aspath_len = aspath_prepend(a.aspath, a.aspath_len,
		    k->local_as, 1, path);
		a.aspath = path;
		a.present &= ~(ATTR_P_LOCAL_PREF | ATTR_P_MED |
		    ATTR_P_ORIGINATOR_ID | ATTR_P_CLUSTER_LIST);
	} else if (!(a.present & ATTR_P_LOCAL_PREF)) {
		a.present |= ATTR_P_LOCAL_PREF;
		a.local_pref = 100;
	}
	if (reflect != 0) {
		/* RFC 4456 8: ORIGINATOR_ID once, our cluster id first. */
		uint32_t cid = g->sp->cluster_id;

		if (a.ncluster >= ATTR_MAX_CLUSTER)
			return NULL;
		if (!(a.present & ATTR_P_ORIGINATOR_ID)) {
			a.present |= ATTR_P_ORIGINATOR_ID;
			a.originator_id = reflect;
		}
		clist[0] = (uint8_t)(cid >> 24);
		clist[1] = (uint8_t)(cid >> 16);
		clist[2] = (uint8_t)(cid >> 8);
		clist[3] = (uint8_t)cid;
		if (a.ncluster > 0)
			memcpy(clist + 4, a.cluster_list, a.ncluster * 4);
		a.cluster_list = clist;
		a.ncluster++;
		a.present |= ATTR_P_CLUSTER_LIST;
	}
	if (self) {
		nh = k->local_addr;
		memset(&ll, 0, sizeof(ll));
	}
	if (nh.af != k->af)
		return NULL;	/* no usable next hop for this family */
	return attrset_intern(&a, &nh, &ll);
}

static struct attrset *
out_attrs(struct speaker_group *g, const struct attrset *in, bool local,
    uint32_t reflect, const struct speaker_adds *adds)
{
	struct xcache key = { in, local, reflect, adds, NULL }, *x;
	uint64_t hv = xcache_hash(in, local, reflect, adds);

	x = hash_find(&g->cache, hv, xcache_eq, &key);
	if (x == NULL) {
		if (hash_count(&g->cache) >= CACHE_MAX)
			xcache_clear(g);
		x = xcalloc(1, sizeof(*x));
		x->in = attrset_ref((struct attrset *)in);
		x->local = local;
		x->reflect = reflect;
		x->adds = adds;
		x->out = transform(g, in, local, reflect, adds);
		hash_insert(&g->cache, hv, x);
	}
	return x->out != NULL ? attrset_ref(x->out) : NULL;
}

/* Peers in the group or on their way in. */
static size_t
npeers(const struct speaker_group *g)
{
	return g->out.nmembers + g->npend;
}

/* What the group's peers should have for path `best` of entry e (the
 * best path, or with ADD-PATH any of them): an attrset reference, or
 * NULL. */
static struct attrset *
export_path(struct speaker_group *g, const struct rib_entry *e,
    const struct rib_path *best)
{
	const struct speaker_gkey *k = &g->key;
	struct speaker *sp = g->sp;
	const struct rib_peer *src;
	const struct speaker_adds *adds = NULL;
	uint32_t reflect = 0;

	if (best == NULL || e->af != k->af)
		return NULL;
	src = best->peer;
	/* Never back to where it came from: a group of that peer alone
	 * keeps nothing of it (adjout skips it for one of many). */
	if (src == &g->rep->rp && npeers(g) <= 1)
		return NULL;
	/* RFC 4271 9.2: iBGP routes are not sent to iBGP peers, unless we
	 * reflect them (RFC 4456 6): a client's to every peer, a
	 * non-client's to the clients. */
	if (!k->ebgp && !src->local && !src->ebgp) {
		const struct speaker_peer *from = src->owner;

		if (sp->cluster_id == 0 ||
		    (!from->conf.rr_client && !k->rr_client))
			return NULL;
		/* The source's BGP identifier is never 0 (RFC 4271 6.2). */
		reflect = (best->attrs->present & ATTR_P_ORIGINATOR_ID) ?
		    best->attrs->originator_id : src->router_id;
	}
	/* RFC 1997 well-known communities. */
	if (attrset_has_community(best->attrs, BGP_COMM_NO_ADVERTISE) ||
	    (k->ebgp && attrset_has_community(best->attrs,
	    BGP_COMM_NO_EXPORT)))
		return NULL;
	/* RFC 9494 4.5: long-lived stale routes only to peers that
	 * advertised LLGR. */
	if (!k->llgr && best->attrs->ncommunities > 0 &&
	    attrset_has_community(best->attrs, BGP_COMM_LLGR_STALE))
		return NULL;
	/* The policy sees one peer of the group: its class says the
	 * others get the same answer. */
	if (sp->io.export != NULL &&
	    !sp->io.export(sp->io.arg, g->rep, e, best, &adds))
		return NULL;
	return out_attrs(g, best->attrs, src->local, reflect, adds);
}

/* Tell the group's Adj-RIB-Out what its peers should have of e: its
 * best path, or with ADD-PATH send every path the rules above let
 * through (each named by its source and the path id it came with, so
 * it keeps its own id). */
static void
export(struct speaker_group *g, const struct rib_entry *e,
    const struct ip_prefix *pfx)
{
	struct speaker *sp = g->sp;
	size_t n = 0;

	if (!g->out.addpath) {
		const struct rib_path *best = rib_best(e);
		struct attrset *a = export_path(g, e, best);

		adjout_set(&g->out, pfx, a != NULL ? best->peer->id : 0, a);
		return;
	}
	for (const struct rib_path *q = rib_best(e); q != NULL; q = q->next) {
		struct attrset *a = export_path(g, e, q);

		if (a == NULL)
			continue;
		sp->want = xgrow(sp->want, &sp->wantcap, n + 1,
		    sizeof(*sp->want));
		sp->want[n++] = (struct adjout_want){ q->peer->id,
		    q->path_id, a };
	}
	adjout_set_paths(&g->out, pfx, sp->want, n);
}

void
speaker_groups_export(struct speaker *sp, const struct rib_entry *e)
{
	struct ip_prefix pfx;

	if (sp->groups == NULL)
		return;
	rib_entry_prefix(e, &pfx);
	for (struct speaker_group *g = sp->groups; g != NULL; g = g->next)
		export(g, e, &pfx);
}

/* ---- groups ---- */

static void
key_of(const struct speaker_peer *p, struct speaker_gkey *k)
{
	const struct speaker_io *io = &p->sp->io;
	const struct session *s = p->session;

	memset(k, 0, sizeof(*k));
	k->af = p->conf.session.af;
	k->local_addr = p->conf.local_addr;
	k->local_as = p->conf.session.local_as;
	k->next_hop = p->conf.next_hop;
	k->ebgp = p->rp.ebgp;
	k->rr_client = p->conf.rr_client;
	k->llgr = s->neg.peer_caps.llgr;
	k->addpath = (s->neg.addpath & MSG_ADDPATH_TX) != 0;
	k->as4 = s->actx.as4;
	k->ipv4 = s->actx.ipv4;
	k->ipv6 = s->actx.ipv6;
	k->max_msg = session_max_msg(s);
	/* Without a class from the policy, no two peers share. */
	if (io->export != NULL)
		k->policy = io->export_class != NULL ?
		    io->export_class(io->arg, p) : (uint64_t)p->rp.id << 32;
}

static bool
key_eq(const struct speaker_gkey *a, const struct speaker_gkey *b)
{
	return a->af == b->af && addr_eq(&a->local_addr, &b->local_addr) &&
	    a->local_as == b->local_as && a->next_hop == b->next_hop &&
	    a->ebgp == b->ebgp && a->rr_client == b->rr_client &&
	    a->llgr == b->llgr && a->addpath == b->addpath &&
	    a->as4 == b->as4 && a->ipv4 == b->ipv4 && a->ipv6 == b->ipv6 &&
	    a->max_msg == b->max_msg && a->policy == b->policy;
}

static void
redump(struct speaker_group *g)
{
	g->dumping = true;
	memset(&g->dump, 0, sizeof(g->dump));
	speaker_wake(g->sp);
}

/* The group of key k, made (and to be dumped) if there is none. */
static struct speaker_group *
group_get(struct speaker *sp, struct speaker_peer *p,
    const struct speaker_gkey *k)
{
	struct speaker_group *g;
	struct adjout_enc enc;

	for (g = sp->groups; g != NULL; g = g->next)
		if (key_eq(&g->key, k))
			return g;
	g = xcalloc(1, sizeof(*g));
	g->sp = sp;
	g->key = *k;
	g->rep = p;
	memset(&enc, 0, sizeof(enc));
	enc.actx = p->session->actx;
	enc.max_msg = k->max_msg;
	enc.nh = k->local_addr;
	adjout_init(&g->out, k->addpath, &enc);
	hash_init(&g->cache);
	g->next = sp->groups;
	sp->groups = g;
	redump(g);
	return g;
}

/* A peer of the group other than p (the policy's `to`), or NULL. */
static struct speaker_peer *
another(const struct speaker_group *g, const struct speaker_peer *p)
{
	const struct adjout_member *m = adjout_any(&g->out, &p->m);

	if (m != NULL)
		return m->ctx;
	if (g->npend == 0)
		return NULL;
	for (struct speaker_peer *q = g->sp->peers; q != NULL; q = q->next)
		if (q != p && q->g_next == g)
			return q;
	return NULL;
}

/* p is no longer the group's (member or pending): a new rep, or the
 * group goes once nobody is left. */
static void
group_lost(struct speaker_group *g, struct speaker_peer *p)
{
	struct speaker_group **gp;

	if (g->rep == p)
		g->rep = another(g, p);
	if (npeers(g) > 0)
		return;
	for (gp = &g->sp->groups; *gp != g; gp = &(*gp)->next)
		;
	*gp = g->next;
	adjout_free(&g->out);
	xcache_clear(g);
	hash_free(&g->cache);
	free(g);
}

static void
enter(struct speaker_group *g, struct speaker_peer *p)
{
	/* A group of one kept nothing of what that one sent us. */
	if (npeers(g) == 1 && g->rep != p)
		redump(g);
	adjout_join(&g->out, &p->m, p->rp.id, p);
	p->g = g;
	if (g->rep == NULL)
		g->rep = p;
	if (g->key.addpath)
		p->sp->naddpath++;
	speaker_wake(p->sp);
}

static void
drop_owed(struct speaker_peer *p)
{
	free(p->owed);
	free(p->owed_ids);
	p->owed = NULL;
	p->owed_ids = NULL;
	p->nowed = p->owed_done = 0;
}

static void
cancel_move(struct speaker_peer *p)
{
	struct speaker_group *n = p->g_next;

	if (n == NULL)
		return;
	p->g_next = NULL;
	n->npend--;
	group_lost(n, p);
}

static void
leave(struct speaker_peer *p)
{
	struct speaker_group *g = p->g;

	if (g == NULL)
		return;
	adjout_leave(&p->m);
	if (g->key.addpath)
		p->sp->naddpath--;
	p->g = NULL;
	group_lost(g, p);
}

void
speaker_group_join(struct speaker_peer *p)
{
	struct speaker_gkey k;

	speaker_group_leave(p);
	key_of(p, &k);
	enter(group_get(p->sp, p, &k), p);
}

void
speaker_group_leave(struct speaker_peer *p)
{
	cancel_move(p);
	drop_owed(p);
	leave(p);
}

/* What p may hold from its group that `to` will not announce to it:
 * withdrawals to send before anything of `to`. */
static void
owe(struct speaker_peer *p, const struct speaker_group *to)
{
	const struct adjout *from = &p->g->out;
	const struct adjout_entry *e = NULL;
	size_t it = 0, cap = 0, cap2 = 0;

	drop_owed(p);
	while ((e = adjout_next(from, &it, e)) != NULL) {
		const struct adjout_entry *x;

		/* Its own path it never had. */
		if (e->src == p->rp.id && e->fresh)
			continue;
		x = adjout_find(&to->out, &e->prefix, e->path_id);
		if (x != NULL && x->want != NULL && x->src != p->rp.id)
			continue;
		p->owed = xgrow(p->owed, &cap, p->nowed + 1,
		    sizeof(*p->owed));
		p->owed_ids = xgrow(p->owed_ids, &cap2, p->nowed + 1,
		    sizeof(*p->owed_ids));
		p->owed[p->nowed] = e->prefix;
		p->owed_ids[p->nowed++] = e->path_id;
	}
	if (p->nowed > 0)
		speaker_todo(p);
}

/* p goes from its group to `to` (dumped). */
static void
move(struct speaker_peer *p, struct speaker_group *to)
{
	owe(p, to);
	leave(p);
	enter(to, p);
}

void
speaker_group_rekey(struct speaker_peer *p)
{
	struct speaker_gkey k;
	struct speaker_group *to;

	if (p->g == NULL)
		return;
	key_of(p, &k);
	if (p->g_next != NULL && key_eq(&p->g_next->key, &k))
		return;
	cancel_move(p);
	if (key_eq(&p->g->key, &k))
		return;
	to = group_get(p->sp, p, &k);
	if (!to->dumping) {
		move(p, to);
		return;
	}
	/* Until its table is there, the old group serves. */
	if (npeers(to) == 1 && to->rep != p)
		redump(to);
	p->g_next = to;
	to->npend++;
}

void
speaker_groups_refresh(struct speaker *sp)
{
	for (struct speaker_group *g = sp->groups; g != NULL; g = g->next) {
		xcache_clear(g);
		redump(g);
	}
	for (struct speaker_peer *p = sp->peers; p != NULL; p = p->next)
		speaker_group_rekey(p);
}

/* ---- sending ---- */

struct sink_arg {
	struct speaker *sp;
	uint64_t now;
};

/* Withdrawals owed from a group left: true once all are out. */
static bool
pay_owed(struct speaker_peer *p, uint64_t now)
{
	struct session *s = p->session;
	struct buf_wr *w = session_outbuf(s);
	unsigned msgs = 0;
	size_t k;

	while (p->owed_done < p->nowed &&
	    session_out_pending(s) < OUT_READY &&
	    (k = adjout_encode_withdraw(&p->g->out, w,
	    p->owed + p->owed_done, p->owed_ids + p->owed_done,
	    p->nowed - p->owed_done)) > 0) {
		p->owed_done += k;
		msgs++;
	}
	if (msgs > 0)
		session_queued(s, msgs, msgs, now);
	if (p->owed_done < p->nowed)
		return false;
	drop_owed(p);
	return true;
}

static struct buf_wr *
sink_out(void *arg, struct adjout_member *m)
{
	const struct sink_arg *a = arg;
	struct speaker_peer *p = m->ctx;
	struct session *s = p->session;

	if (!p->up || session_out_pending(s) >= OUT_READY)
		return NULL;
	if (p->nowed > 0 && !pay_owed(p, a->now))
		return NULL;
	return session_outbuf(s);
}

static void
sink_sent(void *arg, struct adjout_member *m, unsigned n)
{
	const struct sink_arg *a = arg;
	struct speaker_peer *p = m->ctx;

	if (n > 0)
		session_queued(p->session, n, n, a->now);
}

bool
speaker_peer_busy(const struct speaker_peer *p)
{
	return p->g != NULL && (p->nowed > 0 || p->eor_pending ||
	    adjout_pending(&p->m));
}

static void
dump_one(struct rib *r, struct rib_entry *e, void *arg)
{
	struct speaker_group *g = arg;
	struct ip_prefix pfx;

	if (rib_best(e) == NULL)
		return;
	rib_entry_prefix(e, &pfx);
	export(g, e, &pfx);
}

/* A dump a few buckets at a time; the table may change between steps
 * (what is new meanwhile reaches the group through the dirty queue). */
static bool
dump_group(struct speaker *sp, struct speaker_group *g)
{
	if (!rib_walk(&sp->rib, &g->dump, RUN_DUMP, dump_one, g))
		return true;
	g->dumping = false;
	if (g->npend > 0)
		sp->moves = true;
	return false;
}

/* The peers waiting for a group that is dumped now move in. */
static void
moves(struct speaker *sp)
{
	sp->moves = false;
	for (struct speaker_peer *p = sp->peers; p != NULL; p = p->next) {
		struct speaker_group *to = p->g_next;

		if (to == NULL || to->dumping)
			continue;
		p->g_next = NULL;
		move(p, to);
		to->npend--;
	}
}

/* Owed withdrawals and End-of-RIB: the peers with work of their own. */
static bool
todo_run(struct speaker *sp, uint64_t now)
{
	struct speaker_peer **pp = &sp->todo, *p;

	while ((p = *pp) != NULL) {
		struct session *s = p->session;

		if (p->g == NULL || !p->up || (p->nowed == 0 &&
		    !p->eor_pending)) {
			*pp = p->todo_next;
			p->todo = false;
			continue;
		}
		pp = &p->todo_next;
		if (session_out_pending(s) >= OUT_READY ||
		    (p->nowed > 0 && !pay_owed(p, now)))
			continue;
		/* End-of-RIB after the table (RFC 4724 2). */
		if (p->eor_pending && !p->g->dumping &&
		    !adjout_pending(&p->m)) {
			update_encode_eor(session_outbuf(s),
			    p->conf.session.af);
			p->eor_pending = false;
			p->eor_sent = true;
			session_queued(s, 1, 1, now);
		}
	}
	return false;
}

bool
speaker_groups_run(struct speaker *sp, uint64_t now)
{
	struct sink_arg a = { sp, now };
	const struct adjout_sink sink = { sink_out, sink_sent, &a };
	struct speaker_group *g;
	size_t budget = RUN_OUT;
	bool more = false;

	for (g = sp->groups; g != NULL; g = g->next)
		if (g->dumping)
			more |= dump_group(sp, g);
	if (sp->moves)
		moves(sp);
	for (g = sp->groups; g != NULL; g = g->next)
		more |= adjout_flush(&g->out, &sink, &budget);
	more |= todo_run(sp, now);
	return more;
}
