#!/bin/sh
# t_gr_bird.sh right after BIRD's own graceful restart (R and F set,
# nothing sent until its recovery ends): bgpd restarted by kill -9.
GR_BIRD=kill exec sh "$(dirname "$0")/t_gr_bird.sh"
