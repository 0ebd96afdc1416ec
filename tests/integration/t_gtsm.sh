#!/bin/sh
# GTSM (RFC 5082) from BGPPeer ttlSecurity.  Two segments joined by a
# router namespace: on bgpd's side an FRR with `ttl-security hops 1`
# (IPv4 and IPv6) and a BIRD without GTSM; behind the router an FRR
# that is two hops away but configured (on both ends) for one, and a
# BIRD with `ttl security on; multihop 2` for two.  The near FRR, the
# plain BIRD and the two-hop BIRD come up: one listening socket per hop
# count plus the plain one, the SYNs steered between them.  The far FRR
# never gets a session: its SYNs reach bgpd with TTL 254 and the kernel
# drops them (TcpExtTCPMinTTLDrop rises in bgpd's namespace), and the
# SYN-ACKs to bgpd's own attempts are dropped the same way.  A far peer
# that only connects (40 attempts from new ports, TTL 255, configured
# with ttlSecurity 1) shows it is the listener that drops: not one
# completes (a third would, and bgpd would log the refusal, if SYNs
# were spread over the group instead of steered).
. "$(dirname "$0")/lib.sh"
frr_need
command -v bird >/dev/null || skip "bird2 not installed"
command -v nstat >/dev/null || skip "no nstat (iproute2)"

V6N=2001:db8:100::		# near segment, /65
V6F=2001:db8:100:0:8000::	# far segment, /65
{
	y_bgpconf false 64512
	printf -- '---\napiVersion: projectcalico.org/v3\nkind: Node\n'
	echo "metadata: {name: node}"
	echo "spec: {bgp: {ipv4Address: 198.51.100.1/25," \
	    "ipv6Address: \"${V6N}1/65\"}}"
	y_pool v4 100.64.0.0/16
	y_block b4 100.64.0.0/26 node
	y_peer near4 "peerIP: 198.51.100.2, asNumber: 65020, ttlSecurity: 1"
	y_peer near6 "peerIP: \"${V6N}2\", asNumber: 65020, ttlSecurity: 1"
	y_peer plain "peerIP: 198.51.100.3, asNumber: 65030"
	y_peer far4 "peerIP: 198.51.100.130, asNumber: 65040, ttlSecurity: 1"
	y_peer far6 "peerIP: \"${V6F}130\", asNumber: 65040, ttlSecurity: 1"
	y_peer twohop "peerIP: 198.51.100.131, asNumber: 65050, ttlSecurity: 2"
	y_peer gen "peerIP: 198.51.100.132, asNumber: 65060, ttlSecurity: 1"
} >"$TMP/cluster.yaml"

# frr_gtsm NAME ID AS ADDR4 ADDR6: FRR peering with bgpd, GTSM 1 hop.
frr_gtsm() {
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
 neighbor 198.51.100.1 remote-as 64512
 neighbor 198.51.100.1 ttl-security hops 1
 neighbor 198.51.100.1 timers 3 9
 neighbor 198.51.100.1 timers connect 1
 neighbor ${V6N}1 remote-as 64512
 neighbor ${V6N}1 ttl-security hops 1
 neighbor ${V6N}1 timers 3 9
 neighbor ${V6N}1 timers connect 1
 address-family ipv4 unicast
  neighbor 198.51.100.1 activate
 exit-address-family
 address-family ipv6 unicast
  neighbor ${V6N}1 activate
 exit-address-family
FRR
}
frr_gtsm near 198.51.100.2 65020
frr_gtsm far 198.51.100.130 65040
# bird_conf NAME ID AS GTSM-LINES
bird_conf() {
	cat >"$TMP/$1.conf" <<BIRD
router id $2;
log "$TMP/$1.log" all;
protocol device {}
protocol bgp tor {
	local $2 as $3;
	neighbor 198.51.100.1 as 64512;
	$4
	connect retry time 1;
	error wait time 1, 2;
	ipv4 { import all; export none; };
}
BIRD
}
bird_conf plain 198.51.100.3 65030 ""
bird_conf twohop 198.51.100.131 65050 "ttl security on; multihop 2;"

ns node
ns near
ns plain
ns rtr
ns far
ns twohop
ns gen
link node 198.51.100.1/25 "${V6N}1/65"
link near 198.51.100.2/25 "${V6N}2/65"
link plain 198.51.100.3/25
link rtr 198.51.100.126/25 "${V6N}7e/65"
BR=br1 link rtr 198.51.100.254/25 "${V6F}fe/65"
BR=br1 link far 198.51.100.130/25 "${V6F}130/65"
BR=br1 link twohop 198.51.100.131/25
BR=br1 link gen 198.51.100.132/25
ip netns exec "${PFX}rtr" sysctl -qw net.ipv4.ip_forward=1 \
    net.ipv6.conf.all.forwarding=1
ip -n "${PFX}node" route add 198.51.100.128/25 via 198.51.100.126
ip -n "${PFX}node" -6 route add "${V6F}/65" via "${V6N}7e"
for n in far twohop gen; do
	ip -n "$PFX$n" route add 198.51.100.0/25 via 198.51.100.254
done
ip -n "${PFX}far" -6 route add "${V6N}/65" via "${V6F}fe"
ip netns exec "${PFX}node" ping -c 1 -W 2 198.51.100.130 >/dev/null ||
    fail "no route across the router"

for r in near far; do
	frr_start "$r" zebra
done
for r in near far; do
	wait_for 10 "zebra of FRR $r" test -S "$TMP/$r/zserv.api"
	wait_for 10 "a link-local address in $r" ll_ready "$r"
	start_frr_bgpd "$r"
done
for b in plain twohop; do
	bg "$b" bird -f -c "$TMP/$b.conf" -s "$TMP/$b.ctl"
done

drops() {	# NS: the kernel's TcpExtTCPMinTTLDrop there
	ip netns exec "$PFX$1" nstat -asz TcpExtTCPMinTTLDrop |
	    awk '$1 ~ /^TcpExt/ { print $2 }'
}
d_node=$(drops node)
bgpd_start node "$TMP/cluster.yaml"
up() { [ "$(peer_field node "$1" bgp_state)" = '"Established"' ]; }
wait_for 40 "the near FRR over IPv4 (GTSM, 1 hop)" up 198.51.100.2
wait_for 40 "the near FRR over IPv6 (GTSM, 1 hop)" up "${V6N}2"
wait_for 40 "the plain BIRD (no GTSM)" up 198.51.100.3
wait_for 40 "the BIRD two hops away (GTSM, 2 hops)" up 198.51.100.131
grep -q "listening on 0.0.0.0 port 179, with 2 GTSM sockets" \
    "$TMP/bgpd-node.log" || fail "no GTSM listeners for 1 and 2 hops"
ip netns exec "${PFX}gen" python3 - >"$TMP/probe.out" 2>&1 <<'PY' &
import socket
ok = 0
for i in range(40):
    s = socket.socket()
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 255)
    s.bind(("198.51.100.132", 0))
    s.settimeout(0.3)
    try:
        s.connect(("198.51.100.1", 179))
        ok += 1
    except OSError:
        pass
    s.close()
print("connected", ok)
PY
PROBE=$!
# 15 s of tries from both far peers, every SYN (or SYN-ACK) dropped.
rise() { [ "$(drops "$1")" -gt "$2" ]; }
wait_for 30 "TCPMinTTLDrop in bgpd's namespace" rise node "$d_node"
sleep 15
for a in 198.51.100.130 "${V6F}130" 198.51.100.132; do
	st=$(peer_field node "$a" bgp_state)
	case $st in
	*Idle*|*Active*|*Connect*) ;;
	*) fail "the far FRR ($a) got as far as $st" ;;
	esac
done
# Not one connection from them was accepted.
if grep -q "refused a connection" "$TMP/bgpd-node.log"; then
	fail "a connection from a far peer reached bgpd"
fi
wait "$PROBE"
grep -qx "connected 0" "$TMP/probe.out" ||
    fail "the connect-only far peer completed handshakes: $(cat "$TMP/probe.out")"
[ -z "$(ip netns exec "${PFX}node" ss -Htn state established \
    "( dst 198.51.100.130 or dst [${V6F}130] or dst 198.51.100.132 )")" ] ||
    fail "an established TCP connection with a far peer"
vty far -c "show bgp summary json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
for fam in d.values():
    for n, p in fam.get("peers", {}).items():
        if p.get("state") == "Established":
            sys.exit("far FRR established with " + n)' || fail "far FRR"
for a in 198.51.100.2 "${V6N}2" 198.51.100.131; do
	up "$a" || fail "$a went down"
done
[ "$(peer_field node 198.51.100.131 ttl_security)" = 2 ] ||
    fail "status: ttl_security of the two-hop peer"
stop_bgpd node
asan_clean
echo "PASS: GTSM; TCPMinTTLDrop in bgpd's namespace $d_node -> $(drops node)"
