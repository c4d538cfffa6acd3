"""The loans domain's errors, each with a stable machine code in the problem JSON."""

from __future__ import annotations

from hub.platform.errors import Conflict, NotFound


class LoanNotFound(NotFound):
    code = "loan.not_found"


class LoanWrongStatus(Conflict):
    """The loan's status does not allow the action: code ``loan.not_<status>[_or_<...>]``."""

    def __init__(self, loan_number: str, status: str, allowed: tuple[str, ...]):
        super().__init__(
            f"loan {loan_number} is {status}; this needs {' or '.join(allowed)}",
            code="loan.not_" + "_or_".join(allowed),
            extra={"loan_status": status},
        )
