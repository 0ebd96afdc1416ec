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
#include "speaker_impl.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "aspath.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "nlri.h"

#define GR_STALE_MS	(360 * 1000)	/* after the restart: EoR within */

static void
wake(struct speaker *sp)
{
	speaker_wake(sp);
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
	static struct speaker_adds_buf buf;
	struct bgp_attrs a;

	attrset_view(set, &a);
	if (!speaker_apply_adds(&a, adds, &buf))
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
	p->sp->peers_gen++;
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

	if (p->g != NULL)
		adjout_rewind(&p->m);
	wake(p->sp);
}

static void
set_stale(struct speaker_peer *p, bool on)
{
	if (p->gr_stale == on)
		return;
	p->gr_stale = on;
	if (on) {
		p->sp->nstale++;
	} else {
		p->sp->nstale--;
		p->sp->flush_check = true;
	}
}

/* ---- session events ---- */

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
	p->sp->peers_gen++;
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
	/* Send the whole table, then End-of-RIB (RFC 4724 2): its group
	 * (path ids from now on if ADD-PATH send was negotiated, RFC
	 * 7911).  A connection that took over from an established one
	 * never said down: the peer has nothing of ours. */
	p->eor_pending = true;
	speaker_todo(p);
	speaker_group_join(p);
	if (p->sp->naddpath > 0)
		p->sp->rib.all_changes = true;
	wake(p->sp);
}

static void
h_down(void *ctx, bool was_up, const char *why, uint64_t now)
{
	struct speaker_peer *p = ctx;

	p->last_change = now;
	p->sp->peers_gen++;
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
			set_stale(p, true);
			p->llgr = false;
			p->gr_deadline = now + (uint64_t)p->gr_time * 1000;
			log_notice("%s: keeping its routes (%zu) for up to %us "
			    "(graceful restart%s)", p->session->conf.name,
			    p->rp.npaths, p->gr_time, p->llst > 0 ?
			    ", then long-lived" : "");
		} else {
			/* RFC 9494 4.2: no restart time: long-lived at
			 * once. */
			set_stale(p, true);
			p->llgr = false;
			p->gr_deadline = now;
		}
	}
	p->eor_pending = false;
	p->up_since = 0;
	speaker_group_leave(p);
	p->sp->flush_check = true;
	wake(p->sp);
}

static const struct session_hooks hooks = {
	h_up, h_down, h_update, h_eor, h_refresh,
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
	/* Off the todo list: nothing may point at it after this. */
	for (struct speaker_peer **pp = &p->sp->todo; p->todo && *pp != NULL;
	    pp = &(*pp)->todo_next)
		if (*pp == p) {
			*pp = p->todo_next;
			p->todo = false;
			break;
		}
	speaker_group_leave(p);
	session_free(p->session);
	free(p);
}

void
speaker_free(struct speaker *sp)
{
	struct speaker_peer *p, *next;

	if (sp == NULL)
		return;
	for (p = sp->peers; p != NULL; p = p->next)
		speaker_group_leave(p);
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
	p->session = session_new(&p->conf.session, sp->io.transport, io_ctx,
	    &hooks, p, now);
	p->last_change = now;
	p->next = sp->peers;
	sp->peers = p;
	sp->peers_gen++;
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
	speaker_group_leave(p);
	p->removed = true;
	sp->peers_gen++;
	sp->peers_removed++;
	sp->flush_check = true;
	wake(sp);
}

void
speaker_peer_writable(struct speaker *sp, struct speaker_peer *p)
{
	if (p->up && session_out_pending(p->session) < SESSION_OUT_HIGH / 4 &&
	    speaker_peer_busy(p))
		wake(sp);
}

void
speaker_peer_set_local(struct speaker_peer *p, const struct ip_addr *a)
{
	p->conf.local_addr = *a;
	speaker_group_rekey(p);
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
	st->advertised = adjout_member_count(&p->m);
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

const struct adjout_entry *
speaker_peer_adj_next(const struct speaker_peer *p, size_t *it,
    const struct adjout_entry *prev, bool *pending)
{
	return adjout_member_next(&p->m, it, prev, pending);
}

bool
speaker_peer_addpath_tx(const struct speaker_peer *p)
{
	return p->g != NULL && p->g->out.addpath;
}

size_t
speaker_peer_group_size(const struct speaker_peer *p)
{
	return p->g != NULL ? p->g->out.nmembers : 0;
}

void
speaker_peer_resend(struct speaker *sp, struct speaker_peer *p)
{
	if (p->g != NULL)
		adjout_rewind(&p->m);
	wake(sp);
}

void
speaker_peer_reconfigure(struct speaker *sp, struct speaker_peer *p,
    enum speaker_nh next_hop, uint32_t allow_local_as)
{
	p->conf.next_hop = next_hop;
	p->conf.allow_local_as = allow_local_as;
	speaker_group_rekey(p);
	wake(sp);
}

void
speaker_refresh_exports(struct speaker *sp)
{
	speaker_groups_refresh(sp);
	wake(sp);
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

uint64_t
speaker_peers_gen(const struct speaker *sp)
{
	return sp->peers_gen;
}

uint64_t
speaker_peers_removed(const struct speaker *sp)
{
	return sp->peers_removed;
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

/* Peers that went down (not helping them restart) lose their paths;
 * removed peers go once they have none.  Only after such a change. */
static bool
flush_down_peers(struct speaker *sp)
{
	struct speaker_peer **pp = &sp->peers, *p;
	bool more = false, need = false;

	if (!sp->flush_check)
		return false;
	while ((p = *pp) != NULL) {
		if (p->removed && p->gr_stale)
			set_stale(p, false);	/* deconfigured: all go */
		if (!p->up && p->rp.npaths > 0 && !p->gr_stale)
			more |= rib_peer_flush(&sp->rib, &p->rp, RUN_FLUSH) > 0;
		if (p->removed && p->rp.npaths == 0) {
			*pp = p->next;
			peer_free(p);
			continue;
		}
		need |= p->removed || (!p->up && p->rp.npaths > 0 &&
		    !p->gr_stale);
		pp = &p->next;
	}
	sp->flush_check = need;
	return more;
}

static bool
drain_dirty(struct speaker *sp)
{
	struct rib_entry *e;
	int n = 0;

	while (n++ < RUN_ENTRIES && (e = rib_dirty_pop(&sp->rib)) != NULL) {
		speaker_groups_export(sp, e);
		if (sp->io.changed != NULL)
			sp->io.changed(sp->io.arg, e);
		rib_entry_done(&sp->rib, e);
	}
	return sp->rib.ndirty > 0;
}

/* RFC 9494 4.2: a stale path gets LLGR_STALE, or goes if it carries
 * NO_LLGR. */
static struct attrset *
llgr_tag(const struct attrset *a, void *arg)
{
	static const uint8_t tag[4] = { 0xff, 0xff, 0x00, 0x06 };
	static const struct speaker_adds add = { .communities = tag,
	    .ncommunities = 1 };
	static struct speaker_adds_buf buf;
	struct bgp_attrs v;

	if (a->ncommunities > 0) {
		if (attrset_has_community(a, BGP_COMM_NO_LLGR))
			return NULL;
		if (attrset_has_community(a, BGP_COMM_LLGR_STALE))
			return attrset_ref((struct attrset *)a);
	}
	attrset_view(a, &v);
	(void)speaker_apply_adds(&v, &add, &buf);	/* no prepend */
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

	if (sp->nstale == 0)
		return false;
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
		set_stale(p, false);
		p->llgr = false;
	}
	return more;
}

uint64_t
speaker_next_timer(const struct speaker *sp)
{
	uint64_t t = UINT64_MAX;

	if (sp->nstale == 0)
		return t;
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
	sp->rib.all_changes = sp->naddpath > 0;
	more |= flush_stale(sp, now);
	more |= flush_down_peers(sp);
	more |= drain_dirty(sp);
	/* Selection deferred (our own restart): what peers are to get
	 * waits in their groups' adj-RIB-out. */
	if (sp->defer)
		return more;
	return speaker_groups_run(sp, now) || more;
}
