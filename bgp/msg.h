/*
 * msg: BGP message framing and the non-UPDATE messages: header (RFC 4271
 * 4.1), OPEN with capabilities (RFC 5492 and the capability RFCs, RFC 9072
 * extended optional parameters), KEEPALIVE, NOTIFICATION with the RFC 9003
 * shutdown communication, ROUTE-REFRESH (RFC 2918, RFC 7313).  Pure.
 */
#ifndef BGPD_MSG_H
#define BGPD_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp.h"
#include "lib/buf.h"

#define MSG_MAX_AFS		8
#define MSG_MAX_UNKNOWN_CAPS	16

struct msg_hdr {
	uint16_t len;		/* whole message, header included */
	uint8_t	type;
};

/* One AFI/SAFI and the per-family flags or mode a capability gives it. */
struct msg_af {
	uint16_t afi;
	uint8_t	safi;
	uint8_t	flags;		/* GR: F bit; LLGR: F bit; ADD-PATH: mode */
	uint32_t stale;		/* LLGR long-lived stale time, seconds */
};

#define MSG_GR_R	0x8	/* restart flags: "I have restarted" */
#define MSG_GR_N	0x4	/* RFC 8538: notification support */
#define MSG_AF_F	0x80	/* forwarding state preserved */

/* ADD-PATH Send/Receive (RFC 7911 4), and what was negotiated. */
#define MSG_ADDPATH_RX	0x1	/* receives path identifiers */
#define MSG_ADDPATH_TX	0x2	/* sends them */

struct msg_caps {
	struct msg_af mp[MSG_MAX_AFS];		/* multiprotocol families */
	size_t	nmp;
	bool	route_refresh;
	bool	enhanced_rr;
	bool	ext_msg;
	bool	ext_nexthop;
	bool	as4;
	uint32_t as4_value;
	bool	gr;
	uint8_t	gr_flags;	/* MSG_GR_R | MSG_GR_N */
	uint16_t gr_time;	/* seconds, 12 bits */
	struct msg_af gr_afs[MSG_MAX_AFS];
	size_t	ngr_afs;
	bool	llgr;
	struct msg_af llgr_afs[MSG_MAX_AFS];
	size_t	nllgr_afs;
	bool	addpath;
	struct msg_af addpath_afs[MSG_MAX_AFS];
	size_t	naddpath_afs;
	/* FQDN capability: untrusted text, as received (escape to print). */
	bool	fqdn;
	uint8_t	hostname[64];
	uint8_t	hostname_len;
	uint8_t	unknown[MSG_MAX_UNKNOWN_CAPS];	/* codes we ignored */
	size_t	nunknown;
	bool	any;		/* a capabilities parameter was present */
};

struct msg_open {
	uint8_t	version;
	uint16_t my_as;
	uint16_t hold_time;
	uint32_t bgp_id;
	struct msg_caps caps;
};

struct msg_notification {
	uint8_t	code;
	uint8_t	subcode;
	const uint8_t *data;
	size_t	data_len;
	/* RFC 9003 shutdown communication (Cease 2 and 4); untrusted. */
	const uint8_t *text;
	size_t	text_len;
	bool	text_bad;	/* length overruns or not UTF-8 */
};

struct msg_rrefresh {
	uint16_t afi;
	uint8_t	subtype;	/* RFC 7313: 0 normal, 1 BoRR, 2 EoRR */
	uint8_t	safi;
};

/* Check a header; max is BGP_MAX_MSG or BGP_MAX_MSG_EXT. */
int	 msg_hdr_check(const uint8_t p[BGP_HDR_LEN], size_t max,
	    struct msg_hdr *h, struct bgp_err *err);
/* Start a message (marker, length placeholder, type); returns its offset. */
size_t	 msg_begin(struct buf_wr *w, uint8_t type);
/* Patch the length of the message started at start. */
void	 msg_end(struct buf_wr *w, size_t start);

int	 msg_open_decode(const uint8_t *body, size_t len, struct msg_open *o,
	    struct bgp_err *err);
void	 msg_open_encode(struct buf_wr *w, const struct msg_open *o);
/* Is afi/safi in caps->mp (or implied: no capabilities at all = IPv4)? */
bool	 msg_caps_has_af(const struct msg_caps *c, uint16_t afi,
	    uint8_t safi);
const struct msg_af *msg_caps_find(const struct msg_af *v, size_t n,
	    uint16_t afi, uint8_t safi);
/* RFC 7911 4: what we may do for afi/safi after OPENs with our caps and
 * theirs: MSG_ADDPATH_RX (NLRI we receive carry path identifiers) if we
 * offered receive and they send, MSG_ADDPATH_TX if we offered send and
 * they receive. */
uint8_t	 msg_addpath_neg(const struct msg_caps *ours,
	    const struct msg_caps *theirs, uint16_t afi, uint8_t safi);

void	 msg_keepalive_encode(struct buf_wr *w);

int	 msg_notification_decode(const uint8_t *body, size_t len,
	    struct msg_notification *n);
void	 msg_notification_encode(struct buf_wr *w, uint8_t code,
	    uint8_t subcode, const void *data, size_t len);
/* Cease 2 or 4 with a shutdown communication (cut to 128 octets on a
 * UTF-8 boundary, as RFC 9003 advises for unknown peers). */
void	 msg_notification_shutdown(struct buf_wr *w, uint8_t subcode,
	    const char *text);

int	 msg_rrefresh_decode(const uint8_t *body, size_t len,
	    struct msg_rrefresh *r, struct bgp_err *err);
void	 msg_rrefresh_encode(struct buf_wr *w, uint16_t afi, uint8_t subtype,
	    uint8_t safi);

/* Is s[0..len) valid UTF-8 (no overlongs, surrogates, > U+10FFFF)? */
bool	 msg_utf8_valid(const uint8_t *s, size_t len);

#endif
