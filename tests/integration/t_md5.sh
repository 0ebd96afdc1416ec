#!/bin/sh
# TCP-MD5 (RFC 2385) with FRR (IPv4 and IPv6) and BIRD 2.  Passwords
# are secretKeyRef files under --secrets-dir.  BIRD's file starts with
# the wrong key: no session, TcpExtTCPMD5Failure rises; fixing the file
# brings it up without a reload (inotify).  FRR's key changed in its file
# and `bgpd reload` re-establish only FRR's sessions (BIRD's stays up).
# BIRD's secret removed, then empty, then too long: its session stays
# down with the reason in status (and TcpExtTCPMD5Unexpected rises: BIRD
# signs, we have no key), never unauthenticated; back when the file is.
. "$(dirname "$0")/lib.sh"
frr_need
command -v bird >/dev/null || skip "bird2 not installed"
command -v nstat >/dev/null || skip "no nstat (iproute2)"

SEC="$TMP/secrets"
mkdir -p "$SEC/bgp-md5"
printf 'frr-key-1' >"$SEC/bgp-md5/frr"
printf 'not-birds-key\n' >"$SEC/bgp-md5/bird"
{
	y_bgpconf false 64512
	printf -- '---\napiVersion: projectcalico.org/v3\nkind: Node\n'
	echo "metadata: {name: node}"
	echo "spec: {bgp: {ipv4Address: 198.51.100.1/24," \
	    "ipv6Address: \"2001:db8:100::1/64\"}}"
	y_pool v4 100.64.0.0/16
	y_block b4 100.64.0.0/26 node
	for p in frr:198.51.100.2:65020 frr:2001:db8:100::2:65020 \
	    bird:198.51.100.3:65030; do
		key=${p%%:*}
		rest=${p#*:}
		ip=${rest%:*}
		as=${rest##*:}
		y_peer "$key-$(echo "$ip" | tr ':.' '--')" "peerIP: \"$ip\",
		    asNumber: $as, password: {secretKeyRef:
		    {name: bgp-md5, key: $key}}"
	done
} >"$TMP/cluster.yaml"

mkdir -p "$TMP/frr"
cat >"$TMP/frr/zebra.conf" <<FRR
hostname frr-zebra
log file $TMP/frr-frr-zebra.log
FRR
cat >"$TMP/frr/bgpd.conf" <<FRR
hostname frr
log file $TMP/frr-frr-bgpd.log
router bgp 65020
 bgp router-id 198.51.100.2
 no bgp default ipv4-unicast
 no bgp ebgp-requires-policy
 neighbor 198.51.100.1 remote-as 64512
 neighbor 198.51.100.1 password frr-key-1
 neighbor 198.51.100.1 timers 3 9
 neighbor 198.51.100.1 timers connect 1
 neighbor 2001:db8:100::1 remote-as 64512
 neighbor 2001:db8:100::1 password frr-key-1
 neighbor 2001:db8:100::1 timers 3 9
 neighbor 2001:db8:100::1 timers connect 1
 address-family ipv4 unicast
  neighbor 198.51.100.1 activate
 exit-address-family
 address-family ipv6 unicast
  neighbor 2001:db8:100::1 activate
 exit-address-family
FRR
cat >"$TMP/bird.conf" <<BIRD
router id 198.51.100.3;
log "$TMP/bird.log" all;
protocol device {}
protocol bgp tor {
	local 198.51.100.3 as 65030;
	neighbor 198.51.100.1 as 64512;
	password "bird-key";
	connect retry time 1;
	error wait time 1, 2;
	ipv4 { import all; export none; };
}
BIRD

ns node
ns frr
ns bird
link node 198.51.100.1/24 2001:db8:100::1/64
link frr 198.51.100.2/24 2001:db8:100::2/64
link bird 198.51.100.3/24
frr_start frr zebra
wait_for 10 "zebra of FRR" test -S "$TMP/frr/zserv.api"
wait_for 10 "a link-local address in frr" ll_ready frr
start_frr_bgpd frr
bg bird bird -f -c "$TMP/bird.conf" -s "$TMP/bird.ctl"
bgpd_start node "$TMP/cluster.yaml" --secrets-dir "$SEC"

md5() {	# NS COUNTER: the kernel's TcpExtTCPMD5<COUNTER> in NS
	ip netns exec "$PFX$1" nstat -asz "TcpExtTCPMD5$2" |
	    awk '$1 ~ /^TcpExt/ { print $2 }'
}
state() {	# ADDR: bgpd's bgp_state for the session to ADDR
	peer_field node "$1" bgp_state | tr -d '"'
}
up() { [ "$(state "$1")" = Established ]; }
frr_has_block() {
	vty frr -c "show bgp ipv4 unicast 100.64.0.0/26 json" |
	    grep -q '"valid":true'
}
failures_rise() { [ "$(md5 node Failure)" -gt "$1" ]; }

# 1. FRR has the right key on both families; BIRD's is wrong.
wait_for 40 "FRR's v4 session" up 198.51.100.2
wait_for 40 "FRR's v6 session" up 2001:db8:100::2
wait_for 10 "our block in FRR" frr_has_block
f0=$(md5 node Failure)
wait_for 20 "TCPMD5Failure from BIRD's wrong key" failures_rise "$f0"
up 198.51.100.3 && fail "BIRD's session is up with the wrong key"
echo "wrong key: TCPMD5Failure $f0 -> $(md5 node Failure)"

# 2. The right key in the file: inotify, no reload.
printf 'bird-key\n' >"$SEC/bgp-md5/bird.tmp"
mv "$SEC/bgp-md5/bird.tmp" "$SEC/bgp-md5/bird"
wait_for 30 "BIRD's session with the fixed key" up 198.51.100.3
grep -q "Global_198_51_100_3: TCP-MD5 key changed: restarting the session" \
    "$TMP/bgpd-node.log" || fail "no log line for the fixed secret"
bird_flaps=$(peer_field node 198.51.100.3 flaps)

# 3. FRR's key changes on our side and `bgpd reload`: FRR's sessions go
# (the old key no longer matches), BIRD's stays.
f1=$(md5 node Failure)
printf 'frr-key-2' >"$SEC/bgp-md5/frr"
bgpctl node reload >/dev/null || fail "reload"
frr_down() { ! up 198.51.100.2 && ! up 2001:db8:100::2; }
wait_for 15 "FRR's sessions to restart" frr_down
wait_for 20 "TCPMD5Failure from FRR's old key" failures_rise "$f1"
vty frr -c "configure terminal" -c "router bgp 65020" \
    -c "neighbor 198.51.100.1 password frr-key-2" \
    -c "neighbor 2001:db8:100::1 password frr-key-2" >/dev/null
wait_for 40 "FRR's v4 session with the new key" up 198.51.100.2
wait_for 40 "FRR's v6 session with the new key" up 2001:db8:100::2
up 198.51.100.3 || fail "BIRD's session went down on FRR's key change"
[ "$(peer_field node 198.51.100.3 flaps)" = "$bird_flaps" ] ||
    fail "BIRD's session flapped on FRR's key change"
for n in Global_198_51_100_2 Global_2001_db8_100__2; do
	grep -q "$n: TCP-MD5 key changed: restarting the session" \
	    "$TMP/bgpd-node.log" || fail "$n was not restarted"
done
[ "$(grep -c 'TCP-MD5 key changed' "$TMP/bgpd-node.log")" = 3 ] ||
    fail "sessions other than FRR's restarted"

# 4. BIRD's secret goes: down, never unauthenticated; BIRD's signed
# SYNs find no key here (TCPMD5Unexpected).
u0=$(md5 node Unexpected)
rm "$SEC/bgp-md5/bird"
bgpctl node reload >/dev/null || fail "reload"
bird_down() { ! up 198.51.100.3; }
wait_for 15 "BIRD's session down" bird_down
unexp_rise() { [ "$(md5 node Unexpected)" -gt "$u0" ]; }
wait_for 20 "TCPMD5Unexpected from BIRD" unexp_rise
err=$(peer_field node 198.51.100.3 tcp_md5.error)
echo "$err" | grep -q "TCP-MD5 password: $SEC/bgp-md5/bird: No such file" ||
    fail "status error for the missing secret: $err"
bgpctl node status | grep -q "TCP-MD5 password: $SEC/bgp-md5/bird" ||
    fail "status table without the reason"
grep -q "Global_198_51_100_3: TCP-MD5 password: $SEC/bgp-md5/bird: No such file or directory; the session stays down" \
    "$TMP/bgpd-node.log" || fail "no log line for the missing secret"
# The operator cannot start it either.
out=$(bgpctl node enable Global_198_51_100_3 2>&1) &&
    fail "bgpd enable started a session without its secret: $out"
echo "$out" | grep -q "stays down: TCP-MD5 password: .*No such file" ||
    fail "bgpd enable: $out"
# Empty, and too long: each said, still down.
: >"$SEC/bgp-md5/bird"
bgpctl node reload >/dev/null || fail "reload"
peer_field node 198.51.100.3 tcp_md5.error | grep -q "bird: empty" ||
    fail "empty secret: $(peer_field node 198.51.100.3 tcp_md5.error)"
head -c 81 /dev/zero | tr '\0' k >"$SEC/bgp-md5/bird"
bgpctl node reload >/dev/null || fail "reload"
peer_field node 198.51.100.3 tcp_md5.error |
    grep -q "bird: 81 octets, more than the 80 TCP-MD5 allows" ||
    fail "long secret: $(peer_field node 198.51.100.3 tcp_md5.error)"
sleep 3
bird_down || fail "BIRD's session came up without its key"
up 198.51.100.2 || fail "FRR's session suffered from BIRD's secret"

# 5. Back, by file change alone.
printf 'bird-key' >"$SEC/bgp-md5/bird"
wait_for 30 "BIRD's session with its secret back" up 198.51.100.3
grep -q "Global_198_51_100_3: TCP-MD5 password read: starting the session" \
    "$TMP/bgpd-node.log" || fail "no log line for the secret back"
stop_bgpd node
asan_clean
echo "PASS: MD5 with FRR and BIRD; failures $f0 -> $(md5 node Failure)," \
    "unexpected $u0 -> $(md5 node Unexpected)"
