"""The dual control page: a maker's write-off request approved or rejected by a checker."""

from datetime import date

from hub.platform.auth.permissions import Role
from lms_core.persistence.platform import approval_repository
from tests.support.factories import auth_header, make_user
from tests.support.loans import close_days_through, make_loan, make_product
from tests.support.web import form_token, sign_in


def _asked(client, db, tenant):
    """A credit manager asks to write off an active loan (through the API): 202."""
    make_product(db, tenant)
    loan = make_loan(db, tenant)
    close_days_through(db, tenant, date(2024, 1, 5))
    maker = make_user(db, tenant, roles=(Role.CREDIT_MANAGER,))
    asked = client.post(
        f"/api/v1/loans/{loan.id}/write-off",
        json={"reason": "fraud"},
        headers=auth_header(maker, tenant),
    )
    assert asked.status_code == 202, asked.text
    return loan, maker, asked.json()["id"]


def test_checker_approves_on_the_page_and_the_maker_cannot(client, db, tenant, admin):
    loan, maker, rid = _asked(client, db, tenant)
    assert sign_in(client, tenant.code, maker.username).status_code == 303
    page = client.get("/ui/approvals")
    assert page.status_code == 200 and "yours: another user approves" in page.text
    assert f'data-testid="approve-{rid}"' not in page.text
    own = client.post(f"/ui/approvals/{rid}/approve", data={"csrf_token": form_token(page.text)})
    assert "a second user must decide it" in own.text
    assert loan.status == "active"
    assert sign_in(client, tenant.code, admin.username).status_code == 303
    page = client.get("/ui/approvals")
    assert f'data-testid="approve-{rid}"' in page.text and "fraud" in page.text
    done = client.post(f"/ui/approvals/{rid}/approve", data={"csrf_token": form_token(page.text)})
    assert done.status_code == 200 and f"request {rid} approved: loan_change:" in done.text
    assert loan.status == "written_off"
    assert approval_repository.get_request(db, tenant.id, rid).checker == admin.username
    assert "Nothing waiting." in done.text


def test_reject_on_the_page_needs_a_reason_and_csrf(client, db, tenant, admin):
    loan, _, rid = _asked(client, db, tenant)
    assert sign_in(client, tenant.code, admin.username).status_code == 303
    token = form_token(client.get("/ui/approvals").text)
    forged = client.post(f"/ui/approvals/{rid}/reject", data={"reason": "no way"})
    assert forged.status_code == 403
    short = client.post(f"/ui/approvals/{rid}/reject", data={"reason": "", "csrf_token": token})
    assert "reason of at least 3 characters" in short.text
    no = client.post(f"/ui/approvals/{rid}/reject", data={"reason": "not yet", "csrf_token": token})
    assert f"request {rid} rejected" in no.text
    req = approval_repository.get_request(db, tenant.id, rid)
    assert (req.status, req.comment, loan.status) == ("rejected", "not yet", "active")
