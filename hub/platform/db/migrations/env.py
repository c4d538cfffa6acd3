"""Alembic environment: the URL comes from the caller (hub.platform.db.migrate) or the settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

import lms_core.persistence.all_models  # noqa: F401  (registers every table)
from lms_core.persistence.base import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from hub.platform.config import get_settings
    from hub.platform.db.engine import database_url

    return database_url(get_settings())


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)


def _include_name(name, type_, parent_names) -> bool:
    # Procrastinate's tables come from its own schema script (migration 0002).
    return not (type_ == "table" and name and name.startswith("procrastinate"))


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        include_name=_include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
