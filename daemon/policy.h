/*
 * policy: the speaker's import and export hooks, handing each decision
 * to calico/peerpol with what only the daemon knows (a session's
 * filters, a local route's interface); binding each connection to its
 * BGPFilters when the plan changes (a peer whose import rules changed
 * is asked for its routes again, RFC 2918); and originating the
 * service ranges of CALICO.md 5.2 (never programmed into the kernel:
 * calico/kernpol keeps them out).
 */
#ifndef BGPD_POLICY_H
#define BGPD_POLICY_H

#include <stdbool.h>

#include "bgp/speaker.h"
#include "config/plan.h"

struct daemon;

/* The speaker's import hook: the session's BGPFilter import rules, and
 * the operations (addCommunity, prependASPath) of the rule that
 * accepted the route. */
bool	 policy_import(void *arg, const struct speaker_peer *from,
	    const struct ip_prefix *p, const struct bgp_attrs *a,
	    const struct speaker_adds **adds);
/* One path of e (the best, or each with ADD-PATH) toward `to`. */
bool	 policy_export(void *arg, const struct speaker_peer *to,
	    const struct rib_entry *e, const struct rib_path *best,
	    const struct speaker_adds **adds);
/* The speaker's export_class hook: peers of one class get the same
 * answer from policy_export() for every route (update groups). */
uint64_t policy_export_class(void *arg, const struct speaker_peer *to);
/* The plan changed (or started: old NULL): rebuild, re-originate. */
void	 policy_apply(struct daemon *d, const struct plan *old);
void	 policy_free(struct daemon *d);
#endif
