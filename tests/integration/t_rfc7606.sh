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
# A second address of the node's, on no session: a route with it as next
# hop is ignored all the same (RFC 4271 6.3).
ip -n "${PFX}node" addr add 198.51.100.9/32 dev eth0
bg bird bird -f -c "$TMP/bird.conf" -s "$TMP/bird.ctl"
bgpd_start node "$TMP/cluster.yaml"
mkfifo "$TMP/cmds"
start_raw() {
	bg raw python3 "$TOP/tests/integration/bgpraw.py" \
	    --local 198.51.100.4 --peer 198.51.100.1 --as 65040 \
	    --id 198.51.100.4 "$TMP/cmds" "$TMP/raw.log"
}
start_raw
# Keep the FIFO open for writing so each `send` is not an EOF.
exec 3<>"$TMP/cmds"
wait_for 30 "both sessions" all_established node 2
wait_for 10 "BIRD's route" has_route node 100.65.0.0/24 65010

send() {	# send NAME [notify]
	echo "${2:-send} $1" >&3
	wait_for 5 "bgpraw to send $1" grep -q "^sent $1\$" "$TMP/raw.log"
}
# logged PATTERN: bgpd's log has a line matching (grep -E) PATTERN.
logged() {
	grep -qE "$1" "$TMP/bgpd-node.log"
}
withdraws() {
	peer_field node 198.51.100.4 treat_as_withdraw
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

# RFC 5065 5 / 7606 7.2: confederation segments from a peer outside our
# confederation (bgpd is in none): treat-as-withdraw, said in the log.
# gone_after PREFIX GOOD BAD...: for each BAD, GOOD announces PREFIX,
# then BAD takes it away without resetting the session.
gone_after() {
	local p="$1" good="$2" bad
	shift 2
	for bad in "$@"; do
		send "$good"
		wait_for 5 "$good" has_route node "$p" 65040
		send "$bad"
		wait_for 5 "$p withdrawn ($bad)" no_route node "$p"
		raw_up || fail "session reset for $bad"
	done
}
w0=$(withdraws)
gone_after 100.70.5.0/24 p5 p5_confed p5_confed_set
logged 'Global_198_51_100_4: UPDATE error in AS_PATH: AS_PATH has a '\
'confederation segment from a peer outside our confederation' ||
    fail "the confederation segment was not logged"

# RFC 4271 6.3 (enforce first AS): an eBGP path that is empty or does
# not start with the peer's AS: treat-as-withdraw.
gone_after 100.70.6.0/24 p6 p6_empty_aspath p6_wrong_first_as
logged 'AS_PATH: empty AS_PATH from an external peer: treat-as-withdraw' ||
    fail "the empty AS_PATH was not logged"
logged "AS_PATH does not start with the peer's AS: treat-as-withdraw of 1 "\
'prefix$' || fail "the wrong first AS was not logged"

# 7.15: IPv6 Address Specific Extended Communities of 21 octets.
gone_after 100.70.7.0/24 p7 p7_ipv6_extcomm_21
logged 'UPDATE error in IPV6_ADDRESS_SPECIFIC_EXTENDED_COMMUNITY: IPv6 '\
'Address Specific Extended Communities length not a non-zero multiple '\
'of 20: treat-as-withdraw of 1 prefix' ||
    fail "the IPv6 extended communities error was not logged"
[ "$(withdraws)" = $((w0 + 5)) ] ||
    fail "treat-as-withdraw count $(withdraws), want $((w0 + 5))"

# RFC 4271 6.3: a NEXT_HOP of ours (the session's address, or another of
# the node's): the route is ignored, not kept as a candidate.
gone_after 100.70.8.0/24 p8 p8_own_nh p8_own_nh2
[ "$(peer_field node 198.51.100.4 prefixes.own_next_hop)" = 2 ] ||
    fail "own next hop count: $(peer_field node 198.51.100.4 \
    prefixes.own_next_hop)"
logged 'NEXT_HOP 198.51.100.9 is an address of this host: 1 prefix '\
'ignored' || fail "the own next hop was not logged"
bird_fine || fail "BIRD disturbed"

# 5.3: NLRI that cannot be parsed: session reset with 3/10, every route
# of that peer goes, BIRD's stays.
send bad_nlri
wait_for 5 "NOTIFICATION 3/10 to the raw speaker" \
    grep -q '^notification 3 10$' "$TMP/raw.log"
wait_for 5 "the raw peer's routes flushed" no_route node 100.70.2.0/24
no_route node 100.70.4.0/24 || fail "p4 kept after the reset"
bird_fine || fail "BIRD disturbed by another peer's reset"
# The reason is logged; last_error says it too until a reconnect to the
# raw peer (gone now) fails and says why, as BIRD's "Last error" does.
logged 'Global_198_51_100_4: session down: BGP Error: Invalid Network '\
'Field' || fail "the reset's reason was not logged"
last=$(peer_field node 198.51.100.4 last_error)
case $last in
*"Invalid Network Field"* | *"Socket: "*) ;;
*) fail "last_error says $last" ;;
esac

# RFC 9003: a shutdown communication whose length runs past the data and
# whose text is not UTF-8 is flagged, and shown escaped.
wait_for 5 "the first raw speaker to exit" sh -c \
    "grep -q '^closed' '$TMP/raw.log'"
# In its idle hold after the error bgpd refuses connections (RFC 4271
# 8.2.2 Idle): start the new speaker once it listens for this peer again.
not_idle() {
	[ "$(peer_field node 198.51.100.4 bgp_state)" != '"Idle"' ]
}
wait_for 15 "bgpd out of its idle hold" not_idle
: >"$TMP/raw.log"
start_raw
wait_for 30 "the raw peer back" raw_up
send shutdown_bad_text notify
wait_for 5 "the raw peer gone" sh -c '! raw_up'
last=$(peer_field node 198.51.100.4 last_error)
case $last in
*'Administrative Shutdown (malformed shutdown communication: \"maint'*)
	;;
*) fail "last_error says $last" ;;
esac
logged 'session down: Received: Administrative Shutdown \(malformed '\
'shutdown communication: "maint\\xff"\)' ||
    fail "the malformed shutdown communication was not logged"
bird_fine || fail "BIRD disturbed"
stop_bgpd node
asan_clean
echo "PASS: RFC 7606"
