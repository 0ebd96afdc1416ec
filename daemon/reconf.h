/*
 * reconf: a new plan made the running one.  From SIGHUP, `bgpd reload`,
 * a change in the datastore (files followed, or etcd watched) or in the
 * local workloads, and new secrets: load and plan again (dswire.h), then
 * apply the diff: sessions added, removed, restarted or updated in place
 * (unchanged ones stay up), the node's blocks originated or withdrawn,
 * the kernel policy, the peers' filters, BFD.  A plan that cannot be
 * made is reported and the running one kept.  daemon.c hands these
 * functions to the datastore, the secrets watch and the control socket,
 * so no module calls back into the loop.
 */
#ifndef BGPD_RECONF_H
#define BGPD_RECONF_H

#include <stddef.h>

#include "daemon.h"

/* Re-read the config and apply it; on error *err says why (and the
 * running plan stays).  Returns 0 on success. */
int	 reconf_reload(struct daemon *d, char *err, size_t errlen);
/* Make pl the running plan (taken over): the diff against the old one
 * is applied session by session, blocks, kernel policy. */
void	 reconf_apply(struct daemon *d, struct plan *pl);
/* Originate new's aggregated blocks, withdraw old's that went away (old
 * NULL: the first plan). */
void	 reconf_blocks(struct daemon *d, const struct plan *old,
	    const struct plan *new);
/* The secrets changed (or a reload): keys to the sessions and the
 * listeners, then the sessions restarted, stopped or started. */
void	 reconf_secrets(struct daemon *d);
/* The datastore's and the local workloads' change callbacks (arg: the
 * daemon). */
void	 reconf_on_datastore(void *arg);
void	 reconf_on_workloads(void *arg);

#endif
