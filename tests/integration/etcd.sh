# etcd helpers for integration tests (sourced after lib.sh).  A real
# etcd-server (Debian's 3.4) runs inside the test's own namespaces on
# 198.51.100.x with TLS: a CA, server and client certificates made here
# with openssl; clients must present a certificate (--client-cert-auth).
# etcdctl writes resources in the JSON Calico writes.
#
#   etcd_certs IP...             CA, server cert for those IPs, client cert
#   etcd_start NAME IP [CLUSTER] an etcd member in namespace NAME (made
#                                here), data in $TMP/etcd-NAME; CLUSTER is
#                                the --initial-cluster list (default: one);
#                                ETCD_LISTEN=URLS replaces its client URLs
#   etcd_stop NAME / etcd_kill NAME   SIGTERM / SIGKILL, and wait
#   ectl NAME ARGS               etcdctl against member NAME (TLS)
#   eput NAME KEY VALUE / edel NAME KEY
#   j_node NAME IP [LABELS] [BGP]  Calico JSON values (LABELS and BGP are
#   j_pool NAME CIDR [SPEC]        JSON object members without braces)
#   j_bgpconf NAME SPEC / j_peer NAME SPEC / j_aff [STATE]
#   K_NODES K_PEERS K_CONFS K_POOLS  key prefixes; k_aff NODE CIDR
#   bgpd_etcd NODE [ARGS]        bgpd in namespace NODE reading etcd
set -u

ETCD=${ETCD:-/usr/bin/etcd}
ETCDCTL=${ETCDCTL:-/usr/bin/etcdctl}
[ -x "$ETCD" ] && [ -x "$ETCDCTL" ] || skip "etcd-server/etcd-client not installed"
command -v openssl >/dev/null || skip "openssl not installed"

K_RES=/calico/resources/v3/projectcalico.org
K_NODES=$K_RES/nodes
K_PEERS=$K_RES/bgppeers
K_CONFS=$K_RES/bgpconfigurations
K_POOLS=$K_RES/ippools
K_FILTERS=$K_RES/bgpfilters
CERTS="$TMP/pki"
ETCD_EPS=""

# A key and a certificate signed by the test CA: NAME SUBJECT EXT.
_etcd_cert() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -keyout "$CERTS/$1-key.pem" -out "$CERTS/$1.csr" \
	    -subj "$2" 2>/dev/null || fail "openssl req $1"
	printf '%s\n' "$3" >"$CERTS/$1.ext"
	openssl x509 -req -in "$CERTS/$1.csr" -CA "$CERTS/ca.pem" \
	    -CAkey "$CERTS/ca-key.pem" -CAcreateserial -days 2 \
	    -extfile "$CERTS/$1.ext" -out "$CERTS/$1.pem" 2>/dev/null ||
	    fail "openssl x509 $1"
}

etcd_certs() {
	local san="" ip
	mkdir -p "$CERTS"
	openssl req -x509 -new -newkey ec \
	    -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -keyout "$CERTS/ca-key.pem" -out "$CERTS/ca.pem" -days 2 \
	    -subj "/CN=bgpd-test-ca" 2>/dev/null || fail "openssl CA"
	for ip in "$@"; do
		san="${san:+$san,}IP:$ip"
	done
	_etcd_cert server "/CN=etcd-test" "subjectAltName=$san,IP:127.0.0.1
extendedKeyUsage=serverAuth,clientAuth"
	_etcd_cert client "/CN=bgpd" "extendedKeyUsage=clientAuth"
	# The gateway refuses a client certificate with a CommonName when
	# etcd auth is on (DATASTORE.md 2.6): one without, for that case.
	_etcd_cert anon "/O=bgpd-test" "extendedKeyUsage=clientAuth"
}

etcd_start() {
	local name="$1" ip="$2" cluster="${3:-}" state=new
	shift 2
	[ $# -gt 0 ] && shift
	if ! ip netns list | grep -q "^$PFX$name\b"; then
		ns "$name"
		link "$name" "$ip/24"
	fi
	[ -d "$TMP/etcd-$name" ] && state=existing
	[ -n "$cluster" ] || cluster="$name=http://$ip:2380"
	bg "$name" "$ETCD" --name "$name" --data-dir "$TMP/etcd-$name" \
	    --listen-client-urls \
	    "${ETCD_LISTEN:-https://$ip:2379,https://127.0.0.1:2379}" \
	    --advertise-client-urls "${ETCD_LISTEN:-https://$ip:2379}" \
	    --listen-peer-urls "http://$ip:2380" \
	    --initial-advertise-peer-urls "http://$ip:2380" \
	    --initial-cluster "$cluster" --initial-cluster-state "$state" \
	    --initial-cluster-token "bgpd-test-$$" \
	    --cert-file "$CERTS/server.pem" --key-file "$CERTS/server-key.pem" \
	    --trusted-ca-file "$CERTS/ca.pem" --client-cert-auth \
	    --logger zap --log-outputs stderr --log-level warn \
	    ${ETCD_ARGS:-} "$@" >>"$TMP/etcd-$name.log" 2>&1
	eval "ETCD_PID_$name=\$LAST_PID"
	eval "ETCD_IP_$name=$ip"
	case " $ETCD_EPS " in
	*" $name "*) ;;
	*) ETCD_EPS="$ETCD_EPS $name" ;;
	esac
}

etcd_wait() {	# NAME: the member answers (a cluster: has a leader)
	wait_for 20 "etcd $1 to answer" ectl "$1" endpoint health
}

_etcd_signal() {
	local pid
	eval "pid=\${ETCD_PID_$2:-}"
	[ -n "$pid" ] || return 0
	kill "-$1" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	eval "ETCD_PID_$2="
}
etcd_stop() { _etcd_signal TERM "$1"; }
etcd_kill() { _etcd_signal KILL "$1"; }

# etcdctl inside member NAME's namespace, over loopback TLS.
ectl() {
	local name="$1"
	shift
	ip netns exec "$PFX$name" env ETCDCTL_API=3 "$ETCDCTL" \
	    --endpoints https://127.0.0.1:2379 --cacert "$CERTS/ca.pem" \
	    --cert "$CERTS/client.pem" --key "$CERTS/client-key.pem" \
	    --command-timeout 5s ${ECTL_ARGS:-} "$@"
}
eput() {
	ectl "$1" put -- "$2" "$3" >/dev/null || fail "etcdctl put $2"
}
edel() {
	ectl "$1" del -- "$2" >/dev/null || fail "etcdctl del $2"
}
k_aff() {	# NODE CIDR: the node's block affinity key
	local fam=ipv4
	case $2 in *:*) fam=ipv6 ;; esac
	echo "/calico/ipam/v2/host/$1/$fam/block/$(echo "$2" | tr / -)"
}

# The JSON clientv3 writes: kind, apiVersion, metadata with uid and
# creationTimestamp, spec (DATASTORE.md 1.2).
_j_meta() {	# KIND NAME [LABELS]
	printf '{"kind":"%s","apiVersion":"projectcalico.org/v3",' "$1"
	printf '"metadata":{"name":"%s","uid":"%s",' "$2" \
	    "$(cat /proc/sys/kernel/random/uuid)"
	printf '"creationTimestamp":"2026-12-02T10:00:00Z"'
	[ -z "${3:-}" ] || printf ',"labels":{%s}' "$3"
	printf '},'
}
j_node() {	# NAME IPV4/LEN [LABELS] [BGP]
	_j_meta Node "$1" "${3:-}"
	printf '"spec":{"bgp":{"ipv4Address":"%s"%s},' "$2" "${4:+,$4}"
	printf '"orchRefs":[{"nodeName":"%s","orchestrator":"k8s"}],' "$1"
	printf '"addresses":[{"address":"%s","type":"CalicoNodeIP"}]},' "$2"
	printf '"status":{}}'
}
j_pool() {	# NAME CIDR [SPEC]
	_j_meta IPPool "$1"
	printf '"spec":{"cidr":"%s","ipipMode":"Never","vxlanMode":"Never",' \
	    "$2"
	printf '"natOutgoing":true,"blockSize":26,"nodeSelector":"all()"%s}}' \
	    "${3:+,$3}"
}
j_bgpconf() {	# NAME SPEC
	_j_meta BGPConfiguration "$1"
	printf '"spec":{%s}}' "$2"
}
j_peer() {	# NAME SPEC
	_j_meta BGPPeer "$1"
	printf '"spec":{%s}}' "$2"
}
j_aff() {	# [STATE]
	printf '{"state":"%s","deleted":false}' "${1:-confirmed}"
}

# The --etcd-* options for every member the test started.
etcd_opts() {
	local eps="" m ip
	for m in $ETCD_EPS; do
		eval "ip=\$ETCD_IP_$m"
		eps="${eps:+$eps,}https://$ip:2379"
	done
	echo "--datastore etcdv3 --etcd-endpoints ${EPS_OVERRIDE:-$eps}" \
	    "--etcd-ca $CERTS/ca.pem --etcd-cert $CERTS/client.pem" \
	    "--etcd-key $CERTS/client-key.pem"
}

# bgpd NODE reading etcd; it answers once its Node is in etcd.
bgpd_etcd() {
	local node="$1"
	shift
	# shellcheck disable=SC2046
	bgpd_start "$node" "$TMP/unused.yaml" $(etcd_opts) "$@"
}

# The same without waiting (its Node may not be in etcd yet).
bgpd_etcd_bg() {
	local node="$1"
	shift
	# shellcheck disable=SC2046
	bg "$node" env ASAN_OPTIONS="log_path=$TMP/asan-$node" \
	    "$BGPD" --config "$TMP/unused.yaml" --node "$node" \
	    --socket "$TMP/$node.sock" $(etcd_opts) "$@" \
	    >"$TMP/bgpd-$node.log" 2>&1
	eval "BGPD_PID_$(echo "$node" | tr -c 'a-zA-Z0-9\n' _)=$!"
}

# NODE's datastore status field (JSON value).
ds_field() {
	bgpctl "$1" status --json | python3 -c '
import json, sys
print(json.dumps(json.load(sys.stdin)["datastore"][sys.argv[1]]))' "$2"
}
