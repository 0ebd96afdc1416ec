/*
 * fibload: the kernel floor of the route benchmarks (bench/TOOLS.md).
 *
 * Installs N routes through the project's fib/ module alone, driven the
 * way daemon/kernel.c drives it (wait for the initial dumps, fib_set
 * everything, fib_ready, then fib_output while it wants to write and
 * fib_input when its sockets are readable), and times it; with --delete
 * it unsets them all and times that too.  Whatever bgpd adds on top of
 * this is the daemon's own cost.
 *
 * fib counts a route installed once its request is sent: the kernel
 * handles a netlink request inside sendmsg(), and fib reads the errors
 * of each batch before the next, so "installed" means in the table.
 */
#include <sys/resource.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fib/fib.h"
#include "lib/addr.h"
#include "lib/log.h"
#include "lib/monotime.h"
#include "lib/xalloc.h"

#include "common.h"

struct opts {
	size_t	count;
	int	af;
	struct ip_prefix start;
	struct ip_addr via;
	char	dev[FIB_IFNAMSIZ];
	uint8_t	proto;
	uint32_t table;
	bool	del;
};

enum goal {
	GOAL_SYNCED,
	GOAL_INSTALLED,
	GOAL_DELETED,
};

static void	 usage(void) __attribute__((noreturn));
static long	 vmhwm_kb(void);
static int	 pfx_nth(const struct ip_prefix *start, uint64_t n,
		    struct ip_prefix *out);
static bool	 reached(struct fib *f, enum goal goal, size_t n);
static void	 run(struct fib *f, enum goal goal, size_t n);
static void	 parse_args(struct opts *o, int argc, char **argv);

static void
usage(void)
{
	fprintf(stderr, "usage: fibload --count N [--family 4|6] "
	    "[--start PREFIX] [--plen L]\n"
	    "\t--via GATEWAY [--dev IFNAME] [--proto P] [--table N] "
	    "[--delete]\n");
	exit(1);
}

/* CPU seconds of the process so far, user and system (the kernel's
 * work for our requests is system time). */
static double
cpu_secs(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Peak resident set size, from /proc/self/status; -1 if unknown. */
static long
vmhwm_kb(void)
{
	FILE *fp = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(fp);
	return kb;
}

/* The n-th block of the start prefix's length; -1 past the end. */
static int
pfx_nth(const struct ip_prefix *start, uint64_t n, struct ip_prefix *out)
{
	*out = *start;
	return bench_addr_add(&out->addr, n,
	    addr_bits(start->addr.af) - start->len);
}

static bool
reached(struct fib *f, enum goal goal, size_t n)
{
	struct fib_stats st;

	if (goal == GOAL_SYNCED)
		return fib_synced(f);
	if (fib_want_write(f))
		return false;
	fib_stats(f, &st);
	if (goal == GOAL_DELETED)
		return st.kernel_own == 0 && st.wanted == 0;
	if (st.installed >= n)
		return true;
	/* Nothing left to send and still short: it will not come. */
	if (st.unresolved > 0)
		fatalx("%zu routes have no usable next hop: is the gateway "
		    "on a connected subnet (or reachable through a route)?",
		    st.unresolved);
	if (st.failing > 0)
		fatalx("the kernel refused %zu routes (see the messages "
		    "above)", st.failing);
	if (st.conflicts > 0)
		fatalx("%zu prefixes are held by another protocol's routes",
		    st.conflicts);
	return false;
}

/* The daemon's loop, cut down: until goal. */
static void
run(struct fib *f, enum goal goal, size_t n)
{
	struct pollfd p[2];

	for (;;) {
		uint64_t now = monotime_ms(), next;
		int wait = 100;

		if (fib_next_timer(f) <= now)
			fib_run_timers(f, now);
		if (fib_want_write(f))
			fib_output(f, now);
		if (reached(f, goal, n))
			return;
		next = fib_next_timer(f);
		if (fib_want_write(f))
			wait = 0;
		else if (next != UINT64_MAX && next - now < 100)
			wait = (int)(next - now);
		for (int i = 0; i < 2; i++) {
			p[i].fd = fib_fd(f, i);
			p[i].events = POLLIN;
			p[i].revents = 0;
		}
		if (poll(p, 2, wait) == -1 && errno != EINTR)
			fatal("poll");
		for (int i = 0; i < 2; i++)
			if (p[i].revents != 0)
				fib_input(f, i, monotime_ms());
	}
}

static void
parse_args(struct opts *o, int argc, char **argv)
{
	enum { O_COUNT = 256, O_FAM, O_START, O_PLEN, O_VIA, O_DEV,
	    O_PROTO, O_TABLE, O_DELETE };
	static const struct option lo[] = {
		{ "count", required_argument, NULL, O_COUNT },
		{ "family", required_argument, NULL, O_FAM },
		{ "start", required_argument, NULL, O_START },
		{ "plen", required_argument, NULL, O_PLEN },
		{ "via", required_argument, NULL, O_VIA },
		{ "dev", required_argument, NULL, O_DEV },
		{ "proto", required_argument, NULL, O_PROTO },
		{ "table", required_argument, NULL, O_TABLE },
		{ "delete", no_argument, NULL, O_DELETE },
		{ NULL, 0, NULL, 0 },
	};
	const char *start = NULL;
	unsigned long long v;
	int c, plen = -1;
	bool have_via = false;
	char *end;

	memset(o, 0, sizeof(*o));
	o->af = AF_INET;
	o->proto = FIB_PROTO_DEFAULT;
	o->table = 254;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		v = 0;
		if (c == O_COUNT || c == O_FAM || c == O_PLEN ||
		    c == O_PROTO || c == O_TABLE) {
			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (*optarg == '\0' || *optarg == '-' || *end != '\0' ||
			    errno != 0)
				fatalx("not a number: %s", optarg);
		}
		switch (c) {
		case O_COUNT:
			if (v == 0 || v > 100000000)
				fatalx("--count: 1 to 100000000");
			o->count = (size_t)v;
			break;
		case O_FAM:
			if (v != 4 && v != 6)
				fatalx("--family: 4 or 6");
			o->af = v == 4 ? AF_INET : AF_INET6;
			break;
		case O_START:
			start = optarg;
			break;
		case O_PLEN:
			if (v > 128)
				fatalx("--plen: 0 to 128");
			plen = (int)v;
			break;
		case O_VIA:
			if (addr_parse(optarg, &o->via) != 0)
				fatalx("--via: bad address %s", optarg);
			have_via = true;
			break;
		case O_DEV:
			if (strlen(optarg) >= sizeof(o->dev))
				fatalx("--dev: name too long");
			strcpy(o->dev, optarg);
			break;
		case O_PROTO:
			if (v == 0 || v > 255)
				fatalx("--proto: 1 to 255");
			o->proto = (uint8_t)v;
			break;
		case O_TABLE:
			if (v == 0 || v > UINT32_MAX)
				fatalx("--table: 1 to %u", UINT32_MAX);
			o->table = (uint32_t)v;
			break;
		case O_DELETE:
			o->del = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || o->count == 0 || !have_via)
		usage();
	if (o->via.af != o->af)
		fatalx("--via is not an IPv%d address", o->af == AF_INET ?
		    4 : 6);
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
	struct fib *f;
	struct fib_route r;
	struct fib_stats st;
	struct ip_prefix *pfx;
	uint64_t t0, t1, t2;
	double c0;
	size_t kept;
	char err[256];

	log_init("fibload", LOG_LVL_NOTICE, false);
	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_args(&o, argc, argv);
	pfx = xcalloc(o.count, sizeof(*pfx));
	for (size_t i = 0; i < o.count; i++)
		if (pfx_nth(&o.start, i, &pfx[i]) != 0)
			fatalx("route %zu is beyond the end of the address "
			    "space", i);

	f = fib_new(o.proto, o.table, NULL, err, sizeof(err));
	if (f == NULL || fib_start(f, monotime_ms(), err, sizeof(err)) != 0)
		fatalx("fib: %s", err);
	run(f, GOAL_SYNCED, 0);
	fib_stats(f, &st);
	kept = st.kernel_own;

	memset(&r, 0, sizeof(r));
	r.type = FIB_UNICAST;
	r.nnh = 1;
	r.nh[0].gw = o.via;
	memcpy(r.nh[0].dev, o.dev, sizeof(r.nh[0].dev));
	c0 = cpu_secs();
	t0 = monotime_ns();
	for (size_t i = 0; i < o.count; i++) {
		r.pfx = pfx[i];
		fib_set(f, &r);
	}
	fib_ready(f);
	t1 = monotime_ns();
	run(f, GOAL_INSTALLED, o.count);
	t2 = monotime_ns();
	fib_stats(f, &st);
	printf("{\"event\":\"installed\",\"t\":%.6f,\"count\":%zu,"
	    "\"secs\":%.6f,\"set_secs\":%.6f,\"found_at_start\":%zu,"
	    "\"adds\":%" PRIu64 ",\"replaces\":%" PRIu64 ",\"errors\":%"
	    PRIu64 ",\"resyncs\":%" PRIu64 ",\"vmhwm_kb\":%ld,"
	    "\"cpu_secs\":%.3f}\n",
	    (double)t2 / 1e9, st.installed, (double)(t2 - t0) / 1e9,
	    (double)(t1 - t0) / 1e9, kept, st.adds, st.replaces, st.errors,
	    st.resyncs, vmhwm_kb(), cpu_secs() - c0);
	if (o.del) {
		c0 = cpu_secs();
		t0 = monotime_ns();
		for (size_t i = 0; i < o.count; i++)
			fib_unset(f, &pfx[i]);
		run(f, GOAL_DELETED, 0);
		t2 = monotime_ns();
		fib_stats(f, &st);
		printf("{\"event\":\"deleted\",\"t\":%.6f,\"count\":%zu,"
		    "\"secs\":%.6f,\"deletes\":%" PRIu64 ",\"errors\":%"
		    PRIu64 ",\"resyncs\":%" PRIu64 ",\"vmhwm_kb\":%ld,"
		    "\"cpu_secs\":%.3f}\n",
		    (double)t2 / 1e9, o.count, (double)(t2 - t0) / 1e9,
		    st.deletes, st.errors, st.resyncs, vmhwm_kb(),
		    cpu_secs() - c0);
	}
	fib_free(f);
	free(pfx);
	return 0;
}
