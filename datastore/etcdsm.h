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
 *  2. Watch: one stream per prefix, stream k watching kind k: a POST
 *     /v3/watch whose body is exactly one create_request (watch_id =
 *     k + 1) from that kind's revision + 1.  One create per request: the
 *     gateway reads the first object of an HTTP/1.1 body before it
 *     answers and the rest only after it has flushed the first
 *     "created", when Go's net/http may no longer offer the body, so a
 *     second create in the same body can be lost (measured: 2 of 25
 *     six-create bodies got four "created").  Each event moves its
 *     kind's revision to the event's mod_revision, a progress
 *     notification to its header revision.  changed() is coalesced.
 *  3. A stream not created within request_timeout_ms is a failure.  A
 *     stream silent for watch_idle_ms (etcd's progress notifications
 *     are per watch, so each stream has its own) is re-created alone
 *     from its kind's revision, the others keep running.  A lost
 *     stream, a stream's error or a timeout: every stream resumes from
 *     its kind's revision, no re-list.  A watch cancelled with a
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
	ETCDSM_WATCH,		/* the watch streams are open */
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
	uint64_t watch_idle_ms;		/* restart a stream this silent */
	uint64_t backoff_min_ms, backoff_max_ms;
	uint64_t coalesce_ms;		/* changes -> one changed() */
	bool	snapshot_only;		/* --check: no watch after it */
	uint32_t seed;			/* jitter */
};

#define ETCDSM_PAGE_LIMIT	500u
#define ETCDSM_REQUEST_TIMEOUT	10000u
#define ETCDSM_WATCH_IDLE	660000u	/* progress notify 10 min + 10 % */
#define ETCDSM_BACKOFF_MIN	500u
#define ETCDSM_BACKOFF_MAX	5000u
#define ETCDSM_COALESCE		50u

/* The watch streams: stream k watches kind k. */
#define ETCDSM_NSTREAMS		DSKEY_NKINDS

struct etcdsm_ops {
	/* POST path with body to endpoint ep (body is copied).  AUTH and
	 * RANGE are the one unary request (stream 0); a WATCH opens watch
	 * stream `stream`, replacing what that stream had open (abandoned:
	 * no callback for it may follow). */
	void	(*request)(void *arg, enum etcdsm_req what, int stream,
		    size_t ep, const char *path, const char *body);
	/* Abandon the outstanding request and every watch stream: no
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
	uint64_t req_deadline;		/* AUTH, LIST */
	char	*token;
	bool	fresh_token;		/* no request has used it yet */
	/* listing */
	uint32_t list_mask;		/* kinds still to list */
	int	list_kind;
	char	*page_key;
	size_t	page_klen;
	int64_t	list_rev;		/* 0 until the first page answers */
	bool	list_began;
	/* watching: stream k watches kind k */
	int64_t	rev[DSKEY_NKINDS];	/* applied up to, per kind */
	uint32_t created_mask;		/* streams whose watch is created */
	uint32_t restart_mask;		/* re-created on purpose, not lost */
	uint64_t create_by[ETCDSM_NSTREAMS];	/* until created */
	uint64_t idle_at[ETCDSM_NSTREAMS];
	/* the model */
	bool	synced;			/* the first snapshot is complete */
	bool	dirty;
	uint64_t notify_at;
	/* status */
	int64_t	revision;		/* highest revision applied */
	char	last_error[256];
	uint64_t last_error_at;
	unsigned watch_restarts;	/* streams re-created for silence */
	unsigned relists, compactions, auths, failures;
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
/* A watch stream: its HTTP status when not 200 (with the body), each
 * line of it, and its end (EOF or a transport error, with the reason).
 * A stream outside 0..ETCDSM_NSTREAMS-1 is ignored. */
void	 etcdsm_watch_status(struct etcdsm *sm, uint64_t now, int stream,
	    int status, const char *body, size_t len);
void	 etcdsm_watch_line(struct etcdsm *sm, uint64_t now, int stream,
	    const char *line, size_t len);
void	 etcdsm_watch_end(struct etcdsm *sm, uint64_t now, int stream,
	    const char *why);

/* Timers: the earliest deadline (UINT64_MAX: none); tick runs what is
 * due. */
uint64_t etcdsm_next_deadline(const struct etcdsm *sm);
void	 etcdsm_tick(struct etcdsm *sm, uint64_t now);

/* Watching with every stream's watch created (or re-created on purpose
 * after silence): the model is current. */
bool	 etcdsm_in_sync(const struct etcdsm *sm);
const char *etcdsm_state_name(enum etcdsm_state st);
/* The Authorization header value, or NULL. */
const char *etcdsm_token(const struct etcdsm *sm);

#endif
