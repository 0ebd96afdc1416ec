#!/usr/bin/env python3
"""Calico resources into etcd through its JSON gateway, fast (one TLS
connection, keep-alive), for bench/etcd.sh.  Run inside a namespace that
reaches etcd.

  etcd_load.py URL CA CERT KEY load N MESH   pool, default BGPConfiguration,
        N Nodes (n1, n2 at 198.51.100.1-2, the rest in 198.18.0.0/15) and
        one confirmed block affinity each; MESH false adds BGPPeers n1<->n2
  etcd_load.py URL CA CERT KEY yaml N MESH   the same as one YAML stream
        on stdout (for the file datastore), no etcd needed
  etcd_load.py URL CA CERT KEY aff NODE CIDR  put one affinity; prints the
        CLOCK_MONOTONIC time just before the request
"""
import base64
import http.client
import json
import ssl
import sys
import time
import urllib.parse

RES = "/calico/resources/v3/projectcalico.org/"


def meta(kind, name, labels=None):
    m = {"name": name, "uid": "bench-%s-%s" % (kind, name),
         "creationTimestamp": "2026-12-02T10:00:00Z"}
    if labels:
        m["labels"] = labels
    return {"kind": kind, "apiVersion": "projectcalico.org/v3",
            "metadata": m}


def node_ip(i):
    if i <= 2:
        return "198.51.100.%d/24" % i
    return "198.18.%d.%d/15" % (i // 250, i % 250 + 1)


def resources(n, mesh):
    pool = meta("IPPool", "pods")
    pool["spec"] = {"cidr": "100.64.0.0/16", "ipipMode": "Never",
                    "vxlanMode": "Never", "blockSize": 26}
    yield RES + "ippools/pods", pool
    conf = meta("BGPConfiguration", "default")
    conf["spec"] = {"nodeToNodeMeshEnabled": mesh, "asNumber": 64512}
    yield RES + "bgpconfigurations/default", conf
    for i in range(1, n + 1):
        name = "n%d" % i
        node = meta("Node", name, {"kubernetes.io/hostname": name,
                                   "rack": "r%d" % (i % 10)})
        node["spec"] = {"bgp": {"ipv4Address": node_ip(i)},
                        "orchRefs": [{"nodeName": name,
                                      "orchestrator": "k8s"}],
                        "addresses": [{"address": node_ip(i),
                                       "type": "CalicoNodeIP"}]}
        node["status"] = {}
        yield RES + "nodes/" + name, node
        # Blocks 100.64.0.0/26 ... (/16 holds 1,024 of them).
        b = i - 1
        cidr = "100.64.%d.%d-26" % (b // 4, (b % 4) * 64)
        yield ("/calico/ipam/v2/host/%s/ipv4/block/%s" % (name, cidr),
               {"state": "confirmed", "deleted": False})
    if not mesh:
        for a, b in ((1, 2), (2, 1)):
            p = meta("BGPPeer", "n%d-n%d" % (a, b))
            p["spec"] = {"node": "n%d" % a, "peerIP": "198.51.100.%d" % b,
                         "asNumber": 64512}
            yield RES + "bgppeers/" + p["metadata"]["name"], p


class Gateway:
    def __init__(self, url, ca, cert, key):
        u = urllib.parse.urlparse(url)
        ctx = ssl.create_default_context(cafile=ca)
        ctx.load_cert_chain(cert, key)
        self.c = http.client.HTTPSConnection(u.hostname, u.port,
                                             context=ctx)

    def put(self, key, value):
        body = json.dumps({
            "key": base64.b64encode(key.encode()).decode(),
            "value": base64.b64encode(value.encode()).decode()})
        self.c.request("POST", "/v3/kv/put", body,
                       {"Content-Type": "application/json"})
        r = self.c.getresponse()
        data = r.read()
        if r.status != 200:
            sys.exit("put %s: HTTP %d %s" % (key, r.status, data[:200]))


def main():
    url, ca, cert, key, cmd = sys.argv[1:6]
    args = sys.argv[6:]
    if cmd == "yaml":
        for k, v in resources(int(args[0]), args[1] == "true"):
            if k.startswith("/calico/ipam/"):
                node = k.split("/")[5]
                cidr = k.rsplit("/", 1)[1].replace("-", "/")
                v = dict(meta("BlockAffinity", node + "-" +
                              cidr.replace(".", "-").replace("/", "-")),
                         spec={"state": "confirmed", "node": node,
                               "cidr": cidr})
            print("---")
            print(json.dumps(v))
        return
    gw = Gateway(url, ca, cert, key)
    if cmd == "load":
        n = 0
        for k, v in resources(int(args[0]), args[1] == "true"):
            gw.put(k, json.dumps(v, separators=(",", ":")))
            n += 1
        print(n)
    elif cmd == "aff":
        k = "/calico/ipam/v2/host/%s/ipv4/block/%s" % (
            args[0], args[1].replace("/", "-"))
        t = time.monotonic()
        gw.put(k, '{"state":"confirmed","deleted":false}')
        print("%.6f" % t)
    else:
        sys.exit("unknown command " + cmd)


main()
