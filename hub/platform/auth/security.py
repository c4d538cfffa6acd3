"""Password hashing (argon2id) and JWT access tokens (HS256)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: resolved from a verified token on every request."""

    user_id: int
    username: str
    tenant_id: int
    tenant_code: str
    roles: tuple[str, ...]


def issue_token(
    principal: Principal, secret: str, ttl_minutes: int, now: datetime | None = None
) -> str:
    """Return a signed JWT for ``principal`` (token expiry is security, not business time)."""
    issued = now or datetime.now(UTC)
    claims = {
        "sub": str(principal.user_id),
        "usr": principal.username,
        "tid": principal.tenant_id,
        "ten": principal.tenant_code,
        "roles": list(principal.roles),
        "iat": int(issued.timestamp()),
        "exp": int((issued + timedelta(minutes=ttl_minutes)).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_token(token: str, secret: str) -> Principal:
    """Return the principal in ``token``; raises jwt.PyJWTError when invalid or expired."""
    return _principal(_claims(token, secret))


def verify_token(token: str, secret: str) -> Principal:
    """:func:`decode_token`, remembered: the signature and claims of a token are checked
    once, later calls only check its expiry. Same answers, same errors.

    A token's validity depends on nothing but the token, the secret and the clock:
    tokens are not revoked (a disabled user or a new password does not end the tokens
    already issued; they run to ``exp``), so a check that passed stays passed until the
    token expires. The expiry is compared on every call as PyJWT compares it; past it,
    the token goes back to :func:`decode_token`, which raises ``ExpiredSignatureError``.
    Failed checks are never remembered. At most ``VERIFIED_TOKENS`` tokens are kept
    (least recently used dropped), keyed by token and secret.
    """
    principal, expires = _verified(token, secret)
    if expires <= datetime.now(UTC).timestamp():
        return decode_token(token, secret)
    return principal


VERIFIED_TOKENS = 4096


@lru_cache(maxsize=VERIFIED_TOKENS)
def _verified(token: str, secret: str) -> tuple[Principal, int]:
    claims = _claims(token, secret)
    return _principal(claims), int(claims["exp"])


def _claims(token: str, secret: str) -> dict:
    return jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})


def _principal(claims: dict) -> Principal:
    return Principal(
        user_id=int(claims["sub"]),
        username=claims["usr"],
        tenant_id=int(claims["tid"]),
        tenant_code=claims["ten"],
        roles=tuple(claims.get("roles", [])),
    )
