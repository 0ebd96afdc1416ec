#!/bin/sh
# Live changes from etcd with pods pinging across four nodes, and not one
# ping lost: a BGPPeer to a ToR is added, its asNumber changed and then
# deleted; a route reflector node and a BGPPeer selecting it by label are
# added and the node-to-node mesh is turned off.  Each is one etcdctl put
# or delete; no bgpd is told anything.  Only the sessions that changed
# are touched.  The ToR is a bgpd on the file datastore, which follows
# its file: a bad edit is reported and its running plan kept, a good one
# applied without `bgpd reload`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/etcd.sh"

mesh_flaps() {	# NODE: the sum of flaps of its mesh sessions
	bgpctl "$1" status --json | python3 -c '
import json, sys
print(sum(p["flaps"] for p in json.load(sys.stdin)["peers"]
          if p["name"].startswith("Mesh_")))'
}
has_peer() {
	peer_field "$1" "$2" name >/dev/null
}
established() {	# NODE ADDR
	[ "$(peer_field "$1" "$2" bgp_state)" = '"Established"' ]
}
not_established() {
	! established "$@"
}
no_peer() {
	! has_peer "$@"
}
remote_as_is() {	# NODE AS: of its session to the ToR
	[ "$(peer_field "$1" 198.51.100.20 remote_as)" = "$2" ]
}
two_paths() {	# NODE PREFIX
	bgpctl "$1" routes --json | python3 -c '
import json, sys
for r in json.load(sys.stdin)["routes"]:
    if r["prefix"] == sys.argv[1]:
        sys.exit(0 if len(r["paths"]) == 2 else 1)
sys.exit(1)' "$2"
}
tor_yaml() {	# AS
	cat <<YAML
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: {name: default}
spec: {nodeToNodeMeshEnabled: false, asNumber: $1}
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: tor}
spec: {bgp: {ipv4Address: 198.51.100.20/24}}
YAML
	for i in 1 2 3 4; do
		y_peer "n$i" "node: tor, peerIP: 198.51.100.$i, asNumber: 64512"
	done
}
tor_write() {	# TEXT on stdin, replaced the way editors do
	cat >"$TMP/tor/.new.tmp"
	mv "$TMP/tor/.new.tmp" "$TMP/tor/tor.yaml"
}

etcd_certs 198.51.100.100
etcd_start etcd 198.51.100.100
etcd_wait etcd
eput etcd "$K_POOLS/pods" "$(j_pool pods 100.64.0.0/16)"
eput etcd "$K_CONFS/default" "$(j_bgpconf default \
    '"nodeToNodeMeshEnabled":true,"asNumber":64512')"
for i in 1 2 3 4; do
	ns "n$i"
	link "n$i" "198.51.100.$i/24"
	pod "n$i" "p$i" "100.64.$i.10"
	eput etcd "$K_NODES/n$i" "$(j_node "n$i" "198.51.100.$i/24")"
	eput etcd "$(k_aff "n$i" "100.64.$i.0/26")" "$(j_aff)"
done
ns rr1
link rr1 198.51.100.10/24
ns tor
link tor 198.51.100.20/24
mkdir -p "$TMP/tor"
tor_yaml 64513 | tor_write
bgpd_start tor "$TMP/tor"
for i in 1 2 3 4; do
	bgpd_etcd "n$i"
done
for i in 1 2 3 4; do
	wait_for 30 "n$i's mesh" all_established "n$i" 3
done
for i in 1 2 3 4; do
	for j in 1 2 3 4; do
		[ "$i" = "$j" ] && continue
		wait_for 10 "p$i -> p$j" pod_ping "p$i" "100.64.$j.10"
	done
done
for pair in 1:4 2:3 3:1 4:2; do
	a=${pair%:*}
	b=${pair#*:}
	bg "p$a" ping -n -i 0.05 -W 1 -w 150 "100.64.$b.10" \
	    >"$TMP/ping-$a-$b.txt" 2>&1
	eval "PING_$a=\$LAST_PID"
done

# 1. A BGPPeer to the ToR for every node.
# (No node or nodeSelector: a global peer, as Calico names it.)
eput etcd "$K_PEERS/tor" "$(j_peer tor \
    '"peerIP":"198.51.100.20","asNumber":64513')"
for i in 1 2 3 4; do
	wait_for 15 "n$i: the ToR session" established "n$i" 198.51.100.20
done
wait_for 10 "the ToR's four sessions" all_established tor 4
[ "$(peer_field n1 198.51.100.20 name)" = '"Global_198_51_100_20"' ] ||
    fail "the ToR session's name: $(peer_field n1 198.51.100.20 name)"

# 2. Its asNumber changed: those sessions restart for the new AS (the
# ToR, still 64513, refuses it); the mesh is not touched.
eput etcd "$K_PEERS/tor" "$(j_peer tor \
    '"peerIP":"198.51.100.20","asNumber":64514')"
for i in 1 2 3 4; do
	wait_for 10 "n$i: remote AS 64514" remote_as_is "n$i" 64514
	wait_for 10 "n$i: the ToR session down" not_established "n$i" \
	    198.51.100.20
done
grep -q 'Global_198_51_100_20: restarting (' "$TMP/bgpd-n1.log" ||
    fail "n1 did not restart the ToR session for the AS change"
# A bad edit of the ToR's file: reported, its running plan kept.
printf 'apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\n: [\n' |
    tor_write
wait_for 5 "the ToR to report the bad edit" grep -q \
    "reload failed, keeping the running configuration" "$TMP/bgpd-tor.log"
# The good edit: the ToR becomes AS 64514, no `bgpd reload` needed.
tor_yaml 64514 | tor_write
for i in 1 2 3 4; do
	wait_for 20 "n$i: the ToR session back with AS 64514" established \
	    "n$i" 198.51.100.20
done

# 3. The BGPPeer deleted: the sessions go.
edel etcd "$K_PEERS/tor"
for i in 1 2 3 4; do
	wait_for 10 "n$i: the ToR session removed" no_peer "n$i" \
	    198.51.100.20
done
stop_bgpd tor
for i in 1 2 3 4; do
	[ "$(mesh_flaps "n$i")" = 0 ] ||
	    fail "n$i: a mesh session flapped for the ToR's changes"
done

# 4. A route reflector selected by label, and the peering to it.
bgpd_etcd_bg rr1
eput etcd "$K_NODES/rr1" "$(j_node rr1 198.51.100.10/24 \
    '"route-reflector":"true"' '"routeReflectorClusterID":"244.0.0.1"')"
RR_SPEC="\"nodeSelector\":\"all()\",\"peerSelector\":\"route-reflector == 'true'\""
eput etcd "$K_PEERS/peer-with-route-reflectors" \
    "$(j_peer peer-with-route-reflectors "$RR_SPEC")"
wait_for 15 "rr1 to answer" bgpctl rr1 status
wait_for 30 "rr1's four clients" all_established rr1 4
for i in 1 2 3 4; do
	wait_for 30 "n$i: mesh and rr1" all_established "n$i" 4
done
for i in 1 2 3 4; do
	for j in 1 2 3 4; do
		[ "$i" = "$j" ] && continue
		wait_for 10 "n$i to hear n$j's block from rr1 too" \
		    two_paths "n$i" "100.64.$j.0/26"
	done
done

# 5. The mesh turned off.
eput etcd "$K_CONFS/default" "$(j_bgpconf default \
    '"nodeToNodeMeshEnabled":false,"asNumber":64512')"
for i in 1 2 3 4; do
	wait_for 30 "n$i with rr1 only" all_established "n$i" 1
done
for i in 1 2 3 4; do
	for j in 1 2 3 4; do
		[ "$i" = "$j" ] && continue
		[ "$(route_field "n$i" "100.64.$j.0/26" cluster_list)" = \
		    '["244.0.0.1"]' ] ||
		    fail "n$i's route to n$j is not the reflected one"
		kroute "n$i" "100.64.$j.0/26" "via 198.51.100.$j dev eth0" ||
		    fail "n$i's kernel route to n$j moved"
	done
	d=$(bgpctl "n$i" status --json | python3 -c '
import json, sys
print(json.load(sys.stdin)["kernel"]["deletes"])')
	[ "$d" = 0 ] || fail "n$i deleted $d kernel routes on the way"
done
sleep 1
for a in 1 2 3 4; do
	eval "kill -INT \$PING_$a"
done
sleep 0.5
for f in "$TMP"/ping-*.txt; do
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$f")
	recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$f")
	[ -n "$sent" ] && [ "$sent" -gt 50 ] || fail "$(basename "$f"): \
too few pings ($(tail -n 2 "$f"))"
	[ "$sent" = "$recv" ] || fail "$(basename "$f"): $recv of $sent \
answered"
	echo "$(basename "$f" .txt): $recv/$sent answered"
done
for n in n1 n2 n3 n4 rr1; do
	stop_bgpd "$n"
done
asan_clean
echo "PASS: BGPPeer, route reflectors and the mesh, live from etcd"
