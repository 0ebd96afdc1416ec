#!/bin/sh
# Seed 001's "change from node-to-node mesh to route reflectors without
# any traffic disruption", live: four nodes in a mesh with a pod each
# ping each other continuously while (1) a route-reflector node and a
# BGPPeer selecting it by label are added and (2) the mesh is disabled,
# each step a config change and `bgpd reload` on every node.  No ping
# may be lost, and the kernel routes must end up via the reflector's
# sessions with the same next hops.
. "$(dirname "$0")/lib.sh"

base() {	# MESH(true|false) WITH_RR(0|1)
	cat <<YAML
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: {name: default}
spec: {nodeToNodeMeshEnabled: $1, asNumber: 64512}
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: pods}
spec: {cidr: 100.64.0.0/16}
YAML
	for i in 1 2 3 4; do
		cat <<YAML
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
	[ "$2" = 1 ] || return 0
	cat <<'YAML'
---
apiVersion: projectcalico.org/v3
kind: Node
metadata:
  name: rr1
  labels: {route-reflector: "true"}
spec:
  bgp: {ipv4Address: 198.51.100.10/24, routeReflectorClusterID: 244.0.0.1}
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: peer-with-route-reflectors}
spec:
  nodeSelector: all()
  peerSelector: route-reflector == 'true'
YAML
}

base true 0 >"$TMP/cluster.yaml"
for i in 1 2 3 4; do
	ns "n$i"
	link "n$i" "198.51.100.$i/24"
	pod "n$i" "p$i" "100.64.$i.10"
done
ns rr1
link rr1 198.51.100.10/24
for i in 1 2 3 4; do
	bgpd_start "n$i" "$TMP/cluster.yaml"
done
for i in 1 2 3 4; do
	wait_for 30 "n$i's mesh" all_established "n$i" 3
done
for i in 1 2 3 4; do
	for j in 1 2 3 4; do
		[ "$i" = "$j" ] && continue
		wait_for 10 "p$i -> p$j" pod_ping "p$i" "100.64.$j.10"
	done
done

# Continuous pings across the cluster for the whole migration.
for pair in 1:4 2:3 3:1 4:2; do
	a=${pair%:*}
	b=${pair#*:}
	bg "p$a" ping -n -i 0.05 -W 1 -w 60 "100.64.$b.10" \
	    >"$TMP/ping-$a-$b.txt" 2>&1
	eval "PING_$a=\$LAST_PID"
done
sleep 1

reload_all() {
	for n in "$@"; do
		bgpctl "$n" reload >/dev/null || fail "reload on $n"
	done
}
# Step 1: the reflector and the peering to it.
base true 1 >"$TMP/cluster.yaml"
bgpd_start rr1 "$TMP/cluster.yaml"
reload_all n1 n2 n3 n4
wait_for 30 "rr1's four clients" all_established rr1 4
for i in 1 2 3 4; do
	wait_for 30 "n$i's mesh and rr1" all_established "n$i" 4
done
# Every client has each block twice now: directly and reflected.
two_paths() {	# NODE PREFIX
	bgpctl "$1" routes --json | python3 -c '
import json, sys
for r in json.load(sys.stdin)["routes"]:
    if r["prefix"] == sys.argv[1]:
        sys.exit(0 if len(r["paths"]) == 2 else 1)
sys.exit(1)' "$2"
}
for i in 1 2 3 4; do
	for j in 1 2 3 4; do
		[ "$i" = "$j" ] && continue
		wait_for 10 "n$i to hear n$j's block from rr1 too" \
		    two_paths "n$i" "100.64.$j.0/26"
	done
done
sleep 1

# Step 2: the mesh goes.
base false 1 >"$TMP/cluster.yaml"
reload_all n1 n2 n3 n4 rr1
for i in 1 2 3 4; do
	wait_for 30 "n$i with rr1 only" all_established "n$i" 1
done
for i in 1 2 3 4; do
	for j in 1 2 3 4; do
		[ "$i" = "$j" ] && continue
		[ "$(route_field "n$i" "100.64.$j.0/26" cluster_list)" = \
		    '["244.0.0.1"]' ] ||
		    fail "n$i's route to n$j is not the reflected one"
		kroute "n$i" "100.64.$j.0/26" "via 198.51.100.$j dev eth0" ||
		    fail "n$i's kernel route to n$j moved"
	done
done
# Not one kernel route was deleted on the way (replace or nothing).
for i in 1 2 3 4; do
	[ "$(peer_field "n$i" 198.51.100.10 bgp_state)" = '"Established"' ] ||
	    fail "n$i lost rr1"
	d=$(bgpctl "n$i" status --json | python3 -c '
import json, sys
print(json.load(sys.stdin)["kernel"]["deletes"])')
	[ "$d" = 0 ] || fail "n$i deleted $d kernel routes during the move"
done
sleep 1
for a in 1 2 3 4; do
	eval "kill -INT \$PING_$a"
done
sleep 0.5
for f in "$TMP"/ping-*.txt; do
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$f")
	recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$f")
	[ -n "$sent" ] && [ "$sent" -gt 50 ] || fail "$(basename "$f"): \
too few pings ($(tail -n 2 "$f"))"
	[ "$sent" = "$recv" ] || fail "$(basename "$f"): $recv of $sent \
answered during the migration"
	echo "$(basename "$f" .txt): $recv/$sent answered"
done
for n in n1 n2 n3 n4 rr1; do
	stop_bgpd "$n"
done
asan_clean
echo "PASS: mesh to route reflectors without loss"
