/*
 * sessconf: see sessconf.h.
 */
#include "sessconf.h"

#include <stdio.h>
#include <string.h>

#include "bgp/msg.h"
#include "config/plan.h"

void
sessconf_from_plan(const struct plan *pl, const struct plan_session *s,
    struct speaker_peer_conf *pc)
{
	struct session_conf *sc = &pc->session;

	memset(pc, 0, sizeof(*pc));
	snprintf(sc->name, sizeof(sc->name), "%s", s->name);
	sc->peer = s->peer_ip;
	sc->port = s->peer_port;
	sc->af = s->peer_ip.af;
	sc->local_as = s->local_as;
	sc->remote_as = s->remote_as;
	sc->router_id = addr_v4(&pl->router_id);
	sc->passive = s->passive;
	sc->keepalive = s->has_keepalive_time ?
	    (uint16_t)(s->keepalive_time > 0xffff ? 0xffff :
	    s->keepalive_time) : 0;
	sc->gr_time = s->has_restart_time ? (uint16_t)(s->restart_time > 4095 ?
	    4095 : s->restart_time) : 120;
	snprintf(sc->hostname, sizeof(sc->hostname), "%s", pl->node);
	/* Our routes stay in the kernel across a restart (RFC 4724 F bit):
	 * helpers may keep forwarding to us until our End-of-RIB. */
	sc->gr_forwarding = true;
	/* LLGR (RFC 9494): we help, keeping a peer's routes long-lived
	 * after its restart time; we offer no long-lived time for ours
	 * (our routes stay in the kernel, but a node gone that long is
	 * gone). */
	sc->llgr = true;
	/* ADD-PATH (RFC 7911) send and receive on the session's family:
	 * what Calico's BIRD template renders for every session (`add
	 * paths on`), so paths reflected or learned from several peers
	 * keep their ECMP behind a route reflector. */
	sc->addpath = pl->add_paths ? MSG_ADDPATH_RX | MSG_ADDPATH_TX : 0;
	pc->local_addr = s->source_addr.af ? s->source_addr :
	    s->peer_ip.af == AF_INET ? pl->addr_v4.addr : pl->addr_v6.addr;
	pc->next_hop = s->next_hop == PLAN_NH_SELF ? SPEAKER_NH_SELF :
	    s->next_hop == PLAN_NH_KEEP ? SPEAKER_NH_KEEP : SPEAKER_NH_AUTO;
	pc->allow_local_as = s->allow_local_as;
	pc->rr_client = s->rr_client;
}
