/*
 * fib: bgpd's side of the kernel routing table (the only netlink user).
 *
 * The daemon says what it wants (fib_set/fib_unset: a prefix with a
 * blackhole or a set of next hops); fib makes the main table agree, only
 * ever touching routes that carry our protocol number (DESIGN.md
 * principle 9, RELIABILITY.md 4.1):
 *  - changes are queued per prefix and sent in batches without waiting
 *    for acknowledgements; kernel errors come back asynchronously, are
 *    logged, counted and retried with back-off;
 *  - a changed route is replaced in place (NLM_F_REPLACE), never deleted
 *    and added again; an ECMP set is one multipath route; a route that
 *    moves to another metric is added at the new one before the old
 *    one is deleted;
 *  - next hops given without a device are resolved: directly connected
 *    through the interface addresses, otherwise recursively through the
 *    kernel's own routes, and resolved again when links, addresses or
 *    those routes change;
 *  - at start the kernel's routes with our protocol are read and kept;
 *    until fib_ready() only missing routes are added, then the ones that
 *    nothing wants are deleted and the ones that differ replaced;
 *  - routes of other protocols and interface addresses are mirrored and
 *    reported through the hooks (local origination), from one dump and
 *    then events: no periodic scans.  A lost event (ENOBUFS) triggers a
 *    full resync.
 *
 * fib owns two netlink sockets but no event loop: the daemon polls
 * fib_fd(), calls fib_input() when readable, fib_output() while
 * fib_want_write(), and fib_run_timers() at fib_next_timer().
 *
 * Where the per-route state lives (issue 15): fib keeps, per prefix,
 * only a struct fib_slot of 8 octets (the route's state and the
 * identity of the next-hop set of ours in the kernel) in storage an
 * owner provides, the daemon's RIB entries, so that a route is one
 * entry and one hash probe for BGP and the kernel together.  fib never
 * sees what the owner keeps around a slot; it asks the owner for a
 * prefix's slot, a slot's prefix, and, when it writes, for what the
 * kernel should have (struct fib_owner).  Without an owner (tests, the
 * benchmark's fibload) fib keeps its own table and fib_set/fib_unset
 * say what is wanted.
 */
#ifndef BGPD_FIB_H
#define BGPD_FIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

#define FIB_MAX_NH	16	/* ECMP width, as BIRD's merge paths */
#define FIB_IFNAMSIZ	16
#define FIB_PROTO_DEFAULT 186

struct fib_nh {
	struct ip_addr gw;		/* af 0: a device route */
	char	dev[FIB_IFNAMSIZ];	/* "" : resolve from gw */
	bool	onlink;			/* RTNH_F_ONLINK (IPIP: tunl0) */
};

enum fib_type {
	FIB_UNICAST,
	FIB_BLACKHOLE,
};

struct fib_route {
	struct ip_prefix pfx;
	enum fib_type type;
	struct fib_nh nh[FIB_MAX_NH];
	size_t	nnh;
	/* The route's metric (RTA_PRIORITY); 0: the kernel's default for
	 * the family (0 for IPv4, 1024 for IPv6).  A route moving to
	 * another metric is added there before the old one goes. */
	uint32_t metric;
};

/* Something of the host's own, reported for local origination. */
enum fib_local_kind {
	FIB_LOCAL_ROUTE,	/* a main-table route of another protocol */
	FIB_LOCAL_ADDR,		/* an interface address's prefix */
};

struct fib_local {
	enum fib_local_kind kind;
	struct ip_prefix pfx;
	uint8_t	protocol;	/* routes: rtm_protocol */
	char	dev[FIB_IFNAMSIZ];	/* "" when none (blackhole) */
	uint32_t metric;	/* routes: the lowest metric's */
	/* A route reported before changed its metric or device: not a
	 * new instance. */
	bool	update;
};

struct fib_hooks {
	/* A local prefix appeared (add) or went (!add).  Per prefix and
	 * kind: reported once while any instance exists. */
	void	(*local)(void *arg, const struct fib_local *l, bool add);
	/* Links or addresses changed (the daemon may re-run policy). */
	void	(*links)(void *arg);
	void	*arg;
};

enum fib_state {
	FIB_ST_NONE,		/* not wanted, not in the kernel */
	FIB_ST_INSTALLED,	/* the kernel has what we want */
	FIB_ST_PENDING,		/* queued or waiting for fib_ready() */
	FIB_ST_UNRESOLVED,	/* no usable next hop */
	FIB_ST_FAILED,		/* the kernel refused; retrying */
	FIB_ST_CONFLICT,	/* another protocol's route holds the slot */
	FIB_ST_STALE,		/* ours in the kernel, not wanted, kept */
};

struct fib_stats {
	size_t	wanted;		/* prefixes wanted, as last asked */
	size_t	installed;	/* ours in the kernel as wanted */
	size_t	kernel_own;	/* ours in the kernel at all */
	size_t	unresolved, conflicts, failing;
	uint64_t adds, replaces, deletes;	/* requests sent */
	uint64_t errors;	/* requests the kernel refused */
	uint64_t resyncs;	/* full re-reads after lost events */
	uint64_t events;	/* route/link/address events read */
	size_t	local_routes, local_addrs;	/* mirrored */
	size_t	nh_sets;	/* interned kernel next-hop sets */
	bool	ready;
	bool	synced;		/* initial dumps done */
};

struct fib;

/* fib's state of one prefix, kept by the owner; all zero while fib has
 * nothing to do with the prefix (fib.c owns the fields). */
struct fib_slot {
	uint32_t have;		/* our next-hop set in the kernel, 0: none */
	uint8_t	state;		/* enum fib_state */
	uint8_t	flags;
	uint8_t	fails;		/* the kernel's refusals in a row */
	uint8_t	spare;
};

struct fib_owner {
	/* The slot of p, made (zeroed) if make; NULL when there is none
	 * and !make.  p is masked. */
	struct fib_slot *(*slot)(void *arg, const struct ip_prefix *p,
		    bool make);
	void	(*prefix)(void *arg, const struct fib_slot *s,
		    struct ip_prefix *p);
	/* What the kernel should have for the slot's prefix (r->pfx set
	 * either way); false: nothing of ours. */
	bool	(*want)(void *arg, const struct fib_slot *s,
		    struct fib_route *r);
	/* The slot is all zero again: the owner may let it go. */
	void	(*release)(void *arg, struct fib_slot *s);
	/* Every slot, in any order (size_t it = 0; NULL ends); the
	 * owner's table may change between calls (a slot may then be
	 * missed or seen twice). */
	struct fib_slot *(*next)(void *arg, size_t *it);
	void	*arg;
};

/* protocol: rtm_protocol for our routes; table: usually 254 (main). */
struct fib *fib_new(uint8_t protocol, uint32_t table,
	    const struct fib_hooks *hooks, char *err, size_t errlen);
void	 fib_free(struct fib *f);
/* Before fib_start: the slots live with owner (copied). */
void	 fib_set_owner(struct fib *f, const struct fib_owner *owner);

/* Start: open the sockets and request the initial dumps. */
int	 fib_start(struct fib *f, uint64_t now, char *err, size_t errlen);
/* The two sockets (commands, events); -1 before fib_start(). */
int	 fib_fd(const struct fib *f, int which);
void	 fib_input(struct fib *f, int which, uint64_t now);
bool	 fib_want_write(const struct fib *f);
void	 fib_output(struct fib *f, uint64_t now);
/* Monotonic ms of the next retry, or UINT64_MAX. */
uint64_t fib_next_timer(const struct fib *f);
/* Requests go out from a buffer sized for a burst (128 KiB); when none
 * was sent for idle_ms, give it back (the next batch takes a new one).
 * True when it freed memory. */
bool	 fib_release(struct fib *f, uint64_t now, uint64_t idle_ms);
void	 fib_run_timers(struct fib *f, uint64_t now);

/* Desired state, with an owner: what the kernel should have for the
 * slot's prefix changed (fib asks the owner when it writes). */
void	 fib_changed(struct fib *f, struct fib_slot *s);
/* Desired state, without an owner. */
void	 fib_set(struct fib *f, const struct fib_route *r);
void	 fib_unset(struct fib *f, const struct ip_prefix *p);
/* The initial feed is in: sweep and replace from now on. */
void	 fib_ready(struct fib *f);
/* Initial dumps done (the kernel's own routes are known). */
bool	 fib_synced(const struct fib *f);

enum fib_state fib_state(const struct fib *f, const struct ip_prefix *p);
const char *fib_state_name(enum fib_state s);
void	 fib_stats(const struct fib *f, struct fib_stats *st);
/* Interface index of a device name, or 0; and its state. */
int	 fib_ifindex(const struct fib *f, const char *dev);
/* Is a an address of one of the host's interfaces? */
bool	 fib_is_local_addr(const struct fib *f, const struct ip_addr *a);

/* For listings (the BIRD socket's `show route`): a route as the kernel
 * has it, devices by name. */
enum fib_view_type {
	FIB_VIEW_UNICAST,
	FIB_VIEW_BLACKHOLE,
	FIB_VIEW_UNREACHABLE,
	FIB_VIEW_PROHIBIT,
	FIB_VIEW_OTHER,
};

struct fib_view {
	enum fib_view_type type;
	uint8_t	protocol;
	uint32_t priority;
	struct ip_addr gw;		/* af 0: none */
	char	dev[FIB_IFNAMSIZ];	/* "": none */
	bool	recursive;		/* resolved through a route */
};

/* The route of another protocol that makes p a local prefix (the one
 * the local hook reported); false: none. */
bool	 fib_view_route(const struct fib *f, const struct ip_prefix *p,
	    struct fib_view *v);
/* gw resolved as our routes' next hops are (connected, else through
 * the kernel's route to it): the gateway and device; false: not now. */
bool	 fib_view_nexthop(const struct fib *f, const struct ip_addr *gw,
	    struct fib_view *v);

#endif
