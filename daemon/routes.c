/*
 * routes: see routes.h.
 */
#include "routes.h"

#include <stdlib.h>
#include <string.h>

#include "bgp/aspath.h"
#include "bgp/attrset.h"
#include "bgp/speaker.h"
#include "kernel.h"
#include "lib/json.h"
#include "lib/xalloc.h"
#include "show.h"
#include "view.h"

/* Buckets of the table per walk step (about as many entries). */
#define STEP	64

struct routes_stream {
	const struct view *v;
	bool	json;
	bool	started;
	struct rib_cursor c;
	struct json_w j;
	struct buf_wr *o;
	size_t	n;		/* prefixes written */
};

static void
route_text(struct routes_stream *rs, const struct rib_entry *e)
{
	struct buf_wr *o = rs->o;
	char p[ADDR_PFX_STRLEN], nh[ADDR_STRLEN], path[256];
	struct ip_prefix pfx;
	const char *ks;
	unsigned k = 0;

	rib_entry_prefix(e, &pfx);
	ks = kernel_route_state(view_kernel(rs->v), &pfx);
	buf_printf(o, "%s", addr_pfx_fmt(&pfx, p, sizeof(p)));
	if (ks != NULL)
		buf_printf(o, "  (kernel: %s)", ks);
	buf_put_str(o, "\n");
	for (const struct rib_path *q = rib_best(e); q != NULL;
	    q = q->next, k++) {
		const struct attrset *s = q->attrs;

		aspath_format(attrset_aspath(s), s->aspath_len, path,
		    sizeof(path));
		buf_printf(o, "  %c %-16s via %s, AS path [%s], %s",
		    k == 0 ? '*' : k < e->necmp ? '=' : ' ',
		    s->nexthop.af ? addr_fmt(&s->nexthop, nh,
		    sizeof(nh)) : "self", show_path_source(q), path,
		    show_origin(s->origin));
		if (s->present & ATTR_P_LOCAL_PREF)
			buf_printf(o, ", local pref %u", s->local_pref);
		if (s->present & ATTR_P_MED)
			buf_printf(o, ", MED %u", s->med);
		if (s->ncommunities > 0) {
			buf_put_str(o, ", communities ");
			show_communities_text(s, o, false);
		}
		if (s->nlarge_communities > 0) {
			buf_put_str(o, ", large communities ");
			show_communities_text(s, o, true);
		}
		if (show_path_id(q))
			buf_printf(o, ", path id %u", q->path_id);
		buf_put_str(o, "\n");
	}
}

static void
route_path_json(struct json_w *j, const struct rib_entry *e,
    const struct rib_path *q, unsigned k)
{
	const struct speaker_peer *sp = speaker_path_peer(q);
	char a[ADDR_STRLEN];

	json_obj_begin(j);
	json_kstr(j, "peer", show_path_source(q));
	json_key(j, "peer_address");
	if (sp == NULL)
		json_null(j);
	else
		json_str(j, addr_fmt(&speaker_peer_conf(sp)->session.peer, a,
		    sizeof(a)));
	/* RFC 7911: the peer's name for the path, if it gives one. */
	show_attrs_json(j, q->attrs, show_path_id(q) ? (int64_t)q->path_id :
	    -1);
	json_kbool(j, "best", k == 0);
	json_kbool(j, "ecmp", k < e->necmp);
	json_obj_end(j);
}

static void
route_json(struct routes_stream *rs, const struct rib_entry *e)
{
	struct json_w *j = &rs->j;
	char p[ADDR_PFX_STRLEN];
	struct ip_prefix pfx;
	unsigned k = 0;

	rib_entry_prefix(e, &pfx);
	json_obj_begin(j);
	json_kstr(j, "prefix", addr_pfx_fmt(&pfx, p, sizeof(p)));
	json_kstr(j, "kernel", kernel_route_state(view_kernel(rs->v), &pfx));
	json_key(j, "paths");
	json_arr_begin(j);
	for (const struct rib_path *q = rib_best(e); q != NULL;
	    q = q->next, k++)
		route_path_json(j, e, q, k);
	json_arr_end(j);
	json_obj_end(j);
}

static void
one(const struct rib_entry *e, void *arg)
{
	struct routes_stream *rs = arg;

	if (rib_best(e) == NULL)
		return;		/* kept for the kernel only */
	if (rs->json)
		route_json(rs, e);
	else
		route_text(rs, e);
	rs->n++;
}

struct routes_stream *
routes_stream_new(const struct view *v, bool json)
{
	struct routes_stream *rs = xcalloc(1, sizeof(*rs));

	rs->v = v;
	rs->json = json;
	/* No shrinking under the walk: no prefix listed twice. */
	view_rib_hold(v);
	return rs;
}

void
routes_stream_free(struct routes_stream *rs)
{
	if (rs == NULL)
		return;
	view_rib_release(rs->v);
	free(rs);
}

bool
routes_stream_next(struct routes_stream *rs, struct buf_wr *o, size_t room)
{
	bool done = false;

	rs->o = o;
	if (!rs->started) {
		rs->started = true;
		if (rs->json) {
			json_init(&rs->j, o, true);
			json_obj_begin(&rs->j);
			json_key(&rs->j, "routes");
			json_arr_begin(&rs->j);
		}
	}
	while (!done && o->len < room)
		done = view_rib_walk(rs->v, &rs->c, STEP, one, rs);
	if (!done)
		return false;
	if (rs->json) {
		json_arr_end(&rs->j);
		json_obj_end(&rs->j);
	} else {
		buf_printf(o, "%zu prefixes (* best, = also used: ECMP)\n",
		    rs->n);
	}
	return true;
}
