#!/usr/bin/env python3
"""Mutation check of the plan: break one CALICO.md section 4 rule at a time
in config/plan.c (in a temporary copy of the tree), rebuild, and require
that the golden tests notice.  Every rule must have a golden case that
fails without it.  Usage: tools/mutate-plan.py (about two minutes)."""
import os, shutil, subprocess, sys, tempfile

src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
work = tempfile.mkdtemp(prefix="bgpd-mutate-")
shutil.copytree(src, os.path.join(work, "tree"),
                ignore=shutil.ignore_patterns("build", ".git"))
os.chdir(os.path.join(work, "tree"))
muts = [
 ("mesh: RR peers excluded", "if (is_self(c, x) || x->rr_cluster_id.af != 0)", "if (is_self(c, x))"),
 ("mesh: local RR has no mesh", "if (!c->plan->mesh_enabled || self->rr_cluster_id.af != 0)", "if (!c->plan->mesh_enabled)"),
 ("mesh: lexical passive", "s->passive = ip_text_greater(&theirs->addr,", "s->passive = !ip_text_greater(&theirs->addr,"),
 ("mesh: peer node port", "s->peer_port = node_port(c, x);\n\t\t\tif (s->peer_port == 0)", "s->peer_port = 0;\n\t\t\tif (s->peer_port == 0)"),
 ("mesh: remote AS", "s->remote_as = node_as(c, x);", "s->remote_as = c->plan->local_as;"),
 ("emit: first wins", "bool dup = same_key(o,", "bool dup = false && same_key(o,"),
 ("emit: global shadows node", "bool shadow = !k->global &&", "bool shadow = false &&"),
 ("reverse: off", "if (!local)\n\t\treturn;", "if (!local || true)\n\t\treturn;"),
 ("reverse: manual ignored", "if (p->reverse_manual || p->lw_sel != NULL)", "if (p->lw_sel != NULL)"),
 ("reverse: family", "v6 = !v4;", "v6 = true; v4 = true;"),
 ("reverse: AS check", "if (node_as(c, n) != (asn != 0 ? asn : c->global_as))", "if (false)"),
 ("peerIP: port from node", "k.port = node_port(c, x);\n\t\t\t\tbreak;", "break;"),
 ("rr: client rule cluster", "!addr_eq(&k->rr_cluster, &c->self->rr_cluster_id))) {", "true)) {"),
 ("rr: iBGP only", "if (s->remote_as == local_as && c->self->rr_cluster_id.af != 0 &&", "if (c->self->rr_cluster_id.af != 0 &&"),
 ("passive: global calico node", "if (s->type == PLAN_GLOBAL && k->calico_node &&", "if (false &&"),
 ("keepnh: eBGP only", "else if (p->keep_original_nh && s->remote_as != local_as)", "else if (p->keep_original_nh)"),
 ("localASNumber", "if (k->from_peer_ip && p->local_asn != 0)", "if (false)"),
 ("sourceAddress None", "if (!p->source_none)\n\t\ts->source_addr", "if (true)\n\t\ts->source_addr"),
 ("self peering skip", "if (mine == NULL || addr_eq(&mine->addr, &k->ip))", "if (mine == NULL)"),
 ("mesh dedup", "if (e != NULL) {\n\t\t\tconfig_diag_add", "if (false) {\n\t\t\tconfig_diag_add"),
 ("pending affinity", "if (state == CONFIG_AFF_PENDING)\n\t\treturn;", ""),
 ("node override port", "if (o != NULL && o->listen_port != 0)", "if (false)"),
 ("global scope", "if (pass == 0 && peer_is_global(p))", "if (pass == 0 && false)"),
 ("nodeSelector scope", "return node_matches(c->self, p->node_sel);", "return true;"),
 ("name port suffix", "if (port != 0 && port != CONFIG_DEFAULT_PORT && n > 0 &&", "if (false && n > 0 &&"),
 ("hash -32", "if (d[0] > 223)\n\t\td[0] -= 32;", ""),
]
orig = open('config/plan.c').read()
bad = 0
for name, a, b in muts:
    if a not in orig:
        print("MUTATION NOT APPLIED:", name); bad += 1; continue
    open('config/plan.c','w').write(orig.replace(a, b, 1))
    r = subprocess.run("make -s -j2 >/dev/null 2>&1 && sh tests/golden.sh build/bgpd 2>/dev/null | tail -1", shell=True, capture_output=True, text=True)
    line = r.stdout.strip()
    caught = " 0 failed" not in line
    print(("caught  " if caught else "MISSED  ") + name + "  (" + line + ")")
    if not caught: bad += 1
shutil.rmtree(work)
print("mutations: %d caught, %d missed" % (len(muts) - bad, bad))
sys.exit(1 if bad else 0)
