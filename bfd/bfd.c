/*
 * bfd: the names of BFD states, diagnostics and drop reasons (bfd.h).
 */
#include <stdio.h>

#include "bfd.h"

const char *
bfd_state_name(unsigned state)
{
	static const char *const names[] = {
		"AdminDown", "Down", "Init", "Up",
	};

	return state < 4 ? names[state] : "?";
}

const char *
bfd_diag_name(unsigned diag, char *buf, unsigned size)
{
	/* RFC 5880 4.1, lower case as a sentence part. */
	static const char *const names[] = {
		"no diagnostic",
		"control detection time expired",
		"echo function failed",
		"neighbor signaled session down",
		"forwarding plane reset",
		"path down",
		"concatenated path down",
		"administratively down",
		"reverse concatenated path down",
	};

	if (diag < sizeof(names) / sizeof(names[0]))
		return names[diag];
	snprintf(buf, size, "unknown diagnostic %u", diag);
	return buf;
}

const char *
bfd_drop_name(unsigned drop)
{
	static const char *const names[BFD_DROP_MAX] = {
		"none", "short", "version", "length", "multiplier",
		"multipoint", "my_discriminator", "your_discriminator",
		"no_session", "auth", "ttl", "admin_down",
	};

	return drop < BFD_DROP_MAX ? names[drop] : "?";
}
