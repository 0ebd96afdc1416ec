/* tcpsec: see tcpsec.h. */
#include "tcpsec.h"

#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/xalloc.h"

int
tcpsec_md5(int fd, const struct ip_addr *peer, const uint8_t *key,
    size_t len)
{
	struct tcp_md5sig m;
	int rc;

	if (len > TCPSEC_MAX_KEY) {
		errno = EINVAL;
		return -1;
	}
	memset(&m, 0, sizeof(m));
	/* RFC 2385 keys are per peer address; no port. */
	addr_to_sockaddr(peer, 0, &m.tcpm_addr);
	m.tcpm_keylen = (uint16_t)len;
	if (len > 0)
		memcpy(m.tcpm_key, key, len);
	rc = setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &m, sizeof(m));
	/* Removing a key that is not there is not an error. */
	if (rc != 0 && len == 0 && errno == ENOENT)
		rc = 0;
	explicit_bzero(&m, sizeof(m));
	return rc;
}

int
tcpsec_gtsm(int fd, int af, uint8_t hops)
{
	int ttl = 255, min = 256 - hops;

	if (hops == 0)
		return 0;
	/* RFC 5082 3: send with 255, accept 255 - (hops - 1) and more. */
	if (af == AF_INET6)
		return setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl,
		    sizeof(ttl)) != 0 || setsockopt(fd, IPPROTO_IPV6,
		    IPV6_MINHOPCOUNT, &min, sizeof(min)) != 0 ? -1 : 0;
	return setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)) != 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MINTTL, &min, sizeof(min)) != 0 ?
	    -1 : 0;
}

/*
 * The program sees the SYN with its data at the end of the TCP header;
 * SKF_NET_OFF reaches back to the IP header for the source address.
 * Loads are in network order and yield host-order words.  Each peer is
 * a chain of compare-and-skip steps ending in "return its index"; a
 * packet that matches none returns 0, the plain listener.
 */
#define V4_SRC	(SKF_NET_OFF + 12)
#define V6_SRC	(SKF_NET_OFF + 8)

static uint32_t
word(const struct ip_addr *a, int i)
{
	const uint8_t *b = a->b + 4 * i;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
}

int
tcpsec_steer(int fd, int af, const struct tcpsec_route *routes, size_t n)
{
	int words = af == AF_INET6 ? 4 : 1;
	size_t per = (size_t)words * 2 + 1, len = n * per + 1, k = 0;
	struct sock_filter *code;
	struct sock_fprog prog;
	int rc;

	if (len > BPF_MAXINSNS) {
		errno = E2BIG;
		return -1;
	}
	code = xcalloc(len, sizeof(*code));
	for (size_t i = 0; i < n; i++) {
		for (int w = 0; w < words; w++) {
			/* A mismatch skips the rest of this peer's steps. */
			uint8_t skip = (uint8_t)((words - w - 1) * 2 + 1);

			code[k++] = (struct sock_filter)BPF_STMT(BPF_LD |
			    BPF_W | BPF_ABS, (uint32_t)((af == AF_INET6 ?
			    V6_SRC : V4_SRC) + 4 * w));
			code[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP |
			    BPF_JEQ | BPF_K, word(&routes[i].peer, w), 0,
			    skip);
		}
		code[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
		    routes[i].index);
	}
	code[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	prog.len = (unsigned short)k;
	prog.filter = code;
	rc = setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog,
	    sizeof(prog));
	free(code);
	return rc;
}
