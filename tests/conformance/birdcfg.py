"""Read the BIRD configuration Calico's confd renders (bird.cfg, bird6.cfg,
bird_aggr.cfg, bird_ipam.cfg and their IPv6 twins) into plain data, so
that tests/conformance/confd.py can compare it with bgpd's plan field by
field.  Only the shapes Calico's templates produce are understood; any
other statement where one of ours is expected raises Unknown, so a new
template construct fails the comparison instead of being skipped.

The model (one per family, 4 or 6):
  router_id, listen (address, port), local_as (template), direct_ignored
  sessions: name -> dict of the session's options (see SESSION_KEYS)
  functions: BGPFilter function name -> list of rules (see rule())
  blackholes, static_routes, static_via (reachableBy), aggr (block ->
  state), export (the steps of calico_export_to_bgp_peers), kernel (the
  steps of calico_kernel_programming), communities (cidr -> values)
"""
import ipaddress
import re

INT32_MAX = 2147483647


class Unknown(Exception):
    pass


def net(s):
    """A prefix in one canonical form ('5000:0::0/64' -> '5000::/64')."""
    return str(ipaddress.ip_network(s.strip(), strict=False))


def strip_comments(text):
    out = []
    for line in text.splitlines():
        q = False
        for i, c in enumerate(line):
            if c in "\"'":
                q = not q
            elif c == "#" and not q:
                line = line[:i]
                break
        out.append(line)
    return "\n".join(out)


def match_brace(s, i):
    """Index just past the '}' closing the '{' at s[i]."""
    depth = 0
    q = None
    for j in range(i, len(s)):
        c = s[j]
        if q:
            if c == q:
                q = None
        elif c in "\"'":
            q = c
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return j + 1
    raise Unknown("unbalanced braces")


def match_paren(s, i):
    depth = 0
    for j in range(i, len(s)):
        if s[j] == "(":
            depth += 1
        elif s[j] == ")":
            depth -= 1
            if depth == 0:
                return j + 1
    raise Unknown("unbalanced parentheses in %r" % s[i:i + 60])


def blocks(text):
    """Top-level items: (header, body) for every 'xxx { ... }' and
    (statement, None) for every 'xxx;' outside braces."""
    s = strip_comments(text)
    items = []
    i = 0
    while i < len(s):
        m = re.compile(r"\s*([^{;]*?)\s*([{;])", re.S).match(s, i)
        if not m:
            if s[i:].strip():
                raise Unknown("trailing text %r" % s[i:i + 60])
            break
        head = " ".join(m.group(1).split())
        if m.group(2) == ";":
            if head:
                items.append((head, None))
            i = m.end()
        else:
            end = match_brace(s, m.end() - 1)
            items.append((head, s[m.end():end - 1]))
            i = end
    return items


def statements(body):
    """Split a block body into statements: 'if (...) then {...}' and
    'if (...) then stmt; [else stmt;]' kept whole, others at ';'."""
    out = []
    i = 0
    s = body
    while True:
        while i < len(s) and s[i] in " \t\n;":
            i += 1
        if i >= len(s):
            return out
        if re.match(r"if\s*\(", s[i:]):
            p = s.index("(", i)
            e = match_paren(s, p)
            cond = s[p + 1:e - 1].strip()
            m = re.compile(r"\s*then\s*").match(s, e)
            if not m:
                raise Unknown("if without then: %r" % s[i:i + 60])
            j = m.end()
            if s[j] == "{":
                end = match_brace(s, j)
                then = statements(s[j + 1:end - 1])
                i = end
                other = None
                m = re.compile(r"\s*else\s*\{").match(s, i)
                if m:
                    end = match_brace(s, m.end() - 1)
                    other = statements(s[m.end():end - 1])
                    i = end
                out.append(("if", cond, then, other))
            else:
                k = s.index(";", j)
                then = [" ".join(s[j:k].split())]
                i = k + 1
                m = re.compile(r"\s*else\s*").match(s, i)
                other = None
                if m:
                    k = s.index(";", m.end())
                    other = [" ".join(s[m.end():k].split())]
                    i = k + 1
                out.append(("if", cond, then, other))
        else:
            k = s.find(";", i)
            if k < 0:
                k = len(s)
            out.append(" ".join(s[i:k].split()))
            i = k + 1


def split_and(cond):
    """'(a)&&(b)&&(c)' -> ['a', 'b', 'c'] at the top level."""
    parts, depth, cur = [], 0, ""
    i = 0
    while i < len(cond):
        c = cond[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        if depth == 0 and cond.startswith("&&", i):
            parts.append(cur)
            cur = ""
            i += 2
            continue
        cur += c
        i += 1
    parts.append(cur)
    out = []
    for p in parts:
        p = p.strip()
        while p.startswith("(") and match_paren(p, 0) == len(p):
            p = p[1:-1].strip()
        out.append(p)
    return out


def atom(a, rule):
    """One condition of a BGPFilter rule, into the rule dict."""
    a = a.replace(" ", "")
    m = re.fullmatch(r"net(~|!~|=|!=)\[([0-9a-fA-F.:/]+)\{(\d+),(\d+)\}\]",
                     a)
    if m:
        rule["cidr"] = (m.group(1), net(m.group(2)))
        rule["prefix_length"] = (int(m.group(3)), int(m.group(4)))
        return
    m = re.fullmatch(r"net(~|!~|=|!=)([0-9a-fA-F.:/]+)", a)
    if m:
        rule["cidr"] = (m.group(1), net(m.group(2)))
        return
    if a == "(defined(source))&&(source~[RTS_BGP])":
        rule["source"] = "RemotePeers"
        return
    m = re.fullmatch(r'\(defined\(ifname\)\)&&\(ifname~"([^"]*)"\)', a)
    if m:
        rule["interface"] = m.group(1)
        return
    m = re.fullmatch(r"\((\d+),(\d+)\)~bgp_community", a)
    if m:
        rule["community"] = "%s:%s" % m.groups()
        return
    m = re.fullmatch(r"\((\d+),(\d+),(\d+)\)~bgp_large_community", a)
    if m:
        rule["community"] = "%s:%s:%s" % m.groups()
        return
    m = re.fullmatch(r"bgp_path~\[=([\d]+(?:[\d]*)*)\*=\]",
                     a.replace(" ", ""))
    if m:
        raise Unknown("as path needs spaces")
    m = re.fullmatch(r"defined\(bgp_local_pref\)&&\(bgp_local_pref=(\d+)\)",
                     a)
    if m:
        rule["priority"] = INT32_MAX - int(m.group(1))
        return
    raise Unknown("condition %r" % a)


def rule_of(cond, body, peer_type=None):
    rule = {"action": None, "operations": []}
    if peer_type:
        rule["peer_type"] = peer_type
    for a in split_and(cond):
        m = re.fullmatch(r"bgp_path\s*~\s*\[=\s*([\d\s]+)\*\s*=\]", a)
        if m:
            rule["as_path_prefix"] = [int(x) for x in m.group(1).split()]
            continue
        atom(a, rule)
    prepend = []
    for st in body:
        if isinstance(st, tuple):
            raise Unknown("nested if in a rule")
        m = re.fullmatch(r"bgp_local_pref = (\d+)", st)
        if m:
            rule["operations"].append(
                ("set_priority", INT32_MAX - int(m.group(1))))
            continue
        m = re.fullmatch(r"bgp_community\.add\(\((\d+), (\d+)\)\)", st)
        if m:
            rule["operations"].append(("add_community", "%s:%s" %
                                       m.groups()))
            continue
        m = re.fullmatch(
            r"bgp_large_community\.add\(\((\d+), (\d+), (\d+)\)\)", st)
        if m:
            rule["operations"].append(("add_community", "%s:%s:%s" %
                                       m.groups()))
            continue
        m = re.fullmatch(r"bgp_path\.prepend\((\d+)\)", st)
        if m:
            prepend.insert(0, int(m.group(1)))
            continue
        if st in ("accept", "reject"):
            rule["action"] = st.capitalize()
            continue
        raise Unknown("rule statement %r" % st)
    if prepend:
        rule["operations"].append(("prepend_as_path", tuple(prepend)))
    return rule


def filter_function(body):
    """A BGPFilter function -> its rules in order; a bare accept/reject
    at the end is a rule with no condition."""
    rules = []
    for st in statements(body):
        if isinstance(st, str):
            if st in ("accept", "reject"):
                rules.append({"action": st.capitalize(), "operations": []})
                continue
            raise Unknown("filter statement %r" % st)
        _, cond, then, other = st
        if other is not None:
            raise Unknown("else in a filter function")
        pt = None
        if cond in ("is_same_as", "!is_same_as"):
            pt = "iBGP" if cond == "is_same_as" else "eBGP"
            if len(then) != 1 or not isinstance(then[0], tuple):
                raise Unknown("peer type wrapper")
            _, cond, then, _ = then[0]
        rules.append(rule_of(cond, then, pt))
    return rules


SESSION_KEYS = ("peer_ip", "peer_port", "remote_as", "local_as",
                "source_address", "passive", "ttl_security", "multihop",
                "restart_time", "keepalive_time", "rr_client",
                "rr_cluster_id", "password", "next_hop", "allow_local_as",
                "import", "export", "export_internal")


def call_list(stmts, kind):
    """The BGPFilter functions a session's filter calls, in order."""
    calls = []
    internal = None
    for st in stmts:
        if isinstance(st, tuple):
            continue        # the priority handling, checked apart
        m = re.fullmatch(r"'bgp_(.+)_(import|export)FilterV([46])'"
                         r"\((true|false)?\)", st)
        if m:
            calls.append((m.group(1), m.group(2), int(m.group(3)),
                          m.group(4)))
            continue
        m = re.fullmatch(r"calico_export_to_bgp_peers\((true|false)\)", st)
        if m and kind == "export":
            internal = m.group(1) == "true"
            continue
        if st in ("accept", "reject"):
            continue
        raise Unknown("%s filter statement %r" % (kind, st))
    return calls, internal


def priority_import(stmts):
    """The v3.32 import handling: the local-pref threshold, or None."""
    for st in stmts:
        if isinstance(st, tuple):
            m = re.fullmatch(r"defined\(bgp_local_pref\)\s*&&\s*"
                             r"\(bgp_local_pref > (\d+)\)", st[1])
            if m and st[2] == ["preference = 200"]:
                return INT32_MAX - int(m.group(1))
            raise Unknown("import condition %r" % st[1])
    return None


def priority_export(stmts):
    """The v3.32 export handling: the default metric, or None."""
    for st in stmts:
        if isinstance(st, tuple):
            for sub in (st[3] or []):
                if isinstance(sub, tuple):
                    m = re.fullmatch(r"!defined\(krt_metric\)", sub[1])
                    k = re.fullmatch(r"krt_metric = (\d+)", sub[2][0])
                    if m and k:
                        return int(k.group(1))
            raise Unknown("export condition %r" % st[1])
    return None


def session(head, body):
    s = {"passive": False, "rr_client": False, "multihop": None,
         "ttl_security": None, "next_hop": "auto", "allow_local_as": 0,
         "restart_time": None, "keepalive_time": None,
         "rr_cluster_id": None, "password": None, "source_address": None,
         "local_as": None, "peer_port": 179}
    for head2, inner in blocks(body):
        if inner is not None:
            kind = head2.split()[0]
            stmts = statements(inner)
            if kind == "import":
                s["import"] = call_list(stmts, "import")[0]
                s["import_priority"] = priority_import(stmts)
            elif kind == "export":
                s["export"], s["export_internal"] = call_list(stmts,
                                                              "export")
                s["export_priority"] = priority_export(stmts)
            else:
                raise Unknown("session block %r" % head2)
            continue
        w = head2.split()
        if w[0] == "neighbor":
            s["peer_ip"] = str(ipaddress.ip_address(w[1]))
            rest = w[2:]
            if rest[0] == "port":
                s["peer_port"] = int(rest[1])
                rest = rest[2:]
            if rest[0] != "as":
                raise Unknown("neighbor %r" % head2)
            s["remote_as"] = int(rest[1])
        elif head2.startswith("source address "):
            s["source_address"] = str(ipaddress.ip_address(w[2]))
        elif head2 == "ttl security off":
            s["ttl_security"] = 0
        elif head2 == "ttl security on":
            s["ttl_security"] = -1
        elif w[0] == "multihop":
            s["multihop"] = int(w[1]) if len(w) > 1 else 0
        elif head2 in ("passive on", "passive"):
            s["passive"] = True
        elif head2.startswith("graceful restart time "):
            s["restart_time"] = int(w[3])
        elif head2.startswith("keepalive time "):
            s["keepalive_time"] = int(w[2])
        elif head2 == "rr client":
            s["rr_client"] = True
        elif head2.startswith("rr cluster id "):
            s["rr_cluster_id"] = w[3]
        elif w[0] == "password":
            s["password"] = head2.split('"')[1]
        elif head2 == "next hop self":
            s["next_hop"] = "self"
        elif head2 == "next hop keep":
            s["next_hop"] = "keep"
        elif head2.startswith("allow local as"):
            s["allow_local_as"] = int(w[3])
        elif head2.startswith("local as "):
            s["local_as"] = int(w[2])
        else:
            raise Unknown("session option %r" % head2)
    if s["ttl_security"] == -1:
        s["ttl_security"] = s["multihop"]
    del s["multihop"]
    return s


def parse_main(text, model):
    for head, body in blocks(text):
        w = head.split()
        if body is None:
            if head.startswith("include "):
                continue
            if head.startswith("router id "):
                model["router_id"] = w[2]
            elif head.startswith("listen bgp"):
                d = dict(zip(w[2::2], w[3::2]))
                model["listen"] = (d.get("address"),
                                   int(d.get("port", 179)))
            else:
                raise Unknown("statement %r" % head)
            continue
        if head.startswith("protocol bgp "):
            model["sessions"][w[2]] = session(head, body)
        elif head.startswith("function 'bgp_"):
            name = head.split("'")[1]
            model["functions"][name] = filter_function(body)
            model["fargs"][name] = "bool is_same_as" in head
        elif head.startswith("template bgp "):
            for h2, _ in blocks(body):
                if h2.startswith("local as "):
                    model["local_as"] = int(h2.split()[2])
                elif h2 == "add paths on":
                    model["add_paths"] = True
        elif head.startswith("template direct "):
            for h2, inner in blocks(body):
                if h2 == "debug all" or (h2 == "debug" and inner):
                    model["debug"] = "all" if inner is None else \
                        " ".join(inner.split())
                if h2.startswith("interface "):
                    pats = re.findall(r'(-?)"([^"]*)"', h2)
                    model["direct_ignored"] = [p for neg, p in pats
                                               if neg and p not in
                                               ("cali*", "kube-ipvs*")]
        elif head.startswith("function apply_communities"):
            for st in statements(body):
                if isinstance(st, str):
                    raise Unknown("apply_communities %r" % st)
                cidr = net(re.fullmatch(r"net ~ (\S+)", st[1]).group(1))
                for add in st[2]:
                    m = re.fullmatch(r"bgp_(large_)?community\.add\("
                                     r"\(([\d, ]+)\)\)", add)
                    if not m:
                        raise Unknown("community %r" % add)
                    v = ":".join(x.strip() for x in m.group(2).split(","))
                    model["communities"].setdefault(cidr, []).append(v)
        elif head.startswith(("protocol kernel", "protocol device",
                              "protocol direct", "template kernel",
                              "function apply_communities")):
            continue
        else:
            raise Unknown("block %r" % head)


def parse_aggr(text, model):
    for head, body in blocks(text):
        if head.startswith("template static "):
            for h2, _ in blocks(body):
                m = re.fullmatch(r"route (\S+) blackhole", h2)
                if m:
                    model["static_blackhole"].append(net(m.group(1)))
                    continue
                m = re.fullmatch(r"route (\S+) via (\S+)", h2)
                if m:
                    model["static_via"].append((net(m.group(1)),
                                                m.group(2)))
                    continue
                raise Unknown("static %r" % h2)
        elif head.startswith("protocol static"):
            continue
        elif head.startswith("function calico_aggr"):
            for st in statements(body):
                cond = st[1].replace(" ", "")
                m = re.fullmatch(r"net=(\S+)", cond)
                if m:
                    model["aggr"].append(net(m.group(1)))
                    continue
                m = re.fullmatch(r"net~(\S+)&&krt_metric<(\d+)", cond)
                if m:
                    model["aggr_escape"].add(int(m.group(2)))
                    continue
                if re.fullmatch(r"net~(\S+)", cond):
                    model["aggr_reject"].append(
                        net(cond.split("~")[1]))
                    continue
                raise Unknown("calico_aggr %r" % cond)
        else:
            raise Unknown("aggr block %r" % head)


def parse_ipam(text, model):
    for head, body in blocks(text):
        if head.startswith("function reject_local_routes"):
            continue
        if head.startswith("function calico_export_to_bgp_peers"):
            ex = model["export"]
            for st in statements(body):
                if isinstance(st, str):
                    if st in ("reject_local_routes()", "apply_communities()",
                              "calico_aggr()"):
                        continue
                    raise Unknown("export %r" % st)
                cond = st[1].replace(" ", "")
                if cond == "internal_peer":
                    m = re.findall(r'ifname ~ "([^"]+)"', str(st[2]))
                    ex["internal_reject_ifaces"] = m
                    continue
                m = re.fullmatch(r"net~(\S+)", cond)
                if not m:
                    raise Unknown("export condition %r" % cond)
                ex["steps"].append((st[2][0], net(m.group(1))))
        elif head.startswith("filter calico_kernel_programming"):
            k = model["kernel"]
            for st in statements(body):
                if isinstance(st, str):
                    if st != "accept":
                        raise Unknown("kernel %r" % st)
                    k["steps"].append(("accept", None))
                    continue
                cond = st[1].replace(" ", "")
                if cond.startswith("defined(source)&&(source=RTS_BGP)"):
                    k["metric_default"] = int(re.fullmatch(
                        r"krt_metric = (\d+)", st[2][0]).group(1))
                    continue
                m = re.fullmatch(r"net~(\S+)", cond)
                if not m:
                    raise Unknown("kernel condition %r" % cond)
                p = net(m.group(1))
                body2 = st[2]
                if body2 == ["reject"]:
                    k["steps"].append(("reject", p))
                elif body2 == ["accept"]:
                    k["steps"].append(("direct", p))
                elif body2 == ['krt_tunnel="tunl0"', "accept"]:
                    k["steps"].append(("tunl0", p))
                elif (len(body2) == 2 and isinstance(body2[0], tuple) and
                      body2[1] == "accept"):
                    sub = body2[0]
                    n = re.search(r"bgp_next_hop ~ (\S+?)\)", sub[1])
                    if sub[2] != ['krt_tunnel=""'] or \
                            sub[3] != ['krt_tunnel="tunl0"'] or not n:
                        raise Unknown("cross-subnet %r" % (sub,))
                    k["steps"].append(("cross-subnet " + net(n.group(1)),
                                       p))
                else:
                    raise Unknown("kernel body %r" % (body2,))
        else:
            raise Unknown("ipam block %r" % head)


def empty_model():
    return {"router_id": None, "listen": None, "local_as": None,
            "debug": None,
            "add_paths": False, "direct_ignored": [], "sessions": {},
            "functions": {}, "fargs": {}, "communities": {},
            "static_blackhole": [], "static_via": [], "aggr": [],
            "aggr_reject": [], "aggr_escape": set(),
            "export": {"internal_reject_ifaces": [], "steps": []},
            "kernel": {"metric_default": None, "steps": []}}


def load(folder, v6):
    """The model of one family from a folder of Calico's output."""
    sfx = "6" if v6 else ""
    m = empty_model()
    with open("%s/bird%s.cfg" % (folder, sfx)) as f:
        parse_main(f.read(), m)
    with open("%s/bird%s_aggr.cfg" % (folder, sfx)) as f:
        parse_aggr(f.read(), m)
    with open("%s/bird%s_ipam.cfg" % (folder, sfx)) as f:
        parse_ipam(f.read(), m)
    return m
