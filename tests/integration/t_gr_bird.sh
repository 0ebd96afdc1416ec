#!/bin/sh
# Graceful restart, restarting side, with BIRD 2 (eBGP, graceful restart
# on, IPv4 and IPv6 sessions) while a pod behind bgpd pings BIRD's
# loopbacks every 50 ms.  GR_BIRD says which case:
#  - old (this test): long after BIRD's start, BIRD sets no R bit; bgpd
#    is restarted by kill -9, then by SIGTERM;
#  - kill, term (t_gr_bird_recovering_kill.sh, _term.sh): right after
#    BIRD's own graceful restart (kill -9, `bird -R`), BIRD sets R and F
#    and sends nothing until its recovery ends (25 s here, `graceful
#    restart wait`: it waits for a peer that never comes up; under the
#    30 s bgpd keeps routes of ours at most); bgpd is
#    restarted within that time.  bgpd sends its table at once (RFC 4724
#    4.1: not waiting for BIRD, R) and keeps the routes through BIRD in
#    its kernel until BIRD's End-of-RIB, seconds later.  Before the fix
#    they left the kernel at BIRD's OPEN, and the pings were lost until
#    BIRD's recovery ended.
# Each time: not one ping lost, no route deleted in bgpd's or BIRD's
# namespace.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gr_lib.sh"
command -v bird >/dev/null || skip "bird2 not installed"
GR_BIRD=${GR_BIRD:-old}

{
	y_bgpconf false 64512
	y_node node 198.51.100.1/24 "" \
	    "ipv6Address: \"2001:db8:100::1/64\""
	y_pool pods 100.64.0.0/16
	y_pool pods6 '"2001:db8:1000::/64"'
	y_block b1 100.64.1.0/26 node
	y_block b6 '"2001:db8:1000::/122"' node
	y_peer bird "peerIP: 198.51.100.2, asNumber: 65010"
	y_peer bird6 "peerIP: \"2001:db8:100::2\", asNumber: 65010"
} >"$TMP/cluster.yaml"

cat >"$TMP/bird.conf" <<BIRD
router id 198.51.100.2;
log "$TMP/bird.log" all;
graceful restart wait 25;
protocol device {}
protocol static { ipv4; route 100.65.0.0/24 blackhole; }
protocol static { ipv6; route 2001:db8:1000:65::/64 blackhole; }
protocol kernel {
	ipv4 { export where source = RTS_BGP; };
	graceful restart on;
}
protocol kernel {
	ipv6 { export where source = RTS_BGP; };
	graceful restart on;
}
protocol bgp n4 {
	local 198.51.100.2 as 65010;
	neighbor 198.51.100.1 as 64512;
	connect delay time 1;
	connect retry time 1;
	graceful restart on;
	ipv4 { import all; export where source = RTS_STATIC; };
}
protocol bgp n6 {
	local 2001:db8:100::2 as 65010;
	neighbor 2001:db8:100::1 as 64512;
	connect delay time 1;
	connect retry time 1;
	graceful restart on;
	ipv6 { import all; export where source = RTS_STATIC; };
}
# A graceful restart peer that never answers: after \`bird -R\` BIRD
# waits for it (graceful restart wait) before it selects and sends.
protocol bgp ghost {
	local 198.51.100.2 as 65010;
	neighbor 198.51.100.9 as 65099;
	graceful restart on;
	ipv4 { import all; export none; };
}
BIRD

ns node
ns bird
link node 198.51.100.1/24 2001:db8:100::1/64
link bird 198.51.100.2/24 2001:db8:100::2/64
ip -n "${PFX}bird" addr add 100.65.0.1/32 dev lo
ip -n "${PFX}bird" addr add 2001:db8:1000:65::1/128 dev lo
pod node pa 100.64.1.2
gr_pod6 node pa 2001:db8:1000::2

bird_start() {
	bg bird bird -f "$@" -c "$TMP/bird.conf" -s "$TMP/bird.ctl"
	BIRD_PID=$LAST_PID
}
bird_start
bgpd_start node "$TMP/cluster.yaml"
wait_for 30 "bgpd's sessions with BIRD" all_established node 2
routes_ok() {
	kroute node 100.65.0.0/24 "via 198.51.100.2" &&
	    kroute node 2001:db8:1000:65::/64 "via 2001:db8:100::2" &&
	    ip -n "${PFX}bird" route show 100.64.1.0/26 |
	    grep -q "via 198.51.100.1" &&
	    ip -n "${PFX}bird" -6 route show 2001:db8:1000::/122 |
	    grep -q "via 2001:db8:100::1"
}
wait_for 30 "routes both ways" routes_ok
wait_for 10 "IPv4 pings through" pod_ping pa 100.65.0.1
wait_for 10 "IPv6 pings through" pod_ping pa 2001:db8:1000:65::1
gr_monitor node bird

more_pings() { [ "$(grep -c icmp_seq "$TMP/ping-v4.txt")" -gt "$1" ]; }
birdc() { command birdc -s "$TMP/bird.ctl" "$@"; }
bird_recovering() {
	birdc show status | grep -q "Graceful restart recovery in progress"
}

# bgpd restarted with SIG; BIRD's R bit expected as R.
phase() {
	early=
	gr_ping_start v4 pa 100.65.0.1
	gr_ping_start v6 pa 2001:db8:1000:65::1
	wait_for 5 "pings answered" more_pings 10
	echo "$(date +%T.%N | cut -c1-12) pinging"
	echo "$(date +%T.%N | cut -c1-12) restart $1"
	gr_restart node "$TMP/cluster.yaml" "$1"
	echo "$(date +%T.%N | cut -c1-12) started"
	wait_for 30 "bgpd's sessions back" all_established node 2
	echo "$(date +%T.%N | cut -c1-12) established"
	gr_peers_r node "$2" "$2" || fail "BIRD's R bit not $2 as bgpd saw it"
	if [ "$2" = true ]; then
		bird_recovering || fail "BIRD's recovery over too soon"
		# Selection does not wait for BIRD; the sweep does.
		wait_for 10 "bgpd's selection" grep -q \
		    "graceful restart: selection done" "$TMP/bgpd-node.log"
		early=$(gr_swept node && echo yes)
	fi
	wait_for 60 "the sweep after BIRD's End-of-RIB" gr_swept node
	echo "$(date +%T.%N | cut -c1-12) swept"
	grep -h "graceful restart:\|kernel: routes of ours\|stale routes" \
	    "$TMP/bgpd-node.log" | cut -d' ' -f2-
	routes_ok || fail "routes gone after the restart"
	n=$(grep -c "icmp_seq" "$TMP/ping-v4.txt")
	wait_for 5 "pings after the sweep" more_pings $((n + 10))
	gr_ping_check v4
	gr_ping_check v6
	gr_no_deletes node bird
	[ -z "$early" ] || fail "swept while BIRD recovered"
	echo "$(date +%T.%N | cut -c1-12) checked"
}

# BIRD restarts gracefully: killed, started again in recovery (-R).
not_established() { ! all_established node 2; }
bird_graceful() {
	kill -KILL "$BIRD_PID"
	wait "$BIRD_PID" 2>/dev/null
	wait_for 10 "bgpd to see BIRD go" not_established
	bird_start -R
	wait_for 20 "BIRD's sessions back" all_established node 2
	gr_peers_r node true true || fail "BIRD (-R) without R and F"
	echo "$(date +%T.%N | cut -c1-12) BIRD in recovery"
}

case $GR_BIRD in
old)
	phase KILL false
	phase TERM false
	;;
kill|term)
	bird_graceful
	phase "$(echo "$GR_BIRD" | tr a-z A-Z)" true
	;;
esac
stop_bgpd node
asan_clean
echo "PASS: bgpd restarted ($(case $GR_BIRD in old) echo "kill -9," \
    "SIGTERM) with BIRD long up (no R)" ;; *) echo "$GR_BIRD) with BIRD in" \
    "its own recovery (R, F)" ;; esac), IPv4 and IPv6: pings" \
    "$GR_PINGS_DONE answered, 0 lost, no route deleted"
