/*
 * ytree: YAML files as a located tree of maps, sequences and scalars.
 *
 * The only libyaml user.  A file becomes a list of documents; every node
 * carries its 1-based line and column so later errors can say
 * file:line:col.  Hostile input is bounded: file size, nesting depth,
 * scalar length, and the size of a document after alias expansion (a
 * "billion laughs" file fails here, not in the walker).  Duplicate keys in a
 * mapping are an error, as they are for kubectl and calicoctl.
 * All nodes of a file live in one arena freed by ytree_free().
 */
#ifndef BGPD_YTREE_H
#define BGPD_YTREE_H

#include <stdbool.h>
#include <stddef.h>

#define YTREE_MAX_FILE		(16u << 20)	/* bytes */
#define YTREE_MAX_DEPTH		64
/* Nodes in a document after alias expansion. */
#define YTREE_MAX_WEIGHT	2000000u

enum ytree_kind {
	YT_SCALAR,
	YT_MAP,
	YT_SEQ,
};

enum ytree_style {
	YT_PLAIN,	/* unquoted: may be null, bool, number */
	YT_QUOTED,	/* single, double, literal or folded: always a string */
};

struct ynode {
	enum ytree_kind kind;
	enum ytree_style style;
	unsigned line, col;
	size_t	weight;		/* nodes in this subtree, aliases expanded */
	/* YT_SCALAR */
	char	*str;
	size_t	len;
	/* YT_MAP: keys[i] -> vals[i]; YT_SEQ: vals[i] */
	struct ynode **keys;
	struct ynode **vals;
	size_t	n;
	size_t	cap;	/* hand-built containers only: room in keys/vals */
};

struct ydoc {
	struct ynode *root;	/* NULL for an empty document */
	unsigned line;		/* where the document starts */
};

struct ytree {
	char	*path;
	struct ydoc *docs;
	size_t	ndocs;
	void	*arena;
};

struct ytree_error {
	unsigned line, col;	/* 0 when not known */
	char	msg[200];
};

/* Parse a file; on failure *err says where and why and t is empty. */
int	 ytree_load_file(const char *path, struct ytree *t,
	    struct ytree_error *err);
/* Parse a buffer (path is only used for naming). */
int	 ytree_load_mem(const char *path, const char *data, size_t len,
	    struct ytree *t, struct ytree_error *err);
void	 ytree_free(struct ytree *t);

/*
 * Trees built by hand (the datastore's JSON values, parsed elsewhere):
 * ytree_init() names an empty tree, nodes come from its arena and carry
 * no location (line and col 0), ytree_append() adds a member to a map or
 * a sequence made with room for it, ytree_add_doc() makes a root a
 * document.  ytree_free() releases it all.
 */
void	 ytree_init(struct ytree *t, const char *path);
struct ynode *ytree_new_scalar(struct ytree *t, const char *s, size_t len,
	    enum ytree_style style);
/* A map or a sequence with room for cap members. */
struct ynode *ytree_new_container(struct ytree *t, enum ytree_kind kind,
	    size_t cap);
/* Append (key NULL for a sequence); false when the node is full. */
bool	 ytree_append(struct ynode *parent, struct ynode *key,
	    struct ynode *val);
void	 ytree_add_doc(struct ytree *t, struct ynode *root);

/* Map lookup by exact key (scalar keys only); NULL when absent. */
struct ynode *ytree_get(const struct ynode *map, const char *key);
/* A plain scalar that YAML reads as null: "", "~", "null" (any case). */
bool	 ytree_is_null(const struct ynode *n);
const char *ytree_kind_name(const struct ynode *n);

#endif
