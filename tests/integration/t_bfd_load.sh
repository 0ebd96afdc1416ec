#!/bin/sh
# BFD timing does not wait for bgpd's event loop: BFD sessions to FRR
# (bfdd) and BIRD 2, IPv4 and IPv6, at 100 ms x 3, stay Up with zero
# flaps on both sides while the same bgpd takes 1,000,000 routes from
# another peer (bench/gen) into its RIB and the kernel.  Runs the
# release build (build/bgpd): the sanitizer build is too slow for a
# million routes in a test's time.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bfdpeers.sh"
frr_need
command -v bird >/dev/null || skip "bird2 not installed"
BGPD=${BGPD_RELEASE:-$TOP/build/bgpd}
GEN=${GEN:-$TOP/build/bench/gen}
OBSERVE=${OBSERVE:-$TOP/build/bench/observe}
N=${BFD_LOAD_ROUTES:-1000000}
for t in "$BGPD" "$GEN" "$OBSERVE"; do
	[ -x "$t" ] || fail "no $t (make all bench-tools)"
done

ns node
ns frr
ns bird
ns gen
link node 198.51.100.1/24 2001:db8:100::1/64
link frr 198.51.100.2/24 2001:db8:100::2/64
link bird 198.51.100.3/24 2001:db8:100::3/64
link gen 198.51.100.9/24

{
	y_bgpconf false 64512
	printf -- '---\napiVersion: projectcalico.org/v3\nkind: Node\n'
	printf 'metadata: {name: node}\nspec: {bgp: {ipv4Address: '
	printf '198.51.100.1/24, ipv6Address: "2001:db8:100::1/64"}}\n'
	printf -- '---\napiVersion: projectcalico.org/v3\n'
	printf 'kind: BFDConfiguration\nmetadata: {name: all}\n'
	printf 'spec:\n  interfaces:\n  - {matchPattern: "*", '
	printf 'minimumRecvInterval: 100ms, minimumSendInterval: 100ms, '
	printf 'idleSendInterval: 1s, multiplier: 3}\n'
	for p in 198.51.100.2 2001:db8:100::2 198.51.100.3 2001:db8:100::3; do
		y_peer "p$(echo "$p" | tr ':.' '--')" "peerIP: \"$p\", \
asNumber: 65001, failureDetectionMode: BFDIfDirectlyConnected"
	done
	y_peer gen "peerIP: 198.51.100.9, asNumber: 65009"
} >"$TMP/cluster.yaml"

bfd_frr frr 198.51.100.2 2001:db8:100::2 9 100.66.0.0/24 2001:db8:2000::/48
bfd_bird bird 198.51.100.3 9 100.67.0.0/24 2001:db8:3000::/48
bgpd_start node "$TMP/cluster.yaml" --max-prefixes 0
four_up() {
	[ "$(bgpctl node status --json | python3 -c '
import json, sys
print(sum(p["bgp_state"] == "Established"
          for p in json.load(sys.stdin)["peers"]))')" -eq 4 ]
}
wait_for 30 "the four BFD peers Established" four_up

# bfd_state: "ADDR STATE FLAPS" per BFD session of bgpd.
bfd_state() {
	bgpctl node status --json | python3 -c '
import json, sys
for p in json.load(sys.stdin)["peers"]:
    b = p["bfd"]
    if b is not None:
        print(p["peer_address"], b["state"], b["flaps"])' | sort
}
all_bfd_up() {
	[ "$(bfd_state | awk '$2 == "Up"' | wc -l)" -eq 4 ]
}
wait_for 20 "bgpd's four BFD sessions Up" all_bfd_up
wait_for 5 "FRR's BFD v4 Up" frr_bfd_up frr 198.51.100.1
wait_for 5 "FRR's BFD v6 Up" frr_bfd_up frr 2001:db8:100::1
wait_for 5 "BIRD's BFD v4 Up" bird_bfd_up bird 198.51.100.1
wait_for 5 "BIRD's BFD v6 Up" bird_bfd_up bird 2001:db8:100::1
# Before: our flaps, FRR's down counts, BIRD's "since" stamps.
frr_downs() {
	vtysh --vty_socket "$TMP/frr" -d bfdd -c "show bfd peers counters json" |
	    python3 -c '
import json, sys
for p in json.load(sys.stdin):
    print(p["peer"], p["session-down"], p["session-up"])' | sort
}
bird_since() {
	birdc -s "$TMP/bird-bird.ctl" show bfd sessions |
	    awk '$3 == "Up" { print $1, $4 }' | sort
}
bfd_state >"$TMP/ours0"
frr_downs >"$TMP/frr0"
bird_since >"$TMP/bird0"
[ "$(wc -l <"$TMP/bird0")" -eq 2 ] || fail "BIRD: $(cat "$TMP/bird0")"

# A million routes from gen; bgpd's loop is busy for seconds.
bg node "$OBSERVE" --proto 186 --until-count "$N" --timeout 90 \
    >"$TMP/obs.jsonl" 2>"$TMP/observe.log"
OBS=$LAST_PID
wait_for 5 "observe started" grep -q '"start"' "$TMP/obs.jsonl"
T0=$(python3 -c 'import time; print(time.monotonic())')
bg gen "$GEN" --connect 198.51.100.1 --local-as 65009 --peer-as 64512 \
    --source 198.51.100.9 --prefixes "$N" --quiet >"$TMP/gen.jsonl" \
    2>"$TMP/gen.log"
wait_for 90 "$N routes in bgpd's kernel" grep -q '"reached"' "$TMP/obs.jsonl"
python3 - "$TMP/obs.jsonl" "$T0" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event"] == "reached":
        print("%d routes in bgpd's kernel %.1f s after gen started" %
              (e["count"], e["t"] - float(sys.argv[2])))
PY
[ "$(bgpctl node status --json | python3 -c '
import json, sys; print(json.load(sys.stdin)["routes"])')" -ge "$N" ] ||
    fail "bgpd's RIB does not hold $N routes"

# After: nothing flapped, anywhere.
bfd_state >"$TMP/ours1"
frr_downs >"$TMP/frr1"
bird_since >"$TMP/bird1"
cmp -s "$TMP/ours0" "$TMP/ours1" ||
    fail "bgpd's BFD flapped: $(cat "$TMP/ours0") -> $(cat "$TMP/ours1")"
cmp -s "$TMP/frr0" "$TMP/frr1" ||
    fail "FRR's BFD flapped: $(cat "$TMP/frr0") -> $(cat "$TMP/frr1")"
# BIRD's "since" is its clock's now minus the time since the change, so
# two reads of an unchanged session may differ by a millisecond; a flap
# moves it by its detection time and more (300 ms here).
python3 - "$TMP/bird0" "$TMP/bird1" <<'PY' ||
import sys

def ms(t):
    h, m, s = t.split(":")
    return (int(h) * 3600 + int(m) * 60) * 1000 + round(float(s) * 1000)

def read(path):
    return dict(line.split() for line in open(path) if line.strip())

a, b = read(sys.argv[1]), read(sys.argv[2])
sys.exit(0 if a.keys() == b.keys() and
         all(abs(ms(a[k]) - ms(b[k])) <= 50 for k in a) else 1)
PY
    fail "BIRD's BFD flapped: $(cat "$TMP/bird0") -> $(cat "$TMP/bird1")"
all_bfd_up || fail "a BFD session is not Up"
echo "bgpd: $(tr '\n' ';' <"$TMP/ours1")"
echo "FRR (peer down up): $(tr '\n' ';' <"$TMP/frr1")"
echo "BIRD (peer since): $(tr '\n' ';' <"$TMP/bird1")"
echo "PASS: BFD stays Up through $N routes"
