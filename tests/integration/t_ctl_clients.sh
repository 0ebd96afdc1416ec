#!/bin/sh
# Control clients that never read.  bgpd holds 100,000 routes (from
# bench/gen); its socket belongs to the bgpd group (--socket-group).
# 1. 16 members of the group connect and say nothing: the next member
#    is turned away, root still gets in (places kept for root and the
#    daemon's user), and once the request timeout passes members get in
#    again.
# 2. 16 members ask for `routes --json` and never read.  Each hears OK
#    (and is sent its listing) or "ERROR busy" (all clients' unread
#    output is capped); bgpd's memory grows by less than the cap plus
#    one listing, not by 16 listings; root's status still answers; every
#    client that was sent a listing is dropped after 10 s without
#    progress (logged with its uid), and then members get in again.
# 3. A client that reads gets the whole listing as valid JSON, and the
#    text listing with its count line; a member cannot reload.
. "$(dirname "$0")/lib.sh"
GEN=$TOP/build/bench/gen
[ -x "$GEN" ] || fail "no bench tools (make bench-tools)"
command -v setpriv >/dev/null || skip "no setpriv (util-linux)"
N=100000

sys_user bgpd
OP="bgpdo$$"
sys_user "$OP" bgpd
chmod 711 "$TMP"
{
	y_bgpconf false 64512
	y_node dut 198.51.100.2/24
	y_peer gen "peerIP: 198.51.100.1, asNumber: 65001"
} >"$TMP/cluster.yaml"
ns gen
link gen 198.51.100.1/24
ns dut
link dut 198.51.100.2/24
bgpd_start dut "$TMP/cluster.yaml" --socket-group bgpd --no-kernel
PID=$BGPD_PID_dut
SOCK="$TMP/dut.sock"
[ "$(stat -c %G "$SOCK")" = bgpd ] || fail "the socket is not the group's"
bg gen "$GEN" --connect 198.51.100.2 --local-as 65001 --peer-as 64512 \
    --prefixes "$N" --aspath-variety 100 --quiet >"$TMP/gen.out" 2>&1
loaded() {
	[ "$(peer_field dut 198.51.100.1 prefixes.received)" = "$N" ]
}
wait_for 60 "$N routes in bgpd" loaded
cp "$BGPD" "$TMP/bgpd"
chmod 755 "$TMP/bgpd"
W="$TMP/op"		# where the member's clients write
mkdir "$W"
chown "$OP" "$W"
as_op() {
	setpriv --reuid "$OP" --regid "$(id -g "$OP")" --init-groups "$@"
}
rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$PID/status"; }

# python3 clients as the member: CLIENTS N REQUEST HOLD OUT
clients() {
	as_op /usr/bin/python3 - "$SOCK" "$@" <<'PY'
import socket, sys, time
path, n, req, hold, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], \
    float(sys.argv[4]), sys.argv[5]
socks = []
for i in range(n):
    s = socket.socket(socket.AF_UNIX)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(path)
    if req:
        s.sendall(req.encode() + b"\n")
    socks.append(s)
open(out + ".ready", "w").close()
time.sleep(hold)
with open(out, "w") as f:
    for s in socks:
        s.settimeout(5)
        try:
            first = s.recv(64).split(b"\n")[0].decode()
        except OSError as e:
            first = "error " + str(e)
        f.write(first + "\n")
PY
}

# 1. Silent clients.
clients 16 "" 8 "$W/silent.out" &
C1=$!
wait_for 10 "16 silent clients" test -e "$W/silent.out.ready"
sleep 0.5
as_op "$TMP/bgpd" status --socket "$SOCK" >/dev/null 2>&1 &&
    fail "a 17th member got in while 16 said nothing"
"$BGPD" status --socket "$SOCK" >/dev/null ||
    fail "root was locked out by 16 silent clients"
member_in() { as_op "$TMP/bgpd" status --socket "$SOCK"; }
wait_for 10 "members let in again after the request timeout" member_in
wait "$C1"

# 2. Clients that ask for every route and never read.
base=$(rss)
clients 16 "routes json" 20 "$W/stuck.out" &
C2=$!
wait_for 10 "16 stuck clients" test -e "$W/stuck.out.ready"
sleep 2
during=$(rss)
"$BGPD" status --socket "$SOCK" >/dev/null ||
    fail "root's status with 16 clients stuck"
uid=$(id -u "$OP")
drops() { grep -c "control: dropped a client (uid $uid) that read nothing \
of its answer for 10 s" "$TMP/bgpd-dut.log"; }
dropped() {
	[ "$(drops)" -ge 1 ] && member_in >/dev/null 2>&1
}
wait_for 30 "stuck clients dropped, members let in again" dropped
wait "$C2"
ok=$(grep -c "^OK" "$W/stuck.out")
busy=$(grep -c "^ERROR busy" "$W/stuck.out")
[ $((ok + busy)) = 16 ] && [ "$ok" -ge 1 ] ||
    fail "stuck clients: $(sort "$W/stuck.out" | uniq -c)"
[ "$(drops)" = "$ok" ] || fail "$ok listings sent, $(drops) clients dropped"

# 3. A reader gets everything; a member still cannot change anything.
"$BGPD" routes --json --socket "$SOCK" >"$TMP/routes.json" ||
    fail "routes --json"
python3 - "$TMP/routes.json" "$N" <<'PY' || fail "the listing"
import json, sys
r = json.load(open(sys.argv[1]))["routes"]
assert len(r) == int(sys.argv[2]), len(r)
assert len({x["prefix"] for x in r}) == len(r), "a prefix twice"
assert all(x["paths"] and x["paths"][0]["best"] for x in r)
PY
"$BGPD" routes --socket "$SOCK" | tail -1 |
    grep -qx "$N prefixes (\* best, = also used: ECMP)" ||
    fail "the text listing's count line"
out=$(as_op "$TMP/bgpd" reload --socket "$SOCK" 2>&1) &&
    fail "a member could reload"
echo "$out" | grep -q "reload needs root or the daemon's user" ||
    fail "reload refused with: $out"
size=$(wc -c <"$TMP/routes.json")
grow=$((during - base))
echo "RSS: $base kB before, $during kB with 16 stuck; $ok sent a" \
    "listing, $busy busy; a listing is $((size / 1024)) kB (16 would be" \
    "$((16 * size / 1048576)) MiB)"
[ "$grow" -lt $((128 * 1024 + size / 1024 + 16384)) ] ||
    fail "memory grew by $grow kB: more than the cap and one listing"
stop_bgpd dut
asan_clean
echo "PASS: silent and stuck control clients bounded; $ok dropped"
