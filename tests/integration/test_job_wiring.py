"""A job worker can do everything it is asked to: every scheduled task exists, every
inbox document a counterpart sends has a handler, and counterpart schedules are data."""

from __future__ import annotations

import hub.platform.jobs
from hub.integration import counterparts as cp
from hub.integration.inbox.handlers import load_handlers
from hub.platform import registry
from schedules.counterparts import COUNTERPART_TASKS, counterpart_jobs
from schedules.definitions import SCHEDULE

SFTP = {"host": "127.0.0.1", "username": "bank", "host_key_fingerprint": "SHA256:x"}


def _task_names() -> set[str]:
    registry.load_tasks()  # what a worker (and `make_app`) does before it runs
    return {f"sangam:{name}" for name in hub.platform.jobs.blueprint.tasks}


def test_every_scheduled_task_is_registered_on_the_blueprint() -> None:
    wanted = {job.task for job in SCHEDULE} | {f"sangam:{t}" for t in COUNTERPART_TASKS}
    assert wanted - _task_names() == set()


def test_every_document_a_counterpart_sends_has_a_handler() -> None:
    registry = load_handlers()
    for kind, document in [
        ("nach_sponsor_bank", "ach_response"),
        ("nach_sponsor_bank", "emandate_response"),
        ("escrow_bank", "mt940"),
        ("escrow_bank", "camt"),
        ("escrow_bank", "statement_csv"),
        ("utr_feed", "utr_csv"),
        ("upi_psp", "upi_event"),
        ("repayments_file", "payments_csv"),
    ]:
        assert registry.find(kind, document) is not None, (kind, document)


def test_job_crons_schedule_whitelisted_tasks_only(db, tenant, cipher) -> None:
    config = {
        **SFTP,
        "job_crons": {"nach_present": "30 7 * * 1-6", "rm_rf": "* * * * *"},
        "poll_cron": "*/5 * * * *",
    }
    cp.register(
        db, cipher, tenant.id, "hdfc_nach", kind="sponsor_bank", connector="sftp_pickup",
        config=config, secrets={"password": "pw"},
    )  # fmt: skip
    jobs = [j for j in counterpart_jobs(db) if j.tenant == tenant.code]
    assert sorted((j.task, j.cron, j.queue) for j in jobs) == [
        ("sangam:file_pickup", "*/5 * * * *", "inbox"),
        ("sangam:nach_present", "30 7 * * 1-6", "collections"),
    ]  # the unknown "rm_rf" is refused (logged), never scheduled
