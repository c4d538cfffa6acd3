"""The break desk in a real browser: a manual match, and a maker-checker write-off.

Headless Debian chromium against the live app; each step saves a screenshot (stable
names). They go to a temporary folder, so a test run leaves the checkout clean; with
``SANGAM_UPDATE_SCREENSHOTS=1`` they overwrite docs/screenshots/, which the docs show.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from pathlib import Path

import pytest

from hub.platform.auth.permissions import Role
from lms_core.persistence.platform import tenant_repository
from lms_core.persistence.recon.models import ReconBreak
from tests.recon.desk.helpers import make_book
from tests.support.browser import LIVE_PASSWORD
from tests.support.factories import make_user

pytestmark = pytest.mark.browser
DOC_SHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
SHOTS = (
    DOC_SHOTS
    if os.environ.get("SANGAM_UPDATE_SCREENSHOTS")
    else Path(tempfile.gettempdir()) / "sangam-screenshots"
)
_tags = itertools.count(1)


@pytest.fixture
def desk(live_server):
    """A fresh book of breaks on the live server, plus a maker and a checker (once)."""
    tag = f"b{next(_tags)}"
    with live_server.session_factory() as session:
        tenant = tenant_repository.by_code(session, live_server.tenant_code)
        for name in ("desk_maker", "desk_checker"):
            if name not in live_server.users:
                user = make_user(
                    session, tenant, username=name, roles=(Role.FINANCE,), password=LIVE_PASSWORD
                )
                live_server.users[name] = user.id
        book = make_book(session, tenant, tag)
        session.commit()
    return book


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name))


def test_manual_match_in_the_browser(browser_page, live_server, login, desk):
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 860})
    login(page, "desk_maker")
    page.goto(live_server.url("/ui/recon/breaks"))
    assert page.locator(f'[data-testid="break-row-{desk.breaks["short"].id}"]').is_visible()
    _shot(page, "recon_break_queue.png")
    page.goto(live_server.url(f"/ui/recon/breaks/{desk.breaks['short'].id}"))
    candidate = f'[data-testid="pick-expected-{desk.expected_id}"]'
    page.check(candidate)
    _shot(page, "recon_break_candidates.png")
    page.click('[data-testid="match-selected"]')
    page.wait_for_selector(".flash-ok")
    assert "matched by hand" in page.inner_text(".flash-ok")
    assert page.locator('[data-testid="undo-match"]').is_visible()
    _shot(page, "recon_manual_match_done.png")
    with live_server.session_factory() as session:
        assert session.get(ReconBreak, desk.breaks["short"].id).status == "closed"
        assert session.get(ReconBreak, desk.breaks["due"].id).status == "closed"


def test_maker_checker_write_off_in_the_browser(_browser, live_server, login, desk):
    stray = desk.breaks["stray"].id  # 32,300 > the default threshold of 10,000
    maker = _browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    login(maker, "desk_maker")
    maker.goto(live_server.url(f"/ui/recon/breaks/{stray}"))
    maker.select_option('[data-testid="resolve-kind"]', "write_off")
    maker.select_option('[data-testid="resolve-reason"]', "unidentified_credit")
    maker.fill('[data-testid="resolve-note"]', "no claimant after 30 days")
    maker.click('[data-testid="resolve-submit"]')
    maker.wait_for_selector(".flash-warn")
    assert "second user" in maker.inner_text(".flash-warn")
    _shot(maker, "recon_writeoff_requested.png")
    maker.context.close()

    checker = _browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    login(checker, "desk_checker")
    checker.goto(live_server.url("/ui/recon/approvals"))
    approve = checker.locator('[data-testid^="approve-"]').first
    _shot(checker, "recon_writeoff_approvals.png")
    approve.click()
    checker.wait_for_selector(".flash-ok")
    assert "approved" in checker.inner_text(".flash-ok")
    checker.goto(live_server.url(f"/ui/recon/breaks/{stray}"))
    assert "resolved" in checker.inner_text("h1")
    _shot(checker, "recon_writeoff_approved.png")
    checker.context.close()
    with live_server.session_factory() as session:
        brk = session.get(ReconBreak, stray)
        assert (brk.status, brk.resolution, brk.resolved_by) == (
            "resolved",
            "write_off",
            "desk_checker",
        )
