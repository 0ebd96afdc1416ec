/*
 * sha256: FIPS 180-4 SHA-256 of a byte string.  Used where Calico derives
 * values by hashing (the `hash` router id: first four digest bytes of the
 * node name).
 */
#ifndef BGPD_SHA256_H
#define BGPD_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN	32

void	sha256(const void *data, size_t len, uint8_t out[SHA256_LEN]);

#endif
