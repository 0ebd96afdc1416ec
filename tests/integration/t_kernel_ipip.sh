#!/bin/sh
# IPIP route shapes (CALICO.md 5.3).  Node n1 (198.51.100.1/24) meshes
# with n2 (198.51.100.2, n1's subnet) and n3 (203.0.113.2, another
# subnet, reached on the same wire), and has a BIRD "ToR" peer.  In n1's
# kernel (a veth named tunl0 stands in for the IPIP device):
#  - an IPIP Always pool route goes via its next hop dev tunl0 onlink,
#    whatever the subnet;
#  - an IPIP CrossSubnet pool route via a same-subnet next hop is plain
#    (dev eth0), via another subnet's next hop dev tunl0 onlink;
#  - a VXLAN pool route is not installed (Felix's);
#  - a route outside every pool is installed plain.
. "$(dirname "$0")/lib.sh"
command -v bird >/dev/null || skip "bird2 not installed"

cat >"$TMP/cluster.yaml" <<'YAML'
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: {name: default}
spec: {asNumber: 64512}
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: always}
spec: {cidr: 100.64.0.0/16, ipipMode: Always}
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: cross}
spec: {cidr: 100.66.0.0/16, ipipMode: CrossSubnet}
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: vxlan}
spec: {cidr: 100.68.0.0/16, vxlanMode: Always}
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: n1}
spec: {bgp: {ipv4Address: 198.51.100.1/24}}
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: n2}
spec: {bgp: {ipv4Address: 198.51.100.2/24}}
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: n3}
spec: {bgp: {ipv4Address: 203.0.113.2/24}}
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: tor}
spec: {node: n1, peerIP: 198.51.100.4, asNumber: 65010}
YAML
for b in n1:100.64.1.0 n2:100.64.2.0 n2:100.66.2.0 n2:100.68.2.0 \
    n3:100.64.3.0 n3:100.66.3.0; do
	cat >>"$TMP/cluster.yaml" <<YAML
---
apiVersion: crd.projectcalico.org/v1
kind: IPAMBlock
metadata: {name: ${b%%:*}-$(echo "${b#*:}" | tr . -)}
spec: {cidr: ${b#*:}/26, affinity: "host:${b%%:*}"}
YAML
done
cat >"$TMP/tor.conf" <<BIRD
router id 198.51.100.4;
log "$TMP/tor.log" all;
protocol device {}
protocol static s4 { ipv4; route 100.127.0.0/24 blackhole; }
protocol bgp b4 {
	local 198.51.100.4 as 65010;
	neighbor 198.51.100.1 as 64512;
	ipv4 { import none; export all; };
}
BIRD

ns n1
ns n2
ns n3
ns tor
# n1 also has an address in n3's subnet on the same link; its Node
# resource still says 198.51.100.0/24, which is what CrossSubnet uses.
link n1 198.51.100.1/24 203.0.113.1/24
link n2 198.51.100.2/24
link n3 203.0.113.2/24
link tor 198.51.100.4/24
# n2 and n3 reach each other's subnet on the wire.
ip -n "${PFX}n2" route add 203.0.113.0/24 dev eth0
ip -n "${PFX}n3" route add 198.51.100.0/24 dev eth0
# tunl0 on n1: a veth (no ipip module here), both ends up.
ip -n "${PFX}n1" link add tunl0 type veth peer name tunp ||
    fail "veth tunl0 on n1"
ip -n "${PFX}n1" link set tunp up
ip -n "${PFX}n1" link set tunl0 up

bg tor bird -f -c "$TMP/tor.conf" -s "$TMP/tor.ctl" >>"$TMP/tor.out" 2>&1
for i in 1 2 3; do
	bgpd_start "n$i" "$TMP/cluster.yaml"
done
wait_for 40 "n1's three sessions" all_established n1 3

# shape PREFIX: n1's kernel route for PREFIX as "GATEWAY DEV ONLINK"
# (ONLINK is onlink or -); exits 1 unless it is one single-path unicast
# route with our protocol.
shape() {
	local js
	js=$(ip -n "${PFX}n1" -j route show "$1") || return 1
	if [ "$js" = "[]" ]; then	# python3 is slow to start
		echo "0 routes"
		return 1
	fi
	echo "$js" | python3 -c '
import json, sys
rs = json.load(sys.stdin)
if len(rs) != 1:
    sys.exit("%d routes" % len(rs))
r = rs[0]
if r.get("protocol") not in ("bgp", "186") or "nexthops" in r or \
        r.get("type", "unicast") != "unicast":
    sys.exit("not a single-path route of ours: %r" % r)
print(r.get("gateway", "-"), r.get("dev", "-"),
      "onlink" if "onlink" in r.get("flags", []) else "-")'
}
# The last mismatch goes to shape.log, which fail() prints.
want_shape() {
	local got
	got=$(shape "$1" 2>&1)
	[ "$got" = "$2" ] && return 0
	printf '%s: want "%s", got "%s"; ip route: %s\n' "$1" "$2" "$got" \
	    "$(ip -n "${PFX}n1" route show "$1")" >"$TMP/shape.log"
	return 1
}
check() {	# DESC PREFIX SHAPE
	wait_for 15 "$1" want_shape "$2" "$3"
	rm -f "$TMP/shape.log"
}

check "Always via the same subnet: tunl0 onlink" 100.64.2.0/26 \
    "198.51.100.2 tunl0 onlink"
check "Always via another subnet: tunl0 onlink" 100.64.3.0/26 \
    "203.0.113.2 tunl0 onlink"
check "CrossSubnet via the same subnet: plain eth0" 100.66.2.0/26 \
    "198.51.100.2 eth0 -"
check "CrossSubnet via another subnet: tunl0 onlink" 100.66.3.0/26 \
    "203.0.113.2 tunl0 onlink"
kroute n1 100.64.1.0/26 blackhole || fail "no blackhole for n1's block"

# The VXLAN block is learned but left to Felix.
wait_for 10 "n2's VXLAN block in n1's RIB" has_route n1 100.68.2.0/26
vx=$(ip -n "${PFX}n1" route show 100.68.2.0/26)
[ -z "$vx" ] || fail "VXLAN pool route installed: $vx"

# Outside every pool (from the ToR): installed, plain.
wait_for 10 "the ToR's route in n1's RIB" has_route n1 100.127.0.0/24 \
    65010
check "outside the pools: plain" 100.127.0.0/24 "198.51.100.4 eth0 -"

# Nothing refused, nothing unresolved.
st=$(bgpctl n1 status --json | python3 -c '
import json, sys
k = json.load(sys.stdin)["kernel"]
print(k["errors"], k["unresolved"], k["failing"], k["installed"])')
[ "$st" = "0 0 0 6" ] ||
    fail "n1's kernel stats (errors unresolved failing installed): $st"
for i in 1 2 3; do
	stop_bgpd "n$i"
done
asan_clean
echo "PASS: kernel IPIP shapes"
