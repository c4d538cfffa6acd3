"""MT940 statements: figures, narratives, balance check, malformed tags, round trip."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from formats.base import ControlCheck
from formats.statement import Balance, CreditDebit
from formats.swift.mt940 import (
    LineMark,
    Mt940Format,
    StatementLine,
    StatementRecord,
    parse_mt940,
    write_mt940,
)
from tests.formats.conformance import conformance_suite

ESCROW = b"""\
{1:F01HDFCINBBAXXX0000000000}{2:I940HDFCINBBXXXXN}{4:
:20:STMT261121
:25:50200012345678
:28C:00321/001
:60F:C261120INR1000000,00
:61:2611201120C250000,50NTRFNONREF//HDFCN26324123456
:86:NEFT CR-HDFCN26324123456-RAMESH KUMAR
:61:261121D1500,00NCHGCHG0001//BANKREF2
:86:NACH RETURN CHARGES FOR UMRN HDFC7000000000000001 APPLIED ON 21-NOV
-2026
:61:2611211121RC500,00NTRFREV01//REV01
:86:REVERSAL
:62F:C261121INR1248000,50
:64:C261121INR1248000,50
-}
"""


def test_parses_escrow_statement_figures():
    result = parse_mt940(ESCROW, source="escrow.sta")
    assert result.errors == () and result.control is ControlCheck.PASSED
    (stmt,) = result.records
    assert (stmt.transaction_reference, stmt.account) == ("STMT261121", "50200012345678")
    assert (stmt.statement_number, stmt.sequence_number) == ("00321", "001")
    assert stmt.opening_balance == Balance(
        CreditDebit.CREDIT, date(2026, 11, 20), "INR", Decimal("1000000.00")
    )
    assert stmt.closing_balance.amount == Decimal("1248000.50")
    assert stmt.available_balance.amount == Decimal("1248000.50")
    first, charge, reversal = stmt.lines
    assert first == StatementLine(
        value_date=date(2026, 11, 20),
        entry_date=date(2026, 11, 20),
        mark=LineMark.CREDIT,
        amount=Decimal("250000.50"),
        transaction_type="NTRF",
        customer_reference="NONREF",
        bank_reference="HDFCN26324123456",
        narrative="NEFT CR-HDFCN26324123456-RAMESH KUMAR",
    )
    assert charge.entry_date is None and charge.signed_amount == Decimal("-1500.00")
    assert charge.narrative.endswith("APPLIED ON 21-NOV-2026")  # wrapped lines joined
    assert reversal.mark is LineMark.REVERSAL_OF_CREDIT
    assert reversal.signed_amount == Decimal("-500.00")
    assert all(isinstance(x.amount, Decimal) for x in stmt.lines)


def test_statement_that_does_not_balance_is_rejected_whole():
    data = ESCROW.replace(b":62F:C261121INR1248000,50", b":62F:C261121INR1248000,51")
    result = parse_mt940(data, source="escrow.sta")
    assert result.records == () and result.control is ControlCheck.FAILED
    (error,) = result.errors
    assert (error.line, error.field) == (2, ":62F:")
    assert error.message == (
        "does not balance: opening 1000000.00 + lines 248000.50 = 1248000.50, "
        "but closing balance is 1248000.51"
    )


def test_malformed_amount_names_the_line_and_tag():
    data = ESCROW.replace(b"C250000,50NTRF", b"C25O000,50NTRF")
    (error,) = parse_mt940(data, source="s").errors
    assert (error.line, error.field) == (6, ":61:")
    assert "malformed value" in error.message


def test_missing_tags_and_second_statement_kept_apart():
    broken = b":20:BROKEN\n:25:123\n-\n"
    result = parse_mt940(broken + ESCROW.split(b"{4:\n")[1], source="s")
    assert [r.transaction_reference for r in result.records] == ["STMT261121"]
    (error,) = result.errors
    assert (error.line, error.field) == (1, "statement")
    assert "missing :60F:, :62F:" in error.message


def test_debit_opening_balance_signs():
    data = (
        b":20:OD\n:25:ODACC\n:28C:1/1\n:60F:D261120INR100,00\n"
        b":61:261120C150,00NTRFREF//B1\n:62F:C261120INR50,00\n-\n"
    )
    (stmt,) = parse_mt940(data, source="s").records
    assert stmt.opening_balance.signed == Decimal("-100.00")
    assert stmt.closing_balance.signed == Decimal("50.00")


def _statement(ref: str, opening: str, *amounts: tuple[LineMark, str]) -> StatementRecord:
    lines = tuple(
        StatementLine(
            value_date=date(2026, 11, 21),
            entry_date=date(2026, 11, 21) if i % 2 else None,
            mark=mark,
            amount=Decimal(amount),
            transaction_type="NTRF",
            customer_reference=f"C{i}",
            bank_reference=f"UTR{i:012d}",
            narrative=f"UPI/{400000000000 + i}/LOAN EMI/" + "X" * (i * 40),
        )
        for i, (mark, amount) in enumerate(amounts)
    )
    moved = sum((x.signed_amount for x in lines), Decimal("0"))
    close = Decimal(opening) + moved
    mark = CreditDebit.CREDIT if close >= 0 else CreditDebit.DEBIT
    return StatementRecord(
        transaction_reference=ref,
        account="50200012345678",
        statement_number="7",
        sequence_number="1",
        opening_balance=Balance(CreditDebit.CREDIT, date(2026, 11, 20), "INR", Decimal(opening)),
        closing_balance=Balance(mark, date(2026, 11, 21), "INR", abs(close)),
        lines=lines,
    )


def sample() -> tuple[None, list[StatementRecord]]:
    return None, [
        _statement("S1", "100.00", (LineMark.CREDIT, "10.05"), (LineMark.DEBIT, "200.00")),
        _statement("S2", "0.00", (LineMark.REVERSAL_OF_DEBIT, "0.01")),
    ]


TestConformance = conformance_suite(Mt940Format(), sample=sample)


def test_writer_output_shape():
    text = write_mt940(sample()[1]).decode()
    assert ":60F:C261120INR100,00\n" in text
    assert ":61:2611211121D200,00NTRFC1//UTR000000000001\n" in text
    assert ":62F:D261121INR89,95\n" in text
    assert text.count("\n-\n") == 2
