#!/bin/sh
# t_gr_frr_young.sh long after FRR's start: bgpd is restarted (kill -9,
# SIGTERM) once FRR's startup timer has run out and FRR no longer sets
# the R bit.  FRR 8.4's timer is 120 s whatever restart time its config
# gives, so this test takes about 2.5 minutes (run.sh starts it first).
# The same verdict: 0 pings lost, no route deleted in any namespace.
GR_OLD=1 exec sh "$(dirname "$0")/t_gr_frr_young.sh"
