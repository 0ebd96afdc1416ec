/*
 * bfdprobe: bfd/io.c on its own, for the transport tests before any BGP
 * wiring (t_bfd_transport.sh) and the BFD benchmark.  Runs BFD sessions
 * to the given peers and prints one JSON object per line on stdout:
 *
 *   {"event":"state","t":T,"peer":P,"state":S,"old":S,"diag":D}
 *   {"event":"session","t":T,"peer":P,"state":S,...}   on SIGUSR1
 *   {"event":"stats","t":T,...}                       on SIGUSR1, at exit
 *
 * t is CLOCK_MONOTONIC in seconds (the same clock in every namespace).
 * SIGTERM/SIGINT: AdminDown to every peer, then exit 0.
 *
 * bfdprobe [--tx MS] [--rx MS] [--idle MS] [--mult N]
 *          --peer ADDR[%LOCAL] [--peer ...]
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "bfd/bfd.h"
#include "bfd/io.h"
#include "lib/addr.h"

#define MAXPEERS 1024

static struct bfd_io_req reqs[MAXPEERS];
static size_t nreqs;

static double
tsec(uint64_t us)
{
	return (double)us / 1e6;
}

static const char *
peer_of(uint64_t id, char *buf, size_t size)
{
	return id < nreqs ? addr_fmt(&reqs[id].peer, buf, size) : "?";
}

static void
print_sessions(struct bfd_io *io)
{
	struct bfd_io_info *v;
	struct bfd_io_stats st;
	size_t n = bfd_io_snapshot(io, &v);
	char a[ADDR_STRLEN];

	for (size_t i = 0; i < n; i++) {
		printf("{\"event\":\"session\",\"t\":%.6f,\"peer\":\"%s\","
		    "\"state\":\"%s\",\"remote_state\":\"%s\","
		    "\"tx_ms\":%.1f,\"rx_ms\":%.1f,\"detect_ms\":%.1f,"
		    "\"mult\":%u,\"remote_mult\":%u,\"sport\":%u,"
		    "\"ups\":%u,\"downs\":%u,\"rx\":%" PRIu64 ",\"tx\":%"
		    PRIu64 ",\"drops\":%" PRIu64 ",\"down_reason\":\"%s\"}\n",
		    tsec(bfd_io_now()), peer_of(v[i].id, a, sizeof(a)),
		    bfd_state_name(v[i].state),
		    bfd_state_name(v[i].remote_state), v[i].tx_us / 1e3,
		    v[i].rx_us / 1e3, v[i].detect_us / 1e3, v[i].conf.mult,
		    v[i].remote_mult, v[i].sport, v[i].n_up, v[i].n_down,
		    v[i].rx_pkts, v[i].tx_pkts, v[i].drops,
		    v[i].down_reason);
	}
	free(v);
	bfd_io_stats(io, &st);
	printf("{\"event\":\"stats\",\"t\":%.6f,\"sessions\":%zu,"
	    "\"rx\":%" PRIu64 ",\"tx\":%" PRIu64 ",\"tx_errors\":%" PRIu64
	    ",\"cpu_us\":%" PRIu64 ",\"wakeups\":%" PRIu64 ",\"drops\":{",
	    tsec(bfd_io_now()), st.sessions, st.rx_pkts, st.tx_pkts,
	    st.tx_errors, st.cpu_us, st.wakeups);
	for (int i = 1; i < BFD_DROP_MAX; i++)
		printf("%s\"%s\":%" PRIu64, i > 1 ? "," : "",
		    bfd_drop_name((unsigned)i), st.drops[i]);
	printf("}}\n");
	fflush(stdout);
}

static void
usage(void)
{
	fprintf(stderr, "usage: bfdprobe [--tx MS] [--rx MS] [--idle MS] "
	    "[--mult N] --peer ADDR[%%LOCAL] ...\n");
	exit(1);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tx", required_argument, NULL, 't' },
		{ "rx", required_argument, NULL, 'r' },
		{ "idle", required_argument, NULL, 'i' },
		{ "mult", required_argument, NULL, 'm' },
		{ "peer", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	struct bfd_conf c = { 100000, 100000, 1000000, 3 };
	char err[256], *peers[MAXPEERS];
	size_t np = 0;
	struct bfd_io *io;
	sigset_t set;
	int ch, sfd;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 't': c.min_tx_us = (uint32_t)atoi(optarg) * 1000; break;
		case 'r': c.min_rx_us = (uint32_t)atoi(optarg) * 1000; break;
		case 'i': c.idle_tx_us = (uint32_t)atoi(optarg) * 1000; break;
		case 'm': c.mult = (uint8_t)atoi(optarg); break;
		case 'p':
			if (np == MAXPEERS)
				usage();
			peers[np++] = optarg;
			break;
		default:
			usage();
		}
	}
	if (np == 0 || c.mult == 0 || c.min_tx_us == 0 || c.min_rx_us == 0)
		usage();
	for (size_t i = 0; i < np; i++) {
		struct bfd_io_req *r = &reqs[nreqs];
		char *pct = strchr(peers[i], '%');

		memset(r, 0, sizeof(*r));
		if (pct != NULL) {
			*pct = '\0';
			if (addr_parse(pct + 1, &r->local) != 0) {
				fprintf(stderr, "bfdprobe: bad address %s\n",
				    pct + 1);
				return 1;
			}
		}
		if (addr_parse(peers[i], &r->peer) != 0) {
			fprintf(stderr, "bfdprobe: bad address %s\n",
			    peers[i]);
			return 1;
		}
		r->id = nreqs++;
		r->conf = c;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	io = bfd_io_start(err, sizeof(err));
	if (io == NULL) {
		fprintf(stderr, "bfdprobe: %s\n", err);
		return 1;
	}
	for (size_t i = 0; i < nreqs; i++)
		bfd_io_add(io, &reqs[i]);
	printf("{\"event\":\"started\",\"t\":%.6f,\"peers\":%zu}\n",
	    tsec(bfd_io_now()), nreqs);
	fflush(stdout);
	for (;;) {
		struct pollfd pf[2] = {
			{ bfd_io_fd(io), POLLIN, 0 }, { sfd, POLLIN, 0 },
		};
		struct bfd_io_event ev[64];
		size_t n;
		char a[ADDR_STRLEN], d[40];

		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			break;
		if (pf[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGUSR1) {
					print_sessions(io);
					continue;
				}
				break;
			}
		}
		n = bfd_io_events(io, ev, 64);
		for (size_t i = 0; i < n; i++)
			printf("{\"event\":\"state\",\"t\":%.6f,\"peer\":"
			    "\"%s\",\"state\":\"%s\",\"old\":\"%s\","
			    "\"diag\":\"%s\",\"remote_admin\":%s}\n",
			    tsec(ev[i].at_us), peer_of(ev[i].id, a,
			    sizeof(a)), bfd_state_name(ev[i].state),
			    bfd_state_name(ev[i].old_state),
			    bfd_diag_name(ev[i].diag, d, sizeof(d)),
			    ev[i].remote_admin ? "true" : "false");
		fflush(stdout);
	}
	print_sessions(io);
	bfd_io_stop(io);
	return 0;
}
