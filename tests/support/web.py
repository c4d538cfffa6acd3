"""Dashboard fixtures: sign in through the real login form (TestClient and browser).

TestClient tests use the shared ``client`` (the app on the rolled-back ``db``) and
:func:`sign_in`. Browser tests (``@pytest.mark.browser``) use ``live_server`` (the real
app served by uvicorn on loopback against a committed database of its own),
``browser_page`` (headless Debian chromium through Playwright) and ``login``; see
docs/WEB.md. They are reused by other features' browser tests.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"  # tests.support.factories.make_user's default
_NONCE = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_token(html: str) -> str:
    """The CSRF field of the first form in ``html``."""
    match = _NONCE.search(html)
    assert match, "no csrf_token field on the page"
    return match.group(1)


def sign_in(client: TestClient, tenant_code: str, username: str, password: str = PASSWORD):
    """Post the login form as a browser would; return the response (not followed)."""
    nonce = form_token(client.get("/ui/login").text)
    form = {
        "tenant": tenant_code,
        "username": username,
        "password": password,
        "csrf_token": nonce,
        "next": "/ui/",
    }
    return client.post("/ui/login", data=form, follow_redirects=False)


@pytest.fixture
def signed_in(client, tenant, admin) -> TestClient:
    """The shared client, signed in as an admin of ``tenant``."""
    assert sign_in(client, tenant.code, admin.username).status_code == 303
    return client
