"""The demo's lending activity: products, a book of loans, and business days with
collections, bounces and back-dated receipts, all through the real services.

Deterministic: a seeded random generator picks amounts, terms and who pays, so every run
of ``sangam demo`` on an empty database produces the same figures.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from hub.collections.nach.demo import run_nach_day
from hub.collections.upi.demo import run_upi_day
from hub.loans.booking import PartyIn, book_loan, confirm_payout, disburse
from hub.loans.demo_approvals import ApprovalsLog, run_dual_control_day
from hub.loans.demo_lifecycle import LifecycleLog, run_lifecycle_day
from hub.loans.repayments import Channel, RepaymentIn, post_repayment, reverse_repayment
from hub.platform.eod.runner import run_eod
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
    eods: list[str] = field(default_factory=list)
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


def run_business_days(
    factory: sessionmaker[Session], tenant_id: int, loans: int, days: int, seed: int = 7
) -> DayLog:
    """Book ``loans`` loans on the first day, then run ``days`` business days."""
    rng, log = random.Random(seed), DayLog()
    with factory() as session:
        ensure_products(session, tenant_id)
        if not loan_repository.list_loans(session, tenant_id, limit=1):
            log.booked = book_portfolio(session, tenant_id, loans, rng)
        session.commit()
    for day in range(days):
        if day in (4, 8):  # a few borrowers prepay or close early
            run_lifecycle_day(factory, tenant_id, rng, log.lifecycle)
        if day == 8:  # a settlement through maker and checker; a write-off left pending
            run_dual_control_day(factory, tenant_id, log.approvals)
        run_nach_day(factory, tenant_id)  # NACH: present today's dues, apply the bank's answer
        run_upi_day(factory, tenant_id)  # UPI AutoPay: notices, debits, PSP webhooks
        with factory() as session:
            collect(session, tenant_id, rng, log)
            session.commit()
        summary = run_eod(factory, tenant_id)
        log.eods.append(f"{summary.business_date}: {summary.loans} loans")
    return log
