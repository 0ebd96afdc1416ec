# Helpers of the graceful restart tests t_gr_*.sh (sourced after lib.sh):
# pings every 50 ms whose every lost reply is counted, `ip monitor route`
# in each namespace, and bgpd restarts by kill -9 or SIGTERM.
#
#   gr_pod6 NODE POD IP6        an IPv6 address for POD (made by pod()),
#                               routed as Calico does (fe80::1 on cali)
#   gr_monitor NS...            ip monitor route in each NS, in sync
#   gr_ping_start NAME POD IP   pings every 50 ms from POD to IP
#   gr_ping_check NAME          stop them; fail on any reply missing
#   gr_no_deletes NS...         fail if a route was deleted in any NS
#                               (the marks of gr_monitor aside)
#   gr_restart NODE CFG SIG     kill bgpd on NODE with SIG (KILL, TERM)
#                               and start it again
#   gr_swept NODE               bgpd on NODE removed its stale routes
#                               (log: the sweep, from its last start)
#   gr_peers_r NODE R [F]       every session of NODE saw R (and F)

gr_pod6() {
	local node="$1" pod="$2" ip="$3" host="cali$2"
	ip netns exec "$PFX$node" sysctl -qw net.ipv6.conf.all.forwarding=1
	ip -n "$PFX$node" addr add fe80::1/64 dev "$host" nodad
	ip -n "$PFX$pod" addr add "$ip/128" dev eth0 nodad
	ip -n "$PFX$pod" -6 route add default via fe80::1 dev eth0
	ip -n "$PFX$node" -6 route add "$ip/128" dev "$host" proto 80
}

# A blackhole in table 100 (nobody looks there), seen by NS's monitor:
# every change before it has been read too.
GR_MARK=0
GR_PINGS_DONE=""
gr_mark() {
	ip -n "$PFX$1" route del "100.127.$2.0/24" table 100 2>/dev/null
	ip -n "$PFX$1" route add blackhole "100.127.$2.0/24" table 100
	grep -q "100.127.$2.0/24" "$TMP/mon-$1.txt"
}
gr_sync() {
	GR_MARK=$((GR_MARK + 1))
	for n in "$@"; do
		wait_for 10 "the monitor in $n" gr_mark "$n" "$GR_MARK"
	done
}

gr_monitor() {
	for n in "$@"; do
		bg "$n" ip monitor route >"$TMP/mon-$n.txt" 2>&1
	done
	gr_sync "$@"
}

gr_ping_start() {
	ip netns exec "$PFX$2" ping -n -O -i 0.05 -W 1 "$3" \
	    >"$TMP/ping-$1.txt" 2>&1 &
	eval "GR_PING_$1=\$!"
	PIDS="$PIDS $!"
}

# Every echo sent before the last one answered must have its reply: a
# gap in the icmp_seq of the replies is a lost ping (SIGINT may only
# cut off the one in flight).
gr_ping_check() {
	local pid out
	eval "pid=\$GR_PING_$1"
	kill -INT "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	out=$(python3 - "$TMP/ping-$1.txt" <<'PY'
import re, sys
seqs = set(int(m) for m in re.findall(r"bytes from .* icmp_seq=(\d+)",
                                      open(sys.argv[1]).read()))
if not seqs:
    print("no reply at all")
    sys.exit(1)
top = max(seqs)
lost = [s for s in range(1, top + 1) if s not in seqs]
print("%d answered, %d lost%s" % (len(seqs), len(lost),
      (": icmp_seq " + " ".join(map(str, lost[:20]))) if lost else ""))
sys.exit(1 if lost else 0)
PY
) || fail "pings $1: $out"
	echo "pings $1: $out"
	GR_PINGS_DONE="$GR_PINGS_DONE $(echo "$out" | cut -d' ' -f1)"
}

gr_no_deletes() {
	local d
	gr_sync "$@"
	for n in "$@"; do
		d=$(grep "^Deleted" "$TMP/mon-$n.txt" |
		    grep -v "100\.127\.[0-9]*\.0/24 .*table 100")
		[ -z "$d" ] || fail "routes deleted in $n:
$d"
	done
}

gr_restart() {
	local node="$1" cfg="$2" sig="$3" var pid
	var="BGPD_PID_$(echo "$node" | tr -c 'a-zA-Z0-9\n' _)"
	eval "pid=\$$var"
	kill "-$sig" "$pid"
	wait "$pid" 2>/dev/null
	cat "$TMP/bgpd-$node.log" >>"$TMP/bgpd-$node-before.txt"
	bgpd_start "$node" "$cfg"
	grep -q "graceful restart: [0-9]* routes of ours kept" \
	    "$TMP/bgpd-$node.log" || fail "bgpd on $node: no restart seen"
}

gr_swept() {
	grep -q "removing stale routes of ours" "$TMP/bgpd-$1.log"
}

# Every session of NODE saw the R bit as R (true, false) in the peer's
# last OPEN (and, with F=true, the F bit for its family).
gr_peers_r() {
	bgpctl "$1" status --json | python3 -c '
import json, sys
r, f = sys.argv[1] == "true", sys.argv[2] == "true"
gr = [p["graceful_restart"] for p in json.load(sys.stdin)["peers"]]
ok = gr and all(g["restarting"] == r and (g["forwarding"] or not f)
                for g in gr)
sys.exit(0 if ok else 1)' "$2" "${3:-false}"
}
