#!/bin/sh
# The operator commands against a live lab: bgpd with two eBGP sessions
# to two BIRD 2, each command checked by what it does to
# the sessions, to BIRD and to bgpd's own answers; health --ready/--live;
# options before and after the command; garbage on the control socket.
. "$(dirname "$0")/lib.sh"
command -v bird >/dev/null || skip "bird2 not installed"

{
	y_bgpconf false 64512
	y_node node 198.51.100.1/24
	y_pool v4 100.64.0.0/16
	y_pool remote 100.65.0.0/16
	y_block b1 100.64.0.0/26 node
	y_peer bird-a 'peerIP: 198.51.100.2, asNumber: 65010'
	y_peer bird-b 'peerIP: 198.51.100.3, asNumber: 65010'
} >"$TMP/cluster.yaml"
# bird_conf NAME ADDR: one BIRD 2 in AS 65010 with one session to bgpd
bird_conf() {
	cat >"$TMP/$1.conf" <<BIRD
router id $2;
log "$TMP/$1.log" all;
protocol device {}
protocol static s4 { ipv4; route 100.65.0.0/24 blackhole; }
protocol bgp b {
	local $2 as 65010;
	neighbor 198.51.100.1 as 64512;
	ipv4 { import all; export all; };
}
BIRD
}
bird_conf birda 198.51.100.2
bird_conf birdb 198.51.100.3
ns node
ns birda
ns birdb
link node 198.51.100.1/24
link birda 198.51.100.2/24
link birdb 198.51.100.3/24
for b in birda birdb; do
	bg $b bird -f -c "$TMP/$b.conf" -s "$TMP/$b.ctl" >"$TMP/$b.out" 2>&1
done
bgpd_start node "$TMP/cluster.yaml"
wait_for 40 "both sessions Established" all_established node 2
A=Global_198_51_100_2
B=Global_198_51_100_3

pj() {	# NAME EXPR: print a python expression over `bgpd peer NAME --json`
	bgpctl node peer "$1" --json | python3 -c '
import json, sys
p = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$2"
}
birdc_has() {	# BIRD PATTERN: `birdc show protocols all b` has it
	birdc -s "$TMP/$1.ctl" show protocols all b | grep -q -- "$2"
}

# peer: capabilities both ways, timers, counters.
out=$(bgpctl node peer "$A") || fail "bgpd peer $A"
echo "$out" | grep -q "state          Established" || fail "peer: $out"
echo "$out" | grep -q "caps received  .*route-refresh" ||
    fail "peer: no received capabilities: $out"
echo "$out" | grep -q "caps sent      ipv4-unicast route-refresh" ||
    fail "peer: no sent capabilities: $out"
[ "$(pj "$A" 'p["messages_in"]["open"]')" = 1 ] || fail "peer: opens in"
[ "$(pj "$A" 'p["timers"]["hold_negotiated"]')" = 90 ] ||
    fail "peer: negotiated hold time"
[ "$(pj 198.51.100.3 'p["name"]')" = "$B" ] || fail "peer by address"
bgpctl node peer nosuch 2>"$TMP/err" && fail "peer nosuch succeeded"
grep -q "no session 'nosuch'" "$TMP/err" || fail "peer nosuch: $(cat "$TMP/err")"

# routes PREFIX (longest match), adj-in, adj-out.
wait_for 10 "BIRD's route" has_route node 100.65.0.0/24
npaths() {	# PREFIX: how many paths bgpd holds for it
	bgpctl node routes "$1" --json | python3 -c '
import json, sys; print(len(json.load(sys.stdin)["paths"]))'
}
both_paths() { [ "$(npaths 100.65.0.0/24 2>/dev/null)" = 2 ]; }
wait_for 10 "the route from both BIRDs" both_paths
bgpctl node routes 100.65.0.77 | grep -q '^\* 100.65.0.0/24' ||
    fail "routes ADDRESS: $(bgpctl node routes 100.65.0.77)"
bgpctl node routes 203.0.113.1 | grep -q 'no route to 203.0.113.1' ||
    fail "routes to nowhere"
[ "$(bgpctl node routes 100.65.0.0/25 --json | python3 -c '
import json, sys; r = json.load(sys.stdin)
print(r["prefix"], len(r["paths"]))')" = "100.65.0.0/24 2" ] ||
    fail "routes --json: longest match with both paths"
bgpctl node adj-in "$A" | grep -q '100.65.0.0/24 .*198.51.100.2' ||
    fail "adj-in: $(bgpctl node adj-in "$A")"
bgpctl node adj-out "$A" | grep -q '100.64.0.0/26' ||
    fail "adj-out: $(bgpctl node adj-out "$A")"
bgpctl node adj-out "$A" | grep -q '100.65.0.0/24' &&
    fail "adj-out: BIRD's route sent back over eBGP"

# config: the running plan.
bgpctl node config | grep -q "^  $B" || fail "config: $(bgpctl node config)"
[ "$(bgpctl node config --json | python3 -c '
import json, sys; print(len(json.load(sys.stdin)["sessions"]))')" = 2 ] ||
    fail "config --json"

# health: strict (within the threshold) and relaxed.
"$BGPD" health --ready --socket "$TMP/node.sock" >"$TMP/h" ||
    fail "health --ready with every session up: $(cat "$TMP/h")"
grep -q "ready: 2 of 2 sessions Established" "$TMP/h" || fail "$(cat "$TMP/h")"
"$BGPD" --socket "$TMP/node.sock" health --live | grep -q '^live: ' ||
    fail "health --live"
birdc -s "$TMP/birdb.ctl" disable b >/dev/null
wait_for 10 "session B down" sh -c "! $BGPD health --ready --threshold 3600 \
    --socket $TMP/node.sock"
"$BGPD" health --ready --threshold 3600 --socket "$TMP/node.sock" \
    2>"$TMP/h" && fail "ready with one session down"
grep -q "not ready: BGP not established with 198.51.100.3" "$TMP/h" ||
    fail "health why: $(cat "$TMP/h")"
"$BGPD" health --ready --threshold 0 --socket "$TMP/node.sock" >/dev/null ||
    fail "after start-up one Established session is enough"
birdc -s "$TMP/birdb.ctl" enable b >/dev/null
wait_for 40 "session B back" all_established node 2

# shutdown with an RFC 9003 message, then enable.
bgpctl node shutdown "$A" --message "maintenance: new NIC" >/dev/null ||
    fail "shutdown"
wait_for 10 "BIRD sees the shutdown" birdc_has birda "maintenance: new NIC"
[ "$(pj "$A" 'p["admin_down"]')" = True ] || fail "admin_down"
sleep 3	# a shut down session must stay down (BIRD retries meanwhile)
[ "$(pj "$A" 'p["bgp_state"]')" = Idle ] || fail "came back by itself"
"$BGPD" health --ready --threshold 3600 --socket "$TMP/node.sock" \
    >/dev/null || fail "a shut down session counts against readiness"
bgpctl node status | grep -q "198.51.100.2 .* down " ||
    fail "status: $(bgpctl node status)"
bgpctl node enable "$A" >/dev/null || fail "enable"
wait_for 40 "A Established after enable" all_established node 2

# clear --soft: a route refresh, BIRD sends its routes again.
u0=$(pj "$A" 'p["messages_in"]["update"]')
o0=$(pj "$A" 'p["messages_in"]["open"]')
bgpctl node clear "$A" --soft | grep -q "route refresh requested" ||
    fail "clear --soft"
[ "$(pj "$A" 'p["messages_out"]["route_refresh"]')" = 1 ] ||
    fail "no ROUTE-REFRESH sent"
wait_for 10 "BIRD's UPDATEs after the refresh" sh -c \
    "[ \$($BGPD peer $A --json --socket $TMP/node.sock | python3 -c \
    'import json,sys; print(json.load(sys.stdin)[\"messages_in\"][\"update\"])') \
    -gt $u0 ]"
[ "$(pj "$A" 'p["messages_in"]["open"]')" = "$o0" ] ||
    fail "soft clear reset the session"

# clear: a hard reset (Cease, administrative reset), a new OPEN, back up.
bgpctl node clear "$A" >/dev/null || fail "clear"
wait_for 10 "BIRD sees the reset" grep -q "b: Received: Administrative reset" \
    "$TMP/birda.log"
wait_for 40 "A Established after clear" all_established node 2
[ "$(pj "$A" 'p["messages_in"]["open"]')" -gt "$o0" ] ||
    fail "clear: no new session"

# log-level at run time: debug lines appear.
bgpctl node log-level debug | grep -q "log level debug" || fail "log-level"
grep -q "log level debug (was info)" "$TMP/bgpd-node.log" ||
    fail "log-level not logged"
bgpctl node clear "$A" --soft >/dev/null
wait_for 10 "an UPDATE summary at debug level" grep -q \
    "$A: UPDATE: 1 announced, 0 withdrawn" "$TMP/bgpd-node.log"
birdc -s "$TMP/birda.ctl" disable s4 >/dev/null
wait_for 10 "a withdrawal summary" grep -q "$A: UPDATE: 0 announced, 1 withdrawn" \
    "$TMP/bgpd-node.log"
wait_for 10 "a kernel batch at debug level" grep -q "kernel: batch of" \
    "$TMP/bgpd-node.log"
bgpctl node log-level info >/dev/null
bgpctl node log-level loud 2>/dev/null && fail "log-level loud accepted"

# Usage errors exit 2; options before the command work too.
"$BGPD" shutdown 2>/dev/null; [ $? -eq 2 ] || fail "shutdown without a peer"
"$BGPD" status --soft 2>/dev/null; [ $? -eq 2 ] || fail "status --soft"
"$BGPD" --json --socket "$TMP/node.sock" status | grep -q '"peers"' ||
    fail "options before the command"

# Garbage on the control socket: an error each, and bgpd keeps answering.
python3 - "$TMP/node.sock" <<'PY' || fail "control socket garbage"
import socket, sys
def ask(data, expect):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(sys.argv[1])
    try:
        s.sendall(data)
    except OSError:
        pass
    out = b""
    while True:
        try:
            b = s.recv(65536)
        except OSError:
            break
        if not b:
            break
        out += b
    s.close()
    if expect not in out:
        sys.exit("%r -> %r" % (data[:40], out[:200]))
ask(b"x" * 100000, b"ERROR request too long")
ask(b"\xff\xfe\x00garbage\n", b"ERROR")
ask(b"peer %zz\n", b"ERROR bad %-escape")
ask(b"shutdown " + b"a " * 40 + b"\n", b"ERROR too many words")
ask(b"frobnicate\n", b"ERROR unknown request")
ask(b"\n", b"ERROR")
PY
bgpctl node status >/dev/null || fail "bgpd stopped answering"

stop_bgpd node
"$BGPD" status --socket "$TMP/node.sock" 2>/dev/null &&
    fail "status succeeded with bgpd stopped"
asan_clean
echo "PASS: operator commands"
