#!/bin/sh
# bgpd with BIRD 2: one eBGP (AS 65010) and one iBGP BIRD, each over IPv4
# and IPv6; bgpd's own AS is 4-octet and written in asdot in the YAML.
# Routes must flow both ways and BIRD's CLI must show what bgpd sent.
. "$(dirname "$0")/lib.sh"
command -v bird >/dev/null || skip "bird2 not installed"

# 4200000001 = 64086 * 65536 + 59905
cat >"$TMP/cluster.yaml" <<'YAML'
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: {name: default}
spec: {nodeToNodeMeshEnabled: false}
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: node}
spec:
  bgp:
    ipv4Address: 198.51.100.1/24
    ipv6Address: 2001:db8:100::1/64
    asNumber: "64086.59905"
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
# Pools other clusters use: Calico carries routes inside any pool to
# every peer (CALICO.md 5.1 step 8), so they transit this node.
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: remote-a}
spec: {cidr: 100.65.0.0/16}
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: remote-b}
spec: {cidr: 100.66.0.0/16}
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
YAML
for p in 198.51.100.2:65010 2001:db8:100::2:65010 \
    198.51.100.3:64086.59905 2001:db8:100::3:64086.59905; do
	ip=${p%:*}
	as=${p##*:}
	cat >>"$TMP/cluster.yaml" <<YAML
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: bird-$(echo "$ip" | tr ':.' '--')}
spec: {peerIP: "$ip", asNumber: "$as"}
YAML
done

# bird_conf NAME ID AS V4 V6 STATIC4 STATIC6 OUTSIDE4 [ibgp]
bird_conf() {
	local gw=""
	[ -n "${9:-}" ] && gw="direct;"
	cat >"$TMP/$1.conf" <<BIRD
router id $2;
log "$TMP/$1.log" all;
protocol device {}
protocol static s4 { ipv4; route $6 blackhole; }
protocol static x4 { ipv4; route $8 blackhole; }
protocol static s6 { ipv6; route $7 blackhole; }
protocol bgp b4 {
	local $4 as $3;
	neighbor 198.51.100.1 as 4200000001;
	$gw
	ipv4 { import all; export all; };
}
protocol bgp b6 {
	local $5 as $3;
	neighbor 2001:db8:100::1 as 4200000001;
	$gw
	ipv6 { import all; export all; };
}
BIRD
}
bird_conf ebgp 198.51.100.2 65010 198.51.100.2 2001:db8:100::2 \
    100.65.0.0/24 2001:db8:2000::/48 203.0.113.0/24
bird_conf ibgp 198.51.100.3 4200000001 198.51.100.3 2001:db8:100::3 \
    100.66.0.0/24 2001:db8:3000::/48 203.0.113.128/25 ibgp

ns node
ns ebgp
ns ibgp
link node 198.51.100.1/24 2001:db8:100::1/64
link ebgp 198.51.100.2/24 2001:db8:100::2/64
link ibgp 198.51.100.3/24 2001:db8:100::3/64
start_bird() {
	bg "$1" bird -f -c "$TMP/$1.conf" -s "$TMP/$1.ctl" \
	    >>"$TMP/bird-$1.out" 2>&1
	eval "BIRD_PID_$1=\$LAST_PID"
}
start_bird ebgp
start_bird ibgp
bgpd_start node "$TMP/cluster.yaml"
[ -n "${DEBUG_SLEEP:-}" ] && sleep $DEBUG_SLEEP
wait_for 40 "four sessions with BIRD" all_established node 4

birdc_route() {	# NAME PREFIX PATTERN...: BIRD shows the route with all
	local out
	out=$(birdc -s "$TMP/$1.ctl" show route "$2" all) || return 1
	shift 2
	for pat in "$@"; do
		echo "$out" | grep -q -- "$pat" || return 1
	done
}

# BIRD -> bgpd
wait_for 10 "eBGP v4 route in bgpd" has_route node 100.65.0.0/24 65010
wait_for 10 "eBGP v6 route in bgpd" has_route node 2001:db8:2000::/48 65010
wait_for 10 "iBGP v4 route in bgpd" has_route node 100.66.0.0/24 ""
wait_for 10 "iBGP v6 route in bgpd" has_route node 2001:db8:3000::/48 ""
# bgpd -> BIRD, with the 4-octet AS on the eBGP side
wait_for 10 "bgpd's v4 block in eBGP BIRD" birdc_route ebgp 100.64.0.0/26 \
    "BGP.as_path: 4200000001" "BGP.next_hop: 198.51.100.1"
wait_for 10 "bgpd's v6 block in eBGP BIRD" birdc_route ebgp \
    2001:db8:1000::/122 "BGP.as_path: 4200000001" \
    "BGP.next_hop: 2001:db8:100::1"
# LOCAL_PREF 2^31 - 1 - 1024: the normal route priority, as Calico's
# BIRD export filter sets it (CALICO.md 5.6).
wait_for 10 "bgpd's v4 block in iBGP BIRD" birdc_route ibgp 100.64.0.0/26 \
    "BGP.local_pref: 2147482623"
wait_for 10 "bgpd's v6 block in iBGP BIRD" birdc_route ibgp \
    2001:db8:1000::/122 "BGP.local_pref: 2147482623"
# Transit: iBGP-learned to eBGP (prepended), eBGP-learned to iBGP (next
# hop kept).
wait_for 10 "iBGP route passed to eBGP BIRD" birdc_route ebgp \
    100.66.0.0/24 "BGP.as_path: 4200000001"
wait_for 10 "eBGP route passed to iBGP BIRD" birdc_route ibgp \
    100.65.0.0/24 "BGP.as_path: 65010" "BGP.next_hop: 198.51.100.2"
# Outside every pool: learned, but not passed on (CALICO.md 5.1 step 9).
wait_for 10 "a route outside the pools in bgpd" has_route node \
    203.0.113.0/24 65010
birdc -s "$TMP/ibgp.ctl" show route 203.0.113.0/24 all | grep -q b4 &&
    fail "bgpd passed on a route outside every pool"
birdc -s "$TMP/ebgp.ctl" show route 203.0.113.128/25 all | grep -q b4 &&
    fail "bgpd passed on an iBGP route outside every pool"
# iBGP split horizon: the iBGP route never goes back to iBGP.
birdc -s "$TMP/ibgp.ctl" show route 100.66.0.0/24 all | grep -q b4 &&
    fail "iBGP BIRD got its own route back through bgpd"

# BIRD withdraws: bgpd drops the route.
birdc -s "$TMP/ebgp.ctl" disable s4 >/dev/null
wait_for 10 "the withdrawal in bgpd" no_route node 100.65.0.0/24

# The eBGP BIRD dies without a word: bgpd notices (hold timer or the socket
# closing), drops its routes, and takes the session back when BIRD returns.
birdc -s "$TMP/ebgp.ctl" enable s4 >/dev/null
wait_for 10 "the route back in bgpd" has_route node 100.65.0.0/24 65010
kill -9 "$BIRD_PID_ebgp"
wait "$BIRD_PID_ebgp" 2>/dev/null
start_bird ebgp
wait_for 40 "sessions back after BIRD restart" all_established node 4
wait_for 10 "eBGP route relearned" has_route node 100.65.0.0/24 65010
wait_for 10 "bgpd's block back in restarted BIRD" birdc_route ebgp \
    100.64.0.0/26 "BGP.as_path: 4200000001"
stop_bgpd node
asan_clean
echo "PASS: BIRD 2"
