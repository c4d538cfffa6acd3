"""Benchmark: map a generated 1,000,000-line, 8-column CSV to canonical records.

Two mappings are timed on the same file:

* ``hdfc``: the shipped HDFC escrow statement mapping (two dates, three amounts with
  thousands separators, regex validation): the realistic case.
* ``plain``: the same 8 columns, ``strip`` only: the engine's own overhead.

Run: ``.venv/bin/python bench/bench_mapping.py [lines]``. Prints records/s for each.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mappings import apply_mapping, load_mapping, mapping_path  # noqa: E402
from mappings.engine import MappedRecord  # noqa: E402

HEADER = (
    "Date,Narration,Chq./Ref.No.,Value Dt,Withdrawal Amt.,Deposit Amt.,"
    "Closing Balance,Remitter A/c\n"
)


def generate(path: Path, lines: int, seed: int = 7) -> None:
    """Write an HDFC-layout statement with ``lines`` transaction lines."""
    rng = random.Random(seed)
    start = date(2024, 4, 1)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(HEADER)
        for n in range(lines):
            day = (start + timedelta(days=n * 365 // lines)).strftime("%d/%m/%Y")
            paise = rng.randrange(100, 10_000_000)
            amount = f'"{paise // 100:,}.{paise % 100:02d}"'
            credit, debit = (amount, "") if n % 4 else ("", amount)
            utr = f"HDFCN24{n % 366:03d}{n:06d}"[:16]
            fh.write(
                f"{day},NEFT CR-{utr}-ACME TRADERS PVT LTD,{utr},{day},{debit},{credit},"
                f'"12,34,567.89",5010{n:08d}\n'
            )


def plain_mapping() -> dict:
    columns = HEADER.strip().split(",")
    names = [
        "txn_date",
        "narration",
        "reference",
        "value_date",
        "debit",
        "credit",
        "balance",
        "remitter_account",
    ]
    fields = {
        n: {"source": c, "transforms": ["strip"]} for n, c in zip(names, columns, strict=True)
    }
    return {"name": "bench.plain", "version": 1, "format": "csv", "fields": fields}


def run(label: str, mapping, path: Path) -> float:
    started = time.perf_counter()
    good = bad = 0
    with path.open("rb") as fh:
        for item in apply_mapping(mapping, fh):
            if isinstance(item, MappedRecord):
                good += 1
            else:
                bad += 1
    elapsed = time.perf_counter() - started
    rate = good / elapsed
    print(f"{label:6s} {good:,} records, {bad} errors in {elapsed:.2f} s: {rate:,.0f} records/s")
    return rate


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "statement.csv"
        generate(path, lines)
        print(f"generated {lines:,} lines, {path.stat().st_size / 1e6:.1f} MB")
        run("hdfc", load_mapping(mapping_path("escrow_bank_hdfc", "statement_csv")), path)
        run("plain", load_mapping(plain_mapping()), path)


if __name__ == "__main__":
    main()
