/* sdnotify: see sdnotify.h.  The protocol is sd_notify(3)'s. */
#include "sdnotify.h"

#include <event2/event.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bgp/speaker.h"
#include "health.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "peer_io.h"
#include "view.h"

void
sdnotify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	socklen_t len;
	int fd;

	if (path == NULL || path[0] == '\0' ||
	    strlen(path) >= sizeof(sun.sun_path))
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if (sun.sun_path[0] == '@')	/* abstract namespace */
		sun.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	(void)sendto(fd, state, strlen(state), 0, (struct sockaddr *)&sun,
	    len);
	close(fd);
}

/* ---- the daemon's side ---- */

struct svc {
	const struct view *view;
	struct event *wd;
	bool	ready_sent;
	char	status[256];
};

static void
on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	sdnotify("WATCHDOG=1");
}

struct svc *
sdnotify_open(const struct view *view, char *err, size_t errlen)
{
	const char *us = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	struct svc *v = xcalloc(1, sizeof(*v));
	unsigned long long usec;
	char *end;

	v->view = view;
	if (us == NULL || (pid != NULL && strtol(pid, NULL, 10) != getpid()))
		return v;
	usec = strtoull(us, &end, 10);
	if (*us == '\0' || *end != '\0' || usec < 2000) {
		snprintf(err, errlen, "WATCHDOG_USEC '%s': expected "
		    "microseconds, 2000 or more", us);
		free(v);
		return NULL;
	}
	{
		struct timeval tv = { (time_t)(usec / 2 / 1000000),
		    (suseconds_t)(usec / 2 % 1000000) };

		v->wd = event_new(view->base, -1, EV_PERSIST, on_watchdog, v);
		event_add(v->wd, &tv);
	}
	log_info("systemd watchdog: WATCHDOG=1 every %llu ms", usec / 2000);
	sdnotify("WATCHDOG=1");
	return v;
}

void
sdnotify_close(struct svc *v)
{
	if (v == NULL)
		return;
	if (v->wd != NULL)
		event_free(v->wd);
	free(v);
}

static void
status_line(const struct view *view, char *buf, size_t size)
{
	struct health_recovery r;
	unsigned up = 0, n = 0;

	for (const struct conn *c = view_conns(view); c != NULL;
	    c = c->next) {
		n++;
		up += session_established(speaker_peer_session(c->peer_sp));
	}
	health_recovery(view, &r);
	snprintf(buf, size, "STATUS=%u of %u sessions Established, %zu "
	    "prefixes%s", up, n, rib_count(speaker_rib(view_speaker(view))),
	    r.running ? ", waiting for End-of-RIB" : "");
}

void
sdnotify_tick(struct svc *v)
{
	struct health_recovery r;
	char st[256], msg[300];

	if (v == NULL || *v->view->stopping ||
	    getenv("NOTIFY_SOCKET") == NULL)
		return;
	status_line(v->view, st, sizeof(st));
	if (!v->ready_sent) {
		health_recovery(v->view, &r);
		if (r.running)
			return;
		v->ready_sent = true;
		snprintf(msg, sizeof(msg), "READY=1\n%s", st);
		sdnotify(msg);
		snprintf(v->status, sizeof(v->status), "%s", st);
		return;
	}
	if (strcmp(st, v->status) != 0) {
		sdnotify(st);
		snprintf(v->status, sizeof(v->status), "%s", st);
	}
}

void
sdnotify_reloaded(struct svc *v)
{
	if (v == NULL || v->ready_sent)
		sdnotify("READY=1");
}
