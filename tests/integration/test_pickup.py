"""Scheduled file pickup from a real SFTP sandbox into the inbox: lossless and once.

The sandbox is the bank's server; our pickup reads its ``/outbox`` (what the bank has
for us). Each test asserts what reached the inbox and where the file ended up remotely.
"""

from __future__ import annotations

import pytest

from connectors.sdk.sandbox.sftp_server import SandboxUser, SftpSandbox
from hub.integration import counterparts as cp
from hub.integration.inbox.pickup import document_kind_for, poll
from hub.platform.errors import Conflict, NotFound
from lms_core.persistence.integration import inbox_repository

PASSWORD = "pickup-pw"


@pytest.fixture
def bank_sftp(tmp_path):
    with SftpSandbox(tmp_path / "sftp", [SandboxUser("bank", password=PASSWORD)]) as server:
        yield server


@pytest.fixture
def bank(db, tenant, cipher, bank_sftp):
    config = {
        "host": "127.0.0.1",
        "port": bank_sftp.port,
        "username": "bank",
        "host_key_fingerprint": bank_sftp.host_key_fingerprint,
        "inbox_dir": "/outbox",  # the bank's outbox is what we pick up
        "document_kinds": {"ACH-RES-*": "ach_response", "*.sta": "mt940"},
        "poll_cron": "*/5 * * * *",
    }
    return cp.register(
        db,
        cipher,
        tenant.id,
        "sponsor_bank",
        kind="sponsor_bank",
        connector="sftp_pickup",
        config=config,
        secrets={"password": PASSWORD},
    )


def _put(server: SftpSandbox, name: str, data: bytes, marker: bool = True) -> None:
    folder = server.user_dir("bank") / "outbox"
    (folder / name).write_bytes(data)
    if marker:
        (folder / f"{name}.done").write_bytes(b"")


def test_ready_files_land_in_the_inbox_and_move_to_processed(
    db, tenant, cipher, factory, clock, bank, bank_sftp
) -> None:
    _put(bank_sftp, "ACH-RES-20240401.txt", b"H" * 306)
    _put(bank_sftp, "escrow-0401.sta", b":20:STMT\n")
    _put(bank_sftp, "half-written.sta", b":20:PART", marker=False)

    result = poll(factory, cipher, tenant.id, "sponsor_bank", clock)

    assert len(result.received) == 2 and result.duplicates == [] and result.errors == []
    items = [inbox_repository.get(db, tenant.id, i) for i in result.received]
    assert {(i.filename, i.document_kind, i.size) for i in items} == {
        ("ACH-RES-20240401.txt", "ach_response", 306),
        ("escrow-0401.sta", "mt940", 9),
    }
    remote = bank_sftp.user_dir("bank")
    assert sorted(p.name for p in (remote / "outbox").iterdir()) == [
        "half-written.sta"  # no done marker: not complete, not taken
    ]
    assert len(list((remote / "processed").iterdir())) == 2


def test_a_file_seen_again_after_a_crash_before_the_move_is_a_duplicate(
    db, tenant, cipher, factory, clock, bank, bank_sftp
) -> None:
    _put(bank_sftp, "ACH-RES-20240402.txt", b"H" * 306)
    first = poll(factory, cipher, tenant.id, "sponsor_bank", clock)
    # The bank (or our crash before the move) puts the very same file back.
    _put(bank_sftp, "ACH-RES-20240402.txt", b"H" * 306)

    again = poll(factory, cipher, tenant.id, "sponsor_bank", clock)

    assert again.received == [] and again.duplicates == first.received


def test_a_dropped_connection_leaves_the_file_for_the_next_poll(
    db, tenant, cipher, factory, clock, bank, bank_sftp
) -> None:
    _put(bank_sftp, "big.sta", b"X" * 200_000)
    bank_sftp.drop_after_bytes(10)  # one-shot: the resumable download retries through it

    result = poll(factory, cipher, tenant.id, "sponsor_bank", clock)

    assert len(result.received) == 1
    assert inbox_repository.get(db, tenant.id, result.received[0]).size == 200_000


def test_unknown_disabled_and_wrong_kind_counterparts_are_refused(
    db, tenant, cipher, factory, clock, bank
) -> None:
    with pytest.raises(NotFound, match="no counterpart 'nobody'"):
        poll(factory, cipher, tenant.id, "nobody", clock)
    cp.set_enabled(db, bank, False, "bank maintenance")
    with pytest.raises(Conflict, match="disabled: bank maintenance"):
        poll(factory, cipher, tenant.id, "sponsor_bank", clock)


def test_document_kind_rules() -> None:
    config = {"document_kinds": {"ACH-RES-*": "ach_response"}, "document_kind": "statement"}
    assert document_kind_for(config, "ACH-RES-1.txt") == "ach_response"
    assert document_kind_for(config, "other.csv") == "statement"
    assert document_kind_for({}, "other.csv") == "file"
