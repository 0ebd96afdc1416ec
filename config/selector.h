/*
 * selector: Calico label selectors (CALICO.md section 6), used by BGPPeer
 * nodeSelector/peerSelector and IPPool nodeSelector.
 *
 * The tokenizer follows Calico's: whitespace is space and tab; keywords
 * (in, not in, notin, contains, starts with, ends with, has(...), all(),
 * global()) are recognised wherever they start, with a word boundary;
 * labels are 1..512 of [a-zA-Z0-9_./-]; strings are "..." or '...' with no
 * escapes.  Precedence: ! binds tightest, then &&, then ||.  An empty
 * selector is all().  A parsed selector is immutable.
 */
#ifndef BGPD_SELECTOR_H
#define BGPD_SELECTOR_H

#include <stdbool.h>
#include <stddef.h>

#define SELECTOR_MAX_LABEL	512
#define SELECTOR_MAX_DEPTH	64

struct selector;	/* opaque, immutable after parse */

struct selector_error {
	size_t	offset;		/* byte offset of the offending token */
	char	msg[160];
};

/*
 * Parse NUL-terminated text.  Trailing newlines (from YAML block scalars)
 * are ignored.  Returns 0 and *out, or -1 with *err filled.
 */
int	 selector_parse(const char *text, struct selector **out,
	    struct selector_error *err);
/* Label lookup: the label's value, or NULL when the label is absent. */
typedef const char *selector_label_fn(const void *ctx, const char *key);
bool	 selector_match(const struct selector *s, selector_label_fn *get,
	    const void *ctx);
/* Canonical text, malloc'd: groups parenthesised, sets sorted. */
char	*selector_format(const struct selector *s);
void	 selector_free(struct selector *s);

#endif
