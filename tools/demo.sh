#!/bin/sh
# make demo: three bgpd nodes in network namespaces on one bridge, a pod
# behind each, one shared Calico config.  Shows each node's `bgpd status`
# and kernel routes, pings pod to pod across nodes, then removes
# everything it made (also on Ctrl-C or failure).  Needs root.
if [ "$(id -u)" -ne 0 ]; then
	echo "make demo needs root (network namespaces)"
	exit 1
fi
export BGPD="${BGPD:-$(cd "$(dirname "$0")/.." && pwd)/build/bgpd}"
PFX="bgpd-demo$$-"
. "$(dirname "$0")/../tests/integration/lib.sh"
# lib.sh's fail() ends the demo with the daemons' logs; skip() too.

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

cat >"$TMP/cluster.yaml" <<'YAML'
# One IP pool, three nodes in a full mesh (the default), one /26 block
# per node: what calico/node's confd would read from the datastore.
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: {name: default}
spec: {asNumber: 64512, nodeToNodeMeshEnabled: true}
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: default-ipv4-ippool}
spec: {cidr: 100.64.0.0/16, ipipMode: Never}
YAML
for i in 1 2 3; do
	cat >>"$TMP/cluster.yaml" <<YAML
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: node$i}
spec: {bgp: {ipv4Address: 198.51.100.$i/24}}
---
apiVersion: crd.projectcalico.org/v1
kind: IPAMBlock
metadata: {name: 100-64-$i-0-26}
spec: {cidr: 100.64.$i.0/26, affinity: "host:node$i"}
YAML
done

say "building the network: node1..3 on a bridge, a pod behind each"
for i in 1 2 3; do
	ns "node$i"
	link "node$i" "198.51.100.$i/24"
	pod "node$i" "pod$i" "100.64.$i.10"
	echo "node$i 198.51.100.$i/24, pod$i 100.64.$i.10 on cali interface" \
	    "calipod$i"
done
say "the shared config ($TMP/cluster.yaml)"
cat "$TMP/cluster.yaml"
say "starting bgpd on every node"
for i in 1 2 3; do
	bgpd_start "node$i" "$TMP/cluster.yaml"
	echo "node$i: bgpd pid $(eval echo "\$BGPD_PID_node$i")," \
	    "log $TMP/bgpd-node$i.log"
done
for i in 1 2 3; do
	wait_for 30 "node$i's mesh sessions" all_established "node$i" 2
done
for i in 1 2 3; do
	for j in 1 2 3; do
		[ "$i" = "$j" ] && continue
		wait_for 10 "node$j's block in node$i's kernel" \
		    kroute "node$i" "100.64.$j.0/26"
	done
done
for i in 1 2 3; do
	say "node$i: bgpd status"
	bgpctl "node$i" status
	say "node$i: kernel routes (proto bgp = bgpd's, protocol 186)"
	ip -n "${PFX}node$i" route show table main
done
say "node1: bgpd routes"
bgpctl node1 routes
say "pinging pod to pod across nodes"
for i in 1 2 3; do
	for j in 1 2 3; do
		[ "$i" = "$j" ] && continue
		if wait_for 10 "pod$i -> pod$j" pod_ping "pod$i" \
		    "100.64.$j.10"; then
			echo "pod$i (node$i) -> pod$j 100.64.$j.10 (node$j): ok"
		fi
	done
done
for i in 1 2 3; do
	stop_bgpd "node$i"
done
say "done: every pod reached every other pod through routes bgpd" \
    "wrote; cleaning up"
