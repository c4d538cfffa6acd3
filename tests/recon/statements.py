"""Statement files for tests, written by the real writers (MT940) or by hand (CSV, camt)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from formats.statement import Balance, CreditDebit
from formats.swift.mt940 import LineMark, StatementLine, StatementRecord, write_mt940
from tests.recon.helpers import ESCROW


def mt940_line(amount: str, narrative: str, mark=LineMark.CREDIT, ref="NONREF", day=5):
    when = date(2024, 4, day)
    return StatementLine(when, None, LineMark(mark), Decimal(amount), "NTRF", ref, "", narrative)


def mt940(number: int, opening: str, *lines: StatementLine, closing: str | None = None,
          account: str = ESCROW) -> bytes:  # fmt: skip
    """One statement; ``closing`` defaults to opening + lines (pass one to unbalance it)."""
    moved = sum((x.signed_amount for x in lines), Decimal("0"))
    close = Decimal(closing) if closing is not None else Decimal(opening) + moved
    record = StatementRecord(
        transaction_reference=f"STMT{number:05d}",
        account=account,
        statement_number=f"{number:05d}",
        sequence_number="1",
        opening_balance=Balance(CreditDebit.CREDIT, date(2024, 4, 4), "INR", Decimal(opening)),
        closing_balance=Balance(CreditDebit.CREDIT, date(2024, 4, 5), "INR", close),
        lines=tuple(lines),
    )
    return write_mt940([record])


HDFC_HEADER = (
    "Date,Narration,Chq./Ref.No.,Value Dt,Withdrawal Amt.,Deposit Amt.,Closing Balance,Remitter A/c"
)


def hdfc_csv(*rows: str) -> bytes:
    return ("\n".join((HDFC_HEADER, *rows)) + "\n").encode()


CAMT = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>M1</MsgId><CreDtTm>2024-04-05T20:00:00</CreDtTm></GrpHdr>
  <Stmt>
   <Id>CAMT-{seq}</Id><ElctrncSeqNb>{seq}</ElctrncSeqNb>
   <Acct><Id><Othr><Id>{account}</Id></Othr></Id><Ccy>INR</Ccy></Acct>
   <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="INR">{opening}</Amt>
     <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-04-04</Dt></Dt></Bal>
   <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="INR">{closing}</Amt>
     <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-04-05</Dt></Dt></Bal>
   <Ntry><Amt Ccy="INR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
    <BookgDt><Dt>2024-04-05</Dt></BookgDt><ValDt><Dt>2024-04-05</Dt></ValDt>
    <AcctSvcrRef>ICICR52024040500000001</AcctSvcrRef>
    <NtryDtls><TxDtls><Refs><EndToEndId>{e2e}</EndToEndId></Refs>
     <RltdPties><Dbtr><Pty><Nm>ASHA TRADERS</Nm></Pty></Dbtr></RltdPties>
     <RmtInf><Ustrd>RTGS-ICICR52024040500000001-ASHA TRADERS</Ustrd></RmtInf>
    </TxDtls></NtryDtls>
   </Ntry>
  </Stmt>
 </BkToCstmrStmt>
</Document>
"""


def camt(seq: int, opening: str, amount: str, closing: str, e2e: str = "PF-77",
         account: str = ESCROW) -> bytes:  # fmt: skip
    return CAMT.format(
        seq=seq, opening=opening, amount=amount, closing=closing, e2e=e2e, account=account
    ).encode()
