"""The sandbox catalog: every counterpart simulator that ``sangam sandbox`` can start.

A counterpart simulator lives in its own module and exposes ``SANDBOX``, a
:class:`SandboxSpec`. Its ``build(env)`` returns a :class:`RunningSandbox` (anything with
``start()``, ``stop()`` and ``endpoints()``), not yet started. The module is listed once in
:data:`SANDBOX_MODULES`; adding a counterpart simulator is that one line.

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

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

# Modules that define ``SANDBOX``; import errors surface when the catalog loads.
SANDBOX_MODULES: tuple[str, ...] = (
    "hub.sandbox.generic",
    "hub.sandbox.escrow_bank",
    "hub.sandbox.psp",
    "hub.sandbox.sponsor_bank",
)


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


def load_catalog(modules: tuple[str, ...] = SANDBOX_MODULES) -> dict[str, SandboxSpec]:
    """Import every listed module and return its spec by name (names must be unique)."""
    catalog: dict[str, SandboxSpec] = {}
    for module_name in modules:
        spec = importlib.import_module(module_name).SANDBOX
        if spec.name in catalog:
            raise ValueError(f"sandbox name {spec.name!r} is defined twice ({module_name})")
        catalog[spec.name] = spec
    return catalog
