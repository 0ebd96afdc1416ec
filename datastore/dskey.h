/*
 * dskey: Calico's etcd v3 key layout (DATASTORE.md 1.1 and 1.3), pure.
 *
 * bgpd reads exactly the prefixes confd's BGP syncer watches: five v3
 * resource kinds under /calico/resources/v3/projectcalico.org/<plural>/
 * and this node's block affinities under /calico/ipam/v2/host/<node>/.
 * dskey_parse() says which of them a key belongs to and what it names:
 * the resource name (the key's last component), or for an affinity its
 * family and block CIDR (the "/" of the CIDR is a "-" in the key).
 */
#ifndef BGPD_DSKEY_H
#define BGPD_DSKEY_H

#include <stddef.h>

enum dskey_kind {
	DSKEY_NODE,
	DSKEY_BGPCONF,
	DSKEY_PEER,
	DSKEY_POOL,
	DSKEY_FILTER,
	DSKEY_BFD,		/* Calico Enterprise's BFDConfiguration */
	DSKEY_AFFINITY,
	DSKEY_NKINDS,
};

#define DSKEY_RESOURCES	"/calico/resources/v3/projectcalico.org/"
#define DSKEY_MAX	1024	/* longest key bgpd accepts */

struct dskey_prefixes {
	char	*v[DSKEY_NKINDS];	/* each ends in "/" */
};

struct dskey_info {
	enum dskey_kind kind;
	char	name[DSKEY_MAX];	/* resource name, or affinity CIDR */
	int	af;			/* affinities: AF_INET or AF_INET6 */
};

/* The watched prefixes for this node; free with dskey_prefixes_free(). */
void	 dskey_prefixes_init(struct dskey_prefixes *p, const char *node);
void	 dskey_prefixes_free(struct dskey_prefixes *p);
/* The Calico kind stored under a kind's prefix ("BGPPeer"). */
const char *dskey_kind_name(enum dskey_kind k);

/*
 * Classify key (len bytes, not NUL-terminated) against the prefixes.
 * Returns 0 and fills *out, 1 for a key outside every prefix, or -1 for
 * a key inside one that does not have the expected shape (*why says
 * what is wrong).
 */
int	 dskey_parse(const struct dskey_prefixes *p, const char *key,
	    size_t len, struct dskey_info *out, const char **why);

/* The range_end of a prefix: the prefix with its last byte plus one. */
void	 dskey_range_end(const char *prefix, char *out, size_t size);

#endif
