"""Every catalogued sandbox starts on loopback and answers; the generic partner records.

This is the conformance check for simulators: a module listed in SANDBOX_MODULES that
cannot start, or that reports no endpoints, fails here.
"""

from __future__ import annotations

import httpx
import pytest

from connectors.sdk.sandbox.catalog import SandboxEnv, load_catalog
from connectors.sdk.sandbox.runner import describe, running, select
from connectors.sdk.transport.sftp import SftpEndpoint, upload


@pytest.fixture
def env(tmp_path) -> SandboxEnv:
    return SandboxEnv(root=tmp_path, seed=7)


def test_catalog_names_are_unique_and_every_module_is_loaded() -> None:
    catalog = load_catalog()
    assert set(catalog) == {"partner", "escrow_bank", "psp", "nach_bank"}
    assert "partner" in catalog


def test_unknown_names_are_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown sandbox nope; known: .*partner"):
        select(load_catalog(), ["nope"])


def test_every_sandbox_starts_and_reports_endpoints(env) -> None:
    with running(env) as started:
        endpoints = describe(started)
    assert set(endpoints) == set(load_catalog())
    for name, points in endpoints.items():
        assert points, f"sandbox {name} reports no endpoints"


def test_generic_partner_records_http_and_takes_sftp_drops(env) -> None:
    with running(env, ["partner"]) as started:
        points = describe(started)["partner"]
        response = httpx.post(points["http"] + "/acks/booking", content=b'{"ok": true}')
        assert response.status_code == 200
        received = httpx.get(points["http"] + "/_received").json()
        assert received[-1]["path"] == "acks/booking"
        assert received[-1]["body"] == '{"ok": true}'

        port = int(points["sftp"].rsplit(":", 1)[1])
        endpoint = SftpEndpoint(
            name="partner",
            host="127.0.0.1",
            port=port,
            username=env.sftp_username,
            password=env.sftp_password,
            host_key_fingerprint=points["sftp_host_key"],
            outbox_dir="/inbox",  # our drop lands in the partner's inbox
        )
        upload(endpoint, "MIS_20261122.csv", b"loan,amount\nL1,100.00\n")
        landed = (env.root / "generic" / "partner" / "inbox" / "MIS_20261122.csv").read_bytes()
        assert landed == b"loan,amount\nL1,100.00\n"
