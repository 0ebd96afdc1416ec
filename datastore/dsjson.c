/* dsjson: see dsjson.h. */
#include "dsjson.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "config/ytree.h"

struct conv {
	struct ytree *t;
	size_t	weight;
	char	*err;
	size_t	errlen;
};

static struct ynode *
conv(struct conv *c, json_t *j, int depth)
{
	char num[64];
	struct ynode *n;
	const char *k;
	json_t *v;
	size_t i;

	if (depth > YTREE_MAX_DEPTH) {
		snprintf(c->err, c->errlen, "nesting deeper than %d levels",
		    YTREE_MAX_DEPTH);
		return NULL;
	}
	if (++c->weight > YTREE_MAX_WEIGHT) {
		snprintf(c->err, c->errlen, "more than %u values",
		    YTREE_MAX_WEIGHT);
		return NULL;
	}
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		n = ytree_new_container(c->t, YT_MAP, json_object_size(j));
		json_object_foreach(j, k, v) {
			struct ynode *key, *val;

			key = ytree_new_scalar(c->t, k, strlen(k), YT_QUOTED);
			if ((val = conv(c, v, depth + 1)) == NULL)
				return NULL;
			ytree_append(n, key, val);
		}
		return n;
	case JSON_ARRAY:
		n = ytree_new_container(c->t, YT_SEQ, json_array_size(j));
		json_array_foreach(j, i, v) {
			struct ynode *val = conv(c, v, depth + 1);

			if (val == NULL)
				return NULL;
			ytree_append(n, NULL, val);
		}
		return n;
	case JSON_STRING:
		return ytree_new_scalar(c->t, json_string_value(j),
		    json_string_length(j), YT_QUOTED);
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(j));
		return ytree_new_scalar(c->t, num, strlen(num), YT_PLAIN);
	case JSON_REAL:
		snprintf(num, sizeof(num), "%.17g", json_real_value(j));
		return ytree_new_scalar(c->t, num, strlen(num), YT_PLAIN);
	case JSON_TRUE:
		return ytree_new_scalar(c->t, "true", 4, YT_PLAIN);
	case JSON_FALSE:
		return ytree_new_scalar(c->t, "false", 5, YT_PLAIN);
	case JSON_NULL:
	default:
		return ytree_new_scalar(c->t, "null", 4, YT_PLAIN);
	}
}

int
dsjson_parse(const char *path, const char *data, size_t len,
    struct ytree *t, char *err, size_t errlen)
{
	json_error_t je;
	json_t *j;
	struct conv c = { t, 0, err, errlen };
	struct ynode *root;

	ytree_init(t, path);
	if (len > YTREE_MAX_FILE) {
		snprintf(err, errlen, "value larger than %u bytes",
		    YTREE_MAX_FILE);
		return -1;
	}
	/* NUL bytes inside strings are refused (no JSON_ALLOW_NUL). */
	j = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	    &je);
	if (j == NULL) {
		snprintf(err, errlen, "invalid JSON at byte %d: %s",
		    je.position, je.text);
		return -1;
	}
	root = conv(&c, j, 0);
	json_decref(j);
	if (root == NULL)
		return -1;
	ytree_add_doc(t, root);
	return 0;
}
