/* walk: see walk.h. */
#include "walk.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/xalloc.h"
#include "selector.h"

struct config_loc
walk_loc(const struct walk *w, const struct ynode *n)
{
	struct config_loc l = { w->file, 0, 0 };

	if (n != NULL) {
		l.line = n->line;
		l.col = n->col;
	}
	return l;
}

static void walk_vdiag(struct walk *w, enum config_sev sev,
    const struct ynode *n, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static void
walk_vdiag(struct walk *w, enum config_sev sev, const struct ynode *n,
    const char *fmt, va_list ap)
{
	struct config_loc l = walk_loc(w, n);
	char *msg = xvasprintf(fmt, ap);

	config_diag_add(&w->cfg->diags, sev, &l, "%s", msg);
	free(msg);
}

#define WALK_DIAG_FN(fname, sev)					\
void									\
fname(struct walk *w, const struct ynode *n, const char *fmt, ...)	\
{									\
	va_list ap;							\
									\
	va_start(ap, fmt);						\
	walk_vdiag(w, sev, n, fmt, ap);					\
	va_end(ap);							\
}

WALK_DIAG_FN(walk_err, CONFIG_ERROR)
WALK_DIAG_FN(walk_warn, CONFIG_WARNING)
WALK_DIAG_FN(walk_notice, CONFIG_NOTICE)

/* Levenshtein distance, capped: only small distances matter here. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[65], cur[65];

	if (la > 64 || lb > 64)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? sub : del;
			if (ins < cur[j])
				cur[j] = ins;
		}
		memcpy(prev, cur, (lb + 1) * sizeof(prev[0]));
	}
	return prev[lb];
}

static const char *
suggest(const char *key, const struct walk_field *table, size_t n)
{
	const char *best = NULL;
	size_t bestd = 3;

	for (size_t i = 0; i < n; i++) {
		if (strcasecmp(key, table[i].name) == 0)
			return table[i].name;
	}
	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(key, table[i].name);

		if (d < bestd) {
			bestd = d;
			best = table[i].name;
		}
	}
	return best;
}

void
walk_map(struct walk *w, const char *field, const struct ynode *map,
    const struct walk_field *table, size_t n, void *obj)
{
	char path[160];

	if (!walk_is_map(w, field, map))
		return;
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = map->keys[i];
		size_t j;

		for (j = 0; j < n; j++) {
			if (strcmp(k->str, table[j].name) == 0)
				break;
		}
		snprintf(path, sizeof(path), "%s%s%s", field,
		    field[0] ? "." : "", k->str);
		if (j == n) {
			const char *s = suggest(k->str, table, n);

			if (s != NULL)
				walk_warn(w, k, "unknown field '%s' in %s "
				    "(did you mean '%s'?); ignored", path,
				    w->kind, s);
			else
				walk_warn(w, k, "unknown field '%s' in %s; "
				    "ignored", path, w->kind);
			continue;
		}
		if (table[j].fn != NULL)
			table[j].fn(w, path, map->vals[i], obj);
	}
}

static const char *
found(const struct ynode *v)
{
	return ytree_kind_name(v);
}

static bool
walk_is_scalar(struct walk *w, const char *field, const struct ynode *v,
    const char *expected)
{
	if (v != NULL && v->kind == YT_SCALAR && !ytree_is_null(v))
		return true;
	walk_err(w, v, "%s: expected %s, found %s", field, expected, found(v));
	return false;
}

bool
walk_is_map(struct walk *w, const char *field, const struct ynode *v)
{
	if (v != NULL && v->kind == YT_MAP)
		return true;
	walk_err(w, v, "%s: expected a mapping, found %s", field, found(v));
	return false;
}

bool
walk_is_seq(struct walk *w, const char *field, const struct ynode *v)
{
	if (v != NULL && v->kind == YT_SEQ)
		return true;
	walk_err(w, v, "%s: expected a list, found %s", field, found(v));
	return false;
}

int
walk_str(struct walk *w, const char *field, const struct ynode *v,
    char **out)
{
	if (!walk_is_scalar(w, field, v, "a string"))
		return -1;
	free(*out);
	*out = xstrdup(v->str);
	return 0;
}

/* YAML 1.1 booleans, as Kubernetes' YAML reader accepts them. */
int
walk_bool(struct walk *w, const char *field, const struct ynode *v,
    bool *out)
{
	static const char *const yes[] = { "true", "yes", "y", "on" };
	static const char *const no[] = { "false", "no", "n", "off" };

	if (!walk_is_scalar(w, field, v, "true or false"))
		return -1;
	if (v->style == YT_PLAIN) {
		for (size_t i = 0; i < 4; i++) {
			if (strcasecmp(v->str, yes[i]) == 0) {
				*out = true;
				return 0;
			}
			if (strcasecmp(v->str, no[i]) == 0) {
				*out = false;
				return 0;
			}
		}
	}
	walk_err(w, v, "%s: '%s' is not a boolean, expected true or false%s",
	    field, v->str, v->style == YT_PLAIN ? "" : " without quotes");
	return -1;
}

int
walk_uint(struct walk *w, const char *field, const struct ynode *v,
    uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t val = 0;
	const char *s;

	if (!walk_is_scalar(w, field, v, "a number"))
		return -1;
	s = v->str;
	if (*s == '+')
		s++;
	if (v->style != YT_PLAIN || *s == '\0')
		goto bad;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || val > (UINT64_MAX - 9) / 10)
			goto bad;
		val = val * 10 + (uint64_t)(*s - '0');
	}
	if (val < min || val > max) {
		walk_err(w, v, "%s: %s is out of range, expected %llu to %llu",
		    field, v->str, (unsigned long long)min,
		    (unsigned long long)max);
		return -1;
	}
	*out = val;
	return 0;
bad:
	walk_err(w, v, "%s: '%s' is not a number, expected an integer "
	    "from %llu to %llu", field, v->str, (unsigned long long)min,
	    (unsigned long long)max);
	return -1;
}

int
walk_enum(struct walk *w, const char *field, const struct ynode *v,
    const char *const *names, int *out)
{
	char list[256] = "";

	if (!walk_is_scalar(w, field, v, "a string"))
		return -1;
	for (int i = 0; names[i] != NULL; i++) {
		if (strcmp(v->str, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	for (int i = 0; names[i] != NULL; i++) {
		if (i > 0)
			strncat(list, names[i + 1] ? ", " : " or ",
			    sizeof(list) - strlen(list) - 1);
		strncat(list, names[i], sizeof(list) - strlen(list) - 1);
	}
	walk_err(w, v, "%s: '%s' is not valid, expected %s", field, v->str,
	    list);
	return -1;
}

int
walk_asn(struct walk *w, const char *field, const struct ynode *v,
    uint32_t *out)
{
	if (!walk_is_scalar(w, field, v, "an AS number"))
		return -1;
	if (config_asn_parse(v->str, out) != 0) {
		walk_err(w, v, "%s: '%s' is not a valid AS number, expected "
		    "0 to 4294967295 or asdot X.Y (each 0 to 65535)", field,
		    v->str);
		return -1;
	}
	return 0;
}

int
walk_duration(struct walk *w, const char *field, const struct ynode *v,
    uint32_t *seconds)
{
	if (!walk_is_scalar(w, field, v, "a duration"))
		return -1;
	if (config_duration_parse(v->str, seconds) != 0) {
		walk_err(w, v, "%s: '%s' is not a valid duration, expected a "
		    "number with a unit such as \"120s\", \"2m\" or \"1h30m\"",
		    field, v->str);
		return -1;
	}
	return 0;
}

static const char *
af_word(int af)
{
	return af == AF_INET ? "an IPv4" : af == AF_INET6 ? "an IPv6" : "an IP";
}

int
walk_ip(struct walk *w, const char *field, const struct ynode *v, int af,
    struct ip_addr *out)
{
	if (!walk_is_scalar(w, field, v, "an IP address"))
		return -1;
	if (addr_parse(v->str, out) != 0 || (af != 0 && out->af != af)) {
		walk_err(w, v, "%s: '%s' is not %s address", field, v->str,
		    af_word(af));
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return 0;
}

int
walk_cidr(struct walk *w, const char *field, const struct ynode *v, int af,
    bool strict, struct ip_prefix *out)
{
	char buf[ADDR_PFX_STRLEN];

	if (!walk_is_scalar(w, field, v, "a CIDR"))
		return -1;
	if (addr_pfx_parse(v->str, out, false) != 0 ||
	    (af != 0 && out->addr.af != af)) {
		walk_err(w, v, "%s: '%s' is not %s CIDR, expected "
		    "address/length", field, v->str, af_word(af));
		memset(out, 0, sizeof(*out));
		return -1;
	}
	if (strict && !addr_pfx_is_masked(out)) {
		struct ip_prefix m = *out;

		addr_pfx_mask(&m);
		walk_err(w, v, "%s: '%s' has host bits set, expected the "
		    "network address %s", field, v->str,
		    addr_pfx_fmt(&m, buf, sizeof(buf)));
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return 0;
}

int
walk_selector(struct walk *w, const char *field, const struct ynode *v,
    struct selector **sel, char **text)
{
	struct selector_error err;
	struct config_loc l;

	if (!walk_is_scalar(w, field, v, "a selector"))
		return -1;
	if (v->len > CONFIG_MAX_SELECTOR) {
		walk_err(w, v, "%s: selector is %zu bytes long, expected at "
		    "most %u", field, v->len, CONFIG_MAX_SELECTOR);
		return -1;
	}
	if (selector_parse(v->str, sel, &err) != 0) {
		/*
		 * Point at the offending token.  Columns are exact for
		 * single-line scalars (plus one for an opening quote).
		 */
		l = walk_loc(w, v);
		if (strchr(v->str, '\n') == NULL)
			l.col += (unsigned)err.offset +
			    (v->style == YT_QUOTED ? 1 : 0);
		config_diag_add(&w->cfg->diags, CONFIG_ERROR, &l,
		    "%s: invalid selector: %s", field, err.msg);
		*sel = NULL;
		return -1;
	}
	free(*text);
	*text = xstrdup(v->str);
	return 0;
}

int
walk_name(struct walk *w, const char *field, const struct ynode *v,
    char **out)
{
	if (!walk_is_scalar(w, field, v, "a name"))
		return -1;
	if (!config_name_valid(v->str)) {
		walk_err(w, v, "%s: '%s' is not a valid name, expected 1 to "
		    "253 letters, digits, '.', '-' or '_', starting and ending "
		    "with a letter or digit", field, v->str);
		return -1;
	}
	free(*out);
	*out = xstrdup(v->str);
	return 0;
}

int
walk_str_list(struct walk *w, const char *field, const struct ynode *v,
    char ***out, size_t *n, struct config_loc **locs)
{
	char path[160];

	if (!walk_is_seq(w, field, v))
		return -1;
	for (size_t i = 0; i < v->n; i++) {
		char *s = NULL;

		snprintf(path, sizeof(path), "%s[%zu]", field, i);
		if (walk_str(w, path, v->vals[i], &s) != 0)
			continue;
		*out = xreallocarray(*out, *n + 1, sizeof(**out));
		if (locs != NULL) {
			*locs = xreallocarray(*locs, *n + 1, sizeof(**locs));
			(*locs)[*n] = walk_loc(w, v->vals[i]);
		}
		(*out)[(*n)++] = s;
	}
	return 0;
}
