"""What every demo step receives: the database, the tenant, the seeded dice, the day.

The demo business day (``sangam demo``) is assembled from the domains' demo steps
(``demo_steps`` in each ``module.py``): SETUP steps once after the tenant exists, DAY
steps each business day before its end-of-day, END steps once after the last day. They
share one seeded random generator, so every run on an empty database prints the same
figures; ``state`` holds what a domain keeps from one step to the next (its running
counts), keyed by the domain's name.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session, sessionmaker


@dataclass
class DemoContext:
    factory: sessionmaker[Session]
    tenant_id: int
    tenant_code: str
    loans: int  # how many loans the book starts with
    days: int  # how many business days run
    rng: random.Random
    day_index: int = -1  # 0 for the first business day; -1 before it
    business_date: date | None = None
    eods: list[str] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    #: the hub's own API served on loopback (``.app``, ``.base_url``), for counterparts
    #: that call back (a PSP's webhooks); started once, on first use, by the demo's runner
    api_server: Callable[[], Any] | None = None

    def kept(self, domain: str, make: Any) -> Any:
        """Return the domain's running state, created by ``make()`` on first use."""
        if domain not in self.state:
            self.state[domain] = make()
        return self.state[domain]
