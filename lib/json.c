/* json: see json.h. */
#include "json.h"

#include <inttypes.h>
#include <string.h>

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

/* Length of the valid UTF-8 sequence at s (max n bytes), or 0. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

void
json_escape(struct buf_wr *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n;

		switch (c) {
		case '"': buf_put_str(out, "\\\""); i++; continue;
		case '\\': buf_put_str(out, "\\\\"); i++; continue;
		case '\n': buf_put_str(out, "\\n"); i++; continue;
		case '\r': buf_put_str(out, "\\r"); i++; continue;
		case '\t': buf_put_str(out, "\\t"); i++; continue;
		default: break;
		}
		if (c < 0x20 || c == 0x7f) {
			buf_printf(out, "\\u%04x", c);
			i++;
			continue;
		}
		n = utf8_seq(s + i, len - i);
		if (n == 0) {
			buf_put_str(out, "\\ufffd");
			i++;
			continue;
		}
		buf_put_bytes(out, s + i, n);
		i += n;
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
