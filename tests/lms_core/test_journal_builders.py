"""Every servicing and life-cycle journal, built by the pure builders of ``lms_core.ledger``.

Each case is the journal as the ledger writes it (see ``journal_cases.py``), every
posting with the reason it is there. Unless a case says otherwise: loan 7, in rupees,
booked on 6 Feb 2024; the common loan is 1,00,000 at 12 % over 12 months from 1 Jan
2024, EMI 8,884.88 (installment 1 = interest 1,000.00 + principal 7,884.88), penal
5.84 a day on an overdue EMI.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from lms_core.ledger import credit_lines, lifecycle, servicing
from lms_core.ledger.lifecycle import Booking, Position
from lms_core.money import Currency
from lms_core.waterfall import Component
from tests.lms_core.journal_cases import Case, cases, check

DAY = date(2024, 2, 6)
INR = Currency.INR
AT = Booking(7, INR, DAY)
C = Component

SERVICING = {
    "disbursement": Case(
        lambda: servicing.disbursement(7, DAY, D("100000.00"), D("1000.00"), D("500.00"), INR),
        """
        Dr LOAN_PRINCIPAL        100000.00   the whole principal is owed
        Cr DISBURSEMENT_PAYABLE   98500.00   paid out net: 100000 - 1000 - 500
        Cr FEE_INCOME              1000.00   the lender's upfront fee, earned at once
        Cr THIRD_PARTY_PAYABLE      500.00   collected for a third party (stamp duty)
        """,
        {"kind": "disbursement", "external_ref": "disbursement:7", "loan_id": 7},
    ),
    "payout": Case(
        lambda: servicing.payout(7, DAY, D("98500.00"), "UTR1", INR),
        """
        Dr DISBURSEMENT_PAYABLE   98500.00   the payable is met
        Cr ESCROW_BANK            98500.00   the money leaves the escrow account
        """,
        {"kind": "payout", "external_ref": "payout:7", "description": "UTR UTR1"},
    ),
    "repayment of an EMI with an excess": Case(
        lambda: servicing.repayment(
            7,
            DAY,
            date(2024, 2, 1),
            D("9000.00"),
            {C.PRINCIPAL: D("7884.88"), C.INTEREST: D("1000.00")},
            D("115.12"),
            INR,
            "r:1",
        ),
        """
        Dr ESCROW_BANK        9000.00   the payment comes in
        Cr INTEREST_DUE       1000.00   installment 1's interest (components in order:
        Cr LOAN_PRINCIPAL     7884.88   fee, interest, penalty, principal)
        Cr BORROWER_ADVANCE    115.12   9000.00 - 8884.88, held for the borrower
        """,
        {"kind": "repayment", "value_date": date(2024, 2, 1), "external_ref": "r:1"},
    ),
    "bounce fee": Case(
        lambda: servicing.bounce_fee(7, DAY, D("500.00"), INR, "bounce:3"),
        """
        Dr FEES_RECEIVABLE   500.00   the product's bounce fee is due
        Cr FEE_INCOME        500.00   and earned
        """,
        {"kind": "bounce_fee", "external_ref": "bounce:3", "loan_id": 7},
    ),
    "penal reversed by a back-dated payment": Case(
        lambda: servicing.penal_true_up(7, DAY, D("-29.20"), INR),
        """
        Dr PENAL_INCOME       29.20   5 x 5.84 charged 1-5 Feb was never due: the
        Cr PENAL_RECEIVABLE   29.20   EMI is now paid on its due date
        """,
        {"kind": "penal_charge"},
    ),
    "penal unchanged": Case(lambda: servicing.penal_true_up(7, DAY, D("0"), INR), ""),
    "late fee raised by a reversal": Case(
        lambda: servicing.late_fee_true_up(7, DAY, D("500.00"), INR),
        """
        Dr FEES_RECEIVABLE   500.00   the replay raises a late fee the reversed payment
        Cr FEE_INCOME        500.00   had avoided
        """,
        {"kind": "late_fee"},
    ),
    "interest held in suspense on an NPA": Case(
        lambda: servicing.income_recognition(7, DAY, D("0"), D("3523.74"), INR),
        """
        Dr INTEREST_INCOME     3523.74   uncollected interest of an NPA is not income:
        Cr INTEREST_SUSPENSE   3523.74   held from nothing to 3523.74
        """,
        {"kind": "income_recognition"},
    ),
    "suspense released on an upgrade": Case(
        lambda: servicing.income_recognition(7, DAY, D("4054.53"), D("0"), INR),
        """
        Dr INTEREST_SUSPENSE   4054.53   a standard loan holds nothing in suspense:
        Cr INTEREST_INCOME     4054.53   all of it is recognised
        """,
    ),
    "suspense already right": Case(
        lambda: servicing.income_recognition(7, DAY, D("10.00"), D("10.00"), INR), ""
    ),
}

DAY_END = {
    "a due date": Case(
        lambda: servicing.day_end(
            7,
            DAY,
            servicing.day_end_lines(
                7,
                INR,
                npa=False,
                accrual=D("32.26"),
                billed_interest=D("1000.00"),
                billed_fees=D("0"),
            ),
        ),
        """
        Dr INTEREST_RECEIVABLE     32.26   the day's accrual
        Cr INTEREST_INCOME         32.26   is income on a performing loan
        Dr INTEREST_DUE          1000.00   installment 1 falls due: its interest moves
        Cr INTEREST_RECEIVABLE   1000.00   from accrued to billed (no fee: no posting)
        """,
        {"kind": "eod", "external_ref": "eod:7:2024-02-06", "loan_id": 7},
    ),
    "an NPA's day with penal and a late fee": Case(
        lambda: servicing.day_end(
            7,
            DAY,
            servicing.day_end_lines(
                7,
                INR,
                npa=True,
                accrual=D("25.10"),
                penal=D("5.84"),
                late_fees=D("500.00"),
            ),
        ),
        """
        Dr INTEREST_RECEIVABLE   25.10   the day's accrual, held in suspense:
        Cr INTEREST_SUSPENSE     25.10   an NPA's interest is income only when collected
        Dr PENAL_RECEIVABLE       5.84   the day's penal charge
        Cr PENAL_INCOME           5.84
        Dr FEES_RECEIVABLE      500.00   a late fee raised today
        Cr FEE_INCOME           500.00
        """,
    ),
    "a day that moves nothing": Case(
        lambda: servicing.day_end(7, DAY, servicing.day_end_lines(7, INR, npa=False, accrual=D(0))),
        "",
    ),
}

# An NPA owing principal 50,000, interest 2,000 billed and 500 accrued, fees 500 and
# penal 100 (53,100 in all); its 2,500 of interest is held in suspense, nothing in advance.
NPA = Position(
    D("50000.00"), D("2000.00"), D("500.00"), D("500.00"), D("100.00"), D("2500.00"), D(0)
)

LIFECYCLE = {
    "part prepayment": Case(
        lambda: lifecycle.prepayment(
            AT,
            D("20622.00"),
            D("20000.00"),
            D("150.00"),
            D("400.00"),
            D("72.00"),
            D("-120.00"),
            "p1",
        ),
        """
        Dr ESCROW_BANK           20622.00   20000 + 150 + 400 + 72
        Cr LOAN_PRINCIPAL        20000.00   the principal prepaid
        Cr INTEREST_RECEIVABLE     120.00   what the old lines had accrued on it
        Cr INTEREST_INCOME          30.00   the rest of the 150.00 of interest
        Cr FEE_INCOME              400.00   the prepayment charge (2 %)
        Cr TAX_PAYABLE              72.00   GST at 18 % on the charge
        """,
        {"kind": "prepayment", "value_date": DAY, "external_ref": "prepayment:p1"},
    ),
    "foreclosure billing": Case(
        lambda: lifecycle.foreclosure_billing(AT, D("150.00"), D("1000.00"), D("180.00"), D("0")),
        """
        Cr INTEREST_RECEIVABLE    150.00   interest accrued since the last due date is
        Dr INTEREST_DUE           150.00   billed with the closing line (no realignment)
        Dr FEES_RECEIVABLE       1180.00   the foreclosure charge and its GST are due
        Cr FEE_INCOME            1000.00
        Cr TAX_PAYABLE            180.00
        """,
        {"kind": "foreclosure_billing", "external_ref": None},
    ),
    "foreclosure past maturity bills nothing": Case(
        lambda: lifecycle.foreclosure_billing(AT, D(0), D(0), D(0), D(0)), ""
    ),
    "restructure": Case(
        lambda: lifecycle.restructure(AT, D("3523.74"), D("500.00"), D("120.00"), D("-12.34")),
        """
        Dr LOAN_PRINCIPAL        4143.74   arrears capitalised: 3523.74 + 500 + 120
        Cr INTEREST_DUE          3523.74   interest billed and unpaid
        Cr FEES_RECEIVABLE        500.00   fees unpaid
        Cr PENAL_RECEIVABLE       120.00   penal unpaid
        Cr INTEREST_RECEIVABLE     12.34   the new rate accrues less on the running
        Dr INTEREST_INCOME         12.34   period: the accrual is realigned
        """,
        {"kind": "restructure"},
    ),
    "write-off of an NPA": Case(
        lambda: lifecycle.write_off(AT, NPA),
        """
        Dr INTEREST_SUSPENSE      2500.00   never recognised: reversed, not an expense
        Dr WRITE_OFF_EXPENSE     50600.00   53100 owed less the 2500 in suspense
        Cr LOAN_PRINCIPAL        50000.00   every receivable is cleared
        Cr INTEREST_DUE           2000.00
        Cr INTEREST_RECEIVABLE     500.00
        Cr FEES_RECEIVABLE         500.00
        Cr PENAL_RECEIVABLE        100.00
        """,
        {"kind": "write_off", "value_date": None},
    ),
    "settlement below the interest": Case(
        lambda: lifecycle.settlement(
            AT,
            D("40100.00"),
            D("40000.00"),
            NPA,
            {
                C.PRINCIPAL: D("10000.00"),
                C.INTEREST: D("2500.00"),
                C.FEE: D("500.00"),
                C.PENALTY: D("100.00"),
            },
            "s1",
        ),
        """
        Dr ESCROW_BANK           40100.00   the payment
        Dr INTEREST_SUSPENSE      2500.00   all interest waived comes out of suspense
        Dr WAIVER_EXPENSE        10600.00   the rest waived: 13100 - 2500
        Cr LOAN_PRINCIPAL        50000.00   every receivable is cleared
        Cr INTEREST_DUE           2000.00
        Cr INTEREST_RECEIVABLE     500.00
        Cr FEES_RECEIVABLE         500.00
        Cr PENAL_RECEIVABLE        100.00
        Cr BORROWER_ADVANCE        100.00   paid above the agreed 40000: refundable
        """,
        {"kind": "settlement", "value_date": DAY, "external_ref": "settlement:s1"},
    ),
    "settlement collecting some interest": Case(
        lambda: lifecycle.settlement(
            AT,
            D("52000.00"),
            D("52000.00"),
            NPA,
            {
                C.PRINCIPAL: D("0.00"),
                C.INTEREST: D("500.00"),
                C.FEE: D("500.00"),
                C.PENALTY: D("100.00"),
            },
            None,
        ),
        """
        Dr ESCROW_BANK           52000.00   principal 50000 and 2000 of interest paid
        Dr INTEREST_SUSPENSE      2500.00   suspense reversed: 500 waived, 2000 collected
        Dr WAIVER_EXPENSE          600.00   waived 1100 less the 500 from suspense
        Cr LOAN_PRINCIPAL        50000.00
        Cr INTEREST_DUE           2000.00
        Cr INTEREST_RECEIVABLE     500.00
        Cr FEES_RECEIVABLE         500.00
        Cr PENAL_RECEIVABLE        100.00
        Cr INTEREST_INCOME        2000.00   interest collected is income at last
        """,
        {"external_ref": None},
    ),
    "recovery": Case(
        lambda: lifecycle.recovery(AT, D("5000.00"), "rc1"),
        """
        Dr ESCROW_BANK        5000.00   money in on a written-off loan
        Cr RECOVERY_INCOME    5000.00   is income (the receivables were written off)
        """,
        {"kind": "recovery", "value_date": DAY, "external_ref": "recovery:rc1"},
    ),
}

LINE = credit_lines.Line(3, "CL-0003", INR)

CREDIT_LINES = {
    "drawdown": Case(
        lambda: credit_lines.drawdown(LINE, 11, DAY, D("25000.00")),
        """
        Dr LOAN_PRINCIPAL   25000.00   drawn on the line
        Cr ESCROW_BANK      25000.00   paid out to the borrower
        """,
        {
            "kind": "credit_line_drawdown",
            "external_ref": "cl:3:drawdown:11",
            "description": "CL-0003",
            "loan_id": None,
        },
    ),
    "repayment of fees and interest": Case(
        lambda: credit_lines.repayment(LINE, 12, DAY, D("100.00"), D("250.50"), D("0")),
        """
        Dr ESCROW_BANK       100.00   open dues first: the fee
        Cr FEES_RECEIVABLE   100.00
        Dr ESCROW_BANK       250.50   then the interest billed (nothing left for
        Cr INTEREST_DUE      250.50   principal: no posting)
        """,
        {"kind": "credit_line_repayment", "external_ref": "cl:3:repayment:12"},
    ),
    "day-end before the billing date": Case(
        lambda: credit_lines.day_end(LINE, DAY, D("8.22"), D("250.50")),
        """
        Dr INTEREST_RECEIVABLE     8.22   the day's accrual
        Cr INTEREST_INCOME         8.22
        Dr INTEREST_DUE          250.50   the period's interest is billed
        Cr INTEREST_RECEIVABLE   250.50
        """,
        {"kind": "credit_line_eod", "external_ref": "cl:3:eod:2024-02-06"},
    ),
    "day-end of an undrawn line": Case(lambda: credit_lines.day_end(LINE, DAY, D("0")), ""),
}


@pytest.mark.parametrize("case", cases(SERVICING | DAY_END | LIFECYCLE))
def test_loan_journal(case: Case):
    """Each builder returns the journal written in its case, every posting on loan 7."""
    check(case, loan_id=7)


@pytest.mark.parametrize("case", cases(CREDIT_LINES))
def test_credit_line_journal(case: Case):
    """A line's journals name no loan: the reference and description name the line."""
    check(case, loan_id=None)


def test_day_end_batch_names_its_loans_range():
    """A partition's day-end is one journal of many loans' lines, named by their range."""
    lines = servicing.day_end_lines(9, INR, npa=False, accrual=D("1.00"))
    journal = servicing.day_end_batch(DAY, lines, [12, 9, 40])
    assert (journal.kind, journal.external_ref, journal.loan_id) == (
        "eod",
        "eod:2024-02-06:9-40",
        None,
    )
