"""ISO 20022 mandate messages as NPCI uses them: pain.009 / .010 / .011 out, pain.012 in.

- pain.009 ``MndtInitnReq``: ``GrpHdr`` + ``Mndt`` (initiation);
- pain.010 ``MndtAmdmntReq``: ``UndrlygAmdmntDtls{OrgnlMsgInf, AmdmntRsn, Mndt, OrgnlMndt}``;
- pain.011 ``MndtCxlReq``: ``UndrlygCxlDtls{CxlRsn/Rsn/Prtry, OrgnlMndt/OrgnlMndtId}``;
- pain.012 ``MndtAccptncRpt``: one ``UndrlygAccptncDtls{OrgnlMsgInf{MsgId, MsgNmId},
  AccptncRslt{Accptd, RjctRsn/Prtry, AddtlRjctRsnInf}, OrgnlMndt/OrgnlMndtId}`` per
  mandate, read into :class:`MandateResponse`; it answers a pain.009 registration or a
  pain.011 cancellation alike (``MsgNmId`` says which, when present).

``GrpHdr`` carries ``MsgId``, ``CreDtTm`` and the instructing / instructed agents'
``FinInstnId/ClrSysMmbId/MmbId``. Written namespaces are ``...:pain.00N.001.04``
(:data:`VERSIONS`, an *assumption* to confirm with the sponsor bank); any version is read.
Inside ``Mndt`` the category code goes in ``Tp/LclInstrm/Prtry``, the scheme name in
``Tp/SvcLvl/Prtry``, PAN and consumer reference in ``Dbtr/Id/PrvtId/Othr`` keyed by
``SchmeNm/Prtry`` (also assumptions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from lxml import etree

from formats.base import FormatWriteError, RecordError
from formats.nach.emandate_records import (
    AccountType,
    Category,
    Creditor,
    Debtor,
    Frequency,
    Mandate,
    MandateResponse,
    ResponseKind,
    SequenceType,
    amount_text,
)
from formats.xml_rules import FieldReader, Rules, add, find, finish
from formats.xml_safety import local
from lms_core.money import D

VERSIONS = {m: f"{m}.001.04" for m in ("pain.009", "pain.010", "pain.011", "pain.012")}
_AGENT = "FinInstnId/ClrSysMmbId/MmbId"


@dataclass(frozen=True, slots=True)
class IsoHeader:
    message_id: str
    created: datetime
    instructing_agent: str
    instructed_agent: str


@dataclass(frozen=True, slots=True)
class MandateInitiation:
    header: IsoHeader
    mandate: Mandate


@dataclass(frozen=True, slots=True)
class MandateAmendment:
    header: IsoHeader
    original_message_id: str
    amendment_reason: str
    mandate: Mandate
    original_mandate_id: str  # UMRN


@dataclass(frozen=True, slots=True)
class MandateCancellation:
    header: IsoHeader
    cancellation_reason: str
    original_mandate_id: str  # UMRN


def _header_rules() -> tuple[tuple[str, ...], dict[str, int]]:
    required = (
        "GrpHdr/MsgId",
        "GrpHdr/CreDtTm",
        f"GrpHdr/InstgAgt/{_AGENT}",
        f"GrpHdr/InstdAgt/{_AGENT}",
    )
    return required, {"GrpHdr/MsgId": 35}


def _mandate_rules(base: str) -> Rules:
    required, lengths = _header_rules()
    required += tuple(
        f"{base}/{p}"
        for p in (
            "MndtReqId",
            "Ocrncs/SeqTp",
            "Ocrncs/Frqcy/Tp",
            "Ocrncs/FrstColltnDt",
            "Cdtr/Nm",
            "CdtrAcct/Id/Othr/Id",
            f"CdtrAgt/{_AGENT}",
            "Dbtr/Nm",
            "DbtrAcct/Id/Othr/Id",
            f"DbtrAgt/{_AGENT}",
        )
    )
    lengths |= {
        f"{base}/MndtReqId": 35,
        f"{base}/Cdtr/Nm": 40,
        f"{base}/Dbtr/Nm": 40,
        f"{base}/DbtrAcct/Id/Othr/Id": 35,
        f"{base}/CdtrAcct/Id/Othr/Id": 35,
    }
    allowed = {
        f"{base}/Ocrncs/SeqTp": frozenset(SequenceType),
        f"{base}/Ocrncs/Frqcy/Tp": frozenset(Frequency),
        f"{base}/Tp/LclInstrm/Prtry": frozenset(Category),
        f"{base}/DbtrAcct/Tp/Prtry": frozenset(AccountType),
    }
    return Rules(required, lengths, allowed, ((f"{base}/ColltnAmt", f"{base}/MaxAmt"),))


_AMD = "UndrlygAmdmntDtls"
_CXL = "UndrlygCxlDtls"
_ACC = "UndrlygAccptncDtls"
INITIATION_RULES = _mandate_rules("Mndt")
_amd = _mandate_rules(f"{_AMD}/Mndt")
AMENDMENT_RULES = Rules(
    (
        *_amd.required,
        f"{_AMD}/OrgnlMsgInf/MsgId",
        f"{_AMD}/AmdmntRsn/Rsn/Prtry",
        f"{_AMD}/OrgnlMndt/OrgnlMndtId",
    ),
    _amd.max_lengths,
    _amd.allowed,
    _amd.exactly_one,
)
CANCELLATION_RULES = Rules(
    _header_rules()[0] + (f"{_CXL}/CxlRsn/Rsn/Prtry", f"{_CXL}/OrgnlMndt/OrgnlMndtId"),
    _header_rules()[1],
)
ACCEPTANCE_REPORT_RULES = Rules(
    ("GrpHdr/MsgId", "GrpHdr/CreDtTm", f"{_ACC}/OrgnlMsgInf/MsgId", f"{_ACC}/AccptncRslt/Accptd"),
    {"GrpHdr/MsgId": 35},
    {f"{_ACC}/AccptncRslt/Accptd": frozenset({"true", "false"})},
)


class _Doc:
    """One ISO document being built."""

    def __init__(self, message: str, element: str) -> None:
        self.ns = f"urn:iso:std:iso:20022:tech:xsd:{VERSIONS[message]}"
        self.root = etree.Element(f"{{{self.ns}}}Document", nsmap={None: self.ns})
        self.msg = etree.SubElement(self.root, f"{{{self.ns}}}{element}")

    def add(self, parent: Any, path: str, value: str | None = None, **attrs: str) -> Any:
        return add(parent, self.ns, path, value, **attrs)

    def header(self, h: IsoHeader) -> None:
        node = self.add(self.msg, "GrpHdr")
        self.add(node, "MsgId", h.message_id)
        self.add(node, "CreDtTm", h.created.isoformat())
        self.add(node, f"InstgAgt/{_AGENT}", h.instructing_agent)
        self.add(node, f"InstdAgt/{_AGENT}", h.instructed_agent)

    def mandate(self, parent: Any, m: Mandate) -> None:
        node = self.add(parent, "Mndt")
        self.add(node, "MndtReqId", m.mandate_request_id)
        self.add(node, "Tp/SvcLvl/Prtry", m.scheme_name)
        self.add(node.find(f"{{{self.ns}}}Tp"), "LclInstrm/Prtry", m.category.value)
        occurrences = self.add(node, "Ocrncs")
        self.add(occurrences, "SeqTp", m.sequence_type.value)
        self.add(occurrences, "Frqcy/Tp", m.frequency.value)
        self.add(occurrences, "FrstColltnDt", m.first_collection.isoformat())
        if m.final_collection:
            self.add(occurrences, "FnlColltnDt", m.final_collection.isoformat())
        for tag, amount in (("ColltnAmt", m.collection_amount), ("MaxAmt", m.maximum_amount)):
            if amount is not None:
                self.add(node, tag, amount_text(amount), Ccy=m.currency)
        self.add(node, "Cdtr/Nm", m.creditor.name)
        self.add(node, "CdtrAcct/Id/Othr/Id", m.creditor.account_number)
        self.add(node, f"CdtrAgt/{_AGENT}", m.creditor.member_id)
        self.debtor(node, m.debtor)

    def debtor(self, node: Any, d: Debtor) -> None:
        debtor = self.add(node, "Dbtr")
        self.add(debtor, "Nm", d.name)
        ids = [(k, v) for k, v in (("PAN", d.pan), ("CONS_REF", d.consumer_reference)) if v]
        private = self.add(debtor, "Id/PrvtId") if ids else None
        for scheme, value in ids:
            if value:
                other = self.add(private, "Othr")
                self.add(other, "Id", value)
                self.add(other, "SchmeNm/Prtry", scheme)
        for tag, value in (("PhneNb", d.phone), ("MobNb", d.mobile), ("EmailAdr", d.email)):
            if value:
                self.add(debtor, f"CtctDtls/{tag}", value)
        account = self.add(node, "DbtrAcct")
        self.add(account, "Id/Othr/Id", d.account_number)
        self.add(account, "Tp/Prtry", d.account_type.value)
        self.add(node, f"DbtrAgt/{_AGENT}", d.bank_member_id)

    def finish(self, rules: Rules) -> bytes:
        return finish(self.root, self.msg, rules)


def write_iso(record: Any) -> bytes:
    """Return pain.009 / .010 / .011 for a MandateInitiation / Amendment / Cancellation."""
    if isinstance(record, MandateInitiation):
        doc = _Doc("pain.009", "MndtInitnReq")
        doc.header(record.header)
        doc.mandate(doc.msg, record.mandate)
        return doc.finish(INITIATION_RULES)
    if isinstance(record, MandateAmendment):
        doc = _Doc("pain.010", "MndtAmdmntReq")
        doc.header(record.header)
        details = doc.add(doc.msg, _AMD)
        doc.add(details, "OrgnlMsgInf/MsgId", record.original_message_id)
        doc.add(details, "AmdmntRsn/Rsn/Prtry", record.amendment_reason)
        doc.mandate(details, record.mandate)
        doc.add(details, "OrgnlMndt/OrgnlMndtId", record.original_mandate_id)
        return doc.finish(AMENDMENT_RULES)
    if isinstance(record, MandateCancellation):
        doc = _Doc("pain.011", "MndtCxlReq")
        doc.header(record.header)
        details = doc.add(doc.msg, _CXL)
        doc.add(details, "CxlRsn/Rsn/Prtry", record.cancellation_reason)
        doc.add(details, "OrgnlMndt/OrgnlMndtId", record.original_mandate_id)
        return doc.finish(CANCELLATION_RULES)
    raise FormatWriteError(f"no e-mandate message for {type(record).__name__}")


def write_pain012(responses: Sequence[MandateResponse]) -> bytes:
    """Return one pain.012 acceptance report for ``responses`` (the sandbox answers so)."""
    if not responses:
        raise FormatWriteError("an acceptance report needs at least one response")
    doc, first = _Doc("pain.012", "MndtAccptncRpt"), responses[0]
    header = doc.add(doc.msg, "GrpHdr")
    doc.add(header, "MsgId", first.message_id)
    doc.add(header, "CreDtTm", first.created.isoformat() if first.created else "")
    for response in responses:
        details = doc.add(doc.msg, _ACC)
        original = doc.add(details, "OrgnlMsgInf/MsgId", response.original_message_id)
        if response.original_message_name:
            doc.add(original.getparent(), "MsgNmId", response.original_message_name)
        result = doc.add(details, "AccptncRslt")
        doc.add(result, "Accptd", "true" if response.accepted else "false")
        if response.reject_code:
            doc.add(result, "RjctRsn/Prtry", response.reject_code)
        if response.reject_description:
            doc.add(result, "AddtlRjctRsnInf", response.reject_description[:105])
        doc.add(details, "OrgnlMndt/OrgnlMndtId", response.reference)
    return doc.finish(ACCEPTANCE_REPORT_RULES)


def _header(r: FieldReader) -> IsoHeader:
    return IsoHeader(
        message_id=r.text("GrpHdr/MsgId"),
        created=r.convert("GrpHdr/CreDtTm", datetime.fromisoformat),
        instructing_agent=r.text(f"GrpHdr/InstgAgt/{_AGENT}"),
        instructed_agent=r.text(f"GrpHdr/InstdAgt/{_AGENT}"),
    )


def _private_ids(r: FieldReader, base: str) -> dict[str, str]:
    found = find(r.message, f"{base}/Dbtr/Id/PrvtId")
    others = found.iterfind("{*}Othr") if found is not None else ()
    return {(o.findtext("{*}SchmeNm/{*}Prtry") or ""): (o.findtext("{*}Id") or "") for o in others}


def read_mandate(r: FieldReader, base: str) -> Mandate:
    """Return the ISO ``Mndt`` at ``base``; unreadable fields are left in ``r.errors``."""
    ids = _private_ids(r, base)
    debtor = Debtor(
        name=r.text(f"{base}/Dbtr/Nm"),
        account_number=r.text(f"{base}/DbtrAcct/Id/Othr/Id"),
        account_type=r.convert(f"{base}/DbtrAcct/Tp/Prtry", AccountType),
        consumer_reference=ids.get("CONS_REF", ""),
        phone=r.text(f"{base}/Dbtr/CtctDtls/PhneNb"),
        mobile=r.text(f"{base}/Dbtr/CtctDtls/MobNb"),
        email=r.text(f"{base}/Dbtr/CtctDtls/EmailAdr"),
        pan=ids.get("PAN", ""),
        bank_member_id=r.text(f"{base}/DbtrAgt/{_AGENT}"),
    )
    amount = find(r.message, f"{base}/ColltnAmt")
    amount = amount if amount is not None else find(r.message, f"{base}/MaxAmt")
    return Mandate(
        mandate_request_id=r.text(f"{base}/MndtReqId"),
        scheme_name=r.text(f"{base}/Tp/SvcLvl/Prtry"),
        sequence_type=r.convert(f"{base}/Ocrncs/SeqTp", SequenceType),
        frequency=r.convert(f"{base}/Ocrncs/Frqcy/Tp", Frequency),
        first_collection=r.convert(f"{base}/Ocrncs/FrstColltnDt", date.fromisoformat),
        debtor=debtor,
        creditor=Creditor(
            name=r.text(f"{base}/Cdtr/Nm"),
            account_number=r.text(f"{base}/CdtrAcct/Id/Othr/Id"),
            member_id=r.text(f"{base}/CdtrAgt/{_AGENT}"),
        ),
        final_collection=r.convert(f"{base}/Ocrncs/FnlColltnDt", date.fromisoformat, optional=True),
        collection_amount=r.convert(f"{base}/ColltnAmt", D, optional=True),
        maximum_amount=r.convert(f"{base}/MaxAmt", D, optional=True),
        currency=amount.get("Ccy", "INR") if amount is not None else "INR",
        category=r.convert(f"{base}/Tp/LclInstrm/Prtry", Category),
    )


def _read_initiation(r: FieldReader) -> MandateInitiation:
    return MandateInitiation(_header(r), read_mandate(r, "Mndt"))


def _read_amendment(r: FieldReader) -> MandateAmendment:
    return MandateAmendment(
        header=_header(r),
        original_message_id=r.text(f"{_AMD}/OrgnlMsgInf/MsgId"),
        amendment_reason=r.text(f"{_AMD}/AmdmntRsn/Rsn/Prtry"),
        mandate=read_mandate(r, f"{_AMD}/Mndt"),
        original_mandate_id=r.text(f"{_AMD}/OrgnlMndt/OrgnlMndtId"),
    )


def _read_cancellation(r: FieldReader) -> MandateCancellation:
    return MandateCancellation(
        header=_header(r),
        cancellation_reason=r.text(f"{_CXL}/CxlRsn/Rsn/Prtry"),
        original_mandate_id=r.text(f"{_CXL}/OrgnlMndt/OrgnlMndtId"),
    )


def _read_acceptance_report(r: FieldReader) -> tuple[MandateResponse, ...]:
    message_id = r.text("GrpHdr/MsgId")
    created = r.convert("GrpHdr/CreDtTm", datetime.fromisoformat)
    return tuple(
        MandateResponse(
            kind=ResponseKind.ACCEPTANCE_REPORT,
            message_id=message_id,
            created=created,
            accepted=(d.findtext("{*}AccptncRslt/{*}Accptd") or "").strip() == "true",
            original_message_id=(d.findtext("{*}OrgnlMsgInf/{*}MsgId") or "").strip(),
            reference=(d.findtext("{*}OrgnlMndt/{*}OrgnlMndtId") or "").strip(),
            reject_code=(d.findtext("{*}AccptncRslt/{*}RjctRsn/{*}Prtry") or "").strip(),
            reject_description=(d.findtext("{*}AccptncRslt/{*}AddtlRjctRsnInf") or "").strip(),
            original_message_name=(d.findtext("{*}OrgnlMsgInf/{*}MsgNmId") or "").strip(),
        )
        for d in r.message.iterfind(f"{{*}}{_ACC}")
    )


#: message element -> (rules, reader) for the ISO messages.
ISO_READERS = {
    "MndtInitnReq": (INITIATION_RULES, _read_initiation),
    "MndtAmdmntReq": (AMENDMENT_RULES, _read_amendment),
    "MndtCxlReq": (CANCELLATION_RULES, _read_cancellation),
    "MndtAccptncRpt": (ACCEPTANCE_REPORT_RULES, _read_acceptance_report),
}


def unknown_message(source: str, element: Any) -> RecordError:
    """Return the error for a message this module does not know."""
    line = getattr(element, "sourceline", None) or 0
    return RecordError(source, line, local(element), "not an e-mandate message")
