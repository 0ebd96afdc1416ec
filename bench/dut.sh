# The daemons under test (sourced by bench/run.sh after lib.sh).  Each
# runs in the dut namespace, every process pinned to CPU_DUT, with its
# config, sockets and logs in the run directory RUN.
#
#   dut_config KIND NPEERS MODE   write KIND's config for NPEERS generator
#                                 peers; MODE ebgp (AS GEN_AS), mesh
#                                 (iBGP, B4: bgpd gets Node resources),
#                                 ibgp (B4's route reflectors: iBGP
#                                 BGPPeers) or
#                                 bgponly (eBGP, no kernel: bgpd
#                                 --no-kernel, BIRD without its kernel
#                                 protocol, FRR bgpd without zebra)
#   dut_start KIND [restart]      start it, wait until it listens on 179
#   dut_stop                      SIGTERM every process, wait
#   DUT_PIDS                      the running DUT's processes
#
# KIND: bgpd, bird-s2 (BIRD 2, kernel scan time 2 as Calico), bird (BIRD
# 2, default scan time), frr (FRR bgpd + zebra), gobgp (GoBGP, BGP only).
FRR=/usr/lib/frr
CONF="$TOP/bench/conf"
DUT_PIDS=""
DUT_KIND=""

# tpl FILE: FILE with @VAR@ replaced from the T_* variables
tpl() {
	sed -e "s|@AS@|$T_AS|g" -e "s|@PEER_AS@|$T_PEER_AS|g" \
	    -e "s|@DUT_IP@|$DUT_IP|g" -e "s|@DUT_IP6@|$DUT_IP6|g" \
	    -e "s|@RUN@|$RUN|g" -e "s|@MESH@|$T_MESH|g" \
	    -e "s|@SCAN@|$T_SCAN|g" -e "s|@SCAN_NOTE@|$T_SCAN_NOTE|g" \
	    -e "s|@I@|${T_I:-}|g" -e "s|@IP@|${T_IP:-}|g" "$1"
}

# per_peer NPEERS FILE: FILE once for each peer
per_peer() {
	local n="$1" f="$2" i=0
	while [ "$i" -lt "$n" ]; do
		T_I=$i T_IP=$(src_ip "$i") tpl "$f"
		i=$((i + 1))
	done
}

dut_config() {
	local kind="$1" n="$2" mode="$3"
	DUT_NPEERS=$n
	DUT_MODE=$mode
	T_AS=$DUT_AS
	T_PEER_AS=$GEN_AS
	T_MESH=false
	T_SCAN="scan time 2;"
	T_SCAN_NOTE="with Calico's scan time 2"
	case $mode in
	mesh) T_PEER_AS=$DUT_AS T_MESH=true ;;
	ibgp) T_PEER_AS=$DUT_AS ;;
	esac
	case $kind in
	bgpd)
		{
			tpl "$CONF/bgpd.yaml"
			case $mode in
			mesh)
				tpl "$CONF/bgpd-pool.yaml"
				per_peer "$n" "$CONF/bgpd-node.yaml"
				;;
			ibgp)
				tpl "$CONF/bgpd-pool.yaml"
				per_peer "$n" "$CONF/bgpd-peer.yaml"
				;;
			*)
				per_peer "$n" "$CONF/bgpd-peer.yaml"
				;;
			esac
		} >"$RUN/bgpd.yaml"
		;;
	bird|bird-s2)
		if [ "$kind" = bird ]; then
			T_SCAN="# scan time: default"
			T_SCAN_NOTE="with the default scan time"
		fi
		{
			if [ "$mode" = bgponly ]; then
				# no kernel protocol: BGP and the RIB only
				sed '/^protocol kernel/,/^}/d' "$CONF/bird.conf" |
				    tpl -
			else
				tpl "$CONF/bird.conf"
			fi
			per_peer "$n" "$CONF/bird-peer.conf"
		} >"$RUN/bird.conf"
		;;
	frr)
		mkdir -p "$RUN/frr"
		tpl "$CONF/frr-zebra.conf" >"$RUN/frr/zebra.conf"
		{
			tpl "$CONF/frr-bgpd.conf"
			per_peer "$n" "$CONF/frr-peer.conf"
			tpl "$CONF/frr-bgpd-tail.conf"
		} >"$RUN/frr/bgpd.conf"
		;;
	gobgp)
		{
			tpl "$CONF/gobgpd.toml"
			per_peer "$n" "$CONF/gobgpd-peer.toml"
		} >"$RUN/gobgpd.toml"
		;;
	*)
		die "unknown DUT $kind"
		;;
	esac
}

listening() {	# the DUT accepts BGP connections
	ip netns exec "$NS_DUT" ss -Hltn 'sport = :179' 2>/dev/null |
	    grep -q LISTEN
}

# FRR's bgpd listens before it has read its whole config: ready when it
# knows every neighbour (else it closes early connections).
frr_ready() {
	vtysh --vty_socket "$RUN/frr" -d bgpd -c "show bgp neighbors json" \
	    2>/dev/null | python3 -c '
import json, sys
try:
    n = json.load(sys.stdin)
except ValueError:
    sys.exit(1)
sys.exit(0 if len(n) >= int(sys.argv[1]) else 1)' "$DUT_NPEERS"
}

frr_start() {	# DAEMON ARGS...
	local d="$1"
	shift
	touch "$RUN/frr-$d.log"
	chown frr:frr "$RUN/frr" "$RUN/frr-$d.log"
	bg "$NS_DUT" "$CPU_DUT" "$RUN/frr-$d.out" "$FRR/$d" -u frr -g frr \
	    -f "$RUN/frr/$d.conf" --vty_socket "$RUN/frr" \
	    -i "$RUN/frr/$d.pid" -z "$RUN/frr/zserv.api" "$@"
	DUT_PIDS="$DUT_PIDS $LAST_PID"
	FRR_SCRATCH="$FRR_SCRATCH $d.$LAST_PID"
}

# dut_start KIND [restart]: with restart, BIRD starts in graceful
# restart recovery (-R, as calico/node always starts it).  A cold start
# goes without: with -R, BIRD's kernel protocol holds every route until
# the recovery ends (some 0.8 s after the feed here), which would
# measure that wait rather than BIRD.
dut_start() {
	local kind="$1" i=0 p r
	DUT_KIND=$kind
	DUT_PIDS=""
	chmod 755 "$RUN"
	case $kind in
	bgpd)
		r="" w=""
		[ "$DUT_MODE" = bgponly ] && r=--no-kernel
		# a profile run (bench/PROFILE.md): the heap, pages included
		[ "${BENCH_MASSIF:-0}" = 1 ] && w="valgrind --tool=massif
		    --pages-as-heap=yes --massif-out-file=$RUN/massif.out"
		# instruction counts (bench/PROFILE-REAL.md)
		[ "${BENCH_CALLGRIND:-0}" = 1 ] && w="valgrind
		    --tool=callgrind --callgrind-out-file=$RUN/callgrind.out"
		# shellcheck disable=SC2086
		bg "$NS_DUT" "$CPU_DUT" "$RUN/bgpd.out" $w "$BGPD" \
		    --config "$RUN/bgpd.yaml" --node dut \
		    --socket "$RUN/bgpd.sock" --log-level warning $r
		DUT_PIDS=$LAST_PID
		;;
	bird|bird-s2)
		r=""
		[ "${2:-}" = restart ] && r=-R
		# shellcheck disable=SC2086
		bg "$NS_DUT" "$CPU_DUT" "$RUN/bird.out" bird -f $r \
		    -c "$RUN/bird.conf" -s "$RUN/bird.ctl"
		DUT_PIDS=$LAST_PID
		;;
	frr)
		if [ "$DUT_MODE" = bgponly ]; then
			frr_start bgpd -Z
		else
			frr_start zebra -s 90000000
			while [ ! -S "$RUN/frr/zserv.api" ] &&
			    [ "$i" -lt 100 ]; do
				sleep 0.1
				i=$((i + 1))
			done
			frr_start bgpd
		fi
		;;
	gobgp)
		bg "$NS_DUT" "$CPU_DUT" "$RUN/gobgpd.out" gobgpd \
		    -f "$RUN/gobgpd.toml" --pprof-disable \
		    --api-hosts "127.0.0.1:50051" -l warn -p
		DUT_PIDS=$LAST_PID
		;;
	esac
	i=0
	while ! listening; do
		for p in $DUT_PIDS; do
			alive "$p" || die "$kind exited at start (see $RUN)"
		done
		[ "$i" -ge 300 ] && die "$kind does not listen on port 179"
		sleep 0.1
		i=$((i + 1))
	done
	if [ "$kind" = frr ]; then
		i=0
		until frr_ready; do
			[ "$i" -ge 100 ] && die "FRR bgpd does not answer"
			sleep 0.1
			i=$((i + 1))
		done
	fi
}

dut_stop() {	# last started first (FRR: bgpd, then zebra)
	local p rev=""
	for p in $DUT_PIDS; do
		rev="$p $rev"
	done
	for p in $rev; do
		stop "$p" 30
	done
	DUT_PIDS=""
}

dut_alive() {
	local p
	for p in $DUT_PIDS; do
		alive "$p" || return 1
	done
	[ -n "$DUT_PIDS" ]
}

# rib_cmd: a command printing the DUT's state from which rib_count.py
# (in run.sh) reads the number of prefixes received from all peers
rib_cmd() {
	case $DUT_KIND in
	bgpd) echo "$BGPD status --json --socket $RUN/bgpd.sock" ;;
	bird*) echo "birdc -s $RUN/bird.ctl show protocols all" ;;
	frr) echo "vtysh --vty_socket $RUN/frr -d bgpd -c" \
	    "'show bgp ipv4 unicast summary json'" ;;
	gobgp) echo "gobgp -u 127.0.0.1 -p 50051 neighbor" ;;
	esac
}

dut_cpu() {
	# shellcheck disable=SC2086
	cpu_of $DUT_PIDS
}

dut_mem() {	# VmRSS or VmHWM, kB
	# shellcheck disable=SC2086
	mem_of "$1" $DUT_PIDS
}

dut_label() {
	case $1 in
	bgpd) echo "bgpd" ;;
	bird-s2) echo "BIRD (scan 2)" ;;
	bird) echo "BIRD (default)" ;;
	frr) echo "FRR" ;;
	gobgp) echo "GoBGP" ;;
	esac
}
