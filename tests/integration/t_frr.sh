#!/bin/sh
# bgpd with FRR (zebra + bgpd): one eBGP (AS 65020) and one iBGP FRR, each
# over IPv4 and IPv6 with one neighbor per address family; bgpd's own AS is
# 4-octet and written in asdot in the YAML.  Routes must flow both ways,
# FRR's JSON must show what bgpd sent, and a kill -9 of FRR's bgpd must
# heal.  Each FRR keeps its sockets, pid files and logs under $TMP.
. "$(dirname "$0")/lib.sh"
frr_need

# 4200000001 = 64086 * 65536 + 59905
cat >"$TMP/cluster.yaml" <<'YAML'
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: {name: default}
spec: {nodeToNodeMeshEnabled: false}
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: node}
spec:
  bgp:
    ipv4Address: 198.51.100.1/24
    ipv6Address: 2001:db8:100::1/64
    asNumber: "64086.59905"
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: v4}
spec: {cidr: 100.64.0.0/16}
---
# Routes inside any pool transit this node (CALICO.md 5.1 step 8): the
# FRRs' prefixes are in pools so that bgpd passes them between the two.
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: v6}
spec: {cidr: "2001:db8::/32"}
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: remote-a}
spec: {cidr: 100.65.0.0/16}
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: remote-b}
spec: {cidr: 100.66.0.0/16}
---
apiVersion: crd.projectcalico.org/v1
kind: IPAMBlock
metadata: {name: b4}
spec: {cidr: 100.64.0.0/26, affinity: "host:node"}
---
apiVersion: crd.projectcalico.org/v1
kind: IPAMBlock
metadata: {name: b6}
spec: {cidr: "2001:db8:1000::/122", affinity: "host:node"}
YAML
for p in 198.51.100.2:65020 2001:db8:100::2:65020 \
    198.51.100.3:64086.59905 2001:db8:100::3:64086.59905; do
	ip=${p%:*}
	as=${p##*:}
	cat >>"$TMP/cluster.yaml" <<YAML
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: {name: frr-$(echo "$ip" | tr ':.' '--')}
spec: {peerIP: "$ip", asNumber: "$as"}
YAML
done

# frr_conf NAME ID AS NET4 NET6: one neighbor per family, each activated
# only in its own family; short timers so that the restart heals quickly.
frr_conf() {
	mkdir -p "$TMP/$1"
	cat >"$TMP/$1/zebra.conf" <<FRR
hostname $1-zebra
log file $TMP/frr-$1-zebra.log
FRR
	cat >"$TMP/$1/bgpd.conf" <<FRR
hostname $1
log file $TMP/frr-$1-bgpd.log
router bgp $3
 bgp router-id $2
 no bgp default ipv4-unicast
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 198.51.100.1 remote-as 4200000001
 neighbor 198.51.100.1 timers 3 9
 neighbor 198.51.100.1 timers connect 1
 neighbor 198.51.100.1 advertisement-interval 0
 neighbor 2001:db8:100::1 remote-as 4200000001
 neighbor 2001:db8:100::1 timers 3 9
 neighbor 2001:db8:100::1 timers connect 1
 neighbor 2001:db8:100::1 advertisement-interval 0
 address-family ipv4 unicast
  network $4
  neighbor 198.51.100.1 activate
 exit-address-family
 address-family ipv6 unicast
  network $5
  neighbor 2001:db8:100::1 activate
 exit-address-family
FRR
}
frr_conf ebgp 198.51.100.2 65020 100.65.0.0/24 2001:db8:2000::/48
frr_conf ibgp 198.51.100.3 4200000001 100.66.0.0/24 2001:db8:3000::/48

ns node
ns ebgp
ns ibgp
link node 198.51.100.1/24 2001:db8:100::1/64
link ebgp 198.51.100.2/24 2001:db8:100::2/64
link ibgp 198.51.100.3/24 2001:db8:100::3/64

for r in ebgp ibgp; do
	frr_start "$r" zebra
done
for r in ebgp ibgp; do
	wait_for 10 "zebra of FRR $r" test -S "$TMP/$r/zserv.api"
	wait_for 10 "a link-local address in $r" ll_ready "$r"
	start_frr_bgpd "$r"
done
bgpd_start node "$TMP/cluster.yaml"
[ -n "${DEBUG_SLEEP:-}" ] && sleep $DEBUG_SLEEP
wait_for 40 "four sessions with FRR" all_established node 4

# Each check below reads one whole table and tests many prefixes: one
# python3 per poll keeps the test quick.
#
# bgpd_rib NODE [PREFIX AS_PATH NEXT_HOP]...: in NODE's RIB the best path
# of each PREFIX has that AS path and next hop; AS_PATH "-" means that
# there is no route for PREFIX at all (NEXT_HOP is then ignored).
bgpd_rib() {
	local node="$1"
	shift
	bgpctl "$node" routes --json | python3 -c '
import json, sys
best = {r["prefix"]: r["paths"][0] for r in json.load(sys.stdin)["routes"]}
a = sys.argv[1:]
for pfx, path, nh in zip(a[0::3], a[1::3], a[2::3]):
    p = best.get(pfx)
    if path == "-":
        ok = p is None
    else:
        ok = p is not None and p["as_path"] == path and p["next_hop"] == nh
    if not ok:
        sys.exit(1)' "$@"
}

# frr_rib NAME [PREFIX AS_PATH NEXT_HOP]...: the same for FRR NAME, from
# `show bgp ipv4/ipv6 unicast json`.  For IPv6 FRR may list a global and
# a link-local next hop: NEXT_HOP must be among the global ones.
frr_rib() {
	local r="$1"
	shift
	vty "$r" -c "show bgp ipv4 unicast json" \
	    -c "show bgp ipv6 unicast json" | python3 -c '
import json, sys
text, dec, routes, i = sys.stdin.read(), json.JSONDecoder(), {}, 0
while text[i:].strip():
    while text[i].isspace():
        i += 1
    d, i = dec.raw_decode(text, i)
    routes.update(d["routes"])
a = sys.argv[1:]
for pfx, path, nh in zip(a[0::3], a[1::3], a[2::3]):
    best = [p for p in routes.get(pfx, []) if p.get("bestpath")]
    if path == "-":
        ok = pfx not in routes
    else:
        nhs = [n["ip"] for n in best[0]["nexthops"]
               if n.get("scope", "global") == "global"] if best else []
        ok = best and best[0]["path"] == path and nh in nhs
    if not ok:
        sys.exit(1)' "$@"
}

# frr_peers NAME: FRR NAME's sessions to both of bgpd's addresses are
# Established and see bgpd's 4-octet AS.
frr_peers() {
	vty "$1" -c "show bgp neighbors json" | python3 -c '
import json, sys
n = json.load(sys.stdin)
ok = all(n[a]["bgpState"] == "Established" and
         n[a]["remoteAs"] == 4200000001
         for a in ("198.51.100.1", "2001:db8:100::1"))
sys.exit(0 if ok else 1)'
}
wait_for 10 "FRR ebgp's sessions to bgpd" frr_peers ebgp
wait_for 10 "FRR ibgp's sessions to bgpd" frr_peers ibgp
[ "$(peer_field node 198.51.100.2 remote_as)" = 65020 ] ||
    fail "bgpd does not show AS 65020 for the eBGP FRR"
[ "$(peer_field node 2001:db8:100::3 remote_as)" = 4200000001 ] ||
    fail "bgpd does not show AS 4200000001 for the iBGP FRR"

# FRR -> bgpd: eBGP routes with FRR's AS, iBGP ones with an empty path;
# the v6 next hop is the peer's global address.
wait_for 10 "FRR's routes in bgpd" bgpd_rib node \
    100.65.0.0/24 65020 198.51.100.2 \
    2001:db8:2000::/48 65020 2001:db8:100::2 \
    100.66.0.0/24 "" 198.51.100.3 \
    2001:db8:3000::/48 "" 2001:db8:100::3
# bgpd -> FRR: the blocks with the 4-octet AS on the eBGP side (empty
# path on the iBGP side) and bgpd's own addresses as next hops.  Transit:
# iBGP-learned to eBGP (prepended, next hop self), eBGP-learned to iBGP
# (next hop kept).
wait_for 10 "bgpd's blocks and the iBGP routes in eBGP FRR" frr_rib ebgp \
    100.64.0.0/26 4200000001 198.51.100.1 \
    2001:db8:1000::/122 4200000001 2001:db8:100::1 \
    100.66.0.0/24 4200000001 198.51.100.1 \
    2001:db8:3000::/48 4200000001 2001:db8:100::1
wait_for 10 "bgpd's blocks and the eBGP routes in iBGP FRR" frr_rib ibgp \
    100.64.0.0/26 "" 198.51.100.1 \
    2001:db8:1000::/122 "" 2001:db8:100::1 \
    100.65.0.0/24 65020 198.51.100.2 \
    2001:db8:2000::/48 65020 2001:db8:100::2
# iBGP split horizon: the iBGP FRR has its own routes but no copy of them
# from bgpd.
vty ibgp -c "show bgp ipv4 unicast 100.66.0.0/24 json" \
    -c "show bgp ipv6 unicast 2001:db8:3000::/48 json" | python3 -c '
import json, sys
text, dec, i = sys.stdin.read(), json.JSONDecoder(), 0
while text[i:].strip():
    while text[i].isspace():
        i += 1
    d, i = dec.raw_decode(text, i)
    peers = [p["peer"]["peerId"] for p in d["paths"]]
    if not peers or "198.51.100.1" in peers or "2001:db8:100::1" in peers:
        sys.exit(1)' || fail "iBGP FRR got its own routes back through bgpd"

# FRR withdraws (no network): bgpd drops the routes and withdraws them
# from the iBGP FRR; putting the networks back brings them back.
frr_network() {	# [no] network PREFIX
	local af=ipv4
	case "$*" in *:*) af=ipv6 ;; esac
	vty ebgp -c "configure terminal" -c "router bgp 65020" \
	    -c "address-family $af unicast" -c "$*" >/dev/null ||
	    fail "vtysh could not change FRR's networks: $*"
}
frr_network no network 100.65.0.0/24
frr_network no network 2001:db8:2000::/48
wait_for 10 "the withdrawals in bgpd" bgpd_rib node \
    100.65.0.0/24 - - 2001:db8:2000::/48 - -
wait_for 10 "the withdrawals passed to iBGP FRR" frr_rib ibgp \
    100.65.0.0/24 - - 2001:db8:2000::/48 - -
frr_network network 100.65.0.0/24
frr_network network 2001:db8:2000::/48
wait_for 10 "the routes back in bgpd" bgpd_rib node \
    100.65.0.0/24 65020 198.51.100.2 \
    2001:db8:2000::/48 65020 2001:db8:100::2

# FRR's bgpd dies without a word (zebra stays): bgpd notices the socket
# closing, drops the routes and withdraws them from the iBGP FRR, and
# takes the sessions back when FRR's bgpd returns.
kill -9 "$FRR_PID_ebgp_bgpd"
wait "$FRR_PID_ebgp_bgpd" 2>/dev/null
rm -rf "/var/tmp/frr/bgpd.$FRR_PID_ebgp_bgpd"
wait_for 20 "bgpd to drop the dead FRR's routes" bgpd_rib node \
    100.65.0.0/24 - - 2001:db8:2000::/48 - -
wait_for 10 "the dead FRR's routes withdrawn from iBGP FRR" frr_rib ibgp \
    100.65.0.0/24 - - 2001:db8:2000::/48 - -
start_frr_bgpd ebgp
wait_for 40 "sessions back after FRR restart" all_established node 4
wait_for 10 "eBGP routes relearned" bgpd_rib node \
    100.65.0.0/24 65020 198.51.100.2 \
    2001:db8:2000::/48 65020 2001:db8:100::2
wait_for 10 "bgpd's blocks back in restarted FRR" frr_rib ebgp \
    100.64.0.0/26 4200000001 198.51.100.1 \
    2001:db8:1000::/122 4200000001 2001:db8:100::1 \
    100.66.0.0/24 4200000001 198.51.100.1 \
    2001:db8:3000::/48 4200000001 2001:db8:100::1
wait_for 10 "relearned routes passed to iBGP FRR again" frr_rib ibgp \
    100.65.0.0/24 65020 198.51.100.2 \
    2001:db8:2000::/48 65020 2001:db8:100::2

# node's kernel: FRR's routes with bgpd's protocol via FRR's global
# addresses; a withdrawal takes them out again.
# (`ip route show PREFIX` needs -6 for an IPv6 PREFIX.)
kroutes() {	# NODE PREFIX
	local f=-4
	case "$2" in *:*) f=-6 ;; esac
	ip -n "$PFX$1" "$f" route show "$2" proto 186
}
kroute_via() {	# NODE PREFIX GATEWAY
	kroutes "$1" "$2" | grep -q "via $3 dev eth0"
}
kroute_gone() {	# NODE PREFIX
	[ -z "$(kroutes "$1" "$2")" ]
}
wait_for 10 "eBGP v6 route in node's kernel" \
    kroute_via node 2001:db8:2000::/48 2001:db8:100::2
wait_for 10 "eBGP v4 route in node's kernel" \
    kroute_via node 100.65.0.0/24 198.51.100.2
frr_network no network 100.65.0.0/24
frr_network no network 2001:db8:2000::/48
wait_for 10 "v4 withdrawal in node's kernel" kroute_gone node 100.65.0.0/24
wait_for 10 "v6 withdrawal in node's kernel" \
    kroute_gone node 2001:db8:2000::/48
stop_bgpd node
asan_clean
echo "PASS: FRR"
