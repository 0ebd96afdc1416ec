#!/bin/sh
# The prefix limit: a peer (bench/gen) that pushes 200,000 routes at a
# bgpd run with --max-prefixes 150000 gets Cease/1 (Maximum Number of
# Prefixes Reached) once it passes the limit, after a warning at 90 %;
# the session stays Idle for its restart interval and says why in
# status; the peer's routes leave the RIB and the kernel; and bgpd's
# RSS goes back to where it was before the flood.  The release build
# runs here: ASan's allocator never gives memory back.
. "$(dirname "$0")/lib.sh"
GEN=$TOP/build/bench/gen
[ -x "$GEN" ] || fail "no bench tools (make bench-tools)"
BGPD=$TOP/build/bgpd
[ -x "$BGPD" ] || fail "no release build at $BGPD (make all)"
# Enough routes to show in RSS well above the allocator's slack (the
# RIB takes some 60 octets a route: 150,000 are about 9 MB).
N=200000
MAX=150000

{
	y_bgpconf false 64512
	y_node dut 198.51.100.2/24
	y_peer gen "peerIP: 198.51.100.1, asNumber: 65001"
} >"$TMP/cluster.yaml"
ns gen
link gen 198.51.100.1/24
ns dut
link dut 198.51.100.2/24
bgpd_start dut "$TMP/cluster.yaml" --max-prefixes "$MAX"
PID=$BGPD_PID_dut

rss() {	# kB: VmRSS, or VmHWM (the peak)
	awk -v k="$1:" '$1 == k { print $2 }' "/proc/$PID/status"
}
limit() {	# the session's prefix_limit.FIELD
	peer_field dut 198.51.100.1 "prefix_limit.$1"
}
[ "$(limit max)" = "$MAX" ] || fail "status: prefix_limit.max $(limit max)"
[ "$(limit exceeded)" = 0 ] || fail "status: limit exceeded at start"
# The baseline: settled, before any route.
sleep 1
base=$(rss VmRSS)

bg gen "$GEN" --connect 198.51.100.2 --local-as 65001 --peer-as 64512 \
    --prefixes "$N" --aspath-variety 100 >"$TMP/gen.out" 2>&1
hit() { [ "$(limit exceeded)" = 1 ]; }
wait_for 60 "Cease/1 for the prefix limit" hit
grep -q '"event":"closed".*Maximum Number of Prefixes Reached' \
    "$TMP/gen.out" || fail "the peer did not get Cease/1:
$(grep closed "$TMP/gen.out")"
grep -q "198_51_100_1: [0-9]* prefixes, 90% of the limit of $MAX" \
    "$TMP/bgpd-dut.log" || fail "no warning at 90 %"
grep -q "more than $MAX prefixes (--max-prefixes): closing the session" \
    "$TMP/bgpd-dut.log" || fail "no log line for the limit"
[ "$(peer_field dut 198.51.100.1 bgp_state)" = '"Idle"' ] ||
    fail "session not Idle: $(peer_field dut 198.51.100.1 bgp_state)"
peer_field dut 198.51.100.1 info | grep -q \
    "Idle BGP Error: Maximum Number of Prefixes Reached" ||
    fail "status info: $(peer_field dut 198.51.100.1 info)"
[ "$(limit idle_seconds)" = 60 ] ||
    fail "idle interval $(limit idle_seconds), expected 60"
gone() {
	[ "$(peer_field dut 198.51.100.1 prefixes.received)" = 0 ] &&
	    [ -z "$(ip -n "${PFX}dut" route show proto 186 | head -1)" ]
}
wait_for 60 "the peer's routes to leave the RIB and the kernel" gone
peak=$(rss VmHWM)
# Give the allocator a moment, then compare with the baseline.
i=0
while [ "$i" -lt 50 ]; do
	now=$(rss VmRSS)
	[ "$now" -le $((base + 2048)) ] && break
	sleep 0.2
	i=$((i + 1))
done
echo "RSS: baseline ${base} kB, peak ${peak} kB, after ${now} kB"
[ "$peak" -gt $((base + 4096)) ] ||
    fail "the flood did not show in RSS (peak $peak kB, base $base kB)"
[ "$now" -le $((base + 2048)) ] ||
    fail "RSS did not return to the baseline: $now kB after, $base kB before"
# Still Idle within the interval: the peer reconnects every second and
# is refused.
sleep 2
[ "$(peer_field dut 198.51.100.1 bgp_state)" = '"Idle"' ] ||
    fail "the session came back inside its idle interval"
[ "$(limit exceeded)" = 1 ] || fail "more than one Cease"
stop_bgpd dut
echo "PASS: Cease/1 at $MAX of $N prefixes, RSS $base -> $peak -> $now kB"
