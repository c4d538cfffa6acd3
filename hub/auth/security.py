"""Password hashing (argon2id) and JWT access tokens (HS256)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

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
    claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
    return Principal(
        user_id=int(claims["sub"]),
        username=claims["usr"],
        tenant_id=int(claims["tid"]),
        tenant_code=claims["ten"],
        roles=tuple(claims.get("roles", [])),
    )
