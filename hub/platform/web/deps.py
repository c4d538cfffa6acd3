"""What a page handler receives: ``ctx: PageContext = Depends(page_user(Permission.X))``.

The dependency reads the session cookie, checks the permission, and on POST checks the
CSRF field, so no page can forget either. Without a session it raises
:class:`LoginRequired` (rendered as a redirect to the login page); without the
permission :class:`PageForbidden` (rendered as the 403 page). The database session is
the API's request session (``hub.platform.http.deps.get_session``): it commits when the handler
returns normally and rolls back otherwise, and tests override it the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from hub.platform.auth.permissions import permissions_of
from hub.platform.auth.security import Principal
from hub.platform.http.deps import get_session
from hub.platform.web import session as web_session
from lms_core.persistence.platform import tenant_repository


class LoginRequired(Exception):
    """No valid session: send the browser to the login page."""


class PageForbidden(Exception):
    """Signed in, but the role does not grant ``permission``."""

    def __init__(self, permission: str) -> None:
        super().__init__(f"permission {permission} is required")
        self.permission = permission


class CsrfRejected(Exception):
    """A POST without the session's CSRF token."""


@dataclass
class PageContext:
    """The signed-in user's request: who, which tenant, the database, the CSRF token."""

    request: Request
    principal: Principal
    session: Session
    business_date: date
    permissions: frozenset[str]
    csrf_token: str
    flashes: list[Any] = field(default_factory=list)

    @property
    def tenant_id(self) -> int:
        return self.principal.tenant_id

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def redirect(self, path: str, *, flash: tuple[str, str] | None = None) -> Response:
        """A 303 to ``path`` (after a POST), queueing an optional (level, text) message."""
        response = RedirectResponse(path, status_code=303)
        if flash:
            web_session.add_flash(self.request, response, *flash)
        return response


async def _csrf_field(request: Request) -> str | None:
    form = await request.form()  # why: Starlette caches the parsed form for Form() params
    value = form.get(web_session.CSRF_FIELD)
    return value if isinstance(value, str) else None


def page_user(permission: str) -> Callable[..., Coroutine[Any, Any, PageContext]]:
    """Return a dependency giving the :class:`PageContext` of a user holding ``permission``."""

    async def dependency(
        request: Request, db: Session = Depends(get_session, scope="function")
    ) -> PageContext:
        principal = web_session.principal_of(request)
        if principal is None:
            raise LoginRequired()
        granted = permissions_of(principal.roles)
        if permission not in granted:
            raise PageForbidden(permission)
        if request.method == "POST" and not web_session.check_csrf(
            request, await _csrf_field(request)
        ):
            raise CsrfRejected()
        request.state.principal = principal
        return PageContext(
            request=request,
            principal=principal,
            session=db,
            business_date=tenant_repository.business_date(db, principal.tenant_id),
            permissions=granted,
            csrf_token=web_session.csrf_token(request),
            flashes=web_session.read_flash(request),
        )

    dependency.permission = permission  # type: ignore[attr-defined]
    return dependency
