"""When to try a failed delivery again: a schedule of delays, jitter, Retry-After.

The default is the example schedule of specs/webhooks.md: immediately, 5 s, 5 min,
30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h, then dead letter. A counterpart may set its own
``retry_schedule_s`` list, or the transport's exponential :class:`RetryPolicy` can be
turned into a schedule. Jitter spreads retries of many messages that failed together
(``rng`` is injected so tests are deterministic).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connectors.sdk.transport.http import RetryPolicy

SPEC_SCHEDULE_S: tuple[float, ...] = (
    0,
    5,
    5 * 60,
    30 * 60,
    2 * 3600,
    5 * 3600,
    10 * 3600,
    14 * 3600,
    20 * 3600,
    24 * 3600,
)


@dataclass(frozen=True)
class DeliveryPolicy:
    """``schedule_s[n]`` is the wait before attempt ``n + 1``; its length is the budget."""

    schedule_s: tuple[float, ...] = SPEC_SCHEDULE_S
    jitter: float = 0.1  # +/- this share of each delay
    max_retry_after_s: float = 24 * 3600

    @property
    def max_attempts(self) -> int:
        return len(self.schedule_s)

    def next_delay(
        self, attempts_made: int, rng: random.Random, retry_after: float | None = None
    ) -> float | None:
        """Return seconds until the next attempt after ``attempts_made`` failures, or None
        when the budget is spent (dead letter). A peer's Retry-After is honoured (capped)."""
        if attempts_made >= self.max_attempts:
            return None
        base = self.schedule_s[attempts_made]
        delay = base * (1 + rng.uniform(-self.jitter, self.jitter)) if base else 0.0
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.max_retry_after_s))
        return delay

    @classmethod
    def from_retry_policy(cls, policy: RetryPolicy) -> DeliveryPolicy:
        """Exponential schedule from the transport's policy: 0, base, 2 base ... capped."""
        delays = [0.0] + [
            min(policy.cap_s, policy.base_s * 2**n) for n in range(policy.max_attempts - 1)
        ]
        return cls(tuple(delays), max_retry_after_s=policy.max_retry_after_s)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DeliveryPolicy:
        """Return the counterpart's policy (``retry_schedule_s``), else the default."""
        schedule = config.get("retry_schedule_s")
        if schedule:
            return cls(tuple(float(s) for s in schedule))
        return cls()
