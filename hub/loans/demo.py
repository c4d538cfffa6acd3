"""The loans domain's part of the demo business day: products, a book of loans, and each
day's collections, bounces, back-dated receipts, prepayments and closures, all through
the real services.

Deterministic: the demo's seeded random generator (``ctx.rng``) picks amounts, terms and
who pays, so every run of ``sangam demo`` on an empty database produces the same figures.
The steps are declared in ``hub/loans/module.py``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from hub.loans.booking import PartyIn, book_loan, confirm_payout, disburse
from hub.loans.demo_approvals import ApprovalsLog, run_dual_control_day
from hub.loans.demo_lifecycle import LifecycleLog, run_lifecycle_day
from hub.loans.repayments import Channel, RepaymentIn, post_repayment, reverse_repayment
from hub.platform.demo import DemoContext
from lms_core.persistence.loans import loan_repository
from lms_core.persistence.platform import tenant_repository

PRODUCTS = {
    "PL": (
        "Personal loan",
        {
            "terms_defaults": {
                "frequency": "monthly",
                "interest_method": "declining",
                "amortization": "equal_installment",
            },
            "min_amount": "10000",
            "max_amount": "1500000",
            "min_tenure": 6,
            "max_tenure": 60,
            "min_rate": "10.5",
            "max_rate": "26",
            "frequencies": ["monthly"],
            "penal_rate": "24",
            "grace_days": 3,
            "bounce_fee": "590",
            "late_fee": "250",
            "late_fee_after_days": 7,
        },
    ),
    "MFI": (
        "Microfinance weekly (JLG)",
        {
            "terms_defaults": {
                "frequency": "weekly",
                "interest_method": "declining",
                "amortization": "equal_installment",
                "installment_rounding": {"multiple": "1", "mode": "up"},
            },
            "min_amount": "5000",
            "max_amount": "100000",
            "min_tenure": 12,
            "max_tenure": 104,
            "min_rate": "18",
            "max_rate": "26",
            "frequencies": ["weekly"],
            "penal_rate": "0",
            "bounce_fee": "0",
        },
    ),
    "BL": (
        "MSME business loan",
        {
            "terms_defaults": {
                "frequency": "monthly",
                "interest_method": "declining",
                "amortization": "equal_principal",
            },
            "min_amount": "200000",
            "max_amount": "20000000",
            "min_tenure": 12,
            "max_tenure": 84,
            "min_rate": "12",
            "max_rate": "22",
            "frequencies": ["monthly"],
            "penal_rate": "18",
            "grace_days": 0,
            "bounce_fee": "1180",
            "waterfall": {
                "standard": "rbi_overdue_due",
                "npa": "principal_first",
                "written_off": "principal_first",
                "settlement": "settlement",
            },
        },
    ),
}
NAMES = [
    "Aarav Shah",
    "Diya Nair",
    "Kabir Singh",
    "Meera Iyer",
    "Rohan Das",
    "Sana Khan",
    "Vikram Rao",
    "Ananya Gupta",
    "Ishaan Patel",
    "Lakshmi Menon",
    "Arjun Reddy",
    "Priya Joshi",
]


@dataclass
class DayLog:
    booked: int = 0
    paid: int = 0
    bounced: int = 0
    back_dated: int = 0
    lifecycle: LifecycleLog = field(default_factory=LifecycleLog)
    approvals: ApprovalsLog = field(default_factory=ApprovalsLog)


def ensure_products(session: Session, tenant_id: int) -> None:
    for code, (name, rules) in PRODUCTS.items():
        if loan_repository.latest_product(session, tenant_id, code) is None:
            loan_repository.create_product_version(session, tenant_id, code, name, rules)


def _terms(rng: random.Random, code: str, start: date) -> dict:
    if code == "MFI":
        return {
            "principal": str(rng.choice([15000, 20000, 25000, 30000])),
            "annual_rate": "22",
            "tenure": 52,
            "disbursement_date": start.isoformat(),
            "first_due_date": (start + timedelta(days=7)).isoformat(),
        }
    if code == "BL":
        return {
            "principal": str(rng.randrange(5, 50) * 100000),
            "annual_rate": str(rng.choice([14, 15.5, 17])),
            "tenure": rng.choice([24, 36, 48]),
            "disbursement_date": start.isoformat(),
            "first_due_date": (start + timedelta(days=9)).isoformat(),
        }
    return {
        "principal": str(rng.randrange(50, 500) * 1000),
        "annual_rate": str(rng.choice([13.5, 15, 16.99, 18])),
        "tenure": rng.choice([12, 24, 36]),
        "disbursement_date": start.isoformat(),
        "first_due_date": (start + timedelta(days=rng.choice([8, 9, 10]))).isoformat(),
        "fees": [{"name": "processing", "percent": "2", "payable_to": "lender", "upfront": True}],
    }


def book_portfolio(session: Session, tenant_id: int, count: int, rng: random.Random) -> int:
    """Book and disburse ``count`` loans dated the business date; return how many."""
    today = tenant_repository.business_date(session, tenant_id)
    for i in range(count):
        code = rng.choices(["PL", "MFI", "BL"], weights=[6, 3, 1])[0]
        name = NAMES[i % len(NAMES)]
        loan = book_loan(
            session,
            tenant_id,
            code,
            _terms(rng, code, today),
            [PartyIn("borrower", name, "9800000000")],
        )
        disburse(session, tenant_id, loan.id, "demo")
        confirm_payout(session, tenant_id, loan.id, f"DEMON{today:%y%j}{loan.id:06d}", "demo")
    return count


def collect(session: Session, tenant_id: int, rng: random.Random, log: DayLog) -> None:
    """Today's collections: most pay what is due, some partly, a few bounce."""
    today = tenant_repository.business_date(session, tenant_id)
    loans = loan_repository.list_loans(session, tenant_id, status="active", limit=100_000)
    dues = loan_repository.due_rows(session, [loan.id for loan in loans])
    for loan in loans:
        owed = sum((d.amount - d.paid - d.waived for d in dues[loan.id]), Decimal(0))
        if owed <= 0:
            continue
        roll = rng.random()
        if roll < 0.25:
            continue  # not today
        amount = owed if roll < 0.85 else (owed / 2).quantize(Decimal("0.01"))
        rep = post_repayment(
            session,
            tenant_id,
            loan.id,
            RepaymentIn(amount, channel=rng.choice([Channel.NACH, Channel.UPI, Channel.NEFT])),
            "demo",
        )
        log.paid += 1
        if rng.random() < 0.06:
            reverse_repayment(
                session,
                tenant_id,
                rep.id,
                "NACH return 04: balance insufficient",
                "demo",
                bounce=True,
            )
            log.bounced += 1
    _one_back_dated(session, tenant_id, loans, today, log)


def _one_back_dated(session: Session, tenant_id: int, loans, today: date, log: DayLog) -> None:
    """A cheque deposited two days ago clears today: it is value-dated when it was paid in."""
    for loan in loans:
        overdue = [
            d
            for d in loan_repository.due_rows(session, [loan.id])[loan.id]
            if d.amount > d.paid and d.due_date <= today - timedelta(days=2)
        ]
        if overdue and loan.status == "active":
            amount = sum((d.amount - d.paid for d in overdue), Decimal(0))
            post_repayment(
                session,
                tenant_id,
                loan.id,
                RepaymentIn(amount, channel=Channel.CHEQUE, value_date=today - timedelta(days=2)),
                "demo",
            )
            log.back_dated += 1
            return


# --- the demo steps (hub/loans/module.py) ------------------------------------------------


def _log(ctx: DemoContext) -> DayLog:
    return ctx.kept("loans", DayLog)


def book_step(ctx: DemoContext) -> dict[str, object]:
    """SETUP: the products, and the book of loans disbursed on the first business day."""
    log = _log(ctx)
    with ctx.factory() as session:
        ensure_products(session, ctx.tenant_id)
        if not loan_repository.list_loans(session, ctx.tenant_id, limit=1):
            log.booked = book_portfolio(session, ctx.tenant_id, ctx.loans, ctx.rng)
        session.commit()
    return {"loans_booked": log.booked}


def lifecycle_step(ctx: DemoContext) -> None:
    """DAY (the 5th and 9th): a few borrowers prepay or close early."""
    if ctx.day_index in (4, 8):
        run_lifecycle_day(ctx.factory, ctx.tenant_id, ctx.rng, _log(ctx).lifecycle)


def dual_control_step(ctx: DemoContext) -> None:
    """DAY (the 9th): a settlement through maker and checker; a write-off left pending."""
    if ctx.day_index == 8:
        run_dual_control_day(ctx.factory, ctx.tenant_id, _log(ctx).approvals)


def collect_step(ctx: DemoContext) -> None:
    """DAY: the borrowers who pay by other channels pay (some partly, a few bounce)."""
    with ctx.factory() as session:
        collect(session, ctx.tenant_id, ctx.rng, _log(ctx))
        session.commit()


def summary_step(ctx: DemoContext) -> dict[str, object]:
    """END: the loans' lines of the demo summary."""
    log = _log(ctx)
    return {
        "payments": log.paid,
        "bounces": log.bounced,
        "back_dated_payments": log.back_dated,
        "prepayments_and_closures": log.lifecycle.summary(),
        "dual_control": log.approvals.summary(),
    }
