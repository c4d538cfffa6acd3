"""Roles and permissions, as data.

Every API endpoint declares one permission; a user holds roles; a role grants a set of
permissions. The platform's own permissions are :class:`Permission` with
``ROLE_PERMISSIONS``; a domain adds its own (a StrEnum of its own) with a grant table
``{permission: roles}`` named in its ``module.py`` (``permissions=("module:GRANTS",)``),
merged here. Changing who may do what is an edit of data, not a hunt through endpoints.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache


class Role(StrEnum):
    LOAN_OFFICER = "loan_officer"
    UNDERWRITER = "underwriter"
    CREDIT_MANAGER = "credit_manager"
    COLLECTIONS_AGENT = "collections_agent"
    FINANCE = "finance"  # finance / reconciliation
    ADMIN = "admin"
    AUDITOR = "auditor"
    PARTNER_CLIENT = "partner_client"


class Permission(StrEnum):
    AUTHENTICATED = "authenticated"  # any signed-in user
    SCHEDULE_PREVIEW = "schedule:preview"
    LEDGER_READ = "ledger:read"
    LEDGER_POST = "ledger:post"
    LEDGER_REVERSE = "ledger:reverse"
    LOAN_READ = "loan:read"
    LOAN_WRITE = "loan:write"
    LOAN_RESTRUCTURE = "loan:restructure"  # new terms for a running loan
    LOAN_WRITE_OFF = "loan:writeoff"  # write-off and one-time settlement
    PRODUCT_READ = "product:read"
    PRODUCT_WRITE = "product:write"
    REPAYMENT_POST = "repayment:post"
    EOD_RUN = "eod:run"
    USER_ADMIN = "user:admin"
    TENANT_ADMIN = "tenant:admin"
    AUDIT_READ = "audit:read"
    HUB_READ = "hub:read"
    HUB_OPERATE = "hub:operate"
    RECON_READ = "recon:read"
    RECON_RESOLVE = "recon:resolve"
    RECON_APPROVE = "recon:approve"
    PARTNER_API = "partner:api"


_READ_ALL = {
    Permission.AUTHENTICATED,
    Permission.SCHEDULE_PREVIEW,
    Permission.LOAN_READ,
    Permission.PRODUCT_READ,
    Permission.LEDGER_READ,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.LOAN_OFFICER: frozenset(_READ_ALL | {Permission.LOAN_WRITE, Permission.REPAYMENT_POST}),
    Role.UNDERWRITER: frozenset(_READ_ALL | {Permission.LOAN_WRITE}),
    Role.CREDIT_MANAGER: frozenset(
        _READ_ALL
        | {
            Permission.LOAN_WRITE,
            Permission.PRODUCT_WRITE,
            Permission.LOAN_RESTRUCTURE,
            Permission.LOAN_WRITE_OFF,
        }
    ),
    Role.COLLECTIONS_AGENT: frozenset(_READ_ALL | {Permission.REPAYMENT_POST}),
    Role.FINANCE: frozenset(
        _READ_ALL
        | {
            Permission.LEDGER_POST,
            Permission.LEDGER_REVERSE,
            Permission.REPAYMENT_POST,
            Permission.EOD_RUN,
            Permission.HUB_READ,
            Permission.HUB_OPERATE,
            Permission.RECON_READ,
            Permission.RECON_RESOLVE,
            Permission.RECON_APPROVE,
        }
    ),
    Role.ADMIN: frozenset(Permission) - {Permission.PARTNER_API},
    Role.AUDITOR: frozenset(
        _READ_ALL | {Permission.AUDIT_READ, Permission.HUB_READ, Permission.RECON_READ}
    ),
    Role.PARTNER_CLIENT: frozenset({Permission.AUTHENTICATED, Permission.PARTNER_API}),
}


def permissions_of(roles: list[str] | tuple[str, ...]) -> frozenset[str]:
    """Return the union of the permissions granted by ``roles`` (unknown roles grant none):
    the platform's, and every domain's grant table (:func:`registry.permission_grants`)."""
    return _granted(tuple(sorted(set(roles))))


@cache
def _granted(roles: tuple[str, ...]) -> frozenset[str]:
    from hub.platform import registry  # why: the registry reads manifests naming permissions

    granted: set[str] = set()
    for role in roles:
        if role in Role.__members__.values():
            granted |= ROLE_PERMISSIONS[Role(role)]
    for permission, holders in registry.permission_grants().items():
        if holders & set(roles):
            granted.add(permission)
    return frozenset(granted)
