"""Which PSP a UPI mandate goes through: its counterpart row, settings and API client.

A PSP is a counterpart whose connector is ``upi_autopay_psp``. Its UPI settings
(:class:`~hub.collections.upi.rules.UpiRules`) are plain config, so the webhook handler reads them
without decrypting anything; the API client needs the secrets and so the Cipher.
PSP failures become hub errors here: a refusal (4xx) is 422 with the PSP's reason, an
outage (timeout, 5xx, 429) is 503 and nothing is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta
from typing import TypeVar

from sqlalchemy.orm import Session

from connectors.sdk.transport.errors import FatalError, RetriableError
from connectors.upi_autopay.api import PspApi
from connectors.upi_autopay.connector import UpiAutopayPsp
from hub.collections.upi.rules import UpiRules
from hub.integration.counterparts import Cipher, connector_for
from hub.platform.errors import NotFound, ServiceUnavailable, Unprocessable
from lms_core.money import D
from lms_core.persistence.integration import counterpart_repository
from lms_core.persistence.integration.models import Counterpart

T = TypeVar("T")
PSP_KIND = "upi_psp"


def rules_of(row: Counterpart) -> UpiRules:
    """Return the UPI settings configured on a PSP counterpart (defaults filled in)."""
    config = row.config or {}
    return UpiRules(
        additional_auth_limit=D(str(config.get("additional_auth_limit", "15000"))),
        max_attempts=int(config.get("max_debit_attempts", 3)),
        settlement_lag=timedelta(days=int(config.get("settlement_days", 1))),
    )


def psp_row(session: Session, tenant_id: int, code: str) -> Counterpart:
    """Return the PSP counterpart ``code``; raises NotFound if absent or not a UPI PSP."""
    row = counterpart_repository.by_code(session, tenant_id, code)
    if row is None or row.connector != UpiAutopayPsp.slug:
        raise NotFound(f"no UPI AutoPay PSP {code!r}")
    return row


def psp_by_id(session: Session, counterpart_id: int) -> Counterpart:
    row = counterpart_repository.by_id(session, counterpart_id)
    if row is None:
        raise NotFound(f"no counterpart {counterpart_id}")
    return row


@contextmanager
def api_of(cipher: Cipher, row: Counterpart):
    """Yield the PSP's API client (closed afterwards)."""
    connector = connector_for(cipher, row)
    assert isinstance(connector, UpiAutopayPsp)
    api: PspApi = connector.api()
    try:
        yield api
    finally:
        api.close()


def call(row: Counterpart, fn: Callable[[], T]) -> T:
    """Run one PSP call; raise Unprocessable (PSP refused) or ServiceUnavailable (outage)."""
    try:
        return fn()
    except FatalError as exc:
        raise Unprocessable(f"PSP {row.code} refused: {exc.message}") from exc
    except RetriableError as exc:
        raise ServiceUnavailable(f"PSP {row.code} unavailable: {exc.message}") from exc
