#!/bin/sh
# Benchmarks (issue 6): bgpd side by side with BIRD 2 and FRR, same
# machine, same run.  Root only; everything runs in namespaces made here.
#
#   sh bench/run.sh [--quick] [--runs N] [--duts "bgpd bird-s2 ..."]
#                   [--scenarios "cal B1 B0 floor B9 B3 B4 BR real BL MESH RR"]
#                   [--out FILE]
#
# (--scenarios takes spaces or commas: --scenarios real,floor.)
# Sizes: CAL_N, B1_SIZES, B0_SIZES, B0_V6, B9_N, B7_SECS, B3_N, B4_PEERS,
# BL_N, MESH_SIZES, RR_CLIENTS, SCALE_BLOCKS, FLOOR_SIZES, REAL_SETS,
# REAL_MAX from the environment override the defaults (see below);
# SCALE_RUNS (default: --runs) the runs of MESH and RR, which take
# minutes each.
# Raw results (one JSON line per measurement) and every log go to
# build/bench/results/<date>/; bench/report.py turns them into FILE
# (default bench/RESULTS.md, or build/bench/RESULTS-quick.md for --quick).
#
# Scenarios, in the order they run (B5 and the per-route memory come out
# of each B1 load, B7 out of the B9 load, the per-session memory out of
# B4):
#   cal  generator calibration: gen -> gen --sink
#   B1   cold load from one eBGP peer into the kernel; then B5, withdraw
#        everything.  Both are timed by the observer's sentinel mode
#        (bench/TOOLS.md), the same for every DUT: a socket filter in
#        the kernel drops every route notification but the one of the
#        prefix gen sends (and withdraws) last, then dumps confirm the
#        count.  An observer that read every notification made the
#        kernel queue 1M of them and wake it, on the DUT's CPU (issue
#        21: the floor's own requests took ~6.4 s with it listening,
#        ~2.3-2.6 s without), so B1 measured mostly the observer.  Now
#        the measurement adds next to nothing to the kernel's work
#        while the routes go in or out, as with the floor (nothing
#        listening), and B1 / floor compares the DUT with the kernel
#        alone.  The dumps come after the sentinel, on the observer's
#        CPU.  A DUT that does not install in gen's order is timed by
#        the dumps: late by a dump or two, never early.  The loads of
#        B9 and BL (load()) use the same mode.
#   B0   ip -batch and fib/ (fibload) alone, the observer listening
#   floor the kernel's floor: raw batched netlink with nothing listening
#        (nlfloor), and fib/ alone, nothing else listening (real.sh)
#   B9   B7 idle CPU with the routes installed, then kill and restart
#   B3   4 peers with the same prefixes, the best one withdraws
#   B4   200 iBGP mesh peers x 4 /26; 2 iBGP "route reflectors" x 800
#   BR   B1 without the kernel: into the RIB only (with GoBGP)
#   real real routes (REAL_SETS, MRT files of REAL_DATA): RIB only and
#        into the kernel, the floor for the same prefixes (real.sh)
#   BL   the operator's full listing (bgpd routes --json) at BL_N routes:
#        the DUT's memory and its event loop's stalls meanwhile
#   MESH whole clusters: a full mesh of N bgpd (or BIRD) nodes; then
#        MESHI, one more bgpd run a size with the middle node under
#        callgrind: its instructions, N's work apart from the one
#        kernel's and the shared core's (MESH_INSTR=0: not run)
#   RR   one route reflector with RR_CLIENTS clients (bench/scale.sh)
. "$(dirname "$0")/lib.sh"
. "$TOP/bench/dut.sh"
. "$TOP/bench/scale.sh"
. "$TOP/bench/real.sh"

QUICK=0
RUNS=""
DUTS="bgpd bird-s2 bird frr gobgp"
SCENARIOS="cal B1 B0 floor B9 B3 B4 BR real BL MESH RR"
OUT=""
CMDLINE="sh bench/run.sh $*"
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--runs) RUNS=$2; shift ;;
	--duts) DUTS=$2; shift ;;
	--scenarios) SCENARIOS=$2; shift ;;
	--out) OUT=$2; shift ;;
	*) die "usage: run.sh [--quick] [--runs N] [--duts LIST]" \
	    "[--scenarios LIST] [--out FILE]" ;;
	esac
	shift
done
SCENARIOS=$(echo "$SCENARIOS" | tr , ' ')
# Sizes: each can be overridden from the environment.
if [ "$QUICK" = 1 ]; then
	: "${RUNS:=1}" "${OUT:=$TOP/build/bench/RESULTS-quick.md}"
	: "${CAL_N:=100000}" "${B1_SIZES:=10000}" "${B0_SIZES:=10000}"
	: "${B0_V6:=10000}" "${B9_N:=10000}" "${B7_SECS:=10}"
	: "${B3_N:=10000}" "${B4_PEERS:=200}"
	: "${MESH_SIZES:=20}" "${RR_CLIENTS:=20}" "${SCALE_BLOCKS:=1}"
	: "${BL_N:=10000}" "${REAL_SETS:=2002}"
else
	: "${RUNS:=3}" "${OUT:=$TOP/bench/RESULTS.md}"
	: "${CAL_N:=1000000}" "${B1_SIZES:=10000 100000 1000000}"
	: "${B0_SIZES:=10000 100000 1000000}" "${B0_V6:=100000}"
	: "${B9_N:=100000}" "${B7_SECS:=60}" "${B3_N:=250000}"
	: "${B4_PEERS:=200}"
	: "${MESH_SIZES:=100 200 300}" "${RR_CLIENTS:=1000}"
	: "${SCALE_BLOCKS:=1}" "${BL_N:=1000000}" "${REAL_SETS:=2015 2002}"
fi
: "${SCALE_RUNS:=$RUNS}" "${FLOOR_SIZES:=$B1_SIZES}" "${REAL_MAX:=}"

export CAL_N B1_SIZES B0_SIZES B0_V6 B9_N B7_SECS B3_N B4_PEERS \
    MESH_SIZES RR_CLIENTS SCALE_BLOCKS SCALE_RUNS BL_N FLOOR_SIZES \
    REAL_SETS REAL_MAX

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
for t in "$BGPD" "$TOOLS/gen" "$TOOLS/observe" "$TOOLS/fibload" \
    "$TOOLS/nlfloor" "$TOOLS/mrtfeed"; do
	[ -x "$t" ] || die "missing $t: make all bench-tools"
done
RES="$TOP/build/bench/results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RES/logs"
RESULTS="$RES/results.jsonl"
: >"$RESULTS"
python3 "$TOP/bench/report.py" meta "$RES" "$QUICK" "$RUNS" "$DUTS" \
    "$CMDLINE" || die "report.py meta"

# Seconds an observer may wait for N routes (BIRD and FRR load at some
# 10k to 100k routes/s here; a cell that runs out is shown as invalid).
timeout_for() {
	echo $((60 + $1 / 2000))
}

# ---- results ----

R_SCEN="" R_DUT="" R_PARAM="" R_RUN=0 REASON=""
cell() {	# SCENARIO DUT PARAM RUN: start a measurement
	R_SCEN=$1 R_DUT=$2 R_PARAM=$3 R_RUN=$4
	REASON=""
	RUN="$RES/logs/$1-$2-$3-$4"
	mkdir -p "$RUN"
	log "$1 $2 $3 run $4"
}

bad() {	# a reason why this cell's figures are not valid
	REASON="${REASON:+$REASON; }$*"
	log "  invalid: $*"
}

num() {	# a JSON number, or null
	case $1 in
	''|*[!0-9.eE+-]*) echo null ;;
	*) echo "$1" ;;
	esac
}

# emit [SCENARIO] KEY VALUE...: one result line for the current cell
emit() {
	local scen=$R_SCEN m="" k v valid=true
	case $1 in B*|cal|M*|real-*|floor*) scen=$1; shift ;; esac
	while [ $# -ge 2 ]; do
		k=$1 v=$(num "$2")
		m="$m,\"$k\":$v"
		shift 2
	done
	[ -n "$REASON" ] && valid=false
	printf '{"scenario":"%s","dut":"%s","param":"%s","run":%s,' \
	    "$scen" "$R_DUT" "$R_PARAM" "$R_RUN" >>"$RESULTS"
	printf '"valid":%s,"reason":"%s","log":"%s"%s}\n' "$valid" \
	    "$(printf '%s' "$REASON" | tr -d '"\\')" \
	    "${RUN#"$TOP"/}" "$m" >>"$RESULTS"
	log "  $scen: valid=$valid$m"
}

# ---- tools ----

# gen_start NAME ARGS...: a generator in the gen namespace (CPU_GEN)
gen_start() {
	local name="$1"
	shift
	bg "$NS_GEN" "$CPU_GEN" "$RUN/$name.jsonl" "$TOOLS/gen" \
	    --connect "$DUT_IP" --peer-as "$DUT_AS" "$@"
	GEN_PID=$LAST_PID
}

# obs_end NAME SECS: wait for the observer to finish (bad if it does
# not), then read its final event into O_* variables.
obs_end() {
	ev_wait "$2" "$RUN/$1.jsonl" '"event": *"final"' "$OBS_PID" ||
	    bad "$1: no result within $2 s"
	stop "$OBS_PID" 5 INT
	obs_final "$1"
}

obs_final() {	# NAME: read the final event of an observer that ended
	local f="$RUN/$1.jsonl"
	grep -q '"event": *"final"' "$f" || bad "$1: no final event"
	O_COUNT=$(ev_field "$f" '"final"' dump_count)
	O_ADDS=$(ev_field "$f" '"final"' adds)
	O_REPL=$(ev_field "$f" '"final"' replaces)
	O_DELS=$(ev_field "$f" '"final"' dels)
	O_OVER=$(ev_field "$f" '"final"' overruns)
	O_CHANGES=$(calc "${O_ADDS:-0} + ${O_REPL:-0} + ${O_DELS:-0}")
	[ "${O_OVER:-0}" = 0 ] || bad "$1: netlink overruns ($O_OVER)"
}

# The sampled routes of the last final event of observer NAME: each
# gateway must match the pattern GW (grep -E, anchored), none multipath
# unless MP is "multipath".
sample_ok() {
	local f="$RUN/$1.jsonl" gw="$2" mp="${3:-}" s n bad_gw
	s=$(grep '"final"' "$f" | tail -n 1)
	n=$(printf '%s\n' "$s" | grep -o '"gateway": *"[^"]*"' | wc -l)
	[ "$n" -gt 0 ] || { bad "$1: no sample"; return; }
	bad_gw=$(printf '%s\n' "$s" | grep -o '"gateway": *"[^"]*"' |
	    sed 's/.*: *"\(.*\)"/\1/' | grep -Evx -- "$gw" | head -n 1)
	[ -z "$bad_gw" ] || bad "$1: next hop $bad_gw, expected $gw"
	if [ "$mp" != multipath ] &&
	    printf '%s\n' "$s" | grep -q '"multipath": *\[ *{'; then
		bad "$1: multipath route where one path was expected"
	fi
}

ecmp_pct() {	# OBSERVER: percent of its sampled routes with 2+ paths
	grep '"final"' "$RUN/$1.jsonl" | tail -n 1 | python3 -c '
import json, sys
s = json.loads(sys.stdin.read())["sample"]
print(100.0 * sum(1 for r in s if len(r["multipath"]) > 1) / max(len(s), 1))'
}

no_flap() {	# GEN_FILE...: no session of these generators closed
	local f
	for f in "$@"; do
		[ "$(ev_count "$RUN/$f.jsonl" '"event": *"closed"')" = 0 ] ||
		    bad "a session of $f flapped"
	done
}

count_ok() {	# OBSERVER WANT
	[ "${O_COUNT:-x}" = "$2" ] ||
	    bad "$1: ${O_COUNT:-no} routes in the kernel, expected $2"
}

ip_re() {	# an address as an anchored grep -E pattern
	echo "$1" | sed 's/\./\\./g'
}

# ---- cal: the generator against a sink ----

scen_cal() {
	local r=1 t0 t1 secs
	while [ "$r" -le "$RUNS" ]; do
		cell cal gen "$CAL_N" "$r"
		R_DUT=gen
		topo_up 1
		bg "$NS_DUT" "$CPU_DUT" "$RUN/sink.jsonl" "$TOOLS/gen" \
		    --sink --listen "$DUT_IP" --local-as "$DUT_AS"
		local sink=$LAST_PID i=0
		until ip netns exec "$NS_DUT" ss -Hltn 'sport = :179' |
		    grep -q LISTEN; do
			[ "$i" -ge 100 ] && die "the sink does not listen"
			sleep 0.1
			i=$((i + 1))
		done
		gen_start gen --local-as "$GEN_AS" --source "$(src_ip 0)" \
		    --prefixes "$CAL_N"
		ev_wait "$(timeout_for "$CAL_N")" "$RUN/sink.jsonl" \
		    '"event": *"eor"' "$sink" || bad "the sink saw no EoR"
		t0=$(ev_t "$RUN/gen.jsonl" established)
		t1=$(ev_t "$RUN/sink.jsonl" eor)
		[ "$(ev_field "$RUN/sink.jsonl" '"eor"' prefixes)" = \
		    "$CAL_N" ] || bad "the sink did not get $CAL_N prefixes"
		no_flap gen
		secs=""
		[ -n "$t0" ] && [ -n "$t1" ] && secs=$(calc "$t1 - $t0")
		emit secs "$secs" rate "$(calc "$CAL_N / ($secs + 1e-9)")"
		topo_down
		r=$((r + 1))
	done
}

# ---- B1 (+ memory per route, + B5) ----

# gen_last N: the prefix gen sends last, and withdraws last, of N from
# its default start (bench/gen_enc.c: 100.64.0.0/32 + k, k = 0..N-1, in
# order, into the UPDATEs and the withdrawals alike): the sentinel.
gen_last() {
	awk -v n="$1" 'BEGIN { a = 100 * 16777216 + 64 * 65536 + n - 1;
		printf "%d.%d.%d.%d/32\n", int(a / 16777216),
		    int(a / 65536) % 256, int(a / 256) % 256, a % 256 }'
}

# obs_sentinel NAME: the sentinel mode's own figures of observer NAME
# (ended): O_MSGS, the datagrams it read (1 when the filter dropped all
# but the sentinel's); O_DUMPS, the dumps after the sentinel; O_BYDUMP,
# 1 when its time is a dump's end (routes still changed after the
# sentinel), 0 when the watch confirmed the sentinel's moment.
obs_sentinel() {
	local f="$RUN/$1.jsonl"
	O_MSGS=$(ev_field "$f" '"final"' received)
	O_DUMPS=$(ev_field "$f" '"event": *"(reached|zero)"' dumps)
	O_BYDUMP=0
	grep -q '"by":"dump"' "$f" && O_BYDUMP=1
	grep -q '"event": *"sentinel"' "$f" ||
	    grep -q '"by":"start"' "$f" || bad "$1: the sentinel never came"
}

# load DUT N: the DUT up with one eBGP peer, gen sending N prefixes,
# observer load waiting for them in the sentinel mode; sets L_* figures.
load() {
	local dut="$1" n="$2" to
	to=$(timeout_for "$n")
	topo_up 1
	dut_config "$dut" 1 ebgp
	dut_start "$dut"
	L_RSS0=$(dut_mem VmRSS)
	L_CPU0=$(dut_cpu)
	obs_start load --until-count "$n" --sentinel "$(gen_last "$n")" \
	    --timeout "$to"
	# a profile run (bench/PROFILE.md): perf on the DUT during the load
	local perf=""
	if [ "${BENCH_PERF:-0}" = 1 ]; then
		# shellcheck disable=SC2086
		perf record -q -F 1999 -g -o "$RUN/perf.data" \
		    -p "$(echo $DUT_PIDS | tr ' ' ,)" \
		    >"$RUN/perf.out" 2>&1 &
		perf=$!
		PIDS="$PIDS $perf"
		sleep 0.5
	fi
	gen_start gen --local-as "$GEN_AS" --source "$(src_ip 0)" \
	    --prefixes "$n" --aspath-len 3 --communities
	obs_end load "$to"
	obs_sentinel load
	L_MSGS=$O_MSGS L_DUMPS=$O_DUMPS L_BYDUMP=$O_BYDUMP
	[ -n "$perf" ] && stop "$perf" 30 INT
	L_CPU1=$(dut_cpu)
	L_RSS1=$(dut_mem VmRSS)
	L_HWM=$(dut_mem VmHWM)
	L_EST=$(ev_t "$RUN/gen.jsonl" established)
	L_SENT=$(ev_t "$RUN/gen.jsonl" all_sent)
	L_REACH=$(ev_t "$RUN/load.jsonl" reached)
	L_SECS=""
	if [ -n "$L_EST" ] && [ -n "$L_REACH" ]; then
		L_SECS=$(calc "$L_REACH - $L_EST")
	else
		bad "no established or reached event"
	fi
	count_ok load "$n"
	sample_ok load "$(ip_re "$(src_ip 0)")"
	dut_alive || bad "$dut died"
}

scen_B1() {
	local r=1 n dut t0 t1 c0
	while [ "$r" -le "$RUNS" ]; do
		for n in $B1_SIZES; do
			for dut in $DUTS; do
				[ "$dut" = gobgp ] && continue
				cell B1 "$dut" "$n" "$r"
				load "$dut" "$n"
				no_flap gen
				emit secs "$L_SECS" \
				    rate "$(calc "$n / ($L_SECS + 1e-9)")" \
				    gen_secs "$(calc "$L_SENT - $L_EST")" \
				    cpu "$(calc "$L_CPU1 - $L_CPU0")" \
				    rss0_kb "$L_RSS0" rss_kb "$L_RSS1" \
				    hwm_kb "$L_HWM" bytes_per_route \
				    "$(calc "($L_RSS1 - $L_RSS0) * 1024 / $n")" \
				    obs_msgs "$L_MSGS" obs_dumps "$L_DUMPS" \
				    obs_by_dump "$L_BYDUMP"
				# B5: the peer withdraws everything
				c0=$(dut_cpu)
				obs_start wd --until-zero \
				    --sentinel "$(gen_last "$n")" \
				    --timeout "$(timeout_for "$n")"
				t0=$(signal_at USR1 "$GEN_PID")
				obs_end wd "$(timeout_for "$n")"
				obs_sentinel wd
				t1=$(ev_t "$RUN/wd.jsonl" zero)
				[ -n "$t1" ] || bad "B5: the routes did not go"
				count_ok wd 0
				no_flap gen
				sleep 2
				# shellcheck disable=SC2086
				[ "${BENCH_SMAPS:-0}" = 1 ] &&
				    cat /proc/$DUT_PIDS/smaps >"$RUN/smaps-b5"
				emit B5 secs "$(calc "$t1 - $t0")" \
				    rate "$(calc "$n / ($t1 - $t0 + 1e-9)")" \
				    cpu "$(calc "$(dut_cpu) - $c0")" \
				    rss_after_kb "$(dut_mem VmRSS)" \
				    anon_after_kb "$(dut_mem RssAnon)" \
				    obs_msgs "$O_MSGS" obs_dumps "$O_DUMPS" \
				    obs_by_dump "$O_BYDUMP"
				dut_stop
				topo_down
			done
		done
		r=$((r + 1))
	done
}

# ---- B0: the kernel floor ----

# batch_file FAMILY N add|del: ip -batch input for N routes
batch_file() {
	local f="$TMP/batch-$1-$2-$3"
	[ -f "$f" ] || python3 - "$1" "$2" "$3" >"$f" <<'EOF'
import ipaddress, sys
fam, n, op = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if fam == "4":
    base, plen, gw = ipaddress.ip_address("100.64.0.0"), 32, "198.51.100.10"
else:
    base, plen = ipaddress.ip_address("2001:db8:1000::"), 128
    gw = "2001:db8:100::10"
via = " via " + gw if op == "add" else ""
out = sys.stdout
for i in range(n):
    out.write("route %s %s/%d%s proto 186\n" % (op, base + i, plen, via))
EOF
	echo "$f"
}

# fib_t0 add|del EVENT: when fibload began that phase (its t - secs)
fib_t0() {
	local f="$RUN/fibload-$1.jsonl" t secs
	t=$(ev_t "$f" "$2")
	secs=$(ev_field "$f" "\"event\": *\"$2\"" secs)
	[ -n "$t" ] && [ -n "$secs" ] && calc "$t - $secs"
}

# floor METHOD FAMILY N: install N routes then delete them, timed from
# the start of ip -batch (or of fibload's first request) to the observer
# seeing all (then none)
floor() {
	local how="$1" fam="$2" n="$3" to t0 t1 t2 t3 gw start plen
	to=$(timeout_for "$n")
	gw=198.51.100.10 start=100.64.0.0 plen=32
	if [ "$fam" = 6 ]; then
		gw=2001:db8:100::10 start=2001:db8:1000:: plen=128
	fi
	obs_start add --family "$fam" --until-count "$n" --timeout "$to"
	if [ "$how" = ipbatch ]; then
		local fa fd
		fa=$(batch_file "$fam" "$n" add)
		fd=$(batch_file "$fam" "$n" del)
		t0=$(now)
		taskset -c "$CPU_DUT" ip -n "$NS_DUT" -batch "$fa" ||
		    bad "ip -batch add failed"
	else
		t0=$(now)
		taskset -c "$CPU_DUT" ip netns exec "$NS_DUT" \
		    "$TOOLS/fibload" --count "$n" --family "$fam" \
		    --start "$start" --plen "$plen" --via "$gw" \
		    --dev eth0 >"$RUN/fibload-add.jsonl" 2>&1 ||
		    bad "fibload failed"
	fi
	obs_end add "$to"
	t1=$(ev_t "$RUN/add.jsonl" reached)
	# fibload: from its first fib_set (after its start-up dumps)
	[ "$how" = fibload ] && t0=$(fib_t0 add installed)
	[ -n "$t0" ] && [ -n "$t1" ] || bad "no start or end of the install"
	count_ok add "$n"
	sample_ok add "$(ip_re "$gw")"
	obs_start del --family "$fam" --until-zero --timeout "$to"
	if [ "$how" = ipbatch ]; then
		t2=$(now)
		taskset -c "$CPU_DUT" ip -n "$NS_DUT" -batch "$fd" ||
		    bad "ip -batch del failed"
	else
		t2=$(now)
		taskset -c "$CPU_DUT" ip netns exec "$NS_DUT" \
		    "$TOOLS/fibload" --count "$n" --family "$fam" \
		    --start "$start" --plen "$plen" --via "$gw" \
		    --dev eth0 --delete >"$RUN/fibload-del.jsonl" 2>&1 ||
		    bad "fibload --delete failed"
	fi
	obs_end del "$to"
	t3=$(ev_t "$RUN/del.jsonl" zero)
	# fibload --delete first takes over the routes, then deletes
	[ "$how" = fibload ] && t2=$(fib_t0 del deleted)
	[ -n "$t2" ] && [ -n "$t3" ] || bad "no start or end of the delete"
	count_ok del 0
	emit secs "$(calc "$t1 - $t0")" \
	    rate "$(calc "$n / ($t1 - $t0 + 1e-9)")" \
	    del_secs "$(calc "$t3 - $t2")"
}

scen_B0() {
	local r=1 n how
	while [ "$r" -le "$RUNS" ]; do
		for how in ipbatch fibload; do
			for n in $B0_SIZES; do
				cell B0 "$how" "v4-$n" "$r"
				topo_up 0
				floor "$how" 4 "$n"
				topo_down
			done
			cell B0 "$how" "v6-$B0_V6" "$r"
			topo_up 0
			floor "$how" 6 "$B0_V6"
			topo_down
		done
		r=$((r + 1))
	done
}

# ---- settling ----

# ev_wait_n SECS FILE PATTERN N: until N lines of FILE match
ev_wait_n() {
	local i=0
	while [ "$i" -lt $(($1 * 10)) ]; do
		[ "$(ev_count "$2" "$3")" -ge "$4" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# quiet NAME QUIET SECS: wait (up to SECS) until observer NAME, started
# before, has seen no route change for QUIET seconds.  The observer
# prints a "progress" line at most every 0.5 s after a change.
quiet() {
	local f="$RUN/$1.jsonl" q="$2" i=0 tl tn
	while [ "$i" -lt $(($3 * 5)) ]; do
		tl=$(ev_field "$f" '"event": *"(start|progress)"' t last)
		tn=$(now)
		[ -n "$tl" ] && [ "$(calc "$tn - $tl >= $q")" = 1 ] &&
		    return 0
		sleep 0.2
		i=$((i + 1))
	done
	bad "$1: the kernel did not settle within $3 s"
	return 1
}

# last_change NAME: when observer NAME (ended) saw its last change.
# Its "final" may carry "last_change"; else the last "progress" line,
# printed within 0.5 s after a change, is the bound.
last_change() {	# NAME: sets LC_T, and LC_EXACT to 1 or 0
	local f="$RUN/$1.jsonl"
	LC_T=$(ev_field "$f" '"final"' last_change)
	LC_EXACT=1
	if [ -z "$LC_T" ]; then
		LC_EXACT=0
		LC_T=$(ev_field "$f" '"event": *"(start|progress)"' t last)
	fi
}

# ---- B9 (+ B7): idle with routes, then restart ----

scen_B9() {
	local r=1 n=$B9_N dut c0 c1 t0 t1 tk tr tl ts
	while [ "$r" -le "$RUNS" ]; do
		for dut in $DUTS; do
			[ "$dut" = gobgp ] && continue
			cell B9 "$dut" "$n" "$r"
			load "$dut" "$n"
			no_flap gen
			# B7: nothing changes for B7_SECS
			obs_start idle --timeout $((B7_SECS + 600))
			quiet idle 3 120
			c0=$(dut_cpu)
			t0=$(now)
			sleep "$B7_SECS"
			c1=$(dut_cpu)
			t1=$(now)
			stop "$OBS_PID" 5 INT
			O_REPL=$(ev_field "$RUN/idle.jsonl" '"final"' replaces)
			dut_alive || bad "$dut died while idle"
			emit B7 cpu_pct "$(calc "($c1 - $c0) * 100 / ($t1 - $t0)")" \
			    secs "$(calc "$t1 - $t0")" rss_kb "$(dut_mem VmRSS)" \
			    replaces "$O_REPL"
			# B9: SIGTERM, start again; the generator reconnects
			obs_start rs --timeout 900
			tk=$(now)
			dut_stop
			tr=$(now)
			dut_start "$dut" restart
			ev_wait_n 120 "$RUN/gen.jsonl" '"event": *"all_sent"' 2 ||
			    bad "the generator did not send again"
			quiet rs 3 300
			stop "$OBS_PID" 5 INT
			obs_final rs
			count_ok rs "$n"
			sample_ok rs "$(ip_re "$(src_ip 0)")"
			last_change rs
			tl=$LC_T
			ts=$(ev_t "$RUN/gen.jsonl" all_sent last)
			[ "$O_CHANGES" != 0 ] &&
			    [ "$(calc "$tl > $ts")" = 1 ] && ts=$tl
			emit changes "$O_CHANGES" adds "$O_ADDS" \
			    replaces "$O_REPL" dels "$O_DELS" \
			    down "$(calc "$tr - $tk")" \
			    settle "$(calc "$ts - $tr")" exact "$LC_EXACT"
			dut_stop
			topo_down
		done
		r=$((r + 1))
	done
}

# ---- B3: path choice ----

scen_B3() {
	local r=1 n=$B3_N dut i to c0 t0 tl g0
	to=$(timeout_for $((n * 4)))
	while [ "$r" -le "$RUNS" ]; do
		for dut in $DUTS; do
			[ "$dut" = gobgp ] && continue
			cell B3 "$dut" "$n" "$r"
			topo_up 4
			dut_config "$dut" 4 ebgp
			dut_start "$dut"
			obs_start load --until-count "$n" --timeout "$to"
			# peer i: AS path of i+1 hops; peer 0 is the best
			for i in 0 1 2 3; do
				gen_start "g$i" --local-as "$GEN_AS" \
				    --source "$(src_ip "$i")" --prefixes "$n" \
				    --aspath-len $((i + 1))
				[ "$i" = 0 ] && g0=$GEN_PID
			done
			obs_end load "$to"
			for i in 0 1 2 3; do
				ev_wait "$to" "$RUN/g$i.jsonl" \
				    '"event": *"all_sent"' ||
				    bad "peer $i did not send everything"
			done
			obs_start settle --timeout $((to * 2))
			quiet settle 3 "$to"
			stop "$OBS_PID" 5 INT
			obs_final settle
			count_ok settle "$n"
			sample_ok settle "$(ip_re "$(src_ip 0)")"
			# the best peer withdraws everything
			c0=$(dut_cpu)
			obs_start wd --timeout $((to * 2))
			t0=$(signal_at USR1 "$g0")
			quiet wd 3 "$to"
			stop "$OBS_PID" 5 INT
			obs_final wd
			count_ok wd "$n"
			sample_ok wd "$(ip_re "$(src_ip 1)")"
			no_flap g0 g1 g2 g3
			last_change wd
			emit secs "$(calc "$LC_T - $t0")" exact "$LC_EXACT" \
			    changes "$O_CHANGES" \
			    adds "$O_ADDS" replaces "$O_REPL" dels "$O_DELS" \
			    cpu "$(calc "$(dut_cpu) - $c0")"
			dut_stop
			topo_down
		done
		r=$((r + 1))
	done
}

# ---- B4: Calico-like mesh (+ memory per session) ----

scen_B4() {
	local r=1 p=$B4_PEERS dut n t0 tl tre c0 rss rss1 gwre
	n=$((p * 4))
	gwre='198\.51\.100\.([1-9][0-9]|[12][0-9][0-9])'
	while [ "$r" -le "$RUNS" ]; do
		for dut in $DUTS; do
			[ "$dut" = gobgp ] && continue
			cell B4 "$dut" "$p" "$r"
			topo_up "$p"
			dut_config "$dut" "$p" mesh
			dut_start "$dut"
			c0=$(dut_cpu)
			obs_start load --until-count "$n" --timeout 120
			t0=$(now)
			gen_start gen --local-as "$DUT_AS" --peers "$p" \
			    --source "$(src_ip 0)" --prefixes 4 --plen 26 \
			    --per-peer-offset
			obs_end load 120
			count_ok load "$n"
			sample_ok load "$gwre"
			[ "$(ev_count "$RUN/gen.jsonl" \
			    '"event": *"established"')" = "$p" ] ||
			    bad "not $p sessions"
			tl=$(ev_t "$RUN/gen.jsonl" established last)
			tre=$(ev_t "$RUN/load.jsonl" reached)
			sleep 2
			rss=$(dut_mem VmRSS)
			no_flap gen
			emit secs "$(calc "$tre - $t0")" \
			    after_last "$(calc "$tre - $tl")" \
			    cpu "$(calc "$(dut_cpu) - $c0")" rss_kb "$rss"
			dut_stop
			topo_down
			# the same DUT config with one session up
			cell M "$dut" "$p" "$r"
			topo_up "$p"
			dut_config "$dut" "$p" mesh
			dut_start "$dut"
			obs_start load --until-count 4 --timeout 60
			gen_start gen --local-as "$DUT_AS" --peers 1 \
			    --source "$(src_ip 0)" --prefixes 4 --plen 26
			obs_end load 60
			count_ok load 4
			sleep 2
			rss1=$(dut_mem VmRSS)
			no_flap gen
			emit kib_per_session \
			    "$(calc "($rss - $rss1) / ($p - 1)")" \
			    rss1_kb "$rss1" rss_kb "$rss"
			dut_stop
			topo_down
			# two route reflectors, each with all the blocks
			cell B4 "$dut" 2rr "$r"
			topo_up 2
			dut_config "$dut" 2 ibgp
			dut_start "$dut"
			obs_start load --until-count "$n" --timeout 120
			t0=$(now)
			gen_start gen --local-as "$DUT_AS" --peers 2 \
			    --source "$(src_ip 0)" --prefixes "$n" --plen 26
			obs_end load 120
			count_ok load "$n"
			tl=$(ev_t "$RUN/gen.jsonl" established last)
			tre=$(ev_t "$RUN/load.jsonl" reached)
			# then each route gets its second path (ECMP)
			obs_start settle --timeout 120
			quiet settle 2 60
			stop "$OBS_PID" 5 INT
			obs_final settle
			count_ok settle "$n"
			sample_ok settle "$gwre" multipath
			last_change settle
			no_flap gen
			emit secs "$(calc "$tre - $t0")" \
			    after_last "$(calc "$tre - $tl")" \
			    settled "$(calc "$LC_T - $t0")" exact "$LC_EXACT" \
			    ecmp_pct "$(ecmp_pct settle)"
			dut_stop
			topo_down
		done
		r=$((r + 1))
	done
}

# ---- BR: BGP only, into the RIB (GoBGP's scenario) ----

# rib_poll KIND CMD N SECS: run CMD (rib_cmd) every 50 ms until the DUT
# reports N prefixes received; "reached" is stamped when the CMD that
# saw them returned (at most one poll late).
RIB_POLL='
import json, re, subprocess, sys, time
kind, cmd, want, limit = sys.argv[1:5]
want, limit = int(want), float(limit)

def count(out):
    if kind == "bgpd":
        return sum(p["prefixes"]["accepted"] for p in json.loads(out)["peers"])
    if kind.startswith("bird"):
        return sum(int(m) for m in re.findall(r"Routes:\s+(\d+) imported", out))
    if kind == "frr":
        d = json.loads(out)
        d = d.get("ipv4Unicast", d)
        return sum(p.get("pfxRcd", 0) for p in d.get("peers", {}).values())
    # GoBGP: the Accepted column of `gobgp neighbor`
    return sum(int(m) for m in re.findall(r"\|\s*\d+\s+(\d+)\s*$", out,
                                          re.M))

def ev(name, **kw):
    kw.update(event=name, t=round(time.monotonic(), 6))
    print(json.dumps(kw), flush=True)

t0 = time.monotonic()
ev("start")
polls = 0
while True:
    ts = time.monotonic()
    try:
        out = subprocess.run(cmd, shell=True, capture_output=True,
                             text=True, timeout=60).stdout
        c = count(out)
    except (ValueError, KeyError, TypeError, subprocess.SubprocessError):
        c = -1
    polls += 1
    if c >= want:
        ev("reached", count=c, poll_secs=round(time.monotonic() - ts, 6),
           polls=polls)
        sys.exit(0)
    if time.monotonic() - t0 > limit:
        ev("timeout", count=c, polls=polls)
        sys.exit(2)
    time.sleep(0.05)
'

scen_BR() {
	local r=1 n dut to c0 t0 t1 pid rss0
	while [ "$r" -le "$RUNS" ]; do
		for n in $B1_SIZES; do
			for dut in $DUTS; do
				[ "$dut" = bird-s2 ] && continue
				to=$(timeout_for "$n")
				cell BR "$dut" "$n" "$r"
				topo_up 1
				dut_config "$dut" 1 bgponly
				dut_start "$dut"
				rss0=$(dut_mem VmRSS)
				c0=$(dut_cpu)
				bg "$NS_DUT" "$CPU_GEN" "$RUN/rib.jsonl" python3 \
				    -c "$RIB_POLL" "$dut" "$(rib_cmd)" "$n" "$to"
				pid=$LAST_PID
				ev_wait 10 "$RUN/rib.jsonl" '"start"' "$pid"
				gen_start gen --local-as "$GEN_AS" \
				    --source "$(src_ip 0)" --prefixes "$n" \
				    --aspath-len 3 --communities
				ev_wait "$((to + 5))" "$RUN/rib.jsonl" \
				    '"reached"|"timeout"' "$pid"
				stop "$pid" 5
				t0=$(ev_t "$RUN/gen.jsonl" established)
				t1=$(ev_t "$RUN/rib.jsonl" reached)
				[ -n "$t1" ] ||
				    bad "the RIB did not reach $n prefixes"
				no_flap gen
				dut_alive || bad "$dut died"
				emit secs "$(calc "$t1 - $t0")" \
				    rate "$(calc "$n / ($t1 - $t0 + 1e-9)")" \
				    poll_secs "$(ev_field "$RUN/rib.jsonl" \
				    '"reached"' poll_secs)" \
				    cpu "$(calc "$(dut_cpu) - $c0")" \
				    rss_kb "$(dut_mem VmRSS)" \
				    bytes_per_route \
				    "$(calc "($(dut_mem VmRSS) - $rss0) * 1024 / $n")"
				dut_stop
				topo_down
			done
		done
		r=$((r + 1))
	done
}

# ---- BL: the full listing ----

scen_BL() {
	local r=1 n=$BL_N dut sock kind k v
	while [ "$r" -le "$RUNS" ]; do
		for dut in $DUTS; do
			case $dut in
			bgpd) sock=bgpd.sock kind=bgpd ;;
			bird-s2) sock=bird.ctl kind=bird ;;
			*) continue ;;
			esac
			cell BL "$dut" "$n" "$r"
			load "$dut" "$n"
			no_flap gen
			# shellcheck disable=SC2086
			taskset -c "$CPU_GEN" python3 "$TOP/bench/listing.py" \
			    run "$kind" "$RUN/$sock" $DUT_PIDS \
			    >"$RUN/listing.json" 2>"$RUN/listing.err" ||
			    bad "listing.py failed (see $RUN/listing.err)"
			python3 -c 'import json, sys
for k, v in json.load(open(sys.argv[1])).items():
    print(k, v)' "$RUN/listing.json" >"$RUN/listing.kv" 2>/dev/null
			set --
			while read -r k v; do
				[ -n "$k" ] && set -- "$@" "$k" "$v"
			done <"$RUN/listing.kv"
			grep -q "\"routes\": $n," "$RUN/listing.json" ||
			    bad "the listing did not hold $n routes"
			dut_alive || bad "$dut died"
			emit "$@"
			dut_stop
			topo_down
		done
		r=$((r + 1))
	done
}

# ---- main ----

log "results in $RES"
for s in $SCENARIOS; do
	case $s in
	cal|B1|B0|B9|B3|B4|BR|BL|MESH|RR|floor|real) "scen_$s" ;;
	*) die "unknown scenario $s" ;;
	esac
done
python3 "$TOP/bench/report.py" report "$RES" "$OUT" || die "report.py"
log "wrote $OUT"
