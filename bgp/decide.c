/*
 * decide: see decide.h.  Each step returns <0, 0 or >0; the first non-zero
 * step decides.  The steps, in order:
 *
 *  -. A path without the LLGR_STALE community beats one with it (RFC
 *     9494 4.3: long-lived stale routes are the least preferred).
 *  0. Locally originated paths win (a node's own blocks; BIRD gives its
 *     static routes preference 200 over BGP's 100 for the same effect),
 *     unless the learned path's LOCAL_PREF is higher than the local
 *     one's: Calico's route priorities (2^31 - 1 minus the kernel
 *     metric) give an elevated route preference 200 too, so that a
 *     live-migrated workload's route from its new node beats the
 *     old node's own.
 *  1. Higher LOCAL_PREF (RFC 4271 9.1.1; absent means 100).
 *  2. Shorter AS_PATH: AS_SET counts 1, confederation segments 0
 *     (9.1.2.2 a).
 *  3. Lower ORIGIN: IGP < EGP < INCOMPLETE (9.1.2.2 b).
 *  4. Lower MULTI_EXIT_DISC, only between paths from the same neighbour
 *     AS (9.1.2.2 c; a missing MED counts as 0, the lowest).
 *  5. eBGP over iBGP (9.1.2.2 d).  (9.1.2.2 e, the IGP cost to the next
 *     hop, is a tie: a Calico node's next hops are all one hop away.)
 *  -- paths equal so far form the ECMP set (multipath) --
 *  6. Lower BGP identifier, where a reflected route's ORIGINATOR_ID
 *     stands in for the peer's identifier (9.1.2.2 f, RFC 4456 9).
 *  7. Shorter CLUSTER_LIST (RFC 4456 9).
 *  8. Lower peer address (9.1.2.2 g).
 *  9. Lower path identifier: paths of one peer with ADD-PATH (RFC 7911
 *     leaves the order to us; this one is stable).
 */
#include "decide.h"

#include "attrset.h"
#include "bgp.h"

static int
cmp_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

static uint32_t
local_pref(const struct attrset *s)
{
	return (s->present & ATTR_P_LOCAL_PREF) ? s->local_pref :
	    DECIDE_DEFAULT_LOCAL_PREF;
}

static uint32_t
router_id(const struct rib_path *p)
{
	if (p->attrs->present & ATTR_P_ORIGINATOR_ID)
		return p->attrs->originator_id;
	return p->peer->router_id;
}

static int
llgr_stale(const struct attrset *s)
{
	return s->ncommunities > 0 &&
	    attrset_has_community(s, BGP_COMM_LLGR_STALE);
}

static int
step(int n, const struct rib_path *a, const struct rib_path *b)
{
	const struct attrset *x = a->attrs, *y = b->attrs;

	switch (n) {
	case -1:
		return llgr_stale(x) - llgr_stale(y);
	case 0:
		if (a->peer->local == b->peer->local)
			return 0;
		/* a is better if it is the local one and the other's
		 * LOCAL_PREF is not higher, or the other way round. */
		return (a->peer->local != (local_pref(a->peer->local ? y : x) >
		    local_pref(a->peer->local ? x : y))) ? -1 : 1;
	case 1:
		return -cmp_u32(local_pref(x), local_pref(y));
	case 2:
		return cmp_u32(x->path_length, y->path_length);
	case 3:
		return cmp_u32(x->origin, y->origin);
	case 4:
		if (x->first_as != y->first_as)
			return 0;
		return cmp_u32((x->present & ATTR_P_MED) ? x->med : 0,
		    (y->present & ATTR_P_MED) ? y->med : 0);
	case 5:
		return (int)b->peer->ebgp - (int)a->peer->ebgp;
	case 6:
		return cmp_u32(router_id(a), router_id(b));
	case 7:
		return cmp_u32(x->ncluster, y->ncluster);
	case 8:
		return addr_cmp(&a->peer->addr, &b->peer->addr);
	case 9:
		if (a->peer != b->peer)
			return 0;
		return cmp_u32(a->path_id, b->path_id);
	default:
		return 0;
	}
}

#define STEPS		10
#define ECMP_STEPS	6	/* steps 0-5 */

int
decide_cmp(const struct rib_path *a, const struct rib_path *b)
{
	for (int i = -1; i < STEPS; i++) {
		int c = step(i, a, b);

		if (c != 0)
			return c;
	}
	/* Same peer and path identifier: a == b here. */
	return 0;
}

bool
decide_ecmp(const struct rib_path *a, const struct rib_path *b)
{
	for (int i = -1; i < ECMP_STEPS; i++) {
		if (step(i, a, b) != 0)
			return false;
	}
	return true;
}

const char *
decide_reason(const struct rib_path *a, const struct rib_path *b)
{
	static const char *const names[STEPS] = {
		"local origin", "local preference", "AS path length",
		"origin", "MED", "eBGP over iBGP", "router id",
		"cluster list length", "peer address", "path id",
	};

	if (step(-1, a, b) != 0)
		return "long-lived stale";
	for (int i = 0; i < STEPS; i++) {
		if (step(i, a, b) != 0)
			return names[i];
	}
	return "identical";
}
