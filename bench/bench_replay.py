"""Micro-benchmark: the pure per-loan calculation of bulk posting and end-of-day (µs/call).

Builds realistic inputs in memory (no database) and times, per call:

* ``replay_emi``: :func:`lms_core.loans.loan_day.replay` as bulk posting calls it for
  a 24-month EMI loan in month 7 (installments 1-6 stored and settled, the whole plan,
  one payment today of exactly today's EMI; no day-end after it);
* ``replay_arrears``: the same loan with installment 6 unpaid (overdue) and a payment
  that clears it and part of today's EMI;
* ``post_emi``: the whole pure part of one bulk payment: ``replay_emi`` plus the
  by-component sums, :func:`lms_core.ledger.servicing.repayment` and
  :func:`lms_core.ledger.require_valid`;
* ``eod_quiet``: :func:`lms_core.loans.day_end.close_loan_day` for a loan with no
  unpaid due and no installment falling due (accrual only);
* ``eod_billing``: the same on the day an installment falls due (a one-day replay);
* ``eod_penal``: an SMA-1 loan (installment 6 forty days overdue) accruing penal, a
  late fee rule, its stored penal due growing;
* ``validate``: :func:`lms_core.ledger.require_valid` on a 4-posting repayment journal;
* ``resync_45d``: a resync's replay of 45 days with day-ends (a payment back-dated into
  an SMA-0 loan's arrears: DPD and penal at each day-end, two installments raised).

Run: ``.venv/bin/python bench/bench_replay.py [--n 20000] [--profile SHAPE]``.
For an A/B against another copy of ``lms_core``, put that copy first:
``PYTHONPATH=/path/to/old .venv/bin/python bench/bench_replay.py`` (the module path
used is printed).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parents[1]))  # after PYTHONPATH: A/B runs

import lms_core
from lms_core.ledger import require_valid
from lms_core.ledger import servicing as journals
from lms_core.loans.classification import AssetClass
from lms_core.loans.day_end import LoanDayStart, close_loan_day
from lms_core.loans.loan_day import (
    DayRules,
    DueKey,
    DueKind,
    OpenDue,
    Payment,
    PlannedInstallment,
    replay,
)
from lms_core.money import ZERO, Currency, RoundingMode, round_money
from lms_core.waterfall import PENALTIES_FEES_INTEREST_PRINCIPAL, PRINCIPAL_FIRST
from lms_core.waterfall import Component as C

RULES = DayRules(
    PENALTIES_FEES_INTEREST_PRINCIPAL,
    PRINCIPAL_FIRST,
    penal_rate=Decimal("24"),
    grace_days=3,
    late_fee=Decimal("500.00"),
    late_fee_after_days=30,
)
FIRST_DUE = date(2024, 2, 1)


def _month(n: int) -> date:
    """Return the due date of installment ``n`` (the 1st of each month from Feb 2024)."""
    months = FIRST_DUE.month - 1 + n - 1
    return date(FIRST_DUE.year + months // 12, months % 12 + 1, 1)


def plan(principal: Decimal = Decimal(100_000), months: int = 24) -> list[PlannedInstallment]:
    """Return a reducing-balance EMI plan at 12 % a year (1 % a month), last line squared."""
    rate = Decimal("0.01")
    emi = round_money(principal * rate / (1 - (1 + rate) ** -months), RoundingMode.HALF_UP)
    lines, balance, start = [], principal, date(2024, 1, 1)
    for n in range(1, months + 1):
        interest = round_money(balance * rate, RoundingMode.HALF_EVEN)
        part = balance if n == months else emi - interest
        lines.append(PlannedInstallment(n, start, _month(n), part, interest, ZERO))
        balance -= part
        start = _month(n)
    return lines


def stored(lines: list[PlannedInstallment], through: int, unpaid: int = 0) -> list[OpenDue]:
    """Return the installment dues 1..``through``, settled except installment ``unpaid``."""
    dues = []
    for line in lines[:through]:
        for component, amount in ((C.PRINCIPAL, line.principal), (C.INTEREST, line.interest)):
            paid = ZERO if line.number == unpaid else amount
            dues.append(
                OpenDue(
                    DueKey(DueKind.INSTALLMENT, line.number, component), line.due_date, amount, paid
                )
            )
    return dues


def shapes() -> dict[str, Callable[[], object]]:
    """Return the timed calls, each closed over its prepared inputs."""
    lines = plan()
    today = lines[6].due_date
    emi = lines[6].principal + lines[6].interest
    settled = stored(lines, 6)
    arrears = stored(lines, 6, unpaid=6)
    pay = [Payment(1, today, emi)]
    pay_arrears = [Payment(1, today, emi + emi / 2)]
    yesterday = today - timedelta(days=1)
    std = AssetClass.STANDARD

    def post_emi() -> object:
        result = replay(settled, lines, pay, RULES, today, yesterday, std)
        parts: dict[C, Decimal] = {}
        for a in result.applied:
            parts[a.key.component] = parts.get(a.key.component, ZERO) + a.amount
        excess = dict(result.excess)
        journal = journals.repayment(
            7, today, today, emi, parts, excess[1], Currency.INR, "repayment:1:0"
        )
        return require_valid(journal)

    loan = LoanDayStart(7, Currency.INR, std)
    quiet_day = today + timedelta(days=10)
    overdue_day = lines[5].due_date + timedelta(days=40)
    penal_key = DueKey(DueKind.PENAL, 6, C.PENALTY)
    penal_dues = [
        *arrears,
        OpenDue(penal_key, lines[5].due_date + timedelta(days=4), Decimal("120.50")),
    ]
    sma1 = LoanDayStart(7, Currency.INR, AssetClass.SMA1)
    journal = post_emi()
    history, since, through = stored(lines, 5), lines[5].due_date - timedelta(days=5), overdue_day
    back = [Payment(2, lines[5].due_date + timedelta(days=20), emi)]
    return {
        "replay_emi": lambda: replay(settled, lines, pay, RULES, today, yesterday, std),
        "replay_arrears": lambda: replay(arrears, lines, pay_arrears, RULES, today, yesterday, std),
        "post_emi": post_emi,
        "eod_quiet": lambda: close_loan_day(loan, lines[7], [], RULES, quiet_day),
        "eod_billing": lambda: close_loan_day(loan, lines[6], [], RULES, today),
        "eod_penal": lambda: close_loan_day(sma1, lines[6], penal_dues, RULES, overdue_day),
        "validate": lambda: require_valid(journal),
        "resync_45d": lambda: replay(history, lines, back, RULES, since, through, AssetClass.SMA0),
    }  # fmt: skip


def time_per_call(fn: Callable[[], object], n: int, repeats: int = 5) -> float:
    """Return the best of ``repeats`` runs of ``n`` calls, in CPU µs per call.

    CPU time of this process, not wall time: on a loaded machine the time spent waiting
    for a core is left out (cache and frequency effects of the load are not).
    """
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        for _ in range(n):
            fn()
        best = min(best, time.process_time() - started)
    return best / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="calls per timed run")
    parser.add_argument("--only", nargs="*", help="shapes to run (default: all)")
    parser.add_argument("--profile", metavar="SHAPE", help="cProfile one shape instead")
    args = parser.parse_args()
    calls = shapes()
    print(f"lms_core from {Path(lms_core.__file__).parent}")
    if args.profile:
        fn = calls[args.profile]
        profile = cProfile.Profile()
        profile.runcall(lambda: [fn() for _ in range(args.n)])
        pstats.Stats(profile).sort_stats("tottime").print_stats(18)
        return
    for name in args.only or calls:
        print(f"{name:16s} {time_per_call(calls[name], args.n):8.1f} µs/call")


if __name__ == "__main__":
    main()
