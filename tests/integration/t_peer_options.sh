#!/bin/sh
# Per-session BGPPeer options (CALICO.md 4.6) against BIRD 2 peers:
#   bird-a  eBGP, localASNumber 65100
#   bird-b  eBGP, keepOriginalNextHop, numAllowedLocalASNumbers 1
#   bird-c  iBGP, nextHopMode Self
#   bird-d  eBGP on another subnet of the link, passive, sourceAddress
#           None: only a connection from our address there is accepted
#   bird-e  eBGP, nextHopMode Keep
# Each expectation fails with its option ignored.
. "$(dirname "$0")/lib.sh"
command -v bird >/dev/null || skip "bird2 not installed"

{
	y_bgpconf false 64512
	y_node n1 198.51.100.1/24
	y_pool pods 100.64.0.0/16
	y_block b1 100.64.1.0/26 n1
	y_peer bird-a "peerIP: 198.51.100.101, asNumber: 65001, \
	    localASNumber: 65100"
	y_peer bird-b "peerIP: 198.51.100.102, asNumber: 65002, \
	    keepOriginalNextHop: true, numAllowedLocalASNumbers: 1"
	y_peer bird-c "peerIP: 198.51.100.103, asNumber: 64512, \
	    nextHopMode: Self"
	y_peer bird-d "peerIP: 192.0.2.4, asNumber: 65004, \
	    sourceAddress: None"
	y_peer bird-e "peerIP: 198.51.100.105, asNumber: 65005, \
	    nextHopMode: Keep"
} >"$TMP/cluster.yaml"

# bird X: ADDR LOCAL_AS NEIGHBOR NEIGHBOR_AS EXTRA ROUTES...
bird_conf() {
	local x="$1" addr="$2" las="$3" nbr="$4" nas="$5" extra="$6"
	shift 6
	{
		echo "router id $addr;"
		echo "log \"$TMP/bird-$x.log\" all;"
		echo "protocol device {}"
		echo "protocol static s4 { ipv4;"
		for r in "$@"; do
			echo "	route $r blackhole;"
		done
		echo "}"
		cat <<BIRD
protocol bgp n1 {
	local $addr as $las;
	neighbor $nbr as $nas;
	$extra
	ipv4 {
		import all;
		export filter {
			if net = 100.64.70.0/24 then bgp_path.prepend(65100);
			if net = 100.64.71.0/24 then bgp_path.prepend(64512);
			if source = RTS_STATIC then accept;
			reject;
		};
	};
}
BIRD
	} >"$TMP/bird-$x.conf"
}
bird_conf a 198.51.100.101 65001 198.51.100.1 65100 "" \
    100.64.60.0/24 100.64.70.0/24
bird_conf b 198.51.100.102 65002 198.51.100.1 64512 "" 100.64.71.0/24
bird_conf c 198.51.100.103 64512 198.51.100.1 64512 "direct;" \
    100.64.50.0/24
bird_conf d 192.0.2.4 65004 192.0.2.1 64512 "passive on;"
bird_conf e 198.51.100.105 65005 198.51.100.1 64512 ""

ns n1
link n1 198.51.100.1/24 192.0.2.1/24
for x in a b c e; do
	case $x in a) n=101 ;; b) n=102 ;; c) n=103 ;; e) n=105 ;; esac
	ns "bird-$x"
	link "bird-$x" "198.51.100.$n/24"
done
ns bird-d
link bird-d 192.0.2.4/24
for x in a b c d e; do
	bg "bird-$x" bird -f -c "$TMP/bird-$x.conf" -s "$TMP/bird-$x.ctl"
done

bgpd_start n1 "$TMP/cluster.yaml"
# bird-a only talks to AS 65100 and bird-d only accepts 192.0.2.1: all
# five up means localASNumber and sourceAddress None took effect.
try_for 30 all_established n1 5 ||
    fail "not every session came up: $(bgpctl n1 status)"

bird_has() {	# X PREFIX PATTERN...
	local x="$1" p="$2" out
	shift 2
	out=$(birdc -s "$TMP/bird-$x.ctl" show route "$p" all) || return 1
	echo "$out" | grep -q "^$p " || return 1
	for pat in "$@"; do
		echo "$out" | grep -q -- "$pat" || return 1
	done
}
expect() {	# X PREFIX WHY PATTERN...
	local x="$1" p="$2" why="$3"
	shift 3
	try_for 10 bird_has "$x" "$p" "$@" || fail "bird-$x: $p ($why):
$(birdc -s "$TMP/bird-$x.ctl" show route "$p" all)"
}

expect a 100.64.1.0/26 "localASNumber: our path starts with 65100" \
    "BGP.as_path: 65100\$"
# numAllowedLocalASNumbers 1 lets bird-b's "65002 64512" in; bird-a's
# "65001 65100" holds that session's local AS: a loop.
wait_for 10 "100.64.71.0/24 (one local AS allowed)" has_route n1 \
    100.64.71.0/24 "65002 64512"
no_route n1 100.64.70.0/24 || fail "n1 took bird-a's looped route"
[ "$(peer_field n1 198.51.100.101 prefixes.looped)" -ge 1 ] ||
    fail "bird-a's looped route was not counted"
# bird-c's iBGP route to the eBGP peers: next hop kept on request.
expect b 100.64.50.0/24 "keepOriginalNextHop" \
    "BGP.next_hop: 198.51.100.103"
expect e 100.64.50.0/24 "nextHopMode Keep" "BGP.next_hop: 198.51.100.103"
expect a 100.64.50.0/24 "eBGP default: next hop self" \
    "BGP.next_hop: 198.51.100.1\$"
# bird-a's eBGP route to the iBGP peer: next hop self on request.
expect c 100.64.60.0/24 "nextHopMode Self" "BGP.next_hop: 198.51.100.1\$"
expect d 100.64.1.0/26 "sourceAddress None: routes flow"

stop_bgpd n1
asan_clean
echo "PASS: localASNumber, numAllowedLocalASNumbers, next hop modes," \
    "sourceAddress None"
