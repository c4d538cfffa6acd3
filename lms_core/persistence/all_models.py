"""Import every model module so the metadata knows all tables (Alembic, tests)."""

from lms_core.persistence.collections import models as _collections  # noqa: F401
from lms_core.persistence.collections import upi_models as _upi  # noqa: F401
from lms_core.persistence.integration import alert_models as _alerts  # noqa: F401
from lms_core.persistence.integration import models as _integration  # noqa: F401
from lms_core.persistence.loans import credit_line_models as _lines  # noqa: F401
from lms_core.persistence.loans import lifecycle_models as _lifecycle  # noqa: F401
from lms_core.persistence.loans import models as _loans  # noqa: F401
from lms_core.persistence.platform import approval_models as _approvals  # noqa: F401
from lms_core.persistence.platform import eod_models as _eod  # noqa: F401
from lms_core.persistence.platform import models as _platform  # noqa: F401
from lms_core.persistence.recon import desk_models as _desk  # noqa: F401
from lms_core.persistence.recon import models as _recon  # noqa: F401
