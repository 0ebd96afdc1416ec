#!/bin/sh
# Kernel routes end to end: three bgpd nodes in a mesh with a pod behind
# each (wired as Calico wires them).  Pods ping each other across nodes
# through the routes bgpd wrote; every node has a blackhole for its own
# block; a pod whose IP is borrowed from another node's block is reached
# through a /32; removing a block takes its route out of the other
# kernels; and no route of another protocol is touched.
. "$(dirname "$0")/lib.sh"

cat >"$TMP/pools.yaml" <<'YAML'
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: pods}
spec: {cidr: 100.64.0.0/16}
YAML
for i in 1 2 3; do
	cat >>"$TMP/pools.yaml" <<YAML
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: n$i}
spec: {bgp: {ipv4Address: 198.51.100.$i/24}}
YAML
done
blocks() {	# the IPAMBlocks of the nodes named in $@
	for i in "$@"; do
		cat <<YAML
---
apiVersion: crd.projectcalico.org/v1
kind: IPAMBlock
metadata: {name: b-n$i}
spec: {cidr: 100.64.$i.0/26, affinity: "host:n$i"}
YAML
	done
}
mkdir "$TMP/cfg"
cp "$TMP/pools.yaml" "$TMP/cfg/a.yaml"
blocks 1 2 3 >"$TMP/cfg/b.yaml"

for i in 1 2 3; do
	ns "n$i"
	link "n$i" "198.51.100.$i/24"
	pod "n$i" "p$i" "100.64.$i.10"
done
# A pod on n3 with an address from n1's block (a borrowed IP).
pod n3 pb 100.64.1.20
snapshot() {	# every route that is not ours, as text
	ip -n "${PFX}n$1" route show table main | grep -v 'proto bgp' |
	    grep -v 'proto 186' | sort
}
for i in 1 2 3; do
	snapshot "$i" >"$TMP/before-n$i"
done

for i in 1 2 3; do
	bgpd_start "n$i" "$TMP/cfg"
done
for i in 1 2 3; do
	wait_for 30 "n$i's mesh" all_established "n$i" 2
done
for i in 1 2 3; do
	wait_for 10 "n$i's blackhole" kroute "n$i" "100.64.$i.0/26" \
	    blackhole
	for j in 1 2 3; do
		[ "$i" = "$j" ] && continue
		wait_for 10 "n$j's block in n$i's kernel" kroute "n$i" \
		    "100.64.$j.0/26" "via 198.51.100.$j dev eth0"
	done
done
[ -n "${DEBUG_SLEEP:-}" ] && sleep "$DEBUG_SLEEP"
for i in 1 2 3; do
	for j in 1 2 3; do
		[ "$i" = "$j" ] && continue
		wait_for 10 "pod p$i to ping pod p$j" pod_ping "p$i" \
		    "100.64.$j.10"
	done
done
[ "$(bgpctl n1 routes --json | python3 -c '
import json, sys
r = [x for x in json.load(sys.stdin)["routes"]
     if x["prefix"] == "100.64.2.0/26"]
print(r[0]["kernel"] if r else "")')" = installed ] ||
    fail "bgpd routes does not say n2's block is installed"

# The borrowed /32: n3 originates it, n1 and n2 install it.
wait_for 10 "the borrowed /32 in n1's kernel" kroute n1 100.64.1.20/32 \
    "via 198.51.100.3"
wait_for 10 "the borrowed /32 in n2's kernel" kroute n2 100.64.1.20/32 \
    "via 198.51.100.3"
no_kroute n3 100.64.1.20/32 || fail "n3 installed its own pod's /32"
wait_for 10 "p1 to ping the borrowed pod on n3" pod_ping p1 100.64.1.20
wait_for 10 "p2 to ping the borrowed pod on n3" pod_ping p2 100.64.1.20

# n2's block goes away (its IPAMBlock deleted): the other kernels drop
# it, n2 drops its blackhole.
blocks 1 3 >"$TMP/cfg/b.yaml"
bgpctl n2 reload >/dev/null || fail "reload on n2"
wait_for 10 "n2's block out of n1's kernel" no_kroute n1 100.64.2.0/26
wait_for 10 "n2's block out of n3's kernel" no_kroute n3 100.64.2.0/26
wait_for 10 "n2's blackhole removed" no_kroute n2 100.64.2.0/26
kroute n1 100.64.3.0/26 || fail "n3's block lost in n1 meanwhile"

for i in 1 2 3; do
	snapshot "$i" >"$TMP/after-n$i"
	cmp -s "$TMP/before-n$i" "$TMP/after-n$i" || {
		diff "$TMP/before-n$i" "$TMP/after-n$i"
		fail "routes of other protocols changed on n$i"
	}
done
for i in 1 2 3; do
	stop_bgpd "n$i"
done
# SIGTERM leaves our routes in the kernel (restart without loss).
kroute n1 100.64.3.0/26 || fail "n1's route to n3 gone after SIGTERM"
asan_clean
echo "PASS: kernel mesh"
