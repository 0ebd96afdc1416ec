/* aspath: see aspath.h.  Segment layout: RFC 4271 4.3 and RFC 6793. */
#include "aspath.h"

#include <stdio.h>
#include <string.h>

#include "bgp.h"

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

int
aspath_verify(const uint8_t *p, size_t len, bool as4,
    struct aspath_info *info, const char **why)
{
	size_t asz = as4 ? 4 : 2, off = 0;
	struct aspath_info tmp;

	if (info == NULL)
		info = &tmp;
	memset(info, 0, sizeof(*info));
	while (off < len) {
		uint8_t type, count;

		if (len - off < 2) {
			*why = "AS_PATH has a single octet left over";
			return -1;
		}
		type = p[off];
		count = p[off + 1];
		off += 2;
		if (type < BGP_ASPATH_SET || type > BGP_ASPATH_CONFED_SET) {
			*why = "AS_PATH segment type unknown";
			return -1;
		}
		if (count == 0) {
			*why = "AS_PATH segment is empty";
			return -1;
		}
		if (len - off < (size_t)count * asz) {
			*why = "AS_PATH segment overruns the attribute";
			return -1;
		}
		for (unsigned i = 0; i < count; i++, off += asz) {
			uint32_t as = as4 ? get32(p + off) :
			    (uint32_t)(p[off] << 8 | p[off + 1]);

			if (as == 0) {
				*why = "AS_PATH contains AS 0 (RFC 7607)";
				return -1;
			}
		}
		info->nasns += count;
		if (type == BGP_ASPATH_SET || type == BGP_ASPATH_CONFED_SET)
			info->has_set = true;
		if (type == BGP_ASPATH_CONFED_SEQ ||
		    type == BGP_ASPATH_CONFED_SET)
			info->has_confed = true;
		if (type == BGP_ASPATH_SEQUENCE)
			info->length += count;
		else if (type == BGP_ASPATH_SET)
			info->length += 1;
	}
	return 0;
}

size_t
aspath_widen(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t i = 0, o = 0;

	while (i + 2 <= len) {
		uint8_t count = in[i + 1];

		out[o++] = in[i];
		out[o++] = count;
		i += 2;
		for (unsigned k = 0; k < count && i + 2 <= len; k++, i += 2) {
			put32(out + o, (uint32_t)(in[i] << 8 | in[i + 1]));
			o += 4;
		}
	}
	return o;
}

size_t
aspath_narrow(const uint8_t *in, size_t len, uint8_t *out, bool *need_as4)
{
	size_t i = 0, o = 0;

	*need_as4 = false;
	while (i + 2 <= len) {
		uint8_t count = in[i + 1];

		out[o++] = in[i];
		out[o++] = count;
		i += 2;
		for (unsigned k = 0; k < count && i + 4 <= len; k++, i += 4) {
			uint32_t as = get32(in + i);

			if (as > 0xffff) {
				as = BGP_AS_TRANS;
				*need_as4 = true;
			}
			out[o++] = as >> 8;
			out[o++] = as & 0xff;
		}
	}
	return o;
}

size_t
aspath_strip_confed(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t i = 0, o = 0;

	while (i + 2 <= len) {
		size_t seg = 2 + (size_t)in[i + 1] * 4;

		if (in[i] != BGP_ASPATH_CONFED_SEQ &&
		    in[i] != BGP_ASPATH_CONFED_SET) {
			memcpy(out + o, in + i, seg);
			o += seg;
		}
		i += seg;
	}
	return o;
}

unsigned
aspath_length(const uint8_t *p, size_t len)
{
	unsigned n = 0;

	for (size_t i = 0; i + 2 <= len; i += 2 + (size_t)p[i + 1] * 4) {
		if (p[i] == BGP_ASPATH_SEQUENCE)
			n += p[i + 1];
		else if (p[i] == BGP_ASPATH_SET)
			n += 1;
	}
	return n;
}

/*
 * RFC 6793 4.2.3: when AS_PATH has N more ASes than AS4_PATH, the first N
 * of AS_PATH (counted as for path length) are kept and AS4_PATH follows.
 */
size_t
aspath_merge_as4(const uint8_t *path, size_t len, const uint8_t *as4,
    size_t len4, uint8_t *out)
{
	unsigned n1 = aspath_length(path, len), n4 = aspath_length(as4, len4);
	unsigned keep;
	size_t i = 0, o = 0;

	if (n1 < n4) {
		memcpy(out, path, len);
		return len;
	}
	keep = n1 - n4;
	while (i + 2 <= len && keep > 0) {
		uint8_t type = path[i], count = path[i + 1];
		size_t seg = 2 + (size_t)count * 4;

		if (type == BGP_ASPATH_SEQUENCE) {
			uint8_t take = count < keep ? count : (uint8_t)keep;

			out[o++] = type;
			out[o++] = take;
			memcpy(out + o, path + i + 2, (size_t)take * 4);
			o += (size_t)take * 4;
			keep -= take;
		} else {
			/* A SET counts one; confed segments count none. */
			memcpy(out + o, path + i, seg);
			o += seg;
			if (type == BGP_ASPATH_SET)
				keep--;
		}
		i += seg;
	}
	memcpy(out + o, as4, len4);
	return o + len4;
}

unsigned
aspath_count_as(const uint8_t *p, size_t len, uint32_t asn)
{
	unsigned n = 0;

	for (size_t i = 0; i + 2 <= len;) {
		uint8_t count = p[i + 1];

		i += 2;
		for (unsigned k = 0; k < count && i + 4 <= len; k++, i += 4)
			n += get32(p + i) == asn;
	}
	return n;
}

uint32_t
aspath_first_as(const uint8_t *p, size_t len)
{
	if (len < 6 || p[0] != BGP_ASPATH_SEQUENCE)
		return 0;
	return get32(p + 2);
}

uint32_t
aspath_origin_as(const uint8_t *p, size_t len)
{
	uint32_t last = 0;

	for (size_t i = 0; i + 2 <= len;) {
		uint8_t count = p[i + 1];

		i += 2;
		for (unsigned k = 0; k < count && i + 4 <= len; k++, i += 4)
			last = get32(p + i);
	}
	return last;
}

size_t
aspath_prepend(const uint8_t *in, size_t len, uint32_t asn, unsigned times,
    uint8_t *out)
{
	size_t o = 0, i = 0;

	if (times == 0) {
		memcpy(out, in, len);
		return len;
	}
	/* Grow the leading AS_SEQUENCE while it has room (255 ASes). */
	if (len >= 2 && in[0] == BGP_ASPATH_SEQUENCE &&
	    in[1] + times <= 255) {
		out[o++] = BGP_ASPATH_SEQUENCE;
		out[o++] = (uint8_t)(in[1] + times);
		i = 2;
	} else {
		while (times > 255) {
			out[o++] = BGP_ASPATH_SEQUENCE;
			out[o++] = 255;
			for (unsigned k = 0; k < 255; k++, o += 4)
				put32(out + o, asn);
			times -= 255;
		}
		out[o++] = BGP_ASPATH_SEQUENCE;
		out[o++] = (uint8_t)times;
	}
	for (unsigned k = 0; k < times; k++, o += 4)
		put32(out + o, asn);
	memcpy(out + o, in + i, len - i);
	return o + len - i;
}

const char *
aspath_format(const uint8_t *p, size_t len, char *buf, size_t size)
{
	static const char open[] = { 0, '{', 0, '(', '[' };
	static const char close[] = { 0, '}', 0, ')', ']' };
	size_t off = 0;
	int n;

	buf[0] = '\0';
	for (size_t i = 0; i + 2 <= len;) {
		uint8_t type = p[i], count = p[i + 1];

		i += 2;
		if (type > BGP_ASPATH_CONFED_SET)
			type = BGP_ASPATH_SEQUENCE;
		n = snprintf(buf + off, size - off, "%s%.*s", off ? " " : "",
		    open[type] ? 1 : 0, &open[type]);
		if (n < 0 || (size_t)n >= size - off)
			goto full;
		off += (size_t)n;
		for (unsigned k = 0; k < count && i + 4 <= len; k++, i += 4) {
			n = snprintf(buf + off, size - off, "%s%u",
			    k == 0 ? "" : (type == BGP_ASPATH_SET ||
			    type == BGP_ASPATH_CONFED_SET) ? "," : " ",
			    get32(p + i));
			if (n < 0 || (size_t)n >= size - off)
				goto full;
			off += (size_t)n;
		}
		if (close[type]) {
			if (off + 2 > size)
				goto full;
			buf[off++] = close[type];
			buf[off] = '\0';
		}
	}
	return buf;
full:
	if (size >= 4)
		memcpy(buf + size - 4, "...", 4);
	return buf;
}
