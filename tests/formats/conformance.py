"""The conformance suite every format gets from one factory call.

    TestConformance = conformance_suite(NachAchFormat(), sample=sample_file)

``sample`` returns ``(header, records)`` a writable format writes and parses back; for a
parse-only format give ``sample_bytes`` (a valid file) instead. The suite checks:
registration by slug, round trip, determinism, that garbage and empty input come back as
error values (never exceptions) naming a line and a field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from formats.base import FILE_LEVEL, Format, ParseResult, RecordError, WritableFormat, get_format

GARBAGE: tuple[bytes, ...] = (
    b"\x00\xff\xfe garbage \x80\x81",
    b"<<<>>>",
    b"A" * 306,
    b"\n\n\n",
    bytes(range(256)) * 3,
    b"<?xml version='1.0'?><x",
    b":20:ONLY-A-TAG",
)


def _assert_error_values(result: ParseResult, source: str) -> None:
    assert result.errors, "bad input must produce at least one error"
    for error in result.errors:
        assert isinstance(error, RecordError)
        assert error.source == source
        assert isinstance(error.line, int) and error.line >= FILE_LEVEL
        assert error.field and error.message


def conformance_suite(
    fmt: Format,
    *,
    sample: Callable[[], tuple[Any, list[Any]]] | None = None,
    sample_bytes: bytes | None = None,
) -> type:
    """Return a pytest class checking ``fmt`` against the shared contract."""

    def sample_file() -> bytes:
        if sample_bytes is not None:
            return sample_bytes
        assert isinstance(fmt, WritableFormat) and sample is not None
        header, records = sample()
        return fmt.write(records, header=header)

    class Conformance:
        def test_registered_by_slug(self) -> None:
            assert type(get_format(fmt.slug)) is type(fmt)
            assert fmt.media_type

        def test_valid_sample_parses_clean(self) -> None:
            result = fmt.parse(sample_file(), source="sample")
            assert result.ok, result.errors
            assert result.records

        def test_round_trip(self) -> None:
            if sample is None:
                return
            header, records = sample()
            result = fmt.parse(sample_file(), source="rt")
            assert result.errors == ()
            assert list(result.records) == list(records)
            if header is not None:
                assert result.header is not None

        def test_deterministic(self) -> None:
            assert sample_file() == sample_file()
            first = fmt.parse(sample_file(), source="d")
            assert first == fmt.parse(sample_file(), source="d")

        def test_garbage_returns_errors_not_exceptions(self) -> None:
            for data in GARBAGE:
                result = fmt.parse(data, source="garbage")
                assert isinstance(result, ParseResult)
                _assert_error_values(result, "garbage")
                assert not result.ok

        def test_empty_input_is_an_error_value(self) -> None:
            result = fmt.parse(b"", source="empty")
            assert result.records == ()
            _assert_error_values(result, "empty")

        def test_truncated_sample_does_not_raise(self) -> None:
            data = sample_file()
            for cut in (1, len(data) // 3, len(data) // 2, len(data) - 2):
                result = fmt.parse(data[:cut], source="cut")
                assert isinstance(result, ParseResult)

    Conformance.__name__ = f"Conformance_{fmt.slug}"
    return Conformance
