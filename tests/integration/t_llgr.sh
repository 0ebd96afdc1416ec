#!/bin/sh
# Long-lived graceful restart, helper side (RFC 9494).  bgpd peers with
# three BIRDs: r (restart time 4 s, long-lived stale time 16 s), y (LLGR
# aware, BIRD's default) and x (LLGR off).  r's BGPPeer has
# maxRestartTime 30s: r must see 30 s as bgpd's restart time, and bgpd's
# LLGR capability.  r is killed with SIGKILL (its kernel routes stay, so
# a pod behind bgpd can still reach an address behind r):
#  - for r's 4 s bgpd keeps r's route as plain graceful restart;
#  - then it is kept long-lived: tagged LLGR_STALE (65535:6), still in
#    the kernel, still carrying pings; y gets it with the tag, x (no
#    LLGR) gets a withdrawal;
#  - 16 s after that (never earlier) it goes: from bgpd, its kernel, y.
. "$(dirname "$0")/lib.sh"
command -v bird >/dev/null || skip "bird2 not installed"
LLST=16

{
	y_bgpconf false 64512
	y_node node 198.51.100.1/24
	y_pool pods 100.64.0.0/16
	# r's routes transit bgpd to x and y only inside a pool.
	y_pool remote 100.72.0.0/16
	y_block b1 100.64.1.0/26 node
	y_peer r "peerIP: 198.51.100.2, asNumber: 65010, maxRestartTime: 30s"
	y_peer x "peerIP: 198.51.100.3, asNumber: 65030"
	y_peer y "peerIP: 198.51.100.4, asNumber: 65040"
} >"$TMP/cluster.yaml"

# bird_conf NAME N AS OPTIONS: BIRD NAME at 198.51.100.N.
bird_conf() {
	cat >"$TMP/bird-$1.conf" <<BIRD
router id 198.51.100.$2;
log "$TMP/bird-$1.log" all;
protocol device {}
protocol static { ipv4; route 100.7$2.0.0/24 blackhole; }
protocol kernel { ipv4 { export where source = RTS_BGP; }; }
protocol bgp n {
	local 198.51.100.$2 as $3;
	neighbor 198.51.100.1 as 64512;
	connect retry time 1;
	$4
	ipv4 { import all; export where source = RTS_STATIC; };
}
BIRD
}
bird_conf r 2 65010 "graceful restart on; graceful restart time 4;
	long lived graceful restart on; long lived stale time $LLST;"
bird_conf x 3 65030 "long lived graceful restart off;"
bird_conf y 4 65040 ""

ns node
link node 198.51.100.1/24
for b in r:2 x:3 y:4; do
	ns "${b%:*}"
	link "${b%:*}" "198.51.100.${b#*:}/24"
done
ip -n "${PFX}r" addr add 100.72.0.1/32 dev lo
pod node pa 100.64.1.2
for b in r x y; do
	bg "$b" bird -f -c "$TMP/bird-$b.conf" -s "$TMP/bird-$b.ctl"
	eval "BIRD_$b=\$LAST_PID"
done
bgpd_start node "$TMP/cluster.yaml"
wait_for 30 "bgpd's three sessions" all_established node 3
birdc() {
	local b="$1"
	shift
	command birdc -s "$TMP/bird-$b.ctl" "$@"
}
# BIRD b's route to 100.72.0.0/24 (r's), all attributes; empty: none.
r_route() { birdc "$1" show route 100.72.0.0/24 all | sed 1,2d; }
has_r() { r_route "$1" | grep -q "100.72.0.0/24"; }
no_r() { ! has_r "$1"; }
wait_for 20 "r's route in bgpd's kernel" kroute node 100.72.0.0/24 \
    "via 198.51.100.2"
wait_for 10 "r's route at y" has_r y
wait_for 10 "r's route at x" has_r x
wait_for 10 "pings to r" pod_ping pa 100.72.0.1

# What r saw in bgpd's OPEN: maxRestartTime as the restart time, LLGR.
birdc r show protocols all n >"$TMP/r-proto.txt"
python3 - "$TMP/r-proto.txt" <<'PY' || fail "r: bgpd's OPEN"
import sys
t = open(sys.argv[1]).read()
nb = t.split("Neighbor capabilities")[1].split("Session:")[0]
assert "Restart time: 30" in nb, nb
assert "Long-lived graceful restart" in nb, nb
PY
# gr KEY: that field of `bgpd peer` (JSON) for r's session.
gr() {
	bgpctl node peer Global_198_51_100_2 --json | python3 -c '
import json, sys
print(json.dumps(json.load(sys.stdin)["graceful_restart"][sys.argv[1]]))' "$1"
}
[ "$(gr peer_llgr_time)" = "$LLST" ] || fail "bgpd did not take r's long-lived stale time"

kill -KILL "$BIRD_r"
wait "$BIRD_r" 2>/dev/null
LOG="$TMP/bgpd-node.log"
wait_for 10 "bgpd to keep r's route" grep -q \
    "keeping its routes (1) for up to 4s (graceful restart, then long-lived)" \
    "$LOG"
comms() { route_field node 100.72.0.0/24 communities; }
llgr_stale() { comms | grep -q '"65535:6"'; }
wait_for 20 "r's route long-lived stale in bgpd" llgr_stale
# Past r's restart time, and usable.
kroute node 100.72.0.0/24 "via 198.51.100.2" ||
    fail "the long-lived stale route left the kernel"
pod_ping pa 100.72.0.1 || pod_ping pa 100.72.0.1 ||
    fail "no ping through the long-lived stale route"
[ "$(gr long_lived_stale)" = true ] || fail "status does not say long-lived"
y_tagged() { r_route y | grep -q "(65535,6)"; }
wait_for 10 "y to get r's route tagged LLGR_STALE" y_tagged
wait_for 10 "x (no LLGR) to lose r's route" no_r x
llgr_stale || fail "the route went before its long-lived stale time"

gone() { no_route node 100.72.0.0/24 && no_kroute node 100.72.0.0/24; }
wait_for $((LLST + 15)) "r's route gone at its long-lived stale time" gone
wait_for 10 "y to lose r's route" no_r y
python3 - "$LOG" "$LLST" <<'PY' || fail "long-lived phase too short"
import datetime, sys
def at(pat):
    for l in open(sys.argv[1]):
        if pat in l:
            d, t = l.split()[:2]
            return datetime.datetime.fromisoformat(d + " " + t)
    raise SystemExit("no line with " + pat)
a = at("restart time over: keeping its routes (1)")
b = at("long-lived graceful restart over: the peer did not come back")
s = (b - a).total_seconds()
print("long-lived phase: %.3f s (long-lived stale time %s s)" %
      (s, sys.argv[2]))
sys.exit(0 if s >= int(sys.argv[2]) - 0.01 else 1)
PY
pod_ping pa 100.72.0.1 && fail "pings still pass with the route gone"
stop_bgpd node
asan_clean
echo "PASS: LLGR: kept past the 4 s restart time as LLGR_STALE (usable," \
    "to y tagged, not to x), dropped after $LLST s"
