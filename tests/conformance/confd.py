#!/usr/bin/env python3
"""Calico's own confd golden tests, run through bgpd.

  confd.py BGPD [--confd DIR] [-v] [CASE...]

DIR (default ../shared/calico-confd beside the project) holds Calico's
inputs (mock_data/calicoctl/...) and the BIRD configs confd renders from
them for node kube-master (compiled_templates/...), and cases.json, how
Calico's Go runner runs each one-shot case.  Every case is fed to
`bgpd --check --json` the way the runner feeds confd (the same node name,
the same block affinities, the same environment, secrets as files), and
bgpd's plan is compared with the BIRD configs field by field: the
sessions and every option BIRD gets, the BGPFilter functions each
session calls and what their rules say, communities, blackholes,
aggregation, service routes, reachableBy routes, the export and kernel
filters and the route priorities.  The daemon-mode tests of Calico's
runner (confd/tests/daemon_test.go: steps that change resources, add
and change secrets, delete a filter, move programClusterRoutes and the
normal route priorities) are expressed as sequences of configs below.

A difference is a failure unless DELIBERATE lists it (each entry is
explained in README.md, "Where bgpd deliberately differs").  Prints one
line a case and 'N passed, M failed'; exits 1 on any failure.
"""
import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import birdcfg  # noqa: E402
from birdcfg import net  # noqa: E402

INT32_MAX = 2147483647

# (case prefix, family or None, field path prefix, README reason)
DELIBERATE = [
    # confd renders a session whose secret is missing with no password;
    # bgpd keeps it down until the secret exists (never unauthenticated).
    ("password/step", None, "sessions.*.password", "missing secret"),
    ("mesh/password/step", None, "sessions.*.password", "missing secret"),
    # Per-Service /32 routes come from Kubernetes Services and
    # EndpointSlices, which no datastore of bgpd's has.
    ("TestMeshTemplates/static-routes", None, "static_blackhole",
     "per-service routes"),
    ("TestMeshTemplates/static-routes", None, "export.steps",
     "per-service routes"),
    ("mesh/static-routes", None, "static_blackhole", "per-service routes"),
    ("mesh/static-routes", None, "export.steps", "per-service routes"),
]


def truncated_name(name):
    """confd's BIRD symbol for a filter (TruncateAndHashName, 45)."""
    if len(name) <= 45:
        return name
    h = hashlib.sha256(name.encode()).hexdigest().upper()
    return "%s_%s" % (name[:45 - 17], h[:16])


def fam_of(ip):
    return 6 if ":" in ip else 4


# ---- bgpd's plan -> the same model birdcfg builds ----

def plan_rule(r):
    out = {"action": r["action"], "operations": []}
    if "cidr" in r:
        op = {"Equal": "=", "NotEqual": "!=", "In": "~",
              "NotIn": "!~"}[r["match_operator"]]
        out["cidr"] = (op, net(r["cidr"]))
        if "prefix_length_min" in r or "prefix_length_max" in r:
            c = net(r["cidr"])
            bits = 128 if ":" in c else 32
            out["prefix_length"] = (r.get("prefix_length_min",
                                          int(c.split("/")[1])),
                                    r.get("prefix_length_max", bits))
    for k in ("source", "interface", "peer_type", "community",
              "priority"):
        if k in r:
            out[k] = r[k]
    if "as_path_prefix" in r:
        out["as_path_prefix"] = list(r["as_path_prefix"])
    for op in r.get("operations", []):
        (k, v), = op.items()
        if k == "prepend_as_path":
            v = tuple(v)
        out["operations"].append((k, v))
    # confd writes addCommunity, then setPriority, then the prepends
    order = {"add_community": 0, "set_priority": 1, "prepend_as_path": 2}
    out["operations"].sort(key=lambda o: order[o[0]])
    return out


def plan_model(plan, fam, secrets):
    m = birdcfg.empty_model()
    m["router_id"] = plan["router_id"]
    addr = plan["ipv4_address" if fam == 4 else "ipv6_address"]
    m["listen"] = ((addr.split("/")[0] if plan["bind_node_ip"] and addr
                    else None), plan["listen_port"])
    # BIRD gets no BGP template for a family the node has no address of
    m["local_as"] = plan["as"] if addr else None
    m["add_paths"] = plan.get("add_paths", False) if addr else False
    m["debug"] = {"debug": "all", "info": "states"}.get(
        plan["log_severity"], "none")
    m["direct_ignored"] = list(plan["ignored_interfaces"])
    prio = plan["ipv%d_normal_route_priority" % fam]
    filters = {f["name"]: f for f in plan["filters"]}
    sfx = "v%d" % fam
    for s in plan["sessions"]:
        if fam_of(s["peer_ip"]) != fam:
            continue
        # confd's sameAS: the peer's AS against the session's own
        same = s["remote_as"] == s["local_as"]
        x = {k: s[k] for k in ("peer_ip", "peer_port", "remote_as",
                               "source_address", "passive",
                               "ttl_security", "restart_time",
                               "keepalive_time", "rr_client",
                               "next_hop", "allow_local_as")}
        x["local_as"] = s["local_as"]
        x["rr_cluster_id"] = s["rr_cluster_id"] if s["rr_client"] else None
        pw = s["password"]
        x["password"] = None
        if pw:
            p = os.path.join(secrets, pw["secret"], pw["key"])
            if os.path.exists(p):
                with open(p) as f:
                    x["password"] = f.read()
            else:
                x["password"] = "<missing %s/%s>" % (pw["secret"],
                                                      pw["key"])
        for d in ("import", "export"):
            calls = []
            for name in s["filters"]:
                rules = filters[name].get("%s_%s" % (d, sfx), [])
                if not rules:
                    continue
                arg = None
                if any("peer_type" in r for r in rules):
                    arg = "true" if same else "false"
                calls.append((truncated_name(name), d, fam, arg))
            x[d] = calls
        x["export_internal"] = same
        x["import_priority"] = prio
        x["export_priority"] = prio
        m["sessions"][s["name"]] = x
    for f in plan["filters"]:
        for d in ("import", "export"):
            rules = f.get("%s_%s" % (d, sfx), [])
            if rules:
                fn = "bgp_%s_%sFilterV%d" % (truncated_name(f["name"]), d,
                                             fam)
                m["functions"][fn] = [plan_rule(r) for r in rules]
                m["fargs"][fn] = any("peer_type" in r for r in rules)
    for pa in plan["prefix_advertisements"]:
        if fam_of(pa["cidr"]) == fam:
            m["communities"][net(pa["cidr"])] = list(pa["communities"])
    for b in plan["blackholes"]:
        if fam_of(b) == fam:
            m["static_blackhole"].append(net(b))
    ranges = [net(r) for r in plan["service_ranges"] if fam_of(r) == fam]
    if plan["service_ranges_advertised"]:
        m["static_blackhole"] += ranges
    for s in plan["sessions"]:
        if s["reachable_by"] and fam_of(s["peer_ip"]) == fam:
            host = s["peer_ip"] + ("/32" if fam == 4 else "/128")
            m["static_via"].append((net(host), s["reachable_by"]))
    for o in plan["originate"]:
        if fam_of(o) == fam:
            m["aggr"].append(net(o))
            m["aggr_reject"].append(net(o))
    if m["aggr"]:
        m["aggr_escape"].add(prio)
    # calico_export_to_bgp_peers, from the plan's decisions in confd's
    # order (pools never overlap, so the order within a kind is moot)
    pools = [p for p in plan["pools"] if fam_of(p["cidr"]) == fam]
    ex = m["export"]
    ex["internal_reject_ifaces"] = ["*.cali", "*.calico"] + (
        ["tunl0"] if plan["felix_programs_ipip"] else [])
    steps = [("reject", net(p["cidr"])) for p in pools
             if p["disable_bgp_export"]]
    if plan["service_ranges_advertised"]:
        steps += [("accept", r) for r in ranges]
    if plan["rr_cluster_id"]:
        steps += [("accept", net(r)) for r in
                  plan["service_loadbalancer_ips"] if fam_of(r) == fam]
    steps += [("accept", net(p["cidr"])) for p in pools
              if not p["disable_bgp_export"]]
    ex["steps"] = steps
    # calico_kernel_programming: confd writes IPv4 pool lines only when
    # it knows the node's IPv4 network
    k = m["kernel"]
    k["metric_default"] = prio
    steps = [("reject", r) for r in ranges]
    if addr or fam == 6:
        for p in pools:
            act = {"felix": "reject", "direct": "direct",
                   "tunl0": "tunl0"}.get(p["kernel"])
            if p["kernel"] == "cross-subnet":
                act = "cross-subnet " + net(addr)
            steps.append((act, net(p["cidr"])))
    k["steps"] = steps + [("accept", None)]
    return m


# ---- comparison ----

def normalize(m):
    """Order-free parts sorted, so only real differences remain."""
    m = copy.deepcopy(m)
    for k in ("static_blackhole", "static_via", "aggr", "aggr_reject",
              "direct_ignored"):
        m[k] = sorted(m[k])
    m["communities"] = {k: sorted(v) for k, v in m["communities"].items()}
    m["export"]["steps"] = sorted(m["export"]["steps"])
    # "accept" for a pool is what the final accept does anyway
    m["kernel"]["steps"] = sorted((x for x in m["kernel"]["steps"]
                                   if x[0] != "direct"), key=str)
    m["aggr_escape"] = sorted(m["aggr_escape"])
    for s in m["sessions"].values():
        for k in ("import_priority", "export_priority"):
            s.setdefault(k, None)
    return m


def diff(exp, act, path, out):
    if isinstance(exp, dict) and isinstance(act, dict):
        for k in sorted(set(exp) | set(act), key=str):
            p = "%s.%s" % (path, k) if path else str(k)
            if k not in act:
                out.append((p, exp[k], "<absent>"))
            elif k not in exp:
                out.append((p, "<absent>", act[k]))
            else:
                diff(exp[k], act[k], p, out)
    elif exp != act:
        out.append((path, exp, act))


def fill_expected(m):
    """BIRD's implicit values made explicit, as the plan states them;
    only the BGPFilter functions some session calls (confd renders one
    for every BGPFilter in the cluster)."""
    used = set()
    for s in m["sessions"].values():
        for call in s.get("import", []) + s.get("export", []):
            used.add("bgp_%s_%sFilterV%d" % call[:3])
    m["functions"] = {k: v for k, v in m["functions"].items()
                      if k in used}
    m["fargs"] = {k: v for k, v in m["fargs"].items() if k in used}
    for s in m["sessions"].values():
        if s["local_as"] is None:
            s["local_as"] = m["local_as"]
    if m["listen"] is None:
        m["listen"] = (None, 179)
    return m


def ipip_default(exp, plan, fam):
    """README's deliberate difference: with programClusterRoutes unset,
    bgpd programs the IPIP routes itself (Calico v3.32's Enabled), where
    confd HEAD (v3.33's EnabledNoEncapOnly) leaves them to Felix.  The
    expected model is turned into what v3.32 renders; True if that
    changed anything."""
    if plan["program_cluster_routes"] != "default":
        return False
    changed = False
    ifs = exp["export"]["internal_reject_ifaces"]
    if "tunl0" in ifs:
        ifs.remove("tunl0")
        changed = True
    if fam != 4:
        return changed
    addr = plan["ipv4_address"]
    steps = exp["kernel"]["steps"]
    for p in plan["pools"]:
        if fam_of(p["cidr"]) != 4 or p["vxlan_mode"] != "Never" or \
                p["ipip_mode"] == "Never":
            continue
        old = ("reject", net(p["cidr"]))
        if old in steps:
            act = "tunl0" if p["ipip_mode"] == "Always" else \
                "cross-subnet " + net(addr)
            steps[steps.index(old)] = (act, net(p["cidr"]))
            changed = True
    return changed


def deliberate(case, fam, path):
    for prefix, f, field, _ in DELIBERATE:
        if not case.startswith(prefix) or (f and f != fam):
            continue
        a = field.split(".")
        b = path.split(".")
        if len(b) >= len(a) and all(x == "*" or x == y
                                    for x, y in zip(a, b)):
            return True
    return False


# ---- running bgpd ----

def affinities_yaml(affs):
    docs = []
    for i, a in enumerate(affs):
        docs.append("kind: BlockAffinity\napiVersion: projectcalico.org/v3"
                    "\nmetadata:\n  name: conformance-%d\nspec:\n"
                    "  node: %s\n  cidr: %s\n  state: %s\n" %
                    (i, a["node"], a["cidr"], a["state"] or "confirmed"))
    return "---\n".join(docs)


def run_bgpd(bgpd, cfgdir, secrets, node, env):
    e = {k: v for k, v in os.environ.items()
         if k not in ("NODENAME", "CALICO_ROUTER_ID")}
    e.update(env)
    p = subprocess.run([bgpd, "--check", "--json", "--config", cfgdir,
                        "--node", node, "--secrets-dir", secrets],
                       env=e, capture_output=True, text=True, timeout=60)
    return p


class Case:
    """One expected folder and the resources that should produce it:
    input files layered in order (a later document replaces an earlier
    one of the same kind and name, as the runner's upsert does), then
    patches (kind, name, {field: value}) to spec fields, then deletions
    (kind, name)."""

    def __init__(self, name, expected, inputs, env=None, affs=None,
                 node="kube-master", secrets=None, patches=(),
                 deletes=(), epstatus=None):
        self.name = name
        self.expected = expected
        self.inputs = inputs
        self.env = env or {}
        self.affs = affs or []
        self.node = node
        self.secrets = secrets or {}    # name -> {key: value}
        self.patches = patches
        self.deletes = deletes
        self.epstatus = epstatus or {}  # file -> Felix's JSON


def load_docs(path):
    docs, cur = [], []
    with open(path) as f:
        for line in f:
            if line.rstrip() == "---":
                docs.append("".join(cur))
                cur = []
            else:
                cur.append(line)
    docs.append("".join(cur))
    return [d for d in docs if re.search(r"^kind:", d, re.M)]


def doc_key(doc):
    kind = re.search(r"^kind:\s*(\S+)", doc, re.M).group(1)
    name = re.search(r"^metadata:\s*\n(?:[ \t]+.*\n|\s*\n)*?"
                     r"[ \t]+name:\s*(\S+)", doc, re.M).group(1)
    return kind, name.strip("'\"")


def patch_doc(doc, fields):
    lines = doc.splitlines()
    if not any(l.rstrip() == "spec:" for l in lines):
        lines.append("spec:")
    i = [l.rstrip() for l in lines].index("spec:")
    for k, v in fields.items():
        for j in range(i + 1, len(lines)):
            if re.match(r"\S", lines[j]):
                break
            if re.match(r"  %s:" % re.escape(k), lines[j]):
                lines[j] = "  %s: %s" % (k, v)
                break
        else:
            lines.insert(i + 1, "  %s: %s" % (k, v))
    return "\n".join(lines) + "\n"


def case_docs(case, confd):
    docs = []
    for path in case.inputs:
        for d in load_docs(os.path.join(confd, path)):
            docs = [x for x in docs if doc_key(x) != doc_key(d)] + [d]
    for kind, name, fields in case.patches:
        hit = [i for i, d in enumerate(docs) if doc_key(d) == (kind,
                                                               name)]
        if not hit:
            docs.append("kind: %s\napiVersion: projectcalico.org/v3\n"
                        "metadata:\n  name: %s\n" % (kind, name))
            hit = [len(docs) - 1]
        docs[hit[0]] = patch_doc(docs[hit[0]], fields)
    for kind, name in case.deletes:
        docs = [d for d in docs if doc_key(d) != (kind, name)]
    return docs


def write_config(case, tmp, confd):
    cfg = os.path.join(tmp, "config")
    sec = os.path.join(tmp, "secrets")
    for d in (cfg, sec):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    docs = case_docs(case, confd)
    if case.affs:
        docs.append(affinities_yaml(case.affs))
    with open(os.path.join(cfg, "input.yaml"), "w") as f:
        f.write("---\n".join(docs))
    es = os.path.join(tmp, "prefix", "endpoint-status")
    shutil.rmtree(os.path.join(tmp, "prefix"), ignore_errors=True)
    os.makedirs(es)
    for name, text in case.epstatus.items():
        with open(os.path.join(es, name), "w") as f:
            f.write(text)
    for name, keys in case.secrets.items():
        os.makedirs(os.path.join(sec, name))
        for k, v in keys.items():
            with open(os.path.join(sec, name, k), "w") as f:
                f.write(v)
    return cfg, sec


def check(case, bgpd, confd, tmp, verbose):
    cfg, sec = write_config(case, tmp, confd)
    env = dict(case.env)
    env["CALICO_ENDPOINT_STATUS_PATH_PREFIX"] = os.path.join(tmp, "prefix")
    p = run_bgpd(bgpd, cfg, sec, case.node, env)
    if p.returncode != 0 or not p.stdout.strip():
        return ["bgpd --check exit %d: %s" % (p.returncode,
                                               p.stderr.strip()[:2000])]
    plan = json.loads(p.stdout)
    problems = []
    for fam in (4, 6):
        exp = fill_expected(birdcfg.load(os.path.join(confd,
                                                      case.expected),
                                         fam == 6))
        if ipip_default(exp, plan, fam) and verbose:
            print("    v%d programClusterRoutes unset: deliberate "
                  "(IPIP routes programmed by bgpd)" % fam)
        act = plan_model(plan, fam, sec)
        out = []
        diff(normalize(exp), normalize(act), "", out)
        for path, e, a in out:
            if deliberate(case.name, fam, path):
                if verbose:
                    print("    v%d %s: deliberate (%r vs %r)" %
                          (fam, path, e, a))
                continue
            problems.append("v%d %s: calico %r, bgpd %r" % (fam, path, e,
                                                            a))
    if verbose and p.stderr.strip():
        for line in p.stderr.strip().splitlines():
            print("    bgpd: " + line)
    return problems


def oneshot_cases(confd):
    with open(os.path.join(confd, "cases.json")) as f:
        spec = json.load(f)
    cases = []
    for c in spec["oneshot"]:
        cases.append(Case(c["name"], c["expected"], [c["input"]],
                          env=c["env"], affs=spec["block_affinities"],
                          node=spec["node"]))
    return cases, spec


def daemon_cases(confd, spec):
    """confd/tests/daemon_test.go's sequences, as configs in order."""
    affs = spec["block_affinities"]
    md = "mock_data/calicoctl/"
    ct = "compiled_templates/"
    out = []
    # TestSourceAddrGracefulRestart: node1, no affinities; the BGPPeer
    # edited to sourceAddress None, then maxRestartTime 10s.
    base = md + "sourceaddr_gracefulrestart/input.yaml"
    out.append(Case("sourceaddr_gracefulrestart/step1",
                    ct + "sourceaddr_gracefulrestart/step1", [base],
                    node="node1"))
    out.append(Case("sourceaddr_gracefulrestart/step2",
                    ct + "sourceaddr_gracefulrestart/step2", [base],
                    node="node1", patches=[("BGPPeer", "bgppeer-1",
                                            {"sourceAddress": "None"})]))
    out.append(Case("sourceaddr_gracefulrestart/step3",
                    ct + "sourceaddr_gracefulrestart/step3", [base],
                    node="node1", patches=[("BGPPeer", "bgppeer-1",
                                            {"sourceAddress": "None",
                                             "maxRestartTime": "10s"})]))
    # TestNodeMeshBGPPassword: the secret absent, created, changed,
    # moved to another key, deleted.
    base = md + "mesh_password/input.yaml"
    for name, sec, exp in (
            ("step1", {}, "step1"),
            ("step2", {"my-secrets-1": {"a": "password-a"}}, "step2"),
            ("step3", {"my-secrets-1": {"a": "new-password-a"}}, "step3"),
            ("step4", {"my-secrets-1": {"b": "password-b"}}, "step1"),
            ("step5", {}, "step1")):
        # The runner starts this one without affinities, yet its golden
        # files hold the standard blocks (left by an earlier test).
        out.append(Case("mesh/password/" + name,
                        ct + "mesh/password/" + exp, [base],
                        secrets=sec, affs=affs))
    # TestBGPPeerPassword (node1).
    base = md + "password/input.yaml"
    steps = (
        ("step1", {}),
        ("step2", {"my-secrets-1": {"b": "password-b"}}),
        ("step3", {"my-secrets-1": {"b": "password-b", "a": "password-a"},
                   "my-secrets-2": {"c": "password-c"}}),
        ("step4", {"my-secrets-1": {"b": "password-b", "a": "password-a"}}),
        ("step5", {"my-secrets-1": {"b": "new-password-b",
                                    "a": "new-password-a"}}),
        ("step6", {"my-secrets-1": {"b": "new-password-b"}}))
    for name, sec in steps:
        out.append(Case("password/" + name, ct + "password/" + name,
                        [base], node="node1", secrets=sec))
    # TestNormalRoutePriorityChange: no affinities.
    base = md + "bgpfilter/node_mesh/input.yaml"
    out.append(Case("bgpfilter/node_mesh/priority1",
                    ct + "bgpfilter/node_mesh/priority1", [base]))
    out.append(Case("bgpfilter/node_mesh/priority2",
                    ct + "bgpfilter/node_mesh/priority2", [base],
                    patches=[("BGPConfiguration", "default",
                              {"ipv4NormalRoutePriority": 5000})]))
    out.append(Case("bgpfilter/node_mesh/priority3",
                    ct + "bgpfilter/node_mesh/priority3", [base],
                    patches=[("BGPConfiguration", "default",
                              {"ipv4NormalRoutePriority": 5000,
                               "ipv6NormalRoutePriority": 80})]))
    # TestLocalBGPPeer: two pods Felix selected for two BGPPeers.
    out.append(Case(
        "explicit_peering/local_bgp_peer",
        ct + "explicit_peering/local_bgp_peer",
        [md + "local_bgp_peer/input.yaml"], affs=affs,
        epstatus={
            "pod1": '{"ifaceName":"cali97e1defe654","ipv4Nets":'
                    '["192.168.162.134/32"],"ipv6Nets":["fd00:10:244:0:'
                    '586d:4461:e980:a284/128"],"bgpPeerName":'
                    '"test-global-peer-with-filter"}',
            "pod2": '{"ifaceName":"cali97e1defe656","ipv4Nets":'
                    '["192.168.162.136/32"],"ipv6Nets":["fd00:10:244:0:'
                    '586d:4461:e980:a286/128"],"bgpPeerName":'
                    '"test-node-peer-with-filter"}'}))
    # TestBGPFilterDeletion: with affinities; the filter deleted.
    base = md + "bgpfilter/filter_deletion/input.yaml"
    out.append(Case("bgpfilter/filter_deletion/step1",
                    ct + "bgpfilter/filter_deletion/step1", [base],
                    affs=affs))
    out.append(Case("bgpfilter/filter_deletion/step2",
                    ct + "bgpfilter/filter_deletion/step2", [base],
                    affs=affs, deletes=[("BGPFilter", "test-filter")]))
    # TestDaemonModeRendering: steps layered on their base.
    for d in ("mesh/communities", "mesh/static-routes",
              "mesh/static-routes-exclude-node",
              "explicit_peering/selectors"):
        out.append(Case(d + "/step2", ct + d + "/step2",
                        [md + d + "/input.yaml", md + d + "/step2/"
                         "input.yaml"], affs=affs))
    # TestProgramClusterRoutes.
    base = md + "mesh/restart-time/input.yaml"
    for val, exp in ((None, "mesh/restart-time"),
                     ("EnabledNoEncapOnly", "mesh/restart-time"),
                     ("Disabled", "mesh/restart-time/pcr-disabled"),
                     ("Enabled", "mesh/restart-time/pcr-enabled"),
                     ("EnabledIPIPOnly", "mesh/restart-time/pcr-ipip-only")):
        pat = [("BGPConfiguration", "default",
                {"programClusterRoutes": val})] if val else []
        out.append(Case("programClusterRoutes=%s" % (val or "unset"),
                        ct + exp, [base], affs=affs, patches=pat))
    return out


def main(argv):
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("bgpd")
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--confd", default=os.path.join(
        here, "..", "..", "..", "shared", "calico-confd"))
    ap.add_argument("-v", action="store_true")
    ap.add_argument("only", nargs="*")
    a = ap.parse_args(argv)
    bgpd = os.path.abspath(a.bgpd)
    confd = os.path.abspath(a.confd)
    cases, spec = oneshot_cases(confd)
    cases += daemon_cases(confd, spec)
    npass = nfail = 0
    with tempfile.TemporaryDirectory(prefix="conformance.") as tmp:
        for c in cases:
            if a.only and not any(o in c.name for o in a.only):
                continue
            try:
                probs = check(c, bgpd, confd, tmp, a.v)
            except birdcfg.Unknown as e:
                probs = ["cannot read Calico's output: %s" % e]
            if probs:
                nfail += 1
                print("FAIL %s" % c.name)
                for p in probs[:40]:
                    print("    " + p)
            else:
                npass += 1
                print("ok   %s" % c.name)
    print("conformance: %d passed, %d failed" % (npass, nfail))
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
