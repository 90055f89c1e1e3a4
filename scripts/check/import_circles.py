#!/usr/bin/env python3
"""Lists import circles among the modules of each crate of the workspace.

A module (a file under src/) imports another when one of its `use` lines,
or a `crate::…`/`super::…` path in its code, names something in that
module. `pub use` re-exports and `mod` declarations are the module tree's
own structure and do not count. Exits 1 if any module imports one that
imports it back, directly or around a longer loop.

    scripts/check/import_circles.py [CRATE_DIR ...]   (default: every crate)
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def modules(src: Path) -> dict[tuple[str, ...], Path]:
    """Module path → file, for every .rs file under src/."""
    found = {}
    for path in src.rglob("*.rs"):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] in ("lib", "main") and len(parts) == 1:
            parts = []
        elif parts[-1] == "mod":
            parts = parts[:-1]
        found[tuple(parts)] = path
    return found


def expand(prefix: list[str], body: str) -> list[list[str]]:
    """`a::{b, c::{d}}` → [[a, b], [a, c, d]], roughly: enough for module names."""
    body = body.strip()
    if body.startswith("{"):
        depth, start, out = 0, 1, []
        for i, ch in enumerate(body):
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            if (ch == "," and depth == 1) or (ch == "}" and depth == 0):
                item = body[start:i].strip()
                if item:
                    out += expand(prefix, item)
                start = i + 1
        return out
    head, sep, rest = body.partition("::")
    if sep:
        return expand(prefix + [head.strip()], rest)
    return [prefix + [body.split(" as ")[0].strip()]]


def references(module: tuple[str, ...], text: str) -> list[list[str]]:
    """Absolute module paths named by `use` lines and inline paths."""
    text = re.sub(r"//[^\n]*", "", text)
    paths = []
    for use in re.finditer(r"(?m)^([ \t]*)(pub(?:\([^)]*\))?\s+)?use\s+([^;]+);", text):
        if use.group(2):
            continue
        # An indented `use` is inside an inline module (`mod tests`), whose
        # `super` is this file's module.
        inline = ["<inline>"] if use.group(1) else []
        paths += [inline + p for p in expand([], use.group(3))]
    inline = re.sub(r"(?m)^\s*(pub(?:\([^)]*\))?\s+)?use\s+[^;]+;", "", text)
    paths += [m.group(0).split("::") for m in re.finditer(rf"\b(?:crate|super)(?:::{IDENT})+", inline)]
    resolved = []
    for path in paths:
        if path[0] == "crate":
            resolved.append(path[1:])
        elif path[0] == "<inline>" or path[0] in ("super", "self"):
            base = list(module)
            if path[0] == "<inline>":
                base, path = base + ["<inline>"], path[1:]
                if path[0] == "crate":
                    resolved.append(path[1:])
                    continue
            while path and path[0] in ("super", "self"):
                if path[0] == "super":
                    base = base[:-1]
                path = path[1:]
            resolved.append(base + path)
    return resolved


def circles(crate: Path) -> list[list[str]]:
    files = modules(crate / "src")
    edges: dict[tuple[str, ...], set[tuple[str, ...]]] = {m: set() for m in files}
    for module, path in files.items():
        for ref in references(module, path.read_text()):
            target = max((m for m in files if tuple(ref[: len(m)]) == m), key=len, default=())
            if target != module:
                edges[module].add(target)
    found, seen = [], set()

    def visit(node, stack):
        for nxt in edges[node]:
            if nxt in stack:
                loop = stack[stack.index(nxt):] + [nxt]
                key = frozenset(loop)
                if key not in seen:
                    seen.add(key)
                    found.append(["::".join(m) or "(root)" for m in loop])
            elif len(stack) < 12:
                visit(nxt, stack + [nxt])

    for start in files:
        visit(start, [start])
    return found


def main() -> int:
    crates = [Path(a) for a in sys.argv[1:]] or sorted(p.parent for p in ROOT.glob("crates/*/Cargo.toml"))
    crates += [] if sys.argv[1:] else [ROOT / "python"]
    bad = 0
    for crate in crates:
        for loop in circles(crate):
            bad += 1
            print(f"{crate.name}: {' -> '.join(loop)}")
    print(f"{bad} import circles" if bad else "no import circles")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
