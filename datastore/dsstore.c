/* dsstore: see dsstore.h. */
#include "dsstore.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/ytree.h"
#include "dsjson.h"
#include "lib/xalloc.h"

struct lookup {
	const char *key;
	size_t	klen;
};

static bool
entry_eq(const void *entry, const void *key)
{
	const struct dsstore_entry *e = entry;
	const struct lookup *l = key;

	return e->klen == l->klen && memcmp(e->key, l->key, l->klen) == 0;
}

static uint64_t
key_hash(const char *key, size_t klen)
{
	return hash_bytes(key, klen);
}

static void
entry_free(struct dsstore_entry *e)
{
	free(e->key);
	free(e->value);
	free(e);
}

void
dsstore_init(struct dsstore *s, const char *node)
{
	memset(s, 0, sizeof(*s));
	s->node = xstrdup(node);
	dskey_prefixes_init(&s->prefixes, node);
	hash_init(&s->keys);
}

void
dsstore_free(struct dsstore *s)
{
	struct dsstore_entry *e;
	size_t it = 0;

	while ((e = hash_next(&s->keys, &it)) != NULL)
		entry_free(e);
	hash_free(&s->keys);
	dskey_prefixes_free(&s->prefixes);
	free(s->node);
	memset(s, 0, sizeof(*s));
}

size_t
dsstore_count(const struct dsstore *s)
{
	return hash_count(&s->keys);
}

const struct dsstore_entry *
dsstore_get(const struct dsstore *s, const char *key, size_t klen)
{
	struct lookup l = { key, klen };

	return hash_find(&s->keys, key_hash(key, klen), entry_eq, &l);
}

bool
dsstore_put(struct dsstore *s, const char *key, size_t klen,
    const char *value, size_t vlen, int64_t mod_rev)
{
	struct lookup l = { key, klen };
	uint64_t hv = key_hash(key, klen);
	struct dsstore_entry *e = hash_find(&s->keys, hv, entry_eq, &l);
	struct dskey_info ki;
	const char *why;

	if (e == NULL) {
		if (dskey_parse(&s->prefixes, key, klen, &ki, &why) != 0) {
			s->ignored++;
			return false;
		}
		e = xcalloc(1, sizeof(*e));
		e->key = xmalloc(klen + 1);
		memcpy(e->key, key, klen);
		e->key[klen] = '\0';
		e->klen = klen;
		e->kind = ki.kind;
		hash_insert(&s->keys, hv, e);
		s->nkind[e->kind]++;
	} else {
		e->gen = s->gen[e->kind];
		e->mod_rev = mod_rev;
		if (e->vlen == vlen && memcmp(e->value, value, vlen) == 0)
			return false;
		free(e->value);
	}
	e->gen = s->gen[e->kind];
	e->mod_rev = mod_rev;
	e->value = xmalloc(vlen + 1);
	memcpy(e->value, value, vlen);
	e->value[vlen] = '\0';
	e->vlen = vlen;
	return true;
}

bool
dsstore_del(struct dsstore *s, const char *key, size_t klen)
{
	struct lookup l = { key, klen };
	struct dsstore_entry *e;

	e = hash_remove(&s->keys, key_hash(key, klen), entry_eq, &l);
	if (e == NULL)
		return false;
	s->nkind[e->kind]--;
	entry_free(e);
	return true;
}

void
dsstore_relist_begin(struct dsstore *s, enum dskey_kind kind)
{
	s->gen[kind]++;
}

size_t
dsstore_relist_sweep(struct dsstore *s, enum dskey_kind kind)
{
	struct dsstore_entry *e, **gone = NULL;
	size_t it = 0, n = 0, cap = 0;

	/* Collect first: removing while iterating is not supported. */
	while ((e = hash_next(&s->keys, &it)) != NULL) {
		if (e->kind != kind || e->gen == s->gen[kind])
			continue;
		gone = xgrow(gone, &cap, n + 1, sizeof(*gone));
		gone[n++] = e;
	}
	for (size_t i = 0; i < n; i++)
		dsstore_del(s, gone[i]->key, gone[i]->klen);
	free(gone);
	return n;
}

/* ---- building the model ---- */

/* "etcd:<key>" with bytes a terminal should not see replaced. */
static char *
location(const struct dsstore_entry *e)
{
	char *f = xmalloc(e->klen + 6);

	memcpy(f, "etcd:", 5);
	for (size_t i = 0; i < e->klen; i++) {
		unsigned char c = (unsigned char)e->key[i];

		f[5 + i] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
	}
	f[5 + e->klen] = '\0';
	return f;
}

static void
key_error(struct config *cfg, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
key_error(struct config *cfg, const char *file, const char *fmt, ...)
{
	struct config_loc loc = { config_diag_file(&cfg->diags, file), 0, 0 };
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	config_diag_add(&cfg->diags, CONFIG_ERROR, &loc, "%s", msg);
	free(msg);
}

static struct ynode *
str_node(struct ytree *t, const char *s)
{
	return ytree_new_scalar(t, s, strlen(s), YT_QUOTED);
}

static void
member(struct ytree *t, struct ynode *map, const char *k, struct ynode *v)
{
	ytree_append(map, str_node(t, k), v);
}

/* An affinity key and its {"state","deleted"} value as a BlockAffinity;
 * t is initialised here. */
static struct ynode *
affinity_doc(const struct dsstore *s, const struct dsstore_entry *e,
    struct ytree *t, struct config *cfg, const char *file)
{
	struct dskey_info ki;
	struct ynode *root, *meta, *spec, *val = NULL;
	const char *why;
	char err[256], name[DSKEY_MAX];
	size_t nval = 0;

	if (e->vlen == 0) {
		/* Old Calico wrote an empty value: read as {} (confirmed). */
		ytree_init(t, file);
	} else if (dsjson_parse(file, e->value, e->vlen, t, err,
	    sizeof(err)) != 0) {
		key_error(cfg, file, "%s", err);
		return NULL;
	} else {
		val = t->docs[0].root;
		if (val->kind != YT_MAP) {
			key_error(cfg, file, "expected a JSON object "
			    "{\"state\":...,\"deleted\":...}, found %s",
			    ytree_kind_name(val));
			return NULL;
		}
		nval = val->n;
	}
	if (dskey_parse(&s->prefixes, e->key, e->klen, &ki, &why) != 0) {
		key_error(cfg, file, "not an affinity key: %s", why);
		return NULL;
	}
	snprintf(name, sizeof(name), "%s", ki.name);
	for (char *p = name; *p; p++) {
		if (*p == '.' || *p == ':' || *p == '/')
			*p = '-';
	}
	root = ytree_new_container(t, YT_MAP, 4);
	member(t, root, "apiVersion", str_node(t, "projectcalico.org/v3"));
	member(t, root, "kind", str_node(t, "BlockAffinity"));
	meta = ytree_new_container(t, YT_MAP, 1);
	member(t, meta, "name", str_node(t, name));
	member(t, root, "metadata", meta);
	spec = ytree_new_container(t, YT_MAP, 2 + nval);
	member(t, spec, "node", str_node(t, s->node));
	member(t, spec, "cidr", str_node(t, ki.name));
	/* The value's own fields (state, deleted); the key says the rest. */
	for (size_t i = 0; i < nval; i++) {
		const char *k = val->keys[i]->str;

		if (strcmp(k, "node") == 0 || strcmp(k, "cidr") == 0) {
			key_error(cfg, file, "%s: not a field of an affinity "
			    "value (the key names the node and the block)", k);
			return NULL;
		}
		ytree_append(spec, val->keys[i], val->vals[i]);
	}
	member(t, root, "spec", spec);
	return root;
}

/* A v3 resource value; t is initialised here. */
static struct ynode *
resource_doc(const struct dsstore *s, const struct dsstore_entry *e,
    struct ytree *t, struct config *cfg, const char *file)
{
	const char *want = dskey_kind_name(e->kind), *why;
	struct ynode *root, *kind, *meta, *name;
	struct dskey_info ki;
	char err[256];

	if (dsjson_parse(file, e->value, e->vlen, t, err, sizeof(err)) != 0) {
		key_error(cfg, file, "%s", err);
		return NULL;
	}
	root = t->docs[0].root;
	if (root->kind != YT_MAP) {
		key_error(cfg, file, "expected a %s resource (a JSON object), "
		    "found %s", want, ytree_kind_name(root));
		return NULL;
	}
	kind = ytree_get(root, "kind");
	if (kind != NULL && kind->kind == YT_SCALAR &&
	    strcmp(kind->str, want) != 0) {
		key_error(cfg, file, "kind: '%.60s' under the %s prefix, "
		    "expected %s", kind->str, want, want);
		return NULL;
	}
	meta = ytree_get(root, "metadata");
	name = ytree_get(meta, "name");
	if (dskey_parse(&s->prefixes, e->key, e->klen, &ki, &why) != 0) {
		key_error(cfg, file, "unexpected key: %s", why);
		return NULL;
	}
	if (name != NULL && name->kind == YT_SCALAR &&
	    strcmp(name->str, ki.name) != 0) {
		key_error(cfg, file, "metadata.name: '%.60s' differs from the "
		    "key's name '%s'", name->str, ki.name);
		return NULL;
	}
	return root;
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct dsstore_entry *x = *(const struct dsstore_entry *const *)a;
	const struct dsstore_entry *y = *(const struct dsstore_entry *const *)b;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int c = memcmp(x->key, y->key, n);

	return c != 0 ? c : x->klen < y->klen ? -1 : x->klen > y->klen;
}

size_t
dsstore_build(const struct dsstore *s, struct config *cfg,
    size_t *finish_errors)
{
	struct dsstore_entry *e, **v;
	size_t it = 0, n = 0, skipped = 0;

	config_init(cfg);
	v = xcalloc(hash_count(&s->keys) + 1, sizeof(*v));
	while ((e = hash_next(&s->keys, &it)) != NULL)
		v[n++] = e;
	qsort(v, n, sizeof(*v), entry_cmp);
	for (size_t i = 0; i < n; i++) {
		char *file = location(v[i]);
		struct ytree t;
		struct ynode *root;

		root = v[i]->kind == DSKEY_AFFINITY ?
		    affinity_doc(s, v[i], &t, cfg, file) :
		    resource_doc(s, v[i], &t, cfg, file);
		if (root == NULL || config_add_doc(cfg, file, root, true) > 0)
			skipped++;
		ytree_free(&t);
		free(file);
	}
	free(v);
	n = cfg->diags.nerrors;
	config_finish(cfg);
	*finish_errors = cfg->diags.nerrors - n;
	return skipped;
}
