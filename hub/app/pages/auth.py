"""Sign in, sign out, and switch tenant.

Sign-in checks username, password and tenant code exactly as the API's token endpoint
does (:func:`hub.platform.auth.api.authenticate`, argon2 verification) and puts the same
JWT in the session cookie. It also tries the password on the user's accounts of the
same name in other tenants; the tenants where it verifies are remembered in a signed
cookie. Switching to one of those tenants issues a new JWT for that tenant's account
(roles read again from the database) without asking the password again: the password
was proven for that very account at sign-in. Tenants where it did not verify are not
offered; signing in there needs the password of that account.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from hub.platform.auth.api import authenticate
from hub.platform.auth.permissions import Permission
from hub.platform.auth.security import Principal, issue_token, verify_password
from hub.platform.errors import Unauthorized
from hub.platform.http.deps import get_session
from hub.platform.web import session as web_session
from hub.platform.web.deps import PageContext, page_user
from hub.platform.web.nav import NavEntry
from hub.platform.web.render import render_bare
from lms_core.persistence.platform import tenant_repository, user_repository

router = APIRouter()
NAV: tuple[NavEntry, ...] = ()
HOME = "/ui/"


def _safe_next(target: str | None) -> str:
    # why: only our own pages, never "//evil.example" or an absolute URL
    if target and target.startswith("/ui/") and not target.startswith("//"):
        return target
    return HOME


def _login_page(request: Request, status_code: int = 200, **values) -> Response:
    nonce = web_session.new_login_nonce()
    response = render_bare(request, "login.html", status_code, login_nonce=nonce, **values)
    web_session.set_login_nonce(request, response, nonce)
    return response


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    default_tenant = request.app.state.settings.default_tenant
    return _login_page(request, next=_safe_next(next), tenant=default_tenant, username="")


def _other_tenants(session: Session, principal: Principal, password: str) -> list[str]:
    """Codes of the tenants whose account of the same name ``password`` also opens."""
    codes = [principal.tenant_code]
    for user, tenant in user_repository.accounts_named(session, principal.username):
        if tenant.id != principal.tenant_id and verify_password(user.password_hash, password):
            codes.append(tenant.code)
    return sorted(codes)


@router.post("/login")
def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    tenant: str = Form(""),
    next: str = Form(HOME),
    csrf_token: str = Form(""),
    session: Session = Depends(get_session, scope="function"),
) -> Response:
    values = {"next": _safe_next(next), "tenant": tenant, "username": username}
    if not web_session.check_login_nonce(request, csrf_token):
        error = "The sign-in form expired; please try again."
        return _login_page(request, 400, error=error, **values)
    settings = request.app.state.settings
    try:
        principal = authenticate(session, f"{tenant.strip()}/{username.strip()}", password, "")
    except Unauthorized:
        error = "Unknown user, wrong password, or no such account in this tenant."
        return _login_page(request, 401, error=error, **values)
    token = issue_token(principal, settings.jwt_secret_value(), settings.jwt_ttl_minutes)
    response = RedirectResponse(values["next"], status_code=303)
    tenants = _other_tenants(session, principal, password)
    web_session.start_session(request, response, token, principal.username, tenants)
    response.delete_cookie(web_session.LOGIN_COOKIE, path=web_session.COOKIE_PATH)
    return response


@router.post("/logout")
def logout(ctx: PageContext = Depends(page_user(Permission.AUTHENTICATED))) -> Response:
    response = RedirectResponse("/ui/login", status_code=303)
    web_session.end_session(response)
    return response


@router.post("/switch-tenant")
def switch_tenant(
    tenant: str = Form(...),
    ctx: PageContext = Depends(page_user(Permission.AUTHENTICATED)),
) -> Response:
    """Re-issue the session for ``tenant`` if the password was proven there at sign-in."""
    username = ctx.principal.username
    if tenant not in web_session.verified_tenants(ctx.request, username):
        return ctx.redirect(HOME, flash=("error", f"sign in to tenant {tenant} to use it"))
    target = tenant_repository.by_code(ctx.session, tenant)
    user = target and user_repository.by_username(ctx.session, target.id, username)
    if not user or not user.active:
        return ctx.redirect(HOME, flash=("error", f"your account in {tenant} is not active"))
    principal = Principal(user.id, user.username, target.id, target.code, tuple(user.roles))
    settings = ctx.request.app.state.settings
    token = issue_token(principal, settings.jwt_secret_value(), settings.jwt_ttl_minutes)
    response = ctx.redirect(HOME, flash=("ok", f"now working in tenant {target.code}"))
    web_session.switch_session(ctx.request, response, token)
    return response
