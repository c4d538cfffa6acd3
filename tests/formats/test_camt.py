"""camt.053 / camt.054: two namespace versions, figures, balance check, XML safety."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from formats.base import ControlCheck
from formats.iso20022.camt import (
    CamtEntry,
    CamtFormat,
    CamtKind,
    CamtStatement,
    RelatedParties,
    TransactionDetails,
    parse_camt,
)
from formats.iso20022.camt_writer import write_camt053
from formats.statement import Balance, CreditDebit
from tests.formats.conformance import conformance_suite
from tests.formats.xml_attacks import ATTACKS

CAMT053_V02 = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-11-21T18:00:00+05:30</CreDtTm></GrpHdr>
  <Stmt>
   <Id>STMT-21NOV</Id>
   <CreDtTm>2026-11-21T18:00:00+05:30</CreDtTm>
   <Acct><Id><Othr><Id>50200012345678</Id></Othr></Id><Ccy>INR</Ccy></Acct>
   <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="INR">1000.00</Amt>
    <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-20</Dt></Dt></Bal>
   <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="INR">13345.50</Amt>
    <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-21</Dt></Dt></Bal>
   <Ntry>
    <Amt Ccy="INR">12500.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
    <BookgDt><Dt>2026-11-21</Dt></BookgDt><ValDt><Dt>2026-11-21</Dt></ValDt>
    <AcctSvcrRef>HDFCN26325000123</AcctSvcrRef>
    <NtryDtls><TxDtls>
     <Refs><AcctSvcrRef>HDFCN26325000123</AcctSvcrRef><EndToEndId>LN0001EMI07</EndToEndId></Refs>
     <RltdPties><Dbtr><Nm>RAMESH KUMAR</Nm></Dbtr>
      <DbtrAcct><Id><Othr><Id>123456789012</Id></Othr></Id></DbtrAcct></RltdPties>
     <RmtInf><Ustrd>NEFT CR-HDFCN26325000123-RAMESH KUMAR</Ustrd></RmtInf>
    </TxDtls></NtryDtls>
   </Ntry>
   <Ntry>
    <Amt Ccy="INR">155.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
    <BookgDt><DtTm>2026-11-21T10:00:00</DtTm></BookgDt>
   </Ntry>
   <Ntry>
    <Amt Ccy="INR">99.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>PDNG</Sts>
   </Ntry>
  </Stmt>
 </BkToCstmrStmt>
</Document>
"""

CAMT054_V08 = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
 <BkToCstmrDbtCdtNtfctn>
  <GrpHdr><MsgId>N1</MsgId><CreDtTm>2026-11-21T11:00:00</CreDtTm></GrpHdr>
  <Ntfctn>
   <Id>NTF-1</Id>
   <Acct><Id><IBAN>IN00ESCROW000001</IBAN></Id></Acct>
   <Ntry>
    <Amt Ccy="INR">4999.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
    <ValDt><Dt>2026-11-21</Dt></ValDt>
    <NtryDtls><TxDtls><Refs><EndToEndId>632512345678</EndToEndId></Refs>
     <RltdPties><Dbtr><Pty><Nm>SITA DEVI</Nm></Pty></Dbtr></RltdPties>
     <RmtInf><Ustrd>UPI/632512345678/EMI</Ustrd></RmtInf></TxDtls></NtryDtls>
   </Ntry>
  </Ntfctn>
 </BkToCstmrDbtCdtNtfctn>
</Document>
"""


def test_camt053_v02_figures_and_fields():
    result = parse_camt(CAMT053_V02, source="stmt.xml")
    assert result.errors == () and result.control is ControlCheck.PASSED
    (stmt,) = result.records
    assert (stmt.kind, stmt.version, stmt.id) == (
        CamtKind.STATEMENT,
        "camt.053.001.02",
        "STMT-21NOV",
    )
    assert stmt.created == datetime(2026, 11, 21, 18, 0, tzinfo=timezone(timedelta(hours=5.5)))
    assert (stmt.account, stmt.account_currency) == ("50200012345678", "INR")
    assert stmt.opening_balance == Balance(
        CreditDebit.CREDIT, date(2026, 11, 20), "INR", Decimal("1000.00")
    )
    assert stmt.closing_balance.amount == Decimal("13345.50")
    credit, charge, pending = stmt.entries
    assert (credit.amount, credit.mark, credit.status) == (
        Decimal("12500.50"),
        CreditDebit.CREDIT,
        "BOOK",
    )
    assert credit.account_servicer_reference == "HDFCN26325000123"
    assert credit.details == (
        TransactionDetails(
            end_to_end_id="LN0001EMI07",
            account_servicer_reference="HDFCN26325000123",
            parties=RelatedParties(debtor_name="RAMESH KUMAR", debtor_account="123456789012"),
            remittance=("NEFT CR-HDFCN26325000123-RAMESH KUMAR",),
        ),
    )
    assert charge.signed_amount == Decimal("-155.00")
    assert charge.booking_date == date(2026, 11, 21)
    assert pending.status == "PDNG"  # pending entries do not move the booked balance


def test_camt054_v08_notification_without_balances():
    (ntf,) = parse_camt(CAMT054_V08, source="n.xml").records
    assert (ntf.kind, ntf.version, ntf.account) == (
        CamtKind.NOTIFICATION,
        "camt.054.001.08",
        "IN00ESCROW000001",
    )
    assert ntf.opening_balance is None
    (entry,) = ntf.entries
    assert entry.status == "BOOK" and entry.amount == Decimal("4999.00")
    assert entry.details[0].parties.debtor_name == "SITA DEVI"
    assert entry.details[0].end_to_end_id == "632512345678"


def test_statement_that_does_not_balance_is_rejected_whole():
    data = CAMT053_V02.replace(b"13345.50", b"13345.49")
    result = parse_camt(data, source="s.xml")
    assert result.records == () and result.control is ControlCheck.FAILED
    (error,) = result.errors
    assert (error.line, error.field) == (5, "Stmt[1]/Bal")
    assert "opening 1000.00 + lines 12345.50 = 13345.50, but closing balance is 13345.49" in (
        error.message
    )


@pytest.mark.parametrize(
    ("damage", "line", "field", "fragment"),
    [
        ((b"12500.50</Amt>", b"12,500.50</Amt>"), 14, "Stmt[1]/Ntry[1]/Amt", "not a number"),
        ((b"<CdtDbtInd>DBIT", b"<CdtDbtInd>DEBIT"), 24, "Stmt[1]/Ntry[2]/CdtDbtInd", "DEBIT"),
        ((b"<Id>STMT-21NOV</Id>", b""), 5, "Stmt[1]/Id", "missing"),
        ((b"<Dt>2026-11-20</Dt>", b"<Dt>2026-13-20</Dt>"), 9, "Stmt[1]/Bal[1]/Dt", "not a date"),
        ((b"camt.053.001.02", b"camt.099.001.02"), 5, "Stmt[1]", "unknown namespace"),
        ((b"</Ntry>\n  </Stmt>", b"</Ntry>\n  </Stm>"), 31, "xml", "malformed XML"),
    ],
)
def test_bad_input_names_line_and_field(damage, line, field, fragment):
    result = parse_camt(CAMT053_V02.replace(*damage), source="bad.xml")
    assert result.records == ()
    (error,) = result.errors
    assert (error.line, error.field) == (line, field), error
    assert fragment in error.message


@pytest.mark.parametrize("attack", ATTACKS)
def test_doctype_and_entities_refused(attack):
    (error,) = parse_camt(attack, source="evil.xml").errors
    assert (error.line, error.field) == (2, "xml")
    assert error.message == "DOCTYPE declarations are refused"


def _statement(version_suffix: str = "") -> CamtStatement:
    entries = (
        CamtEntry(
            amount=Decimal("2500.00"),
            currency="INR",
            mark=CreditDebit.CREDIT,
            status="BOOK",
            booking_date=date(2026, 11, 21),
            value_date=date(2026, 11, 21),
            account_servicer_reference="SBINR52026112100000123",
            details=(
                TransactionDetails(
                    end_to_end_id="E2E1",
                    account_servicer_reference="SBINR52026112100000123",
                    parties=RelatedParties("ACME TRADERS", "998877", "SANGAM ESCROW", "5020"),
                    remittance=("RTGS SBINR52026112100000123", "INV 42"),
                ),
            ),
        ),
        CamtEntry(Decimal("0.01"), "INR", CreditDebit.DEBIT, "BOOK", None, None),
    )
    return CamtStatement(
        kind=CamtKind.STATEMENT,
        version="camt.053.001.08",
        id="S-" + version_suffix,
        created=datetime(2026, 11, 21, 18, 30),
        account="50200012345678",
        opening_balance=Balance(CreditDebit.DEBIT, date(2026, 11, 20), "INR", Decimal("100.00")),
        closing_balance=Balance(CreditDebit.CREDIT, date(2026, 11, 21), "INR", Decimal("2399.99")),
        entries=entries,
        account_currency="INR",
    )


def sample():
    return None, [_statement("A"), _statement("B")]


TestConformance = conformance_suite(CamtFormat(), sample=sample)


def test_writer_in_older_version_parses_back():
    data = write_camt053([_statement("old")], version="camt.053.001.02")
    assert b"<Sts>BOOK</Sts>" in data and b"<Pty>" not in data
    (stmt,) = parse_camt(data, source="w").records
    assert stmt.version == "camt.053.001.02"
    assert stmt.entries == _statement("old").entries


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_wide_encodings_refused_so_declarations_cannot_hide(encoding):
    (error,) = parse_camt(ATTACKS[0].decode().encode(encoding), source="wide.xml").errors
    assert error.message == "UTF-16/32 documents are not accepted"
