"""SFTP pickup and drop against a real asyncssh server on loopback."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from pathlib import Path

import pytest
from pydantic import SecretStr

from connectors.sdk.sandbox.sftp_server import SftpSandbox
from connectors.sdk.transport.errors import FatalError, RetriableError
from connectors.sdk.transport.sftp import (
    AfterPickup,
    RemoteFile,
    SftpEndpoint,
    download,
    list_ready,
    mark_failed,
    mark_processed,
    safe_name,
    upload,
)

# why: after an injected drop, paramiko's prefetch thread may still be issuing reads on the
# dead channel and dies with "Socket is closed"; download() has already resumed by then.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")

STATEMENT = b"Date,Narration,Amount\n05/04/2024,NEFT CR-HDFCN24096123456-ACME,1250.00\n"


def inbox(sandbox: SftpSandbox) -> Path:
    return sandbox.user_dir("sponsor_bank") / "inbox"


def test_pickup_honours_done_marker(sandbox: SftpSandbox, endpoint: SftpEndpoint) -> None:
    (inbox(sandbox) / "stmt_0405.csv").write_bytes(STATEMENT)
    (inbox(sandbox) / "stmt_0405.csv.done").write_bytes(b"")
    (inbox(sandbox) / "stmt_0406.csv").write_bytes(b"Date,Narr")  # still being written

    ready = list_ready(endpoint)

    assert ready == [RemoteFile("stmt_0405.csv", len(STATEMENT), ready[0].mtime)]
    assert download(endpoint, ready[0]) == STATEMENT


def test_stable_size_check_skips_growing_file(sandbox: SftpSandbox, endpoint: SftpEndpoint) -> None:
    ep = replace(endpoint, done_marker_suffix=None)
    (inbox(sandbox) / "settled.csv").write_bytes(STATEMENT)
    growing = inbox(sandbox) / "growing.csv"
    growing.write_bytes(b"Date,Narration")

    def peer_keeps_writing(seconds: float) -> None:
        assert seconds == 0.05
        with growing.open("ab") as fh:
            fh.write(b",Amount\n")

    ready = list_ready(ep, sleep=peer_keeps_writing)

    assert [f.name for f in ready] == ["settled.csv"]
    assert ready[0].size == len(STATEMENT)


def test_mark_processed_and_failed_use_callers_stamp(
    sandbox: SftpSandbox, endpoint: SftpEndpoint
) -> None:
    root = sandbox.user_dir("sponsor_bank")
    for name in ("good.csv", "bad.csv"):
        (root / "inbox" / name).write_bytes(STATEMENT)
        (root / "inbox" / f"{name}.done").write_bytes(b"")
    good, bad = sorted(list_ready(endpoint), key=lambda f: f.name, reverse=True)

    mark_processed(endpoint, good, "20240405T101500Z")
    mark_failed(endpoint, bad, "20240405T101501Z")

    assert sorted(p.name for p in (root / "inbox").iterdir()) == []
    assert [p.name for p in (root / "processed").iterdir()] == ["20240405T101500Z_good.csv"]
    assert [p.name for p in (root / "failed").iterdir()] == ["20240405T101501Z_bad.csv"]
    assert (root / "processed" / "20240405T101500Z_good.csv").read_bytes() == STATEMENT


def test_after_pickup_delete(sandbox: SftpSandbox, endpoint: SftpEndpoint) -> None:
    ep = replace(endpoint, after_pickup="delete")  # plain config text is accepted
    assert ep.after_pickup is AfterPickup.DELETE
    (inbox(sandbox) / "one.csv").write_bytes(STATEMENT)
    (inbox(sandbox) / "one.csv.done").write_bytes(b"")
    [found] = list_ready(ep)

    mark_processed(ep, found, "20240405T101500Z")

    assert list(inbox(sandbox).iterdir()) == []
    assert list((sandbox.user_dir("sponsor_bank") / "processed").iterdir()) == []


def test_upload_is_atomic_then_marked(sandbox: SftpSandbox, endpoint: SftpEndpoint) -> None:
    outbox = sandbox.user_dir("sponsor_bank") / "outbox"
    data = b"loan_id,principal_outstanding\nL1,100000.00\n" * 1000

    upload(endpoint, "MIS_20240405.csv", data)

    assert sorted(p.name for p in outbox.iterdir()) == ["MIS_20240405.csv", "MIS_20240405.csv.done"]
    assert (outbox / "MIS_20240405.csv").read_bytes() == data
    assert (outbox / "MIS_20240405.csv.done").read_bytes() == b""
    # the marker is written after the rename: its mtime is not older than the file's
    assert (outbox / "MIS_20240405.csv.done").stat().st_mtime_ns >= (
        outbox / "MIS_20240405.csv"
    ).stat().st_mtime_ns


def test_password_auth_works_and_bad_password_is_fatal(
    sandbox: SftpSandbox, password_endpoint: SftpEndpoint
) -> None:
    (inbox(sandbox) / "a.csv").write_bytes(STATEMENT)
    (inbox(sandbox) / "a.csv.done").write_bytes(b"")
    assert [f.name for f in list_ready(password_endpoint)] == ["a.csv"]

    wrong = replace(password_endpoint, password=SecretStr("guess"))
    with pytest.raises(FatalError, match="authentication failed"):
        list_ready(wrong)


def test_host_key_mismatch_is_refused(endpoint: SftpEndpoint) -> None:
    pinned = replace(endpoint, host_key_fingerprint="SHA256:" + "A" * 43)
    with pytest.raises(FatalError, match="host key mismatch"):
        list_ready(pinned)


def test_secrets_not_in_repr(endpoint: SftpEndpoint, password_endpoint: SftpEndpoint) -> None:
    assert "PRIVATE KEY" not in repr(endpoint)
    assert "s3cret-pw" not in repr(password_endpoint)
    plain = replace(password_endpoint, password="s3cret-pw")  # a bare str is wrapped
    assert isinstance(plain.password, SecretStr)
    assert "s3cret-pw" not in repr(plain)


def test_users_are_chrooted(sandbox: SftpSandbox, endpoint: SftpEndpoint) -> None:
    partner_in = sandbox.user_dir("partner_bank") / "inbox"
    (partner_in / "theirs.csv").write_bytes(b"x")
    (partner_in / "theirs.csv.done").write_bytes(b"")
    ep = replace(endpoint, inbox_dir="/../partner_bank/inbox")
    # '..' is clamped at the chroot: the path means /partner_bank/inbox inside sponsor_bank
    with pytest.raises(FatalError, match="No such file"):
        list_ready(ep)


def test_dropped_download_resumes_with_identical_bytes(
    sandbox: SftpSandbox, endpoint: SftpEndpoint, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="connectors.sdk.transport.sftp")
    payload = bytes(range(256)) * 4096  # 1 MiB, recognisable at every offset
    (inbox(sandbox) / "big.csv").write_bytes(payload)
    (inbox(sandbox) / "big.csv.done").write_bytes(b"")
    [found] = list_ready(endpoint)
    sandbox.drop_after_bytes(300_000)

    data = download(replace(endpoint, chunk_size=32768), found)

    assert len(data) == 1_048_576
    [dropped] = [r.getMessage() for r in caplog.records if "dropped at byte" in r.getMessage()]
    resumed_from = int(dropped.split("dropped at byte ")[1].split()[0])
    assert 0 < resumed_from <= 300_000
    assert hashlib.sha256(data).hexdigest() == hashlib.sha256(payload).hexdigest()


def test_repeated_drops_exhaust_resume_budget(sandbox: SftpSandbox, endpoint: SftpEndpoint) -> None:
    (inbox(sandbox) / "f.csv").write_bytes(b"x" * 200_000)
    found = RemoteFile("f.csv", 200_000, 0)
    sandbox.drop_after_bytes(0)
    with pytest.raises(RetriableError):
        download(replace(endpoint, max_resume_attempts=0), found)


@pytest.mark.parametrize(
    "name", ["../etc/passwd", "a/b.csv", "..", "x\x00.csv", "evil\\x.csv", "a..b.csv", ""]
)
def test_unsafe_remote_names_are_refused(name: str, endpoint: SftpEndpoint) -> None:
    with pytest.raises(FatalError, match="unsafe remote file name"):
        safe_name(name)
    with pytest.raises(FatalError, match="unsafe remote file name"):
        download(endpoint, RemoteFile(name, 1, 0))


def test_unsafe_names_in_listing_are_skipped(sandbox: SftpSandbox, endpoint: SftpEndpoint) -> None:
    for name in ("bad..name.csv", "ok.csv"):
        (inbox(sandbox) / name).write_bytes(b"x")
        (inbox(sandbox) / f"{name}.done").write_bytes(b"")
    assert [f.name for f in list_ready(endpoint)] == ["ok.csv"]


def test_unreachable_host_is_retriable(endpoint: SftpEndpoint) -> None:
    with pytest.raises(RetriableError):
        list_ready(replace(endpoint, port=1, timeout_s=1.0))
