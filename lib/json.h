/*
 * json: a streaming JSON writer into a buf_wr.
 *
 * Callers open and close objects and arrays; the writer places commas,
 * indentation (when pretty) and escapes.  Strings are written as valid
 * UTF-8 whatever the input: control characters are escaped and invalid
 * bytes become U+FFFD, so text that came from a peer or a file cannot break
 * the output or a terminal.  Nesting deeper than JSON_MAX_DEPTH is a bug.
 */
#ifndef BGPD_JSON_H
#define BGPD_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

#define JSON_MAX_DEPTH	32

struct json_w {
	struct buf_wr *out;
	bool	pretty;
	int	depth;
	bool	first[JSON_MAX_DEPTH];
	bool	after_key;
};

void	json_init(struct json_w *j, struct buf_wr *out, bool pretty);
void	json_obj_begin(struct json_w *j);
void	json_obj_end(struct json_w *j);
void	json_arr_begin(struct json_w *j);
void	json_arr_end(struct json_w *j);
void	json_key(struct json_w *j, const char *key);
void	json_str(struct json_w *j, const char *s);
void	json_strn(struct json_w *j, const char *s, size_t len);
void	json_int(struct json_w *j, int64_t v);
void	json_uint(struct json_w *j, uint64_t v);
void	json_bool(struct json_w *j, bool v);
void	json_null(struct json_w *j);
/* Write a string with JSON escaping (no quotes) into any buffer. */
void	json_escape(struct buf_wr *out, const char *s, size_t len);

/* key + value shorthands */
void	json_kstr(struct json_w *j, const char *key, const char *s);
void	json_kint(struct json_w *j, const char *key, int64_t v);
void	json_kuint(struct json_w *j, const char *key, uint64_t v);
void	json_kbool(struct json_w *j, const char *key, bool v);

#endif
