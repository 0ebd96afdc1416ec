#!/bin/sh
# ADD-PATH (RFC 7911) with FRR as a client of a bgpd route reflector:
# two BIRD 2 routers announce the same pool prefix to the reflector; FRR
# (which offers ADD-PATH receive by default, and send with
# `addpath-tx-all-paths`) must hold both paths from its one session,
# use both (`maximum-paths ibgp`) and ping through them; the prefix FRR
# announces reaches the reflector with FRR's path id.  When one BIRD
# leaves, FRR keeps the other path only.
. "$(dirname "$0")/lib.sh"
frr_need
command -v bird >/dev/null || skip "bird2 not installed"

P=100.64.200.0/24
{
	y_bgpconf false 64512
	y_pool pods 100.64.0.0/16
	y_node rr 198.51.100.10/24 "" "routeReflectorClusterID: 244.0.0.1"
	for i in 1 2; do
		y_peer "bird$i" \
		    "node: rr, peerIP: 198.51.100.2$i, asNumber: 64512"
	done
	y_peer frr "node: rr, peerIP: 198.51.100.40, asNumber: 64512"
} >"$TMP/cluster.yaml"

for i in 1 2; do
	cat >"$TMP/bird$i.conf" <<BIRD
router id 198.51.100.2$i;
log "$TMP/bird$i.log" all;
protocol device {}
protocol static s4 { ipv4; route $P blackhole; }
protocol bgp reflector {
	local 198.51.100.2$i as 64512;
	neighbor 198.51.100.10 as 64512;
	direct;
	ipv4 { import none; export all; };
}
BIRD
done
mkdir -p "$TMP/frr"
cat >"$TMP/frr/zebra.conf" <<FRR
hostname frr-zebra
log file $TMP/frr-frr-zebra.log
FRR
cat >"$TMP/frr/bgpd.conf" <<FRR
hostname frr
log file $TMP/frr-frr-bgpd.log
router bgp 64512
 bgp router-id 198.51.100.40
 no bgp default ipv4-unicast
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 198.51.100.10 remote-as 64512
 neighbor 198.51.100.10 timers 3 9
 neighbor 198.51.100.10 timers connect 1
 neighbor 198.51.100.10 advertisement-interval 0
 address-family ipv4 unicast
  network 100.64.202.0/24
  maximum-paths ibgp 4
  neighbor 198.51.100.10 activate
  neighbor 198.51.100.10 addpath-tx-all-paths
 exit-address-family
FRR

ns rr
link rr 198.51.100.10/24
for i in 1 2; do
	ns "bird$i"
	link "bird$i" "198.51.100.2$i/24"
	ip -n "${PFX}bird$i" addr add 100.64.200.1/32 dev lo
	bg "bird$i" bird -f -c "$TMP/bird$i.conf" -s "$TMP/bird$i.ctl" \
	    >>"$TMP/bird$i.out" 2>&1
done
ns frr
link frr 198.51.100.40/24
frr_start frr zebra
wait_for 10 "zebra of FRR" test -S "$TMP/frr/zserv.api"
start_frr_bgpd frr
bgpd_start rr "$TMP/cluster.yaml"
wait_for 30 "the reflector's three sessions" all_established rr 3

# FRR's paths to P: "count next_hops multipath-or-best-count rxids".
frr_paths() {
	vty frr -c "show bgp ipv4 unicast $P json" | python3 -c '
import json, sys
try:
    ps = json.load(sys.stdin).get("paths", [])
except ValueError:
    ps = []
hops = sorted(h["ip"] for p in ps for h in p.get("nexthops", []))
used = sum(1 for p in ps if p.get("multipath") or p.get("bestpath"))
ids = {p.get("addpathRxId") for p in ps} - {None}
peers = {p.get("peer", {}).get("peerId") for p in ps}
print(len(ps), ",".join(hops), used, len(ids), ",".join(sorted(peers)))'
}
frr_is() {
	[ "$(frr_paths)" = "$1" ]
}
try_for 20 frr_is "2 198.51.100.21,198.51.100.22 2 2 198.51.100.10" ||
    fail "FRR's paths to $P: $(frr_paths)
$(vty frr -c "show bgp ipv4 unicast $P")"
frr_caps() {
	vty frr -c "show bgp neighbors 198.51.100.10 json" | python3 -c '
import json, sys
n = json.load(sys.stdin)["198.51.100.10"]
ap = n["neighborCapabilities"]["addPath"]["ipv4Unicast"]
sys.exit(0 if ap.get("txAdvertisedAndReceived") and
         ap.get("rxAdvertisedAndReceived") else 1)'
}
frr_caps || fail "FRR: ADD-PATH not both ways:
$(vty frr -c "show bgp neighbors 198.51.100.10 json")"

# FRR's kernel route uses both (zebra), and the address behind answers.
frr_gws() {
	ip -n "${PFX}frr" -j route show "$P" | python3 -c '
import json, sys
rs = json.load(sys.stdin)
if len(rs) != 1:
    sys.exit(1)
print(",".join(sorted(h["gateway"] for h in rs[0].get("nexthops", [rs[0]]))))'
}
frr_gws_are() {
	[ "$(frr_gws)" = "$1" ]
}
wait_for 10 "FRR's multipath route" frr_gws_are \
    "198.51.100.21,198.51.100.22"
wait_for 10 "FRR to reach 100.64.200.1" ip netns exec "${PFX}frr" \
    ping -c 1 -W 1 100.64.200.1

# FRR -> bgpd with FRR's path id.
from_frr() {
	bgpctl rr routes --json | python3 -c '
import json, sys
for r in json.load(sys.stdin)["routes"]:
    if r["prefix"] == "100.64.202.0/24":
        p = r["paths"][0]
        sys.exit(0 if p["peer_address"] == "198.51.100.40" and
                 isinstance(p["path_id"], int) else 1)
sys.exit(1)'
}
wait_for 10 "FRR's route at the reflector, with its path id" from_frr

# One BIRD leaves: FRR keeps the other path only.
birdc -s "$TMP/bird2.ctl" disable reflector >/dev/null ||
    fail "birdc disable"
try_for 15 frr_is "1 198.51.100.21 1 1 198.51.100.10" ||
    fail "FRR after the withdrawal: $(frr_paths)"
wait_for 10 "FRR's route via .21 only" frr_gws_are 198.51.100.21

stop_bgpd rr
asan_clean
echo "PASS: ADD-PATH from a bgpd reflector to FRR"
