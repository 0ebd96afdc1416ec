#!/bin/sh
# bgpd with GoBGP (eBGP, IPv4 and IPv6 sessions, bgpd's AS 4-octet in
# asdot): routes flow both ways with their communities, GoBGP's own CLI
# shows bgpd's blocks with the right AS path and next hops, withdrawals
# propagate, and a GoBGP killed and restarted is recovered.
. "$(dirname "$0")/lib.sh"
command -v gobgpd >/dev/null || skip "gobgpd not installed"
command -v gobgp >/dev/null || skip "gobgp (the CLI) not installed"

cat >"$TMP/cluster.yaml" <<'YAML'
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: {name: default}
spec: {nodeToNodeMeshEnabled: false, asNumber: "64086.59905"}
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: node}
spec:
  bgp: {ipv4Address: 198.51.100.1/24, ipv6Address: "2001:db8:100::1/64"}
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: v4}
spec: {cidr: 100.64.0.0/16}
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: v6}
spec: {cidr: "2001:db8:1000::/48"}
---
apiVersion: crd.projectcalico.org/v1
kind: IPAMBlock
metadata: {name: b4}
spec: {cidr: 100.64.0.0/26, affinity: "host:node"}
---
apiVersion: crd.projectcalico.org/v1
kind: IPAMBlock
metadata: {name: b6}
spec: {cidr: "2001:db8:1000::/122", affinity: "host:node"}
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: gobgp4}
spec: {peerIP: 198.51.100.2, asNumber: 65030}
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: gobgp6}
spec: {peerIP: "2001:db8:100::2", asNumber: 65030}
YAML
cat >"$TMP/gobgp.toml" <<'TOML'
[global.config]
  as = 65030
  router-id = "198.51.100.2"
  local-address-list = ["198.51.100.2", "2001:db8:100::2"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "198.51.100.1"
    peer-as = 4200000001
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
[[neighbors]]
  [neighbors.config]
    neighbor-address = "2001:db8:100::1"
    peer-as = 4200000001
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
TOML

ns node
ns gobgp
link node 198.51.100.1/24 2001:db8:100::1/64
link gobgp 198.51.100.2/24 2001:db8:100::2/64
start_gobgp() {
	bg gobgp gobgpd -f "$TMP/gobgp.toml" -t toml -p --pprof-disable \
	    --api-hosts 127.0.0.1:50051 >>"$TMP/gobgp.log" 2>&1
	GOBGP_PID=$LAST_PID
}
gcli() {
	ip netns exec "${PFX}gobgp" gobgp -u 127.0.0.1 -p 50051 "$@"
}
start_gobgp
wait_for 10 "gobgpd's API" gcli global
bgpd_start node "$TMP/cluster.yaml"
wait_for 40 "both sessions with GoBGP" all_established node 2

announce() {
	gcli global rib add -a ipv4 100.64.9.0/24 community 65030:7 &&
	    gcli global rib add -a ipv6 2001:db8:1000:9::/64 \
	    community 65030:8
}
announce >/dev/null || fail "gobgp global rib add"

# GoBGP -> bgpd, with the community.
wait_for 10 "GoBGP's v4 route in bgpd" has_route node 100.64.9.0/24 65030
wait_for 10 "GoBGP's v6 route in bgpd" has_route node \
    2001:db8:1000:9::/64 65030
[ "$(route_field node 100.64.9.0/24 communities)" = '["65030:7"]' ] ||
    fail "community: $(route_field node 100.64.9.0/24 communities)"
[ "$(route_field node 100.64.9.0/24 next_hop)" = '"198.51.100.2"' ] ||
    fail "next hop: $(route_field node 100.64.9.0/24 next_hop)"
[ "$(route_field node 2001:db8:1000:9::/64 next_hop)" = \
    '"2001:db8:100::2"' ] ||
    fail "v6 next hop: $(route_field node 2001:db8:1000:9::/64 next_hop)"
wait_for 10 "GoBGP's route in the node's kernel" kroute node \
    100.64.9.0/24 "via 198.51.100.2"

# bgpd -> GoBGP: the blocks with AS path 4200000001 and our next hops.
gobgp_has() {	# FAMILY PREFIX NEXTHOP: in GoBGP's RIB from bgpd
	gcli global rib -a "$1" -j | python3 -c '
import json, sys
rib = json.load(sys.stdin)
paths = rib.get(sys.argv[1], [])
for p in paths:
    asns, nh = [], None
    for a in p.get("attrs", []):
        if a.get("type") == 2:
            for s in a.get("as_paths", []):
                asns += s.get("asns", [])
        if a.get("type") == 3:
            nh = a.get("nexthop")
        if a.get("type") == 14:
            nh = (a.get("nexthop") or nh)
    if asns == [4200000001] and nh == sys.argv[2]:
        sys.exit(0)
sys.exit(1)' "$2" "$3"
}
wait_for 10 "bgpd's v4 block in GoBGP" gobgp_has ipv4 100.64.0.0/26 \
    198.51.100.1
wait_for 10 "bgpd's v6 block in GoBGP" gobgp_has ipv6 \
    2001:db8:1000::/122 2001:db8:100::1
bgpctl node status | grep -q "198.51.100.2 | global    | up" ||
    fail "bgpd status does not show the GoBGP session up"

# Withdrawal.
gcli global rib del -a ipv4 100.64.9.0/24 >/dev/null ||
    fail "gobgp global rib del"
wait_for 10 "the withdrawal in bgpd" no_route node 100.64.9.0/24
wait_for 10 "the withdrawal in the kernel" no_kroute node 100.64.9.0/24
has_route node 2001:db8:1000:9::/64 65030 || fail "v6 route lost"

# GoBGP dies without a word and comes back.
kill -9 "$GOBGP_PID"
wait "$GOBGP_PID" 2>/dev/null
wait_for 40 "bgpd to notice GoBGP gone" no_route node \
    2001:db8:1000:9::/64
start_gobgp
wait_for 10 "gobgpd's API again" gcli global
announce >/dev/null || fail "gobgp global rib add after restart"
wait_for 40 "sessions back after the restart" all_established node 2
wait_for 10 "the route relearned" has_route node 100.64.9.0/24 65030
wait_for 10 "bgpd's block back in GoBGP" gobgp_has ipv4 100.64.0.0/26 \
    198.51.100.1
stop_bgpd node
asan_clean
echo "PASS: GoBGP"
