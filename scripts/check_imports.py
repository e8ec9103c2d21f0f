#!/usr/bin/env python3
"""The module structure stays a tree with one-way layers (part of `make lint`):

- no circle of imports between the files of `mock-server/src` (a module's file imports
  another's through `crate::…`, `super::…` or `self::…` paths, tests and comments aside);
- nothing imports up a layer: `platform` imports nothing outside `platform`; vendors import
  only `platform` and their own folder (never `state`, `admin`, `embed`, `verify`, another
  vendor); `config` and `state` import neither the admin API nor the embedded handle.

Prints each circle or back-arrow with the path that makes it and exits 1; otherwise
`imports: N modules, M edges, 0 circles, 0 back-arrows`.
"""

import collections
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "mock-server", "src")


def module_of(path):
    parts = os.path.relpath(path, ROOT)[:-3].split(os.sep)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return "::".join(["crate"] + parts)


def source_files():
    out = {}
    for d, _, files in os.walk(ROOT):
        for f in files:
            if f.endswith(".rs") and f != "tests.rs" and f != "main.rs":
                out[module_of(os.path.join(d, f))] = os.path.join(d, f)
    return out


def code_of(path):
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"#\[cfg\(test\)\]\s*mod \w+\s*\{.*", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def resolve(current, path, modules):
    segs = path.split("::")
    if segs[0] == "crate":
        base, segs = ["crate"], segs[1:]
    elif segs[0] == "self":
        base, segs = current.split("::"), segs[1:]
    else:
        base = current.split("::")
        while segs and segs[0] == "super":
            base, segs = base[:-1], segs[1:]
    found = None
    for i in range(len(segs) + 1):
        m = "::".join(base + segs[:i])
        if m in modules:
            found = m
    return found


def graph():
    files = source_files()
    modules = set(files)
    edges = collections.defaultdict(dict)
    for m, p in files.items():
        for ref in re.findall(r"\b((?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)+)", code_of(p)):
            t = resolve(m, ref, modules)
            if t and t != m and not m.startswith(t + "::"):
                edges[m].setdefault(t, ref)
    return modules, edges


def circles(modules, edges):
    index, low, stack, on, found, n = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, {}):
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
                found.append(sorted(comp))

    for v in sorted(modules):
        if v not in index:
            visit(v)
    return found


def back_arrow(a, b):
    """Why `a` importing `b` runs up a layer, or None."""
    def under(m, root):
        return m == root or m.startswith(root + "::")
    if under(a, "crate::platform") and not under(b, "crate::platform"):
        return "the platform imports only the platform"
    if under(a, "crate::vendors"):
        own = "::".join(a.split("::")[:3])
        if not (under(b, "crate::platform") or under(b, own)):
            return "a vendor imports only the platform and its own folder"
    if (under(a, "crate::config") or under(a, "crate::state")) and (
            under(b, "crate::admin") or under(b, "crate::embed")):
        return "configuration and state sit below the admin API and the embedded handle"
    return None


def main():
    modules, edges = graph()
    problems = []
    for comp in circles(modules, edges):
        inside = set(comp)
        path = [f"{a} -> {b} ({edges[a][b]})" for a in comp for b in edges[a] if b in inside]
        problems.append("circle: " + ", ".join(comp) + "\n    " + "\n    ".join(path))
    for a in sorted(edges):
        for b, ref in sorted(edges[a].items()):
            why = back_arrow(a, b)
            if why:
                problems.append(f"back-arrow: {a} -> {b} ({ref}): {why}")
    count = sum(len(v) for v in edges.values())
    if problems:
        print("\n".join(problems))
        print(f"imports: {len(modules)} modules, {count} edges, {len(problems)} problems")
        return 1
    print(f"imports: {len(modules)} modules, {count} edges, 0 circles, 0 back-arrows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
