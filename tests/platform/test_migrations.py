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


# The migrations before the one-naming-scheme rule (kept as they are: history).
_LEGACY = {
    "0001", "0002", "a0007", "c0004", "c0005", "c0006", "h0003", "h0004", "r0004",
    "r0005", "r0006", "s0003", "s0004_lifecycle", "s0005_eod", "s0006_revolving",
    "s0008", "s0009",
}  # fmt: skip
# One head per area branch: a new area adds its head here, a new migration moves its own.
EXPECTED_HEADS = {"c0006", "h0004", "r0006", "ledger_0001", "loans_0001", "platform_0001"}


def _scripts():
    from alembic.script import ScriptDirectory

    from hub.platform.db.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config())


def test_the_migration_heads_are_the_expected_set():
    assert set(_scripts().get_heads()) == EXPECTED_HEADS


def test_new_migrations_follow_the_area_naming_scheme():
    """``<area>_<NNNN>_<slug>.py`` with revision ``<area>_<NNNN>``, numbered per area."""
    import re
    from pathlib import Path

    pattern = re.compile(r"^(?P<rev>(?P<area>[a-z]+)_(?P<n>\d{4}))_[a-z0-9_]+\.py$")
    numbers: dict[str, list[int]] = {}
    for script in _scripts().walk_revisions():
        if script.revision in _LEGACY:
            continue
        match = pattern.match(Path(script.path).name)
        assert match, f"{Path(script.path).name}: name it <area>_<NNNN>_<slug>.py"
        assert script.revision == match["rev"], f"{script.path}: revision id {match['rev']!r}"
        numbers.setdefault(match["area"], []).append(int(match["n"]))
    for area, seen in numbers.items():
        assert sorted(seen) == list(range(1, len(seen) + 1)), f"{area}: gaps in {sorted(seen)}"
