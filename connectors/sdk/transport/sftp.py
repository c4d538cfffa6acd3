"""SFTP pickup and drop for file-based counterparts (paramiko client).

The lifecycle follows specs/files.md:

* **pickup**: :func:`list_ready` returns only complete files: a file whose done marker
  (``name.done``) exists, or, for counterparts without markers, whose size *and* mtime
  did not change across two listings ``stable_interval_s`` apart.
* **download**: :func:`download` resumes from the byte already received when the link
  drops, and checks the final size.
* **after processing**: :func:`mark_processed` moves (or deletes) the file,
  :func:`mark_failed` always moves it to the failed folder, under a timestamped name the
  caller supplies: this module never reads the clock.
* **drop**: :func:`upload` writes ``.name.part``, renames it atomically, then writes the
  done marker, so the counterpart never sees half a file.

Every host key is pinned (SHA256 fingerprint as ``ssh-keygen -lf`` prints it) and a
mismatch is refused before any credential is sent. Remote names are never trusted as
paths. Failures are :class:`RetriableError` (link) or :class:`FatalError` (auth, host key,
unsafe name, missing file).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import logging
import posixpath
import socket
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import paramiko
from pydantic import SecretStr

from connectors.sdk.transport.errors import FatalError, RetriableError

log = logging.getLogger(__name__)

_LINK_ERRORS = (OSError, EOFError, paramiko.SSHException, socket.timeout)


class AfterPickup(StrEnum):
    """What happens to an inbound file once it has been processed successfully."""

    MOVE = "move"
    DELETE = "delete"


@dataclass(frozen=True)
class SftpEndpoint:
    """One counterpart's SFTP drop. Secrets are SecretStr: never shown in repr or logs."""

    name: str
    host: str
    port: int
    username: str
    host_key_fingerprint: str  # "SHA256:<base64 without padding>"
    private_key: SecretStr | None = None  # PEM / OpenSSH text, or a path to the key file
    password: SecretStr | None = None
    inbox_dir: str = "/inbox"
    processed_dir: str = "/processed"
    failed_dir: str = "/failed"
    outbox_dir: str = "/outbox"
    done_marker_suffix: str | None = ".done"
    stable_interval_s: float = 5.0
    after_pickup: AfterPickup = AfterPickup.MOVE
    timeout_s: float = 15.0
    max_resume_attempts: int = 5
    chunk_size: int = 32768

    def __post_init__(self) -> None:
        # why: config often arrives as plain text (YAML, DB rows); normalise once here so
        # a str "delete" behaves like AfterPickup.DELETE and a bare str secret is wrapped.
        object.__setattr__(self, "after_pickup", AfterPickup(self.after_pickup))
        object.__setattr__(self, "port", int(self.port))
        for name in ("private_key", "password"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, SecretStr(value))


@dataclass(frozen=True)
class RemoteFile:
    """A complete file found in the inbox; ``name`` has passed :func:`safe_name`."""

    name: str
    size: int
    mtime: int


def safe_name(name: str) -> str:
    """Return ``name`` if it is a plain file name; raise FatalError for anything path-like.

    Refuses '/', '\\', NUL, '..', empty names and control characters: a remote server
    must never steer where we read or write.
    """
    bad = (
        not name
        or name in (".", "..")
        or any(c in name for c in ("/", "\\", "\x00"))
        or ".." in name
        or any(ord(c) < 32 for c in name)
    )
    if bad:
        raise FatalError(f"unsafe remote file name {name!r}")
    return name


def host_key_fingerprint(key: paramiko.PKey) -> str:
    """Return the key's fingerprint as OpenSSH prints it: ``SHA256:<base64, no padding>``."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def _load_private_key(text_or_path: str) -> paramiko.PKey:
    text = text_or_path
    if "PRIVATE KEY" not in text and Path(text).is_file():
        text = Path(text).read_text()
    for cls in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return cls.from_private_key(io.StringIO(text))
        except (paramiko.SSHException, ValueError):
            continue
    raise FatalError("private key is not a readable Ed25519 / ECDSA / RSA key")


class SftpSession:
    """An authenticated SFTP session to one endpoint; use :func:`open_session`."""

    def __init__(self, endpoint: SftpEndpoint, transport: paramiko.Transport) -> None:
        self.endpoint = endpoint
        self._transport = transport
        self.sftp = paramiko.SFTPClient.from_transport(transport)
        self.sftp.get_channel().settimeout(endpoint.timeout_s)

    def close(self) -> None:
        self.sftp.close()
        self._transport.close()

    def snapshot(self) -> dict[str, tuple[int, int]]:
        """Return {name: (size, mtime)} for the regular files in the inbox."""
        entries = self.sftp.listdir_attr(self.endpoint.inbox_dir)
        return {
            e.filename: (e.st_size or 0, e.st_mtime or 0)
            for e in entries
            if e.st_mode is not None and stat.S_ISREG(e.st_mode)
        }

    def read_into(self, name: str, buf: bytearray, expected_size: int) -> None:
        """Append the remote file's bytes from ``len(buf)`` onwards to ``buf``."""
        path = posixpath.join(self.endpoint.inbox_dir, safe_name(name))
        with self.sftp.open(path, "rb") as fh:
            fh.seek(len(buf))
            fh.prefetch(expected_size)
            while chunk := fh.read(self.endpoint.chunk_size):
                buf += chunk

    def move(self, src_dir: str, name: str, dst_dir: str, new_name: str) -> None:
        src = posixpath.join(src_dir, safe_name(name))
        self.sftp.posix_rename(src, posixpath.join(dst_dir, safe_name(new_name)))

    def remove_if_exists(self, path: str) -> None:
        with suppress(FileNotFoundError):
            self.sftp.remove(path)


def _connect_transport(ep: SftpEndpoint) -> paramiko.Transport:
    try:
        sock = socket.create_connection((ep.host, ep.port), timeout=ep.timeout_s)
        transport = paramiko.Transport(sock)
        transport.start_client(timeout=ep.timeout_s)
    except _LINK_ERRORS as exc:
        raise RetriableError(
            f"cannot reach {ep.host}:{ep.port}: {exc}", counterpart=ep.name
        ) from exc
    seen = host_key_fingerprint(transport.get_remote_server_key())
    if not hmac.compare_digest(seen, ep.host_key_fingerprint):
        transport.close()
        raise FatalError(
            f"host key mismatch: expected {ep.host_key_fingerprint}, got {seen}",
            counterpart=ep.name,
        )
    return transport


def _authenticate(ep: SftpEndpoint, transport: paramiko.Transport) -> None:
    try:
        if ep.private_key is not None:
            key = _load_private_key(ep.private_key.get_secret_value())
            transport.auth_publickey(ep.username, key)
        elif ep.password is not None:
            transport.auth_password(ep.username, ep.password.get_secret_value())
        else:
            raise FatalError("endpoint has neither a private key nor a password")
    except paramiko.AuthenticationException as exc:
        raise FatalError(
            f"authentication failed for {ep.username}: {exc}", counterpart=ep.name
        ) from exc
    except _LINK_ERRORS as exc:
        raise RetriableError(
            f"link lost during authentication: {exc}", counterpart=ep.name
        ) from exc


@contextmanager
def open_session(endpoint: SftpEndpoint) -> Iterator[SftpSession]:
    """Yield an authenticated session; link failures inside become RetriableError.

    Raises FatalError on host key mismatch (checked before credentials are sent) or auth
    failure; FileNotFoundError / PermissionError from the server are FatalError too.
    """
    transport = _connect_transport(endpoint)
    try:
        _authenticate(endpoint, transport)
        session = SftpSession(endpoint, transport)
    except BaseException:
        transport.close()
        raise
    try:
        yield session
    except (FileNotFoundError, PermissionError) as exc:
        raise FatalError(f"remote refused: {exc}", counterpart=endpoint.name) from exc
    except _LINK_ERRORS as exc:
        raise RetriableError(f"link lost: {exc!r}", counterpart=endpoint.name) from exc
    finally:
        session.close()


def _usable_names(ep: SftpEndpoint, names: set[str]) -> list[str]:
    """Return safe, non-temporary, non-marker names; log and skip the rest."""
    usable = []
    for name in sorted(names):
        if name.startswith("."):  # our own (or the peer's) temporary upload names
            continue
        if ep.done_marker_suffix and name.endswith(ep.done_marker_suffix):
            continue
        try:
            usable.append(safe_name(name))
        except FatalError:
            log.warning("%s: skipping unsafe remote name %r", ep.name, name)
    return usable


def list_ready(
    endpoint: SftpEndpoint, *, sleep: Callable[[float], None] = time.sleep
) -> list[RemoteFile]:
    """Return the inbox files that are complete, sorted by name.

    With a done-marker suffix, a file is complete when ``name + suffix`` exists. Without
    one, size and mtime must be unchanged across two listings ``stable_interval_s`` apart
    (``sleep`` is injectable so tests can act between the two listings).
    """
    with open_session(endpoint) as session:
        first = session.snapshot()
        if endpoint.done_marker_suffix:
            marked = {
                n
                for n in _usable_names(endpoint, set(first))
                if n + endpoint.done_marker_suffix in first
            }
            return [RemoteFile(n, *first[n]) for n in sorted(marked)]
        sleep(endpoint.stable_interval_s)
        second = session.snapshot()
    stable = [n for n in _usable_names(endpoint, set(first)) if second.get(n) == first[n]]
    return [RemoteFile(n, *second[n]) for n in stable]


def download(endpoint: SftpEndpoint, remote_file: RemoteFile) -> bytes:
    """Return the file's bytes, resuming after dropped links; verify the final size.

    Raises RetriableError after ``max_resume_attempts`` drops or if the size differs from
    the listing (the file changed under us); FatalError for an unsafe name.
    """
    safe_name(remote_file.name)
    buf = bytearray()
    for attempt in range(endpoint.max_resume_attempts + 1):
        try:
            with open_session(endpoint) as session:
                session.read_into(remote_file.name, buf, remote_file.size)
            break
        except RetriableError as exc:
            log.info(
                "%s: download of %s dropped at byte %d (attempt %d): %s",
                endpoint.name,
                remote_file.name,
                len(buf),
                attempt + 1,
                exc.message,
            )
            if attempt == endpoint.max_resume_attempts:
                raise
    if len(buf) != remote_file.size:
        raise RetriableError(
            f"{remote_file.name}: got {len(buf)} bytes, listing said {remote_file.size}",
            counterpart=endpoint.name,
        )
    return bytes(buf)


def _stamped(stamp: str, name: str) -> str:
    return safe_name(f"{stamp}_{name}")


def _drop_marker(session: SftpSession, ep: SftpEndpoint, name: str) -> None:
    if ep.done_marker_suffix:
        marker = posixpath.join(ep.inbox_dir, name + ep.done_marker_suffix)
        session.remove_if_exists(marker)


def mark_processed(endpoint: SftpEndpoint, remote_file: RemoteFile, stamp: str) -> None:
    """Move the file to processed as ``<stamp>_<name>`` (or delete it, per endpoint).

    ``stamp`` comes from the caller (e.g. "20240405T101500Z"); the marker is removed too.
    """
    with open_session(endpoint) as session:
        if endpoint.after_pickup is AfterPickup.DELETE:
            session.sftp.remove(posixpath.join(endpoint.inbox_dir, safe_name(remote_file.name)))
        else:
            session.move(
                endpoint.inbox_dir,
                remote_file.name,
                endpoint.processed_dir,
                _stamped(stamp, remote_file.name),
            )
        _drop_marker(session, endpoint, remote_file.name)


def mark_failed(endpoint: SftpEndpoint, remote_file: RemoteFile, stamp: str) -> None:
    """Move the file to failed as ``<stamp>_<name>``, so it is never picked up again."""
    with open_session(endpoint) as session:
        session.move(
            endpoint.inbox_dir,
            remote_file.name,
            endpoint.failed_dir,
            _stamped(stamp, remote_file.name),
        )
        _drop_marker(session, endpoint, remote_file.name)


def upload(endpoint: SftpEndpoint, name: str, data: bytes) -> None:
    """Write ``data`` to the outbox as ``name``: temp name, atomic rename, then marker."""
    safe_name(name)
    final = posixpath.join(endpoint.outbox_dir, name)
    temp = posixpath.join(endpoint.outbox_dir, f".{name}.part")
    with open_session(endpoint) as session:
        with session.sftp.open(temp, "wb") as fh:
            fh.set_pipelined(True)
            fh.write(data)
        if session.sftp.stat(temp).st_size != len(data):
            raise RetriableError(f"{name}: short write", counterpart=endpoint.name)
        session.sftp.posix_rename(temp, final)
        if endpoint.done_marker_suffix:
            with session.sftp.open(final + endpoint.done_marker_suffix, "wb"):
                pass
