#!/bin/sh
# bfd/'s transport on its own (bfdprobe, no BGP): single-hop BFD with
# FRR's bfdd and BIRD 2's protocol bfd, over IPv4 and IPv6, at
# 100 ms x 3.  Sessions come Up on both sides; a packet with TTL != 255
# is dropped and counted; a peer's bridge port taken down (no carrier
# change on our side) takes exactly that peer's sessions Down within the
# detection time ("control detection time expired") while the others
# stay Up; the port back up brings them Up again; bfdprobe stopping
# sends AdminDown, which both peers show.
. "$(dirname "$0")/lib.sh"
frr_need
command -v bird >/dev/null || skip "bird2 not installed"
PROBE=${BFDPROBE:-$(dirname "$BGPD")/tests/bfdprobe}
[ -x "$PROBE" ] || fail "no bfdprobe at $PROBE (make asan)"

ns node
ns frr
ns bird
link node 198.51.100.1/24 2001:db8:100::1/64
link frr 198.51.100.2/24 2001:db8:100::2/64
link bird 198.51.100.3/24 2001:db8:100::3/64

# FRR: zebra and bfdd, sockets under $TMP/frr.
mkdir -p "$TMP/frr"
cat >"$TMP/frr/zebra.conf" <<FRR
hostname frr-zebra
log file $TMP/frr-frr-zebra.log
FRR
cat >"$TMP/frr/bfdd.conf" <<FRR
hostname frr-bfdd
log file $TMP/frr-frr-bfdd.log
bfd
 peer 198.51.100.1 local-address 198.51.100.2 interface eth0
  receive-interval 100
  transmit-interval 100
  detect-multiplier 3
 !
 peer 2001:db8:100::1 local-address 2001:db8:100::2 interface eth0
  receive-interval 100
  transmit-interval 100
  detect-multiplier 3
 !
!
FRR
frr_start frr zebra
wait_for 10 "zebra of FRR" test -S "$TMP/frr/zserv.api"
touch "$TMP/frr-frr-bfdd.log"
chown frr:frr "$TMP/frr-frr-bfdd.log"
bg frr "$FRR/bfdd" -u frr -g frr -f "$TMP/frr/bfdd.conf" \
    --vty_socket "$TMP/frr" -i "$TMP/frr/bfdd.pid" \
    -z "$TMP/frr/zserv.api" --bfdctl "$TMP/frr/bfdd.sock" \
    >>"$TMP/frr-frr-bfdd.out" 2>&1
FRR_SCRATCH="$FRR_SCRATCH bfdd.$LAST_PID"
wait_for 10 "FRR's bfdd" vtysh --vty_socket "$TMP/frr" -d bfdd \
    -c "show bfd peers"

cat >"$TMP/bird.conf" <<BIRD
router id 198.51.100.3;
log "$TMP/bird.log" all;
protocol device { }
protocol bfd {
	interface "eth0" {
		min rx interval 100 ms;
		min tx interval 100 ms;
		multiplier 3;
	};
	neighbor 198.51.100.1 dev "eth0" local 198.51.100.3;
	neighbor 2001:db8:100::1 dev "eth0" local 2001:db8:100::3;
}
BIRD
bg bird bird -f -c "$TMP/bird.conf" -s "$TMP/bird.ctl"
wait_for 10 "BIRD" birdc -s "$TMP/bird.ctl" show status

P="$TMP/probe.out"
bg node env ASAN_OPTIONS="log_path=$TMP/asan-probe" "$PROBE" --tx 100 --rx 100 --mult 3 \
    --peer 198.51.100.2%198.51.100.1 --peer 2001:db8:100::2%2001:db8:100::1 \
    --peer 198.51.100.3%198.51.100.1 --peer 2001:db8:100::3%2001:db8:100::1 \
    >"$P" 2>"$TMP/probe.log"
PROBE_PID=$LAST_PID

# probe_state PEER: the last state bfdprobe reported for PEER.
probe_state() {
	python3 - "$P" "$1" <<'PY'
import json, sys
st = "Down"
for l in open(sys.argv[1]):
    try:
        e = json.loads(l)
    except ValueError:
        continue
    if e.get("event") == "state" and e["peer"] == sys.argv[2]:
        st = e["state"]
print(st)
PY
}
probe_is() {	# STATE PEER...
	local want="$1" p
	shift
	for p in "$@"; do
		[ "$(probe_state "$p")" = "$want" ] || return 1
	done
}
frr_peer_is() {	# STATE ADDR
	vtysh --vty_socket "$TMP/frr" -d bfdd -c "show bfd peers json" |
	    python3 -c '
import json, sys
for p in json.load(sys.stdin):
    if p["peer"] == sys.argv[2]:
        sys.exit(0 if p["status"] == sys.argv[1] else 1)
sys.exit(1)' "$1" "$2"
}
bird_peer_is() {	# STATE ADDR
	birdc -s "$TMP/bird.ctl" show bfd sessions |
	    awk -v a="$2" -v s="$1" '$1 == a && $3 == s { f = 1 }
		END { exit !f }'
}
ALL="198.51.100.2 2001:db8:100::2 198.51.100.3 2001:db8:100::3"
wait_for 15 "every BFD session Up at bfdprobe" probe_is Up $ALL
wait_for 5 "FRR's v4 session Up" frr_peer_is up 198.51.100.1
wait_for 5 "FRR's v6 session Up" frr_peer_is up 2001:db8:100::1
wait_for 5 "BIRD's v4 session Up" bird_peer_is Up 198.51.100.1
wait_for 5 "BIRD's v6 session Up" bird_peer_is Up 2001:db8:100::1

# The agreed figures, as bfdprobe shows them.
kill -USR1 "$PROBE_PID"
session_ok() {
	python3 - "$P" <<'PY'
import json, sys
s = {}
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event"] == "session":
        s[e["peer"]] = e
if len(s) != 4:
    sys.exit(1)
for p, e in s.items():
    if e["state"] != "Up" or e["tx_ms"] != 100 or e["detect_ms"] != 300 \
       or e["remote_mult"] != 3 or not 49152 <= e["sport"] <= 65535:
        print("bad session", e)
        sys.exit(1)
PY
}
wait_for 5 "bfdprobe's session figures" session_ok

# A BFD packet from FRR's address with TTL 254 (RFC 5881 5): dropped and
# counted, the session untouched.
ip netns exec "$PFX"frr python3 -c '
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 254)
s.bind(("198.51.100.2", 50001))
pkt = struct.pack("!BBBBIIIII", 0x20, 0x40, 3, 24, 77, 0, 100000, 100000, 0)
for i in range(3):
    s.sendto(pkt, ("198.51.100.1", 3784))
'
ttl_drops() {
	kill -USR1 "$PROBE_PID"
	sleep 0.1
	python3 - "$P" <<'PY'
import json, sys
d = 0
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event"] == "stats":
        d = e["drops"]["ttl"]
sys.exit(0 if d >= 3 else 1)
PY
}
wait_for 5 "three TTL drops counted" ttl_drops
probe_is Up $ALL || fail "a TTL-254 packet changed a session"

# mono: CLOCK_MONOTONIC now (bfdprobe's clock, the same in every
# namespace).  down_after PEER T0: seconds from T0 to PEER's last Down.
mono() {
	python3 -c 'import time; print("%.6f" % time.monotonic())'
}
down_after() {
	python3 - "$P" "$1" "$2" <<'PY'
import json, sys
t = None
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("event") == "state" and e["peer"] == sys.argv[2] and \
       e["state"] == "Down" and e["t"] >= float(sys.argv[3]):
        t = e["t"] - float(sys.argv[3])
        assert e["diag"] == "control detection time expired", e
        break
print("%.3f" % t)
PY
}
# cut NAME: NAME's bridge port down; its sessions (v4, v6) must go Down
# at bfdprobe within 1 s while the other peer's stay Up.
cut() {	# PORT V4 V6 OTHER4 OTHER6
	local t0
	t0=$(mono)
	ip -n "$BRIDGE_NS" link set "$1" down
	wait_for 5 "$1 cut seen" probe_is Down "$2" "$3"
	for a in "$2" "$3"; do
		d=$(down_after "$a" "$t0")
		echo "$a: down $d s after the cut"
		python3 -c "import sys; sys.exit(0 if $d < 1.0 else 1)" ||
		    fail "$a: detected after $d s, not within 1 s"
	done
	probe_is Up "$4" "$5" || fail "cutting $1 touched the other peer"
	ip -n "$BRIDGE_NS" link set "$1" up
	wait_for 15 "$1 back Up" probe_is Up "$2" "$3"
}
cut frr0 198.51.100.2 2001:db8:100::2 198.51.100.3 2001:db8:100::3
wait_for 5 "FRR's v4 session Up again" frr_peer_is up 198.51.100.1
cut bird0 198.51.100.3 2001:db8:100::3 198.51.100.2 2001:db8:100::2
wait_for 5 "BIRD's v4 session Up again" bird_peer_is Up 198.51.100.1

# Stopping sends AdminDown: both peers show the session down (FRR says
# "down", BIRD "Down"), not a detection timeout.
kill -TERM "$PROBE_PID"
wait "$PROBE_PID" || fail "bfdprobe exited $?"
wait_for 5 "FRR sees the v4 session down" frr_peer_is down 198.51.100.1
wait_for 5 "FRR sees the v6 session down" frr_peer_is down 2001:db8:100::1
wait_for 5 "BIRD sees the v4 session down" bird_peer_is Down 198.51.100.1
vtysh --vty_socket "$TMP/frr" -d bfdd -c "show bfd peers json" |
    python3 -c '
import json, sys
for p in json.load(sys.stdin):
    if p["peer"] == "198.51.100.1":
        d = p.get("remote-diagnostic", "")
        sys.exit(0 if d == "administratively down" else 1)
sys.exit(1)' || fail "FRR does not show our AdminDown diagnostic"
asan_clean
echo "PASS: bfd transport with FRR bfdd and BIRD 2"
