/* json: see json.h. */
#include "json.h"

#include <inttypes.h>
#include <string.h>

#include "jescape.h"
#include "log.h"

void
json_init(struct json_w *j, struct buf_wr *out, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->pretty = pretty;
	j->first[0] = true;
}

static void
json_indent(struct json_w *j)
{
	if (!j->pretty)
		return;
	buf_put_u8(j->out, '\n');
	for (int i = 0; i < j->depth; i++)
		buf_put_str(j->out, "  ");
}

/* Separator before a value or key at the current level. */
static void
json_sep(struct json_w *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		buf_put_u8(j->out, ',');
	j->first[j->depth] = false;
	if (j->depth > 0)
		json_indent(j);
}

static void
json_open(struct json_w *j, char c)
{
	json_sep(j);
	buf_put_u8(j->out, (uint8_t)c);
	if (++j->depth >= JSON_MAX_DEPTH)
		fatalx("json: nesting deeper than %d", JSON_MAX_DEPTH);
	j->first[j->depth] = true;
}

static void
json_close(struct json_w *j, char c)
{
	bool empty = j->first[j->depth];

	if (j->depth == 0)
		fatalx("json: close without open");
	j->depth--;
	if (!empty)
		json_indent(j);
	buf_put_u8(j->out, (uint8_t)c);
	if (j->depth == 0 && j->pretty)
		buf_put_u8(j->out, '\n');
}

void
json_obj_begin(struct json_w *j)
{
	json_open(j, '{');
}

void
json_obj_end(struct json_w *j)
{
	json_close(j, '}');
}

void
json_arr_begin(struct json_w *j)
{
	json_open(j, '[');
}

void
json_arr_end(struct json_w *j)
{
	json_close(j, ']');
}

void
json_escape(struct buf_wr *out, const char *str, size_t len)
{
	char tmp[256];
	size_t w;

	while (len > 0) {
		size_t used = jescape(tmp, sizeof(tmp), str, len, &w);

		buf_put_bytes(out, tmp, w);
		str += used;
		len -= used;
	}
}

void
json_key(struct json_w *j, const char *key)
{
	json_sep(j);
	buf_put_u8(j->out, '"');
	json_escape(j->out, key, strlen(key));
	buf_put_str(j->out, j->pretty ? "\": " : "\":");
	j->after_key = true;
}

void
json_strn(struct json_w *j, const char *s, size_t len)
{
	json_sep(j);
	buf_put_u8(j->out, '"');
	json_escape(j->out, s, len);
	buf_put_u8(j->out, '"');
}

void
json_str(struct json_w *j, const char *s)
{
	if (s == NULL) {
		json_null(j);
		return;
	}
	json_strn(j, s, strlen(s));
}

void
json_int(struct json_w *j, int64_t v)
{
	json_sep(j);
	buf_printf(j->out, "%" PRId64, v);
}

void
json_uint(struct json_w *j, uint64_t v)
{
	json_sep(j);
	buf_printf(j->out, "%" PRIu64, v);
}

void
json_bool(struct json_w *j, bool v)
{
	json_sep(j);
	buf_put_str(j->out, v ? "true" : "false");
}

void
json_null(struct json_w *j)
{
	json_sep(j);
	buf_put_str(j->out, "null");
}

void
json_kstr(struct json_w *j, const char *key, const char *s)
{
	json_key(j, key);
	json_str(j, s);
}

void
json_kint(struct json_w *j, const char *key, int64_t v)
{
	json_key(j, key);
	json_int(j, v);
}

void
json_kuint(struct json_w *j, const char *key, uint64_t v)
{
	json_key(j, key);
	json_uint(j, v);
}

void
json_kbool(struct json_w *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}
