"""The life-cycle API end to end: closure by the last installment (NOC + events, with a
co-lender's notice), prepayment with Idempotency-Key, write-off permissions (maker and
checker), 4xx."""

import hashlib
import re
from datetime import date
from decimal import Decimal

from hub.loans.repayments import RepaymentIn, post_repayment
from hub.platform.auth.permissions import Role
from lms_core.ledger import Journal, OwnerKind, credit, debit
from lms_core.persistence.ledger import ledger_repository
from lms_core.persistence.loans import loan_repository
from tests.loans.lifecycle_helpers import outbox_events
from tests.support.factories import auth_header, make_user
from tests.support.loans import close_days_through, make_loan, make_product


def _co_lent_share(db, tenant, loan, amount: str) -> None:
    """Book a co-lender's share on the loan the way co-lending does: its own postings."""
    ledger_repository.ensure_owner(db, tenant.id, "BANKX", OwnerKind.CO_LENDER, "Bank X")
    kw = {"owner": "BANKX", "loan_id": loan.id}
    journal = Journal(
        "co_lending_share",
        date(2024, 1, 1),
        (
            debit("LOAN_PRINCIPAL", Decimal(amount), **kw),
            credit("DUE_TO_PARTNER", Decimal(amount), **kw),
        ),
        loan_id=loan.id,
    )
    ledger_repository.post(db, tenant.id, journal, "test")


def test_last_installment_closes_with_noc_events_and_partner_notice(client, db, tenant, admin):
    """A 3-month loan of 3000 at 12% (EMI 1020.07; the last 1020.06 absorbs rounding)
    paid on each due date closes on 1 Apr: NOC issued, ``loan.closed`` for the mandate
    cancellation and ``loan.closed.partner_notice`` for BANKX's 2400.00 share."""
    make_product(db, tenant)
    loan = make_loan(db, tenant, principal="3000", tenure=3)
    _co_lent_share(db, tenant, loan, "2400")
    rows = loan_repository.schedule_rows(db, loan.id, 1)
    for row in rows:
        close_days_through(db, tenant, row.due_date - date.resolution)
        post_repayment(db, tenant.id, loan.id, RepaymentIn(row.total), "test")
    assert [r.total for r in rows] == [Decimal("1020.07"), Decimal("1020.07"), Decimal("1020.06")]
    assert (loan.status, loan.closed_on) == ("closed", date(2024, 4, 1))
    events = outbox_events(db, tenant, loan)
    assert [e["type"] for e in events] == ["loan.closed", "loan.closed.partner_notice"]
    assert events[0]["closure"] == "repaid" and events[0]["action"] == "cancel_mandates"
    assert (events[1]["partner"], events[1]["partner_principal"]) == ("BANKX", "2400.00")
    headers = auth_header(admin, tenant)
    pdf = client.get(f"/api/v1/loans/{loan.id}/noc", headers=headers)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["x-checksum-sha256"] == hashlib.sha256(pdf.content).hexdigest()
    assert events[0]["noc"]["sha256"] == pdf.headers["x-checksum-sha256"]
    _assert_pdf_structure(pdf.content)
    assert b"No Dues Certificate" in pdf.content and loan.loan_number.encode() in pdf.content
    view = client.get(f"/api/v1/loans/{loan.id}/lifecycle", headers=headers).json()
    assert view["status"] == "closed" and view["noc"]["sha256"] == events[0]["noc"]["sha256"]


def _assert_pdf_structure(pdf: bytes) -> None:
    """Every cross-reference offset points at its object; startxref points at the table."""
    start = int(re.search(rb"startxref\n(\d+)", pdf).group(1))
    assert pdf[start:].startswith(b"xref\n")
    offsets = re.findall(rb"(\d{10}) 00000 n ", pdf)
    for number, offset in enumerate(offsets, start=1):
        assert pdf[int(offset) :].startswith(f"{number} 0 obj".encode())
    assert pdf.rstrip().endswith(b"%%EOF")


def test_prepayment_api_quote_then_execute_idempotently(client, db, tenant, admin):
    """Same figures as test_lifecycle_prepayment (no charges here): 20000 prepaid on
    15 Feb + 92.05 interest = 20092.05."""
    make_product(db, tenant)
    loan = make_loan(db, tenant)
    close_days_through(db, tenant, date(2024, 1, 31))
    post_repayment(db, tenant.id, loan.id, RepaymentIn(Decimal("8884.88")), "test")
    close_days_through(db, tenant, date(2024, 2, 14))
    headers = auth_header(admin, tenant)
    quote = client.get(
        f"/api/v1/loans/{loan.id}/prepayment/quote",
        params={"amount": "20000", "policy": "reduce_emi"},
        headers=headers,
    )
    assert quote.status_code == 200 and quote.json()["total"] == "20092.05"
    key = {**headers, "Idempotency-Key": "prepay-1"}
    body = {"amount": "20000", "policy": "reduce_emi"}
    first = client.post(f"/api/v1/loans/{loan.id}/prepayments", json=body, headers=key)
    again = client.post(f"/api/v1/loans/{loan.id}/prepayments", json=body, headers=key)
    assert first.status_code == again.status_code == 201, first.text
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert first.json()["detail"]["installment_after"] == "6955.80"
    assert loan.schedule_version == 2
    v1 = client.get(f"/api/v1/loans/{loan.id}/schedule/versions/1", headers=headers).json()
    assert v1[1]["total"] == "8884.88"
    too_much = client.post(
        f"/api/v1/loans/{loan.id}/prepayments", json={"amount": "90000"}, headers=headers
    )
    assert too_much.status_code == 422 and too_much.json()["errors"][0]["field"] == "amount"


def test_write_off_needs_the_permission_and_refuses_wrong_states(client, db, tenant, admin):
    make_product(db, tenant)
    loan = make_loan(db, tenant)
    officer = make_user(db, tenant, roles=(Role.LOAN_OFFICER,))
    manager = make_user(db, tenant, roles=(Role.CREDIT_MANAGER,))
    url = f"/api/v1/loans/{loan.id}/write-off"
    assert (
        client.post(url, json={"reason": "fraud"}, headers=auth_header(officer, tenant)).status_code
        == 403
    )
    asked = client.post(url, json={"reason": "fraud"}, headers=auth_header(manager, tenant))
    assert asked.status_code == 202, asked.text  # dual control: a second manager approves
    assert (asked.json()["status"], asked.json()["maker"]) == ("pending", manager.username)
    assert loan.status == "active"
    checker = make_user(db, tenant, roles=(Role.CREDIT_MANAGER,))
    done = client.post(
        f"/api/v1/approvals/{asked.json()['id']}/approve", headers=auth_header(checker, tenant)
    )
    assert done.status_code == 200, done.text
    assert done.json()["result"]["detail"]["principal"] == "100000.00"
    again = client.post(url, json={"reason": "fraud"}, headers=auth_header(manager, tenant))
    assert again.status_code == 409 and "written_off" in again.json()["detail"]
    headers = auth_header(admin, tenant)
    fc = client.get(f"/api/v1/loans/{loan.id}/foreclosure/quote", headers=headers)
    assert fc.status_code == 409
    assert client.get("/api/v1/loans/999999/foreclosure/quote", headers=headers).status_code == 404
    noc = client.get(f"/api/v1/loans/{loan.id}/noc", headers=headers)
    assert noc.status_code == 409
    rec = client.post(f"/api/v1/loans/{loan.id}/recoveries", json={"amount": "-5"}, headers=headers)
    assert rec.status_code == 422
    rec = client.post(
        f"/api/v1/loans/{loan.id}/recoveries", json={"amount": "500"}, headers=headers
    )
    assert rec.status_code == 201 and rec.json()["detail"]["allocated"]["principal"] == "500.00"
    view = client.get(f"/api/v1/loans/{loan.id}/lifecycle", headers=headers).json()
    assert view["write_off"]["outstanding"]["principal"] == "99500.00"
