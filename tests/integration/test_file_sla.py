"""Expected-file SLAs and scheduled pickups from counterpart config.

Times: 2024-04-01 is a Monday. India is UTC+05:30, so 06:01 UTC is 11:31 IST.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from hub.integration import counterparts as cp
from hub.integration.inbox import service as inbox
from hub.integration.inbox.sla import ExpectedFile, check_all, overdue, parse_expected
from hub.platform.errors import Unprocessable
from lms_core.integration.enums import Channel
from lms_core.persistence.integration import alert_repository
from lms_core.persistence.platform import audit_repository
from schedules.counterparts import counterpart_jobs
from tests.support.factories import auth_header

MONDAY_1131_IST = datetime(2024, 4, 1, 6, 1, tzinfo=UTC)
MONDAY_1129_IST = datetime(2024, 4, 1, 5, 59, tzinfo=UTC)
ACH = {"name": "ach_response", "pattern": "ACH-RES-*", "cutoff": "11:30", "weekdays": [0, 1]}
SFTP = {"host": "127.0.0.1", "username": "bank", "host_key_fingerprint": "SHA256:x"}


@pytest.fixture
def bank(db, tenant, cipher):
    config = {**SFTP, "expected_files": [ACH], "poll_cron": "*/10 * * * *"}
    return cp.register(
        db, cipher, tenant.id, "sponsor_bank", kind="sponsor_bank", connector="sftp_pickup",
        config=config, secrets={"password": "pw"},
    )  # fmt: skip


def _arrive(db, tenant, bank, name: str, at: datetime) -> None:
    inbox.receive(
        db, tenant_id=tenant.id, channel=Channel.FILE, source=bank.code, document_kind="ach",
        data=name.encode(), now=at, counterpart_id=bank.id, filename=name, enqueue=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("names", "local", "late"),
    [
        ([], datetime(2024, 4, 1, 11, 31), True),  # Monday after cut-off, nothing came
        ([], datetime(2024, 4, 1, 11, 29), False),  # before the cut-off
        (["ACH-RES-0401.txt"], datetime(2024, 4, 1, 11, 31), False),
        (["other.txt"], datetime(2024, 4, 1, 11, 31), True),  # wrong file does not count
        ([], datetime(2024, 4, 3, 12, 0), False),  # Wednesday is not an expected day
    ],
)
def test_overdue(names, local, late) -> None:
    expected = ExpectedFile("ach_response", "ACH-RES-*", time(11, 30), (0, 1))
    assert overdue(expected, names, local) is late


def test_bad_entries_are_named() -> None:
    with pytest.raises(Unprocessable) as caught:
        parse_expected("bank", [ACH, {"name": "x", "pattern": "*"}, {**ACH, "weekdays": [9]}])
    fields = [p.field for p in caught.value.problems]
    assert fields == ["bank.expected_files[1]", "bank.expected_files[2]"]


def test_a_missing_file_raises_one_alert_and_a_late_arrival_resolves_it(db, tenant, bank) -> None:
    assert check_all(db, MONDAY_1129_IST) == []
    raised = check_all(db, MONDAY_1131_IST)
    assert raised == ["file_sla:sponsor_bank:ach_response:2024-04-01"]
    assert check_all(db, MONDAY_1131_IST) == []  # checked again: still one alert

    _arrive(db, tenant, bank, "ACH-RES-0401.txt", datetime(2024, 4, 1, 7, 0, tzinfo=UTC))
    check_all(db, datetime(2024, 4, 1, 7, 5, tzinfo=UTC))

    (alert,) = alert_repository.listing(db, tenant.id, open_only=False)
    assert alert.subject == "sponsor_bank: ach_response not received"
    assert "by the 11:30 cut-off on 2024-04-01" in alert.detail
    assert alert.resolution == "arrived by 12:35"  # 07:05 UTC is 12:35 IST
    assert alert_repository.listing(db, tenant.id, open_only=True) == []


def test_a_file_from_yesterday_does_not_count_for_today(db, tenant, bank) -> None:
    _arrive(db, tenant, bank, "ACH-RES-0331.txt", datetime(2024, 3, 31, 12, 0, tzinfo=UTC))
    assert check_all(db, MONDAY_1131_IST) == ["file_sla:sponsor_bank:ach_response:2024-04-01"]


def test_poll_cron_makes_a_pickup_job_per_counterpart(db, tenant, bank, cipher) -> None:
    cp.register(
        db, cipher, tenant.id, "quiet_bank", kind="sponsor_bank", connector="sftp_pickup",
        config=SFTP, secrets={"password": "pw"},
    )  # fmt: skip
    jobs = [j for j in counterpart_jobs(db) if j.tenant == tenant.code]
    assert [(j.job_key, j.task, j.cron) for j in jobs] == [
        (f"file_pickup:{tenant.code}:sponsor_bank", "sangam:file_pickup", "*/10 * * * *")
    ]
    cp.set_enabled(db, bank, False, "maintenance")
    assert [j for j in counterpart_jobs(db) if j.tenant == tenant.code] == []


def test_alerts_api_lists_and_acknowledges_with_audit(db, tenant, admin, client, bank) -> None:
    check_all(db, MONDAY_1131_IST)
    headers = auth_header(admin, tenant)
    (alert,) = client.get("/api/v1/hub/alerts", headers=headers).json()
    assert alert["key"] == "file_sla:sponsor_bank:ach_response:2024-04-01"

    done = client.post(f"/api/v1/hub/alerts/{alert['id']}/acknowledge", headers=headers)
    assert done.status_code == 200 and done.json()["acknowledged_by"] == admin.username
    assert client.post("/api/v1/hub/alerts/999999/acknowledge", headers=headers).status_code == 404
    actions = [
        row.action for row in audit_repository.entries(db, tenant.id, entity_type="hub_alert")
    ]
    assert "alert.acknowledge" in actions


def test_pickup_now_enqueues_the_job_and_refuses_non_pickup_counterparts(
    db, tenant, admin, client, bank, cipher
) -> None:
    cp.register(
        db, cipher, tenant.id, "partner_drop", kind="partner_bank", connector="sftp_drop",
        config=SFTP, secrets={"password": "pw"},
    )  # fmt: skip
    headers = auth_header(admin, tenant)
    taken = client.post("/api/v1/hub/counterparts/sponsor_bank/pickup", headers=headers)
    assert taken.status_code == 202 and taken.json()["job_id"] > 0
    refused = client.post("/api/v1/hub/counterparts/partner_drop/pickup", headers=headers)
    assert refused.status_code == 409
    assert "does not pick files up (sftp_drop)" in refused.json()["detail"]
