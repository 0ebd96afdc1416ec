/*
 * main: the bgpd command line (DESIGN.md section 4; bgpd(8) in
 * doc/bgpd.8 is the full reference).
 *
 *   bgpd [--config PATH] [--node NAME] [--socket PATH] [--log-level L]
 *        [--log-format text|json] [--route-protocol N] [--hold-time S]
 *        [--send-hold-time S] [--max-prefixes N] [--secrets-dir DIR]
 *        [--user NAME] [--socket-group GROUP] [--syslog] [--no-kernel]
 *        [--bird-socket PATH] [--bird6-socket PATH]
 *        [--metrics ADDR:PORT] [--check [--json]]
 *   bgpd COMMAND [ARGS] [--json] ...   (see usage())
 *
 * --check loads and validates the resources, prints this node's plan and
 * exits 0, or prints every problem as file:line:col and exits 1.  It opens
 * no socket.  The resources come from --config, or from Calico's etcd
 * (--datastore etcdv3 and --etcd-*, or calico/node's environment:
 * datastore/dsenv.h); with etcd, --check reads one snapshot.  Without
 * --check bgpd runs in the foreground until SIGTERM.  The commands talk
 * to a running bgpd over its control socket; options may come before or
 * after the command.  Usage errors exit 2.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "config/config.h"
#include "config/plan.h"
#include "daemon.h"
#include "datastore/ds.h"
#include "datastore/dsenv.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "request.h"
#include "secrets.h"
#include "datastore/epstatus.h"

#define DEFAULT_CONFIG		"/etc/bgpd"
#define DEFAULT_SOCKET		"/run/bgpd/bgpd.sock"
#define DEFAULT_PROTOCOL	186
#define DEFAULT_MAX_PREFIXES	1000000

/* Long options without a letter (issue 13). */
enum {
	OPT_MAX_PREFIXES = 256,
	OPT_SECRETS_DIR,
	OPT_USER,
	OPT_SOCKET_GROUP,
	OPT_EPSTATUS_DIR,
};

struct opts {
	const char *config;
	const char *node;
	const char *socket;
	enum log_level level;
	int	route_protocol;
	uint32_t send_hold;
	uint32_t hold;
	uint32_t max_prefixes;
	const char *secrets_dir;
	const char *epstatus_dir;	/* --endpoint-status-dir */
	const char *user, *socket_group;
	bool	use_syslog;
	bool	no_kernel;
	bool	check;
	bool	json;
	bool	log_json;
	const char *bird_socket, *bird6_socket;
	const char *metrics;
	/* Command options, passed on in the request. */
	bool	soft, ready, live;
	const char *message;
	const char *threshold;
	struct dsenv_flags dsf;
	struct dsenv ds;
};

/* The commands a running bgpd answers: name, positional arguments
 * (min, max), whether --json applies, and the usage line. */
static const struct command {
	const char *name;
	int	min, max;
	bool	json;
	const char *usage;
} commands[] = {
	{ "status", 0, 0, true, "status [--json]" },
	{ "routes", 0, 1, true, "routes [PREFIX|ADDRESS] [--json]" },
	{ "peer", 1, 1, true, "peer NAME|ADDRESS [--json]" },
	{ "adj-in", 1, 1, true, "adj-in NAME|ADDRESS [--json]" },
	{ "adj-out", 1, 1, true, "adj-out NAME|ADDRESS [--json]" },
	{ "shutdown", 1, 1, false, "shutdown NAME|ADDRESS [--message TEXT]" },
	{ "enable", 1, 1, false, "enable NAME|ADDRESS" },
	{ "clear", 1, 1, false, "clear NAME|ADDRESS [--soft]" },
	{ "log-level", 1, 1, false, "log-level LEVEL" },
	{ "config", 0, 0, true, "config [--json]" },
	{ "health", 0, 0, false, "health --ready|--live [--threshold SECS]" },
	{ "reload", 0, 0, false, "reload" },
	{ "version", 0, 0, false, "version" },
};
#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: bgpd [--config PATH] [--node NAME] [--socket PATH]\n"
	    "            [--log-level LEVEL] [--log-format text|json]\n"
	    "            [--route-protocol N] [--syslog] [--no-kernel]\n"
	    "            [--hold-time SECONDS] [--send-hold-time SECONDS]\n"
	    "            [--max-prefixes N] [--secrets-dir DIR]\n"
	    "            [--endpoint-status-dir DIR]\n"
	    "            [--user NAME] [--socket-group GROUP]\n"
	    "            [--bird-socket PATH] [--bird6-socket PATH]\n"
	    "            [--metrics ADDR:PORT] [--check [--json]]\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "       bgpd %s\n", commands[i].usage);
	fprintf(f,
	    "\n"
	    "  --config PATH         YAML file or directory of *.yaml "
	    "(default %s)\n"
	    "  --node NAME           this node (default $NODENAME, then the "
	    "host name)\n"
	    "  --socket PATH         control socket (default $BGPD_SOCKET, "
	    "then %s)\n"
	    "  --log-level LEVEL     debug, info, notice, warning or error\n"
	    "  --log-format FORMAT   text (default) or json: one JSON "
	    "object a line\n"
	    "  --route-protocol N    kernel route protocol (default %d)\n"
	    "  --hold-time S         hold time offered to peers, 3 to 65535\n"
	    "                        seconds (default 90)\n"
	    "  --send-hold-time S    drop a peer that reads nothing for S\n"
	    "                        seconds or twice the hold time, the\n"
	    "                        larger (default 480, RFC 9687)\n"
	    "  --max-prefixes N      close a session whose peer sends more\n"
	    "                        than N prefixes (default %d, 0: no\n"
	    "                        limit)\n"
	    "  --secrets-dir DIR     TCP-MD5 passwords: secretKeyRef {name,\n"
	    "                        key} is the file DIR/name/key (default\n"
	    "                        %s)\n"
	    "  --endpoint-status-dir DIR\n"
	    "                        Felix's endpoint status files: local\n"
	    "                        workload peering (default\n"
	    "                        $CALICO_ENDPOINT_STATUS_PATH_PREFIX,\n"
	    "                        else /var/run/calico, then\n"
	    "                        /endpoint-status)\n"
	    "  --user NAME           started as root: run as NAME with\n"
	    "                        CAP_NET_ADMIN and CAP_NET_BIND_SERVICE\n"
	    "                        only\n"
	    "  --socket-group GROUP  the control sockets' group: its members\n"
	    "                        may read status (changes need root or\n"
	    "                        the daemon's user)\n"
	    "  --syslog              log to syslog instead of stderr\n"
	    "  --no-kernel           BGP only: never touch kernel routes\n"
	    "  --bird-socket PATH    answer BIRD's CLI protocol there for "
	    "IPv4 sessions\n"
	    "                        (calico/node: "
	    "/var/run/calico/bird.ctl)\n"
	    "  --bird6-socket PATH   the same for IPv6 sessions "
	    "(bird6.ctl)\n"
	    "  --metrics ADDR:PORT   serve Prometheus metrics at "
	    "http://ADDR:PORT/metrics\n"
	    "  --datastore TYPE      file (default) or etcdv3 "
	    "($DATASTORE_TYPE)\n"
	    "  --etcd-endpoints URLS etcd members, comma-separated "
	    "($ETCD_ENDPOINTS)\n"
	    "  --etcd-ca FILE        CA of the etcd servers "
	    "($ETCD_CA_CERT_FILE)\n"
	    "  --etcd-cert FILE      client certificate ($ETCD_CERT_FILE)\n"
	    "  --etcd-key FILE       its key ($ETCD_KEY_FILE)\n"
	    "  --etcd-watch-idle S   restart a watch silent for S seconds "
	    "(default 660)\n"
	    "  --check               validate, print this node's plan, exit\n"
	    "  --json                with --check or a command: JSON "
	    "output\n"
	    "  --message TEXT        shutdown: the RFC 9003 shutdown "
	    "communication\n"
	    "  --soft                clear: route refresh both ways, no "
	    "reset\n"
	    "  --ready, --live       health: readiness or liveness\n"
	    "  --threshold SECS      health --ready: start-up time during "
	    "which every\n"
	    "                        session must be up (default 30)\n"
	    "  --help, --version\n"
	    "\n"
	    "BFD (RFC 5880/5881, single hop, IPv4 and IPv6) runs for a "
	    "BGPPeer with\n"
	    "failureDetectionMode: BFDIfDirectlyConnected whose peer is on "
	    "a connected\n"
	    "subnet of an interface a BFDConfiguration of this node "
	    "matches; a BFD\n"
	    "session going down takes its BGP session down at once "
	    "(Cease/BFD Down).\n"
	    "Not supported: multi-hop BFD (RFC 5883), echo mode, "
	    "authentication,\n"
	    "demand mode.\n",
	    DEFAULT_CONFIG, DEFAULT_SOCKET, DEFAULT_PROTOCOL,
	    DEFAULT_MAX_PREFIXES, SECRETS_DEFAULT_DIR);
}

/* calico/node's rule: $NODENAME, else the host name in lower case. */
static const char *
default_node(void)
{
	static char host[256];
	const char *env = getenv("NODENAME");

	if (env != NULL && env[0] != '\0')
		return env;
	if (gethostname(host, sizeof(host) - 1) != 0)
		return NULL;
	host[sizeof(host) - 1] = '\0';
	for (char *s = host; *s; s++)
		*s = (char)tolower((unsigned char)*s);
	return host;
}

static int
parse_protocol(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	/* 0-4 are the kernel's own (unspec, redirect, kernel, boot, static). */
	if (*s == '\0' || *end != '\0' || v < 5 || v > 255)
		return -1;
	*out = (int)v;
	return 0;
}

static int
parse_seconds(const char *s, long min, long max, uint32_t *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < min || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int
parse_count(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static void
print_diags(const struct config_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		char *s = config_diag_format(&d->v[i]);

		fprintf(stderr, "%s\n", s);
		free(s);
	}
}

static int
run_check(const struct opts *o)
{
	struct config cfg;
	struct config_diags pd;
	struct plan_opts popts = { .router_id = getenv("CALICO_ROUTER_ID") };
	struct epstatus_list wl;
	char *wdir;
	struct plan plan;
	struct buf_wr out;
	int rc;
	size_t skipped = 0;
	char err[512];
	const char *src = o->ds.type == DSENV_ETCD ? "etcd" : o->config;

	rc = ds_load_once(&o->ds, o->config, o->node, 15000, &cfg, &skipped,
	    err, sizeof(err));
	if (rc == -2) {
		fprintf(stderr, "bgpd: %s\n", err);
		return 1;
	}
	print_diags(&cfg.diags);
	if (rc != 0) {
		fprintf(stderr, "bgpd: %zu error%s in %s\n",
		    cfg.diags.nerrors, cfg.diags.nerrors == 1 ? "" : "s", src);
		config_free(&cfg);
		return 1;
	}
	memset(&pd, 0, sizeof(pd));
	wdir = epstatus_dir(o->epstatus_dir);
	epstatus_read(wdir, &wl);
	for (size_t i = 0; i < wl.nbad; i++)
		fprintf(stderr, "warning: endpoint status %s; that workload "
		    "is left out\n", wl.bad[i]);
	popts.workloads = wl.v;
	popts.nworkloads = wl.n;
	rc = plan_compute(&cfg, o->node, &popts, &plan, &pd);
	epstatus_list_free(&wl);
	free(wdir);
	print_diags(&pd);
	if (rc == 0) {
		buf_wr_init(&out, 0);
		if (o->json)
			plan_print_json(&plan, &out);
		else
			plan_print_text(&plan, &out);
		fputs(buf_str(&out), stdout);
		buf_wr_free(&out);
	}
	plan_free(&plan);
	config_diags_free(&pd);
	config_free(&cfg);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("bgpd: stdout");
		return 1;
	}
	if (skipped > 0) {
		/* The plan above is what bgpd would run: without them. */
		fprintf(stderr, "bgpd: %zu key%s in etcd skipped as invalid\n",
		    skipped, skipped == 1 ? "" : "s");
		return 1;
	}
	return rc == 0 ? 0 : 1;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "node", required_argument, NULL, 'n' },
		{ "socket", required_argument, NULL, 's' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "route-protocol", required_argument, NULL, 'p' },
		{ "send-hold-time", required_argument, NULL, 'H' },
		{ "hold-time", required_argument, NULL, 'T' },
		{ "max-prefixes", required_argument, NULL, OPT_MAX_PREFIXES },
		{ "secrets-dir", required_argument, NULL, OPT_SECRETS_DIR },
		{ "endpoint-status-dir", required_argument, NULL,
		    OPT_EPSTATUS_DIR },
		{ "user", required_argument, NULL, OPT_USER },
		{ "socket-group", required_argument, NULL, OPT_SOCKET_GROUP },
		{ "syslog", no_argument, NULL, 'S' },
		{ "no-kernel", no_argument, NULL, 'K' },
		{ "check", no_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		/* drop-in and operator options (issue 14) */
		{ "log-format", required_argument, NULL, 'F' },
		{ "bird-socket", required_argument, NULL, 'b' },
		{ "bird6-socket", required_argument, NULL, 'B' },
		{ "metrics", required_argument, NULL, 'M' },
		{ "message", required_argument, NULL, 'm' },
		{ "soft", no_argument, NULL, 'o' },
		{ "ready", no_argument, NULL, 'r' },
		{ "live", no_argument, NULL, 'L' },
		{ "threshold", required_argument, NULL, 't' },
		/* the datastore (issue 12) */
		{ "datastore", required_argument, NULL, 1001 },
		{ "etcd-endpoints", required_argument, NULL, 1002 },
		{ "etcd-ca", required_argument, NULL, 1003 },
		{ "etcd-cert", required_argument, NULL, 1004 },
		{ "etcd-key", required_argument, NULL, 1005 },
		{ "etcd-watch-idle", required_argument, NULL, 1006 },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:n:s:l:p:H:T:SKCjhV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case OPT_SECRETS_DIR: o->secrets_dir = optarg; break;
		case OPT_EPSTATUS_DIR: o->epstatus_dir = optarg; break;
		case OPT_USER: o->user = optarg; break;
		case OPT_SOCKET_GROUP: o->socket_group = optarg; break;
		case 'n': o->node = optarg; break;
		case 's': o->socket = optarg; break;
		case 'S': o->use_syslog = true; break;
		case 'K': o->no_kernel = true; break;
		case 'C': o->check = true; break;
		case 'j': o->json = true; break;
		case 'b': o->bird_socket = optarg; break;
		case 'B': o->bird6_socket = optarg; break;
		case 'M': o->metrics = optarg; break;
		case 'm': o->message = optarg; break;
		case 'o': o->soft = true; break;
		case 'r': o->ready = true; break;
		case 'L': o->live = true; break;
		case 't': o->threshold = optarg; break;
		case 'F':
			if (strcmp(optarg, "json") && strcmp(optarg, "text")) {
				fprintf(stderr, "bgpd: --log-format '%s': "
				    "expected text or json\n", optarg);
				return 2;
			}
			o->log_json = strcmp(optarg, "json") == 0;
			break;
		case 1001: o->dsf.datastore = optarg; break;
		case 1002: o->dsf.endpoints = optarg; break;
		case 1003: o->dsf.ca = optarg; break;
		case 1004: o->dsf.cert = optarg; break;
		case 1005: o->dsf.key = optarg; break;
		case 1006: o->dsf.watch_idle = optarg; break;
		case 'l':
			if (log_level_parse(optarg, &o->level) != 0) {
				fprintf(stderr, "bgpd: --log-level '%s': "
				    "expected debug, info, notice, warning "
				    "or error\n", optarg);
				return 2;
			}
			break;
		case 'p':
			if (parse_protocol(optarg, &o->route_protocol) != 0) {
				fprintf(stderr, "bgpd: --route-protocol '%s': "
				    "expected a number from 5 to 255\n",
				    optarg);
				return 2;
			}
			break;
		case 'H':
			if (parse_seconds(optarg, 1, 86400,
			    &o->send_hold) != 0) {
				fprintf(stderr, "bgpd: --send-hold-time '%s': "
				    "expected seconds from 1 to 86400\n",
				    optarg);
				return 2;
			}
			break;
		case 'T':
			/* RFC 4271 4.2: at least three seconds. */
			if (parse_seconds(optarg, 3, 65535, &o->hold) != 0) {
				fprintf(stderr, "bgpd: --hold-time '%s': "
				    "expected seconds from 3 to 65535\n",
				    optarg);
				return 2;
			}
			break;
		case OPT_MAX_PREFIXES:
			if (parse_count(optarg, &o->max_prefixes) != 0) {
				fprintf(stderr, "bgpd: --max-prefixes '%s': "
				    "expected a number from 0 to %u\n", optarg,
				    UINT32_MAX);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("bgpd %s\n", BGPD_VERSION);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	return 0;
}

static const struct command *
find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* Check a command's arguments and options; build its request line. */
static int
command_request(const struct command *c, char **args, int nargs,
    const struct opts *o, struct buf_wr *req)
{
	bool health = strcmp(c->name, "health") == 0;

	if (nargs < c->min || nargs > c->max) {
		fprintf(stderr, "bgpd: usage: bgpd %s\n", c->usage);
		return 2;
	}
	if ((o->json && !c->json) ||
	    (o->message && strcmp(c->name, "shutdown")) ||
	    (o->soft && strcmp(c->name, "clear")) ||
	    ((o->ready || o->live || o->threshold) && !health) ||
	    (health && o->ready == o->live) ||
	    (o->threshold && !o->ready)) {
		fprintf(stderr, "bgpd: usage: bgpd %s\n", c->usage);
		return 2;
	}
	request_put_word(req, c->name);
	for (int i = 0; i < nargs; i++)
		request_put_word(req, args[i]);
	if (o->message) {
		char *w = xmalloc(strlen(o->message) + 16);

		snprintf(w, strlen(o->message) + 16, "--message=%s",
		    o->message);
		request_put_word(req, w);
		free(w);
	}
	if (o->soft)
		request_put_word(req, "--soft");
	if (o->ready)
		request_put_word(req, "--ready");
	if (o->live)
		request_put_word(req, "--live");
	if (o->threshold) {
		char w[64];

		snprintf(w, sizeof(w), "--threshold=%.40s", o->threshold);
		request_put_word(req, w);
	}
	if (o->json)
		request_put_word(req, "json");
	return 0;
}

static int
run_command(const char *name, char **args, int nargs, const struct opts *o)
{
	const struct command *c = find_command(name);
	struct buf_wr req;
	int rc;

	if (c == NULL) {
		fprintf(stderr, "bgpd: unknown command '%s', expected one "
		    "of:", name);
		for (size_t i = 0; i < NCOMMANDS; i++)
			fprintf(stderr, " %s", commands[i].name);
		fprintf(stderr, "\n");
		return 2;
	}
	if (o->check) {
		fprintf(stderr, "bgpd: --check runs no command\n");
		return 2;
	}
	buf_wr_init(&req, 0);
	rc = command_request(c, args, nargs, o, &req);
	if (rc == 0)
		rc = client_run(o->socket, buf_str(&req));
	buf_wr_free(&req);
	return rc;
}

int
main(int argc, char **argv)
{
	struct opts o = {
		.config = DEFAULT_CONFIG,
		.level = LOG_LVL_INFO,
		.route_protocol = DEFAULT_PROTOCOL,
		.max_prefixes = DEFAULT_MAX_PREFIXES,
		.secrets_dir = SECRETS_DEFAULT_DIR,
	};
	int rc;

	/* getopt_long permutes: options may follow the command. */
	if ((rc = parse_args(argc, argv, &o)) != 0)
		return rc;
	o.socket = o.socket ? o.socket : getenv("BGPD_SOCKET") ?
	    getenv("BGPD_SOCKET") : DEFAULT_SOCKET;
	log_init("bgpd", o.level, o.use_syslog);
	log_set_json(o.log_json);
	if (optind < argc)
		return run_command(argv[optind], argv + optind + 1,
		    argc - optind - 1, &o);
	if (o.message || o.soft || o.ready || o.live || o.threshold) {
		fprintf(stderr, "bgpd: --message, --soft, --ready, --live "
		    "and --threshold go with a command\n");
		return 2;
	}
	if (o.node == NULL && (o.node = default_node()) == NULL) {
		fprintf(stderr, "bgpd: no node name: use --node or set "
		    "NODENAME\n");
		return 2;
	}
	if (o.json && !o.check) {
		fprintf(stderr, "bgpd: --json goes with --check (or with "
		    "a command)\n");
		return 2;
	}
	{
		char err[512];

		if (dsenv_load(&o.ds, &o.dsf, err, sizeof(err)) != 0) {
			fprintf(stderr, "bgpd: %s\n", err);
			return 2;
		}
	}
	if (o.check) {
		rc = run_check(&o);
		dsenv_free(&o.ds);
		return rc;
	}
	{
		struct daemon_opts d = {
			.ds = &o.ds,
			.config = o.config,
			.node = o.node,
			.socket = o.socket,
			.router_id = getenv("CALICO_ROUTER_ID"),
			.route_protocol = o.route_protocol,
			.send_hold = o.send_hold,
			.hold = (uint16_t)o.hold,
			.max_prefixes = o.max_prefixes,
			.secrets_dir = o.secrets_dir,
			.epstatus_dir = o.epstatus_dir,
			.user = o.user,
			.socket_group = o.socket_group,
			.no_kernel = o.no_kernel,
			.bird_socket = o.bird_socket,
			.bird6_socket = o.bird6_socket,
			.metrics = o.metrics,
		};

		rc = daemon_main(&d);
		dsenv_free(&o.ds);
		return rc;
	}
}
