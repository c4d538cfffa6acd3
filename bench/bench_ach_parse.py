"""Benchmark: parse + validate a 1,000,000-record NACH ACH response file.

Generates the file in a temporary directory (not timed), then times two paths:

- ``stream``: :class:`formats.nach.ach.AchStream` over the open file, counting details
  (how a connector should consume a large response file: constant memory), both with
  the full 18-field :class:`AchDetail` and the 6-field ``outcome`` view;
- ``parse``: :func:`formats.nach.ach.parse_ach` on the file's bytes, holding every
  record in one :class:`formats.base.ParseResult`.

Both include every validation (length, amount, flag / reason, duplicate sequence,
header control totals). Run: ``.venv/bin/python bench/bench_ach_parse.py [records]``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from formats.base import ControlCheck
from formats.nach.ach import AchDetail, AchHeader, AchOptions, AchStream, parse_ach, write_ach
from formats.nach.reasons import ResponseFlag


def _details(count: int) -> list[AchDetail]:
    outcomes = [(ResponseFlag.SUCCESS, ""), (ResponseFlag.RETURNED, "04")]
    return [
        AchDetail(
            amount_paise=100_000 + n % 9_000_000,
            ach_item_sequence_number=n,
            beneficiary_name=f"BORROWER {n}",
            beneficiary_account_number=f"{50_000_000_000 + n}",
            destination_bank_ifsc="HDFC0000001",
            transaction_reference=f"LN{n:010d}-EMI-07",
            umrn=f"HDFC{n:016d}",
            flag=outcomes[n % 2][0],
            reason_code=outcomes[n % 2][1],
        )
        for n in range(1, count + 1)
    ]


def generate(path: Path, count: int) -> None:
    """Write a ``count``-record response file to ``path``."""
    header = AchHeader(
        user_name="SANGAM FINANCE LTD",
        settlement_date=date(2026, 11, 23),
        user_number="NACH00000000012345",
        sponsor_bank_ifsc="HDFC0000001",
        user_bank_account_number="50200012345678",
    )
    path.write_bytes(write_ach(header, _details(count)))


def bench_stream(path: Path, view: str = "full") -> tuple[int, float]:
    start = time.perf_counter()
    with path.open(encoding="latin-1", newline="") as lines:
        stream = AchStream(lines, source=path.name, options=AchOptions(), view=view)
        count = sum(1 for _ in stream)
    elapsed = time.perf_counter() - start
    assert not stream.errors and stream.control is ControlCheck.PASSED, stream.errors[:3]
    return count, elapsed


def bench_parse(path: Path) -> tuple[int, float]:
    start = time.perf_counter()
    result = parse_ach(path.read_bytes(), source=path.name)
    elapsed = time.perf_counter() - start
    assert result.ok, result.errors[:3]
    return len(result.records), elapsed


def main(count: int = 1_000_000) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ach_response.txt"
        generate(path, count)
        print(f"file: {count:,} records, {path.stat().st_size / 1e6:.0f} MB")
        runs = {
            "stream, outcome view": lambda: bench_stream(path, "outcome"),
            "stream, full view": lambda: bench_stream(path, "full"),
            "parse_ach (all in memory)": lambda: bench_parse(path),
        }
        for name, run in runs.items():
            records, seconds = run()
            print(
                f"{name:>26}: {records:,} in {seconds:.2f} s = {records / seconds:,.0f} records/s"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
