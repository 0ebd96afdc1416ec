#!/bin/sh
# Kernel ECMP: two eBGP BIRD peers in one AS (65010) announce the same
# prefix with equal attributes.  bgpd must install ONE multipath route
# (proto 186) with both next hops; when one BIRD stops, the route must
# become a single-path route via the other by an in-place replace (the
# route monitor shows no "Deleted" line for the prefix in between); when
# the other stops too, the route is deleted.
. "$(dirname "$0")/lib.sh"
command -v bird >/dev/null || skip "bird2 not installed"

P=100.65.0.0/24
cat >"$TMP/cluster.yaml" <<'YAML'
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: {name: default}
spec: {nodeToNodeMeshEnabled: false, asNumber: 65000}
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: node}
spec: {bgp: {ipv4Address: 198.51.100.1/24}}
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: v4}
spec: {cidr: 100.64.0.0/16}
---
apiVersion: crd.projectcalico.org/v1
kind: IPAMBlock
metadata: {name: b4}
spec: {cidr: 100.64.0.0/26, affinity: "host:node"}
YAML
for i in 2 3; do
	cat >>"$TMP/cluster.yaml" <<YAML
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: bird$i}
spec: {peerIP: 198.51.100.$i, asNumber: 65010}
YAML
	cat >"$TMP/bird$i.conf" <<BIRD
router id 198.51.100.$i;
log "$TMP/bird$i.log" all;
protocol device {}
protocol static s4 { ipv4; route $P blackhole; }
protocol bgp b4 {
	local 198.51.100.$i as 65010;
	neighbor 198.51.100.1 as 65000;
	ipv4 { import none; export all; };
}
BIRD
done

ns node
link node 198.51.100.1/24
for i in 2 3; do
	ns "bird$i"
	link "bird$i" "198.51.100.$i/24"
	bg "bird$i" bird -f -c "$TMP/bird$i.conf" -s "$TMP/bird$i.ctl" \
	    >>"$TMP/bird$i.out" 2>&1
	eval "BIRD_PID_$i=\$LAST_PID"
done
bgpd_start node "$TMP/cluster.yaml"
wait_for 40 "both sessions with BIRD" all_established node 2

# The next hops of the routes to P (any protocol) as a sorted,
# comma-separated list of gateway@dev, or "" when there is none.  Exits 1
# unless there is at most one route and it is ours (proto 186): the
# ECMP set must be one multipath route.
gateways() {
	local js
	js=$(ip -n "${PFX}node" -j route show "$P") || return 1
	[ "$js" = "[]" ] && return 0	# python3 is slow to start
	echo "$js" | python3 -c '
import json, sys
rs = json.load(sys.stdin)
if len(rs) > 1:
    sys.exit("%d routes for the prefix" % len(rs))
gws = []
for r in rs:
    if r.get("protocol") not in ("bgp", "186"):
        sys.exit("not ours: %r" % r)
    for h in r.get("nexthops", [r]):
        gws.append("%s@%s" % (h.get("gateway", ""), h.get("dev", "")))
print(",".join(sorted(gws)))'
}
want_gws() {
	[ "$(gateways)" = "$1" ]
}

wait_for 15 "one multipath route with both next hops" want_gws \
    "198.51.100.2@eth0,198.51.100.3@eth0"
ecmp=$(bgpctl node routes --json | python3 -c '
import json, sys
for r in json.load(sys.stdin)["routes"]:
    if r["prefix"] == sys.argv[1]:
        print("%d %s" % (sum(1 for p in r["paths"] if p["ecmp"]),
            r["kernel"]))' "$P")
[ "$ecmp" = "2 installed" ] ||
    fail "bgpd routes: ECMP paths and kernel state are '$ecmp'"

# mark N: (re)add a route in table 100 (bgpd looks only at main) and
# see it in the monitor's output: everything before it is there too.
mark() {
	ip -n "${PFX}node" route del "100.127.$1.0/24" table 100 2>/dev/null
	ip -n "${PFX}node" route add blackhole "100.127.$1.0/24" table 100
	grep -q "100.127.$1.0/24" "$TMP/monitor.txt"
}
bg node ip monitor route >"$TMP/monitor.txt" 2>&1
MON_PID=$LAST_PID
wait_for 10 "the monitor to start" mark 1

# One BIRD stops: the route is replaced by a single-path one.
kill "$BIRD_PID_2"
wait "$BIRD_PID_2" 2>/dev/null
wait_for 20 "the route to become single-path via .3" want_gws \
    "198.51.100.3@eth0"
wait_for 10 "the monitor to catch up" mark 2
if grep "^Deleted" "$TMP/monitor.txt" | grep -q "$P"; then
	cat "$TMP/monitor.txt"
	fail "the route was deleted, not replaced, when a next hop left"
fi
grep -q "$P" "$TMP/monitor.txt" || {
	cat "$TMP/monitor.txt"
	fail "the monitor saw no change of $P"
}
st=$(bgpctl node status --json | python3 -c '
import json, sys
k = json.load(sys.stdin)["kernel"]
print("%d %d %d" % (k["replaces"] > 0, k["deletes"], k["errors"]))')
[ "$st" = "1 0 0" ] ||
    fail "kernel stats (replaced, deletes, errors): $st"

# The other stops: the route goes.
kill "$BIRD_PID_3"
wait "$BIRD_PID_3" 2>/dev/null
wait_for 20 "the route to be deleted" want_gws ""
[ -z "$(ip -n "${PFX}node" route show "$P")" ] ||
    fail "something is left for $P: $(ip -n "${PFX}node" route show "$P")"
kill "$MON_PID" 2>/dev/null
stop_bgpd node
asan_clean
echo "PASS: kernel ECMP"
