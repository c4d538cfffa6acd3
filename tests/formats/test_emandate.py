"""E-mandate messages: MndtAuthReq, NPCI responses, pain.009-012; rules and XML safety."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest
from lxml import etree

from formats.base import ControlCheck, FormatWriteError
from formats.nach.emandate import (
    EMandateFormat,
    parse_emandate,
    write_auth_request,
    write_emandate,
    write_response,
)
from formats.nach.emandate_iso import (
    IsoHeader,
    MandateAmendment,
    MandateCancellation,
    MandateInitiation,
    write_iso,
)
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
)
from tests.formats.conformance import conformance_suite
from tests.formats.xml_attacks import ATTACKS

CREATED = datetime(2026, 11, 21, 10, 15, 30)
MANDATE = Mandate(
    mandate_request_id="SANGAM2611210000001",
    scheme_name="SANGAM HOME LOAN",
    sequence_type=SequenceType.RECURRING,
    frequency=Frequency.MONTHLY,
    first_collection=date(2026, 12, 5),
    final_collection=date(2031, 11, 5),
    maximum_amount=Decimal("25000.00"),
    debtor=Debtor(
        name="RAMESH KUMAR",
        account_number="123456789012",
        account_type=AccountType.SAVINGS,
        consumer_reference="LN0001",
        mobile="9800000001",
        email="ramesh@example.in",
        pan="ABCDE1234F",
    ),
    creditor=Creditor("SANGAM FINANCE LTD", "50200012345678", "HDFC0000001"),
)
REQUEST = MandateAuthRequest(
    message_id="MSG2611210000001",
    created=CREATED,
    initiator=Initiator(
        id="NACH00000000012345",
        category=Category.LOAN_INSTALMENT,
        utility_code="NACH00000000012345",
        name="SANGAM FINANCE LTD",
        sponsor_bank_name="HDFC BANK",
        category_description="Loan instalment payment",
    ),
    mandate=MANDATE,
)
HEADER = IsoHeader("PAIN0092611210001", CREATED, "HDFC0000001", "NPCI0000001")
ISO_MANDATE = replace(MANDATE, debtor=replace(MANDATE.debtor, bank_member_id="SBIN0001234"))


def sample():
    return None, [REQUEST]


TestConformance = conformance_suite(EMandateFormat(), sample=sample)


def test_auth_request_shape():
    root = etree.fromstring(write_auth_request(REQUEST))
    ns = {"n": "http://npci.org/ONMAGS/schema"}
    assert root.findtext("n:MndtAuthReq/n:Mndt/n:Ocrncs/n:Frqcy", namespaces=ns) == "MNTH"
    assert root.find("n:MndtAuthReq/n:Mndt/n:MaxAmt", namespaces=ns).get("Ccy") == "INR"
    assert root.findtext("n:MndtAuthReq/n:Mndt/n:MaxAmt", namespaces=ns) == "25000.00"
    assert root.find("n:MndtAuthReq/n:Mndt/n:ColltnAmt", namespaces=ns) is None
    assert root.findtext("n:MndtAuthReq/n:GrpHdr/n:ReqInitPty/n:Info/n:CatCode", namespaces=ns) == (
        "L001"
    )


def test_until_cancelled_round_trips_as_blank_final_date():
    request = replace(REQUEST, mandate=replace(MANDATE, final_collection=None))
    (parsed,) = parse_emandate(write_auth_request(request), source="r").records
    assert parsed == request


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"collection_amount": Decimal("100.00")}, "Mndt/ColltnAmt | Mndt/MaxAmt: exactly one"),
        ({"maximum_amount": None}, "exactly one required, found 0"),
        ({"mandate_request_id": "X" * 36}, "Mndt/MndtReqId: 36 characters, at most 35"),
        ({"scheme_name": ""}, "Mndt/Schm_Nm: missing"),
        ({"debtor": replace(MANDATE.debtor, name="N" * 41)}, "Mndt/Dbtr/Nm: 41 characters"),
    ],
)
def test_writer_refuses_invalid_request(change, message):
    with pytest.raises(FormatWriteError, match=message.replace("|", "\\|")):
        write_auth_request(replace(REQUEST, mandate=replace(MANDATE, **change)))


def test_writer_refuses_fraction_of_paisa():
    with pytest.raises(FormatWriteError, match="whole paise"):
        write_auth_request(
            replace(REQUEST, mandate=replace(MANDATE, maximum_amount=Decimal("1.005")))
        )


def test_parser_lists_every_missing_element_with_its_path():
    data = write_auth_request(REQUEST)
    for tag in (b"MndtReqId", b"Schm_Nm", b"UtilCode"):
        data = data.replace(b"<" + tag + b">", b"<X" + tag + b">").replace(
            b"</" + tag + b">", b"</X" + tag + b">"
        )
    data = data.replace(b"<Frqcy>MNTH</Frqcy>", b"<Frqcy>FORTNIGHT</Frqcy>")
    result = parse_emandate(data, source="req.xml")
    assert result.records == () and result.control is ControlCheck.FAILED
    fields = [(e.field, e.message) for e in result.errors]
    assert ("MndtAuthReq/GrpHdr/ReqInitPty/Info/UtilCode", "missing") in fields
    assert ("MndtAuthReq/Mndt/MndtReqId", "missing") in fields
    assert ("MndtAuthReq/Mndt/Schm_Nm", "missing") in fields
    frequency = [e for e in result.errors if e.field == "MndtAuthReq/Mndt/Ocrncs/Frqcy"]
    assert "'FORTNIGHT' not one of ADHO, BIMN, DAIL" in frequency[0].message
    assert frequency[0].line == 24


ACCEPTED = MandateResponse(
    kind=ResponseKind.ACCEPT_RESPONSE,
    message_id="RESP0001",
    created=CREATED,
    accepted=True,
    mandate_request_id="SANGAM2611210000001",
    original_message_id="NPCI26112100000042",
    reference="ACC0000042",
)
REJECTED = replace(
    ACCEPTED,
    accepted=False,
    reference="",
    reject_code="AP05",
    reject_description="No such account",
    rejected_by="Debtor bank",
)
ERROR = MandateResponse(
    kind=ResponseKind.REJECT_RESPONSE,
    message_id="ERR0001",
    created=CREATED,
    accepted=False,
    mandate_request_id="SANGAM2611210000001",
    reject_code="451",
    reject_description="Invalid utility code",
)
REPORT = [
    MandateResponse(ResponseKind.ACCEPTANCE_REPORT, "PAIN012-1", CREATED, True,
                    original_message_id="PAIN0092611210001", reference="HDFC7000000000000001"),
    MandateResponse(ResponseKind.ACCEPTANCE_REPORT, "PAIN012-1", CREATED, False,
                    original_message_id="PAIN0092611210002", reject_code="M037"),
]  # fmt: skip


@pytest.mark.parametrize("response", [ACCEPTED, REJECTED, ERROR])
def test_npci_responses_round_trip(response):
    result = parse_emandate(write_response(response), source="resp.xml")
    assert result.errors == ()
    assert result.records == (response,)


def test_pain012_acceptance_report_round_trip():
    data = EMandateFormat().write(REPORT)
    assert b"urn:iso:std:iso:20022:tech:xsd:pain.012.001.04" in data
    result = parse_emandate(data, source="p12.xml")
    assert list(result.records) == REPORT
    assert result.records[0].reference == "HDFC7000000000000001"
    assert result.records[1].reject_code == "M037" and not result.records[1].accepted


ISO_MESSAGES = [
    MandateInitiation(HEADER, ISO_MANDATE),
    MandateAmendment(
        HEADER, "PAIN0092611210001", "MD16",
        replace(ISO_MANDATE, maximum_amount=Decimal("30000.00")), "HDFC7000000000000001",
    ),
    MandateCancellation(HEADER, "MD17", "HDFC7000000000000001"),
]  # fmt: skip


@pytest.mark.parametrize("message", ISO_MESSAGES, ids=["pain009", "pain010", "pain011"])
def test_iso_messages_round_trip(message):
    data = write_emandate(message)
    assert parse_emandate(data, source="iso.xml").records == (message,)


def test_pain009_element_paths_and_missing_debtor_agent():
    data = write_iso(ISO_MESSAGES[0])
    mandate = etree.fromstring(data)[0].find("{*}Mndt")
    assert etree.QName(mandate).namespace == "urn:iso:std:iso:20022:tech:xsd:pain.009.001.04"
    assert mandate.findtext("{*}Ocrncs/{*}Frqcy/{*}Tp") == "MNTH"
    assert mandate.findtext("{*}Tp/{*}LclInstrm/{*}Prtry") == "L001"
    assert mandate.findtext("{*}DbtrAgt/{*}FinInstnId/{*}ClrSysMmbId/{*}MmbId") == "SBIN0001234"
    others = mandate.findall("{*}Dbtr/{*}Id/{*}PrvtId/{*}Othr")
    assert [(o.findtext("{*}SchmeNm/{*}Prtry"), o.findtext("{*}Id")) for o in others] == [
        ("PAN", "ABCDE1234F"),
        ("CONS_REF", "LN0001"),
    ]
    with pytest.raises(
        FormatWriteError, match="Mndt/DbtrAgt/FinInstnId/ClrSysMmbId/MmbId: missing"
    ):
        write_iso(MandateInitiation(HEADER, MANDATE))  # no debtor bank member id


def test_pain011_missing_reason_reported_on_parse():
    data = write_iso(ISO_MESSAGES[2]).replace(b"<Prtry>MD17</Prtry>", b"<Prtry></Prtry>")
    (error,) = parse_emandate(data, source="c.xml").errors
    assert error.field == "MndtCxlReq/UndrlygCxlDtls/CxlRsn/Rsn/Prtry"
    assert error.message == "missing"


@pytest.mark.parametrize("attack", ATTACKS)
def test_doctype_and_entities_refused(attack):
    (error,) = parse_emandate(attack, source="evil.xml").errors
    assert error.message == "DOCTYPE declarations are refused" and error.line == 2


def test_malformed_xml_and_unknown_message():
    (error,) = parse_emandate(b"<Document><MndtAuthReq></Document>", source="m.xml").errors
    assert (error.line, error.field) == (1, "xml") and "malformed XML" in error.message
    (error,) = parse_emandate(b"<Document><Hello/></Document>", source="m.xml").errors
    assert (error.field, error.message) == ("Hello", "not an e-mandate message")


def test_message_found_past_comments_and_without_document_wrapper():
    data = write_auth_request(REQUEST)
    commented = data.replace(b"<MndtAuthReq>", b"<!-- sent by Sangam --><MndtAuthReq>")
    assert parse_emandate(commented, source="c").records == (REQUEST,)
    bare = etree.tostring(etree.fromstring(data)[0])
    assert parse_emandate(bare, source="b").records == (REQUEST,)


# -- cancellation: pain.011 out, pain.012 back ------------------------------------------
CANCEL = MandateCancellation(
    IsoHeader("CXL4F2A9C0B1D2E3F4A5B6C7D8E", CREATED, "SBIN0000001", "HDFC0001234"),
    "MD17",
    "HDFC7000000000000001",
)
CANCEL_ANSWERS = [
    MandateResponse(ResponseKind.ACCEPTANCE_REPORT, "RPTCXL1", CREATED, True,
                    original_message_id=CANCEL.header.message_id,
                    original_message_name="pain.011.001.04", reference="HDFC7000000000000001"),
    MandateResponse(ResponseKind.ACCEPTANCE_REPORT, "RPTCXL1", CREATED, False,
                    original_message_id="CXL000000000000000000000002",
                    original_message_name="pain.011.001.04", reference="HDFC7000000000000002",
                    reject_code="M038", reject_description="no such account"),
]  # fmt: skip

TestCancellationConformance = conformance_suite(EMandateFormat(), sample=lambda: (None, [CANCEL]))
TestCancellationReportConformance = conformance_suite(
    EMandateFormat(), sample=lambda: (None, CANCEL_ANSWERS)
)


def test_pain011_element_paths():
    message = etree.fromstring(write_iso(CANCEL))[0]
    assert etree.QName(message).localname == "MndtCxlReq"
    assert message.findtext("{*}GrpHdr/{*}MsgId") == "CXL4F2A9C0B1D2E3F4A5B6C7D8E"
    assert message.findtext("{*}GrpHdr/{*}InstgAgt/{*}FinInstnId/{*}ClrSysMmbId/{*}MmbId") == (
        "SBIN0000001"
    )
    assert message.findtext("{*}UndrlygCxlDtls/{*}CxlRsn/{*}Rsn/{*}Prtry") == "MD17"
    assert message.findtext("{*}UndrlygCxlDtls/{*}OrgnlMndt/{*}OrgnlMndtId") == (
        "HDFC7000000000000001"
    )


def test_pain012_answering_cancellations_names_the_message_and_the_refusal_text():
    data = EMandateFormat().write(CANCEL_ANSWERS)
    refused = etree.fromstring(data)[0].findall("{*}UndrlygAccptncDtls")[1]
    assert refused.findtext("{*}OrgnlMsgInf/{*}MsgNmId") == "pain.011.001.04"
    assert refused.findtext("{*}AccptncRslt/{*}RjctRsn/{*}Prtry") == "M038"
    assert refused.findtext("{*}AccptncRslt/{*}AddtlRjctRsnInf") == "no such account"
    (_ok, back) = parse_emandate(data, source="p12").records
    assert (back.accepted, back.reject_code, back.reject_description) == (
        False,
        "M038",
        "no such account",
    )


def test_pain012_without_the_optional_elements_still_reads():
    """A bank that sends neither MsgNmId nor AddtlRjctRsnInf: both read as empty."""
    data = EMandateFormat().write(REPORT)
    assert b"MsgNmId" not in data and b"AddtlRjctRsnInf" not in data
    assert all(r.original_message_name == "" for r in parse_emandate(data, source="p").records)
