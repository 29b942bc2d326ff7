"""The tree keeps its layers: no package of ``src/upwell`` imports one above it, and the
top-level packages form no import cycle (docs/architecture.md, "Layers").

Every module's imports are read with :mod:`ast`, at module level and inside functions and
classes, relative imports resolved, so a back edge cannot hide in a function-level import.
Edges into ``upwell.lab`` are the business of ``tests/test_layering_lab.py`` (only the CLI
commands that run lab code import it, inside the command).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import upwell

SRC = Path(upwell.__file__).parent

#: The layers, bottom first, and why each sits where it does. A package may import its own
#: layer and the layers below it, never one above. ``upwell`` is the package root
#: (``__version__``); ``__main__`` is ``python -m upwell``.
LAYERS: tuple[tuple[str, frozenset[str], str], ...] = (
    ("foundation", frozenset({"upwell", "errors", "model", "config", "registry"}),
     "coded errors, the frozen records every stage shares, the one Settings: import no stage"),
    ("store", frozenset({"store"}),
     "only stores: a leaf over the foundation (and its own crypto and keys)"),
    ("sources", frozenset({"sources"}),
     "read archives and fetch from grants into raw items; know no later stage"),
    ("normalize", frozenset({"normalize"}),
     "raw items into Message and Event; may know the raw shapes the sources make"),
    ("analyze", frozenset({"analyze"}),
     "versioned analyzers over records; the stream measures read a member's stored data"),
    ("pipeline", frozenset({"pipeline"}),
     "read -> normalize -> analyze -> write, and sync: drives the four stages below"),
    ("insights", frozenset({"insights"}),
     "the one home of coaching over stored features (coaching_view, measures, cards)"),
    ("aggregate", frozenset({"aggregate"}),
     "group contributions come from each member's coaching_view and measures"),
    ("rights", frozenset({"rights"}),
     "a member's rights (export, delete, pause, exclude, forget): one library for every shell"),
    ("deliver", frozenset({"deliver"}),
     "the digest, nudges, gate, mailer and signed links over insights"),
    ("tasks", frozenset({"tasks"}),
     "queue plumbing and thin task functions over the libraries, the digest and nudges too"),
    ("web", frozenset({"web"}),
     "the web app, a shell: enqueues tasks, renders insights, releases through aggregate"),
    ("cli", frozenset({"cli"}),
     "the `upwell` command, a shell over every library: mounts the web app and the scheduler"),
    ("entry", frozenset({"__main__"}),
     "python -m upwell: runs the CLI"),
    ("testing", frozenset({"testing"}),
     "helpers shipped for tests and extension authors: the product never imports them"),
    ("lab", frozenset({"lab"}),
     "outside the product: imports anything; tests/test_layering_lab.py keeps the rest out"),
)

#: Packages whose incoming edges another test rules.
RULED_ELSEWHERE = frozenset({"lab"})

#: Edges (importing module, imported module) that climb a layer today, each with its reason.
#: The list only shrinks: an exception no longer needed fails the test.
EXCEPTIONS: dict[tuple[str, str], str] = {}

RANK = {package: rank for rank, (_, packages, _) in enumerate(LAYERS) for package in packages}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def package_of(module: str) -> str:
    """The top-level package of ``upwell.x.y`` (``x``); ``upwell`` for the root itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def from_base(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The module ``from X import ...`` names, a relative ``X`` resolved against ``module``."""
    base = node.module or ""
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[:len(package) - (node.level - 1)]
        base = ".".join([*package, base] if base else package)
    return base


def imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool,
             known: set[str] | dict[str, Path]) -> Iterator[str]:
    """The modules ``node`` imports, relative imports resolved against ``module``; for
    ``from X import y``, ``X.y`` where that is a module and ``X`` otherwise."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    base = from_base(node, module, is_package)
    for alias in node.names:
        yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base


def imports_of(source: str, module: str, is_package: bool,
               known: set[str] | dict[str, Path]) -> list[tuple[int, str]]:
    """Every ``upwell`` module that ``source`` imports anywhere: (line, module)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            found += [(node.lineno, name) for name in imported(node, module, is_package, known)
                      if name == "upwell" or name.startswith("upwell.")]
    return sorted(set(found))


def edges() -> list[tuple[str, int, str]]:
    """Every import between two top-level packages: (importer, line, imported)."""
    found = []
    for module, path in MODULES.items():
        for line, name in imports_of(path.read_text(encoding="utf-8"), module,
                                     path.name == "__init__.py", MODULES):
            if package_of(module) != package_of(name):
                found.append((module, line, name))
    return found


def climbs(importer: str, name: str) -> bool:
    source, target = package_of(importer), package_of(name)
    return target not in RULED_ELSEWHERE and RANK[target] > RANK[source]


def test_every_package_has_a_layer() -> None:
    """A new top-level package must be placed in :data:`LAYERS`, and every layer exists."""
    packages = {package_of(m) for m in MODULES}
    assert packages - RANK.keys() == set()
    assert RANK.keys() - packages == set()


def test_no_package_imports_one_above_it() -> None:
    bad = [f"{m}:{line} imports {name} ({package_of(m)} is below {package_of(name)})"
           for m, line, name in edges()
           if climbs(m, name) and (m, name) not in EXCEPTIONS]
    assert bad == []


def test_every_exception_is_still_needed() -> None:
    """The exceptions only shrink: remove one as soon as its edge is gone."""
    used = {(m, name) for m, _, name in edges() if climbs(m, name)}
    assert set(EXCEPTIONS) - used == set()


def test_no_import_cycle_between_packages() -> None:
    """Beyond the exceptions, and the lab's commands importing the lab inside the command
    (the lab imports the product it simulates and measures)."""
    graph: dict[str, set[str]] = {}
    for m, _, name in edges():
        if (m, name) not in EXCEPTIONS and package_of(name) not in RULED_ELSEWHERE:
            graph.setdefault(package_of(m), set()).add(package_of(name))
    assert find_cycle(graph) == []


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of ``graph`` as the packages along it, or ``[]``."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str]:
        if node in path:
            return [*path[path.index(node):], node]
        if node in done:
            return []
        for nxt in sorted(graph.get(node, ())):
            cycle = visit(nxt, [*path, node])
            if cycle:
                return cycle
        done.add(node)
        return []

    for start in sorted(graph):
        cycle = visit(start, [])
        if cycle:
            return cycle
    return []


KNOWN = {"upwell.web", "upwell.web.auth", "upwell.store", "upwell.store.db", "upwell.insights",
         "upwell.insights.board", "upwell.deliver", "upwell.deliver.digest"}


@pytest.mark.parametrize(("source", "module", "expected"), [
    ("from upwell.web.auth import secret_key\n", "upwell.deliver.tokens",
     [(1, "upwell.web.auth")]),
    ("def f():\n    from upwell.web import auth\n", "upwell.deliver.tokens",
     [(2, "upwell.web.auth")]),
    ("class C:\n    def m(self):\n        import upwell.insights.board\n", "upwell.store.db",
     [(3, "upwell.insights.board")]),
    ("from ..insights import board\n", "upwell.store.db", [(1, "upwell.insights.board")]),
    ("from .. import insights\n", "upwell.store", [(1, "upwell.insights")]),
    ("from . import db\n", "upwell.store", [(1, "upwell.store.db")]),
    ("from upwell import __version__\n", "upwell.web.app", [(1, "upwell")]),
    ("from upwell.deliver.digest import send, render\n", "upwell.tasks.periodic",
     [(1, "upwell.deliver.digest")]),
    ("import json\nfrom pathlib import Path\n", "upwell.store.db", []),
])
def test_the_check_sees_every_form_of_import(source: str, module: str,
                                             expected: list[tuple[int, str]]) -> None:
    assert imports_of(source, module, module == "upwell.store", KNOWN) == expected


@pytest.mark.parametrize(("importer", "name", "forbidden"), [
    ("upwell.store.db", "upwell.analyze.stream", True),
    ("upwell.sources.slack", "upwell.normalize.slack", True),
    ("upwell.insights.view", "upwell.web.app", True),
    ("upwell.tasks.periodic", "upwell.deliver.digest_job", False),
    ("upwell.web.jobs", "upwell.tasks.queue", False),
    ("upwell.aggregate.metrics", "upwell.insights.measures", False),
    ("upwell.cli", "upwell.lab.sim", False),
    ("upwell.insights.view", "upwell.testing", True),
    ("upwell.lab.org_demo", "upwell.testing", False),
])
def test_the_order_forbids_climbing(importer: str, name: str, forbidden: bool) -> None:
    assert climbs(importer, name) is forbidden


def test_a_cycle_is_found() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}}) == []
