/*
 * kernel: the daemon's bridge between the RIB and fib/ (the kernel
 * routing table), and Calico's kernel policy (CALICO.md 5.3):
 *  - the best route of every learned prefix, with its ECMP set, goes to
 *    the kernel unless policy says no: service ranges are never
 *    programmed, VXLAN pools are Felix's, IPIP Always routes go via
 *    tunl0 onlink, CrossSubnet ones only when the next hop is outside
 *    this node's subnet;
 *  - every affine block of this node gets a blackhole;
 *  - local prefixes fib/ reports (other protocols' routes, interface
 *    addresses) inside an IP pool and outside this node's affine blocks
 *    are originated as borrowed routes (CALICO.md 3.3, 5.1);
 *  - on start fib/ keeps the routes of ours it finds; kernel_tick()
 *    ends the selection deferral and tells fib/ to sweep when grwait.h
 *    says so: every session's End-of-RIB (restarting peers and peers
 *    without the capability not waited for to select, but to sweep) or
 *    the start-up deadline.
 */
#ifndef BGPD_KERNEL_H
#define BGPD_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "config/plan.h"

struct daemon;
struct kernel;
struct rib_entry;
struct buf_wr;
struct json_w;
struct ip_prefix;

int	 kernel_open(struct daemon *d, char *err, size_t errlen);
void	 kernel_close(struct daemon *d);
/* The speaker's changed hook: entry e's best path or ECMP set moved. */
void	 kernel_changed(void *arg, const struct rib_entry *e);
/* The speaker's is_local: the node's own addresses, and with the kernel
 * open every interface address. */
bool	 kernel_is_local(void *arg, const struct ip_addr *a);
/* The plan changed (reload): blocks, pools, policy. */
void	 kernel_apply_plan(struct daemon *d, const struct plan *old);
/* Work: push changes to the kernel, check the sweep condition; true
 * when more is queued. */
bool	 kernel_tick(struct daemon *d);
/*
 * The queries below take the daemon's kernel object (d->kern; what the
 * operator surfaces' view.h hands out), NULL with --no-kernel.
 */
/* For `bgpd routes`: "installed", "pending", ... or NULL (no kernel). */
const char *kernel_route_state(const struct kernel *k,
	    const struct ip_prefix *p);
/* The interface of a local prefix fib/ reported, or NULL. */
const char *kernel_local_dev(const struct kernel *k,
	    const struct ip_prefix *p);
/* For listings (the BIRD socket): a local prefix fib/ reported, as a
 * route of another protocol, an interface address's prefix, or both;
 * by prefix, or all of them (size_t it = 0; false at the end). */
struct kernel_local {
	struct ip_prefix pfx;
	bool	route, addr;
	bool	originated;	/* announced as a borrowed route */
	char	dev[16];
};
bool	 kernel_local_get(const struct kernel *k, const struct ip_prefix *p,
	    struct kernel_local *out);
bool	 kernel_local_next(const struct kernel *k, size_t *it,
	    struct kernel_local *out);
/* fib/ itself, for its views of routes and next hops; NULL without. */
const struct fib *kernel_fib(const struct kernel *k);
/* fib's burst buffer back once idle_ms idle (fib_release). */
bool	 kernel_release(struct kernel *k, uint64_t now, uint64_t idle_ms);
void	 kernel_status_json(const struct kernel *k, struct json_w *j);
/* For a session's `status --json`: "graceful_restart", what the peer
 * said of its own (capability, R, F for the family, restart time) and
 * whether it still keeps the routes found at start in the kernel. */
struct speaker_peer;
void	 kernel_peer_json(const struct kernel *k, struct speaker_peer *p,
	    struct json_w *j);
/* Start-up recovery: true while the routes of ours found at start are
 * kept waiting for every session's End-of-RIB; *left_ms and *total_ms
 * say how long the deadline still runs and ran in all. */
bool	 kernel_recovering(const struct kernel *k, uint64_t *left_ms,
	    uint64_t *total_ms);
/* fib/'s counters; false with --no-kernel. */
struct fib_stats;
bool	 kernel_stats(const struct kernel *k, struct fib_stats *st);

#endif
