/*
 * dsstore: the datastore's keys as bgpd last saw them, and the model
 * built from them (pure: no I/O, no clock).
 *
 * The etcd client puts and deletes keys as ranges and watch events
 * arrive; a re-list marks a kind's keys, puts what the list returned and
 * sweeps the rest (the deletes a compacted watch could not deliver).
 * Each put or delete says whether anything changed, so an unchanged
 * re-list causes no replan.  dsstore_build() turns every key into the
 * config model through config/'s resource parsers: the value must be a
 * Calico resource of the kind its prefix holds, named as its key; an
 * affinity key becomes a BlockAffinity (node and CIDR from the key, state
 * and deleted from the value).  A key whose value has any error is left
 * out, its diagnostics located as "etcd:<key>".
 */
#ifndef BGPD_DSSTORE_H
#define BGPD_DSSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "dskey.h"
#include "lib/hash.h"

struct dsstore {
	char	*node;
	struct dskey_prefixes prefixes;
	struct hash_table keys;		/* struct dsstore_entry */
	size_t	nkind[DSKEY_NKINDS];
	uint32_t gen[DSKEY_NKINDS];	/* re-list generation per kind */
	size_t	ignored;		/* keys outside or malformed */
};

struct dsstore_entry {
	char	*key;
	size_t	klen;
	char	*value;
	size_t	vlen;
	int64_t	mod_rev;
	enum dskey_kind kind;
	uint32_t gen;
};

void	 dsstore_init(struct dsstore *s, const char *node);
void	 dsstore_free(struct dsstore *s);
size_t	 dsstore_count(const struct dsstore *s);

/* A key's value at mod_rev; true if that changed the store.  Keys
 * outside the prefixes, or malformed, are counted and ignored. */
bool	 dsstore_put(struct dsstore *s, const char *key, size_t klen,
	    const char *value, size_t vlen, int64_t mod_rev);
bool	 dsstore_del(struct dsstore *s, const char *key, size_t klen);
const struct dsstore_entry *dsstore_get(const struct dsstore *s,
	    const char *key, size_t klen);

/* Re-list of one kind: begin, dsstore_put() every listed key, then
 * sweep: the kind's keys the list did not return are deleted; returns
 * how many. */
void	 dsstore_relist_begin(struct dsstore *s, enum dskey_kind kind);
size_t	 dsstore_relist_sweep(struct dsstore *s, enum dskey_kind kind);

/*
 * The model of every key (cfg is initialised here and finished; free it
 * with config_free()).  Returns how many keys were skipped as invalid;
 * *finish_errors gets the errors found across resources (overlapping
 * pools), which make the model unusable as a whole.
 */
size_t	 dsstore_build(const struct dsstore *s, struct config *cfg,
	    size_t *finish_errors);

#endif
