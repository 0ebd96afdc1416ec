/*
 * packet: BFD control packet codec (RFC 5880 4.1) and the reception
 * checks of RFC 5880 6.8.6 that need no session.
 *
 *  0                   1                   2                   3
 *  |Vers |  Diag   |Sta|P|F|C|A|D|M|  Detect Mult  |    Length     |
 *  |                       My Discriminator                        |
 *  |                      Your Discriminator                       |
 *  |                    Desired Min TX Interval                    |
 *  |                   Required Min RX Interval                    |
 *  |                 Required Min Echo RX Interval                 |
 */
#include <string.h>

#include "lib/buf.h"
#include "packet.h"

enum bfd_drop
bfd_pkt_decode(const uint8_t *b, size_t n, struct bfd_pkt *p)
{
	struct buf_rd r;
	uint8_t vd, fl;

	memset(p, 0, sizeof(*p));
	if (n < 4)
		return BFD_DROP_SHORT;
	buf_rd_init(&r, b, n);
	buf_get_u8(&r, &vd);
	buf_get_u8(&r, &fl);
	buf_get_u8(&r, &p->mult);
	buf_get_u8(&r, &p->len);
	p->version = vd >> 5;
	p->diag = vd & 0x1f;
	p->state = fl >> 6;
	p->poll = (fl & 0x20) != 0;
	p->final = (fl & 0x10) != 0;
	p->cpi = (fl & 0x08) != 0;
	p->auth = (fl & 0x04) != 0;
	p->demand = (fl & 0x02) != 0;
	p->multipoint = (fl & 0x01) != 0;
	/* 6.8.6: "If the version number is not correct (1), the packet
	 * MUST be discarded." */
	if (p->version != BFD_VERSION)
		return BFD_DROP_VERSION;
	/* "If the Length field is less than the minimum correct value (24
	 * if the A bit is clear, or 26 if the A bit is set), ... [or]
	 * greater than the payload of the encapsulating protocol, the
	 * packet MUST be discarded." */
	if (p->len < (p->auth ? BFD_HDR_LEN_AUTH : BFD_HDR_LEN) ||
	    p->len > n)
		return BFD_DROP_LENGTH;
	/* "If the Detect Mult field is zero, the packet MUST be
	 * discarded." */
	if (p->mult == 0)
		return BFD_DROP_MULT;
	/* "If the Multipoint (M) bit is nonzero, the packet MUST be
	 * discarded." */
	if (p->multipoint)
		return BFD_DROP_MULTIPOINT;
	buf_get_u32(&r, &p->my_disc);
	buf_get_u32(&r, &p->your_disc);
	buf_get_u32(&r, &p->min_tx);
	buf_get_u32(&r, &p->min_rx);
	buf_get_u32(&r, &p->min_echo_rx);
	/* "If the My Discriminator field is zero, the packet MUST be
	 * discarded." */
	if (p->my_disc == 0)
		return BFD_DROP_MY_DISC;
	return BFD_DROP_NONE;
}

static void
put32(uint8_t *o, uint32_t v)
{
	o[0] = (uint8_t)(v >> 24);
	o[1] = (uint8_t)(v >> 16);
	o[2] = (uint8_t)(v >> 8);
	o[3] = (uint8_t)v;
}

/* No allocation: this runs for every packet sent. */
size_t
bfd_pkt_encode(const struct bfd_pkt *p, uint8_t out[BFD_HDR_LEN])
{
	uint8_t fl;

	fl = (uint8_t)((p->state & 3) << 6);
	fl |= p->poll ? 0x20 : 0;
	fl |= p->final ? 0x10 : 0;
	fl |= p->cpi ? 0x08 : 0;
	fl |= p->auth ? 0x04 : 0;
	fl |= p->demand ? 0x02 : 0;
	fl |= p->multipoint ? 0x01 : 0;
	out[0] = (uint8_t)(BFD_VERSION << 5 | (p->diag & 0x1f));
	out[1] = fl;
	out[2] = p->mult;
	out[3] = BFD_HDR_LEN;
	put32(out + 4, p->my_disc);
	put32(out + 8, p->your_disc);
	put32(out + 12, p->min_tx);
	put32(out + 16, p->min_rx);
	put32(out + 20, p->min_echo_rx);
	return BFD_HDR_LEN;
}
