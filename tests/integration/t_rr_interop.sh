#!/bin/sh
# Route reflection across implementations: (1) two bgpd nodes as clients
# of a GoBGP route reflector learn each other's blocks through it, with
# ORIGINATOR_ID and CLUSTER_LIST as RFC 4456 says, and install them via
# the originating node; (2) a bgpd route reflector serves two BIRD 2
# clients: each BIRD sees the other's route with BIRD's own view of the
# originator and our cluster id, next hop unchanged.
. "$(dirname "$0")/lib.sh"
command -v gobgpd >/dev/null || skip "gobgpd not installed"
command -v bird >/dev/null || skip "bird2 not installed"

# ---- (1) bgpd clients of a GoBGP reflector ----
cat >"$TMP/c1.yaml" <<'YAML'
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: {name: default}
spec: {nodeToNodeMeshEnabled: false, asNumber: 64512}
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: pods}
spec: {cidr: 100.64.0.0/16}
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: gobgp-rr}
spec: {peerIP: 198.51.100.100, asNumber: 64512}
YAML
for i in 1 2; do
	cat >>"$TMP/c1.yaml" <<YAML
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: n$i}
spec: {bgp: {ipv4Address: 198.51.100.$i/24}}
---
apiVersion: crd.projectcalico.org/v1
kind: IPAMBlock
metadata: {name: b-n$i}
spec: {cidr: 100.64.$i.0/26, affinity: "host:n$i"}
YAML
done
cat >"$TMP/gobgp.toml" <<'TOML'
[global.config]
  as = 64512
  router-id = "198.51.100.100"
TOML
for i in 1 2; do
	cat >>"$TMP/gobgp.toml" <<TOML
[[neighbors]]
  [neighbors.config]
    neighbor-address = "198.51.100.$i"
    peer-as = 64512
  [neighbors.route-reflector.config]
    route-reflector-client = true
    route-reflector-cluster-id = "192.0.2.1"
TOML
done
ns rr
link rr 198.51.100.100/24
for i in 1 2; do
	ns "n$i"
	link "n$i" "198.51.100.$i/24"
done
bg rr gobgpd -f "$TMP/gobgp.toml" -t toml -p --pprof-disable \
    --api-hosts 127.0.0.1:50051 >"$TMP/gobgp.log" 2>&1
for i in 1 2; do
	bgpd_start "n$i" "$TMP/c1.yaml"
done
for i in 1 2; do
	wait_for 30 "n$i's session to GoBGP" all_established "n$i" 1
done
for i in 1 2; do
	j=$((3 - i))
	wait_for 10 "n$i to learn n$j's block via GoBGP" has_route "n$i" \
	    "100.64.$j.0/26" ""
	[ "$(route_field "n$i" "100.64.$j.0/26" originator_id)" = \
	    "\"198.51.100.$j\"" ] || fail "n$i: originator_id is \
$(route_field "n$i" "100.64.$j.0/26" originator_id)"
	[ "$(route_field "n$i" "100.64.$j.0/26" cluster_list)" = \
	    '["192.0.2.1"]' ] || fail "n$i: cluster_list is \
$(route_field "n$i" "100.64.$j.0/26" cluster_list)"
	wait_for 10 "n$i's kernel route to n$j" kroute "n$i" \
	    "100.64.$j.0/26" "via 198.51.100.$j dev eth0"
done
for i in 1 2; do
	stop_bgpd "n$i"
done

# ---- (2) a bgpd reflector with BIRD clients ----
cat >"$TMP/c2.yaml" <<'YAML'
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: {name: default}
spec: {nodeToNodeMeshEnabled: false, asNumber: 64512}
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: pods}
spec: {cidr: 100.64.0.0/16}
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: rrb}
spec:
  bgp: {ipv4Address: 198.51.100.50/24, routeReflectorClusterID: 244.0.0.1}
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: bird1}
spec: {peerIP: 198.51.100.51, asNumber: 64512}
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: bird2}
spec: {peerIP: 198.51.100.52, asNumber: 64512}
YAML
for i in 1 2; do
	cat >"$TMP/bird$i.conf" <<BIRD
router id 198.51.100.5$i;
log "$TMP/bird$i.log" all;
protocol device {}
protocol static s4 { ipv4; route 100.64.10$i.0/24 blackhole; }
protocol bgp reflector {
	local 198.51.100.5$i as 64512;
	neighbor 198.51.100.50 as 64512;
	direct;
	ipv4 { import all; export all; };
}
BIRD
	ns "bird$i"
	link "bird$i" "198.51.100.5$i/24"
	bg "bird$i" bird -f -c "$TMP/bird$i.conf" -s "$TMP/bird$i.ctl"
done
ns rrb
link rrb 198.51.100.50/24
bgpd_start rrb "$TMP/c2.yaml"
wait_for 30 "the reflector's two clients" all_established rrb 2
birdc_route() {	# N PREFIX PATTERN...
	local out
	out=$(birdc -s "$TMP/bird$1.ctl" show route "$2" all) || return 1
	shift 2
	for pat in "$@"; do
		echo "$out" | grep -q -- "$pat" || return 1
	done
}
wait_for 10 "BIRD 2 to get BIRD 1's route reflected" birdc_route 2 \
    100.64.101.0/24 "BGP.originator_id: 198.51.100.51" \
    "BGP.cluster_list: 244.0.0.1" "BGP.next_hop: 198.51.100.51"
wait_for 10 "BIRD 1 to get BIRD 2's route reflected" birdc_route 1 \
    100.64.102.0/24 "BGP.originator_id: 198.51.100.52" \
    "BGP.cluster_list: 244.0.0.1" "BGP.next_hop: 198.51.100.52"
stop_bgpd rrb
asan_clean
echo "PASS: route reflection with GoBGP and BIRD"
