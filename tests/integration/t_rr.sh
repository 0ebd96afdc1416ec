#!/bin/sh
# Seed 001's route-reflector topology: two reflector nodes sharing a
# cluster id, four client nodes with a pod each, the mesh off, one
# BGPPeer selecting the reflectors by label, and a BIRD 2 ToR peered by
# nodeSelector over eBGP.  Every client learns every other client's
# block through both reflectors (two equal paths, ECMP) with
# ORIGINATOR_ID and CLUSTER_LIST as RFC 4456 says and installs it; pods
# ping across; the ToR sees every block with AS path 64512 and no
# reflection attributes; and each reflector drops the copies the other
# reflects to it (its own cluster id in CLUSTER_LIST: a loop).
. "$(dirname "$0")/lib.sh"
command -v bird >/dev/null || skip "bird2 not installed"

{
	y_bgpconf false 64512
	y_pool pods 100.64.0.0/16
	y_peer peer-with-route-reflectors \
	    "nodeSelector: all(), peerSelector: \"route-reflector == 'true'\""
	y_peer rack-a-tor "nodeSelector: \"rack == 'a'\", \
	    peerIP: 198.51.100.200, asNumber: 65001"
	for r in 1 2; do
		y_node "rr$r" "198.51.100.1$r/24" 'route-reflector: "true"' \
		    "routeReflectorClusterID: 244.0.0.1"
	done
	for i in 1 2 3 4; do
		y_node "n$i" "198.51.100.$i/24" "rack: a"
		y_block "b-n$i" "100.64.$i.0/26" "n$i"
	done
} >"$TMP/cluster.yaml"

{
	cat <<BIRD
router id 198.51.100.200;
log "$TMP/bird.log" all;
protocol device {}
BIRD
	for i in 1 2 3 4; do
		cat <<BIRD
protocol bgp n$i {
	local 198.51.100.200 as 65001;
	neighbor 198.51.100.$i as 64512;
	ipv4 { import all; export none; };
}
BIRD
	done
} >"$TMP/bird.conf"

ns tor
link tor 198.51.100.200/24
bg tor bird -f -c "$TMP/bird.conf" -s "$TMP/bird.ctl"
for r in 1 2; do
	ns "rr$r"
	link "rr$r" "198.51.100.1$r/24"
done
for i in 1 2 3 4; do
	ns "n$i"
	link "n$i" "198.51.100.$i/24"
	pod "n$i" "p$i" "100.64.$i.10"
done
for n in rr1 rr2 n1 n2 n3 n4; do
	bgpd_start "$n" "$TMP/cluster.yaml"
done
# A reflector: the four clients and the other reflector.  A client: the
# two reflectors and the ToR.
for r in 1 2; do
	wait_for 30 "rr$r's sessions" all_established "rr$r" 5
done
for i in 1 2 3 4; do
	wait_for 30 "n$i's sessions" all_established "n$i" 3
done

# PREFIX's paths in NODE's RIB as "peer_address ecmp originator
# cluster_list" lines.
paths() {
	bgpctl "$1" routes --json | python3 -c '
import json, sys
for r in json.load(sys.stdin)["routes"]:
    if r["prefix"] == sys.argv[1]:
        for p in r["paths"]:
            print(p["peer_address"], p["ecmp"], p.get("originator_id"),
                  ",".join(p.get("cluster_list") or []))' "$2"
}
two_paths() {	# NODE PREFIX ORIGINATOR
	local out
	out=$(paths "$1" "$2")
	[ "$(echo "$out" | grep -c .)" = 2 ] &&
	    echo "$out" | grep -q "^198.51.100.11 True $3 244.0.0.1\$" &&
	    echo "$out" | grep -q "^198.51.100.12 True $3 244.0.0.1\$"
}
for i in 1 2 3 4; do
	for j in 1 2 3 4; do
		[ "$i" = "$j" ] && continue
		try_for 15 two_paths "n$i" "100.64.$j.0/26" \
		    "198.51.100.$j" || fail "n$i's paths to 100.64.$j.0/26:
$(paths "n$i" "100.64.$j.0/26")"
		# Reflection keeps the next hop: both paths lead to n$j.
		wait_for 10 "n$i's kernel route to n$j" kroute "n$i" \
		    "100.64.$j.0/26" "via 198.51.100.$j dev eth0"
	done
done
for i in 1 2 3 4; do
	for j in 1 2 3 4; do
		[ "$i" = "$j" ] && continue
		wait_for 10 "p$i -> p$j" pod_ping "p$i" "100.64.$j.10"
	done
done

# RFC 4456 8: rr2 reflects the clients' routes to rr1 (a non-client)
# with CLUSTER_LIST 244.0.0.1, which is rr1's own: rr1 must drop them
# and keep each block from its client only.
for r in 1 2; do
	o=$((3 - r))
	for j in 1 2 3 4; do
		out=$(paths "rr$r" "100.64.$j.0/26")
		[ "$out" = "198.51.100.$j True None " ] ||
		    fail "rr$r's paths to n$j's block:
$out"
	done
	looped=$(peer_field "rr$r" "198.51.100.1$o" prefixes.looped)
	[ "$looped" -ge 4 ] ||
	    fail "rr$r counted $looped looped prefixes from rr$o"
done

# The ToR (eBGP) gets every block from every client, AS path 64512,
# without ORIGINATOR_ID or CLUSTER_LIST: those stay inside the AS.
tor_ok() {	# PREFIX
	local out
	out=$(birdc -s "$TMP/bird.ctl" show route "$1" all) || return 1
	[ "$(echo "$out" | grep -c 'BGP.as_path: 64512$')" = 4 ] &&
	    ! echo "$out" | grep -q 'cluster_list\|originator_id'
}
for j in 1 2 3 4; do
	try_for 10 tor_ok "100.64.$j.0/26" ||
	    fail "the ToR's view of 100.64.$j.0/26:
$(birdc -s "$TMP/bird.ctl" show route "100.64.$j.0/26" all)"
done

for n in rr1 rr2 n1 n2 n3 n4; do
	stop_bgpd "$n"
done
asan_clean
echo "PASS: two reflectors, four clients, a BIRD ToR"
