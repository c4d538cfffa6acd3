"""Import every model module so the metadata knows all tables (Alembic, tests)."""

from lms_core.persistence import (
    alert_models,  # noqa: F401
    hub_models,  # noqa: F401
    models,  # noqa: F401
    servicing_models,  # noqa: F401
)
