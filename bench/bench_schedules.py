"""Schedules per second for 24- and 240-month EMI loans (exact Decimal, one core).

Run: ``.venv/bin/python bench/bench_schedules.py``. Terms are built once; each round
builds a full schedule with :func:`lms_core.schedule.build.build_schedule` (dates,
interest, principal, rounding, last-line absorption). Validation and JSON rendering are
outside that loop (the engine is what batch jobs run in bulk); a third figure times the
whole JSON preview, validation and APR included.
"""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

from lms_core.schedule.build import build_schedule
from lms_core.schedule.terms import Frequency, LoanTerms
from lms_core.terms_json import preview_schedule


def rate(tenure: int, seconds: float = 2.0) -> tuple[float, int]:
    """Return (schedules per second, schedules built) for a ``tenure``-month EMI loan."""
    terms = LoanTerms(
        principal=Decimal("2500000"),
        annual_rate=Decimal("8.65"),
        tenure=tenure,
        frequency=Frequency.MONTHLY,
        disbursement_date=date(2024, 1, 17),
        first_due_date=date(2024, 3, 5),
    )
    build_schedule(terms)  # warm up
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for _ in range(100):
            build_schedule(terms)
        count += 100
    return count / (time.perf_counter() - start), count


def preview_rate(seconds: float = 2.0) -> float:
    """Return full previews per second: parse, validate, schedule, APR, JSON-ready dict."""
    payload = {
        "principal": "20000",
        "annual_rate": "15",
        "tenure": 24,
        "frequency": "monthly",
        "disbursement_date": "2024-01-01",
        "fees": [{"name": "processing", "amount": "240"}],
    }
    count = 0
    start = time.perf_counter()
    while time.perf_counter() < start + seconds:
        preview_schedule(payload)
        count += 1
    return count / (time.perf_counter() - start)


def main() -> None:
    for tenure in (24, 240):
        per_second, count = rate(tenure)
        print(f"{tenure:>3}-month EMI: {per_second:>10,.0f} schedules/s ({count:,} built)")
    print(f" 24-month preview (JSON in, schedule + APR out): {preview_rate():,.0f}/s")


if __name__ == "__main__":
    main()
