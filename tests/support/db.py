"""The test database: a real PostgreSQL, migrated once per test run (per xdist worker).

``SANGAM_TEST_DATABASE_URL`` points at a server (its database is dropped and recreated);
otherwise the embedded PostgreSQL in ``$TMPDIR/sangam-test-pg`` is started (and reused by
later runs). Each worker gets its own database, so parallel runs never collide.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path

from sqlalchemy import create_engine, text

from hub.platform.db.engine import embedded_server_uri, to_sqlalchemy_url
from hub.platform.db.migrate import upgrade

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


def admin_url() -> str:
    configured = os.environ.get("SANGAM_TEST_DATABASE_URL")
    if configured:
        return configured
    return embedded_server_uri(Path(tempfile.gettempdir()) / "sangam-test-pg")


def drop_database(name: str) -> None:
    admin = create_engine(to_sqlalchemy_url(admin_url()), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'drop database if exists "{name}" with (force)'))
    admin.dispose()


def fresh_database(name: str) -> str:
    """Drop and recreate database ``name``, migrate it to head; return its URL."""
    admin = create_engine(to_sqlalchemy_url(admin_url()), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'drop database if exists "{name}" with (force)'))
        conn.execute(text(f'create database "{name}"'))
    admin.dispose()
    url = to_sqlalchemy_url(admin_url(), name)
    upgrade(url)
    return url
