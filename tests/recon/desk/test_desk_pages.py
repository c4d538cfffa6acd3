"""Break desk pages on the rolled-back database: what finance sees and does."""

from __future__ import annotations

import pytest

from hub.platform.auth.permissions import Role
from lms_core.persistence.recon.models import ReconBreak
from tests.recon.desk.helpers import make_book
from tests.support.factories import make_user
from tests.support.web import form_token, sign_in


@pytest.fixture
def book(db, tenant):
    return make_book(db, tenant)


def test_queue_shows_buckets_rows_and_export(signed_in, book):
    page = signed_in.get("/ui/recon/breaks").text
    for brk in book.breaks.values():
        assert f'data-testid="break-row-{brk.id}"' in page
    assert "₹32,300.00" in page and "31+ days" in page
    only_dup = signed_in.get("/ui/recon/breaks", params={"reason": "duplicate"}).text
    assert only_dup.count('data-testid="break-row-') == 1
    csv_text = signed_in.get("/ui/recon/breaks/export", params={"format": "csv"}).text
    assert len(csv_text.strip().split("\n")) == 6


def test_match_from_the_break_page(signed_in, db, book):
    short = book.breaks["short"]
    page = signed_in.get(f"/ui/recon/breaks/{short.id}").text
    assert f'data-testid="candidate-expected-{book.expected_id}"' in page
    form = {"csrf_token": form_token(page), "pick": [f"expected:{book.expected_id}"]}
    done = signed_in.post(f"/ui/recon/breaks/{short.id}/match", data=form)
    assert f"break {short.id} matched by hand" in done.text
    db.refresh(short)
    assert short.status == "closed"
    again = signed_in.post(f"/ui/recon/breaks/{short.id}/match", data=form)
    assert "already matched or not open" in again.text


def test_write_off_over_threshold_waits_for_a_checker(client, db, tenant, book):
    make_user(db, tenant, username="maker", roles=(Role.FINANCE,))
    make_user(db, tenant, username="checker", roles=(Role.FINANCE,))
    stray = book.breaks["stray"]
    assert sign_in(client, tenant.code, "maker").status_code == 303
    page = client.get(f"/ui/recon/breaks/{stray.id}").text
    form = {
        "csrf_token": form_token(page),
        "kind": "write_off",
        "reason_code": "unidentified_credit",
        "amount": "",
        "note": "no claimant in 30 days",
    }
    waiting = client.post(f"/ui/recon/breaks/{stray.id}/resolve", data=form).text
    assert "waiting for a second user" in waiting
    approvals = client.get("/ui/recon/approvals").text
    assert "yours: another user approves" in approvals
    assert sign_in(client, tenant.code, "checker").status_code == 303
    approvals = client.get("/ui/recon/approvals").text
    [res_id] = [x.split('"')[0] for x in approvals.split('data-testid="approve-')[1:]]
    done = client.post(
        f"/ui/recon/resolutions/{res_id}/approve", data={"csrf_token": form_token(approvals)}
    )
    assert f"request {res_id}: approved" in done.text
    assert db.get(ReconBreak, stray.id).status == "resolved"


def test_summary_page(signed_in, book):
    page = signed_in.get("/ui/recon/summary").text
    assert 'data-testid="match-rate">0.00 %' in page
    assert 'data-testid="open-breaks">5<' in page
