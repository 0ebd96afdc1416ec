/*
 * etcdsm: the etcd v3 client as a pure state machine: what to ask the
 * gateway next, what its answers mean, and every timer, as data.  The
 * transport (etcdio.c) performs the requests it asks for and feeds the
 * answers back; unit tests do the same with a virtual clock.
 *
 * The algorithm (DATASTORE.md 1.4 and 6):
 *  1. Snapshot: range every prefix at one revision R (the first page's),
 *     paged by last_key + "\0"; a kind's keys the list did not return are
 *     deleted (dsstore's re-list sweep).  Only then is the model complete
 *     and changed() called.
 *  2. Watch: one POST /v3/watch with a create_request per prefix
 *     (watch_id = kind + 1) from that kind's revision + 1.  Each event
 *     moves its kind's revision to the event's mod_revision, a progress
 *     notification to its header revision.  changed() is coalesced.
 *  3. A lost stream, a timeout or a silent watch (watch_idle_ms): resume
 *     from the kinds' revisions, no re-list.  A watch cancelled with a
 *     compact_revision: re-list only the kinds whose revision is gone,
 *     diff, watch again.  A range at a compacted revision: list again.
 *     A watch created at a revision below what was applied (a restored
 *     or replaced cluster): list everything again.
 *  4. Failures move to the next endpoint at once; after a round of them,
 *     back off (backoff_min_ms doubling to backoff_max_ms, +0-25 %
 *     jitter).  401 or an auth-cancelled watch: authenticate, retry.
 *  5. Nothing here ever drops the model because etcd is away: the store
 *     keeps the last data and in_sync says whether it is current.
 */
#ifndef BGPD_ETCDSM_H
#define BGPD_ETCDSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dskey.h"
#include "dsstore.h"

enum etcdsm_state {
	ETCDSM_IDLE,		/* not started */
	ETCDSM_BACKOFF,		/* waiting to try again */
	ETCDSM_AUTH,		/* POST /v3/auth/authenticate outstanding */
	ETCDSM_LIST,		/* POST /v3/kv/range outstanding */
	ETCDSM_WATCH,		/* the watch stream is open */
};

enum etcdsm_req {
	ETCDSM_REQ_AUTH,
	ETCDSM_REQ_RANGE,
	ETCDSM_REQ_WATCH,
};

struct etcdsm_conf {
	size_t	nendpoints;		/* >= 1 */
	const char *user, *password;	/* both or neither */
	unsigned page_limit;		/* keys per range page */
	uint64_t request_timeout_ms;	/* unary answer, watch created */
	uint64_t watch_idle_ms;		/* restart a watch this silent */
	uint64_t backoff_min_ms, backoff_max_ms;
	uint64_t coalesce_ms;		/* changes -> one changed() */
	uint32_t seed;			/* jitter */
};

#define ETCDSM_PAGE_LIMIT	500u
#define ETCDSM_REQUEST_TIMEOUT	10000u
#define ETCDSM_WATCH_IDLE	660000u	/* progress notify 10 min + 10 % */
#define ETCDSM_BACKOFF_MIN	500u
#define ETCDSM_BACKOFF_MAX	5000u
#define ETCDSM_COALESCE		50u

struct etcdsm_ops {
	/* POST path with body to endpoint ep (body is copied). */
	void	(*request)(void *arg, enum etcdsm_req what, size_t ep,
		    const char *path, const char *body);
	/* Abandon the outstanding request and the watch, if any: no
	 * callback for them may follow. */
	void	(*cancel)(void *arg);
	/* The model changed (or is complete for the first time). */
	void	(*changed)(void *arg);
};

struct etcdsm {
	struct etcdsm_conf conf;
	const struct etcdsm_ops *ops;
	void	*arg;
	struct dsstore *store;
	enum etcdsm_state state;
	uint64_t state_since;
	size_t	ep;			/* endpoint in use */
	unsigned fails;			/* consecutive failures */
	uint64_t backoff_ms;
	uint64_t retry_at;		/* BACKOFF */
	uint64_t req_deadline;		/* AUTH, LIST; WATCH until created */
	char	*token;
	bool	fresh_token;		/* no request has used it yet */
	/* listing */
	uint32_t list_mask;		/* kinds still to list */
	int	list_kind;
	char	*page_key;
	size_t	page_klen;
	int64_t	list_rev;		/* 0 until the first page answers */
	bool	list_began;
	/* watching */
	int64_t	rev[DSKEY_NKINDS];	/* applied up to, per kind */
	uint32_t created_mask;
	uint64_t idle_at;
	bool	idle_restart;		/* re-created on purpose, not lost */
	/* the model */
	bool	synced;			/* the first snapshot is complete */
	bool	dirty;
	uint64_t notify_at;
	/* status */
	int64_t	revision;		/* highest revision applied */
	char	last_error[256];
	uint64_t last_error_at;
	unsigned watch_restarts, relists, compactions, auths, failures;
	unsigned events;
	uint32_t rng;
};

void	 etcdsm_init(struct etcdsm *sm, const struct etcdsm_conf *conf,
	    const struct etcdsm_ops *ops, void *arg, struct dsstore *store);
void	 etcdsm_free(struct etcdsm *sm);
void	 etcdsm_start(struct etcdsm *sm, uint64_t now);

/* The unary request's answer: HTTP status and body; status 0 means the
 * transport failed (body is then the reason). */
void	 etcdsm_response(struct etcdsm *sm, uint64_t now, int status,
	    const char *body, size_t len);
/* The watch: its HTTP status when not 200 (with the body), each line of
 * the stream, and its end (EOF or a transport error, with the reason). */
void	 etcdsm_watch_status(struct etcdsm *sm, uint64_t now, int status,
	    const char *body, size_t len);
void	 etcdsm_watch_line(struct etcdsm *sm, uint64_t now, const char *line,
	    size_t len);
void	 etcdsm_watch_end(struct etcdsm *sm, uint64_t now, const char *why);

/* Timers: the earliest deadline (UINT64_MAX: none); tick runs what is
 * due. */
uint64_t etcdsm_next_deadline(const struct etcdsm *sm);
void	 etcdsm_tick(struct etcdsm *sm, uint64_t now);

/* Watching with every watch created: the model is current. */
bool	 etcdsm_in_sync(const struct etcdsm *sm);
const char *etcdsm_state_name(enum etcdsm_state st);
/* The Authorization header value, or NULL. */
const char *etcdsm_token(const struct etcdsm *sm);

#endif
