/*
 * ytree: see ytree.h.  libyaml's event parser drives a small stack
 * machine; nodes come from a bump arena so aliases can share subtrees and
 * one free releases a file.  The arena's chunks are mapped, not taken
 * from malloc: a large cluster's tree is many times its file (4.5 MB
 * for 1,000 Nodes) and lives only while a plan is computed, and on the
 * heap the long-lived objects made meanwhile would pin its pages.
 */
#include "ytree.h"

#include <sys/mman.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "lib/log.h"
#include "lib/xalloc.h"

#define ARENA_CHUNK	(256u << 10)	/* octets mapped at a time */

struct arena_chunk {
	struct arena_chunk *next;
	size_t	used, size;
	max_align_t data[];
};

struct anchor {
	char	*name;
	struct ynode *node;
};

struct frame {
	struct ynode *node;
	struct ynode *pending_key;	/* maps: key waiting for its value */
	size_t	cap;
};

struct builder {
	struct ytree *t;
	struct ytree_error *err;
	struct frame stack[YTREE_MAX_DEPTH + 1];
	int	depth;
	struct anchor *anchors;
	size_t	nanchors, capanchors;
	struct ynode *root;
};

static void	*arena_alloc(struct ytree *, size_t);
static int	 build_event(struct builder *, yaml_event_t *);
static int	 attach(struct builder *, struct ynode *, yaml_mark_t);
static int	 fail(struct builder *, yaml_mark_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void *
arena_alloc(struct ytree *t, size_t size)
{
	struct arena_chunk *c = t->arena;
	size_t need = (size + sizeof(max_align_t) - 1) &
	    ~(sizeof(max_align_t) - 1);

	if (c == NULL || c->size - c->used < need) {
		size_t map = sizeof(*c) + need > ARENA_CHUNK ?
		    (sizeof(*c) + need + 4095) & ~(size_t)4095 : ARENA_CHUNK;

		c = mmap(NULL, map, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (c == MAP_FAILED)
			fatal("%s: %zu octets", __func__, map);
		c->used = 0;
		c->size = map - sizeof(*c);
		c->next = t->arena;
		t->arena = c;
	}
	void *p = (char *)c->data + c->used;

	c->used += need;
	memset(p, 0, size);
	return p;
}

void
ytree_free(struct ytree *t)
{
	struct arena_chunk *c = t->arena, *next;

	for (; c != NULL; c = next) {
		next = c->next;
		(void)munmap(c, sizeof(*c) + c->size);
	}
	free(t->docs);
	free(t->path);
	memset(t, 0, sizeof(*t));
}

static int
fail(struct builder *b, yaml_mark_t mark, const char *fmt, ...)
{
	va_list ap;

	b->err->line = (unsigned)mark.line + 1;
	b->err->col = (unsigned)mark.column + 1;
	va_start(ap, fmt);
	vsnprintf(b->err->msg, sizeof(b->err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static struct ynode *
new_node(struct builder *b, enum ytree_kind kind, yaml_mark_t mark)
{
	struct ynode *n = arena_alloc(b->t, sizeof(*n));

	n->kind = kind;
	n->line = (unsigned)mark.line + 1;
	n->col = (unsigned)mark.column + 1;
	n->weight = 1;
	return n;
}

static int
remember_anchor(struct builder *b, const yaml_char_t *name, struct ynode *n)
{
	if (name == NULL)
		return 0;
	/* A later anchor of the same name shadows the earlier one. */
	b->anchors = xgrow(b->anchors, &b->capanchors, b->nanchors + 1,
	    sizeof(*b->anchors));
	b->anchors[b->nanchors].name = xstrdup((const char *)name);
	b->anchors[b->nanchors].node = n;
	b->nanchors++;
	return 0;
}

static struct ynode *
find_anchor(struct builder *b, const yaml_char_t *name)
{
	for (size_t i = b->nanchors; i-- > 0;) {
		if (strcmp(b->anchors[i].name, (const char *)name) == 0)
			return b->anchors[i].node;
	}
	return NULL;
}

static void
forget_anchors(struct builder *b)
{
	for (size_t i = 0; i < b->nanchors; i++)
		free(b->anchors[i].name);
	b->nanchors = 0;
}

static bool
same_key(const struct ynode *a, const struct ynode *k)
{
	return a->kind == YT_SCALAR && k->kind == YT_SCALAR &&
	    a->len == k->len && memcmp(a->str, k->str, a->len) == 0;
}

/* Append child to the container on top of the stack (or make it root). */
static int
attach(struct builder *b, struct ynode *child, yaml_mark_t mark)
{
	struct frame *f;
	struct ynode *p;

	if (b->depth == 0) {
		b->root = child;
		return 0;
	}
	f = &b->stack[b->depth - 1];
	p = f->node;
	if (p->kind == YT_MAP && f->pending_key == NULL) {
		if (child->kind != YT_SCALAR)
			return fail(b, mark, "mapping keys must be scalars");
		for (size_t i = 0; i < p->n; i++) {
			if (same_key(p->keys[i], child))
				return fail(b, mark, "duplicate key '%.*s' "
				    "(first at line %u)", (int)child->len,
				    child->str, p->keys[i]->line);
		}
		f->pending_key = child;
		return 0;
	}
	if (p->n + 1 > f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 4;
		struct ynode **nv = arena_alloc(b->t, ncap * sizeof(*nv));
		struct ynode **nk = NULL;

		if (p->n > 0)
			memcpy(nv, p->vals, p->n * sizeof(*nv));
		if (p->kind == YT_MAP) {
			nk = arena_alloc(b->t, ncap * sizeof(*nk));
			if (p->n > 0)
				memcpy(nk, p->keys, p->n * sizeof(*nk));
		}
		p->vals = nv;
		p->keys = nk;
		f->cap = ncap;
	}
	if (p->kind == YT_MAP) {
		p->keys[p->n] = f->pending_key;
		f->pending_key = NULL;
	}
	p->vals[p->n++] = child;
	return 0;
}

/* Add a finished subtree's weight to its parent, bounding expansion. */
static int
add_weight(struct builder *b, struct ynode *child, yaml_mark_t mark)
{
	if (b->depth == 0)
		return 0;
	struct ynode *p = b->stack[b->depth - 1].node;

	p->weight += child->weight;
	if (p->weight > YTREE_MAX_WEIGHT)
		return fail(b, mark, "document too large after alias "
		    "expansion (more than %u nodes)", YTREE_MAX_WEIGHT);
	return 0;
}

static int
push(struct builder *b, enum ytree_kind kind, yaml_mark_t mark,
    const yaml_char_t *anchor)
{
	struct ynode *n;

	if (b->depth >= YTREE_MAX_DEPTH)
		return fail(b, mark, "nesting deeper than %d levels",
		    YTREE_MAX_DEPTH);
	n = new_node(b, kind, mark);
	if (attach(b, n, mark) != 0)
		return -1;
	remember_anchor(b, anchor, n);
	b->stack[b->depth].node = n;
	b->stack[b->depth].pending_key = NULL;
	b->stack[b->depth].cap = 0;
	b->depth++;
	return 0;
}

static int
pop(struct builder *b, yaml_mark_t mark)
{
	struct ynode *n = b->stack[--b->depth].node;

	return add_weight(b, n, mark);
}

static int
scalar(struct builder *b, yaml_event_t *ev)
{
	struct ynode *n = new_node(b, YT_SCALAR, ev->start_mark);
	size_t len = ev->data.scalar.length;

	n->str = arena_alloc(b->t, len + 1);
	memcpy(n->str, ev->data.scalar.value, len);
	n->str[len] = '\0';
	n->len = len;
	n->style = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ?
	    YT_PLAIN : YT_QUOTED;
	if (memchr(n->str, '\0', len) != NULL)
		return fail(b, ev->start_mark, "NUL character in scalar");
	remember_anchor(b, ev->data.scalar.anchor, n);
	if (attach(b, n, ev->start_mark) != 0)
		return -1;
	return add_weight(b, n, ev->start_mark);
}

static int
alias(struct builder *b, yaml_event_t *ev)
{
	struct ynode *n = find_anchor(b, ev->data.alias.anchor);

	if (n == NULL)
		return fail(b, ev->start_mark, "unknown alias '*%s'",
		    (const char *)ev->data.alias.anchor);
	for (int i = 0; i < b->depth; i++) {
		if (b->stack[i].node == n)
			return fail(b, ev->start_mark,
			    "alias '*%s' refers to an enclosing node",
			    (const char *)ev->data.alias.anchor);
	}
	if (attach(b, n, ev->start_mark) != 0)
		return -1;
	return add_weight(b, n, ev->start_mark);
}

static int
end_document(struct builder *b, yaml_mark_t mark)
{
	struct ytree *t = b->t;
	size_t cap = t->ndocs;

	t->docs = xreallocarray(t->docs, cap + 1, sizeof(*t->docs));
	t->docs[t->ndocs].root = b->root;
	t->docs[t->ndocs].line = b->root ? b->root->line :
	    (unsigned)mark.line + 1;
	t->ndocs++;
	b->root = NULL;
	forget_anchors(b);
	return 0;
}

static int
build_event(struct builder *b, yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return scalar(b, ev);
	case YAML_ALIAS_EVENT:
		return alias(b, ev);
	case YAML_SEQUENCE_START_EVENT:
		return push(b, YT_SEQ, ev->start_mark,
		    ev->data.sequence_start.anchor);
	case YAML_MAPPING_START_EVENT:
		return push(b, YT_MAP, ev->start_mark,
		    ev->data.mapping_start.anchor);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return pop(b, ev->start_mark);
	case YAML_DOCUMENT_END_EVENT:
		return end_document(b, ev->start_mark);
	default:
		return 0;
	}
}

int
ytree_load_mem(const char *path, const char *data, size_t len,
    struct ytree *t, struct ytree_error *err)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	struct builder b;
	int rc = 0;
	bool done = false;

	memset(t, 0, sizeof(*t));
	memset(err, 0, sizeof(*err));
	memset(&b, 0, sizeof(b));
	t->path = xstrdup(path);
	b.t = t;
	b.err = err;
	if (!yaml_parser_initialize(&parser))
		fatalx("yaml_parser_initialize failed");
	yaml_parser_set_input_string(&parser, (const unsigned char *)data,
	    len);
	while (!done && rc == 0) {
		if (!yaml_parser_parse(&parser, &ev)) {
			yaml_mark_t m = parser.problem_mark;

			err->line = (unsigned)m.line + 1;
			err->col = (unsigned)m.column + 1;
			snprintf(err->msg, sizeof(err->msg), "%s%s%s",
			    parser.problem ? parser.problem : "parse error",
			    parser.context ? " " : "",
			    parser.context ? parser.context : "");
			rc = -1;
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		rc = build_event(&b, &ev);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	forget_anchors(&b);
	free(b.anchors);
	if (rc != 0) {
		char *p = xstrdup(path);

		ytree_free(t);
		t->path = p;
	}
	return rc;
}

void
ytree_init(struct ytree *t, const char *path)
{
	memset(t, 0, sizeof(*t));
	t->path = xstrdup(path);
}

struct ynode *
ytree_new_scalar(struct ytree *t, const char *s, size_t len,
    enum ytree_style style)
{
	struct ynode *n = arena_alloc(t, sizeof(*n));

	n->kind = YT_SCALAR;
	n->style = style;
	n->weight = 1;
	n->str = arena_alloc(t, len + 1);
	memcpy(n->str, s, len);
	n->str[len] = '\0';
	n->len = len;
	return n;
}

struct ynode *
ytree_new_container(struct ytree *t, enum ytree_kind kind, size_t cap)
{
	struct ynode *n = arena_alloc(t, sizeof(*n));

	n->kind = kind;
	n->weight = 1;
	n->cap = cap;
	if (cap > 0) {
		n->vals = arena_alloc(t, cap * sizeof(*n->vals));
		if (kind == YT_MAP)
			n->keys = arena_alloc(t, cap * sizeof(*n->keys));
	}
	return n;
}

bool
ytree_append(struct ynode *p, struct ynode *key, struct ynode *val)
{
	if (p->kind == YT_SCALAR || p->n >= p->cap ||
	    (p->kind == YT_MAP) != (key != NULL))
		return false;
	if (key != NULL)
		p->keys[p->n] = key;
	p->vals[p->n++] = val;
	p->weight += val->weight;
	return true;
}

void
ytree_add_doc(struct ytree *t, struct ynode *root)
{
	t->docs = xreallocarray(t->docs, t->ndocs + 1, sizeof(*t->docs));
	t->docs[t->ndocs].root = root;
	t->docs[t->ndocs].line = 0;
	t->ndocs++;
}

int
ytree_load_file(const char *path, struct ytree *t, struct ytree_error *err)
{
	FILE *f;
	char *data = NULL;
	size_t len = 0, cap = 0, n;
	int rc;

	memset(t, 0, sizeof(*t));
	memset(err, 0, sizeof(*err));
	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err->msg, sizeof(err->msg), "cannot open: %s",
		    strerror(errno));
		t->path = xstrdup(path);
		return -1;
	}
	do {
		data = xgrow(data, &cap, len + 65536, 1);
		n = fread(data + len, 1, cap - len, f);
		len += n;
	} while (n > 0 && len <= YTREE_MAX_FILE);
	if (ferror(f) || len > YTREE_MAX_FILE) {
		snprintf(err->msg, sizeof(err->msg), len > YTREE_MAX_FILE ?
		    "file larger than %u bytes" : "read error",
		    YTREE_MAX_FILE);
		fclose(f);
		free(data);
		t->path = xstrdup(path);
		return -1;
	}
	fclose(f);
	rc = ytree_load_mem(path, data, len, t, err);
	free(data);
	return rc;
}

struct ynode *
ytree_get(const struct ynode *map, const char *key)
{
	size_t klen = strlen(key);

	if (map == NULL || map->kind != YT_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = map->keys[i];

		if (k->len == klen && memcmp(k->str, key, klen) == 0)
			return map->vals[i];
	}
	return NULL;
}

bool
ytree_is_null(const struct ynode *n)
{
	if (n == NULL)
		return true;
	if (n->kind != YT_SCALAR || n->style != YT_PLAIN)
		return false;
	return n->len == 0 || strcmp(n->str, "~") == 0 ||
	    strcasecmp(n->str, "null") == 0;
}

const char *
ytree_kind_name(const struct ynode *n)
{
	if (n == NULL || ytree_is_null(n))
		return "null";
	switch (n->kind) {
	case YT_MAP:
		return "a mapping";
	case YT_SEQ:
		return "a list";
	default:
		return "a scalar";
	}
}
