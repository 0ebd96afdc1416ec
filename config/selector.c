/*
 * selector: see selector.h.  A tokenizer that mirrors Calico's
 * (libcalico-go/lib/selector/tokenizer), a recursive-descent parser into a
 * small tree, a matcher and a canonical formatter.
 */
#include "selector.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/xalloc.h"

enum tok_kind {
	T_EOF, T_LABEL, T_STRING, T_LBRACE, T_RBRACE, T_COMMA, T_EQ, T_NE,
	T_IN, T_NOT, T_NOTIN, T_CONTAINS, T_STARTS, T_ENDS, T_ALL, T_HAS,
	T_LPAREN, T_RPAREN, T_AND, T_OR, T_GLOBAL,
};

struct tok {
	enum tok_kind kind;
	size_t	off;
	const char *s;		/* label, string or has() label */
	size_t	len;
};

enum node_kind {
	N_ALL, N_GLOBAL, N_HAS, N_EQ, N_NE, N_CONTAINS, N_STARTS, N_ENDS,
	N_IN, N_NOTIN, N_NOT, N_AND, N_OR,
};

struct snode {
	enum node_kind kind;
	char	*key;
	char	*value;
	char	**set;
	size_t	nset;
	struct snode **kids;
	size_t	nkids;
};

struct selector {
	struct snode *root;
};

struct parser {
	const char *text;
	struct tok *toks;
	size_t	ntoks, cap, pos;
	int	depth;
	struct selector_error *err;
};

static struct snode *parse_or(struct parser *);
static void node_free(struct snode *);

static int perr(struct parser *p, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
perr(struct parser *p, size_t off, const char *fmt, ...)
{
	va_list ap;

	p->err->offset = off;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static bool
is_label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '/' ||
	    c == '-';
}

/* Go regexp \w, for \b */
static bool
is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

/* Go regexp \s */
static bool
is_re_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static size_t
skip_re_space(const char *s, size_t i)
{
	while (is_re_space(s[i]))
		i++;
	return i;
}

/* "word" at s, followed by a word boundary; returns its length or 0. */
static size_t
keyword(const char *s, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(s, word, n) != 0 || is_word_char(s[n]))
		return 0;
	return n;
}

/* "first\s*second\b" (not in, starts with, ends with) */
static size_t
keyword2(const char *s, const char *first, const char *second)
{
	size_t n = strlen(first), m;

	if (strncmp(s, first, n) != 0)
		return 0;
	n = skip_re_space(s, n);
	m = keyword(s + n, second);
	return m == 0 ? 0 : n + m;
}

/* "fn(\s*LABEL?\s*)" for has(label), all() and global(). */
static size_t
func(const char *s, const char *name, bool want_label, const char **lab,
    size_t *lablen)
{
	size_t n = strlen(name), i, start;

	if (strncmp(s, name, n) != 0 || s[n] != '(')
		return 0;
	i = skip_re_space(s, n + 1);
	start = i;
	while (want_label && is_label_char(s[i]) &&
	    i - start < SELECTOR_MAX_LABEL)
		i++;
	if (want_label && i == start)
		return 0;
	if (want_label) {
		*lab = s + start;
		*lablen = i - start;
	}
	i = skip_re_space(s, i);
	return s[i] == ')' ? i + 1 : 0;
}

static void
push(struct parser *p, enum tok_kind k, size_t off, const char *s,
    size_t len)
{
	p->toks = xgrow(p->toks, &p->cap, p->ntoks + 1, sizeof(*p->toks));
	p->toks[p->ntoks++] = (struct tok){ k, off, s, len };
}

/* One token at offset i; returns its length, or 0 after perr(). */
static size_t
lex_one(struct parser *p, size_t i)
{
	static const struct {
		const char *a, *b;
		enum tok_kind kind;
	} kws[] = {
		{ "not", "in", T_NOTIN }, { "in", NULL, T_IN },
		{ "contains", NULL, T_CONTAINS },
		{ "starts", "with", T_STARTS }, { "ends", "with", T_ENDS },
	};
	const char *s = p->text + i, *lab = NULL;
	size_t n, lablen = 0;

	switch (*s) {
	case '(': push(p, T_LPAREN, i, NULL, 0); return 1;
	case ')': push(p, T_RPAREN, i, NULL, 0); return 1;
	case '{': push(p, T_LBRACE, i, NULL, 0); return 1;
	case '}': push(p, T_RBRACE, i, NULL, 0); return 1;
	case ',': push(p, T_COMMA, i, NULL, 0); return 1;
	case '"':
	case '\'': {
		const char *end = strchr(s + 1, *s);

		if (end == NULL)
			return perr(p, i, "unterminated string, expected a "
			    "closing %c", *s), 0;
		push(p, T_STRING, i, s + 1, (size_t)(end - s - 1));
		return (size_t)(end - s + 1);
	}
	case '=':
		if (s[1] == '=') {
			push(p, T_EQ, i, NULL, 0);
			return 2;
		}
		return perr(p, i, "unexpected '=', expected '=='"), 0;
	case '!':
		if (s[1] == '=') {
			push(p, T_NE, i, NULL, 0);
			return 2;
		}
		push(p, T_NOT, i, NULL, 0);
		return 1;
	case '&':
		if (s[1] == '&') {
			push(p, T_AND, i, NULL, 0);
			return 2;
		}
		return perr(p, i, "unexpected '&', expected '&&'"), 0;
	case '|':
		if (s[1] == '|') {
			push(p, T_OR, i, NULL, 0);
			return 2;
		}
		return perr(p, i, "unexpected '|', expected '||'"), 0;
	default:
		break;
	}
	if ((n = func(s, "has", true, &lab, &lablen)) != 0) {
		push(p, T_HAS, i, lab, lablen);
		return n;
	}
	if ((n = func(s, "all", false, NULL, NULL)) != 0) {
		push(p, T_ALL, i, NULL, 0);
		return n;
	}
	if ((n = func(s, "global", false, NULL, NULL)) != 0) {
		push(p, T_GLOBAL, i, NULL, 0);
		return n;
	}
	for (size_t k = 0; k < sizeof(kws) / sizeof(kws[0]); k++) {
		n = kws[k].b ? keyword2(s, kws[k].a, kws[k].b) :
		    keyword(s, kws[k].a);
		if (n != 0) {
			push(p, kws[k].kind, i, NULL, 0);
			return n;
		}
	}
	for (n = 0; is_label_char(s[n]); n++)
		;
	if (n > SELECTOR_MAX_LABEL)
		return perr(p, i, "label longer than %d characters",
		    SELECTOR_MAX_LABEL), 0;
	if (n > 0) {
		push(p, T_LABEL, i, s, n);
		return n;
	}
	if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
		return perr(p, i, "unexpected character 0x%02x",
		    (unsigned char)*s), 0;
	return perr(p, i, "unexpected character '%c'", *s), 0;
}

static int
tokenize(struct parser *p, size_t len)
{
	size_t i = 0, n;

	for (;;) {
		while (i < len && (p->text[i] == ' ' || p->text[i] == '\t'))
			i++;
		if (i >= len) {
			push(p, T_EOF, i, NULL, 0);
			return 0;
		}
		if ((n = lex_one(p, i)) == 0)
			return -1;
		i += n;
	}
}

static const char *
tok_name(const struct tok *t)
{
	static const char *const names[] = {
		[T_EOF] = "end of selector", [T_LABEL] = "label",
		[T_STRING] = "string", [T_LBRACE] = "'{'",
		[T_RBRACE] = "'}'", [T_COMMA] = "','", [T_EQ] = "'=='",
		[T_NE] = "'!='", [T_IN] = "'in'", [T_NOT] = "'!'",
		[T_NOTIN] = "'not in'", [T_CONTAINS] = "'contains'",
		[T_STARTS] = "'starts with'", [T_ENDS] = "'ends with'",
		[T_ALL] = "'all()'", [T_HAS] = "'has()'", [T_LPAREN] = "'('",
		[T_RPAREN] = "')'", [T_AND] = "'&&'", [T_OR] = "'||'",
		[T_GLOBAL] = "'global()'",
	};

	return names[t->kind];
}

static struct tok *
cur(struct parser *p)
{
	return &p->toks[p->pos];
}

static struct snode *
new_node(enum node_kind kind)
{
	struct snode *n = xcalloc(1, sizeof(*n));

	n->kind = kind;
	return n;
}

static void
add_kid(struct snode *n, struct snode *kid)
{
	n->kids = xreallocarray(n->kids, n->nkids + 1, sizeof(*n->kids));
	n->kids[n->nkids++] = kid;
}

static struct snode *
unexpected(struct parser *p, const char *expected)
{
	perr(p, cur(p)->off, "unexpected %s, expected %s", tok_name(cur(p)),
	    expected);
	return NULL;
}

/* '{' [string (',' string)*] '}' */
static struct snode *
parse_set(struct parser *p, struct snode *n)
{
	if (cur(p)->kind != T_LBRACE)
		return unexpected(p, "'{'");
	p->pos++;
	if (cur(p)->kind == T_RBRACE) {
		p->pos++;
		return n;
	}
	for (;;) {
		if (cur(p)->kind != T_STRING)
			return unexpected(p, "a quoted string");
		n->set = xreallocarray(n->set, n->nset + 1, sizeof(*n->set));
		n->set[n->nset++] = xstrndup(cur(p)->s, cur(p)->len);
		p->pos++;
		if (cur(p)->kind == T_RBRACE) {
			p->pos++;
			return n;
		}
		if (cur(p)->kind != T_COMMA)
			return unexpected(p, "',' or '}'");
		p->pos++;
	}
}

/* label (==|!=|contains|starts with|ends with) string, or label [not] in */
static struct snode *
parse_label_op(struct parser *p)
{
	struct tok *lab = cur(p);
	enum node_kind kind;
	struct snode *n;

	p->pos++;
	switch (cur(p)->kind) {
	case T_EQ: kind = N_EQ; break;
	case T_NE: kind = N_NE; break;
	case T_CONTAINS: kind = N_CONTAINS; break;
	case T_STARTS: kind = N_STARTS; break;
	case T_ENDS: kind = N_ENDS; break;
	case T_IN: kind = N_IN; break;
	case T_NOTIN: kind = N_NOTIN; break;
	default:
		return unexpected(p, "an operator (==, !=, in, not in, "
		    "contains, starts with, ends with)");
	}
	p->pos++;
	n = new_node(kind);
	n->key = xstrndup(lab->s, lab->len);
	if (kind == N_IN || kind == N_NOTIN) {
		if (parse_set(p, n) == NULL)
			goto fail;
		return n;
	}
	if (cur(p)->kind != T_STRING) {
		unexpected(p, "a quoted string");
		goto fail;
	}
	n->value = xstrndup(cur(p)->s, cur(p)->len);
	p->pos++;
	return n;
fail:
	node_free(n);
	return NULL;
}

static struct snode *
parse_operand(struct parser *p)
{
	struct snode *n;
	struct tok *t = cur(p);

	switch (t->kind) {
	case T_ALL:
		p->pos++;
		return new_node(N_ALL);
	case T_GLOBAL:
		p->pos++;
		return new_node(N_GLOBAL);
	case T_HAS:
		p->pos++;
		n = new_node(N_HAS);
		n->key = xstrndup(t->s, t->len);
		return n;
	case T_LABEL:
		return parse_label_op(p);
	case T_LPAREN:
		p->pos++;
		if ((n = parse_or(p)) == NULL)
			return NULL;
		if (cur(p)->kind != T_RPAREN) {
			node_free(n);
			return unexpected(p, "')'");
		}
		p->pos++;
		return n;
	default:
		return unexpected(p, "a label, has(), all() or '('");
	}
}

/* '!'* operand; the parity of the '!'s decides. */
static struct snode *
parse_not(struct parser *p)
{
	bool negate = false;
	struct snode *n, *x;

	if (++p->depth > SELECTOR_MAX_DEPTH) {
		perr(p, cur(p)->off, "selector nested too deeply (more than "
		    "%d levels)", SELECTOR_MAX_DEPTH);
		return NULL;
	}
	while (cur(p)->kind == T_NOT) {
		negate = !negate;
		p->pos++;
	}
	n = parse_operand(p);
	p->depth--;
	if (n == NULL || !negate)
		return n;
	x = new_node(N_NOT);
	add_kid(x, n);
	return x;
}

static struct snode *
parse_list(struct parser *p, enum tok_kind sep, enum node_kind kind,
    struct snode *(*sub)(struct parser *))
{
	struct snode *first, *n;

	if ((first = sub(p)) == NULL)
		return NULL;
	if (cur(p)->kind != sep)
		return first;
	n = new_node(kind);
	add_kid(n, first);
	while (cur(p)->kind == sep) {
		struct snode *k;

		p->pos++;
		if ((k = sub(p)) == NULL) {
			node_free(n);
			return NULL;
		}
		add_kid(n, k);
	}
	return n;
}

static struct snode *
parse_and(struct parser *p)
{
	return parse_list(p, T_AND, N_AND, parse_not);
}

static struct snode *
parse_or(struct parser *p)
{
	return parse_list(p, T_OR, N_OR, parse_and);
}

int
selector_parse(const char *text, struct selector **out,
    struct selector_error *err)
{
	struct parser p;
	struct snode *root = NULL;
	size_t len = strlen(text);
	int rc = -1;

	*out = NULL;
	memset(err, 0, sizeof(*err));
	memset(&p, 0, sizeof(p));
	p.text = text;
	p.err = err;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	if (tokenize(&p, len) != 0)
		goto done;
	if (cur(&p)->kind == T_EOF) {
		root = new_node(N_ALL);
	} else {
		if ((root = parse_or(&p)) == NULL)
			goto done;
		if (cur(&p)->kind != T_EOF) {
			unexpected(&p, "'&&', '||' or the end of the "
			    "selector");
			node_free(root);
			root = NULL;
			goto done;
		}
	}
	*out = xcalloc(1, sizeof(**out));
	(*out)->root = root;
	rc = 0;
done:
	free(p.toks);
	return rc;
}

static bool
in_set(const struct snode *n, const char *v)
{
	for (size_t i = 0; i < n->nset; i++) {
		if (strcmp(n->set[i], v) == 0)
			return true;
	}
	return false;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static bool
match(const struct snode *n, selector_label_fn *get, const void *ctx)
{
	const char *v = n->key ? get(ctx, n->key) : NULL;

	switch (n->kind) {
	case N_ALL:
	case N_GLOBAL:
		return true;
	case N_HAS:
		return v != NULL;
	case N_EQ:
		return v != NULL && strcmp(v, n->value) == 0;
	case N_NE:
		return v == NULL || strcmp(v, n->value) != 0;
	case N_CONTAINS:
		return v != NULL && strstr(v, n->value) != NULL;
	case N_STARTS:
		return v != NULL &&
		    strncmp(v, n->value, strlen(n->value)) == 0;
	case N_ENDS:
		return v != NULL && ends_with(v, n->value);
	case N_IN:
		return v != NULL && in_set(n, v);
	case N_NOTIN:
		return v == NULL || !in_set(n, v);
	case N_NOT:
		return !match(n->kids[0], get, ctx);
	case N_AND:
		for (size_t i = 0; i < n->nkids; i++) {
			if (!match(n->kids[i], get, ctx))
				return false;
		}
		return true;
	case N_OR:
		for (size_t i = 0; i < n->nkids; i++) {
			if (match(n->kids[i], get, ctx))
				return true;
		}
		return false;
	}
	return false;
}

bool
selector_match(const struct selector *s, selector_label_fn *get,
    const void *ctx)
{
	return match(s->root, get, ctx);
}

static void
fmt_string(struct buf_wr *b, const char *v)
{
	char q = strchr(v, '"') != NULL ? '\'' : '"';

	buf_printf(b, "%c%s%c", q, v, q);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
fmt_node(struct buf_wr *b, const struct snode *n)
{
	static const char *const ops[] = {
		[N_EQ] = "==", [N_NE] = "!=", [N_CONTAINS] = "contains",
		[N_STARTS] = "starts with", [N_ENDS] = "ends with",
		[N_IN] = "in", [N_NOTIN] = "not in",
	};
	char **sorted;

	switch (n->kind) {
	case N_ALL:
		buf_put_str(b, "all()");
		return;
	case N_GLOBAL:
		buf_put_str(b, "global()");
		return;
	case N_HAS:
		buf_printf(b, "has(%s)", n->key);
		return;
	case N_EQ: case N_NE: case N_CONTAINS: case N_STARTS: case N_ENDS:
		buf_printf(b, "%s %s ", n->key, ops[n->kind]);
		fmt_string(b, n->value);
		return;
	case N_IN:
	case N_NOTIN:
		buf_printf(b, "%s %s {", n->key, ops[n->kind]);
		sorted = n->nset ? xmemdup(n->set, n->nset * sizeof(char *)) :
		    NULL;
		if (n->nset > 1)
			qsort(sorted, n->nset, sizeof(char *), cmp_str);
		for (size_t i = 0; i < n->nset; i++) {
			if (i > 0)
				buf_put_str(b, ", ");
			fmt_string(b, sorted[i]);
		}
		free(sorted);
		buf_put_str(b, "}");
		return;
	case N_NOT:
		buf_put_str(b, "!");
		fmt_node(b, n->kids[0]);
		return;
	case N_AND:
	case N_OR:
		buf_put_str(b, "(");
		for (size_t i = 0; i < n->nkids; i++) {
			if (i > 0)
				buf_put_str(b, n->kind == N_AND ? " && " :
				    " || ");
			fmt_node(b, n->kids[i]);
		}
		buf_put_str(b, ")");
		return;
	}
}

char *
selector_format(const struct selector *s)
{
	struct buf_wr b;

	buf_wr_init(&b, 0);
	fmt_node(&b, s->root);
	buf_str(&b);
	return (char *)buf_wr_detach(&b, NULL);
}

static void
node_free(struct snode *n)
{
	if (n == NULL)
		return;
	free(n->key);
	free(n->value);
	for (size_t i = 0; i < n->nset; i++)
		free(n->set[i]);
	free(n->set);
	for (size_t i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n);
}

void
selector_free(struct selector *s)
{
	if (s == NULL)
		return;
	node_free(s->root);
	free(s);
}
