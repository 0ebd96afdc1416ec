#!/usr/bin/env python3
"""bench/scale.py: configs and figures for the scale runs (bench/scale.sh).

  scale.py conf bgpd|bird-s2 MODE N BLOCKS DIR
      write the cluster's configs into DIR: for bgpd one Calico YAML
      (DIR/conf/cluster.yaml: a folder of its own, since bgpd watches
      the folder of its config and every node's logs, sockets and
      status files are created in DIR) that every node loads with
      --node n<i>; for
      BIRD one bird-n<i>.conf per node, as confd renders it for
      calico/node (CALICO.md 4.6).  MODE is mesh (a full mesh of N
      nodes) or rr (node 0 a route reflector, nodes 1..N-1 its clients,
      no mesh).
  scale.py addr I       node I's address
  scale.py figures bgpd|bird-s2 MODE DIR N BLOCKS T_FIRST T_LAST
      read DIR/o<i>.jsonl (one observer per node) and DIR/status-n<i>
      (the node's CLI: `bgpd status --json`, `birdc show protocols all`)
      and print the run's figures as "key value" pairs for
      bench/run.sh's emit, then a "reason" line for anything that makes
      the run invalid.

Every node speaks IPv6 from 2001:db8:100::/64 (the IPv4 documentation
range has 254 addresses, fewer than the runs' nodes); node i announces
BLOCKS /122 blocks 2001:db8:1000:<i>:<b>::/122 from the pool
2001:db8:1000::/48, as Calico's IPv6 IPAM does.
"""
import hashlib
import ipaddress
import json
import os
import statistics
import sys

AS = 64512
POOL = "2001:db8:1000::/48"
CLUSTER_ID = "244.0.0.1"


def addr(i):
    return "2001:db8:100::%x" % (i + 1)


def block(i, b):
    return "2001:db8:1000:%x:%x::/122" % (i, b)


def router_id(name):
    # CALICO_ROUTER_ID=hash (CALICO.md 4.6): what a node without an
    # IPv4 address gets, from bgpd and from calico/node alike.
    h = bytearray(hashlib.sha256(name.encode()).digest()[:4])
    if h[0] > 223:
        h[0] -= 32
    return "%d.%d.%d.%d" % tuple(h)


def peers_of(mode, n, i):
    if mode == "mesh":
        return [j for j in range(n) if j != i]
    return list(range(1, n)) if i == 0 else [0]


def conf_bgpd(mode, n, blocks, out):
    w = out.write
    w("---\napiVersion: projectcalico.org/v3\nkind: BGPConfiguration\n"
      "metadata: {name: default}\n"
      "spec: {nodeToNodeMeshEnabled: %s, asNumber: %d}\n"
      % ("true" if mode == "mesh" else "false", AS))
    w("---\napiVersion: projectcalico.org/v3\nkind: IPPool\n"
      "metadata: {name: bench}\n"
      "spec: {cidr: \"%s\", ipipMode: Never, vxlanMode: Never}\n" % POOL)
    if mode == "rr":
        w("---\napiVersion: projectcalico.org/v3\nkind: BGPPeer\n"
          "metadata: {name: peer-with-route-reflectors}\n"
          "spec: {nodeSelector: all(), "
          "peerSelector: \"route-reflector == 'true'\"}\n")
    for i in range(n):
        rr = mode == "rr" and i == 0
        w("---\napiVersion: projectcalico.org/v3\nkind: Node\n")
        w("metadata: {name: n%d%s}\n" % (
            i, ", labels: {route-reflector: \"true\"}" if rr else ""))
        w("spec: {bgp: {ipv6Address: \"%s/64\"%s}}\n" % (
            addr(i), ", routeReflectorClusterID: " + CLUSTER_ID
            if rr else ""))
    for i in range(n):
        for b in range(blocks):
            w("---\napiVersion: crd.projectcalico.org/v1\n"
              "kind: IPAMBlock\nmetadata: {name: b%d-%d}\n"
              "spec: {cidr: \"%s\", affinity: \"host:n%d\"}\n"
              % (i, b, block(i, b), i))


BIRD_HEAD = """\
# BIRD 2 as confd renders bird.cfg/bird6.cfg for calico/node (CALICO.md
# 4.6), IPv6: node n%(i)d of a %(mode)s of %(n)d.
router id %(rid)s;
log "%(dir)s/bird-n%(i)d.log" { warning, error, fatal, bug };
protocol device { scan time 2; }
protocol direct { ipv6; interface -"cali*", -"kube-ipvs*", "*"; }
protocol kernel k6 {
	learn;
	persist;
	scan time 2;
	graceful restart;
	merge paths on;
	ipv6 { import all; export all; };
}
protocol static s6 {
	ipv6;
%(statics)s}
filter calico_export_to_bgp_peers {
	if net ~ [ %(pool)s{48,128} ] then accept;
	reject;
}
template bgp bgp_template {
	description "Connection to BGP peer";
	local as %(as)d;
	graceful restart;
	connect delay time 2;
	connect retry time 5;
	error wait time 5,30;
	ipv6 {
		import all;
		export filter calico_export_to_bgp_peers;
		gateway recursive;
		add paths on;
	};
}
"""

BIRD_PEER = """\
protocol bgp %(name)s from bgp_template {
	neighbor %(ip)s as %(as)d;
	source address %(self)s;
%(extra)s}
"""


def conf_bird(mode, n, blocks, d):
    for i in range(n):
        statics = "".join("\troute %s blackhole;\n" % block(i, b)
                          for b in range(blocks))
        parts = [BIRD_HEAD % {
            "i": i, "n": n, "mode": "full mesh" if mode == "mesh" else
            "route reflector cluster", "rid": router_id("n%d" % i),
            "dir": d, "statics": statics, "pool": POOL, "as": AS}]
        for j in peers_of(mode, n, i):
            ip = addr(j)
            extra = ""
            # confd: mesh sessions are passive toward a node whose
            # address is the greater as text (a template's string
            # compare); the reflector's sessions are not (node peers)
            if mode == "mesh" and ip > addr(i):
                extra += "\tpassive on;\n"
            if mode == "rr" and i == 0:
                extra += "\trr client;\n\trr cluster id %s;\n" % CLUSTER_ID
            name = ("Mesh_" if mode == "mesh" else "Node_") + \
                ip.replace(":", "_")
            parts.append(BIRD_PEER % {"name": name, "ip": ip, "as": AS,
                                      "self": addr(i), "extra": extra})
        with open(os.path.join(d, "bird-n%d.conf" % i), "w") as f:
            f.write("".join(parts))


def events(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    except OSError:
        pass
    return out


def owner(dst):
    """(node, block) of a route in the benchmark pool, or None."""
    net = ipaddress.ip_network(dst, strict=False)
    words = net.network_address.exploded.split(":")
    return int(words[3], 16), int(words[4], 16)


def sessions(kind, path):
    """(established, went down) sessions in a node's CLI output"""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return 0, 0
    if kind == "bgpd":
        try:
            p = json.loads(text)["peers"]
        except (ValueError, KeyError):
            return 0, 0
        return (sum(1 for x in p if x["bgp_state"] == "Established"),
                sum(x.get("flaps", 0) for x in p))
    # BIRD: a session that went down keeps its "Last error"
    return text.count("BGP state:          Established"), \
        text.count("Last error:")


def figures(kind, mode, d, n, blocks, t_first, t_last):
    want = n * blocks
    reached, bad, overruns = [], [], 0
    checked = up = flaps = 0
    for i in range(n):
        est, down = sessions(kind, os.path.join(d, "status-n%d" % i))
        flaps += down
        if est == len(peers_of(mode, n, i)):
            up += 1
    if up != n:
        bad.append("%d nodes without all their sessions Established" %
                   (n - up))
    if flaps:
        bad.append("%d sessions went down" % flaps)
    for i in range(n):
        ev = events(os.path.join(d, "o%d.jsonl" % i))
        r = [e for e in ev if e.get("event") == "reached"]
        fin = [e for e in ev if e.get("event") == "final"]
        if not r:
            bad.append("n%d never held all %d blocks" % (i, want))
            continue
        reached.append(r[0]["t"])
        if not fin:
            bad.append("n%d: no final event" % i)
            continue
        f = fin[-1]
        overruns += f.get("overruns", 0)
        if f.get("dump_count") != want:
            bad.append("n%d: %s routes at the end, expected %d" % (
                i, f.get("dump_count"), want))
        # the sample: a remote block via its node, our own a blackhole
        for s in f.get("sample", []):
            j, _b = owner(s["dst"])
            checked += 1
            if j == i:
                if s.get("type") != "blackhole":
                    bad.append("n%d: own block %s is %s" % (
                        i, s["dst"], s.get("type")))
            elif s.get("gateway") != addr(j):
                bad.append("n%d: %s via %s, expected %s" % (
                    i, s["dst"], s.get("gateway"), addr(j)))
    if overruns:
        bad.append("netlink overruns in the observers (%d)" % overruns)
    if checked == 0:
        bad.append("no sampled routes")
    if reached:
        last = max(reached)
        print("secs %.6f" % (last - t_first))
        print("after_last_start %.6f" % (last - t_last))
        print("median_node %.6f" % (statistics.median(reached) - t_first))
        print("first_node %.6f" % (min(reached) - t_first))
    print("start_spread %.6f" % (t_last - t_first))
    print("nodes_reached %d" % len(reached))
    print("sampled %d" % checked)
    print("nodes_up %d" % up)
    if bad:
        more = " (+%d more)" % (len(bad) - 3) if len(bad) > 3 else ""
        print("reason " + "; ".join(bad[:3]) + more)


def main(argv):
    if len(argv) == 7 and argv[1] == "conf":
        kind, mode, n, blocks, d = argv[2], argv[3], int(argv[4]), \
            int(argv[5]), argv[6]
        if mode not in ("mesh", "rr"):
            raise SystemExit("mode: mesh or rr")
        if kind == "bgpd":
            os.makedirs(os.path.join(d, "conf"), exist_ok=True)
            with open(os.path.join(d, "conf", "cluster.yaml"), "w") as f:
                conf_bgpd(mode, n, blocks, f)
        elif kind == "bird-s2":
            conf_bird(mode, n, blocks, d)
        else:
            raise SystemExit("kind: bgpd or bird-s2")
    elif len(argv) == 3 and argv[1] == "addr":
        print(addr(int(argv[2])))
    elif len(argv) == 9 and argv[1] == "figures":
        figures(argv[2], argv[3], argv[4], int(argv[5]), int(argv[6]),
                float(argv[7]), float(argv[8]))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
