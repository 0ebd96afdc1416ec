#!/bin/sh
# Three bgpd nodes in a full mesh from one shared YAML file, IPv4 and
# IPv6: every session Established, every node learns the others' blocks,
# a reload adds a block without resetting a session, and stopping a node
# takes its routes away from the others.
. "$(dirname "$0")/lib.sh"

cat >"$TMP/cluster.yaml" <<'YAML'
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: v4}
spec: {cidr: 100.64.0.0/16}
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: v6}
spec: {cidr: 2001:db8:1000::/48}
YAML
for i in 1 2 3; do
	cat >>"$TMP/cluster.yaml" <<YAML
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: n$i}
spec:
  bgp:
    ipv4Address: 198.51.100.$i/24
    ipv6Address: 2001:db8:100::$i/64
---
apiVersion: crd.projectcalico.org/v1
kind: IPAMBlock
metadata: {name: v4-n$i}
spec: {cidr: 100.64.$i.0/26, affinity: "host:n$i"}
---
apiVersion: crd.projectcalico.org/v1
kind: IPAMBlock
metadata: {name: v6-n$i}
spec: {cidr: "2001:db8:1000:$i::/122", affinity: "host:n$i"}
YAML
done

for i in 1 2 3; do
	ns "n$i"
	link "n$i" "198.51.100.$i/24" "2001:db8:100::$i/64"
done
for i in 1 2 3; do
	bgpd_start "n$i" "$TMP/cluster.yaml"
done
for i in 1 2 3; do
	wait_for 30 "n$i's four sessions" all_established "n$i" 4
done
for i in 1 2 3; do
	for j in 1 2 3; do
		[ "$i" = "$j" ] && continue
		wait_for 10 "n$i to learn n$j's v4 block" \
		    has_route "n$i" "100.64.$j.0/26" ""
		wait_for 10 "n$i to learn n$j's v6 block" \
		    has_route "n$i" "2001:db8:1000:$j::/122" ""
	done
done
bgpctl n1 status | grep -q 'node-to-node mesh' || fail "status table"
bgpctl n1 status | grep -q '2001:db8:100::2' || fail "IPv6 in status"

# Reload with one more block on n3: no session may reset.
cat >>"$TMP/cluster.yaml" <<'YAML'
---
apiVersion: crd.projectcalico.org/v1
kind: IPAMBlock
metadata: {name: v4-n3-b}
spec: {cidr: 100.64.33.0/26, affinity: "host:n3"}
YAML
bgpctl n3 reload >/dev/null || fail "reload on n3"
wait_for 10 "n1 to learn the new block" has_route n1 100.64.33.0/26 ""
for i in 1 2 3; do
	bgpctl "n$i" status --json | python3 -c '
import json, sys
for p in json.load(sys.stdin)["peers"]:
    if p["flaps"] != 0 or p["bgp_state"] != "Established":
        sys.exit("%s flapped" % p["name"])' || fail "a session reset on reload"
done

# Stop n3 (SIGTERM): it may come back, so n1 and n2 keep its routes as
# graceful restart helpers (RFC 4724), flagged stale.
stop_bgpd n3
n3_down() {
	[ "$(peer_field n1 198.51.100.3 bgp_state)" != '"Established"' ]
}
wait_for 15 "n1 to see n3 gone" n3_down
has_route n1 100.64.3.0/26 "" || fail "n1 dropped n3's block at once"
grep -q 'Mesh_198_51_100_3: keeping its routes' "$TMP/bgpd-n1.log" ||
    fail "n1 is not keeping n3's routes for its restart"
# n3 leaves the cluster (its Node and blocks deleted): now they go.
python3 - "$TMP/cluster.yaml" <<'PY'
import sys
docs = open(sys.argv[1]).read().split("\n---\n")
keep = [d for d in docs if "n3" not in d]
open(sys.argv[1], "w").write("\n---\n".join(keep))
PY
bgpctl n1 reload >/dev/null || fail "reload n1"
bgpctl n2 reload >/dev/null || fail "reload n2"
wait_for 15 "n1 to drop n3's block" no_route n1 100.64.3.0/26
wait_for 15 "n2 to drop n3's v6 block" no_route n2 "2001:db8:1000:3::/122"
has_route n1 100.64.2.0/26 "" || fail "n1 lost n2's block"
stop_bgpd n1
stop_bgpd n2
asan_clean
echo "PASS: mesh of three"
