"""Write camt.053 statements (the bank sandbox serves them; :mod:`formats.iso20022.camt`
reads them).

``version`` picks the namespace (``camt.053.001.02`` ... ``.08``). From ``.07`` on, the
writer uses the later shapes: ``Sts/Cd`` and ``RltdPties/Dbtr/Pty/Nm``; before, ``Sts``
text and ``RltdPties/Dbtr/Nm``. Output is deterministic (no wall clock is read: the
statement's own ``created`` stamps the group header).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from lxml import etree

from formats.base import FormatWriteError
from formats.iso20022.camt import CamtEntry, CamtStatement, TransactionDetails
from formats.statement import Balance

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:{version}"


class _Builder:
    def __init__(self, version: str) -> None:
        self.ns = NAMESPACE.format(version=version)
        self.modern = int(version.rsplit(".", 1)[1]) >= 7

    def sub(self, parent: Any, path: str, text: str | None = None, **attrs: str) -> Any:
        element = parent
        for name in path.split("/"):
            element = etree.SubElement(element, f"{{{self.ns}}}{name}")
        if text is not None:
            element.text = text
        for key, value in attrs.items():
            element.set(key, value)
        return element

    def balance(self, stmt: Any, code: str, balance: Balance) -> None:
        bal = self.sub(stmt, "Bal")
        self.sub(bal, "Tp/CdOrPrtry/Cd", code)
        self.sub(bal, "Amt", f"{balance.amount:.2f}", Ccy=balance.currency)
        self.sub(bal, "CdtDbtInd", balance.mark.iso)
        self.sub(bal, "Dt/Dt", balance.date.isoformat())

    def party(self, parties: Any, role: str, name: str, account: str) -> None:
        if name:
            self.sub(parties, f"{role}/Pty/Nm" if self.modern else f"{role}/Nm", name)
        if account:
            self.sub(parties, f"{role}Acct/Id/Othr/Id", account)

    def details(self, ntry_dtls: Any, tx: TransactionDetails) -> None:
        node = self.sub(ntry_dtls, "TxDtls")
        refs = self.sub(node, "Refs")
        if tx.account_servicer_reference:
            self.sub(refs, "AcctSvcrRef", tx.account_servicer_reference)
        if tx.end_to_end_id:
            self.sub(refs, "EndToEndId", tx.end_to_end_id)
        p = tx.parties
        if any((p.debtor_name, p.debtor_account, p.creditor_name, p.creditor_account)):
            parties = self.sub(node, "RltdPties")
            self.party(parties, "Dbtr", p.debtor_name, p.debtor_account)
            self.party(parties, "Cdtr", p.creditor_name, p.creditor_account)
        if tx.remittance:
            rmt = self.sub(node, "RmtInf")
            for line in tx.remittance:
                self.sub(rmt, "Ustrd", line)

    def entry(self, stmt: Any, entry: CamtEntry) -> None:
        ntry = self.sub(stmt, "Ntry")
        self.sub(ntry, "Amt", f"{entry.amount:.2f}", Ccy=entry.currency)
        self.sub(ntry, "CdtDbtInd", entry.mark.iso)
        self.sub(ntry, "Sts/Cd" if self.modern else "Sts", entry.status)
        if entry.booking_date:
            self.sub(ntry, "BookgDt/Dt", entry.booking_date.isoformat())
        if entry.value_date:
            self.sub(ntry, "ValDt/Dt", entry.value_date.isoformat())
        if entry.account_servicer_reference:
            self.sub(ntry, "AcctSvcrRef", entry.account_servicer_reference)
        if entry.details:
            dtls = self.sub(ntry, "NtryDtls")
            for tx in entry.details:
                self.details(dtls, tx)

    def statement(self, parent: Any, st: CamtStatement) -> None:
        stmt = self.sub(parent, "Stmt")
        self.sub(stmt, "Id", st.id)
        if st.created:
            self.sub(stmt, "CreDtTm", st.created.isoformat())
        acct = self.sub(stmt, "Acct")
        self.sub(acct, "Id/Othr/Id", st.account)
        if st.account_currency:
            self.sub(acct, "Ccy", st.account_currency)
        for code, balance in (("OPBD", st.opening_balance), ("CLBD", st.closing_balance)):
            if balance is not None:
                self.balance(stmt, code, balance)
        for entry in st.entries:
            self.entry(stmt, entry)


def write_camt053(
    statements: Sequence[CamtStatement],
    *,
    message_id: str = "SANGAM-STMT",
    version: str = "camt.053.001.08",
) -> bytes:
    """Return ``statements`` as one camt.053 document of namespace ``version``."""
    if not version.startswith("camt.053.001."):
        raise FormatWriteError(f"not a camt.053 version: {version!r}")
    builder = _Builder(version)
    root = etree.Element(f"{{{builder.ns}}}Document", nsmap={None: builder.ns})
    message = builder.sub(root, "BkToCstmrStmt")
    header = builder.sub(message, "GrpHdr")
    builder.sub(header, "MsgId", message_id)
    stamps = [s.created for s in statements if s.created]
    builder.sub(header, "CreDtTm", max(stamps, default=datetime(2000, 1, 1)).isoformat())
    for statement in statements:
        builder.statement(message, statement)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
