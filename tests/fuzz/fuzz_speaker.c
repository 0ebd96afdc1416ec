/*
 * libFuzzer harness: a byte stream from one peer into a whole speaker
 * (framing, OPEN negotiation, every message type, the FSM, RFC 7606
 * handling, the RIB and the exports).  Fuzzed peer A (eBGP, IPv4) talks
 * to our speaker, which also has B (iBGP, IPv4) and C (eBGP, IPv6) up.
 * B and C are real sessions on the far side of an in-memory wire: every
 * UPDATE we send them is decoded by our own decoder, and anything but a
 * clean decode aborts.  So does a session to B or C going down: nothing
 * A sends may disturb them.  FUZZ_DEBUG=1 in the environment sends the
 * speaker's log to stderr.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/speaker.h"
#include "lib/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every message is formatted (DEBUG level), then dropped. */
static void
quiet(enum log_level l, const char *msg, void *arg)
{
}

struct end {
	struct session *s;	/* the far side's session (B, C) */
	struct speaker_peer *p;	/* our side */
	bool	connected;
};

static uint64_t now;
static struct end ends[3];	/* 0: A (no far session), 1: B, 2: C */

static void n_void(void *ctx) { }
static void n_up(void *ctx, uint64_t t) { }
static void n_eor(void *ctx, int af) { }
static void n_refresh(void *ctx, int af) { }

static void
n_down(void *ctx, bool was_up, const char *why, uint64_t t)
{
	if (was_up) {
		fprintf(stderr, "far session went down: %s\n", why);
		abort();
	}
}

static void
n_update(void *ctx, const struct bgp_update *u, const struct bgp_err *err,
    uint64_t t)
{

	if (err->action != BGP_ACT_NONE) {
		fprintf(stderr, "we sent a bad UPDATE: %s\n",
		    err->reason ? err->reason : "?");
		abort();
	}
}

static const struct session_transport far_transport = {
	n_void, n_void, n_void,
};

static const struct session_hooks far_hooks = {
	n_up, n_down, n_update, n_eor, n_refresh,
};

static void io_connect(void *ctx) { }
static void io_output(void *ctx) { }
static void io_wakeup(void *arg) { }

static void
io_disconnect(void *ctx)
{
	struct end *e = ctx;

	e->connected = false;
}

static const struct session_transport transport = {
	.connect = io_connect, .disconnect = io_disconnect,
	.output = io_output,
};

static const struct speaker_io io = {
	.transport = &transport, .wakeup = io_wakeup,
};

/* Feed len bytes into s, all of them, in as many commits as it takes. */
static void
feed(struct session *s, const uint8_t *p, size_t len)
{
	while (len > 0) {
		uint8_t *dst;
		size_t room, n;

		session_in_space(s, &dst, &room);
		n = len < room ? len : room;
		memcpy(dst, p, n);
		p += n;
		len -= n;
		while (session_in_commit(s, n, now))
			n = 0;
	}
}

/* Move what from has queued to to (NULL: drop it). */
static bool
pump(struct session *from, struct session *to)
{
	const uint8_t *p;
	size_t len;

	session_out_data(from, &p, &len);
	if (len == 0)
		return false;
	if (to != NULL)
		feed(to, p, len);
	session_out_written(from, len, now);
	return true;
}

static void
settle(struct speaker *sp)
{
	bool more = true;
	int i;

	while (more) {
		more = speaker_run(sp, now);
		for (i = 1; i < 3; i++) {
			struct session *ours = speaker_peer_session(ends[i].p);

			for (;;) {
				bool a = pump(ours, ends[i].s);
				bool b = pump(ends[i].s, ours);

				if (!a && !b)
					break;
				more = true;
			}
		}
		if (pump(speaker_peer_session(ends[0].p), NULL))
			more = true;
	}
}

static void
conf(struct session_conf *c, const char *name, const char *peer, int af,
    uint32_t las, uint32_t ras, uint32_t id, bool passive)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	addr_parse(peer, &c->peer);
	c->af = af;
	c->port = 179;
	c->local_as = las;
	c->remote_as = ras;
	c->router_id = id;
	c->passive = passive;
}

static void
add(struct speaker *sp, int i, const char *peer, const char *us, int af,
    uint32_t as)
{
	struct speaker_peer_conf pc;
	struct session_conf fc;

	memset(&pc, 0, sizeof(pc));
	conf(&pc.session, peer, peer, af, 65000, as, 0xc6336401, i == 0);
	addr_parse(us, &pc.local_addr);
	ends[i].p = speaker_peer_add(sp, &pc, &ends[i], now);
	session_start(speaker_peer_session(ends[i].p), now);
	session_connected(speaker_peer_session(ends[i].p), now);
	ends[i].connected = true;
	if (i == 0)
		return;
	conf(&fc, "far", us, af, as, 65000, 0xc6336410 + (uint32_t)i, true);
	ends[i].s = session_new(&fc, &far_transport, NULL, &far_hooks, NULL,
	    now);
	session_start(ends[i].s, now);
	session_connected(ends[i].s, now);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct speaker *sp;
	struct ip_prefix pfx;
	size_t off = 0;
	int i;

	log_set_level(LOG_LVL_DEBUG);
	log_set_hook(getenv("FUZZ_DEBUG") ? NULL : quiet, NULL);
	now = 1000000;
	memset(ends, 0, sizeof(ends));
	sp = speaker_new(0xc6336401, &io);
	add(sp, 0, "198.51.100.2", "198.51.100.1", AF_INET, 65001);
	add(sp, 1, "198.51.100.3", "198.51.100.1", AF_INET, 65000);
	add(sp, 2, "2001:db8::3", "2001:db8::1", AF_INET6, 65003);
	addr_pfx_parse("100.64.0.0/26", &pfx, false);
	speaker_originate(sp, &pfx);
	addr_pfx_parse("2001:db8:1000::/122", &pfx, false);
	speaker_originate(sp, &pfx);
	settle(sp);
	for (i = 1; i < 3; i++)
		if (!session_established(ends[i].s))
			abort();
	/* A's bytes in chunks of up to 1000, a second apart. */
	while (off < size && ends[0].connected) {
		size_t n = size - off < 1000 ? size - off : 1000;

		feed(speaker_peer_session(ends[0].p), data + off, n);
		off += n;
		settle(sp);
		now += 1000;
		for (i = 0; i < 3; i++) {
			session_run_timers(speaker_peer_session(ends[i].p),
			    now);
			if (ends[i].s != NULL)
				session_run_timers(ends[i].s, now);
		}
		settle(sp);
	}
	for (i = 1; i < 3; i++) {
		session_free(ends[i].s);
	}
	speaker_free(sp);
	return 0;
}
