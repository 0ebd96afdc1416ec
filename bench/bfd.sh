#!/bin/sh
# make bench-bfd (issue 20): BFD side by side, bgpd and BIRD 2 as the
# device under test (DUT), FRR's bfdd as the peer for both.
#
#  1. Detection: an FRR peer (bgpd + bfdd, BFD 100 ms x 3) announces
#     100.66.0.0/24 to the DUT; its bridge port is taken down
#     (silently: no carrier change on the DUT's side) BFD_CUTS times
#     (default 20).  Time = from the cut to the route leaving the DUT's
#     kernel (observe's "zero"), i.e. BFD detection + BGP down + kernel
#     delete.  Median and worst.
#  2. CPU: BFD_SESSIONS (default 50) BFD sessions at 100 ms x 3 to one
#     FRR bfdd (50 addresses), steady for BFD_CPU_S seconds (default
#     60): the DUT's CPU time (/proc, all threads); for bgpd also its
#     BFD thread alone.
#
# Writes bench/BFD.md (BFD_OUT) and the raw numbers under
# build/bench/bfd/.  Root, network namespaces, about 8 minutes; never
# part of `make check`.
#
#   sh bench/bfd.sh          (after make all bench-tools)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BGPD=${BGPD:-$ROOT/build/bgpd}
. "$ROOT/tests/integration/lib.sh"
. "$ROOT/tests/integration/bfdpeers.sh"
command -v bird >/dev/null || skip "bird2 not installed"
frr_need
OBSERVE=${OBSERVE:-$ROOT/build/bench/observe}
[ -x "$OBSERVE" ] || fail "no $OBSERVE (make bench-tools)"
CUTS=${BFD_CUTS:-20}
SESS=${BFD_SESSIONS:-50}
CPU_S=${BFD_CPU_S:-60}
OUT=${BFD_OUT:-$ROOT/bench/BFD.md}
RAW=$ROOT/build/bench/bfd
mkdir -p "$RAW"
rm -f "$RAW"/*.txt
say() { echo "$(date +%H:%M:%S) $*" >&2; }
mono() { python3 -c 'import time; print("%.6f" % time.monotonic())'; }

BFDCONF='---
apiVersion: projectcalico.org/v3
kind: BFDConfiguration
metadata: {name: all}
spec:
  interfaces:
  - {matchPattern: "eth*", minimumRecvInterval: 100ms,
     minimumSendInterval: 100ms, idleSendInterval: 1s, multiplier: 3}'

bird_dut_conf() {	# FILE BODY: BIRD as the DUT, routes to the kernel
	cat >"$1" <<BIRD
router id 198.51.100.1;
log "$TMP/bird-dut.log" all;
protocol device { }
protocol kernel { ipv4 { export all; }; }
protocol bfd {
	interface "eth*" { min rx interval 100 ms; min tx interval 100 ms;
	    multiplier 3; };
$2
}
BIRD
}

# ---- 1. detection ----
ns dut
ns frr
link dut 198.51.100.1/24 2001:db8:100::1/64
link frr 198.51.100.2/24 2001:db8:100::2/64
bfd_frr frr 198.51.100.2 2001:db8:100::2 90 100.66.0.0/24 ""

route_in() {	# PROTO: FRR's route in the DUT's kernel
	[ -n "$(ip -n "$PFX"dut route show 100.66.0.0/24 proto "$1")" ]
}
# bfd_down_after W0: seconds from wall-clock W0 to bgpd's last "BFD Up
# -> Down" log line (its time stamps are local, to the millisecond).
bfd_down_after() {
	python3 - "$TMP/bgpd-dut.log" "$1" <<'PY'
import datetime, sys
last = None
for l in open(sys.argv[1]):
    if "BFD Up -> Down" in l:
        last = l[:23]
t = datetime.datetime.strptime(last, "%Y-%m-%d %H:%M:%S.%f").timestamp()
print("%.4f" % (t - float(sys.argv[2])))
PY
}
# cuts NAME PROTO: CUTS times, cut FRR's port and time the route's exit.
cuts() {
	local i=1 t0 f
	while [ "$i" -le "$CUTS" ]; do
		wait_for 60 "FRR's route in $1's kernel" route_in "$2"
		wait_for 20 "FRR's BFD Up" frr_bfd_up frr 198.51.100.1
		f="$TMP/obs-$1-$i"
		bg dut "$OBSERVE" --proto "$2" --range 100.66.0.0/24 \
		    --until-zero --timeout 20 >"$f" 2>/dev/null
		wait_for 5 "observe" grep -q '"start"' "$f"
		sleep 0.$(( (i * 37) % 10 ))	# cut anywhere in a period
		t0=$(mono)
		w0=$(date +%s.%N)
		ip -n "$BRIDGE_NS" link set frr0 down
		wait_for 20 "the route gone ($1, cut $i)" grep -q '"zero"' "$f"
		[ "$1" = bgpd ] && bfd_down_after "$w0" >>"$RAW/bfd-$1.txt"
		python3 - "$f" "$t0" >>"$RAW/detect-$1.txt" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event"] == "zero":
        print("%.4f" % (e["t"] - float(sys.argv[2])))
PY
		say "$1 cut $i: $(tail -n 1 "$RAW/detect-$1.txt") s"
		ip -n "$BRIDGE_NS" link set frr0 up
		i=$((i + 1))
	done
}

{
	y_bgpconf false 64512
	y_node dut 198.51.100.1/24
	echo "$BFDCONF"
	y_peer frr "peerIP: 198.51.100.2, asNumber: 65001, \
failureDetectionMode: BFDIfDirectlyConnected"
} >"$TMP/detect.yaml"
say "detection: bgpd"
bgpd_start dut "$TMP/detect.yaml"
cuts bgpd 186
stop_bgpd dut
ip -n "$PFX"dut route flush proto 186

say "detection: BIRD"
bird_dut_conf "$TMP/bird-detect.conf" ''
cat >>"$TMP/bird-detect.conf" <<'BIRD'
protocol bgp frr {
	local as 64512;
	neighbor 198.51.100.2 as 65001;
	bfd on;
	connect retry time 1;
	error wait time 1, 2;
	ipv4 { import all; export none; };
}
BIRD
bg dut bird -f -c "$TMP/bird-detect.conf" -s "$TMP/bird-dut.ctl"
BIRD_PID=$LAST_PID
wait_for 10 "BIRD" birdc -s "$TMP/bird-dut.ctl" show status
cuts bird 12
kill "$BIRD_PID"
wait "$BIRD_PID" 2>/dev/null

# ---- 2. CPU at SESS sessions ----
# FRR's bfdd keeps one single-hop session per peer address and
# interface, so every session has its own pair of addresses: a /30 each,
# the DUT at 198.51.100.(4k+1), the responder at 198.51.100.(4k+2).
[ "$SESS" -le 63 ] || fail "BFD_SESSIONS: at most 63"
ip -n "$BRIDGE_NS" link set frr0 down	# the detection peer is done
ns cdut
ns resp
BR=br1 link cdut 198.51.100.1/30
BR=br1 link resp 198.51.100.2/30
k=1
while [ "$k" -lt "$SESS" ]; do
	echo "address add 198.51.100.$((4 * k + 1))/30 dev eth0" >&3
	echo "address add 198.51.100.$((4 * k + 2))/30 dev eth0"
	k=$((k + 1))
done 3>"$TMP/cdut.batch" >"$TMP/resp.batch"
ip -n "$PFX"cdut -batch "$TMP/cdut.batch" || fail "DUT addresses"
ip -n "$PFX"resp -batch "$TMP/resp.batch" || fail "responder addresses"
mkdir -p "$TMP/resp"
printf 'hostname resp-zebra\n' >"$TMP/resp/zebra.conf"
{
	printf 'hostname resp-bfdd\nbfd\n'
	k=0
	while [ "$k" -lt "$SESS" ]; do
		printf ' peer 198.51.100.%d local-address 198.51.100.%d ' \
		    $((4 * k + 1)) $((4 * k + 2))
		printf 'interface eth0\n  receive-interval 100\n'
		printf '  transmit-interval 100\n  detect-multiplier 3\n !\n'
		k=$((k + 1))
	done
} >"$TMP/resp/bfdd.conf"
frr_start resp zebra
wait_for 10 "zebra of the responder" test -S "$TMP/resp/zserv.api"
bg resp "$FRR/bfdd" -u frr -g frr -f "$TMP/resp/bfdd.conf" \
    --vty_socket "$TMP/resp" -i "$TMP/resp/bfdd.pid" \
    -z "$TMP/resp/zserv.api" --bfdctl "$TMP/resp/bfdd.sock" \
    >"$TMP/resp-bfdd.out" 2>&1
FRR_SCRATCH="$FRR_SCRATCH bfdd.$LAST_PID"

resp_up() {	# the responder's sessions that are up
	vtysh --vty_socket "$TMP/resp" -d bfdd -c "show bfd peers json" |
	    python3 -c '
import json, sys
print(sum(p["status"] == "up" for p in json.load(sys.stdin)))'
}
all_resp_up() { [ "$(resp_up)" -eq "$SESS" ]; }
cpu_ticks() {	# PID [TID]: utime + stime of the process (or one thread)
	awk '{ print $14 + $15 }' "/proc/$1${2:+/task/$2}/stat"
}
bfd_tid() {	# PID: bgpd's BFD thread
	grep -l '^bgpd-bfd$' /proc/"$1"/task/*/comm | awk -F/ '{ print $5 }'
}
# measure NAME PID: CPU over CPU_S s of steady state.
# measure NAME PID [TID]: the process's CPU over CPU_S s (and TID's,
# as NAME-thread).
measure() {
	local c0 c1 t0 t1 h0=0 h1=0 hz
	hz=$(getconf CLK_TCK)
	c0=$(cpu_ticks "$2")
	[ -n "${3:-}" ] && h0=$(cpu_ticks "$2" "$3")
	t0=$(mono)
	sleep "$CPU_S"
	c1=$(cpu_ticks "$2")
	[ -n "${3:-}" ] && h1=$(cpu_ticks "$2" "$3")
	t1=$(mono)
	python3 -c "
t = ($c1 - $c0) / $hz
print('%.3f %.3f' % (t, 100 * t / ($t1 - $t0)))" >"$RAW/cpu-$1.txt"
	[ -n "${3:-}" ] && python3 -c "
t = ($h1 - $h0) / $hz
print('%.3f %.3f' % (t, 100 * t / ($t1 - $t0)))" >"$RAW/cpu-$1-thread.txt"
	say "$1: $(cat "$RAW/cpu-$1.txt") (CPU s, %)"
	all_resp_up || fail "$1: a BFD session went down while measured"
}

say "CPU: bgpd, $SESS sessions"
{
	y_bgpconf false 64512
	y_node cdut 198.51.100.1/30
	echo "$BFDCONF"
	k=0
	while [ "$k" -lt "$SESS" ]; do
		y_peer "r$k" "peerIP: 198.51.100.$((4 * k + 2)), \
asNumber: 65001, failureDetectionMode: BFDIfDirectlyConnected"
		k=$((k + 1))
	done
} >"$TMP/cpu.yaml"
bgpd_start cdut "$TMP/cpu.yaml"
wait_for 60 "$SESS sessions Up at the responder" all_resp_up
sleep 5
measure bgpd "$BGPD_PID_cdut" "$(bfd_tid "$BGPD_PID_cdut")"
stop_bgpd cdut

say "CPU: BIRD, $SESS sessions"
{
	k=0
	while [ "$k" -lt "$SESS" ]; do
		printf '\tneighbor 198.51.100.%d dev "eth0" local ' \
		    $((4 * k + 2))
		printf '198.51.100.%d;\n' $((4 * k + 1))
		k=$((k + 1))
	done
} >"$TMP/neighbors"
bird_dut_conf "$TMP/bird-cpu.conf" "$(cat "$TMP/neighbors")"
sed -i '/^protocol kernel/d' "$TMP/bird-cpu.conf"
bg cdut bird -f -c "$TMP/bird-cpu.conf" -s "$TMP/bird-cpu.ctl"
BIRD_PID=$LAST_PID
wait_for 60 "$SESS sessions Up at the responder (BIRD)" all_resp_up
sleep 5
measure bird "$BIRD_PID"

# ---- the report ----
python3 - "$RAW" "$OUT" "$CUTS" "$SESS" "$CPU_S" \
    "$(bird --version 2>&1 | awk '{ print $NF }')" \
    "$(dpkg-query -W -f '${Version}' frr 2>/dev/null)" \
    "$(git -C "$ROOT" rev-parse --short HEAD)" \
    "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import statistics, sys, time
raw, out, cuts, sess, cpu_s, bird, frr, head, load = sys.argv[1:]
def det(name):
    v = sorted(float(l) for l in open("%s/detect-%s.txt" % (raw, name)))
    return v
def cpu(name):
    s, p = open("%s/cpu-%s.txt" % (raw, name)).read().split()
    return float(s), float(p)
b, r = det("bgpd"), det("bird")
bf = sorted(float(l) for l in open("%s/bfd-bgpd.txt" % raw))
cb, cr, ct = cpu("bgpd"), cpu("bird"), cpu("bgpd-thread")
ms = lambda x: "%.0f ms" % (1000 * x)
with open(out, "w") as f:
    f.write("""# BFD: detection time and CPU, bgpd and BIRD 2

`sh bench/bfd.sh` (issue 20) at %s, %s, on this 2-core machine
(load average before the report: %s; the machine is shared, so
the absolute figures move with it; the comparison is within one run).
Peer: FRR %s bfdd; BIRD %s.  Every BFD session at
100 ms x 3 both ways (detection time 300 ms).

## Detection: a silent cut to the route leaving the kernel

The FRR peer's bridge port is taken down (the DUT's link stays up);
measured from the cut to the netlink DELROUTE of the peer's route in the
DUT's namespace, so BFD detection (at most 300 ms after the last packet),
the BGP session going down and the kernel delete.  %s cuts each.

| DUT | median | worst | best |
|---|---|---|---|
| bgpd | %s | %s | %s |
| BIRD 2 | %s | %s | %s |
| (bgpd: BFD Down alone, from its log) | %s | %s | %s |

## CPU: %s BFD sessions at 100 ms x 3, steady state

One FRR bfdd answers all %s sessions (a /30 and an address pair
each).  The DUT's CPU time (user + system, all threads) over %s s once
every session is Up.  bgpd's sessions come from %s BGPPeers whose BGP
never connects (no BGP speaker at the responder), so its total includes
the connection retries; its BFD thread alone (/proc/PID/task/TID) is
measured in the same window.  BIRD runs `protocol bfd` with %s static
neighbors and nothing else.

| DUT | CPU seconds | CPU %% |
|---|---|---|
| bgpd (whole process) | %.2f | %.2f %% |
| bgpd BFD thread | %.2f | %.2f %% |
| BIRD 2 (whole process) | %.2f | %.2f %% |

That is %d packets a second each way (%s sessions x 10).
""" % (time.strftime("%Y-%m-%d"), head, load, frr, bird, cuts,
       ms(statistics.median(b)), ms(b[-1]), ms(b[0]),
       ms(statistics.median(r)), ms(r[-1]), ms(r[0]),
       ms(statistics.median(bf)), ms(bf[-1]), ms(bf[0]),
       sess, sess, cpu_s, sess, sess, cb[0], cb[1], ct[0], ct[1],
       cr[0], cr[1], int(sess) * 10, sess))
PY
say "wrote $OUT"
cat "$OUT"
