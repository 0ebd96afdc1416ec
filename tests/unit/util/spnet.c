/* spnet: see spnet.h. */
#include "spnet.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "bgp/attrset.h"

struct spnet_node spnet_nodes[SPNET_NODES];
struct spnet_link spnet_links[SPNET_LINKS];
int spnet_nlinks;
uint64_t spnet_now;
void (*spnet_update_hook)(struct spnet_link *, int, const uint8_t *,
    size_t);

/* The io_ctx of one end of a link. */
struct end {
	int	link, side;
};

static struct end ends[SPNET_LINKS][2];

static bool move(struct spnet_link *l, int from);

static struct spnet_link *
link_of(void *ctx, int *side)
{
	const struct end *e = ctx;

	*side = e->side;
	return &spnet_links[e->link];
}

static void
io_connect(void *ctx)
{
	int side;
	struct spnet_link *l = link_of(ctx, &side);

	l->want[side] = true;
}

/* Like the daemon: what is queued (a NOTIFICATION) goes, then close.
 * The link is down before the peer reads it, so the peer's own close
 * does not call back into a session that is still closing. */
static void
io_disconnect(void *ctx)
{
	int side;
	struct spnet_link *l = link_of(ctx, &side);

	if (!l->connected)
		return;
	l->connected = false;
	if (l->p[!side] != NULL)
		while (move(l, side))
			;
	l->dir[0].len = l->dir[1].len = 0;
	if (l->p[!side] != NULL)
		session_closed(speaker_peer_session(l->p[!side]),
		    "closed by peer", spnet_now);
}

static void io_output(void *ctx) { }
static void io_wakeup(void *arg) { }

static void
io_changed(void *arg, const struct rib_entry *e)
{
	struct spnet_node *n = arg;

	if (n->changed != NULL)
		n->changed((int)(n - spnet_nodes), e);
}

static const struct session_transport transport = {
	.connect = io_connect, .disconnect = io_disconnect,
	.output = io_output,
};

static struct speaker *
new_speaker(struct spnet_node *n)
{
	struct speaker_io io = {
		.transport = &transport, .wakeup = io_wakeup,
		.changed = io_changed, .arg = n,
	};

	return speaker_new(n->id, &io);
}

void
spnet_reset(void)
{
	for (int i = 0; i < SPNET_NODES; i++)
		speaker_free(spnet_nodes[i].sp);
	memset(spnet_nodes, 0, sizeof(spnet_nodes));
	memset(spnet_links, 0, sizeof(spnet_links));
	spnet_nlinks = 0;
	spnet_now = 1000;
	spnet_update_hook = NULL;
}

void
spnet_node(int i, uint32_t as)
{
	struct spnet_node *n = &spnet_nodes[i];
	char a[32];

	snprintf(a, sizeof(a), "198.51.100.%d", i + 1);
	n->as = as;
	n->id = 0xc6336400u + (uint32_t)i + 1;
	addr_parse(a, &n->addr);
	n->sp = new_speaker(n);
}

static void
conf_init(struct speaker_peer_conf *c, const struct spnet_node *me,
    const struct spnet_node *them, bool passive)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->session.name, sizeof(c->session.name), "to%u",
	    them->id & 0xff);
	c->session.peer = them->addr;
	c->session.port = 179;
	c->session.af = AF_INET;
	c->session.local_as = me->as;
	c->session.remote_as = them->as;
	c->session.router_id = me->id;
	c->session.passive = passive;
	c->session.gr_forwarding = true;
	c->local_addr = me->addr;
}

struct spnet_link *
spnet_link(int a, int b)
{
	int i = spnet_nlinks++;
	struct spnet_link *l = &spnet_links[i];

	ck_assert_int_lt(i, SPNET_LINKS);
	memset(l, 0, sizeof(*l));
	l->a = a;
	l->b = b;
	conf_init(&l->conf[0], &spnet_nodes[a], &spnet_nodes[b], false);
	conf_init(&l->conf[1], &spnet_nodes[b], &spnet_nodes[a], true);
	for (int s = 0; s < 2; s++) {
		ends[i][s].link = i;
		ends[i][s].side = s;
	}
	return l;
}

static int
side_of(const struct spnet_link *l, int n)
{
	ck_assert(n == l->a || n == l->b);
	return n == l->a ? 0 : 1;
}

struct speaker_peer_conf *
spnet_conf(struct spnet_link *l, int n)
{
	return &l->conf[side_of(l, n)];
}

static void
add_side(struct spnet_link *l, int s)
{
	struct spnet_node *n = &spnet_nodes[s == 0 ? l->a : l->b];

	l->p[s] = speaker_peer_add(n->sp, &l->conf[s],
	    &ends[l - spnet_links][s], spnet_now);
}

void
spnet_link_start(struct spnet_link *l)
{
	add_side(l, 0);
	add_side(l, 1);
}

struct speaker_peer *
spnet_peer(struct spnet_link *l, int n)
{
	return l->p[side_of(l, n)];
}

struct session *
spnet_session(struct spnet_link *l, int n)
{
	return speaker_peer_session(spnet_peer(l, n));
}

struct spnet_dir *
spnet_rx(struct spnet_link *l, int to)
{
	return &l->dir[!side_of(l, to)];
}

/* An End-of-RIB: the empty IPv4 UPDATE, or an empty MP_UNREACH_NLRI. */
static bool
is_eor(const uint8_t *body, size_t len)
{
	static const uint8_t v4[] = { 0, 0, 0, 0 };
	static const uint8_t v6[] = { 0, 0, 0, 6, 0x80, 15, 3, 0, 2, 1 };

	return (len == sizeof(v4) && memcmp(body, v4, len) == 0) ||
	    (len == sizeof(v6) && memcmp(body, v6, len) == 0);
}

/* Read the messages that are complete in d (l's direction toward
 * node `to`). */
static void
sniff(struct spnet_link *l, int to, struct spnet_dir *d)
{
	size_t pos = 0;

	while (d->len - pos >= BGP_HDR_LEN) {
		const uint8_t *m = d->buf + pos, *body = m + BGP_HDR_LEN;
		size_t len = (size_t)m[16] << 8 | m[17], blen;
		struct bgp_err e;

		if (d->len - pos < len)
			break;
		ck_assert_uint_ge(len, BGP_HDR_LEN);
		blen = len - BGP_HDR_LEN;
		switch (m[18]) {
		case BGP_MSG_OPEN:
			memset(&e, 0, sizeof(e));
			ck_assert_int_eq(msg_open_decode(body, blen,
			    &d->last_open, &e), 0);
			d->opens++;
			d->first_update_at = d->eor_at = 0;
			break;
		case BGP_MSG_UPDATE:
			if (spnet_update_hook != NULL)
				spnet_update_hook(l, to, body, blen);
			if (is_eor(body, blen)) {
				d->eors++;
				if (d->eor_at == 0)
					d->eor_at = spnet_now;
				break;
			}
			d->updates++;
			if (d->first_update_at == 0)
				d->first_update_at = spnet_now;
			break;
		case BGP_MSG_NOTIFICATION:
			d->notifications++;
			d->ncode = body[0];
			d->nsub = body[1];
			d->ndata_len = blen - 2 < sizeof(d->ndata) ? blen - 2 :
			    sizeof(d->ndata);
			memcpy(d->ndata, body + 2, d->ndata_len);
			break;
		}
		pos += len;
	}
	memmove(d->buf, d->buf + pos, d->len - pos);
	d->len -= pos;
}

/* Move what side `from` has queued to the other side. */
static bool
move(struct spnet_link *l, int from)
{
	struct session *s = speaker_peer_session(l->p[from]);
	struct session *t = speaker_peer_session(l->p[!from]);
	struct spnet_dir *d = &l->dir[from];
	const uint8_t *p;
	uint8_t *in;
	size_t len, room;

	session_out_data(s, &p, &len);
	if (len == 0)
		return false;
	session_in_space(t, &in, &room);
	if (len > room)
		len = room;
	if (len > sizeof(d->buf) - d->len)
		len = sizeof(d->buf) - d->len;
	memcpy(in, p, len);
	memcpy(d->buf + d->len, p, len);
	d->len += len;
	sniff(l, from == 0 ? l->b : l->a, d);
	session_out_written(s, len, spnet_now);
	if (session_in_commit(t, len, spnet_now))
		while (session_in_commit(t, 0, spnet_now))
			;
	speaker_peer_writable(spnet_nodes[from == 0 ? l->a : l->b].sp,
	    l->p[from]);
	return true;
}

static void
settle(void)
{
	for (int round = 0; round < 100000; round++) {
		bool busy = false;

		for (int i = 0; i < SPNET_NODES; i++) {
			if (spnet_nodes[i].sp == NULL)
				continue;
			while (speaker_run(spnet_nodes[i].sp, spnet_now))
				busy = true;
		}
		for (int i = 0; i < spnet_nlinks; i++) {
			struct spnet_link *l = &spnet_links[i];

			if (l->p[0] == NULL || l->p[1] == NULL)
				continue;
			if (!l->connected && !l->cut &&
			    (l->want[0] || l->want[1])) {
				l->connected = true;
				l->want[0] = l->want[1] = false;
				l->dir[0].len = l->dir[1].len = 0;
				session_connected(speaker_peer_session(l->p[0]),
				    spnet_now);
				session_connected(speaker_peer_session(l->p[1]),
				    spnet_now);
				busy = true;
			}
			if (!l->connected)
				continue;
			busy |= move(l, 0);
			if (l->connected)
				busy |= move(l, 1);
		}
		if (!busy)
			return;
	}
	ck_abort_msg("the network never settled");
}

static uint64_t
next_deadline(void)
{
	uint64_t t = UINT64_MAX;

	for (int i = 0; i < spnet_nlinks; i++)
		for (int s = 0; s < 2; s++) {
			struct speaker_peer *p = spnet_links[i].p[s];
			uint64_t d;

			if (p == NULL)
				continue;
			d = session_next_timer(speaker_peer_session(p));
			if (d != 0 && d < t)
				t = d;
		}
	for (int i = 0; i < SPNET_NODES; i++)
		if (spnet_nodes[i].sp != NULL) {
			uint64_t d = speaker_next_timer(spnet_nodes[i].sp);

			if (d < t)
				t = d;
		}
	return t;
}

void
spnet_run(uint64_t ms)
{
	uint64_t until = spnet_now + ms;

	settle();
	for (int guard = 0; guard < 10000000; guard++) {
		uint64_t t = next_deadline();

		if (t > until) {
			spnet_now = until;
			settle();
			return;
		}
		if (t > spnet_now)
			spnet_now = t;
		for (int i = 0; i < spnet_nlinks; i++)
			for (int s = 0; s < 2; s++)
				if (spnet_links[i].p[s] != NULL)
					session_run_timers(speaker_peer_session(
					    spnet_links[i].p[s]), spnet_now);
		settle();
	}
	ck_abort_msg("spnet_run: time does not move");
}

void
spnet_cut(struct spnet_link *l, bool cut)
{
	l->cut = cut;
	if (!cut || !l->connected)
		return;
	l->connected = false;
	l->dir[0].len = l->dir[1].len = 0;
	for (int s = 0; s < 2; s++)
		if (l->p[s] != NULL)
			session_closed(speaker_peer_session(l->p[s]), "reset",
			    spnet_now);
	settle();
}

void
spnet_crash(int n)
{
	struct spnet_node *node = &spnet_nodes[n];

	for (int i = 0; i < spnet_nlinks; i++) {
		struct spnet_link *l = &spnet_links[i];
		int s;

		if (l->a != n && l->b != n)
			continue;
		s = side_of(l, n);
		l->want[s] = false;
		l->p[s] = NULL;
		if (l->connected) {
			l->connected = false;
			l->dir[0].len = l->dir[1].len = 0;
			session_closed(speaker_peer_session(l->p[!s]),
			    "Connection closed", spnet_now);
		}
	}
	speaker_free(node->sp);
	node->sp = NULL;
	node->down = true;
	settle();
}

void
spnet_restart(int n)
{
	struct spnet_node *node = &spnet_nodes[n];

	node->sp = new_speaker(node);
	node->down = false;
	for (int i = 0; i < spnet_nlinks; i++) {
		struct spnet_link *l = &spnet_links[i];

		if (l->a == n || l->b == n)
			add_side(l, side_of(l, n));
	}
}

const struct rib_path *
spnet_best(int n, const char *pfx)
{
	struct ip_prefix p;
	const struct rib_entry *e;

	ck_assert_int_eq(addr_pfx_parse(pfx, &p, false), 0);
	e = rib_lookup(speaker_rib(spnet_nodes[n].sp), &p);
	return e != NULL ? rib_best(e) : NULL;
}

void
spnet_originate(int n, const char *first, unsigned count, bool add)
{
	struct ip_addr a;

	ck_assert_int_eq(addr_parse(first, &a), 0);
	for (unsigned i = 0; i < count; i++) {
		struct ip_prefix p;

		addr_from_v4(&p.addr, addr_v4(&a) + i);
		p.len = 32;
		if (add)
			speaker_originate(spnet_nodes[n].sp, &p);
		else
			speaker_withdraw(spnet_nodes[n].sp, &p);
	}
}
