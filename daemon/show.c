/* show: see show.h. */
#include "show.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/adjout.h"
#include "bgp/aspath.h"
#include "bgp/attrset.h"
#include "bfd_io.h"
#include "bgp/speaker.h"
#include "config/plan.h"
#include "kernel.h"
#include "lib/json.h"
#include "lib/monotime.h"
#include "lib/xalloc.h"
#include "peer_io.h"
#include "view.h"

const struct conn *
show_find_conn(const struct view *v, const char *name)
{
	struct ip_addr a;
	bool is_addr = addr_parse(name, &a) == 0;

	for (const struct conn *c = view_conns(v); c != NULL; c = c->next)
		if (strcmp(c->name, name) == 0)
			return c;
	for (const struct conn *c = view_conns(v); is_addr && c != NULL;
	    c = c->next)
		if (addr_eq(&c->peer, &a))
			return c;
	return NULL;
}

static const char *
af_name(uint16_t afi, uint8_t safi)
{
	if (safi != 1)
		return afi == 1 ? "ipv4-other" : "other";
	return afi == 1 ? "ipv4-unicast" : afi == 2 ? "ipv6-unicast" :
	    "other";
}

/* Peer-sent text: printable ASCII only. */
static void
put_safe(struct buf_wr *o, const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_printf(o, "%c", s[i] >= ' ' && s[i] < 0x7f &&
		    s[i] != ' ' ? s[i] : '?');
}

void
show_caps(const struct msg_caps *c, struct buf_wr *o)
{
	size_t start = o->len;
#define W(...)	do { if (o->len > start) buf_put_str(o, " ");	\
		    buf_printf(o, __VA_ARGS__); } while (0)

	for (size_t i = 0; i < c->nmp; i++)
		W("%s", af_name(c->mp[i].afi, c->mp[i].safi));
	if (c->route_refresh)
		W("route-refresh");
	if (c->enhanced_rr)
		W("enhanced-route-refresh");
	if (c->ext_msg)
		W("extended-message");
	if (c->ext_nexthop)
		W("extended-nexthop");
	if (c->as4)
		W("4-octet-as(%u)", c->as4_value);
	if (c->gr) {
		W("graceful-restart(%us%s%s", c->gr_time,
		    c->gr_flags & MSG_GR_R ? ",R" : "",
		    c->gr_flags & MSG_GR_N ? ",N" : "");
		for (size_t i = 0; i < c->ngr_afs; i++)
			buf_printf(o, ",%s%s", af_name(c->gr_afs[i].afi,
			    c->gr_afs[i].safi), c->gr_afs[i].flags &
			    MSG_AF_F ? ":F" : "");
		buf_put_str(o, ")");
	}
	if (c->llgr) {
		W("llgr(");
		for (size_t i = 0; i < c->nllgr_afs; i++)
			buf_printf(o, "%s%s:%us", i ? "," : "",
			    af_name(c->llgr_afs[i].afi, c->llgr_afs[i].safi),
			    c->llgr_afs[i].stale);
		buf_put_str(o, ")");
	}
	if (c->addpath) {
		static const char *const mode[] = { "", "receive", "send",
		    "send/receive" };

		W("add-path(");
		for (size_t i = 0; i < c->naddpath_afs; i++)
			buf_printf(o, "%s%s:%s", i ? "," : "",
			    af_name(c->addpath_afs[i].afi,
			    c->addpath_afs[i].safi),
			    mode[c->addpath_afs[i].flags & 3]);
		buf_put_str(o, ")");
	}
	if (c->fqdn) {
		W("fqdn(");
		put_safe(o, c->hostname, c->hostname_len);
		buf_put_str(o, ")");
	}
	for (size_t i = 0; i < c->nunknown; i++)
		W("unknown(%u)", c->unknown[i]);
#undef W
}

static const char *
admin_text(const struct session *s)
{
	return s->fsm.running ? "enabled" : "shut down";
}

static void
peer_text(const struct view *v, const struct conn *c, struct buf_wr *o)
{
	struct session *s = speaker_peer_session(c->peer_sp);
	const struct speaker_peer_conf *pc = speaker_peer_conf(c->peer_sp);
	const struct session_stats *x = &s->stats;
	struct speaker_peer_stats st;
	char a[ADDR_STRLEN], b[ADDR_STRLEN];
	uint64_t now = monotime_ms();
	struct ip_addr id;

	speaker_peer_stats(c->peer_sp, &st);
	buf_printf(o, "%s\n", c->name);
	buf_printf(o, "  peer           %s port %u, AS %u, %s, %s\n",
	    addr_fmt(&c->peer, a, sizeof(a)), c->port, s->conf.remote_as,
	    speaker_peer_ebgp(c->peer_sp) ? "eBGP" : "iBGP",
	    plan_stype_name(c->type));
	addr_from_v4(&id, s->conf.router_id);
	buf_printf(o, "  local          %s, AS %u, router id %s\n",
	    pc->local_addr.af ? addr_fmt(&pc->local_addr, b, sizeof(b)) :
	    "unknown", s->conf.local_as, addr_fmt(&id, a, sizeof(a)));
	buf_printf(o, "  state          %s for %llus (%s), %u flaps\n",
	    session_state_name(s), (unsigned long long)(now -
	    s->fsm.state_since) / 1000, admin_text(s), st.flaps);
	if (session_established(s)) {
		addr_from_v4(&id, s->neg.peer_id);
		buf_printf(o, "  peer router id %s\n",
		    addr_fmt(&id, a, sizeof(a)));
		buf_printf(o, "  hold time      %us negotiated (we offer "
		    "%us), keepalive every %us\n", s->neg.hold,
		    s->fsm.conf.hold, s->fsm.keepalive);
	} else {
		buf_printf(o, "  hold time      we offer %us\n",
		    s->fsm.conf.hold);
	}
	buf_put_str(o, "  caps sent      ");
	show_caps(&s->sent_caps, o);
	buf_put_str(o, "\n  caps received  ");
	if (s->fsm.state >= FSM_OPENCONFIRM)
		show_caps(&s->neg.peer_caps, o);
	else
		buf_put_str(o, "(no OPEN on this connection)");
	buf_put_str(o, "\n");
	if (session_established(s))
		buf_printf(o, "  add-path       receive %s, send %s\n",
		    s->neg.addpath & MSG_ADDPATH_RX ? "yes" : "no",
		    s->neg.addpath & MSG_ADDPATH_TX ? "yes" : "no");
	buf_printf(o, "  graceful rst.  peer restart time %us", st.gr_time);
	if (st.gr_helping)
		buf_printf(o, "; helping: %zu %sstale paths kept for %llus "
		    "more", st.stale, st.llgr_stale ? "long-lived " : "",
		    (unsigned long long)(st.gr_deadline > now ?
		    st.gr_deadline - now : 0) / 1000);
	buf_printf(o, "\n  llgr           peer's long-lived stale time %us, "
	    "we offer %us\n", st.llgr_time, s->conf.llgr_time);
	bfdio_peer_text(view_bfd(v), c, o);
	buf_printf(o, "  prefixes       received %zu, accepted %zu, "
	    "advertised %zu, looped %llu, filtered %llu\n",
	    st.received, st.received, st.advertised,
	    (unsigned long long)st.looped, (unsigned long long)st.filtered);
	buf_printf(o, "  messages in    %llu: open %llu, update %llu, "
	    "keepalive %llu, notification %llu, route-refresh %llu\n",
	    (unsigned long long)x->msgs_in, (unsigned long long)x->opens_in,
	    (unsigned long long)x->updates_in,
	    (unsigned long long)x->keepalives_in,
	    (unsigned long long)x->notifications_in,
	    (unsigned long long)x->refreshes_in);
	buf_printf(o, "  messages out   %llu: open %llu, update %llu, "
	    "keepalive %llu, notification %llu, route-refresh %llu\n",
	    (unsigned long long)x->msgs_out, (unsigned long long)x->opens_out,
	    (unsigned long long)x->updates_out,
	    (unsigned long long)x->keepalives_out,
	    (unsigned long long)x->notifications_out,
	    (unsigned long long)x->refreshes_out);
	buf_printf(o, "  RFC 7606       treat-as-withdraw %llu, attribute "
	    "discard %llu\n", (unsigned long long)x->withdraws,
	    (unsigned long long)x->discards);
	buf_printf(o, "  End-of-RIB     received %s, sent %s\n",
	    st.eor_received ? "yes" : "no", st.eor_sent ? "yes" : "no");
	buf_printf(o, "  last error     %s\n", s->last_error[0] ?
	    s->last_error : "none");
}

static void
caps_json(struct json_w *j, const char *key, const struct msg_caps *c,
    bool have)
{
	struct buf_wr w;
	char *save = NULL;

	json_key(j, key);
	if (!have) {
		json_null(j);
		return;
	}
	buf_wr_init(&w, 0);
	show_caps(c, &w);
	json_arr_begin(j);
	for (char *t = strtok_r((char *)buf_str(&w), " ", &save); t != NULL;
	    t = strtok_r(NULL, " ", &save))
		json_str(j, t);
	json_arr_end(j);
	buf_wr_free(&w);
}

static void
msgs_json(struct json_w *j, const char *key, uint64_t all, uint64_t open,
    uint64_t upd, uint64_t ka, uint64_t notif, uint64_t rr)
{
	json_key(j, key);
	json_obj_begin(j);
	json_kuint(j, "total", all);
	json_kuint(j, "open", open);
	json_kuint(j, "update", upd);
	json_kuint(j, "keepalive", ka);
	json_kuint(j, "notification", notif);
	json_kuint(j, "route_refresh", rr);
	json_obj_end(j);
}

static void
peer_json(const struct view *v, const struct conn *c, struct buf_wr *o)
{
	struct session *s = speaker_peer_session(c->peer_sp);
	const struct speaker_peer_conf *pc = speaker_peer_conf(c->peer_sp);
	const struct session_stats *x = &s->stats;
	struct speaker_peer_stats st;
	struct json_w j;
	char a[ADDR_STRLEN];
	uint64_t now = monotime_ms();
	bool up = session_established(s);
	struct ip_addr id;

	speaker_peer_stats(c->peer_sp, &st);
	json_init(&j, o, true);
	json_obj_begin(&j);
	json_kstr(&j, "name", c->name);
	json_kstr(&j, "peer_address", addr_fmt(&c->peer, a, sizeof(a)));
	json_kuint(&j, "peer_port", c->port);
	json_kuint(&j, "remote_as", s->conf.remote_as);
	json_kuint(&j, "local_as", s->conf.local_as);
	json_kstr(&j, "local_address", pc->local_addr.af ?
	    addr_fmt(&pc->local_addr, a, sizeof(a)) : NULL);
	json_kstr(&j, "type", plan_stype_name(c->type));
	json_kbool(&j, "ebgp", speaker_peer_ebgp(c->peer_sp));
	json_kstr(&j, "bgp_state", session_state_name(s));
	json_kbool(&j, "admin_down", !s->fsm.running);
	json_kuint(&j, "state_seconds", (now - s->fsm.state_since) / 1000);
	json_kuint(&j, "flaps", st.flaps);
	addr_from_v4(&id, s->neg.peer_id);
	json_kstr(&j, "peer_router_id", up ? addr_fmt(&id, a, sizeof(a)) :
	    NULL);
	json_key(&j, "timers");
	json_obj_begin(&j);
	json_kuint(&j, "hold_offered", s->fsm.conf.hold);
	json_key(&j, "hold_negotiated");
	if (up)
		json_uint(&j, s->neg.hold);
	else
		json_null(&j);
	json_key(&j, "keepalive");
	if (up)
		json_uint(&j, s->fsm.keepalive);
	else
		json_null(&j);
	json_obj_end(&j);
	caps_json(&j, "capabilities_sent", &s->sent_caps,
	    s->fsm.state >= FSM_OPENSENT || s->stats.opens_out > 0);
	caps_json(&j, "capabilities_received", &s->neg.peer_caps,
	    s->fsm.state >= FSM_OPENCONFIRM);
	/* RFC 7911 4: what the two OPENs agreed, per direction. */
	json_key(&j, "add_path");
	if (up) {
		json_obj_begin(&j);
		json_kbool(&j, "receive", s->neg.addpath & MSG_ADDPATH_RX);
		json_kbool(&j, "send", s->neg.addpath & MSG_ADDPATH_TX);
		json_obj_end(&j);
	} else {
		json_null(&j);
	}
	json_key(&j, "graceful_restart");
	json_obj_begin(&j);
	json_kuint(&j, "peer_restart_time", st.gr_time);
	json_kbool(&j, "helping", st.gr_helping);
	json_kuint(&j, "stale_paths", st.stale);
	json_kuint(&j, "seconds_left", st.gr_helping && st.gr_deadline > now ?
	    (st.gr_deadline - now) / 1000 : 0);
	json_kuint(&j, "llgr_time_offered", s->conf.llgr_time);
	json_kuint(&j, "peer_llgr_time", st.llgr_time);
	json_kbool(&j, "long_lived_stale", st.llgr_stale);
	json_obj_end(&j);
	json_key(&j, "prefixes");
	json_obj_begin(&j);
	json_kuint(&j, "received", st.received);
	json_kuint(&j, "accepted", st.received);
	json_kuint(&j, "advertised", st.advertised);
	json_kuint(&j, "looped", st.looped);
	json_kuint(&j, "filtered", st.filtered);
	json_obj_end(&j);
	msgs_json(&j, "messages_in", x->msgs_in, x->opens_in, x->updates_in,
	    x->keepalives_in, x->notifications_in, x->refreshes_in);
	msgs_json(&j, "messages_out", x->msgs_out, x->opens_out,
	    x->updates_out, x->keepalives_out, x->notifications_out,
	    x->refreshes_out);
	json_kuint(&j, "treat_as_withdraw", x->withdraws);
	json_kuint(&j, "attribute_discards", x->discards);
	json_kbool(&j, "end_of_rib_received", st.eor_received);
	json_kbool(&j, "end_of_rib_sent", st.eor_sent);
	json_kstr(&j, "last_error", s->last_error[0] ? s->last_error : NULL);
	bfdio_peer_json(view_bfd(v), c, &j);
	json_obj_end(&j);
	buf_put_str(o, "\n");
}

void
show_peer(const struct view *v, const struct conn *c, bool json,
    struct buf_wr *o)
{
	if (json)
		peer_json(v, c, o);
	else
		peer_text(v, c, o);
}

/* ---- routes ---- */

const char *
show_origin(uint8_t o)
{
	return o == 0 ? "IGP" : o == 1 ? "EGP" : "incomplete";
}

const char *
show_path_source(const struct rib_path *p)
{
	const struct speaker_peer *sp = speaker_path_peer(p);

	return sp == NULL ? "local" : speaker_peer_conf(sp)->session.name;
}

bool
show_path_id(const struct rib_path *p)
{
	const struct speaker_peer *sp = speaker_path_peer(p);
	const struct attr_ctx *c;

	if (p->path_id != 0)
		return true;
	if (sp == NULL)
		return false;
	c = &speaker_peer_session((struct speaker_peer *)sp)->actx;
	return c->addpath_v4 || c->addpath_v6;
}

void
show_communities_text(const struct attrset *s, struct buf_wr *o, bool large)
{
	const uint8_t *c = large ? attrset_large_communities(s) :
	    attrset_communities(s);
	size_t n = large ? s->nlarge_communities : s->ncommunities;

	for (size_t i = 0; i < n; i++) {
		if (large) {
			const uint8_t *x = c + 12 * i;

			buf_printf(o, "%s%u:%u:%u", i ? " " : "",
			    (unsigned)(x[0] << 24 | x[1] << 16 | x[2] << 8 |
			    x[3]), (unsigned)(x[4] << 24 | x[5] << 16 |
			    x[6] << 8 | x[7]), (unsigned)(x[8] << 24 |
			    x[9] << 16 | x[10] << 8 | x[11]));
		} else {
			const uint8_t *x = c + 4 * i;

			buf_printf(o, "%s%u:%u", i ? " " : "",
			    (unsigned)(x[0] << 8 | x[1]),
			    (unsigned)(x[2] << 8 | x[3]));
		}
	}
}

void
show_attrs_json(struct json_w *j, const struct attrset *s, int64_t id)
{
	char a[ADDR_STRLEN], path[1024];
	struct buf_wr cb;

	json_key(j, "next_hop");
	if (s->nexthop.af == 0)
		json_null(j);
	else
		json_str(j, addr_fmt(&s->nexthop, a, sizeof(a)));
	json_key(j, "path_id");
	if (id >= 0)
		json_uint(j, (uint64_t)id);
	else
		json_null(j);
	json_kstr(j, "as_path", aspath_format(attrset_aspath(s),
	    s->aspath_len, path, sizeof(path)));
	json_kstr(j, "origin", show_origin(s->origin));
	json_key(j, "local_pref");
	if (s->present & ATTR_P_LOCAL_PREF)
		json_uint(j, s->local_pref);
	else
		json_null(j);
	json_key(j, "med");
	if (s->present & ATTR_P_MED)
		json_uint(j, s->med);
	else
		json_null(j);
	for (int large = 0; large < 2; large++) {
		json_key(j, large ? "large_communities" : "communities");
		json_arr_begin(j);
		buf_wr_init(&cb, 0);
		show_communities_text(s, &cb, large);
		for (char *tok = strtok((char *)buf_str(&cb), " "); tok;
		    tok = strtok(NULL, " "))
			json_str(j, tok);
		buf_wr_free(&cb);
		json_arr_end(j);
	}
	json_key(j, "originator_id");
	if (s->present & ATTR_P_ORIGINATOR_ID) {
		struct ip_addr oid;

		addr_from_v4(&oid, s->originator_id);
		json_str(j, addr_fmt(&oid, a, sizeof(a)));
	} else {
		json_null(j);
	}
	json_key(j, "cluster_list");
	json_arr_begin(j);
	for (size_t i = 0; i < s->ncluster; i++) {
		struct ip_addr cid;

		addr_from_bytes(&cid, AF_INET, attrset_cluster_list(s) +
		    4 * i);
		json_str(j, addr_fmt(&cid, a, sizeof(a)));
	}
	json_arr_end(j);
}

/* One path (or an Adj-RIB-Out set), text or JSON; id: its path id
 * (RFC 7911), or -1. */
static void
path_out(const struct ip_prefix *pfx, const struct attrset *s,
    const char *from, int64_t id, char mark, struct json_w *j,
    struct buf_wr *o)
{
	char p[ADDR_PFX_STRLEN], nh[ADDR_STRLEN], path[512];

	aspath_format(attrset_aspath(s), s->aspath_len, path, sizeof(path));
	if (s->nexthop.af)
		addr_fmt(&s->nexthop, nh, sizeof(nh));
	else
		snprintf(nh, sizeof(nh), "self");
	addr_pfx_fmt(pfx, p, sizeof(p));
	if (j == NULL) {
		buf_printf(o, "%c %-20s via %-16s %s, AS path [%s], %s", mark,
		    p, nh, from, path, show_origin(s->origin));
		if (s->present & ATTR_P_LOCAL_PREF)
			buf_printf(o, ", local pref %u", s->local_pref);
		if (s->present & ATTR_P_MED)
			buf_printf(o, ", MED %u", s->med);
		if (id >= 0)
			buf_printf(o, ", path id %lld", (long long)id);
		buf_put_str(o, "\n");
		return;
	}
	json_obj_begin(j);
	json_kstr(j, "prefix", p);
	json_kstr(j, "from", from);
	show_attrs_json(j, s, id);
	json_kbool(j, "best", mark == '*');
	json_kbool(j, "ecmp", mark == '*' || mark == '=');
	json_obj_end(j);
}

int
show_route(const struct view *v, const char *what, bool json,
    struct buf_wr *o)
{
	const struct rib *r = speaker_rib(view_speaker(v));
	const struct kernel *kern = view_kernel(v);
	struct rib_entry *e = NULL;
	struct ip_prefix q, ep;
	struct json_w j;
	char p[ADDR_PFX_STRLEN];
	unsigned k = 0;

	if (addr_pfx_parse(what, &q, true) != 0) {
		buf_printf(o, "ERROR '%.60s' is no prefix or address\n",
		    what);
		return -1;
	}
	/* Longest match: q itself, then shorter and shorter. */
	for (int len = q.len; len >= 0 && e == NULL; len--) {
		struct ip_prefix t = q;

		t.len = (uint8_t)len;
		addr_pfx_mask(&t);
		e = rib_lookup(r, &t);
		if (e != NULL && rib_best(e) == NULL)
			e = NULL;
	}
	if (e != NULL)
		rib_entry_prefix(e, &ep);
	buf_put_str(o, "OK\n");
	if (json) {
		json_init(&j, o, true);
		json_obj_begin(&j);
		json_kstr(&j, "query", what);
		json_kstr(&j, "prefix", e ? addr_pfx_fmt(&ep, p,
		    sizeof(p)) : NULL);
		json_kstr(&j, "kernel", e ? kernel_route_state(kern, &ep) :
		    NULL);
		json_key(&j, "paths");
		json_arr_begin(&j);
	}
	if (e == NULL && !json)
		buf_printf(o, "no route to %s\n", what);
	for (const struct rib_path *x = e ? rib_best(e) : NULL; x != NULL;
	    x = x->next, k++)
		path_out(&ep, x->attrs, show_path_source(x), show_path_id(x) ?
		    (int64_t)x->path_id : -1, k == 0 ? '*' : k < e->necmp ?
		    '=' : ' ', json ? &j : NULL, o);
	if (e != NULL && !json && kernel_route_state(kern, &ep))
		buf_printf(o, "kernel: %s\n", kernel_route_state(kern, &ep));
	if (json) {
		json_arr_end(&j);
		json_obj_end(&j);
		buf_put_str(o, "\n");
	}
	return 0;
}

struct adj_row {
	struct ip_prefix pfx;
	const struct attrset *set;
	int64_t	id;		/* path id, or -1 */
	char	mark;
};

static int
adj_cmp(const void *a, const void *b)
{
	const struct adj_row *x = a, *y = b;
	int c = addr_pfx_cmp(&x->pfx, &y->pfx);

	return c != 0 ? c : x->id < y->id ? -1 : x->id > y->id;
}

void
show_adj(const struct view *vw, const struct conn *c, bool in, bool json,
    struct buf_wr *o)
{
	const struct rib *r = speaker_rib(view_speaker(vw));
	struct speaker_peer_stats st;
	struct adj_row *v;
	size_t n = 0, cap, it = 0;
	struct json_w j;

	/* A row a path: with ADD-PATH a prefix may have several. */
	speaker_peer_stats(c->peer_sp, &st);
	cap = (in ? st.received : st.advertised) + 1;
	v = xcalloc(cap, sizeof(*v));
	if (in) {
		const struct rib_entry *e;

		while ((e = rib_next(r, &it)) != NULL && n < cap) {
			unsigned k = 0;
			struct ip_prefix ep;

			rib_entry_prefix(e, &ep);
			for (const struct rib_path *x = rib_best(e); x != NULL;
			    x = x->next, k++) {
				if (speaker_path_peer(x) != c->peer_sp ||
				    n == cap)
					continue;
				v[n++] = (struct adj_row){ ep, x->attrs,
				    show_path_id(x) ? (int64_t)x->path_id : -1,
				    k == 0 ? '*' : k < e->necmp ? '=' : ' ' };
			}
		}
	} else {
		const struct adjout_entry *e = NULL;
		bool ap = speaker_peer_addpath_tx(c->peer_sp), pend = false;

		/* What it has or is to get (its update group's). */
		while ((e = speaker_peer_adj_next(c->peer_sp, &it, e,
		    &pend)) != NULL && n < cap)
			v[n++] = (struct adj_row){ e->prefix, e->want,
			    ap ? (int64_t)e->path_id : -1, pend ? '>' : ' ' };
	}
	qsort(v, n, sizeof(*v), adj_cmp);
	if (json) {
		json_init(&j, o, true);
		json_obj_begin(&j);
		json_kstr(&j, "peer", c->name);
		json_kstr(&j, "direction", in ? "in" : "out");
		json_key(&j, "routes");
		json_arr_begin(&j);
	}
	for (size_t i = 0; i < n; i++)
		path_out(&v[i].pfx, v[i].set, in ? c->name : "to peer",
		    v[i].id, v[i].mark, json ? &j : NULL, o);
	if (json) {
		json_arr_end(&j);
		json_obj_end(&j);
		buf_put_str(o, "\n");
	} else {
		buf_printf(o, "%zu prefixes %s %s%s\n", n, in ?
		    "received from" : "advertised to", c->name, in ?
		    " (* best, = ECMP)" : " (> change pending)");
	}
	free(v);
}
