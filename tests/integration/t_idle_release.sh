#!/bin/sh
# The buffers sized for a burst (a session's 128 KiB input buffer,
# fib's 128 KiB request batch) go back once bgpd has been idle a second,
# even when nothing else happens: after a table arrives and the peer
# falls silent (its keepalives 30 s apart), no event turns the loop,
# and bgpd kept them until the next keepalive (an RR client of a
# 1,000-node cluster: 856 instead of 968 KiB).  Under ASan RSS does not
# show it (freed memory stays in the quarantine), so the debug log does.
. "$(dirname "$0")/lib.sh"
GEN=$TOP/build/bench/gen
OBS=$TOP/build/bench/observe
[ -x "$GEN" ] && [ -x "$OBS" ] || fail "no bench tools (make bench-tools)"
N=20000

{
	y_bgpconf false 64512
	y_node dut 198.51.100.2/24
	y_peer gen "peerIP: 198.51.100.1, asNumber: 65001"
} >"$TMP/cluster.yaml"
ns gen
link gen 198.51.100.1/24
ns dut
link dut 198.51.100.2/24
bgpd_start dut "$TMP/cluster.yaml" --log-level debug
bg gen "$GEN" --connect 198.51.100.2 --local-as 65001 --peer-as 64512 \
    --prefixes "$N" --quiet >"$TMP/gen.out" 2>&1
ip netns exec "${PFX}dut" "$OBS" --until-count "$N" --proto 186 \
    --timeout 60 --quiet >"$TMP/load.out" 2>&1 ||
    fail "the table never reached the kernel: $(tail -2 "$TMP/load.out")"
# one second idle and the timer's slack; nothing else comes meanwhile
wait_for 5 "the burst buffers to go back" grep -q \
    "the burst buffers went back" "$TMP/bgpd-dut.log"
stop_bgpd dut
asan_clean
echo "PASS: $N routes in, the burst buffers went back after 1 s idle"
