#!/bin/sh
# ADD-PATH (RFC 7911) through a bgpd route reflector, as Calico's BIRD
# template has it on every session (`add paths on`): two BIRD 2 routers
# (RR clients, no ADD-PATH of their own) announce the same pool prefix,
# each with itself as next hop.  The reflector holds both paths and sends
# both, with path ids of its own, over its one session to a bgpd client,
# which installs ONE kernel route with BOTH next hops and pings through
# it.  A GoBGP client (add-paths receive and send-max in gobgpd's
# config) negotiates the capability both ways, gets both paths, and the
# route it announces reaches the reflector with GoBGP's path id.  When
# one BIRD leaves, only its path is withdrawn everywhere.
. "$(dirname "$0")/lib.sh"
command -v bird >/dev/null || skip "bird2 not installed"
command -v gobgpd >/dev/null || skip "gobgpd not installed"
command -v gobgp >/dev/null || skip "gobgp (the CLI) not installed"

P=100.64.200.0/24
{
	y_bgpconf false 64512
	y_pool pods 100.64.0.0/16
	y_node rr 198.51.100.10/24 'route-reflector: "true"' \
	    "routeReflectorClusterID: 244.0.0.1"
	y_node n1 198.51.100.1/24
	y_block b-n1 100.64.1.0/26 n1
	y_peer to-rr \
	    "nodeSelector: all(), peerSelector: \"route-reflector == 'true'\""
	for i in 1 2; do
		y_peer "bird$i" \
		    "node: rr, peerIP: 198.51.100.2$i, asNumber: 64512"
	done
	y_peer gobgp "node: rr, peerIP: 198.51.100.30, asNumber: 64512"
} >"$TMP/cluster.yaml"

for i in 1 2; do
	cat >"$TMP/bird$i.conf" <<BIRD
router id 198.51.100.2$i;
log "$TMP/bird$i.log" all;
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
cat >"$TMP/gobgp.toml" <<'TOML'
[global.config]
  as = 64512
  router-id = "198.51.100.30"
[[neighbors]]
  [neighbors.config]
    neighbor-address = "198.51.100.10"
    peer-as = 64512
  [neighbors.add-paths.config]
    receive = true
    send-max = 8
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
TOML

ns rr
link rr 198.51.100.10/24
ns n1
link n1 198.51.100.1/24
for i in 1 2; do
	ns "bird$i"
	link "bird$i" "198.51.100.2$i/24"
	# What the prefix leads to: the same address behind both.
	ip -n "${PFX}bird$i" addr add 100.64.200.1/32 dev lo
	bg "bird$i" bird -f -c "$TMP/bird$i.conf" -s "$TMP/bird$i.ctl" \
	    >>"$TMP/bird$i.out" 2>&1
done
ns gobgp
link gobgp 198.51.100.30/24
bg gobgp gobgpd -f "$TMP/gobgp.toml" -t toml -p --pprof-disable \
    --api-hosts 127.0.0.1:50051 >"$TMP/gobgp.log" 2>&1
gcli() {
	ip netns exec "${PFX}gobgp" gobgp -u 127.0.0.1 -p 50051 "$@"
}
bgpd_start rr "$TMP/cluster.yaml"
bgpd_start n1 "$TMP/cluster.yaml"
wait_for 30 "the reflector's four sessions" all_established rr 4
wait_for 30 "n1's session to the reflector" all_established n1 1

# NODE's paths to PREFIX as "next_hop path_id ecmp" lines, best first.
paths() {
	bgpctl "$1" routes --json | python3 -c '
import json, sys
for r in json.load(sys.stdin)["routes"]:
    if r["prefix"] == sys.argv[1]:
        for p in r["paths"]:
            print(p["next_hop"], p["path_id"], p["ecmp"])' "$2"
}
two_ecmp() {	# NODE: two ECMP paths to P, via .21 and .22
	local out
	out=$(paths "$1" "$P")
	[ "$(echo "$out" | grep -c .)" = 2 ] &&
	    echo "$out" | grep -q '^198.51.100.21 [0-9A-Za-z]* True$' &&
	    echo "$out" | grep -q '^198.51.100.22 [0-9A-Za-z]* True$'
}
try_for 15 two_ecmp rr || fail "the reflector's paths to $P:
$(paths rr "$P")"
try_for 15 two_ecmp n1 || fail "n1's paths to $P:
$(paths n1 "$P")"
# Both came over one session, told apart by the reflector's path ids.
ids=$(paths n1 "$P" | awk '{print $2}' | sort -u | grep -cv None)
[ "$ids" = 2 ] || fail "n1's path ids for $P: $(paths n1 "$P")"
out=$(bgpctl n1 peer 198.51.100.10)
echo "$out" | grep -q "add-path       receive yes, send yes" ||
    fail "n1 peer: ADD-PATH not negotiated both ways:
$out"
echo "$out" | grep -q "caps received  .*add-path(ipv4-unicast:send/receive)" ||
    fail "n1 peer: the reflector's capability: $out"
# The reflector's Adj-RIB-Out toward n1: the two paths, each its id.
n=$(bgpctl rr adj-out 198.51.100.1 --json | python3 -c '
import json, sys
rs = [r for r in json.load(sys.stdin)["routes"] if r["prefix"] == sys.argv[1]]
print(len({r["path_id"] for r in rs if r["path_id"] is not None}))' "$P")
[ "$n" = 2 ] || fail "rr adj-out to n1: $n path ids for $P"

# ONE kernel route with BOTH next hops (BIRD's `merge paths on`).
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

# GoBGP: the capability both ways, both paths.
gobgp_caps() {
	gcli neighbor 198.51.100.10 -j | python3 -c '
import json, sys
st = json.load(sys.stdin)["state"]
def ap(caps):	# protobuf Any: the capability is in the type
    return [c for c in caps or []
            if c.get("type_url", "").endswith(".AddPathCapability")]
sys.exit(0 if st.get("session_state") == 6 and ap(st.get("remote_cap"))
         and ap(st.get("local_cap")) else 1)'
}
# GoBGP's paths for P, all from the reflector: "count next_hops".  Two
# from one neighbor can only be two path ids (without ADD-PATH the
# second would replace the first); its JSON does not show the ids.
gobgp_paths() {
	gcli global rib -a ipv4 -j | python3 -c '
import json, sys
ps = json.load(sys.stdin).get(sys.argv[1], [])
hops = []
for p in ps:
    if p.get("neighbor-ip") != "198.51.100.10":
        sys.exit("a path from %r" % p.get("neighbor-ip"))
    hops += [a.get("nexthop") for a in p.get("attrs", [])
             if a.get("type") == 3]
print(len(ps), ",".join(sorted(hops)))' "$P"
}
gobgp_is() {
	[ "$(gobgp_paths)" = "$1" ]
}
try_for 20 gobgp_caps || fail "GoBGP's session with ADD-PATH both ways:
$(gcli neighbor 198.51.100.10 -j)"
try_for 10 gobgp_is "2 198.51.100.21,198.51.100.22" ||
    fail "GoBGP's paths for $P: $(gobgp_paths)
$(gcli global rib -a ipv4)"
gcli global rib add -a ipv4 100.64.210.0/24 >/dev/null ||
    fail "gobgp global rib add"
wait_for 10 "GoBGP's route at n1" has_route n1 100.64.210.0/24
id=$(paths rr 100.64.210.0/24)
case $id in
"198.51.100.30 "[0-9]*" True") ;;
*) fail "the reflector's path from GoBGP: '$id'" ;;
esac

# BIRD 2 leaves: its path goes, the other stays, the route is single.
birdc -s "$TMP/bird2.ctl" disable reflector >/dev/null || fail "birdc disable"
one_path() {	# NODE
	[ "$(paths "$1" "$P" | awk '{print $1}')" = 198.51.100.21 ]
}
wait_for 10 "n1 to keep only the path via .21" one_path n1
wait_for 10 "n1's route to be single-path" want_gws 198.51.100.21
try_for 10 gobgp_is "1 198.51.100.21" ||
    fail "GoBGP after the withdrawal: $(gobgp_paths)"
wait_for 10 "n1 to reach 100.64.200.1 via .21" ip netns exec "${PFX}n1" \
    ping -c 1 -W 1 100.64.200.1

stop_bgpd n1
stop_bgpd rr
asan_clean
echo "PASS: ADD-PATH through a bgpd reflector (bgpd and GoBGP clients)"
