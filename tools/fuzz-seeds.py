#!/usr/bin/env python3
"""Write the seed corpus of the fuzz harnesses to tests/fuzz/corpus/.

The seeds are well-formed messages of every kind the decoders know (and a
few classic malformations), built here from the RFC layouts, so libFuzzer
starts from deep inside each decoder.  The config seeds are the golden
cases' single-file inputs.  Rerun after changing this file; the output is
committed.
"""
import os
import shutil
import struct
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(TOP, "tests", "fuzz", "corpus")


def attr(flags, typ, val):
    if len(val) > 255:
        return struct.pack("!BBH", flags | 0x10, typ, len(val)) + val
    return struct.pack("!BBB", flags, typ, len(val)) + val


def aspath(asns, four=True, seg=2):
    fmt = "!I" if four else "!H"
    return struct.pack("!BB", seg, len(asns)) + b"".join(
        struct.pack(fmt, a) for a in asns)


def pfx(text, addpath=None):
    net, plen = text.split("/")
    plen = int(plen)
    if ":" in net:
        import ipaddress
        raw = ipaddress.IPv6Address(net).packed
    else:
        raw = bytes(int(x) for x in net.split("."))
    b = struct.pack("!B", plen) + raw[:(plen + 7) // 8]
    if addpath is not None:
        b = struct.pack("!I", addpath) + b
    return b


def v6(text):
    import ipaddress
    return ipaddress.IPv6Address(text).packed


def v4(text):
    return bytes(int(x) for x in text.split("."))


def update(withdrawn=b"", attrs=b"", nlri=b""):
    return (struct.pack("!H", len(withdrawn)) + withdrawn +
            struct.pack("!H", len(attrs)) + attrs + nlri)


def msg(typ, body):
    return b"\xff" * 16 + struct.pack("!HB", 19 + len(body), typ) + body


def base_attrs(four=True, asns=(65001,), nh="198.51.100.2"):
    return (attr(0x40, 1, b"\x00") +
            attr(0x40, 2, aspath(list(asns), four)) +
            attr(0x40, 3, v4(nh)))


def mp_reach6(prefixes, ll=True, addpath=False):
    nh = v6("2001:db8::2") + (v6("fe80::2") if ll else b"")
    body = struct.pack("!HBB", 2, 1, len(nh)) + nh + b"\x00"
    for i, p in enumerate(prefixes):
        body += pfx(p, i + 1 if addpath else None)
    return attr(0x80, 14, body)


def mp_unreach6(prefixes):
    return attr(0x80, 15, struct.pack("!HB", 2, 1) +
                b"".join(pfx(p) for p in prefixes))


def cap(code, val=b""):
    return struct.pack("!BB", code, len(val)) + val


def open_body(my_as=65001, hold=90, bgp_id="198.51.100.2", caps=None):
    if caps is None:
        caps = default_caps(my_as)
    params = b"".join(struct.pack("!BB", 2, len(c)) + c for c in caps)
    return struct.pack("!BHH", 4, my_as if my_as < 65536 else 23456,
                       hold) + v4(bgp_id) + struct.pack("!B",
                                                        len(params)) + params


def default_caps(asn):
    return [
        cap(1, struct.pack("!HBB", 1, 0, 1)),
        cap(1, struct.pack("!HBB", 2, 0, 1)),
        cap(2),
        cap(70),
        cap(65, struct.pack("!I", asn)),
        cap(64, struct.pack("!H", 0x4078) + struct.pack("!HBB", 1, 1, 0x80)
            + struct.pack("!HBB", 2, 1, 0)),
        cap(71, struct.pack("!HBB", 1, 1, 0x80) + b"\x00\x0e\x10"),
        cap(69, struct.pack("!HBB", 1, 1, 3) + struct.pack("!HBB", 2, 1, 1)),
        cap(6),
        cap(5, struct.pack("!HHH", 1, 1, 2)),
        cap(73, b"\x05peer1\x00"),
        cap(200, b"\x01\x02"),
    ]


def write(harness, name, data):
    d = os.path.join(OUT, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def updates():
    comm = attr(0xc0, 8, struct.pack("!II", 0xfde80007, 0xffffff01))
    ext = attr(0xc0, 16, bytes.fromhex("0002fde800000007"))
    large = attr(0xc0, 32, struct.pack("!III", 4200000001, 1, 2))
    med = attr(0x80, 4, struct.pack("!I", 10))
    lp = attr(0x40, 5, struct.pack("!I", 200))
    atomic = attr(0x40, 6, b"")
    aggr4 = attr(0xc0, 7, struct.pack("!I", 65001) + v4("198.51.100.2"))
    aggr2 = attr(0xc0, 7, struct.pack("!H", 23456) + v4("198.51.100.2"))
    as4agg = attr(0xc0, 18, struct.pack("!I", 4200000001) +
                  v4("198.51.100.2"))
    orig = attr(0x80, 9, v4("198.51.100.9"))
    clist = attr(0x80, 10, v4("198.51.100.7") + v4("198.51.100.8"))
    unk_t = attr(0xc0, 99, b"hello")
    unk_nt = attr(0x80, 98, b"gone")
    nlri = pfx("100.65.0.0/24") + pfx("100.65.1.0/24") + pfx("0.0.0.0/0")
    seeds = {
        "v4_plain": (3, update(attrs=base_attrs() + med + comm, nlri=nlri)),
        "v4_ibgp_all": (1, update(attrs=base_attrs() + lp + atomic + aggr4 +
                                  comm + ext + large + orig + clist +
                                  unk_t + unk_nt, nlri=nlri)),
        "v4_as2_as4path": (2, update(
            attrs=(attr(0x40, 1, b"\x00") +
                   attr(0x40, 2, aspath([65001, 23456], False)) +
                   attr(0x40, 3, v4("198.51.100.2")) + aggr2 + as4agg +
                   attr(0xc0, 17, aspath([65001, 4200000001]))),
            nlri=pfx("100.65.2.0/24"))),
        "v4_as_set": (3, update(
            attrs=(attr(0x40, 1, b"\x02") +
                   attr(0x40, 2, aspath([65001]) + aspath([1, 2, 3], True,
                                                          1)) +
                   attr(0x40, 3, v4("198.51.100.2"))),
            nlri=pfx("100.65.3.0/24"))),
        "v4_withdraw": (3, update(withdrawn=nlri)),
        "v4_eor": (3, update()),
        "v6_reach": (3, update(attrs=(attr(0x40, 1, b"\x00") +
                                      mp_reach6(["2001:db8:2000::/48",
                                                 "2001:db8:2001::/64"]) +
                                      attr(0x40, 2, aspath([65001]))))),
        "v6_reach_global_only": (3, update(
            attrs=mp_reach6(["2001:db8:2000::/48"], ll=False) +
            attr(0x40, 1, b"\x00") + attr(0x40, 2, aspath([65001])))),
        "v6_unreach": (3, update(attrs=mp_unreach6(["2001:db8:2000::/48"]))),
        "v6_eor": (3, update(attrs=attr(0x80, 15, struct.pack("!HB", 2,
                                                              1)))),
        "v4_addpath": (3 | 16, update(
            attrs=base_attrs(),
            nlri=pfx("100.65.0.0/24", 1) + pfx("100.65.0.0/24", 2))),
        "v6_addpath": (3 | 32, update(
            attrs=attr(0x40, 1, b"\x00") + attr(0x40, 2, aspath([65001])) +
            mp_reach6(["2001:db8:2000::/48"], addpath=True))),
        "bad_origin": (3, update(attrs=attr(0x40, 1, b"\x07") +
                                 attr(0x40, 2, aspath([65001])) +
                                 attr(0x40, 3, v4("198.51.100.2")),
                                 nlri=nlri)),
        "dup_attr": (3, update(attrs=base_attrs() + med + med, nlri=nlri)),
        "missing_nh": (3, update(attrs=attr(0x40, 1, b"\x00") +
                                 attr(0x40, 2, aspath([65001])),
                                 nlri=nlri)),
        "bad_flags": (3, update(attrs=base_attrs() +
                                attr(0x00, 4, struct.pack("!I", 1)),
                                nlri=nlri)),
        "extlen": (3, update(attrs=base_attrs() +
                             struct.pack("!BBH", 0xd0, 8, 8) +
                             struct.pack("!II", 1, 2), nlri=nlri)),
        "bad_nlri": (3, update(attrs=base_attrs(), nlri=b"\x21\x01\x02")),
    }
    for name, (flags, body) in seeds.items():
        write("update", name, bytes([flags]) + body)
    return seeds


def opens():
    write("open", "full", open_body())
    write("open", "as4", open_body(my_as=4200000001))
    write("open", "no_caps", struct.pack("!BHH", 4, 65001, 90) +
          v4("198.51.100.2") + b"\x00")
    write("open", "old_style_params", struct.pack("!BHH", 4, 65001, 3) +
          v4("198.51.100.2") + b"\x0c" +
          struct.pack("!BB", 2, 4) + cap(2, b"\x00\x00") +
          struct.pack("!BB", 2, 4) + cap(1, struct.pack("!HBB", 1, 0, 1)))
    write("open", "bad_version", b"\x03" + open_body()[1:])


def msgs():
    hdr = msg(4, b"")
    write("msg", "hdr_keepalive", b"\x00" + hdr)
    write("msg", "hdr_badmarker", b"\x00" + b"\x00" + hdr[1:])
    write("msg", "hdr_long", b"\x04" + b"\xff" * 16 +
          struct.pack("!HB", 9000, 2))
    text = "maintenance: back at 03:00 \u2014 ops".encode()
    write("msg", "notif_shutdown", b"\x01" + struct.pack("!BBB", 6, 2,
                                                         len(text)) + text)
    write("msg", "notif_badtext", b"\x01" + struct.pack("!BBB", 6, 4, 9) +
          b"\xc3\x28abc")
    write("msg", "notif_data", b"\x01" + struct.pack("!BB", 3, 1) +
          b"\x00\x00")
    write("msg", "rr_plain", b"\x02" + struct.pack("!HBB", 1, 0, 1))
    write("msg", "rr_borr", b"\x02" + struct.pack("!HBB", 2, 1, 1))


def speaker(seeds):
    op = msg(1, open_body(my_as=65001, hold=90))
    ka = msg(4, b"")
    ups = b"".join(msg(2, body) for _, body in seeds.values()
                   if True)
    notif = msg(3, struct.pack("!BBB", 6, 2, 4) + b"bye!")
    rr = msg(5, struct.pack("!HBB", 1, 0, 1))
    good = [seeds[k][1] for k in ("v4_plain", "v4_ibgp_all", "v4_as_set",
                                  "v6_reach", "v4_as2_as4path")]
    write("speaker", "open_only", op + ka)
    for k in ("v4_plain", "v4_ibgp_all", "v4_as2_as4path"):
        write("speaker", "announce_" + k, op + ka + msg(2, seeds[k][1]))
    write("speaker", "good_updates", op + ka +
          b"".join(msg(2, b) for b in good) + rr +
          msg(2, seeds["v4_withdraw"][1]) + msg(2, seeds["v4_eor"][1]))
    write("speaker", "all_updates_then_cease", op + ka + ups + notif)
    write("speaker", "as4_peer", msg(1, open_body(my_as=65001, caps=[
        cap(1, struct.pack("!HBB", 1, 0, 1)),
        cap(65, struct.pack("!I", 65001))])) + ka +
        msg(2, update(attrs=base_attrs(True), nlri=pfx("100.65.9.0/24"))))
    write("speaker", "as2_peer", msg(1, open_body(my_as=65001, caps=[
        cap(1, struct.pack("!HBB", 1, 0, 1))])) + ka +
        msg(2, update(attrs=base_attrs(False), nlri=pfx("100.65.9.0/24"))))
    write("speaker", "bad_open_as", msg(1, open_body(my_as=65002)))


def configs():
    src = os.path.join(TOP, "tests", "data", "config")
    n = 0
    for f in sorted(os.listdir(src)):
        p = os.path.join(src, f)
        if f.endswith(".yaml") and os.path.isfile(p) and \
                os.path.getsize(p) <= 8192:
            d = os.path.join(OUT, "config")
            os.makedirs(d, exist_ok=True)
            shutil.copyfile(p, os.path.join(d, f))
            n += 1
    return n


def main():
    if os.path.isdir(OUT):
        # Keep crashers (crash-*) that were added by hand as regressions.
        for h in os.listdir(OUT):
            for f in os.listdir(os.path.join(OUT, h)):
                if not f.startswith("crash-"):
                    os.remove(os.path.join(OUT, h, f))
    seeds = updates()
    opens()
    msgs()
    speaker(seeds)
    n = configs()
    print("seeds written to %s (%d config files)" % (OUT, n), file=sys.stderr)


if __name__ == "__main__":
    main()
