/*
 * libFuzzer harness: OPEN bodies and their capabilities (bgp/msg).
 * Beyond "no crash": an OPEN we accepted, encoded by us, decodes again,
 * and encoding that gives the same octets.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/msg.h"
#include "lib/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_open o, o2;
	struct bgp_err err;
	struct buf_wr w1, w2;
	struct msg_hdr h;

	memset(&err, 0, sizeof(err));
	if (msg_open_decode(data, size, &o, &err) != 0)
		return 0;
	buf_wr_init(&w1, 0);
	buf_wr_init(&w2, 0);
	msg_open_encode(&w1, &o);
	/* Our encoder writes a whole message: check its header too. */
	memset(&err, 0, sizeof(err));
	if (w1.len < BGP_HDR_LEN ||
	    msg_hdr_check(w1.data, BGP_MAX_MSG, &h, &err) != 0 ||
	    h.len != w1.len || h.type != BGP_MSG_OPEN)
		abort();
	if (msg_open_decode(w1.data + BGP_HDR_LEN, w1.len - BGP_HDR_LEN, &o2,
	    &err) != 0)
		abort();
	msg_open_encode(&w2, &o2);
	if (w1.len != w2.len || memcmp(w1.data, w2.data, w1.len) != 0)
		abort();
	buf_wr_free(&w1);
	buf_wr_free(&w2);
	return 0;
}
