"""Loopback counterpart sandboxes: real protocol peers for tests and the demo.

Sangam never mocks a counterpart. An :class:`SftpSandbox` is a real SSH/SFTP server and a
:class:`SandboxServer` runs a real FastAPI app under uvicorn, both on 127.0.0.1 with a
free port, started and stopped from a background thread.
"""

from connectors.sdk.sandbox.http_app import FaultInjector, SandboxServer, send_signed_webhook
from connectors.sdk.sandbox.sftp_server import SandboxUser, SftpSandbox

__all__ = [
    "FaultInjector",
    "SandboxServer",
    "SandboxUser",
    "SftpSandbox",
    "send_signed_webhook",
]
