/*
 * observe: watches one kernel routing table from inside a device under
 * test's network namespace and says, stamped with CLOCK_MONOTONIC, when
 * the routes of a prefix range reached a count or dropped to zero
 * (bench/TOOLS.md).
 *
 * It keeps its own table of the routes it has seen (prefix and metric):
 * a NEWROUTE for one it has is a replace, otherwise an add; a DELROUTE
 * of one it has is a delete.  Events come from the route multicast
 * groups through a 256 MiB receive buffer; if the kernel still drops
 * some (ENOBUFS), a dump puts the table right again and the loss is
 * counted.  At exit a fresh dump cross-checks the count and samples a
 * few routes, so the caller can check next hops.
 *
 * Uses fib/nl for sockets and parsing; everything else is here.
 */
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fib/nl.h"
#include "lib/addr.h"
#include "lib/buf.h"
#include "lib/hash.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/monotime.h"
#include "lib/xalloc.h"

#include "common.h"

#define SEC		1000000000ULL
#define EV_RCVBUF	(256 * 1024 * 1024)
#define NSLOTS		128		/* datagrams per recvmmsg() */
#define SLOT		8192		/* one notification fits */
#define BATCHES		64		/* recvmmsg() calls per wakeup */
#define DUMP_BUF	(1024 * 1024)
#define PROGRESS_NS	(SEC / 2)
#define MAX_SAMPLE	1000

struct opts {
	int	af;
	uint32_t table;
	uint8_t	proto;			/* 0: any */
	struct ip_prefix range;
	size_t	until_count;
	bool	has_count, until_zero, quiet;
	double	timeout;		/* seconds; 0: none */
	size_t	sample;
};

/* A route we count: the kernel keys routes by prefix and metric. */
struct rt {
	struct ip_prefix pfx;
	uint32_t prio;
	bool	seen;			/* resync mark */
};

struct obs {
	struct opts o;
	struct nl_sock mon, cmd;
	struct hash_table t;
	uint64_t adds, replaces, dels, overruns;
	uint64_t reached_at, zero_at;	/* 0: not yet */
	uint64_t last_change;		/* 0: none seen */
	struct buf_wr js;
};

/* Progress as last printed. */
struct shown {
	size_t	count;
	uint64_t adds, replaces, dels;
	uint64_t at;
};

enum dump_mode {
	DUMP_RESYNC,		/* mark, count what is new, sweep */
	DUMP_FINAL,		/* count and sample only */
};

struct final {
	size_t	count;		/* routes in the dump */
	size_t	want[MAX_SAMPLE];	/* dump positions to sample */
	size_t	nwant, nsampled;
	struct nl_route last;
	struct json_w j;
};

static void	 usage(void) __attribute__((noreturn));
static bool	 rt_eq(const void *e, const void *key);
static uint64_t	 rt_hash(const struct ip_prefix *p, uint32_t prio);
static bool	 wanted(const struct obs *ob, const struct nl_route *r);
static void	 check_goals(struct obs *ob);
static void	 on_route(struct obs *ob, const struct nlmsghdr *h);
static int	 read_events(struct obs *ob);
static void	 put_sample(struct obs *ob, struct final *fin,
		    const struct nl_route *r);
static void	 dump(struct obs *ob, enum dump_mode mode,
		    struct final *fin);
static void	 dump_route(struct obs *ob, enum dump_mode mode,
		    struct final *fin, const struct nl_route *r);
static void	 progress(struct obs *ob, struct shown *sh, uint64_t now);
static void	 finish(struct obs *ob, int code) __attribute__((noreturn));
static void	 parse_args(struct opts *o, int argc, char **argv);

static void
usage(void)
{
	fprintf(stderr, "usage: observe [--family 4|6] [--table N] "
	    "[--proto P] [--range PREFIX]\n"
	    "\t[--until-count N] [--until-zero] [--timeout S] [--sample K] "
	    "[--quiet]\n");
	exit(1);
}

/* ---- the table ---- */

static bool
rt_eq(const void *e, const void *key)
{
	const struct rt *a = e, *b = key;

	return a->prio == b->prio && addr_pfx_eq(&a->pfx, &b->pfx);
}

static uint64_t
rt_hash(const struct ip_prefix *p, uint32_t prio)
{
	return hash_mix(addr_pfx_hash(p), prio);
}

static bool
wanted(const struct obs *ob, const struct nl_route *r)
{
	return r->pfx.addr.af == ob->o.af && r->table == ob->o.table &&
	    (ob->o.proto == 0 || r->protocol == ob->o.proto) &&
	    addr_pfx_contains(&ob->o.range, &r->pfx);
}

/* Note the first moment each goal is met; the loop reports it. */
static void
check_goals(struct obs *ob)
{
	size_t n = hash_count(&ob->t);

	if (ob->o.has_count && ob->reached_at == 0 && n >= ob->o.until_count)
		ob->reached_at = monotime_ns();
	if (ob->o.until_zero && ob->zero_at == 0 && n == 0)
		ob->zero_at = monotime_ns();
}

static void
on_route(struct obs *ob, const struct nlmsghdr *h)
{
	const struct rtmsg *m = NLMSG_DATA(h);
	struct nl_route r;
	struct rt key, *e;
	uint64_t hv;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)) ||
	    m->rtm_family != ob->o.af || nl_parse_route(h, &r) != 0 ||
	    !wanted(ob, &r))
		return;
	memset(&key, 0, sizeof(key));
	key.pfx = r.pfx;
	key.prio = r.priority;
	hv = rt_hash(&r.pfx, r.priority);
	if (h->nlmsg_type == RTM_DELROUTE) {
		e = hash_remove(&ob->t, hv, rt_eq, &key);
		if (e == NULL)
			return;
		free(e);
		ob->dels++;
	} else if (hash_find(&ob->t, hv, rt_eq, &key) != NULL) {
		ob->replaces++;
		ob->last_change = monotime_ns();
		return;
	} else {
		e = xmalloc(sizeof(*e));
		*e = key;
		hash_insert(&ob->t, hv, e);
		ob->adds++;
	}
	ob->last_change = monotime_ns();
	check_goals(ob);
}

/* One batch of notifications; the number of datagrams, 0 when none
 * were waiting, -1 after a loss (resynchronised). */
static int
read_events(struct obs *ob)
{
	static uint8_t bufs[NSLOTS][SLOT];
	struct mmsghdr mm[NSLOTS];
	struct iovec iov[NSLOTS];
	int n;

	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < NSLOTS; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = SLOT;
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	n = recvmmsg(ob->mon.fd, mm, NSLOTS, MSG_DONTWAIT, NULL);
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		if (errno != ENOBUFS)
			fatal("netlink event read");
		ob->overruns++;
		log_warnx("route events lost (ENOBUFS, %" PRIu64 " so far): "
		    "reading the table again", ob->overruns);
		dump(ob, DUMP_RESYNC, NULL);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		int left = (int)mm[i].msg_len;
		const struct nlmsghdr *h = (const void *)bufs[i];

		if (mm[i].msg_hdr.msg_flags & MSG_TRUNC)
			log_warnx("a route event was truncated");
		for (; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left))
			if (h->nlmsg_type == RTM_NEWROUTE ||
			    h->nlmsg_type == RTM_DELROUTE)
				on_route(ob, h);
	}
	return n;
}

/* ---- dumps ---- */

static void
put_sample(struct obs *ob, struct final *fin, const struct nl_route *r)
{
	struct json_w *j = &fin->j;
	char a[ADDR_PFX_STRLEN], dev[IF_NAMESIZE];
	bool multi = r->nnh > 1;

	json_obj_begin(j);
	json_kstr(j, "dst", addr_pfx_fmt(&r->pfx, a, sizeof(a)));
	json_key(j, "gateway");
	if (r->nnh == 1 && r->nh[0].gw.af != 0)
		json_str(j, addr_fmt(&r->nh[0].gw, a, sizeof(a)));
	else
		json_null(j);
	json_key(j, "dev");
	if (r->nnh == 1 && r->nh[0].ifindex != 0 &&
	    if_indextoname((unsigned)r->nh[0].ifindex, dev) != NULL)
		json_str(j, dev);
	else
		json_null(j);
	json_key(j, "multipath");
	json_arr_begin(j);
	for (size_t i = 0; multi && i < r->nnh; i++) {
		json_obj_begin(j);
		json_key(j, "gateway");
		if (r->nh[i].gw.af != 0)
			json_str(j, addr_fmt(&r->nh[i].gw, a, sizeof(a)));
		else
			json_null(j);
		json_key(j, "dev");
		if (r->nh[i].ifindex != 0 &&
		    if_indextoname((unsigned)r->nh[i].ifindex, dev) != NULL)
			json_str(j, dev);
		else
			json_null(j);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_kuint(j, "protocol", r->protocol);
	json_kuint(j, "metric", r->priority);
	json_kstr(j, "type", r->type == RTN_UNICAST ? "unicast" :
	    r->type == RTN_BLACKHOLE ? "blackhole" : "other");
	json_obj_end(j);
	fin->nsampled++;
	(void)ob;
}

static void
dump_route(struct obs *ob, enum dump_mode mode, struct final *fin,
    const struct nl_route *r)
{
	struct rt key, *e;
	uint64_t hv;

	if (mode == DUMP_FINAL) {
		while (fin->nsampled < fin->nwant &&
		    fin->want[fin->nsampled] == fin->count)
			put_sample(ob, fin, r);
		fin->last = *r;
		fin->count++;
		return;
	}
	memset(&key, 0, sizeof(key));
	key.pfx = r->pfx;
	key.prio = r->priority;
	hv = rt_hash(&r->pfx, r->priority);
	e = hash_find(&ob->t, hv, rt_eq, &key);
	if (e == NULL) {
		e = xmalloc(sizeof(*e));
		*e = key;
		hash_insert(&ob->t, hv, e);
		ob->adds++;
		ob->last_change = monotime_ns();
	}
	e->seen = true;
}

/*
 * Read the table.  RESYNC makes ours agree with it (what was missed
 * counts as adds and deletes), FINAL only counts and samples.  A dump
 * the kernel says was disturbed (NLM_F_DUMP_INTR) is done again.
 */
static void
dump(struct obs *ob, enum dump_mode mode, struct final *fin)
{
	static uint8_t buf[DUMP_BUF];
	bool done = false, intr = false;
	uint32_t seq = ++ob->cmd.seq;
	size_t len;

	len = nl_put_dump(buf, sizeof(buf), RTM_GETROUTE, seq);
	((struct rtmsg *)NLMSG_DATA((struct nlmsghdr *)buf))->rtm_family =
	    (uint8_t)ob->o.af;
	if (send(ob->cmd.fd, buf, len, 0) != (ssize_t)len)
		fatal("netlink dump request");
	if (mode == DUMP_RESYNC) {
		size_t it = 0;
		struct rt *e;

		while ((e = hash_next(&ob->t, &it)) != NULL)
			e->seen = false;
	}
	while (!done) {
		struct pollfd p = { ob->cmd.fd, POLLIN, 0 };
		const struct nlmsghdr *h = (const void *)buf;
		ssize_t n;
		int left;

		n = recv(ob->cmd.fd, buf, sizeof(buf), 0);
		if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
			(void)poll(&p, 1, 1000);
			continue;
		}
		if (n == -1)
			fatal("netlink dump read");
		for (left = (int)n; NLMSG_OK(h, left);
		    h = NLMSG_NEXT(h, left)) {
			struct nl_route r;

			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				errno = -e->error;
				fatal("netlink dump");
			}
			if (h->nlmsg_type == RTM_NEWROUTE &&
			    nl_parse_route(h, &r) == 0 && wanted(ob, &r))
				dump_route(ob, mode, fin, &r);
		}
	}
	if (intr && mode == DUMP_FINAL) {
		/* Start over: the positions to sample stay the same. */
		buf_wr_reset(fin->j.out);
		json_init(&fin->j, fin->j.out, false);
		json_arr_begin(&fin->j);
		fin->count = fin->nsampled = 0;
		dump(ob, mode, fin);
		return;
	}
	if (mode == DUMP_RESYNC) {
		size_t it = 0;
		struct rt *e;

		while ((e = hash_next(&ob->t, &it)) != NULL) {
			if (e->seen)
				continue;
			hash_remove_entry(&ob->t, rt_hash(&e->pfx, e->prio),
			    e);
			free(e);
			ob->dels++;
			ob->last_change = monotime_ns();
		}
		if (intr)
			dump(ob, mode, fin);
		check_goals(ob);
	}
}

/* ---- output ---- */

static void
progress(struct obs *ob, struct shown *sh, uint64_t now)
{
	size_t n = hash_count(&ob->t);

	if (ob->o.quiet || now - sh->at < PROGRESS_NS)
		return;
	sh->at = now;
	if (n == sh->count && ob->adds == sh->adds &&
	    ob->replaces == sh->replaces && ob->dels == sh->dels)
		return;
	bench_ev_begin("progress", now);
	printf(",\"count\":%zu,\"adds\":%" PRIu64 ",\"replaces\":%" PRIu64
	    ",\"dels\":%" PRIu64 "}\n", n, ob->adds, ob->replaces, ob->dels);
	sh->count = n;
	sh->adds = ob->adds;
	sh->replaces = ob->replaces;
	sh->dels = ob->dels;
}

/* The cross-checking dump, the "final" line, exit. */
static void
finish(struct obs *ob, int code)
{
	struct final *fin = xcalloc(1, sizeof(*fin));
	struct buf_wr out;
	size_t c = hash_count(&ob->t), k = ob->o.sample;

	if (k > c)
		k = c;
	/* Spread over the table in dump order (address order). */
	for (size_t i = 0; i < k; i++)
		fin->want[i] = k == 1 ? c / 2 : i * (c - 1) / (k - 1);
	fin->nwant = k;
	buf_wr_init(&out, 0);
	json_init(&fin->j, &out, false);
	json_arr_begin(&fin->j);
	dump(ob, DUMP_FINAL, fin);
	/* Fewer routes than we knew of: at least show the last. */
	if (fin->nsampled == 0 && fin->count > 0 && k > 0)
		put_sample(ob, fin, &fin->last);
	json_arr_end(&fin->j);
	bench_ev_begin("final", monotime_ns());
	/* When the last add, replace or delete was seen (null: none). */
	if (ob->last_change != 0)
		printf(",\"last_change\":%.6f",
		    (double)ob->last_change / 1e9);
	else
		printf(",\"last_change\":null");
	printf(",\"count\":%zu,\"dump_count\":%zu,\"adds\":%" PRIu64
	    ",\"replaces\":%" PRIu64 ",\"dels\":%" PRIu64 ",\"overruns\":%"
	    PRIu64 ",\"sample\":%s}\n", c, fin->count, ob->adds,
	    ob->replaces, ob->dels, ob->overruns, buf_str(&out));
	fflush(stdout);
	exit(code);
}

/* ---- main ---- */

static void
parse_args(struct opts *o, int argc, char **argv)
{
	enum { O_FAM = 256, O_TABLE, O_PROTO, O_RANGE, O_COUNT, O_ZERO,
	    O_TIMEOUT, O_SAMPLE, O_QUIET };
	static const struct option lo[] = {
		{ "family", required_argument, NULL, O_FAM },
		{ "table", required_argument, NULL, O_TABLE },
		{ "proto", required_argument, NULL, O_PROTO },
		{ "range", required_argument, NULL, O_RANGE },
		{ "until-count", required_argument, NULL, O_COUNT },
		{ "until-zero", no_argument, NULL, O_ZERO },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "sample", required_argument, NULL, O_SAMPLE },
		{ "quiet", no_argument, NULL, O_QUIET },
		{ NULL, 0, NULL, 0 },
	};
	const char *range = NULL;
	unsigned long long v;
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->af = AF_INET;
	o->table = 254;
	o->sample = 5;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c != O_ZERO && c != O_QUIET && c != O_TIMEOUT &&
		    c != O_RANGE && c > 0) {
			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (*optarg == '\0' || *optarg == '-' || *end != '\0' ||
			    errno != 0)
				fatalx("not a number: %s", optarg);
		} else {
			v = 0;
		}
		switch (c) {
		case O_FAM:
			if (v != 4 && v != 6)
				fatalx("--family: 4 or 6");
			o->af = v == 4 ? AF_INET : AF_INET6;
			break;
		case O_TABLE:
			if (v == 0 || v > UINT32_MAX)
				fatalx("--table: 1 to %u", UINT32_MAX);
			o->table = (uint32_t)v;
			break;
		case O_PROTO:
			if (v > 255)
				fatalx("--proto: 0 to 255");
			o->proto = (uint8_t)v;
			break;
		case O_RANGE:
			range = optarg;
			break;
		case O_COUNT:
			o->until_count = (size_t)v;
			o->has_count = true;
			break;
		case O_ZERO:
			o->until_zero = true;
			break;
		case O_TIMEOUT:
			o->timeout = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' || o->timeout <= 0)
				fatalx("--timeout: seconds, more than 0");
			break;
		case O_SAMPLE:
			if (v > MAX_SAMPLE)
				fatalx("--sample: at most %d", MAX_SAMPLE);
			o->sample = (size_t)v;
			break;
		case O_QUIET:
			o->quiet = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (range == NULL)
		range = o->af == AF_INET ? "100.64.0.0/10" :
		    "2001:db8:1000::/48";
	if (addr_pfx_parse(range, &o->range, false) != 0 ||
	    o->range.addr.af != o->af)
		fatalx("--range: not an IPv%d prefix: %s",
		    o->af == AF_INET ? 4 : 6, range);
	addr_pfx_mask(&o->range);
}

int
main(int argc, char **argv)
{
	struct obs ob;
	struct shown sh;
	struct pollfd pfd[2];
	sigset_t set;
	uint64_t deadline = UINT64_MAX;
	char err[256];
	int sz = EV_RCVBUF;

	log_init("observe", LOG_LVL_INFO, false);
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&ob, 0, sizeof(ob));
	memset(&sh, 0, sizeof(sh));
	parse_args(&ob.o, argc, argv);
	hash_init(&ob.t);

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		fatal("sigprocmask");
	pfd[1].fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (pfd[1].fd == -1)
		fatal("signalfd");
	pfd[1].events = POLLIN;

	/* Listen first, then dump: nothing falls between the two. */
	if (nl_open(&ob.mon, RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE, err,
	    sizeof(err)) != 0 || nl_open(&ob.cmd, 0, err, sizeof(err)) != 0)
		fatalx("%s", err);
	if (setsockopt(ob.mon.fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz,
	    sizeof(sz)) != 0)
		log_warn("SO_RCVBUFFORCE %d (not root?): events may be lost",
		    sz);
	pfd[0].fd = ob.mon.fd;
	pfd[0].events = POLLIN;
	dump(&ob, DUMP_RESYNC, NULL);
	ob.adds = 0;		/* what was there is not a change */
	sh.count = hash_count(&ob.t);
	sh.at = monotime_ns();
	bench_ev_begin("start", sh.at);
	printf(",\"count\":%zu}\n", sh.count);
	if (ob.o.timeout > 0)
		deadline = sh.at + (uint64_t)(ob.o.timeout * 1e9);

	for (;;) {
		uint64_t now = monotime_ns();
		int wait;

		if (ob.reached_at != 0) {
			bench_ev_begin("reached", ob.reached_at);
			printf(",\"count\":%zu}\n", hash_count(&ob.t));
			finish(&ob, 0);
		}
		if (ob.zero_at != 0) {
			bench_ev_begin("zero", ob.zero_at);
			printf("}\n");
			finish(&ob, 0);
		}
		if (now >= deadline) {
			bench_ev_begin("timeout", now);
			printf(",\"count\":%zu}\n", hash_count(&ob.t));
			finish(&ob, 2);
		}
		progress(&ob, &sh, now);
		wait = (int)((PROGRESS_NS + SEC / 1000 - 1) / (SEC / 1000));
		if (deadline != UINT64_MAX && deadline - now < PROGRESS_NS)
			wait = (int)((deadline - now) / (SEC / 1000)) + 1;
		if (poll(pfd, 2, wait) == -1 && errno != EINTR)
			fatal("poll");
		if (pfd[1].revents != 0)
			finish(&ob, 0);
		if (pfd[0].revents == 0)
			continue;
		for (int i = 0; i < BATCHES; i++)
			if (read_events(&ob) == 0 || ob.reached_at != 0 ||
			    ob.zero_at != 0)
				break;
	}
}
