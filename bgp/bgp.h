/*
 * bgp: protocol constants shared by the codec, the FSM and the RIB
 * (RFC 4271 and the RFCs that extend it), and the codec's error triple.
 */
#ifndef BGPD_BGP_H
#define BGPD_BGP_H

#include <stddef.h>
#include <stdint.h>

#define BGP_PORT		179
#define BGP_VERSION		4
#define BGP_HDR_LEN		19
#define BGP_MARKER_LEN		16
#define BGP_MAX_MSG		4096	/* RFC 4271 */
#define BGP_MAX_MSG_EXT		65535	/* RFC 8654, non-OPEN messages */
#define BGP_AS_TRANS		23456	/* RFC 6793 */
#define BGP_MIN_HOLD		3	/* hold times 1 and 2 are refused */

enum bgp_msg_type {
	BGP_MSG_OPEN = 1,
	BGP_MSG_UPDATE = 2,
	BGP_MSG_NOTIFICATION = 3,
	BGP_MSG_KEEPALIVE = 4,
	BGP_MSG_ROUTE_REFRESH = 5,
};

/* NOTIFICATION codes (RFC 4271 4.5) and subcodes. */
enum bgp_err_code {
	BGP_ERR_HEADER = 1,
	BGP_ERR_OPEN = 2,
	BGP_ERR_UPDATE = 3,
	BGP_ERR_HOLD = 4,
	BGP_ERR_FSM = 5,
	BGP_ERR_CEASE = 6,
	BGP_ERR_RREFRESH = 7,	/* RFC 7313 */
	BGP_ERR_SEND_HOLD = 8,	/* RFC 9687 */
};

#define BGP_HDR_SYNC		1	/* connection not synchronized */
#define BGP_HDR_LENGTH		2	/* bad message length */
#define BGP_HDR_TYPE		3	/* bad message type */

#define BGP_OPEN_UNSPEC		0
#define BGP_OPEN_VERSION	1
#define BGP_OPEN_PEER_AS	2
#define BGP_OPEN_BGPID		3
#define BGP_OPEN_OPTPARAM	4
#define BGP_OPEN_HOLDTIME	6
#define BGP_OPEN_CAPA		7	/* unsupported capability */

#define BGP_UPD_ATTRLIST	1	/* malformed attribute list */
#define BGP_UPD_UNKNOWN_WK	2	/* unrecognized well-known attribute */
#define BGP_UPD_MISSING_WK	3	/* missing well-known attribute */
#define BGP_UPD_FLAGS		4	/* attribute flags error */
#define BGP_UPD_LENGTH		5	/* attribute length error */
#define BGP_UPD_ORIGIN		6	/* invalid ORIGIN */
#define BGP_UPD_NEXTHOP		8	/* invalid NEXT_HOP */
#define BGP_UPD_OPTATTR		9	/* optional attribute error */
#define BGP_UPD_NETWORK		10	/* invalid network field */
#define BGP_UPD_ASPATH		11	/* malformed AS_PATH */

#define BGP_FSM_OPENSENT	1	/* RFC 6608 */
#define BGP_FSM_OPENCONFIRM	2
#define BGP_FSM_ESTABLISHED	3

#define BGP_CEASE_MAXPFX	1	/* RFC 4486 */
#define BGP_CEASE_SHUTDOWN	2
#define BGP_CEASE_DECONFIG	3
#define BGP_CEASE_RESET		4
#define BGP_CEASE_REJECTED	5
#define BGP_CEASE_CONFIG	6
#define BGP_CEASE_COLLISION	7
#define BGP_CEASE_RESOURCES	8
#define BGP_CEASE_HARD_RESET	9	/* RFC 8538 */
#define BGP_CEASE_BFD_DOWN	10	/* RFC 9384 */

#define BGP_RR_BAD_LENGTH	1	/* RFC 7313 */

#define BGP_AFI_IPV4		1
#define BGP_AFI_IPV6		2
#define BGP_SAFI_UNICAST	1

/* Capability codes (RFC 5492 registry). */
#define BGP_CAP_MP		1	/* RFC 4760 */
#define BGP_CAP_RR		2	/* RFC 2918 */
#define BGP_CAP_EXTNH		5	/* RFC 8950 */
#define BGP_CAP_EXTMSG		6	/* RFC 8654 */
#define BGP_CAP_GR		64	/* RFC 4724 */
#define BGP_CAP_AS4		65	/* RFC 6793 */
#define BGP_CAP_ADDPATH		69	/* RFC 7911 */
#define BGP_CAP_ERR		70	/* RFC 7313 enhanced route refresh */
#define BGP_CAP_LLGR		71	/* RFC 9494 */
#define BGP_CAP_FQDN		73	/* draft-walton-bgp-hostname */
#define BGP_CAP_RR_OLD		128	/* pre-standard route refresh */

#define BGP_OPT_CAPA		2	/* optional parameter: capabilities */

/* Path attribute type codes. */
enum bgp_attr_type {
	BGP_ATTR_ORIGIN = 1,
	BGP_ATTR_AS_PATH = 2,
	BGP_ATTR_NEXT_HOP = 3,
	BGP_ATTR_MED = 4,
	BGP_ATTR_LOCAL_PREF = 5,
	BGP_ATTR_ATOMIC_AGG = 6,
	BGP_ATTR_AGGREGATOR = 7,
	BGP_ATTR_COMMUNITIES = 8,
	BGP_ATTR_ORIGINATOR_ID = 9,
	BGP_ATTR_CLUSTER_LIST = 10,
	BGP_ATTR_MP_REACH = 14,
	BGP_ATTR_MP_UNREACH = 15,
	BGP_ATTR_EXT_COMMUNITIES = 16,
	BGP_ATTR_AS4_PATH = 17,
	BGP_ATTR_AS4_AGGREGATOR = 18,
	BGP_ATTR_IPV6_EXT_COMMUNITIES = 25,	/* RFC 5701 */
	BGP_ATTR_LARGE_COMMUNITIES = 32,
	BGP_ATTR_OTC = 35,			/* RFC 9234 */
};

#define BGP_ATTR_F_OPTIONAL	0x80
#define BGP_ATTR_F_TRANSITIVE	0x40
#define BGP_ATTR_F_PARTIAL	0x20
#define BGP_ATTR_F_EXTLEN	0x10

#define BGP_ORIGIN_IGP		0
#define BGP_ORIGIN_EGP		1
#define BGP_ORIGIN_INCOMPLETE	2

#define BGP_ASPATH_SET		1
#define BGP_ASPATH_SEQUENCE	2
#define BGP_ASPATH_CONFED_SEQ	3
#define BGP_ASPATH_CONFED_SET	4

/* Well-known communities (RFC 1997, RFC 9494). */
#define BGP_COMM_NO_EXPORT	0xffffff01u
#define BGP_COMM_NO_ADVERTISE	0xffffff02u
#define BGP_COMM_LLGR_STALE	0xffff0006u
#define BGP_COMM_NO_LLGR	0xffff0007u

/*
 * What to do about an error in a received message (RFC 7606 section 2),
 * ordered by strength: when several apply, the largest wins (3(h)).
 */
enum bgp_action {
	BGP_ACT_NONE = 0,
	BGP_ACT_DISCARD,	/* drop the attribute, keep the route */
	BGP_ACT_WITHDRAW,	/* every NLRI of the UPDATE is withdrawn */
	BGP_ACT_RESET,		/* send NOTIFICATION code/subcode, close */
};

/*
 * The error triple every decoder fills: NOTIFICATION code and subcode
 * and data (a view into the message), the RFC 7606 action, and a short
 * static reason for logs.
 */
struct bgp_err {
	enum bgp_action action;
	uint8_t	code;
	uint8_t	subcode;
	uint8_t	attr_type;	/* the attribute at fault, or 0 */
	const uint8_t *data;
	size_t	data_len;
	const char *reason;
};

const char *bgp_err_code_name(uint8_t code);
const char *bgp_err_subcode_name(uint8_t code, uint8_t subcode);
const char *bgp_action_name(enum bgp_action a);
/* "COMMUNITIES"; "attribute 99" for a type without a name (static
 * storage, overwritten by the next unnamed one). */
const char *bgp_attr_name(uint8_t type);
/* Record an error if it is stronger than the one already recorded. */
void	 bgp_err_set(struct bgp_err *e, enum bgp_action action, uint8_t code,
	    uint8_t subcode, uint8_t attr_type, const uint8_t *data,
	    size_t data_len, const char *reason);

#endif
