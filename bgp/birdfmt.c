/* birdfmt: see birdfmt.h.  Layouts read from BIRD 1.6 (Calico's fork,
 * v0.3.3+birdv1.6.8): nest/cli.c cli_printf, nest/rt-table.c
 * rt_show_rte and rt_format_via, proto/bgp/attrs.c bgp_get_route_info
 * and the attribute table, nest/rt-attr.c ea_show and rta_show,
 * nest/a-set.c and nest/a-path.c for sets and paths. */
#include "birdfmt.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "aspath.h"
#include "attr.h"
#include "attrset.h"
#include "bgp.h"

#define LINE_MAX_	1024	/* longer lines are cut */
#define MSG_SIZE	500	/* BIRD's CLI_MSG_SIZE: set lines wrap there */

void
birdfmt_line(struct birdfmt *f, int code, bool more, const char *fmt, ...)
{
	char line[LINE_MAX_];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (char *p = line; *p != '\0'; p++)
		if (((unsigned char)*p < ' ' && *p != '\t') ||
		    (unsigned char)*p == 0x7f)
			*p = '?';
	if (more && code == f->last)
		buf_printf(f->o, " %s\n", line);
	else
		buf_printf(f->o, "%04d%c%s\n", code, more ? '-' : ' ', line);
	f->last = more ? code : -1;
}

void
birdfmt_rte(struct birdfmt *f, const struct birdfmt_rte *r)
{
	char via[ADDR_STRLEN + 64], gw[ADDR_STRLEN], from[ADDR_STRLEN + 8];
	char mark[3] = "";

	switch (r->dest) {
	case BIRDFMT_ROUTER:
		snprintf(via, sizeof(via), "via %s on %s",
		    addr_fmt(&r->gw, gw, sizeof(gw)), r->dev);
		break;
	case BIRDFMT_DEVICE:
		snprintf(via, sizeof(via), "dev %s", r->dev);
		break;
	case BIRDFMT_BLACKHOLE:
		snprintf(via, sizeof(via), "blackhole");
		break;
	case BIRDFMT_UNREACHABLE:
		snprintf(via, sizeof(via), "unreachable");
		break;
	default:
		snprintf(via, sizeof(via), "prohibited");
		break;
	}
	from[0] = '\0';
	if (r->from.af != 0 && !(r->dest == BIRDFMT_ROUTER &&
	    addr_eq(&r->from, &r->gw)))
		snprintf(from, sizeof(from), " from %s",
		    addr_fmt(&r->from, gw, sizeof(gw)));
	if (r->primary != 0) {
		mark[0] = ' ';
		mark[1] = r->primary;
	}
	birdfmt_line(f, 1007, true, "%-18s %s [%s %s%s]%s%s",
	    r->net != NULL ? r->net : "", via, r->proto, r->when, from, mark,
	    r->info != NULL ? r->info : "");
}

/* The last AS of a path that ends in an AS_SEQUENCE (a trailing
 * AS_SET hides it), as BIRD's as_path_get_last. */
static bool
last_as(const uint8_t *p, size_t len, uint32_t *as)
{
	bool found = false;

	for (size_t i = 0; i + 2 <= len;) {
		uint8_t type = p[i], n = p[i + 1];

		i += 2;
		if (n == 0)
			continue;
		if (i + 4 * (size_t)n > len)
			break;
		if (type == BGP_ASPATH_SEQUENCE) {
			const uint8_t *x = p + i + 4 * (size_t)(n - 1);

			*as = (uint32_t)x[0] << 24 | (uint32_t)x[1] << 16 |
			    (uint32_t)x[2] << 8 | x[3];
			found = true;
		} else {
			found = false;
		}
		i += 4 * (size_t)n;
	}
	return found;
}

void
birdfmt_bgp_info(char *buf, size_t size, unsigned pref, bool stale,
    int igp, const struct attrset *s)
{
	char metric[16], as[16] = "";
	uint32_t a;

	if (igp == BIRDFMT_IGP_UNREACHABLE)
		snprintf(metric, sizeof(metric), "/-");
	else if (igp == BIRDFMT_IGP_UNKNOWN)
		snprintf(metric, sizeof(metric), "/?");
	else
		snprintf(metric, sizeof(metric), "/%d", igp);
	if (last_as(attrset_aspath(s), s->aspath_len, &a))
		snprintf(as, sizeof(as), "AS%u", a);
	snprintf(buf, size, " (%u%s%s) [%s%c]", pref, stale ? "s" : "",
	    metric, as, "ie?"[s->origin < 3 ? s->origin : 2]);
}

void
birdfmt_type(struct birdfmt *f, const char *source)
{
	birdfmt_line(f, 1008, true, "\tType: %s unicast univ", source);
}

/* ---- attribute lines ---- */

static uint32_t
get32(const uint8_t *x)
{
	return (uint32_t)x[0] << 24 | (uint32_t)x[1] << 16 |
	    (uint32_t)x[2] << 8 | x[3];
}

static void
router_id(uint32_t id, char *buf, size_t size)
{
	snprintf(buf, size, "%u.%u.%u.%u", id >> 24, (id >> 16) & 0xff,
	    (id >> 8) & 0xff, id & 0xff);
}

enum set_kind { SET_COMMUNITY, SET_EXT, SET_LARGE, SET_CLUSTER };

static void
set_item(enum set_kind k, const uint8_t *x, char *buf, size_t size)
{
	uint64_t ec;
	uint16_t type;
	const char *kind;
	char t[24], id[16];

	switch (k) {
	case SET_COMMUNITY:
		snprintf(buf, size, "(%u,%u)", get32(x) >> 16,
		    get32(x) & 0xffff);
		return;
	case SET_LARGE:
		snprintf(buf, size, "(%u, %u, %u)", get32(x), get32(x + 4),
		    get32(x + 8));
		return;
	case SET_CLUSTER:
		router_id(get32(x), buf, size);
		return;
	case SET_EXT:
		break;
	}
	/* RFC 4360 3.1, 3.2 and RFC 5668, as BIRD 1.6 names them. */
	ec = (uint64_t)get32(x) << 32 | get32(x + 4);
	type = (uint16_t)(ec >> 48);
	if ((type & 0xf0ff) == 0x0002)
		kind = "rt";
	else if ((type & 0xf0ff) == 0x0003)
		kind = "ro";
	else {
		snprintf(t, sizeof(t), "unknown 0x%x", type);
		kind = t;
	}
	switch (ec >> 56) {
	case 0x00:
	case 0x40:
		snprintf(buf, size, "(%s, %u, %u)", kind,
		    (unsigned)((ec >> 32) & 0xffff), (unsigned)(uint32_t)ec);
		break;
	case 0x01:
	case 0x41:
		router_id((uint32_t)(ec >> 16), id, sizeof(id));
		snprintf(buf, size, "(%s, %s, %u)", kind, id,
		    (unsigned)(ec & 0xffff));
		break;
	case 0x02:
	case 0x42:
		snprintf(buf, size, "(%s, %u, %u)", kind,
		    (unsigned)(uint32_t)(ec >> 16), (unsigned)(ec & 0xffff));
		break;
	default:
		snprintf(buf, size, "(generic, 0x%x, 0x%x)",
		    (unsigned)(uint32_t)(ec >> 32), (unsigned)(uint32_t)ec);
		break;
	}
}

/* A set attribute: "\tBGP.<name>: a b c", wrapped onto "\t\t" lines
 * where BIRD's 500-octet message buffer would be full (the margin is
 * 24 octets for communities, 64 for extended and large ones). */
static void
set_lines(struct birdfmt *f, const char *name, enum set_kind k,
    const uint8_t *v, size_t n, size_t width)
{
	size_t margin = k == SET_EXT || k == SET_LARGE ? 64 : 24;
	char line[MSG_SIZE + 64], item[64];
	size_t len, i = 0;
	bool first = true;

	do {
		size_t limit = first ? MSG_SIZE - margin : MSG_SIZE - 1 -
		    margin;
		bool any = false;

		len = first ? (size_t)snprintf(line, sizeof(line),
		    "BGP.%s: ", name) : 0;
		line[len] = '\0';
		for (; i < n; i++) {
			/* Large communities end each item with a space,
			 * counted before the check. */
			if ((k == SET_LARGE ? len + (any ? 1 : 0) : len) >
			    limit)
				break;
			set_item(k, v + width * i, item, sizeof(item));
			len += (size_t)snprintf(line + len,
			    sizeof(line) - len, "%s%s", any ? " " : "", item);
			any = true;
		}
		birdfmt_line(f, 1012, true, first ? "\t%s" : "\t\t%s", line);
		first = false;
	} while (i < n);
}

void
birdfmt_bgp_attrs(struct birdfmt *f, const struct attrset *s)
{
	char a[ADDR_STRLEN], b[ADDR_STRLEN], path[MSG_SIZE], id[16];
	static const char *const origin[] = { "IGP", "EGP", "Incomplete" };
	struct bgp_attrs v;

	birdfmt_line(f, 1012, true, "\tBGP.origin: %s",
	    origin[s->origin < 3 ? s->origin : 2]);
	/* BIRD's as_path_format: "1 2 { 3 4 }". */
	path[0] = '\0';
	for (size_t i = 0, len = 0; i + 2 <= s->aspath_len;) {
		const uint8_t *p = attrset_aspath(s);
		bool set = p[i] != BGP_ASPATH_SEQUENCE;
		uint8_t n = p[i + 1];

		i += 2;
		if (len > sizeof(path) - 64) {
			snprintf(path + len, sizeof(path) - len, " ...");
			break;
		}
		if (set)
			len += (size_t)snprintf(path + len, sizeof(path) -
			    len, "%s{", len ? " " : "");
		for (unsigned k = 0; k < n && i + 4 <= s->aspath_len &&
		    len < sizeof(path) - 32; k++, i += 4)
			len += (size_t)snprintf(path + len, sizeof(path) -
			    len, "%s%u", len ? " " : "", get32(p + i));
		if (set)
			len += (size_t)snprintf(path + len, sizeof(path) -
			    len, " }");
	}
	birdfmt_line(f, 1012, true, "\tBGP.as_path: %s", path);
	if (s->nexthop.af != 0 && s->nexthop_ll.af != 0)
		birdfmt_line(f, 1012, true, "\tBGP.next_hop: %s %s",
		    addr_fmt(&s->nexthop, a, sizeof(a)),
		    addr_fmt(&s->nexthop_ll, b, sizeof(b)));
	else if (s->nexthop.af != 0 || s->nexthop_ll.af != 0)
		birdfmt_line(f, 1012, true, "\tBGP.next_hop: %s",
		    addr_fmt(s->nexthop.af ? &s->nexthop : &s->nexthop_ll,
		    a, sizeof(a)));
	if (s->present & ATTR_P_MED)
		birdfmt_line(f, 1012, true, "\tBGP.med: %u", s->med);
	/* BIRD gives every received route one (its default, 100). */
	birdfmt_line(f, 1012, true, "\tBGP.local_pref: %u",
	    s->present & ATTR_P_LOCAL_PREF ? s->local_pref : 100);
	if (s->present & ATTR_P_ATOMIC_AGG)
		birdfmt_line(f, 1012, true, "\tBGP.atomic_aggr: ");
	if (s->present & ATTR_P_AGGREGATOR) {
		router_id(s->aggregator_id, id, sizeof(id));
		birdfmt_line(f, 1012, true, "\tBGP.aggregator: %s AS%u", id,
		    s->aggregator_as);
	}
	if (s->ncommunities > 0)
		set_lines(f, "community", SET_COMMUNITY,
		    attrset_communities(s), s->ncommunities, 4);
	if (s->present & ATTR_P_ORIGINATOR_ID) {
		router_id(s->originator_id, id, sizeof(id));
		birdfmt_line(f, 1012, true, "\tBGP.originator_id: %s", id);
	}
	if (s->ncluster > 0)
		set_lines(f, "cluster_list", SET_CLUSTER,
		    attrset_cluster_list(s), s->ncluster, 4);
	if (s->next_communities > 0) {
		attrset_view(s, &v);
		set_lines(f, "ext_community", SET_EXT, v.ext_communities,
		    v.next_communities, 8);
	}
	if (s->nlarge_communities > 0)
		set_lines(f, "large_community", SET_LARGE,
		    attrset_large_communities(s), s->nlarge_communities, 12);
}

void
birdfmt_kernel_attrs(struct birdfmt *f, unsigned source, unsigned metric)
{
	birdfmt_line(f, 1012, true, "\tKernel.source: %u", source);
	birdfmt_line(f, 1012, true, "\tKernel.metric: %u", metric);
}
