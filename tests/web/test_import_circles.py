"""The web package's modules import each other without a circle: pages render through
``web/rendering.py`` and never import the app, which imports them."""

from __future__ import annotations

import ast
from pathlib import Path

import upwell.web

ROOT = Path(upwell.web.__file__).parent


def _edges() -> dict[str, set[str]]:
    mods = {p.stem: p for p in ROOT.glob("*.py") if p.stem != "__init__"}
    edges: dict[str, set[str]] = {m: set() for m in mods}
    for m, path in mods.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                head, _, rest = name.partition("upwell.web.")
                if not head and rest in mods and rest != m:
                    edges[m].add(rest)
    return edges


def test_no_import_circle_among_web_modules() -> None:
    edges = _edges()
    assert "app" in edges["asgi"]  # the walk sees imports at all
    circles: list[list[str]] = []

    def walk(start: str, node: str, path: list[str]) -> None:
        for nxt in sorted(edges[node]):
            if nxt == start:
                circles.append([*path, nxt])
            elif nxt > start and nxt not in path:
                walk(start, nxt, [*path, nxt])

    for m in sorted(edges):
        walk(m, m, [m])
    assert circles == []
