"""Offset pagination for list pages: fetch one row more than shown to know if more exist.

``pager = Depends(pager_from_query)``, then ``rows = repo.list(..., limit=pager.fetch,
offset=pager.offset)`` and ``page = pager.page(rows, request)``: ``page.rows`` are the
rows to draw, ``page.prev_url`` / ``page.next_url`` keep every other query parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from fastapi import Query, Request

T = TypeVar("T")
MAX_LIMIT = 500


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    rows: Sequence[T]
    offset: int
    limit: int
    prev_url: str | None
    next_url: str | None

    @property
    def first(self) -> int:
        return self.offset + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.offset + len(self.rows)


@dataclass(frozen=True, slots=True)
class Pager:
    offset: int = 0
    limit: int = 50

    @property
    def fetch(self) -> int:
        """How many rows to ask the repository for (one extra to detect a next page)."""
        return self.limit + 1

    def page(self, rows: Sequence[T], request: Request) -> Page[T]:
        more = len(rows) > self.limit
        prev_offset = max(self.offset - self.limit, 0)
        prev_url = _with(request, prev_offset) if self.offset > 0 else None
        next_url = _with(request, self.offset + self.limit) if more else None
        return Page(rows[: self.limit], self.offset, self.limit, prev_url, next_url)


def _with(request: Request, offset: int) -> str:
    url = request.url.include_query_params(offset=offset)
    return f"{url.path}?{url.query}"


def pager_from_query(
    offset: int = Query(0, ge=0), limit: int = Query(50, ge=1, le=MAX_LIMIT)
) -> Pager:
    return Pager(offset=offset, limit=limit)
