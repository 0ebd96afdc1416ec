#!/bin/sh
# Calico's route policy on one node (CALICO.md 5.1, 5.2, 4.7), seen by
# three BIRD 2 peers:
#   bird-i  iBGP (an RR client: the node is a route reflector), sends
#           routes through an import BGPFilter;
#   bird-e  eBGP, no filter: Calico's export steps 1-9;
#   bird-f  eBGP with an export BGPFilter exercising every match
#           operator and condition and the operations.
# Every expectation below is one export step or filter rule: with that
# rule gone, the route's fate changes and the test fails.
. "$(dirname "$0")/lib.sh"
command -v bird >/dev/null || skip "bird2 not installed"

config() {	# IMPORT_RULES (yaml flow sequence) [PROGRAM_CLUSTER_ROUTES]
	cat <<YAML
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: {name: default}
spec:
  ${2:+programClusterRoutes: $2}
  nodeToNodeMeshEnabled: false
  asNumber: 64512
  serviceClusterIPs: [{cidr: 100.70.0.0/24}]
  serviceLoadBalancerIPs: [{cidr: 100.71.0.0/24}]
  prefixAdvertisements:
  - {cidr: 100.64.0.0/16, communities: ['65000:100']}
---
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: {name: node.n1}
spec:
  prefixAdvertisements:
  - {cidr: 100.64.1.0/26, communities: ['65000:200', '65000:1:2']}
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: n1}
spec:
  bgp: {ipv4Address: 198.51.100.1/24, routeReflectorClusterID: 244.0.0.9}
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: pods}
spec: {cidr: 100.64.0.0/16}
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: private}
spec: {cidr: 100.65.0.0/16, disableBGPExport: true}
---
apiVersion: crd.projectcalico.org/v1
kind: IPAMBlock
metadata: {name: b1}
spec: {cidr: 100.64.1.0/26, affinity: "host:n1"}
---
apiVersion: crd.projectcalico.org/v1
kind: IPAMBlock
metadata: {name: b2}
spec: {cidr: 100.64.2.0/26, affinity: "host:n2"}
---
apiVersion: crd.projectcalico.org/v1
kind: IPAMBlock
metadata: {name: b3}
spec: {cidr: 100.65.1.0/26, affinity: "host:n1"}
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: bird-i}
spec: {peerIP: 198.51.100.101, asNumber: 64512, filters: [imp]}
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: bird-e}
spec: {peerIP: 198.51.100.102, asNumber: 65001}
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: bird-f}
spec: {peerIP: 198.51.100.103, asNumber: 65002, filters: [edge]}
---
apiVersion: projectcalico.org/v3
kind: BGPFilter
metadata: {name: imp}
spec:
  importV4: $1
---
apiVersion: projectcalico.org/v3
kind: BGPFilter
metadata: {name: edge}
spec:
  exportV4:
  - {action: Reject, matchOperator: Equal, cidr: 100.64.20.0/24}
  - action: Accept
    matchOperator: In
    cidr: 100.72.0.0/23
    source: RemotePeers
    operations:
    - addCommunity: {value: '65000:300'}
    - addCommunity: {value: '65000:3:4'}
    - prependASPath: {prefix: [65010, 65011]}
  - action: Accept
    matchOperator: In
    cidr: 100.72.2.0/24
    prefixLength: {min: 25, max: 25}
  - {action: Accept, interface: 'dummy*'}
  - {action: Accept, communities: {values: ['65000:555']}}
  - {action: Accept, asPathPrefix: [65050]}
  - {action: Accept, matchOperator: NotIn, cidr: 100.64.0.0/10}
  - {action: Reject, matchOperator: NotEqual, cidr: 100.64.21.0/24}
YAML
}
IMPORT='[{action: Reject, matchOperator: Equal, cidr: 100.72.7.0/24},
    {action: Accept, matchOperator: In, cidr: 100.72.8.0/24,
     operations: [{addCommunity: {value: "65000:400"}},
                  {prependASPath: {prefix: [65020]}}]}]'
config "$IMPORT" >"$TMP/cluster.yaml"

# bird-i's routes: transit inside the pools (100.64.2x, 100.65.9),
# outside any
# pool (100.72.x, 203.0.113.0/24), a service range and a LoadBalancer
# /32 (100.70, 100.71), one with a community, one with a foreign AS.
cat >"$TMP/bird-i.conf" <<BIRD
router id 198.51.100.101;
log "$TMP/bird-i.log" all;
protocol device {}
protocol static s4 {
	ipv4;
	route 100.64.20.0/24 blackhole;
	route 100.64.21.0/24 blackhole;
	route 100.65.9.0/24 blackhole;
	route 100.64.1.32/27 blackhole;
	route 100.72.0.0/24 blackhole;
	route 100.72.1.0/24 blackhole;
	route 100.72.2.0/24 blackhole;
	route 100.72.2.0/25 blackhole;
	route 100.72.3.0/24 blackhole;
	route 100.72.5.0/24 blackhole;
	route 100.72.6.0/24 blackhole;
	route 100.72.7.0/24 blackhole;
	route 100.72.8.0/24 blackhole;
	route 100.72.9.0/24 blackhole;
	route 203.0.113.0/24 blackhole;
	route 100.70.0.0/24 blackhole;
	route 100.71.0.5/32 blackhole;
}
protocol bgp n1 {
	local 198.51.100.101 as 64512;
	neighbor 198.51.100.1 as 64512;
	direct;
	ipv4 {
		import all;
		export filter {
			if net = 100.72.5.0/24 then
				bgp_community.add((65000, 555));
			if net = 100.72.6.0/24 then bgp_path.prepend(65050);
			accept;
		};
	};
}
BIRD
for x in e f; do
	as=65001
	[ "$x" = f ] && as=65002
	n=102
	[ "$x" = f ] && n=103
	cat >"$TMP/bird-$x.conf" <<BIRD
router id 198.51.100.$n;
log "$TMP/bird-$x.log" all;
protocol device {}
protocol bgp n1 {
	local 198.51.100.$n as $as;
	neighbor 198.51.100.1 as 64512;
	ipv4 { import all; export none; };
}
BIRD
done

ns n1
link n1 198.51.100.1/24
for x in i e f; do
	n=101
	[ "$x" = e ] && n=102
	[ "$x" = f ] && n=103
	ns "bird-$x"
	link "bird-$x" "198.51.100.$n/24"
	bg "bird-$x" bird -f -c "$TMP/bird-$x.conf" -s "$TMP/bird-$x.ctl"
done

# The node's own routes, as Felix and the admin would leave them.
pod n1 p1 100.64.1.10		# inside the affine block: aggregated
pod n1 p2 100.64.2.5		# borrowed from n2's block: a /32
pod n1 p3 100.65.1.7		# a pool with disableBGPExport
# Interfaces to hang them on (veth pairs: dummy may be unavailable).
k=0
for dev in vxlan.calico bpf1.cali dummy1 other0 tunl0; do
	k=$((k + 1))
	ip -n "${PFX}n1" link add "$dev" type veth peer name "${IFX}v$k" ||
	    fail "no interface $dev"
	ip -n "${PFX}n1" link set "$dev" up
	ip -n "${PFX}n1" link set "${IFX}v$k" up
done
ip -n "${PFX}n1" route add 100.64.3.0/26 dev vxlan.calico proto static
ip -n "${PFX}n1" route add 100.64.5.0/26 dev bpf1.cali proto static
ip -n "${PFX}n1" route add 100.64.30.0/26 dev dummy1 proto static
ip -n "${PFX}n1" route add 100.64.4.0/26 dev tunl0 proto static
ip -n "${PFX}n1" route add 100.64.31.0/26 dev other0 proto static
ip -n "${PFX}n1" route add 192.0.2.0/24 dev other0 proto static

bgpd_start n1 "$TMP/cluster.yaml"
wait_for 30 "n1's three sessions" all_established n1 3

# birdc's view of PREFIX at bird-X; present(X, PREFIX, PATTERN...).
bird_route() {
	birdc -s "$TMP/bird-$1.ctl" show route "$2" all
}
present() {
	local x="$1" p="$2" out
	shift 2
	out=$(bird_route "$x" "$p") || return 1
	echo "$out" | grep -q "^$p " || return 1
	for pat in "$@"; do
		echo "$out" | grep -q -- "$pat" || return 1
	done
}
expect() {	# X PREFIX WHY PATTERN...
	local x="$1" p="$2" why="$3"
	shift 3
	try_for 10 present "$x" "$p" "$@" ||
	    fail "bird-$x should have $p ($why):
$(bird_route "$x" "$p")"
}
refuse() {	# X PREFIX WHY
	! present "$1" "$2" || fail "bird-$1 must not have $2 ($3):
$(bird_route "$1" "$2")"
}

# Let everything arrive: the last route each peer gets.
expect e 100.71.0.5/32 "step 7: a reflector re-advertises LB /32s"
expect f 100.64.21.0/24 "NotEqual: the one prefix it spares"

# ---- Calico's export steps (bird-e: eBGP; bird-i: iBGP) ----
expect e 100.64.1.0/26 "step 5: the affine block" \
    "BGP.as_path: 64512\$" "BGP.community: (65000,200)\$" \
    "BGP.large_community: (65000, 1, 2)"
refuse e 100.64.1.10/32 "step 5: inside the aggregated block"
refuse e 100.64.1.32/27 "step 5: learned, inside the aggregated block"
expect e 100.64.2.5/32 "step 8: a borrowed /32"
# Step 4: n1's prefixAdvertisements replace the global list.
present e 100.64.2.5/32 "community" &&
    fail "100.64.2.5/32 has a community from the replaced global list:
$(bird_route e 100.64.2.5/32)"
refuse e 100.65.1.0/26 "step 1: disableBGPExport"
refuse e 100.65.1.7/32 "step 1: disableBGPExport"
refuse e 100.65.9.0/24 "step 1: disableBGPExport, learned over iBGP"
expect e 100.64.3.0/26 "step 2 spares eBGP: tunnel route in a pool"
expect i 100.64.1.0/26 "iBGP gets the block"
refuse i 100.64.3.0/26 "step 2: *.calico routes stay off iBGP"
expect i 100.64.4.0/26 "step 2: programClusterRoutes unset, bgpd \
programs IPIP: tunl0 routes are ordinary"
refuse e 100.64.5.0/26 "step 3: bpf*.cali"
refuse i 100.64.5.0/26 "step 3: bpf*.cali"
expect e 100.70.0.0/24 "step 6: the service cluster range"
expect e 100.71.0.0/24 "step 6: the aggregated LoadBalancer range"
expect e 100.64.20.0/24 "step 8: pool routes carried to eBGP"
expect e 100.64.30.0/26 "step 8: a local route in a pool"
for p in 100.72.0.0/24 100.72.9.0/24 203.0.113.0/24 192.0.2.0/24; do
	refuse e "$p" "step 9: nothing outside the pools"
done
# Service ranges are advertised but never programmed (5.2); other
# learned routes are.
wait_for 10 "n1's kernel route to 100.72.9.0/24" kroute n1 \
    100.72.9.0/24 "via 198.51.100.101"
has_route n1 100.70.0.0/24 || fail "n1 lacks bird-i's 100.70.0.0/24"
no_kroute n1 100.70.0.0/24 ||
    fail "n1 programmed a route into its service range"

# ---- BGPFilter export rules on bird-f, in the order listed ----
refuse f 100.64.20.0/24 "Equal: rejected though step 8 would export"
expect f 100.72.0.0/24 "In + RemotePeers, with operations" \
    "BGP.as_path: 64512 65010 65011\$" "BGP.community: (65000,300)\$" \
    "BGP.large_community: (65000, 3, 4)"
expect f 100.72.1.0/24 "In: inside 100.72.0.0/23"
expect f 100.72.2.0/25 "prefixLength 25..25"
refuse f 100.72.2.0/24 "prefixLength: /24 is outside 25..25"
expect f 100.64.30.0/26 "interface dummy*"
refuse f 100.64.31.0/26 "interface other0 falls to NotEqual"
expect f 100.72.5.0/24 "communities 65000:555"
expect f 100.72.6.0/24 "asPathPrefix 65050" "BGP.as_path: 64512 65050\$"
expect f 203.0.113.0/24 "NotIn 100.64.0.0/10"
refuse f 100.72.3.0/24 "NotEqual: rejected"
refuse f 100.64.1.0/26 "NotEqual: rejected though step 5 would export"

# ---- BGPFilter import rules on bird-i ----
no_route n1 100.72.7.0/24 || fail "n1 imported 100.72.7.0/24 (Equal)"
[ "$(peer_field n1 198.51.100.101 prefixes.filtered)" -ge 1 ] ||
    fail "no filtered prefixes counted for bird-i"
[ "$(route_field n1 100.72.8.0/24 as_path)" = '"65020"' ] ||
    fail "100.72.8.0/24's AS path: $(route_field n1 100.72.8.0/24 as_path)"
route_field n1 100.72.8.0/24 communities | grep -q '"65000:400"' ||
    fail "100.72.8.0/24's communities: \
$(route_field n1 100.72.8.0/24 communities)"

# Reload without the import rules: n1 asks bird-i for its routes again
# (route refresh) and now has 100.72.7.0/24, and 100.72.8.0/24 as sent.
# Felix takes the IPIP routes (programClusterRoutes EnabledNoEncapOnly):
# routes on tunl0 are then Felix's and stay off iBGP (step 2).
config '[]' EnabledNoEncapOnly >"$TMP/cluster.yaml"
bgpctl n1 reload >/dev/null || fail "reload failed"
wait_for 10 "100.72.7.0/24 after the import rule went" has_route n1 \
    100.72.7.0/24
wait_for 10 "100.72.8.0/24 without the import operations" has_route n1 \
    100.72.8.0/24 ""
try_for 10 sh -c "! $(command -v birdc) -s $TMP/bird-i.ctl show route \
    100.64.4.0/26 | grep -q '^100.64.4.0/26 '" ||
    fail "bird-i kept the tunl0 route once Felix programs IPIP"
expect e 100.64.4.0/26 "step 2 spares eBGP"
grep -q "asked the peer for its routes again" "$TMP/bgpd-n1.log" ||
    fail "no route refresh logged"
all_established n1 3 || fail "a session dropped over the reload"

stop_bgpd n1
asan_clean
echo "PASS: Calico export steps, BGPFilter rules and operations"
