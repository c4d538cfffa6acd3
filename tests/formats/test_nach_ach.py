"""NACH ACH presentation / response files: layout, figures, every bad-input case."""

from __future__ import annotations

import string
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from formats.base import ControlCheck, FormatWriteError
from formats.fixed_width import check_layout
from formats.nach.ach import (
    DETAIL_LAYOUT,
    HEADER_LAYOUT,
    AchDetail,
    AchHeader,
    AchOptions,
    AchStream,
    NachAchFormat,
    parse_ach,
    write_ach,
)
from formats.nach.reasons import REASON_CODES, ResponseFlag
from tests.formats.conformance import conformance_suite

HEADER = AchHeader(
    user_name="SANGAM FINANCE LTD",
    settlement_date=date(2026, 11, 23),
    user_number="NACH00000000012345",
    sponsor_bank_ifsc="HDFC0000001",
    user_bank_account_number="50200012345678",
    ach_file_number="F00042",
)


def detail(seq: int, amount: str, **fields) -> AchDetail:
    base = {
        "beneficiary_name": "RAMESH KUMAR",
        "beneficiary_account_number": f"1234567890{seq}",
        "destination_bank_ifsc": "SBIN0001234",
        "transaction_reference": f"LN0001-EMI-{seq:02d}",
        "umrn": f"HDFC7{seq:015d}",
    }
    return AchDetail.of(amount=Decimal(amount), ach_item_sequence_number=seq, **base | fields)


DETAILS = [
    detail(1, "1234.50"),
    detail(2, "0.01", flag=ResponseFlag.RETURNED, reason_code="04"),
    detail(3, "99999.99", flag=ResponseFlag.RETURNED, reason_code="01"),
    detail(4, "500.00", flag=ResponseFlag.SUCCESS),
]


def sample() -> tuple[AchHeader, list[AchDetail]]:
    return HEADER, DETAILS


TestConformance = conformance_suite(NachAchFormat(), sample=sample)


def lines_of(details=DETAILS, header=HEADER, options=None) -> list[str]:
    return write_ach(header, details, options=options).decode().splitlines()


def patch(line: str, start: int, text: str) -> str:
    """Return ``line`` with ``text`` placed at 1-based position ``start``."""
    return line[: start - 1] + text + line[start - 1 + len(text) :]


def parse_lines(lines: list[str], **kw):
    return parse_ach(("\n".join(lines) + "\n").encode("latin-1"), source="resp.txt", **kw)


def test_layouts_tile_306_characters():
    assert check_layout(HEADER_LAYOUT, 306) == []
    assert check_layout(DETAIL_LAYOUT, 306) == []


def test_header_fields_at_spec_positions():
    header = lines_of()[0]
    assert len(header) == 306
    assert header[0:2] == "56"
    assert header[9:49] == "SANGAM FINANCE LTD".ljust(40)
    assert header[112:125] == "0000010173450"  # 1234.50 + 0.01 + 99999.99 + 500.00
    assert header[125:133] == "23112026"
    assert header[156:174] == "NACH00000000012345"
    assert header[238:247] == "000000004"


def test_detail_fields_at_spec_positions():
    line = lines_of()[1]
    assert len(line) == 306
    assert line[0:2] == "67"
    assert line[31:71] == "RAMESH KUMAR".ljust(40)
    assert line[120:133] == "0000000123450"
    assert line[133:143] == "0000000001"
    assert line[153] == " " and line[154:156] == "  "
    assert line[279:299] == "HDFC7000000000000001"
    assert lines_of()[2][153:156] == "004"


def test_long_name_truncated_but_long_id_refused():
    long_name = detail(1, "1.00", beneficiary_name="A" * 35 + "BCDEFGHIJ")
    assert lines_of([long_name])[1][31:71] == "A" * 35 + "BCDEF"
    with pytest.raises(FormatWriteError, match="umrn"):
        write_ach(HEADER, [detail(1, "1.00", umrn="X" * 21)])
    with pytest.raises(FormatWriteError, match="wider than 13 digits"):
        write_ach(HEADER, [AchDetail(amount_paise=10**13)])
    with pytest.raises(FormatWriteError, match="non-ASCII"):
        write_ach(HEADER, [detail(1, "1.00", beneficiary_name="RENÉE")])


def test_header_totals_given_must_agree():
    wrong = AchHeader(**_header_kw(total_items=9))
    with pytest.raises(FormatWriteError, match="total_items"):
        write_ach(wrong, DETAILS)


def _header_kw(**override):
    names = [f for f in AchHeader.__dataclass_fields__]
    return {n: getattr(HEADER, n) for n in names} | override


def test_round_trip_figures_exact_to_the_paisa():
    result = parse_ach(write_ach(HEADER, DETAILS), source="x")
    assert result.control is ControlCheck.PASSED and result.errors == ()
    assert [d.amount for d in result.records] == [
        Decimal("1234.50"),
        Decimal("0.01"),
        Decimal("99999.99"),
        Decimal("500.00"),
    ]
    assert result.header.total_amount == Decimal("101734.50")
    assert result.header.total_items == 4
    assert result.header.ach_file_number == "F00042"


def test_reason_codes_carry_business_meaning():
    records = parse_ach(write_ach(HEADER, DETAILS), source="x").records
    assert records[0].reason is None and records[0].flag is None
    assert records[1].reason.bounce and not records[1].reason.mandate_dead
    assert records[2].reason.mandate_dead and records[2].reason.description.startswith("account")
    assert records[3].flag is ResponseFlag.SUCCESS


def test_reason_code_table_covers_the_spec():
    expected = (
        [f"{n:02d}" for n in range(1, 10)]
        + ["11", "12", "13", "14"]
        + [f"{n:02d}" for n in range(21, 35)]
        + [f"{n:02d}" for n in range(51, 62)]
        + ["68"]
        + [f"{n:02d}" for n in range(70, 100)]
    )
    assert sorted(REASON_CODES) == sorted(expected)
    dead = sorted(c for c, r in REASON_CODES.items() if r.mandate_dead)
    assert dead == ["01", "02", "08", "14", "21", "61"]
    assert [c for c, r in REASON_CODES.items() if r.bounce] == ["04"]


BAD_CASES = [
    # (description, how to damage lines, expected line, expected field, message fragment)
    ("short record", lambda ls: [*ls[:2], ls[2][:300], *ls[3:]], 3, "record", "300 characters"),
    ("amount", lambda ls: [*ls[:1], patch(ls[1], 121, "00000ABC12345"), *ls[2:]], 2, "amount",
     "not a number"),
    ("unknown reason", lambda ls: [*ls[:2], patch(ls[2], 155, "10"), *ls[3:]], 3, "reason_code",
     "unknown reason code '10'"),
    ("no reason", lambda ls: [*ls[:2], patch(ls[2], 155, "  "), *ls[3:]], 3, "reason_code",
     "needs a reason"),
    ("flag", lambda ls: [*ls[:4], patch(ls[4], 154, "7"), *ls[5:]], 5, "flag", "'7'"),
    ("duplicate", lambda ls: [*ls[:2], patch(ls[2], 134, "0000000001"), *ls[3:]], 3,
     "ach_item_sequence_number", "duplicate 1"),
    ("code", lambda ls: [*ls[:1], patch(ls[1], 1, "99"), *ls[2:]], 2, "transaction_code",
     "'99'"),
    ("second header", lambda ls: [*ls, ls[0]], 6, "ach_transaction_code", "second header"),
    ("header date", lambda ls: [patch(ls[0], 126, "31022026"), *ls[1:]], 1, "settlement_date",
     "not a DDMMYYYY date: '31022026'"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "damage", "line", "field", "fragment"), BAD_CASES)
def test_bad_input_names_line_and_field(name, damage, line, field, fragment):
    result = parse_lines(damage(lines_of()))
    assert not result.ok
    matching = [e for e in result.errors if (e.line, e.field) == (line, field)]
    assert matching, result.errors
    assert fragment in matching[0].message
    assert matching[0].source == "resp.txt"


def test_header_totals_mismatch_rejects_whole_file():
    lines = lines_of()
    lines[0] = patch(lines[0], 113, "0000010173449")
    result = parse_lines(lines)
    assert result.control is ControlCheck.FAILED and result.records == ()
    assert [(e.line, e.field) for e in result.errors] == [(0, "total_amount")]
    assert result.errors[0].message == "header 101734.49 != details 101734.50"


def test_item_count_mismatch_rejects_whole_file():
    result = parse_lines(lines_of()[:-1])
    assert result.control is ControlCheck.FAILED
    assert {(e.line, e.field) for e in result.errors} == {(0, "total_amount"), (0, "total_items")}


def test_missing_header_and_empty_file():
    assert [e.field for e in parse_lines(lines_of()[1:]).errors] == ["header"]
    assert [e.message for e in parse_ach(b"", source="e").errors] == ["empty file"]


def test_bad_header_field_is_reported_once():
    lines = lines_of()
    lines[0] = patch(lines[0], 239, "00000000X")
    result = parse_lines(lines)
    assert [(e.line, e.field, e.message) for e in result.errors] == [
        (1, "total_items", "not a number: '00000000X'")
    ]
    assert result.header is None and result.control is ControlCheck.FAILED


def test_unknown_checksum_setting_refused():
    with pytest.raises(ValueError, match="unknown checksum 'crc32'"):
        AchOptions(checksum="crc32")


def test_configurable_transaction_codes_and_amount_sum_checksum():
    options = AchOptions(header_transaction_code="51", detail_transaction_code="52",
                         checksum="amount_sum", verify_checksum=True)  # fmt: skip
    lines = lines_of(options=options)
    assert lines[0][:2] == "51" and lines[1][:2] == "52"
    assert lines[0][143:153] == "0010173450"
    assert lines[1][143:153] == "0000123450"
    assert parse_lines(lines, options=options).ok
    lines[1] = patch(lines[1], 144, "0000123451")
    errors = parse_lines(lines, options=options).errors
    assert (2, "checksum") in {(e.line, e.field) for e in errors}


def test_account_digits_checksum():
    options = AchOptions(checksum="account_digits_sum", verify_checksum=True)
    lines = lines_of(
        [detail(1, "5.00", beneficiary_account_number="SB-00123456789012")], options=options
    )
    assert lines[1][143:153] == "3456789012"
    assert parse_lines(lines, options=options).ok


def test_stream_from_open_file_and_outcome_view(tmp_path):
    path = tmp_path / "resp.txt"
    path.write_bytes(write_ach(HEADER, DETAILS))
    with path.open(encoding="latin-1", newline="") as lines:
        stream = AchStream(lines, source="f", options=AchOptions(), view="outcome")
        outcomes = list(stream)
    assert stream.control is ControlCheck.PASSED
    assert [(o.ach_item_sequence_number, o.amount, o.reason_code) for o in outcomes] == [
        (1, Decimal("1234.50"), ""),
        (2, Decimal("0.01"), "04"),
        (3, Decimal("99999.99"), "01"),
        (4, Decimal("500.00"), ""),
    ]
    assert outcomes[2].umrn == "HDFC7000000000000003" and outcomes[1].reason.bounce


OUTCOMES = [
    (None, ""),
    (ResponseFlag.SUCCESS, ""),
    (ResponseFlag.PENDING, ""),
    (ResponseFlag.RETURNED, "04"),
    (ResponseFlag.INITIAL_REJECT, "21"),
    (ResponseFlag.RETURNED, "61"),
]
text = st.text(alphabet=string.ascii_uppercase + string.digits + " .-/", max_size=50)
ids = st.text(alphabet=string.ascii_uppercase + string.digits, max_size=11)


@st.composite
def ach_detail(draw) -> AchDetail:
    flag, reason = draw(st.sampled_from(OUTCOMES))
    return AchDetail(
        beneficiary_name=draw(text).strip()[:40].rstrip(),
        user_name_narration=draw(text).strip()[:20].rstrip(),
        amount_paise=draw(st.integers(0, 10**11)),
        flag=flag,
        reason_code=reason,
        destination_bank_ifsc=draw(ids),
        beneficiary_account_number=draw(ids),
        umrn=draw(ids),
        transaction_reference=draw(text)[:30].rstrip(),
    )


details_strategy = st.lists(ach_detail(), max_size=20).map(
    lambda ds: [d._replace(ach_item_sequence_number=i) for i, d in enumerate(ds, 1)]
)


@settings(max_examples=60, deadline=None)
@given(details_strategy)
def test_property_round_trip(details):
    result = parse_ach(write_ach(HEADER, details), source="prop")
    assert result.errors == ()
    assert list(result.records) == details
    assert result.header.total_amount == sum((d.amount for d in details), Decimal("0.00"))
