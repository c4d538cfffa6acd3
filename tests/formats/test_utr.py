"""UTR / RRN extraction: the narrations banks write, and what each must yield."""

from __future__ import annotations

import pytest

from formats.utr import (
    DEFAULT_PATTERNS,
    Rail,
    UtrMatch,
    UtrPattern,
    extract_utr,
    extract_utr_from,
    patterns_for,
)

NARRATIONS = [
    # narration                                          utr                       rail
    ("NEFT CR-HDFCN26324123456-RAMESH KUMAR",            "HDFCN26324123456",       Rail.NEFT),
    ("neft cr-hdfcn26324123456-ramesh kumar",            "HDFCN26324123456",       Rail.NEFT),
    ("NEFT/SBIN N26001000001/X",                         None,                     None),
    ("NEFT-ICICN26366000042-ACME TRADERS PVT",           "ICICN26366000042",       Rail.NEFT),
    ("RTGS CR-SBINR52026112100000123-ACME TRADERS",      "SBINR52026112100000123", Rail.RTGS),
    ("RTGS-UTIBRC2026013112345678-BIG CORP",             "UTIBRC2026013112345678", Rail.RTGS),
    ("UPI/632512345678/EMI LN0001/SITA@OKAXIS",          "632512345678",           Rail.UPI),
    ("UPI-CR-632512345679-PAYTM",                        "632512345679",           Rail.UPI),
    ("IMPS/P2A/632512345670/RAMESH/HDFC",                "632512345670",           Rail.IMPS),
    ("IMPS-632512345671-MOBILE",                         "632512345671",           Rail.IMPS),
    ("BY TRANSFER 632512345672 RAMESH",                  "632512345672",           Rail.UNKNOWN),
    ("CASH DEPOSIT BRANCH 0042",                         None,                     None),
    ("ACCOUNT 1234567890123 CREDIT",                     None,                     None),
    ("NEFT CR-HDFCN26367123456-BAD DAY 367",             None,                     None),
    ("RTGS CR-SBINR52026130100000123-BAD MONTH",         None,                     None),
    ("REF HDFCN26324123456 RECEIVED",                    "HDFCN26324123456",       Rail.NEFT),
]  # fmt: skip


@pytest.mark.parametrize(("narration", "utr", "rail"), NARRATIONS)
def test_default_patterns(narration, utr, rail):
    found = extract_utr(narration)
    if utr is None:
        assert found is None
    else:
        assert (found.utr, found.rail) == (utr, rail)


def test_patterns_are_configuration_per_bank():
    axis = (
        UtrPattern.from_mapping(
            {"name": "axis_ref", "rail": "NEFT", "regex": r"REF:(?P<utr>\w{16})"}
        ),
    )
    configured = {"AXIS": axis}
    assert patterns_for("AXIS", configured) == axis
    assert patterns_for("HDFC", configured) == DEFAULT_PATTERNS
    assert extract_utr("REF:AXISN26324000001 ANY", axis) == UtrMatch(
        "AXISN26324000001", Rail.NEFT, "axis_ref"
    )
    assert extract_utr("NEFT CR-HDFCN26324123456-X", axis) is None


def test_bad_configuration_refused():
    with pytest.raises(ValueError, match="no \\(\\?P<utr>"):
        UtrPattern.from_mapping({"name": "x", "rail": "NEFT", "regex": r"\d{12}"})
    with pytest.raises(ValueError):
        UtrPattern.from_mapping({"name": "x", "rail": "SWIFT", "regex": r"(?P<utr>\d)"})


def test_first_field_with_a_reference_wins():
    found = extract_utr_from(["", "LN0001EMI07", "UPI/632512345678/EMI"])
    assert found == UtrMatch("632512345678", Rail.UPI, "upi_narration")
    assert extract_utr_from(["no reference here"]) is None
