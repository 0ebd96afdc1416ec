/*
 * birdsock: BIRD 1.6's control-socket protocol, for what calico/node
 * runs against bird.ctl and bird6.ctl (DATASTORE.md 4): birdcl and birdc,
 * calico-node -bird-ready/-bird-live, calicoctl node status, the
 * CalicoNodeStatus reporter and bird_exporter.
 *
 * On connect the server says "0001 BIRD v<version> ready."; each request
 * is a line; each reply line is a 4-digit code and '-' (more follows) or
 * ' ' (last line), or a single space when it continues the previous
 * line's code.  Answered: `show protocols [all] [NAME|"PATTERN"]` (BIRD
 * 1.6's table heading and column layout, BGP rows only: one socket shows
 * the IPv4 sessions, the other the IPv6 ones), `show status` (with the
 * 0024 lines while bgpd's start-up recovery runs) and `show route`
 * (birdroute.h).  Anything else is "9001 syntax error".  Clients are
 * capped in number, line length (9000 Command too long) and unread
 * output, so none can stall the loop.
 */
#ifndef BGPD_BIRDSOCK_H
#define BGPD_BIRDSOCK_H

#include <stddef.h>

struct birdsock;
struct view;

/* Listen at path for sessions of family af (AF_INET, AF_INET6),
 * answering from v. */
struct birdsock *birdsock_open(const struct view *v, const char *path,
	    int af, char *err, size_t errlen);
void	 birdsock_close(struct birdsock *b);

#endif
