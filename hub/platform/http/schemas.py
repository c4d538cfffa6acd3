"""Shared request / response types. Money crosses the API as decimal strings."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

from lms_core.money import D, MoneyError


def _money_in(value: Any) -> Decimal:
    if isinstance(value, float):
        raise ValueError('amounts must be sent as strings (e.g. "1250.50"), not JSON numbers')
    try:
        return D(value)
    except MoneyError as exc:
        raise ValueError(str(exc)) from None


Amount = Annotated[
    Decimal,
    BeforeValidator(_money_in),
    PlainSerializer(lambda v: f"{v:.2f}", return_type=str, when_used="json"),
]
Rate = Annotated[
    Decimal,
    BeforeValidator(_money_in),
    PlainSerializer(lambda v: str(v), return_type=str, when_used="json"),
]
