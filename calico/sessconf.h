/*
 * sessconf: a session of the plan as the speaker runs it: the options
 * Calico's BIRD template and confd give every session (CALICO.md 4.6:
 * graceful restart with its time, keepalive, add paths on, next hop
 * self/keep, allow local as, route reflector client) in the speaker's
 * terms.  Pure.
 */
#ifndef BGPD_SESSCONF_H
#define BGPD_SESSCONF_H

#include "bgp/speaker.h"
struct plan;
struct plan_session;

void	 sessconf_from_plan(const struct plan *pl,
	    const struct plan_session *s, struct speaker_peer_conf *pc);

#endif
