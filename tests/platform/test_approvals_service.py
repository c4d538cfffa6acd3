"""The one approvals service: amount bands, N checkers, band permissions, one queue for
every domain (a loan's write-off and a reconciliation adjustment alike)."""

from __future__ import annotations

from decimal import Decimal

from hub.platform.auth.permissions import Role
from lms_core.approvals import Band, band_for, problems
from tests.loans.test_approvals import (
    _journals,
    _managers,
    _npa_loan,
    build_npa_world,
)
from tests.support.factories import auth_header, make_user
from tests.support.seeded import seeded_module

D = Decimal
seeded_world, seeded, db, tenant = seeded_module(build_npa_world)


def test_the_band_for_an_amount_is_the_highest_not_above_it():
    """Bands 0: one checker, 25,00,000.01: two, 1,00,00,000.01: two and a credit head."""
    bands = (Band(D("0"), 1), Band(D("2500000.01"), 2), Band(D("10000000.01"), 2, "x:head"))
    cases = [
        (D("1"), 1, None),
        (D("2500000.00"), 1, None),
        (D("2500000.01"), 2, None),
        (D("10000000.01"), 2, "x:head"),
        (None, 1, None),  # an action without an amount: the lowest band
    ]
    for amount, checkers, permission in cases:
        band = band_for(bands, amount)
        assert (band.checkers, band.permission) == (checkers, permission), amount


def test_a_bad_policy_names_every_problem():
    found = problems((Band(D("0"), 7), Band(D("0"), 1), Band(D("-5"), 1)))
    assert [(p.index, p.message) for p in found] == [
        (0, "checkers 7: 0 to 5"),
        (1, "min_amount 0 appears twice"),
        (2, "min_amount -5 is negative"),
    ]
    assert [p.message for p in problems(())] == ["at least one band is needed"]


def _two_checkers(client, admin_h, action="loan.writeoff", permission=None):
    band = {"min_amount": "0", "checkers": 2, "permission": permission}
    body = {"dual_control": True, "bands": [band]}
    put = client.put(f"/api/v1/approvals/policy/{action}", json=body, headers=admin_h)
    assert put.status_code == 200, put.text


def test_two_checkers_needed_the_action_runs_on_the_second(client, db, tenant, admin):
    loan = _npa_loan(db, tenant)
    maker_h, first_h, _, first = _managers(db, tenant)
    second = make_user(db, tenant, roles=(Role.CREDIT_MANAGER,))
    _two_checkers(client, auth_header(admin, tenant))
    asked = client.post(f"/api/v1/loans/{loan.id}/write-off", json={"reason": "gone"},
                        headers=maker_h)  # fmt: skip
    req = asked.json()
    assert (asked.status_code, req["required"], req["subject_type"]) == (202, 2, "loan")
    one = client.post(f"/api/v1/approvals/{req['id']}/approve", headers=first_h).json()
    assert (one["status"], len(one["decisions"]), "result" in one) == ("pending", 1, False)
    assert _journals(db, loan, "write_off") == 0  # one approval is not enough
    again = client.post(f"/api/v1/approvals/{req['id']}/approve", headers=first_h)
    assert (again.status_code, again.json()["code"]) == (409, "approval.already_decided")
    two = client.post(
        f"/api/v1/approvals/{req['id']}/approve", headers=auth_header(second, tenant)
    ).json()
    assert two["status"] == "approved" and two["result"] is not None
    assert [d["checker"] for d in two["decisions"]] == [first.username, second.username]
    assert _journals(db, loan, "write_off") == 1


def test_a_band_permission_keeps_other_checkers_out(client, db, tenant, admin):
    loan = _npa_loan(db, tenant)
    maker_h, checker_h, _, _ = _managers(db, tenant)
    _two_checkers(client, auth_header(admin, tenant), permission="tenant:admin")
    req = client.post(f"/api/v1/loans/{loan.id}/write-off", json={"reason": "gone"},
                      headers=maker_h).json()  # fmt: skip
    refused = client.post(f"/api/v1/approvals/{req['id']}/approve", headers=checker_h)
    assert (refused.status_code, refused.json()["code"]) == (403, "approval.permission")
    ok = client.post(f"/api/v1/approvals/{req['id']}/approve", headers=auth_header(admin, tenant))
    assert ok.json()["status"] == "pending"  # the admin's approval counts (1 of 2)


def test_the_maker_is_never_a_checker_and_the_code_says_so(client, db, tenant):
    loan = _npa_loan(db, tenant)
    maker_h, _, _, _ = _managers(db, tenant)
    req = client.post(f"/api/v1/loans/{loan.id}/write-off", json={"reason": "gone"},
                      headers=maker_h).json()  # fmt: skip
    own = client.post(f"/api/v1/approvals/{req['id']}/approve", headers=maker_h)
    assert (own.status_code, own.json()["code"]) == (403, "approval.maker_is_checker")


def test_a_policy_with_bad_bands_is_refused_naming_the_band(client, tenant, admin):
    body = {"dual_control": True, "bands": [{"min_amount": "0", "checkers": 1},
                                            {"min_amount": "0", "checkers": 2}]}  # fmt: skip
    put = client.put(
        "/api/v1/approvals/policy/loan.writeoff", json=body, headers=auth_header(admin, tenant)
    )
    assert put.status_code == 422
    assert put.json()["errors"] == [{"field": "bands[1]", "message": "min_amount 0 appears twice"}]
    unknown = client.put("/api/v1/approvals/policy/nope", json={"dual_control": True},
                         headers=auth_header(admin, tenant))  # fmt: skip
    assert (unknown.status_code, unknown.json()["code"]) == (404, "approval.unknown_action")
