"""The dashboard in headless chromium against the real app on loopback.

(1) sign in and see the dashboard; (2) find a dead-lettered outbound message and replay
it from the page, then see it pending again (and the database agrees).
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime

import pytest

from hub.integration import counterparts as cp
from hub.integration.outbox import service as outbox
from hub.integration.outbox.service import DeliveryChannel
from hub.integration.outbox.worker import DeliveryWorker
from lms_core.persistence.integration import outbox_repository
from lms_core.persistence.platform import audit_repository, tenant_repository

pytestmark = pytest.mark.browser


def _dead_letter(live_server) -> int:
    """Commit one HTTP message to a partner nobody listens for (port 9): it dies at once."""
    cipher = cp.Cipher(live_server.settings.encryption_key_value())
    now = lambda: datetime.now(UTC)  # noqa: E731
    with live_server.session_factory() as session:
        tenant = tenant_repository.by_code(session, live_server.tenant_code)
        partner = cp.register(
            session,
            cipher,
            tenant.id,
            f"partner_{uuid.uuid4().hex[:8]}",
            kind="partner_bank",
            connector="http_post",
            config={"base_url": "http://127.0.0.1:9", "retry_schedule_s": [0]},
        )
        mid = outbox.enqueue(
            session,
            partner,
            event_type="loan.booked",
            body={"loan": 7},
            channel=DeliveryChannel.HTTP,
            target="/b",
            now=now(),
        )
        session.commit()
    worker = DeliveryWorker(
        live_server.session_factory, cipher, "browser-test", now, rng=random.Random(1)
    )
    worker.run_once(tenant_id=live_server.tenant_id)
    worker.close()
    return mid


def test_sign_in_and_see_the_dashboard(browser_page, live_server, login):
    page = browser_page
    page.goto(live_server.url("/ui/hub/inbox"))
    assert page.url.startswith(live_server.url("/ui/login?next="))
    login(page, "admin")
    assert page.locator("[data-testid=tenant]").inner_text() == "Tenant web"
    assert page.locator("[data-testid=business-date]").inner_text() == "Business date 2024-01-01"
    assert page.locator("h1").inner_text().startswith("Dashboard")
    assert page.locator("nav >> text=Dead letters").is_visible()


def test_wrong_password_stays_on_the_login_page(browser_page, live_server, login):
    page = browser_page
    page.goto(live_server.url("/ui/login"))
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    assert "wrong password" in page.locator("[role=alert]").inner_text()


def test_replay_a_dead_letter_from_the_page(browser_page, live_server, login):
    mid = _dead_letter(live_server)
    page = browser_page
    login(page, "admin")
    page.click("nav >> text=Dead letters")
    row = page.locator(f"[data-testid=message-{mid}]")
    assert "dead" in row.inner_text() and "retriable:" in row.inner_text()
    page.click(f"[data-testid=replay-{mid}]")
    assert f"message {mid} is pending delivery again" in page.locator(".flash-ok").inner_text()
    assert page.locator(f"[data-testid=message-{mid}]").count() == 0
    page.goto(live_server.url(f"/ui/hub/outbox/{mid}"))
    assert page.locator("[data-testid=message-status]").inner_text() == "pending"
    with live_server.session_factory() as session:
        message = outbox_repository.get(session, live_server.tenant_id, mid)
        assert (message.status, message.attempts) == ("pending", 0)
        entries = audit_repository.entries(
            session, live_server.tenant_id, entity_type="outbound_message"
        )
        assert [(e.action, e.entity_id, e.actor) for e in entries if e.entity_id == str(mid)] == [
            ("outbox.replay", str(mid), "admin")
        ]
