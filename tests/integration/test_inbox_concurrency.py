"""Several workers, real commits: each item is claimed by one worker; a worker killed
with SIGKILL mid-apply loses nothing and applies nothing twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from hub.integration.inbox import service as inbox
from hub.integration.inbox.service import InboxWorker
from lms_core.integration.enums import Channel, InboxStatus
from lms_core.persistence.integration import counterpart_repository, inbox_repository
from tests.integration.helpers import DOC, KIND, registry_with_utr, utr_csv, utr_line
from tests.support.clock import T0, FakeClock

ROOT = Path(__file__).resolve().parents[2]


def _files(committed, count: int, per_file: int = 3) -> list[int]:
    ids = []
    with committed.factory() as s:
        feed = counterpart_repository.create(
            s, committed.tenant_id, "feed", KIND, "sftp_pickup", {}, None
        )
        for f in range(count):
            lines = [utr_line(f * per_file + n) for n in range(per_file)]
            got = inbox.receive(
                s,
                tenant_id=committed.tenant_id,
                channel=Channel.FILE,
                source="feed",
                counterpart_id=feed.id,
                document_kind=DOC,
                data=utr_csv(*lines),
                filename=f"f{f}.csv",
                now=T0,
                enqueue=False,
            )
            ids.append(got.item_id)
        s.commit()
    return ids


def test_four_workers_share_the_items_and_apply_each_once(committed):
    ids = _files(committed, 24)
    clock = FakeClock()
    done: list[int] = []
    failures: list[BaseException] = []

    def run(name: str) -> None:
        try:
            worker = InboxWorker(committed.factory, name, clock, handlers=registry_with_utr())
            done.append(worker.run_pending(tenant_id=committed.tenant_id))
        except BaseException as exc:  # reported by the assertion below, with its cause
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(f"w{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert sum(done) == 24, f"per worker: {done}"
    with committed.factory() as s:
        items = [inbox_repository.get(s, committed.tenant_id, i) for i in ids]
        assert {(i.status, i.attempts) for i in items} == {(InboxStatus.APPLIED, 1)}
        assert inbox_repository.count_staged(s, committed.tenant_id, DOC) == 72


def test_a_worker_killed_mid_apply_is_replaced_and_nothing_is_applied_twice(committed, tmp_path):
    [item_id] = _files(committed, 1, per_file=5)
    marker = tmp_path / "applied"
    victim = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.integration.kill_worker",
            committed.url,
            str(item_id),
            str(marker),
            T0.isoformat(),
        ],
        cwd=ROOT,
    )
    deadline = time.monotonic() + 30
    while not marker.exists():
        assert victim.poll() is None and time.monotonic() < deadline, "victim never applied"
        time.sleep(0.05)
    assert marker.read_text() == "5"  # five records inserted, not yet committed
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=10)

    with committed.factory() as s:
        item = inbox_repository.get(s, committed.tenant_id, item_id)
        assert (item.status, item.lease_owner, item.attempts) == ("processing", "victim", 1)
        assert inbox_repository.count_staged(s, committed.tenant_id, DOC) == 0

    clock = FakeClock()
    rescuer = InboxWorker(committed.factory, "rescuer", clock, handlers=registry_with_utr())
    assert rescuer.run_pending(tenant_id=committed.tenant_id) == 0  # lease still running
    clock.advance(minutes=11)
    assert rescuer.run_pending(tenant_id=committed.tenant_id) == 1
    with committed.factory() as s:
        item = inbox_repository.get(s, committed.tenant_id, item_id)
        assert (item.status, item.attempts, item.counts["applied"]) == ("applied", 2, 5)
        assert inbox_repository.count_staged(s, committed.tenant_id, DOC) == 5
