# Scale runs (issue 15), sourced by bench/run.sh after lib.sh: whole
# clusters of daemons, one per node namespace, on one bridge.
#
#   MESH  a full mesh of N nodes (MESH_SIZES), bgpd and BIRD side by side
#   RR    one route reflector and RR_CLIENTS clients, bgpd and BIRD
#
# Every node is a namespace with one veth on the bridge of a switch
# namespace, speaks IPv6 from 2001:db8:100::/64 and announces
# SCALE_BLOCKS /122 blocks of the pool 2001:db8:1000::/48
# (bench/scale.py writes the configs and reads the results).  All the
# daemons are pinned to CPU_DUT, the observers (one per node, netlink
# events, bench/TOOLS.md) to CPU_GEN.  A run starts every daemon as fast
# as the shell can and ends when every node's kernel holds every block
# (its own as a blackhole); it is valid only if every node got there,
# each observer's final dump has the right count, the sampled routes go
# via the node that owns them, and every session is Established and
# never went down (the daemons' own CLI says).  Memory is read 2 s
# after the last node converged.
#
# The kernel's ARP and neighbour tables are shared by every namespace
# (TESTING.md): they are raised first, never lowered, as is the number
# of inotify instances.  Every node knows its peers' link-layer
# addresses before the timed start (neigh_static; SCALE_NEIGH=discover
# leaves them to neighbour discovery) and the bridge is a switch, with
# no ip6tables on it: on one kernel both cost N^3 on the daemons' core
# (bench/PROFILE.md), for every DUT alike, where real nodes pay N each.

SCALE_PY="$TOP/bench/scale.py"
NS_SW="${PFX}sw"

# neigh_raise ENTRIES: room for ENTRIES neighbour entries (IPv4 and IPv6)
neigh_raise() {
	local need="$1" fam t want cur
	for fam in ipv4 ipv6; do
		for t in 1 2 3; do
			want=$((need * (1 << (t - 1))))
			cur=$(sysctl -n "net.$fam.neigh.default.gc_thresh$t")
			[ "$cur" -ge "$want" ] && continue
			sysctl -qw "net.$fam.neigh.default.gc_thresh$t=$want" ||
			    die "cannot raise the neighbour table ($fam)"
		done
	done
}

# inotify_raise N: room for N daemons' inotify instances (bgpd follows
# its config folder, the endpoint status folder and its secrets: 3 each;
# the default of 128 a user leaves the 43rd bgpd reading them by timer)
inotify_raise() {
	local want=$(($1 * 4 + 256)) cur
	cur=$(sysctl -n fs.inotify.max_user_instances)
	[ "$cur" -ge "$want" ] && return 0
	sysctl -qw "fs.inotify.max_user_instances=$want" ||
	    die "cannot raise fs.inotify.max_user_instances"
}

# scale_up N: the switch namespace and N node namespaces n0..n<N-1>
scale_up() {
	local n="$1" mode="$2" i=0 k f
	ns_add "$NS_SW"
	ip -n "$NS_SW" link add br0 type bridge || die "bridge"
	ip -n "$NS_SW" link set br0 up
	while [ "$i" -lt "$n" ]; do
		NSES="$NSES ${PFX}n$i"	# before they exist: the trap
		i=$((i + 1))
	done
	i=0
	while [ "$i" -lt "$n" ]; do
		echo "netns add ${PFX}n$i"
		i=$((i + 1))
	done | ip -batch - || die "node namespaces"
	# A switch, not a host: the switch namespace's bridge hands frames
	# to no ip(6)tables (br_netfilter's per-namespace sysctls default
	# to 1 wherever the module is loaded).
	for k in arptables iptables ip6tables; do
		f=/proc/sys/net/bridge/bridge-nf-call-$k
		ip netns exec "$NS_SW" sh -c "[ ! -e $f ] || echo 0 >$f" ||
		    die "bridge netfilter off"
	done
	i=0
	while [ "$i" -lt "$n" ]; do
		echo "link add eth0 address $(node_mac "$i") netns ${PFX}n$i" \
		    "type veth peer name p$i netns $NS_SW"
		i=$((i + 1))
	done | ip -batch - || die "node links"
	i=0
	while [ "$i" -lt "$n" ]; do
		echo "link set p$i master br0 up"
		i=$((i + 1))
	done | ip -n "$NS_SW" -batch - || die "bridge ports"
	i=0
	while [ "$i" -lt "$n" ]; do
		printf 'link set lo up\naddr add %s/64 dev eth0 nodad\n%s\n' \
		    "$(node_addr "$i")" "link set eth0 up" |
		    ip -n "${PFX}n$i" -batch - || die "node n$i"
		i=$((i + 1))
	done
	[ "${SCALE_NEIGH:-static}" = static ] && neigh_static "$n" "$mode"
	return 0
}

# neigh_static N MODE: every node knows the link-layer address of each
# node it peers with before the timed start (mesh: every other node;
# rr: node 0 and its clients), as the nodes of a running cluster do.
# One kernel emulates all N nodes: left to neighbour discovery, each
# solicitation is flooded by the bridge to all N namespaces and handled
# there on the one core the daemons share, N^3 for the cluster (the
# profile in bench/PROFILE.md), where a real node's kernel handles
# only the solicitations for itself.
neigh_static() {
	local n="$1" mode="$2" i=0
	while [ "$i" -lt "$n" ]; do
		awk -v i="$i" -v n="$n" -v mode="$mode" 'BEGIN {
			for (j = 0; j < n; j++) {
				if (j == i || (mode != "mesh" && i != 0 && j != 0))
					continue
				printf "neigh replace 2001:db8:100::%x lladdr " \
				    "02:b0:00:00:%02x:%02x dev eth0 nud permanent\n",
				    j + 1, int(j / 256), j % 256
			}
		}' | ip -n "${PFX}n$i" -batch - || die "neighbours of n$i"
		i=$((i + 1))
	done
}

scale_massif() {	# the node under massif, if any
	if [ -n "${SCALE_MASSIF:-}" ]; then
		echo "$SCALE_MASSIF"
	elif [ "${BENCH_MASSIF:-0}" = 1 ]; then
		echo 0
	fi
}

node_mac() {	# I: node I's eth0 (locally administered; as neigh_static)
	printf '02:b0:00:00:%02x:%02x' $(($1 / 256)) $(($1 % 256))
}

node_addr() {	# I: node I's address (as bench/scale.py addr)
	printf '2001:db8:100::%x' $(($1 + 1))
}

# node_start KIND I: the daemon of node I
node_start() {
	local kind="$1" i="$2" w
	case $kind in
	bgpd)
		# (the config in a folder of its own: bgpd watches its folder,
		# and every node's files are made in $RUN)
		w=""
		# a profile run (bench/PROFILE.md): node I's instructions,
		# dumped once every node converged (before the CLI's
		# questions); or its heap, pages too, snapshot then
		# (BENCH_MASSIF=1: node 0's)
		[ "${SCALE_CALLGRIND:-}" = "$i" ] &&
		    w="valgrind --tool=callgrind
		    --callgrind-out-file=$RUN/callgrind-n$i.out"
		[ "$(scale_massif)" = "$i" ] &&
		    w="valgrind --tool=massif
		    --pages-as-heap=${SCALE_MASSIF_PAGES:-yes}
		    --massif-out-file=$RUN/massif-n$i.out"
		# shellcheck disable=SC2086
		bg "${PFX}n$i" "$CPU_DUT" "$RUN/bgpd-n$i.out" $w "$BGPD" \
		    --config "$RUN/conf/cluster.yaml" --node "n$i" \
		    --socket "$RUN/n$i.sock" --log-level "${SCALE_LOG:-warning}"
		;;
	bird-s2)
		bg "${PFX}n$i" "$CPU_DUT" "$RUN/bird-n$i.out" bird -f \
		    -c "$RUN/bird-n$i.conf" -s "$RUN/n$i.ctl"
		;;
	esac
	eval "NODE_PID_$i=\$LAST_PID"
}

# node_status KIND I: node I's sessions as its CLI shows them, into
# $RUN/status-n<I> (bench/scale.py counts them)
node_status() {
	case $1 in
	bgpd)
		"$BGPD" status --json --socket "$RUN/n$2.sock" \
		    >"$RUN/status-n$2" 2>&1
		;;
	bird-s2)
		birdc -s "$RUN/n$2.ctl" show protocols all \
		    >"$RUN/status-n$2" 2>&1
		;;
	esac
}

# scale_run KIND MODE N: one measurement (cell already opened)
scale_run() {
	local kind="$1" mode="$2" n="$3" want i t_first t_last left to
	local pid anon="" rss="" cpu0 cpu1 ucpu instr figs k v
	want=$((n * SCALE_BLOCKS))
	to=$((120 + n / 2))
	neigh_raise $((n * n + 4 * n + 1024))
	inotify_raise "$n"
	scale_up "$n" "$mode"
	python3 "$SCALE_PY" conf "$kind" "$mode" "$n" "$SCALE_BLOCKS" "$RUN" ||
	    die "scale.py conf"
	chmod 755 "$RUN"
	i=0
	while [ "$i" -lt "$n" ]; do
		bg "${PFX}n$i" "$CPU_GEN" "$RUN/o$i.jsonl" "$TOOLS/observe" \
		    --family 6 --range 2001:db8:1000::/48 --until-count "$want" \
		    --timeout "$to" --quiet --sample 4
		i=$((i + 1))
	done
	i=0
	while [ "$i" -lt "$n" ]; do
		ev_wait 30 "$RUN/o$i.jsonl" '"event": *"start"' ||
		    die "observer n$i did not start"
		i=$((i + 1))
	done
	t_first=$(now)
	i=0
	while [ "$i" -lt "$n" ]; do
		node_start "$kind" "$i"
		i=$((i + 1))
	done
	t_last=$(now)
	# until every observer has ended (reached, or its timeout)
	left=$n
	while [ "$left" -gt 0 ]; do
		sleep 0.5
		left=$(grep -L '"event": *"final"' "$RUN"/o*.jsonl 2>/dev/null |
		    wc -l)
		[ "$(calc "$(now) - $t_first > $to + 30")" = 1 ] && {
			bad "observers still running after $((to + 30)) s"
			break
		}
	done
	sleep 2
	instr=""
	if [ -n "${SCALE_CALLGRIND:-}" ]; then
		eval "pid=\$NODE_PID_$SCALE_CALLGRIND"
		callgrind_control -d "$pid" >/dev/null 2>&1 ||
		    bad "callgrind_control -d $pid"
		instr=$(sed -n 's/^summary: //p' \
		    "$RUN/callgrind-n$SCALE_CALLGRIND.out.1" 2>/dev/null)
		[ -n "$instr" ] || bad "no callgrind dump of n$SCALE_CALLGRIND"
	fi
	if [ -n "$(scale_massif)" ]; then
		eval "pid=\$NODE_PID_$(scale_massif)"
		vgdb --pid="$pid" detailed_snapshot \
		    "$RUN/massif-n$(scale_massif).snap" >/dev/null 2>&1 ||
		    bad "vgdb detailed_snapshot $pid"
	fi
	cpu0=0
	ucpu=0
	i=0
	while [ "$i" -lt "$n" ]; do
		eval "pid=\$NODE_PID_$i"
		alive "$pid" || bad "n$i ($kind) died"
		anon="$anon $(mem_of RssAnon "$pid")"
		rss="$rss $(mem_of VmRSS "$pid")"
		cpu0=$(calc "$cpu0 + $(cpu_of "$pid")")
		ucpu=$(calc "$ucpu + $(CPU_USER=1 cpu_of "$pid")")
		i=$((i + 1))
	done
	i=0
	while [ "$i" -lt "$n" ]; do
		node_status "$kind" "$i"
		i=$((i + 1))
	done
	figs=$(python3 "$SCALE_PY" figures "$kind" "$mode" "$RUN" "$n" \
	    "$SCALE_BLOCKS" "$t_first" "$t_last")
	set --
	while read -r k v; do
		case $k in
		reason) bad "$v" ;;
		'') ;;
		*) set -- "$@" "$k" "$v" ;;
		esac
	done <<EOF
$figs
EOF
	# the reflector (node 0) on its own; then the other nodes
	eval "pid=\$NODE_PID_0"
	# a profile run (bench/PROFILE.md): node 0's mappings
	[ "${BENCH_SMAPS:-0}" = 1 ] && cat "/proc/$pid/smaps" >"$RUN/smaps-n0"
	set -- "$@" n0_anon_kb "$(echo "$anon" | awk '{print $1}')" \
	    n0_rss_kb "$(echo "$rss" | awk '{print $1}')"
	cpu1=$(cpu_of "$pid")
	[ -n "$instr" ] && set -- "$@" instr "$instr"
	emit "$@" cpu "$cpu0" user_cpu "$ucpu" n0_cpu "$cpu1" \
	    anon_kb "$(med_of "$anon" "$mode")" \
	    anon_max_kb "$(max_of "$anon" "$mode")" \
	    rss_kb "$(med_of "$rss" "$mode")"
	topo_down
}

# med_of LIST MODE / max_of LIST MODE: of the nodes (rr: of the clients)
med_of() {
	echo "$1" | python3 -c '
import statistics, sys
v = [int(x) for x in sys.stdin.read().split()]
if sys.argv[1] == "rr":
    v = v[1:]
print(statistics.median(v) if v else "")' "$2"
}

max_of() {
	echo "$1" | python3 -c '
import sys
v = [int(x) for x in sys.stdin.read().split()]
if sys.argv[1] == "rr":
    v = v[1:]
print(max(v) if v else "")' "$2"
}

scale_duts() {	# the DUTs of DUTS that run whole clusters
	local d out=""
	for d in $DUTS; do
		case $d in
		bgpd) out="$out bgpd" ;;
		# BIRD as Calico configures it: kernel scan time 2
		bird|bird-s2) case $out in *bird*) ;; *) out="$out bird-s2" ;;
			esac ;;
		esac
	done
	echo "$out"
}

scen_MESH() {
	local r=1 n kind
	while [ "$r" -le "$SCALE_RUNS" ]; do
		for n in $MESH_SIZES; do
			for kind in $(scale_duts); do
				cell MESH "$kind" "$n" "$r"
				scale_run "$kind" mesh "$n"
			done
		done
		r=$((r + 1))
	done
	# bgpd's own work per node, apart from the one kernel's and the
	# shared core's (caches, scheduling): the instructions of the middle
	# node under callgrind, from its start until every node converged
	# (that node slows the run: its times are not reported)
	case " $(scale_duts) " in *" bgpd "*) ;; *) return 0 ;; esac
	[ "${MESH_INSTR:-1}" = 1 ] || return 0
	command -v callgrind_control >/dev/null || {
		log "MESHI: no valgrind, not measured"
		return 0
	}
	for n in $MESH_SIZES; do
		cell MESHI bgpd "$n" 1
		SCALE_CALLGRIND=$((n / 2)) scale_run bgpd mesh "$n"
	done
}

scen_RR() {
	local r=1 kind
	while [ "$r" -le "$SCALE_RUNS" ]; do
		for kind in $(scale_duts); do
			cell RR "$kind" "$RR_CLIENTS" "$r"
			scale_run "$kind" rr $((RR_CLIENTS + 1))
		done
		r=$((r + 1))
	done
}
