"""Display formatting for the dashboard: Indian-style money and IST timestamps.

Indian digit grouping puts the last three digits together and every two digits above
them: 12345678.9 reads ``₹1,23,45,678.90``. Amounts arrive as ``Decimal`` or as the
two-decimal strings the read models return; both go through ``D()``, never a float.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from lms_core.money import D

IST = ZoneInfo("Asia/Kolkata")
_PAISE = Decimal("0.01")


def group_indian(digits: str) -> str:
    """Return ``digits`` (no sign) grouped 3 then 2 by 2: "12345678" -> "1,23,45,678"."""
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    pairs = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    return ",".join([head, *pairs, tail])


def inr(amount: Decimal | int | str | None, symbol: str = "₹") -> str:
    """Return ``amount`` as Indian-grouped rupees with paise; "" for None.

    Display rounding is half-up to the paisa (stored amounts already carry two places).
    """
    if amount is None or amount == "":
        return ""
    value = D(amount).quantize(_PAISE, rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    rupees, paise = f"{abs(value):.2f}".split(".")
    return f"{sign}{symbol}{group_indian(rupees)}.{paise}"


def when(value: datetime | date | None) -> str:
    """Return a timestamp in IST ("2024-01-05 15:30:12 IST"), a date as ISO, "" for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        local = value.astimezone(IST) if value.tzinfo else value
        return local.strftime("%Y-%m-%d %H:%M:%S") + (" IST" if value.tzinfo else "")
    return value.isoformat()
