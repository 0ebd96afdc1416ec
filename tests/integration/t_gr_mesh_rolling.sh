#!/bin/sh
# Graceful restart in a 3-node bgpd mesh (IPv4 and IPv6 sessions), a pod
# behind each node; the pod on n1 pings the pods on n2 and n3, and the
# pod on n3 the one on n2, every 50 ms over both families, through the
# kernel routes of all three nodes.
# GR_MESH says how two nodes restart:
#  - rolling (this test): n2 by kill -9, n3 by SIGTERM 10 s later (an
#    upgrade node by node: n3 meets n2 restarted moments before);
#  - both (t_gr_mesh_both.sh): n2 and n3 killed (-9) at the same moment
#    and started again together: each sees the other's R bit, sends its
#    table without waiting for the other (RFC 4724 4.1) and keeps the
#    other's routes in its kernel until the other's End-of-RIB.
# Not one ping lost, no route deleted in any node's namespace.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/gr_lib.sh"
GR_MESH=${GR_MESH:-rolling}

{
	y_bgpconf true 64512
	y_pool pods 100.64.0.0/16
	y_pool pods6 '"2001:db8:1000::/48"'
	for i in 1 2 3; do
		y_node "n$i" "198.51.100.$i/24" "" \
		    "ipv6Address: \"2001:db8:100::$i/64\""
		y_block "b$i" "100.64.$i.0/26" "n$i"
		y_block "b6$i" "\"2001:db8:1000:$i::/122\"" "n$i"
	done
} >"$TMP/cluster.yaml"

for i in 1 2 3; do
	ns "n$i"
	link "n$i" "198.51.100.$i/24" "2001:db8:100::$i/64"
done
for i in 1 2 3; do
	p=$(echo "a b c" | cut -d' ' -f$i)
	pod "n$i" "p$p" "100.64.$i.2"
	gr_pod6 "n$i" "p$p" "2001:db8:1000:$i::2"
done
for i in 1 2 3; do
	bgpd_start "n$i" "$TMP/cluster.yaml"
done
for i in 1 2 3; do
	wait_for 30 "n$i's mesh" all_established "n$i" 4
done
mesh_ok() {
	for i in 1 2 3; do
		for j in 1 2 3; do
			[ "$i" = "$j" ] && continue
			kroute "n$i" "100.64.$j.0/26" "via 198.51.100.$j" &&
			    kroute "n$i" "2001:db8:1000:$j::/122" \
			    "via 2001:db8:100::$j" || return 1
		done
	done
}
wait_for 30 "every node's routes to the others' blocks" mesh_ok
for t in 100.64.2.2 100.64.3.2 2001:db8:1000:2::2 2001:db8:1000:3::2; do
	wait_for 10 "pings to $t" pod_ping pa "$t"
done
wait_for 10 "pings from n3's pod" pod_ping pc 100.64.2.2
gr_monitor n1 n2 n3
more_pings() { [ "$(grep -c icmp_seq "$TMP/ping-b4.txt")" -gt "$1" ]; }
gr_ping_start b4 pa 100.64.2.2
gr_ping_start c4 pa 100.64.3.2
gr_ping_start b6 pa 2001:db8:1000:2::2
gr_ping_start c6 pa 2001:db8:1000:3::2
gr_ping_start cb4 pc 100.64.2.2
gr_ping_start cb6 pc 2001:db8:1000:2::2
wait_for 5 "pings answered" more_pings 10

now() { date +%s.%N | cut -c1-14; }
case $GR_MESH in
rolling)
	t0=$(now)
	gr_restart n2 "$TMP/cluster.yaml" KILL
	wait_for 30 "n2's mesh back" all_established n2 4
	wait_for 40 "n2's sweep" gr_swept n2
	# n3 10 s after n2 (a bounded poll on the clock).
	ten() { python3 -c "import sys; sys.exit(0 if $(now) - $t0 >= 10 \
	    else 1)"; }
	wait_for 15 "10 s after n2's restart" ten
	gr_restart n3 "$TMP/cluster.yaml" TERM
	wait_for 30 "n3's mesh back" all_established n3 4
	wait_for 40 "n3's sweep" gr_swept n3
	;;
both)
	for n in n2 n3; do
		eval "pid=\$BGPD_PID_$n"
		kill -KILL "$pid"
	done
	for n in n2 n3; do
		eval "wait \$BGPD_PID_$n" 2>/dev/null
		bg "$n" env ASAN_OPTIONS="log_path=$TMP/asan-$n" "$BGPD" \
		    --config "$TMP/cluster.yaml" --node "$n" \
		    --socket "$TMP/$n.sock" >"$TMP/bgpd-$n.log" 2>&1
		eval "BGPD_PID_$n=\$LAST_PID"
	done
	for n in n2 n3; do
		wait_for 10 "bgpd on $n to answer" bgpctl "$n" status
		wait_for 30 "$n's mesh back" all_established "$n" 4
	done
	for n in n2 n3; do
		wait_for 40 "$n's sweep" gr_swept "$n"
		grep -q "graceful restart: [0-9]* routes of ours kept" \
		    "$TMP/bgpd-$n.log" || fail "$n: no restart seen"
	done
	# Each kept the other's routes until the other's End-of-RIB.
	for n in n2 n3; do
		o=$([ "$n" = n2 ] && echo 3 || echo 2)
		echo "$n saw n$o's R bit: IPv4 $(peer_field "$n" \
		    "198.51.100.$o" graceful_restart.restarting)," \
		    "IPv6 $(peer_field "$n" "2001:db8:100::$o" \
		    graceful_restart.restarting)"
		grep -h "graceful restart:\|kernel: routes of ours\|stale" \
		    "$TMP/bgpd-$n.log" | sed "s/^/$n: /" | cut -d' ' -f1,3-
	done
	;;
esac
mesh_ok || fail "routes gone after the restarts"
n=$(grep -c "icmp_seq" "$TMP/ping-b4.txt")
wait_for 5 "pings after the sweeps" more_pings $((n + 10))
for p in b4 c4 b6 c6 cb4 cb6; do
	gr_ping_check "$p"
done
gr_no_deletes n1 n2 n3
for i in 1 2 3; do
	stop_bgpd "n$i"
done
asan_clean
echo "PASS: mesh, $([ "$GR_MESH" = rolling ] && echo "n2 kill -9 then" \
    "n3 SIGTERM 10 s later" || echo "n2 and n3 kill -9 together"):" \
    "pings$GR_PINGS_DONE answered, 0 lost, no route deleted"
