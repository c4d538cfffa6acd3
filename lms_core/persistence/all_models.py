"""Import every model module so the metadata knows all tables (Alembic, tests)."""

from lms_core.persistence import (
    alert_models,  # noqa: F401
    approval_models,  # noqa: F401
    collections_models,  # noqa: F401
    credit_line_models,  # noqa: F401
    eod_models,  # noqa: F401
    hub_models,  # noqa: F401
    lifecycle_models,  # noqa: F401
    models,  # noqa: F401
    recon_desk_models,  # noqa: F401
    recon_models,  # noqa: F401
    servicing_models,  # noqa: F401
    upi_models,  # noqa: F401
)
