#!/bin/sh
# etcd going away changes nothing: with etcd stopped for 30 s, two bgpd
# nodes keep every session and every kernel route, and their status says
# the datastore is down; when etcd is back, a change made after it is
# applied.  Then etcd is restarted where bgpd cannot reach it, changed
# and compacted past bgpd's revision: when it is reachable again, bgpd's
# watch is refused for that revision, it re-lists, applies what changed
# (deletes it never saw included) and no session flaps.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/etcd.sh"

routes() {	# NODE: its kernel routes of ours, as text
	ip -n "$PFX$1" route show proto 186 | sort
}
flaps() {	# NODE: the sum of its sessions' flaps
	bgpctl "$1" status --json | python3 -c '
import json, sys
print(sum(p["flaps"] for p in json.load(sys.stdin)["peers"]))'
}
has_peer() {
	peer_field "$1" "$2" name >/dev/null
}
ds_is() {	# NODE FIELD VALUE
	[ "$(ds_field "$1" "$2")" = "$3" ]
}
kernel_changes() {	# NODE: adds + deletes so far
	bgpctl "$1" status --json | python3 -c '
import json, sys
k = json.load(sys.stdin)["kernel"]
print(k["adds"], k["deletes"])'
}

etcd_certs 198.51.100.100
etcd_start etcd 198.51.100.100
etcd_wait etcd
eput etcd "$K_POOLS/pods" "$(j_pool pods 100.64.0.0/16)"
for i in 1 2; do
	ns "n$i"
	link "n$i" "198.51.100.$i/24"
	eput etcd "$K_NODES/n$i" "$(j_node "n$i" "198.51.100.$i/24")"
	eput etcd "$(k_aff "n$i" "100.64.$i.0/26")" "$(j_aff)"
done
eput etcd "$(k_aff n2 100.64.22.0/26)" "$(j_aff)"
for i in 1 2; do
	bgpd_etcd "n$i"
done
for i in 1 2; do
	wait_for 30 "n$i's session" all_established "n$i" 1
done
wait_for 10 "n1: n2's blocks" kroute n1 100.64.22.0/26 "via 198.51.100.2"
wait_for 10 "n2: n1's block" kroute n2 100.64.1.0/26 "via 198.51.100.1"
r1=$(routes n1)
r2=$(routes n2)
k1=$(kernel_changes n1)
k2=$(kernel_changes n2)

# etcd stopped for 30 s.
etcd_stop etcd
for i in 1 2; do
	wait_for 10 "n$i to see etcd down" ds_is "n$i" state '"down"'
	ds_is "n$i" in_sync false || fail "n$i: in sync without etcd"
	ds_field "n$i" last_error | grep -q '198.51.100.100' ||
	    fail "n$i: no datastore error in its status"
done
bgpctl n1 status | grep -q '^Datastore: etcdv3 .*, down, NOT in sync' ||
    fail "status text while down: $(bgpctl n1 status | tail -n 3)"
end=$(($(date +%s) + 30))
while [ "$(date +%s)" -lt "$end" ]; do
	for i in 1 2; do
		all_established "n$i" 1 || fail "n$i lost its session"
	done
	[ "$(routes n1)" = "$r1" ] || fail "n1's kernel routes changed"
	[ "$(routes n2)" = "$r2" ] || fail "n2's kernel routes changed"
	sleep 1
done
for i in 1 2; do
	[ "$(flaps "n$i")" = 0 ] || fail "n$i: a session flapped"
	[ "$(ds_field "n$i" failures)" -ge 3 ] ||
	    fail "n$i did not keep trying to reach etcd"
done
[ "$(kernel_changes n1)" = "$k1" ] || fail "n1 touched its kernel routes"
[ "$(kernel_changes n2)" = "$k2" ] || fail "n2 touched its kernel routes"
echo "30 s without etcd: sessions and kernel routes untouched"

# Back: a change made now is applied.
etcd_start etcd 198.51.100.100
etcd_wait etcd
for i in 1 2; do
	wait_for 15 "n$i back in sync" ds_is "n$i" in_sync true
done
eput etcd "$(k_aff n2 100.64.23.0/26)" "$(j_aff)"
wait_for 10 "n1: n2's new block" kroute n1 100.64.23.0/26 "via 198.51.100.2"
[ "$(ds_field n1 relists)" = 0 ] || fail "n1 re-listed after a plain outage"

# Unreachable for bgpd (loopback only), changed and compacted.
rev_of() {
	ectl etcd endpoint status -w json | python3 -c '
import json, sys
print(json.load(sys.stdin)[0]["Status"]["header"]["revision"])'
}
etcd_stop etcd
ETCD_LISTEN=https://127.0.0.1:2379 etcd_start etcd 198.51.100.100
etcd_wait etcd
for i in 1 2; do
	wait_for 10 "n$i to see etcd down" ds_is "n$i" state '"down"'
done
edel etcd "$(k_aff n2 100.64.22.0/26)"		# a delete bgpd never sees
eput etcd "$K_NODES/n3" "$(j_node n3 198.51.100.3/24)"
eput etcd "$K_PEERS/tor" "$(j_peer tor \
    '"peerIP":"198.51.100.254","asNumber":64513')"
eput etcd "$K_NODES/n3" "$(j_node n3 198.51.100.3/24 '"rack":"r1"')"
rev=$(rev_of)
ectl etcd compact "$rev" >/dev/null || fail "etcdctl compact $rev"
etcd_stop etcd
etcd_start etcd 198.51.100.100
etcd_wait etcd
for i in 1 2; do
	wait_for 15 "n$i: re-listed after the compaction" sh -c \
	    "[ \$(BGPD_SOCKET=$TMP/n$i.sock $BGPD status --json | python3 -c \
	    'import json,sys; print(json.load(sys.stdin)[\"datastore\"][\"relists\"])') -ge 1 ]"
	wait_for 10 "n$i back in sync" ds_is "n$i" in_sync true
	wait_for 10 "n$i: the session to n3" has_peer "n$i" 198.51.100.3
	wait_for 10 "n$i: the ToR" has_peer "n$i" 198.51.100.254
	[ "$(ds_field "n$i" compactions)" -ge 1 ] ||
	    fail "n$i: no compaction seen"
	all_established "n$i" 3 && fail "n$i: sessions to absent peers up"
	[ "$(peer_field "n$i" "198.51.100.$((3 - i))" bgp_state)" = \
	    '"Established"' ] || fail "n$i: the n1-n2 session is not up"
	[ "$(flaps "n$i")" = 0 ] || fail "n$i: a session flapped"
done
wait_for 10 "n1 to drop n2's deleted block" no_kroute n1 100.64.22.0/26
kroute n1 100.64.23.0/26 "via 198.51.100.2" || fail "n1 lost n2's block"
kroute n1 100.64.2.0/26 "via 198.51.100.2" || fail "n1 lost n2's block"
grep -q 'compacted' "$TMP/bgpd-n1.log" || fail "n1 did not log it"
for i in 1 2; do
	stop_bgpd "n$i"
done
asan_clean
echo "PASS: etcd down and compacted"
