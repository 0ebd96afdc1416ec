/*
 * io: BFD's transport (RFC 5881, single hop, IPv4 and IPv6) in a thread
 * of its own, so BFD timing never waits for bgpd's event loop.
 *
 * Why a thread and not a process (FRR's bfdd) or the event loop: the loop
 * may spend 100 ms and more on one step of a million-route update, while
 * a session at 100 ms x 3 must send every 75-100 ms and notice silence
 * within 300 ms.  A thread is scheduled by the kernel on its own, like a
 * process, but shares the address space: no second binary, no IPC
 * protocol to version, no supervision, no extra privileges (port 3784 is
 * unprivileged), and status is a locked copy.  It shares bgpd's fate,
 * which is what the C bit we send says (clear): if bgpd dies its BFD
 * sessions go down with it and the peers learn it at once.  The thread
 * sleeps in ppoll() on its sockets and an eventfd, with the earliest
 * session deadline as timeout; it takes no libevent (the loop's base is
 * not thread-safe and would add nothing here).
 *
 * The channel to the main loop: sessions are added, changed and removed
 * through a locked command queue (bfd_io_add/_del, which wake the thread
 * through its eventfd); state changes come back through a locked event
 * queue and an eventfd the main loop watches (bfd_io_fd, bfd_io_events).
 * Status is a snapshot taken under the table's lock.
 *
 * Sockets (RFC 5881 4 and 5): one receive socket per family bound to the
 * wildcard address and port 3784, reporting TTL/Hop Limit and the
 * arrival interface (packets not at TTL 255 are dropped and counted);
 * one send socket per session, bound to its local address and a source
 * port from 49152-65535 unique to the session, TTL/Hop Limit 255,
 * traffic class CS6 (network control).
 *
 * Start the thread after the process dropped its privileges: capability
 * sets are per thread on Linux.
 */
#ifndef BGPD_BFD_IO_H
#define BGPD_BFD_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "bfd.h"
#include "session.h"

struct bfd_io;

/* A session the main loop wants (bfd_io_add). */
struct bfd_io_req {
	uint64_t id;		/* the caller's handle, echoed in events */
	struct ip_addr peer;
	struct ip_addr local;	/* af 0: any (the kernel chooses) */
	unsigned ifindex;	/* 0: any interface */
	struct bfd_conf conf;
};

/* A state change (bfd_io_events). */
struct bfd_io_event {
	uint64_t id;
	uint8_t	state;		/* enum bfd_state, new */
	uint8_t	old_state;
	uint8_t	diag;		/* our diagnostic */
	bool	remote_admin;	/* Down because the neighbor is AdminDown */
	uint64_t at_us;		/* CLOCK_MONOTONIC, us */
};

/* One session as status shows it (bfd_io_snapshot). */
struct bfd_io_info {
	uint64_t id;
	struct ip_addr peer, local;
	unsigned ifindex;
	uint16_t sport;
	uint8_t	state, remote_state, local_diag, remote_diag;
	bool	remote_admin;
	uint32_t local_disc, remote_disc;
	struct bfd_conf conf;
	uint8_t	remote_mult;
	uint32_t tx_us, rx_us;	/* agreed intervals */
	uint64_t detect_us;
	uint64_t created_us, last_change_us, up_since_us, last_down_us;
	char	down_reason[48];
	uint32_t n_up, n_down;
	uint64_t rx_pkts, tx_pkts, drops, tx_errors;
};

struct bfd_io_stats {
	size_t	sessions;
	uint64_t drops[BFD_DROP_MAX];
	uint64_t rx_pkts, tx_pkts, tx_errors;
	uint64_t cpu_us;	/* the thread's CPU time */
	uint64_t wakeups;
};

/* Open the sockets and start the thread; NULL with err on failure (a
 * family the host lacks is skipped, not a failure). */
struct bfd_io *bfd_io_start(char *err, size_t errlen);
/* Send AdminDown on every session (RFC 5882 4.2: the peers take no
 * action), stop the thread, close everything. */
void	 bfd_io_stop(struct bfd_io *io);
/* Readable when events wait; read them with bfd_io_events. */
int	 bfd_io_fd(const struct bfd_io *io);
/* Add a session, or change one with the same id (its intervals through
 * a Poll Sequence; a new address or interface makes a new session). */
void	 bfd_io_add(struct bfd_io *io, const struct bfd_io_req *r);
/* Remove a session (one AdminDown packet goes out first). */
void	 bfd_io_del(struct bfd_io *io, uint64_t id);
/* Take up to max waiting events (oldest first); the fd is drained. */
size_t	 bfd_io_events(struct bfd_io *io, struct bfd_io_event *out,
	    size_t max);
/* Every session, in no order; *out is malloc'd (free it). */
size_t	 bfd_io_snapshot(struct bfd_io *io, struct bfd_io_info **out);
void	 bfd_io_stats(struct bfd_io *io, struct bfd_io_stats *st);
/* CLOCK_MONOTONIC in us, the thread's clock. */
uint64_t bfd_io_now(void);

#endif
