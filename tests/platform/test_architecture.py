"""The layout's rules, checked over the import graph (they fail the build, not a review).

* ``lms_core``'s calculation modules import only the standard library and ``lms_core``;
  ``lms_core.persistence`` may add SQLAlchemy.
* SQL (select, text, insert, engines, dialects) is built only in ``lms_core.persistence``
  and ``hub.platform.db``: elsewhere SQLAlchemy may only type a ``Session`` /
  ``sessionmaker`` / ``Engine`` and catch ``sqlalchemy.exc``.
* Layers: ``hub.app`` -> domains -> ``hub.integration`` -> ``hub.platform`` -> ``lms_core``;
  nothing imports upwards.
* A domain imports another domain only through the modules that domain declares public
  (``public`` in its ``module.py``).
* ``connectors``, ``formats`` and ``mappings`` never import ``hub``; ``connectors`` import
  only ``connectors.sdk`` (besides their own package), ``formats``, ``mappings``.
* No import cycles between modules (imports at module level).
"""

from __future__ import annotations

import ast
import sys
from functools import cache
from pathlib import Path

from hub.platform import registry

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("lms_core", "hub", "connectors", "formats", "mappings", "schedules")
SQL_ALLOWED = ("lms_core.persistence", "hub.platform.db")
SQLALCHEMY_TYPES = {"Session", "sessionmaker", "Engine", "Row"}  # types, not SQL
LAYER_RANK = {"platform": 1, "integration": 2, "domain": 3, "app": 4}


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _modules() -> dict[str, ast.Module]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[_name(path)] = ast.parse(path.read_text(), str(path))
    return found


def _imports(tree: ast.AST, *, top_level: bool = False) -> list[tuple[str, str | None, int]]:
    """(module, imported name or None, line) for every import (or only module-level ones)."""
    nodes = tree.body if top_level else list(ast.walk(tree))
    found = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [(a.name, None, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.module, a.name, node.lineno) for a in node.names]
    return found


def _target(module: str, name: str | None) -> str:
    """The module an import names (``from a.b import c`` is ``a.b.c`` when c is a module)."""
    full = f"{module}.{name}" if name else module
    return full if full in _modules() else module


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_lms_core_calculations_import_only_the_standard_library():
    bad = []
    for module, tree in _modules().items():
        if not _in(module, "lms_core") or _in(module, "lms_core.persistence"):
            continue
        for imported, _, line in _imports(tree):
            top = imported.split(".")[0]
            if top != "lms_core" and top not in sys.stdlib_module_names:
                bad.append(f"{module}:{line} imports {imported}")
    assert bad == []


def test_sql_is_built_only_in_the_persistence_packages():
    bad = []
    for module, tree in _modules().items():
        if any(_in(module, allowed) for allowed in SQL_ALLOWED):
            continue
        for imported, name, line in _imports(tree):
            if not _in(imported, "sqlalchemy") or _in(imported, "sqlalchemy.exc"):
                continue
            if name not in SQLALCHEMY_TYPES:
                bad.append(f"{module}:{line} imports {imported}.{name or ''}")
    assert bad == []


def _layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "hub" or len(parts) < 2 or parts[1] == "modules":
        return None
    return parts[1] if parts[1] in ("app", "platform", "integration") else "domain"


def test_no_layer_imports_upwards():
    bad = []
    for module, tree in _modules().items():
        mine = _layer(module)
        for imported, name, line in _imports(tree):
            theirs = _layer(_target(imported, name))
            if mine and theirs and LAYER_RANK[theirs] > LAYER_RANK[mine]:
                bad.append(f"{module}:{line} ({mine}) imports {imported} ({theirs})")
    assert bad == []


def _public() -> dict[str, tuple[str, ...]]:
    return {m.name: m.public for m in registry.modules()}


def test_domains_meet_only_through_each_others_public_modules():
    public, bad = _public(), []
    for module, tree in _modules().items():
        if _layer(module) != "domain":
            continue
        mine = module.split(".")[1]
        for imported, name, line in _imports(tree):
            target = _target(imported, name)
            if _layer(target) != "domain" or target.split(".")[1] == mine:
                continue
            theirs = target.split(".")[1]
            if not any(_in(target, p) for p in public.get(theirs, ())):
                bad.append(f"{module}:{line} imports {target}, not public in {theirs}")
    assert bad == []


def test_connectors_formats_and_mappings_stay_out_of_the_hub():
    bad = []
    for module, tree in _modules().items():
        top = module.split(".")[0]
        if top not in ("connectors", "formats", "mappings"):
            continue
        own = ".".join(module.split(".")[:2])
        for imported, _, line in _imports(tree):
            if _in(imported, "hub") or _in(imported, "schedules"):
                bad.append(f"{module}:{line} imports {imported}")
            elif (
                top == "connectors"
                and _in(imported, "connectors")
                and not (_in(imported, "connectors.sdk") or _in(imported, own))
            ):
                bad.append(f"{module}:{line} imports another connector: {imported}")
    assert bad == []


def test_no_import_cycles_between_modules():
    graph = {
        module: {_target(i, n) for i, n, _ in _imports(tree, top_level=True)} & _modules().keys()
        for module, tree in _modules().items()
    }
    cycles = _cycles(graph)
    assert cycles == [], f"import cycles: {cycles}"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found
