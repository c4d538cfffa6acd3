"""Dual control (maker-checker) for write-off and settlement, through the API.

Loan: 100000 at 12% over 12 months from 1 Jan 2024, nothing paid, no penal: NPA at the
1 May day-end. On 2 May (after its day-end) it owes principal 100000.00 and interest
3545.67 (3523.74 billed + 21.93 accrued), all in suspense (see test_lifecycle_credit).
"""

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from hub.platform.auth.permissions import Role
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.loans.lifecycle_models import LoanSettlement
from lms_core.persistence.loans.models import Loan
from lms_core.persistence.platform.models import AuditLog, JournalEntry
from tests.support.factories import auth_header, make_tenant, make_user
from tests.support.loans import PERSONAL_LOAN, balance, close_days_through, make_loan
from tests.support.loans import make_product as _make_product
from tests.support.seeded import seeded_module

NO_PENAL = {**PERSONAL_LOAN, "penal_rate": "0"}


def build_npa_world(db) -> dict[str, int]:
    """A tenant with one personal loan disbursed 2024-01-01 and unpaid since: NPA on
    2024-05-01 (DPD 91), built once per module (tests/support/seeded.py)."""
    tenant = make_tenant(db)
    _make_product(db, tenant, rules=NO_PENAL)
    loan = make_loan(db, tenant)
    close_days_through(db, tenant, date(2024, 5, 1))
    assert loan.asset_class == "npa"
    return {"tenant_id": tenant.id, "loan_id": loan.id}


seeded_world, seeded, db, tenant = seeded_module(build_npa_world)


def _npa_loan(db, tenant):
    """The module's NPA loan (seeded once; each test's changes are rolled back)."""
    loan = db.scalar(select(Loan).where(Loan.tenant_id == tenant.id))
    assert loan.asset_class == "npa"
    return loan


def _managers(db, tenant):
    """Two credit managers: the maker and the checker."""
    maker = make_user(db, tenant, roles=(Role.CREDIT_MANAGER,))
    checker = make_user(db, tenant, roles=(Role.CREDIT_MANAGER,))
    return auth_header(maker, tenant), auth_header(checker, tenant), maker, checker


def _journals(db, loan, kind: str | None = None) -> int:
    stmt = select(func.count()).select_from(JournalEntry).where(JournalEntry.loan_id == loan.id)
    if kind is not None:
        stmt = stmt.where(JournalEntry.kind == kind)
    return db.scalar(stmt)


def _audited(db, tenant) -> list[str]:
    stmt = select(AuditLog.action).where(AuditLog.tenant_id == tenant.id).order_by(AuditLog.id)
    return list(db.scalars(stmt))


def test_maker_cannot_approve_and_the_checker_writes_off_exactly_once(client, db, tenant):
    """Write-off: Dr INTEREST_SUSPENSE 3545.67, Dr WRITE_OFF_EXPENSE 100000.00 /
    Cr LOAN_PRINCIPAL 100000.00, INTEREST_DUE 3523.74, INTEREST_RECEIVABLE 21.93,
    posted when the checker approves, not when the maker asks."""
    loan = _npa_loan(db, tenant)
    maker_h, checker_h, maker, checker = _managers(db, tenant)
    asked = client.post(
        f"/api/v1/loans/{loan.id}/write-off", json={"reason": "uncontactable"}, headers=maker_h
    )
    assert asked.status_code == 202, asked.text
    req = asked.json()
    assert (req["action"], req["status"], req["payload"]) == (
        "loan.writeoff",
        "pending",
        {"reason": "uncontactable"},
    )
    assert loan.status == "active" and _journals(db, loan, "write_off") == 0
    assert balance(db, tenant, "LOAN_PRINCIPAL", loan.id) == Decimal("100000.00")
    own = client.post(f"/api/v1/approvals/{req['id']}/approve", headers=maker_h)
    assert own.status_code == 403 and "a second user must decide it" in own.json()["detail"]
    done = client.post(
        f"/api/v1/approvals/{req['id']}/approve", json={"comment": "ok"}, headers=checker_h
    )
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["status"], body["checker"], body["maker"]) == (
        "approved",
        checker.username,
        maker.username,
    )
    assert body["result_ref"] == f"loan_change:{body['result']['id']}"
    detail = body["result"]["detail"]
    assert (detail["principal"], detail["interest"], detail["suspense_reversed"]) == (
        "100000.00",
        "3545.67",
        "3545.67",
    )
    assert loan.status == "written_off" and _journals(db, loan, "write_off") == 1
    for account in ("LOAN_PRINCIPAL", "INTEREST_DUE", "INTEREST_RECEIVABLE", "INTEREST_SUSPENSE"):
        assert balance(db, tenant, account, loan.id) == Decimal("0.00"), account
    assert balance(db, tenant, "WRITE_OFF_EXPENSE", loan.id) == Decimal("100000.00")
    again = client.post(f"/api/v1/approvals/{req['id']}/approve", headers=checker_h)
    assert again.status_code == 409 and "approved, not pending" in again.json()["detail"]
    assert _journals(db, loan, "write_off") == 1
    assert _audited(db, tenant)[-3:] == ["approval.request", "loan.write_off", "approval.approve"]
    assert ledger_repository.verify(db) == []


def test_reject_posts_nothing_and_needs_a_reason(client, db, tenant):
    loan = _npa_loan(db, tenant)
    maker_h, checker_h, _, checker = _managers(db, tenant)
    url = f"/api/v1/loans/{loan.id}/settlement"
    asked = client.post(url, json={"amount": "60000"}, headers=maker_h)
    assert asked.status_code == 202, asked.text
    before = _journals(db, loan)
    rid = asked.json()["id"]
    bare = client.post(f"/api/v1/approvals/{rid}/reject", json={"reason": ""}, headers=checker_h)
    assert bare.status_code == 422
    no = client.post(
        f"/api/v1/approvals/{rid}/reject", json={"reason": "offer too low"}, headers=checker_h
    )
    assert no.status_code == 200, no.text
    assert (no.json()["status"], no.json()["checker"], no.json()["comment"]) == (
        "rejected",
        checker.username,
        "offer too low",
    )
    assert _journals(db, loan) == before and loan.status == "active"
    assert db.scalar(select(func.count()).where(LoanSettlement.loan_id == loan.id)) == 0
    late = client.post(f"/api/v1/approvals/{rid}/approve", headers=checker_h)
    assert late.status_code == 409
    assert client.post(url, json={"amount": "65000"}, headers=maker_h).status_code == 202


def test_failed_execution_records_the_error_and_posts_nothing(client, db, tenant, admin):
    """A settlement at 60000 and a write-off are both asked for; the write-off is
    approved first, so the loan is no longer active when the settlement is approved:
    that approval fails, is kept ``failed`` with the action's own error, and nothing
    more is posted."""
    loan = _npa_loan(db, tenant)
    maker_h, checker_h, _, _ = _managers(db, tenant)
    asked = client.post(
        f"/api/v1/loans/{loan.id}/settlement", json={"amount": "60000"}, headers=maker_h
    )
    assert asked.status_code == 202, asked.text
    write_off = client.post(
        f"/api/v1/loans/{loan.id}/write-off", json={"reason": "fraud"}, headers=maker_h
    )
    approved = client.post(
        f"/api/v1/approvals/{write_off.json()['id']}/approve", headers=auth_header(admin, tenant)
    )
    assert approved.status_code == 200 and loan.status == "written_off"
    before = _journals(db, loan)
    rid = asked.json()["id"]
    failed = client.post(f"/api/v1/approvals/{rid}/approve", headers=checker_h)
    assert failed.status_code == 409, failed.text
    approval = failed.json()["approval"]
    assert approval["status"] == "failed"
    assert "is written_off; this needs active" in approval["error"]
    assert approval["error"] in failed.json()["detail"]
    assert _journals(db, loan) == before
    assert db.scalar(select(func.count()).where(LoanSettlement.loan_id == loan.id)) == 0
    shown = client.get(f"/api/v1/approvals/{rid}", headers=checker_h).json()
    assert (shown["status"], shown["error"]) == ("failed", approval["error"])
    assert _audited(db, tenant)[-1] == "approval.fail"
    assert client.post(f"/api/v1/approvals/{rid}/approve", headers=checker_h).status_code == 409
    assert ledger_repository.verify(db) == []


def test_bad_or_duplicate_requests_are_refused_at_once(client, db, tenant):
    loan = _npa_loan(db, tenant)
    maker_h, checker_h, _, _ = _managers(db, tenant)
    url = f"/api/v1/loans/{loan.id}/write-off"
    assert client.post(url, json={"reason": "fraud"}, headers=maker_h).status_code == 202
    dup = client.post(url, json={"reason": "fraud"}, headers=checker_h)
    assert dup.status_code == 409 and "already has a pending loan.writeoff" in dup.json()["detail"]
    settle = f"/api/v1/loans/{loan.id}/settlement"
    too_much = client.post(settle, json={"amount": "103545.67"}, headers=maker_h)
    assert too_much.status_code == 422  # the action's own check, run at request time
    assert too_much.json()["errors"][0]["field"] == "amount"
    lapsed = client.post(
        settle, json={"amount": "60000", "valid_until": "2024-04-30"}, headers=maker_h
    )
    assert lapsed.status_code == 422 and lapsed.json()["errors"][0]["field"] == "valid_until"
    missing = client.post(
        "/api/v1/loans/999999/write-off", json={"reason": "x y z"}, headers=maker_h
    )
    assert missing.status_code == 404
    pending = client.get("/api/v1/approvals", params={"status": "pending"}, headers=maker_h)
    assert [r["action"] for r in pending.json()] == ["loan.writeoff"]
    assert _journals(db, loan, "write_off") == 0


def test_permissions_and_the_makers_cancel(client, db, tenant, admin):
    loan = _npa_loan(db, tenant)
    maker_h, checker_h, _, _ = _managers(db, tenant)
    officer_h = auth_header(make_user(db, tenant, roles=(Role.LOAN_OFFICER,)), tenant)
    auditor_h = auth_header(make_user(db, tenant, roles=(Role.AUDITOR,)), tenant)
    partner_h = auth_header(make_user(db, tenant, roles=(Role.PARTNER_CLIENT,)), tenant)
    url = f"/api/v1/loans/{loan.id}/write-off"
    assert client.post(url, json={"reason": "fraud"}, headers=officer_h).status_code == 403
    rid = client.post(url, json={"reason": "fraud"}, headers=maker_h).json()["id"]
    assert client.get(f"/api/v1/approvals/{rid}", headers=auditor_h).status_code == 200
    assert client.get("/api/v1/approvals", headers=partner_h).status_code == 403
    denied = client.post(f"/api/v1/approvals/{rid}/approve", headers=officer_h)
    assert denied.status_code == 403 and "loan:writeoff" in denied.json()["detail"]
    other = client.post(f"/api/v1/approvals/{rid}/cancel", headers=checker_h)
    assert other.status_code == 403 and "may cancel" in other.json()["detail"]
    gone = client.post(
        f"/api/v1/approvals/{rid}/cancel", json={"reason": "wrong loan"}, headers=maker_h
    )
    assert gone.status_code == 200 and gone.json()["status"] == "cancelled"
    assert client.post(f"/api/v1/approvals/{rid}/approve", headers=checker_h).status_code == 409
    assert loan.status == "active" and _journals(db, loan, "write_off") == 0
    assert client.get("/api/v1/approvals/999999", headers=maker_h).status_code == 404


def test_settlement_through_approval_then_paid(client, db, tenant, admin):
    """Same figures as test_lifecycle_credit: agreed 60000 (principal first), paid 60010:
    waived principal 40000.00 and interest 3545.67 (reversed from suspense), 10.00
    refundable. The admin (who holds loan:writeoff) is the checker here."""
    loan = _npa_loan(db, tenant)
    maker_h, _, _, _ = _managers(db, tenant)
    asked = client.post(
        f"/api/v1/loans/{loan.id}/settlement",
        json={"amount": "60000", "valid_until": "2024-05-31"},
        headers=maker_h,
    )
    assert asked.status_code == 202, asked.text
    admin_h = auth_header(admin, tenant)
    done = client.post(f"/api/v1/approvals/{asked.json()['id']}/approve", headers=admin_h)
    assert done.status_code == 200, done.text
    deal = done.json()["result"]
    assert (deal["status"], deal["agreed_amount"], deal["valid_until"]) == (
        "agreed",
        "60000.00",
        "2024-05-31",
    )
    assert done.json()["result_ref"] == f"loan_settlement:{deal['id']}"
    paid = client.post(
        f"/api/v1/loans/{loan.id}/settlement/payment", json={"amount": "60010"}, headers=admin_h
    )
    assert paid.status_code == 201, paid.text
    assert paid.json()["detail"]["waived"]["principal"] == "40000.00"
    assert (loan.status, loan.advance) == ("settled", Decimal("10.00"))
    assert balance(db, tenant, "WAIVER_EXPENSE", loan.id) == Decimal("40000.00")
    assert balance(db, tenant, "LOAN_PRINCIPAL", loan.id) == Decimal("0.00")
    assert ledger_repository.verify(db) == []


def test_policy_off_executes_at_once_and_only_a_tenant_admin_changes_it(client, db, tenant, admin):
    loan = _npa_loan(db, tenant)
    maker_h, _, _, _ = _managers(db, tenant)
    admin_h = auth_header(admin, tenant)
    policy_url = "/api/v1/approvals/policy"
    assert client.get(policy_url, headers=maker_h).json() == {  # every domain's actions
        "loan.writeoff": True,
        "loan.settlement": True,
        "recon.resolution": True,
    }
    off = {"dual_control": False}
    assert client.put(f"{policy_url}/loan.writeoff", json=off, headers=maker_h).status_code == 403
    changed = client.put(f"{policy_url}/loan.writeoff", json=off, headers=admin_h)
    assert changed.json() == {
        "loan.writeoff": False,
        "loan.settlement": True,
        "recon.resolution": True,
    }
    done = client.post(
        f"/api/v1/loans/{loan.id}/write-off", json={"reason": "fraud"}, headers=maker_h
    )
    assert done.status_code == 201, done.text
    assert done.json()["detail"]["principal"] == "100000.00"
    assert loan.status == "written_off" and _journals(db, loan, "write_off") == 1
    assert "approval.policy" in _audited(db, tenant)


def test_idempotency_key_replays_the_request_and_the_approval(client, db, tenant):
    loan = _npa_loan(db, tenant)
    maker_h, checker_h, _, _ = _managers(db, tenant)
    url = f"/api/v1/loans/{loan.id}/write-off"
    keyed = {**maker_h, "Idempotency-Key": "wo-1"}
    first = client.post(url, json={"reason": "fraud"}, headers=keyed)
    again = client.post(url, json={"reason": "fraud"}, headers=keyed)
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"] and again.headers["idempotent-replayed"]
    approve = f"/api/v1/approvals/{first.json()['id']}/approve"
    keyed = {**checker_h, "Idempotency-Key": "ok-1"}
    one = client.post(approve, headers=keyed)
    two = client.post(approve, headers=keyed)
    assert one.status_code == two.status_code == 200 and one.json() == two.json()
    assert two.headers["idempotent-replayed"] == "true"
    assert _journals(db, loan, "write_off") == 1
