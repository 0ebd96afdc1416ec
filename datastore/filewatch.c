/* filewatch: see filewatch.h. */
#include "filewatch.h"

#include <errno.h>
#include <event2/event.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/xalloc.h"

#define WATCH_MASK	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | \
			 IN_DELETE | IN_CREATE | IN_DELETE_SELF | \
			 IN_MOVE_SELF)

struct filewatch {
	struct event *ev, *timer;
	int	fd, wd;
	char	*dir;
	char	*file;		/* single-file mode: its base name */
	uint64_t debounce_ms;
	void	(*cb)(void *);
	void	*arg;
	unsigned events;
};

static bool
relevant(const struct filewatch *fw, const char *name)
{
	size_t len = strlen(name);

	if (fw->file != NULL)
		return strcmp(name, fw->file) == 0 ||
		    strncmp(name, "..", 2) == 0;
	if (strncmp(name, "..", 2) == 0)	/* ConfigMap ..data swaps */
		return true;
	if (name[0] == '.')
		return false;
	return (len > 5 && strcmp(name + len - 5, ".yaml") == 0) ||
	    (len > 4 && strcmp(name + len - 4, ".yml") == 0);
}

static void
on_quiet(evutil_socket_t fd, short what, void *arg)
{
	struct filewatch *fw = arg;

	fw->cb(fw->arg);
}

static void
on_inotify(evutil_socket_t fd, short what, void *arg)
{
	struct filewatch *fw = arg;
	char buf[4096] __attribute__((aligned(__alignof__(
	    struct inotify_event))));
	bool hit = false;
	ssize_t n;

	while ((n = read(fw->fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ie = (struct inotify_event *)p;

			if ((ie->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) ||
			    (ie->mask & IN_Q_OVERFLOW) ||
			    (ie->len > 0 && relevant(fw, ie->name)))
				hit = true;
			if (ie->mask & (IN_DELETE_SELF | IN_MOVE_SELF))
				log_warnx("%s: the directory went away; bgpd "
				    "no longer follows it (restart to follow "
				    "the new one)", fw->dir);
			p += sizeof(*ie) + ie->len;
		}
	}
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		log_warn("inotify read");
	if (hit) {
		struct timeval tv = {
			(time_t)(fw->debounce_ms / 1000),
			(suseconds_t)(fw->debounce_ms % 1000) * 1000,
		};

		fw->events++;
		event_add(fw->timer, &tv);	/* re-arming: debounce */
	}
}

struct filewatch *
filewatch_new(struct event_base *base, const char *path,
    uint64_t debounce_ms, void (*cb)(void *), void *arg, char *err,
    size_t errlen)
{
	struct filewatch *fw = xcalloc(1, sizeof(*fw));
	struct stat st;
	char *copy;

	fw->fd = -1;
	fw->cb = cb;
	fw->arg = arg;
	fw->debounce_ms = debounce_ms;
	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto bad;
	}
	if (S_ISDIR(st.st_mode)) {
		fw->dir = xstrdup(path);
	} else {
		copy = xstrdup(path);
		fw->dir = xstrdup(dirname(copy));
		free(copy);
		copy = xstrdup(path);
		fw->file = xstrdup(basename(copy));
		free(copy);
	}
	fw->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fw->fd < 0) {
		snprintf(err, errlen, "inotify: %s", strerror(errno));
		goto bad;
	}
	fw->wd = inotify_add_watch(fw->fd, fw->dir, WATCH_MASK);
	if (fw->wd < 0) {
		snprintf(err, errlen, "inotify on %s: %s", fw->dir,
		    strerror(errno));
		goto bad;
	}
	fw->ev = event_new(base, fw->fd, EV_READ | EV_PERSIST, on_inotify,
	    fw);
	fw->timer = evtimer_new(base, on_quiet, fw);
	event_add(fw->ev, NULL);
	return fw;
bad:
	filewatch_free(fw);
	return NULL;
}

void
filewatch_free(struct filewatch *fw)
{
	if (fw == NULL)
		return;
	if (fw->ev != NULL)
		event_free(fw->ev);
	if (fw->timer != NULL)
		event_free(fw->timer);
	if (fw->fd >= 0)
		close(fw->fd);
	free(fw->dir);
	free(fw->file);
	free(fw);
}

unsigned
filewatch_events(const struct filewatch *fw)
{
	return fw ? fw->events : 0;
}
