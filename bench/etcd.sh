#!/bin/sh
# Benchmark of the etcd datastore (issue 12): a real etcd 3.4 (TLS,
# client certificates) in a namespace holding N Calico Nodes (default
# 1,000), each with a confirmed block affinity.
#
#   sh bench/etcd.sh [--nodes N] [--runs R] [--out FILE]   (SYNC_RUNS=5)
#
# 1. Initial sync: bgpd on node n1 from its first log line (the
#    datastore opened) to the complete snapshot and to the running plan
#    (files: the same), and its RSS after, with the mesh off (n1
#    has one explicit peer) and on (999 mesh sessions); the same Nodes
#    from one YAML file through the file datastore beside it.
# 2. Put to kernel: n1 and n2 peer; an affinity for n2 is put into etcd
#    and the time until n1's kernel has n2's block is measured
#    (CLOCK_MONOTONIC on both ends: the put's start, observe's event).
# Root, namespaces made here (the integration helpers); bgpd is the
# optimised build/bgpd.  Results: one JSON line each in
# build/bench/etcd/results.jsonl, a summary on stdout.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BGPD=${BGPD:-$ROOT/build/bgpd}
export BGPD
NODES=1000
RUNS=10
SYNC_RUNS=${SYNC_RUNS:-5}
OUT="$ROOT/build/bench/etcd/results.jsonl"
while [ $# -gt 0 ]; do
	case $1 in
	--nodes) NODES=$2; shift ;;
	--runs) RUNS=$2; shift ;;
	--out) OUT=$2; shift ;;
	*) echo "usage: etcd.sh [--nodes N] [--runs R] [--out FILE]" >&2
	   exit 2 ;;
	esac
	shift
done
# The integration helpers: namespaces, cleanup, etcd with TLS.
set --
. "$ROOT/tests/integration/lib.sh"
. "$ROOT/tests/integration/etcd.sh"
OBSERVE="$ROOT/build/bench/observe"
[ -x "$OBSERVE" ] || fail "no $OBSERVE (make bench-tools)"
mkdir -p "$(dirname "$OUT")"
: >"$OUT"
LOAD="python3 $ROOT/bench/etcd_load.py https://198.51.100.100:2379 \
$CERTS/ca.pem $CERTS/client.pem $CERTS/client-key.pem"

result() {	# JSON object text
	echo "$1" >>"$OUT"
}
log_ms() {	# FILE PATTERN: the first matching line's time, ms of day
	grep -m 1 "$2" "$1" | python3 -c '
import sys
t = sys.stdin.read().split()[1]
h, m, s = t.split(":")
print(int((int(h) * 3600 + int(m) * 60 + float(s)) * 1000))'
}
rss_kb() {	# PID FIELD
	sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status"
}

etcd_certs 198.51.100.100
etcd_start etcd 198.51.100.100
etcd_wait etcd
for i in 1 2; do
	ns "n$i"
	link "n$i" "198.51.100.$i/24"
done

# sync MODE(etcd|file) MESH: one bgpd on n1, timed and measured.
sync_run() {
	local mode="$1" mesh="$2" log="$TMP/bgpd-n1.log" pid t0 ts tp
	if [ "$mode" = etcd ]; then
		bgpd_etcd n1 --no-kernel
	else
		bgpd_start n1 "$TMP/cluster.yaml" --no-kernel
	fi
	pid=$BGPD_PID_n1
	# From bgpd's first line (the datastore opened): its own work,
	# without the launch through ip netns exec.
	t0=$(log_ms "$log" "datastore: ")
	tp=$(log_ms "$log" "started: node n1")
	if [ "$mode" = etcd ]; then
		ts=$(log_ms "$log" "snapshot complete")
	else
		ts=$tp
	fi
	rss=$(rss_kb "$pid" VmRSS)
	hwm=$(rss_kb "$pid" VmHWM)
	sess=$(bgpctl n1 status --json | python3 -c '
import json, sys
print(len(json.load(sys.stdin)["peers"]))')
	stop_bgpd n1
	result "{\"bench\":\"sync\",\"datastore\":\"$mode\",\"mesh\":$mesh,\
\"nodes\":$NODES,\"snapshot_ms\":$((ts - t0)),\"plan_ms\":$((tp - t0)),\
\"rss_kb\":$rss,\"hwm_kb\":$hwm,\"sessions\":$sess}"
	printf '%-5s mesh %-5s %5d nodes: snapshot %5d ms, running plan %5d ms, RSS %6d kB (peak %6d kB), %d sessions\n' \
	    "$mode" "$mesh" "$NODES" $((ts - t0)) $((tp - t0)) "$rss" "$hwm" \
	    "$sess"
}

# A fresh store for each data set: delete, compact and defragment (a
# range over tombstones is slower and would be measured instead).
etcd_clear() {
	local rev
	ectl etcd del --prefix /calico >/dev/null
	rev=$(ectl etcd endpoint status -w json | python3 -c '
import json, sys
print(json.load(sys.stdin)[0]["Status"]["header"]["revision"])')
	ectl etcd compact "$rev" >/dev/null
	ectl etcd defrag >/dev/null
}

for mesh in false true; do
	etcd_clear
	n=$(ip netns exec "${PFX}etcd" $LOAD load "$NODES" "$mesh") ||
	    fail "loading etcd"
	echo "etcd: $n keys ($NODES Nodes and their affinities, mesh $mesh)"
	$LOAD yaml "$NODES" "$mesh" >"$TMP/cluster.yaml"
	for r in $(seq 1 "$SYNC_RUNS"); do
		sync_run etcd "$mesh"
		sync_run file "$mesh"
	done
done

# Put to kernel, mesh off (n1 and n2 peer explicitly).
etcd_clear
ip netns exec "${PFX}etcd" $LOAD load "$NODES" false >/dev/null ||
    fail "loading etcd"
for i in 1 2; do
	bgpd_etcd "n$i"
done
wait_for 30 "n1-n2" all_established n1 1
wait_for 30 "n2-n1" all_established n2 1
for r in $(seq 1 "$RUNS"); do
	cidr="100.64.$((250 + r % 4)).$(( (r / 4) * 16 ))/28"
	ip netns exec "${PFX}n1" "$OBSERVE" --proto 186 --range "$cidr" \
	    --until-count 1 --timeout 20 --quiet >"$TMP/obs.json" 2>&1 &
	obs=$!
	try_for 5 grep -q '"start"' "$TMP/obs.json" ||
	    fail "observe did not start"
	t=$(ip netns exec "${PFX}etcd" $LOAD aff n2 "$cidr") ||
	    fail "put"
	wait "$obs" || fail "n1 never got $cidr ($(cat "$TMP/obs.json"))"
	lat=$(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event"] == "reached":
        print("%.1f" % ((e["t"] - float(sys.argv[2])) * 1000))' \
	    "$TMP/obs.json" "$t")
	result "{\"bench\":\"put_to_kernel\",\"nodes\":$NODES,\"run\":$r,\
\"ms\":$lat}"
	echo "put to n1's kernel, run $r: $lat ms"
done
python3 - "$OUT" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for ds in ("etcd", "file"):
    for mesh in (False, True):
        r = [x for x in rows if x["bench"] == "sync" and
             x["datastore"] == ds and x["mesh"] == mesh]
        if not r:
            continue
        med = lambda k: statistics.median(x[k] for x in r)
        print("sync %s mesh %-5s: snapshot %d ms, running plan %d ms, "
              "RSS %d kB, peak %d kB (medians of %d)" % (ds, mesh,
              med("snapshot_ms"), med("plan_ms"), med("rss_kb"),
              med("hwm_kb"), len(r)))
v = [x["ms"] for x in rows if x["bench"] == "put_to_kernel"]
print("put to kernel: median %.1f ms, min %.1f, max %.1f over %d runs"
      % (statistics.median(v), min(v), max(v), len(v)))
PY
for i in 1 2; do
	stop_bgpd "n$i"
done
echo "results: $OUT"
