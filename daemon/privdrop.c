/* privdrop: see privdrop.h. */
#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ctlauth.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#define KEEP	((1ull << CAP_NET_ADMIN) | (1ull << CAP_NET_BIND_SERVICE))

int
privdrop_resolve(const char *user, struct privdrop *p, char *err,
    size_t errlen)
{
	struct passwd *pw;

	memset(p, 0, sizeof(*p));
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "--user %s: %s", user, errno ?
		    strerror(errno) : "no such user");
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "--user %s: that is root", user);
		return -1;
	}
	if (getuid() != 0 && getuid() != pw->pw_uid) {
		snprintf(err, errlen, "--user %s: only root can become "
		    "another user (running as uid %u)", user,
		    (unsigned)getuid());
		return -1;
	}
	snprintf(p->name, sizeof(p->name), "%s", user);
	p->uid = pw->pw_uid;
	p->gid = pw->pw_gid;
	return 0;
}

int
privdrop_prepare_dir(const struct privdrop *p, const char *path, gid_t gid,
    char *err, size_t errlen)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	int rc = 0;

	if (slash == NULL || slash == dir || getuid() != 0) {
		free(dir);
		return 0;
	}
	*slash = '\0';
	if (mkdir(dir, 0750) == 0) {
		if (chown(dir, p->uid, gid) != 0) {
			snprintf(err, errlen, "chown %s: %s", dir,
			    strerror(errno));
			rc = -1;
		}
	} else if (errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir,
		    strerror(errno));
		rc = -1;
	}
	free(dir);
	return rc;
}

static int
capset_keep(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct c[2];

	memset(c, 0, sizeof(c));
	c[0].effective = c[0].permitted = (uint32_t)KEEP;
	c[1].effective = c[1].permitted = (uint32_t)(KEEP >> 32);
	return (int)syscall(SYS_capset, &h, c);
}

uint64_t
privdrop_effective(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct c[2];

	memset(c, 0, sizeof(c));
	if (syscall(SYS_capget, &h, c) != 0)
		return 0;
	return (uint64_t)c[1].effective << 32 | c[0].effective;
}

int
privdrop_apply(const struct privdrop *p, char *err, size_t errlen)
{
	const char *step;

	if (getuid() == p->uid && geteuid() == p->uid)
		return 0;
	/* Keep the permitted set across the uid change, then cut the
	 * bounding set so nothing else can ever come back. */
	step = "prctl(PR_SET_KEEPCAPS)";
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
		goto fail;
	for (int cap = 0; cap < 64; cap++) {
		if (KEEP & (1ull << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
			if (errno == EINVAL)
				break;	/* past the kernel's last */
			step = "prctl(PR_CAPBSET_DROP)";
			goto fail;
		}
	}
	step = "initgroups";
	if (initgroups(p->name, p->gid) != 0)
		goto fail;
	step = "setresgid";
	if (setresgid(p->gid, p->gid, p->gid) != 0)
		goto fail;
	step = "setresuid";
	if (setresuid(p->uid, p->uid, p->uid) != 0)
		goto fail;
	step = "capset";
	if (capset_keep() != 0)
		goto fail;
	step = "prctl(PR_SET_KEEPCAPS, 0)";
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0)
		goto fail;
	/* Nothing passes to a child. */
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (getuid() != p->uid || geteuid() != p->uid ||
	    getgid() != p->gid || privdrop_effective() != KEEP) {
		snprintf(err, errlen, "--user %s: the switch did not take "
		    "(uid %u, capabilities %#llx)", p->name,
		    (unsigned)geteuid(),
		    (unsigned long long)privdrop_effective());
		return -1;
	}
	return 0;
fail:
	snprintf(err, errlen, "--user %s: %s: %s", p->name, step,
	    strerror(errno));
	return -1;
}

int
privdrop_startup(const char *user, const char *group,
    const char *const *sockets, size_t nsockets, bool kernel, char *err,
    size_t errlen)
{
	struct privdrop p;
	uint64_t eff;

	if (group != NULL && ctlauth_set_group(group, err, errlen) != 0)
		return -1;
	if (user != NULL) {
		gid_t g;

		if (privdrop_resolve(user, &p, err, errlen) != 0)
			return -1;
		g = ctlauth_group() != (gid_t)-1 ? ctlauth_group() : p.gid;
		for (size_t i = 0; i < nsockets; i++)
			if (sockets[i] != NULL && privdrop_prepare_dir(&p,
			    sockets[i], g, err, errlen) != 0)
				return -1;
		if (privdrop_apply(&p, err, errlen) != 0)
			return -1;
		log_info("running as %s (uid %u, gid %u) with CAP_NET_ADMIN "
		    "and CAP_NET_BIND_SERVICE only", p.name, (unsigned)p.uid,
		    (unsigned)p.gid);
		return 0;
	}
	if (getuid() == 0)
		return 0;
	eff = privdrop_effective();
	if (kernel && !(eff & (1ull << CAP_NET_ADMIN)))
		log_warnx("no CAP_NET_ADMIN: kernel routes cannot be written "
		    "(AmbientCapabilities=, or --no-kernel)");
	if (!(eff & (1ull << CAP_NET_BIND_SERVICE)))
		log_warnx("no CAP_NET_BIND_SERVICE: port 179 cannot be "
		    "listened on");
	return 0;
}
