#!/usr/bin/env python3
"""bench/ribwatch.py: when a DUT's RIB holds N prefixes (bench/real.sh).

  ribwatch.py KIND CMD N LIMIT PID...

Runs CMD (bench/dut.sh rib_cmd: the DUT's own CLI) every 50 ms
(BENCH_POLL_SECS) until it
reports N prefixes received, as run.sh's BR does, and meanwhile samples
the scheduler statistics of the DUT's processes every 2 ms
(/proc/PID/task/TID/schedstat: time on a CPU and time waiting for one).
A CLI poll takes tens of milliseconds to start and answer on a busy
machine, so "reached" can be a poll or two late; the samples say when
the DUT stopped working, which is not:

  busy_end  the end of the DUT's last busy stretch before the poll that
            saw N answered: the last 2 ms sample whose 20 ms window had
            the DUT running, or runnable and waiting for its CPU, at
            least half of the time (a CLI answer costs far less).

Prints JSON lines: {"event": "start"}, then {"event": "reached", "count",
"poll_secs", "polls", "busy_end", "cpu_secs"} (cpu_secs: the DUT's CPU
time from start to reached) or {"event": "timeout", "count", "polls"};
exit 0 or 2.
"""
import json
import os
import re
import subprocess
import sys
import threading
import time

WINDOW = 0.020
SAMPLE = 0.002
# seconds between polls; a profile run polls seldom (a poll costs the
# DUT: bgpd's status answer is some 600k instructions)
POLL = float(os.environ.get("BENCH_POLL_SECS", "0.05"))


def count(kind, out):
    if kind == "bgpd":
        return sum(p["prefixes"]["accepted"]
                   for p in json.loads(out)["peers"])
    if kind.startswith("bird"):
        return sum(int(m) for m in re.findall(r"Routes:\s+(\d+) imported",
                                              out))
    if kind == "frr":
        d = json.loads(out)
        d = d.get("ipv4Unicast", d)
        return sum(p.get("pfxRcd", 0) for p in d.get("peers", {}).values())
    # GoBGP: the Accepted column of `gobgp neighbor`
    return sum(int(m) for m in re.findall(r"\|\s*\d+\s+(\d+)\s*$", out,
                                          re.M))


def ev(name, **kw):
    kw.update(event=name, t=round(time.monotonic(), 6))
    print(json.dumps(kw), flush=True)


class Sampler(threading.Thread):
    """The DUT's run + wait time, every SAMPLE seconds."""

    def __init__(self, pids):
        super().__init__(daemon=True)
        self.pids = pids
        self.lock = threading.Lock()
        self.busy_end = None
        self.cpu_ns = 0
        self.stop = False

    def read(self):
        run = wait = 0
        for p in self.pids:
            try:
                tids = os.listdir("/proc/%s/task" % p)
            except OSError:
                continue
            for t in tids:
                try:
                    with open("/proc/%s/task/%s/schedstat" % (p, t)) as f:
                        v = f.read().split()
                    run += int(v[0])
                    wait += int(v[1])
                except (OSError, ValueError, IndexError):
                    pass
        return run, wait

    def run(self):
        hist = []
        while not self.stop:
            t = time.monotonic()
            run, wait = self.read()
            hist.append((t, run + wait))
            while len(hist) > 2 and hist[1][0] <= t - WINDOW:
                hist.pop(0)
            t0, d0 = hist[0]
            with self.lock:
                self.cpu_ns = run
                if t - t0 >= WINDOW / 2 and \
                        (run + wait - d0) / 1e9 >= 0.5 * (t - t0):
                    self.busy_end = t
            time.sleep(SAMPLE)

    def get(self):
        with self.lock:
            return self.busy_end, self.cpu_ns


def main(argv):
    kind, cmd, want, limit = argv[1:5]
    want, limit = int(want), float(limit)
    s = Sampler(argv[5:])
    s.start()
    t0 = time.monotonic()
    _b, cpu0 = s.get()
    ev("start")
    polls = 0
    while True:
        ts = time.monotonic()
        try:
            out = subprocess.run(cmd, shell=True, capture_output=True,
                                 text=True, timeout=60).stdout
            c = count(kind, out)
        except (ValueError, KeyError, TypeError,
                subprocess.SubprocessError):
            c = -1
        polls += 1
        if c >= want:
            busy, cpu = s.get()
            ev("reached", count=c, poll_secs=round(time.monotonic() - ts,
                                                   6),
               polls=polls, busy_end=busy,
               cpu_secs=round((cpu - cpu0) / 1e9, 6))
            return 0
        if time.monotonic() - t0 > limit:
            ev("timeout", count=c, polls=polls)
            return 2
        time.sleep(POLL)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
