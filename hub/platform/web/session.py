"""The dashboard session: the API's JWT in an HttpOnly, SameSite=Strict cookie.

Cookies (all HttpOnly, SameSite=Strict, path ``/ui``; ``Secure`` in production):

- ``sangam_session``: the JWT issued by :func:`hub.platform.auth.security.issue_token`, exactly
  what the API accepts as a bearer token. Its lifetime is the JWT's.
- ``sangam_tenants``: signed list of the tenant codes whose account (same username) the
  password verified at login. It is what makes a tenant switch safe without asking the
  password again (see :func:`hub.app.pages.auth.switch_tenant`).
- ``sangam_flash``: signed messages shown once on the next page.
- ``sangam_login``: signed random nonce for the login form's CSRF field.

CSRF: every POST form carries ``csrf_token`` = a keyed digest of the session JWT (one
token per session, nothing stored server side); :func:`check_csrf` compares it in
constant time. SameSite=Strict already keeps cross-site posts from carrying the cookie;
the token is the second lock.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

import jwt
from fastapi import Request
from fastapi.responses import Response

from hub.platform.auth.security import Principal, decode_token
from hub.platform.web import signing

SESSION_COOKIE = "sangam_session"
TENANTS_COOKIE = "sangam_tenants"
FLASH_COOKIE = "sangam_flash"
LOGIN_COOKIE = "sangam_login"
CSRF_FIELD = "csrf_token"
COOKIE_PATH = "/ui"


def _secret(request: Request) -> str:
    return request.app.state.settings.jwt_secret_value()


def _set(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    secure = request.app.state.settings.environment == "production"
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=secure,
    )


def principal_of(request: Request) -> Principal | None:
    """Return the principal of the session cookie, or None when absent, forged or expired."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return decode_token(token, _secret(request))
    except jwt.PyJWTError:
        return None


def start_session(
    request: Request, response: Response, token: str, username: str, tenant_codes: list[str]
) -> None:
    """Put the JWT and the verified tenant list in cookies for the JWT's lifetime."""
    ttl_s = request.app.state.settings.jwt_ttl_minutes * 60
    _set(request, response, SESSION_COOKIE, token, ttl_s)
    tenants = signing.sign(_secret(request), "tenants", [username, tenant_codes], ttl_s)
    _set(request, response, TENANTS_COOKIE, tenants, ttl_s)


def switch_session(request: Request, response: Response, token: str) -> None:
    """Replace the JWT (tenant switch); the verified tenant list stays as it was."""
    ttl_s = request.app.state.settings.jwt_ttl_minutes * 60
    _set(request, response, SESSION_COOKIE, token, ttl_s)


def end_session(response: Response) -> None:
    for name in (SESSION_COOKIE, TENANTS_COOKIE, FLASH_COOKIE):
        response.delete_cookie(name, path=COOKIE_PATH)


def verified_tenants(request: Request, username: str) -> list[str]:
    """Return the tenant codes the password unlocked for ``username`` at login."""
    payload = signing.unsign(_secret(request), "tenants", request.cookies.get(TENANTS_COOKIE))
    if not payload or payload[0] != username:
        return []
    return list(payload[1])


def csrf_token(request: Request) -> str:
    """The CSRF token of this session ('' without a session)."""
    token = request.cookies.get(SESSION_COOKIE)
    return signing.digest(_secret(request), "csrf", token) if token else ""


def check_csrf(request: Request, submitted: str | None) -> bool:
    expected = csrf_token(request)
    return bool(expected and submitted) and hmac.compare_digest(expected, submitted or "")


def new_login_nonce() -> str:
    """A fresh nonce for the login form's hidden CSRF field (see :func:`set_login_nonce`)."""
    return secrets.token_urlsafe(24)


def set_login_nonce(request: Request, response: Response, nonce: str) -> None:
    """Remember ``nonce`` in a signed cookie for an hour, for :func:`check_login_nonce`."""
    signed = signing.sign(_secret(request), "login", nonce, 3600)
    _set(request, response, LOGIN_COOKIE, signed, 3600)


def check_login_nonce(request: Request, submitted: str | None) -> bool:
    nonce = signing.unsign(_secret(request), "login", request.cookies.get(LOGIN_COOKIE))
    return bool(nonce and submitted) and hmac.compare_digest(nonce, submitted or "")


def add_flash(request: Request, response: Response, level: str, text: str) -> None:
    """Queue a message (level: ok, warn, error) for the next page rendered."""
    messages = [*read_flash(request), [level, text]]
    _set(request, response, FLASH_COOKIE, signing.sign(_secret(request), "flash", messages), 300)


def read_flash(request: Request) -> list[Any]:
    return signing.unsign(_secret(request), "flash", request.cookies.get(FLASH_COOKIE)) or []
