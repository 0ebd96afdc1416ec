/*
 * nl: rtnetlink encoding and decoding for fib (see nl.h).
 */
#include "nl.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/filter.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

#define RCVBUF		(16 * 1024 * 1024)

int
nl_open(struct nl_sock *s, unsigned groups, char *err, size_t errlen)
{
	int one = 1, sz = RCVBUF;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->mnl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (s->mnl == NULL) {
		snprintf(err, errlen, "netlink socket: %s", strerror(errno));
		return -1;
	}
	if (mnl_socket_bind(s->mnl, groups, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "netlink bind: %s", strerror(errno));
		mnl_socket_close(s->mnl);
		s->mnl = NULL;
		return -1;
	}
	s->fd = mnl_socket_get_fd(s->mnl);
	s->portid = mnl_socket_get_portid(s->mnl);
	s->seq = 1;
	/* A large buffer for event bursts; FORCE works as root. */
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz,
	    sizeof(sz)) != 0)
		(void)setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &sz,
		    sizeof(sz));
	/* Errors without the request echoed back, with the kernel's text. */
	(void)mnl_socket_setsockopt(s->mnl, NETLINK_CAP_ACK, &one,
	    sizeof(one));
	(void)mnl_socket_setsockopt(s->mnl, NETLINK_EXT_ACK, &one,
	    sizeof(one));
	return 0;
}

void
nl_close(struct nl_sock *s)
{
	if (s->mnl != NULL)
		mnl_socket_close(s->mnl);
	s->mnl = NULL;
	s->fd = -1;
}

int
nl_filter_own(struct nl_sock *s, uint8_t proto, uint32_t portid)
{
	/* Socket filters load words in network order: compare with htons()
	 * and htonl() of the host-order constants.  A RTM_NEWROUTE or
	 * RTM_DELROUTE of our protocol is dropped only when our command
	 * socket asked for it: the kernel stamps a notification with the
	 * requester's port id, so a route of ours made, changed or deleted
	 * by anyone else (or by the kernel: pid 0) still comes through and
	 * is corrected.  Our own deletes must not come back either: a large
	 * withdrawal echoed every one of them into this socket, overflowed
	 * it (ENOBUFS) and cost a full re-read of the routing table. */
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS,
		    offsetof(struct nlmsghdr, nlmsg_type)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htons(RTM_NEWROUTE), 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htons(RTM_DELROUTE), 0, 5),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, NLMSG_HDRLEN +
		    offsetof(struct rtmsg, rtm_protocol)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, proto, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct nlmsghdr, nlmsg_pid)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(portid), 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
	};
	struct sock_fprog prog = { sizeof(code) / sizeof(code[0]), code };

	return setsockopt(s->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog));
}

size_t
nl_put_dump(void *buf, size_t room, uint16_t type, uint32_t seq)
{
	struct nlmsghdr *h;
	struct rtgenmsg *g;

	if (room < NLMSG_SPACE(sizeof(struct rtmsg)))
		return 0;
	memset(buf, 0, NLMSG_SPACE(sizeof(struct rtmsg)));
	h = mnl_nlmsg_put_header(buf);
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	h->nlmsg_seq = seq;
	/* An rtmsg-sized header: route dumps want it, others ignore it. */
	g = mnl_nlmsg_put_extra_header(h, sizeof(struct rtmsg));
	g->rtgen_family = AF_UNSPEC;
	return h->nlmsg_len;
}

static void
put_addr(struct nlmsghdr *h, uint16_t type, const struct ip_addr *a)
{
	mnl_attr_put(h, type, addr_len(a->af), a->b);
}

/* Worst case of one route request. */
#define ROUTE_MAX	(NLMSG_SPACE(sizeof(struct rtmsg)) + 256 + \
			 FIB_MAX_NH * (sizeof(struct rtnexthop) + 24))

size_t
nl_put_route(void *buf, size_t room, uint16_t type, uint16_t flags,
    uint32_t seq, const struct nl_route *r)
{
	struct nlmsghdr *h;
	struct rtmsg *m;

	if (room < ROUTE_MAX)
		return 0;
	h = mnl_nlmsg_put_header(buf);
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | flags;
	h->nlmsg_seq = seq;
	m = mnl_nlmsg_put_extra_header(h, sizeof(*m));
	m->rtm_family = (uint8_t)r->pfx.addr.af;
	m->rtm_dst_len = r->pfx.len;
	m->rtm_protocol = r->protocol;
	m->rtm_type = r->type;
	m->rtm_scope = RT_SCOPE_UNIVERSE;
	m->rtm_table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
	if (r->table >= 256)
		mnl_attr_put_u32(h, RTA_TABLE, r->table);
	/* The whole address: IPv4 refuses a shorter RTA_DST (ERANGE). */
	if (r->pfx.len > 0)
		mnl_attr_put(h, RTA_DST, addr_len(r->pfx.addr.af),
		    r->pfx.addr.b);
	if (r->priority != 0)
		mnl_attr_put_u32(h, RTA_PRIORITY, r->priority);
	if (type == RTM_DELROUTE || r->type != RTN_UNICAST)
		return h->nlmsg_len;
	if (r->nnh == 1) {
		const struct nl_nh *n = &r->nh[0];

		if (n->gw.af != 0)
			put_addr(h, RTA_GATEWAY, &n->gw);
		else
			m->rtm_scope = RT_SCOPE_LINK;
		if (n->ifindex != 0)
			mnl_attr_put_u32(h, RTA_OIF, (uint32_t)n->ifindex);
		if (n->onlink)
			m->rtm_flags |= RTNH_F_ONLINK;
	} else if (r->nnh > 1) {
		struct nlattr *nest = mnl_attr_nest_start(h, RTA_MULTIPATH);

		for (size_t i = 0; i < r->nnh; i++) {
			const struct nl_nh *n = &r->nh[i];
			struct rtnexthop *nh = (struct rtnexthop *)
			    mnl_nlmsg_get_payload_tail(h);
			size_t start = h->nlmsg_len;

			memset(nh, 0, sizeof(*nh));
			h->nlmsg_len += RTNH_ALIGN(sizeof(*nh));
			nh->rtnh_ifindex = n->ifindex;
			nh->rtnh_flags = n->onlink ? RTNH_F_ONLINK : 0;
			if (n->gw.af != 0)
				put_addr(h, RTA_GATEWAY, &n->gw);
			nh->rtnh_len = (unsigned short)(h->nlmsg_len - start);
		}
		mnl_attr_nest_end(h, nest);
	}
	return h->nlmsg_len;
}

struct rt_attrs {
	const struct nlattr *tb[RTA_MAX + 1];
};

static int
rt_attr_cb(const struct nlattr *a, void *data)
{
	struct rt_attrs *t = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type <= RTA_MAX)
		t->tb[type] = a;
	return MNL_CB_OK;
}

static int
get_addr(const struct nlattr *a, int af, struct ip_addr *out)
{
	size_t n = addr_len(af);

	if (a == NULL || mnl_attr_get_payload_len(a) != n)
		return -1;
	addr_from_bytes(out, af, mnl_attr_get_payload(a));
	return 0;
}

static int
parse_multipath(const struct nlattr *mp, int af, struct nl_route *r)
{
	const uint8_t *p = mnl_attr_get_payload(mp);
	size_t left = mnl_attr_get_payload_len(mp);

	while (left >= sizeof(struct rtnexthop)) {
		const struct rtnexthop *nh = (const void *)p;
		struct nl_nh *o;
		size_t len = nh->rtnh_len;

		if (len < sizeof(*nh) || len > left)
			return -1;
		if (r->nnh < FIB_MAX_NH) {
			o = &r->nh[r->nnh++];
			memset(o, 0, sizeof(*o));
			o->ifindex = nh->rtnh_ifindex;
			o->onlink = nh->rtnh_flags & RTNH_F_ONLINK;
			/* Attributes follow the rtnexthop. */
			for (size_t off = RTNH_ALIGN(sizeof(*nh));
			    off + sizeof(struct nlattr) <= len;) {
				const struct nlattr *a = (const void *)
				    (p + off);

				if (a->nla_len < sizeof(*a) ||
				    off + a->nla_len > len)
					return -1;
				if ((a->nla_type & NLA_TYPE_MASK) ==
				    RTA_GATEWAY)
					(void)get_addr(a, af, &o->gw);
				off += NLA_ALIGN(a->nla_len);
			}
		}
		len = RTNH_ALIGN(len);
		if (len >= left)
			break;
		p += len;
		left -= len;
	}
	return 0;
}

int
nl_parse_route(const struct nlmsghdr *h, struct nl_route *r)
{
	const struct rtmsg *m;
	struct rt_attrs t;
	int af;

	if (h->nlmsg_len < NLMSG_SPACE(sizeof(*m)))
		return -1;
	m = mnl_nlmsg_get_payload(h);
	af = m->rtm_family;
	if ((af != AF_INET && af != AF_INET6) ||
	    m->rtm_dst_len > addr_bits(af) || m->rtm_src_len != 0 ||
	    (m->rtm_flags & RTM_F_CLONED))
		return -1;
	memset(&t, 0, sizeof(t));
	if (mnl_attr_parse(h, sizeof(*m), rt_attr_cb, &t) != MNL_CB_OK)
		return -1;
	memset(r, 0, sizeof(*r));
	r->pfx.addr.af = (uint8_t)af;
	r->pfx.len = m->rtm_dst_len;
	if (t.tb[RTA_DST] != NULL) {
		size_t n = mnl_attr_get_payload_len(t.tb[RTA_DST]);

		if (n != addr_len(af))
			return -1;
		memcpy(r->pfx.addr.b, mnl_attr_get_payload(t.tb[RTA_DST]), n);
	}
	addr_pfx_mask(&r->pfx);
	r->table = m->rtm_table;
	if (t.tb[RTA_TABLE] != NULL &&
	    mnl_attr_get_payload_len(t.tb[RTA_TABLE]) == 4)
		r->table = mnl_attr_get_u32(t.tb[RTA_TABLE]);
	if (t.tb[RTA_PRIORITY] != NULL &&
	    mnl_attr_get_payload_len(t.tb[RTA_PRIORITY]) == 4)
		r->priority = mnl_attr_get_u32(t.tb[RTA_PRIORITY]);
	r->protocol = m->rtm_protocol;
	r->type = m->rtm_type;
	if (t.tb[RTA_MULTIPATH] != NULL)
		return parse_multipath(t.tb[RTA_MULTIPATH], af, r);
	if (t.tb[RTA_GATEWAY] != NULL || t.tb[RTA_OIF] != NULL) {
		struct nl_nh *o = &r->nh[r->nnh++];

		if (t.tb[RTA_GATEWAY] != NULL &&
		    get_addr(t.tb[RTA_GATEWAY], af, &o->gw) != 0)
			return -1;
		if (t.tb[RTA_OIF] != NULL &&
		    mnl_attr_get_payload_len(t.tb[RTA_OIF]) == 4)
			o->ifindex = (int)mnl_attr_get_u32(t.tb[RTA_OIF]);
		o->onlink = m->rtm_flags & RTNH_F_ONLINK;
	}
	return 0;
}

static int
link_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type <= IFLA_MAX)
		tb[type] = a;
	return MNL_CB_OK;
}

int
nl_parse_link(const struct nlmsghdr *h, struct nl_link *l)
{
	const struct ifinfomsg *m;
	const struct nlattr *tb[IFLA_MAX + 1];
	const char *name;

	if (h->nlmsg_len < NLMSG_SPACE(sizeof(*m)))
		return -1;
	m = mnl_nlmsg_get_payload(h);
	memset(tb, 0, sizeof(tb));
	if (mnl_attr_parse(h, sizeof(*m), link_attr_cb, tb) != MNL_CB_OK ||
	    tb[IFLA_IFNAME] == NULL ||
	    mnl_attr_validate(tb[IFLA_IFNAME], MNL_TYPE_STRING) < 0)
		return -1;
	memset(l, 0, sizeof(*l));
	l->ifindex = m->ifi_index;
	l->up = m->ifi_flags & IFF_UP;
	name = mnl_attr_get_str(tb[IFLA_IFNAME]);
	snprintf(l->name, sizeof(l->name), "%s", name);
	return 0;
}

int
nl_parse_addr(const struct nlmsghdr *h, struct nl_addr *a)
{
	const struct ifaddrmsg *m;
	const struct nlattr *tb[IFA_MAX + 1];
	const struct nlattr *which;
	int af;

	if (h->nlmsg_len < NLMSG_SPACE(sizeof(*m)))
		return -1;
	m = mnl_nlmsg_get_payload(h);
	af = m->ifa_family;
	if ((af != AF_INET && af != AF_INET6) ||
	    m->ifa_prefixlen > addr_bits(af))
		return -1;
	memset(tb, 0, sizeof(tb));
	if (mnl_attr_parse(h, sizeof(*m), link_attr_cb, tb) != MNL_CB_OK)
		return -1;
	/* IFA_LOCAL is the local address on point-to-point links. */
	which = tb[IFA_LOCAL] != NULL ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	memset(a, 0, sizeof(*a));
	if (get_addr(which, af, &a->pfx.addr) != 0)
		return -1;
	a->pfx.len = m->ifa_prefixlen;
	a->ifindex = (int)m->ifa_index;
	return 0;
}
