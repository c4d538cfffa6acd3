"""A domain's manifest: everything it contributes to the running application, as data.

Each business domain (``hub/<domain>/``) ends with a ``module.py`` that declares one
:class:`DomainModule`: its API routers, its dashboard pages and their templates, the
modules that declare its durable jobs and its inbox handlers, its in-process event
subscribers, its end-of-day steps, the permissions it adds, the actions it puts under
maker-checker and its part of the demo business day. The application lists the
modules once (``hub/modules.py``) and :mod:`hub.platform.registry` reads them; nothing
registers itself by being imported from somewhere else.

References are ``"package.module:attribute"`` strings (or module names), resolved only
when that concern is needed: the API process imports routers, the job worker imports
tasks and handlers, and a manifest itself imports nothing heavy, so it can never take
part in an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum


class EodPhase(StrEnum):
    """When an end-of-day step runs.

    ``PARTITION`` steps run for each loan-id partition of the run, inside the partition's
    transaction (so a partition's steps commit together or are all retaken by another
    worker: idempotent per business date and partition). ``FINALISE`` steps run once per
    tenant and date, in the transaction that advances the business date, after every
    partition is done.
    """

    PARTITION = "partition"
    FINALISE = "finalise"


class EodOrder(IntEnum):
    """Where a step sits in the day; steps with the same order run by name."""

    RATES = 100  # benchmark resets before anything accrues
    LOANS = 200  # the loans' day: accrual, billing, DPD, SMA / NPA, penal charges
    AFTER_LOANS = 300  # what reads the loans' closed day: splits, pools, invoices
    REPORTING = 900  # month-end cuts and snapshots


@dataclass(frozen=True, slots=True)
class EodStep:
    """One end-of-day step: ``target`` is ``"module:function"``.

    A PARTITION step is called ``fn(ctx: PartitionContext)``; a FINALISE step
    ``fn(ctx: FinaliseContext)`` (see :mod:`hub.platform.eod`).
    """

    name: str
    phase: EodPhase
    order: int
    target: str


@dataclass(frozen=True, slots=True)
class Subscription:
    """Call ``target`` (``"module:function"``) in the publisher's transaction on ``event``."""

    event: str
    target: str


class DemoPhase(StrEnum):
    """When a demo step runs in the demo business day (``sangam demo``)."""

    SETUP = "setup"  # once, after the tenant and the loan book exist (counterparts, data)
    DAY = "day"  # every business day, before the end-of-day
    END = "end"  # once, after the last day (files, runs, summaries)


@dataclass(frozen=True, slots=True)
class DemoStep:
    """One piece of the demo business day: ``target`` is ``"module:function"``.

    The function is called ``fn(ctx: DemoContext)`` (see :mod:`hub.app.demo`) and returns
    a dict of summary lines (key -> printable value) or None; steps of one phase run by
    ``order``, then name.
    """

    name: str
    phase: DemoPhase
    order: int
    target: str


@dataclass(frozen=True, slots=True)
class DomainModule:
    """What one domain contributes; every field is optional."""

    name: str
    public: tuple[str, ...] = ()  # modules (or packages) other domains may import
    routers: tuple[str, ...] = ()  # "module:router", mounted under /api/v1
    pages: tuple[str, ...] = ()  # page modules exporting ``router`` and ``NAV``
    templates: tuple[str, ...] = ()  # packages holding a ``templates/`` folder
    tasks: tuple[str, ...] = ()  # modules declaring jobs on hub.platform.jobs.blueprint
    inbox_handlers: tuple[str, ...] = ()  # modules registering inbox handlers
    subscribers: tuple[Subscription, ...] = ()
    eod_steps: tuple[EodStep, ...] = ()
    permissions: tuple[str, ...] = ()  # "module:GRANTS": permission -> default roles
    approval_actions: tuple[str, ...] = ()  # "module:ACTIONS": approvals.ActionSpec values
    demo_steps: tuple[DemoStep, ...] = ()
