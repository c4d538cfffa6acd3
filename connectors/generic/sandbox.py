"""A generic partner: an SFTP drop box and an HTTP endpoint that records what it receives.

It stands in for any counterpart that has no dedicated simulator yet (an ERP's SFTP share,
a partner's webhook receiver). The HTTP side accepts a POST on any path, answers 200 and
lists what arrived at ``GET /_received``; a share of requests (``fault_rate``) fails with
500 from a seeded generator so delivery retries can be watched. The SFTP side is one user
with the usual ``inbox`` / ``outbox`` / ``processed`` / ``failed`` folders.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, Response

from connectors.sdk.sandbox.catalog import SandboxEnv, SandboxSpec
from connectors.sdk.sandbox.http_app import Fault, FaultInjector, FaultKind, SandboxServer
from connectors.sdk.sandbox.sftp_server import SandboxUser, SftpSandbox


def recording_app(received: list[dict]) -> FastAPI:
    """Return an app that appends every POST (path, headers, body text) to ``received``."""
    app = FastAPI(title="generic partner sandbox")

    @app.get("/_received")
    def listing() -> list[dict]:
        return received[-100:]

    @app.post("/{path:path}")
    async def take(path: str, request: Request) -> Response:
        body = await request.body()
        received.append(
            {"path": path, "headers": dict(request.headers), "body": body.decode(errors="replace")}
        )
        return Response(status_code=200)

    return app


class GenericPartner:
    """The SFTP drop box and the recording HTTP endpoint, started and stopped together."""

    def __init__(self, env: SandboxEnv, fault_rate: float = 0.0) -> None:
        self.received: list[dict] = []
        self.faults = FaultInjector(recording_app(self.received))
        if fault_rate:
            self.faults.at_rate(fault_rate, Fault(FaultKind.ERROR, status=500), seed=env.seed)
        self.http = SandboxServer(self.faults)
        user = SandboxUser(env.sftp_username, password=env.sftp_password, folder="partner")
        self.sftp = SftpSandbox(env.folder("generic"), [user])
        self._username = env.sftp_username

    def start(self) -> GenericPartner:
        self.http.start()
        self.sftp.start()
        return self

    def stop(self) -> None:
        self.sftp.stop()
        self.http.stop()

    def endpoints(self) -> dict[str, str]:
        return {
            "http": self.http.base_url,
            "sftp": f"sftp://{self._username}@127.0.0.1:{self.sftp.port}",
            "sftp_host_key": self.sftp.host_key_fingerprint,
            "sftp_root": str(self.sftp.user_dir(self._username)),
        }


SANDBOX = SandboxSpec(
    name="partner",
    description="generic partner: SFTP drop box + HTTP receiver that records requests",
    build=GenericPartner,
)
