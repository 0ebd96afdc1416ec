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
 * With --sentinel it keeps no table and reads almost no event: a
 * classic BPF socket filter makes the kernel drop every route
 * notification but the one that the goal's last change makes (the
 * sentinel prefix added, for --until-count; deleted, for --until-zero),
 * so the kernel does next to nothing for the observer while the routes
 * go in or out; then dumps confirm the count (see sentinel_run()).
 *
 * Uses fib/nl for sockets and parsing; everything else is here.
 */
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
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
	struct ip_prefix sentinel;	/* if has_sentinel */
	bool	has_sentinel;
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
	uint64_t received;		/* datagrams read from mon */
	struct buf_wr js;
	/* The sentinel mode's count (the last dump) and state. */
	size_t	dcount;
	bool	dsentinel;		/* the last dump had the sentinel */
	bool	watching;		/* mon passes the range's changes */
	bool	changed;		/* ... and one came */
	uint64_t goal_at;		/* the goal's time; 0: not yet */
	uint64_t goal_end;		/* the end of the dump that had it */
	unsigned goal_dumps;		/* dumps after the sentinel */
	const char *goal_by;		/* "start", "watch" or "dump" */
	uint64_t late;			/* changes seen after a watch's time */
	int	sigfd;			/* SIGTERM, SIGINT */
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
	DUMP_COUNT,		/* count, note the sentinel (sentinel mode) */
};

struct final {
	size_t	count;		/* routes in the dump */
	size_t	want[MAX_SAMPLE];	/* dump positions to sample */
	size_t	nwant, nsampled;
	struct nl_route last;
	struct json_w j;
};

/* A classic BPF program for the event socket (sentinel mode). */
#define FLT_MAX		48
struct flt {
	struct sock_filter c[FLT_MAX];
	unsigned n;
	unsigned fail[FLT_MAX];	/* jumps whose false branch refuses */
	unsigned nfail;
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
static void	 flt_put(struct flt *f, uint16_t code, uint8_t jt, uint8_t jf,
		    uint32_t k);
static void	 flt_need(struct flt *f, uint16_t op, uint32_t k);
static void	 flt_attr(struct flt *f, uint32_t type);
static void	 flt_build(struct flt *f, const struct opts *o, uint16_t t1,
		    uint16_t t2, const struct ip_prefix *p, bool exact);
static void	 flt_attach(int fd, const struct flt *f);
static bool	 goal_met(const struct obs *ob, size_t count);
static bool	 is_sentinel(const struct obs *ob, const struct nlmsghdr *h);
static bool	 read_sentinel(struct obs *ob);
static void	 watch_poll(struct obs *ob);
static void	 watch_end(struct obs *ob);
static void	 confirm(struct obs *ob, uint64_t deadline);
static void	 goal_report(struct obs *ob);
static void	 sentinel_run(struct obs *ob, int sigfd)
		    __attribute__((noreturn));
static void	 progress(struct obs *ob, struct shown *sh, uint64_t now);
static void	 finish(struct obs *ob, int code) __attribute__((noreturn));
static void	 parse_args(struct opts *o, int argc, char **argv);

static void
usage(void)
{
	fprintf(stderr, "usage: observe [--family 4|6] [--table N] "
	    "[--proto P] [--range PREFIX]\n"
	    "\t[--until-count N] [--until-zero] [--sentinel PREFIX] "
	    "[--timeout S]\n\t[--sample K] [--quiet]\n");
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
	ob->received += (uint64_t)n;
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

	if (mode == DUMP_COUNT) {
		ob->dcount++;
		if (addr_pfx_eq(&r->pfx, &ob->o.sentinel))
			ob->dsentinel = true;
		return;
	}
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
 * counts as adds and deletes), FINAL only counts and samples, COUNT
 * counts and looks for the sentinel (and, while the event socket
 * watches the range, reads it between the dump's reads).  A dump the
 * kernel says was disturbed (NLM_F_DUMP_INTR) is done again.
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
	if (mode == DUMP_COUNT) {
		ob->dcount = 0;
		ob->dsentinel = false;
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
		if (mode == DUMP_COUNT && ob->watching)
			watch_poll(ob);
	}
	if (intr && mode == DUMP_COUNT) {
		dump(ob, mode, fin);
		return;
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

/* ---- the sentinel mode ---- */

/*
 * Socket filters.  The kernel runs the program on each notification
 * before it queues it for us: what the program refuses costs one run of
 * it, nothing more (no queueing, no wakeup, no read).  Loads from the
 * message are big endian: a host-order field compares with htons() or
 * htonl() of the constant (as fib/nl.c's filter does), an address word
 * with the number its bytes make in network order.  The route's table
 * and destination are found with the kernel's attribute search
 * (SKF_AD_NLATTR: A = the offset of the first attribute of type X from
 * offset A on, 0 when there is none); every route message the kernel
 * sends has RTA_TABLE.
 */
#define RTM_ATTRS	(NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct rtmsg)))

static void
flt_put(struct flt *f, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	if (f->n == FLT_MAX)
		fatalx("%s: the filter does not fit", __func__);
	f->c[f->n].code = code;
	f->c[f->n].jt = jt;
	f->c[f->n].jf = jf;
	f->c[f->n].k = k;
	f->n++;
}

/* Go on if A compares true with k (op: BPF_JEQ, BPF_JGE...), else the
 * message is refused. */
static void
flt_need(struct flt *f, uint16_t op, uint32_t k)
{
	f->fail[f->nfail++] = f->n;
	flt_put(f, BPF_JMP | op | BPF_K, 0, 0, k);
}

/* X = the offset of the route's attribute of this type (refused when
 * the message has none). */
static void
flt_attr(struct flt *f, uint32_t type)
{
	flt_put(f, BPF_LDX | BPF_W | BPF_IMM, 0, 0, type);
	flt_put(f, BPF_LD | BPF_W | BPF_IMM, 0, 0, RTM_ATTRS);
	flt_put(f, BPF_LD | BPF_W | BPF_ABS, 0, 0,
	    (uint32_t)(SKF_AD_OFF + SKF_AD_NLATTR));
	flt_need(f, BPF_JGT, 0);
	flt_put(f, BPF_MISC | BPF_TAX, 0, 0, 0);
}

/*
 * The program that passes the route messages of type t1 (or t2, when
 * not 0) of our family, table (and protocol, if one was given) whose
 * destination lies in p: of p's length exactly when exact (p itself),
 * else of that length or longer.
 */
static void
flt_build(struct flt *f, const struct opts *o, uint16_t t1, uint16_t t2,
    const struct ip_prefix *p, bool exact)
{
	unsigned refuse;

	memset(f, 0, sizeof(*f));
	flt_put(f, BPF_LD | BPF_H | BPF_ABS, 0, 0,
	    offsetof(struct nlmsghdr, nlmsg_type));
	if (t2 != 0)
		flt_put(f, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, htons(t2));
	flt_need(f, BPF_JEQ, htons(t1));
	flt_put(f, BPF_LD | BPF_B | BPF_ABS, 0, 0,
	    NLMSG_HDRLEN + offsetof(struct rtmsg, rtm_family));
	flt_need(f, BPF_JEQ, (uint32_t)o->af);
	flt_put(f, BPF_LD | BPF_B | BPF_ABS, 0, 0,
	    NLMSG_HDRLEN + offsetof(struct rtmsg, rtm_dst_len));
	flt_need(f, exact ? BPF_JEQ : BPF_JGE, p->len);
	if (o->proto != 0) {
		flt_put(f, BPF_LD | BPF_B | BPF_ABS, 0, 0,
		    NLMSG_HDRLEN + offsetof(struct rtmsg, rtm_protocol));
		flt_need(f, BPF_JEQ, o->proto);
	}
	flt_attr(f, RTA_TABLE);
	flt_put(f, BPF_LD | BPF_W | BPF_IND, 0, 0, NLA_HDRLEN);
	flt_need(f, BPF_JEQ, htonl(o->table));
	if (p->len > 0)
		flt_attr(f, RTA_DST);
	for (unsigned i = 0; i * 32 < p->len; i++) {
		const uint8_t *b = p->addr.b + 4 * i;
		unsigned bits = p->len - i * 32;
		uint32_t w = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
		    (uint32_t)b[2] << 8 | b[3];
		uint32_t m = bits >= 32 ? 0xffffffffU :
		    ~(0xffffffffU >> bits);

		flt_put(f, BPF_LD | BPF_W | BPF_IND, 0, 0, NLA_HDRLEN + 4 * i);
		if (m != 0xffffffffU)
			flt_put(f, BPF_ALU | BPF_AND | BPF_K, 0, 0, m);
		flt_need(f, BPF_JEQ, w & m);
	}
	flt_put(f, BPF_RET | BPF_K, 0, 0, 0xffffffffU);
	refuse = f->n;
	flt_put(f, BPF_RET | BPF_K, 0, 0, 0);
	for (unsigned i = 0; i < f->nfail; i++)
		f->c[f->fail[i]].jf = (uint8_t)(refuse - f->fail[i] - 1);
}

/* Replaces the socket's filter: the kernel swaps it at once. */
static void
flt_attach(int fd, const struct flt *f)
{
	struct sock_fprog prog = { (unsigned short)f->n,
	    (struct sock_filter *)(uintptr_t)f->c };

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog)) != 0)
		fatal("SO_ATTACH_FILTER");
}

static bool
goal_met(const struct obs *ob, size_t count)
{
	return ob->o.has_count ? count >= ob->o.until_count : count == 0;
}

/* The notification the goal waits for: the sentinel added (for a
 * count), deleted (for zero).  The filter passes nothing else; this
 * checks it again. */
static bool
is_sentinel(const struct obs *ob, const struct nlmsghdr *h)
{
	struct nl_route r;

	return h->nlmsg_type == (ob->o.has_count ? RTM_NEWROUTE :
	    RTM_DELROUTE) && nl_parse_route(h, &r) == 0 && wanted(ob, &r) &&
	    addr_pfx_eq(&r.pfx, &ob->o.sentinel);
}

/* Reads what mon holds; true once the sentinel's notification came (or
 * one may have been lost: ENOBUFS, then the dumps decide). */
static bool
read_sentinel(struct obs *ob)
{
	static uint8_t buf[SLOT];
	bool seen = false;

	for (;;) {
		ssize_t n = recv(ob->mon.fd, buf, sizeof(buf), MSG_DONTWAIT);
		const struct nlmsghdr *h = (const void *)buf;
		int left;

		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return seen;
		if (n == -1 && errno == ENOBUFS) {
			ob->overruns++;
			log_warnx("route events lost (ENOBUFS): taking it "
			    "for the sentinel");
			return true;
		}
		if (n == -1)
			fatal("netlink event read");
		ob->received++;
		for (left = (int)n; NLMSG_OK(h, left);
		    h = NLMSG_NEXT(h, left))
			if (is_sentinel(ob, h))
				seen = true;
	}
}

/* While confirming: did a route of the range change since the watch
 * began?  The first change is enough to know, so the watch ends. */
static void
watch_poll(struct obs *ob)
{
	static uint8_t buf[SLOT];
	ssize_t n;

	n = recv(ob->mon.fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == -1 && errno != ENOBUFS)
		fatal("netlink event read");
	if (n == -1)
		ob->overruns++;
	else
		ob->received++;
	ob->changed = true;
	watch_end(ob);
}

/* Nothing listens to route events from here on. */
static void
watch_end(struct obs *ob)
{
	ob->watching = false;
	nl_close(&ob->mon);
}

/*
 * The sentinel came (or was there at start).  Its notification proves
 * only that it is in (or out); the count needs a dump.  From now on the
 * event socket passes every change of the range, and one dump follows:
 * if it has the goal's count and no change of the range came since the
 * watch began, the table was already so when the watch began: that
 * moment is the goal's time ("watch"; goal_report() checks it once
 * more).  Otherwise routes were still changing (a DUT that does not
 * install, or withdraw, in the generator's order): the watch ends,
 * dumps follow one another until one has the count, and the end of
 * that dump is the goal's time ("dump"): never early, late by up to
 * the time of a dump or two.
 */
static void
confirm(struct obs *ob, uint64_t deadline)
{
	struct pollfd sp = { ob->sigfd, POLLIN, 0 };
	struct flt f;
	uint64_t from, now;
	unsigned dumps = 0;

	flt_build(&f, &ob->o, RTM_NEWROUTE, RTM_DELROUTE, &ob->o.range,
	    false);
	flt_attach(ob->mon.fd, &f);
	from = monotime_ns();
	ob->watching = true;
	for (;;) {
		dump(ob, DUMP_COUNT, NULL);
		dumps++;
		if (ob->watching)
			watch_poll(ob);
		now = monotime_ns();
		if (goal_met(ob, ob->dcount)) {
			ob->goal_end = now;
			ob->goal_dumps = dumps;
			ob->goal_by = dumps > 1 || ob->changed ? "dump" :
			    "watch";
			ob->goal_at = dumps > 1 || ob->changed ? now : from;
			return;
		}
		if (ob->watching)
			watch_end(ob);
		if (now >= deadline)
			return;
		if (poll(&sp, 1, 0) == 1)
			finish(ob, 0);
	}
}

/*
 * The goal's event, printed once the final dump is done.  A time by
 * the watch holds if no change of the range was notified after it.  The
 * kernel inserts a route and queues its notification in one section
 * under RTNL, but a dump does not take RTNL: the confirming dump may
 * have read a route whose notification came only after that dump's
 * last look.  Such a change is read here, a whole final dump later:
 * then (or for any change after the watch's time) the time falls back
 * to the end of the confirming dump, which had the count.
 */
static void
goal_report(struct obs *ob)
{
	static uint8_t buf[SLOT];

	while (ob->watching) {
		ssize_t n = recv(ob->mon.fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			break;
		if (n == -1 && errno != ENOBUFS)
			fatal("netlink event read");
		if (n != -1)
			ob->received++;
		ob->late++;
	}
	if (ob->watching)
		watch_end(ob);
	if (ob->late > 0 && strcmp(ob->goal_by, "watch") == 0) {
		ob->goal_at = ob->goal_end;
		ob->goal_by = "dump";
	}
	bench_ev_begin(ob->o.has_count ? "reached" : "zero", ob->goal_at);
	printf(",\"count\":%zu,\"dumps\":%u,\"by\":\"%s\",\"late\":%"
	    PRIu64 "}\n", ob->dcount, ob->goal_dumps, ob->goal_by, ob->late);
}

/*
 * The sentinel mode's run: the filter first, then the group, then a
 * dump (nothing falls between); wait for the sentinel, confirm, finish.
 */
static void
sentinel_run(struct obs *ob, int sigfd)
{
	struct pollfd pfd[2];
	struct flt f;
	uint64_t deadline = UINT64_MAX, now;
	unsigned grp = ob->o.af == AF_INET ? RTNLGRP_IPV4_ROUTE :
	    RTNLGRP_IPV6_ROUTE;
	char err[256];
	bool seen;

	ob->sigfd = sigfd;
	if (nl_open(&ob->mon, 0, err, sizeof(err)) != 0 ||
	    nl_open(&ob->cmd, 0, err, sizeof(err)) != 0)
		fatalx("%s", err);
	flt_build(&f, &ob->o, ob->o.has_count ? RTM_NEWROUTE : RTM_DELROUTE,
	    0, &ob->o.sentinel, true);
	flt_attach(ob->mon.fd, &f);
	if (setsockopt(ob->mon.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp,
	    sizeof(grp)) != 0)
		fatal("NETLINK_ADD_MEMBERSHIP");
	dump(ob, DUMP_COUNT, NULL);
	now = monotime_ns();
	bench_ev_begin("start", now);
	printf(",\"count\":%zu,\"sentinel\":%s}\n", ob->dcount,
	    ob->dsentinel ? "true" : "false");
	if (ob->o.timeout > 0)
		deadline = now + (uint64_t)(ob->o.timeout * 1e9);
	if (goal_met(ob, ob->dcount)) {
		ob->goal_at = ob->goal_end = now;
		ob->goal_by = "start";
		finish(ob, 0);
	}
	/* In at start (for a count; out, for zero): no event will come. */
	seen = ob->o.has_count ? ob->dsentinel : !ob->dsentinel;
	pfd[0].fd = ob->mon.fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = sigfd;
	pfd[1].events = POLLIN;
	while (!seen) {
		int wait = 1000;

		now = monotime_ns();
		if (now >= deadline)
			break;
		if (deadline - now < (uint64_t)wait * (SEC / 1000))
			wait = (int)((deadline - now) / (SEC / 1000)) + 1;
		if (poll(pfd, 2, wait) == -1 && errno != EINTR)
			fatal("poll");
		if (pfd[1].revents != 0)
			finish(ob, 0);
		if (pfd[0].revents != 0)
			seen = read_sentinel(ob);
	}
	if (seen) {
		bench_ev_begin("sentinel", monotime_ns());
		printf(",\"received\":%" PRIu64 "}\n", ob->received);
		confirm(ob, deadline);
		if (ob->goal_at != 0)
			finish(ob, 0);
	}
	bench_ev_begin("timeout", monotime_ns());
	printf(",\"count\":%zu}\n", ob->dcount);
	finish(ob, 2);
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
	size_t c, k = ob->o.sample;

	/* The sentinel mode's count is its last dump's. */
	c = ob->o.has_sentinel ? ob->dcount : hash_count(&ob->t);

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
	if (ob->goal_at != 0)
		goal_report(ob);
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
	printf(",\"count\":%zu,\"dump_count\":%zu", c, fin->count);
	/* The sentinel mode reads no changes: it has none to count. */
	if (ob->o.has_sentinel)
		printf(",\"adds\":null,\"replaces\":null,\"dels\":null");
	else
		printf(",\"adds\":%" PRIu64 ",\"replaces\":%" PRIu64
		    ",\"dels\":%" PRIu64, ob->adds, ob->replaces, ob->dels);
	printf(",\"overruns\":%" PRIu64 ",\"received\":%" PRIu64
	    ",\"sample\":%s}\n", ob->overruns, ob->received, buf_str(&out));
	fflush(stdout);
	exit(code);
}

/* ---- main ---- */

static void
parse_args(struct opts *o, int argc, char **argv)
{
	enum { O_FAM = 256, O_TABLE, O_PROTO, O_RANGE, O_COUNT, O_ZERO,
	    O_TIMEOUT, O_SAMPLE, O_QUIET, O_SENTINEL };
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
		{ "sentinel", required_argument, NULL, O_SENTINEL },
		{ NULL, 0, NULL, 0 },
	};
	const char *range = NULL, *sentinel = NULL;
	unsigned long long v;
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->af = AF_INET;
	o->table = 254;
	o->sample = 5;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c != O_ZERO && c != O_QUIET && c != O_TIMEOUT &&
		    c != O_RANGE && c != O_SENTINEL && c > 0) {
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
		case O_SENTINEL:
			sentinel = optarg;
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
	if (sentinel == NULL)
		return;
	if (addr_pfx_parse(sentinel, &o->sentinel, true) != 0 ||
	    o->sentinel.addr.af != o->af || !addr_pfx_is_masked(&o->sentinel))
		fatalx("--sentinel: not an IPv%d prefix: %s",
		    o->af == AF_INET ? 4 : 6, sentinel);
	if (!addr_pfx_contains(&o->range, &o->sentinel))
		fatalx("--sentinel %s: not in --range", sentinel);
	if (o->has_count == o->until_zero)
		fatalx("--sentinel: with --until-count or --until-zero");
	o->has_sentinel = true;
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
	if (ob.o.has_sentinel)
		sentinel_run(&ob, pfd[1].fd);

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
