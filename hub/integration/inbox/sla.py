"""Expected-file SLAs: raise an alert when a counterpart's file has not arrived by cut-off.

A pickup counterpart may declare ``expected_files`` in its config, e.g.::

    [{"name": "ach_response", "pattern": "ACH-RES-*", "cutoff": "11:30",
      "weekdays": [0, 1, 2, 3, 4, 5]}]

meaning a file matching ``ACH-RES-*`` must have been received on each listed weekday
(Monday = 0) by 11:30 India time. The check job runs every few minutes; after cut-off
with no matching file received since local midnight it raises one alert per
(counterpart, file, day) (``hub_alert`` key ``file_sla:<code>:<name>:<date>``), logs it
and counts it. When the file turns up late, the next check resolves the alert, noting
when it came.

This is wall-clock time on purpose: a cut-off is about when a bank actually sends, not
about the business date. Bank holidays are not excluded yet: list weekdays only, or
acknowledge the alert on a holiday.
"""

from __future__ import annotations

import fnmatch
import logging
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from prometheus_client import Counter
from sqlalchemy.orm import Session

from hub.platform.errors import FieldProblem, Unprocessable
from lms_core.integration.enums import AlertKind
from lms_core.persistence.integration import (
    alert_repository,
    counterpart_repository,
    inbox_repository,
)
from lms_core.persistence.integration.models import Counterpart

log = logging.getLogger("sangam.sla")
INDIA = ZoneInfo("Asia/Kolkata")
ALL_DAYS = (0, 1, 2, 3, 4, 5, 6)

SLA_BREACHES = Counter(
    "sangam_file_sla_breaches_total", "Expected files not arrived by cut-off", ["counterpart"]
)


@dataclass(frozen=True)
class ExpectedFile:
    name: str
    pattern: str
    cutoff: time
    weekdays: tuple[int, ...] = ALL_DAYS


def parse_expected(code: str, entries: list) -> list[ExpectedFile]:
    """Read a counterpart's ``expected_files``; raises Unprocessable naming each bad entry."""
    found, problems = [], []
    for n, entry in enumerate(entries or []):
        where = f"{code}.expected_files[{n}]"
        try:
            hours, minutes = (int(part) for part in str(entry["cutoff"]).split(":"))
            days = tuple(int(d) for d in entry.get("weekdays", ALL_DAYS))
            if not all(0 <= d <= 6 for d in days):
                raise ValueError(f"weekdays must be 0-6, got {days}")
            found.append(ExpectedFile(entry["name"], entry["pattern"], time(hours, minutes), days))
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(FieldProblem(where, f"needs name, pattern, cutoff HH:MM: {exc}"))
    if problems:
        raise Unprocessable("invalid expected_files", problems=problems)
    return found


def overdue(expected: ExpectedFile, names: list[str], local_now: datetime) -> bool:
    """Return whether ``expected`` is late at ``local_now`` given today's received names."""
    if local_now.weekday() not in expected.weekdays or local_now.time() < expected.cutoff:
        return False
    return not any(fnmatch.fnmatch(name, expected.pattern) for name in names)


def check_counterpart(session: Session, row: Counterpart, now: datetime) -> list[str]:
    """Raise / resolve the counterpart's file alerts at ``now``; return keys newly raised."""
    local_now = now.astimezone(INDIA)
    midnight = datetime.combine(local_now.date(), time(0), tzinfo=INDIA)
    names = inbox_repository.filenames_since(session, row.tenant_id, row.id, midnight)
    raised = []
    for expected in parse_expected(row.code, (row.config or {}).get("expected_files") or []):
        key = f"file_sla:{row.code}:{expected.name}:{local_now.date().isoformat()}"
        if overdue(expected, names, local_now):
            if _raise(session, row, expected, key, now, local_now):
                raised.append(key)
        elif any(fnmatch.fnmatch(name, expected.pattern) for name in names):
            alert_repository.resolve(
                session, row.tenant_id, key, f"arrived by {local_now:%H:%M}", now
            )
    return raised


def _raise(session, row, expected, key, now, local_now) -> bool:
    detail = (
        f"no file matching {expected.pattern!r} from {row.code} by the {expected.cutoff:%H:%M} "
        f"cut-off on {local_now.date().isoformat()} (checked at {local_now:%H:%M} IST)"
    )
    new = alert_repository.raise_once(
        session,
        tenant_id=row.tenant_id,
        kind=AlertKind.FILE_SLA,
        key=key,
        subject=f"{row.code}: {expected.name} not received",
        detail=detail,
        now=now,
        counterpart_id=row.id,
    )
    if new is not None:
        SLA_BREACHES.labels(row.code).inc()
        log.warning("file SLA breach: %s", detail)
    return new is not None


def check_all(session: Session, now: datetime) -> list[str]:
    """Check every enabled counterpart that declares expected files; return raised keys."""
    raised: list[str] = []
    for row in counterpart_repository.with_config_key(session, "expected_files"):
        if row.enabled:
            raised += check_counterpart(session, row, now)
    return raised
