/*
 * table: a node's BFD sessions, demultiplexing and drop counters (see
 * table.h).
 */
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "table.h"

static uint64_t
rng_next(struct bfd_table *t)
{
	uint64_t x = t->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	t->rng = x;
	return x * 0x2545f4914f6cdd1dULL;
}

void
bfd_tab_init(struct bfd_table *t, uint64_t seed)
{
	memset(t, 0, sizeof(*t));
	t->rng = seed ? seed : 0x853c49e6748fea9bULL;
}

void
bfd_tab_free(struct bfd_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

struct bfd_tab_ent *
bfd_tab_find_disc(const struct bfd_table *t, uint32_t disc)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i]->s.local_disc == disc)
			return t->v[i];
	return NULL;
}

struct bfd_tab_ent *
bfd_tab_find_peer(const struct bfd_table *t, const struct ip_addr *peer,
    unsigned ifindex)
{
	for (size_t i = 0; i < t->n; i++) {
		struct bfd_tab_ent *e = t->v[i];

		if (!addr_eq(&e->peer, peer))
			continue;
		if (e->ifindex == 0 || ifindex == 0 || e->ifindex == ifindex)
			return e;
	}
	return NULL;
}

struct bfd_tab_ent *
bfd_tab_add(struct bfd_table *t, const struct ip_addr *peer,
    const struct ip_addr *local, unsigned ifindex, const struct bfd_conf *c,
    uint64_t now)
{
	struct bfd_tab_ent *e = xcalloc(1, sizeof(*e));
	uint32_t disc;

	/* RFC 5880 6.8.1: bfd.LocalDiscr "MUST be unique across all BFD
	 * sessions on this system, and nonzero.  It SHOULD be set to a
	 * random (but still unique) value". */
	do {
		disc = (uint32_t)(rng_next(t) >> 32);
	} while (disc == 0 || bfd_tab_find_disc(t, disc) != NULL);
	e->peer = *peer;
	if (local != NULL)
		e->local = *local;
	e->ifindex = ifindex;
	bfd_sess_init(&e->s, c, disc, rng_next(t) | 1, now);
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 8;
		t->v = xreallocarray(t->v, t->cap, sizeof(*t->v));
	}
	t->v[t->n++] = e;
	return e;
}

void
bfd_tab_del(struct bfd_table *t, struct bfd_tab_ent *e)
{
	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i] == e) {
			t->v[i] = t->v[--t->n];
			free(e);
			return;
		}
	}
}

static enum bfd_drop
drop(struct bfd_table *t, struct bfd_tab_ent *e, enum bfd_drop why)
{
	t->drops[why]++;
	if (e != NULL)
		e->drops++;
	return why;
}

enum bfd_drop
bfd_tab_input(struct bfd_table *t, const uint8_t *b, size_t n,
    const struct ip_addr *src, unsigned ifindex, int ttl, uint64_t now,
    struct bfd_tab_ent **hit, unsigned *flags)
{
	struct bfd_pkt p;
	struct bfd_tab_ent *e;
	enum bfd_drop why;

	*hit = NULL;
	*flags = 0;
	/* RFC 5881 5: "All received BFD Control packets that are
	 * demultiplexed to the session MUST be discarded if the received
	 * TTL or Hop Limit is not equal to 255."  Checked first: nothing
	 * from further away may even be parsed into a session. */
	if (ttl != BFD_TTL)
		return drop(t, bfd_tab_find_peer(t, src, ifindex),
		    BFD_DROP_TTL);
	why = bfd_pkt_decode(b, n, &p);
	if (why != BFD_DROP_NONE)
		return drop(t, NULL, why);
	/* RFC 5880 6.8.6: "If the Your Discriminator field is zero and
	 * the State field is not Down or AdminDown, the packet MUST be
	 * discarded." */
	if (p.your_disc == 0 && p.state != BFD_ST_DOWN &&
	    p.state != BFD_ST_ADMIN_DOWN)
		return drop(t, NULL, BFD_DROP_YOUR_DISC);
	/* "If the Your Discriminator field is nonzero, it MUST be used to
	 * select the session ... If no session is found, the packet MUST
	 * be discarded."  We also want it from that session's peer.
	 * "If the Your Discriminator field is zero, the session MUST be
	 * selected based on some combination of other fields" -- RFC 5881
	 * 3: the source address and the interface. */
	if (p.your_disc != 0) {
		e = bfd_tab_find_disc(t, p.your_disc);
		if (e != NULL && !addr_eq(&e->peer, src))
			e = NULL;
	} else {
		e = bfd_tab_find_peer(t, src, ifindex);
	}
	if (e == NULL)
		return drop(t, NULL, BFD_DROP_NO_SESSION);
	/* "If the A bit is set and no authentication is in use
	 * (bfd.AuthType is zero), the packet MUST be discarded." */
	if (p.auth)
		return drop(t, e, BFD_DROP_AUTH);
	*flags = bfd_sess_rx(&e->s, &p, now);
	if (*flags & BFD_SESS_DROPPED)
		return drop(t, e, BFD_DROP_ADMIN_DOWN);
	*hit = e;
	return BFD_DROP_NONE;
}
