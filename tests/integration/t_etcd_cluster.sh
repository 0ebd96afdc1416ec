#!/bin/sh
# A three-member etcd cluster with etcd authentication on (a user and a
# password, tokens that expire after 2 s): two bgpd nodes list the
# members with the leader first, the leader is killed, and bgpd carries
# on through another endpoint: no session flaps, a change made after is
# applied.  Their tokens expire over and over (a token lives 2 s unused;
# the watch restarts after 4 s of silence) and they authenticate again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/etcd.sh"

ds_is() {	# NODE FIELD VALUE
	[ "$(ds_field "$1" "$2")" = "$3" ]
}
flaps() {
	bgpctl "$1" status --json | python3 -c '
import json, sys
print(sum(p["flaps"] for p in json.load(sys.stdin)["peers"]))'
}
leader_of() {	# MEMBER: the name of the cluster's leader, as it sees it
	ectl "$1" endpoint status --cluster -w json | python3 -c '
import json, sys
st = json.load(sys.stdin)
lead = st[0]["Status"]["leader"]
for s in st:
    if s["Status"]["header"]["member_id"] == lead:
        print(s["Endpoint"].split("//")[1].split(":")[0])
        sys.exit(0)
sys.exit(1)'
}
more_auths() {	# NODE COUNT
	[ "$(ds_field "$1" authentications)" -gt "$2" ]
}

etcd_certs 198.51.100.101 198.51.100.102 198.51.100.103
cluster="e1=http://198.51.100.101:2380,e2=http://198.51.100.102:2380"
cluster="$cluster,e3=http://198.51.100.103:2380"
for m in 1 2 3; do
	etcd_start "e$m" "198.51.100.10$m" "$cluster" --auth-token-ttl 2
done
for m in 1 2 3; do
	etcd_wait "e$m"
done
ectl e1 user add root:s3cret --interactive=false >/dev/null ||
    fail "etcdctl user add"
ectl e1 user grant-role root root >/dev/null || fail "grant-role"
ectl e1 auth enable >/dev/null || fail "auth enable"
ECTL_ARGS="--user root:s3cret"
eput e1 "$K_POOLS/pods" "$(j_pool pods 100.64.0.0/16)"
for i in 1 2; do
	ns "n$i"
	link "n$i" "198.51.100.$i/24"
	eput e1 "$K_NODES/n$i" "$(j_node "n$i" "198.51.100.$i/24")"
	eput e1 "$(k_aff "n$i" "100.64.$i.0/26")" "$(j_aff)"
done

lead=$(leader_of e1) || fail "no leader"
case $lead in
198.51.100.101) L=e1 ;;
198.51.100.102) L=e2 ;;
*) L=e3 ;;
esac
EPS_OVERRIDE="https://$lead:2379"
for m in 1 2 3; do
	[ "e$m" = "$L" ] || EPS_OVERRIDE="$EPS_OVERRIDE,https://198.51.100.10$m:2379"
done
echo "leader $L ($lead); bgpd endpoints $EPS_OVERRIDE"
# The gateway refuses a certificate with a CommonName when etcd auth is
# on: bgpd presents the one without.
for i in 1 2; do
	# shellcheck disable=SC2046
	bg "n$i" env ASAN_OPTIONS="log_path=$TMP/asan-n$i" \
	    ETCD_USERNAME=root CALICO_ETCD_PASSWORD=s3cret \
	    ETCD_ENDPOINTS="$EPS_OVERRIDE" DATASTORE_TYPE=etcdv3 \
	    ETCD_CA_CERT_FILE="$CERTS/ca.pem" \
	    ETCD_CERT_FILE="$CERTS/anon.pem" \
	    ETCD_KEY_FILE="$CERTS/anon-key.pem" \
	    "$BGPD" --node "n$i" --socket "$TMP/n$i.sock" \
	    --etcd-watch-idle 4 >"$TMP/bgpd-n$i.log" 2>&1
	eval "BGPD_PID_n$i=\$LAST_PID"
done
for i in 1 2; do
	wait_for 20 "bgpd n$i to answer" bgpctl "n$i" status
	wait_for 30 "n$i's session" all_established "n$i" 1
	ds_field "n$i" endpoint | grep -q "$lead" ||
	    fail "n$i is not on the leader: $(ds_field "n$i" endpoint)"
done
wait_for 10 "n1: n2's block" kroute n1 100.64.2.0/26 "via 198.51.100.2"
# Tokens expire (2 s unused) and are renewed.
a=$(ds_field n1 authentications)
wait_for 20 "n1 to authenticate again" more_auths n1 $((a + 1))
grep -q 'token refused' "$TMP/bgpd-n1.log" ||
    fail "n1 re-authenticated without a refused token"

etcd_kill "$L"
echo "killed the leader $L"
S=e1
[ "$L" = e1 ] && S=e2
wait_for 20 "a new leader" leader_of "$S"
eput "$S" "$(k_aff n2 100.64.22.0/26)" "$(j_aff)"
wait_for 20 "n1: n2's new block" kroute n1 100.64.22.0/26 "via 198.51.100.2"
for i in 1 2; do
	wait_for 20 "n$i in sync again" ds_is "n$i" in_sync true
	! ds_field "n$i" endpoint | grep -q "$lead" ||
	    fail "n$i still on the dead leader"
	[ "$(flaps "n$i")" = 0 ] || fail "n$i: a session flapped"
	all_established "n$i" 1 || fail "n$i lost its session"
	echo "n$i now on $(ds_field "n$i" endpoint)"
done
for i in 1 2; do
	stop_bgpd "n$i"
done
asan_clean
echo "PASS: etcd cluster, leader killed, tokens renewed"
