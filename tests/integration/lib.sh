# Shared helpers for integration tests (sourced).  TESTING.md section 2:
# every namespace, link and process is the test's own, made with a unique
# prefix and removed by the EXIT trap; peers use documentation addresses;
# waits are bounded polls.
#
#   ns NAME                 a namespace (lo up)
#   link NAME ADDR...       a veth from NAME to the shared bridge (or,
#                           with BR=NAME set, to that bridge instead)
#   bg NAME CMD...          run CMD in NAME in the background (tracked;
#                           its pid is left in LAST_PID)
#   wait_for SECS DESC CMD  poll CMD every 0.2 s until it succeeds
#   try_for SECS CMD        the same, returning false instead of failing
#   bgpd_start NODE CONFIG [ARGS]   bgpd in namespace NODE
#   bgpctl NODE ARGS        bgpd status/routes against NODE's daemon
#   fail MSG / skip MSG     end the test
#   frr_need / frr_start NODE DAEMON / vty NODE ARGS / ll_ready NODE
#                           FRR daemons (zebra, bgpd) in a namespace
#   y_* ...                 Calico resources for a test's config
#   sys_user NAME [GROUP]   a system user (with its own group) made if
#                           missing and removed at exit; one the test
#                           made may join GROUP
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BGPD=${BGPD:-$TOP/build/asan/bgpd}
# The control client the tests poll with (hundreds of calls a test): the
# release build, as operators run it; an ASan client costs 10 times the
# CPU to start, which a suite run in parallel pays in flakes.  The
# daemon under test stays $BGPD.
BGPC=${BGPC:-$TOP/build/bgpd}
[ -x "$BGPC" ] || BGPC=$BGPD
# Debian's python3 itself: a version manager's shim first on PATH (pyenv
# runs a dozen processes a call) cost most of a test's CPU, and the tests
# read JSON with python3 hundreds of times (-I -S: the standard library
# only, no site start-up).
# A process put in the background must be started as $PY, not through
# the function: `python3 ... &` forks a shell that runs python3 as its
# child, and killing $! leaves python3 behind.
PY=python3
if [ -x /usr/bin/python3 ]; then
	python3() { /usr/bin/python3 -I -S "$@"; }
	PY="/usr/bin/python3 -I -S"
fi
PFX=${PFX:-"bt$$-"}
# Interface names are 15 octets at most: temporary ones use this.
IFX="t$$"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bgpd-it-XXXXXX")
NSES=""
PIDS=""
BRIDGE_NS=""
FRR=/usr/lib/frr
FRR_SCRATCH=""
USERS_MADE=""

cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	sleep 0.2
	for p in $PIDS; do
		kill -9 "$p" 2>/dev/null
	done
	for n in $NSES; do
		ip netns del "$n" 2>/dev/null
	done
	# Users this test made, last made first (members before the group).
	for u in $USERS_MADE; do
		userdel "$u" 2>/dev/null
		getent group "$u" >/dev/null && groupdel "$u" 2>/dev/null
	done
	# FRR's scratch directories (/var/tmp/frr/DAEMON.PID, fixed when FRR
	# is built) that only a clean exit removes: those of our daemons.
	for s in $FRR_SCRATCH; do
		rm -rf "/var/tmp/frr/$s"
	done
	if [ -n "${KEEP_TMP:-}" ]; then
		echo "kept $TMP"
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $*"
	for f in "$TMP"/*.log; do
		[ -f "$f" ] || continue
		echo "--- $(basename "$f") (last 20 lines)"
		tail -n 20 "$f"
	done
	exit 1
}

skip() {
	echo "SKIP: $*"
	exit 77
}

[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces"
ip netns add "${PFX}probe" 2>/dev/null || skip "cannot create namespaces"
ip netns del "${PFX}probe"
[ -x "$BGPD" ] || fail "no bgpd binary at $BGPD"

sys_user() {
	if ! id "$1" >/dev/null 2>&1; then
		useradd --system --user-group --no-create-home \
		    --shell /usr/sbin/nologin "$1" || fail "useradd $1"
		USERS_MADE="$1 $USERS_MADE"
		[ -z "${2:-}" ] || usermod -a -G "$2" "$1" ||
		    fail "usermod $1"
	elif [ -n "${2:-}" ]; then
		id -nG "$1" | tr ' ' '\n' | grep -qx "$2" ||
		    fail "user $1 exists and is not in group $2"
	fi
}

ns() {
	ip netns add "$PFX$1" || fail "ip netns add $PFX$1"
	NSES="$NSES $PFX$1"
	ip -n "$PFX$1" link set lo up
}

# The shared L2 segment: a bridge in its own namespace.
bridge() {
	[ -n "$BRIDGE_NS" ] && return
	ns sw
	BRIDGE_NS="${PFX}sw"
	ip -n "$BRIDGE_NS" link add br0 type bridge
	ip -n "$BRIDGE_NS" link set br0 up
}

link() {
	local n="$1" i=0 dev br="${BR:-br0}"
	shift
	bridge
	if ! ip -n "$BRIDGE_NS" link show "$br" >/dev/null 2>&1; then
		ip -n "$BRIDGE_NS" link add "$br" type bridge
		ip -n "$BRIDGE_NS" link set "$br" up
	fi
	while ip -n "$PFX$n" link show "eth$i" >/dev/null 2>&1; do
		i=$((i + 1))
	done
	dev="eth$i"
	ip link add "${IFX}h" type veth peer name "${IFX}p" ||
	    fail "veth for $n"
	ip link set "${IFX}h" netns "$PFX$n"
	ip -n "$PFX$n" link set "${IFX}h" name "$dev"
	ip link set "${IFX}p" netns "$BRIDGE_NS"
	ip -n "$BRIDGE_NS" link set "${IFX}p" name "$n$i" master "$br" up
	for a in "$@"; do
		case "$a" in
		*:*) ip -n "$PFX$n" addr add "$a" dev "$dev" nodad ;;
		*) ip -n "$PFX$n" addr add "$a" dev "$dev" ;;
		esac
	done
	ip -n "$PFX$n" link set "$dev" up
}

bg() {
	local n="$1"
	shift
	ip netns exec "$PFX$n" "$@" &
	LAST_PID=$!
	PIDS="$PIDS $!"
}

# try_for SECS CMD: poll CMD every 0.2 s; false if it never succeeds.
try_for() {
	local secs="$1" i=0
	shift
	while [ "$i" -lt $((secs * 5)) ]; do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}

wait_for() {
	local secs="$1" desc="$2"
	shift 2
	try_for "$secs" "$@" ||
	    fail "timed out after ${secs}s waiting for $desc"
}

bgpd_start() {
	local node="$1" cfg="$2"
	shift 2
	bg "$node" env ASAN_OPTIONS="log_path=$TMP/asan-$node" \
	    "$BGPD" --config "$cfg" --node "$node" \
	    --socket "$TMP/$node.sock" "$@" >"$TMP/bgpd-$node.log" 2>&1
	eval "BGPD_PID_$(echo "$node" | tr -c 'a-zA-Z0-9\n' _)=$!"
	wait_for 10 "bgpd on $node to answer" "$BGPC" status \
	    --socket "$TMP/$node.sock"
}

bgpctl() {
	local node="$1"
	shift
	"$BGPC" "$@" --socket "$TMP/$node.sock"
}

# Every session of NODE Established (python3 reads the JSON).
all_established() {
	bgpctl "$1" status --json | python3 -c '
import json, sys
peers = json.load(sys.stdin)["peers"]
want = int(sys.argv[1])
ok = len(peers) == want and all(p["bgp_state"] == "Established" for p in peers)
sys.exit(0 if ok else 1)' "$2"
}

# NODE's RIB has PREFIX (optionally with the given AS path).
has_route() {
	bgpctl "$1" routes --json | python3 -c '
import json, sys
want, path = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None
for r in json.load(sys.stdin)["routes"]:
    if r["prefix"] == want:
        best = r["paths"][0]
        sys.exit(0 if path is None or best["as_path"] == path else 1)
sys.exit(1)' "$2" ${3+"$3"}
}

no_route() {
	! has_route "$@"
}

# After a daemon exits: no ASan/LSan report may exist.
asan_clean() {
	for f in "$TMP"/asan-*; do
		[ -f "$f" ] || continue
		echo "--- $f"
		cat "$f"
		fail "sanitizer report from bgpd"
	done
}

stop_bgpd() {
	local var="BGPD_PID_$(echo "$1" | tr -c 'a-zA-Z0-9\n' _)" pid
	eval "pid=\$$var"
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null
}

# Print FIELD of the best path of PREFIX in NODE's RIB (JSON value).
route_field() {
	bgpctl "$1" routes --json | python3 -c '
import json, sys
for r in json.load(sys.stdin)["routes"]:
    if r["prefix"] == sys.argv[1]:
        print(json.dumps(r["paths"][0][sys.argv[2]]))
        sys.exit(0)
sys.exit(1)' "$2" "$3"
}

# Print FIELD (a.b for nested) of NODE's session to peer ADDR.
peer_field() {
	bgpctl "$1" status --json | python3 -c '
import json, sys
for p in json.load(sys.stdin)["peers"]:
    if p["peer_address"] == sys.argv[1]:
        v = p
        for k in sys.argv[2].split("."):
            v = v[k]
        print(json.dumps(v))
        sys.exit(0)
sys.exit(1)' "$2" "$3"
}

# A pod namespace NAME behind NODE, wired as Calico does: a veth whose
# host end is cali<NAME>, the pod's IP as a /32 on its eth0, a default
# route via 169.254.1.1 answered by proxy ARP, and on the node the /32
# route to the pod with protocol 80 (what Felix writes).
pod() {
	local node="$1" name="$2" ip="$3" host="cali$2"
	ns "$name"
	ip link add "${IFX}c" type veth peer name "${IFX}e" ||
	    fail "veth for pod $name"
	ip link set "${IFX}e" netns "$PFX$name"
	ip -n "$PFX$name" link set "${IFX}e" name eth0
	ip -n "$PFX$name" addr add "$ip/32" dev eth0
	ip -n "$PFX$name" link set eth0 up
	ip -n "$PFX$name" route add 169.254.1.1 dev eth0 scope link
	ip -n "$PFX$name" route add default via 169.254.1.1 dev eth0
	ip link set "${IFX}c" netns "$PFX$node"
	ip -n "$PFX$node" link set "${IFX}c" name "$host"
	ip -n "$PFX$node" link set "$host" up
	ip netns exec "$PFX$node" sysctl -qw net.ipv4.ip_forward=1 \
	    "net.ipv4.conf.$host.proxy_arp=1"
	# Proxy ARP answers for 169.254.1.1 only with a route to it
	# through another interface, as a real host's default route is.
	ip -n "$PFX$node" route replace 169.254.1.1 dev lo 2>/dev/null
	ip -n "$PFX$node" route add "$ip/32" dev "$host" proto 80 \
	    scope link
}

# NODE's kernel has PREFIX with our protocol (optionally: its
# `ip route` text contains PATTERN).
kroute() {
	local out
	out=$(ip -n "$PFX$1" $(fam "$2") route show "$2" proto 186) ||
	    return 1
	[ -n "$out" ] || return 1
	[ -z "${3:-}" ] || echo "$out" | grep -q -- "$3"
}

no_kroute() {
	[ -z "$(ip -n "$PFX$1" $(fam "$2") route show "$2" proto 186)" ]
}

fam() {	# -4 or -6 for an address or prefix
	case $1 in *:*) echo -6 ;; *) echo -4 ;; esac
}

# Ping from pod A to IP (one packet, 1 s).
pod_ping() {
	ip netns exec "$PFX$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1
}

# Calico resources, one YAML document each (leading "---"), for the
# configs tests write: y_bgpconf MESH AS; y_pool NAME CIDR [SPEC...];
# y_node NAME IPV4/LEN [LABELS] [BGP...]; y_block NAME CIDR NODE;
# y_peer NAME SPEC.  SPEC, LABELS and BGP are YAML flow-map members.
y_doc() {	# API KIND NAME
	printf -- '---\napiVersion: %s\nkind: %s\nmetadata: {name: %s}\n' \
	    "$1" "$2" "$3"
}
y_bgpconf() {
	y_doc projectcalico.org/v3 BGPConfiguration default
	echo "spec: {nodeToNodeMeshEnabled: $1, asNumber: $2}"
}
y_pool() {
	local name="$1" cidr="$2"
	shift 2
	y_doc projectcalico.org/v3 IPPool "$name"
	echo "spec: {cidr: $cidr${1:+, $*}}"
}
y_node() {
	local name="$1" ip="$2" labels="${3:-}"
	shift 2
	[ $# -gt 0 ] && shift
	printf -- '---\napiVersion: projectcalico.org/v3\nkind: Node\n'
	echo "metadata: {name: $name${labels:+, labels: {$labels\}}}"
	echo "spec: {bgp: {ipv4Address: $ip${1:+, $*}}}"
}
y_block() {
	y_doc crd.projectcalico.org/v1 IPAMBlock "$1"
	echo "spec: {cidr: $2, affinity: \"host:$3\"}"
}
y_peer() {
	y_doc projectcalico.org/v3 BGPPeer "$1"
	echo "spec: {$2}"
}

# FRR daemon NODE DAEMON: its vty socket, pid file and zapi socket live
# in $TMP/NODE, never in the system's /var/run/frr.  FRR drops to the frr
# user (root is not in its vty group), so that user may enter $TMP and
# owns $TMP/NODE and the log files.  The config is $TMP/NODE/DAEMON.conf.
frr_need() {
	[ -x "$FRR/bgpd" ] && [ -x "$FRR/zebra" ] &&
	    command -v vtysh >/dev/null || skip "frr not installed"
	id frr >/dev/null 2>&1 || skip "no frr user"
}
frr_start() {
	local d="$TMP/$1"
	chmod 711 "$TMP"
	mkdir -p "$d"
	touch "$TMP/frr-$1-$2.log"
	chown frr:frr "$d" "$TMP/frr-$1-$2.log"
	bg "$1" "$FRR/$2" -u frr -g frr -f "$d/$2.conf" \
	    --vty_socket "$d" -i "$d/$2.pid" -z "$d/zserv.api" \
	    >>"$TMP/frr-$1-$2.out" 2>&1
	eval "FRR_PID_$1_$2=\$LAST_PID"
	FRR_SCRATCH="$FRR_SCRATCH $2.$LAST_PID"
}
vty() {
	local n="$1"
	shift
	vtysh --vty_socket "$TMP/$n" -d bgpd "$@"
}
start_frr_bgpd() {
	frr_start "$1" bgpd
	wait_for 10 "bgpd of FRR $1" vty "$1" -c "show bgp summary"
}
# FRR's IPv6 sessions need a usable link-local address for the next hop
# (else FRR drops its first connection and the session comes up late).
ll_ready() {
	ip -n "$PFX$1" -6 addr show dev eth0 scope link -tentative |
	    grep -q inet6
}
