"""Process start-up shared by every command: settings, database, migrations, logging."""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hub.platform.config import Settings, load_settings
from hub.platform.db.engine import database_url, make_engine, make_session_factory, redacted
from hub.platform.db.migrate import current, upgrade
from hub.platform.observability import configure_logging

log = logging.getLogger("sangam")

# pgserver asks platformdirs for a runtime dir; headless machines have none and it falls back.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


@dataclass
class Runtime:
    settings: Settings
    url: str
    engine: Engine
    session_factory: sessionmaker[Session]

    def dispose(self) -> None:
        self.engine.dispose()


def start(settings: Settings | None = None, *, migrate: bool = True) -> Runtime:
    """Return a connected runtime; ``migrate`` brings the schema to head first."""
    settings = settings or load_settings()
    configure_logging(settings.log_level, settings.log_json)
    url = database_url(settings)
    if migrate and current(url) is None:
        log.info("empty database at %s: applying migrations", redacted(url))
    if migrate:
        upgrade(url)
    engine = make_engine(url, settings.db_pool_size)
    return Runtime(settings, url, engine, make_session_factory(engine))
