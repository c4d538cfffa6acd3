"""Fixtures: a real asyncssh SFTP sandbox on loopback and endpoints pinned to it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import asyncssh
import pytest
from pydantic import SecretStr

from connectors.sdk.sandbox.sftp_server import SandboxUser, SftpSandbox
from connectors.sdk.transport.sftp import SftpEndpoint

PASSWORD = "s3cret-pw"


@pytest.fixture(scope="session")
def client_key() -> asyncssh.SSHKey:
    return asyncssh.generate_private_key("ssh-ed25519")


@pytest.fixture
def sandbox(tmp_path: Path, client_key: asyncssh.SSHKey) -> Iterator[SftpSandbox]:
    users = [
        SandboxUser(
            "sponsor_bank",
            password=PASSWORD,
            public_keys=[client_key.export_public_key().decode()],
        ),
        SandboxUser("partner_bank", password="other-pw"),
    ]
    with SftpSandbox(tmp_path / "sftp", users) as server:
        yield server


@pytest.fixture
def endpoint(sandbox: SftpSandbox, client_key: asyncssh.SSHKey) -> SftpEndpoint:
    """Key-based endpoint with a done marker; tests ``replace()`` what they vary."""
    return SftpEndpoint(
        name="sponsor_bank",
        host=sandbox.host,
        port=sandbox.port,
        username="sponsor_bank",
        host_key_fingerprint=sandbox.host_key_fingerprint,
        private_key=SecretStr(client_key.export_private_key().decode()),
        stable_interval_s=0.05,
    )


@pytest.fixture
def password_endpoint(endpoint: SftpEndpoint) -> SftpEndpoint:
    return replace(endpoint, private_key=None, password=SecretStr(PASSWORD))
