#!/bin/sh
# `show route` on bgpd's BIRD sockets, read as calico-node's
# CalicoNodeStatus reporter reads it (calico_bird_routes.py follows
# node/pkg/status/populators/route.go) over the raw socket and over the
# real birdcl's output: every route bgpd has appears with the right
# type (FIB/RIB), destination, gateway, interface and source (mesh peer,
# BGP peer with its address, static, kernel, direct), a table of 20,000
# routes from one peer comes out whole (also to a client that reads
# slowly while bgpd keeps answering), and the other `show route` forms
# and errors answer as BIRD 1.6's.
. "$(dirname "$0")/lib.sh"
command -v bird >/dev/null || skip "bird2 not installed"
command -v birdcl >/dev/null || skip "birdcl not installed"
ROUTES="python3 $(dirname "$0")/calico_bird_routes.py"
N=${N:-20000}

{
	y_doc projectcalico.org/v3 BGPConfiguration default
	echo "spec: {nodeToNodeMeshEnabled: true, asNumber: 64512,"
	echo "  serviceClusterIPs: [{cidr: 100.64.200.0/24}]}"
	y_node node 198.51.100.1/24 "" 'ipv6Address: "2001:db8:100::1/64"'
	y_node other 198.51.100.2/24 "" 'ipv6Address: "2001:db8:100::2/64"'
	y_pool v4 100.64.0.0/18
	y_block b1 100.64.0.0/26 node
	y_block b2 100.64.1.0/26 other
	y_peer tor 'peerIP: 198.51.100.3, asNumber: 65010'
	y_peer far 'node: node, peerIP: 198.51.100.9, asNumber: 65011,
	    reachableBy: 198.51.100.3'
} >"$TMP/cluster.yaml"

# "other", a Calico node (iBGP, the mesh): its block, routes with a
# third-party, an unresolvable and a recursive next hop, one prefix the
# ToR has too; and its IPv6 block.
cat >"$TMP/other.conf" <<BIRD
router id 198.51.100.2;
log "$TMP/other.log" all;
protocol device {}
protocol static { ipv4; route 100.64.1.0/26 blackhole;
	route 100.65.0.0/24 blackhole; route 100.65.1.0/24 blackhole;
	route 100.65.2.0/24 blackhole; route 100.70.0.0/24 blackhole; }
protocol static { ipv6; route 2001:db8:1000:1::/64 blackhole; }
protocol bgp mesh {
	local 198.51.100.2 as 64512;
	neighbor 198.51.100.1 as 64512;
	ipv4 { import all; export filter {
		if net = 100.65.0.0/24 then bgp_next_hop = 198.51.100.3;
		if net = 100.65.1.0/24 then bgp_next_hop = 192.0.2.9;
		if net = 100.65.2.0/24 then bgp_next_hop = 203.0.113.9;
		accept; }; };
}
protocol bgp mesh6 {
	local 2001:db8:100::2 as 64512;
	neighbor 2001:db8:100::1 as 64512;
	ipv6 { import all; export all; };
}
BIRD
# The ToR (eBGP): N /28s, and 100.70.0.0/24 from further away.
{
	cat <<BIRD
router id 198.51.100.3;
log "$TMP/tor.log" all;
protocol device {}
protocol bgp tor {
	local 198.51.100.3 as 65010;
	neighbor 198.51.100.1 as 64512;
	ipv4 { import all; export filter {
		if net = 100.70.0.0/24 then bgp_path.prepend(65020);
		accept; }; };
}
protocol static { ipv4; route 100.70.0.0/24 blackhole;
BIRD
	awk -v n=$N 'BEGIN { for (i = 0; i < n; i++) {
	    a = 16 * 65536 + i * 16
	    printf "route 100.%d.%d.%d/28 blackhole;\n",
	    64 + int(a / 65536), int(a / 256) % 256, a % 256 } }'
	echo "}"
} >"$TMP/tor.conf"

ns node
ns other
ns tor
link node 198.51.100.1/24 2001:db8:100::1/64
link other 198.51.100.2/24 2001:db8:100::2/64
link tor 198.51.100.3/24
S4="$TMP/run/bird.ctl"
S6="$TMP/run/bird6.ctl"
# The host's own routes: a pod in this node's block (not announced), a
# borrowed pod IP (announced), another protocol's route with a gateway.
pod node p1 100.64.0.5
pod node p2 100.64.2.7
ip -n "${PFX}node" route add 203.0.113.0/24 via 198.51.100.3 proto static

bgpd_start node "$TMP/cluster.yaml" --bird-socket "$S4" \
    --bird6-socket "$S6"
for b in other tor; do
	bg $b bird -f -c "$TMP/$b.conf" -s "$TMP/$b.ctl" >"$TMP/$b.out" 2>&1
done
up_count() {	# sessions Established, and prefixes in the RIB
	bgpctl node status --json | python3 -c '
import json, sys
st = json.load(sys.stdin)
up = sum(p["bgp_state"] == "Established" for p in st["peers"])
print(up, st.get("routes", 0))'
}
# v4: N + 5 learned, 3 of ours (block, service range, borrowed); v6: 1
loaded() { [ "$(up_count)" = "3 $((N + 9))" ]; }
try_for 30 loaded || fail "sessions up, prefixes: $(up_count)"
wait_for 20 "the ToR's routes in the kernel" kroute node 100.70.0.0/24

# The listing, raw and through birdcl, parsed as calico-node does.
$ROUTES --socket "$S4" >"$TMP/raw.json" || fail "raw: $(cat "$TMP/raw.json")"
birdcl -s "$S4" show route >"$TMP/birdcl.txt" || fail "birdcl show route"
$ROUTES --table "$TMP/birdcl.txt" >"$TMP/birdcl.json" ||
    fail "birdcl: $(cat "$TMP/birdcl.json")"
$ROUTES --socket "$S6" --family 6 >"$TMP/raw6.json" ||
    fail "raw6: $(cat "$TMP/raw6.json")"
bgpctl node routes --json >"$TMP/rib.json"
python3 - "$TMP" $N <<'PY' || fail "routes as calico-node reads them"
import json, sys
tmp, n = sys.argv[1], int(sys.argv[2])
raw = json.load(open(tmp + "/raw.json"))
assert raw == json.load(open(tmp + "/birdcl.json")), "birdcl differs"
raw6 = json.load(open(tmp + "/raw6.json"))
rib = json.load(open(tmp + "/rib.json"))["routes"]

def key(r):
    return (r["destination"], r["type"], r["gateway"], r["interface"],
            r["learnedFrom"]["sourceType"], r["learnedFrom"].get("peerIP"))
got = {}
for r in raw:
    got.setdefault(key(r), 0)
    got[key(r)] += 1
dups = [k for k, c in got.items() if c > 1]
assert not dups, "listed twice: %s" % dups[:5]
assert all(":" not in r["destination"] for r in raw), "IPv6 on bird.ctl"
assert all(":" in r["destination"] for r in raw6), "IPv4 on bird6.ctl"
# Nets BIRD ignores as bogus: loopback, link-local.
bogus = [r for r in raw + raw6 if r["destination"].split("/")[0] in
         ("127.0.0.0", "::1", "fe80::")]
assert not bogus, bogus

# Every BGP path bgpd holds, with the best one the FIB route (no static
# route shares these prefixes here).
gw = {"100.65.0.0/24": "198.51.100.3", "100.65.2.0/24": "198.51.100.3"}
want = set()
for e in rib:
    if ":" in e["prefix"]:
        continue
    for k, p in enumerate(e["paths"]):
        if p["peer"] == "local":
            continue
        typ = "Mesh" if p["peer"].startswith("Mesh_") else "BGPPeer"
        src = "NodeMesh" if typ == "Mesh" else "BGPPeer"
        if e["prefix"] == "100.65.1.0/24":
            hop = ("N/A", "unreachable")
        else:
            hop = (gw.get(e["prefix"], p["next_hop"]), "eth0")
        want.add((e["prefix"], "FIB" if k == 0 else "RIB") + hop +
                 (src, p["peer_address"]))
bgp = {k for k in got if k[4] in ("NodeMesh", "BGPPeer")}
assert bgp == want, "missing %s, extra %s" % (
    sorted(want - bgp)[:5], sorted(bgp - want)[:5])
tor = [k for k in bgp if k[5] == "198.51.100.3"]
assert len(tor) == n + 1, "%d routes from the ToR" % len(tor)
assert ("100.64.1.0/26", "FIB", "198.51.100.2", "eth0", "NodeMesh",
        "198.51.100.2") in bgp
both = sorted(k[1] for k in bgp if k[0] == "100.70.0.0/24")
assert both == ["FIB", "RIB"], both

# What Calico's static protocol and BIRD's kernel and direct
# protocols hold on this node.
for k in [("100.64.0.0/26", "FIB", "N/A", "blackhole", "Static", None),
          ("100.64.200.0/24", "FIB", "N/A", "blackhole", "Static", None),
          ("198.51.100.9/32", "FIB", "198.51.100.3", "eth0", "Static", None),
          ("100.64.0.5/32", "FIB", "N/A", "calip1", "Kernel", None),
          ("100.64.2.7/32", "FIB", "N/A", "calip2", "Kernel", None),
          ("203.0.113.0/24", "FIB", "198.51.100.3", "eth0", "Kernel", None),
          ("198.51.100.0/24", "FIB", "N/A", "eth0", "Direct", None)]:
    assert k in got, "no %s in %s" % (k, [x for x in got
                                          if x[0] == k[0]])
assert ("2001:db8:1000:1::/64", "FIB", "2001:db8:100::2", "eth0",
        "NodeMesh", "2001:db8:100::2") in {key(r) for r in raw6}, raw6
PY

# The lines themselves: BIRD 1.6's columns, info and attributes.
L=$(grep '^100.65.0.0/24 ' "$TMP/birdcl.txt")
echo "$L" | grep -Eq '^100\.65\.0\.0/24      via 198\.51\.100\.3 on eth0 \[Mesh_198_51_100_2 [0-9:]{8} from 198\.51\.100\.2\] \* \(100/0\) \[i\]$' ||
    fail "third-party next hop: '$L'"
L=$(grep '^100.65.2.0/24 ' "$TMP/birdcl.txt")
echo "$L" | grep -q ' \* (100/?) \[i\]$' || fail "recursive: '$L'"
L=$(grep '^100.65.1.0/24 ' "$TMP/birdcl.txt")
echo "$L" | grep -Eq 'unreachable \[Mesh_198_51_100_2 [0-9:]{8} from 198\.51\.100\.2\] \* \(100/-\) \[i\]$' ||
    fail "unreachable: '$L'"
grep -A1 '^100.70.0.0/24 ' "$TMP/birdcl.txt" >"$TMP/two"
grep -q 'via 198.51.100.3 on eth0 \[Global_198_51_100_3 [0-9:]*\] (100/0) \[AS65020i\]$' \
    "$TMP/two" || fail "the ToR's second path: $(cat "$TMP/two")"
grep -q '^100.64.0.0/26      blackhole \[static1 [0-9:]*\] \* (200)$' \
    "$TMP/birdcl.txt" || fail "block blackhole"
birdcl -s "$S4" show route for 100.70.0.9 all >"$TMP/all"
for pat in '^100.70.0.0/24      via ' '^	Type: BGP unicast univ$' \
    '^	BGP.origin: IGP$' '^	BGP.as_path: 65010 65020$' \
    '^	BGP.next_hop: 198.51.100.3$' '^	BGP.local_pref: 100$'; do
	grep -q "$pat" "$TMP/all" || fail "show route all: '$pat' in
$(cat "$TMP/all")"
done

# Other forms and errors, on the raw socket.
python3 - "$S4" $N <<'PY' || fail "show route forms"
import re, socket, sys
path, n = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(path)
f = s.makefile("r")
assert f.readline().startswith("0001 BIRD v")
def ask(cmd):
    """The reply's lines up to its last one (code and ' ')."""
    s.sendall(cmd.encode() + b"\n")
    out = []
    while not out or not re.match(r"^\d{4} ", out[-1]):
        out.append(f.readline().rstrip("\n"))
    return "\n".join(out)
# Routes of the ToR: its N and 100.70.0.0/24; all: the N + 13 nets
# of bird.ctl and their routes (100.70.0.0/24 has two; 127.0.0.0/8 on
# lo is not one: BIRD ignores loopback nets).
assert ask("show route protocol Global_198_51_100_3 count") == \
    "0014 %d of %d routes for %d networks" % (n + 1, n + 14, n + 13)
out = ask("show route protocol Global_198_51_100_3 stats").split("\n")
assert len(out) == n + 2 and out[-1].startswith("0014 "), out[-3:]
out = ask("show route 100.70.0.0/24 primary").split("\n")
assert len(out) == 2 and out[0].startswith(
    "1007-100.70.0.0/24      via 198.51.100.2 on eth0 [Mesh_"), out
assert out[1] == "0000 ", out
out = ask("show route for 100.64.0.5 protocol kernel1").split("\n")
assert re.match(r"^1007-100\.64\.0\.5/32      dev calip1 \[kernel1 "
                r"[0-9:]{8}\] \* \(10\)$", out[0]), out
out = ask("show route for 100.80.0.9 all").split("\n")
assert out[0].startswith("1007-100.80.0.0/28 "), out
assert out[1] == "1008-\tType: BGP unicast univ", out
assert out[2] == "1012-\tBGP.origin: IGP", out
assert out[3] == " \tBGP.as_path: 65010", out
assert out[-1] == "0000 ", out
assert ask("show route 100.80.0.0/28 protocol Mesh_198_51_100_2") == "0000 "
assert ask("show route 10.9.9.0/24") == "8001 Network not in table"
assert ask("show route for 10.9.9.9") == "8001 Network not in table"
assert ask("show route protocol nosuch") == "9001 nosuch is not a protocol"
assert ask("show route protocol Mesh_2001_db8_100__2") == \
    "9001 Mesh_2001_db8_100__2 is not a protocol"
assert ask("show route table t2") == "9001 t2 is not a table"
assert ask("show route 100.64.0.1/24") == "9001 Invalid prefix"
assert ask("show route filter all") == "9001 syntax error"
assert ask("show route export Mesh_198_51_100_2") == "9001 syntax error"
assert ask("show route 2001:db8::/32") == "9001 syntax error"
assert ask("show route for 100.64.0.1 for 100.64.0.2") == \
    "9001 Only one prefix expected"
assert ask("show route filtered") == "0000 "
out = ask("show route table master protocol static1").split("\n")
assert sorted(l.split()[0].split("-")[-1] for l in out
              if l.startswith("1007-") or l[:1] == " " and l[1:2] != " ") \
    == ["100.64.0.0/26", "100.64.200.0/24", "198.51.100.9/32"], out
assert out[-1] == "0000 ", out
PY

# A reader that asks for the table and then reads slowly: bgpd answers
# others meanwhile, and the listing comes out whole.
python3 - "$S4" "$BGPD" "$TMP/node.sock" $N <<'PY' || fail "slow reader"
import socket, subprocess, sys, time
path, bgpd, ctl, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(path)
s.sendall(b"show route\n")
data = s.recv(4096)
for _ in range(3):
    time.sleep(0.3)
    r = subprocess.run([bgpd, "status", "--socket", ctl],
                       stdout=subprocess.DEVNULL, timeout=5)
    assert r.returncode == 0, "bgpd status failed during a listing"
    data += s.recv(4096)
while not data.endswith(b"\n0000 \n"):
    b = s.recv(65536)
    assert b, "closed mid-listing"
    data += b
lines = data.decode().splitlines()
assert lines[0].startswith("0001 "), lines[0]
routes = lines[1:-1]
bad = [l for l in routes if not (l.startswith("1007-") or l.startswith(" "))]
assert not bad, bad[:3]
assert sum("[Global_198_51_100_3 " in l for l in routes) == n + 1
PY
stop_bgpd node
asan_clean
echo "PASS: show route on the BIRD sockets"
