"""The sandbox catalog: every counterpart simulator that ``sangam sandbox`` can start.

A counterpart simulator lives next to its connector (``connectors/<name>/sandbox.py``) and
exposes ``SANDBOX``, a :class:`SandboxSpec`. Its ``build(env)`` returns a
:class:`RunningSandbox` (anything with ``start()``, ``stop()`` and ``endpoints()``), not yet
started. It registers like connectors and formats do, through an entry point in the
``sangam.sandboxes`` group (``name = "connectors.<name>.sandbox:SANDBOX"``): adding a
counterpart simulator is that one line in ``pyproject.toml``.

The :class:`SandboxEnv` carries what every simulator shares: a folder to keep files in, a
seed (so a "10% bounces" mix is the same on every run), the demo login that SFTP sandboxes
accept, and the hub's base URL for sandboxes that call back with webhooks.

Example module::

    SANDBOX = SandboxSpec(
        name="psp",
        description="UPI AutoPay PSP: mandates, pre-debit notices, debits, signed webhooks",
        build=lambda env: PspSandbox(seed=env.seed, hub_url=env.hub_url),
    )
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Protocol

GROUP = "sangam.sandboxes"


class RunningSandbox(Protocol):
    def start(self) -> object: ...

    def stop(self) -> None: ...

    def endpoints(self) -> dict[str, str]:
        """Return what a client needs to reach it: URLs, SFTP host/port/user, fingerprints."""
        ...


@dataclass(frozen=True)
class SandboxEnv:
    """Shared settings for every simulator started together."""

    root: Path
    seed: int = 2026
    hub_url: str = "http://127.0.0.1:8000"
    sftp_username: str = "sangam"
    sftp_password: str = field(default="sandbox-2026", repr=False)

    def folder(self, name: str) -> Path:
        """Return (and create) this simulator's own folder under the root."""
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        return path


@dataclass(frozen=True)
class SandboxSpec:
    name: str
    description: str
    build: Callable[[SandboxEnv], RunningSandbox]


def load_catalog() -> dict[str, SandboxSpec]:
    """Load every ``sangam.sandboxes`` entry point; return the specs by name (names must be
    unique, and an entry point's name is its spec's). Import errors surface here."""
    catalog: dict[str, SandboxSpec] = {}
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        spec = ep.load()
        if spec.name != ep.name or spec.name in catalog:
            raise ValueError(f"sandbox {ep.name!r} ({ep.value}) is named {spec.name!r} or twice")
        catalog[spec.name] = spec
    return catalog
