/*
 * values: the scalar syntaxes of Calico resources (CALICO.md 1.2, 2, 7):
 * AS numbers (plain or asdot), Go durations, peerIP with an optional port,
 * BGP communities and resource names.  Pure functions, no diagnostics: the
 * caller turns a failure into a located message.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

/* Decimal digits only (Go strconv.ParseUint base 10); leading zeros ok. */
static int
parse_udec(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

int
config_asn_parse(const char *s, uint32_t *out)
{
	const char *dot = strchr(s, '.');
	uint64_t hi, lo;

	if (dot == NULL) {
		if (parse_udec(s, strlen(s), UINT32_MAX, &lo) != 0)
			return -1;
		*out = (uint32_t)lo;
		return 0;
	}
	/* asdot X.Y: exactly one dot, both halves 16-bit. */
	if (strchr(dot + 1, '.') != NULL ||
	    parse_udec(s, (size_t)(dot - s), UINT16_MAX, &hi) != 0 ||
	    parse_udec(dot + 1, strlen(dot + 1), UINT16_MAX, &lo) != 0)
		return -1;
	*out = (uint32_t)(hi << 16 | lo);
	return 0;
}

/* Go's time.ParseDuration units, in nanoseconds. */
static uint64_t
duration_unit(const char *s, size_t *ulen)
{
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 },
		{ "\xce\xbcs", 1000 }, { "ms", 1000000 },
		{ "s", 1000000000ULL }, { "m", 60000000000ULL },
		{ "h", 3600000000000ULL },
	};
	size_t n = 0;

	/* The unit runs until the next digit or '.'. */
	while (s[n] != '\0' && s[n] != '.' && (s[n] < '0' || s[n] > '9'))
		n++;
	*ulen = n;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strlen(units[i].name) == n &&
		    memcmp(units[i].name, s, n) == 0)
			return units[i].ns;
	}
	return 0;
}

/*
 * [0-9]*(\.[0-9]*)?unit repeated, e.g. "1h2m3.5s"; "0" alone is zero.
 * Negative durations are refused: every Calico duration is a time to wait.
 */
int
config_duration_parse(const char *s, uint32_t *seconds)
{
	const uint64_t max_ns = INT64_MAX;
	uint64_t total = 0;

	if (strcmp(s, "0") == 0) {
		*seconds = 0;
		return 0;
	}
	if (*s == '+')
		s++;
	if (*s == '\0')
		return -1;
	while (*s != '\0') {
		uint64_t ip = 0, fp = 0, scale = 1, unit, add;
		bool digits = false;
		size_t ulen;

		for (; *s >= '0' && *s <= '9'; s++, digits = true) {
			if (ip > (max_ns - 9) / 10)
				return -1;
			ip = ip * 10 + (uint64_t)(*s - '0');
		}
		if (*s == '.') {
			for (s++; *s >= '0' && *s <= '9'; s++, digits = true) {
				if (scale < 1000000000000000000ULL) {
					fp = fp * 10 + (uint64_t)(*s - '0');
					scale *= 10;
				}
			}
		}
		if (!digits)
			return -1;
		unit = duration_unit(s, &ulen);
		if (unit == 0)
			return -1;
		s += ulen;
		if (ip > max_ns / unit)
			return -1;
		/* fp/scale < 1, so fp * (unit/scale) cannot overflow much. */
		add = ip * unit + (uint64_t)((long double)fp * unit / scale);
		if (add > max_ns - total)
			return -1;
		total += add;
	}
	/* math.Round: halves away from zero. */
	total = (total + 500000000ULL) / 1000000000ULL;
	if (total > UINT32_MAX)
		return -1;
	*seconds = (uint32_t)total;
	return 0;
}

/* Port: decimal, 1..65535 (Calico: base-10 uint16, must be >= 1). */
static int
parse_port(const char *s, uint16_t *port)
{
	uint64_t v;

	if (parse_udec(s, strlen(s), UINT16_MAX, &v) != 0 || v == 0)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static bool
is_v4_with_port(const char *s)
{
	/* ^(\d+).(\d+).(\d+).(\d+):(\d+)$ (the dots match any character) */
	int groups = 0;

	while (groups < 5) {
		if (!isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s))
			s++;
		groups++;
		if (groups == 5)
			return *s == '\0';
		if (*s == '\0')
			return false;
		if (groups == 4 && *s != ':')
			return false;
		s++;
	}
	return false;
}

int
config_peerip_parse(const char *s, struct ip_addr *ip, uint16_t *port,
    const char **why)
{
	char host[ADDR_STRLEN + 3];
	const char *colon;
	size_t hlen;

	*port = 0;
	*why = "not an IP address";
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':') {
			*why = "expected [IPv6]:port";
			return -1;
		}
		hlen = (size_t)(close - s - 1);
		if (hlen == 0 || hlen >= sizeof(host)) {
			*why = "missing address in brackets";
			return -1;
		}
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		if (strspn(host, "0123456789abcdefABCDEF:.") != hlen ||
		    addr_parse(host, ip) != 0) {
			*why = "not an IP address in brackets";
			return -1;
		}
		if (parse_port(close + 2, port) != 0) {
			*why = "port must be a number from 1 to 65535";
			return -1;
		}
		return 0;
	}
	if (is_v4_with_port(s)) {
		colon = strrchr(s, ':');
		hlen = (size_t)(colon - s);
		if (hlen >= sizeof(host))
			return -1;
		memcpy(host, s, hlen);
		host[hlen] = '\0';
		if (addr_parse(host, ip) != 0 || ip->af != AF_INET)
			return -1;
		if (parse_port(colon + 1, port) != 0) {
			*why = "port must be a number from 1 to 65535";
			return -1;
		}
		return 0;
	}
	if (addr_parse(s, ip) != 0) {
		size_t len = strlen(s);

		if (len > 0 && s[len - 1] == ':')
			*why = "no port after ':'";
		else if (s[0] == ':' && strchr(s + 1, ':') == NULL)
			*why = "no address before ':port'";
		return -1;
	}
	return 0;
}

int
config_community_parse(const char *s, struct config_community *c)
{
	const char *p1 = strchr(s, ':'), *p2;
	uint64_t a, b, v;

	memset(c, 0, sizeof(*c));
	if (p1 == NULL)
		return -1;
	p2 = strchr(p1 + 1, ':');
	if (p2 == NULL) {
		if (parse_udec(s, (size_t)(p1 - s), UINT16_MAX, &a) != 0 ||
		    parse_udec(p1 + 1, strlen(p1 + 1), UINT16_MAX, &b) != 0)
			return -1;
		c->a = (uint32_t)a;
		c->b = (uint32_t)b;
		return 0;
	}
	if (parse_udec(s, (size_t)(p1 - s), UINT32_MAX, &a) != 0 ||
	    parse_udec(p1 + 1, (size_t)(p2 - p1 - 1), UINT32_MAX, &b) != 0 ||
	    parse_udec(p2 + 1, strlen(p2 + 1), UINT32_MAX, &v) != 0)
		return -1;
	c->large = true;
	c->a = (uint32_t)a;
	c->b = (uint32_t)b;
	c->c = (uint32_t)v;
	return 0;
}

bool
config_name_valid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > CONFIG_MAX_NAME)
		return false;
	if (!isalnum((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[len - 1]))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && c != '.' && c != '-' && c != '_')
			return false;
	}
	return true;
}
