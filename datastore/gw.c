/*
 * gw: see gw.h.  jansson does the JSON, OpenSSL's EVP codec the base64;
 * this file only knows the gateway's field names (proto names, as the
 * 3.4 gateway's JSONPb{OrigName: true} writes them) and their types.
 */
#include "gw.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/xalloc.h"
#include "tlslib.h"

#define GW_MAX_KVS	(1u << 20)

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

char *
gw_b64_encode(const void *data, size_t len)
{
	const struct tlslib *T = tlslib_get(NULL, 0);
	char *out;

	if (T == NULL || len > (1u << 28))
		return NULL;
	out = xmalloc(4 * ((len + 2) / 3) + 1);
	T->EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

char *
gw_b64_decode(const char *s, size_t len, size_t *outlen)
{
	const struct tlslib *T = tlslib_get(NULL, 0);
	EVP_ENCODE_CTX *ctx;
	unsigned char *out;
	int n1 = 0, n2 = 0;

	if (T == NULL || len > GW_MAX_BODY)
		return NULL;
	/* The gateway writes no whitespace; OpenSSL would skip it. */
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '/' ||
		    c == '='))
			return NULL;
	}
	if (len % 4 != 0)
		return NULL;
	ctx = T->EVP_ENCODE_CTX_new();
	if (ctx == NULL)
		fatalx("out of memory");
	out = xmalloc(len / 4 * 3 + 1);
	T->EVP_DecodeInit(ctx);
	if (T->EVP_DecodeUpdate(ctx, out, &n1, (const unsigned char *)s,
	    (int)len) < 0 || T->EVP_DecodeFinal(ctx, out + n1, &n2) < 0) {
		T->EVP_ENCODE_CTX_free(ctx);
		free(out);
		return NULL;
	}
	T->EVP_ENCODE_CTX_free(ctx);
	out[n1 + n2] = '\0';
	*outlen = (size_t)(n1 + n2);
	return (char *)out;
}

/* ---- requests ---- */

static char *
dump(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);
	char *copy;

	json_decref(o);
	if (s == NULL)
		fatalx("out of memory");
	copy = xstrdup(s);
	free(s);
	return copy;
}

static json_t *
b64_string(const char *s)
{
	char *b = gw_b64_encode(s, strlen(s));
	json_t *j = json_string(b);

	free(b);
	return j;
}

static json_t *
i64_string(int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	return json_string(buf);
}

char *
gw_range_request(const char *key, size_t klen, const char *range_end,
    int64_t revision, unsigned limit)
{
	json_t *o = json_object();
	char *b = gw_b64_encode(key, klen);

	json_object_set_new(o, "key", json_string(b));
	free(b);
	json_object_set_new(o, "range_end", b64_string(range_end));
	if (limit > 0)
		json_object_set_new(o, "limit", i64_string(limit));
	if (revision > 0)
		json_object_set_new(o, "revision", i64_string(revision));
	return dump(o);
}

char *
gw_watch_request(const struct gw_watch_create *w, size_t n)
{
	char *out = xstrdup(""), *one, *cat;

	/* The gateway reads a stream of WatchRequests from the body. */
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_object(), *o = json_object();

		json_object_set_new(c, "key", b64_string(w[i].key));
		json_object_set_new(c, "range_end", b64_string(w[i].range_end));
		json_object_set_new(c, "start_revision",
		    i64_string(w[i].start_revision));
		json_object_set_new(c, "progress_notify", json_true());
		if (w[i].watch_id != 0)
			json_object_set_new(c, "watch_id",
			    i64_string(w[i].watch_id));
		json_object_set_new(o, "create_request", c);
		one = dump(o);
		cat = xasprintf("%s%s", out, one);
		free(one);
		free(out);
		out = cat;
	}
	return out;
}

char *
gw_auth_request(const char *user, const char *password)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(user));
	json_object_set_new(o, "password", json_string(password));
	return dump(o);
}

/* ---- responses ---- */

static json_t *
load(const char *body, size_t len, char *err, size_t errlen)
{
	json_error_t je;
	json_t *j;

	if (len > GW_MAX_BODY) {
		fail(err, errlen, "response larger than %u bytes",
		    GW_MAX_BODY);
		return NULL;
	}
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL) {
		fail(err, errlen, "invalid JSON at offset %d: %s",
		    je.position, je.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		fail(err, errlen, "expected a JSON object");
		return NULL;
	}
	return j;
}

/* An int64 as the gateway writes it: a decimal string (or a number).
 * Absent is 0. */
static int
get_i64(json_t *o, const char *name, int64_t *out, char *err,
    size_t errlen)
{
	json_t *v = json_object_get(o, name);
	const char *s;
	char *end;
	long long x;

	*out = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		*out = (int64_t)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return fail(err, errlen, "%s: expected an integer", name);
	s = json_string_value(v);
	errno = 0;
	x = strtoll(s, &end, 10);
	if (s[0] == '\0' || *end != '\0' || errno != 0)
		return fail(err, errlen, "%s: '%.40s' is not an integer",
		    name, s);
	*out = (int64_t)x;
	return 0;
}

static int
get_bool(json_t *o, const char *name, bool *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, name);

	*out = false;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return fail(err, errlen, "%s: expected true or false", name);
	*out = json_is_true(v);
	return 0;
}

/* A string field copied into buf (truncated); absent is "". */
static int
get_str(json_t *o, const char *name, char *buf, size_t size, char *err,
    size_t errlen)
{
	json_t *v = json_object_get(o, name);

	buf[0] = '\0';
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return fail(err, errlen, "%s: expected a string", name);
	snprintf(buf, size, "%s", json_string_value(v));
	return 0;
}

static int
get_b64(json_t *o, const char *name, bool required, char **out,
    size_t *outlen, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, name);

	*out = NULL;
	*outlen = 0;
	if (v == NULL || json_is_null(v)) {
		if (required)
			return fail(err, errlen, "%s: missing", name);
		*out = xstrdup("");
		return 0;
	}
	if (!json_is_string(v))
		return fail(err, errlen, "%s: expected a base64 string", name);
	*out = gw_b64_decode(json_string_value(v), json_string_length(v),
	    outlen);
	if (*out == NULL)
		return fail(err, errlen, "%s: invalid base64", name);
	return 0;
}

static void
kv_free(struct gw_kv *kv)
{
	free(kv->key);
	free(kv->value);
	memset(kv, 0, sizeof(*kv));
}

static int
parse_kv(json_t *o, struct gw_kv *kv, char *err, size_t errlen)
{
	memset(kv, 0, sizeof(*kv));
	if (!json_is_object(o))
		return fail(err, errlen, "kv: expected an object");
	if (get_b64(o, "key", true, &kv->key, &kv->klen, err, errlen) != 0 ||
	    get_b64(o, "value", false, &kv->value, &kv->vlen, err,
	    errlen) != 0 ||
	    get_i64(o, "mod_revision", &kv->mod_revision, err, errlen) != 0 ||
	    get_i64(o, "create_revision", &kv->create_revision, err,
	    errlen) != 0) {
		kv_free(kv);
		return -1;
	}
	return 0;
}

static int
header_revision(json_t *o, int64_t *rev, char *err, size_t errlen)
{
	json_t *h = json_object_get(o, "header");

	*rev = 0;
	if (h == NULL)
		return 0;
	if (!json_is_object(h))
		return fail(err, errlen, "header: expected an object");
	return get_i64(h, "revision", rev, err, errlen);
}

int
gw_range_parse(const char *body, size_t len, struct gw_range *out,
    char *err, size_t errlen)
{
	json_t *j, *kvs;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((j = load(body, len, err, errlen)) == NULL)
		return -1;
	if (json_object_get(j, "error") != NULL) {
		fail(err, errlen, "the response is an error");
		goto done;
	}
	if (header_revision(j, &out->revision, err, errlen) != 0 ||
	    get_bool(j, "more", &out->more, err, errlen) != 0 ||
	    get_i64(j, "count", &out->count, err, errlen) != 0)
		goto done;
	if (out->revision <= 0) {
		fail(err, errlen, "header.revision: missing");
		goto done;
	}
	kvs = json_object_get(j, "kvs");
	if (kvs != NULL && !json_is_null(kvs)) {
		if (!json_is_array(kvs) || json_array_size(kvs) > GW_MAX_KVS) {
			fail(err, errlen, "kvs: expected an array");
			goto done;
		}
		out->kvs = xcalloc(json_array_size(kvs) + 1,
		    sizeof(*out->kvs));
		for (size_t i = 0; i < json_array_size(kvs); i++) {
			if (parse_kv(json_array_get(kvs, i), &out->kvs[i],
			    err, errlen) != 0)
				goto done;
			out->nkvs++;
		}
	}
	rc = 0;
done:
	json_decref(j);
	if (rc != 0)
		gw_range_free(out);
	return rc;
}

void
gw_range_free(struct gw_range *r)
{
	for (size_t i = 0; i < r->nkvs; i++)
		kv_free(&r->kvs[i]);
	free(r->kvs);
	memset(r, 0, sizeof(*r));
}

static int
parse_stream_error(json_t *e, struct gw_error *out, char *err,
    size_t errlen)
{
	int64_t code, http;

	if (!json_is_object(e))
		return fail(err, errlen, "error: expected an object");
	if (get_i64(e, "grpc_code", &code, err, errlen) != 0 ||
	    get_i64(e, "http_code", &http, err, errlen) != 0 ||
	    get_str(e, "message", out->message, sizeof(out->message), err,
	    errlen) != 0)
		return -1;
	out->code = (int)code;
	out->http_code = (int)http;
	return 0;
}

static int
parse_events(json_t *evs, struct gw_watch_msg *m, char *err, size_t errlen)
{
	if (evs == NULL || json_is_null(evs))
		return 0;
	if (!json_is_array(evs) || json_array_size(evs) > GW_MAX_KVS)
		return fail(err, errlen, "events: expected an array");
	m->events = xcalloc(json_array_size(evs) + 1, sizeof(*m->events));
	for (size_t i = 0; i < json_array_size(evs); i++) {
		json_t *e = json_array_get(evs, i);
		struct gw_event *ev = &m->events[i];
		char type[16];

		if (!json_is_object(e))
			return fail(err, errlen, "events: expected objects");
		if (get_str(e, "type", type, sizeof(type), err, errlen) != 0)
			return -1;
		if (type[0] == '\0' || strcmp(type, "PUT") == 0)
			ev->type = GW_EV_PUT;
		else if (strcmp(type, "DELETE") == 0)
			ev->type = GW_EV_DELETE;
		else
			return fail(err, errlen, "event type '%s' is neither "
			    "PUT nor DELETE", type);
		if (parse_kv(json_object_get(e, "kv"), &ev->kv, err,
		    errlen) != 0)
			return -1;
		m->nevents++;
	}
	return 0;
}

int
gw_watch_parse(const char *line, size_t len, struct gw_watch_msg *out,
    char *err, size_t errlen)
{
	json_t *j, *r, *e;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((j = load(line, len, err, errlen)) == NULL)
		return -1;
	r = json_object_get(j, "result");
	e = json_object_get(j, "error");
	if (e != NULL) {
		out->is_error = true;
		rc = parse_stream_error(e, &out->err, err, errlen);
		goto done;
	}
	if (r == NULL || !json_is_object(r)) {
		fail(err, errlen, "expected {\"result\": {...}}");
		goto done;
	}
	if (header_revision(r, &out->revision, err, errlen) != 0 ||
	    get_i64(r, "watch_id", &out->watch_id, err, errlen) != 0 ||
	    get_bool(r, "created", &out->created, err, errlen) != 0 ||
	    get_bool(r, "canceled", &out->canceled, err, errlen) != 0 ||
	    get_i64(r, "compact_revision", &out->compact_revision, err,
	    errlen) != 0 ||
	    get_str(r, "cancel_reason", out->cancel_reason,
	    sizeof(out->cancel_reason), err, errlen) != 0 ||
	    parse_events(json_object_get(r, "events"), out, err, errlen) != 0)
		goto done;
	rc = 0;
done:
	json_decref(j);
	if (rc != 0)
		gw_watch_free(out);
	return rc;
}

void
gw_watch_free(struct gw_watch_msg *m)
{
	for (size_t i = 0; i < m->nevents; i++)
		kv_free(&m->events[i].kv);
	free(m->events);
	m->events = NULL;
	m->nevents = 0;
}

char *
gw_auth_parse(const char *body, size_t len, char *err, size_t errlen)
{
	json_t *j = load(body, len, err, errlen), *t;
	char *token = NULL;

	if (j == NULL)
		return NULL;
	t = json_object_get(j, "token");
	if (t == NULL || !json_is_string(t) || json_string_length(t) == 0 ||
	    json_string_length(t) > 4096)
		fail(err, errlen, "no token in the response");
	else
		token = xstrdup(json_string_value(t));
	json_decref(j);
	return token;
}

int
gw_error_parse(const char *body, size_t len, struct gw_error *out)
{
	json_t *j, *e;
	int64_t code = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((j = load(body, len, NULL, 0)) == NULL)
		return -1;
	e = json_object_get(j, "error");
	if (e != NULL && json_is_object(e)) {
		rc = parse_stream_error(e, out, NULL, 0);
	} else if (e != NULL) {
		if (get_i64(j, "code", &code, NULL, 0) == 0 &&
		    (get_str(j, "message", out->message,
		    sizeof(out->message), NULL, 0) == 0)) {
			out->code = (int)code;
			if (out->message[0] == '\0' && json_is_string(e))
				snprintf(out->message, sizeof(out->message),
				    "%s", json_string_value(e));
			rc = 0;
		}
	}
	json_decref(j);
	return rc;
}
