"""The format base: registry by slug, error values, result semantics."""

from __future__ import annotations

import pytest

from formats import ENTRY_POINT_GROUP, ControlCheck, ParseResult, RecordError, get_format, registry
from formats.iso20022.camt import CamtFormat
from formats.nach.ach import NachAchFormat
from formats.nach.emandate import EMandateFormat
from formats.swift.mt940 import Mt940Format


def test_builtin_formats_by_slug():
    assert registry.slugs() == ("camt", "emandate", "mt940", "nach_ach")
    expected = {"camt": CamtFormat, "emandate": EMandateFormat, "mt940": Mt940Format,
                "nach_ach": NachAchFormat}  # fmt: skip
    for slug, cls in expected.items():
        assert type(get_format(slug)) is cls
    assert ENTRY_POINT_GROUP == "sangam.formats"


def test_unknown_slug_raises_key_error():
    with pytest.raises(KeyError, match="no format registered under 'tudf'"):
        get_format("tudf")


def test_error_value_reads_as_a_sentence():
    assert str(RecordError("ach.txt", 3, "amount", "not a number")) == (
        "ach.txt: line 3: amount: not a number"
    )
    assert str(RecordError("ach.txt", 0, "total_items", "header 4 != details 3")) == (
        "ach.txt: file: total_items: header 4 != details 3"
    )


def test_result_ok_needs_no_errors_and_no_failed_control():
    error = RecordError("s", 1, "f", "m")
    assert ParseResult(None, ()).ok
    assert not ParseResult(None, (), (error,)).ok
    assert not ParseResult(None, (), (), ControlCheck.FAILED).ok
