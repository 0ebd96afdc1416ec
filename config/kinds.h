/*
 * kinds: one parser per Calico resource kind, called by load.c with the
 * resource's metadata already checked.  Each appends to struct config and
 * reports problems through the walk's diagnostics.
 */
#ifndef BGPD_KINDS_H
#define BGPD_KINDS_H

#include "walk.h"

struct kind_meta {
	char	*name;		/* metadata.name (NULL for v1 bgpPeer) */
	const struct ynode *meta;	/* metadata mapping */
	const struct ynode *spec;	/* spec mapping or NULL */
	const struct ynode *doc;	/* the resource itself */
	struct config_loc loc;
};

void	kind_node(struct walk *w, struct kind_meta *m);
void	kind_bgpconf(struct walk *w, struct kind_meta *m);
void	kind_peer(struct walk *w, struct kind_meta *m);
void	kind_peer_v1(struct walk *w, struct kind_meta *m);
void	kind_pool(struct walk *w, struct kind_meta *m);
void	kind_block(struct walk *w, struct kind_meta *m);
void	kind_affinity(struct walk *w, struct kind_meta *m);
void	kind_filter(struct walk *w, struct kind_meta *m);
/* BFDConfiguration, and BGPPeer's failureDetectionMode (bfdconf.c). */
void	kind_bfdconf(struct walk *w, struct kind_meta *m);
void	kind_bfdconf_free(struct config_bfd *b);
void	kind_peer_fdm(struct walk *w, const char *field,
	    const struct ynode *v, struct config_peer *p);

/* Helpers shared by the kind parsers. */
void	kind_secret_ref(struct walk *w, const char *field,
	    const struct ynode *v, struct config_secret_ref *ref);
void	kind_labels(struct walk *w, const char *field, const struct ynode *v,
	    struct config_labels *labels);

#endif
