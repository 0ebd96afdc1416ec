/*
 * decide: the BGP decision process as a pure comparison of two paths
 * (RFC 4271 9.1.2.2, RFC 4456 9), and the test for "equally good" that
 * puts paths in one ECMP set.
 */
#ifndef BGPD_DECIDE_H
#define BGPD_DECIDE_H

#include <stdbool.h>

#include "rib.h"

#define DECIDE_DEFAULT_LOCAL_PREF	100

/* < 0: a is better, > 0: b is better, 0 only for the same path. */
int	 decide_cmp(const struct rib_path *a, const struct rib_path *b);
/* a and b tie on every step before the router-id tie-breaks. */
bool	 decide_ecmp(const struct rib_path *a, const struct rib_path *b);
/* Which step decided a against b ("local-pref", "as-path" ...). */
const char *decide_reason(const struct rib_path *a, const struct rib_path *b);

#endif
