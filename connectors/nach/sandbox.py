"""The sponsor bank's NACH desk on a real SFTP drop: debits answered, mandates registered.

The lender drops files into the bank's SFTP **inbox**; the bank answers into its
**outbox** (temporary ``.name.part``, rename, then ``name.done``, per specs/files.md) and
moves what it read to ``processed``:

* ``ACH-DR-*``: an ACH debit presentation. The answer ``ACH-RES-*`` repeats every record
  with the flag (1 success, 0 returned) and reason code filled in, header unchanged.
* ``MMS-REQ-*.zip``: an e-mandate registration batch (one pain.009 per mandate). The
  answer ``MMS-RES-*.xml`` is one pain.012 acceptance report: accepted with a new UMRN,
  or rejected with a code.
* ``MMS-CXL-*.zip``: a mandate cancellation batch (one pain.011 per mandate). The answer
  ``MMS-RES-CXL-*.xml`` is one pain.012: accepted, or rejected with a code and its text
  (``force_cancel``). A cancelled UMRN's later debits return with 61 (mandate cancelled).

Outcomes come from :class:`NachBankBehaviour`: a seeded mix (the same item gets the same
answer on every run, whatever the file order) and forced answers per UMRN or debtor
account (``force``), so tests can ask for "this one bounces with 04". Nothing reads the
wall clock; :meth:`NachBank.process` runs when called (tests, demo) or from the
sandbox's polling thread under ``sangam sandbox``.
"""

from __future__ import annotations

import hashlib
import io
import random
import threading
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from connectors.sdk.sandbox.catalog import SandboxEnv, SandboxSpec
from connectors.sdk.sandbox.sftp_server import SandboxUser, SftpSandbox
from formats.nach.ach import AchOptions, ResponseFlag, parse_ach, write_ach
from formats.nach.emandate import parse_emandate
from formats.nach.emandate_iso import (
    VERSIONS,
    MandateCancellation,
    MandateInitiation,
    write_pain012,
)
from formats.nach.emandate_records import MandateResponse, ResponseKind

FOLDER = "nach_bank"
SUCCESS = "00"
MANDATE_CANCELLED = "61"
#: texts the bank puts next to a cancellation refusal (NPCI mandate reject codes)
CANCEL_REJECT_TEXT = {
    "M020": "duplicate UMRN",
    "M037": "account closed",
    "M038": "no such account",
    "AP04": "account inoperative",
    "AP05": "no such account",
}


@dataclass
class NachBankBehaviour:
    """How the bank answers: ``returns`` maps reason code -> share of debits (rest succeed)."""

    seed: int = 2026
    returns: dict[str, float] = field(default_factory=lambda: {"04": 0.08, "01": 0.01})
    mandate_reject_share: float = 0.05
    mandate_reject_code: str = "M037"
    options: AchOptions = field(default_factory=AchOptions)
    forced: dict[str, str] = field(default_factory=dict)  # UMRN / account -> code ("00" ok)
    cancel_forced: dict[str, str] = field(default_factory=dict)  # UMRN -> cancel reject code

    def force(self, key: str, code: str) -> None:
        """Answer every debit of UMRN / account ``key`` (or its mandate) with ``code``."""
        self.forced[key] = code

    def force_cancel(self, umrn: str, code: str) -> None:
        """Refuse the cancellation of ``umrn`` with ``code``."""
        self.cancel_forced[umrn] = code

    def _draw(self, key: str) -> float:
        digest = hashlib.sha256(f"{self.seed}:{key}".encode()).digest()
        return random.Random(digest).random()

    def debit_code(self, umrn: str, account: str, reference: str) -> str:
        forced = self.forced.get(umrn) or self.forced.get(account)
        if forced:
            return forced
        draw, edge = self._draw(reference), 0.0
        for code, share in sorted(self.returns.items()):
            edge += share
            if draw < edge:
                return code
        return SUCCESS

    def mandate_code(self, account: str) -> str:
        forced = self.forced.get(account)
        if forced:
            return forced
        # why the account, not the request id: our request ids are random, and a bank's
        # refusal (account closed, no such account) belongs to the account anyway.
        return (
            self.mandate_reject_code
            if self._draw(f"mandate:{account}") < self.mandate_reject_share
            else SUCCESS
        )


def _drop(outbox: Path, name: str, data: bytes) -> None:
    temp = outbox / f".{name}.part"
    temp.write_bytes(data)
    temp.rename(outbox / name)
    (outbox / f"{name}.done").write_bytes(b"")


class NachBank:
    """The bank's logic over its SFTP home folder (inbox, outbox, processed)."""

    def __init__(self, home: Path, behaviour: NachBankBehaviour | None = None) -> None:
        self.home = home
        self.behaviour = behaviour or NachBankBehaviour()
        self._lock = threading.Lock()
        self._umrns = 0
        self.cancelled: set[str] = set()  # UMRNs whose cancellation the bank accepted
        for folder in ("inbox", "outbox", "processed", "failed"):
            (home / folder).mkdir(parents=True, exist_ok=True)

    def ready(self) -> list[Path]:
        inbox = self.home / "inbox"
        return sorted(
            p
            for p in inbox.iterdir()
            if not p.name.startswith(".")
            and not p.name.endswith(".done")
            and (inbox / f"{p.name}.done").exists()
        )

    def process(self) -> list[str]:
        """Answer every complete file in the inbox; return the names written to the outbox."""
        written = []
        with self._lock:
            for path in self.ready():
                name = self._answer(path)
                if name:
                    written.append(name)
                path.rename(self.home / "processed" / path.name)
                (path.parent / f"{path.name}.done").unlink(missing_ok=True)
        return written

    def _answer(self, path: Path) -> str | None:
        if path.name.startswith("ACH-DR-"):
            name = "ACH-RES-" + path.name.removeprefix("ACH-DR-")
            _drop(self.home / "outbox", name, self.answer_ach(path.read_bytes()))
            return name
        if path.name.startswith("MMS-CXL-"):
            name = "MMS-RES-CXL-" + path.name.removeprefix("MMS-CXL-").replace(".zip", ".xml")
            _drop(self.home / "outbox", name, self.answer_cancellations(path.read_bytes()))
            return name
        if path.name.startswith("MMS-REQ-"):
            name = "MMS-RES-" + path.name.removeprefix("MMS-REQ-").replace(".zip", ".xml")
            _drop(self.home / "outbox", name, self.answer_mandates(path.read_bytes()))
            return name
        return None

    def answer_ach(self, data: bytes) -> bytes:
        """Return the response file for one presentation file."""
        parsed = parse_ach(data, source="presentation", options=self.behaviour.options)
        answered = []
        for detail in parsed.records:
            code = self.behaviour.debit_code(
                detail.umrn, detail.beneficiary_account_number, detail.transaction_reference
            )
            code = MANDATE_CANCELLED if detail.umrn.strip() in self.cancelled else code
            flag = ResponseFlag.SUCCESS if code == SUCCESS else ResponseFlag.RETURNED
            answered.append(detail._replace(flag=flag, reason_code="" if code == SUCCESS else code))
        return write_ach(parsed.header, answered, options=self.behaviour.options)

    def answer_mandates(self, data: bytes) -> bytes:
        """Return one pain.012 for a zip of pain.009 initiations."""
        responses = []
        created = datetime(2000, 1, 1, tzinfo=UTC)
        with zipfile.ZipFile(io.BytesIO(data)) as batch:
            for member in sorted(batch.namelist()):
                for record in parse_emandate(batch.read(member), source=member).records:
                    if isinstance(record, MandateInitiation):
                        responses.append(self._mandate_answer(record, created))
        return write_pain012(responses)

    def answer_cancellations(self, data: bytes) -> bytes:
        """Return one pain.012 for a zip of pain.011 cancellations."""
        responses = []
        with zipfile.ZipFile(io.BytesIO(data)) as batch:
            for member in sorted(batch.namelist()):
                for record in parse_emandate(batch.read(member), source=member).records:
                    if isinstance(record, MandateCancellation):
                        responses.append(self._cancel_answer(record))
        return write_pain012(responses)

    def _cancel_answer(self, record: MandateCancellation) -> MandateResponse:
        umrn = record.original_mandate_id
        code = self.behaviour.cancel_forced.get(umrn, "")
        if not code:
            self.cancelled.add(umrn)
        return MandateResponse(
            kind=ResponseKind.ACCEPTANCE_REPORT,
            message_id=f"RPT{record.header.message_id}"[:35],
            created=datetime(2000, 1, 1, tzinfo=UTC),
            accepted=not code,
            original_message_id=record.header.message_id,
            original_message_name=VERSIONS["pain.011"],
            reference=umrn,
            reject_code=code,
            reject_description=CANCEL_REJECT_TEXT.get(code, "rejected by the bank") if code else "",
        )

    def _mandate_answer(self, record: MandateInitiation, created: datetime) -> MandateResponse:
        m = record.mandate
        code = self.behaviour.mandate_code(m.debtor.account_number)
        accepted = code == SUCCESS
        self._umrns += 1
        umrn = ""
        if accepted:
            digest = hashlib.sha256(m.mandate_request_id.encode()).hexdigest()[:12].upper()
            umrn = f"SBIN7{digest}{self._umrns % 1000:03d}"
        return MandateResponse(
            kind=ResponseKind.ACCEPTANCE_REPORT,
            message_id=f"RPT{record.header.message_id}"[:35],
            created=created,
            accepted=accepted,
            original_message_id=record.header.message_id,
            reference=umrn or m.mandate_request_id,
            reject_code="" if accepted else code,
        )


class NachBankSandbox:
    """The SFTP server plus the bank, answering every ``poll_s`` seconds once started."""

    def __init__(
        self,
        root: Path,
        user: SandboxUser,
        behaviour: NachBankBehaviour | None = None,
        poll_s: float = 2.0,
    ) -> None:
        self.user = SandboxUser(user.username, user.password, user.public_keys, FOLDER)
        self.sftp = SftpSandbox(root, [self.user])
        self.bank = NachBank(root / FOLDER, behaviour)
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def from_env(cls, env: SandboxEnv) -> NachBankSandbox:
        user = SandboxUser(env.sftp_username, password=env.sftp_password)
        return cls(env.folder("nach"), user, NachBankBehaviour(seed=env.seed))

    def start(self, *, poll: bool = True) -> NachBankSandbox:
        self.sftp.start()
        if poll:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="nach-bank", daemon=True)
            self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.poll_s):
            self.bank.process()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.sftp.stop()

    def endpoints(self) -> dict[str, str]:
        return {
            "sftp": f"sftp://{self.user.username}@127.0.0.1:{self.sftp.port}",
            "sftp_host_key": self.sftp.host_key_fingerprint,
            "sftp_root": str(self.sftp.user_dir(self.user.username)),
        }

    def counterpart_config(self, **nach: object) -> dict:
        """Return a ``nach_sponsor_bank`` counterpart config pointing at this sandbox."""
        return {
            "host": "127.0.0.1",
            "port": self.sftp.port,
            "username": self.user.username,
            "host_key_fingerprint": self.sftp.host_key_fingerprint,
            "outbox_dir": "/inbox",
            "inbox_dir": "/outbox",
            "document_kinds": {"ACH-RES-*": "ach_response", "MMS-RES-*": "emandate_response"},
            "user_name": "SANGAM FINANCE LTD",
            "utility_code": "NACH00000000012345",
            "sponsor_ifsc": "SBIN0000001",
            "account_number": "00000012345678901",
            **nach,
        }


SANDBOX = SandboxSpec(
    name="nach_bank",
    description=(
        "sponsor bank NACH desk: answers ACH debit files, e-mandate registration and "
        "cancellation batches on SFTP"
    ),
    build=NachBankSandbox.from_env,
)
