/*
 * walk: typed, located access to YAML nodes for the resource parsers.
 *
 * Each getter checks the node's shape and syntax and, on failure, records
 * "file:line:col: error: <field>: <what is wrong>, expected <what>" in the
 * config's diagnostics and returns -1; the caller just skips the field.
 * walk_map() dispatches a mapping's keys through a field table and warns
 * about unknown keys, suggesting the closest known name.
 */
#ifndef BGPD_WALK_H
#define BGPD_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "ytree.h"

struct walk {
	struct config *cfg;
	const char *file;	/* interned */
	const char *kind;	/* "BGPPeer", for messages */
	const char *path;	/* field path prefix, e.g. "spec" */
};

struct walk_field {
	const char *name;
	/* NULL handler: known but ignored (status-like fields). */
	void	(*fn)(struct walk *w, const char *field,
		    const struct ynode *v, void *obj);
};

struct config_loc walk_loc(const struct walk *w, const struct ynode *n);
void	 walk_err(struct walk *w, const struct ynode *n, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	 walk_warn(struct walk *w, const struct ynode *n, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	 walk_notice(struct walk *w, const struct ynode *n,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Walk a mapping: each key through table (n entries); unknown keys warn. */
void	 walk_map(struct walk *w, const char *field, const struct ynode *map,
	    const struct walk_field *table, size_t n, void *obj);

/* Scalars.  `field` names the field for messages ("spec.asNumber"). */
int	 walk_str(struct walk *w, const char *field, const struct ynode *v,
	    char **out);
int	 walk_bool(struct walk *w, const char *field, const struct ynode *v,
	    bool *out);
int	 walk_uint(struct walk *w, const char *field, const struct ynode *v,
	    uint64_t min, uint64_t max, uint64_t *out);
int	 walk_enum(struct walk *w, const char *field, const struct ynode *v,
	    const char *const *names, int *out);
int	 walk_asn(struct walk *w, const char *field, const struct ynode *v,
	    uint32_t *out);
int	 walk_duration(struct walk *w, const char *field,
	    const struct ynode *v, uint32_t *seconds);
int	 walk_ip(struct walk *w, const char *field, const struct ynode *v,
	    int af, struct ip_addr *out);
/* A CIDR; strict refuses host bits ("10.0.0.1/24" is not a network). */
int	 walk_cidr(struct walk *w, const char *field, const struct ynode *v,
	    int af, bool strict, struct ip_prefix *out);
int	 walk_selector(struct walk *w, const char *field,
	    const struct ynode *v, struct selector **sel, char **text);
int	 walk_name(struct walk *w, const char *field, const struct ynode *v,
	    char **out);
/* Shape checks: a mapping / a list, or an error naming what was found. */
bool	 walk_is_map(struct walk *w, const char *field, const struct ynode *v);
bool	 walk_is_seq(struct walk *w, const char *field, const struct ynode *v);
/* A list of strings (e.g. filters, ignoredInterfaces). */
int	 walk_str_list(struct walk *w, const char *field,
	    const struct ynode *v, char ***out, size_t *n,
	    struct config_loc **locs);

#endif
