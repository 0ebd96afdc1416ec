/*
 * view: the one interface between the running daemon and its operator
 * surfaces (control.c, birdsock.c, ops.c, show.c, routes.c,
 * birdroute.c, metrics.c, health.c, sdnotify.c).  daemon.c fills a
 * struct view with pointers into its state, so it is always current,
 * and hands it to each surface as it opens; no surface sees struct
 * daemon (tests/layering.sh checks it).
 *
 * What a surface reads: the running plan, the sessions, the speaker
 * and its RIB, when bgpd started, its reloads, and the kernel's, BFD's
 * and the datastore's objects (kernel.h, bfd_io.h and dswire.h query
 * them).  What it does to the daemon goes through struct view_ops: the
 * route listings' hold on the RIB and their walk, a reload, a
 * session's stop, start and soft clear, the log level.
 */
#ifndef BGPD_VIEW_H
#define BGPD_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lib/log.h"

/* bgpd's version, as every surface reports it. */
#define BGPD_VERSION	"0.1.0"

struct event_base;
struct plan;
struct conn;
struct speaker;
struct rib_cursor;
struct rib_entry;
struct kernel;
struct bfdio;
struct dswire;

typedef void view_rib_fn(const struct rib_entry *e, void *arg);

/* daemon.c's functions, called with the view's arg. */
struct view_ops {
	/* A route listing holds the RIB against shrinking from its start
	 * to its end, and walks it a few entries at a time (rib.h:
	 * rib_hold, rib_walk; true at the end). */
	void	 (*rib_hold)(void *arg);
	void	 (*rib_release)(void *arg);
	bool	 (*rib_walk)(void *arg, struct rib_cursor *c, size_t max,
		    view_rib_fn *fn, void *fnarg);
	/* Re-read the configuration and apply it: 0, or -1 with err. */
	int	 (*reload)(void *arg, char *err, size_t errlen);
	/* Stop session c (Cease subcode, RFC 9003 text or NULL) and keep
	 * it down until peer_start; start it again: NULL, or why it stays
	 * down. */
	void	 (*peer_stop)(void *arg, const struct conn *c,
		    uint8_t subcode, const char *text);
	const char *(*peer_start)(void *arg, const struct conn *c);
	/* A soft clear of Established session c: ask the peer for its
	 * routes again (RFC 2918; false when it cannot: no route-refresh
	 * capability) and send it ours again. */
	bool	 (*peer_refresh)(void *arg, const struct conn *c);
	void	 (*log_level)(void *arg, enum log_level lvl);
};

struct view {
	const struct view_ops *ops;
	void	*arg;
	struct event_base *base;	/* the surfaces' sockets and timers */
	const struct plan *plan;	/* the running one */
	uint64_t start_mono;		/* monotime_ms() at start */
	time_t	start_wall;
	/* Reloads that applied and that failed, the last failure's
	 * message ("" once one applied), when the running plan was. */
	const unsigned *reloads, *reload_failures;
	const char *last_reload_error;
	const time_t *last_reload_wall;
	const bool *stopping;		/* on the way out */
	/* Where the daemon keeps what it makes and frees while it runs:
	 * read them with view_conns() ... view_dswire(). */
	struct conn *const *conns;
	struct speaker *const *sp;
	struct kernel *const *kern;	/* NULL with --no-kernel */
	struct bfdio *const *bfd;	/* NULL until BFD is wanted */
	struct dswire *const *dsw;
};

static inline const struct conn *
view_conns(const struct view *v)
{
	return *v->conns;
}

static inline const struct speaker *
view_speaker(const struct view *v)
{
	return *v->sp;
}

static inline const struct kernel *
view_kernel(const struct view *v)
{
	return *v->kern;
}

static inline const struct bfdio *
view_bfd(const struct view *v)
{
	return *v->bfd;
}

static inline const struct dswire *
view_dswire(const struct view *v)
{
	return *v->dsw;
}

static inline void
view_rib_hold(const struct view *v)
{
	v->ops->rib_hold(v->arg);
}

static inline void
view_rib_release(const struct view *v)
{
	v->ops->rib_release(v->arg);
}

static inline bool
view_rib_walk(const struct view *v, struct rib_cursor *c, size_t max,
    view_rib_fn *fn, void *arg)
{
	return v->ops->rib_walk(v->arg, c, max, fn, arg);
}

static inline int
view_reload(const struct view *v, char *err, size_t errlen)
{
	return v->ops->reload(v->arg, err, errlen);
}

static inline void
view_peer_stop(const struct view *v, const struct conn *c, uint8_t subcode,
    const char *text)
{
	v->ops->peer_stop(v->arg, c, subcode, text);
}

static inline const char *
view_peer_start(const struct view *v, const struct conn *c)
{
	return v->ops->peer_start(v->arg, c);
}

static inline bool
view_peer_refresh(const struct view *v, const struct conn *c)
{
	return v->ops->peer_refresh(v->arg, c);
}

static inline void
view_log_level(const struct view *v, enum log_level lvl)
{
	v->ops->log_level(v->arg, lvl);
}

#endif
