# Real routes and the kernel's floor (issue 21), sourced by bench/run.sh
# after lib.sh and dut.sh; uses run.sh's cell, emit, bad and observer
# helpers.
#
#   real   each set of REAL_SETS from REAL_DATA, sent by one eBGP peer
#          (gen --replay of what bench/mrtfeed.c made of the MRT file):
#            2015   updates.et-header.2015.gz, its UPDATEs as they came
#            2015t  the same feed's final table, one UPDATE run per
#                   attribute set (as a speaker sends a table)
#            2002   bview.20020722.2337.gz (a RIB dump), as a table
#          Per set and run: the kernel floor for those very prefixes
#          (real-floor), every DUT RIB only (real-rib: bgpd --no-kernel,
#          BIRD without its kernel protocol, FRR bgpd -Z, GoBGP), every
#          DUT into the kernel (real-kernel), then the peer withdraws
#          everything (real-wd).  REAL_PARTS (default "floor rib
#          kernel") picks among them (a profile run: REAL_PARTS=rib).
#   floor  the kernel floor for generated routes: FLOOR_SIZES IPv4 /32s
#          and B0_V6 IPv6 /128s from the benchmark ranges, written by
#          nlfloor (raw batched RTM_NEWROUTE, nothing listening), then
#          the same with the observer listening, then by fib/ alone
#          (fibload, nothing else listening): what fib/ adds.
#
# The floor's own times come from the tool's clock (first sendto to the
# last one returned: the kernel handles a request inside sendmsg); a
# dump by the observer afterwards checks that the routes are all there
# (then all gone).  RIB only, the end is when the DUT's CLI first
# reports every prefix (polled as BR polls it), and when the DUT's last
# busy stretch before that ended (bench/ribwatch.py): busy_secs.

REAL_DATA=${REAL_DATA:-$(cd "$TOP/.." && pwd)/shared/realworld}
# mrtfeed's sentinel route (its default): announced after every route
REAL_SENTINEL=100.64.0.0/32
REAL_PARTS=${REAL_PARTS:-floor rib kernel}	# which cells of scen_real
[ -d "$REAL_DATA" ] || REAL_DATA=/work/shared/realworld

# dut_proto: the rtm_protocol of the running DUT's kernel routes
dut_proto() {
	case $DUT_KIND in
	bird|bird-s2) echo 12 ;;	# RTPROT_BIRD
	*) echo 186 ;;			# RTPROT_BGP: bgpd, FRR's zebra
	esac
}

# real_prepare SET: the replay file of SET (made once per results
# directory); sets RP_BIN, RP_PFX and RP_N, the routes a DUT holds at
# the end (the sentinel included, see mrtfeed.c).
real_prepare() {
	local set="$1" file shape=""
	case $set in
	2015) file=updates.et-header.2015.gz ;;
	2015t) file=updates.et-header.2015.gz shape=--group ;;
	2002) file=bview.20020722.2337.gz ;;
	*) die "unknown real set $set (2015, 2015t, 2002)" ;;
	esac
	[ -r "$REAL_DATA/$file" ] || die "missing $REAL_DATA/$file"
	RP_BIN="$RES/real/$set.bin" RP_PFX="$RES/real/$set.pfx"
	if [ ! -s "$RP_BIN" ]; then
		mkdir -p "$RES/real"
		# shellcheck disable=SC2086
		gunzip -c "$REAL_DATA/$file" | "$TOOLS/mrtfeed" \
		    --local-as "$GEN_AS" --dut-as "$DUT_AS" \
		    --nexthop "$(src_ip 0)" \
		    --out "$RP_BIN" --prefixes "$RP_PFX" $shape \
		    ${REAL_MAX:+--max-updates "$REAL_MAX"} \
		    >"$RES/real/$set.json" 2>"$RES/real/$set.err" ||
		    die "mrtfeed $set (see $RES/real/$set.err)"
		log "real $set: $(cat "$RES/real/$set.json")"
	fi
	RP_N=$(ev_field "$RES/real/$set.json" '"converted"' routes)
	[ -n "$RP_N" ] || die "mrtfeed $set: no route count"
}

# A generator replaying the set (a profile run without hold timer:
# callgrind slows bgpd more than 90 s allow).
real_gen() {
	local hold=""
	[ "${BENCH_CALLGRIND:-0}" = 1 ] && hold="--hold 0"
	# shellcheck disable=SC2086
	gen_start gen --local-as "$GEN_AS" --source "$(src_ip 0)" \
	    --replay "$RP_BIN" $hold
}

# A profile run (bench/PROFILE-REAL.md, BENCH_PERF=1): perf samples
# the DUT (cpu-clock where the machine has no hardware counters).
PERF_PID=""
perf_start() {	# [NAME]: into $RUN/perf[-NAME].data
	PERF_PID=""
	[ "${BENCH_PERF:-0}" = 1 ] || return 0
	# shellcheck disable=SC2086
	perf record -q -F 1999 -g -o "$RUN/perf${1:+-$1}.data" \
	    -p "$(echo $DUT_PIDS | tr ' ' ,)" >"$RUN/perf.out" 2>&1 &
	PERF_PID=$!
	PIDS="$PIDS $PERF_PID"
	sleep 0.5
}

perf_stop() {
	[ -n "$PERF_PID" ] && stop "$PERF_PID" 30 INT
	PERF_PID=""
}

# dut_snapshot NAME: bgpd's own account (status: the kernel's resyncs,
# requests, errors; attribute sets) into $RUN/status-NAME.json
dut_snapshot() {
	[ "$DUT_KIND" = bgpd ] || return 0
	"$BGPD" status --json --socket "$RUN/bgpd.sock" \
	    >"$RUN/status-$1.json" 2>&1 || true
}

# ---- the floor ----

# nl_run NAME ARGS...: nlfloor in the dut namespace on the DUT's CPU;
# sets NL_T0 (its first sendto), NL_SECS and NL_CPU.
nl_run() {
	local name="$1" ev=installed
	shift
	case " $* " in *" --delete "*) ev=deleted ;; esac
	taskset -c "$CPU_DUT" ip netns exec "$NS_DUT" "$TOOLS/nlfloor" \
	    "$@" >"$RUN/$name.jsonl" 2>"$RUN/$name.err" ||
	    bad "nlfloor $name failed: $(head -c 200 "$RUN/$name.err")"
	NL_SECS=$(ev_field "$RUN/$name.jsonl" "\"$ev\"" secs)
	NL_CPU=$(ev_field "$RUN/$name.jsonl" "\"$ev\"" cpu_secs)
	NL_T0=""
	[ -n "$NL_SECS" ] &&
	    NL_T0=$(calc "$(ev_t "$RUN/$name.jsonl" "$ev") - $NL_SECS")
}

# fl_check NAME N FAMILY RANGE: an observer's dump holds N routes of
# protocol 186 in RANGE (N = 0: none)
fl_check() {
	local goal="--until-count $2"
	[ "$2" = 0 ] && goal=--until-zero
	# shellcheck disable=SC2086
	obs_start "$1" --family "$3" --range "$4" --proto 186 $goal \
	    --timeout 30
	obs_end "$1" 40
	count_ok "$1" "$2"
}

# floor_cell N FAMILY RANGE GW SRC...: the floor's figures for N routes
# (SRC: nlfloor's and fibload's route arguments) into the current cell
floor_cell() {
	local n="$1" fam="$2" range="$3" gw="$4" to t1 add del oadd odel
	local cpu dcpu
	shift 4
	to=$(timeout_for "$n")
	# nothing listening
	nl_run nl-add "$@" --via "$gw" --dev eth0
	add=$NL_SECS cpu=$NL_CPU
	fl_check chk-add "$n" "$fam" "$range"
	nl_run nl-del "$@" --via "$gw" --dev eth0 --delete
	del=$NL_SECS dcpu=$NL_CPU
	fl_check chk-del 0 "$fam" "$range"
	# the same with the observer listening (as in B1)
	obs_start obs-add --family "$fam" --range "$range" --proto 186 \
	    --until-count "$n" --timeout "$to"
	nl_run nl-obs-add "$@" --via "$gw" --dev eth0
	obs_end obs-add "$to"
	t1=$(ev_t "$RUN/obs-add.jsonl" reached)
	oadd=""
	[ -n "$t1" ] && [ -n "$NL_T0" ] && oadd=$(calc "$t1 - $NL_T0")
	count_ok obs-add "$n"
	obs_start obs-del --family "$fam" --range "$range" --proto 186 \
	    --until-zero --timeout "$to"
	nl_run nl-obs-del "$@" --via "$gw" --dev eth0 --delete
	obs_end obs-del "$to"
	t1=$(ev_t "$RUN/obs-del.jsonl" zero)
	odel=""
	[ -n "$t1" ] && [ -n "$NL_T0" ] && odel=$(calc "$t1 - $NL_T0")
	count_ok obs-del 0
	emit secs "$add" rate "$(calc "$n / ($add + 1e-9)")" \
	    del_secs "$del" cpu "$cpu" del_cpu "$dcpu" obs_secs "$oadd" \
	    obs_del_secs "$odel"
}

# fib_alone N FAMILY RANGE GW START PLEN: fibload with nothing else
# listening, its own clock; figures into the current cell
fib_alone() {
	local n="$1" fam="$2" range="$3" gw="$4" start="$5" plen="$6" a d ca dc
	taskset -c "$CPU_DUT" ip netns exec "$NS_DUT" "$TOOLS/fibload" \
	    --count "$n" --family "$fam" --start "$start" --plen "$plen" \
	    --via "$gw" --dev eth0 >"$RUN/fib-add.jsonl" 2>&1 ||
	    bad "fibload failed"
	a=$(ev_field "$RUN/fib-add.jsonl" '"installed"' secs)
	ca=$(ev_field "$RUN/fib-add.jsonl" '"installed"' cpu_secs)
	fl_check chk-fib-add "$n" "$fam" "$range"
	taskset -c "$CPU_DUT" ip netns exec "$NS_DUT" "$TOOLS/fibload" \
	    --count "$n" --family "$fam" --start "$start" --plen "$plen" \
	    --via "$gw" --dev eth0 --delete >"$RUN/fib-del.jsonl" 2>&1 ||
	    bad "fibload --delete failed"
	d=$(ev_field "$RUN/fib-del.jsonl" '"deleted"' secs)
	dc=$(ev_field "$RUN/fib-del.jsonl" '"deleted"' cpu_secs)
	fl_check chk-fib-del 0 "$fam" "$range"
	emit secs "$a" del_secs "$d" cpu "$ca" del_cpu "$dc"
}

scen_floor() {
	local r=1 n
	while [ "$r" -le "$RUNS" ]; do
		for n in $FLOOR_SIZES; do
			cell floor nlfloor "v4-$n" "$r"
			topo_up 0
			floor_cell "$n" 4 100.64.0.0/10 198.51.100.10 \
			    --count "$n" --family 4 --start 100.64.0.0 \
			    --plen 32
			topo_down
			cell floor fibload "v4-$n" "$r"
			topo_up 0
			fib_alone "$n" 4 100.64.0.0/10 198.51.100.10 \
			    100.64.0.0 32
			topo_down
		done
		cell floor nlfloor "v6-$B0_V6" "$r"
		topo_up 0
		floor_cell "$B0_V6" 6 2001:db8:1000::/48 2001:db8:100::10 \
		    --count "$B0_V6" --family 6 --start 2001:db8:1000:: \
		    --plen 128
		topo_down
		cell floor fibload "v6-$B0_V6" "$r"
		topo_up 0
		fib_alone "$B0_V6" 6 2001:db8:1000::/48 2001:db8:100::10 \
		    2001:db8:1000:: 128
		topo_down
		r=$((r + 1))
	done
}

# ---- real routes ----

real_floor() {	# SET RUN
	cell real-floor nlfloor "$1" "$2"
	topo_up 1
	floor_cell "$RP_N" 4 0.0.0.0/0 "$(src_ip 0)" --prefixes "$RP_PFX"
	topo_down
}

real_rib() {	# DUT SET RUN
	local dut="$1" n="$RP_N" to rss0 c0 pid t0 t1 ts tb
	to=$(timeout_for "$n")
	[ "${BENCH_CALLGRIND:-0}" = 1 ] && to=$((to * 10))
	cell real-rib "$dut" "$2" "$3"
	topo_up 1
	dut_config "$dut" 1 bgponly
	dut_start "$dut"
	rss0=$(dut_mem VmRSS)
	c0=$(dut_cpu)
	# a profile run: poll seldom, each poll is work for the DUT
	[ "${BENCH_CALLGRIND:-0}" = 1 ] && export BENCH_POLL_SECS=5
	# shellcheck disable=SC2086
	bg "$NS_DUT" "$CPU_GEN" "$RUN/rib.jsonl" python3 \
	    "$TOP/bench/ribwatch.py" "$dut" "$(rib_cmd)" "$n" "$to" $DUT_PIDS
	pid=$LAST_PID
	ev_wait 10 "$RUN/rib.jsonl" '"start"' "$pid"
	perf_start
	real_gen
	ev_wait "$((to + 5))" "$RUN/rib.jsonl" '"reached"|"timeout"' "$pid"
	perf_stop
	stop "$pid" 5
	t0=$(ev_t "$RUN/gen.jsonl" established)
	t1=$(ev_t "$RUN/rib.jsonl" reached)
	ts=$(ev_t "$RUN/gen.jsonl" all_sent)
	tb=$(ev_field "$RUN/rib.jsonl" '"reached"' busy_end)
	[ -n "$tb" ] && [ -n "$t0" ] && tb=$(calc "$tb - $t0")
	[ -n "$t1" ] || bad "the RIB did not reach $n prefixes"
	no_flap gen
	dut_alive || bad "$dut died"
	emit secs "$(calc "$t1 - $t0")" \
	    rate "$(calc "$n / ($t1 - $t0 + 1e-9)")" \
	    busy_secs "$tb" \
	    gen_secs "$(calc "$ts - $t0")" \
	    poll_secs "$(ev_field "$RUN/rib.jsonl" '"reached"' poll_secs)" \
	    cpu "$(calc "$(dut_cpu) - $c0")" \
	    rss_kb "$(dut_mem VmRSS)" hwm_kb "$(dut_mem VmHWM)" \
	    bytes_per_route \
	    "$(calc "($(dut_mem VmRSS) - $rss0) * 1024 / $n")"
	dut_snapshot load
	dut_stop
	topo_down
}

real_kernel() {	# DUT SET RUN
	local dut="$1" n="$RP_N" to rss0 c0 t0 t1 est reach proto
	to=$(timeout_for "$n")
	cell real-kernel "$dut" "$2" "$3"
	topo_up 1
	dut_config "$dut" 1 ebgp
	dut_start "$dut"
	proto=$(dut_proto)
	rss0=$(dut_mem VmRSS)
	c0=$(dut_cpu)
	# timed as B1 and the floor are: the observer's sentinel mode
	# (mrtfeed's sentinel route comes last) adds next to nothing to the
	# kernel's work; reading every notification cost each DUT a wake-up
	# of the observer's CPU per route (9.5 % of bgpd's samples)
	obs_start load --range 0.0.0.0/0 --proto "$proto" --until-count "$n" \
	    --sentinel "$REAL_SENTINEL" --timeout "$to"
	perf_start
	real_gen
	obs_end load "$to"
	perf_stop
	est=$(ev_t "$RUN/gen.jsonl" established)
	reach=$(ev_t "$RUN/load.jsonl" reached)
	t0=$(ev_t "$RUN/gen.jsonl" all_sent)
	count_ok load "$n"
	obs_sentinel load
	sample_ok load "$(ip_re "$(src_ip 0)")"
	no_flap gen
	if [ -z "$est" ] || [ -z "$reach" ]; then
		bad "no established or reached event"
	fi
	emit secs "$(calc "$reach - $est")" \
	    rate "$(calc "$n / ($reach - $est + 1e-9)")" \
	    gen_secs "$(calc "$t0 - $est")" \
	    cpu "$(calc "$(dut_cpu) - $c0")" \
	    rss_kb "$(dut_mem VmRSS)" hwm_kb "$(dut_mem VmHWM)" \
	    bytes_per_route \
	    "$(calc "($(dut_mem VmRSS) - $rss0) * 1024 / $n")"
	dut_snapshot load
	# the peer withdraws everything
	c0=$(dut_cpu)
	obs_start wd --range 0.0.0.0/0 --proto "$proto" --until-zero \
	    --timeout "$to"
	perf_start wd
	t0=$(signal_at USR1 "$GEN_PID")
	obs_end wd "$to"
	perf_stop
	t1=$(ev_t "$RUN/wd.jsonl" zero)
	[ -n "$t1" ] || bad "the routes did not go"
	count_ok wd 0
	no_flap gen
	dut_alive || bad "$dut died"
	dut_snapshot wd
	emit real-wd secs "$(calc "$t1 - $t0")" \
	    rate "$(calc "$n / ($t1 - $t0 + 1e-9)")" \
	    cpu "$(calc "$(dut_cpu) - $c0")"
	dut_stop
	topo_down
}

scen_real() {
	local r=1 set dut
	while [ "$r" -le "$RUNS" ]; do
		for set in $REAL_SETS; do
			real_prepare "$set"
			case " $REAL_PARTS " in *" floor "*)
				real_floor "$set" "$r" ;;
			esac
			for dut in $DUTS; do
				case " $REAL_PARTS " in *" rib "*) ;; *)
					continue ;;
				esac
				# without a kernel protocol the scan time
				# does not matter: one BIRD
				[ "$dut" = bird ] &&
				    case " $DUTS " in *" bird-s2 "*)
					continue ;;
				    esac
				real_rib "$dut" "$set" "$r"
			done
			for dut in $DUTS; do
				[ "$dut" = gobgp ] && continue
				case " $REAL_PARTS " in *" kernel "*) ;; *)
					continue ;;
				esac
				real_kernel "$dut" "$set" "$r"
			done
		done
		r=$((r + 1))
	done
}
