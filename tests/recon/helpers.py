"""Helpers for reconciliation tests: an escrow account, bank lines, expected items."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from hub.recon.expected import record_expected
from lms_core.persistence.recon import run_repository as repository
from lms_core.persistence.recon.models import ReconActualItem

ESCROW = "50200012345678"
_seq = itertools.count(1)


def make_account(db: Session, tenant, account_no: str = ESCROW, bank: str = "HDFC"):
    return repository.add_account(db, tenant.id, account_no, bank, "Collections escrow", "INR")


def add_line(
    db: Session,
    tenant,
    account,
    amount: str,
    value_date: date,
    *,
    utr: str | None = None,
    our_ref: str | None = None,
    narration: str = "",
    direction: str = "credit",
    kind: str = "mt940",
    counterparty: str | None = None,
) -> ReconActualItem:
    """Insert one bank line directly (statement ingestion has its own tests)."""
    n = next(_seq)
    row = ReconActualItem(
        tenant_id=tenant.id,
        account_id=account.id,
        kind=kind,
        line_no=n,
        line_key=f"test:{n}",
        direction=direction,
        amount=Decimal(amount),
        currency="INR",
        value_date=value_date,
        utr=utr,
        our_ref=our_ref,
        narration=narration,
        counterparty=counterparty,
    )
    db.add(row)
    db.flush()
    return row


def expect(db: Session, tenant, reference: str, amount: str, on: date, **kw):
    kw.setdefault("source", "manual")
    kw.setdefault("direction", "credit")
    return record_expected(
        db, tenant.id, reference=reference, amount=Decimal(amount), expected_on=on, **kw
    )
