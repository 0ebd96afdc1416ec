#!/bin/sh
# Calico 3.30 nested peering (localWorkloadSelector): a BIRD 2 running in
# a pod of node n1 peers with its node, driven by the endpoint status
# files Felix writes (confd's local_bgp_peer_watcher.go).  No file: no
# session.  Felix names the BGPPeer in the pod's file: a passive
# Local_Workload_ session comes up within seconds, the pod's VM route is
# in n1's kernel via the pod and reaches n2 through the mesh (a ping
# from n2's pod to an address behind the BGP-speaking pod).  A malformed
# file is reported and ignored.  bgpPeerName cleared: the session and
# its routes go.
. "$(dirname "$0")/lib.sh"
command -v bird >/dev/null || skip "bird2 not installed"

cat >"$TMP/cluster.yaml" <<'YAML'
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: pods}
spec: {cidr: 100.64.0.0/16}
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: vms}
spec: {cidr: 100.80.0.0/16}
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: vm-routers}
spec:
  localWorkloadSelector: app == 'router'
  asNumber: 65010
YAML
for i in 1 2; do
	y_node "n$i" "198.51.100.$i/24" >>"$TMP/cluster.yaml"
	y_block "b$i" "100.64.$i.0/26" "n$i" >>"$TMP/cluster.yaml"
done

for i in 1 2; do
	ns "n$i"
	link "n$i" "198.51.100.$i/24"
	mkdir -p "$TMP/es-n$i"
done
pod n1 router 100.64.1.5
pod n2 client 100.64.2.7
# The address behind the pod's BGP (a VM it hosts), and the node's
# peering address the pod reaches through its default route
# (localWorkloadPeeringIPV4).
ip -n "${PFX}router" addr add 100.80.1.1/32 dev lo
ip -n "${PFX}n1" addr add 169.254.0.179/32 dev lo

cat >"$TMP/bird.conf" <<BIRD
router id 100.64.1.5;
log "$TMP/bird.log" all;
protocol device {}
protocol static {
	ipv4;
	route 100.80.1.0/24 blackhole;
}
protocol bgp node {
	local 100.64.1.5 as 65010;
	neighbor 169.254.0.179 as 64512;
	multihop;
	connect retry time 1;
	error wait time 1, 2;
	ipv4 { import all; export all; };
}
BIRD
bg router bird -f -c "$TMP/bird.conf" -s "$TMP/bird.ctl"

for i in 1 2; do
	bgpd_start "n$i" "$TMP/cluster.yaml" \
	    --endpoint-status-dir "$TMP/es-n$i"
done
wait_for 30 "the mesh" all_established n1 1
all_established n2 1 || fail "n2's mesh session"

session() {	# NODE NAME: print the session's JSON state, or fail
	bgpctl "$1" status --json | python3 -c '
import json, sys
for p in json.load(sys.stdin)["peers"]:
    if p["name"] == sys.argv[1]:
        print(p["type"], p["bgp_state"])
        sys.exit(0)
sys.exit(1)' "$2"
}

# No endpoint status file: nothing to peer with, BIRD is refused.
sleep 2
session n1 Local_Workload_100_64_1_5 &&
    fail "a workload session without Felix's file"
no_route n1 100.80.1.0/24 || fail "n1 took the pod's route unpeered"

# Felix selects the pod (and writes the file whole, as it does).
printf '%s' '{"ifaceName":"calirouter","ipv4Nets":["100.64.1.5/32"],'\
'"bgpPeerName":"vm-routers"}' >"$TMP/es-n1/.tmp"
mv "$TMP/es-n1/.tmp" "$TMP/es-n1/k8s-default-router-eth0"
lw_is() {	# STATE: n1's session with the pod is in STATE
	[ "$(session n1 Local_Workload_100_64_1_5)" = "$1" ]
}
wait_for 15 "the pod's session" lw_is "local_workload Established"
bgpctl n1 config --json | python3 -c '
import json, sys
s = [x for x in json.load(sys.stdin)["sessions"]
     if x["name"] == "Local_Workload_100_64_1_5"][0]
assert s["passive"] and s["source_address"] is None, s
assert s["remote_as"] == 65010 and s["local_as"] == 64512, s' ||
    fail "the workload session's parameters"
wait_for 10 "the VM route in n1's kernel via the pod" kroute n1 \
    100.80.1.0/24 "via 100.64.1.5"
wait_for 10 "the VM route at n2 through the mesh" kroute n2 \
    100.80.1.0/24 "via 198.51.100.1"
wait_for 10 "n2's pod to reach the VM behind n1's pod" \
    pod_ping client 100.80.1.1

# A malformed status file: reported, ignored, nothing else changes.
echo '{"bgpPeerName": "vm-routers", "ipv4Nets": ["not-an-ip"]}' \
    >"$TMP/es-n1/k8s-default-broken-eth0"
wait_for 10 "the bad file to be reported" grep -q \
    "k8s-default-broken-eth0: ipv4Nets\[0\]" "$TMP/bgpd-n1.log"
all_established n1 2 || fail "a session dropped over a bad status file"

# Felix no longer selects it: the session and its routes go.
printf '%s' '{"ifaceName":"calirouter","ipv4Nets":["100.64.1.5/32"]}' \
    >"$TMP/es-n1/.tmp"
mv "$TMP/es-n1/.tmp" "$TMP/es-n1/k8s-default-router-eth0"
no_lw() {
	! session n1 Local_Workload_100_64_1_5
}
wait_for 10 "the workload session to go" no_lw
wait_for 10 "the VM route to leave n2" no_kroute n2 100.80.1.0/24
no_kroute n1 100.80.1.0/24 || fail "n1 kept the VM route"
all_established n1 1 || fail "n1's mesh session"

for i in 1 2; do
	stop_bgpd "n$i"
done
asan_clean
echo "PASS: local workload peering from Felix's endpoint status files"
