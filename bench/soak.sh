#!/bin/sh
# make soak (issue 11): sessions that stay up, in real time.  A 3-node
# bgpd mesh with a pod behind each node, a BIRD 2 ToR and an FRR ToR
# peered with every node, all with default timers (hold 90 s, keepalive
# 30 s, send hold 480 s), left alone for SOAK_S seconds (default 1800)
# while every pod pings the next one every 0.2 s.  Reports flaps (as bgpd,
# BIRD and FRR each see them), pings lost, RSS and fd drift and CPU per
# bgpd, and writes the table into bench/SOAK.md and bench/RESULTS.md.
# Exits 1 if anything flapped or a ping was lost.
#
#   SOAK_S=1800 sh bench/soak.sh       (root; build/bgpd; not part of CI)
#
# Built from the integration tests' helpers (tests/integration/lib.sh):
# namespaces and processes are its own, documentation addresses only.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BGPD=${BGPD:-$ROOT/build/bgpd}
. "$ROOT/tests/integration/lib.sh"
command -v bird >/dev/null || skip "bird2 not installed"
frr_need
SOAK_S=${SOAK_S:-1800}
SAMPLE_S=${SAMPLE_S:-10}
OUT=${SOAK_OUT:-$ROOT/bench/SOAK.md}
RAW=$ROOT/build/bench/soak
mkdir -p "$RAW"
[ "$SOAK_S" -ge 60 ] || fail "SOAK_S must be at least 60"

{
	y_bgpconf true 64512
	y_pool v4 100.64.0.0/16
	y_pool tor 100.65.0.0/16
	for i in 1 2 3; do
		y_node "n$i" "198.51.100.$i/24"
		y_block "b$i" "100.64.$i.0/26" "n$i"
	done
	y_peer tor-bird "peerIP: 198.51.100.11, asNumber: 65010"
	y_peer tor-frr "peerIP: 198.51.100.12, asNumber: 65020"
} >"$TMP/cluster.yaml"

{
	echo "router id 198.51.100.11;"
	echo "log \"$TMP/bird.log\" all;"
	echo "protocol device {}"
	echo "protocol static s4 { ipv4; route 100.65.11.0/24 blackhole; }"
	for i in 1 2 3; do
		cat <<BIRD
protocol bgp n$i {
	local 198.51.100.11 as 65010;
	neighbor 198.51.100.$i as 64512;
	ipv4 { import all; export all; };
}
BIRD
	done
} >"$TMP/bird.conf"
mkdir -p "$TMP/frr"
printf 'hostname frr-zebra\nlog file %s/frr-frr-zebra.log\n' "$TMP" \
    >"$TMP/frr/zebra.conf"
{
	printf 'hostname frr\nlog file %s/frr-frr-bgpd.log\n' "$TMP"
	echo "router bgp 65020"
	echo " bgp router-id 198.51.100.12"
	echo " no bgp ebgp-requires-policy"
	echo " no bgp network import-check"
	for i in 1 2 3; do
		echo " neighbor 198.51.100.$i remote-as 64512"
	done
	echo " address-family ipv4 unicast"
	echo "  network 100.65.12.0/24"
	echo " exit-address-family"
} >"$TMP/frr/bgpd.conf"

for n in n1 n2 n3 bird frr; do
	ns "$n"
done
for i in 1 2 3; do
	link "n$i" "198.51.100.$i/24"
	pod "n$i" "p$i" "100.64.$i.2"
done
link bird 198.51.100.11/24
link frr 198.51.100.12/24
bg bird bird -f -c "$TMP/bird.conf" -s "$TMP/bird.ctl" \
    >>"$TMP/bird.out" 2>&1
frr_start frr zebra
wait_for 10 "FRR's zebra" test -S "$TMP/frr/zserv.api"
start_frr_bgpd frr
for i in 1 2 3; do
	bgpd_start "n$i" "$TMP/cluster.yaml"
done
for i in 1 2 3; do
	wait_for 60 "n$i's four sessions" all_established "n$i" 4
done
for i in 1 2 3; do
	j=$((i % 3 + 1))
	wait_for 20 "p$i to reach p$j" pod_ping "p$i" "100.64.$j.2"
done
birdc -s "$TMP/bird.ctl" show protocols >"$TMP/bird-before.txt"

# One line per bgpd per sample: t rss_kb anon_kb fds cpu_ticks.
sample() {	# T
	for i in 1 2 3; do
		eval "pid=\$BGPD_PID_n$i"
		st=/proc/$pid/status
		rss=$(awk '/^VmRSS:/ {print $2}' "$st")
		anon=$(awk '/^RssAnon:/ {print $2}' "$st")
		fds=$(ls "/proc/$pid/fd" | wc -l)
		cpu=$(awk '{print $14 + $15}' "/proc/$pid/stat")
		echo "$1 n$i $rss $anon $fds $cpu"
	done >>"$RAW/samples.txt"
}
: >"$RAW/samples.txt"
log_line() { printf '%s soak: %s\n' "$(date +%H:%M:%S)" "$*"; }
log_line "soaking for ${SOAK_S}s (sample every ${SAMPLE_S}s); raw: $RAW"
for i in 1 2 3; do
	j=$((i % 3 + 1))
	bg "p$i" ping -n -q -i 0.2 -w "$SOAK_S" -W 1 "100.64.$j.2" \
	    >"$TMP/ping-$i.out" 2>&1
	eval "PING_$i=\$LAST_PID"
done
start=$(date +%s)
sample 0
while :; do
	now=$(($(date +%s) - start))
	[ "$now" -ge "$SOAK_S" ] && break
	sleep "$SAMPLE_S"
	sample "$(($(date +%s) - start))"
done
for i in 1 2 3; do
	eval "wait \$PING_$i"
done
elapsed=$(($(date +%s) - start))

# The verdicts, every side's view.
for i in 1 2 3; do
	bgpctl "n$i" status --json >"$RAW/status-n$i.json"
	cp "$TMP/ping-$i.out" "$RAW/ping-$i.out"
done
birdc -s "$TMP/bird.ctl" show protocols >"$TMP/bird-after.txt"
cp "$TMP/bird-before.txt" "$TMP/bird-after.txt" "$RAW/"
vty frr -c "show bgp neighbors json" >"$RAW/frr-neighbors.json"
for i in 1 2 3; do
	cp "$TMP/bgpd-n$i.log" "$RAW/bgpd-n$i.log"
done
hz=$(getconf CLK_TCK)
python3 - "$RAW" "$elapsed" "$hz" "$OUT" "$(git -C "$ROOT" rev-parse \
    --short HEAD)" "$SAMPLE_S" <<'PY'
import json, re, sys, time
raw, elapsed, hz, out, rev = sys.argv[1], int(sys.argv[2]), \
    int(sys.argv[3]), sys.argv[4], sys.argv[5]
rows, bad = [], []
samples = {}
for line in open(raw + "/samples.txt"):
    t, n, rss, anon, fds, cpu = line.split()
    samples.setdefault(n, []).append((int(t), int(rss), int(anon),
                                      int(fds), int(cpu)))
def proto_since(path):
    d = {}
    for line in open(path):
        w = line.split()
        if len(w) >= 6 and w[1] == "BGP":
            d[w[0]] = (w[3], " ".join(w[4:6]), w[-1])
    return d
bb, ba = proto_since(raw + "/bird-before.txt"), \
    proto_since(raw + "/bird-after.txt")
bird_flaps = sum(1 for k in ba if ba[k][2] != "Established"
                 or bb.get(k) != ba[k])
if len(bb) != 3 or len(ba) != 3:
    bad.append("BIRD's protocol table unreadable (%d, %d rows)" % (
        len(bb), len(ba)))
frr = json.load(open(raw + "/frr-neighbors.json"))
if len(frr) != 3:
    bad.append("FRR shows %d neighbours, not 3" % len(frr))
frr_flaps = sum(n["connectionsDropped"] + (n["bgpState"] != "Established")
                for n in frr.values())
lost_total = 0
for i in (1, 2, 3):
    n = "n%d" % i
    st = json.load(open("%s/status-%s.json" % (raw, n)))["peers"]
    flaps = sum(p["flaps"] + (p["bgp_state"] != "Established") for p in st)
    ka = min(p["messages"]["keepalives_out"] for p in st)
    ping = open("%s/ping-%d.out" % (raw, i)).read()
    m = re.search(r"(\d+) packets transmitted, (\d+) received", ping)
    sent, got = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    lost = sent - got
    lost_total += lost
    s = samples[n]
    rss0, rss1 = s[0][1], s[-1][1]
    anon0, anon1 = s[0][2], s[-1][2]
    fd0, fd1 = s[0][3], s[-1][3]
    cpu = (s[-1][4] - s[0][4]) / hz
    span = max(s[-1][0] - s[0][0], 1)
    rows.append((n, flaps, ka, "%d/%d" % (lost, sent),
                 "%d → %d (max %d)" % (rss0, rss1, max(x[1] for x in s)),
                 "%d → %d" % (anon0, anon1), "%d → %d" % (fd0, fd1),
                 "%.2f s (%.3f %%)" % (cpu, 100.0 * cpu / span)))
    if flaps:
        bad.append("%s: %d flaps" % (n, flaps))
    if lost or sent == 0:
        bad.append("%s: %d of %d pings lost" % (n, lost, sent))
if bird_flaps:
    bad.append("BIRD saw %d flaps" % bird_flaps)
if frr_flaps:
    bad.append("FRR saw %d flaps" % frr_flaps)
o = []
o.append("<!-- soak -->")
o.append("## Soak: sessions that stay up (`make soak`)")
o.append("")
o.append("%s, bgpd %s, %d s (%.1f min) of real time; %s." % (
    time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), rev, elapsed,
    elapsed / 60.0, "PASS" if not bad else "FAIL: " + "; ".join(bad)))
o.append("Three bgpd nodes in a full mesh, a pod behind each, a BIRD 2 "
         "ToR and an FRR ToR peered with every node; default timers "
         "(hold 90 s, keepalive 30 s, send hold 480 s: the run outlasts "
         "it %.1f times).  Each pod pings the next node's pod every "
         "0.2 s through the mesh's routes.  Flaps count every session "
         "that went down or is not Established at the end; BIRD's count "
         "compares each protocol's state and `since` before and after; "
         "FRR's is `connectionsDropped`.  RSS and RssAnon in KiB, first "
         "and last sample (every %s s)." % (elapsed / 480.0, sys.argv[6]))
o.append("")
o.append("| node | flaps (bgpd) | keepalives sent (least of 4) | pings lost "
         "| VmRSS KiB | RssAnon KiB | fds | CPU |")
o.append("|---|---|---|---|---|---|---|---|")
for r in rows:
    o.append("| " + " | ".join(str(x) for x in r) + " |")
o.append("")
o.append("Flaps seen by the peers: BIRD %d, FRR %d.  Pings lost in all: "
         "%d.  Raw samples and logs: `build/bench/soak/`." % (
             bird_flaps, frr_flaps, lost_total))
o.append("<!-- /soak -->")
text = "\n".join(o) + "\n"
open(out, "w").write(text)
res = out.replace("SOAK.md", "RESULTS.md")
try:
    r = open(res).read()
    if "<!-- soak -->" in r:
        r = re.sub(r"<!-- soak -->.*<!-- /soak -->\n", lambda m: text, r,
                   flags=re.S)
    else:
        r = r.rstrip("\n") + "\n\n" + text
    open(res, "w").write(r)
except FileNotFoundError:
    pass
print(text)
sys.exit(1 if bad else 0)
PY
rc=$?
for i in 1 2 3; do
	stop_bgpd "n$i"
done
exit $rc
