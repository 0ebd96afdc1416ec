#!/bin/sh
# RFC 7606 on the wire: a raw speaker (bgpraw.py) sends hand-made bad
# UPDATEs to bgpd while BIRD feeds it a good route.  Each error gets the
# action RELIABILITY.md 1.2 gives it, and nothing else is disturbed: the
# other routes of the same peer stay until the peer itself is reset, and
# BIRD's session and route never move.
. "$(dirname "$0")/lib.sh"
command -v bird >/dev/null || skip "bird2 not installed"

cat >"$TMP/cluster.yaml" <<'YAML'
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: {name: default}
spec: {nodeToNodeMeshEnabled: false, asNumber: 65000}
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: p}
spec: {cidr: 100.70.0.0/16}
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: node}
spec: {bgp: {ipv4Address: 198.51.100.1/24}}
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: bird}
spec: {peerIP: 198.51.100.2, asNumber: 65010}
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: raw}
spec: {peerIP: 198.51.100.4, asNumber: 65040}
YAML
cat >"$TMP/bird.conf" <<BIRD
router id 198.51.100.2;
log "$TMP/bird.log" all;
protocol device {}
protocol static s4 { ipv4; route 100.65.0.0/24 blackhole; }
protocol bgp b4 {
	local 198.51.100.2 as 65010;
	neighbor 198.51.100.1 as 65000;
	ipv4 { import all; export all; };
}
BIRD

ns node
ns bird
ns raw
link node 198.51.100.1/24
link bird 198.51.100.2/24
link raw 198.51.100.4/24
bg bird bird -f -c "$TMP/bird.conf" -s "$TMP/bird.ctl"
bgpd_start node "$TMP/cluster.yaml"
mkfifo "$TMP/cmds"
bg raw python3 "$TOP/tests/integration/bgpraw.py" --local 198.51.100.4 \
    --peer 198.51.100.1 --as 65040 --id 198.51.100.4 "$TMP/cmds" \
    "$TMP/raw.log"
# Keep the FIFO open for writing so each `send` is not an EOF.
exec 3<>"$TMP/cmds"
wait_for 30 "both sessions" all_established node 2
wait_for 10 "BIRD's route" has_route node 100.65.0.0/24 65010

send() {
	echo "send $1" >&3
	wait_for 5 "bgpraw to send $1" grep -q "^sent $1\$" "$TMP/raw.log"
}
raw_up() {
	[ "$(peer_field node 198.51.100.4 bgp_state)" = '"Established"' ]
}
bird_fine() {
	has_route node 100.65.0.0/24 65010 &&
	    [ "$(peer_field node 198.51.100.2 bgp_state)" = '"Established"' ]
}

send p1
send p2
wait_for 5 "p1" has_route node 100.70.1.0/24 65040
wait_for 5 "p2" has_route node 100.70.2.0/24 65040

# 3(e): an invalid ORIGIN value: treat-as-withdraw, p2 goes, p1 stays.
send p2_bad_origin
wait_for 5 "p2 withdrawn (bad ORIGIN)" no_route node 100.70.2.0/24
has_route node 100.70.1.0/24 65040 || fail "p1 lost to p2's error"
raw_up || fail "session reset for a bad ORIGIN"
[ "$(peer_field node 198.51.100.4 treat_as_withdraw)" = 1 ] ||
    fail "treat-as-withdraw not counted"

# 7.4: MED of the wrong length: treat-as-withdraw of p1.
send p1_bad_med
wait_for 5 "p1 withdrawn (bad MED)" no_route node 100.70.1.0/24
raw_up || fail "session reset for a bad MED"

# 7.9: ATOMIC_AGGREGATE with a value: attribute discard, p3 accepted.
send p3_bad_atomic
wait_for 5 "p3 accepted (attribute discard)" \
    has_route node 100.70.3.0/24 65040
[ "$(peer_field node 198.51.100.4 attribute_discards)" = 1 ] ||
    fail "attribute discard not counted"

# 3(d): NEXT_HOP missing with classic NLRI: treat-as-withdraw.
send p4_no_nexthop
sleep 0.5
no_route node 100.70.4.0/24 || fail "p4 accepted without NEXT_HOP"

# An unknown optional transitive attribute is kept and passed on to
# BIRD (eBGP) with the Partial bit.
send p4_unknown
wait_for 5 "p4 with an unknown attribute" \
    has_route node 100.70.4.0/24 65040
wait_for 10 "p4 passed on to BIRD" sh -c "birdc -s '$TMP/bird.ctl' \
    show route 100.70.4.0/24 all | grep -q '65000 65040'"

# BIRD shows it by hex type (99 = 0x63) with its value ("kept...").
birdc -s "$TMP/bird.ctl" show route 100.70.4.0/24 all |
    grep -q 'BGP.63 \[t.*: 6b 65 70 74' ||
    fail "the unknown attribute did not reach BIRD intact"
# 3(g): a duplicate MED: the first is kept.
send p2_dup_med
wait_for 5 "p2 back" has_route node 100.70.2.0/24 65040
[ "$(route_field node 100.70.2.0/24 med)" = 1 ] ||
    fail "duplicate MED: got $(route_field node 100.70.2.0/24 med)"

# MED flagged transitive: malformed, treat-as-withdraw.
send p3_med_flags
wait_for 5 "p3 withdrawn (MED flags)" no_route node 100.70.3.0/24
raw_up || fail "session reset for MED flags"
bird_fine || fail "BIRD disturbed"

# 5.3: NLRI that cannot be parsed: session reset with 3/10, every route
# of that peer goes, BIRD's stays.
send bad_nlri
wait_for 5 "NOTIFICATION 3/10 to the raw speaker" \
    grep -q '^notification 3 10$' "$TMP/raw.log"
wait_for 5 "the raw peer's routes flushed" no_route node 100.70.2.0/24
no_route node 100.70.4.0/24 || fail "p4 kept after the reset"
bird_fine || fail "BIRD disturbed by another peer's reset"
last=$(peer_field node 198.51.100.4 last_error)
case $last in
*"Invalid Network Field"*) ;;
*) fail "last_error says $last" ;;
esac
stop_bgpd node
asan_clean
echo "PASS: RFC 7606"
