#!/usr/bin/env python3
"""cycles.py BUILD_DIR: no circle of files inside a folder.

Reads the objects the build made (BUILD_DIR/<folder>/<file>.o) with nm:
file A depends on file B of the same folder when A uses a symbol that B
defines.  A circle (A needs B, B needs A, directly or around several
files) means neither can be read, tested or replaced alone: daemon/ was
one such knot of 16 files around daemon.c (issue 22).  Prints every
circle with the symbols that close it and exits 1; tests/layering.sh
checks the folders against each other.
"""
import os
import subprocess
import sys


def symbols(path):
    out = subprocess.run(["nm", path], capture_output=True, text=True,
                         check=True).stdout
    defs, uses = set(), set()
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in "TDBR":
            defs.add(f[2])
        elif len(f) == 2 and f[0] == "U":
            uses.add(f[1])
    return defs, uses


def circles(graph):
    """Tarjan's strongly connected components with more than one file."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: cycles.py BUILD_DIR")
    build = sys.argv[1]
    folders = sorted(d for d in os.listdir(build)
                     if os.path.isdir(os.path.join(build, d)) and
                     any(n.endswith(".o")
                         for n in os.listdir(os.path.join(build, d))))
    bad = checked = 0
    for folder in folders:
        files = {}
        for n in sorted(os.listdir(os.path.join(build, folder))):
            if n.endswith(".o"):
                files[n[:-2]] = symbols(os.path.join(build, folder, n))
        if len(files) < 2:
            continue
        owner = {}
        for name, (defs, _) in files.items():
            for s in defs:
                owner[s] = name
        graph, why = {}, {}
        for name, (_, uses) in files.items():
            graph[name] = set()
            for s in sorted(uses):
                o = owner.get(s)
                if o is not None and o != name:
                    graph[name].add(o)
                    why.setdefault((name, o), s)
        checked += 1
        for comp in circles(graph):
            bad += 1
            print("cycles: %s/: a circle of %d files: %s" %
                  (folder, len(comp), " ".join(comp)))
            for a in comp:
                for b in sorted(graph[a] & set(comp)):
                    print("    %s.c -> %s.c (%s)" % (a, b, why[(a, b)]))
    if bad:
        sys.exit(1)
    print("cycles: %d folders, no circle of files" % checked)


if __name__ == "__main__":
    main()
