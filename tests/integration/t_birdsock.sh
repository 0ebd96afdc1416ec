#!/bin/sh
# bgpd's BIRD-compatible sockets (--bird-socket, --bird6-socket) against
# the real birdcl (Debian's bird2) and calico-node's readiness rule
# (calico_bird_ready.py, over the raw socket as calico-node reads it and
# over birdcl's printed table): not ready while sessions are down or
# bgpd's start-up recovery runs, ready exactly when every session is
# Established.  Then show protocols all, patterns, errors, and clients
# that send garbage, huge lines or never read.
. "$(dirname "$0")/lib.sh"
command -v bird >/dev/null || skip "bird2 not installed"
command -v birdcl >/dev/null || skip "birdcl not installed"
READY="python3 $(dirname "$0")/calico_bird_ready.py"

{
	y_bgpconf false 64512
	printf -- '---\napiVersion: projectcalico.org/v3\nkind: Node\n'
	echo "metadata: {name: node}"
	echo "spec: {bgp: {ipv4Address: 198.51.100.1/24, ipv6Address: \"2001:db8:100::1/64\"}}"
	y_pool v4 100.64.0.0/16
	y_block b1 100.64.0.0/26 node
	y_peer bird-a 'peerIP: 198.51.100.2, asNumber: 65010'
	y_peer bird-b 'peerIP: 198.51.100.3, asNumber: 65010'
	y_peer bird-a6 'peerIP: "2001:db8:100::2", asNumber: 65010'
} >"$TMP/cluster.yaml"
bird_conf() {	# NAME ADDR [V6ADDR]
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
	[ -n "${3:-}" ] && cat >>"$TMP/$1.conf" <<BIRD
protocol bgp b6 {
	local $3 as 65010;
	neighbor 2001:db8:100::1 as 64512;
	ipv6 { import all; export all; };
}
BIRD
	return 0
}
bird_conf birda 198.51.100.2 2001:db8:100::2
bird_conf birdb 198.51.100.3
ns node
ns birda
ns birdb
link node 198.51.100.1/24 2001:db8:100::1/64
link birda 198.51.100.2/24 2001:db8:100::2/64
link birdb 198.51.100.3/24
S4="$TMP/run/bird.ctl"
S6="$TMP/run/bird6.ctl"

# calico-node's rule, both ways: raw socket and birdcl's table.
ready_socket() { $READY --socket "$S4" "$@" >"$TMP/ready.out"; }
ready_birdcl() {
	birdcl -s "$S4" show protocols >"$TMP/table" || return 2
	birdcl -s "$S4" show status >"$TMP/status" || return 2
	$READY --table "$TMP/table" --status "$TMP/status" "$@" \
	    >"$TMP/ready.out"
}
not_ready() { ready_socket; [ $? -eq 1 ] && ready_birdcl; [ $? -eq 1 ]; }
ready() { ready_socket && ready_birdcl; }
all_up() { all_established node 3; }

# bgpd first: its sessions cannot come up before BIRD runs.
bgpd_start node "$TMP/cluster.yaml" --bird-socket "$S4" \
    --bird6-socket "$S6"
[ "$(stat -c %a "$S4")" = 660 ] || fail "bird.ctl mode $(stat -c %a "$S4")"
birdcl -s "$S4" show protocols >"$TMP/t0" || fail "birdcl show protocols"
head -1 "$TMP/t0" | grep -q '^BIRD v[0-9.]* ready\.$' ||
    fail "hello: $(head -1 "$TMP/t0")"
grep -q '^name     proto    table    state  since       info$' "$TMP/t0" ||
    fail "no BIRD 1.6 heading: $(cat "$TMP/t0")"
grep -q '^Global_198_51_100_2 BGP      master   start  [0-9:]*    [A-Z]' \
    "$TMP/t0" || fail "row while down: $(cat "$TMP/t0")"
grep -q 2001 "$TMP/t0" && fail "an IPv6 session on bird.ctl"
not_ready || fail "ready with every session down: $(cat "$TMP/ready.out")"
grep -q "not ready: BGP not established with 198.51.100.2,198.51.100.3" \
    "$TMP/ready.out" || fail "why: $(cat "$TMP/ready.out")"

for b in birda birdb; do
	bg $b bird -f -c "$TMP/$b.conf" -s "$TMP/$b.ctl" >"$TMP/$b.out" 2>&1
done
# Ready exactly when every session is up: poll both until ready, and
# check each time that "ready" never comes before "all Established".
i=0
while ! ready; do
	i=$((i + 1))
	[ $i -lt 200 ] || fail "never ready: $(cat "$TMP/ready.out")"
	sleep 0.2
done
all_up || fail "calico's rule said ready before every session was up"
birdcl -s "$S4" show protocols >"$TMP/t1"
[ "$(grep -c ' BGP      master   up     [0-9:]*    Established' \
    "$TMP/t1")" = 2 ] || fail "established rows: $(cat "$TMP/t1")"
birdcl -s "$S4" show status | grep -q 'Graceful restart recovery' &&
    fail "recovery still reported once ready"

# Down one session: not ready (strict), ready after start-up (relaxed).
birdc -s "$TMP/birdb.ctl" disable b >/dev/null
wait_for 10 "calico's rule to see B down" not_ready
grep -q "198.51.100.3" "$TMP/ready.out" || fail "$(cat "$TMP/ready.out")"
ready_socket --relaxed || fail "relaxed rule with one session up"
birdcl -s "$S4" show protocols | grep -q \
    'Global_198_51_100_3 BGP      master   start .*Received: ' ||
    fail "the down row's info: $(birdcl -s "$S4" show protocols)"
birdc -s "$TMP/birdb.ctl" enable b >/dev/null
wait_for 40 "ready again" ready
all_up || fail "ready without every session up"

# A shut down session is a disabled protocol: 5 fields, not counted.
bgpctl node shutdown Global_198_51_100_3 >/dev/null
wait_for 10 "shut down row" sh -c "birdcl -s $S4 show protocols |
    grep -q 'Global_198_51_100_3 BGP      master   down   [0-9:]*    \$'"
ready_socket || fail "a disabled protocol counted: $(cat "$TMP/ready.out")"
bgpctl node enable Global_198_51_100_3 >/dev/null
wait_for 40 "B back" all_up

# show protocols all NAME, patterns, unknown names, other commands.
birdcl -s "$S4" show protocols all Global_198_51_100_2 >"$TMP/all"
for pat in '^  BGP state:          Established$' \
    '^    Neighbor address: 198.51.100.2$' '^    Neighbor AS:      65010$' \
    '^  Routes:         1 imported, 1 exported$' \
    '^    Neighbor caps:    refresh .*AS4$' '^    Hold timer:       [0-9]*/90$'
do
	grep -q "$pat" "$TMP/all" || fail "show protocols all: no '$pat' in
$(cat "$TMP/all")"
done
[ "$(birdcl -s "$S4" show protocols '"Global_*_3"' | grep -c ' BGP ')" = 1 ] ||
    fail "pattern"
birdcl -s "$S4" show protocols nosuch | grep -q 'nosuch is not a protocol' ||
    fail "unknown protocol"
birdcl -s "$S4" show protocols '"Zz*"' | grep -q 'No protocols match' ||
    fail "no match"
birdcl -s "$S6" show protocols >"$TMP/t6"
grep -q '^Global_2001_db8_100__2 BGP      master   up ' "$TMP/t6" ||
    fail "bird6.ctl: $(cat "$TMP/t6")"
grep -q '198_51' "$TMP/t6" && fail "an IPv4 session on bird6.ctl"
# calico-node -bird-live: birdcl show status exits 0, output starts BIRD
birdcl -s "$S4" show status >"$TMP/live" || fail "birdcl show status"
head -c 4 "$TMP/live" | grep -q BIRD || fail "-bird-live: $(cat "$TMP/live")"
grep -q '^Router ID is 198.51.100.1$' "$TMP/live" || fail "router id"
grep -q '^Daemon is up and running$' "$TMP/live" || fail "0013"

# Raw protocol: codes, continuation lines, errors; bad clients.
python3 - "$S4" <<'PY' || fail "raw BIRD protocol"
import socket, sys, time
path = sys.argv[1]
def conn():
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(path)
    return s
def upto(s, end):
    buf = b""
    while not buf.endswith(end):
        b = s.recv(65536)
        if not b:
            break
        buf += b
    return buf.decode("ascii", "replace")
s = conn()
hello = upto(s, b"\n")
assert hello.startswith("0001 BIRD v") and hello.endswith(" ready.\n"), hello
s.sendall(b"show protocols\n")
out = upto(s, b"\n0000 \n")
lines = out.splitlines()
assert lines[0] == "2002-name     proto    table    state  since       info", lines
assert lines[1].startswith("1002-Global_198_51_100_2 BGP"), lines
assert lines[2].startswith(" Global_198_51_100_3 BGP"), lines
s.sendall(b"frobnicate\n")
assert upto(s, b"\n") == "9001 syntax error\n"
s.sendall(b"\xff\xfe garbage\r\n")
assert upto(s, b"\n") == "9001 syntax error\n"
s.sendall(b"sh pro all Global_198_51_100_2\n")
out = upto(s, b"\n0000 \n")
assert "\n1006-  Preference:     100\n" in out, out
s.sendall(b"x" * 5000 + b"\n")
assert upto(s, b"\n") == "9000 Command too long\n"
try:
    assert s.recv(100) == b"", "not closed after a huge line"
except ConnectionResetError:
    pass
# A client that asks and asks and never reads: bgpd stops reading it.
hog = conn()
hog.setblocking(False)
sent = 0
try:
    while sent < 20 * 1024 * 1024:
        sent += hog.send(b"show protocols all\n" * 100)
except BlockingIOError:
    pass
# Too many clients: the 17th is told so.
many = [conn() for _ in range(15)]
extra = conn()
assert upto(extra, b"\n") == "0005 Too many clients\n"
for m in many:
    m.close()
hog.close()
time.sleep(0.5)
s = conn()
upto(s, b"\n")
s.sendall(b"show status\n")
assert upto(s, b"\n0013 Daemon is up and running\n").startswith("1000-BIRD v")
PY
bgpctl node status >/dev/null || fail "bgpd stopped answering"
stop_bgpd node
[ -e "$S4" ] && fail "bird.ctl left behind"
asan_clean
echo "PASS: BIRD sockets"
