#!/bin/sh
# Calico's route priorities (v3.32, CALICO.md 5.6): a learned route's
# kernel metric is 2^31 - 1 minus its LOCAL_PREF; setPriority in an
# import BGPFilter sets it; a local route's metric (Felix's) becomes the
# LOCAL_PREF it is sent with, and one below the normal priority escapes
# its block's aggregation (live migration); the normal priority moves
# with the BGPConfiguration.  n1 peers with an eBGP BIRD and an iBGP
# BIRD, and with n2 in a mesh; every metric is read from the kernels.
. "$(dirname "$0")/lib.sh"
command -v bird >/dev/null || skip "bird2 not installed"

config() {	# [ipv4NormalRoutePriority]
	cat <<YAML
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: {name: default}
spec:
  asNumber: 64512
  ${1:+ipv4NormalRoutePriority: $1}
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: pods}
spec: {cidr: 100.64.0.0/16}
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: tor-e}
spec: {node: n1, peerIP: 198.51.100.101, asNumber: 65001, filters: [prio]}
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: tor-i}
spec: {node: n1, peerIP: 198.51.100.102, asNumber: 64512}
---
apiVersion: projectcalico.org/v3
kind: BGPFilter
metadata: {name: prio}
spec:
  importV4:
  - action: Accept
    communities: {values: ['65000:300']}
    operations: [{setPriority: {value: 300}}]
YAML
	for i in 1 2; do
		y_node "n$i" "198.51.100.$i/24"
		y_block "b$i" "100.64.$i.0/26" "n$i"
	done
}
config >"$TMP/cluster.yaml"

for i in 1 2; do
	ns "n$i"
	link "n$i" "198.51.100.$i/24"
done
for x in e i; do
	ns "bird-$x"
done
link bird-e 198.51.100.101/24
link bird-i 198.51.100.102/24

cat >"$TMP/bird-e.conf" <<BIRD
router id 198.51.100.101;
protocol device {}
protocol static { ipv4; route 100.72.0.0/24 blackhole;
	route 100.72.3.0/24 blackhole; }
protocol bgp n1 {
	local 198.51.100.101 as 65001;
	neighbor 198.51.100.1 as 64512;
	ipv4 { import none; export filter {
		if net = 100.72.3.0/24 then bgp_community.add((65000, 300));
		accept; }; };
}
BIRD
cat >"$TMP/bird-i.conf" <<BIRD
router id 198.51.100.102;
protocol device {}
protocol static { ipv4; route 100.72.1.0/24 blackhole;
	route 100.72.2.0/24 blackhole; }
protocol bgp n1 {
	local 198.51.100.102 as 64512;
	neighbor 198.51.100.1 as 64512;
	ipv4 { import none; export filter {
		if net = 100.72.1.0/24 then bgp_local_pref = 2147482623;
		if net = 100.72.2.0/24 then bgp_local_pref = 2147483135;
		accept; }; };
}
BIRD
for x in e i; do
	bg "bird-$x" bird -f -c "$TMP/bird-$x.conf" -s "$TMP/bird-$x.ctl"
done

# n1's local routes, as Felix writes them: a borrowed /32 at the normal
# metric and one at an elevated one (a VM migrated here), and one
# inside n1's own block at each.
pod n1 p1 100.64.9.5
pod n1 p2 100.64.9.6
pod n1 p3 100.64.1.5
pod n1 p4 100.64.1.6
for p in p1:100.64.9.5:1024 p2:100.64.9.6:512 p3:100.64.1.5:1024 \
    p4:100.64.1.6:512; do
	pod=${p%%:*} rest=${p#*:}
	ip -n "${PFX}n1" route del "${rest%:*}/32" proto 80
	ip -n "${PFX}n1" route add "${rest%:*}/32" dev "cali$pod" proto 80 \
	    scope link metric "${rest#*:}"
done

for i in 1 2; do
	bgpd_start "n$i" "$TMP/cluster.yaml"
done
wait_for 30 "n1's three sessions" all_established n1 3

metric() {	# NODE PREFIX: the metric of our route to PREFIX
	ip -n "$PFX$1" route show "$2" proto 186 |
	    sed -n 's/.* metric \([0-9]*\).*/\1/p'
}
metric_is() {	# NODE PREFIX METRIC
	[ "$(metric "$1" "$2")" = "$3" ]
}
expect_metric() {	# NODE PREFIX METRIC WHY
	try_for 10 metric_is "$1" "$2" "$3" || fail "$1's $2: metric \
'$(metric "$1" "$2")', want $3 ($4)"
}

expect_metric n1 100.72.0.0/24 2147483547 \
    "eBGP: no LOCAL_PREF, BIRD's default 100"
expect_metric n1 100.72.1.0/24 1024 "iBGP at the normal priority"
expect_metric n1 100.72.2.0/24 512 "iBGP at an elevated priority"
expect_metric n1 100.72.3.0/24 300 "setPriority 300 on import"
expect_metric n2 100.64.1.0/26 1024 "n1's block at the normal priority"
expect_metric n2 100.64.9.5/32 1024 "a borrowed /32 at Felix's metric"
expect_metric n2 100.64.9.6/32 512 "a borrowed /32 at an elevated one"
expect_metric n2 100.64.1.6/32 512 "escapes n1's block: elevated"
no_kroute n2 100.64.1.5/32 || fail "n2 got n1's normal /32 inside its block"
# What n1 sent the elevated /32 with.
[ "$(route_field n2 100.64.9.6/32 local_pref)" = 2147483135 ] ||
    fail "n1 sent 100.64.9.6/32 with LOCAL_PREF \
$(route_field n2 100.64.9.6/32 local_pref)"

# The VM's route goes back to the normal metric: aggregated again.
ip -n "${PFX}n1" route add 100.64.1.6/32 dev calip4 proto 80 \
    scope link metric 1024
ip -n "${PFX}n1" route del 100.64.1.6/32 dev calip4 proto 80 metric 512
wait_for 10 "the /32 to fold back into n1's block" no_kroute n2 \
    100.64.1.6/32

# The normal priority moves: n1's block and routes follow.
config 2000 >"$TMP/cluster.yaml"
bgpctl n1 reload >/dev/null || fail "n1's reload"
bgpctl n2 reload >/dev/null || fail "n2's reload"
expect_metric n2 100.64.1.0/26 2000 "n1's block after the move"
expect_metric n2 100.64.9.6/32 512 "still elevated"
all_established n1 3 || fail "a session dropped over the reload"

for i in 1 2; do
	stop_bgpd "n$i"
done
asan_clean
echo "PASS: route priorities as kernel metrics and LOCAL_PREF"
