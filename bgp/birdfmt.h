/*
 * birdfmt: a route in the text BIRD 1.6 prints for `show route [all]`
 * on its control socket (what calico-node's CalicoNodeStatus reporter
 * and people with birdcl read), kept apart from the socket so that the
 * layout can be tested without one.
 *
 * Reply framing (BIRD's cli_printf): each line is a 4-digit code and
 * '-' when more lines follow, or ' ' on the last line; a line that
 * continues the previous line's code starts with a single space
 * instead of the code.  A route is one 1007 line
 *   "%-18s %s [%s %s%s]%s%s": the net (blank on the second and later
 *   routes of a net), "via GW on IF" / "dev IF" / "blackhole" /
 *   "unreachable" / "prohibited", the protocol's name, the time, " from
 *   NEIGHBOR" when that is not the gateway, " *" on the net's primary
 *   route (" !" when the kernel refused it), then the protocol's info:
 *   " (PREF)", or for BGP " (PREF[s]/IGP) [ASni]";
 * and with `all` a 1008 "\tType: ..." line and 1012 lines of attributes
 * ("\tBGP.origin: IGP", ...; long sets go on "\t\t" lines).
 */
#ifndef BGPD_BIRDFMT_H
#define BGPD_BIRDFMT_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/addr.h"
#include "lib/buf.h"

struct attrset;

/* Lines into o; last is the code of the line before (-1: none). */
struct birdfmt {
	struct buf_wr *o;
	int	last;
};

/* One line; more: not the last line of the reply.  Control characters
 * other than tab come out as '?'. */
void	 birdfmt_line(struct birdfmt *f, int code, bool more,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

enum birdfmt_dest {
	BIRDFMT_ROUTER,		/* via gw on dev */
	BIRDFMT_DEVICE,		/* dev */
	BIRDFMT_BLACKHOLE,
	BIRDFMT_UNREACHABLE,
	BIRDFMT_PROHIBIT,
};

struct birdfmt_rte {
	const char *net;	/* "10.0.0.0/24"; NULL: a further route */
	enum birdfmt_dest dest;
	struct ip_addr gw;	/* BIRDFMT_ROUTER */
	const char *dev;	/* BIRDFMT_ROUTER, BIRDFMT_DEVICE */
	const char *proto;	/* the protocol's name */
	const char *when;	/* its time, "12:00:01" or "2026-01-02" */
	struct ip_addr from;	/* af 0: none; shown unless it is gw */
	char	primary;	/* 0, '*' or '!' */
	const char *info;	/* " (200)", birdfmt_bgp_info()'s */
};

/* The 1007 line of a route. */
void	 birdfmt_rte(struct birdfmt *f, const struct birdfmt_rte *r);

/* The IGP metric part of a BGP route's info (gateway recursive). */
#define BIRDFMT_IGP_UNREACHABLE	(-1)	/* "/-": next hop unresolvable */
#define BIRDFMT_IGP_UNKNOWN	(-2)	/* "/?": through a route */
/* " (pref[s]/igp) [ASni]": s for a stale path, igp a metric >= 0 or
 * one of the above; the AS is the path's last, when it ends in an
 * AS_SEQUENCE, then the ORIGIN's letter (i, e, ?). */
void	 birdfmt_bgp_info(char *buf, size_t size, unsigned pref, bool stale,
	    int igp, const struct attrset *s);

/* "\tType: <source> unicast univ" (source: "BGP", "static", "inherit"
 * for kernel routes, "device" for direct ones). */
void	 birdfmt_type(struct birdfmt *f, const char *source);
/* The BGP.* lines of s, in BIRD's order (by attribute code); as BIRD
 * 1.6, a route without LOCAL_PREF shows the default, 100. */
void	 birdfmt_bgp_attrs(struct birdfmt *f, const struct attrset *s);
/* A kernel route's Kernel.source and Kernel.metric lines. */
void	 birdfmt_kernel_attrs(struct birdfmt *f, unsigned source,
	    unsigned metric);

#endif
