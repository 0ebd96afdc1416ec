/* epstatus: see epstatus.h. */
#include "epstatus.h"

#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/xalloc.h"

#define WATCH_MASK	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | \
			 IN_DELETE | IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF)
#define DEBOUNCE_MS	100u

struct epstatus {
	struct event_base *base;
	struct event *ev, *debounce, *poll;
	int	fd, wd;
	bool	on_parent;	/* the directory does not exist yet */
	char	*dir, *parent, *leaf;
	struct epstatus_list cur;
	void	(*changed)(void *);
	void	*arg;
};

char *
epstatus_dir(const char *dir)
{
	const char *prefix = getenv("CALICO_ENDPOINT_STATUS_PATH_PREFIX");

	if (dir != NULL && dir[0] != '\0')
		return xstrdup(dir);
	if (prefix == NULL || prefix[0] == '\0')
		prefix = EPSTATUS_PREFIX;
	return xasprintf("%s/%s", prefix, EPSTATUS_DIR);
}

/* The first entry of a nets array as an address of family af: 1, 0 if
 * there is none, -1 if it is not an address of that family. */
static int
first_addr(json_t *root, const char *key, int af, struct ip_addr *out,
    char *err, size_t errlen)
{
	json_t *a = json_object_get(root, key), *v;
	struct ip_prefix p;

	memset(out, 0, sizeof(*out));
	if (a == NULL || json_is_null(a))
		return 0;
	if (!json_is_array(a)) {
		snprintf(err, errlen, "%s: not a list", key);
		return -1;
	}
	if (json_array_size(a) == 0)
		return 0;
	v = json_array_get(a, 0);
	/* Go's net.ParseCIDR: an address with its length; the address
	 * itself is what confd peers with. */
	if (!json_is_string(v) ||
	    addr_pfx_parse(json_string_value(v), &p, false) != 0 ||
	    p.addr.af != af) {
		snprintf(err, errlen, "%s[0]: not an IPv%d address with a "
		    "prefix length", key, af == AF_INET ? 4 : 6);
		return -1;
	}
	*out = p.addr;
	return 1;
}

int
epstatus_parse(const char *name, const char *data, size_t len,
    struct plan_workload *out, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root, *peer;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		snprintf(err, errlen, "line %d: %s", je.line, je.text);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "not a JSON object");
		goto done;
	}
	peer = json_object_get(root, "bgpPeerName");
	if (peer != NULL && !json_is_null(peer) && !json_is_string(peer)) {
		snprintf(err, errlen, "bgpPeerName: not a string");
		goto done;
	}
	if (peer == NULL || json_is_null(peer) ||
	    json_string_length(peer) == 0) {
		rc = 0;		/* not selected for peering */
		goto done;
	}
	if (first_addr(root, "ipv4Nets", AF_INET, &out->v4, err,
	    errlen) < 0 ||
	    first_addr(root, "ipv6Nets", AF_INET6, &out->v6, err,
	    errlen) < 0)
		goto done;
	if (out->v4.af == 0 && out->v6.af == 0) {
		rc = 0;		/* no address yet (confd waits too) */
		goto done;
	}
	out->file = xstrdup(name);
	out->bgp_peer = xstrdup(json_string_value(peer));
	rc = 1;
done:
	json_decref(root);
	return rc;
}

static int
wl_cmp(const void *a, const void *b)
{
	return strcmp(((const struct plan_workload *)a)->file,
	    ((const struct plan_workload *)b)->file);
}

/* A regular file of at most EPSTATUS_MAX_FILE octets, read whole. */
static char *
slurp(int dfd, const char *name, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	ssize_t n;
	int fd;

	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
	    O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > EPSTATUS_MAX_FILE) {
		snprintf(err, errlen, S_ISREG(st.st_mode) ? "larger than "
		    "%u octets" : "not a regular file", EPSTATUS_MAX_FILE);
		close(fd);
		return NULL;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		free(buf);
		return NULL;
	}
	*len = (size_t)n;
	return buf;
}

void
epstatus_read(const char *dir, struct epstatus_list *out)
{
	struct dirent *de;
	DIR *d;

	memset(out, 0, sizeof(*out));
	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		struct plan_workload wl;
		char err[200];
		size_t len = 0;
		char *data;
		int rc;

		if (de->d_name[0] == '.')
			continue;
		data = slurp(dirfd(d), de->d_name, &len, err, sizeof(err));
		rc = data == NULL ? -1 : epstatus_parse(de->d_name, data,
		    len, &wl, err, sizeof(err));
		free(data);
		if (rc < 0) {
			out->bad = xreallocarray(out->bad, out->nbad + 1,
			    sizeof(*out->bad));
			out->bad[out->nbad++] = xasprintf("%s/%s: %s", dir,
			    de->d_name, err);
		} else if (rc > 0) {
			out->v = xreallocarray(out->v, out->n + 1,
			    sizeof(*out->v));
			out->v[out->n++] = wl;
		}
	}
	closedir(d);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), wl_cmp);
}

void
epstatus_list_free(struct epstatus_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free((char *)l->v[i].file);
		free((char *)l->v[i].bgp_peer);
	}
	for (size_t i = 0; i < l->nbad; i++)
		free(l->bad[i]);
	free(l->v);
	free(l->bad);
	memset(l, 0, sizeof(*l));
}

bool
epstatus_list_eq(const struct epstatus_list *a,
    const struct epstatus_list *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct plan_workload *x = &a->v[i], *y = &b->v[i];

		if (strcmp(x->file, y->file) != 0 ||
		    strcmp(x->bgp_peer, y->bgp_peer) != 0 ||
		    !addr_eq(&x->v4, &y->v4) || !addr_eq(&x->v6, &y->v6))
			return false;
	}
	return true;
}

static bool
was_bad(const struct epstatus_list *l, const char *s)
{
	for (size_t i = 0; i < l->nbad; i++)
		if (strcmp(l->bad[i], s) == 0)
			return true;
	return false;
}

static void watch(struct epstatus *es);

/* Read the directory again; call back if the selection changed. */
static void
refresh(struct epstatus *es)
{
	struct epstatus_list now;
	bool same;

	if (es->on_parent || es->wd < 0)
		watch(es);
	epstatus_read(es->dir, &now);
	for (size_t i = 0; i < now.nbad; i++)
		if (!was_bad(&es->cur, now.bad[i]))
			log_warnx("endpoint status %s; that workload is not "
			    "peered with", now.bad[i]);
	same = epstatus_list_eq(&es->cur, &now);
	epstatus_list_free(&es->cur);
	es->cur = now;
	if (!same) {
		log_info("endpoint status: %zu local workload%s selected "
		    "for BGP peering", now.n, now.n == 1 ? "" : "s");
		es->changed(es->arg);
	}
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	refresh(arg);
}

static void
on_poll(evutil_socket_t fd, short what, void *arg)
{
	struct epstatus *es = arg;
	struct timeval tv = { EPSTATUS_POLL_MS / 1000, 0 };

	refresh(es);
	event_add(es->poll, &tv);
}

static void
on_inotify(evutil_socket_t fd, short what, void *arg)
{
	struct epstatus *es = arg;
	char buf[4096] __attribute__((aligned(__alignof__(
	    struct inotify_event))));
	struct timeval tv = { 0, DEBOUNCE_MS * 1000 };
	bool hit = false;
	ssize_t n;

	while ((n = read(es->fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ie = (struct inotify_event *)p;

			if (!es->on_parent || (ie->len > 0 &&
			    strcmp(ie->name, es->leaf) == 0) ||
			    (ie->mask & IN_Q_OVERFLOW))
				hit = true;
			if (ie->wd == es->wd && (ie->mask & (IN_DELETE_SELF |
			    IN_MOVE_SELF | IN_IGNORED)))
				es->wd = -1;	/* watch again on refresh */
			p += sizeof(*ie) + ie->len;
		}
	}
	if (hit)
		event_add(es->debounce, &tv);
}

/* inotify on the directory, or on its parent until it exists. */
static void
watch(struct epstatus *es)
{
	struct stat st;

	if (es->wd >= 0)
		inotify_rm_watch(es->fd, es->wd);
	es->on_parent = stat(es->dir, &st) != 0 || !S_ISDIR(st.st_mode);
	es->wd = inotify_add_watch(es->fd, es->on_parent ? es->parent :
	    es->dir, WATCH_MASK);
}

struct epstatus *
epstatus_open(struct event_base *base, const char *dir,
    void (*changed)(void *), void *arg)
{
	struct epstatus *es = xcalloc(1, sizeof(*es));
	struct timeval tv = { EPSTATUS_POLL_MS / 1000, 0 };
	char *slash;

	es->base = base;
	es->dir = xstrdup(dir);
	es->parent = xstrdup(dir);
	slash = strrchr(es->parent, '/');
	if (slash != NULL && slash != es->parent)
		*slash = '\0';
	else if (slash != NULL)
		slash[1] = '\0';
	else
		strcpy(es->parent, ".");
	es->leaf = xstrdup(slash != NULL ? strrchr(dir, '/') + 1 : dir);
	es->changed = changed;
	es->arg = arg;
	es->wd = -1;
	es->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (es->fd < 0)
		log_warn("inotify for %s (read every %u s instead)", dir,
		    EPSTATUS_POLL_MS / 1000);
	else {
		watch(es);
		es->ev = event_new(base, es->fd, EV_READ | EV_PERSIST,
		    on_inotify, es);
		event_add(es->ev, NULL);
	}
	es->debounce = evtimer_new(base, on_timer, es);
	es->poll = evtimer_new(base, on_poll, es);
	event_add(es->poll, &tv);
	epstatus_read(es->dir, &es->cur);
	for (size_t i = 0; i < es->cur.nbad; i++)
		log_warnx("endpoint status %s; that workload is not peered "
		    "with", es->cur.bad[i]);
	return es;
}

void
epstatus_close(struct epstatus *es)
{
	if (es == NULL)
		return;
	if (es->ev != NULL)
		event_free(es->ev);
	event_free(es->debounce);
	event_free(es->poll);
	if (es->fd >= 0)
		close(es->fd);
	epstatus_list_free(&es->cur);
	free(es->dir);
	free(es->parent);
	free(es->leaf);
	free(es);
}

const struct epstatus_list *
epstatus_current(const struct epstatus *es)
{
	return &es->cur;
}

const char *
epstatus_path(const struct epstatus *es)
{
	return es->dir;
}
