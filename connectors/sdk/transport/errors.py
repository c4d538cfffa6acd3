"""The one exception hierarchy every connector raises.

Two kinds of failure, as in meltano's singer_sdk ``validate_response``:

* :class:`RetriableError`: the counterpart may succeed if asked again later: timeouts,
  dropped connections, HTTP 408 / 429 / 5xx. It may carry ``retry_after`` (seconds) when
  the counterpart said how long to wait.
* :class:`FatalError`: asking again cannot help: bad credentials, a host key that does
  not match its pin, a request the counterpart rejects (4xx), a schema violation.

:func:`classify_http_response` is the single place where HTTP status codes become one of
the two, so every HTTP connector agrees on what is worth retrying.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime


class ConnectorError(Exception):
    """Base of every transport / connector failure; ``counterpart`` names the peer."""

    def __init__(self, message: str, *, counterpart: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.counterpart = counterpart

    def __str__(self) -> str:
        prefix = f"[{self.counterpart}] " if self.counterpart else ""
        return f"{prefix}{self.message}"


class RetriableError(ConnectorError):
    """A transient failure; ``retry_after`` is the peer's requested wait in seconds."""

    def __init__(
        self,
        message: str,
        *,
        counterpart: str | None = None,
        retry_after: float | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message, counterpart=counterpart)
        self.retry_after = retry_after
        self.status = status


class FatalError(ConnectorError):
    """A failure that retrying cannot fix (auth, host key, validation, most 4xx)."""

    def __init__(
        self, message: str, *, counterpart: str | None = None, status: int | None = None
    ) -> None:
        super().__init__(message, counterpart=counterpart)
        self.status = status


# 408 Request Timeout and 429 Too Many Requests are the 4xx codes that invite a retry.
_RETRIABLE_4XX = frozenset({408, 429})


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Return the wait in seconds a ``Retry-After`` header asks for, or None.

    Accepts delta-seconds ("3", "0.5") and, when ``now`` is given, an HTTP-date. The clock
    is never read here: without ``now`` an HTTP-date is ignored (None).
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        seconds = None
    if seconds is not None:
        return max(seconds, 0.0)
    if now is None:
        return None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max((when - now).total_seconds(), 0.0)


def classify_http_response(
    status: int,
    headers: Mapping[str, str] | None = None,
    *,
    counterpart: str | None = None,
    detail: str = "",
    now: datetime | None = None,
) -> ConnectorError | None:
    """Return None for a success (1xx-3xx), else the error to raise for this status.

    408, 429 and every 5xx give :class:`RetriableError` (with ``retry_after`` from the
    ``Retry-After`` header when present); any other 4xx gives :class:`FatalError`.
    """
    if status < 400:
        return None
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    message = f"HTTP {status}" + (f": {detail}" if detail else "")
    if status in _RETRIABLE_4XX or status >= 500:
        retry_after = parse_retry_after(lowered.get("retry-after"), now=now)
        return RetriableError(
            message, counterpart=counterpart, retry_after=retry_after, status=status
        )
    return FatalError(message, counterpart=counterpart, status=status)
