#!/bin/sh
# The image of `make image` run with podman in a lab namespace, as
# calico/node's BGP part: the namespace's network as its host network, only
# CAP_NET_ADMIN and CAP_NET_BIND_SERVICE, NODENAME and the config from
# the environment and a volume.  It must peer with BIRD 2, install BIRD's
# route into the namespace's kernel, answer birdcl on the BIRD socket and
# run as a process named "bird" (for calicoctl).  Podman here needs runc
# and explicit ulimits (README, Development).
#   sh tests/image/t_image.sh build/image/bgpd-oci.tar
. "$(dirname "$0")/../integration/lib.sh"
IMG=${1:-$TOP/build/image/bgpd-oci.tar}
command -v podman >/dev/null || skip "podman not installed"
[ -f "$IMG" ] || fail "no image at $IMG (make image)"
P="podman --root $TMP/store --runroot $TMP/run --cgroup-manager cgroupfs
    --events-backend file"
TAG=localhost/bgpd:$("$BGPD" --version | sed 's/^bgpd //')

mkdir -p "$TMP/cfg" "$TMP/calico" "$TMP/bgpdrun"
{
	y_bgpconf false 64512
	y_node node 198.51.100.1/24
	y_pool v4 100.64.0.0/16
	y_pool remote 100.65.0.0/16
	y_block b1 100.64.0.0/26 node
	y_peer bird 'peerIP: 198.51.100.2, asNumber: 65010'
} >"$TMP/cfg/cluster.yaml"
cat >"$TMP/bird.conf" <<BIRD
router id 198.51.100.2;
log "$TMP/bird.log" all;
protocol device {}
protocol static s4 { ipv4; route 100.65.0.0/24 blackhole; }
protocol bgp b {
	local 198.51.100.2 as 65010;
	neighbor 198.51.100.1 as 64512;
	ipv4 { import all; export all; };
}
BIRD
ns node
ns bird
link node 198.51.100.1/24
link bird 198.51.100.2/24
bg bird bird -f -c "$TMP/bird.conf" -s "$TMP/bird.ctl" >"$TMP/bird.out" 2>&1

$P load -i "$IMG" >"$TMP/load.log" 2>&1 || fail "podman load: $(cat "$TMP/load.log")"
# The node's network is the container's host network: podman joins the
# lab namespace from outside (`ip netns exec` would hide the cgroup
# mounts runc needs).
$P run --rm --name "${PFX}bgpd" --network "ns:/run/netns/${PFX}node" \
    --runtime runc \
    --ulimit nofile=4096:4096 --ulimit nproc=4096:4096 \
    --cap-drop all --cap-add NET_ADMIN --cap-add NET_BIND_SERVICE \
    -e NODENAME=node -e CALICO_ROUTER_ID=198.51.100.1 \
    -v "$TMP/cfg:/etc/calico/bgpd:ro" -v "$TMP/calico:/var/run/calico" \
    -v "$TMP/bgpdrun:/run/bgpd" "$TAG" >"$TMP/bgpd-container.log" 2>&1 &
CPID=$!
PIDS="$PIDS $CPID"
S=$TMP/bgpdrun/bgpd.sock
established() {
	kill -0 "$CPID" 2>/dev/null ||
	    fail "the container exited: $(tail -5 "$TMP/bgpd-container.log")"
	"$BGPD" status --json --socket "$S" | python3 -c '
import json, sys
p = json.load(sys.stdin)["peers"]
sys.exit(0 if len(p) == 1 and p[0]["bgp_state"] == "Established" else 1)'; }
wait_for 120 "the container's session with BIRD" established
wait_for 10 "BIRD's route in the node's kernel" kroute node 100.65.0.0/24 \
    "via 198.51.100.2"
birdc -s "$TMP/bird.ctl" show route 100.64.0.0/26 | grep -q 100.64.0.0/26 ||
    fail "BIRD did not get the node's block"
if command -v birdcl >/dev/null; then
	birdcl -s "$TMP/calico/bird.ctl" show protocols | grep -q \
	    '^Global_198_51_100_2 BGP      master   up .*Established' ||
	    fail "birdcl on the image's bird.ctl"
fi
pid=$($P inspect --format '{{.State.Pid}}' "${PFX}bgpd")
[ "$(tr '\0' ' ' <"/proc/$pid/cmdline" | cut -d' ' -f1)" = bird ] ||
    fail "the BGP process is not named bird: $(tr '\0' ' ' \
    <"/proc/$pid/cmdline")"
grep -q CapEff "/proc/$pid/status"
caps=$(sed -n 's/^CapEff:[[:space:]]*//p' "/proc/$pid/status")
[ "$caps" = 0000000000001400 ] || fail "capabilities $caps, expected \
NET_ADMIN and NET_BIND_SERVICE only"
$P stop -t 10 "${PFX}bgpd" >/dev/null 2>&1
wait "$CPID" 2>/dev/null
kroute node 100.65.0.0/24 || fail "routes gone when the container stopped"
grep -q 'shutting down' "$TMP/bgpd-container.log" ||
    fail "no clean shutdown: $(tail -5 "$TMP/bgpd-container.log")"
$P rmi -a >/dev/null 2>&1
echo "PASS: image"
