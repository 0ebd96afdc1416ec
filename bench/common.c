/* common: see common.h. */
#include "common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

double
bench_secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

void
bench_ev_begin(const char *name, uint64_t now)
{
	printf("{\"event\":\"%s\",\"t\":%.6f", name, bench_secs(now));
}

void
bench_ev_end(void)
{
	fputs("}\n", stdout);
}

unsigned long long
bench_num(const char *opt, const char *s, unsigned long long min,
    unsigned long long max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s == '\0' || *s == '-' || *end != '\0' || errno != 0 ||
	    v < min || v > max)
		fatalx("--%s: \"%s\" is not a number from %llu to %llu", opt,
		    s, min, max);
	return v;
}

/* a += n << shift, in the address's own width; -1 on overflow. */
int
bench_addr_add(struct ip_addr *a, uint64_t n, unsigned shift)
{
	size_t len = addr_len(a->af);
	uint8_t add[16];
	unsigned carry = 0;

	memset(add, 0, sizeof(add));
	/* Byte j of n lands on bits shift + 8j.. of the address, which
	 * straddle at most two of its bytes (counted from the last). */
	for (unsigned j = 0; j < 8; j++) {
		unsigned v = (unsigned)(n >> (8 * j)) & 0xff;
		unsigned at = shift + 8 * j, word = v << (at % 8);
		size_t byte = at / 8;

		if (v == 0)
			continue;
		if (byte >= len || (word >> 8 != 0 && byte + 1 >= len))
			return -1;
		add[len - 1 - byte] |= (uint8_t)word;
		if (word >> 8 != 0)
			add[len - 2 - byte] |= (uint8_t)(word >> 8);
	}
	for (size_t i = len; i-- > 0;) {
		unsigned sum = a->b[i] + add[i] + carry;

		a->b[i] = (uint8_t)sum;
		carry = sum >> 8;
	}
	return carry ? -1 : 0;
}
