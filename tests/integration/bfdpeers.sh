# BFD peers for the BFD tests (sourced after lib.sh): FRR (zebra, bfdd,
# bgpd with `neighbor X bfd`) and BIRD 2 (bgp with `bfd on`), each in
# its own namespace, peering with bgpd at 198.51.100.1 and
# 2001:db8:100::1 (AS 64512) over IPv4 and IPv6, BFD at 100 ms x 3,
# graceful restart on, short timers.
#
#   bfd_frr NS ROUTER_ID ADDR6 HOLD NETWORKS4 NETWORKS6
#   bfd_bird NS ROUTER_ID HOLD STATIC4 STATIC6 [EXPORT4_FILTER]
#   frr_bfd_up NS ADDR / bird_bfd_up NS ADDR: that peer's BFD session to
#                           bgpd's ADDR is Up
# NETWORKS/STATIC: space-separated prefixes.  FRR gets update-source
# (else its bfdd replaces the session when BGP comes up: one flap).

bfd_frr() {
	local n="$1" id="$2" a6="$3" hold="$4" n4="$5" n6="$6" d="$TMP/$1" p
	mkdir -p "$d"
	printf 'hostname %s-zebra\nlog file %s\n' "$n" \
	    "$TMP/frr-$n-zebra.log" >"$d/zebra.conf"
	cat >"$d/bfdd.conf" <<FRR
hostname $n-bfdd
log file $TMP/frr-$n-bfdd.log
bfd
 profile fast
  receive-interval 100
  transmit-interval 100
  detect-multiplier 3
 !
!
FRR
	{
		printf 'hostname %s\nlog file %s\nrouter bgp 65001\n' "$n" \
		    "$TMP/frr-$n-bgpd.log"
		printf ' bgp router-id %s\n no bgp ebgp-requires-policy\n' \
		    "$id"
		printf ' no bgp network import-check\n'
		printf ' no bgp default ipv4-unicast\n bgp graceful-restart\n'
		for p in "198.51.100.1 $id" "2001:db8:100::1 $a6"; do
			set -- $p
			printf ' neighbor %s remote-as 64512\n' "$1"
			printf ' neighbor %s timers 1 %s\n' "$1" "$hold"
			printf ' neighbor %s timers connect 1\n' "$1"
			printf ' neighbor %s advertisement-interval 0\n' "$1"
			printf ' neighbor %s bfd profile fast\n' "$1"
			printf ' neighbor %s update-source %s\n' "$1" "$2"
		done
		printf ' address-family ipv4 unicast\n'
		for p in $n4; do printf '  network %s\n' "$p"; done
		printf '  neighbor 198.51.100.1 activate\n'
		printf ' exit-address-family\n address-family ipv6 unicast\n'
		for p in $n6; do printf '  network %s\n' "$p"; done
		printf '  neighbor 2001:db8:100::1 activate\n'
		printf ' exit-address-family\n'
	} >"$d/bgpd.conf"
	frr_start "$n" zebra
	wait_for 10 "zebra of FRR $n" test -S "$d/zserv.api"
	touch "$TMP/frr-$n-bfdd.log"
	chown frr:frr "$TMP/frr-$n-bfdd.log"
	bg "$n" "$FRR/bfdd" -u frr -g frr -f "$d/bfdd.conf" \
	    --vty_socket "$d" -i "$d/bfdd.pid" -z "$d/zserv.api" \
	    --bfdctl "$d/bfdd.sock" >>"$TMP/frr-$n-bfdd.out" 2>&1
	FRR_SCRATCH="$FRR_SCRATCH bfdd.$LAST_PID"
	wait_for 10 "a link-local address in $n" ll_ready "$n"
	start_frr_bgpd "$n"
}

bfd_bird() {
	local n="$1" p
	{
		printf 'router id %s;\nlog "%s" all;\n' "$2" "$TMP/bird-$n.log"
		printf 'protocol device { }\nprotocol bfd {\n'
		printf '\tinterface "eth*" { min rx interval 100 ms; '
		printf 'min tx interval 100 ms; multiplier 3; };\n}\n'
		printf 'protocol static s4 {\n\tipv4;\n'
		for p in $4; do printf '\troute %s unreachable;\n' "$p"; done
		printf '}\nprotocol static s6 {\n\tipv6;\n'
		for p in $5; do printf '\troute %s unreachable;\n' "$p"; done
		printf '}\ntemplate bgp tor {\n\tlocal as 65001;\n\tbfd on;\n'
		printf '\tgraceful restart on;\n\thold time %s;\n' "$3"
		printf '\tconnect retry time 1;\n\terror wait time 1, 2;\n}\n'
		printf 'protocol bgp b4 from tor {\n'
		printf '\tneighbor 198.51.100.1 as 64512;\n'
		printf '\tipv4 { import all; export filter { %s accept; }; };\n' \
		    "${6:-}"
		printf '}\nprotocol bgp b6 from tor {\n'
		printf '\tneighbor 2001:db8:100::1 as 64512;\n'
		printf '\tipv6 { import all; export all; };\n}\n'
	} >"$TMP/bird-$n.conf"
	bg "$n" bird -f -c "$TMP/bird-$n.conf" -s "$TMP/bird-$n.ctl"
	wait_for 10 "BIRD $n" birdc -s "$TMP/bird-$n.ctl" show status
}

frr_bfd_up() {	# NS ADDR
	vtysh --vty_socket "$TMP/$1" -d bfdd -c "show bfd peers json" |
	    python3 -c '
import json, sys
for p in json.load(sys.stdin):
    if p["peer"] == sys.argv[1]:
        sys.exit(0 if p["status"] == "up" else 1)
sys.exit(1)' "$2"
}

bird_bfd_up() {	# NS ADDR
	birdc -s "$TMP/bird-$1.ctl" show bfd sessions |
	    awk -v a="$2" '$1 == a && $3 == "Up" { f = 1 } END { exit !f }'
}
