"""Problems: input errors returned as values, so one call reports every one of them.

The calculation core never raises on bad terms; it returns a list of :class:`Problem`
records (``field`` in the caller's vocabulary, dotted for nested fields, and a plain
``message``). An empty list means the input is usable.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """Return the problem as a JSON-ready mapping."""
        return {"field": self.field, "message": self.message}
