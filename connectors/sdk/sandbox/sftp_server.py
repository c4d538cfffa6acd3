"""A real SFTP server on loopback, for tests and the demo (asyncssh in a thread).

Each configured user is chrooted to ``root/<folder>`` (by default the user name), so a
"sponsor_bank" user sees only ``/inbox``, ``/outbox``, ``/processed`` and ``/failed`` of
its own folder, as a bank's real SFTP drop would look. The server makes an ed25519 host
key at start (or loads ``host_key_path``) and publishes its SHA256 fingerprint so clients
can pin it exactly as they would in production.

Fault injection: :meth:`SftpSandbox.drop_after_bytes` makes the server abort the next
connection once it has served N bytes of file reads, to exercise resumable downloads.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

DEFAULT_FOLDERS = ("inbox", "outbox", "processed", "failed")


@dataclass(frozen=True)
class SandboxUser:
    """A login on the sandbox: a password and/or authorized public keys (OpenSSH text)."""

    username: str
    password: str | None = field(default=None, repr=False)
    public_keys: Sequence[str] = ()
    folder: str | None = None  # chroot folder under the root; defaults to the username

    @property
    def home(self) -> str:
        return self.folder or self.username


class _FaultPlan:
    """Shared, thread-safe "drop after N bytes" knob; one-shot so the retry succeeds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._remaining: int | None = None

    def arm(self, nbytes: int) -> None:
        with self._lock:
            self._remaining = nbytes

    def allow(self, size: int) -> bool:
        """Spend ``size`` bytes of the budget; False (and disarm) when it would overflow."""
        with self._lock:
            if self._remaining is None:
                return True
            if size <= self._remaining:
                self._remaining -= size
                return True
            self._remaining = None
            return False


def _make_sftp_class(root: Path, users: dict[str, SandboxUser], faults: _FaultPlan) -> type:
    class _ChrootedSftp(asyncssh.SFTPServer):
        def __init__(self, chan: asyncssh.SSHServerChannel) -> None:
            user = users[chan.get_extra_info("username")]
            super().__init__(chan, chroot=str(root / user.home).encode())

        def read(self, file_obj: object, offset: int, size: int) -> bytes:
            data = super().read(file_obj, offset, size)
            if faults.allow(len(data)):
                return data
            self.connection.abort()  # why: simulate a link that dies mid-transfer
            raise asyncssh.SFTPConnectionLost("sandbox: injected disconnect")

    return _ChrootedSftp


class _AuthServer(asyncssh.SSHServer):
    def __init__(self, users: dict[str, SandboxUser]) -> None:
        self._users = users

    def begin_auth(self, username: str) -> bool:
        return True  # always require auth, even for unknown users

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        user = self._users.get(username)
        return bool(user and user.password is not None and user.password == password)

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        user = self._users.get(username)
        if user is None:
            return False
        wanted = key.public_data
        return any(asyncssh.import_public_key(k).public_data == wanted for k in user.public_keys)


class SftpSandbox:
    """An asyncssh SFTP server on 127.0.0.1, run in a daemon thread.

    Use ``with SftpSandbox(root, users) as sb:`` or ``start()`` / ``stop()``. After start,
    ``port`` and ``host_key_fingerprint`` ("SHA256:...", as ssh-keygen prints) are set.
    """

    def __init__(
        self,
        root: Path | str,
        users: Sequence[SandboxUser],
        *,
        host_key_path: Path | str | None = None,
        folders: Sequence[str] = DEFAULT_FOLDERS,
    ) -> None:
        self.root = Path(root)
        self.users = {u.username: u for u in users}
        self.host = "127.0.0.1"
        self.port = 0
        self._host_key = self._load_or_make_key(host_key_path)
        self._folders = tuple(folders)
        self._faults = _FaultPlan()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._listener: asyncssh.SSHAcceptor | None = None

    @staticmethod
    def _load_or_make_key(path: Path | str | None) -> asyncssh.SSHKey:
        if path is not None and Path(path).exists():
            return asyncssh.read_private_key(str(path))
        key = asyncssh.generate_private_key("ssh-ed25519")
        if path is not None:
            Path(path).write_bytes(key.export_private_key())
        return key

    @property
    def host_key_fingerprint(self) -> str:
        return self._host_key.get_fingerprint("sha256")

    def user_dir(self, username: str) -> Path:
        """Return the local folder a user is chrooted to (tests put files there)."""
        return self.root / self.users[username].home

    def drop_after_bytes(self, nbytes: int) -> None:
        """Abort the connection once ``nbytes`` of file data have been read (one shot)."""
        self._faults.arm(nbytes)

    def start(self) -> SftpSandbox:
        """Create user folders, start the server thread, return once it listens."""
        for user in self.users.values():
            for folder in self._folders:
                (self.user_dir(user.username) / folder).mkdir(parents=True, exist_ok=True)
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._run, args=(ready, failure), name="sftp-sandbox", daemon=True
        )
        self._thread.start()
        ready.wait(timeout=10)
        if failure:
            raise RuntimeError(f"SFTP sandbox failed to start: {failure[0]}") from failure[0]
        return self

    def _run(self, ready: threading.Event, failure: list[BaseException]) -> None:
        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        try:
            self._listener = loop.run_until_complete(self._listen())
            self.port = self._listener.get_port()
        except Exception as exc:  # reported to start(), which raises it in the caller
            failure.append(exc)
            ready.set()
            return
        ready.set()
        loop.run_forever()
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()

    async def _listen(self) -> asyncssh.SSHAcceptor:
        return await asyncssh.listen(
            self.host,
            0,
            server_host_keys=[self._host_key],
            server_factory=lambda: _AuthServer(self.users),
            sftp_factory=_make_sftp_class(self.root, self.users, self._faults),
            allow_scp=False,
        )

    async def _close(self) -> None:
        if self._listener is not None:
            self._listener.close()
            await self._listener.wait_closed()

    def stop(self) -> None:
        """Close the listener and every session, and join the thread."""
        if self._loop is None or self._thread is None:
            return
        future = asyncio.run_coroutine_threadsafe(self._close(), self._loop)
        future.result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop = None
        self._thread = None

    def __enter__(self) -> SftpSandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
