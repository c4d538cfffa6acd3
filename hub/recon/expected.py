"""The expected side of reconciliation: every movement we expect through escrow.

Whoever creates a movement records it here in the same transaction: a NACH or UPI
presentation (a credit expected on the settlement date), a disbursement payout (a debit
out of escrow, hooked into :func:`hub.loans.booking.confirm_payout`), a partner's
funding (credit) or settlement (debit), an SCF buyer payment due (credit), or a manual
expected receipt entered by finance (``POST /api/v1/recon/expected``).

:func:`record_expected` is idempotent on ``(tenant, source, reference)``: recording the
same movement again returns the stored item; the same reference with a different amount,
direction or currency is a :class:`~hub.platform.errors.Conflict`. ``posting_ref`` (e.g.
``nach:<ref>``) is the ``external_ref`` under which a matched receipt is posted to
servicing: the NACH response and the bank statement may both see the collection, and
servicing's external-ref idempotency posts it once. ``batch`` names items settled by one
bank credit together (the default for NACH is the day: ``nach:<expected_on>``), which is
what the one-to-many rule sums. :func:`cancel_expected` withdraws an item that will not
move (a bounced NACH presentation): it leaves matching and its break closes.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from hub.platform.errors import Conflict, FieldProblem, NotFound, Unprocessable
from lms_core.money import D
from lms_core.persistence.recon import run_repository as repository
from lms_core.persistence.recon.models import ReconExpectedItem
from lms_core.recon.enums import Direction, ExpectedSource, ExpectedStatus

__all__ = ["Direction", "ExpectedSource", "cancel_expected", "record_expected"]

_DEFAULT_BATCH = {ExpectedSource.NACH: "nach:{expected_on}"}


def _checked(amount: Decimal, currency: str, reference: str) -> Decimal:
    problems = []
    value = D(amount)
    if value <= 0:
        problems.append(FieldProblem("amount", f"must be positive, got {value}"))
    if value != value.quantize(Decimal("0.01")):
        problems.append(FieldProblem("amount", f"{value} has more than two decimals"))
    if len(currency) != 3:
        problems.append(FieldProblem("currency", f"not an ISO code: {currency!r}"))
    if not reference or len(reference) > 100:
        problems.append(FieldProblem("reference", "must be 1..100 characters"))
    if problems:
        raise Unprocessable("expected item refused", problems=problems)
    return value


def record_expected(
    session: Session,
    tenant_id: int,
    *,
    source: ExpectedSource | str,
    reference: str,
    amount: Decimal,
    currency: str = "INR",
    direction: Direction | str,
    expected_on: date,
    account: str | None = None,
    loan_id: int | None = None,
    counterparty: str | None = None,
    utr: str | None = None,
    posting_ref: str | None = None,
    batch: str | None = None,
) -> ReconExpectedItem:
    """Record an expected movement and return it (the stored one if already recorded).

    Raises Unprocessable for a non-positive amount, Conflict when ``reference`` was
    recorded for ``source`` with another amount, direction or currency.
    """
    source, direction = ExpectedSource(source), Direction(direction)
    value = _checked(amount, currency, reference)
    if batch is None and source in _DEFAULT_BATCH:
        batch = _DEFAULT_BATCH[source].format(expected_on=expected_on.isoformat())
    fields = {
        "amount": value,
        "currency": currency,
        "direction": str(direction),
        "expected_on": expected_on,
        "account": account,
        "loan_id": loan_id,
        "counterparty": counterparty,
        "utr": utr.upper() if utr else None,
        "posting_ref": posting_ref,
        "batch": batch,
    }
    item = repository.insert_expected(session, tenant_id, str(source), reference, fields)
    same = (item.amount, item.direction, item.currency) == (value, str(direction), currency)
    if not same:
        raise Conflict(
            f"expected {source} {reference!r} is recorded as {item.direction} "
            f"{item.currency} {item.amount} (id {item.id}), not {direction} {currency} {value}"
        )
    return item


def cancel_expected(
    session: Session, tenant_id: int, *, source: ExpectedSource | str, reference: str
) -> ReconExpectedItem:
    """Withdraw an open expected item (e.g. a bounced presentation); return it.

    Raises NotFound, or Conflict when it is already matched (unmatch it first).
    """
    item = repository.expected_by_ref(session, tenant_id, str(ExpectedSource(source)), reference)
    if item is None:
        raise NotFound(f"no expected {source} item {reference!r}")
    if item.status == ExpectedStatus.MATCHED:
        raise Conflict(f"expected item {item.id} is matched (group {item.matched_group_id})")
    if item.status != ExpectedStatus.CANCELLED:
        item.status = ExpectedStatus.CANCELLED
        repository.close_breaks_of_expected(session, [item.id], None)
    return item
