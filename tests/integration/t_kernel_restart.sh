#!/bin/sh
# Kernel routes across a restart.  Two bgpd nodes in a mesh; n1 starts
# with a stale route of ours (proto 186) that nothing wants, and routes
# of other protocols.  bgpd must install n2's block and its own
# blackhole, remove the stale route once every session sent End-of-RIB,
# leave its routes in the kernel on SIGTERM, and on restart keep them
# without a single delete (ip monitor shows no "Deleted" line for them).
# Routes of other protocols stay byte-for-byte what they were.
. "$(dirname "$0")/lib.sh"

cat >"$TMP/cluster.yaml" <<'YAML'
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: pods}
spec: {cidr: 100.64.0.0/16}
YAML
for i in 1 2; do
	cat >>"$TMP/cluster.yaml" <<YAML
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: n$i}
spec: {bgp: {ipv4Address: 198.51.100.$i/24}}
---
apiVersion: crd.projectcalico.org/v1
kind: IPAMBlock
metadata: {name: b-n$i}
spec: {cidr: 100.64.$i.0/26, affinity: "host:n$i"}
YAML
done

for i in 1 2; do
	ns "n$i"
	link "n$i" "198.51.100.$i/24"
done
N1="${PFX}n1"
ip -n "$N1" route add 100.99.0.0/24 via 198.51.100.2 proto 186 ||
    fail "stale route"
ip -n "$N1" route add 100.98.0.0/24 via 198.51.100.2 proto 80 ||
    fail "proto 80 route"
ip -n "$N1" route add blackhole 100.97.0.0/24 proto static ||
    fail "static blackhole"
others() {	# n1's routes that are not ours, as text, sorted
	ip -n "$N1" route show table main | grep -v 'proto bgp' |
	    grep -v 'proto 186' | sort
}
others >"$TMP/before.txt"
grep -q '100.98.0.0/24' "$TMP/before.txt" || fail "snapshot incomplete"

# kstat NODE KEY: print the "kernel" object's KEY from bgpd status.
kstat() {
	bgpctl "$1" status --json | python3 -c '
import json, sys
print(json.dumps(json.load(sys.stdin)["kernel"][sys.argv[1]]))' "$2"
}
kready() {
	[ "$(kstat "$1" ready)" = true ]
}
# Both of ours in n1's kernel: n2's block and n1's blackhole.
ours_ok() {
	kroute n1 100.64.2.0/26 "via 198.51.100.2 dev eth0" &&
	    kroute n1 100.64.1.0/26 blackhole
}

for i in 1 2; do
	bgpd_start "n$i" "$TMP/cluster.yaml"
done
for i in 1 2; do
	wait_for 30 "n$i's mesh" all_established "n$i" 1
done
wait_for 10 "n2's block and n1's blackhole in n1's kernel" ours_ok
wait_for 10 "n1 to be ready (End-of-RIB from n2)" kready n1
# The stale route must go within 40 s; the verdict waits for the end so
# that the restart is checked either way.
stale=kept
i=0
while [ "$i" -lt 200 ]; do
	if no_kroute n1 100.99.0.0/24; then
		stale=removed
		break
	fi
	sleep 0.2
	i=$((i + 1))
done

# mark N: (re)add a route in table 100 (bgpd looks only at main) and
# see it in the monitor's output: everything before it is there too.
mark() {
	ip -n "$N1" route del "100.127.$1.0/24" table 100 2>/dev/null
	ip -n "$N1" route add blackhole "100.127.$1.0/24" table 100
	grep -q "100.127.$1.0/24" "$TMP/monitor.txt"
}
bg n1 ip monitor route >"$TMP/monitor.txt" 2>&1
MON_PID=$LAST_PID
wait_for 10 "the monitor to start" mark 1
# The other node, n2, helps n1 restart gracefully (RFC 4724): its route
# to n1's block must survive n1's restart too.
mark2() {
	ip -n "${PFX}n2" route del "100.127.$1.0/24" table 100 2>/dev/null
	ip -n "${PFX}n2" route add blackhole "100.127.$1.0/24" table 100
	grep -q "100.127.$1.0/24" "$TMP/monitor2.txt"
}
bg n2 ip monitor route >"$TMP/monitor2.txt" 2>&1
MON2_PID=$LAST_PID
wait_for 10 "n2's monitor to start" mark2 1

# SIGTERM: our routes stay.
stop_bgpd n1
cp "$TMP/bgpd-n1.log" "$TMP/bgpd-n1-first-run.txt"
ours_ok || fail "routes of ours gone after SIGTERM:
$(ip -n "$N1" route show proto 186)"

# Restart: the same routes, kept, never deleted.
bgpd_start n1 "$TMP/cluster.yaml"
wait_for 30 "n1's mesh after the restart" all_established n1 1
wait_for 30 "n2's mesh after the restart" all_established n2 1
wait_for 10 "n1 to be ready again" kready n1
wait_for 10 "n1's kernel to agree" ours_ok
wait_for 10 "the monitor to catch up" mark 2
if grep '^Deleted' "$TMP/monitor.txt" |
    grep -q -e '100\.64\.2\.0/26' -e '100\.64\.1\.0/26'; then
	cat "$TMP/monitor.txt"
	fail "a route of ours was deleted during the restart"
fi
st=$(bgpctl n1 routes --json | python3 -c '
import json, sys
k = {r["prefix"]: r["kernel"] for r in json.load(sys.stdin)["routes"]}
print(k.get("100.64.1.0/26"), k.get("100.64.2.0/26"))')
[ "$st" = "installed installed" ] ||
    fail "bgpd routes after the restart: kernel states $st"
[ "$stale" = kept ] || no_kroute n1 100.99.0.0/24 ||
    fail "the stale route is back after the restart"
kill "$MON_PID" 2>/dev/null
wait_for 10 "n2's monitor to catch up" mark2 2
if grep '^Deleted' "$TMP/monitor2.txt" | grep -q '100\.64\.1\.0/26'; then
	cat "$TMP/monitor2.txt"
	fail "n2 deleted its route to n1 while n1 restarted"
fi
grep -q 'keeping its routes (1)' "$TMP/bgpd-n2.log" ||
    fail "n2 did not act as graceful restart helper"
kill "$MON2_PID" 2>/dev/null

others >"$TMP/after.txt"
cmp -s "$TMP/before.txt" "$TMP/after.txt" || {
	diff "$TMP/before.txt" "$TMP/after.txt"
	fail "routes of other protocols changed on n1"
}
[ "$stale" = removed ] || fail "the stale route 100.99.0.0/24 of ours" \
    "was not removed within 40 s: $(ip -n "$N1" route show 100.99.0.0/24)"
[ "$(kstat n1 errors)" = 0 ] || fail "kernel errors after the restart"
stop_bgpd n1
stop_bgpd n2
asan_clean
echo "PASS: kernel restart"
