#!/usr/bin/env python3
"""No module may depend on a module that depends back on it, in any crate of the workspace.

Each .rs file is a module (src/a/b.rs and src/a/b/mod.rs are `a::b`). A module depends on every
module it names through `use crate::...`, `use super::...` or an inline `crate::`/`super::` path. A
child naming its parent (`use super::Item`, an item of mod.rs) is a dependency like any other,
so mod.rs must not import from its children what they import from it. Prints every cycle
(strongly connected set of modules) and exits 1 if there is one.
    scripts/check-cycles.py [CRATE_SRC_DIR...]    (default: src bin/src core/src)
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
USE = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?use\s+([^;]+);", re.M)
INLINE = re.compile(r"(?<![\w:])(crate|super)::((?:super::)*[a-z_][\w]*(?:::[a-z_][\w]*)*)")


def module_of(src: Path, file: Path) -> tuple:
    parts = list(file.relative_to(src).with_suffix("").parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return tuple(parts)


def expand(tree: str) -> list:
    """`a::{b, c::d}` -> ["a::b", "a::c::d"] (one level of braces is all the code uses)."""
    tree = re.sub(r"\s+", "", tree)
    match = re.match(r"^(.*?)::\{(.*)\}$", tree)
    if not match:
        return [tree]
    prefix, inner = match.groups()
    items, depth, current = [], 0, ""
    for char in inner:
        if char == "," and depth == 0:
            items.append(current)
            current = ""
            continue
        depth += char == "{"
        depth -= char == "}"
        current += char
    items.append(current)
    return [path for item in items if item for path in expand(f"{prefix}::{item}")]


def target(modules: set, base: tuple, path: list) -> tuple:
    """The longest module named by `base` + `path`."""
    best = None
    for i in range(len(path) + 1):
        candidate = base + tuple(path[:i])
        if candidate in modules:
            best = candidate
    return best


def edges_of(src: Path) -> dict:
    files = {module_of(src, f): f for f in src.rglob("*.rs")}
    modules = set(files)
    edges = {m: set() for m in modules}
    for module, file in files.items():
        text = file.read_text()
        # Code of a test module inside the file is the file's own business.
        text = text.split("#[cfg(test)]\nmod tests")[0]
        paths = []
        for tree in USE.findall(text):
            for path in expand(tree):
                parts = path.split("::")
                if parts[0] == "crate":
                    paths.append(((), parts[1:]))
                elif parts[0] == "super":
                    base = module
                    while parts and parts[0] == "super":
                        base, parts = base[:-1], parts[1:]
                    paths.append((base, parts))
                elif parts[0] == "self":
                    paths.append((module, parts[1:]))
                elif (parts[0],) in modules and file.name in ("lib.rs", "main.rs"):
                    paths.append(((), parts))
        for root, inline in INLINE.findall(text):
            parts = inline.split("::")
            base = () if root == "crate" else module[:-1]
            while parts and parts[0] == "super":
                base, parts = base[:-1], parts[1:]
            paths.append((base, parts))
        for base, parts in paths:
            found = target(modules, base, [p for p in parts if p not in ("self", "*")])
            if found is not None and found != module and found != ():
                edges[module].add(found)
    return edges


def cycles(edges: dict) -> list:
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def connect(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(10000)
    for node in edges:
        if node not in index:
            connect(node)
    return found


def main() -> int:
    crates = sys.argv[1:] or ["src", "bin/src", "core/src"]
    failed = False
    for crate in crates:
        edges = edges_of(ROOT / crate)
        for group in cycles(edges):
            failed = True
            names = ", ".join("::".join(m) for m in group)
            print(f"{crate}: modules that depend on each other: {names}", file=sys.stderr)
            for module in group:
                back = sorted("::".join(m) for m in edges[module] if m in group)
                print(f"  {'::'.join(module)} -> {', '.join(back)}", file=sys.stderr)
    if not failed:
        print(f"no import cycles in {', '.join(crates)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
