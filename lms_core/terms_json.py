"""The public schedule-preview contract: loan terms as JSON in, a schedule as JSON out.

:func:`preview_schedule` backs ``POST /api/v1/schedules/preview`` and
``sangam schedule preview --terms FILE.json``. It returns ``(result, [])`` or
``(None, problems)`` listing *every* problem (field and reason), never a partial
schedule: the form of each field and the consistency of the terms are checked in the
same call (consistency needs the five required fields to be readable).
docs/SCHEDULE_CONTRACT.md documents the same contract for API users.

Numbers: amounts and rates are decimal strings ("15.5"), ints, or Decimals (parse the
JSON with ``parse_float=Decimal``). A float is refused: it cannot hold 0.1 exactly.
Dates are ISO ``YYYY-MM-DD`` strings. Unknown fields are reported, to catch typos.

Fields and defaults (required: principal, annual_rate, tenure, frequency,
disbursement_date):

=====================  ==========================================================
currency               "INR"
first_due_date         one period after disbursement_date
interest_method        "declining" (also "flat", "rule_of_78")
amortization           "equal_installment" (also "equal_principal", "bullet",
                       "balloon", "step", "custom")
interest_basis         "period" (also "daily")
day_count              "ACT/365F" (also "ACT/360", "30/360", "ACT/ACT", "ACT/364")
installment_rounding   {"multiple": "0.01", "mode": "half_up"}
interest_rounding      {"places": 2, "mode": "half_even"}
moratorium             {"principal_periods": 0, "interest_periods": 0,
                       "interest_treatment": "capitalise"}
down_payment_percent   "0"
disbursements          [] (one disbursal); else [{"date", "amount"}, ...]
fees                   []; each {"name", "amount" or "percent", "payable_to":
                       "lender", "upfront": true, "collection": "deducted"}
broken_period          "add_to_first" (also "separate")
balloon_percent        "0"
step                   null; else {"every": 12, "percent": "10"}
custom                 []; else [{"due_date", "amount" or "principal_percent"}]
holidays               {"dates": [], "weekend": [], "convention": "none",
                       "second_fourth_saturdays": false, "interest_to": "unadjusted"}
stick_to_month_end     false
=====================  ==========================================================

Output: ``installments`` (number, due_date, principal, interest, fees, total, balance),
``totals`` (principal, interest, fees, total), ``apr`` and ``effective_annual_rate``
(percent, two places), and ``summary`` (financed, down_payment, upfront_fees,
broken_period_interest, net_disbursed, installment, total_payable). Amounts are strings
with two decimals.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lms_core.apr import kfs_figures
from lms_core.money import PAISA, ZERO
from lms_core.schedule.build import build_schedule
from lms_core.schedule.lines import Schedule
from lms_core.schedule.problems import Problem
from lms_core.schedule.reader import read_terms
from lms_core.schedule.terms import LoanTerms
from lms_core.schedule.validate import validate_terms


def parse_terms(payload: Any) -> tuple[LoanTerms | None, list[Problem]]:
    """Return the :class:`LoanTerms` in ``payload`` and every problem found with them."""
    terms, problems = read_terms(payload)
    if terms is None:
        return None, problems
    reported = {_root(p.field) for p in problems}
    problems += [p for p in validate_terms(terms) if _root(p.field) not in reported]
    return (None, problems) if problems else (terms, [])


def _root(field: str) -> str:
    """Return the top-level field of a dotted / indexed name (``fees[0].amount`` → fees)."""
    return field.split(".")[0].split("[")[0]


def preview_schedule(payload: Any) -> tuple[dict | None, list[Problem]]:
    """Return the schedule preview for the JSON ``payload`` (see the module docstring)."""
    terms, problems = parse_terms(payload)
    if terms is None:
        return None, problems
    schedule = build_schedule(terms)
    try:
        kfs = kfs_figures(terms, schedule)
    except ValueError as error:
        return None, [Problem("fees", f"no APR: {error}")]
    totals = schedule.totals()
    return {
        "installments": [_line(line) for line in schedule.lines],
        "totals": {
            "principal": _amount(totals.principal),
            "interest": _amount(totals.interest),
            "fees": _amount(totals.fees),
            "total": _amount(totals.total),
        },
        "apr": str(kfs.apr),
        "effective_annual_rate": str(kfs.effective_annual_rate),
        "summary": _summary(schedule, kfs.total_payable),
    }, []


def _amount(value: Decimal) -> str:
    return str(value.quantize(PAISA))


def _line(line) -> dict[str, Any]:
    return {
        "number": line.number,
        "due_date": line.due_date.isoformat(),
        "principal": _amount(line.principal),
        "interest": _amount(line.interest),
        "fees": _amount(line.fees),
        "total": _amount(line.total),
        "balance": _amount(line.balance),
    }


def _summary(schedule: Schedule, total_payable: Decimal) -> dict[str, str]:
    return {
        "financed": _amount(schedule.financed),
        "down_payment": _amount(schedule.down_payment),
        "upfront_fees": _amount(schedule.upfront_fees),
        "broken_period_interest": _amount(schedule.bpi_separate or ZERO),
        "net_disbursed": _amount(schedule.net_disbursed()),
        "installment": _amount(schedule.installment),
        "total_payable": _amount(total_payable),
    }
