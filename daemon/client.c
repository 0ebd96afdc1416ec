/* client: see client.h. */
#include "client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/buf.h"

#define CLIENT_TIMEOUT_MS	10000

int
client_run(const char *path, const char *request)
{
	struct sockaddr_un sun;
	struct buf_wr in;
	char buf[65536];
	const char *body;
	int fd, rc = 1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "bgpd: socket path too long: %s\n", path);
		return 1;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun,
	    sizeof(sun)) != 0) {
		fprintf(stderr, "bgpd: cannot reach bgpd at %s: %s (is it "
		    "running? --socket or BGPD_SOCKET choose the socket)\n",
		    path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if (write(fd, request, strlen(request)) < 0 ||
	    write(fd, "\n", 1) < 0) {
		fprintf(stderr, "bgpd: %s: %s\n", path, strerror(errno));
		close(fd);
		return 1;
	}
	buf_wr_init(&in, 0);
	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&pfd, 1, CLIENT_TIMEOUT_MS) <= 0) {
			fprintf(stderr, "bgpd: no answer from %s within %d "
			    "seconds\n", path, CLIENT_TIMEOUT_MS / 1000);
			goto out;
		}
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "bgpd: %s: %s\n", path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		buf_put_bytes(&in, buf, (size_t)n);
	}
	body = buf_str(&in);
	if (strncmp(body, "OK\n", 3) == 0) {
		fputs(body + 3, stdout);
		rc = fflush(stdout) == 0 ? 0 : 1;
	} else if (strncmp(body, "ERROR ", 6) == 0) {
		fprintf(stderr, "bgpd: %s", body + 6);
	} else {
		fprintf(stderr, "bgpd: unexpected answer from %s\n", path);
	}
out:
	buf_wr_free(&in);
	close(fd);
	return rc;
}
