"""Small signed values for cookies and forms (HMAC-SHA256 over compact JSON).

The dashboard keeps no server-side session table: the session is the API's JWT in a
cookie, and the few extra facts it needs (flash messages, the tenants whose accounts
the password unlocked at login, the login form's CSRF nonce) ride in cookies signed
here with a key derived from the JWT secret, so they cannot be forged or altered.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any


def _key(secret: str, purpose: str) -> bytes:
    # why: one derived key per purpose, so a flash cookie can never pass as a tenant list
    return hmac.new(secret.encode(), f"sangam-web:{purpose}".encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: str, purpose: str, payload: Any, ttl_s: int | None = None) -> str:
    """Return ``payload`` as a signed token for ``purpose`` (expiring after ``ttl_s``)."""
    body = {"p": payload, "exp": int(time.time()) + ttl_s if ttl_s else None}
    raw = _b64(json.dumps(body, separators=(",", ":")).encode())
    mac = _b64(hmac.new(_key(secret, purpose), raw.encode(), hashlib.sha256).digest())
    return f"{raw}.{mac}"


def unsign(secret: str, purpose: str, token: str | None) -> Any | None:
    """Return the payload of a valid, unexpired token for ``purpose``; None otherwise."""
    if not token or "." not in token:
        return None
    raw, mac = token.rsplit(".", 1)
    expected = _b64(hmac.new(_key(secret, purpose), raw.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(mac, expected):
        return None
    try:
        body = json.loads(_unb64(raw))
    except ValueError:
        return None
    if body.get("exp") is not None and body["exp"] < time.time():
        return None
    return body.get("p")


def digest(secret: str, purpose: str, value: str) -> str:
    """Return a keyed digest of ``value`` (the CSRF token of a session)."""
    return _b64(hmac.new(_key(secret, purpose), value.encode(), hashlib.sha256).digest())
