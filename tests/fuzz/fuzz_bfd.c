/*
 * libFuzzer harness: BFD reception (bfd/packet, bfd/table, bfd/session).
 * The input is a sequence of records: one octet of flags (bit 0: TTL
 * 254 instead of 255, bit 1: another source address, bits 2-7: time
 * steps of 10 ms to run first), one octet of length, then that many
 * octets of UDP payload, fed to one session that is then driven by its
 * timers.  Invariants: the state stays one of the four, a decoded packet
 * encodes back to the same fields, detection and transmission deadlines
 * are never in the past after the timers ran.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bfd/packet.h"
#include "bfd/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
roundtrip(const uint8_t *b, size_t n)
{
	struct bfd_pkt p, q;
	uint8_t out[BFD_HDR_LEN];

	/* (The encoder writes no authentication section.) */
	if (bfd_pkt_decode(b, n, &p) != BFD_DROP_NONE || p.auth)
		return;
	bfd_pkt_encode(&p, out);
	if (bfd_pkt_decode(out, sizeof(out), &q) != BFD_DROP_NONE ||
	    q.state != p.state || q.diag != p.diag || q.mult != p.mult ||
	    q.my_disc != p.my_disc || q.your_disc != p.your_disc ||
	    q.min_tx != p.min_tx || q.min_rx != p.min_rx ||
	    q.poll != p.poll || q.final != p.final)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bfd_conf c = { 100000, 100000, 1000000, 3 };
	struct bfd_table t;
	struct bfd_tab_ent *e, *hit;
	struct ip_addr peer, other;
	uint64_t now = 1000000;
	size_t i = 0;

	bfd_tab_init(&t, 7);
	addr_from_v4(&peer, 0xc6336402);
	addr_from_v4(&other, 0xc6336409);
	e = bfd_tab_add(&t, &peer, NULL, 0, &c, now);
	while (i + 2 <= size) {
		uint8_t fl = data[i], len = data[i + 1];
		unsigned res;
		struct bfd_pkt p;

		i += 2;
		if (len > size - i)
			len = (uint8_t)(size - i);
		for (unsigned s = 0; s < (unsigned)(fl >> 2); s++) {
			now += 10000;
			if (bfd_sess_timer(&e->s, now) & BFD_SESS_SEND)
				bfd_sess_tx(&e->s, &p, now);
		}
		roundtrip(data + i, len);
		bfd_tab_input(&t, data + i, len, fl & 2 ? &other : &peer, 0,
		    fl & 1 ? 254 : 255, now, &hit, &res);
		if (hit != NULL && hit != e)
			abort();
		if (res & BFD_SESS_SEND)
			bfd_sess_tx(&e->s, &p, now);
		if (e->s.state > BFD_ST_UP)
			abort();
		if (bfd_sess_timer(&e->s, now) & BFD_SESS_SEND)
			bfd_sess_tx(&e->s, &p, now);
		if (e->s.next_tx != 0 && e->s.next_tx <= now &&
		    e->s.remote_min_rx != 0)
			abort();
		if (e->s.detect_at != 0 && e->s.detect_at <= now)
			abort();
		i += len;
	}
	bfd_tab_free(&t);
	return 0;
}
