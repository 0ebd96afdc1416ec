/* birdroute: see birdroute.h.  The listing follows BIRD 1.6's
 * rt_show_net and rt_show_cont (nest/rt-table.c): per net, its routes
 * best first; counters of routes and nets for `stats`; "0000" at the
 * end, "8001 Network not in table" for a single net with no route. */
#include "birdroute.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bgp/attrset.h"
#include "bgp/rib.h"
#include "bgp/session.h"
#include "bgp/speaker.h"
#include "config/plan.h"
#include "fib/fib.h"
#include "kernel.h"
#include "lib/monotime.h"
#include "lib/xalloc.h"
#include "peer_io.h"
#include "calico/peerpol.h"
#include "view.h"

#define STEP		64	/* buckets (about entries) per walk step */
#define PART_VISITS	4096	/* entries looked at per part, at most */
#define MEMO		64	/* next-hop views remembered per part */

/* Calico's BIRD: one unnamed protocol of each kind, so BIRD numbers
 * them; preferences are BIRD's defaults (DEF_PREF_*). */
#define P_STATIC	"static1"
#define P_KERNEL	"kernel1"
#define P_DIRECT	"direct1"
#define PREF_DIRECT	240
#define PREF_STATIC	200
#define PREF_BGP	100
#define PREF_KERNEL	10

enum phase { PH_RIB, PH_LOCALS, PH_DONE };

struct memo {
	struct ip_addr gw;
	bool	set, ok;
	struct fib_view v;
};

struct birdroute {
	const struct view *v;
	struct birdroute_query q;
	enum phase phase;
	bool	held;			/* rib_hold() taken */
	struct rib_cursor c;
	size_t	lit;			/* the locals' iterator */
	struct birdfmt *f;
	/* BIRD's counters: routes and nets seen, routes shown. */
	unsigned rt, nets, shown;
	/* The net being listed. */
	char	net[ADDR_PFX_STRLEN];
	bool	net_named, net_first;
	unsigned nitems;
	struct memo memo[MEMO];
	/* Time texts: bgpd's start, and the last session's. */
	struct when {
		uint64_t mono;
		char	text[16];
	} when[2];
};

/* One route of a net. */
struct item {
	const char *proto;
	struct birdfmt_rte r;
	char	info[64];
	const struct attrset *bgp;	/* all: BGP.* lines */
	const char *type;		/* all: the Type line's source */
	bool	kernel;			/* all: Kernel.* lines */
	unsigned ksource, kmetric;
};

bool
birdroute_is_proto(const struct view *v, int af, const char *name)
{
	if (strcmp(name, P_STATIC) == 0 || strcmp(name, P_KERNEL) == 0 ||
	    strcmp(name, P_DIRECT) == 0 || strcmp(name, "device1") == 0)
		return true;
	for (const struct conn *c = view_conns(v); c != NULL; c = c->next)
		if (c->peer.af == af && strcmp(c->name, name) == 0)
			return true;
	return false;
}

/* ---- pieces of a route ---- */

/* BIRD's route time format: HH:MM:SS within 20 hours, else the date;
 * remembered for the part (slot 0: bgpd's start, 1: a session's). */
static const char *
when(struct birdroute *br, uint64_t mono)
{
	struct when *w = &br->when[mono != br->v->start_mono];
	time_t t, now;
	struct tm tm;

	if (w->text[0] != '\0' && w->mono == mono)
		return w->text;
	t = monotime_wall(mono);
	now = time(NULL);
	localtime_r(&t, &tm);
	strftime(w->text, sizeof(w->text), now - t < 20 * 3600 ?
	    "%H:%M:%S" : "%Y-%m-%d", &tm);
	w->mono = mono;
	return w->text;
}

/* gw as BIRD's gateway recursive resolves it; NULL: it does not. */
static const struct fib_view *
nexthop(struct birdroute *br, const struct ip_addr *gw)
{
	const struct fib *fib = kernel_fib(view_kernel(br->v));
	struct memo *m;

	if (fib == NULL || gw->af == 0)
		return NULL;
	m = &br->memo[addr_hash(gw) % MEMO];
	if (!m->set || !addr_eq(&m->gw, gw)) {
		m->set = true;
		m->gw = *gw;
		m->ok = fib_view_nexthop(fib, gw, &m->v);
	}
	return m->ok ? &m->v : NULL;
}

/* The reachableBy route to a peer whose host prefix p is, or NULL. */
static const struct ip_addr *
reachable_by(const struct plan *pl, const struct ip_prefix *p)
{
	if (p->len != addr_bits(p->addr.af))
		return NULL;
	for (size_t i = 0; i < pl->nsessions; i++) {
		const struct plan_session *s = &pl->sessions[i];

		if (s->reachable_by.af != 0 &&
		    s->reachable_by.af == s->peer_ip.af &&
		    addr_eq(&s->peer_ip, &p->addr))
			return &s->reachable_by;
	}
	return NULL;
}

static bool
block_blackhole(const struct plan *pl, const struct ip_prefix *p)
{
	const struct plan_block *b = peerpol_own_block(pl, p, true);

	return b != NULL && b->blackhole;
}

static const struct rib_path *
local_path(const struct rib_entry *e)
{
	for (const struct rib_path *q = e ? rib_best(e) : NULL; q != NULL;
	    q = q->next)
		if (speaker_path_peer(q) == NULL)
			return q;
	return NULL;
}

/* Whether the RIB's entry makes a net of the listing (then the kernel's
 * route or address for the same prefix is listed with it). */
static bool
entry_listed(const struct birdroute *br, const struct rib_entry *e)
{
	struct ip_prefix p;

	if (rib_best(e) != NULL)
		return true;
	rib_entry_prefix(e, &p);
	return block_blackhole(br->v->plan, &p) ||
	    reachable_by(br->v->plan, &p) != NULL;
}

/* BIRD's address classes (lib/ip.c ip4_classify, ip6_classify): a
 * net whose address is not a host address of a scope wider than the
 * link (loopback, link-local, multicast, broadcast, 0/8) is ignored as
 * bogus by its table (rte_validate), so BIRD never lists it. */
static bool
v4_host(uint32_t a)
{
	uint32_t b = a >> 24;

	if (b != 0 && b <= 0xdf)
		return b != 0x7f;
	return a != 0xffffffff && b >= 0xf0;
}

static bool
bird_net(const struct ip_prefix *p)
{
	static const uint8_t zero[16];
	const uint8_t *x = p->addr.b;
	uint32_t w[4];

	if (memcmp(x, zero, addr_len(p->addr.af)) == 0)
		return true;		/* a default route */
	if (p->addr.af == AF_INET)
		return v4_host(addr_v4(&p->addr));
	for (int i = 0; i < 4; i++)
		w[i] = (uint32_t)x[4 * i] << 24 | (uint32_t)x[4 * i + 1] << 16 |
		    (uint32_t)x[4 * i + 2] << 8 | x[4 * i + 3];
	if ((w[0] & 0xffc00000) == 0xfe800000 || (w[0] >> 24) == 0xff)
		return false;		/* link-local, multicast */
	if (w[0] != 0 || w[1] != 0)
		return true;
	if (w[2] == 0 && w[3] == 1)
		return false;		/* loopback */
	return (w[2] == 0 || w[2] == 0xffff) && v4_host(w[3]);
}

/* ---- one net ---- */

/* BIRD's rt_show_net for one route of the net: counted, then filtered;
 * whether to print it (made only then), and whether it is the net's
 * primary (its first) route. */
static bool
take(struct birdroute *br, const char *proto, bool *primary)
{
	if (br->q.filtered)
		return false;		/* no route was kept filtered */
	if (br->q.primary && br->nitems > 0)
		return false;
	*primary = br->nitems++ == 0;
	br->rt++;
	if (br->net_first) {
		br->nets++;
		br->net_first = false;
	}
	if (br->q.proto[0] != '\0' && strcmp(br->q.proto, proto) != 0)
		return false;
	br->shown++;
	return br->q.stats != 2;
}

static void
print(struct birdroute *br, struct item *it)
{
	struct birdfmt *f = br->f;

	it->r.net = br->net_named ? NULL : br->net;
	it->r.proto = it->proto;
	it->r.info = it->info;
	birdfmt_rte(f, &it->r);
	br->net_named = true;
	if (!br->q.all)
		return;
	birdfmt_type(f, it->type);
	if (it->bgp != NULL)
		birdfmt_bgp_attrs(f, it->bgp);
	if (it->kernel)
		birdfmt_kernel_attrs(f, it->ksource, it->kmetric);
}

static void
item_init(struct item *it, const char *proto, const char *type,
    const char *t, bool primary, int pref)
{
	memset(it, 0, sizeof(*it));
	it->proto = proto;
	it->type = type;
	it->r.when = t;
	it->r.primary = primary ? '*' : 0;
	snprintf(it->info, sizeof(it->info), " (%d)", pref);
}

static void
emit_statics(struct birdroute *br, const struct ip_prefix *p,
    bool blackhole)
{
	const struct ip_addr *rb = reachable_by(br->v->plan, p);
	const struct fib_view *v;
	struct item it;
	bool pri;

	if (blackhole && take(br, P_STATIC, &pri)) {
		item_init(&it, P_STATIC, "static", when(br,
		    br->v->start_mono), pri, PREF_STATIC);
		it.r.dest = BIRDFMT_BLACKHOLE;
		print(br, &it);
	}
	/* A static route's gateway must be a neighbour (connected). */
	if (rb != NULL && (v = nexthop(br, rb)) != NULL && !v->recursive &&
	    take(br, P_STATIC, &pri)) {
		item_init(&it, P_STATIC, "static", when(br,
		    br->v->start_mono), pri, PREF_STATIC);
		it.r.dest = BIRDFMT_ROUTER;
		it.r.gw = v->gw;
		it.r.dev = v->dev;
		print(br, &it);
	}
}

static void
emit_locals(struct birdroute *br, const struct kernel_local *l)
{
	const struct fib *fib = kernel_fib(view_kernel(br->v));
	struct fib_view v;
	struct item it;
	bool pri;

	if (l->addr && take(br, P_DIRECT, &pri)) {
		item_init(&it, P_DIRECT, "device", when(br,
		    br->v->start_mono), pri, PREF_DIRECT);
		it.r.dest = BIRDFMT_DEVICE;
		it.r.dev = l->dev;
		print(br, &it);
	}
	if (!l->route || !take(br, P_KERNEL, &pri))
		return;
	item_init(&it, P_KERNEL, "inherit", when(br, br->v->start_mono), pri,
	    PREF_KERNEL);
	if (fib == NULL || !fib_view_route(fib, &l->pfx, &v)) {
		it.r.dest = BIRDFMT_DEVICE;
		it.r.dev = l->dev;
		print(br, &it);
		return;
	}
	it.kernel = true;
	it.ksource = v.protocol;
	it.kmetric = v.priority;
	switch (v.type) {
	case FIB_VIEW_BLACKHOLE:
		it.r.dest = BIRDFMT_BLACKHOLE;
		break;
	case FIB_VIEW_UNREACHABLE:
		it.r.dest = BIRDFMT_UNREACHABLE;
		break;
	case FIB_VIEW_PROHIBIT:
		it.r.dest = BIRDFMT_PROHIBIT;
		break;
	default:
		it.r.dest = v.gw.af != 0 ? BIRDFMT_ROUTER : BIRDFMT_DEVICE;
		it.r.gw = v.gw;
		it.r.dev = v.dev[0] != '\0' ? v.dev : l->dev;
		break;
	}
	print(br, &it);
}

static void
emit_bgp(struct birdroute *br, const struct ip_prefix *p,
    const struct rib_entry *e)
{
	for (const struct rib_path *q = rib_best(e); q != NULL; q = q->next) {
		const struct speaker_peer *sp = speaker_path_peer(q);
		const struct attrset *s = q->attrs;
		const struct session_conf *sc;
		const struct fib_view *v;
		const char *ks;
		struct item it;
		bool pri;
		int igp;

		if (sp == NULL)
			continue;	/* ours: listed as static/kernel */
		sc = &speaker_peer_conf(sp)->session;
		if (!take(br, sc->name, &pri))
			continue;
		item_init(&it, sc->name, "BGP", when(br, speaker_peer_session(
		    (struct speaker_peer *)sp)->fsm.state_since), pri, 0);
		it.bgp = s;
		it.r.from = sc->peer;
		v = s->nexthop.af == p->addr.af ? nexthop(br, &s->nexthop) :
		    NULL;
		if (v != NULL) {
			it.r.dest = BIRDFMT_ROUTER;
			it.r.gw = v->gw;
			it.r.dev = v->dev;
			igp = v->recursive ? BIRDFMT_IGP_UNKNOWN : 0;
		} else {
			it.r.dest = BIRDFMT_UNREACHABLE;
			igp = BIRDFMT_IGP_UNREACHABLE;
		}
		/* BIRD's sync error: the kernel refused the route. */
		if (pri && (ks = kernel_route_state(view_kernel(br->v),
		    p)) != NULL &&
		    strcmp(ks, "failed") == 0)
			it.r.primary = '!';
		birdfmt_bgp_info(it.info, sizeof(it.info), PREF_BGP,
		    (q->flags & RIB_PATH_STALE) != 0, igp, s);
		print(br, &it);
	}
}

/* Every route of net p: the RIB's entry e and the kernel's local prefix
 * l, either of them maybe NULL. */
static void
net(struct birdroute *br, const struct ip_prefix *p,
    const struct rib_entry *e, const struct kernel_local *l)
{
	const struct rib_path *best = e ? rib_best(e) : NULL, *own;
	bool local_first;

	if (!bird_net(p))
		return;
	own = local_path(e);
	addr_pfx_fmt(p, br->net, sizeof(br->net));
	br->net_named = false;
	br->net_first = true;
	br->nitems = 0;
	/* Our own origination without a kernel route behind it (service
	 * ranges, blocks) is one of the static protocol's blackholes. */
	emit_statics(br, p, block_blackhole(br->v->plan, p) ||
	    (own != NULL && l == NULL));
	local_first = l != NULL && (best == NULL || best == own);
	if (local_first)
		emit_locals(br, l);
	if (e != NULL)
		emit_bgp(br, p, e);
	if (l != NULL && !local_first)
		emit_locals(br, l);
}

/* ---- walking ---- */

static void
one_entry(const struct rib_entry *e, void *arg)
{
	struct birdroute *br = arg;
	struct kernel_local l;
	struct ip_prefix p;

	if (e->af != br->q.af || !entry_listed(br, e))
		return;
	rib_entry_prefix(e, &p);
	net(br, &p, e, kernel_local_get(view_kernel(br->v), &p, &l) ? &l :
	    NULL);
}

/* The net for p in the listing: the RIB's entry (if listed) with the
 * kernel's local prefix, or that alone; false: none. */
static bool
one_net(struct birdroute *br, const struct ip_prefix *p)
{
	const struct rib_entry *e = rib_lookup(speaker_rib(view_speaker(
	    br->v)), p);
	struct kernel_local l;
	bool have = kernel_local_get(view_kernel(br->v), p, &l);

	if (e != NULL && !entry_listed(br, e))
		e = NULL;
	if ((e == NULL && !have) || !bird_net(p))
		return false;
	net(br, p, e, have ? &l : NULL);
	return true;
}

static void
single(struct birdroute *br)
{
	struct ip_prefix p = br->q.pfx;

	if (!br->q.longest) {
		one_net(br, &p);
	} else {
		for (int len = p.len; len >= 0; len--) {
			p.len = (uint8_t)len;
			addr_pfx_mask(&p);
			if (one_net(br, &p))
				break;
		}
	}
	if (br->rt > 0)
		birdfmt_line(br->f, 0, false, "%s", "");
	else
		birdfmt_line(br->f, 8001, false, "Network not in table");
}

struct birdroute *
birdroute_new(const struct view *v, const struct birdroute_query *q)
{
	struct birdroute *br = xcalloc(1, sizeof(*br));

	br->v = v;
	br->q = *q;
	if (!q->one) {
		/* No shrinking under the walk: no net listed twice. */
		view_rib_hold(v);
		br->held = true;
	}
	return br;
}

void
birdroute_free(struct birdroute *br)
{
	if (br == NULL)
		return;
	if (br->held)
		view_rib_release(br->v);
	free(br);
}

bool
birdroute_next(struct birdroute *br, struct birdfmt *f, size_t room)
{
	const struct rib *rib = speaker_rib(view_speaker(br->v));
	size_t visits = 0;

	br->f = f;
	/* Resolutions may move between parts: look again. */
	memset(br->memo, 0, sizeof(br->memo));
	memset(br->when, 0, sizeof(br->when));
	if (br->q.one) {
		single(br);
		return true;
	}
	while (br->phase == PH_RIB && f->o->len < room &&
	    visits < PART_VISITS) {
		if (view_rib_walk(br->v, &br->c, STEP, one_entry, br))
			br->phase = PH_LOCALS;
		visits += STEP;
	}
	while (br->phase == PH_LOCALS && f->o->len < room &&
	    visits < PART_VISITS) {
		struct kernel_local l;
		const struct rib_entry *e;

		visits++;
		/* The locals' table may grow between parts (its slots
		 * move): a prefix may then be missed or listed twice. */
		if (!kernel_local_next(view_kernel(br->v), &br->lit, &l)) {
			br->phase = PH_DONE;
			break;
		}
		if (l.pfx.addr.af != br->q.af)
			continue;
		e = rib_lookup(rib, &l.pfx);
		if (e != NULL && entry_listed(br, e))
			continue;	/* listed with the RIB's entry */
		net(br, &l.pfx, NULL, &l);
	}
	if (br->phase != PH_DONE)
		return false;
	if (br->q.stats)
		birdfmt_line(f, 14, false, "%u of %u routes for %u networks",
		    br->shown, br->rt, br->nets);
	else
		birdfmt_line(f, 0, false, "%s", "");
	return true;
}
