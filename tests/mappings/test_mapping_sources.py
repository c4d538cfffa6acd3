"""The mapping engine over each source format: fixed width, XML, JSON and XLSX."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from mappings import MappedRecord, RecordError, apply_mapping, load_mapping, partition


def values(mapping, data) -> list[dict]:
    records, errors = partition(apply_mapping(mapping, data))
    assert errors == []
    return [r.values for r in records]


def test_fixed_width_with_selected_records_paise_and_inline_code_table() -> None:
    mapping = load_mapping(
        {
            "name": "nach.response_fw",
            "version": 1,
            "format": "fixed_width",
            "options": {"select": {"start": 1, "length": 1, "equals": "D"}},
            "fields": {
                "account": {"start": 2, "length": 10, "transforms": ["strip"], "required": True},
                "amount": {"start": 12, "length": 13, "transforms": ["paise_to_rupees"]},
                "settled_on": {"start": 25, "length": 8, "transforms": [{"date": "%d%m%Y"}]},
                "status": {
                    "start": 33,
                    "length": 1,
                    "transforms": [{"lookup": {"values": {"1": "paid", "0": "bounced"}}}],
                },
            },
        }
    )
    data = b"".join(
        [
            b"H SANGAM NACH RESPONSE 05042024\n",
            b"D" + b"1234567890" + b"0000000125050" + b"05042024" + b"1\n",
            b"D" + b"0000042   " + b"0000000009999" + b"06042024" + b"0\n",
            b"T000002\n",
        ]
    )
    assert values(mapping, data) == [
        {
            "account": "1234567890",
            "amount": Decimal("1250.50"),
            "settled_on": date(2024, 4, 5),
            "status": "paid",
        },
        {
            "account": "0000042",
            "amount": Decimal("99.99"),
            "settled_on": date(2024, 4, 6),
            "status": "bounced",
        },
    ]


CAMT = b"""<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
 <BkToCstmrStmt><Stmt>
  <Ntry><Amt Ccy="INR">125000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><ValDt><Dt>2024-04-05</Dt></ValDt>
   <NtryDtls><TxDtls><Refs><EndToEndId>HDFCN24096123456</EndToEndId></Refs></TxDtls></NtryDtls></Ntry>
  <Ntry><Amt Ccy="INR">5000.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><ValDt><Dt>2024-04-06</Dt></ValDt>
   <NtryDtls><TxDtls><Refs><EndToEndId>ICICR52024040600012345</EndToEndId></Refs></TxDtls></NtryDtls></Ntry>
 </Stmt></BkToCstmrStmt>
</Document>"""


def test_xml_records_by_xpath_with_namespaces() -> None:
    mapping = load_mapping(
        {
            "name": "camt053.entries",
            "version": "1",
            "format": "xml",
            "options": {
                "record_xpath": "//c:Ntry",
                "namespaces": {"c": "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"},
            },
            "fields": {
                "amount": {"source": "c:Amt", "transforms": ["decimal"], "required": True},
                "currency": "c:Amt/@Ccy",
                "direction": {
                    "source": "c:CdtDbtInd",
                    "transforms": [{"lookup": {"values": {"CRDT": "credit", "DBIT": "debit"}}}],
                },
                "value_date": {"source": "c:ValDt/c:Dt", "transforms": [{"date": "%Y-%m-%d"}]},
                "reference": ".//c:Refs/c:EndToEndId/text()",
            },
        }
    )
    results = list(apply_mapping(mapping, CAMT))
    assert results == [
        MappedRecord(
            4,
            {
                "amount": Decimal("125000.00"),
                "currency": "INR",
                "direction": "credit",
                "value_date": date(2024, 4, 5),
                "reference": "HDFCN24096123456",
            },
        ),
        MappedRecord(
            6,
            {
                "amount": Decimal("5000.50"),
                "currency": "INR",
                "direction": "debit",
                "value_date": date(2024, 4, 6),
                "reference": "ICICR52024040600012345",
            },
        ),
    ]


def test_xml_entities_are_not_expanded() -> None:
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<r><e><v>&x;</v></e></r>"
    )
    mapping = load_mapping(
        {
            "name": "x",
            "version": 1,
            "format": "xml",
            "options": {"record_xpath": "//e"},
            "fields": {"v": "v"},
        }
    )
    [record] = list(apply_mapping(mapping, evil))
    assert record.values == {"v": "&x;"}  # the reference is kept as text, never resolved


def test_json_paths_and_decimals_never_floats() -> None:
    mapping = load_mapping(
        {
            "name": "psp.collections",
            "version": 1,
            "format": "json",
            "options": {"records": "$.data.items"},
            "fields": {
                "rrn": {"source": "$.rrn", "required": True, "validate": {"regex": "[0-9]{12}"}},
                "amount": {"source": "amount", "transforms": ["decimal"]},
                "amount_paise": {"source": "amount", "transforms": ["decimal", "rupees_to_paise"]},
                "vpa": {"source": "payer.vpa", "transforms": ["lower"]},
                "first_tag": "tags[0]",
            },
        }
    )
    data = (
        b'{"data": {"items": ['
        b'{"rrn": "412345678901", "amount": 1250.10,'
        b' "payer": {"vpa": "Asha@OKHDFC"}, "tags": ["emi"]},'
        b'{"rrn": "41234", "amount": 99.99, "payer": {}, "tags": []}'
        b"]}}"
    )
    assert list(apply_mapping(mapping, data)) == [
        MappedRecord(
            1,
            {
                "rrn": "412345678901",
                "amount": Decimal("1250.10"),
                "amount_paise": 125010,
                "vpa": "asha@okhdfc",
                "first_tag": "emi",
            },
        ),
        RecordError("psp.collections", 2, "rrn", "'41234' does not match /[0-9]{12}/"),
    ]


def test_xlsx_source_reads_float_cells_as_exact_decimals() -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "UTR",
            "Amount",
            "Value Date",
            "Remitter Name",
            "Remitter Account",
            "Virtual Account",
            "Status",
        ]
    )
    sheet.append(
        ["HDFCN24096123456", 1250.1, date(2024, 4, 5), "Asha", 501, "SNGM0001234", "SUCCESS"]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    doc = {
        "name": "utr_feed.xlsx",
        "version": 1,
        "format": "xlsx",
        "fields": {
            k: {"source": s}
            for k, s in [("utr", "UTR"), ("amount", "Amount"), ("value_date", "Value Date")]
        },
    }
    doc["fields"]["amount"]["transforms"] = ["decimal"]
    doc["fields"]["value_date"]["transforms"] = [{"date": "%d-%m-%Y"}]
    assert values(load_mapping(doc), buffer.getvalue()) == [
        {"utr": "HDFCN24096123456", "amount": Decimal("1250.1"), "value_date": date(2024, 4, 5)}
    ]
