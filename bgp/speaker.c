/*
 * speaker: see speaker.h.
 *
 * Work is queued by the session hooks (UPDATEs change the RIB, sessions
 * coming up start a table dump, sessions going down start a flush) and
 * done in speaker_run(), which drains at most RUN_ENTRIES changed RIB
 * entries, RUN_DUMP entries of each dump and RUN_FLUSH paths of each
 * flush per call, then packs what each peer needs into its session's
 * output, staying under SESSION_OUT_HIGH octets per peer.
 */
#include "speaker.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "aspath.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "nlri.h"

#define RUN_ENTRIES	512
#define RUN_DUMP	2048
#define RUN_FLUSH	4096
#define FLUSH_BYTES	(256u << 10)
#define CACHE_MAX	4096
#define GR_STALE_MS	(360 * 1000)	/* after the restart: EoR within */

struct xcache {
	const struct attrset *in;
	bool	local;
	uint32_t reflect;	/* reflected: the ORIGINATOR_ID; else 0 */
	const struct speaker_adds *adds;	/* the policy's additions */
	struct attrset *out;
};

struct speaker_peer {
	struct speaker *sp;
	struct speaker_peer_conf conf;
	void	*io_ctx;
	struct session *session;
	struct rib_peer rp;
	struct adjout out;
	struct hash_table cache;	/* in attrset -> out attrset */
	bool	up;
	bool	dumping;
	struct rib_cursor dump;	/* the table walk of a dump */
	bool	eor_pending, eor_sent, eor_received;
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
	/* Our own restart (RFC 4724 4.1): the R and F bits we send, and
	 * whether selection is deferred. */
	bool	gr_restarting, gr_forwarding, defer;
	uint32_t peer_ids;		/* rib_peer.id given last */
	struct adjout_want *want;	/* export()'s (xgrow) */
	size_t	wantcap;
};

static void wake(struct speaker *sp)
{
	if (sp->io.wakeup != NULL)
		sp->io.wakeup(sp->io.arg);
}

/* ---- export ---- */

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

static void
xcache_clear(struct speaker_peer *p)
{
	size_t it = 0;
	struct xcache *x;

	while ((x = hash_next(&p->cache, &it)) != NULL) {
		attrset_unref((struct attrset *)x->in);
		attrset_unref(x->out);
		free(x);
	}
	hash_free(&p->cache);
	hash_init(&p->cache);
}

/* Room for a path with a policy's additions. */
struct adds_buf {
	uint8_t	comms[4 * ATTR_MAX_COMMUNITIES];
	uint8_t	large[12 * ATTR_MAX_LARGE];
	uint8_t	path[2][ASPATH_MAX + 16];
};

/* Put adds into a (its values then point into buf).  False when the
 * AS path would grow too long. */
static bool
apply_adds(struct bgp_attrs *a, const struct speaker_adds *adds,
    struct adds_buf *buf)
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

/* The attributes peer p gets for a path with attributes `in`; reflect
 * is the ORIGINATOR_ID for a reflected route (RFC 4456 8), else 0. */
static struct attrset *
transform(struct speaker_peer *p, const struct attrset *in, bool local,
    uint32_t reflect, const struct speaker_adds *adds)
{
	static struct adds_buf buf;
	uint8_t path[ASPATH_MAX + 16];
	uint8_t clist[4 * (ATTR_MAX_CLUSTER + 1)];
	struct bgp_attrs a;
	struct ip_addr nh = in->nexthop, ll = in->nexthop_ll;
	bool ebgp = p->rp.ebgp, self;

	attrset_view(in, &a);
	self = local || p->conf.next_hop == SPEAKER_NH_SELF ||
	    (ebgp && p->conf.next_hop != SPEAKER_NH_KEEP);
	a.present |= ATTR_P_ORIGIN | ATTR_P_AS_PATH;
	/* The policy's additions first: on eBGP our AS then goes in front
	 * of its prepends, as after a BIRD export filter. */
	if (!apply_adds(&a, adds, &buf))
		return NULL;
	if (ebgp) {
		/* RFC 4271 5.1.2, 5.1.4, 5.1.5; RFC 4456 8. */
		if (a.aspath_len + 6 > ASPATH_MAX)
			return NULL;
		a.aspath_len = aspath_prepend(a.aspath, a.aspath_len,
		    p->conf.session.local_as, 1, path);
		a.aspath = path;
		a.present &= ~(ATTR_P_LOCAL_PREF | ATTR_P_MED |
		    ATTR_P_ORIGINATOR_ID | ATTR_P_CLUSTER_LIST);
	} else if (!(a.present & ATTR_P_LOCAL_PREF)) {
		a.present |= ATTR_P_LOCAL_PREF;
		a.local_pref = 100;
	}
	if (reflect != 0) {
		/* RFC 4456 8: ORIGINATOR_ID once, our cluster id first. */
		uint32_t cid = p->sp->cluster_id;

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
		nh = p->conf.local_addr;
		memset(&ll, 0, sizeof(ll));
	}
	if (nh.af != p->conf.session.af)
		return NULL;	/* no usable next hop for this family */
	return attrset_intern(&a, &nh, &ll);
}

static struct attrset *
out_attrs(struct speaker_peer *p, const struct attrset *in, bool local,
    uint32_t reflect, const struct speaker_adds *adds)
{
	struct xcache key = { in, local, reflect, adds, NULL }, *x;
	uint64_t hv = xcache_hash(in, local, reflect, adds);

	x = hash_find(&p->cache, hv, xcache_eq, &key);
	if (x == NULL) {
		if (hash_count(&p->cache) >= CACHE_MAX)
			xcache_clear(p);
		x = xcalloc(1, sizeof(*x));
		x->in = attrset_ref((struct attrset *)in);
		x->local = local;
		x->reflect = reflect;
		x->adds = adds;
		x->out = transform(p, in, local, reflect, adds);
		hash_insert(&p->cache, hv, x);
	}
	return x->out != NULL ? attrset_ref(x->out) : NULL;
}

/* What peer p should have for path `best` of entry e (the best path,
 * or with ADD-PATH any of them): an attrset reference, or NULL. */
static struct attrset *
export_path(struct speaker_peer *p, const struct rib_entry *e,
    const struct rib_path *best)
{
	const struct rib_peer *src;
	const struct speaker_adds *adds = NULL;
	uint32_t reflect = 0;

	if (best == NULL || e->af != p->conf.session.af)
		return NULL;
	src = best->peer;
	if (src == &p->rp)
		return NULL;
	/* RFC 4271 9.2: iBGP routes are not sent to iBGP peers, unless we
	 * reflect them (RFC 4456 6): a client's to every peer, a
	 * non-client's to the clients. */
	if (!p->rp.ebgp && !src->local && !src->ebgp) {
		const struct speaker_peer *from = src->owner;

		if (p->sp->cluster_id == 0 ||
		    (!from->conf.rr_client && !p->conf.rr_client))
			return NULL;
		/* The source's BGP identifier is never 0 (RFC 4271 6.2). */
		reflect = (best->attrs->present & ATTR_P_ORIGINATOR_ID) ?
		    best->attrs->originator_id : src->router_id;
	}
	/* RFC 1997 well-known communities. */
	if (attrset_has_community(best->attrs, BGP_COMM_NO_ADVERTISE) ||
	    (p->rp.ebgp && attrset_has_community(best->attrs,
	    BGP_COMM_NO_EXPORT)))
		return NULL;
	/* RFC 9494 4.5: long-lived stale routes only to peers that
	 * advertised LLGR. */
	if (!p->session->neg.peer_caps.llgr && best->attrs->ncommunities > 0 &&
	    attrset_has_community(best->attrs, BGP_COMM_LLGR_STALE))
		return NULL;
	if (p->sp->io.export != NULL &&
	    !p->sp->io.export(p->sp->io.arg, p, e, best, &adds))
		return NULL;
	return out_attrs(p, best->attrs, src->local, reflect, adds);
}

/* Tell p's Adj-RIB-Out what p should have of e: its best path, or with
 * ADD-PATH send every path the rules above let through (each named by
 * its source and the path id it came with, so it keeps its own id). */
static void
export(struct speaker_peer *p, const struct rib_entry *e,
    const struct ip_prefix *pfx)
{
	struct speaker *sp = p->sp;
	size_t n = 0;

	if (!p->out.addpath) {
		adjout_set(&p->out, pfx, export_path(p, e, rib_best(e)));
		return;
	}
	for (const struct rib_path *q = rib_best(e); q != NULL; q = q->next) {
		struct attrset *a = export_path(p, e, q);

		if (a == NULL)
			continue;
		sp->want = xgrow(sp->want, &sp->wantcap, n + 1,
		    sizeof(*sp->want));
		sp->want[n++] = (struct adjout_want){ q->peer->id,
		    q->path_id, a };
	}
	adjout_set_paths(&p->out, pfx, sp->want, n);
}

/* ---- import ---- */

/* Does the peer's NLRI of family af carry path ids (RFC 7911)? */
static bool
rx_ids(const struct speaker_peer *p, int af)
{
	const struct attr_ctx *c = &p->session->actx;

	return af == AF_INET ? c->addpath_v4 : c->addpath_v6;
}

/* RFC 7911 3: a withdrawal names the path (its id) it removes. */
static void
withdraw_field(struct speaker_peer *p, const uint8_t *data, size_t len,
    int af)
{
	struct buf_rd r;
	struct ip_prefix pfx;
	uint32_t id;
	bool ids = rx_ids(p, af);

	buf_rd_init(&r, data, len);
	while (buf_left(&r) > 0 && nlri_get(&r, af, ids, &pfx, &id) == 0)
		rib_withdraw(&p->sp->rib, &p->rp, &pfx, id);
}

/* set with an import policy's additions, or NULL if they do not fit. */
static struct attrset *
modified(const struct attrset *set, const struct speaker_adds *adds)
{
	static struct adds_buf buf;
	struct bgp_attrs a;

	attrset_view(set, &a);
	if (!apply_adds(&a, adds, &buf))
		return NULL;
	return attrset_intern(&a, &set->nexthop, &set->nexthop_ll);
}

/* Holding more paths than the limit allows?  Then the last one goes
 * again and the session is closed after this UPDATE (RFC 4486). */
static bool
over_limit(struct speaker_peer *p, const struct ip_prefix *pfx, uint32_t id)
{
	if (p->conf.max_prefixes == 0 ||
	    p->rp.npaths <= p->conf.max_prefixes)
		return false;
	rib_withdraw(&p->sp->rib, &p->rp, pfx, id);
	p->limit_hit = true;
	return true;
}

/* Announce the field's prefixes with set; NULL set: withdraw them, and
 * count them in *dropped if given. */
static void
announce_field(struct speaker_peer *p, const uint8_t *data, size_t len,
    int af, struct attrset *set, const struct bgp_attrs *a,
    uint64_t *dropped)
{
	const struct speaker_io *io = &p->sp->io;
	struct buf_rd r;
	struct ip_prefix pfx;
	uint32_t id;
	bool ids = rx_ids(p, af);
	const struct speaker_adds *adds, *last = NULL;
	struct attrset *mod = NULL;

	buf_rd_init(&r, data, len);
	while (!p->limit_hit && buf_left(&r) > 0 &&
	    nlri_get(&r, af, ids, &pfx, &id) == 0) {
		adds = NULL;
		if (set == NULL) {
			if (dropped != NULL)
				(*dropped)++;
			rib_withdraw(&p->sp->rib, &p->rp, &pfx, id);
		} else if (io->import != NULL &&
		    !io->import(io->arg, p, &pfx, a, &adds)) {
			p->nfiltered++;
			rib_withdraw(&p->sp->rib, &p->rp, &pfx, id);
		} else if (adds == NULL) {
			rib_update(&p->sp->rib, &p->rp, &pfx, id,
			    attrset_ref(set));
			over_limit(p, &pfx, id);
		} else {
			/* The prefixes of one UPDATE mostly share their
			 * additions: make the set once. */
			if (adds != last) {
				attrset_unref(mod);
				mod = modified(set, adds);
				last = adds;
			}
			if (mod != NULL) {
				rib_update(&p->sp->rib, &p->rp, &pfx, id,
				    attrset_ref(mod));
				over_limit(p, &pfx, id);
			} else
				rib_withdraw(&p->sp->rib, &p->rp, &pfx, id);
		}
	}
	attrset_unref(mod);
}

/* RFC 4271 9.1.2 and RFC 4456 8: paths we must not use. */
static bool
ineligible(const struct speaker_peer *p, const struct bgp_attrs *a)
{
	if (aspath_count_as(a->aspath, a->aspath_len,
	    p->conf.session.local_as) > p->conf.allow_local_as)
		return true;
	if ((a->present & ATTR_P_ORIGINATOR_ID) &&
	    a->originator_id == p->sp->router_id)
		return true;
	/* RFC 4456 8: our cluster id in the CLUSTER_LIST is a loop. */
	if (p->sp->cluster_id != 0 && (a->present & ATTR_P_CLUSTER_LIST)) {
		for (size_t i = 0; i < a->ncluster; i++) {
			const uint8_t *c = a->cluster_list + 4 * i;
			uint32_t id = (uint32_t)c[0] << 24 | c[1] << 16 |
			    c[2] << 8 | c[3];

			if (id == p->sp->cluster_id)
				return true;
		}
	}
	return false;
}

static unsigned
mp_count(const struct speaker_peer *p, const struct attr_mp *m)
{
	int af = m->afi == BGP_AFI_IPV6 ? AF_INET6 : AF_INET;

	return m->usable ? nlri_count(m->nlri, m->nlri_len, af,
	    rx_ids(p, af)) : 0;
}

/* --log-level debug: one line per UPDATE. */
static void
log_update(const struct speaker_peer *p, const struct bgp_update *u,
    const struct bgp_err *err, bool looped)
{
	bool ids = rx_ids(p, AF_INET);

	log_debug("%s: UPDATE: %u announced, %u withdrawn%s%s",
	    p->conf.session.name, nlri_count(u->nlri, u->nlri_len, AF_INET,
	    ids) + mp_count(p, &u->attrs.mp_reach), nlri_count(u->withdrawn,
	    u->withdrawn_len, AF_INET, ids) + mp_count(p, &u->attrs.mp_unreach),
	    looped ? ", looped" : "", err->action == BGP_ACT_WITHDRAW ?
	    ", treat-as-withdraw" : err->action == BGP_ACT_DISCARD ?
	    ", attribute discarded" : "");
}

/* RFC 4271 6.3: "semantically incorrect" NEXT_HOP, one of ours. */
static bool
own_next_hop(const struct speaker_peer *p, const struct ip_addr *nh)
{
	const struct speaker_io *io = &p->sp->io;

	if (addr_eq(nh, &p->conf.local_addr))
		return true;
	return io->is_local != NULL && io->is_local(io->arg, nh);
}

/* Per peer, a burst of ELOG_BURST lines, then one per ELOG_REFILL_MS;
 * the lines held back are counted and the count goes out with the next
 * line let through. */
#define ELOG_BURST	20
#define ELOG_REFILL_MS	3000

static bool
elog_allow(struct speaker_peer *p, uint64_t now, unsigned *suppressed)
{
	uint64_t refill;

	if (p->elog_last == 0) {
		p->elog_last = now;
		p->elog_tokens = ELOG_BURST;
	}
	refill = (now - p->elog_last) / ELOG_REFILL_MS;
	if (refill > 0) {
		p->elog_tokens = refill >= ELOG_BURST ? ELOG_BURST :
		    (unsigned)(p->elog_tokens + refill > ELOG_BURST ?
		    ELOG_BURST : p->elog_tokens + refill);
		p->elog_last += refill * ELOG_REFILL_MS;
	}
	if (p->elog_tokens == 0) {
		p->elog_suppressed++;
		return false;
	}
	p->elog_tokens--;
	*suppressed = p->elog_suppressed;
	p->elog_suppressed = 0;
	return true;
}

/*
 * RFC 7606 actions are counted in the session's stats; say each once
 * per UPDATE too, with the attribute and what was done, since a peer
 * that sends garbage is what an operator needs to hear about.
 */
static void
log_update_error(struct speaker_peer *p, const struct bgp_update *u,
    const struct bgp_err *err, uint64_t now)
{
	const struct bgp_attrs *a = &u->attrs;
	char more[48] = "", types[160] = "";
	unsigned supp;
	size_t n, o = 0;

	if (err->action == BGP_ACT_NONE || !elog_allow(p, now, &supp))
		return;
	if (supp > 0)
		snprintf(more, sizeof(more), " (%u more suppressed)", supp);
	if (err->action == BGP_ACT_DISCARD) {
		for (size_t i = 0; i < a->ndiscarded && o + 1 < sizeof(types);
		    i++)
			o += (size_t)snprintf(types + o, sizeof(types) - o,
			    "%s%s", i ? ", " : "",
			    bgp_attr_name(a->discarded[i]));
		log_warnx("%s: UPDATE error: %s: attribute discard of %s, "
		    "routes kept%s", p->session->conf.name, err->reason ?
		    err->reason : "malformed attribute", types, more);
		return;
	}
	n = (p->session->neg.ipv4 ? nlri_count(u->nlri, u->nlri_len,
	    AF_INET, rx_ids(p, AF_INET)) : 0) + mp_count(p, &a->mp_reach);
	log_warnx("%s: UPDATE error in %s: %s: treat-as-withdraw of %zu "
	    "prefix%s%s", p->session->conf.name, err->attr_type ?
	    bgp_attr_name(err->attr_type) : "the attribute list",
	    err->reason ? err->reason : "malformed", n, n == 1 ? "" : "es",
	    more);
}

static void
log_own_next_hop(struct speaker_peer *p, const struct ip_addr *nh,
    const uint8_t *nlri, size_t len, int af, uint64_t now)
{
	char a[ADDR_STRLEN], more[48] = "";
	unsigned supp;
	size_t n = nlri_count(nlri, len, af, rx_ids(p, af));

	if (!elog_allow(p, now, &supp))
		return;
	if (supp > 0)
		snprintf(more, sizeof(more), " (%u more suppressed)", supp);
	log_warnx("%s: NEXT_HOP %s is an address of this host: %zu "
	    "prefix%s ignored (RFC 4271 6.3)%s", p->session->conf.name,
	    addr_fmt(nh, a, sizeof(a)), n, n == 1 ? "" : "es", more);
}

/* The prefix limit: a warning at 90 %, Cease/1 past it. */
static void
check_limit(struct speaker_peer *p, uint64_t now)
{
	uint32_t max = p->conf.max_prefixes;

	if (max == 0)
		return;
	if (!p->limit_warned && p->rp.npaths >= (uint64_t)max * 9 / 10) {
		p->limit_warned = true;
		log_warnx("%s: %zu prefixes, 90%% of the limit of %u "
		    "(--max-prefixes)", p->session->conf.name, p->rp.npaths,
		    max);
	}
	if (!p->limit_hit)
		return;
	p->limit_hit = false;
	log_warnx("%s: more than %u prefixes (--max-prefixes): closing the "
	    "session (Cease, Maximum Number of Prefixes Reached)",
	    p->session->conf.name, max);
	session_limit_exceeded(p->session, max, now);
	log_notice("%s: idle for %us before trying again",
	    p->session->conf.name, p->session->limit_idle_ms / 1000);
}

static void
h_update(void *ctx, const struct bgp_update *u, const struct bgp_err *err,
    uint64_t now)
{
	struct speaker_peer *p = ctx;
	const struct bgp_attrs *a = &u->attrs;
	const struct session_neg *n = &p->session->neg;
	bool looped = err->action != BGP_ACT_WITHDRAW && ineligible(p, a);
	bool withdraw = err->action == BGP_ACT_WITHDRAW || looped;
	struct attrset *set;

	log_update_error(p, u, err, now);
	if (log_enabled(LOG_LVL_DEBUG))
		log_update(p, u, err, looped);

	if (n->ipv4)
		withdraw_field(p, u->withdrawn, u->withdrawn_len, AF_INET);
	if (a->mp_unreach.usable)
		withdraw_field(p, a->mp_unreach.nlri, a->mp_unreach.nlri_len,
		    a->mp_unreach.afi == BGP_AFI_IPV6 ? AF_INET6 : AF_INET);
	if (n->ipv4 && u->nlri_len > 0) {
		uint64_t *drop = looped ? &p->nlooped : NULL;
		bool own = !withdraw && own_next_hop(p, &a->nexthop);

		if (own) {
			log_own_next_hop(p, &a->nexthop, u->nlri, u->nlri_len,
			    AF_INET, now);
			drop = &p->nownnh;
		}
		set = withdraw || own ? NULL :
		    attrset_intern(a, &a->nexthop, NULL);
		announce_field(p, u->nlri, u->nlri_len, AF_INET, set, a, drop);
		attrset_unref(set);
	}
	if (a->mp_reach.usable) {
		const struct attr_mp *m = &a->mp_reach;
		int af = m->afi == BGP_AFI_IPV6 ? AF_INET6 : AF_INET;
		uint64_t *drop = looped ? &p->nlooped : NULL;
		bool own = !withdraw && own_next_hop(p, &m->nh);

		if (own) {
			log_own_next_hop(p, &m->nh, m->nlri, m->nlri_len, af,
			    now);
			drop = &p->nownnh;
		}
		set = withdraw || own ? NULL :
		    attrset_intern(a, &m->nh, &m->nh_ll);
		announce_field(p, m->nlri, m->nlri_len, af, set, a, drop);
		attrset_unref(set);
	}
	check_limit(p, now);
	wake(p->sp);
}

static void
h_eor(void *ctx, int af)
{
	struct speaker_peer *p = ctx;

	p->eor_received = true;
	if (p->gr_stale) {
		p->gr_deadline = 0;	/* its table is in: drop the rest */
		p->gr_flush = true;
		wake(p->sp);
	}
}

static void
h_refresh(void *ctx, int af)
{
	struct speaker_peer *p = ctx;

	adjout_resend(&p->out);
	wake(p->sp);
}

/* ---- session events ---- */

static void
h_connect(void *ctx)
{
	struct speaker_peer *p = ctx;

	p->sp->io.connect(p->io_ctx);
}

static void
h_disconnect(void *ctx)
{
	struct speaker_peer *p = ctx;

	p->sp->io.disconnect(p->io_ctx);
}

static void
h_output(void *ctx)
{
	struct speaker_peer *p = ctx;

	p->sp->io.output(p->io_ctx);
}

static void
h_up(void *ctx, uint64_t now)
{
	struct speaker_peer *p = ctx;
	const struct session_neg *n = &p->session->neg;
	uint16_t afi = p->conf.session.af == AF_INET6 ? BGP_AFI_IPV6 :
	    BGP_AFI_IPV4;

	log_info("%s: Established (AS %u, router id %u.%u.%u.%u, hold %us%s%s)",
	    p->session->conf.name, n->peer_as, n->peer_id >> 24,
	    (n->peer_id >> 16) & 0xff, (n->peer_id >> 8) & 0xff,
	    n->peer_id & 0xff, n->hold, n->ipv4 ? ", IPv4" : "",
	    n->ipv6 ? ", IPv6" : "");
	p->up = true;
	if (p->gr_stale) {
		const struct msg_af *af = p->llgr ? (n->peer_caps.llgr ?
		    msg_caps_find(n->peer_caps.llgr_afs,
		    n->peer_caps.nllgr_afs, afi, BGP_SAFI_UNICAST) : NULL) :
		    n->peer_caps.gr ? msg_caps_find(n->peer_caps.gr_afs,
		    n->peer_caps.ngr_afs, afi, BGP_SAFI_UNICAST) : NULL;

		/* Forwarding not kept across its restart (the F bit of
		 * GR, or of LLGR once long-lived): drop the stale paths
		 * now; else wait for End-of-RIB, bounded (long-lived: by
		 * the long-lived stale time still running). */
		p->gr_flush = true;
		if (af == NULL || !(af->flags & MSG_AF_F))
			p->gr_deadline = 0;
		else if (!p->llgr)
			p->gr_deadline = now + GR_STALE_MS;
	}
	/* RFC 4724 3: a peer that lists no family for us only helps
	 * others restart; routes are kept only for the families it lists.
	 * RFC 9494: the same for LLGR, which both sides must advertise. */
	p->gr_time = n->peer_caps.gr && msg_caps_find(n->peer_caps.gr_afs,
	    n->peer_caps.ngr_afs, afi, BGP_SAFI_UNICAST) != NULL ?
	    n->peer_caps.gr_time : 0;
	{
		const struct msg_af *la = n->peer_caps.llgr &&
		    p->session->sent_caps.llgr ?
		    msg_caps_find(n->peer_caps.llgr_afs,
		    n->peer_caps.nllgr_afs, afi, BGP_SAFI_UNICAST) : NULL;

		p->llst = la != NULL ? la->stale : 0;
	}
	p->rp.router_id = n->peer_id;
	p->rp.remote_as = n->peer_as;
	p->up_since = p->last_change = now;
	p->eor_received = p->eor_sent = false;
	p->limit_warned = false;
	/* Send the whole table, then End-of-RIB (RFC 4724 2). */
	p->dumping = true;
	memset(&p->dump, 0, sizeof(p->dump));
	p->eor_pending = true;
	xcache_clear(p);
	/* RFC 7911: path ids to this peer, every path, from now on.  (A
	 * connection that took over from an established one never said
	 * down: the peer has nothing of ours.) */
	adjout_reset(&p->out);
	adjout_set_addpath(&p->out, (n->addpath & MSG_ADDPATH_TX) != 0);
	if (p->out.addpath)
		p->sp->rib.all_changes = true;
	wake(p->sp);
}

static void
h_down(void *ctx, bool was_up, const char *why, uint64_t now)
{
	struct speaker_peer *p = ctx;

	p->last_change = now;
	if (!was_up && !p->up) {
		/* Repeated connect failures: log only when the reason
		 * changes, so a dead peer does not flood the log. */
		if (strcmp(p->last_why, why) != 0)
			log_info("%s: %s", p->session->conf.name, why);
		snprintf(p->last_why, sizeof(p->last_why), "%s", why);
		return;
	}
	log_notice("%s: session down: %s", p->session->conf.name, why);
	p->last_why[0] = '\0';
	p->up = false;
	/* RFC 4724 4.2: the connection just went (no NOTIFICATION) and the
	 * peer can restart gracefully: keep its routes, and forwarding,
	 * for its restart time. */
	if (was_up && !p->removed && !p->session->notified &&
	    (p->gr_time > 0 || p->llst > 0)) {
		if (!p->gr_stale)
			rib_peer_mark_stale(&p->sp->rib, &p->rp);
		p->gr_flush = false;
		if (p->gr_stale && p->llgr) {
			/* Down again while long-lived: the long-lived
			 * stale time runs on. */
			log_notice("%s: keeping its routes (%zu), long-lived "
			    "stale, %llus more", p->session->conf.name,
			    p->rp.npaths, (unsigned long long)(p->gr_deadline >
			    now ? (p->gr_deadline - now) / 1000 : 0));
		} else if (p->gr_time > 0) {
			p->gr_stale = true;
			p->llgr = false;
			p->gr_deadline = now + (uint64_t)p->gr_time * 1000;
			log_notice("%s: keeping its routes (%zu) for up to %us "
			    "(graceful restart%s)", p->session->conf.name,
			    p->rp.npaths, p->gr_time, p->llst > 0 ?
			    ", then long-lived" : "");
		} else {
			/* RFC 9494 4.2: no restart time: long-lived at
			 * once. */
			p->gr_stale = true;
			p->llgr = false;
			p->gr_deadline = now;
		}
	}
	p->dumping = false;
	p->eor_pending = false;
	p->up_since = 0;
	adjout_reset(&p->out);
	xcache_clear(p);
	wake(p->sp);
}

static const struct session_hooks hooks = {
	h_connect, h_disconnect, h_output, h_up, h_down, h_update, h_eor,
	h_refresh,
};

/* ---- peers ---- */

struct speaker *
speaker_new(uint32_t router_id, const struct speaker_io *io)
{
	struct speaker *sp = xcalloc(1, sizeof(*sp));
	struct bgp_attrs a;

	sp->router_id = router_id;
	sp->io = *io;
	sp->gr_forwarding = true;
	rib_init(&sp->rib);
	rib_peer_init(&sp->local);
	sp->local.local = true;
	memset(&a, 0, sizeof(a));
	a.present = ATTR_P_ORIGIN | ATTR_P_AS_PATH;
	a.origin = BGP_ORIGIN_IGP;
	sp->local_attrs = attrset_intern(&a, NULL, NULL);
	return sp;
}

static void
peer_free(struct speaker_peer *p)
{
	adjout_free(&p->out);
	xcache_clear(p);
	hash_free(&p->cache);
	session_free(p->session);
	free(p);
}

void
speaker_free(struct speaker *sp)
{
	struct speaker_peer *p, *next;

	if (sp == NULL)
		return;
	for (p = sp->peers; p != NULL; p = next) {
		next = p->next;
		peer_free(p);
	}
	rib_free(&sp->rib);
	attrset_unref(sp->local_attrs);
	free(sp->want);
	free(sp);
}

void
speaker_set_cluster_id(struct speaker *sp, uint32_t cluster_id)
{
	sp->cluster_id = cluster_id;
}

struct speaker_peer *
speaker_peer_add(struct speaker *sp, const struct speaker_peer_conf *c,
    void *io_ctx, uint64_t now)
{
	struct speaker_peer *p = xcalloc(1, sizeof(*p));

	p->sp = sp;
	p->conf = *c;
	p->conf.session.gr_restarting = sp->gr_restarting;
	p->conf.session.gr_forwarding = sp->gr_forwarding;
	p->io_ctx = io_ctx;
	rib_peer_init(&p->rp);
	p->rp.addr = c->session.peer;
	p->rp.remote_as = c->session.remote_as;
	p->rp.ebgp = c->session.remote_as != c->session.local_as;
	p->rp.owner = p;
	p->rp.id = ++sp->peer_ids;	/* the local paths' is 0 */
	adjout_init(&p->out);
	hash_init(&p->cache);
	p->session = session_new(&p->conf.session, &hooks, p, now);
	p->last_change = now;
	p->next = sp->peers;
	sp->peers = p;
	if (!c->idle)
		session_start(p->session, now);
	return p;
}

void
speaker_peer_remove(struct speaker *sp, struct speaker_peer *p,
    uint8_t subcode, const char *text, uint64_t now)
{
	session_stop(p->session, subcode, text, now);
	p->up = false;
	p->dumping = false;
	adjout_reset(&p->out);
	p->removed = true;
	wake(sp);
}

void
speaker_peer_writable(struct speaker *sp, struct speaker_peer *p)
{
	if (p->up && session_out_pending(p->session) < SESSION_OUT_HIGH / 2 &&
	    (p->out.npending > 0 || p->eor_pending || p->dumping))
		wake(sp);
}

void
speaker_peer_set_local(struct speaker_peer *p, const struct ip_addr *a)
{
	p->conf.local_addr = *a;
	xcache_clear(p);
}

struct session *
speaker_peer_session(struct speaker_peer *p)
{
	return p->session;
}

const struct speaker_peer_conf *
speaker_peer_conf(const struct speaker_peer *p)
{
	return &p->conf;
}

void
speaker_peer_stats(const struct speaker_peer *p, struct speaker_peer_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->received = p->rp.npaths;
	st->looped = p->nlooped;
	st->own_next_hop = p->nownnh;
	st->filtered = p->nfiltered;
	st->advertised = p->out.nsent;
	st->up_since = p->up ? p->up_since : 0;
	st->last_change = p->last_change;
	st->flaps = p->session->fsm.flaps;
	st->eor_received = p->eor_received;
	st->eor_sent = p->eor_sent;
	st->gr_time = p->gr_time;
	st->gr_helping = p->gr_stale;
	st->stale = p->rp.nstale;
	st->gr_deadline = p->gr_stale ? p->gr_deadline : 0;
	st->llgr_time = p->llst;
	st->llgr_stale = p->gr_stale && p->llgr;
	st->max_prefixes = p->conf.max_prefixes;
	st->limit_hits = p->session->limit_hits;
	st->limit_idle_ms = p->session->limit_idle_ms;
}

const struct adjout *
speaker_peer_adjout(const struct speaker_peer *p)
{
	return &p->out;
}

void
speaker_peer_resend(struct speaker *sp, struct speaker_peer *p)
{
	adjout_resend(&p->out);
	wake(sp);
}

static void
redump(struct speaker *sp, struct speaker_peer *p)
{
	xcache_clear(p);
	if (p->up) {
		/* Re-evaluate every prefix for this peer. */
		p->dumping = true;
		memset(&p->dump, 0, sizeof(p->dump));
		wake(sp);
	}
}

void
speaker_peer_reconfigure(struct speaker *sp, struct speaker_peer *p,
    enum speaker_nh next_hop, uint32_t allow_local_as)
{
	p->conf.next_hop = next_hop;
	p->conf.allow_local_as = allow_local_as;
	redump(sp, p);
}

void
speaker_refresh_exports(struct speaker *sp)
{
	for (struct speaker_peer *p = sp->peers; p != NULL; p = p->next)
		redump(sp, p);
}

bool
speaker_peer_ebgp(const struct speaker_peer *p)
{
	return p->rp.ebgp;
}

void *
speaker_peer_io_ctx(const struct speaker_peer *p)
{
	return p->io_ctx;
}

struct speaker_peer *
speaker_peer_next(const struct speaker *sp, const struct speaker_peer *p)
{
	struct speaker_peer *q = p == NULL ? sp->peers : p->next;

	while (q != NULL && q->removed)
		q = q->next;
	return q;
}

const struct speaker_peer *
speaker_path_peer(const struct rib_path *p)
{
	return p->peer->owner;
}

const struct rib *
speaker_rib(const struct speaker *sp)
{
	return &sp->rib;
}

struct rib *
speaker_rib_ext(struct speaker *sp)
{
	return &sp->rib;
}

void
speaker_originate(struct speaker *sp, const struct ip_prefix *p)
{
	rib_update(&sp->rib, &sp->local, p, 0, attrset_ref(sp->local_attrs));
	wake(sp);
}

void
speaker_originate_lp(struct speaker *sp, const struct ip_prefix *p,
    uint32_t local_pref)
{
	struct bgp_attrs a;

	attrset_view(sp->local_attrs, &a);
	a.present |= ATTR_P_LOCAL_PREF;
	a.local_pref = local_pref;
	/* Interned: the paths of one priority share one set. */
	rib_update(&sp->rib, &sp->local, p, 0, attrset_intern(&a, NULL,
	    NULL));
	wake(sp);
}

void
speaker_withdraw(struct speaker *sp, const struct ip_prefix *p)
{
	rib_withdraw(&sp->rib, &sp->local, p, 0);
	wake(sp);
}

void
speaker_set_restart(struct speaker *sp, bool restarting, bool forwarding)
{
	sp->gr_restarting = restarting;
	sp->gr_forwarding = forwarding;
	for (struct speaker_peer *p = sp->peers; p != NULL; p = p->next) {
		p->conf.session.gr_restarting = restarting;
		p->conf.session.gr_forwarding = forwarding;
		p->session->conf.gr_restarting = restarting;
		p->session->conf.gr_forwarding = forwarding;
	}
}

void
speaker_defer(struct speaker *sp, bool on)
{
	if (sp->defer == on)
		return;
	sp->defer = on;
	wake(sp);
}

bool
speaker_deferring(const struct speaker *sp)
{
	return sp->defer;
}

/* ---- the work loop ---- */

static bool
flush_down_peers(struct speaker *sp)
{
	struct speaker_peer **pp = &sp->peers, *p;
	bool more = false;

	while ((p = *pp) != NULL) {
		if (p->removed && p->gr_stale)
			p->gr_stale = false;	/* deconfigured: all go */
		if (!p->up && p->rp.npaths > 0 && !p->gr_stale)
			more |= rib_peer_flush(&sp->rib, &p->rp, RUN_FLUSH) > 0;
		if (p->removed && p->rp.npaths == 0) {
			*pp = p->next;
			peer_free(p);
			continue;
		}
		pp = &p->next;
	}
	return more;
}

static bool
drain_dirty(struct speaker *sp)
{
	struct rib_entry *e;
	int n = 0;

	while (n++ < RUN_ENTRIES && (e = rib_dirty_pop(&sp->rib)) != NULL) {
		struct ip_prefix pfx;

		rib_entry_prefix(e, &pfx);
		for (struct speaker_peer *p = sp->peers; p != NULL;
		    p = p->next) {
			if (p->up)
				export(p, e, &pfx);
		}
		if (sp->io.changed != NULL)
			sp->io.changed(sp->io.arg, e);
		rib_entry_done(&sp->rib, e);
	}
	return sp->rib.ndirty > 0;
}

static void
dump_one(struct rib *r, struct rib_entry *e, void *arg)
{
	struct speaker_peer *p = arg;
	struct ip_prefix pfx;

	if (rib_best(e) == NULL)
		return;
	rib_entry_prefix(e, &pfx);
	export(p, e, &pfx);
}

/* A dump a few buckets at a time; the table may change between steps
 * (what is new meanwhile reaches the peer through the dirty queue). */
static bool
dump_peer(struct speaker *sp, struct speaker_peer *p)
{
	if (rib_walk(&sp->rib, &p->dump, RUN_DUMP, dump_one, p)) {
		p->dumping = false;
		return false;
	}
	return true;
}

static bool
send_peer(struct speaker_peer *p, uint64_t now)
{
	struct session *s = p->session;
	struct buf_wr *w = session_outbuf(s);
	struct adjout_enc enc;
	bool more = false;
	unsigned msgs;

	/* Blocked on output: speaker_peer_writable() wakes us later. */
	if (!p->up || session_out_pending(s) >= SESSION_OUT_HIGH)
		return false;
	memset(&enc, 0, sizeof(enc));
	enc.actx = &s->actx;
	enc.max_msg = session_max_msg(s);
	enc.limit = w->len + FLUSH_BYTES;
	enc.nh = p->conf.local_addr;
	msgs = adjout_flush(&p->out, w, &enc, &more);
	if (!more && !p->dumping && p->eor_pending) {
		update_encode_eor(w, p->conf.session.af);
		p->eor_pending = false;
		p->eor_sent = true;
		msgs++;
	}
	if (msgs > 0)
		session_queued(s, msgs, msgs, now);
	return more || p->dumping || p->eor_pending;
}

/* RFC 9494 4.2: a stale path gets LLGR_STALE, or goes if it carries
 * NO_LLGR. */
static struct attrset *
llgr_tag(const struct attrset *a, void *arg)
{
	static const uint8_t tag[4] = { 0xff, 0xff, 0x00, 0x06 };
	static struct adds_buf buf;
	struct bgp_attrs v;

	if (a->ncommunities > 0) {
		if (attrset_has_community(a, BGP_COMM_NO_LLGR))
			return NULL;
		if (attrset_has_community(a, BGP_COMM_LLGR_STALE))
			return attrset_ref((struct attrset *)a);
	}
	attrset_view(a, &v);
	v.ncommunities = merge_values(buf.comms, v.communities,
	    v.ncommunities, tag, 1, 4, ATTR_MAX_COMMUNITIES);
	v.communities = buf.comms;
	v.present |= ATTR_P_COMMUNITIES;
	return attrset_intern(&v, &a->nexthop, &a->nexthop_ll);
}

/* The restart time is over: the long-lived stale time starts. */
static void
start_llgr(struct speaker_peer *p, uint64_t now)
{
	p->llgr = true;
	p->llgr_tagging = true;
	p->gr_deadline = now + (uint64_t)p->llst * 1000;
	rib_peer_walk_reset(&p->rp);
	log_notice("%s: restart time over: keeping its routes (%zu) for up "
	    "to %us more, long-lived stale (LLGR_STALE, least preferred, "
	    "only to peers with LLGR)", p->session->conf.name, p->rp.nstale,
	    p->llst);
}

/* Stale paths past their time (or after End-of-RIB) go; past the
 * restart time, with LLGR, they first become long-lived stale. */
static bool
flush_stale(struct speaker *sp, uint64_t now)
{
	bool more = false;

	for (struct speaker_peer *p = sp->peers; p != NULL; p = p->next) {
		if (!p->gr_stale)
			continue;
		if (p->llgr_tagging) {
			if (!rib_peer_retag_stale(&sp->rib, &p->rp, RUN_FLUSH,
			    llgr_tag, NULL)) {
				more = true;
				continue;
			}
			p->llgr_tagging = false;
		}
		if (now < p->gr_deadline)
			continue;
		if (!p->gr_flush && !p->llgr && p->llst > 0 && !p->removed) {
			start_llgr(p, now);
			more = true;
			continue;
		}
		if (rib_peer_flush_stale(&sp->rib, &p->rp, RUN_FLUSH) > 0) {
			more = true;
			continue;
		}
		log_info("%s: %sgraceful restart over%s",
		    p->session->conf.name, p->llgr ? "long-lived " : "",
		    p->up ? "" : ": the peer did not come back in time");
		p->gr_stale = false;
		p->llgr = false;
	}
	return more;
}

uint64_t
speaker_next_timer(const struct speaker *sp)
{
	uint64_t t = UINT64_MAX;

	for (const struct speaker_peer *p = sp->peers; p != NULL;
	    p = p->next)
		if (p->gr_stale && p->gr_deadline < t)
			t = p->gr_deadline;
	return t;
}

bool
speaker_run(struct speaker *sp, uint64_t now)
{
	bool more = false;

	/* No walk is half-way between two calls (each resumes or starts
	 * over), so the table may shrink here. */
	rib_compact(&sp->rib);
	/* Any path's change matters while an ADD-PATH peer takes them
	 * all; else only the selection's. */
	sp->rib.all_changes = false;
	for (struct speaker_peer *p = sp->peers; p != NULL; p = p->next)
		sp->rib.all_changes |= p->up && p->out.addpath;
	more |= flush_stale(sp, now);
	more |= flush_down_peers(sp);
	more |= drain_dirty(sp);
	/* Selection deferred (our own restart): what peers are to get
	 * waits in their adj-RIB-out. */
	if (sp->defer)
		return more;
	for (struct speaker_peer *p = sp->peers; p != NULL; p = p->next) {
		if (p->up && p->dumping)
			more |= dump_peer(sp, p);
		more |= send_peer(p, now);
	}
	return more;
}
