/*
 * client: the operator commands (`bgpd status`, `routes`, `peer`, ...):
 * send one request line (request.h) over the control socket and print
 * the answer.  Exit status 0 on success, 1 when the daemon cannot be
 * reached, does not answer in time or says no (its one-line reason goes
 * to stderr).
 */
#ifndef BGPD_CLIENT_H
#define BGPD_CLIENT_H

/* request: the encoded line, without "\n". */
int	 client_run(const char *socket_path, const char *request);

#endif
