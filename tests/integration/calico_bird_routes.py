#!/usr/bin/env python3
"""calico-node's CalicoNodeStatus route reporting (the BirdRoutes
populator, node/pkg/status/populators/route.go, with the session name
rule of peers.go), applied to a BIRD control socket or to the output
birdcl printed for `show route`.

  calico_bird_routes.py --socket PATH [--family 4|6] [--command CMD]
  calico_bird_routes.py --table FILE [--family 4|6]

--socket speaks as calico-node does: "show route\\n" written before the
hello is read; 0001 lines skipped, 1007 lines and " " lines are routes,
0000 ends, any other line is an error (exit 2).  --table reads birdcl's
printed lines (no codes) through the same route parser.  Every route
line goes through the same four regular expressions (via, dev,
blackhole, unreachable), the "] *" test for the primary route and the
conversion to a CalicoNodeRoute: type FIB or RIB, destination, gateway
("N/A" unless via), interface ("blackhole"/"unreachable" for those),
learnedFrom {sourceType Kernel|Static|Direct|NodeMesh|BGPPeer, peerIP}.
A protocol name that is none of kernel*, static*, direct* and not a
Calico session name (Global_|Node_|Mesh_) fails the whole reading, as
in calico-node.  Prints the routes as a JSON list, exits 0.
"""
import json
import re
import socket
import sys

# route.go, the four expressions as calico-node compiles them.
VIA = re.compile(r"(?P<dest>\S*)\s*via\s(?P<gateway>\S*)\s*on\s"
                 r"(?P<iface>.*)\s\[(?P<from>\S*)\s.*\].*")
DEV = re.compile(r"(?P<dest>\S*)\s*dev\s(?P<iface>.*)\s\[(?P<from>\S*)\s.*\].*")
BLACKHOLE = re.compile(r"(?P<dest>\S*)\s*blackhole\s\[(?P<from>\S*)\s.*\].*")
UNREACHABLE = re.compile(
    r"(?P<dest>\S*)\s*unreachable\s\[(?P<from>\S*)\s.*\].*")
# peers.go
PEER = re.compile(r"^(Global|Node|Mesh)_(.+)$")


class Bad(Exception):
    pass


def unmarshal(line, previous):
    """route.unmarshalBIRD: a dict, or None where calico-node logs a
    parse failure and drops the line; and the destination to carry."""
    r = {"dest": "", "gateway": "", "iface": "", "from": ""}
    if " via " in line:
        m = VIA.search(line)
        if not m:
            return None, ""
        r.update(dest=m["dest"], gateway=m["gateway"], iface=m["iface"],
                 **{"from": m["from"]})
    elif " dev " in line:
        m = DEV.search(line)
        if not m:
            return None, ""
        r.update(dest=m["dest"], gateway="N/A", iface=m["iface"],
                 **{"from": m["from"]})
    elif " blackhole " in line:
        m = BLACKHOLE.search(line)
        if not m:
            return None, ""
        r.update(dest=m["dest"], gateway="N/A", iface="blackhole",
                 **{"from": m["from"]})
    elif " unreachable " in line:
        m = UNREACHABLE.search(line)
        if not m:
            return None, ""
        r.update(dest=m["dest"], gateway="N/A", iface="unreachable",
                 **{"from": m["from"]})
    if not r["dest"]:
        if not previous:
            return None, ""
        r["dest"] = previous
    r["primary"] = "] *" in line
    return r, r["dest"]


def to_api(r, sep):
    """route.toNodeStatusAPI."""
    lf = {}
    src = r["from"]
    if src.startswith("kernel"):
        lf["sourceType"] = "Kernel"
    elif src.startswith("static"):
        lf["sourceType"] = "Static"
    elif src.startswith("direct"):
        lf["sourceType"] = "Direct"
    else:
        m = PEER.match(src)
        if not m:
            raise Bad("session name %r is not a correct format" % src)
        lf["sourceType"] = "NodeMesh" if m.group(1) == "Mesh" else "BGPPeer"
        lf["peerIP"] = m.group(2).replace("_", sep)
    return {"type": "FIB" if r["primary"] else "RIB",
            "destination": r["dest"], "gateway": r["gateway"],
            "interface": r["iface"], "learnedFrom": lf}


def lines(sock):
    buf = b""
    while True:
        while b"\n" not in buf:
            b = sock.recv(65536)
            if not b:
                raise Bad("connection closed mid-reply")
            buf += b
        line, buf = buf.split(b"\n", 1)
        yield line.decode()


def socket_routes(path, command):
    """scanBIRDRoutes over the socket."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(path)
    s.sendall(command.encode() + b"\n")
    out, prev = [], ""
    for line in lines(s):
        if line.startswith("0000"):
            break
        if line.startswith("0001"):
            continue
        if line.startswith("1007"):
            text = line[5:]
        elif line.startswith(" "):
            text = line[1:]
        else:
            raise Bad("unexpected output line from BIRD: %s" % line)
        # calico-node keeps what a failed line returns: no destination.
        r, prev = unmarshal(text, prev)
        if r is not None:
            out.append(r)
    s.close()
    return out


def table_routes(path):
    out, prev = [], ""
    with open(path) as f:
        for line in f.read().splitlines():
            if line.startswith("BIRD ") and line.endswith(" ready."):
                continue
            r, prev = unmarshal(line, prev)
            if r is not None:
                out.append(r)
    return out


def main(argv):
    sep = ":" if "--family" in argv and \
        argv[argv.index("--family") + 1] == "6" else "."
    try:
        if "--socket" in argv:
            cmd = argv[argv.index("--command") + 1] \
                if "--command" in argv else "show route"
            routes = socket_routes(argv[argv.index("--socket") + 1], cmd)
        else:
            routes = table_routes(argv[argv.index("--table") + 1])
        api = [to_api(r, sep) for r in routes]
    except (Bad, OSError) as e:
        print("error: %s" % e)
        return 2
    json.dump(api, sys.stdout, indent=0)
    print()
    return 0


sys.exit(main(sys.argv[1:]))
