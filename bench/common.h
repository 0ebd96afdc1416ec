/*
 * common: what the benchmark tools (gen, observe, fibload) share: their
 * JSON event lines stamped with CLOCK_MONOTONIC, number arguments, and
 * counting through an address range.
 */
#ifndef BGPD_BENCH_COMMON_H
#define BGPD_BENCH_COMMON_H

#include <stdint.h>

#include "lib/addr.h"

double	 bench_secs(uint64_t ns);
/* Start an event line: {"event":NAME,"t":SECONDS; fields follow as
 * ,"key":value; bench_ev_end() closes it. */
void	 bench_ev_begin(const char *name, uint64_t now_ns);
void	 bench_ev_end(void);
/* A decimal argument of option --opt within [min, max], or fatal. */
unsigned long long bench_num(const char *opt, const char *s,
	    unsigned long long min, unsigned long long max);
/* a += n << shift, in the address's own width; -1 on overflow. */
int	 bench_addr_add(struct ip_addr *a, uint64_t n, unsigned shift);

#endif
