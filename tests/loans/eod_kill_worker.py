"""A worker process for the end-of-day SIGKILL test: closes one partition, then hangs.

Run as ``python -m tests.loans.eod_kill_worker URL RUN_ID MARKER``. The partition's
loans are closed and marked done in the open transaction; it writes MARKER and sleeps
before committing, waiting to be killed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from hub.platform.eod.runner import work_partition


def main() -> None:
    url, run_id, marker = sys.argv[1:4]
    factory = sessionmaker(create_engine(url), expire_on_commit=False)

    def hang(session) -> None:
        session.flush()
        Path(marker).write_text("closed, not committed")
        time.sleep(120)

    work_partition(factory, int(run_id), "victim", before_commit=hang)


if __name__ == "__main__":
    main()
