"""The layering rules of docs/ARCHITECTURE.md ("Permissions", "Tenancy"), checked on the source.

- Views check access only through ``web/access.py`` and build no statements themselves (their
  lists come from the area's ``queries.py``); a route module imports no other route module.
- Role checks happen once, in the view: services call no ``permissions.require`` (the entry
  points that are not views, listed below, check at their entry).
- The property scope is left only through ``tenancy.unscoped``.
"""

from __future__ import annotations

import ast
import pathlib

import xunjian

PACKAGE = pathlib.Path(xunjian.__file__).parent
# Entry points that are not views (the CLI's importer), the rule on managed accounts, and the
# photo upload, which checks the bytes before it touches the database (so its role check too).
SERVICE_CHECKS_ALLOWED = {"org/importer.py", "auth/accounts.py", "evidence/ingest.py"}


def _sources() -> dict[str, str]:
    return {
        str(p.relative_to(PACKAGE)): p.read_text(encoding="utf-8")
        for p in PACKAGE.rglob("*.py")
        if "migrations" not in p.parts
    }


def _is_route_module(name: str) -> bool:
    return pathlib.Path(name).name.startswith("routes") or name == "audit_routes.py"


def _imported_modules(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found.add(node.module or "")
            found.update(f"{node.module or ''}.{a.name}".lstrip(".") for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def _called_names(tree: ast.AST) -> set[str]:
    return {
        node.func.id if isinstance(node.func, ast.Name) else node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute)
    }


def test_views_go_through_the_access_layer_and_the_read_models() -> None:
    problems = []
    for name, text in _sources().items():
        if not _is_route_module(name):
            continue
        tree = ast.parse(text)
        imported = _imported_modules(tree)
        if any(m == "permissions" or m.endswith(".permissions") for m in imported):
            problems.append(f"{name} imports permissions (use web.access)")
        if any(m.split(".")[-1].startswith("routes") for m in imported):
            problems.append(f"{name} imports another route module")
        if {"select", "get_or_404"} & _called_names(tree):
            problems.append(f"{name} builds a statement (put it in the area's queries.py)")
    assert problems == []


def test_services_do_not_repeat_the_views_role_checks() -> None:
    offenders = sorted(
        name
        for name, text in _sources().items()
        if not _is_route_module(name)
        and not name.startswith("web/")
        and name not in SERVICE_CHECKS_ALLOWED | {"permissions.py"}
        and {"require", "require_anywhere", "properties_where"} & _called_names(ast.parse(text))
    )
    assert offenders == []


def test_the_scope_is_left_only_through_tenancy_unscoped() -> None:
    spelled = sorted(
        name
        for name, text in _sources().items()
        if name != "tenancy.py" and ("xunjian.unscoped" in text or "UNSCOPED" in text)
    )
    assert spelled == []
