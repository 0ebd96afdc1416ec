/*
 * epstatus: the local workloads Felix selects for BGP peering (Calico
 * 3.30 localWorkloadSelector; confd's local_bgp_peer_watcher.go).
 *
 * Felix writes one JSON file per workload endpoint of this node into
 * <prefix>/endpoint-status (prefix: $CALICO_ENDPOINT_STATUS_PATH_PREFIX,
 * default /var/run/calico): {"ifaceName", "mac", "ipv4Nets", "ipv6Nets",
 * "bgpPeerName"}.  A file whose bgpPeerName is set is a workload that a
 * BGPPeer's localWorkloadSelector matched; the node peers with its first
 * IPv4 and first IPv6 address.  epstatus_parse() reads one file's bytes
 * (pure); epstatus_read() the whole directory; epstatus_open() follows
 * it (inotify, the parent directory while it does not exist yet, and a
 * 30 s re-read as confd's watcher polls) and calls back when the set of
 * selected workloads changed.
 */
#ifndef BGPD_EPSTATUS_H
#define BGPD_EPSTATUS_H

#include <stdbool.h>
#include <stddef.h>

#include "config/plan.h"

struct event_base;
struct epstatus;

#define EPSTATUS_DIR		"endpoint-status"
#define EPSTATUS_PREFIX		"/var/run/calico"
#define EPSTATUS_POLL_MS	30000u
#define EPSTATUS_MAX_FILE	65536u

/* The selected workloads, by file name, and the files that did not
 * parse ("name: why"); strings owned by the list. */
struct epstatus_list {
	struct plan_workload *v;
	size_t	n;
	char	**bad;
	size_t	nbad;
};

/* The directory: dir if given, else $CALICO_ENDPOINT_STATUS_PATH_PREFIX
 * (or the default) + "/endpoint-status".  Returns a new string. */
char	*epstatus_dir(const char *dir);

/*
 * One status file: 1 and *out filled (strings allocated) when it names a
 * BGPPeer and has a usable address, 0 when it selects nothing, -1 with
 * err when it is not valid JSON of that shape or an address does not
 * parse (confd skips such a workload too).
 */
int	 epstatus_parse(const char *name, const char *data, size_t len,
	    struct plan_workload *out, char *err, size_t errlen);
/* Every file of dir (a missing directory is an empty list); files that
 * do not parse are left out and listed in out->bad. */
void	 epstatus_read(const char *dir, struct epstatus_list *out);
void	 epstatus_list_free(struct epstatus_list *l);
bool	 epstatus_list_eq(const struct epstatus_list *a,
	    const struct epstatus_list *b);

struct epstatus *epstatus_open(struct event_base *base, const char *dir,
	    void (*changed)(void *), void *arg);
void	 epstatus_close(struct epstatus *es);
/* The current list (valid until the next callback). */
const struct epstatus_list *epstatus_current(const struct epstatus *es);
const char *epstatus_path(const struct epstatus *es);

#endif
