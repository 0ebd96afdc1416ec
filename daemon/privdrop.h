/*
 * privdrop: run unprivileged (RELIABILITY.md 5.2).  Started as root with
 * --user NAME, bgpd becomes that user (its groups from /etc/group) and
 * keeps exactly CAP_NET_ADMIN (netlink route writes) and
 * CAP_NET_BIND_SERVICE (port 179): permitted and effective, nothing
 * inheritable or ambient, every other capability dropped from the
 * bounding set too.  TCP-MD5 and IP_MINTTL need no capability.  Under
 * systemd (User=bgpd, AmbientCapabilities=) bgpd starts that way and
 * --user is not needed.  Plain syscalls (prctl, capset): five calls do
 * not earn a library.
 */
#ifndef BGPD_PRIVDROP_H
#define BGPD_PRIVDROP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct privdrop {
	char	name[64];
	uid_t	uid;
	gid_t	gid;		/* the user's primary group */
};

/* Look the user up; -1 with err when it does not exist, or when bgpd
 * is not root and is not already that user. */
int	 privdrop_resolve(const char *user, struct privdrop *p, char *err,
	    size_t errlen);
/* Make the folder of path (the control socket's) if it is missing,
 * owned by the user and group gid (0750), so the user can create and
 * remove the socket; a folder that exists is left alone. */
int	 privdrop_prepare_dir(const struct privdrop *p, const char *path,
	    gid_t gid, char *err, size_t errlen);
/* Become the user with the two capabilities; -1 with err (bgpd must
 * not go on half-privileged).  A no-op when already the user. */
int	 privdrop_apply(const struct privdrop *p, char *err, size_t errlen);
/* The effective capability set, as a bit mask (CAP_* bits). */
uint64_t privdrop_effective(void);

/* At start: the socket group (group: NULL for the daemon's own), then
 * with user set the folders of the sockets and the switch to the user;
 * without it a warning for each capability that is missing.  -1 with
 * err: bgpd must not start. */
int	 privdrop_startup(const char *user, const char *group,
	    const char *const *sockets, size_t nsockets, bool kernel,
	    char *err, size_t errlen);

#endif
