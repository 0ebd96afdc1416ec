/* secrets: see secrets.h. */
#include "secrets.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#define SETTLE_MS	200
#define WATCH_MASK	(IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | \
	IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)

struct secrets {
	struct daemon *d;
	char	*dir;
	int	fd;
	struct event *ev, *settle;
	void	(*changed)(struct daemon *);
	char	**names;
	size_t	nnames;
};

/* A secret's name or key is one path component, and not a hidden one
 * (a volume's ..data and timestamped folders are not secrets). */
static bool
component_ok(const char *s)
{
	return s != NULL && s[0] != '\0' && s[0] != '.' &&
	    strchr(s, '/') == NULL && strlen(s) <= 253;
}

int
secrets_read(const char *dir, const char *name, const char *key,
    struct secrets_key *out, char *err, size_t errlen)
{
	char path[1024];
	uint8_t buf[TCPSEC_MAX_KEY + 3];
	struct stat st;
	ssize_t n;
	size_t len;
	int fd;

	memset(out, 0, sizeof(*out));
	if (!component_ok(name) || !component_ok(key)) {
		snprintf(err, errlen, "secret '%s' key '%s': not a file name",
		    name ? name : "", key ? key : "");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s/%s", dir, name, key);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	len = (size_t)n;
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r' && (size_t)n > len)
		len--;
	if (len == 0) {
		snprintf(err, errlen, "%s: empty", path);
		return -1;
	}
	if (len > TCPSEC_MAX_KEY) {
		snprintf(err, errlen, "%s: %lld octets, more than the %d "
		    "TCP-MD5 allows", path, (long long)st.st_size,
		    TCPSEC_MAX_KEY);
		explicit_bzero(buf, sizeof(buf));
		return -1;
	}
	memcpy(out->key, buf, len);
	out->len = len;
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

static void
add_watch(struct secrets *s, const char *path)
{
	/* A folder that is not there yet shows up in its parent's. */
	if (inotify_add_watch(s->fd, path, WATCH_MASK) < 0 &&
	    errno != ENOENT && errno != ENOTDIR)
		log_warn("secrets: cannot watch %s", path);
}

static void
rewatch(struct secrets *s)
{
	char *parent = xstrdup(s->dir), *slash = strrchr(parent, '/');

	if (slash != NULL && slash != parent) {
		*slash = '\0';
		add_watch(s, parent);
	}
	free(parent);
	add_watch(s, s->dir);
	for (size_t i = 0; i < s->nnames; i++) {
		char *p = xasprintf("%s/%s", s->dir, s->names[i]);

		add_watch(s, p);
		free(p);
	}
}

static void
on_settle(evutil_socket_t fd, short what, void *arg)
{
	struct secrets *s = arg;

	rewatch(s);
	s->changed(s->d);
}

static void
on_inotify(evutil_socket_t fd, short what, void *arg)
{
	struct secrets *s = arg;
	char buf[4096] __attribute__((aligned(__alignof__(
	    struct inotify_event))));
	struct timeval tv = { 0, SETTLE_MS * 1000 };

	while (read(s->fd, buf, sizeof(buf)) > 0)
		;
	/* Debounced: a volume update is several events in a row. */
	event_add(s->settle, &tv);
}

struct secrets *
secrets_watch(struct daemon *d, const char *dir,
    void (*changed)(struct daemon *))
{
	struct secrets *s;
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	if (fd < 0) {
		log_warn("secrets: inotify (changed secrets apply on reload "
		    "only)");
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->d = d;
	s->dir = xstrdup(dir);
	s->fd = fd;
	s->changed = changed;
	s->ev = event_new(d->base, fd, EV_READ | EV_PERSIST, on_inotify, s);
	s->settle = evtimer_new(d->base, on_settle, s);
	event_add(s->ev, NULL);
	rewatch(s);
	return s;
}

void
secrets_watch_names(struct secrets *s, const char *const *names, size_t n)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nnames; i++)
		free(s->names[i]);
	free(s->names);
	s->names = xcalloc(n ? n : 1, sizeof(*s->names));
	s->nnames = 0;
	for (size_t i = 0; i < n; i++)
		if (component_ok(names[i]))
			s->names[s->nnames++] = xstrdup(names[i]);
	rewatch(s);
}

void
secrets_free(struct secrets *s)
{
	if (s == NULL)
		return;
	event_free(s->ev);
	event_free(s->settle);
	close(s->fd);
	for (size_t i = 0; i < s->nnames; i++)
		free(s->names[i]);
	free(s->names);
	free(s->dir);
	free(s);
}
