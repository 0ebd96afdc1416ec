/* ops: see ops.h. */
#include "ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bgp/bgp.h"
#include "bgp/speaker.h"
#include "config/plan.h"
#include "ctlauth.h"
#include "health.h"
#include "lib/log.h"
#include "peer_io.h"
#include "request.h"
#include "show.h"
#include "view.h"

static const struct conn *
peer_arg(const struct view *v, const struct request *r, struct buf_wr *out)
{
	const char *name = request_word(r, 1);
	const struct conn *c;

	if (name == NULL || request_word(r, 2) != NULL) {
		buf_printf(out, "ERROR usage: %s NAME|ADDRESS\n",
		    request_word(r, 0));
		return NULL;
	}
	if ((c = show_find_conn(v, name)) == NULL)
		buf_printf(out, "ERROR no session '%.96s' (bgpd status lists "
		    "them)\n", name);
	return c;
}

static void
op_shutdown(const struct view *v, const struct conn *c,
    const struct request *r, struct buf_wr *out)
{
	const char *msg = request_opt(r, "message");
	struct session *s = speaker_peer_session(c->peer_sp);

	if (msg != NULL && strlen(msg) > 255) {
		buf_put_str(out, "ERROR --message: at most 255 octets "
		    "(RFC 9003)\n");
		return;
	}
	if (!s->fsm.running) {
		buf_printf(out, "OK\n%s is already shut down\n", c->name);
		return;
	}
	log_notice("%s: shut down by the operator%s%s", c->name,
	    msg ? ": " : "", msg ? msg : "");
	view_peer_stop(v, c, BGP_CEASE_SHUTDOWN, msg);
	buf_printf(out, "OK\n%s shut down; `bgpd enable %s` starts it "
	    "again\n", c->name, c->name);
}

static void
op_enable(const struct view *v, const struct conn *c, struct buf_wr *out)
{
	struct session *s = speaker_peer_session(c->peer_sp);
	const char *why;

	if (s->fsm.running) {
		buf_printf(out, "OK\n%s is already enabled (%s)\n", c->name,
		    session_state_name(s));
		return;
	}
	log_notice("%s: enabled by the operator", c->name);
	if ((why = view_peer_start(v, c)) != NULL) {
		buf_printf(out, "ERROR %s stays down: %s\n", c->name, why);
		return;
	}
	buf_printf(out, "OK\n%s enabled\n", c->name);
}

static void
op_clear(const struct view *v, const struct conn *c,
    const struct request *r, struct buf_wr *out)
{
	struct session *s = speaker_peer_session(c->peer_sp);
	const char *why;

	if (!s->fsm.running) {
		buf_printf(out, "ERROR %s is shut down (bgpd enable %s)\n",
		    c->name, c->name);
		return;
	}
	if (request_opt(r, "soft") != NULL) {
		bool asked;

		if (!session_established(s)) {
			buf_printf(out, "ERROR %s is not Established\n",
			    c->name);
			return;
		}
		/* RFC 2918: ask for its routes; and send ours again. */
		asked = view_peer_refresh(v, c);
		log_notice("%s: soft clear by the operator", c->name);
		buf_printf(out, "OK\n%s: our routes sent again; %s\n",
		    c->name, asked ? "route refresh requested" : "the peer "
		    "cannot refresh (no route-refresh capability)");
		return;
	}
	log_notice("%s: reset by the operator", c->name);
	view_peer_stop(v, c, BGP_CEASE_RESET, NULL);
	if ((why = view_peer_start(v, c)) != NULL) {
		buf_printf(out, "ERROR %s stays down: %s\n", c->name, why);
		return;
	}
	buf_printf(out, "OK\n%s reset (Cease, administrative reset); it "
	    "reconnects now\n", c->name);
}

static void
op_log_level(const struct view *v, const struct request *r,
    struct buf_wr *out)
{
	enum log_level lvl;
	const char *w = request_word(r, 1);

	if (w == NULL || log_level_parse(w, &lvl) != 0) {
		buf_put_str(out, "ERROR expected debug, info, notice, warning "
		    "or error\n");
		return;
	}
	log_notice("log level %s (was %s)", log_level_name(lvl),
	    log_level_name(log_get_level()));
	view_log_level(v, lvl);
	buf_printf(out, "OK\nlog level %s\n", log_level_name(lvl));
}

static void
op_health(const struct view *vw, const struct request *r,
    struct buf_wr *out)
{
	const char *t = request_opt(r, "threshold");
	unsigned threshold = HEALTH_THRESHOLD_S;
	char why[600], *end;

	if (t != NULL) {
		unsigned long v = strtoul(t, &end, 10);

		if (*t == '\0' || *end != '\0' || v > 86400) {
			buf_put_str(out, "ERROR --threshold: seconds, 0 to "
			    "86400\n");
			return;
		}
		threshold = (unsigned)v;
	}
	if (request_opt(r, "live") != NULL) {
		health_live(vw, why, sizeof(why));
		buf_printf(out, "OK\n%s\n", why);
	} else if (request_opt(r, "ready") != NULL) {
		bool ok = health_ready(vw, threshold, why, sizeof(why));

		buf_printf(out, "%s%s\n", ok ? "OK\n" : "ERROR ", why);
	} else {
		buf_put_str(out, "ERROR health needs --ready or --live\n");
	}
}

static bool
dispatch(const struct view *v, uid_t uid, const struct request *r,
    struct buf_wr *out)
{
	const char *cmd = request_word(r, 0);
	static const char *const changing[] = {
		"shutdown", "enable", "clear", "log-level",
	};
	const struct conn *c;

	for (size_t i = 0; i < 4; i++) {
		if (strcmp(cmd, changing[i]) == 0 && !ctlauth_may_change(uid)) {
			buf_printf(out, "ERROR %s needs root or the daemon's "
			    "user\n", cmd);
			return true;
		}
	}
	if (strcmp(cmd, "routes") == 0 && request_word(r, 1) != NULL) {
		show_route(v, request_word(r, 1), r->json, out);
	} else if (strcmp(cmd, "log-level") == 0) {
		op_log_level(v, r, out);
	} else if (strcmp(cmd, "health") == 0) {
		op_health(v, r, out);
	} else if (strcmp(cmd, "config") == 0) {
		buf_put_str(out, "OK\n");
		if (r->json)
			plan_print_json(v->plan, out);
		else
			plan_print_text(v->plan, out);
	} else if (strcmp(cmd, "peer") && strcmp(cmd, "adj-in") &&
	    strcmp(cmd, "adj-out") && strcmp(cmd, "shutdown") &&
	    strcmp(cmd, "enable") && strcmp(cmd, "clear")) {
		return false;
	} else if ((c = peer_arg(v, r, out)) == NULL) {
		return true;
	} else if (strcmp(cmd, "peer") == 0) {
		buf_put_str(out, "OK\n");
		show_peer(v, c, r->json, out);
	} else if (strncmp(cmd, "adj-", 4) == 0) {
		buf_put_str(out, "OK\n");
		show_adj(v, c, strcmp(cmd, "adj-in") == 0, r->json, out);
	} else if (strcmp(cmd, "shutdown") == 0) {
		op_shutdown(v, c, r, out);
	} else if (strcmp(cmd, "enable") == 0) {
		op_enable(v, c, out);
	} else {
		op_clear(v, c, r, out);
	}
	return true;
}

bool
ops_run(const struct view *v, uid_t uid, const char *line,
    struct buf_wr *out)
{
	struct request r;
	char err[128];
	bool known;

	if (request_parse(&r, line, err, sizeof(err)) != 0) {
		buf_printf(out, "ERROR %s\n", err);
		request_free(&r);
		return true;
	}
	known = dispatch(v, uid, &r, out);
	request_free(&r);
	return known;
}
