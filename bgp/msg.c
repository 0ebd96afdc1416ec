/*
 * msg: see msg.h.  OPEN checks follow RFC 4271 6.2; checks that need the
 * configuration (peer AS, BGP identifier collisions, hold time policy)
 * belong to the session.
 */
#include "msg.h"

#include <string.h>

static void
err_set(struct bgp_err *e, uint8_t code, uint8_t sub, const uint8_t *data,
    size_t len, const char *why)
{
	bgp_err_set(e, BGP_ACT_RESET, code, sub, 0, data, len, why);
}

int
msg_hdr_check(const uint8_t p[BGP_HDR_LEN], size_t max, struct msg_hdr *h,
    struct bgp_err *err)
{
	static const uint16_t minlen[] = {
		[BGP_MSG_OPEN] = 29, [BGP_MSG_UPDATE] = 23,
		[BGP_MSG_NOTIFICATION] = 21, [BGP_MSG_KEEPALIVE] = 19,
		[BGP_MSG_ROUTE_REFRESH] = 23,
	};

	for (int i = 0; i < BGP_MARKER_LEN; i++) {
		if (p[i] != 0xff) {
			err_set(err, BGP_ERR_HEADER, BGP_HDR_SYNC, NULL, 0,
			    "marker is not all ones");
			return -1;
		}
	}
	h->len = (uint16_t)(p[16] << 8 | p[17]);
	h->type = p[18];
	if (h->type < BGP_MSG_OPEN || h->type > BGP_MSG_ROUTE_REFRESH) {
		err_set(err, BGP_ERR_HEADER, BGP_HDR_TYPE, p + 18, 1,
		    "unknown message type");
		return -1;
	}
	/* RFC 8654: an OPEN is never larger than 4096 octets. */
	if (h->type == BGP_MSG_OPEN && max > BGP_MAX_MSG)
		max = BGP_MAX_MSG;
	if (h->len < minlen[h->type] || h->len > max ||
	    (h->type == BGP_MSG_KEEPALIVE && h->len != BGP_HDR_LEN)) {
		err_set(err, BGP_ERR_HEADER, BGP_HDR_LENGTH, p + 16, 2,
		    "message length invalid for its type");
		return -1;
	}
	return 0;
}

size_t
msg_begin(struct buf_wr *w, uint8_t type)
{
	size_t start = w->len;
	uint8_t marker[BGP_MARKER_LEN];

	memset(marker, 0xff, sizeof(marker));
	buf_put_bytes(w, marker, sizeof(marker));
	buf_put_u16(w, 0);
	buf_put_u8(w, type);
	return start;
}

void
msg_end(struct buf_wr *w, size_t start)
{
	if (!w->overflow)
		buf_set_u16_at(w, start + BGP_MARKER_LEN,
		    (uint16_t)(w->len - start));
}

void
msg_keepalive_encode(struct buf_wr *w)
{
	msg_end(w, msg_begin(w, BGP_MSG_KEEPALIVE));
}

/* ---- capabilities ---- */

static int
af_list(struct buf_rd *r, size_t each, struct msg_af *v, size_t *n)
{
	while (buf_left(r) > 0) {
		struct msg_af af;
		uint8_t b[3] = { 0, 0, 0 };

		memset(&af, 0, sizeof(af));
		if (buf_left(r) < each || buf_get_u16(r, &af.afi) != 0 ||
		    buf_get_u8(r, &af.safi) != 0 ||
		    buf_get_u8(r, &af.flags) != 0)
			return -1;
		if (each == 7) {	/* LLGR: 24-bit stale time */
			buf_get_bytes(r, b, 3);
			af.stale = (uint32_t)b[0] << 16 | (uint32_t)b[1] << 8 |
			    b[2];
		}
		if (*n < MSG_MAX_AFS)
			v[(*n)++] = af;
	}
	return 0;
}

/* One capability (code, value); -1 if its value is malformed. */
static int
cap_one(struct msg_caps *c, uint8_t code, struct buf_rd *v)
{
	uint16_t u16;
	uint8_t u8;
	size_t len = buf_left(v);

	switch (code) {
	case BGP_CAP_MP:
		if (len != 4)
			return -1;
		if (c->nmp < MSG_MAX_AFS) {
			struct msg_af *af = &c->mp[c->nmp++];

			memset(af, 0, sizeof(*af));
			buf_get_u16(v, &af->afi);
			buf_skip(v, 1);
			buf_get_u8(v, &af->safi);
		}
		return 0;
	case BGP_CAP_RR:
	case BGP_CAP_RR_OLD:
		c->route_refresh = true;
		return 0;
	case BGP_CAP_ERR:
		c->enhanced_rr = true;
		return 0;
	case BGP_CAP_EXTMSG:
		c->ext_msg = len == 0;
		return len == 0 ? 0 : -1;
	case BGP_CAP_EXTNH:
		c->ext_nexthop = true;
		return len % 6 == 0 ? 0 : -1;
	case BGP_CAP_AS4:
		if (len != 4)
			return -1;
		c->as4 = true;
		return buf_get_u32(v, &c->as4_value);
	case BGP_CAP_GR:
		if (len < 2 || (len - 2) % 4 != 0)
			return -1;
		buf_get_u16(v, &u16);
		c->gr = true;
		c->gr_flags = (uint8_t)(u16 >> 12);
		c->gr_time = u16 & 0x0fff;
		return af_list(v, 4, c->gr_afs, &c->ngr_afs);
	case BGP_CAP_LLGR:
		if (len % 7 != 0)
			return -1;
		c->llgr = true;
		return af_list(v, 7, c->llgr_afs, &c->nllgr_afs);
	case BGP_CAP_ADDPATH:
		if (len % 4 != 0)
			return -1;
		u16 = (uint16_t)c->naddpath_afs;
		af_list(v, 4, c->addpath_afs, &c->naddpath_afs);
		/* RFC 7911 4: a Send/Receive value other than 1, 2 or 3
		 * makes the capability one we do not understand. */
		for (size_t i = u16; i < c->naddpath_afs; i++) {
			if (c->addpath_afs[i].flags < MSG_ADDPATH_RX ||
			    c->addpath_afs[i].flags > (MSG_ADDPATH_RX |
			    MSG_ADDPATH_TX)) {
				c->addpath = false;
				c->naddpath_afs = 0;
				if (c->nunknown < MSG_MAX_UNKNOWN_CAPS)
					c->unknown[c->nunknown++] = code;
				return 0;
			}
		}
		c->addpath = true;
		return 0;
	case BGP_CAP_FQDN:
		if (buf_get_u8(v, &u8) != 0 || buf_left(v) < u8)
			return -1;
		c->fqdn = true;
		c->hostname_len = u8 < sizeof(c->hostname) ? u8 :
		    (uint8_t)sizeof(c->hostname);
		buf_get_bytes(v, c->hostname, c->hostname_len);
		return 0;
	default:
		if (c->nunknown < MSG_MAX_UNKNOWN_CAPS)
			c->unknown[c->nunknown++] = code;
		return 0;
	}
}

static int
caps_decode(struct buf_rd *r, struct msg_caps *c, struct bgp_err *err)
{
	c->any = true;
	while (buf_left(r) > 0) {
		uint8_t code, len;
		struct buf_rd v;

		if (buf_get_u8(r, &code) != 0 || buf_get_u8(r, &len) != 0 ||
		    buf_get_view(r, len, &v) != 0) {
			err_set(err, BGP_ERR_OPEN, BGP_OPEN_UNSPEC, NULL, 0,
			    "capability overruns its parameter");
			return -1;
		}
		if (cap_one(c, code, &v) != 0) {
			err_set(err, BGP_ERR_OPEN, BGP_OPEN_UNSPEC, NULL, 0,
			    "capability value malformed");
			return -1;
		}
	}
	return 0;
}

int
msg_open_decode(const uint8_t *body, size_t len, struct msg_open *o,
    struct bgp_err *err)
{
	static const uint8_t version[2] = { 0, BGP_VERSION };
	struct buf_rd r, params;
	uint8_t optlen8, first;
	uint16_t optlen;
	bool ext = false;

	memset(o, 0, sizeof(*o));
	buf_rd_init(&r, body, len);
	if (buf_get_u8(&r, &o->version) || buf_get_u16(&r, &o->my_as) ||
	    buf_get_u16(&r, &o->hold_time) || buf_get_u32(&r, &o->bgp_id) ||
	    buf_get_u8(&r, &optlen8)) {
		err_set(err, BGP_ERR_HEADER, BGP_HDR_LENGTH, NULL, 0,
		    "OPEN too short");
		return -1;
	}
	if (o->version != BGP_VERSION) {
		err_set(err, BGP_ERR_OPEN, BGP_OPEN_VERSION, version, 2,
		    "unsupported BGP version");
		return -1;
	}
	if (o->hold_time != 0 && o->hold_time < BGP_MIN_HOLD) {
		err_set(err, BGP_ERR_OPEN, BGP_OPEN_HOLDTIME, NULL, 0,
		    "hold time 1 or 2 seconds");
		return -1;
	}
	if (o->bgp_id == 0) {
		err_set(err, BGP_ERR_OPEN, BGP_OPEN_BGPID, NULL, 0,
		    "BGP identifier is 0");
		return -1;
	}
	optlen = optlen8;
	/* RFC 9072: length 255 and type 255 mean 2-octet lengths follow. */
	if (optlen8 == 255 && buf_peek_u8(&r, &first) == 0 && first == 255) {
		buf_skip(&r, 1);
		if (buf_get_u16(&r, &optlen) != 0)
			goto badlen;
		ext = true;
	}
	if (buf_get_view(&r, optlen, &params) != 0 || buf_left(&r) != 0)
		goto badlen;
	while (buf_left(&params) > 0) {
		uint8_t type, l8;
		uint16_t plen;
		struct buf_rd p;

		if (buf_get_u8(&params, &type) != 0 || (ext ?
		    buf_get_u16(&params, &plen) : (buf_get_u8(&params, &l8) ||
		    (plen = l8, 0))) || buf_get_view(&params, plen, &p) != 0)
			goto badlen;
		if (type != BGP_OPT_CAPA) {
			err_set(err, BGP_ERR_OPEN, BGP_OPEN_OPTPARAM, NULL, 0,
			    "unsupported optional parameter");
			return -1;
		}
		if (caps_decode(&p, &o->caps, err) != 0)
			return -1;
	}
	return 0;
badlen:
	err_set(err, BGP_ERR_OPEN, BGP_OPEN_UNSPEC, NULL, 0,
	    "optional parameters length does not match the message");
	return -1;
}

static void
cap_af_list(struct buf_wr *w, uint8_t code, const struct msg_af *v,
    size_t n, size_t each, const uint8_t *head, size_t headlen)
{
	buf_put_u8(w, code);
	buf_put_u8(w, (uint8_t)(headlen + n * each));
	buf_put_bytes(w, head, headlen);
	for (size_t i = 0; i < n; i++) {
		buf_put_u16(w, v[i].afi);
		buf_put_u8(w, v[i].safi);
		buf_put_u8(w, v[i].flags);
		if (each == 7) {
			buf_put_u8(w, (uint8_t)(v[i].stale >> 16));
			buf_put_u16(w, (uint16_t)v[i].stale);
		}
	}
}

static void
caps_encode(struct buf_wr *w, const struct msg_caps *c)
{
	for (size_t i = 0; i < c->nmp; i++) {
		uint8_t v[6] = { BGP_CAP_MP, 4, c->mp[i].afi >> 8,
		    c->mp[i].afi & 0xff, 0, c->mp[i].safi };

		buf_put_bytes(w, v, sizeof(v));
	}
	if (c->route_refresh)
		buf_put_bytes(w, (uint8_t[]){ BGP_CAP_RR, 0 }, 2);
	if (c->enhanced_rr)
		buf_put_bytes(w, (uint8_t[]){ BGP_CAP_ERR, 0 }, 2);
	if (c->ext_msg)
		buf_put_bytes(w, (uint8_t[]){ BGP_CAP_EXTMSG, 0 }, 2);
	if (c->as4) {
		buf_put_bytes(w, (uint8_t[]){ BGP_CAP_AS4, 4 }, 2);
		buf_put_u32(w, c->as4_value);
	}
	if (c->gr) {
		uint16_t v = (uint16_t)(c->gr_flags << 12 |
		    (c->gr_time & 0x0fff));
		uint8_t head[2] = { v >> 8, v & 0xff };

		cap_af_list(w, BGP_CAP_GR, c->gr_afs, c->ngr_afs, 4, head, 2);
	}
	if (c->llgr)
		cap_af_list(w, BGP_CAP_LLGR, c->llgr_afs, c->nllgr_afs, 7,
		    NULL, 0);
	if (c->addpath)
		cap_af_list(w, BGP_CAP_ADDPATH, c->addpath_afs,
		    c->naddpath_afs, 4, NULL, 0);
	if (c->fqdn) {
		buf_put_u8(w, BGP_CAP_FQDN);
		buf_put_u8(w, (uint8_t)(c->hostname_len + 2));
		buf_put_u8(w, c->hostname_len);
		buf_put_bytes(w, c->hostname, c->hostname_len);
		buf_put_u8(w, 0);	/* no domain name */
	}
}

void
msg_open_encode(struct buf_wr *w, const struct msg_open *o)
{
	size_t start = msg_begin(w, BGP_MSG_OPEN), optoff, capoff;

	buf_put_u8(w, BGP_VERSION);
	buf_put_u16(w, o->my_as);
	buf_put_u16(w, o->hold_time);
	buf_put_u32(w, o->bgp_id);
	optoff = w->len;
	buf_put_u8(w, 0);
	/* One capabilities parameter holding every capability. */
	buf_put_u8(w, BGP_OPT_CAPA);
	capoff = w->len;
	buf_put_u8(w, 0);
	caps_encode(w, &o->caps);
	if (!w->overflow) {
		buf_set_u8_at(w, capoff, (uint8_t)(w->len - capoff - 1));
		buf_set_u8_at(w, optoff, (uint8_t)(w->len - optoff - 1));
	}
	msg_end(w, start);
}

const struct msg_af *
msg_caps_find(const struct msg_af *v, size_t n, uint16_t afi, uint8_t safi)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i].afi == afi && v[i].safi == safi)
			return &v[i];
	}
	return NULL;
}

bool
msg_caps_has_af(const struct msg_caps *c, uint16_t afi, uint8_t safi)
{
	/* RFC 4760 8: without multiprotocol capabilities, IPv4 unicast. */
	if (c->nmp == 0)
		return afi == BGP_AFI_IPV4 && safi == BGP_SAFI_UNICAST;
	return msg_caps_find(c->mp, c->nmp, afi, safi) != NULL;
}

uint8_t
msg_addpath_neg(const struct msg_caps *ours, const struct msg_caps *theirs,
    uint16_t afi, uint8_t safi)
{
	const struct msg_af *a, *b;
	uint8_t r = 0;

	if (!ours->addpath || !theirs->addpath ||
	    (a = msg_caps_find(ours->addpath_afs, ours->naddpath_afs, afi,
	    safi)) == NULL ||
	    (b = msg_caps_find(theirs->addpath_afs, theirs->naddpath_afs, afi,
	    safi)) == NULL)
		return 0;
	/* RFC 7911 4: receive if we can and they send; send if we can
	 * and they receive. */
	if ((a->flags & MSG_ADDPATH_RX) && (b->flags & MSG_ADDPATH_TX))
		r |= MSG_ADDPATH_RX;
	if ((a->flags & MSG_ADDPATH_TX) && (b->flags & MSG_ADDPATH_RX))
		r |= MSG_ADDPATH_TX;
	return r;
}

/* ---- NOTIFICATION ---- */

bool
msg_utf8_valid(const uint8_t *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t c = s[i];
		size_t n;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 2, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 3, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 4, cp = c & 0x07;
		else
			return false;
		if (len - i < n)
			return false;
		for (size_t k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		i += n;
	}
	return true;
}

int
msg_notification_decode(const uint8_t *body, size_t len,
    struct msg_notification *n)
{
	memset(n, 0, sizeof(*n));
	if (len < 2)
		return -1;
	n->code = body[0];
	n->subcode = body[1];
	n->data = body + 2;
	n->data_len = len - 2;
	/* RFC 9003: a length octet and UTF-8; errors are only logged. */
	if (n->code == BGP_ERR_CEASE && (n->subcode == BGP_CEASE_SHUTDOWN ||
	    n->subcode == BGP_CEASE_RESET) && n->data_len > 0) {
		size_t tl = n->data[0];

		if (tl + 1 > n->data_len) {
			n->text_bad = true;
			tl = n->data_len - 1;
		}
		n->text = n->data + 1;
		n->text_len = tl;
		if (!msg_utf8_valid(n->text, tl))
			n->text_bad = true;
	}
	return 0;
}

void
msg_notification_encode(struct buf_wr *w, uint8_t code, uint8_t subcode,
    const void *data, size_t len)
{
	size_t start = msg_begin(w, BGP_MSG_NOTIFICATION);

	buf_put_u8(w, code);
	buf_put_u8(w, subcode);
	/* The data must fit the message: cut what does not. */
	if (len > BGP_MAX_MSG - 21)
		len = BGP_MAX_MSG - 21;
	buf_put_bytes(w, data, len);
	msg_end(w, start);
}

void
msg_notification_shutdown(struct buf_wr *w, uint8_t subcode,
    const char *text)
{
	uint8_t buf[129];
	size_t len = strlen(text);

	if (len > 128) {
		len = 128;
		/* Back off to a character boundary. */
		while (len > 0 && ((uint8_t)text[len] & 0xc0) == 0x80)
			len--;
	}
	buf[0] = (uint8_t)len;
	memcpy(buf + 1, text, len);
	msg_notification_encode(w, BGP_ERR_CEASE, subcode, buf, len + 1);
}

/* ---- ROUTE-REFRESH ---- */

int
msg_rrefresh_decode(const uint8_t *body, size_t len, struct msg_rrefresh *r,
    struct bgp_err *err)
{
	if (len != 4) {
		err_set(err, BGP_ERR_RREFRESH, BGP_RR_BAD_LENGTH, NULL, 0,
		    "ROUTE-REFRESH length is not 23");
		return -1;
	}
	r->afi = (uint16_t)(body[0] << 8 | body[1]);
	r->subtype = body[2];
	r->safi = body[3];
	return 0;
}

void
msg_rrefresh_encode(struct buf_wr *w, uint16_t afi, uint8_t subtype,
    uint8_t safi)
{
	size_t start = msg_begin(w, BGP_MSG_ROUTE_REFRESH);

	buf_put_u16(w, afi);
	buf_put_u8(w, subtype);
	buf_put_u8(w, safi);
	msg_end(w, start);
}
