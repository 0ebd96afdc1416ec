#!/bin/sh
# Graceful restart, restarting side (RFC 4724 4.1).  bgpd peers with BIRD
# (AS 65010) and FRR (AS 65020), both graceful restart helpers; a pod
# behind bgpd pings an address behind each, through bgpd's kernel routes
# one way and the peers' routes to bgpd's block the other way.  bgpd is
# killed with SIGKILL and started again while the pings run:
#  - the peers keep our routes (they see the connection go, no
#    NOTIFICATION), and both show that bgpd's new OPEN carries the R bit
#    (restarting) and the F bit for IPv4 (forwarding kept);
#  - bgpd keeps its kernel routes, defers selection until End-of-RIB from
#    both, then sends its table and End-of-RIB; the peers leave graceful
#    restart with our routes refreshed;
#  - not one ping is lost, and `ip monitor route` in bgpd's, BIRD's and
#    FRR's namespaces shows no route change at all (bgpd's own counters:
#    no kernel add, replace or delete by the new process).
. "$(dirname "$0")/lib.sh"
command -v bird >/dev/null || skip "bird2 not installed"
frr_need

{
	y_bgpconf false 64512
	y_node node 198.51.100.1/24
	y_pool pods 100.64.0.0/16
	y_block b1 100.64.1.0/26 node
	y_peer bird "peerIP: 198.51.100.2, asNumber: 65010"
	y_peer frr "peerIP: 198.51.100.3, asNumber: 65020"
} >"$TMP/cluster.yaml"

cat >"$TMP/bird.conf" <<BIRD
router id 198.51.100.2;
log "$TMP/bird.log" all;
protocol device {}
protocol static { ipv4; route 100.65.0.0/24 blackhole; }
protocol kernel { ipv4 { export where source = RTS_BGP; }; }
protocol bgp n {
	local 198.51.100.2 as 65010;
	neighbor 198.51.100.1 as 64512;
	connect retry time 1;
	graceful restart on;
	ipv4 { import all; export where source = RTS_STATIC; };
}
BIRD
mkdir -p "$TMP/frr"
cat >"$TMP/frr/zebra.conf" <<FRR
hostname frr-zebra
log file $TMP/frr-frr-zebra.log
FRR
cat >"$TMP/frr/bgpd.conf" <<FRR
hostname frr
log file $TMP/frr-frr-bgpd.log
router bgp 65020
 bgp router-id 198.51.100.3
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 198.51.100.1 remote-as 64512
 neighbor 198.51.100.1 timers connect 1
 neighbor 198.51.100.1 advertisement-interval 0
 address-family ipv4 unicast
  network 100.66.0.0/24
  neighbor 198.51.100.1 activate
 exit-address-family
FRR

ns node
ns bird
ns frr
link node 198.51.100.1/24
link bird 198.51.100.2/24
link frr 198.51.100.3/24
# The addresses pinged, on each peer's loopback.
ip -n "${PFX}bird" addr add 100.65.0.1/32 dev lo
ip -n "${PFX}frr" addr add 100.66.0.1/24 dev lo
pod node pa 100.64.1.2

bg bird bird -f -c "$TMP/bird.conf" -s "$TMP/bird.ctl"
frr_start frr zebra
wait_for 10 "zebra of FRR" test -S "$TMP/frr/zserv.api"
start_frr_bgpd frr
bgpd_start node "$TMP/cluster.yaml"
wait_for 30 "bgpd's sessions with BIRD and FRR" all_established node 2

kstat() {
	bgpctl node status --json | python3 -c '
import json, sys
print(json.dumps(json.load(sys.stdin)["kernel"][sys.argv[1]]))' "$1"
}
routes_ok() {
	kroute node 100.65.0.0/24 "via 198.51.100.2" &&
	    kroute node 100.66.0.0/24 "via 198.51.100.3" &&
	    ip -n "${PFX}bird" route show 100.64.1.0/26 |
	    grep -q "via 198.51.100.1" &&
	    ip -n "${PFX}frr" route show 100.64.1.0/26 |
	    grep -q "via 198.51.100.1"
}
wait_for 30 "routes both ways in the kernels" routes_ok
wait_for 40 "bgpd's first selection" test "$(kstat ready)" = true
[ "$(kstat restarted)" = false ] || fail "a first start seen as a restart"
wait_for 10 "pings through" pod_ping pa 100.65.0.1
wait_for 10 "pings through" pod_ping pa 100.66.0.1

# The monitors; mark NS N puts a route in table 100 (nobody looks there)
# and waits until NS's monitor shows it: everything before is in too.
for n in node bird frr; do
	bg "$n" ip monitor route >"$TMP/mon-$n.txt" 2>&1
done
mark() {
	ip -n "$PFX$1" route del "100.127.$2.0/24" table 100 2>/dev/null
	ip -n "$PFX$1" route add blackhole "100.127.$2.0/24" table 100
	grep -q "100.127.$2.0/24" "$TMP/mon-$1.txt"
}
for n in node bird frr; do
	wait_for 10 "the monitor in $n" mark "$n" 1
done

# Pings to both, 10 a second for 25 s, while bgpd is killed and started.
for t in 100.65.0.1 100.66.0.1; do
	ip netns exec "${PFX}pa" ping -q -n -c 250 -i 0.1 -W 2 "$t" \
	    >"$TMP/ping-$t.txt" 2>&1 &
	eval "PING_$(echo "$t" | tr . _)=\$!"
done
sleep 2
kill -KILL "$BGPD_PID_node"
wait "$BGPD_PID_node" 2>/dev/null
cp "$TMP/bgpd-node.log" "$TMP/bgpd-node-first.txt"
birdc() { command birdc -s "$TMP/bird.ctl" "$@"; }
# The peers keep our routes as stale, waiting for us.
bird_gr() {
	birdc show protocols all n | grep -q "Neighbor graceful restart active"
}
wait_for 10 "BIRD in graceful restart for bgpd" bird_gr
bgpd_start node "$TMP/cluster.yaml"
wait_for 30 "bgpd's sessions back" all_established node 2
grep -q "graceful restart: [0-9]* routes of ours kept in the kernel" \
    "$TMP/bgpd-node.log" || fail "bgpd did not see its restart"
[ "$(kstat restarted)" = true ] || fail "status: not restarted"
wait_for 40 "bgpd's selection after End-of-RIB" \
    grep -q "graceful restart: selection done" "$TMP/bgpd-node.log"
eor_sent() {
	[ "$(peer_field node 198.51.100.2 end_of_rib_sent)" = true ] &&
	    [ "$(peer_field node 198.51.100.3 end_of_rib_sent)" = true ]
}
wait_for 10 "our End-of-RIB to both" eor_sent

# What the peers saw in bgpd's new OPEN.
birdc show protocols all n >"$TMP/bird-proto.txt"
python3 - "$TMP/bird-proto.txt" <<'PY' || fail "BIRD: bgpd's OPEN lacks R or F"
import sys
t = open(sys.argv[1]).read()
nb = t.split("Neighbor capabilities")[1].split("Session:")[0]
gr = nb.split("Graceful restart")[1]
assert "Restart recovery" in gr, nb
assert "AF preserved: ipv4" in gr, nb
PY
vty frr -c "show bgp neighbors 198.51.100.1 json" >"$TMP/frr-nbr.json"
python3 - "$TMP/frr-nbr.json" <<'PY' || fail "FRR: bgpd's OPEN lacks R or F"
import json, sys
gr = json.load(open(sys.argv[1]))["198.51.100.1"]["gracefulRestartInfo"]
assert gr["rBit"] is True and gr["remoteGrMode"] == "Restart", gr
assert gr["ipv4Unicast"]["fBit"] is True, gr
PY

# The peers leave graceful restart with our route refreshed.
bird_done() { ! bird_gr && birdc show protocols n | grep -q Established; }
wait_for 20 "BIRD out of graceful restart" bird_done
for t in 100.65.0.1 100.66.0.1; do
	eval "wait \$PING_$(echo "$t" | tr . _)"
done
for n in node bird frr; do
	wait_for 10 "the monitor in $n" mark "$n" 2
	# From the first mark on: before it, ip monitor reads the names
	# under /run/netns, and one another test is deleting right then
	# makes it print "Error: Peer netns reference is invalid."
	changes=$(sed -n '/100\.127\.1\.0\/24/,$p' "$TMP/mon-$n.txt" |
	    grep -v "100\.127\.[12]\.0/24")
	[ -z "$changes" ] || fail "routes changed in $n during the restart:
$changes"
done
for t in 100.65.0.1 100.66.0.1; do
	grep -q " 250 received, 0% packet loss" "$TMP/ping-$t.txt" ||
	    fail "pings to $t lost: $(grep transmitted "$TMP/ping-$t.txt")"
done
for c in adds replaces deletes; do
	[ "$(kstat "$c")" = 0 ] || fail "bgpd's kernel $c: $(kstat "$c")"
done
routes_ok || fail "routes gone after the restart"
grep -h "graceful restart:\|End-of-RIB" "$TMP/bgpd-node.log"
grep -h "transmitted" "$TMP"/ping-*.txt
stop_bgpd node
asan_clean
echo "PASS: kill -9 and restart: R and F seen by BIRD and FRR, 500 pings," \
    "0 lost, no route change in any namespace"
