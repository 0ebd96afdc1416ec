/*
 * dsjson: a JSON value from the datastore as a ytree document, so the
 * resource parsers of config/ validate it exactly as they validate YAML.
 *
 * jansson parses (strict JSON, duplicate keys refused); the tree keeps
 * JSON's types the way YAML would read them: strings are quoted scalars,
 * numbers, true, false and null plain ones.  Nesting and size are bounded
 * like ytree's.  Nodes carry no line or column: diagnostics name the key.
 */
#ifndef BGPD_DSJSON_H
#define BGPD_DSJSON_H

#include <stddef.h>

struct ytree;

/*
 * Parse data (len bytes) into t (initialised here, named path) as one
 * document.  Returns 0, or -1 with err saying what and where (the byte
 * offset in the value); t must be freed with ytree_free() either way.
 */
int	 dsjson_parse(const char *path, const char *data, size_t len,
	    struct ytree *t, char *err, size_t errlen);

#endif
