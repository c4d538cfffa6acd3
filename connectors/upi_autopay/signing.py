"""The webhook signature schemes PSPs use, chosen per counterpart.

* ``standard_webhooks``: ``webhook-id`` / ``webhook-timestamp`` / ``webhook-signature``
  (connectors.sdk.transport.webhook_signing); the id is the delivery's idempotency key.
* ``hmac_sha256_body``: ``x-psp-signature`` = hex HMAC-SHA256(secret, raw body). No
  timestamp is signed, so replays are stopped by the event-id dedupe alone.
* ``hmac_sha256_timestamp_body``: ``x-webhook-timestamp`` (Unix seconds) and
  ``x-webhook-signature`` = base64 HMAC-SHA256(secret, timestamp + raw body), with the
  same 5-minute tolerance as Standard Webhooks.

``sign`` and ``verify`` live together so the PSP sandbox signs with the code we verify
with. Every comparison is constant time over the exact raw bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from enum import StrEnum

from connectors.sdk.transport import webhook_signing
from connectors.sdk.transport.webhook_signing import BadSignature, MissingHeaders, StaleTimestamp

BODY_SIGNATURE = "x-psp-signature"
STAMPED_SIGNATURE = "x-webhook-signature"
STAMPED_TIMESTAMP = "x-webhook-timestamp"


class Scheme(StrEnum):
    STANDARD_WEBHOOKS = "standard_webhooks"
    HMAC_BODY = "hmac_sha256_body"
    HMAC_TIMESTAMP_BODY = "hmac_sha256_timestamp_body"


def _mac(secret: str, content: bytes) -> bytes:
    return hmac.new(secret.encode(), content, hashlib.sha256).digest()


def sign(scheme: Scheme, secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Return the signature headers ``scheme`` puts on ``body``."""
    if scheme is Scheme.STANDARD_WEBHOOKS:
        return webhook_signing.signed_headers(secret, msg_id, timestamp, body)
    if scheme is Scheme.HMAC_BODY:
        return {BODY_SIGNATURE: _mac(secret, body).hex()}
    digest = _mac(secret, str(int(timestamp)).encode() + body)
    return {
        STAMPED_TIMESTAMP: str(int(timestamp)),
        STAMPED_SIGNATURE: base64.b64encode(digest).decode(),
    }


def verify(
    scheme: Scheme,
    secrets: Sequence[str],
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float,
    tolerance_s: int = webhook_signing.TOLERANCE_S,
) -> str | None:
    """Check the signature; return the Standard Webhooks id (None for the HMAC schemes).

    Raises MissingHeaders, StaleTimestamp or BadSignature (all FatalError).
    """
    if scheme is Scheme.STANDARD_WEBHOOKS:
        return webhook_signing.verify(secrets, headers, body, now=now, tolerance_s=tolerance_s)
    lowered = {k.lower(): v for k, v in headers.items()}
    if scheme is Scheme.HMAC_BODY:
        offered = lowered.get(BODY_SIGNATURE, "").strip()
        if not offered:
            raise MissingHeaders(f"{BODY_SIGNATURE} is required")
        _match([_mac(s, body).hex().encode() for s in secrets], offered.lower().encode())
        return None
    stamp = lowered.get(STAMPED_TIMESTAMP, "").strip()
    offered = lowered.get(STAMPED_SIGNATURE, "").strip()
    if not (stamp.isdigit() and offered):
        raise MissingHeaders(f"{STAMPED_TIMESTAMP} (Unix seconds) and {STAMPED_SIGNATURE} needed")
    if abs(now - int(stamp)) > tolerance_s:
        raise StaleTimestamp(f"{STAMPED_TIMESTAMP} {stamp} is {int(now - int(stamp))} s from now")
    expected = [base64.b64encode(_mac(s, stamp.encode() + body)).decode().encode() for s in secrets]
    _match(expected, offered.encode())
    return None


def _match(expected: list[bytes], offered: bytes) -> None:
    matched = False
    for candidate in expected:
        # why: no early exit, so timing does not reveal which secret matched
        matched |= hmac.compare_digest(candidate, offered)
    if not matched:
        raise BadSignature("signature does not match")
