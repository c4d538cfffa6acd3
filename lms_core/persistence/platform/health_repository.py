"""The database's own health, as the readiness probe asks it."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session


def ping(session: Session) -> None:
    """Run a trivial query; raises whatever the driver raises when the database is away."""
    session.execute(text("select 1"))
