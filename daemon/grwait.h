/*
 * grwait: when bgpd, back from its own restart with its kernel routes
 * kept, ends the two waits of the restarting side (RFC 4724 4.1).  Pure:
 * the daemon (kernel.c) hands it what each session says of itself and
 * the time, and acts on the steps it returns; unit-tested on a virtual
 * clock (tests/unit/daemon/check_grwait.c).
 *
 *  - SELECT: selection is no longer deferred; every peer gets our table
 *    and End-of-RIB, and later OPENs carry no R bit.  Waited for: the
 *    End-of-RIB of every session, except sessions that are up without
 *    the graceful restart capability (they need not send one) or with
 *    the R bit (restarting themselves, they may be waiting for ours).
 *  - SWEEP: the routes of ours found in the kernel at start that nothing
 *    wants are deleted, and those wanted otherwise replaced, in one pass
 *    (fib_ready()).  Waited for: the End-of-RIB of every session, R bit
 *    or not, F bit or not, capability or not: until a peer has re-sent
 *    its table, the routes through it that we kept may be all that
 *    forwards (issue 23: a peer that started less than its restart time
 *    ago sets R, and sweeping at its OPEN took its routes out of the
 *    kernel until they came again).
 *
 * Both wait for the RIB to have handed every change to the kernel side,
 * and neither waits past the bound (30 s from start).  SELECT never comes
 * after SWEEP.  A start without routes of ours in the kernel defers
 * nothing and has nothing to sweep: SELECT then only says when our OPENs
 * start to carry the F bit, and SWEEP comes with it.
 */
#ifndef BGPD_GRWAIT_H
#define BGPD_GRWAIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What one session says of itself now. */
struct grwait_peer {
	bool	up;		/* Established */
	bool	gr;		/* its OPEN had the GR capability */
	bool	r;		/* ... with the Restart State (R) bit */
	bool	f;		/* ... and F for the session's family */
	bool	eor;		/* its End-of-RIB came on this session */
};

#define GRWAIT_SELECT	0x1
#define GRWAIT_SWEEP	0x2

struct grwait {
	bool	restarted;	/* routes of ours were in the kernel */
	uint64_t start, deadline;
	unsigned done;		/* GRWAIT_* steps taken */
	uint64_t select_at, sweep_at;	/* when they were */
	bool	select_bound, sweep_bound;	/* taken at the deadline */
};

void	 grwait_init(struct grwait *w, bool restarted, uint64_t now,
	    uint64_t bound_ms);
/* Does p still hold back SELECT, SWEEP (RFC 4724 4.1, see above)? */
bool	 grwait_holds_select(const struct grwait_peer *p);
bool	 grwait_holds_sweep(const struct grwait_peer *p);
/* Does p alone keep the next step not taken yet from being taken (the
 * deadline and the RIB aside)?  While one session does, nothing another
 * session says can let grwait_step() take a step: a caller need not
 * look at every session again until this one changes. */
bool	 grwait_holds_next(const struct grwait *w, const struct grwait_peer *p);
/* The steps to take now (GRWAIT_* bits, each returned once) given every
 * session v[0..n) and whether the RIB still has changes for the kernel
 * side; they are recorded as done. */
unsigned grwait_step(struct grwait *w, const struct grwait_peer *v,
	    size_t n, bool rib_busy, uint64_t now);
/* Selection deferred (restarted and SELECT not taken yet). */
bool	 grwait_deferring(const struct grwait *w);
/* Monotonic ms at which grwait_step() must run again even if nothing
 * changes, or UINT64_MAX. */
uint64_t grwait_next(const struct grwait *w);

#endif
