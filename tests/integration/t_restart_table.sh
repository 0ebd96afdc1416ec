#!/bin/sh
# A restart holding a full table: bgpd with 100k routes from one peer
# (bench/gen) is stopped and started again; the peer (graceful restart
# capable) re-sends everything.  The kernel must not see a single
# change: no route deleted before its path is back, none re-added.
# This caught the End-of-RIB sweep running while the RIB still had
# changes queued for the kernel (hundreds of delete+add pairs).
. "$(dirname "$0")/lib.sh"
GEN=$TOP/build/bench/gen
OBS=$TOP/build/bench/observe
[ -x "$GEN" ] && [ -x "$OBS" ] || fail "no bench tools (make bench-tools)"
N=100000

{
	y_bgpconf false 64512
	y_node dut 198.51.100.2/24
	y_peer gen "peerIP: 198.51.100.1, asNumber: 65001"
} >"$TMP/cluster.yaml"
ns gen
link gen 198.51.100.1/24
ns dut
link dut 198.51.100.2/24
bgpd_start dut "$TMP/cluster.yaml"
bg gen "$GEN" --connect 198.51.100.2 --local-as 65001 --peer-as 64512 \
    --prefixes "$N" --aspath-variety 100 --quiet >"$TMP/gen.out" 2>&1
ip netns exec "${PFX}dut" "$OBS" --until-count "$N" --proto 186 \
    --timeout 60 --quiet >"$TMP/load.out" 2>&1 ||
    fail "the table never reached the kernel: $(tail -2 "$TMP/load.out")"

bg dut "$OBS" --proto 186 --timeout 12 --quiet >"$TMP/restart.out" 2>&1
obs=$LAST_PID
sleep 0.5
stop_bgpd dut
bgpd_start dut "$TMP/cluster.yaml"
wait_for 20 "the session back" all_established dut 1
wait_for 20 "the sweep after End-of-RIB" grep -q \
    "every session sent End-of-RIB" "$TMP/bgpd-dut.log"
wait "$obs"
python3 - "$TMP/restart.out" "$N" <<'PY' || fail "kernel changed"
import json, sys
final = [json.loads(l) for l in open(sys.argv[1])
         if '"final"' in l][-1]
bad = {k: final[k] for k in ("adds", "replaces", "dels") if final[k]}
print("final:", {k: final[k] for k in ("count", "adds", "replaces",
      "dels", "overruns")})
sys.exit(1 if bad or final["count"] != int(sys.argv[2])
         or final["overruns"] else 0)
PY
stop_bgpd dut
asan_clean
echo "PASS: $N routes kept through a restart, no kernel change"
