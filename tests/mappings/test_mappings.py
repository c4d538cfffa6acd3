# ruff: noqa: E501  -- statement lines are kept exactly as the banks write them
"""The mapping engine: bank layouts to canonical records, errors as values, and back."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from mappings import (
    MappedRecord,
    MappingError,
    RecordError,
    apply_mapping,
    load_mapping,
    mapping_path,
    partition,
    write_csv,
)

HDFC = load_mapping(mapping_path("escrow_bank_hdfc", "statement_csv"))
ICICI = load_mapping(mapping_path("escrow_bank_icici", "statement_csv"))
UTR_FEED = load_mapping(mapping_path("utr_feed", "default"))
PARTNER_MIS = load_mapping(mapping_path("partner_mis", "default"))

HDFC_CSV = b"""\
Date,Narration,Chq./Ref.No.,Value Dt,Withdrawal Amt.,Deposit Amt.,Closing Balance,Remitter A/c
05/04/2024,NEFT CR-HDFCN24096123456-ACME TRADERS,HDFCN24096123456,05/04/2024,,"1,25,000.00","10,25,000.00",50100012345678
06/04/2024,RTGS DR-ICICR52024040600012345-SANGAM NBFC,ICICR52024040600012345,06/04/2024,"5,000.50",,"10,19,999.50",
"""

ICICI_CSV = b"""\
S No.,Value Date,Transaction Date,Cheque Number,Transaction Remarks,Cr/Dr,Transaction Amount(INR),Available Balance(INR),Remitter Account
1,05-Apr-2024,05-Apr-2024,,NEFT CR-HDFCN24096123456-ACME TRADERS,CR,125000.00,1025000.00,50100012345678
2,06-APR-2024,06-Apr-2024,,RTGS DR-ICICR52024040600012345-SANGAM NBFC,DR,5000.50,1019999.50,
"""

CANONICAL = [
    {
        "value_date": date(2024, 4, 5),
        "txn_date": date(2024, 4, 5),
        "reference": "HDFCN24096123456",
        "narration": "NEFT CR-HDFCN24096123456-ACME TRADERS",
        "debit": Decimal("0"),
        "credit": Decimal("125000.00"),
        "balance": Decimal("1025000.00"),
        "remitter_account": "50100012345678",
    },
    {
        "value_date": date(2024, 4, 6),
        "txn_date": date(2024, 4, 6),
        "reference": "ICICR52024040600012345",
        "narration": "RTGS DR-ICICR52024040600012345-SANGAM NBFC",
        "debit": Decimal("5000.50"),
        "credit": Decimal("0"),
        "balance": Decimal("1019999.50"),
        "remitter_account": "",
    },
]


def values(mapping, data) -> list[dict]:
    records, errors = partition(apply_mapping(mapping, data))
    assert errors == []
    return [r.values for r in records]


def test_both_bank_layouts_give_the_same_canonical_records() -> None:
    hdfc = values(HDFC, HDFC_CSV)
    icici = values(ICICI, ICICI_CSV)

    assert hdfc == CANONICAL
    assert icici == CANONICAL
    assert all(type(r[k]) is Decimal for r in hdfc + icici for k in ("debit", "credit", "balance"))


def test_lines_are_physical_file_lines() -> None:
    records, _ = partition(apply_mapping(HDFC, HDFC_CSV))
    assert [r.line for r in records] == [2, 3]


def test_bad_date_and_bad_amount_are_errors_and_the_rest_survive() -> None:
    data = HDFC_CSV + (
        b'31/02/2024,NEFT CR-X,HDFCN24097000001,31/02/2024,,"100.00","10,20,099.50",\n'
        b'07/04/2024,NEFT CR-Y,HDFCN24098000002,07/04/2024,,"12,3x.00","10,20,199.50",\n'
        b'08/04/2024,NEFT CR-Z,HDFCN24099000003,08/04/2024,,"250.00","10,20,449.50",\n'
    )

    records, errors = partition(apply_mapping(HDFC, io.BytesIO(data)))

    assert errors == [
        RecordError(
            "escrow_bank_hdfc.statement_csv",
            4,
            "value_date",
            "date '31/02/2024' does not match %d/%m/%Y or %d/%m/%y",
        ),
        RecordError(
            "escrow_bank_hdfc.statement_csv",
            4,
            "txn_date",
            "date '31/02/2024' does not match %d/%m/%Y or %d/%m/%y",
        ),
        RecordError(
            "escrow_bank_hdfc.statement_csv", 5, "credit", "amount '12,3x.00' is not a number"
        ),
    ]
    assert [(r.line, r.values["credit"]) for r in records] == [
        (2, Decimal("125000.00")),
        (3, Decimal("0")),
        (6, Decimal("250.00")),
    ]


def test_missing_column_is_one_error_naming_the_field() -> None:
    data = HDFC_CSV.replace(b"Value Dt", b"Val Date")
    assert list(apply_mapping(HDFC, data)) == [
        RecordError(
            "escrow_bank_hdfc.statement_csv", 1, "value_date", "column 'Value Dt' not in header"
        )
    ]


def test_short_row_and_required_and_validation_rules() -> None:
    data = (
        b"UTR,Amount,Value Date,Remitter Name,Remitter Account,Virtual Account,Status\n"
        b"HDFCN24096123456,1250.00,05-04-2024,Asha Rao,50100012345678,SNGM0001234,SUCCESS\n"
        b"BAD-UTR,0.00,2024-04-05,Asha Rao,501,SNGM0001235,BOUNCED\n"
        b",100.00,05-04-2024,Ravi,1\n"
    )
    results = list(apply_mapping(UTR_FEED, data))

    assert results[0] == MappedRecord(
        2,
        {
            "utr": "HDFCN24096123456",
            "amount": Decimal("1250.00"),
            "value_date": date(2024, 4, 5),
            "remitter_name": "Asha Rao",
            "remitter_account": "50100012345678",
            "virtual_account": "SNGM0001234",
            "status": "settled",
        },
    )
    assert [(e.line, e.field, e.message) for e in results[1:]] == [
        (3, "utr", "'BAD-UTR' does not match /[A-Z0-9]{12,22}/"),
        (3, "amount", "0.00 is below the minimum 0.01"),
        (3, "status", "code 'BOUNCED' is not in the code table"),
        (4, "utr", "required value is missing"),
        (4, "virtual_account", "row is too short: this field's column is missing"),
        (4, "status", "row is too short: this field's column is missing"),
    ]


MIS_ROWS = [
    {
        "loan_id": "SGM-000101",
        "partner_loan_ref": "PB/CL/88121",
        "as_of": date(2024, 4, 5),
        "principal_outstanding": Decimal("485210.37"),
        "interest_accrued": Decimal("3987.12"),
        "overdue": Decimal("0"),
        "dpd": 0,
        "asset_class": "standard",
    },
    {
        "loan_id": "SGM-000102",
        "partner_loan_ref": "",
        "as_of": date(2024, 4, 5),
        "principal_outstanding": Decimal("120000"),
        "interest_accrued": Decimal("1.5"),
        "overdue": Decimal("24500.00"),
        "dpd": 47,
        "asset_class": "sma_1",
    },
]


def test_outbound_mis_writes_exact_bytes_and_reads_back() -> None:
    result = write_csv(PARTNER_MIS, MIS_ROWS)

    assert result.errors == ()
    assert result.rows == 3
    assert result.data == (
        b"LOAN_ID,PARTNER_LOAN_REF,AS_OF_DATE,PRINCIPAL_OUTSTANDING,INTEREST_ACCRUED,"
        b"OVERDUE_AMOUNT,DPD,ASSET_CLASSIFICATION\r\n"
        b"SGM-000101,PB/CL/88121,05-04-2024,485210.37,3987.12,0.00,0,STD\r\n"
        b"SGM-000102,,05-04-2024,120000.00,1.50,24500.00,47,SMA-1\r\n"
    )
    assert values(PARTNER_MIS, result.data) == MIS_ROWS


def test_statement_round_trip_through_the_reverse_mapping() -> None:
    written = write_csv(HDFC, CANONICAL)
    assert written.errors == ()
    assert values(HDFC, written.data) == CANONICAL


def test_unrenderable_record_is_left_out_with_an_error() -> None:
    bad = dict(MIS_ROWS[0], loan_id="SGM-000103", overdue=Decimal("10.005"))
    result = write_csv(
        PARTNER_MIS, [MIS_ROWS[0], bad, dict(MIS_ROWS[1], asset_class="written_off")]
    )
    assert result.rows == 2
    assert result.errors == (
        RecordError(
            "partner_mis.default", 2, "overdue", "amount 10.005 has more than 2 decimal places"
        ),
        RecordError(
            "partner_mis.default",
            3,
            "asset_class",
            "value 'written_off' has no code in the code table",
        ),
    )


def test_irreversible_mapping_refuses_to_write() -> None:
    with pytest.raises(MappingError, match=r"fields\.debit: transform 'when' cannot be reversed"):
        write_csv(ICICI, CANONICAL)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "fields:\n  debit:\n    source: X\n    transforms: [strip, decimel]\n",
            "mapping 'broken': fields.debit.transforms[1]: unknown transform 'decimel'",
        ),
        (
            "fields:\n  d:\n    source: X\n    transforms: [{date: {formats: []}}]\n",
            "mapping 'broken': fields.d.transforms[0]: needs 'formats'",
        ),
        (
            "fields:\n  d:\n    source: X\n    transforms: [{lookup: {table: nope}}]\n",
            "mapping 'broken': fields.d.transforms[0]: unknown table 'nope'",
        ),
        (
            "fields:\n  d:\n    source: X\n    validate: {between: 1}\n",
            "mapping 'broken': fields.d.validate: unknown rule 'between'",
        ),
        ("fields:\n  d:\n    sorce: X\n", "mapping 'broken': fields.d.sorce: unknown key"),
        (
            "fields:\n  d:\n    source: X\n    transforms: [{regex: '(unclosed'}]\n",
            "mapping 'broken': fields.d.transforms[0]: needs a valid 'pattern'",
        ),
        ("fields: {}\n", "mapping 'broken': fields: must map canonical field names"),
        (
            "options: {record_xpath: //x}\nfields: {a: A}\n",
            "mapping 'broken': options.record_xpath: not an option of csv mappings",
        ),
    ],
)
def test_bad_mapping_file_gives_a_clear_load_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "broken.yaml"
    fmt = "" if "format:" in text else "format: csv\n"
    path.write_text("name: broken\nversion: 1\n" + fmt + text)
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    assert str(caught.value).startswith(message)


def test_bad_format_and_missing_name() -> None:
    with pytest.raises(MappingError, match="mapping 'm': format: 'pdf' is not one of"):
        load_mapping({"name": "m", "version": 1, "format": "pdf", "fields": {"a": "A"}})
    with pytest.raises(MappingError, match="name: is required"):
        load_mapping({"version": 1, "format": "csv", "fields": {"a": "A"}})


def test_yaml_floats_load_as_decimals(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(
        "name: m\nversion: 1\nformat: csv\nfields:\n"
        "  a: {source: A, transforms: [decimal], validate: {max: 0.10}}\n"
    )
    mapping = load_mapping(path)
    assert list(apply_mapping(mapping, b"A\n0.1\n0.11\n")) == [
        MappedRecord(2, {"a": Decimal("0.1")}),
        RecordError("m", 3, "a", "0.11 is above the maximum 0.10"),
    ]
