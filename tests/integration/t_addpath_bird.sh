#!/bin/sh
# ADD-PATH (RFC 7911) with BIRD 2 as the route reflector (`add paths
# on`, as Calico's template has it): two BIRD 2 clients announce the
# same pool prefix, each with itself as next hop; the reflector sends
# both paths, with BIRD's path ids, over its one session to a bgpd
# client, which installs ONE kernel route with BOTH next hops and pings
# through it.  bgpd's own block reaches the reflector with bgpd's path
# id, and the reflector shows ADD-PATH both ways on that session.  When
# one announcer leaves, only its path goes.
. "$(dirname "$0")/lib.sh"
command -v bird >/dev/null || skip "bird2 not installed"
command -v birdc >/dev/null || skip "birdc not installed"

P=100.64.200.0/24
{
	y_bgpconf false 64512
	y_pool pods 100.64.0.0/16
	y_node n1 198.51.100.1/24
	y_block b-n1 100.64.1.0/26 n1
	y_peer bird-rr "peerIP: 198.51.100.10, asNumber: 64512"
} >"$TMP/cluster.yaml"

cat >"$TMP/rr.conf" <<BIRD
router id 198.51.100.10;
log "$TMP/bird-rr.log" all;
protocol device {}
template bgp rrc {
	local 198.51.100.10 as 64512;
	rr client;
	rr cluster id 244.0.0.1;
	direct;
	ipv4 { import all; export all; add paths on; };
}
protocol bgp a1 from rrc { neighbor 198.51.100.21 as 64512; }
protocol bgp a2 from rrc { neighbor 198.51.100.22 as 64512; }
protocol bgp n1 from rrc { neighbor 198.51.100.1 as 64512; }
BIRD
for i in 1 2; do
	cat >"$TMP/a$i.conf" <<BIRD
router id 198.51.100.2$i;
log "$TMP/bird-a$i.log" all;
protocol device {}
protocol static s4 { ipv4; route $P blackhole; }
protocol bgp reflector {
	local 198.51.100.2$i as 64512;
	neighbor 198.51.100.10 as 64512;
	direct;
	ipv4 { import none; export all; };
}
BIRD
done

ns rr
link rr 198.51.100.10/24
bg rr bird -f -c "$TMP/rr.conf" -s "$TMP/rr.ctl" >>"$TMP/rr.out" 2>&1
for i in 1 2; do
	ns "a$i"
	link "a$i" "198.51.100.2$i/24"
	ip -n "${PFX}a$i" addr add 100.64.200.1/32 dev lo
	bg "a$i" bird -f -c "$TMP/a$i.conf" -s "$TMP/a$i.ctl" \
	    >>"$TMP/a$i.out" 2>&1
done
ns n1
link n1 198.51.100.1/24
bgpd_start n1 "$TMP/cluster.yaml"
wait_for 30 "n1's session to BIRD" all_established n1 1

# n1's paths to P as "peer next_hop path_id ecmp" lines.
paths() {
	bgpctl n1 routes --json | python3 -c '
import json, sys
for r in json.load(sys.stdin)["routes"]:
    if r["prefix"] == sys.argv[1]:
        for p in r["paths"]:
            print(p["peer_address"], p["next_hop"], p["path_id"], p["ecmp"])
' "$P"
}
two_ecmp() {
	local out
	out=$(paths)
	[ "$(echo "$out" | grep -c .)" = 2 ] &&
	    [ "$(echo "$out" | awk '{print $3}' | sort -u | grep -c .)" = 2 ] &&
	    echo "$out" | grep -q '^198.51.100.10 198.51.100.21 [0-9]* True$' &&
	    echo "$out" | grep -q '^198.51.100.10 198.51.100.22 [0-9]* True$'
}
try_for 20 two_ecmp || fail "n1's paths to $P:
$(paths)"
out=$(bgpctl n1 peer 198.51.100.10)
echo "$out" | grep -q "add-path       receive yes, send yes" ||
    fail "n1 peer: ADD-PATH not negotiated both ways:
$out"

gateways() {
	ip -n "${PFX}n1" -j route show "$P" | python3 -c '
import json, sys
rs = json.load(sys.stdin)
if len(rs) != 1 or rs[0].get("protocol") not in ("bgp", "186"):
    sys.exit(1)
print(",".join(sorted(h["gateway"] for h in rs[0].get("nexthops", [rs[0]]))))'
}
want_gws() {
	[ "$(gateways)" = "$1" ]
}
wait_for 10 "n1's multipath route to $P" want_gws \
    "198.51.100.21,198.51.100.22"
wait_for 10 "n1 to reach 100.64.200.1" ip netns exec "${PFX}n1" \
    ping -c 1 -W 1 100.64.200.1

# bgpd -> BIRD with path ids: BIRD has n1's block, and says ADD-PATH
# both ways on the session.
bird_has() {
	birdc -s "$TMP/rr.ctl" show route 100.64.1.0/26 all |
	    grep -q "BGP.next_hop: 198.51.100.1\$"
}
wait_for 10 "the reflector to have n1's block" bird_has
out=$(birdc -s "$TMP/rr.ctl" show protocols all n1)
echo "$out" | python3 -c '
import sys
text = sys.stdin.read()
nb = text.split("Neighbor capabilities", 1)[1].split("Session:", 1)[0]
ap = nb.split("ADD-PATH", 1)[1].split("\n")
sys.exit(0 if ap[1].split() == ["RX:", "ipv4"] and
         ap[2].split() == ["TX:", "ipv4"] else 1)' ||
    fail "BIRD: n1 did not offer ADD-PATH both ways:
$out"

# One announcer leaves: only its path goes.
birdc -s "$TMP/a2.ctl" disable reflector >/dev/null || fail "birdc disable"
one_path() {
	[ "$(paths | awk '{print $2}')" = 198.51.100.21 ]
}
wait_for 10 "n1 to keep only the path via .21" one_path
wait_for 10 "n1's route to be single-path" want_gws 198.51.100.21
birdc -s "$TMP/a2.ctl" enable reflector >/dev/null || fail "birdc enable"
wait_for 15 "the path via .22 back" two_ecmp
wait_for 10 "n1's multipath route again" want_gws \
    "198.51.100.21,198.51.100.22"

stop_bgpd n1
asan_clean
echo "PASS: ADD-PATH with BIRD 2 as the reflector"
