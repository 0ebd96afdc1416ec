/*
 * health: calico/node's readiness and liveness rules applied to bgpd's
 * own state, for `bgpd health`, the BIRD socket's `show status` and
 * systemd's READY=1.
 *
 * Ready (calico-node -bird-ready, DATASTORE.md 4.1, per address family):
 * sessions named Mesh_/Node_/Global_ that are administratively up count;
 * none counts as ready.  Within the threshold after start every one
 * must be Established and bgpd's start-up recovery (kernel routes kept
 * until every session's End-of-RIB) must be over; after it one
 * Established session is enough.  The datastore must be in sync.
 * Live: the daemon answered, so its loop runs.
 */
#ifndef BGPD_HEALTH_H
#define BGPD_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct view;

#define HEALTH_THRESHOLD_S	30	/* calico-node's -threshold-time */

struct health_recovery {
	bool	running;
	unsigned waiting;	/* sessions without End-of-RIB yet */
	uint64_t left_ms, total_ms;
};

void	 health_recovery(const struct view *v, struct health_recovery *r);
/* true when ready; why says why (or what holds) in one line. */
bool	 health_ready(const struct view *v, unsigned threshold_s,
	    char *why, size_t len);
void	 health_live(const struct view *v, char *why, size_t len);
/* calico's peer name rule: ^(Global|Node|Mesh)_(.+)$ */
bool	 health_counted_name(const char *name);

#endif
