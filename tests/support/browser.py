"""Browser-test fixtures: the real app on loopback, headless chromium, a login step.

``live_server`` serves ``create_app`` with uvicorn (:class:`SandboxServer`) against a
database of its own, migrated once per test process and committed to for real (the
rolled-back ``db`` fixture cannot be shared with the server's threads). It holds one
tenant ``web`` with users ``admin``, ``auditor`` and ``officer`` (password
:data:`LIVE_PASSWORD`); seed more through ``live_server.session_factory`` and commit.

``browser_page`` is a fresh Playwright page (own cookies) in Debian's chromium. When
``/usr/bin/chromium`` is missing the test is skipped, unless the environment variable
``CI`` is set: then it fails, so CI never passes by skipping.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

from connectors.sdk.sandbox.http_app import SandboxServer
from hub.app.api import create_app
from hub.platform.auth.permissions import Role
from hub.platform.config import Settings, load_settings
from tests.support.db import drop_database, fresh_database
from tests.support.factories import TEST_SECRET, make_tenant, make_user

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LIVE_PASSWORD = "live-dashboard-pass"
LIVE_TENANT = "web"
LIVE_USERS = {
    "admin": (Role.ADMIN,),
    "auditor": (Role.AUDITOR,),
    "officer": (Role.LOAN_OFFICER,),
}


@dataclass
class LiveServer:
    base_url: str
    settings: Settings
    session_factory: sessionmaker[Session]
    tenant_code: str = LIVE_TENANT
    tenant_id: int = 0
    users: dict[str, int] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base_url + path


def _seed(factory: sessionmaker[Session]) -> tuple[int, dict[str, int]]:
    with factory() as session:
        tenant = make_tenant(session, code=LIVE_TENANT)
        users = {
            name: make_user(session, tenant, username=name, roles=roles, password=LIVE_PASSWORD).id
            for name, roles in LIVE_USERS.items()
        }
        session.commit()
        return tenant.id, users


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """The real app on 127.0.0.1:<port> over a committed database (one per process)."""
    from tests.conftest import unique_db_name

    name = unique_db_name("web")
    engine = create_engine(fresh_database(name), pool_size=5)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    tenant_id, users = _seed(factory)
    settings = load_settings(
        jwt_secret=TEST_SECRET,
        data_dir=tmp_path_factory.mktemp("live"),
        environment="test",
        log_json=False,
        default_tenant=LIVE_TENANT,
    )
    server = SandboxServer(create_app(settings, factory)).start()
    try:
        yield LiveServer(server.base_url, settings, factory, LIVE_TENANT, tenant_id, users)
    finally:
        server.stop()
        engine.dispose()
        drop_database(name)


def _chromium_or_skip() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing and CI is set: browser tests must run")
    pytest.skip(f"{CHROMIUM} is not installed")


@pytest.fixture(scope="session")
def _browser() -> Iterator[object]:
    _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    # why: an earlier test in this process can leave an event loop registered as
    # "running" on the main thread; a synchronous test body is never inside a running
    # loop, so it is stale, and Playwright's sync API would refuse to start because of it.
    stale = asyncio._get_running_loop()
    asyncio._set_running_loop(None)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        asyncio._set_running_loop(stale)


@pytest.fixture
def browser_page(_browser) -> Iterator[object]:
    """A new page in its own browser context (no cookies shared between tests)."""
    context = _browser.new_context()
    context.set_default_timeout(20_000)  # why: generous on a loaded 2-core machine
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login(live_server: LiveServer) -> Callable[..., None]:
    """``login(page, "admin")``: sign in through the form and land on the dashboard."""

    def sign_in(page, username: str, password: str = LIVE_PASSWORD, tenant: str | None = None):
        page.goto(live_server.url("/ui/login"))
        page.fill("input[name=tenant]", tenant or live_server.tenant_code)
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(live_server.url("/ui/"))

    return sign_in
