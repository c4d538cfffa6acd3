"""Start a set of catalogued sandboxes together and stop them all, whatever fails.

Used by ``sangam sandbox`` (runs until interrupted) and by the demo. Start order is the
catalog order; if one fails to start, the ones already running are stopped before the
error propagates, so no port or thread is left behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from connectors.sdk.sandbox.catalog import RunningSandbox, SandboxEnv, SandboxSpec, load_catalog


@dataclass(frozen=True)
class Started:
    name: str
    description: str
    sandbox: RunningSandbox


def select(catalog: dict[str, SandboxSpec], only: Iterable[str] = ()) -> list[SandboxSpec]:
    """Return the specs named in ``only`` (all when empty); raise ValueError on unknown names."""
    wanted = list(only)
    unknown = [name for name in wanted if name not in catalog]
    if unknown:
        raise ValueError(f"unknown sandbox {', '.join(unknown)}; known: {', '.join(catalog)}")
    return [catalog[name] for name in wanted] if wanted else list(catalog.values())


@contextmanager
def running(env: SandboxEnv, only: Iterable[str] = ()) -> Iterator[list[Started]]:
    """Start the selected sandboxes, yield them, stop them in reverse order on exit."""
    started: list[Started] = []
    try:
        for spec in select(load_catalog(), only):
            sandbox = spec.build(env)
            sandbox.start()
            started.append(Started(spec.name, spec.description, sandbox))
        yield started
    finally:
        for item in reversed(started):
            item.sandbox.stop()


def describe(started: list[Started]) -> dict[str, dict[str, str]]:
    """Return ``{name: endpoints}`` for printing or for wiring counterparts to them."""
    return {item.name: item.sandbox.endpoints() for item in started}
