"""End-of-day runs with real commits: fan-out over workers, a killed worker, failures,
re-runs, and floating-rate resets."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from hub.platform.db.engine import make_engine
from hub.platform.eod import runner as eod
from hub.platform.eod.steps import run_partition_steps
from lms_core.persistence.loans import loan_repository
from lms_core.persistence.loans.models import Loan, LoanEvent
from lms_core.persistence.platform import eod_repository, tenant_repository
from lms_core.persistence.platform.models import LedgerPosting
from tests.conftest import unique_db_name
from tests.loans.eod_helpers import snapshot
from tests.support.db import drop_database, fresh_database
from tests.support.factories import make_tenant
from tests.support.loans import PERSONAL_LOAN, balance, make_loan, make_product

FLOATING = {
    **PERSONAL_LOAN,
    "rate_type": "floating",
    "benchmark": "EBLR",
    "spread": "2.5",
    "reset_months": 3,
}


@pytest.fixture
def committed():
    name = unique_db_name("eod")
    url = fresh_database(name)
    engine = make_engine(url, 4)
    yield url, sessionmaker(engine, expire_on_commit=False)
    engine.dispose()
    drop_database(name)


def _portfolio(factory, count: int = 6) -> tuple[int, list[int]]:
    with factory() as s:
        tenant = make_tenant(s)
        make_product(s, tenant)
        ids = [
            make_loan(s, tenant, principal=str(50000 + 10000 * n), tenure=6 + n).id
            for n in range(count)
        ]
        s.commit()
        return tenant.id, ids


def _snap(factory, tenant_id: int, ids: list[int]) -> dict:
    with factory() as s:
        return snapshot(s, tenant_repository.by_id(s, tenant_id), ids)


def _two_workers(factory, tenant_id: int) -> None:
    with factory() as s:
        run = eod.start_run(s, tenant_id, partition_size=2)
        run_id = run.id
        s.commit()
    threads = [threading.Thread(target=eod.work, args=(factory, run_id)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)


def test_two_workers_over_partitions_end_like_one(committed):
    """Six loans, 1 Jan .. 4 Feb 2024 (a due date inside): one tenant closes each day in
    one partition in-process, the other in three partitions shared by two workers."""
    _, factory = committed
    one, one_ids = _portfolio(factory)
    two, two_ids = _portfolio(factory)
    for _ in range(35):
        eod.run_eod(factory, one, partition_size=100)
        _two_workers(factory, two)
    assert _snap(factory, one, one_ids) == _snap(factory, two, two_ids)
    with factory() as s:
        assert tenant_repository.business_date(s, two) == date(2024, 2, 5)
        run = eod_repository.run_for(s, two, date(2024, 2, 4))
        assert (run.status, run.partitions, run.loans) == ("finished", 3, 6)
        # Installment 1 of the first loan (50000 at 12 % over 6 months) billed 1 Feb:
        # interest 50000 x 1 % = 500.00, unpaid, so DPD 4 at the day-end of 4 Feb.
        loan = s.get(Loan, two_ids[0])
        assert (loan.dpd, loan.asset_class) == (4, "sma0")
        assert balance(s, tenant_repository.by_id(s, two), "INTEREST_DUE", loan.id) == Decimal(
            "500.00"
        )


def test_rerunning_a_closed_date_changes_nothing(committed):
    _, factory = committed
    tenant_id, ids = _portfolio(factory, 3)
    for _ in range(3):
        eod.run_eod(factory, tenant_id)
    with factory() as s:
        before = s.scalar(select(func.count()).select_from(LedgerPosting))
        outcome = run_partition_steps(s, tenant_id, ids, date(2024, 1, 3))
        s.commit()
        after = s.scalar(select(func.count()).select_from(LedgerPosting))
    assert (outcome.closed, before) == (0, after)


def test_a_killed_worker_partition_is_retaken_and_closed_once(committed, tmp_path):
    url, factory = committed
    tenant_id, ids = _portfolio(factory, 4)
    eod.run_eod(factory, tenant_id)  # 1 Jan, the disbursement day: nothing accrues yet
    with factory() as s:
        run_id = eod.start_run(s, tenant_id, partition_size=2).id
        s.commit()
    marker = tmp_path / "marker"
    victim = subprocess.Popen(
        [sys.executable, "-m", "tests.loans.eod_kill_worker", url, str(run_id), str(marker)],
        cwd=os.getcwd(),
    )
    deadline = time.monotonic() + 90
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert marker.exists(), "the victim never closed its partition"
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=30)
    with factory() as s:
        assert [p.status for p in eod_repository.partitions_of(s, run_id)] == ["pending"] * 2
    assert eod.work(factory, run_id) == 2
    with factory() as s:
        run = eod_repository.run_by_id(s, run_id)
        assert run.status == "finished"
        assert tenant_repository.business_date(s, tenant_id) == date(2024, 1, 3)
        # One accrual pair per loan for 2 Jan: the victim's uncommitted work left no trace.
        eod_postings = s.scalar(
            select(func.count())
            .select_from(LedgerPosting)
            .where(LedgerPosting.loan_id.in_(ids), LedgerPosting.business_date == date(2024, 1, 2))
        )
        assert eod_postings == 2 * len(ids)
        assert all(p.worker != "victim" for p in eod_repository.partitions_of(s, run_id))


def test_floating_reset_fails_visibly_without_a_rate_then_applies(committed):
    """100000 at EBLR 6.5 + 2.5 = 9 %, 12 monthly installments from 1 Jan 2024, resets
    every 3 months. Installments 1-3 at 9 % (EMI 8745.15); balance after the third
    75834.21. The 1 Apr day-end fails while no EBLR rate is in force; once EBLR 7.5
    is published effective 15 Mar, the re-run resets to 10 %:
    EMI = 75834.21 x r(1+r)^9 / ((1+r)^9 - 1) with r = 10/1200, = 8780.99;
    installment 4: interest 75834.21 x 10/1200 = 631.95, principal 8780.99 - 631.95
    = 8149.04."""
    _, factory = committed
    with factory() as s:
        tenant = make_tenant(s)
        make_product(s, tenant, "FL", FLOATING)
        loan_id = make_loan(s, tenant, rate="9", product="FL").id
        # Published late: not in force on the reset date, so the reset cannot apply.
        eod_repository.publish_rate(s, tenant.id, "EBLR", date(2024, 4, 2), Decimal("7.5"))
        s.commit()
        tenant_id = tenant.id
    for _ in range(91):  # 1 Jan .. 31 Mar
        eod.run_eod(factory, tenant_id)
    with pytest.raises(eod.EodFailed, match="no EBLR rate published"):
        eod.run_eod(factory, tenant_id)
    with factory() as s:
        run = eod_repository.run_for(s, tenant_id, date(2024, 4, 1))
        status = eod.run_status(s, run)
        assert status["status"] == "failed"
        assert status["failed"][0]["loan_id"] == loan_id
        assert tenant_repository.business_date(s, tenant_id) == date(2024, 4, 1)
        eod_repository.publish_rate(s, tenant_id, "EBLR", date(2024, 3, 15), Decimal("7.5"))
        s.commit()
    eod.run_eod(factory, tenant_id)  # the failed run re-opens for the loan still behind
    with factory() as s:
        loan = s.get(Loan, loan_id)
        assert (loan.annual_rate, loan.schedule_version) == (Decimal("10"), 2)
        lines = loan_repository.schedule_rows(s, loan_id, 2)
        assert (lines[3].interest, lines[3].principal, lines[3].total) == (
            Decimal("631.95"),
            Decimal("8149.04"),
            Decimal("8780.99"),
        )
        assert [ln.total for ln in lines[:3]] == [Decimal("8745.15")] * 3
        event = s.scalar(
            select(LoanEvent).where(LoanEvent.loan_id == loan_id, LoanEvent.kind == "rate_reset")
        )
        assert Decimal(event.detail["to"]) == Decimal("10")
        assert event.business_date == date(2024, 4, 1)
    for _ in range(30):  # through 1 May: installment 4 billed at the new rate
        eod.run_eod(factory, tenant_id)
    with factory() as s:
        t = tenant_repository.by_id(s, tenant_id)
        # billed interest, none paid: 750.00 + 690.04 + 629.62 + 631.95
        assert balance(s, t, "INTEREST_DUE", loan_id) == Decimal("2701.61")
