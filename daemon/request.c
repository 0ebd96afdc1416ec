/* request: see request.h. */
#include "request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Unescape s in place; -1 on a bad %XX or an escaped NUL. */
static int
unescape(char *s)
{
	char *o = s;

	for (; *s != '\0'; s++) {
		int hi, lo;

		if (*s != '%') {
			*o++ = *s;
			continue;
		}
		if ((hi = hexval(s[1])) < 0 || (lo = hexval(s[2])) < 0 ||
		    (hi == 0 && lo == 0))
			return -1;
		*o++ = (char)(hi << 4 | lo);
		s += 2;
	}
	*o = '\0';
	return 0;
}

int
request_parse(struct request *r, const char *line, char *err, size_t errlen)
{
	char *save = NULL, *w;

	memset(r, 0, sizeof(*r));
	r->buf = xstrdup(line);
	for (w = strtok_r(r->buf, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save)) {
		for (const char *c = w; *c; c++) {
			if ((unsigned char)*c < '!' ||
			    (unsigned char)*c > '~') {
				snprintf(err, errlen, "request has a raw "
				    "control or non-ASCII byte");
				return -1;
			}
		}
		if (unescape(w) != 0) {
			snprintf(err, errlen, "bad %%-escape in the request");
			return -1;
		}
		if (strncmp(w, "--", 2) == 0 && w[2] != '\0') {
			if (r->nopts == REQUEST_MAX_WORDS)
				goto many;
			r->opt[r->nopts++] = w + 2;
		} else {
			if (r->nwords == REQUEST_MAX_WORDS)
				goto many;
			r->word[r->nwords++] = w;
		}
	}
	if (r->nwords > 1 && strcmp(r->word[r->nwords - 1], "json") == 0) {
		r->json = true;
		r->nwords--;
	}
	if (request_opt(r, "json") != NULL)
		r->json = true;
	if (r->nwords == 0) {
		snprintf(err, errlen, "empty request");
		return -1;
	}
	return 0;
many:
	snprintf(err, errlen, "too many words in the request (at most %d)",
	    REQUEST_MAX_WORDS);
	return -1;
}

void
request_free(struct request *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

const char *
request_opt(const struct request *r, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < r->nopts; i++) {
		if (strncmp(r->opt[i], name, n) != 0)
			continue;
		if (r->opt[i][n] == '\0')
			return "";
		if (r->opt[i][n] == '=')
			return r->opt[i] + n + 1;
	}
	return NULL;
}

const char *
request_word(const struct request *r, size_t i)
{
	return i < r->nwords ? r->word[i] : NULL;
}

void
request_put_word(struct buf_wr *w, const char *word)
{
	if (w->len > 0)
		buf_put_str(w, " ");
	for (const unsigned char *c = (const unsigned char *)word; *c; c++) {
		if (*c < '!' || *c > '~' || *c == '%')
			buf_printf(w, "%%%02X", *c);
		else
			buf_put_bytes(w, c, 1);
	}
}
