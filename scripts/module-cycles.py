#!/usr/bin/env python3
"""Finds import circles between the modules of each crate.

For every crate under crates/, reads its src/ tree, maps each file to its module
path (src/concern/triage.rs -> concern::triage) and each `crate::…` reference in
it (paths and `use crate::{…}` groups, doc links included) to the module it
names. It then prints, per crate:

  * the feature graph: top-level module -> top-level modules it uses;
  * every circle between top-level modules (a strongly connected group);
  * every circle between files inside one top-level module.

Exits 1 when any crate has a circle between top-level modules, or (with
--strict) between any two files. Usage: python3 scripts/module-cycles.py [--strict]
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent / "crates"


def module_of(src, path):
    rel = path.relative_to(src).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "mod":
        parts.pop()
    if parts in (["lib"], ["main"]):
        return ""
    return "::".join(parts)


def split_group(body):
    parts, depth, cur = [], 0, ""
    for ch in body:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    out = []
    for p in parts:
        p = p.strip()
        m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)(?:::\{(.*)\}|::([a-z_][a-z0-9_:]*))?", p, re.S)
        if not m:
            continue
        head = m.group(1)
        if m.group(2) is not None:
            out += [head + "::" + x for x in split_group(m.group(2))]
        elif m.group(3):
            out.append(head + "::" + m.group(3))
        else:
            out.append(head)
    return out


def references(text):
    text = re.sub(r"(?m)^\s*//(?!/|!).*$", "", text)  # plain comments only
    refs = []
    for m in re.finditer(r"\bcrate::\{((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}", text):
        refs += split_group(m.group(1))
    for m in re.finditer(r"\bcrate::([A-Za-z_][A-Za-z0-9_]*(?:::[a-z_][a-z0-9_]*)*)", text):
        refs.append(m.group(1))
    return refs


def reexports(mod, text):
    """Names a module re-exports (`pub use dialect::{Dialect, ..};` in db.rs,
    `pub use kit::state::AppState;` in lib.rs), mapped to the crate path they
    come from, so that `crate::Dialect` counts as a use of `db::dialect`, the
    module that defines it, and not of `db`, the one that passes it on."""
    out = {}
    here = mod.split("::") if mod else []
    for m in re.finditer(r"(?m)^\s*pub(?:\([a-z]+\))? use ((?:[a-z_][a-z0-9_]*::)+)(?:\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*));", text):
        path = m.group(1).rstrip(":").split("::")
        if path[0] == "crate":
            path = path[1:]
        elif path[0] == "self":
            path = here + path[1:]
        elif path[0] == "super":
            path = here[:-1] + path[1:]
        else:
            path = here + path
        names = m.group(2).split(",") if m.group(2) else [m.group(3)]
        for n in names:
            n = n.strip()
            if not n or "::" in n or n == "self":
                continue
            src, _, alias = n.partition(" as ")
            out[(alias or src).strip()] = "::".join(path + [src.strip()])
    return out


def resolve(ref, modules, exports=None, depth=0):
    parts = ref.split("::")
    if exports and depth < 8 and parts[0] not in modules and parts[0] in exports.get("", {}):
        return resolve(exports[""][parts[0]] + "::" + "::".join(parts[1:]) if len(parts) > 1 else exports[""][parts[0]], modules, exports, depth + 1)
    for n in range(len(parts), 0, -1):
        cand = "::".join(parts[:n])
        if cand in modules:
            rest = parts[n:]
            if exports and depth < 8 and rest and rest[0] in exports.get(cand, {}):
                again = exports[cand][rest[0]]
                if rest[1:]:
                    again += "::" + "::".join(rest[1:])
                return resolve(again, modules, exports, depth + 1)
            return cand
    return None


def sccs(graph):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
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
    strict = "--strict" in sys.argv
    failed = False
    for crate in sorted(ROOT.iterdir()):
        src = crate / "src"
        if not src.is_dir():
            continue
        files = {module_of(src, p): p for p in src.rglob("*.rs")}
        modules = set(files)
        exports = {mod: reexports(mod, path.read_text()) for mod, path in files.items()}
        file_graph, feature_graph = {}, {}
        for mod, path in files.items():
            for ref in references(path.read_text()):
                target = resolve(ref, modules, exports)
                if target is None or target == mod or target == "":
                    continue
                file_graph.setdefault(mod, set()).add(target)
                a, b = mod.split("::")[0], target.split("::")[0]
                if a and a != b:
                    feature_graph.setdefault(a, set()).add(b)
        print(f"## {crate.name}")
        for a in sorted(feature_graph):
            print(f"  {a} -> {', '.join(sorted(feature_graph[a]))}")
        features = sccs(feature_graph)
        for comp in features:
            print(f"  CIRCLE between top-level modules: {' <-> '.join(comp)}")
            failed = True
        inner = [c for c in sccs(file_graph) if len({m.split('::')[0] for m in c}) == 1]
        for comp in inner:
            print(f"  circle inside {comp[0].split('::')[0]}: {' <-> '.join(comp)}")
            failed = failed or strict
        if not features and not inner:
            print("  no circles")
    sys.exit(1 if failed else 0)


main()
