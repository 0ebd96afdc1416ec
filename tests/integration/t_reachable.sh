#!/bin/sh
# BGPPeer reachableBy: a peer on another subnet, reached through a
# router the node would not otherwise use.  bgpd installs the static
# route <peer>/32 via the gateway (as confd has BIRD do), the session
# comes up over it, and routes learned from that peer are installed.
. "$(dirname "$0")/lib.sh"
command -v bird >/dev/null || skip "bird2 not installed"

cat >"$TMP/cluster.yaml" <<'YAML'
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: {name: default}
spec: {nodeToNodeMeshEnabled: false, asNumber: 64512}
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: node}
spec: {bgp: {ipv4Address: 198.51.100.1/24}}
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: far-tor}
spec: {peerIP: 203.0.113.2, asNumber: 65100,
       reachableBy: 198.51.100.254}
YAML
cat >"$TMP/bird.conf" <<BIRD
router id 203.0.113.2;
log "$TMP/bird.log" all;
protocol device {}
protocol static s4 { ipv4; route 100.65.0.0/24 blackhole; }
protocol bgp b4 {
	local 203.0.113.2 as 65100;
	neighbor 198.51.100.1 as 64512;
	multihop 2;
	ipv4 { import all; export all; };
}
BIRD

ns node
ns router
ns tor
link node 198.51.100.1/24
link router 198.51.100.254/24
# The far side: the router's second leg and the ToR on their own link.
ip link add "${IFX}a" type veth peer name "${IFX}b" || fail "veth"
ip link set "${IFX}a" netns "${PFX}router"
ip link set "${IFX}b" netns "${PFX}tor"
ip -n "${PFX}router" link set "${IFX}a" name eth9
ip -n "${PFX}tor" link set "${IFX}b" name eth0
ip -n "${PFX}router" addr add 203.0.113.1/24 dev eth9
ip -n "${PFX}tor" addr add 203.0.113.2/24 dev eth0
ip -n "${PFX}router" link set eth9 up
ip -n "${PFX}tor" link set eth0 up
ip netns exec "${PFX}router" sysctl -qw net.ipv4.ip_forward=1
ip -n "${PFX}tor" route add 198.51.100.0/24 via 203.0.113.1

bg tor bird -f -c "$TMP/bird.conf" -s "$TMP/bird.ctl"
bgpd_start node "$TMP/cluster.yaml"
wait_for 10 "the reachableBy route" kroute node 203.0.113.2/32 \
    "via 198.51.100.254 dev eth0"
wait_for 30 "the session over it" all_established node 1
wait_for 10 "the ToR's route in bgpd" has_route node 100.65.0.0/24 65100
# Its next hop resolves recursively through the static route, as with
# BIRD's gateway recursive: the kernel gets the immediate next hop.
wait_for 10 "the ToR's route in the kernel" kroute node 100.65.0.0/24 \
    "via 198.51.100.254 dev eth0"
# The peer leaves the config: its static route goes too.
cat >"$TMP/cluster.yaml" <<'YAML'
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: {name: default}
spec: {nodeToNodeMeshEnabled: false, asNumber: 64512}
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: node}
spec: {bgp: {ipv4Address: 198.51.100.1/24}}
YAML
bgpctl node reload >/dev/null || fail "reload"
wait_for 10 "the reachableBy route removed" no_kroute node 203.0.113.2/32
wait_for 10 "the ToR's route removed" no_kroute node 100.65.0.0/24
stop_bgpd node
asan_clean
echo "PASS: reachableBy"
