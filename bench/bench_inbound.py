"""Benchmark: a 1,000,000-line UTR-feed CSV through inbox -> parse -> map -> staged.

Steps timed: ``receive`` (checksum + raw bytes into the inbox, one transaction) and
``process`` (claim, decode, map every line with mappings/utr_feed/default.yaml, COPY into
the staging table, control totals, one INSERT ... ON CONFLICT into inbound_record, commit).
Runs on a throwaway database ``sangam_bench_hub`` on the test PostgreSQL server.

Run: ``.venv/bin/python bench/bench_inbound.py [lines]``. Prints records/s.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from hub.integration.inbox import service as inbox  # noqa: E402
from hub.integration.inbox.service import InboxWorker  # noqa: E402
from lms_core.integration.enums import Channel  # noqa: E402
from lms_core.persistence.integration import counterpart_repository  # noqa: E402
from lms_core.persistence.platform import tenant_repository  # noqa: E402
from tests.integration.helpers import DOC, KIND, UTR_HEADER, registry_with_utr  # noqa: E402
from tests.support.db import fresh_database  # noqa: E402

NOW = datetime(2024, 4, 5, 10, 0, tzinfo=UTC)


def generate(lines: int) -> tuple[bytes, str]:
    """Return the CSV bytes and the amount total the trailer would declare (paise exact)."""
    rows, paise_total = [UTR_HEADER], 0
    for n in range(lines):
        paise = 10_000 + (n * 7919) % 9_000_000
        paise_total += paise
        rows.append(
            f"UTRN{n:012d},{paise // 100}.{paise % 100:02d},05-04-2024,Asha Traders,"
            f"501000{n % 10000:04d},SANGAMVA{n % 100000:05d},SUCCESS"
        )
    return ("\n".join(rows) + "\n").encode(), f"{paise_total // 100}.{paise_total % 100:02d}"


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    data, total = generate(lines)
    print(f"generated {lines:,} lines, {len(data) / 1e6:.1f} MB")
    engine = create_engine(fresh_database("sangam_bench_hub"))
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as s:
        tenant = tenant_repository.create_tenant(s, "bench", "Bench", date(2024, 4, 5))
        feed = counterpart_repository.create(s, tenant.id, "utr", KIND, "sftp_pickup", {}, None)
        s.commit()
    started = time.perf_counter()
    with factory() as s:
        got = inbox.receive(
            s,
            tenant_id=tenant.id,
            channel=Channel.FILE,
            source="utr",
            counterpart_id=feed.id,
            document_kind=DOC,
            data=data,
            filename="utr.csv",
            now=NOW,
            declared={"record_count": lines, "amount_total": total},
        )
        s.commit()
    received = time.perf_counter()
    worker = InboxWorker(factory, "bench", lambda: NOW, handlers=registry_with_utr())
    status = worker.run_item(got.item_id)
    done = time.perf_counter()
    elapsed = done - started
    print(f"receive  {received - started:6.2f} s")
    print(f"process  {done - received:6.2f} s  (status {status})")
    print(f"inbound: {lines:,} records in {elapsed:.2f} s: {lines / elapsed:,.0f} records/s")
    engine.dispose()


if __name__ == "__main__":
    main()
