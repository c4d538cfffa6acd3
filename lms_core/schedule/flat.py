"""Precomputed interest: flat rate and the Rule of 78.

Both methods fix the total interest at disbursement as interest on the *original*
amount for the whole tenure, ``I = P × annual rate × tenure in years`` (tenure in years
is ``n / periods per year`` under the period basis, the day-count year fraction from
disbursement to the last due date under the daily basis). The borrower pays
``(P + I) / n`` each period, rounded to the installment multiple.

* **Flat**: each installment carries the same interest ``I / n``.
* **Rule of 78** (sum of the digits): installment ``k`` of ``n`` carries
  ``I × (n − k + 1) / (n (n + 1) / 2)`` of interest, front-loading it the way the
  12-month case gives 12/78 of the interest to the first month.

The last installment takes the remaining principal and the remaining interest, so both
columns sum exactly to ``P`` and ``I``.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from lms_core.schedule.dates import Period
from lms_core.schedule.declining import Outcome, Rounder
from lms_core.schedule.lines import ScheduleLine

_ZERO = Decimal(0)


def precomputed(
    balance: Decimal,
    total_interest: Decimal,
    periods: Sequence[Period],
    rounder: Rounder,
    rule_of_78: bool,
    fee: Decimal = _ZERO,
    extra_first_interest: Decimal = _ZERO,
) -> Outcome:
    """Return flat (or Rule of 78) lines for ``balance`` with ``total_interest`` fixed.

    ``extra_first_interest`` (broken-period interest) is paid on top of the first line.
    """
    n = len(periods)
    q, mode = rounder.interest_quantum, rounder.interest_mode
    installment = rounder.installment((balance + total_interest) / n)
    digits = Decimal(n * (n + 1) // 2)
    lines: list[ScheduleLine] = []
    bal, interest_left = balance, total_interest
    for k, period in enumerate(periods):
        if k == n - 1:
            interest, principal = interest_left, bal
        else:
            share = Decimal(n - k) / digits if rule_of_78 else Decimal(1) / n
            interest = min((total_interest * share).quantize(q, rounding=mode), interest_left)
            principal = min(max(installment - interest, _ZERO), bal)
        bal -= principal
        interest_left -= interest
        if k == 0 and extra_first_interest:
            interest = max(interest + extra_first_interest.quantize(q, rounding=mode), _ZERO)
        total = principal + interest + fee
        lines.append(ScheduleLine(k + 1, period.due, principal, interest, fee, total, bal))
    return Outcome(lines, installment, _ZERO)
