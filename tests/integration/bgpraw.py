#!/usr/bin/env python3
"""A raw BGP speaker for tests: sends exactly the bytes it is told to.

Real daemons refuse to send malformed UPDATEs, so the RFC 7606 tests use
this instead (plain sockets; the same role scapy plays in TESTING.md).

    bgpraw.py --local ADDR --peer ADDR --as N --id A.B.C.D CMDS LOG

It connects to the peer's port 179 from ADDR, sends an OPEN (4-octet AS
capability, IPv4 and IPv6 unicast), answers KEEPALIVEs, and then reads
command lines from the file (a FIFO) CMDS:

    send NAME      send the canned UPDATE NAME (see updates() below)
    notify NAME    send the canned NOTIFICATION NAME (see NOTIFS)
    quit           close the connection and exit

Everything received goes to LOG, one line per message:
    open AS ID / keepalive / update LEN / notification CODE SUBCODE /
    closed
plus "established" once both OPENs and KEEPALIVEs are through and
"sent NAME" after each command.
"""
import argparse
import ipaddress
import os
import select
import socket
import struct
import sys
import time


def attr(flags, typ, val):
    if len(val) > 255 or flags & 0x10:
        return struct.pack("!BBH", flags | 0x10, typ, len(val)) + val
    return struct.pack("!BBB", flags, typ, len(val)) + val


def aspath(asns):
    return struct.pack("!BB", 2, len(asns)) + b"".join(
        struct.pack("!I", a) for a in asns)


def pfx(text):
    n = ipaddress.ip_network(text)
    return bytes([n.prefixlen]) + n.network_address.packed[
        :(n.prefixlen + 7) // 8]


def update(withdrawn=b"", attrs=b"", nlri=b""):
    return (struct.pack("!H", len(withdrawn)) + withdrawn +
            struct.pack("!H", len(attrs)) + attrs + nlri)


def msg(typ, body):
    return b"\xff" * 16 + struct.pack("!HB", 19 + len(body), typ) + body


ORIGIN = attr(0x40, 1, b"\x00")
NH = None          # set from --local
ASN = None


def good(extra=b"", origin=None, med=None):
    o = origin if origin is not None else ORIGIN
    return o + attr(0x40, 2, aspath([ASN])) + attr(0x40, 3, NH) + extra


def aspath_segs(*segs):
    """AS_PATH of (type, [asns]) segments: 1 SET, 2 SEQUENCE,
    3 CONFED_SEQUENCE, 4 CONFED_SET."""
    return b"".join(struct.pack("!BB", t, len(a)) +
                    b"".join(struct.pack("!I", x) for x in a)
                    for t, a in segs)


def mp_reach6(prefixes, nh6):
    nh = ipaddress.IPv6Address(nh6).packed
    body = struct.pack("!HBB", 2, 1, len(nh)) + nh + b"\x00"
    return attr(0x80, 14, body + b"".join(pfx(p) for p in prefixes))


def updates():
    p1, p2, p3, p4, p5, p6, p7, p8 = (
        pfx("100.70.%d.0/24" % i) for i in range(1, 9))
    nh = lambda a: attr(0x40, 3, ipaddress.IPv4Address(a).packed)
    med3 = attr(0x80, 4, b"\x00\x00\x01")           # MED of 3 octets
    atomic1 = attr(0x40, 6, b"\x01")                # ATOMIC_AGG with data
    unknown = attr(0xc0, 99, b"kept-and-passed-on")  # optional transitive
    return {
        # plain announcements
        "p1": update(attrs=good(), nlri=p1),
        "p2": update(attrs=good(), nlri=p2),
        # 7606 3(e): bad ORIGIN value -> treat-as-withdraw
        "p2_bad_origin": update(attrs=good(origin=attr(0x40, 1, b"\x07")),
                                nlri=p2),
        # 7606 7.4: MED length wrong -> treat-as-withdraw
        "p1_bad_med": update(attrs=good(med3), nlri=p1),
        # 7606 7.9: ATOMIC_AGGREGATE length wrong -> attribute discard
        "p3_bad_atomic": update(attrs=good(atomic1), nlri=p3),
        # 7606 3(d): NEXT_HOP missing -> treat-as-withdraw
        "p4_no_nexthop": update(attrs=ORIGIN + attr(0x40, 2, aspath([ASN])),
                                nlri=p4),
        # an unknown optional transitive attribute: kept, Partial set
        "p4_unknown": update(attrs=good(unknown), nlri=p4),
        # 7606 3(c)-style flags error on MED (marked transitive)
        "p3_med_flags": update(attrs=good(attr(0xc0, 4, b"\0\0\0\5")),
                               nlri=p3),
        # duplicate MED: keep the first, discard the rest (7606 3(g))
        "p2_dup_med": update(attrs=good(attr(0x80, 4, b"\0\0\0\1") +
                                        attr(0x80, 4, b"\0\0\0\2")),
                             nlri=p2),
        # RFC 5065 5 / 7606 7.2: confederation segments from a peer
        # outside our confederation -> treat-as-withdraw
        "p5": update(attrs=good(), nlri=p5),
        "p5_confed": update(attrs=ORIGIN + attr(0x40, 2, aspath_segs(
            (2, [ASN]), (3, [65099]))) + attr(0x40, 3, NH), nlri=p5),
        "p5_confed_set": update(attrs=ORIGIN + attr(0x40, 2, aspath_segs(
            (2, [ASN]), (4, [65099]))) + attr(0x40, 3, NH), nlri=p5),
        # RFC 4271 6.3: an eBGP path must start with the peer's AS, and
        # cannot be empty -> treat-as-withdraw
        "p6": update(attrs=good(), nlri=p6),
        "p6_empty_aspath": update(attrs=ORIGIN + attr(0x40, 2, b"") +
                                  attr(0x40, 3, NH), nlri=p6),
        "p6_wrong_first_as": update(attrs=ORIGIN + attr(
            0x40, 2, aspath([65041, ASN])) + attr(0x40, 3, NH), nlri=p6),
        # 7606 7.15: IPv6 Address Specific Extended Communities not a
        # multiple of 20 -> treat-as-withdraw
        "p7": update(attrs=good(), nlri=p7),
        "p7_ipv6_extcomm_21": update(attrs=good(attr(0xc0, 25, bytes(21))),
                                     nlri=p7),
        # RFC 4271 6.3: NEXT_HOP is the receiver's own address -> ignored
        "p8": update(attrs=good(), nlri=p8),
        "p8_own_nh": update(attrs=ORIGIN + attr(0x40, 2, aspath([ASN])) +
                            nh("198.51.100.1"), nlri=p8),
        "p8_own_nh2": update(attrs=ORIGIN + attr(0x40, 2, aspath([ASN])) +
                             nh("198.51.100.9"), nlri=p8),
        # 7606 3(j)/5.3: NLRI that cannot be parsed -> session reset 3/10
        "bad_nlri": update(attrs=good(), nlri=b"\x21\x64\x46\x05\x00\x00"),
    }


# NOTIFICATION bodies (code, subcode, data).
NOTIFS = {
    # RFC 9003: Cease/2 whose text length (200) runs past the data, and
    # whose text is not UTF-8
    "shutdown_bad_text": b"\x06\x02\xc8maint\xff",
}


def main():
    global NH, ASN
    ap = argparse.ArgumentParser()
    ap.add_argument("--local", required=True)
    ap.add_argument("--peer", required=True)
    ap.add_argument("--as", dest="asn", type=int, required=True)
    ap.add_argument("--id", required=True)
    ap.add_argument("cmds")
    ap.add_argument("log")
    a = ap.parse_args()
    NH = ipaddress.IPv4Address(a.local).packed
    ASN = a.asn
    canned = updates()
    log = open(a.log, "a", buffering=1)

    caps = (struct.pack("!BBHBB", 1, 4, 1, 0, 1) +
            struct.pack("!BBHBB", 1, 4, 2, 0, 1) +
            struct.pack("!BBI", 65, 4, a.asn) + b"\x02\x00")
    params = struct.pack("!BB", 2, len(caps)) + caps
    my_as = a.asn if a.asn < 65536 else 23456
    opn = msg(1, struct.pack("!BHH", 4, my_as, 90) +
              ipaddress.IPv4Address(a.id).packed +
              bytes([len(params)]) + params)

    s = None
    for _ in range(100):
        try:
            s = socket.create_connection((a.peer, 179), timeout=2,
                                         source_address=(a.local, 0))
            break
        except OSError:
            time.sleep(0.2)
    if s is None:
        log.write("connect failed\n")
        return 1
    s.sendall(opn)
    cmds = os.open(a.cmds, os.O_RDONLY | os.O_NONBLOCK)
    buf = b""
    pending = b""
    got_open = got_ka = False
    last_ka = time.time()
    while True:
        r, _, _ = select.select([s, cmds], [], [], 1.0)
        if time.time() - last_ka > 20:
            s.sendall(msg(4, b""))
            last_ka = time.time()
        if cmds in r:
            data = os.read(cmds, 4096)
            if not data:        # writer closed: reopen the FIFO
                os.close(cmds)
                cmds = os.open(a.cmds, os.O_RDONLY | os.O_NONBLOCK)
            pending += data
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                words = line.decode().split()
                if not words:
                    continue
                if words[0] == "quit":
                    s.close()
                    log.write("quit\n")
                    return 0
                if words[0] == "send":
                    s.sendall(msg(2, canned[words[1]]))
                    log.write("sent %s\n" % words[1])
                if words[0] == "notify":
                    s.sendall(msg(3, NOTIFS[words[1]]))
                    log.write("sent %s\n" % words[1])
        if s in r:
            data = s.recv(65536)
            if not data:
                log.write("closed\n")
                return 0
            buf += data
            while len(buf) >= 19:
                ln, typ = struct.unpack("!HB", buf[16:19])
                if len(buf) < ln:
                    break
                body, buf = buf[19:ln], buf[ln:]
                if typ == 1:
                    got_open = True
                    las, _, bid = struct.unpack("!HH4s", body[1:9])
                    log.write("open %d %s\n" % (
                        las, ipaddress.IPv4Address(bid)))
                    s.sendall(msg(4, b""))
                elif typ == 4:
                    log.write("keepalive\n")
                    if got_open and not got_ka:
                        got_ka = True
                        log.write("established\n")
                elif typ == 2:
                    log.write("update %d\n" % len(body))
                elif typ == 3:
                    log.write("notification %d %d\n" % (body[0], body[1]))
                else:
                    log.write("type %d\n" % typ)


if __name__ == "__main__":
    sys.exit(main())
