#!/bin/sh
# systemd's notify protocol with a real datagram receiver standing in for
# systemd (none runs here): WATCHDOG=1 from the loop at half
# WATCHDOG_USEC, READY=1 only after the initial table sync (the peer's
# End-of-RIB), STATUS= lines, RELOADING=1/READY=1 on SIGHUP, STOPPING=1
# on SIGTERM.  bgpd runs with --log-format json: every line is JSON.
. "$(dirname "$0")/lib.sh"
command -v bird >/dev/null || skip "bird2 not installed"

{
	y_bgpconf false 64512
	y_node node 198.51.100.1/24
	y_pool v4 100.64.0.0/16
	y_pool remote 100.65.0.0/16
	y_peer bird 'peerIP: 198.51.100.2, asNumber: 65010'
} >"$TMP/cluster.yaml"
cat >"$TMP/bird.conf" <<BIRD
router id 198.51.100.2;
log "$TMP/bird.log" all;
protocol device {}
protocol static s4 { ipv4; route 100.65.0.0/24 blackhole; }
protocol bgp b {
	local 198.51.100.2 as 65010;
	neighbor 198.51.100.1 as 64512;
	ipv4 { import all; export all; };
}
BIRD
ns node
ns bird
link node 198.51.100.1/24
link bird 198.51.100.2/24

# The receiver: one line per datagram, newlines inside shown as '|'.
# shellcheck disable=SC2086
$PY -u - "$TMP/notify.sock" >"$TMP/notify" 2>"$TMP/notify.err" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    print(s.recv(4096).decode().replace("\n", "|"))
PY
PIDS="$PIDS $!"
wait_for 5 "the receiver" test -S "$TMP/notify.sock"
got() { grep -q -- "$1" "$TMP/notify"; }
count() { grep -c -- "^$1\$" "$TMP/notify"; }

export NOTIFY_SOCKET="$TMP/notify.sock" WATCHDOG_USEC=400000
bgpd_start node "$TMP/cluster.yaml" --log-format json
unset NOTIFY_SOCKET WATCHDOG_USEC
# BIRD is not running: no table sync, so no READY=1; the watchdog ticks.
wait_for 10 "WATCHDOG=1 three times" sh -c \
    "[ \$(grep -c '^WATCHDOG=1\$' $TMP/notify) -ge 3 ]"
got READY=1 && fail "READY=1 before the initial table sync"
bg bird bird -f -c "$TMP/bird.conf" -s "$TMP/bird.ctl" >"$TMP/bird.out" 2>&1
wait_for 40 "READY=1 after the sync" got \
    '^READY=1|STATUS=1 of 1 sessions Established, 1 prefixes$'
all_established node 1 || fail "READY=1 without the session up"
has_route node 100.65.0.0/24 || fail "READY=1 before BIRD's table"
w=$(count WATCHDOG=1)
wait_for 5 "the watchdog going on" sh -c \
    "[ \$(grep -c '^WATCHDOG=1\$' $TMP/notify) -gt $w ]"

birdc -s "$TMP/bird.ctl" disable b >/dev/null
wait_for 10 "a STATUS= line on change" got \
    '^STATUS=0 of 1 sessions Established, 0 prefixes$'
kill -HUP "$BGPD_PID_node"
wait_for 10 "RELOADING=1" got '^RELOADING=1$'
wait_for 10 "READY=1 after the reload" sh -c \
    "grep -A1000 '^RELOADING=1\$' $TMP/notify | grep -q '^READY=1\$'"
stop_bgpd node
wait_for 5 "STOPPING=1" got '^STOPPING=1$'

# --log-format json: one object a line, with level and msg.
python3 - "$TMP/bgpd-node.log" <<'PY' || fail "JSON log lines"
import json, sys
n = 0
for line in open(sys.argv[1]):
    o = json.loads(line)
    assert set(o) == {"time", "level", "ident", "msg"}, o
    n += 1
    if "Established" in o["msg"]:
        assert o["level"] == "info", o
assert n >= 5, n
PY
asan_clean
echo "PASS: sd_notify"
