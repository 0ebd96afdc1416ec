#!/bin/sh
# Calico's etcd as the only datastore: a real etcd 3.4 in its own
# namespace (TLS, client certificates made here), resources written with
# etcdctl in Calico's JSON.  Three bgpd nodes mesh from etcd alone; a
# fourth Node and its block affinity put into etcd reach every node (the
# new session, its block in the kernel) within 2 s and nothing flaps;
# deleting them removes both.  A malformed value and an invalid field are
# reported with their key while a change next to them is applied, and
# nothing crashes.  --check prints the plan from etcd.  The watch is
# restarted on purpose every 2 s of silence (--etcd-watch-idle) all
# through the test, and no session notices.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/etcd.sh"

now() { date +%s.%N; }
elapsed() {
	python3 -c "import sys; print('%.2f' % (float(sys.argv[2]) -
	    float(sys.argv[1])))" "$1" "$2"
}
no_flaps() {	# NODE: every session Established, none ever reset
	bgpctl "$1" status --json | python3 -c '
import json, sys
for p in json.load(sys.stdin)["peers"]:
    if p["flaps"] != 0 or p["bgp_state"] != "Established":
        sys.exit("%s: %s, %d flaps" % (p["name"], p["bgp_state"], p["flaps"]))'
}
has_peer() {	# NODE ADDR: the session exists (configured)
	peer_field "$1" "$2" name >/dev/null
}
kernel_deletes() {
	bgpctl "$1" status --json | python3 -c '
import json, sys
print(json.load(sys.stdin)["kernel"]["deletes"])'
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
done
for i in 1 2 3; do
	eput etcd "$K_NODES/n$i" "$(j_node "n$i" "198.51.100.$i/24")"
	eput etcd "$(k_aff "n$i" "100.64.$i.0/26")" "$(j_aff)"
done
# Another node's affinity and a pending one of n1's are not announced.
eput etcd "$(k_aff n9 100.64.9.0/26)" "$(j_aff)"
eput etcd "$(k_aff n1 100.64.11.0/26)" "$(j_aff pending)"

# --check against etcd: the plan from the live data.
# shellcheck disable=SC2046
ip netns exec "${PFX}n1" "$BGPD" --check --node n1 $(etcd_opts) \
    >"$TMP/check.txt" 2>"$TMP/check.err" || {
	cat "$TMP/check.err"
	fail "--check against etcd"
}
grep -q 'Mesh_198_51_100_2' "$TMP/check.txt" &&
    grep -q 'Mesh_198_51_100_3' "$TMP/check.txt" &&
    grep -q '100.64.1.0/26 aggregate' "$TMP/check.txt" ||
    fail "--check plan: $(cat "$TMP/check.txt")"
! grep -q '100.64.11.0/26' "$TMP/check.txt" ||
    fail "a pending affinity is in the plan"

for i in 1 2 3; do
	bgpd_etcd "n$i" --etcd-watch-idle 2
done
for i in 1 2 3; do
	wait_for 30 "n$i's mesh from etcd" all_established "n$i" 2
done
for i in 1 2 3; do
	for j in 1 2 3; do
		[ "$i" = "$j" ] && continue
		wait_for 10 "n$i: n$j's block in the kernel" \
		    kroute "n$i" "100.64.$j.0/26" "via 198.51.100.$j"
	done
	no_kroute "n$i" 100.64.9.0/26 || fail "n$i: another node's affinity"
done
[ "$(ds_field n1 in_sync)" = true ] || fail "n1 not in sync"
[ "$(ds_field n1 type)" = '"etcdv3"' ] || fail "status: datastore type"
bgpctl n1 status | grep -q "^Datastore: etcdv3 https://198.51.100.100:2379, \
watching, in sync, revision" ||
    fail "status text: $(bgpctl n1 status | tail -n 3)"

# A fourth node joins: its bgpd waits for its Node, then etcdctl puts the
# Node and its affinity.  Within 2 s every node has the new session
# Established and n4's block in its kernel (the FSM's first connection
# attempt comes 250 ms after a session is made, bgp/fsm.c).
bgpd_etcd_bg n4 --etcd-watch-idle 2
wait_for 10 "n4 waiting for its Node" \
    grep -q 'waiting for the datastore to plan node n4' "$TMP/bgpd-n4.log"
# within SECS CMD: poll CMD until it holds or SECS of wall time passed
# since $t0 (the first put).
within() {
	local end
	end=$(python3 -c "import sys
print(float(sys.argv[2]) + float(sys.argv[1]))" "$1" "$t0")
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		python3 -c "import sys, time
sys.exit(time.time() < float(sys.argv[1]))" "$end" && return 1
		sleep 0.05
	done
}
configured() {
	for i in 1 2 3; do
		has_peer "n$i" 198.51.100.4 || return 1
	done
	bgpctl n4 status >/dev/null
}
joined() {
	for i in 1 2 3; do
		[ "$(peer_field "n$i" 198.51.100.4 bgp_state)" = \
		    '"Established"' ] || return 1
		kroute "n$i" 100.64.4.0/26 "via 198.51.100.4" || return 1
	done
}
t0=$(now)
eput etcd "$K_NODES/n4" "$(j_node n4 198.51.100.4/24)"
eput etcd "$(k_aff n4 100.64.4.0/26)" "$(j_aff)"
within 2 configured || fail "n4 not in every node's plan within 2 s"
echo "n4 in every node's running plan: $(elapsed "$t0" "$(now)") s" \
    "after the put"
within 2 joined || fail "n4 not Established with its block in every \
kernel within 2 s ($(elapsed "$t0" "$(now)") s)"
echo "n4 Established, its block in every kernel: $(elapsed "$t0" "$(now)")" \
    "s after the put"
for i in 1 2 3; do
	no_flaps "n$i" || fail "a session of n$i flapped when n4 joined"
done

# n4 leaves: its Node and affinity deleted.
t0=$(now)
edel etcd "$K_NODES/n4"
edel etcd "$(k_aff n4 100.64.4.0/26)"
left() {
	for i in 1 2 3; do
		! has_peer "n$i" 198.51.100.4 || return 1
		no_kroute "n$i" 100.64.4.0/26 || return 1
	done
}
wait_for 5 "n4's session and block gone everywhere" left
echo "n4 left every node: $(elapsed "$t0" "$(now)") s after the delete"
for i in 1 2 3; do
	no_flaps "n$i" || fail "a session of n$i flapped when n4 left"
	[ "$(kernel_deletes "n$i")" = 1 ] ||
	    fail "n$i deleted $(kernel_deletes "n$i") kernel routes, not 1"
done
# n4 itself is gone from etcd: it keeps its last plan, says why, and
# does not crash.
wait_for 5 "n4 to report its Node missing" grep -q \
    "datastore change not applied, keeping the running plan" \
    "$TMP/bgpd-n4.log"
stop_bgpd n4

# Bad values next to a good change: the bad ones are reported with their
# keys and skipped, the good one (a new Node n5) is applied.
eput etcd "$K_PEERS/broken" '{"kind":"BGPPeer","apiVersion":'
eput etcd "$K_PEERS/tor" "$(j_peer tor \
    '"peerIP":"198.51.100.254","asNumber":"sixty-four"')"
eput etcd "$K_NODES/n5" "$(j_node n5 198.51.100.5/24)"
for i in 1 2 3; do
	wait_for 5 "n$i: the session to n5" has_peer "n$i" 198.51.100.5
	# (Events of different watches may come in either order.)
	wait_for 5 "n$i: the located asNumber error" grep -q \
	    "etcd:$K_PEERS/tor: error: spec.asNumber: " "$TMP/bgpd-n$i.log"
	wait_for 5 "n$i: the located JSON error" grep -q \
	    "etcd:$K_PEERS/broken: error: invalid JSON at byte " \
	    "$TMP/bgpd-n$i.log"
	[ "$(ds_field "n$i" skipped_keys)" = 2 ] ||
	    fail "n$i: skipped_keys $(ds_field "n$i" skipped_keys)"
	! has_peer "n$i" 198.51.100.254 || fail "n$i: the invalid peer"
done
ds_field n1 last_resource_error | grep -q "etcd:$K_PEERS/" ||
    fail "status: last_resource_error"
# Logged once, not at every change after.
eput etcd "$K_NODES/n6" "$(j_node n6 198.51.100.6/24)"
wait_for 5 "n1: the session to n6" has_peer n1 198.51.100.6
[ "$(grep -c "etcd:$K_PEERS/tor: error" "$TMP/bgpd-n1.log")" = 1 ] ||
    fail "the asNumber error was logged more than once"
# shellcheck disable=SC2046
if ip netns exec "${PFX}n1" "$BGPD" --check --node n1 $(etcd_opts) \
    >"$TMP/check2.txt" 2>"$TMP/check2.err"; then
	fail "--check passed with invalid keys"
fi
grep -q "etcd:$K_PEERS/tor: error: spec.asNumber" "$TMP/check2.err" &&
    grep -q '2 keys in etcd skipped as invalid' "$TMP/check2.err" &&
    grep -q 'Mesh_198_51_100_5' "$TMP/check2.txt" ||
    fail "--check with bad keys: $(cat "$TMP/check2.err")"
# Fixed in etcd: applied.
eput etcd "$K_PEERS/tor" "$(j_peer tor \
    '"peerIP":"198.51.100.254","asNumber":64513')"
edel etcd "$K_PEERS/broken"
for i in 1 2 3; do
	wait_for 5 "n$i: the fixed peer" has_peer "n$i" 198.51.100.254
	[ "$(ds_field "n$i" skipped_keys)" = 0 ] || fail "n$i: still skipped"
done

# Through all of it the watches were restarted whenever they were silent
# for 2 s; two more restarts now, and no session noticed any of them.
restarted() {	# NODE COUNT
	[ "$(ds_field "$1" watch_restarts)" -ge "$2" ]
}
for i in 1 2 3; do
	r=$(ds_field "n$i" watch_restarts)
	wait_for 15 "n$i: two more watch restarts" restarted "n$i" $((r + 2))
done
for i in 1 2 3; do
	r=$(ds_field "n$i" watch_restarts)
	[ "$(ds_field "n$i" relists)" = 0 ] || fail "n$i re-listed"
	for j in 1 2 3; do
		[ "$i" = "$j" ] && continue
		[ "$(peer_field "n$i" "198.51.100.$j" flaps)" = 0 ] ||
		    fail "n$i: the session to n$j flapped"
	done
	echo "n$i: $r watch restarts, no flap"
done
for i in 1 2 3; do
	stop_bgpd "n$i"
done
asan_clean
echo "PASS: mesh from etcd"
