/* bgp: names for NOTIFICATION codes and the strongest-error rule. */
#include "bgp.h"

#include <stdio.h>

const char *
bgp_attr_name(uint8_t type)
{
	static const char *const names[] = {
		[BGP_ATTR_ORIGIN] = "ORIGIN", [BGP_ATTR_AS_PATH] = "AS_PATH",
		[BGP_ATTR_NEXT_HOP] = "NEXT_HOP",
		[BGP_ATTR_MED] = "MULTI_EXIT_DISC",
		[BGP_ATTR_LOCAL_PREF] = "LOCAL_PREF",
		[BGP_ATTR_ATOMIC_AGG] = "ATOMIC_AGGREGATE",
		[BGP_ATTR_AGGREGATOR] = "AGGREGATOR",
		[BGP_ATTR_COMMUNITIES] = "COMMUNITIES",
		[BGP_ATTR_ORIGINATOR_ID] = "ORIGINATOR_ID",
		[BGP_ATTR_CLUSTER_LIST] = "CLUSTER_LIST",
		[BGP_ATTR_MP_REACH] = "MP_REACH_NLRI",
		[BGP_ATTR_MP_UNREACH] = "MP_UNREACH_NLRI",
		[BGP_ATTR_EXT_COMMUNITIES] = "EXTENDED_COMMUNITIES",
		[BGP_ATTR_AS4_PATH] = "AS4_PATH",
		[BGP_ATTR_AS4_AGGREGATOR] = "AS4_AGGREGATOR",
		[BGP_ATTR_IPV6_EXT_COMMUNITIES] =
		    "IPV6_ADDRESS_SPECIFIC_EXTENDED_COMMUNITY",
		[BGP_ATTR_LARGE_COMMUNITIES] = "LARGE_COMMUNITY",
		[BGP_ATTR_OTC] = "OTC",
	};
	static char other[16];

	if (type < sizeof(names) / sizeof(names[0]) && names[type] != NULL)
		return names[type];
	snprintf(other, sizeof(other), "attribute %u", type);
	return other;
}

const char *
bgp_err_code_name(uint8_t code)
{
	static const char *const names[] = {
		[BGP_ERR_HEADER] = "Message Header Error",
		[BGP_ERR_OPEN] = "OPEN Message Error",
		[BGP_ERR_UPDATE] = "UPDATE Message Error",
		[BGP_ERR_HOLD] = "Hold Timer Expired",
		[BGP_ERR_FSM] = "Finite State Machine Error",
		[BGP_ERR_CEASE] = "Cease",
		[BGP_ERR_RREFRESH] = "ROUTE-REFRESH Message Error",
		[BGP_ERR_SEND_HOLD] = "Send Hold Timer Expired",
	};

	if (code < sizeof(names) / sizeof(names[0]) && names[code] != NULL)
		return names[code];
	return "Unknown error";
}

const char *
bgp_err_subcode_name(uint8_t code, uint8_t sub)
{
	static const char *const hdr[] = {
		[1] = "Connection Not Synchronized",
		[2] = "Bad Message Length", [3] = "Bad Message Type",
	};
	static const char *const open[] = {
		[0] = "Unspecific", [1] = "Unsupported Version Number",
		[2] = "Bad Peer AS", [3] = "Bad BGP Identifier",
		[4] = "Unsupported Optional Parameter",
		[6] = "Unacceptable Hold Time",
		[7] = "Unsupported Capability", [11] = "Role Mismatch",
	};
	static const char *const upd[] = {
		[1] = "Malformed Attribute List",
		[2] = "Unrecognized Well-known Attribute",
		[3] = "Missing Well-known Attribute",
		[4] = "Attribute Flags Error", [5] = "Attribute Length Error",
		[6] = "Invalid ORIGIN Attribute", [8] = "Invalid NEXT_HOP",
		[9] = "Optional Attribute Error",
		[10] = "Invalid Network Field", [11] = "Malformed AS_PATH",
	};
	static const char *const fsm[] = {
		[0] = "Unspecified",
		[1] = "Unexpected Message in OpenSent",
		[2] = "Unexpected Message in OpenConfirm",
		[3] = "Unexpected Message in Established",
	};
	static const char *const cease[] = {
		[1] = "Maximum Number of Prefixes Reached",
		[2] = "Administrative Shutdown", [3] = "Peer De-configured",
		[4] = "Administrative Reset", [5] = "Connection Rejected",
		[6] = "Other Configuration Change",
		[7] = "Connection Collision Resolution",
		[8] = "Out of Resources", [9] = "Hard Reset",
		[10] = "BFD Down",
	};
	const char *const *t = NULL;
	size_t n = 0;

#define PICK(a) do { t = (a); n = sizeof(a) / sizeof((a)[0]); } while (0)
	switch (code) {
	case BGP_ERR_HEADER: PICK(hdr); break;
	case BGP_ERR_OPEN: PICK(open); break;
	case BGP_ERR_UPDATE: PICK(upd); break;
	case BGP_ERR_FSM: PICK(fsm); break;
	case BGP_ERR_CEASE: PICK(cease); break;
	case BGP_ERR_RREFRESH:
		return sub == BGP_RR_BAD_LENGTH ? "Invalid Message Length" :
		    "Unspecific";
	default:
		return sub == 0 ? "" : "Unknown subcode";
	}
#undef PICK
	if (sub < n && t[sub] != NULL)
		return t[sub];
	return "Unknown subcode";
}

const char *
bgp_action_name(enum bgp_action a)
{
	switch (a) {
	case BGP_ACT_NONE: return "none";
	case BGP_ACT_DISCARD: return "attribute discard";
	case BGP_ACT_WITHDRAW: return "treat-as-withdraw";
	case BGP_ACT_RESET: return "session reset";
	}
	return "?";
}

void
bgp_err_set(struct bgp_err *e, enum bgp_action action, uint8_t code,
    uint8_t subcode, uint8_t attr_type, const uint8_t *data,
    size_t data_len, const char *reason)
{
	/* RFC 7606 3(h): the strongest action wins; the first keeps ties. */
	if (action <= e->action)
		return;
	e->action = action;
	e->code = code;
	e->subcode = subcode;
	e->attr_type = attr_type;
	e->data = data;
	e->data_len = data_len;
	e->reason = reason;
}
