/* ctlauth: see ctlauth.h. */
#include "ctlauth.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static gid_t sock_gid = (gid_t)-1;
static char sock_group[64];

int
ctlauth_set_group(const char *name, char *err, size_t errlen)
{
	struct group *g;
	char *end;
	unsigned long v;

	errno = 0;
	if ((g = getgrnam(name)) != NULL) {
		sock_gid = g->gr_gid;
	} else {
		v = strtoul(name, &end, 10);
		if (name[0] < '0' || name[0] > '9' || *end != '\0') {
			snprintf(err, errlen, "--socket-group %s: %s", name,
			    errno ? strerror(errno) : "no such group");
			return -1;
		}
		sock_gid = (gid_t)v;
	}
	snprintf(sock_group, sizeof(sock_group), "%s", name);
	return 0;
}

gid_t
ctlauth_group(void)
{
	return sock_gid;
}

int
ctlauth_socket(const char *path, char *err, size_t errlen)
{
	if (sock_gid == (gid_t)-1)
		return 0;
	/* Without CAP_CHOWN the daemon's user must be in the group. */
	if (chown(path, (uid_t)-1, sock_gid) != 0) {
		snprintf(err, errlen, "cannot give %s to group %s: %s%s", path,
		    sock_group, strerror(errno), errno == EPERM ?
		    " (the daemon's user must be a member)" : "");
		return -1;
	}
	return 0;
}

bool
ctlauth_may_change(uid_t uid)
{
	return uid == 0 || uid == getuid();
}
