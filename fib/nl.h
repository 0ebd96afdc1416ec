/*
 * nl: rtnetlink messages for fib (libmnl).  Sockets, the initial dumps,
 * route requests, and parsing of route, link and address messages into
 * plain structs.  No state beyond the socket and its sequence numbers.
 */
#ifndef BGPD_NL_H
#define BGPD_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

#include "fib.h"

struct mnl_socket;

struct nl_sock {
	struct mnl_socket *mnl;
	int	fd;
	uint32_t portid;
	uint32_t seq;
};

/* One next hop as the kernel has it. */
struct nl_nh {
	struct ip_addr gw;	/* af 0: none */
	int	ifindex;	/* 0: none */
	bool	onlink;
};

struct nl_route {
	struct ip_prefix pfx;
	uint32_t table;
	uint32_t priority;
	uint8_t	protocol;
	uint8_t	type;		/* RTN_* */
	size_t	nnh;
	struct nl_nh nh[FIB_MAX_NH];
};

struct nl_link {
	int	ifindex;
	char	name[FIB_IFNAMSIZ];
	bool	up;
};

struct nl_addr {
	int	ifindex;
	struct ip_prefix pfx;	/* address/prefix length, host bits kept */
};

/* groups: RTMGRP_* bits to listen to (0: a command socket). */
int	 nl_open(struct nl_sock *s, unsigned groups, char *err,
	    size_t errlen);
void	 nl_close(struct nl_sock *s);
/* Drop the RTM_NEWROUTE and RTM_DELROUTE notifications of protocol
 * proto that the socket with port id portid caused (our own changes
 * echoed back), with a socket filter; others' changes to our routes
 * still arrive. */
int	 nl_filter_own(struct nl_sock *s, uint8_t proto, uint32_t portid);

/* Write one request into buf (room octets); returns its length, or 0
 * when it does not fit. */
size_t	 nl_put_dump(void *buf, size_t room, uint16_t type, uint32_t seq);
size_t	 nl_put_route(void *buf, size_t room, uint16_t type, uint16_t flags,
	    uint32_t seq, const struct nl_route *r);

/* Parse; -1 when the message is not one we use (or malformed). */
int	 nl_parse_route(const struct nlmsghdr *h, struct nl_route *r);
int	 nl_parse_link(const struct nlmsghdr *h, struct nl_link *l);
int	 nl_parse_addr(const struct nlmsghdr *h, struct nl_addr *a);

#endif
