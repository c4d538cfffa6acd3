"""Setting up a tenant: its business date, branches, chart of accounts, own book, users."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from hub.platform.auth.permissions import Role
from hub.platform.auth.security import hash_password
from lms_core.ledger import OWN_BOOK, STANDARD_CHART, OwnerKind
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.platform import tenant_repository, user_repository
from lms_core.persistence.platform.models import Tenant


@dataclass(frozen=True)
class SeedUser:
    username: str
    roles: tuple[Role, ...]
    full_name: str


DEMO_USERS = (
    SeedUser("admin", (Role.ADMIN,), "Asha Admin"),
    SeedUser("officer", (Role.LOAN_OFFICER,), "Omkar Officer"),
    SeedUser("underwriter", (Role.UNDERWRITER,), "Uma Underwriter"),
    SeedUser("credit", (Role.CREDIT_MANAGER,), "Chetan Credit"),
    SeedUser("collections", (Role.COLLECTIONS_AGENT,), "Kavya Collections"),
    SeedUser("finance", (Role.FINANCE,), "Farhan Finance"),
    SeedUser("auditor", (Role.AUDITOR,), "Aditi Auditor"),
    SeedUser("partner", (Role.PARTNER_CLIENT,), "Partner Bank API"),
)


def create_tenant(
    session: Session,
    code: str,
    name: str,
    business_date: date,
    users: tuple[SeedUser, ...] = (),
    password: str | None = None,
) -> Tenant:
    """Create a ready-to-use tenant (returned); ``users`` all get ``password``."""
    tenant = tenant_repository.create_tenant(session, code, name, business_date)
    tenant_repository.add_branch(session, tenant.id, "HO", "Head office", "MH")
    ledger_repository.ensure_chart(session, tenant.id, STANDARD_CHART)
    ledger_repository.ensure_owner(session, tenant.id, OWN_BOOK, OwnerKind.OWN_BOOK, name)
    if users:
        hashed = hash_password(password or "")
        for user in users:
            user_repository.create_user(
                session,
                tenant.id,
                user.username,
                hashed,
                [str(r) for r in user.roles],
                user.full_name,
            )
    return tenant
