/*
 * nlfloor: the kernel's floor for the route benchmarks (bench/TOOLS.md).
 *
 * Installs (or with --delete removes) N routes with raw rtnetlink
 * requests, batched as bgpd's fib/ sends them (RTM_NEWROUTE with
 * NLM_F_CREATE | NLM_F_REPLACE, no acknowledgement asked for, at most
 * 128 KiB and 4,096 requests a sendto(), the errors of a batch read
 * before the next), and nothing else: no route event listener, no
 * table of its own, every request built before the clock starts.  The
 * kernel handles a request inside sendmsg(), so when the last sendto()
 * has returned every route is in the table.  What bgpd needs beyond
 * this is bgpd's (fib/ included: bench/fibload measures fib/ alone).
 *
 * The routes: N consecutive /L blocks from --start (as fibload), or the
 * prefixes of a file, one per line (mrtfeed --prefixes: a real table).
 * Every route goes via --via on --dev, protocol --proto (186, bgpd's).
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "lib/addr.h"
#include "lib/log.h"
#include "lib/monotime.h"
#include "lib/xalloc.h"

#include "common.h"

#define BATCH_BYTES	(128 * 1024)	/* as fib/fib.c */
#define BATCH_REQS	4096
#define REQ_MAX		128		/* one request, at most */
#define RCVBUF		(16 * 1024 * 1024)

#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

struct opts {
	size_t	count;
	int	af;
	struct ip_prefix start;
	const char *file;
	struct ip_addr via;
	const char *dev;
	uint8_t	proto;
	uint32_t table;
	bool	del;
};

struct batch {
	uint8_t	*data;
	size_t	len;
};

static void	 usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(stderr, "usage: nlfloor (--count N [--family 4|6] "
	    "[--start PREFIX] [--plen L] | --prefixes FILE)\n"
	    "\t--via GATEWAY --dev IFNAME [--proto P] [--table N] "
	    "[--delete]\n");
	exit(1);
}

static double
cpu_secs(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static struct ip_prefix *
read_prefixes(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "r");
	struct ip_prefix *p = NULL;
	size_t cap = 0, line = 0;
	char buf[128];

	if (fp == NULL)
		fatal("--prefixes %s", path);
	*n = 0;
	while (fgets(buf, sizeof(buf), fp) != NULL) {
		line++;
		buf[strcspn(buf, "\r\n")] = '\0';
		if (buf[0] == '\0' || buf[0] == '#')
			continue;
		p = xgrow(p, &cap, *n + 1, sizeof(*p));
		if (addr_pfx_parse(buf, &p[*n], false) != 0 ||
		    !addr_pfx_is_masked(&p[*n]))
			fatalx("%s:%zu: not a network: %s", path, line, buf);
		(*n)++;
	}
	fclose(fp);
	if (*n == 0)
		fatalx("%s: no prefixes", path);
	return p;
}

static struct ip_prefix *
make_prefixes(const struct opts *o, size_t *n)
{
	struct ip_prefix *p = xcalloc(o->count, sizeof(*p));
	unsigned shift = addr_bits(o->af) - o->start.len;

	for (size_t i = 0; i < o->count; i++) {
		p[i] = o->start;
		if (bench_addr_add(&p[i].addr, i, shift) != 0)
			fatalx("route %zu is beyond the address space", i);
	}
	*n = o->count;
	return p;
}

/* One request at buf (REQ_MAX octets of room); returns its length. */
static size_t
put_req(void *buf, const struct opts *o, const struct ip_prefix *p,
    uint32_t seq, unsigned ifindex)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	struct rtmsg *m;

	h->nlmsg_type = o->del ? RTM_DELROUTE : RTM_NEWROUTE;
	h->nlmsg_flags = NLM_F_REQUEST |
	    (o->del ? 0 : NLM_F_CREATE | NLM_F_REPLACE);
	h->nlmsg_seq = seq;
	m = mnl_nlmsg_put_extra_header(h, sizeof(*m));
	m->rtm_family = p->addr.af;
	m->rtm_dst_len = p->len;
	m->rtm_protocol = o->proto;
	m->rtm_type = o->del ? RTN_UNSPEC : RTN_UNICAST;
	m->rtm_scope = RT_SCOPE_UNIVERSE;
	m->rtm_table = o->table < 256 ? (uint8_t)o->table : RT_TABLE_UNSPEC;
	if (o->table >= 256)
		mnl_attr_put_u32(h, RTA_TABLE, o->table);
	if (p->len > 0)
		mnl_attr_put(h, RTA_DST, addr_len(p->addr.af), p->addr.b);
	if (!o->del) {
		mnl_attr_put(h, RTA_GATEWAY, addr_len(o->via.af), o->via.b);
		mnl_attr_put_u32(h, RTA_OIF, ifindex);
	}
	return h->nlmsg_len;
}

/* Every request, in batches, before the clock starts. */
static struct batch *
build(const struct opts *o, const struct ip_prefix *p, size_t n,
    unsigned ifindex, size_t *nbatches)
{
	struct batch *b = NULL;
	size_t cap = 0, nb = 0, reqs = 0;
	uint32_t seq = 0;

	for (size_t i = 0; i < n; i++) {
		if (nb == 0 || b[nb - 1].len + REQ_MAX > BATCH_BYTES ||
		    reqs == BATCH_REQS) {
			b = xgrow(b, &cap, nb + 1, sizeof(*b));
			b[nb].data = xmalloc(BATCH_BYTES);
			b[nb++].len = 0;
			reqs = 0;
		}
		if (p[i].addr.af != o->via.af)
			fatalx("route %zu is not of the gateway's family", i);
		b[nb - 1].len += put_req(b[nb - 1].data + b[nb - 1].len, o,
		    &p[i], ++seq, ifindex);
		reqs++;
	}
	*nbatches = nb;
	return b;
}

/* The errors the kernel queued for the batch just sent. */
static size_t
read_errors(struct mnl_socket *nl, int *first)
{
	static uint8_t buf[65536];
	size_t errors = 0;

	for (;;) {
		ssize_t n = recv(mnl_socket_get_fd(nl), buf, sizeof(buf),
		    MSG_DONTWAIT);
		const struct nlmsghdr *h;
		int left;

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return errors;
			if (errno == EINTR)
				continue;
			fatal("netlink recv");
		}
		left = (int)n;
		for (h = (const void *)buf; mnl_nlmsg_ok(h, left);
		    h = mnl_nlmsg_next(h, &left)) {
			const struct nlmsgerr *e;

			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			e = mnl_nlmsg_get_payload(h);
			if (e->error == 0)
				continue;
			if (errors++ == 0)
				*first = -e->error;
		}
	}
}

static void
parse_args(struct opts *o, int argc, char **argv)
{
	enum { O_COUNT = 256, O_FAM, O_START, O_PLEN, O_PFX, O_VIA, O_DEV,
	    O_PROTO, O_TABLE, O_DEL };
	static const struct option lo[] = {
		{ "count", required_argument, NULL, O_COUNT },
		{ "family", required_argument, NULL, O_FAM },
		{ "start", required_argument, NULL, O_START },
		{ "plen", required_argument, NULL, O_PLEN },
		{ "prefixes", required_argument, NULL, O_PFX },
		{ "via", required_argument, NULL, O_VIA },
		{ "dev", required_argument, NULL, O_DEV },
		{ "proto", required_argument, NULL, O_PROTO },
		{ "table", required_argument, NULL, O_TABLE },
		{ "delete", no_argument, NULL, O_DEL },
		{ NULL, 0, NULL, 0 },
	};
	const char *start = NULL;
	int plen = -1, c;
	bool have_via = false;

	memset(o, 0, sizeof(*o));
	o->af = AF_INET;
	o->proto = 186;
	o->table = RT_TABLE_MAIN;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case O_COUNT:
			o->count = (size_t)bench_num("count", optarg, 1,
			    100000000);
			break;
		case O_FAM:
			if (strcmp(optarg, "4") != 0 &&
			    strcmp(optarg, "6") != 0)
				fatalx("--family: 4 or 6");
			o->af = optarg[0] == '6' ? AF_INET6 : AF_INET;
			break;
		case O_START:
			start = optarg;
			break;
		case O_PLEN:
			plen = (int)bench_num("plen", optarg, 0, 128);
			break;
		case O_PFX:
			o->file = optarg;
			break;
		case O_VIA:
			if (addr_parse(optarg, &o->via) != 0)
				fatalx("--via: bad address %s", optarg);
			have_via = true;
			break;
		case O_DEV:
			o->dev = optarg;
			break;
		case O_PROTO:
			o->proto = (uint8_t)bench_num("proto", optarg, 1, 255);
			break;
		case O_TABLE:
			o->table = (uint32_t)bench_num("table", optarg, 1,
			    UINT32_MAX);
			break;
		case O_DEL:
			o->del = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !have_via || o->dev == NULL ||
	    (o->count == 0) == (o->file == NULL))
		usage();
	if (o->file != NULL)
		return;
	if (o->via.af != o->af)
		fatalx("--via is not an IPv%d address",
		    o->af == AF_INET ? 4 : 6);
	if (start == NULL)
		start = o->af == AF_INET ? "100.64.0.0" : "2001:db8:1000::";
	if (addr_pfx_parse(start, &o->start, true) != 0 ||
	    o->start.addr.af != o->af)
		fatalx("--start: not an IPv%d prefix: %s",
		    o->af == AF_INET ? 4 : 6, start);
	if (plen >= 0) {
		if ((unsigned)plen > addr_bits(o->af))
			fatalx("--plen %d is too long", plen);
		o->start.len = (uint8_t)plen;
	}
	addr_pfx_mask(&o->start);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct mnl_socket *nl;
	struct ip_prefix *pfx;
	struct batch *b;
	size_t n, nb, errors = 0;
	unsigned ifindex;
	uint64_t t0, t1, tb;
	double c0, c1;
	int one = 1, sz = RCVBUF, first = 0;

	log_init("nlfloor", LOG_LVL_INFO, false);
	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_args(&o, argc, argv);
	ifindex = if_nametoindex(o.dev);
	if (ifindex == 0)
		fatal("--dev %s", o.dev);
	tb = monotime_ns();
	pfx = o.file != NULL ? read_prefixes(o.file, &n) :
	    make_prefixes(&o, &n);
	b = build(&o, pfx, n, ifindex, &nb);
	free(pfx);

	/* A command socket as fib/nl.c opens it; no multicast group. */
	nl = mnl_socket_open(NETLINK_ROUTE);
	if (nl == NULL || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		fatal("netlink socket");
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE,
	    &sz, sizeof(sz)) != 0)
		(void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF,
		    &sz, sizeof(sz));
	(void)mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	(void)mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));

	c0 = cpu_secs();
	t0 = monotime_ns();
	for (size_t i = 0; i < nb; i++) {
		if (mnl_socket_sendto(nl, b[i].data, b[i].len) < 0)
			fatal("netlink sendto");
		errors += read_errors(nl, &first);
	}
	t1 = monotime_ns();
	c1 = cpu_secs();
	mnl_socket_close(nl);

	bench_ev_begin(o.del ? "deleted" : "installed", t1);
	printf(",\"count\":%zu,\"secs\":%.6f,\"cpu_secs\":%.3f,"
	    "\"batches\":%zu,\"errors\":%zu,\"build_secs\":%.6f", n,
	    bench_secs(t1 - t0), c1 - c0, nb, errors,
	    bench_secs(t0 - tb));
	if (errors > 0)
		printf(",\"first_error\":\"%s\"", strerror(first));
	bench_ev_end();
	for (size_t i = 0; i < nb; i++)
		free(b[i].data);
	free(b);
	return errors > 0 ? 1 : 0;
}
