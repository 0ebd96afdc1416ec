/*
 * gw: the etcd 3.4 JSON gateway's envelopes (DATASTORE.md 2.2-2.6), pure.
 *
 * Requests are built and responses parsed here with jansson; nothing
 * else in bgpd sees the gateway's JSON.  Keys and values are base64 on
 * the wire (OpenSSL's codec), int64 fields are JSON strings (numbers are
 * accepted too), fields at their zero value are absent.  A watch stream
 * is one JSON object a line; gw_watch_parse() takes one line.  Every
 * parser checks types and sizes and returns -1 with a message for input
 * it cannot use; none of them trusts the other end.
 */
#ifndef BGPD_GW_H
#define BGPD_GW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GW_MAX_BODY	(64u << 20)	/* a range page or a watch line */
#define GW_GRPC_INVALID_ARGUMENT	3
#define GW_GRPC_OUT_OF_RANGE		11	/* compacted revision */
#define GW_GRPC_UNAUTHENTICATED		16

struct gw_kv {
	char	*key;		/* decoded, NUL-terminated (may hold NULs) */
	size_t	klen;
	char	*value;		/* decoded, NUL-terminated; "" when absent */
	size_t	vlen;
	int64_t	mod_revision;
	int64_t	create_revision;
};

struct gw_range {
	int64_t	revision;	/* header.revision */
	struct gw_kv *kvs;
	size_t	nkvs;
	bool	more;
	int64_t	count;
};

/* A unary error body {"error","message","code"} or a stream error. */
struct gw_error {
	int	code;		/* gRPC code, 0 when absent */
	int	http_code;	/* stream errors only */
	char	message[256];
};

enum gw_ev_type {
	GW_EV_PUT,
	GW_EV_DELETE,
};

struct gw_event {
	enum gw_ev_type type;
	struct gw_kv kv;
};

struct gw_watch_msg {
	bool	is_error;	/* {"error":{...}}: err is filled */
	struct gw_error err;
	int64_t	watch_id;
	int64_t	revision;	/* header.revision (0 when absent) */
	bool	created, canceled;
	int64_t	compact_revision;
	char	cancel_reason[256];
	struct gw_event *events;
	size_t	nevents;
};

struct gw_watch_create {
	const char *key;
	const char *range_end;
	int64_t	start_revision;
	int64_t	watch_id;
};

/* Request bodies (NUL-terminated JSON, caller frees). */
/* key is klen bytes (a page starts at the last key plus a NUL byte). */
char	*gw_range_request(const char *key, size_t klen,
	    const char *range_end, int64_t revision, unsigned limit);
char	*gw_watch_request(const struct gw_watch_create *w, size_t n);
char	*gw_auth_request(const char *user, const char *password);

/* Responses; err gets a short reason on -1. */
int	 gw_range_parse(const char *body, size_t len, struct gw_range *out,
	    char *err, size_t errlen);
void	 gw_range_free(struct gw_range *r);
int	 gw_watch_parse(const char *line, size_t len, struct gw_watch_msg *out,
	    char *err, size_t errlen);
void	 gw_watch_free(struct gw_watch_msg *m);
/* {"header":...,"token":"..."}: the token, or NULL. */
char	*gw_auth_parse(const char *body, size_t len, char *err,
	    size_t errlen);
/* Any body: the gateway's error, if it is one (0), else -1. */
int	 gw_error_parse(const char *body, size_t len, struct gw_error *out);

/* Base64 (standard alphabet, padded) through OpenSSL. */
char	*gw_b64_encode(const void *data, size_t len);
/* Returns a NUL-terminated copy and its length, or NULL if invalid. */
char	*gw_b64_decode(const char *s, size_t len, size_t *outlen);

#endif
