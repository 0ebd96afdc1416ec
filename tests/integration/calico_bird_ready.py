#!/usr/bin/env python3
"""calico-node's -bird-ready rule (node/pkg/health/bird/bird.go, as
DATASTORE.md 4.1 records it), applied to a BIRD control socket or to the
table birdcl printed.

  calico_bird_ready.py --socket PATH [--strict|--relaxed]
  calico_bird_ready.py --table FILE --status FILE [--strict|--relaxed]

--socket speaks the protocol as calico-node does: "show protocols\\n"
written before the hello is read, every line checked (an unknown line is
an error, exit 2), then "show status" for graceful-restart recovery.
--table/--status read birdcl's printed output instead (no codes).
Prints "ready" or "not ready: ..." and exits 0 or 1.  --strict is the
rule within the start-up threshold (every peer Established, no GR
recovery), --relaxed the one after it (one Established peer)."""
import re
import socket
import sys

PEER = re.compile(r"^(Global|Node|Mesh)_(.+)$")
HEAD = "name proto table state since info"


class Bad(Exception):
    pass


def lines(sock):
    buf = b""
    while True:
        while b"\n" not in buf:
            b = sock.recv(4096)
            if not b:
                raise Bad("connection closed mid-reply")
            buf += b
        line, buf = buf.split(b"\n", 1)
        yield line.decode()


def peers_from_rows(rows):
    peers = []
    for row in rows:
        f = row.split()
        # fewer than 6 fields (a down protocol without a message) or
        # not BGP or not a Calico name: not a peer
        if len(f) < 6 or f[1] != "BGP" or not PEER.match(f[0]):
            continue
        peers.append((f[0], f[5]))
    return peers


def socket_peers(path):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(2)
    s.connect(path)
    s.sendall(b"show protocols\n")
    rows = []
    for line in lines(s):
        if line.startswith("0001"):
            continue
        if line.startswith("2002"):
            if " ".join(line[5:].split()) != HEAD:
                raise Bad("unknown BIRD table output format")
            continue
        if line.startswith("1002-") or line.startswith(" "):
            rows.append(line[5:] if line.startswith("1002-") else line[1:])
            continue
        if line.startswith("0000"):
            break
        raise Bad("unexpected line %r" % line)
    s.sendall(b"show status\n")
    gr = False
    for line in lines(s):
        if line.startswith("0024"):
            gr = True
            continue
        if line.startswith("0013"):
            break
        if line[:4] in ("0001", "1000", "1011") or line.startswith(" "):
            continue
        raise Bad("unexpected status line %r" % line)
    s.close()
    return peers_from_rows(rows), gr


def table_peers(table, status):
    with open(table) as f:
        out = f.read().splitlines()
    rows, seen = [], False
    for line in out:
        if " ".join(line.split()) == HEAD:
            seen = True
            continue
        if seen:
            rows.append(line)
    if not seen:
        raise Bad("no BIRD table heading in birdcl's output")
    with open(status) as f:
        gr = "Graceful restart recovery in progress" in f.read()
    return peers_from_rows(rows), gr


def main(argv):
    strict = "--relaxed" not in argv
    try:
        if "--socket" in argv:
            peers, gr = socket_peers(argv[argv.index("--socket") + 1])
        else:
            peers, gr = table_peers(argv[argv.index("--table") + 1],
                                    argv[argv.index("--status") + 1])
    except (Bad, OSError) as e:
        print("error: %s" % e)
        return 2
    if not peers:
        print("ready (no peers)")
        return 0
    down = [PEER.match(n).group(2) for n, st in peers if st != "Established"]
    if strict and down:
        print("not ready: BGP not established with %s" % ",".join(down))
        return 1
    if strict and gr:
        print("not ready: graceful restart in progress")
        return 1
    if not strict and len(down) == len(peers):
        print("not ready: no BGP session established")
        return 1
    print("ready (%d peers)" % len(peers))
    return 0


sys.exit(main(sys.argv[1:]))
