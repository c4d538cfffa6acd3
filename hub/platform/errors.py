"""One exception hierarchy for the hub, rendered as RFC 7807 problem JSON by one handler.

Services raise these; expected conflicts are 404 / 409 / 422, never 500. The calculation
core returns problems as values instead; the hub turns a list of them into
:class:`Unprocessable` with every problem listed.

Every error carries a stable machine ``code`` in its problem JSON (``"loan.not_active"``,
``"approval.maker_is_checker"``): clients branch on the code, people read the detail.
A domain error is a subclass with its own ``code`` (or the code passed when raised);
the base classes' codes are generic (``"not_found"``, ``"conflict"`` ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class FieldProblem:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class SangamError(Exception):
    status_code = 500
    title = "Internal error"
    type_slug = "internal"
    code = "internal"

    def __init__(
        self,
        detail: str = "",
        *,
        problems: list[FieldProblem] | None = None,
        extra: dict[str, Any] | None = None,
        code: str | None = None,
    ):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.problems = problems or []
        self.extra = extra or {}
        if code is not None:
            self.code = code

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://sangam.dev/problems/{self.type_slug}",
            "title": self.title,
            "status": self.status_code,
            "code": self.code,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.problems:
            body["errors"] = [p.as_dict() for p in self.problems]
        body.update(self.extra)
        return body


class BadRequest(SangamError):
    status_code, title, type_slug = 400, "Bad request", "bad-request"
    code = "bad_request"


class Unauthorized(SangamError):
    status_code, title, type_slug = 401, "Not authenticated", "unauthorized"
    code = "unauthorized"


class Forbidden(SangamError):
    status_code, title, type_slug = 403, "Not allowed", "forbidden"
    code = "forbidden"


class NotFound(SangamError):
    status_code, title, type_slug = 404, "Not found", "not-found"
    code = "not_found"


class Conflict(SangamError):
    status_code, title, type_slug = 409, "Conflict", "conflict"
    code = "conflict"


class Unprocessable(SangamError):
    status_code, title, type_slug = 422, "Invalid input", "invalid-input"
    code = "invalid_input"


class ServiceUnavailable(SangamError):
    status_code, title, type_slug = 503, "Not ready", "unavailable"
    code = "unavailable"
