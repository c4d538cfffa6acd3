"""A worker process for the SIGKILL test: claims one item, stages it, then hangs.

Run as ``python -m tests.integration.kill_worker URL ITEM_ID MARKER NOW_ISO``. After the records
are inserted (not committed) it writes MARKER and sleeps, waiting to be killed.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from hub.integration.inbox.handlers import HandlerRegistry
from hub.integration.inbox.service import InboxWorker
from tests.integration.helpers import DOC, KIND, utr_handler


class HangAfterApply:
    def __init__(self, marker: Path) -> None:
        self.inner = utr_handler()
        self.marker = marker

    def handle(self, session, ctx, data):
        result = self.inner.handle(session, ctx, data)
        session.flush()
        self.marker.write_text(str(result.applied))
        time.sleep(120)
        return result


def main() -> None:
    url, item_id, marker, now = sys.argv[1:5]
    factory = sessionmaker(create_engine(url), expire_on_commit=False)
    registry = HandlerRegistry()
    registry.register(KIND, DOC, HangAfterApply(Path(marker)))
    at = datetime.fromisoformat(now)
    InboxWorker(factory, "victim", lambda: at, handlers=registry).run_item(int(item_id))


if __name__ == "__main__":
    main()
