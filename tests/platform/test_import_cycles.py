"""No import cycles in ``server/xunjian``, deferred imports included.

Every ``import`` counts, at module level and inside functions: an import moved into a function
to dodge a cycle is still a cycle (the two modules still need each other; the order of first use
decides whether it breaks). Only ``if TYPE_CHECKING:`` blocks are left out, since they never run.
Alembic migrations are not part of the package's import graph and are skipped.
"""

from __future__ import annotations

import ast
import pathlib

import xunjian

PACKAGE = pathlib.Path(xunjian.__file__).parent


def _module_name(root: pathlib.Path, path: pathlib.Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: any depth, but not under ``if TYPE_CHECKING:``."""
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                found.append(child)
            pending.append(child)
    return found


def import_graph(root: pathlib.Path) -> dict[str, set[str]]:
    """Module → the package's modules it imports (a package means its ``__init__``)."""
    files = {_module_name(root, p): p for p in root.rglob("*.py") if "migrations" not in p.parts}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        targets: set[str] = set()
        for statement in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(statement, ast.Import):
                targets.update(a.name for a in statement.names if a.name in files)
                continue
            if statement.level:
                base = package[: len(package) - (statement.level - 1)]
                module = ".".join(base + ([statement.module] if statement.module else []))
            else:
                module = statement.module or ""
            for alias in statement.names:
                submodule = f"{module}.{alias.name}"
                if submodule in files:
                    targets.add(submodule)
                elif module in files:
                    targets.add(module)
        targets.discard(name)
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return sorted(found)


def test_the_package_has_no_import_cycle() -> None:
    assert cycles(import_graph(PACKAGE)) == []


def test_a_deferred_import_still_counts_as_a_cycle(tmp_path: pathlib.Path) -> None:
    """The check would catch the cycles this package once had (e.g. tenancy importing the
    properties table inside a function, while that table's module imports tenancy)."""
    pkg = tmp_path / "pkg"
    (pkg / "org").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "org" / "__init__.py").write_text("")
    (pkg / "org" / "models.py").write_text("from ..tenancy import Scoped\n")
    (pkg / "tenancy.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from .clock import Clock\n"
        "def criteria():\n    from .org.models import Property\n"
    )
    (pkg / "clock.py").write_text("from .tenancy import criteria\n")
    assert cycles(import_graph(pkg)) == [["pkg.org.models", "pkg.tenancy"]]
