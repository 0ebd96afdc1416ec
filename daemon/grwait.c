/*
 * grwait: see grwait.h.
 */
#include "grwait.h"

#include <string.h>

void
grwait_init(struct grwait *w, bool restarted, uint64_t now,
    uint64_t bound_ms)
{
	memset(w, 0, sizeof(*w));
	w->restarted = restarted;
	w->start = now;
	w->deadline = now + bound_ms;
}

/*
 * RFC 4724 4.1: the restarting speaker defers route selection until it
 * has the End-of-RIB marker from all its peers, "excluding the ones with
 * the Restart State bit set in the received capability and excluding the
 * ones that do not advertise the graceful restart capability".  A peer
 * with the capability but no family in it (BIRD's "aware") sends
 * End-of-RIB and is waited for; so is a session not up (to the bound).
 */
bool
grwait_holds_select(const struct grwait_peer *p)
{
	if (p->eor)
		return false;
	return !(p->up && (!p->gr || p->r));
}

/*
 * The kernel side waits for more than selection does.  The routes of
 * ours kept in the kernel are this host's forwarding state (4.1: retained
 * and marked stale, "not differentiated from other information during
 * forwarding"); once one is deleted, packets through it are dropped
 * until it is added again.  Not waiting for a restarting peer (R) before
 * sending is right, since it may be waiting for our End-of-RIB; removing
 * the routes through it before it re-sent them is not: with F set it
 * kept its forwarding (4.2 keeps such a peer's routes until its
 * End-of-RIB), and an R bit may only say the peer started less than its
 * restart time ago (FRR sets it so).  Nor is F clear a reason to drop
 * them at its OPEN: FRR as a GR helper lists no family at all, and a
 * peer really restarted without forwarding re-sends its table within
 * moments.  A peer without the capability is not bound to send
 * End-of-RIB (RFC 4724 2 recommends it to all), so it is waited for to
 * the bound at most: a late sweep keeps a withdrawn route for seconds, an
 * early one drops live ones.
 */
bool
grwait_holds_sweep(const struct grwait_peer *p)
{
	return !p->eor;
}

bool
grwait_holds_next(const struct grwait *w, const struct grwait_peer *p)
{
	/* Without routes of ours kept, SWEEP comes with SELECT. */
	if (!(w->done & GRWAIT_SELECT))
		return grwait_holds_select(p);
	if (!(w->done & GRWAIT_SWEEP))
		return grwait_holds_sweep(p);
	return false;
}

bool
grwait_deferring(const struct grwait *w)
{
	return w->restarted && !(w->done & GRWAIT_SELECT);
}

unsigned
grwait_step(struct grwait *w, const struct grwait_peer *v, size_t n,
    bool rib_busy, uint64_t now)
{
	bool bound = now >= w->deadline;
	bool sel = true, swp = true;
	unsigned todo = 0;

	if ((w->done & (GRWAIT_SELECT | GRWAIT_SWEEP)) ==
	    (GRWAIT_SELECT | GRWAIT_SWEEP))
		return 0;
	/* End-of-RIB follows the table on the wire, but the RIB hands its
	 * changes on in steps: until none is left, a sweep would drop routes
	 * about to be wanted again, and a selection would send a table
	 * without them. */
	if (rib_busy && !bound)
		return 0;
	for (size_t i = 0; i < n && (sel || swp); i++) {
		if (grwait_holds_select(&v[i]))
			sel = false;
		if (grwait_holds_sweep(&v[i]))
			swp = false;
	}
	/* Nothing of ours was kept: nothing to wait for beyond SELECT
	 * (and "recovering" must not outlast it: kernel_recovering()). */
	if (!w->restarted)
		swp = sel;
	/* A session holding SELECT holds SWEEP too: SELECT comes first. */
	if (!(w->done & GRWAIT_SELECT) && (sel || bound)) {
		todo |= GRWAIT_SELECT;
		w->select_at = now;
		w->select_bound = !sel;
	}
	if (!(w->done & GRWAIT_SWEEP) && (swp || bound)) {
		todo |= GRWAIT_SWEEP;
		w->sweep_at = now;
		w->sweep_bound = !swp;
	}
	w->done |= todo;
	return todo;
}

uint64_t
grwait_next(const struct grwait *w)
{
	if ((w->done & (GRWAIT_SELECT | GRWAIT_SWEEP)) ==
	    (GRWAIT_SELECT | GRWAIT_SWEEP))
		return UINT64_MAX;
	return w->deadline;
}
