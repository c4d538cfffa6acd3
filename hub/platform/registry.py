"""Read the domains' manifests (``hub/modules.py``) and resolve what each process needs.

Every accessor imports only what its concern needs, once: the API process asks for
routers and pages, a job worker for tasks and inbox handlers, the end-of-day runner for
its steps. A reference that does not resolve raises at once, naming the manifest.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from hub.platform.manifest import DemoPhase, DemoStep, DomainModule, EodPhase, EodStep


def resolve(target: str) -> Any:
    """Return the object named by ``"package.module:attribute"``."""
    module_name, _, attr = target.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attr) if attr else module


@cache
def modules() -> tuple[DomainModule, ...]:
    """Return every domain's manifest, in the order ``hub/modules.py`` lists them."""
    from hub import modules as composition  # why: the list is data at the package root

    found = []
    for name in composition.MODULES:
        manifest = getattr(importlib.import_module(name), "MODULE", None)
        if not isinstance(manifest, DomainModule):
            raise RuntimeError(f"{name} must define MODULE = DomainModule(...)")
        found.append(manifest)
    return tuple(found)


def routers() -> list[Any]:
    """Return the API routers of every module (mounted under /api/v1)."""
    return [resolve(target) for m in modules() for target in m.routers]


def page_modules() -> list[ModuleType]:
    """Import every page module; raises if one lacks ``router`` or ``NAV``."""
    pages = [importlib.import_module(name) for m in modules() for name in m.pages]
    for page in pages:
        if not hasattr(page, "router") or not hasattr(page, "NAV"):
            raise RuntimeError(f"page module {page.__name__} must define router and NAV")
    return pages


def template_dirs() -> list[Path]:
    """Return each module's ``templates`` folder (the shell's first)."""
    dirs = []
    for m in modules():
        for package in m.templates:
            spec = importlib.import_module(package).__file__
            dirs.append(Path(spec).parent / "templates")
    return dirs


@cache
def load_tasks() -> tuple[str, ...]:
    """Import every task module (their jobs register on the blueprint); return their names."""
    names = tuple(name for m in modules() for name in m.tasks)
    for name in names:
        importlib.import_module(name)
    return names


@cache
def load_inbox_handlers() -> tuple[str, ...]:
    """Import every inbox handler module (registering its handlers); return their names."""
    names = tuple(name for m in modules() for name in m.inbox_handlers)
    for name in names:
        importlib.import_module(name)
    return names


@cache
def subscribers(event: str) -> tuple[Callable[..., Any], ...]:
    """Return the functions subscribed to ``event``, in manifest order."""
    return tuple(resolve(s.target) for m in modules() for s in m.subscribers if s.event == event)


@cache
def eod_steps(phase: EodPhase) -> tuple[tuple[EodStep, Callable[..., Any]], ...]:
    """Return ``phase``'s steps with their functions, by (order, name)."""
    steps = sorted(
        (s for m in modules() for s in m.eod_steps if s.phase is phase),
        key=lambda s: (s.order, s.name),
    )
    return tuple((s, resolve(s.target)) for s in steps)


@cache
def permission_grants() -> dict[str, frozenset[str]]:
    """Return permission -> roles granted by default, from every module's grant table."""
    grants: dict[str, set[str]] = {}
    for m in modules():
        for target in m.permissions:
            for permission, roles in resolve(target).items():
                grants.setdefault(str(permission), set()).update(str(r) for r in roles)
    return {p: frozenset(r) for p, r in grants.items()}


@cache
def approval_actions() -> dict[str, Any]:
    """Return every action put under maker-checker, by action name (unique)."""
    found: dict[str, Any] = {}
    for m in modules():
        for target in m.approval_actions:
            for spec in resolve(target):
                if spec.action in found:
                    raise RuntimeError(f"approval action {spec.action!r} declared twice")
                found[spec.action] = spec
    return found


def demo_steps(phase: DemoPhase) -> tuple[tuple[DemoStep, Callable[..., Any]], ...]:
    """Return ``phase``'s demo steps with their functions, by (order, name)."""
    steps = sorted(
        (s for m in modules() for s in m.demo_steps if s.phase is phase),
        key=lambda s: (s.order, s.name),
    )
    return tuple((s, resolve(s.target)) for s in steps)
