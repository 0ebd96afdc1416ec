# Shared helpers for the benchmark harness (sourced by bench/run.sh).
# Same rules as the integration tests (TESTING.md section 2): every
# namespace and process is ours, made with the prefix bb<PID>- and removed
# by the EXIT trap; only documentation addresses and the benchmark
# prefixes; waits are bounded polls.  Nothing runs in the root namespace
# but ip(8) and this shell.
#
#   topo_up NSRC          namespaces gen and dut joined by a veth; the
#                         generator gets NSRC source addresses from .10
#   topo_down             kill what the run started, delete its namespaces
#   bg NS CPU OUT CMD...  run CMD in namespace NS pinned to CPU, stdout to
#                         OUT (stderr to OUT.err); pid in LAST_PID
#   stop PID [SECS]       SIGTERM, wait, SIGKILL after SECS (default 10)
#   ev_wait SECS FILE PAT wait until a line of FILE matches PAT
#   ev_field FILE PAT KEY value of numeric KEY in the first line with PAT
#   now                   CLOCK_MONOTONIC seconds (what the tools print)
set -u

TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
BGPD=${BGPD:-$TOP/build/bgpd}
TOOLS=${TOOLS:-$TOP/build/bench}
PFX="bb$$-"
NS_GEN="${PFX}gen"
NS_DUT="${PFX}dut"
IFX="b$$"
CPU_DUT=${CPU_DUT:-0}
CPU_GEN=${CPU_GEN:-1}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bgpd-bench-XXXXXX")
chmod 711 "$TMP"	# FRR drops to the frr user and needs to enter it
NSES=""
PIDS=""		# every process we started and have not reaped
FRR_SCRATCH=""	# /var/tmp/frr/<daemon>.<pid> left by FRR daemons

# Addresses (documentation ranges only).
GEN_IP=198.51.100.1
DUT_IP=198.51.100.2
GEN_IP6=2001:db8:100::1
DUT_IP6=2001:db8:100::2
SRC_BASE=10		# generator peer i speaks from 198.51.100.(10+i)
DUT_AS=64512
GEN_AS=65001

log() {
	printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

die() {
	log "bench: $*"
	exit 1
}

kill_all() {
	local p
	for p in $PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	[ -n "$PIDS" ] && sleep 0.3
	for p in $PIDS; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	PIDS=""
}

cleanup() {
	local n s
	kill_all
	for n in $NSES; do
		ip netns del "$n" 2>/dev/null
	done
	NSES=""
	for s in $FRR_SCRATCH; do
		rm -rf "/var/tmp/frr/$s"
	done
	if [ -n "${KEEP_TMP:-}" ]; then
		log "kept $TMP"
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

forget() {	# PID: no longer ours to kill (it has been reaped)
	local p out=""
	for p in $PIDS; do
		[ "$p" = "$1" ] || out="$out $p"
	done
	PIDS=$out
}

# 198.51.100.(10+I)
src_ip() {
	echo "198.51.100.$((SRC_BASE + $1))"
}

ns_add() {
	ip netns add "$1" || die "ip netns add $1"
	NSES="$NSES $1"
	ip -n "$1" link set lo up
}

# topo_up NSRC: a fresh pair of namespaces for one measurement.
topo_up() {
	local nsrc="$1" i=0
	ns_add "$NS_GEN"
	ns_add "$NS_DUT"
	ip link add "${IFX}g" type veth peer name "${IFX}d" ||
	    die "veth pair"
	ip link set "${IFX}g" netns "$NS_GEN"
	ip link set "${IFX}d" netns "$NS_DUT"
	ip -n "$NS_GEN" link set "${IFX}g" name eth0
	ip -n "$NS_DUT" link set "${IFX}d" name eth0
	ip -n "$NS_GEN" addr add "$GEN_IP/24" dev eth0
	ip -n "$NS_GEN" addr add "$GEN_IP6/64" dev eth0 nodad
	ip -n "$NS_DUT" addr add "$DUT_IP/24" dev eth0
	ip -n "$NS_DUT" addr add "$DUT_IP6/64" dev eth0 nodad
	while [ "$i" -lt "$nsrc" ]; do
		echo "address add $(src_ip "$i")/24 dev eth0"
		i=$((i + 1))
	done | ip -n "$NS_GEN" -batch - || die "generator addresses"
	ip -n "$NS_GEN" link set eth0 up
	ip -n "$NS_DUT" link set eth0 up
}

topo_down() {
	local n
	kill_all
	for n in $NSES; do
		ip netns del "$n" 2>/dev/null
	done
	NSES=""
}

bg() {
	local ns="$1" cpu="$2" out="$3"
	shift 3
	taskset -c "$cpu" ip netns exec "$ns" "$@" >"$out" 2>"$out.err" &
	LAST_PID=$!
	PIDS="$PIDS $!"
}

# stop PID [SECS] [SIG]: signal, wait up to SECS, then SIGKILL.
stop() {
	local pid="$1" secs="${2:-10}" sig="${3:-TERM}" i=0
	kill "-$sig" "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null; do
		# a zombie child still answers kill -0: look at its state
		case $(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' \
		    "/proc/$pid/status" 2>/dev/null) in
		Z|"") break ;;
		esac
		[ "$i" -ge $((secs * 10)) ] && {
			kill -KILL "$pid" 2>/dev/null
			break
		}
		sleep 0.1
		i=$((i + 1))
	done
	wait "$pid" 2>/dev/null
	STOP_RC=$?
	forget "$pid"
	return 0
}

alive() {
	kill -0 "$1" 2>/dev/null || return 1
	case $(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' \
	    "/proc/$1/status" 2>/dev/null) in
	Z|"") return 1 ;;
	esac
}

# ev_wait SECS FILE PATTERN [PID]: poll FILE for a line matching PATTERN
# (grep -E); give up after SECS, or when PID (the writer) has exited.
ev_wait() {
	local secs="$1" f="$2" pat="$3" pid="${4:-}" i=0
	while [ "$i" -lt $((secs * 10)) ]; do
		grep -Eq -- "$pat" "$f" 2>/dev/null && return 0
		if [ -n "$pid" ] && ! alive "$pid"; then
			grep -Eq -- "$pat" "$f" 2>/dev/null
			return
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# obs_start NAME ARGS...: an observer in the dut namespace, on the
# generator's CPU so that it does not take the DUT's; waits until it
# has dumped the table.
obs_start() {
	local name="$1"
	shift
	bg "$NS_DUT" "$CPU_GEN" "$RUN/$name.jsonl" "$TOOLS/observe" \
	    --sample 32 "$@"
	OBS_PID=$LAST_PID
	ev_wait 30 "$RUN/$name.jsonl" '"event": *"start"' "$OBS_PID" ||
	    die "observer did not start (see $RUN/$name.jsonl.err)"
}

# ev_count FILE PATTERN: lines matching
ev_count() {
	grep -Ec -- "$2" "$1" 2>/dev/null || true
}

# ev_field FILE PATTERN KEY [last]: the numeric value of "KEY" in the
# first (or last) line matching PATTERN; empty if none.
ev_field() {
	local f="$1" pat="$2" key="$3" which="${4:-first}" line
	if [ "$which" = last ]; then
		line=$(grep -E -- "$pat" "$f" 2>/dev/null | tail -n 1)
	else
		line=$(grep -E -- "$pat" "$f" 2>/dev/null | head -n 1)
	fi
	printf '%s\n' "$line" |
	    sed -n "s/.*\"$key\":[[:space:]]*\([-0-9.eE+]*\).*/\1/p"
}

# Fetch the "t" of an event: ev_t FILE EVENT [last]
ev_t() {
	ev_field "$1" "\"event\": *\"$2\"" t "${3:-first}"
}

now() {
	python3 -c 'import time; print("%.6f" % time.monotonic())'
}

# signal_at SIG PID: send SIG to PID, print the CLOCK_MONOTONIC time
# taken just before.
signal_at() {
	python3 -c '
import os, signal, sys, time
t = time.monotonic()
os.kill(int(sys.argv[2]), getattr(signal, "SIG" + sys.argv[1]))
print("%.6f" % t)' "$1" "$2"
}

# Arithmetic on decimals: calc EXPR (awk syntax)
calc() {
	awk "BEGIN { x = $*; printf \"%.6g\n\", x }" 2>/dev/null
}

# CPU seconds and memory (kB) of a set of processes.  CPU: the
# scheduler's count of every live thread's time on a CPU, in ns
# (/proc/PID/task/*/schedstat), where utime+stime come in clock ticks
# (10 ms: a table loaded in 0.13 s of CPU read as 0.13 or 0.14).
# CPU_USER=1: the process's own code only, utime, in ticks (the kernel
# splits user from system time only there).
CLK_TCK=$(getconf CLK_TCK)
cpu_of() {
	local p ticks=0 t f='$12'
	if [ "${CPU_USER:-0}" != 1 ]; then
		for p in "$@"; do
			cat "/proc/$p/task/"*/schedstat 2>/dev/null
		done | awk '{ ns += $1 } END { printf "%.6f\n", ns / 1e9 }'
		return
	fi
	# field 14 after the ")" of the command name
	for p in "$@"; do
		t=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null |
		    awk "{ print $f }")
		ticks=$((ticks + ${t:-0}))
	done
	calc "$ticks / $CLK_TCK"
}

mem_of() {	# KEY PID...: sum of KEY (VmRSS, VmHWM) in kB
	local key="$1" p kb=0 v
	shift
	for p in "$@"; do
		v=$(sed -n "s/^$key:[[:space:]]*\([0-9]*\).*/\1/p" \
		    "/proc/$p/status" 2>/dev/null)
		kb=$((kb + ${v:-0}))
	done
	echo "$kb"
}
