"""The lab stays apart: no product module imports ``upwell.lab``, at module level or inside a
function. Only the CLI commands that run lab code (the lab's shell) import it, and only inside
the command function, so the product never loads the lab (docs/architecture.md, "The lab")."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.test_layering import from_base, module_name

import upwell

SRC = Path(upwell.__file__).parent
LAB = "upwell.lab"
#: The lab's shell: CLI modules whose commands run lab code. They may import the lab inside a
#: command function, never at module level.
SHELLS = frozenset({"upwell.cli.lab", "upwell.cli.org", "upwell.cli.web"})


def imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> Iterator[str]:
    """The full names ``node`` imports (a relative import resolved against ``module``); for
    ``from X import y`` both ``X`` and ``X.y``, since ``y`` may be a submodule."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    base = from_base(node, module, is_package)
    yield base
    yield from (f"{base}.{alias.name}" for alias in node.names)


def lab_imports(source: str, module: str, *, is_package: bool = False
                ) -> list[tuple[int, str, bool]]:
    """Each import of the lab in ``source``: (line, name, inside a function)."""
    found: list[tuple[int, str, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                names = [n for n in imported(child, module, is_package)
                         if n == LAB or n.startswith(LAB + ".")]
                if names:
                    found.append((child.lineno, names[0], in_function))
            visit(child, in_function or isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda))

    visit(ast.parse(source), False)
    return found


def product_violations() -> list[str]:
    """Every import of the lab the rules forbid, as ``module:line imports name``."""
    bad = []
    for path in sorted(SRC.rglob("*.py")):
        module = module_name(path)
        if module == LAB or module.startswith(LAB + "."):
            continue
        for line, name, in_function in lab_imports(
                path.read_text(encoding="utf-8"), module,
                is_package=path.name == "__init__.py"):
            if module in SHELLS and in_function:
                continue
            where = "at module level" if module in SHELLS else "(product code)"
            bad.append(f"{module}:{line} imports {name} {where}")
    return bad


def test_product_code_never_imports_the_lab() -> None:
    assert product_violations() == []


def test_every_shell_module_exists() -> None:
    """A shell that moved or was renamed must be named here again, not silently allowed."""
    modules = {module_name(p) for p in SRC.rglob("*.py")}
    assert SHELLS - modules == set()
    assert any(m.startswith(LAB + ".") for m in modules)


@pytest.mark.parametrize(("source", "module", "expected"), [
    ("import upwell.lab.sim\n", "upwell.insights.weekly", [(1, "upwell.lab.sim", False)]),
    ("from upwell.lab.bench.web import run\n", "upwell.web.app",
     [(1, "upwell.lab.bench.web", False)]),
    ("from upwell import lab\n", "upwell.store.db", [(1, "upwell.lab", False)]),
    ("from ..lab import org_demo\n", "upwell.aggregate.guard", [(1, "upwell.lab", False)]),
    ("from .bench import web\n", "upwell.cli.web", []),
    ("def f():\n    from upwell.lab.sim import simulate\n", "upwell.cli",
     [(2, "upwell.lab.sim", True)]),
    ("class C:\n    def m(self):\n        import upwell.lab\n", "upwell.web.pages_team",
     [(3, "upwell.lab", True)]),
    ("if True:\n    import upwell.lab.train\n", "upwell.cli",
     [(2, "upwell.lab.train", False)]),
    ("import upwell.labels\nfrom upwell.analyze import lab_notes\n", "upwell.web.app", []),
])
def test_the_check_sees_every_form_of_import(source: str, module: str,
                                             expected: list[tuple[int, str, bool]]) -> None:
    assert lab_imports(source, module) == expected
