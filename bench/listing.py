#!/usr/bin/env python3
"""bench/listing.py: the operator's full listing at scale (BL, issue 15).

  listing.py run bgpd|bird SOCKET PID
      with the DUT holding its routes: probe it for BASE_SECS alone,
      then list every route through its control socket (bgpd: the
      request "routes json" (what `bgpd routes --json` sends); BIRD:
      `show route all` on its CLI socket) as fast as this process
      reads, while a second process keeps probing and a third samples
      the DUT's memory.  Prints one JSON object: the listing's seconds,
      octets and routes, the DUT's VmRSS and RssAnon before and at
      most during it (KiB), and the probes' latencies (ms) before and
      during it.
  listing.py probe bgpd|bird SOCKET SECS
  listing.py sample PID

A probe is the smallest request the DUT answers through its event
loop (bgpd: "version" on a new connection; BIRD: `show status` on one
open connection), one every PROBE_GAP seconds: while the loop is busy
with a part of the listing, a probe waits, so the longest probe during
the listing bounds the longest stall of the loop (with this machine's
scheduling noise on top, which the probes before the listing show).
A probe crosses several turns of the loop (accept, read, write), each
maybe behind one part of the listing; bgpd also times each part itself
(`status --json`: control.listing_part_max_us), the loop's longest stall
on the listing exactly.
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

BASE_SECS = 2.0
PROBE_GAP = 0.005
BIRD_END = re.compile(rb"(?m)^\d{4} ")


def bird_connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    bird_reply(s, b"")
    return s


def bird_reply(s, buf):
    """Read until a final reply line ("dddd "); returns what followed."""
    while True:
        m = BIRD_END.search(buf)
        if m is not None:
            nl = buf.find(b"\n", m.start())
            if nl >= 0:
                return buf[nl + 1:]
        d = s.recv(65536)
        if not d:
            raise EOFError("BIRD closed the CLI")
        buf += d


def probe(kind, path, secs):
    lat = []
    stop = [False]
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
    bs = bird_connect(path) if kind == "bird" else None
    t_end = time.monotonic() + float(secs)
    while not stop[0] and time.monotonic() < t_end:
        t0 = time.monotonic()
        try:
            if bs is not None:
                bs.sendall(b"show status\n")
                bird_reply(bs, b"")
            else:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(path)
                s.sendall(b"version\n")
                while s.recv(4096):
                    pass
                s.close()
        except (OSError, EOFError):
            break
        lat.append((time.monotonic() - t0) * 1000.0)
        time.sleep(PROBE_GAP)
    lat.sort()
    out = {"n": len(lat)}
    if lat:
        out.update(max_ms=round(lat[-1], 3),
                   p99_ms=round(lat[int(0.99 * (len(lat) - 1))], 3),
                   median_ms=round(lat[len(lat) // 2], 3))
    print(json.dumps(out), flush=True)


def mem(pid):
    v = {}
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            k, _, rest = line.partition(":")
            if k in ("VmRSS", "RssAnon"):
                v[k] = int(rest.split()[0])
    return v


def sample(pid):
    stop = [False]
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
    top = mem(pid)
    n = 0
    while not stop[0]:
        try:
            m = mem(pid)
        except OSError:
            break
        for k in m:
            top[k] = max(top.get(k, 0), m[k])
        n += 1
        time.sleep(0.002)
    top["samples"] = n
    print(json.dumps(top), flush=True)


def child(*args):
    return subprocess.Popen([sys.executable, os.path.abspath(__file__)] +
                            [str(a) for a in args], stdout=subprocess.PIPE,
                            text=True)


def run(kind, path, pid):
    base = child("probe", kind, path, BASE_SECS)
    base_out = json.loads(base.communicate()[0])
    m0 = mem(pid)
    smp = child("sample", pid)
    prb = child("probe", kind, path, 3600)
    time.sleep(0.2)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    if kind == "bird":
        bird_reply(s, b"")
        req, pat = b"show route all\n", b" unicast ["
    else:
        req, pat = b"routes json\n", b'"prefix":'
    t0 = time.monotonic()
    s.sendall(req)
    octets = routes = 0
    tail = b""
    last = b""
    while True:
        d = s.recv(262144)
        if not d:
            break
        octets += len(d)
        w = tail + d
        routes += w.count(pat)
        tail = w[-(len(pat) - 1):]
        last = (last + d)[-64:]
        if kind == "bird" and re.search(rb"\n\d{4} [^\n]*\n$", last):
            break
    secs = time.monotonic() - t0
    s.close()
    for p in (prb, smp):
        p.send_signal(signal.SIGTERM)
    during = json.loads(prb.communicate()[0])
    top = json.loads(smp.communicate()[0])
    parts = {}
    if kind == "bgpd":
        parts = bgpd_parts(path)
    print(json.dumps({
        "secs": round(secs, 4), "octets": octets, "routes": routes,
        "rss0_kb": m0.get("VmRSS"), "anon0_kb": m0.get("RssAnon"),
        "rss_max_kb": top.get("VmRSS"), "anon_max_kb": top.get("RssAnon"),
        "samples": top.get("samples"),
        "rss_growth_kb": top.get("VmRSS", 0) - m0.get("VmRSS", 0),
        "anon_growth_kb": top.get("RssAnon", 0) - m0.get("RssAnon", 0),
        "probe_max_ms": during.get("max_ms"),
        "probe_p99_ms": during.get("p99_ms"),
        "probe_median_ms": during.get("median_ms"),
        "probes": during.get("n"),
        "base_max_ms": base_out.get("max_ms"),
        "base_p99_ms": base_out.get("p99_ms"),
        "base_median_ms": base_out.get("median_ms"),
        "parts": parts.get("listing_parts"),
        "part_max_ms": None if parts.get("listing_part_max_us") is None
        else parts["listing_part_max_us"] / 1000.0,
        "part_max_cpu_ms": None
        if parts.get("listing_part_max_cpu_us") is None
        else parts["listing_part_max_cpu_us"] / 1000.0,
    }), flush=True)


def bgpd_parts(path):
    """bgpd's own account: the parts it made and the longest one."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(b"status json\n")
    buf = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        buf += d
    s.close()
    body = buf.split(b"\n", 1)[1] if buf.startswith(b"OK\n") else b"{}"
    try:
        return json.loads(body).get("control", {})
    except ValueError:
        return {}


def main(argv):
    if len(argv) == 5 and argv[1] == "run":
        run(argv[2], argv[3], argv[4])
    elif len(argv) == 5 and argv[1] == "probe":
        probe(argv[2], argv[3], argv[4])
    elif len(argv) == 3 and argv[1] == "sample":
        sample(argv[2])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
