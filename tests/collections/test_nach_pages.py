"""NACH pages: mandates with history, presentations with outcomes, returns; cancel.

The scene is the insufficient-funds case of test_nach_flow: one 8,884.88 debit presented
for 1 Feb 2024 and returned with code 04 (re-presented on 6 Feb).
"""

from __future__ import annotations

from datetime import date

import pytest

from hub.platform.auth.permissions import Role
from lms_core.persistence.platform import audit_repository
from tests.collections.helpers import items
from tests.collections.test_nach_flow import UMRN_A, _round_trip, loan_a  # noqa: F401
from tests.support.factories import make_user
from tests.support.web import form_token, sign_in


@pytest.fixture
def returned(db, tenant, rt, nach_bank, loan_a):  # noqa: F811
    nach_bank.bank.behaviour.force(UMRN_A, "04")
    _round_trip(rt, nach_bank, tenant, date(2024, 2, 1))
    (item,) = items(db, loan_a.id)
    return item


def test_pages_show_the_presentation_the_return_and_the_mandate(
    client, tenant, admin, returned
) -> None:
    assert sign_in(client, tenant.code, admin.username).status_code == 303

    listing = client.get("/ui/nach/presentations").text
    assert "1 · ₹0.00" not in listing  # nothing collected
    assert "₹8,884.88" in listing and "0 · ₹0.00" in listing  # presented, none collected

    returns = client.get("/ui/nach/returns").text
    assert "04 balance insufficient" in returns  # NPCI code 04 and its meaning
    assert returned.reference in returns and "2024-02-06" in returns

    mandates = client.get("/ui/mandates").text
    assert UMRN_A in mandates
    page = client.get(f"/ui/mandates/{returned.mandate_id}")
    assert page.status_code == 200 and "registered" in page.text


def test_cancel_from_the_page_is_audited_and_needs_loan_write(
    db, client, tenant, admin, returned
) -> None:
    auditor = make_user(db, tenant, username="aud", roles=(Role.AUDITOR,))
    path = f"/ui/mandates/{returned.mandate_id}"
    assert sign_in(client, tenant.code, auditor.username).status_code == 303
    page = client.get(path).text
    assert "Cancel mandate" not in page  # the button is hidden from a read-only role
    token = form_token(page)  # the sign-out form's token: a valid session token
    denied = client.post(f"{path}/cancel", data={"reason": "x", "csrf_token": token})
    assert denied.status_code == 403

    assert sign_in(client, tenant.code, admin.username).status_code == 303
    token = form_token(client.get(path).text)
    done = client.post(
        f"{path}/cancel",
        data={"reason": "borrower moved bank", "csrf_token": token},
        follow_redirects=True,
    )
    assert done.status_code == 200 and "cancel requested" in done.text
    (entry,) = audit_repository.entries(db, tenant.id, entity_type="mandate")
    assert entry.action == "mandate.cancel" and entry.after["reason"] == "borrower moved bank"
