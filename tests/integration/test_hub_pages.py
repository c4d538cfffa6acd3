"""Hub operations pages on the rolled-back database: what an operator sees and does.

The scene (from tests/integration/test_hub_api.py): a UTR file of two lines, line 3 of the file
with amount "abc" quarantined, so the item is ``partial`` (1 applied, 1 quarantined);
and one HTTP message to ``partner`` (port 9, nothing listens) that died on its only
attempt (retry schedule ``[0]``). Outbound ``created_at`` is the database clock.
"""

from __future__ import annotations

from datetime import timedelta

from hub.platform.auth.permissions import Role
from hub.platform.web.formatting import IST
from lms_core.persistence.integration import outbox_repository
from lms_core.persistence.platform import audit_repository
from tests.support.factories import make_user
from tests.support.web import form_token, sign_in


def test_inbox_list_and_item_show_status_and_per_record_errors(signed_in, scene):
    listing = signed_in.get("/ui/hub/inbox", params={"status": "partial"}).text
    assert f'href="/ui/hub/inbox/{scene["item"]}"' in listing and "u.csv" in listing
    assert signed_in.get("/ui/hub/inbox", params={"status": "failed"}).text.count("<tr") == 2
    detail = signed_in.get(f"/ui/hub/inbox/{scene['item']}").text
    assert "applied 1 · duplicate 0 · quarantined 1" in detail
    assert '<td class="num">3</td><td><span class="badge badge-bad">quarantined</span>' in detail
    assert '<td class="mono">amount</td>' in detail


def test_raw_download_returns_the_stored_bytes(signed_in, scene):
    raw = signed_in.get(f"/ui/hub/inbox/{scene['item']}/raw")
    assert raw.status_code == 200 and raw.content == scene["data"]
    assert raw.headers["content-disposition"] == f'attachment; filename="inbox-{scene["item"]}.bin"'
    assert signed_in.get("/ui/hub/inbox/999999/raw").status_code == 404


def test_replay_from_the_page_makes_the_dead_letter_pending_and_audits(
    signed_in, db, tenant, scene
):
    mid = scene["message"]
    page = signed_in.get("/ui/hub/dead-letters").text
    assert f'data-testid="replay-{mid}"' in page and "retriable:" in page
    form = {"csrf_token": form_token(page), "next": "/ui/hub/dead-letters"}
    done = signed_in.post(f"/ui/hub/outbox/{mid}/replay", data=form)
    assert f"message {mid} is pending delivery again" in done.text
    assert f'data-testid="replay-{mid}"' not in done.text
    message = outbox_repository.get(db, tenant.id, mid)
    assert (message.status, message.attempts) == ("pending", 0)
    [entry] = audit_repository.entries(db, tenant.id, entity_type="outbound_message")
    assert (entry.action, entry.entity_id) == ("outbox.replay", str(mid))
    again = signed_in.post(f"/ui/hub/outbox/{mid}/replay", data=form)
    assert f"no dead outbound message {mid}" in again.text
    detail = signed_in.get(f"/ui/hub/outbox/{mid}").text
    assert 'badge-info">pending' in detail and 'badge-bad">dead' in detail  # the old attempt


def test_replay_a_time_range_in_indian_time(signed_in, db, tenant, scene):
    created = outbox_repository.get(db, tenant.id, scene["message"]).created_at  # db clock
    minute = created.astimezone(IST).replace(second=0, microsecond=0)
    start, end = minute - timedelta(minutes=1), minute + timedelta(minutes=1)
    token = form_token(signed_in.get("/ui/hub/dead-letters").text)
    # the range end is exclusive: [minute - 1, minute) ends at or before the message
    before = {"created_from": f"{start:%Y-%m-%dT%H:%M}", "created_to": f"{minute:%Y-%m-%dT%H:%M}"}
    none = signed_in.post("/ui/hub/dead-letters/replay", data={**before, "csrf_token": token})
    assert "0 dead letter(s) created" in none.text
    window = {**before, "created_to": f"{end:%Y-%m-%dT%H:%M}", "csrf_token": token}
    one = signed_in.post("/ui/hub/dead-letters/replay", data=window).text
    assert f"1 dead letter(s) created {start:%Y-%m-%dT%H:%M} to {end:%Y-%m-%dT%H:%M} IST" in one
    assert outbox_repository.get(db, tenant.id, scene["message"]).status == "pending"
    entries = audit_repository.entries(db, tenant.id, entity_type="outbound_message")
    assert [e.after["ids"] for e in entries] == [[scene["message"]], []]  # newest first
    bad = signed_in.post("/ui/hub/dead-letters/replay", data={**window, "created_to": "soon"})
    assert "to: &#39;soon&#39; is not a date and time" in bad.text


def test_reprocess_is_audited_and_hidden_from_a_reader(client, db, tenant, admin, scene):
    auditor = make_user(db, tenant, roles=(Role.AUDITOR,))
    sign_in(client, tenant.code, auditor.username)
    page = client.get(f"/ui/hub/inbox/{scene['item']}").text
    assert 'data-testid="reprocess"' not in page
    url = f"/ui/hub/inbox/{scene['item']}/reprocess"
    assert client.post(url, data={"csrf_token": form_token(page)}).status_code == 403
    sign_in(client, tenant.code, admin.username)
    page = client.get(f"/ui/hub/inbox/{scene['item']}").text
    done = client.post(url, data={"csrf_token": form_token(page)})
    assert f"inbox item {scene['item']} queued for processing again" in done.text
    [entry] = audit_repository.entries(db, tenant.id, entity_type="inbox_item")
    assert (entry.action, entry.actor) == ("inbox.reprocess", admin.username)


def test_outbox_health_jobs_and_dashboard_counts(signed_in, scene):
    outbox_page = signed_in.get("/ui/hub/outbox", params={"counterpart": "partner"}).text
    assert (
        "loan.booked" in outbox_page and f'data-testid="message-{scene["message"]}"' in outbox_page
    )
    assert signed_in.get("/ui/hub/outbox", params={"counterpart": "nobody"}).status_code == 404
    health = signed_in.get("/ui/hub/health").text
    assert 'data-testid="health-partner"' in health and 'data-testid="health-sbi_utr"' in health
    jobs = signed_in.get("/ui/hub/jobs").text
    assert "sangam:inbox_process" in jobs and f'"item_id": {scene["item"]}' in jobs
    home = signed_in.get("/ui/").text
    assert 'data-testid="dead-letters">1<' in home and 'data-testid="inbox-partial">1<' in home
    assert 'data-testid="loans-active">0<' in home
