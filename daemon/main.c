/*
 * main: the bgpd command line (DESIGN.md section 4).
 *
 *   bgpd [--config PATH] [--node NAME] [--socket PATH] [--log-level L]
 *        [--route-protocol N] [--hold-time S] [--send-hold-time S]
 *        [--syslog]
 *        [--check [--json]]
 *   bgpd status [--json] | routes [--json] | reload
 *
 * --check loads and validates the resources, prints this node's plan and
 * exits 0, or prints every problem as file:line:col and exits 1.  It opens
 * no socket.  Without --check bgpd runs in the foreground until SIGTERM.
 * The commands talk to a running bgpd over its control socket.  Usage
 * errors exit 2.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "config/config.h"
#include "config/plan.h"
#include "daemon.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#define DEFAULT_CONFIG		"/etc/bgpd"
#define DEFAULT_SOCKET		"/run/bgpd/bgpd.sock"
#define DEFAULT_PROTOCOL	186

struct opts {
	const char *config;
	const char *node;
	const char *socket;
	enum log_level level;
	int	route_protocol;
	uint32_t send_hold;
	uint32_t hold;
	bool	use_syslog;
	bool	no_kernel;
	bool	check;
	bool	json;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: bgpd [--config PATH] [--node NAME] [--socket PATH]\n"
	    "            [--log-level LEVEL] [--route-protocol N] [--syslog]\n"
	    "            [--hold-time SECONDS] [--send-hold-time SECONDS]\n"
	    "            [--no-kernel]\n"
	    "            [--check [--json]]\n"
	    "       bgpd status [--json]\n"
	    "       bgpd routes [--json]\n"
	    "       bgpd reload\n"
	    "\n"
	    "  --config PATH         YAML file or directory of *.yaml "
	    "(default %s)\n"
	    "  --node NAME           this node (default $NODENAME, then the "
	    "host name)\n"
	    "  --socket PATH         control socket (default $BGPD_SOCKET, "
	    "then %s)\n"
	    "  --log-level LEVEL     debug, info, notice, warning or error\n"
	    "  --route-protocol N    kernel route protocol (default %d)\n"
	    "  --hold-time S         hold time offered to peers, 3 to 65535\n"
	    "                        seconds (default 90)\n"
	    "  --send-hold-time S    drop a peer that reads nothing for S\n"
	    "                        seconds or twice the hold time, the\n"
	    "                        larger (default 480, RFC 9687)\n"
	    "  --syslog              log to syslog instead of stderr\n"
	    "  --no-kernel           BGP only: never touch kernel routes\n"
	    "  --check               validate, print this node's plan, exit\n"
	    "  --json                with --check: print the plan as JSON\n",
	    DEFAULT_CONFIG, DEFAULT_SOCKET, DEFAULT_PROTOCOL);
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
	struct plan_opts popts = { getenv("CALICO_ROUTER_ID") };
	struct plan plan;
	struct buf_wr out;
	int rc;

	rc = config_load(o->config, &cfg);
	print_diags(&cfg.diags);
	if (rc != 0) {
		fprintf(stderr, "bgpd: %zu error%s in %s\n",
		    cfg.diags.nerrors, cfg.diags.nerrors == 1 ? "" : "s",
		    o->config);
		config_free(&cfg);
		return 1;
	}
	memset(&pd, 0, sizeof(pd));
	rc = plan_compute(&cfg, o->node, &popts, &plan, &pd);
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
		{ "syslog", no_argument, NULL, 'S' },
		{ "no-kernel", no_argument, NULL, 'K' },
		{ "check", no_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:n:s:l:p:H:T:SKCjhV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'n': o->node = optarg; break;
		case 's': o->socket = optarg; break;
		case 'S': o->use_syslog = true; break;
		case 'K': o->no_kernel = true; break;
		case 'C': o->check = true; break;
		case 'j': o->json = true; break;
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

int
main(int argc, char **argv)
{
	struct opts o = {
		.config = DEFAULT_CONFIG,
		.level = LOG_LVL_INFO,
		.route_protocol = DEFAULT_PROTOCOL,
	};
	const char *cmd = NULL;
	int rc;

	if (argc > 1 && argv[1][0] != '-') {
		cmd = argv[1];
		argc--;
		argv++;
	}
	if ((rc = parse_args(argc, argv, &o)) != 0)
		return rc;
	if (optind < argc) {
		fprintf(stderr, "bgpd: unexpected argument '%s'\n",
		    argv[optind]);
		usage(stderr);
		return 2;
	}
	o.socket = o.socket ? o.socket : getenv("BGPD_SOCKET") ?
	    getenv("BGPD_SOCKET") : DEFAULT_SOCKET;
	log_init("bgpd", o.level, o.use_syslog);
	if (cmd != NULL) {
		if (strcmp(cmd, "status") && strcmp(cmd, "routes") &&
		    strcmp(cmd, "reload")) {
			fprintf(stderr, "bgpd: unknown command '%s', expected "
			    "status, routes or reload\n", cmd);
			return 2;
		}
		if (o.json && strcmp(cmd, "reload") == 0) {
			fprintf(stderr, "bgpd: reload has no --json\n");
			return 2;
		}
		return client_run(o.socket, cmd, o.json);
	}
	if (o.node == NULL && (o.node = default_node()) == NULL) {
		fprintf(stderr, "bgpd: no node name: use --node or set "
		    "NODENAME\n");
		return 2;
	}
	if (o.json && !o.check) {
		fprintf(stderr, "bgpd: --json goes with --check (or with "
		    "status and routes)\n");
		return 2;
	}
	if (o.check)
		return run_check(&o);
	{
		struct daemon_opts d = {
			.config = o.config,
			.node = o.node,
			.socket = o.socket,
			.router_id = getenv("CALICO_ROUTER_ID"),
			.route_protocol = o.route_protocol,
			.send_hold = o.send_hold,
			.hold = (uint16_t)o.hold,
			.no_kernel = o.no_kernel,
		};

		return daemon_main(&d);
	}
}
