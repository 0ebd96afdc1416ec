/*
 * libFuzzer harness: message headers, NOTIFICATION (with RFC 9003 text)
 * and ROUTE-REFRESH (bgp/msg).  The first octet picks the decoder.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_hdr h;
	struct msg_notification n;
	struct msg_rrefresh rr;
	struct bgp_err err;
	size_t max;

	if (size < 1)
		return 0;
	memset(&err, 0, sizeof(err));
	switch (data[0] % 3) {
	case 0:
		if (size - 1 < BGP_HDR_LEN)
			return 0;
		max = data[0] & 4 ? BGP_MAX_MSG_EXT : BGP_MAX_MSG;
		if (msg_hdr_check(data + 1, max, &h, &err) == 0 &&
		    (h.len < BGP_HDR_LEN || h.len > max))
			abort();
		break;
	case 1:
		if (msg_notification_decode(data + 1, size - 1, &n) == 0 &&
		    n.text != NULL && !n.text_bad &&
		    !msg_utf8_valid(n.text, n.text_len))
			abort();
		break;
	default:
		(void)msg_rrefresh_decode(data + 1, size - 1, &rr, &err);
		break;
	}
	return 0;
}
