#!/bin/sh
# FIB reconcile: routes of bgpd's protocol (186) that somebody else
# made or changed are corrected on the netlink event.  Two bgpd nodes in
# a mesh; on n1, by hand: a proto-186 route nothing wants (deleted), n2's
# block pointed elsewhere (put back), n1's own blackhole turned into a
# unicast route (put back), a proto-186 copy of n2's block at another
# metric (deleted, ours untouched), n2's block deleted (put back), and
# the same for IPv6.  A route of another protocol for the hand-made
# prefix (outside every pool, so it is not originated) is never touched.
. "$(dirname "$0")/lib.sh"

{
	y_pool pods 100.64.0.0/16
	y_pool pods6 "\"2001:db8:1000::/48\""
	for i in 1 2; do
		printf -- '---\napiVersion: projectcalico.org/v3\nkind: Node\n'
		echo "metadata: {name: n$i}"
		echo "spec: {bgp: {ipv4Address: 198.51.100.$i/24," \
		    "ipv6Address: \"2001:db8:100::$i/64\"}}"
		y_block "b-n$i" "100.64.$i.0/26" "n$i"
		y_block "b6-n$i" "\"2001:db8:1000:$i::/64\"" "n$i"
	done
} >"$TMP/cluster.yaml"
for i in 1 2; do
	ns "n$i"
	link "n$i" "198.51.100.$i/24" "2001:db8:100::$i/64"
done
N1="${PFX}n1"
for i in 1 2; do
	bgpd_start "n$i" "$TMP/cluster.yaml"
done
for i in 1 2; do
	wait_for 30 "n$i's mesh (IPv4 and IPv6)" all_established "n$i" 2
done
B2=100.64.2.0/26
B6=2001:db8:1000:2::/64
ours_ok() {
	kroute n1 "$B2" "via 198.51.100.2 dev eth0" &&
	    kroute n1 100.64.1.0/26 blackhole &&
	    kroute n1 "$B6" "via 2001:db8:100::2 dev eth0"
}
wait_for 20 "n1's routes in its kernel" ours_ok
kready() {
	bgpctl n1 status --json | python3 -c '
import json, sys
sys.exit(0 if json.load(sys.stdin)["kernel"]["ready"] else 1)'
}
wait_for 40 "n1's kernel side ready" kready
ip -n "$N1" route add 100.99.0.0/24 via 198.51.100.2 proto static \
    metric 300 || fail "a static route"
others() { ip -n "$N1" route show proto static; }
before=$(others)

# 1. A route of ours that nothing asked for.
ip -n "$N1" route add 100.99.0.0/24 via 198.51.100.2 proto 186
wait_for 10 "the hand-made proto-186 route to go" no_kroute n1 100.99.0.0/24
# 2. One of ours pointed elsewhere.
ip -n "$N1" route replace "$B2" via 198.51.100.77 proto 186
wait_for 10 "n2's block repaired" kroute n1 "$B2" "via 198.51.100.2 dev"
# 3. Our blackhole turned into a unicast route.
ip -n "$N1" route replace 100.64.1.0/26 via 198.51.100.2 proto 186
wait_for 10 "n1's blackhole repaired" kroute n1 100.64.1.0/26 blackhole
# 4. A copy at a metric bgpd never uses.
ip -n "$N1" route add "$B2" via 198.51.100.77 proto 186 metric 50
stray_gone() {
	[ -z "$(ip -n "$N1" route show "$B2" proto 186 metric 50)" ]
}
wait_for 10 "the metric-50 copy to go" stray_gone
kroute n1 "$B2" "via 198.51.100.2 dev" || fail "ours went with the copy"
# 5. Deleted by hand.
ip -n "$N1" route del "$B2" proto 186
wait_for 10 "n2's block back after a delete" kroute n1 "$B2" \
    "via 198.51.100.2 dev"
# 6. IPv6: hand-changed, and a hand-made one.
ip -n "$N1" -6 route replace "$B6" via 2001:db8:100::77 proto 186
wait_for 10 "the IPv6 block repaired" kroute n1 "$B6" \
    "via 2001:db8:100::2 dev"
ip -n "$N1" -6 route add 2001:db8:1000:99::/64 via 2001:db8:100::2 \
    proto 186
wait_for 10 "the hand-made IPv6 route to go" no_kroute n1 \
    2001:db8:1000:99::/64

ours_ok || fail "n1's routes after the repairs:
$(ip -n "$N1" route show proto 186; ip -n "$N1" -6 route show proto 186)"
[ "$(others)" = "$before" ] || fail "a route of another protocol changed:
$(others)"
grep -q "kernel: 100.64.2.0/26 metric 50 has our protocol but is none" \
    "$TMP/bgpd-n1.log" || fail "no log line for the stray route"
# Our own writes stay filtered: the repairs above are all there was.
errs=$(bgpctl n1 status --json | python3 -c '
import json, sys; print(json.load(sys.stdin)["kernel"]["errors"])')
[ "$errs" = 0 ] || fail "kernel errors: $errs"
for i in 1 2; do
	stop_bgpd "n$i"
done
asan_clean
echo "PASS: hand-made and hand-changed proto-186 routes repaired"
