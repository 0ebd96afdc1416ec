#!/bin/sh
# ADD-PATH (RFC 7911) with BIRD 2 as the route reflector (`add paths
# on`, as Calico's template has it), over IPv4 and IPv6 sessions (one
# family each, as bird.cfg and bird6.cfg have them): two BIRD 2 clients
# announce the same pool prefix of each family, each with itself as
# next hop; the reflector sends both paths, with BIRD's path ids, over
# its one session of that family to a bgpd client, which installs ONE
# kernel route with BOTH next hops and pings through it.  bgpd's own
# block reaches the reflector with bgpd's path id, and the reflector
# shows ADD-PATH both ways on that session.  When one announcer leaves,
# only its path goes; when it is back, so is the multipath route.
. "$(dirname "$0")/lib.sh"
command -v bird >/dev/null || skip "bird2 not installed"
command -v birdc >/dev/null || skip "birdc not installed"

P4=100.64.200.0/24
P6=2001:db8:1000:200::/64
V6=2001:db8:100
{
	y_bgpconf false 64512
	y_pool pods 100.64.0.0/16
	y_pool pods6 "\"2001:db8:1000::/48\""
	y_node n1 198.51.100.1/24 "" "ipv6Address: \"$V6::1/64\""
	y_block b-n1 100.64.1.0/26 n1
	y_peer bird-rr "peerIP: 198.51.100.10, asNumber: 64512"
	y_peer bird-rr6 "peerIP: \"$V6::10\", asNumber: 64512"
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
template bgp rrc6 {
	local $V6::10 as 64512;
	rr client;
	rr cluster id 244.0.0.1;
	direct;
	ipv6 { import all; export all; add paths on; };
}
protocol bgp a1 from rrc { neighbor 198.51.100.21 as 64512; }
protocol bgp a2 from rrc { neighbor 198.51.100.22 as 64512; }
protocol bgp n1 from rrc { neighbor 198.51.100.1 as 64512; }
protocol bgp a1v6 from rrc6 { neighbor $V6::21 as 64512; }
protocol bgp a2v6 from rrc6 { neighbor $V6::22 as 64512; }
protocol bgp n1v6 from rrc6 { neighbor $V6::1 as 64512; }
BIRD
for i in 1 2; do
	cat >"$TMP/a$i.conf" <<BIRD
router id 198.51.100.2$i;
log "$TMP/bird-a$i.log" all;
protocol device {}
protocol static s4 { ipv4; route $P4 blackhole; }
protocol static s6 { ipv6; route $P6 blackhole; }
protocol bgp reflector {
	local 198.51.100.2$i as 64512;
	neighbor 198.51.100.10 as 64512;
	direct;
	ipv4 { import none; export all; };
}
protocol bgp reflector6 {
	local $V6::2$i as 64512;
	neighbor $V6::10 as 64512;
	direct;
	ipv6 { import none; export all; };
}
BIRD
done

ns rr
link rr 198.51.100.10/24 "$V6::10/64"
bg rr bird -f -c "$TMP/rr.conf" -s "$TMP/rr.ctl" >>"$TMP/rr.out" 2>&1
for i in 1 2; do
	ns "a$i"
	link "a$i" "198.51.100.2$i/24" "$V6::2$i/64"
	# What the prefixes lead to: the same addresses behind both.
	ip -n "${PFX}a$i" addr add 100.64.200.1/32 dev lo
	ip -n "${PFX}a$i" addr add 2001:db8:1000:200::1/128 dev lo
	bg "a$i" bird -f -c "$TMP/a$i.conf" -s "$TMP/a$i.ctl" \
	    >>"$TMP/a$i.out" 2>&1
done
ns n1
link n1 198.51.100.1/24 "$V6::1/64"
bgpd_start n1 "$TMP/cluster.yaml"
wait_for 30 "n1's two sessions to BIRD" all_established n1 2

# n1's paths to PREFIX as "peer next_hop path_id ecmp" lines.
paths() {
	bgpctl n1 routes --json | python3 -c '
import json, sys
for r in json.load(sys.stdin)["routes"]:
    if r["prefix"] == sys.argv[1]:
        for p in r["paths"]:
            print(p["peer_address"], p["next_hop"], p["path_id"], p["ecmp"])
' "$1"
}
two_ecmp() {	# PREFIX REFLECTOR NEXT_HOP NEXT_HOP
	local out
	out=$(paths "$1")
	[ "$(echo "$out" | grep -c .)" = 2 ] &&
	    [ "$(echo "$out" | awk '{print $3}' | sort -u | grep -c .)" = 2 ] &&
	    echo "$out" | grep -q "^$2 $3 [0-9]* True\$" &&
	    echo "$out" | grep -q "^$2 $4 [0-9]* True\$"
}
gateways() {	# PREFIX: n1's kernel route's next hops, if it is ours
	ip -n "${PFX}n1" $(fam "$1") -j route show "$1" | python3 -c '
import json, sys
rs = json.load(sys.stdin)
if len(rs) != 1 or rs[0].get("protocol") not in ("bgp", "186"):
    sys.exit(1)
print(",".join(sorted(h["gateway"] for h in rs[0].get("nexthops", [rs[0]]))))'
}
want_gws() {	# PREFIX GATEWAYS
	[ "$(gateways "$1")" = "$2" ]
}

try_for 20 two_ecmp "$P4" 198.51.100.10 198.51.100.21 198.51.100.22 ||
    fail "n1's paths to $P4:
$(paths "$P4")"
try_for 20 two_ecmp "$P6" "$V6::10" "$V6::21" "$V6::22" ||
    fail "n1's paths to $P6:
$(paths "$P6")"
for a in 198.51.100.10 "$V6::10"; do
	out=$(bgpctl n1 peer "$a")
	echo "$out" | grep -q "add-path       receive yes, send yes" ||
	    fail "n1 peer $a: ADD-PATH not negotiated both ways:
$out"
done
wait_for 10 "n1's multipath route to $P4" want_gws "$P4" \
    "198.51.100.21,198.51.100.22"
wait_for 10 "n1's multipath route to $P6" want_gws "$P6" \
    "$V6::21,$V6::22"
wait_for 10 "n1 to reach 100.64.200.1" ip netns exec "${PFX}n1" \
    ping -c 1 -W 1 100.64.200.1
wait_for 10 "n1 to reach 2001:db8:1000:200::1" ip netns exec "${PFX}n1" \
    ping -6 -c 1 -W 1 2001:db8:1000:200::1

# bgpd -> BIRD with path ids: BIRD has n1's block, and n1 offered
# ADD-PATH both ways (BIRD's view of the IPv4 session).
bird_has() {
	birdc -s "$TMP/rr.ctl" show route 100.64.1.0/26 all |
	    grep -q "BGP.next_hop: 198.51.100.1\$"
}
wait_for 10 "the reflector to have n1's block" bird_has
for s in n1:ipv4 n1v6:ipv6; do
	out=$(birdc -s "$TMP/rr.ctl" show protocols all "${s%:*}")
	echo "$out" | python3 -c '
import sys
text = sys.stdin.read()
nb = text.split("Neighbor capabilities", 1)[1].split("Session:", 1)[0]
ap = nb.split("ADD-PATH", 1)[1].split("\n")
sys.exit(0 if ap[1].split() == ["RX:", sys.argv[1]] and
         ap[2].split() == ["TX:", sys.argv[1]] else 1)' "${s#*:}" ||
	    fail "BIRD: n1 did not offer ADD-PATH both ways (${s#*:}):
$out"
done

# One announcer leaves: only its paths go.
for p in reflector reflector6; do
	birdc -s "$TMP/a2.ctl" disable "$p" >/dev/null || fail "birdc disable"
done
one_path() {	# PREFIX NEXT_HOP
	[ "$(paths "$1" | awk '{print $2}')" = "$2" ]
}
wait_for 10 "n1 to keep only the path via .21" one_path "$P4" 198.51.100.21
wait_for 10 "n1 to keep only the path via ::21" one_path "$P6" "$V6::21"
wait_for 10 "n1's route to be single-path" want_gws "$P4" 198.51.100.21
wait_for 10 "n1's v6 route to be single-path" want_gws "$P6" "$V6::21"
for p in reflector reflector6; do
	birdc -s "$TMP/a2.ctl" enable "$p" >/dev/null || fail "birdc enable"
done
wait_for 15 "the path via .22 back" two_ecmp "$P4" 198.51.100.10 \
    198.51.100.21 198.51.100.22
wait_for 10 "n1's multipath route again" want_gws "$P4" \
    "198.51.100.21,198.51.100.22"
wait_for 10 "n1's v6 multipath route again" want_gws "$P6" \
    "$V6::21,$V6::22"

stop_bgpd n1
asan_clean
echo "PASS: ADD-PATH with BIRD 2 as the reflector, IPv4 and IPv6"
