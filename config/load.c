/*
 * load: config_load() and friends.  Reads files (one, or a directory's
 * *.yaml and *.yml in name order), splits documents and *List items, checks
 * apiVersion/kind/metadata, hands each resource to its kind parser
 * (kinds.h), then runs the checks that need every resource at once
 * (duplicate names, overlapping pools, dangling references) and sorts the
 * arrays by name so everything downstream is deterministic.
 */
#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "config.h"
#include "kinds.h"
#include "lib/hash.h"
#include "lib/xalloc.h"
#include "selector.h"

#define NFIELDS(t)	(sizeof(t) / sizeof((t)[0]))

static const char *const v3_versions[] = {
	"projectcalico.org/v3", "crd.projectcalico.org/v1",
};

static const struct {
	const char *kind;
	void	(*fn)(struct walk *, struct kind_meta *);
} v3_kinds[] = {
	{ "Node", kind_node },
	{ "BGPConfiguration", kind_bgpconf },
	{ "BGPPeer", kind_peer },
	{ "IPPool", kind_pool },
	{ "IPAMBlock", kind_block },
	{ "BlockAffinity", kind_affinity },
	{ "BGPFilter", kind_filter },
	{ "BFDConfiguration", kind_bfdconf },
};

/* metadata fields Kubernetes and calicoctl write; accepted silently. */
static const struct walk_field meta_fields[] = {
	{ "name", NULL }, { "labels", NULL }, { "annotations", NULL },
	{ "namespace", NULL }, { "uid", NULL }, { "resourceVersion", NULL },
	{ "creationTimestamp", NULL }, { "generation", NULL },
	{ "managedFields", NULL }, { "ownerReferences", NULL },
	{ "finalizers", NULL }, { "selfLink", NULL },
	{ "deletionTimestamp", NULL }, { "deletionGracePeriodSeconds", NULL },
	{ "generateName", NULL },
};

static const struct walk_field top_fields[] = {
	{ "apiVersion", NULL }, { "kind", NULL }, { "metadata", NULL },
	{ "spec", NULL }, { "status", NULL },
};

static const char *
scalar_or_null(const struct ynode *n)
{
	if (n == NULL || n->kind != YT_SCALAR || ytree_is_null(n))
		return NULL;
	return n->str;
}

static bool
is_v3_version(const char *v)
{
	for (size_t i = 0; i < NFIELDS(v3_versions); i++) {
		if (strcmp(v, v3_versions[i]) == 0)
			return true;
	}
	return false;
}

static int
v3_kind_index(const char *kind)
{
	for (size_t i = 0; i < NFIELDS(v3_kinds); i++) {
		if (strcasecmp(kind, v3_kinds[i].kind) == 0)
			return (int)i;
	}
	return -1;
}

static bool
is_list_kind(const char *kind)
{
	size_t len = strlen(kind);

	return len >= 4 && strcmp(kind + len - 4, "List") == 0;
}

/* Check metadata and spec, then call the kind parser. */
static void
dispatch(struct walk *w, const struct ynode *res, const char *kind,
    void (*fn)(struct walk *, struct kind_meta *), bool v1)
{
	const struct ynode *meta = ytree_get(res, "metadata");
	const struct ynode *spec = ytree_get(res, "spec");
	const struct ynode *name;
	struct kind_meta m;

	memset(&m, 0, sizeof(m));
	m.doc = res;
	m.loc = walk_loc(w, res);
	w->kind = kind;
	walk_map(w, "", res, top_fields, NFIELDS(top_fields), NULL);
	if (meta == NULL || meta->kind != YT_MAP) {
		walk_err(w, meta ? meta : res, "%s: metadata: required, "
		    "expected a mapping with a name", kind);
		return;
	}
	if (spec != NULL && ytree_is_null(spec))
		spec = NULL;
	if (spec != NULL && !walk_is_map(w, "spec", spec))
		return;
	m.meta = meta;
	m.spec = spec;
	if (v1) {
		fn(w, &m);
		return;
	}
	walk_map(w, "metadata", meta, meta_fields, NFIELDS(meta_fields),
	    NULL);
	name = ytree_get(meta, "name");
	if (name == NULL) {
		walk_err(w, meta, "%s: metadata.name: required", kind);
		return;
	}
	if (walk_name(w, "metadata.name", name, &m.name) != 0)
		return;
	m.loc = walk_loc(w, name);
	fn(w, &m);
	free(m.name);
}

static void resource(struct walk *, const struct ynode *, int);

static void
list_items(struct walk *w, const struct ynode *res, const char *kind,
    int depth)
{
	const struct ynode *items = ytree_get(res, "items");

	if (depth > 0) {
		walk_err(w, res, "%s: lists inside lists are not supported",
		    kind);
		return;
	}
	if (ytree_is_null(items))
		return;
	if (!walk_is_seq(w, "items", items))
		return;
	for (size_t i = 0; i < items->n; i++)
		resource(w, items->vals[i], depth + 1);
}

static void
resource(struct walk *w, const struct ynode *res, int depth)
{
	const char *api, *kind;
	int k;

	if (res == NULL || res->kind != YT_MAP) {
		walk_err(w, res, "expected a Calico resource (a mapping with "
		    "apiVersion, kind, metadata and spec), found %s",
		    ytree_kind_name(res));
		return;
	}
	api = scalar_or_null(ytree_get(res, "apiVersion"));
	kind = scalar_or_null(ytree_get(res, "kind"));
	if (kind == NULL) {
		walk_err(w, res, "resource has no kind, expected e.g. "
		    "'kind: BGPPeer'");
		return;
	}
	if (is_list_kind(kind) && ytree_get(res, "items") != NULL) {
		list_items(w, res, kind, depth);
		return;
	}
	if (api == NULL) {
		walk_err(w, res, "%s has no apiVersion, expected "
		    "projectcalico.org/v3", kind);
		return;
	}
	k = v3_kind_index(kind);
	if (strcmp(api, "v1") == 0 && strcasecmp(kind, "bgpPeer") == 0) {
		dispatch(w, res, "bgpPeer", kind_peer_v1, true);
	} else if (is_v3_version(api) && k >= 0) {
		dispatch(w, res, v3_kinds[k].kind, v3_kinds[k].fn, false);
	} else if (k >= 0 && strcmp(api, "v1") != 0) {
		walk_err(w, ytree_get(res, "apiVersion"), "apiVersion '%s' is "
		    "not supported for %s, expected projectcalico.org/v3 or "
		    "crd.projectcalico.org/v1", api, kind);
	} else {
		walk_notice(w, res, "skipping %s (apiVersion %s): not a kind "
		    "bgpd uses", kind, api);
	}
}

static void
load_file(struct config *cfg, const char *path)
{
	struct ytree t;
	struct ytree_error err;
	struct walk w;
	struct config_loc loc;

	memset(&w, 0, sizeof(w));
	w.cfg = cfg;
	w.file = config_diag_file(&cfg->diags, path);
	cfg->nfiles++;
	if (ytree_load_file(path, &t, &err) != 0) {
		loc.file = w.file;
		loc.line = err.line;
		loc.col = err.col;
		config_diag_add(&cfg->diags, CONFIG_ERROR, &loc, "%s%s",
		    err.line ? "invalid YAML: " : "", err.msg);
		ytree_free(&t);
		return;
	}
	for (size_t i = 0; i < t.ndocs; i++) {
		if (t.docs[i].root == NULL || ytree_is_null(t.docs[i].root))
			continue;
		resource(&w, t.docs[i].root, 0);
	}
	ytree_free(&t);
}

static bool
yaml_name(const char *name)
{
	size_t len = strlen(name);

	if (name[0] == '.')
		return false;
	return (len > 5 && strcmp(name + len - 5, ".yaml") == 0) ||
	    (len > 4 && strcmp(name + len - 4, ".yml") == 0);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
load_dir(struct config *cfg, const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	struct config_loc loc = { config_diag_file(&cfg->diags, path), 0, 0 };

	if (d == NULL) {
		config_diag_add(&cfg->diags, CONFIG_ERROR, &loc,
		    "cannot read directory: %s", strerror(errno));
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (!yaml_name(de->d_name))
			continue;
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xasprintf("%s/%s", path, de->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_str);
	if (n == 0)
		config_diag_add(&cfg->diags, CONFIG_WARNING, &loc,
		    "no *.yaml or *.yml files in this directory");
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
			load_file(cfg, names[i]);
		free(names[i]);
	}
	free(names);
}

/* ---- checks across resources ---- */

#define DUP_CHECK(cfg, arr, n, what)					\
	for (size_t i_ = 1; i_ < (n); i_++) {				\
		if (strcmp((arr)[i_].name, (arr)[i_ - 1].name) == 0)	\
			dup_report(cfg, &(arr)[i_].loc,			\
			    &(arr)[i_ - 1].loc, what, (arr)[i_].name);	\
	}

static void
dup_report(struct config *cfg, const struct config_loc *l,
    const struct config_loc *first, const char *what, const char *name)
{
	/* Arrays are sorted stably, so `first` is the earlier definition. */
	config_diag_add(&cfg->diags, CONFIG_ERROR, l, "duplicate %s '%s' "
	    "(first defined at %s:%u:%u)", what, name,
	    first->file ? first->file : "?", first->line, first->col);
}

static void
check_pools(struct config *cfg)
{
	char a[ADDR_PFX_STRLEN], b[ADDR_PFX_STRLEN];

	for (size_t i = 0; i < cfg->npools; i++) {
		for (size_t j = i + 1; j < cfg->npools; j++) {
			const struct config_pool *p = &cfg->pools[i];
			const struct config_pool *q = &cfg->pools[j];

			if (p->cidr.addr.af == 0 || q->cidr.addr.af == 0 ||
			    !addr_pfx_overlaps(&p->cidr, &q->cidr))
				continue;
			config_diag_add(&cfg->diags, CONFIG_ERROR, &q->loc,
			    "IPPool '%s' (%s) overlaps IPPool '%s' (%s)",
			    q->name, addr_pfx_fmt(&q->cidr, a, sizeof(a)),
			    p->name, addr_pfx_fmt(&p->cidr, b, sizeof(b)));
		}
	}
	for (size_t i = 0; i < cfg->nblocks; i++) {
		const struct config_block *bl = &cfg->blocks[i];
		bool in = false;

		for (size_t j = 0; j < cfg->npools && !in; j++)
			in = addr_pfx_contains(&cfg->pools[j].cidr, &bl->cidr);
		if (!in && bl->cidr.addr.af != 0 && cfg->npools > 0)
			config_diag_add(&cfg->diags, CONFIG_WARNING, &bl->loc,
			    "IPAMBlock '%s' (%s) is outside every IPPool",
			    bl->name, addr_pfx_fmt(&bl->cidr, a, sizeof(a)));
	}
}

/* The Nodes' addresses seen so far (check_node_ips): entries are the
 * ip_addr inside a config_node. */
static bool
ip_seen_eq(const void *entry, const void *key)
{
	return addr_eq(entry, key);
}

static bool
ip_seen(struct hash_table *t, const struct ip_addr *a)
{
	uint64_t hv;

	if (a->af == 0)
		return false;
	hv = addr_hash(a);
	if (hash_find(t, hv, ip_seen_eq, a) != NULL)
		return true;
	hash_insert(t, hv, (void *)a);
	return false;
}

static void
check_node_ips(struct config *cfg)
{
	char a[ADDR_STRLEN];
	struct hash_table seen;

	/* A Node whose addresses no earlier Node has is in no pair below:
	 * only the others are compared with every earlier Node (a
	 * 1,000-Node cluster made each node compare 500,000 pairs). */
	hash_init(&seen);
	for (size_t j = 0; j < cfg->nnodes; j++) {
		const struct config_node *m = &cfg->nodes[j];
		bool d4 = ip_seen(&seen, &m->v4.addr);

		if (!ip_seen(&seen, &m->v6.addr) && !d4)
			continue;
		for (size_t i = 0; i < j; i++) {
			const struct config_node *n = &cfg->nodes[i];
			const struct ip_addr *dup = NULL;

			if (n->v4.addr.af && addr_eq(&n->v4.addr, &m->v4.addr))
				dup = &n->v4.addr;
			else if (n->v6.addr.af &&
			    addr_eq(&n->v6.addr, &m->v6.addr))
				dup = &n->v6.addr;
			if (dup != NULL)
				config_diag_add(&cfg->diags, CONFIG_WARNING,
				    &m->loc, "Node '%s' has the same address "
				    "%s as Node '%s'; their sessions will "
				    "collide", m->name,
				    addr_fmt(dup, a, sizeof(a)), n->name);
		}
	}
	hash_free(&seen);
}

static void
check_refs(struct config *cfg)
{
	for (size_t i = 0; i < cfg->npeers; i++) {
		const struct config_peer *p = &cfg->peers[i];

		for (size_t k = 0; k < p->nfilters; k++) {
			/* Invalid names were reported as errors already. */
			if (config_name_valid(p->filters[k]) &&
			    config_filter_find(cfg, p->filters[k]) == NULL)
				config_diag_add(&cfg->diags, CONFIG_WARNING,
				    &p->filter_locs[k], "BGPPeer '%s' uses "
				    "BGPFilter '%s', which is not defined; "
				    "it is skipped until it is", p->name,
				    p->filters[k]);
		}
		if (p->node != NULL && cfg->nnodes > 0 &&
		    config_node_find(cfg, p->node) == NULL)
			config_diag_add(&cfg->diags, CONFIG_NOTICE, &p->loc,
			    "BGPPeer '%s' is for node '%s', which is not "
			    "defined", p->name, p->node);
	}
	for (size_t i = 0; i < cfg->nbgpconfs; i++) {
		const struct config_bgpconf *c = &cfg->bgpconfs[i];

		if (c->node != NULL && cfg->nnodes > 0 &&
		    config_node_find(cfg, c->node) == NULL)
			config_diag_add(&cfg->diags, CONFIG_NOTICE, &c->loc,
			    "BGPConfiguration '%s' is for node '%s', which is "
			    "not defined", c->name, c->node);
	}
}

static int
name_cmp(const char *a, const char *b, size_t name_off)
{
	return strcmp(*(char *const *)(a + name_off),
	    *(char *const *)(b + name_off));
}

/* Stable merge sort by the char * name at name_off (equal names keep
 * their definition order, so duplicate reports name the later one). */
static void
msort(char *a, char *tmp, size_t n, size_t size, size_t name_off)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n < 2)
		return;
	msort(a, tmp, mid, size, name_off);
	msort(a + mid * size, tmp, n - mid, size, name_off);
	while (i < mid && j < n) {
		if (name_cmp(a + j * size, a + i * size, name_off) < 0)
			memcpy(tmp + k++ * size, a + j++ * size, size);
		else
			memcpy(tmp + k++ * size, a + i++ * size, size);
	}
	while (i < mid)
		memcpy(tmp + k++ * size, a + i++ * size, size);
	while (j < n)
		memcpy(tmp + k++ * size, a + j++ * size, size);
	memcpy(a, tmp, n * size);
}

static void
sort_by_name(void *base, size_t n, size_t size, size_t name_off)
{
	char *tmp;

	if (n < 2)
		return;
	tmp = xmalloc(n * size);
	msort(base, tmp, n, size, name_off);
	free(tmp);
}

#define SORT(arr, n) sort_by_name((arr), (n), sizeof(*(arr)),		\
	offsetof(__typeof__(*(arr)), name))

int
config_load(const char *path, struct config *cfg)
{
	struct stat st;
	struct config_loc loc;

	config_init(cfg);
	loc.file = config_diag_file(&cfg->diags, path);
	loc.line = loc.col = 0;
	if (stat(path, &st) != 0) {
		config_diag_add(&cfg->diags, CONFIG_ERROR, &loc,
		    "cannot read config: %s", strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		load_dir(cfg, path);
	else
		load_file(cfg, path);
	return config_finish(cfg);
}

void
config_init(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
}

static void free_node(struct config_node *);
static void free_bgpconf(struct config_bgpconf *);
static void free_peer(struct config_peer *);
static void free_pool(struct config_pool *);
static void free_block(struct config_block *);
static void free_affinity(struct config_affinity *);
static void free_filter(struct config_filter *);

#define TRUNCATE(arr, n, keep, fn) do {					\
	while ((n) > (keep))						\
		fn(&(arr)[--(n)]);					\
} while (0)

size_t
config_add_doc(struct config *cfg, const char *file,
    const struct ynode *root, bool drop_bad)
{
	struct walk w;
	size_t errors = cfg->diags.nerrors;
	size_t nn = cfg->nnodes, nc = cfg->nbgpconfs, np = cfg->npeers;
	size_t npo = cfg->npools, nb = cfg->nblocks, na = cfg->naffinities;
	size_t nf = cfg->nfilters, nbfd = cfg->nbfds;

	memset(&w, 0, sizeof(w));
	w.cfg = cfg;
	w.file = config_diag_file(&cfg->diags, file);
	resource(&w, root, 0);
	errors = cfg->diags.nerrors - errors;
	if (errors == 0 || !drop_bad)
		return errors;
	TRUNCATE(cfg->nodes, cfg->nnodes, nn, free_node);
	TRUNCATE(cfg->bgpconfs, cfg->nbgpconfs, nc, free_bgpconf);
	TRUNCATE(cfg->peers, cfg->npeers, np, free_peer);
	TRUNCATE(cfg->pools, cfg->npools, npo, free_pool);
	TRUNCATE(cfg->blocks, cfg->nblocks, nb, free_block);
	TRUNCATE(cfg->affinities, cfg->naffinities, na, free_affinity);
	TRUNCATE(cfg->filters, cfg->nfilters, nf, free_filter);
	TRUNCATE(cfg->bfds, cfg->nbfds, nbfd, kind_bfdconf_free);
	return errors;
}

int
config_finish(struct config *cfg)
{
	SORT(cfg->nodes, cfg->nnodes);
	SORT(cfg->bgpconfs, cfg->nbgpconfs);
	SORT(cfg->peers, cfg->npeers);
	SORT(cfg->pools, cfg->npools);
	SORT(cfg->blocks, cfg->nblocks);
	SORT(cfg->affinities, cfg->naffinities);
	SORT(cfg->filters, cfg->nfilters);
	SORT(cfg->bfds, cfg->nbfds);
	DUP_CHECK(cfg, cfg->nodes, cfg->nnodes, "Node");
	DUP_CHECK(cfg, cfg->bgpconfs, cfg->nbgpconfs, "BGPConfiguration");
	DUP_CHECK(cfg, cfg->peers, cfg->npeers, "BGPPeer");
	DUP_CHECK(cfg, cfg->pools, cfg->npools, "IPPool");
	DUP_CHECK(cfg, cfg->blocks, cfg->nblocks, "IPAMBlock");
	DUP_CHECK(cfg, cfg->affinities, cfg->naffinities, "BlockAffinity");
	DUP_CHECK(cfg, cfg->filters, cfg->nfilters, "BGPFilter");
	DUP_CHECK(cfg, cfg->bfds, cfg->nbfds, "BFDConfiguration");
	check_pools(cfg);
	check_node_ips(cfg);
	check_refs(cfg);
	return cfg->diags.nerrors == 0 ? 0 : -1;
}

/* ---- lookups ---- */

#define FIND(arr, n, key) do {						\
	size_t lo_ = 0, hi_ = (n);					\
	while (lo_ < hi_) {						\
		size_t mid_ = (lo_ + hi_) / 2;				\
		int c_ = strcmp((arr)[mid_].name, (key));		\
		if (c_ == 0)						\
			return &(arr)[mid_];				\
		if (c_ < 0)						\
			lo_ = mid_ + 1;					\
		else							\
			hi_ = mid_;					\
	}								\
	return NULL;							\
} while (0)

const struct config_node *
config_node_find(const struct config *cfg, const char *name)
{
	FIND(cfg->nodes, cfg->nnodes, name);
}

const struct config_bgpconf *
config_bgpconf_find(const struct config *cfg, const char *name)
{
	FIND(cfg->bgpconfs, cfg->nbgpconfs, name);
}

const struct config_filter *
config_filter_find(const struct config *cfg, const char *name)
{
	FIND(cfg->filters, cfg->nfilters, name);
}

const char *
config_label_get(const struct config_labels *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->v[i].key, key) == 0)
			return l->v[i].value;
	}
	return NULL;
}

/* ---- freeing ---- */

static void
free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
free_bgpconf(struct config_bgpconf *c)
{
	free(c->name);
	free(c->log_severity);
	free(c->svc_cluster_ips);
	free(c->svc_external_ips);
	free(c->svc_lb_ips);
	for (size_t i = 0; i < c->ncommunities; i++) {
		free(c->communities[i].name);
		free(c->communities[i].value);
	}
	free(c->communities);
	for (size_t i = 0; i < c->nprefix_advs; i++)
		free(c->prefix_advs[i].comms);
	free(c->prefix_advs);
	free(c->mesh_password.name);
	free(c->mesh_password.key);
	free_strv(c->ignored_ifaces, c->nignored_ifaces);
}

static void
free_peer(struct config_peer *p)
{
	free(p->name);
	free(p->node);
	selector_free(p->node_sel);
	free(p->node_sel_text);
	selector_free(p->peer_sel);
	free(p->peer_sel_text);
	free(p->password.name);
	free(p->password.key);
	free_strv(p->filters, p->nfilters);
	free(p->filter_locs);
	selector_free(p->lw_sel);
	free(p->lw_sel_text);
}

static void
free_filter(struct config_filter *f)
{
	free(f->name);
	for (int d = 0; d < CONFIG_FRULE_NDIRS; d++) {
		for (size_t i = 0; i < f->nrules[d]; i++) {
			struct config_frule *r = &f->rules[d][i];

			free(r->iface);
			free(r->as_path_prefix);
			for (size_t k = 0; k < r->nops; k++)
				free(r->ops[k].asns);
			free(r->ops);
		}
		free(f->rules[d]);
	}
}

static void
free_node(struct config_node *n)
{
	free(n->name);
	for (size_t k = 0; k < n->labels.n; k++) {
		free(n->labels.v[k].key);
		free(n->labels.v[k].value);
	}
	free(n->labels.v);
}

static void
free_pool(struct config_pool *p)
{
	free(p->name);
	free(p->node_sel_text);
}

static void
free_block(struct config_block *b)
{
	free(b->name);
	free(b->affinity_node);
}

static void
free_affinity(struct config_affinity *a)
{
	free(a->name);
	free(a->node);
}

#define FREE_ALL(arr, n, fn) do {					\
	for (size_t i_ = 0; i_ < (n); i_++)				\
		fn(&(arr)[i_]);						\
	free(arr);							\
} while (0)

void
config_free(struct config *cfg)
{
	FREE_ALL(cfg->nodes, cfg->nnodes, free_node);
	FREE_ALL(cfg->bgpconfs, cfg->nbgpconfs, free_bgpconf);
	FREE_ALL(cfg->peers, cfg->npeers, free_peer);
	FREE_ALL(cfg->pools, cfg->npools, free_pool);
	FREE_ALL(cfg->blocks, cfg->nblocks, free_block);
	FREE_ALL(cfg->affinities, cfg->naffinities, free_affinity);
	FREE_ALL(cfg->filters, cfg->nfilters, free_filter);
	FREE_ALL(cfg->bfds, cfg->nbfds, kind_bfdconf_free);
	config_diags_free(&cfg->diags);
}
