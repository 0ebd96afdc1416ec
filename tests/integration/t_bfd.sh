#!/bin/sh
# BFD for BGP (RFC 5880/5881/5882, RFC 9384) against FRR (bgpd + bfdd)
# and BIRD 2 (bgp with `bfd on`), IPv4 and IPv6, at 100 ms x 3, both
# peers with graceful restart.  A pod behind both peers is reached
# through FRR (BIRD prepends its AS).
#  - Every BFD session Up on all three sides; status, `bgpd peer`,
#    metrics and the BIRD socket's `show bfd sessions` show them.
#  - FRR's bridge port taken down (no RST, no carrier change on bgpd's
#    side): FRR's routes leave bgpd's kernel within 1.0 s, v4 and v6,
#    the pod answers again (through BIRD) within 1.0 s, and graceful
#    restart keeps nothing (a Cease/BFD Down went out); the BGP session
#    stays down while BFD is, and comes back with it.
#  - The same for BIRD's port (left cut).
#  - With BFD off (failureDetectionMode: None, reload), the same cut
#    leaves FRR's routes in place until the hold time (3 s) expires.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bfdpeers.sh"
frr_need
command -v bird >/dev/null || skip "bird2 not installed"
OBSERVE=${OBSERVE:-$TOP/build/bench/observe}
[ -x "$OBSERVE" ] || fail "no observe at $OBSERVE (make bench-tools)"

ns node
ns frr
ns bird
ns pod
link node 198.51.100.1/24 2001:db8:100::1/64
link frr 198.51.100.2/24 2001:db8:100::2/64
link bird 198.51.100.3/24 2001:db8:100::3/64
# The pod (100.65.0.10) hangs off both peers; it answers through BIRD.
veth() {	# NS1 DEV1 ADDR1 NS2 DEV2 ADDR2
	ip link add "${IFX}v" type veth peer name "${IFX}w"
	ip link set "${IFX}v" netns "$PFX$1"
	ip link set "${IFX}w" netns "$PFX$4"
	ip -n "$PFX$1" link set "${IFX}v" name "$2"
	ip -n "$PFX$4" link set "${IFX}w" name "$5"
	ip -n "$PFX$1" addr add "$3" dev "$2"
	ip -n "$PFX$4" addr add "$6" dev "$5"
	ip -n "$PFX$1" link set "$2" up
	ip -n "$PFX$4" link set "$5" up
}
veth frr pod0 100.65.1.1/30 pod fa 100.65.1.2/30
veth bird pod0 100.65.2.1/30 pod fb 100.65.2.2/30
ip -n "$PFX"pod addr add 100.65.0.10/32 dev lo
ip -n "$PFX"pod route add default via 100.65.2.1
for n in pod frr bird; do
	ip netns exec "$PFX$n" sysctl -qw net.ipv4.ip_forward=1 \
	    net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
done
for d in fa fb lo; do
	ip netns exec "$PFX"pod sysctl -qw "net.ipv4.conf.$d.rp_filter=0"
done
ip -n "$PFX"frr route add 100.65.0.10/32 via 100.65.1.2
ip -n "$PFX"bird route add 100.65.0.10/32 via 100.65.2.2

cat >"$TMP/cluster.yaml" <<'YAML'
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: {name: default}
spec: {nodeToNodeMeshEnabled: false, asNumber: 64512}
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: node, labels: {rack: a}}
spec: {bgp: {ipv4Address: 198.51.100.1/24, ipv6Address: "2001:db8:100::1/64"}}
---
apiVersion: projectcalico.org/v3
kind: BFDConfiguration
metadata: {name: rack-a}
spec:
  nodeSelector: rack == 'a'
  interfaces:
  - matchPattern: "eth*"
    minimumRecvInterval: 100ms
    minimumSendInterval: 100ms
    idleSendInterval: 1s
    multiplier: 3
YAML
peers_yaml() {	# MODE
	for p in frr4:198.51.100.2 frr6:2001:db8:100::2 \
	    bird4:198.51.100.3 bird6:2001:db8:100::3; do
		cat <<YAML
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: ${p%%:*}}
spec: {peerIP: "${p#*:}", asNumber: 65001, failureDetectionMode: $1}
YAML
	done
}
peers_yaml BFDIfDirectlyConnected >"$TMP/peers.yaml"
mkdir -p "$TMP/cfg"
cp "$TMP/cluster.yaml" "$TMP/peers.yaml" "$TMP/cfg/"

bfd_frr frr 198.51.100.2 2001:db8:100::2 3 "100.65.0.0/24 100.66.0.0/24" \
    2001:db8:2000::/48
bfd_bird bird 198.51.100.3 3 "100.65.0.0/24 100.67.0.0/24" \
    2001:db8:3000::/48 "if net = 100.65.0.0/24 then bgp_path.prepend(65001);"

bgpd_start node "$TMP/cfg" --hold-time 3 \
    --bird-socket "$TMP/bird-node.ctl" --bird6-socket "$TMP/bird6-node.ctl" \
    --metrics 127.0.0.1:9187
wait_for 30 "four sessions" all_established node 4

# status_is [PEER FIELD VALUE]...: one `bgpd status --json`, each PEER's
# FIELD (a.b for nested) equal to VALUE (JSON text).
status_is() {
	bgpctl node status --json | python3 -c '
import json, sys
peers = {p["peer_address"]: p for p in json.load(sys.stdin)["peers"]}
a = sys.argv[1:]
for peer, field, want in zip(a[0::3], a[1::3], a[2::3]):
    v = peers[peer]
    for k in field.split("."):
        v = v[k]
    if json.dumps(v) != want:
        print("%s %s: %s, not %s" % (peer, field, json.dumps(v), want))
        sys.exit(1)' "$@"
}
bfd_field() {	# PEER FIELD: one field of bgpd's BFD view of PEER
	peer_field node "$1" "bfd.$2"
}
bfd_up() {	# PEER...: one status call for them all
	local args="" p
	for p in "$@"; do
		args="$args $p bfd.state '\"Up\"'"
	done
	eval status_is $args
}
ALL="198.51.100.2 2001:db8:100::2 198.51.100.3 2001:db8:100::3"
wait_for 15 "BFD Up at bgpd for all four" bfd_up $ALL
wait_for 5 "FRR's BFD v4 Up" frr_bfd_up frr 198.51.100.1
wait_for 5 "FRR's BFD v6 Up" frr_bfd_up frr 2001:db8:100::1
wait_for 5 "BIRD's BFD v4 Up" bird_bfd_up bird 198.51.100.1
wait_for 5 "BIRD's BFD v6 Up" bird_bfd_up bird 2001:db8:100::1

# What operators see: the intervals, multiplier and state everywhere.
status_is 198.51.100.2 bfd.detect_time_ms 300 \
    2001:db8:100::3 bfd.tx_interval_ms 100 \
    198.51.100.3 bfd.interface '"eth0"' 198.51.100.2 bfd.multiplier 3 \
    2001:db8:100::2 bfd.remote_multiplier 3 || fail "BFD in status"
bgpctl node peer 198.51.100.2 | grep -q "bfd            Up for .* on eth0" ||
    fail "bgpd peer 198.51.100.2 shows no BFD line"
birdc -s "$TMP/bird-node.ctl" show bfd sessions >"$TMP/showbfd" ||
    fail "show bfd sessions on bgpd's BIRD socket"
grep -q "^IP address  *Interface  State      Since  *Interval  Timeout" \
    "$TMP/showbfd" || fail "BIRD's header missing: $(cat "$TMP/showbfd")"
grep -Eq "^198\.51\.100\.2  +eth0  +Up  +[0-9:.]+ +0\.100 +0\.300$" \
    "$TMP/showbfd" || fail "BIRD layout row missing: $(cat "$TMP/showbfd")"
birdc -s "$TMP/bird6-node.ctl" show bfd sessions | grep -q "^2001:db8:100::3 " ||
    fail "no IPv6 row on the bird6 socket"
ip netns exec "$PFX"node python3 -c '
import urllib.request
t = urllib.request.urlopen("http://127.0.0.1:9187/metrics").read().decode()
assert "bgpd_bfd_session_up{peer=\"Global_198_51_100_2\",afi=\"ipv4\",interface=\"eth0\"} 1" in t, t
assert "bgpd_bfd_drops_total{reason=\"ttl\"}" in t
assert "bgpd_bfd_session_state{peer=\"Global_2001_db8_100__3\",afi=\"ipv6\",interface=\"eth0\",state=\"Up\"} 1" in t
assert "bgpd_bfd_session_multiplier{peer=\"Global_198_51_100_3\",afi=\"ipv4\",interface=\"eth0\"} 3" in t
assert "bgpd_bfd_session_uptime_seconds{peer=\"Global_198_51_100_3\"" in t
' || fail "BFD metrics"

wait_for 10 "FRR's routes in bgpd's kernel" kroute node 100.66.0.0/24
wait_for 10 "BIRD's routes in bgpd's kernel" kroute node 100.67.0.0/24
wait_for 10 "FRR's v6 route" kroute node 2001:db8:2000::/48
wait_for 10 "BIRD's v6 route" kroute node 2001:db8:3000::/48
wait_for 10 "the pod via FRR" kroute node 100.65.0.0/24 "via 198.51.100.2"
wait_for 10 "the pod answering" pod_ping node 100.65.0.10

mono() {
	python3 -c 'import time; print("%.6f" % time.monotonic())'
}
# gone_within NAME FAMILY RANGE T0 LIMIT: observe's "zero" for RANGE
# (bgpd's routes) came within LIMIT s of T0.
gone_within() {
	python3 - "$TMP/obs-$1" "$4" "$5" "$1" <<'PY'
import json, sys
t = None
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event"] == "zero":
        t = e["t"]
if t is None:
    print("%s: never gone" % sys.argv[4])
    sys.exit(1)
d = t - float(sys.argv[2])
print("%s: gone %.3f s after the cut" % (sys.argv[4], d))
sys.exit(0 if d <= float(sys.argv[3]) else 1)
PY
}
observe() {	# NAME FAMILY RANGE
	bg node "$OBSERVE" --family "$2" --proto 186 --range "$3" \
	    --until-zero --timeout 20 >"$TMP/obs-$1" 2>>"$TMP/observe.log"
	eval "OBS_$1=\$LAST_PID"
	wait_for 5 "observe $1 started" grep -q '"start"' "$TMP/obs-$1"
}
# The pod is pinged every 20 ms through the cut; outage = the longest
# gap between two answers.
ping_start() {
	bg node ping -D -i 0.02 -W 1 100.65.0.10 >"$TMP/ping.out" 2>&1
	PING_PID=$LAST_PID
	wait_for 5 "pod pings answered" grep -q "bytes from" "$TMP/ping.out"
}
ping_outage() {	# LIMIT
	kill -TERM "$PING_PID"	# (SIGINT: ignored in the background)
	wait "$PING_PID" 2>/dev/null
	python3 - "$TMP/ping.out" "$1" <<'PY'
import re, sys
ts = [float(m.group(1)) for m in
      (re.match(r"\[(\d+\.\d+)\] \d+ bytes from", l) for l in open(sys.argv[1]))
      if m]
gap = max(b - a for a, b in zip(ts, ts[1:]))
print("pod unreachable for %.3f s at most" % gap)
sys.exit(0 if gap <= float(sys.argv[2]) else 1)
PY
}

# ---- FRR's port cut, BFD on ----
FLAPS=$(bfd_field 198.51.100.2 flaps)
observe frr4 4 100.66.0.0/24
observe frr6 6 2001:db8:2000::/48
ping_start
T0=$(mono)
ip -n "$BRIDGE_NS" link set frr0 down
wait_for 5 "FRR's v4 route gone" no_kroute node 100.66.0.0/24
wait_for 5 "FRR's v6 route gone" no_kroute node 2001:db8:2000::/48
wait_for 5 "the pod via BIRD" kroute node 100.65.0.0/24 "via 198.51.100.3"
wait_for 5 "pod answering via BIRD" pod_ping node 100.65.0.10
gone_within frr4 4 100.66.0.0/24 "$T0" 1.0 || fail "v4 not within 1 s"
gone_within frr6 6 2001:db8:2000::/48 "$T0" 1.0 || fail "v6 not within 1 s"
ping_outage 1.0 || fail "the pod was unreachable for more than 1 s"
# A NOTIFICATION went out (Cease/BFD Down: no graceful restart), BGP is
# held down.
status_is 198.51.100.2 bfd.last_down_reason \
    '"control detection time expired"' 198.51.100.2 \
    bfd.holding_bgp_down true 198.51.100.2 last_error '"BGP Error: BFD Down"' \
    2001:db8:100::2 bfd.holding_bgp_down true ||
    fail "after the cut"
grep -q "BFD session down" "$TMP/bgpd-node.log" || fail "no log line"
ip netns exec "$PFX"node python3 -c '
import urllib.request
t = urllib.request.urlopen("http://127.0.0.1:9187/metrics").read().decode()
assert "bgpd_bfd_session_last_down_seconds{peer=\"Global_198_51_100_2\",afi=\"ipv4\",interface=\"eth0\",reason=\"control detection time expired\"}" in t, t
assert "bgpd_bfd_session_holding_bgp{peer=\"Global_198_51_100_2\",afi=\"ipv4\",interface=\"eth0\"} 1" in t
' || fail "BFD metrics after the cut"
# Held down: no connection while BFD is down, whatever the peer tries.
sleep 1
status_is 198.51.100.2 bgp_state '"Idle"' 2001:db8:100::2 bgp_state \
    '"Idle"' || fail "BGP re-opened while BFD is down"
# BIRD untouched.
bfd_up 198.51.100.3 2001:db8:100::3 || fail "cutting FRR touched BIRD"
ip -n "$BRIDGE_NS" link set frr0 up
wait_for 15 "BFD to FRR Up again" bfd_up 198.51.100.2 2001:db8:100::2
wait_for 20 "BGP to FRR back" all_established node 4
wait_for 10 "FRR's routes back" kroute node 100.66.0.0/24
[ "$(bfd_field 198.51.100.2 flaps)" = $((FLAPS + 1)) ] ||
    fail "flaps: $(bfd_field 198.51.100.2 flaps), not $((FLAPS + 1))"

# ---- BIRD's port cut, BFD on ----
observe bird4 4 100.67.0.0/24
observe bird6 6 2001:db8:3000::/48
T0=$(mono)
ip -n "$BRIDGE_NS" link set bird0 down
wait_for 5 "BIRD's v4 route gone" no_kroute node 100.67.0.0/24
wait_for 5 "BIRD's v6 route gone" no_kroute node 2001:db8:3000::/48
gone_within bird4 4 100.67.0.0/24 "$T0" 1.0 || fail "v4 not within 1 s"
gone_within bird6 6 2001:db8:3000::/48 "$T0" 1.0 || fail "v6 not within 1 s"
# BIRD stays cut: what follows is about FRR.
bfd_up 198.51.100.2 2001:db8:100::2 || fail "cutting BIRD touched FRR"

# ---- BFD off: the same cut waits for the hold time ----
peers_yaml None >"$TMP/cfg/peers.yaml"
bgpctl node reload >/dev/null || fail "reload"
no_bfd() {
	[ "$(peer_field node 198.51.100.2 bfd)" = null ]
}
wait_for 5 "BFD gone from status" no_bfd
# FRR 8.4 and BIRD 2.0.12 take BGP down when our BFD session goes away
# (AdminDown, which RFC 5882 4.2 says to ignore): the sessions come back.
frr_established() {
	status_is 198.51.100.2 bgp_state '"Established"' \
	    2001:db8:100::2 bgp_state '"Established"'
}
wait_for 20 "FRR's sessions back without BFD" frr_established
wait_for 10 "FRR's route" kroute node 100.66.0.0/24
T0=$(mono)
ip -n "$BRIDGE_NS" link set frr0 down
sleep 1.5
kroute node 100.66.0.0/24 ||
    fail "without BFD FRR's route went before the hold time"
echo "BFD off: FRR's route still in the kernel 1.5 s after the cut"
wait_for 10 "the hold time to expire" no_kroute node 100.66.0.0/24
python3 -c "import time; print('BFD off: gone %.1f s after the cut' % \
    (time.monotonic() - $T0))"
stop_bgpd node
asan_clean
echo "PASS: BFD with FRR and BIRD 2"
