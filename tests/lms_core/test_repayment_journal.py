"""The repayment journal builder: postings built directly equal the debit/credit ones."""

from __future__ import annotations

import gc
from datetime import date
from decimal import Decimal

import pytest

from hub.loans.bulk_repayments import _no_cyclic_gc
from lms_core.ledger import Journal, credit, debit, require_valid
from lms_core.ledger import servicing as journals
from lms_core.money import Currency
from lms_core.waterfall import Component

DAY = date(2024, 2, 1)
PRIN, INT, FEE, PEN = Component.PRINCIPAL, Component.INTEREST, Component.FEE, Component.PENALTY


@pytest.mark.parametrize(
    ("amount", "parts", "excess", "expected"),
    [
        # an EMI: credits in the components' sorted order (fee, interest, penalty, principal)
        ("8884.88", {PRIN: "7884.88", INT: "1000.00"}, "0",
         [("INTEREST_DUE", "1000.00"), ("LOAN_PRINCIPAL", "7884.88")]),
        # every component, a zero part skipped, the excess to the advance last
        ("500.00", {PRIN: "100.00", INT: "0", FEE: "50.00", PEN: "25.00"}, "325.00",
         [("FEES_RECEIVABLE", "50.00"), ("PENAL_RECEIVABLE", "25.00"),
          ("LOAN_PRINCIPAL", "100.00"), ("BORROWER_ADVANCE", "325.00")]),
        # nothing due: all of it is advance
        ("10.00", {}, "10.00", [("BORROWER_ADVANCE", "10.00")]),
    ],
)  # fmt: skip
def test_repayment_journal_equals_debit_credit_postings(amount, parts, excess, expected):
    kw = {"currency": Currency.INR, "loan_id": 7}
    by_component = {c: Decimal(v) for c, v in parts.items()}
    got = journals.repayment(
        7, DAY, DAY, Decimal(amount), by_component, Decimal(excess), Currency.INR, "repayment:1:0"
    )
    want = Journal(
        "repayment",
        DAY,
        (
            debit("ESCROW_BANK", Decimal(amount), **kw),
            *(credit(acc, Decimal(v), **kw) for acc, v in expected),
        ),
        value_date=DAY,
        loan_id=7,
        external_ref="repayment:1:0",
    )
    assert got == want
    assert require_valid(got) is got


@pytest.mark.parametrize("enabled", [True, False])
def test_bulk_post_pauses_cyclic_gc_and_restores_it(enabled):
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        with pytest.raises(RuntimeError), _no_cyclic_gc():
            assert not gc.isenabled()
            raise RuntimeError("a failing chunk")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
