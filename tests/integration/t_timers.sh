#!/bin/sh
# Sessions stay up (issue 11): bgpd with --hold-time 3 --send-hold-time 6
# against BIRD 2, FRR, GoBGP and another bgpd node, all at hold 3 s and
# keepalive 1 s, is left alone for 60 s (ten times the send hold time,
# twenty times the hold time) while a pod on n1 pings a pod on n2 every
# 0.2 s through the mesh's routes.  Nothing may flap on either side, no
# NOTIFICATION may be sent, keepalives must flow once a second, and not
# one ping may be lost.
. "$(dirname "$0")/lib.sh"
command -v bird >/dev/null || skip "bird2 not installed"
command -v gobgpd >/dev/null || skip "gobgpd not installed"
frr_need
HOLD_S=60

{
	y_bgpconf true 64512
	y_pool v4 100.64.0.0/16
	y_pool peers 100.65.0.0/16
	y_node n1 198.51.100.1/24
	y_node n2 198.51.100.2/24
	y_block b1 100.64.1.0/26 n1
	y_block b2 100.64.2.0/26 n2
	y_peer bird "peerIP: 198.51.100.11, asNumber: 65010, node: n1"
	y_peer frr "peerIP: 198.51.100.12, asNumber: 65020, node: n1"
	y_peer gobgp "peerIP: 198.51.100.13, asNumber: 65030, node: n1"
} >"$TMP/cluster.yaml"

cat >"$TMP/bird.conf" <<BIRD
router id 198.51.100.11;
log "$TMP/bird.log" all;
protocol device {}
protocol static s4 { ipv4; route 100.65.11.0/24 blackhole; }
protocol bgp n1 {
	local 198.51.100.11 as 65010;
	neighbor 198.51.100.1 as 64512;
	hold time 3;
	keepalive time 1;
	connect delay time 1;
	ipv4 { import all; export all; };
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
 bgp router-id 198.51.100.12
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 198.51.100.1 remote-as 64512
 neighbor 198.51.100.1 timers 1 3
 neighbor 198.51.100.1 timers connect 1
 address-family ipv4 unicast
  network 100.65.12.0/24
 exit-address-family
FRR
cat >"$TMP/gobgp.toml" <<'TOML'
[global.config]
  as = 65030
  router-id = "198.51.100.13"
  local-address-list = ["198.51.100.13"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "198.51.100.1"
    peer-as = 64512
  [neighbors.timers.config]
    hold-time = 3
    keepalive-interval = 1
    connect-retry = 1
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
TOML

for n in n1 n2 bird frr gobgp; do
	ns "$n"
done
link n1 198.51.100.1/24
link n2 198.51.100.2/24
link bird 198.51.100.11/24
link frr 198.51.100.12/24
link gobgp 198.51.100.13/24
pod n1 p1 100.64.1.2
pod n2 p2 100.64.2.2

bg bird bird -f -c "$TMP/bird.conf" -s "$TMP/bird.ctl" \
    >>"$TMP/bird.out" 2>&1
frr_start frr zebra
wait_for 10 "FRR's zebra" test -S "$TMP/frr/zserv.api"
start_frr_bgpd frr
bg gobgp gobgpd -f "$TMP/gobgp.toml" -t toml -p --pprof-disable \
    --api-hosts 127.0.0.1:50051 >>"$TMP/gobgp.log" 2>&1
gcli() {
	ip netns exec "${PFX}gobgp" gobgp -u 127.0.0.1 -p 50051 "$@"
}
wait_for 10 "gobgpd's API" gcli global
gcli global rib add -a ipv4 100.65.13.0/24 >/dev/null ||
    fail "gobgp global rib add"

for n in n1 n2; do
	bgpd_start "$n" "$TMP/cluster.yaml" --hold-time 3 --send-hold-time 6
done
wait_for 30 "n1's four sessions" all_established n1 4
wait_for 30 "n2's session" all_established n2 1
for p in 100.65.11.0/24 100.65.12.0/24 100.65.13.0/24 100.64.2.0/26; do
	wait_for 10 "$p in n1's kernel" kroute n1 "$p"
done
wait_for 10 "n1's block in n2's kernel" kroute n2 100.64.1.0/26
wait_for 10 "the pods to reach each other" pod_ping p1 100.64.2.2

# Every session: negotiated hold 3 s, keepalive 1 s, send hold 6 s.
timers_ok() {	# NODE
	bgpctl "$1" status --json | python3 -c '
import json, sys
for p in json.load(sys.stdin)["peers"]:
    t = p["timers"]
    if (t["hold_seconds"], t["keepalive_seconds"],
            t["send_hold_seconds"]) != (3, 1, 6):
        sys.exit("%s: timers %s" % (p["name"], t))'
}
timers_ok n1 || fail "n1's timers"
timers_ok n2 || fail "n2's timers"
bgpctl n1 status --json >"$TMP/before-n1.json"
bgpctl n2 status --json >"$TMP/before-n2.json"

# The quiet minute, with pings every 0.2 s from p1 to p2.
count=$((HOLD_S * 5))
ip netns exec "${PFX}p1" ping -n -q -i 0.2 -c "$count" -W 1 100.64.2.2 \
    >"$TMP/ping.out" 2>&1
received=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$TMP/ping.out")
[ "$received" = "$count" ] ||
    fail "pings lost: $received of $count answered: $(tail -2 \
    "$TMP/ping.out")"

# bgpd's view: nothing went down, nothing was sent in anger, and each
# session sent about one KEEPALIVE a second (at least 5 in 6).
for n in n1 n2; do
	bgpctl "$n" status --json >"$TMP/after-$n.json"
	python3 - "$TMP/before-$n.json" "$TMP/after-$n.json" "$HOLD_S" <<'PY' ||
import json, sys
before = {p["name"]: p for p in json.load(open(sys.argv[1]))["peers"]}
after = json.load(open(sys.argv[2]))["peers"]
secs = int(sys.argv[3])
for p in after:
    b = before[p["name"]]
    m, mb = p["messages"], b["messages"]
    ka = m["keepalives_out"] - mb["keepalives_out"]
    if p["bgp_state"] != "Established" or p["flaps"] != 0:
        sys.exit("%s: %s, %d flaps" % (p["name"], p["bgp_state"],
                                       p["flaps"]))
    if p["uptime_seconds"] < secs:
        sys.exit("%s: up only %ds" % (p["name"], p["uptime_seconds"]))
    if m["notifications_out"] or m["notifications_in"]:
        sys.exit("%s: NOTIFICATIONs %d out, %d in" % (
            p["name"], m["notifications_out"], m["notifications_in"]))
    if ka < secs * 5 // 6:
        sys.exit("%s: %d keepalives in %ds" % (p["name"], ka, secs))
    if m["keepalives_in"] - mb["keepalives_in"] < secs * 5 // 6:
        sys.exit("%s: peer sent %d keepalives in %ds" % (
            p["name"], m["keepalives_in"] - mb["keepalives_in"], secs))
PY
	    fail "$n: a session did not stay up"
	grep -q 'session down' "$TMP/bgpd-$n.log" &&
	    fail "$n logged a session down"
done

# The peers' view: one connection each, never dropped.
birdc -s "$TMP/bird.ctl" show protocols n1 | grep -q Established ||
    fail "BIRD's session is not Established"
grep -q 'BGP session closed\|Received: \|Error: ' "$TMP/bird.log" &&
    fail "BIRD saw an error: $(grep 'Received: \|Error: ' "$TMP/bird.log")"
vty frr -c "show bgp neighbors 198.51.100.1 json" | python3 -c '
import json, sys
n = json.load(sys.stdin)["198.51.100.1"]
sys.exit(0 if n["bgpState"] == "Established" and
         n["connectionsEstablished"] == 1 and
         n["connectionsDropped"] == 0 else
         "FRR: %s, %d established, %d dropped" % (n["bgpState"],
         n["connectionsEstablished"], n["connectionsDropped"]))' ||
    fail "FRR's session flapped"
gcli neighbor 198.51.100.1 -j | python3 -c '
import json, sys
s = json.load(sys.stdin)["state"]
sys.exit(0 if s.get("flops", 0) == 0 and s["session_state"] == 6 else
         "GoBGP: %s" % s)' || fail "GoBGP's session flapped"

stop_bgpd n1
stop_bgpd n2
asan_clean
echo "PASS: every session held for ${HOLD_S}s at hold 3 s, 0 pings lost"
