/*
 * request: the control socket's request line, written by the client and
 * read by the daemon.  A request is words separated by single spaces and
 * ended by "\n": the command, its arguments, then options as
 * "--name" or "--name=value".  Inside a word every byte outside '!'..'~',
 * and '%' itself, is written %XX, so a shutdown message with spaces,
 * newlines or any other bytes stays one word and one line.  The last word
 * may be "json" (the original protocol's way to ask for JSON).
 */
#ifndef BGPD_REQUEST_H
#define BGPD_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"

#define REQUEST_MAX_WORDS	16

struct request {
	char	*word[REQUEST_MAX_WORDS];	/* positional: command first */
	size_t	nwords;
	char	*opt[REQUEST_MAX_WORDS];	/* "name" or "name=value" */
	size_t	nopts;
	bool	json;
	char	*buf;
};

/* Split and unescape line (no "\n"); -1 with err set on a bad line. */
int	 request_parse(struct request *r, const char *line, char *err,
	    size_t errlen);
void	 request_free(struct request *r);
/* The value of option name: "" for a bare --name, NULL when absent. */
const char *request_opt(const struct request *r, const char *name);
/* Positional word i (0: the command), or NULL. */
const char *request_word(const struct request *r, size_t i);
/* Append one escaped word to w, a space before it unless w is empty. */
void	 request_put_word(struct buf_wr *w, const char *word);

#endif
