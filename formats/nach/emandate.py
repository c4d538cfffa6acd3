"""NPCI e-mandate (online authorisation) messages, namespace ``http://npci.org/ONMAGS/schema``.

``MndtAuthReq`` asks the debtor's bank to authorise a mandate::

    GrpHdr: MsgId(35) CreDtTm ReqInitPty/Info{Id(18) CatCode(4) UtilCode(18) CatDesc(50)
            Name(40) Spn_Bnk_Nm}
    Mndt:   MndtReqId(35) Mndt_Type=DEBIT Schm_Nm(20)
            Ocrncs{SeqTp RCUR|OOFF, Frqcy, FrstColltnDt, FnlColltnDt (blank: until cancelled)}
            ColltnAmt Ccy="INR" | MaxAmt   (exactly one)
            Dbtr{Nm(40) AccNo(35) Acct_Type SAVINGS|CURRENT Cons_Ref_No Phone Mobile Email Pan}
            CrAccDtl{Nm AccNo MmbId}

Answers are ``MndtAccptResp`` (``UndrlygAccptncDtls{OrgnlMsgInf, AccptncRslt, RjctRsn}``)
or ``MndtRejResp{ErrorCode, ErrorDesc}``; ISO pain.009-012 live in
:mod:`formats.nach.emandate_iso`. Every message is checked against hand-coded rules
(:mod:`formats.xml_rules`): each missing element is reported with its path, lengths,
code lists, exactly one amount. Writers check what they built with the same rules and
raise :class:`~formats.base.FormatWriteError`; parsers return the errors as values.
Parsing follows :mod:`formats.xml_safety` (no DOCTYPE, entities, DTD or network).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from lxml import etree

from formats.base import ControlCheck, FormatWriteError, ParseResult, WritableFormat
from formats.nach import emandate_iso as iso
from formats.nach.emandate_records import (
    AccountType,
    Category,
    Creditor,
    Debtor,
    Frequency,
    Initiator,
    Mandate,
    MandateAuthRequest,
    MandateResponse,
    ResponseKind,
    SequenceType,
    amount_text,
)
from formats.xml_rules import FieldReader, Rules, add, check, finish
from formats.xml_safety import local, parse_document
from lms_core.money import D

NPCI_NS = "http://npci.org/ONMAGS/schema"
_INFO = "GrpHdr/ReqInitPty/Info"

AUTH_REQUEST_RULES = Rules(
    required=(
        "GrpHdr/MsgId", "GrpHdr/CreDtTm", f"{_INFO}/Id", f"{_INFO}/CatCode",
        f"{_INFO}/UtilCode", f"{_INFO}/Name", "Mndt/MndtReqId", "Mndt/Mndt_Type",
        "Mndt/Schm_Nm", "Mndt/Ocrncs/SeqTp", "Mndt/Ocrncs/Frqcy", "Mndt/Ocrncs/FrstColltnDt",
        "Mndt/Dbtr/Nm", "Mndt/Dbtr/AccNo", "Mndt/Dbtr/Acct_Type", "Mndt/CrAccDtl/Nm",
        "Mndt/CrAccDtl/AccNo", "Mndt/CrAccDtl/MmbId",
    ),
    max_lengths={
        "GrpHdr/MsgId": 35, f"{_INFO}/Id": 18, f"{_INFO}/CatCode": 4, f"{_INFO}/UtilCode": 18,
        f"{_INFO}/CatDesc": 50, f"{_INFO}/Name": 40, "Mndt/MndtReqId": 35, "Mndt/Schm_Nm": 20,
        "Mndt/Dbtr/Nm": 40, "Mndt/Dbtr/AccNo": 35, "Mndt/CrAccDtl/Nm": 40,
        "Mndt/CrAccDtl/AccNo": 35,
    },
    allowed={
        "Mndt/Mndt_Type": frozenset({"DEBIT"}),
        "Mndt/Ocrncs/SeqTp": frozenset(SequenceType),
        "Mndt/Ocrncs/Frqcy": frozenset(Frequency),
        f"{_INFO}/CatCode": frozenset(Category),
        "Mndt/Dbtr/Acct_Type": frozenset(AccountType),
    },
    exactly_one=(("Mndt/ColltnAmt", "Mndt/MaxAmt"),),
)  # fmt: skip

ACCEPT_RESPONSE_RULES = Rules(
    required=(
        "GrpHdr/MsgId",
        "UndrlygAccptncDtls/OrgnlMsgInf/MndtReqId",
        "UndrlygAccptncDtls/AccptncRslt/Accptd",
    ),
    allowed={"UndrlygAccptncDtls/AccptncRslt/Accptd": frozenset({"true", "false"})},
)
REJECT_RESPONSE_RULES = Rules(required=("ErrorCode",))


def _document(namespace: str, message: str) -> tuple[Any, Any]:
    root = etree.Element(f"{{{namespace}}}Document", nsmap={None: namespace})
    return root, etree.SubElement(root, f"{{{namespace}}}{message}")


def _mandate(msg: Any, m: Mandate) -> None:
    node = add(msg, NPCI_NS, "Mndt")
    for path, value in (
        ("MndtReqId", m.mandate_request_id),
        ("Mndt_Type", "DEBIT"),
        ("Schm_Nm", m.scheme_name),
    ):
        add(node, NPCI_NS, path, value)
    occurrences = add(node, NPCI_NS, "Ocrncs")
    add(occurrences, NPCI_NS, "SeqTp", m.sequence_type.value)
    add(occurrences, NPCI_NS, "Frqcy", m.frequency.value)
    add(occurrences, NPCI_NS, "FrstColltnDt", m.first_collection.isoformat())
    add(
        occurrences,
        NPCI_NS,
        "FnlColltnDt",
        m.final_collection.isoformat() if m.final_collection else "",
    )
    for tag, amount in (("ColltnAmt", m.collection_amount), ("MaxAmt", m.maximum_amount)):
        if amount is not None:
            add(node, NPCI_NS, tag, amount_text(amount), Ccy=m.currency)
    d = m.debtor
    debtor = add(node, NPCI_NS, "Dbtr")
    for tag, value in (
        ("Nm", d.name),
        ("AccNo", d.account_number),
        ("Acct_Type", d.account_type),
        ("Cons_Ref_No", d.consumer_reference),
        ("Phone", d.phone),
        ("Mobile", d.mobile),
        ("Email", d.email),
        ("Pan", d.pan),
    ):
        add(debtor, NPCI_NS, tag, str(value))
    creditor = add(node, NPCI_NS, "CrAccDtl")
    for tag, value in (
        ("Nm", m.creditor.name),
        ("AccNo", m.creditor.account_number),
        ("MmbId", m.creditor.member_id),
    ):
        add(creditor, NPCI_NS, tag, value)


def write_auth_request(request: MandateAuthRequest) -> bytes:
    """Return the ``MndtAuthReq`` document; raises FormatWriteError if a rule is broken."""
    root, msg = _document(NPCI_NS, "MndtAuthReq")
    header = add(msg, NPCI_NS, "GrpHdr")
    add(header, NPCI_NS, "MsgId", request.message_id)
    add(header, NPCI_NS, "CreDtTm", request.created.isoformat())
    i = request.initiator
    info = add(header, NPCI_NS, "ReqInitPty/Info")
    for tag, value in (
        ("Id", i.id),
        ("CatCode", i.category.value),
        ("UtilCode", i.utility_code),
        ("CatDesc", i.category_description),
        ("Name", i.name),
        ("Spn_Bnk_Nm", i.sponsor_bank_name),
    ):
        add(info, NPCI_NS, tag, value)
    _mandate(msg, request.mandate)
    return finish(root, msg, AUTH_REQUEST_RULES)


def _read_mandate(r: FieldReader) -> Mandate:
    debtor = Debtor(
        name=r.text("Mndt/Dbtr/Nm"),
        account_number=r.text("Mndt/Dbtr/AccNo"),
        account_type=r.convert("Mndt/Dbtr/Acct_Type", AccountType),
        consumer_reference=r.text("Mndt/Dbtr/Cons_Ref_No"),
        phone=r.text("Mndt/Dbtr/Phone"),
        mobile=r.text("Mndt/Dbtr/Mobile"),
        email=r.text("Mndt/Dbtr/Email"),
        pan=r.text("Mndt/Dbtr/Pan"),
    )
    creditor = Creditor(*(r.text(f"Mndt/CrAccDtl/{t}") for t in ("Nm", "AccNo", "MmbId")))
    return Mandate(
        mandate_request_id=r.text("Mndt/MndtReqId"),
        scheme_name=r.text("Mndt/Schm_Nm"),
        sequence_type=r.convert("Mndt/Ocrncs/SeqTp", SequenceType),
        frequency=r.convert("Mndt/Ocrncs/Frqcy", Frequency),
        first_collection=r.convert("Mndt/Ocrncs/FrstColltnDt", date.fromisoformat),
        final_collection=r.convert("Mndt/Ocrncs/FnlColltnDt", date.fromisoformat, optional=True),
        collection_amount=r.convert("Mndt/ColltnAmt", D, optional=True),
        maximum_amount=r.convert("Mndt/MaxAmt", D, optional=True),
        debtor=debtor,
        creditor=creditor,
    )


def _read_auth_request(r: FieldReader) -> MandateAuthRequest:
    initiator = Initiator(
        id=r.text(f"{_INFO}/Id"),
        category=r.convert(f"{_INFO}/CatCode", Category),
        utility_code=r.text(f"{_INFO}/UtilCode"),
        name=r.text(f"{_INFO}/Name"),
        sponsor_bank_name=r.text(f"{_INFO}/Spn_Bnk_Nm"),
        category_description=r.text(f"{_INFO}/CatDesc"),
    )
    mandate = replace(_read_mandate(r), category=initiator.category or Category.OTHERS)
    created = r.convert("GrpHdr/CreDtTm", datetime.fromisoformat)
    return MandateAuthRequest(r.text("GrpHdr/MsgId"), created, initiator, mandate)


def _read_accept(r: FieldReader) -> MandateResponse:
    base = "UndrlygAccptncDtls"
    return MandateResponse(
        kind=ResponseKind.ACCEPT_RESPONSE,
        message_id=r.text("GrpHdr/MsgId"),
        created=r.convert("GrpHdr/CreDtTm", datetime.fromisoformat, optional=True),
        accepted=r.text(f"{base}/AccptncRslt/Accptd") == "true",
        mandate_request_id=r.text(f"{base}/OrgnlMsgInf/MndtReqId"),
        original_message_id=r.text(f"{base}/OrgnlMsgInf/NPCI_RefMsgId"),
        reference=r.text(f"{base}/AccptncRslt/AccptRefNo"),
        reject_code=r.text(f"{base}/RjctRsn/ReasonCode"),
        reject_description=r.text(f"{base}/RjctRsn/ReasonDesc"),
        rejected_by=r.text(f"{base}/RjctRsn/RejectBy"),
    )


def _read_reject(r: FieldReader) -> MandateResponse:
    return MandateResponse(
        kind=ResponseKind.REJECT_RESPONSE,
        message_id=r.text("GrpHdr/MsgId"),
        created=r.convert("GrpHdr/CreDtTm", datetime.fromisoformat, optional=True),
        accepted=False,
        mandate_request_id=r.text("MndtReqId"),
        reject_code=r.text("ErrorCode"),
        reject_description=r.text("ErrorDesc"),
    )


#: message element -> (rules, reader) for the NPCI online messages.
NPCI_READERS = {
    "MndtAuthReq": (AUTH_REQUEST_RULES, _read_auth_request),
    "MndtAccptResp": (ACCEPT_RESPONSE_RULES, _read_accept),
    "MndtRejResp": (REJECT_RESPONSE_RULES, _read_reject),
}


def write_response(response: MandateResponse) -> bytes:
    """Return ``MndtAccptResp`` / ``MndtRejResp`` / pain.012 for ``response`` (sandbox use)."""
    if response.kind is ResponseKind.ACCEPTANCE_REPORT:
        return iso.write_pain012([response])
    root, msg = _document(NPCI_NS, response.kind.value)
    header = add(msg, NPCI_NS, "GrpHdr")
    add(header, NPCI_NS, "MsgId", response.message_id)
    if response.created:
        add(header, NPCI_NS, "CreDtTm", response.created.isoformat())
    if response.kind is ResponseKind.REJECT_RESPONSE:
        for tag, value in (
            ("MndtReqId", response.mandate_request_id),
            ("ErrorCode", response.reject_code),
            ("ErrorDesc", response.reject_description),
        ):
            add(msg, NPCI_NS, tag, value)
        return finish(root, msg, REJECT_RESPONSE_RULES)
    details = add(msg, NPCI_NS, "UndrlygAccptncDtls")
    add(details, NPCI_NS, "OrgnlMsgInf/MndtReqId", response.mandate_request_id)
    add(
        details.find(f"{{{NPCI_NS}}}OrgnlMsgInf"),
        NPCI_NS,
        "NPCI_RefMsgId",
        response.original_message_id,
    )
    result = add(details, NPCI_NS, "AccptncRslt")
    add(result, NPCI_NS, "Accptd", "true" if response.accepted else "false")
    add(result, NPCI_NS, "AccptRefNo", response.reference)
    reason = add(details, NPCI_NS, "RjctRsn")
    for tag, value in (
        ("ReasonCode", response.reject_code),
        ("ReasonDesc", response.reject_description),
        ("RejectBy", response.rejected_by),
    ):
        add(reason, NPCI_NS, tag, value)
    return finish(root, msg, ACCEPT_RESPONSE_RULES)


def _message(root: Any) -> Any:
    """Return the message element: the first element child of ``Document``, else the root."""
    if local(root) != "Document":
        return root
    return next((child for child in root if isinstance(child.tag, str)), root)


def parse_emandate(data: bytes, *, source: str) -> ParseResult:
    """Return the typed records of any e-mandate message (online or ISO), or its errors."""
    root, error = parse_document(data, source)
    if error is not None:
        return ParseResult(None, (), (error,), ControlCheck.FAILED)
    message = _message(root)
    name = local(message)
    rules, reader = NPCI_READERS.get(name) or iso.ISO_READERS.get(name) or (None, None)
    if rules is None:
        return ParseResult(None, (), (iso.unknown_message(source, message),), ControlCheck.FAILED)
    errors = check(message, rules, source=source, root=name)
    r = FieldReader(message, source=source, root=name)
    records = reader(r)
    errors += r.errors
    if errors:
        return ParseResult(None, (), tuple(errors), ControlCheck.FAILED)
    records = records if isinstance(records, tuple) else (records,)
    return ParseResult(None, records, (), ControlCheck.PASSED)


def write_emandate(record: Any) -> bytes:
    """Return the message for one typed record (request, ISO message or response)."""
    if isinstance(record, MandateAuthRequest):
        return write_auth_request(record)
    if isinstance(record, MandateResponse):
        return write_response(record)
    return iso.write_iso(record)


class EMandateFormat(WritableFormat):
    """Registry entry for e-mandate messages (MndtAuthReq, responses, pain.009-012)."""

    slug = "emandate"
    media_type = "application/xml"
    description = "NACH e-mandate: NPCI MndtAuthReq / responses and ISO pain.009-012"

    def parse(self, data: bytes, *, source: str) -> ParseResult:
        return parse_emandate(data, source=source)

    def write(self, records: Sequence[Any], *, header: Any = None, **options: Any) -> bytes:
        reports = [r for r in records if isinstance(r, MandateResponse)]
        if (
            reports
            and all(r.kind is ResponseKind.ACCEPTANCE_REPORT for r in reports)
            and (len(reports) == len(records))
        ):
            return iso.write_pain012(list(records))
        if len(records) != 1:
            raise FormatWriteError("one request or response per e-mandate message")
        return write_emandate(records[0])
