/*
 * client: `bgpd status|routes|reload [--json]`: ask the daemon over its
 * control socket and print the answer.  Exit status 0 on success, 1 when
 * the daemon cannot be reached or says no.
 */
#ifndef BGPD_CLIENT_H
#define BGPD_CLIENT_H

#include <stdbool.h>

int	 client_run(const char *socket_path, const char *cmd, bool json);

#endif
