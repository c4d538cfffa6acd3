"""The one fake clock of the test suite: a settable ``now`` that code under test calls.

Services take a ``clock`` (a callable returning an aware datetime) wherever they need the
time of day (leases, cut-offs, the 24-hour UPI notice); tests hand them a
:class:`FakeClock` started where the scenario needs and moved with :meth:`advance`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

T0 = datetime(2024, 4, 1, 9, 0, tzinfo=UTC)


class FakeClock:
    """``clock()`` returns now; ``advance(hours=2)`` moves it and returns the new now."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now
