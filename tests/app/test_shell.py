"""The dashboard shell: sign-in, session cookie, permissions, CSRF, tenant switch, money."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hub.platform.auth.permissions import Role
from hub.platform.web.formatting import inr
from tests.support.factories import make_tenant, make_user
from tests.support.web import PASSWORD, form_token, sign_in


def test_login_sets_an_httponly_strict_cookie_and_shows_the_dashboard(client, tenant, admin):
    response = sign_in(client, tenant.code, admin.username)
    assert (response.status_code, response.headers["location"]) == (303, "/ui/")
    cookie = next(h for h in response.headers.get_list("set-cookie") if "sangam_session=" in h)
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/ui" in cookie
    page = client.get("/ui/")
    assert page.status_code == 200
    assert f"Tenant <strong>{tenant.code}</strong>" in page.text
    assert "Business date <strong>2024-01-01</strong>" in page.text  # make_tenant's date
    assert "default-src 'self'" in page.headers["content-security-policy"]


@pytest.mark.parametrize(
    ("password", "tenant_code"),
    [("wrong password", None), (PASSWORD, "no-such-tenant")],
    ids=["bad-password", "wrong-tenant"],
)
def test_bad_password_or_wrong_tenant_is_refused(client, tenant, admin, password, tenant_code):
    response = sign_in(client, tenant_code or tenant.code, admin.username, password)
    assert response.status_code == 401
    assert "Unknown user, wrong password, or no such account in this tenant" in response.text
    assert "sangam_session" not in response.headers.get("set-cookie", "")
    assert client.get("/ui/", follow_redirects=False).status_code == 303


def test_user_of_another_tenant_cannot_sign_in_here(client, db, tenant, admin):
    other = make_tenant(db)
    assert sign_in(client, other.code, admin.username).status_code == 401


def test_login_form_without_its_nonce_is_rejected(client, tenant, admin):
    form = {"tenant": tenant.code, "username": admin.username, "password": PASSWORD}
    response = client.post("/ui/login", data=form, follow_redirects=False)
    assert response.status_code == 400 and "expired" in response.text


def test_pages_need_a_session_and_come_back_after_login(client, tenant, admin):
    response = client.get("/ui/hub/inbox?status=failed", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/login?next=%2Fui%2Fhub%2Finbox%3Fstatus%3Dfailed"
    assert client.get("/", follow_redirects=False).headers["location"] == "/ui/"
    forged = {"sangam_session": "not-a-jwt"}
    client.cookies.update(forged)
    assert client.get("/ui/", follow_redirects=False).status_code == 303


def test_login_redirects_only_to_our_pages(client, tenant, admin):
    nonce = form_token(client.get("/ui/login").text)
    form = {
        "tenant": tenant.code,
        "username": admin.username,
        "password": PASSWORD,
        "csrf_token": nonce,
        "next": "//evil.example/ui/",
    }
    response = client.post("/ui/login", data=form, follow_redirects=False)
    assert response.headers["location"] == "/ui/"


def test_a_role_without_the_permission_gets_the_403_page(client, db, tenant):
    officer = make_user(db, tenant, roles=(Role.LOAN_OFFICER,))
    sign_in(client, tenant.code, officer.username)
    response = client.get("/ui/hub/dead-letters")
    assert response.status_code == 403
    assert "permission hub:read is required" in response.text
    home = client.get("/ui/").text
    assert "Dead letters" not in home  # the nav hides what the role cannot open


def test_post_without_csrf_token_is_rejected_and_with_it_accepted(signed_in):
    refused = signed_in.post("/ui/logout", data={}, follow_redirects=False)
    assert refused.status_code == 403 and "Form rejected" in refused.text
    assert signed_in.get("/ui/", follow_redirects=False).status_code == 200  # still signed in
    token = form_token(signed_in.get("/ui/").text)
    wrong = signed_in.post("/ui/logout", data={"csrf_token": token + "x"}, follow_redirects=False)
    assert wrong.status_code == 403
    done = signed_in.post("/ui/logout", data={"csrf_token": token}, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/ui/login")
    assert signed_in.get("/ui/", follow_redirects=False).status_code == 303


def test_tenant_switch_only_where_the_password_was_proven(client, db, tenant, admin):
    second = make_tenant(db, code="branch2")
    make_user(db, second, username=admin.username, roles=(Role.AUDITOR,))
    third = make_tenant(db, code="branch3")
    make_user(db, third, username=admin.username, password="another password")
    sign_in(client, tenant.code, admin.username)
    home = client.get("/ui/").text
    assert '<option value="branch2"' in home and "branch3" not in home
    token = form_token(home)
    moved = client.post("/ui/switch-tenant", data={"tenant": "branch2", "csrf_token": token})
    assert "Tenant <strong>branch2</strong>" in moved.text
    assert "now working in tenant branch2" in moved.text
    assert "(auditor)" in moved.text  # the roles of the branch2 account, read again
    token = form_token(moved.text)
    refused = client.post("/ui/switch-tenant", data={"tenant": "branch3", "csrf_token": token})
    assert "sign in to tenant branch3 to use it" in refused.text
    assert "Tenant <strong>branch2</strong>" in refused.text


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("0"), "₹0.00"),
        (Decimal("999.5"), "₹999.50"),
        ("1000.00", "₹1,000.00"),
        (Decimal("100000"), "₹1,00,000.00"),
        (Decimal("12345678.9"), "₹1,23,45,678.90"),  # lakh and crore grouping
        (Decimal("-2500000.005"), "-₹25,00,000.01"),  # half-up to the paisa
    ],
)
def test_inr_uses_indian_grouping(amount, shown):
    assert inr(amount) == shown
