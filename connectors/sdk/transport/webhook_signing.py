"""Standard Webhooks signatures (specs/webhooks.md), outbound and inbound.

The signed content is ``{webhook-id}.{webhook-timestamp}.{raw body}``; the signature is
``v1,`` + base64(HMAC-SHA256(key, content)) where key is the base64-decoded secret after
its ``whsec_`` prefix. ``webhook-signature`` holds one or more space-separated signatures
so a sender can sign with the old and the new secret while a receiver rotates.

Implemented here rather than through ``standardwebhooks.Webhook`` because that class reads
the wall clock inside ``verify`` and decodes the body as text; here ``now`` is a
parameter and the body stays raw bytes. The tests check both agree byte for byte.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence

from connectors.sdk.transport.errors import FatalError

SECRET_PREFIX = "whsec_"
TOLERANCE_S = 5 * 60
ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"


class WebhookVerificationError(FatalError):
    """An inbound webhook failed verification; answer 401 and do not store it as valid."""


class MissingHeaders(WebhookVerificationError):
    """webhook-id, webhook-timestamp or webhook-signature is absent or malformed."""


class StaleTimestamp(WebhookVerificationError):
    """The timestamp is more than the tolerance away from ``now`` (replay protection)."""


class BadSignature(WebhookVerificationError):
    """No v1 signature in the header matches any of our secrets."""


def generate_secret(nbytes: int = 24) -> str:
    """Return a fresh random secret in the ``whsec_<base64>`` form."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(nbytes)).decode()


def _key(secret: str) -> bytes:
    raw = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)
    except ValueError as exc:
        raise ValueError("webhook secret is not base64 after its whsec_ prefix") from exc
    if not key:
        raise ValueError("webhook secret is empty")
    return key


def _digest(key: bytes, msg_id: str, timestamp: int, body: bytes) -> bytes:
    content = f"{msg_id}.{timestamp}.".encode() + body
    return hmac.new(key, content, hashlib.sha256).digest()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """Return one ``v1,<base64>`` signature of ``body`` for this id and timestamp."""
    digest = _digest(_key(secret), msg_id, int(timestamp), body)
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(
    secrets_: str | Sequence[str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """Return the three Standard Webhooks headers, signed with every given secret."""
    keys = [secrets_] if isinstance(secrets_, str) else list(secrets_)
    return {
        ID_HEADER: msg_id,
        TIMESTAMP_HEADER: str(int(timestamp)),
        SIGNATURE_HEADER: " ".join(sign(s, msg_id, timestamp, body) for s in keys),
    }


def _read_headers(headers: Mapping[str, str]) -> tuple[str, int, list[str]]:
    lowered = {k.lower(): v for k, v in headers.items()}
    msg_id = lowered.get(ID_HEADER, "").strip()
    stamp = lowered.get(TIMESTAMP_HEADER, "").strip()
    signatures = lowered.get(SIGNATURE_HEADER, "").split()
    if not (msg_id and stamp and signatures):
        raise MissingHeaders("webhook-id, webhook-timestamp and webhook-signature are required")
    if not stamp.isdigit():
        raise MissingHeaders(f"webhook-timestamp {stamp!r} is not integer Unix seconds")
    return msg_id, int(stamp), signatures


def _candidates(signatures: list[str]) -> list[bytes]:
    found = []
    for item in signatures:
        version, _, value = item.partition(",")
        if version != "v1":
            continue  # other schemes (e.g. v1a asymmetric) are not ours to check
        try:
            found.append(base64.b64decode(value, validate=True))
        except ValueError:
            continue
    return found


def verify(
    secrets_: str | Sequence[str],
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: int | float,
    tolerance_s: int = TOLERANCE_S,
) -> str:
    """Return the verified ``webhook-id`` (the receiver's idempotency key).

    ``secrets_`` may list the current and previous secret during rotation. Raises
    MissingHeaders, StaleTimestamp (more than ``tolerance_s`` from ``now``, either way) or
    BadSignature. Every comparison is constant time over the exact raw body.
    """
    msg_id, stamp, signatures = _read_headers(headers)
    if abs(now - stamp) > tolerance_s:
        raise StaleTimestamp(f"webhook-timestamp {stamp} is {int(now - stamp)} s from now")
    keys = [secrets_] if isinstance(secrets_, str) else list(secrets_)
    offered = _candidates(signatures)
    matched = False
    for secret in keys:
        expected = _digest(_key(secret), msg_id, stamp, body)
        for candidate in offered:
            # why: no early exit, so timing does not reveal which secret/signature matched
            matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise BadSignature("no webhook-signature matches")
    return msg_id
