"""The migrations and the models describe the same schema.

A model changed without a migration (or a migration without its model) shows up here as
an Alembic autogenerate diff against the freshly migrated test database.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

import lms_core.persistence.all_models  # noqa: F401  (registers every table)
from lms_core.persistence.base import Base


def _include_name(name, type_, parent_names) -> bool:
    return not (type_ == "table" and name and name.startswith("procrastinate"))


def test_models_match_migrations(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": _include_name}
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"
