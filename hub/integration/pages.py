"""Hub operations pages: inbound items, outbound deliveries, dead letters, health, jobs.

The same reads and writes as ``/api/v1/hub`` (``hub.integration.api.ops``), through the
same services and repositories: reads need ``hub:read``; reprocess and replay need
``hub:operate`` and write the same audit rows as the API (``inbox.reprocess``,
``outbox.replay``, ``outbox.replay_range``).
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Form
from fastapi.responses import Response

from hub.integration.api import ops as api
from hub.integration.api.webhooks import hub_now
from hub.integration.inbox import service as inbox
from hub.integration.outbox import service as outbox
from hub.platform.auth.permissions import Permission
from hub.platform.errors import Conflict, NotFound, Unprocessable
from hub.platform.http.deps import audit
from hub.platform.web.deps import PageContext, page_user
from hub.platform.web.formatting import IST
from hub.platform.web.nav import NavEntry, Section
from hub.platform.web.pagination import Pager, pager_from_query
from hub.platform.web.render import render
from lms_core.integration.enums import InboxStatus, OutboundStatus
from lms_core.persistence.integration import (
    counterpart_repository,
    inbox_repository,
    outbox_repository,
)
from lms_core.persistence.platform import job_repository

router = APIRouter()
H = Section.HUB
NAV = (
    NavEntry("Inbound", "/ui/hub/inbox", Permission.HUB_READ, H, 10),
    NavEntry("Outbound", "/ui/hub/outbox", Permission.HUB_READ, H, 20),
    NavEntry("Dead letters", "/ui/hub/dead-letters", Permission.HUB_READ, H, 30),
    NavEntry("Connector health", "/ui/hub/health", Permission.HUB_READ, H, 40),
    NavEntry("Job runs", "/ui/hub/jobs", Permission.HUB_READ, H, 50),
)
READ = Depends(page_user(Permission.HUB_READ))
OPERATE = Depends(page_user(Permission.HUB_OPERATE))
JOB_STATUSES = ["todo", "doing", "succeeded", "failed", "cancelled", "aborted"]


def _counterpart_codes(ctx: PageContext) -> dict[int, str]:
    return {r.id: r.code for r in counterpart_repository.list_for(ctx.session, ctx.tenant_id)}


@router.get("/hub/inbox")
def inbox_list(
    status: str | None = None,
    source: str | None = None,
    pager: Pager = Depends(pager_from_query),
    ctx: PageContext = READ,
) -> Response:
    rows = inbox_repository.list_items(
        ctx.session,
        ctx.tenant_id,
        status=status or None,
        source=source or None,
        limit=pager.fetch,
        offset=pager.offset,
    )
    statuses = [s.value for s in InboxStatus]
    page = pager.page(rows, ctx.request)
    return render(ctx, "hub/inbox.html", page=page, status=status, source=source, statuses=statuses)


def _item_or_404(ctx: PageContext, item_id: int):
    item = inbox_repository.get(ctx.session, ctx.tenant_id, item_id)
    if item is None:
        raise NotFound(f"no inbox item {item_id}")
    return item


@router.get("/hub/inbox/{item_id}")
def inbox_item(
    item_id: int, pager: Pager = Depends(pager_from_query), ctx: PageContext = READ
) -> Response:
    item = _item_or_404(ctx, item_id)
    records = inbox_repository.outcomes(
        ctx.session, ctx.tenant_id, item_id, limit=pager.fetch, offset=pager.offset
    )
    page = pager.page(records, ctx.request)
    return render(ctx, "hub/inbox_item.html", item=item, page=page)


@router.get("/hub/inbox/{item_id}/raw")
def inbox_raw(item_id: int, ctx: PageContext = READ) -> Response:
    """The bytes as received (same response as the API's raw download)."""
    return api.download_raw(item_id, principal=ctx.principal, session=ctx.session)


@router.post("/hub/inbox/{item_id}/reprocess")
def inbox_reprocess(item_id: int, ctx: PageContext = OPERATE) -> Response:
    back = f"/ui/hub/inbox/{item_id}"
    try:
        inbox.reprocess(ctx.session, ctx.tenant_id, item_id)
    except (NotFound, Conflict) as exc:
        return ctx.redirect(back, flash=("error", exc.detail))
    audit(ctx.session, ctx.principal, "inbox.reprocess", "inbox_item", item_id)
    return ctx.redirect(back, flash=("ok", f"inbox item {item_id} queued for processing again"))


@router.get("/hub/outbox")
def outbox_list(
    status: str | None = None,
    counterpart: str | None = None,
    pager: Pager = Depends(pager_from_query),
    ctx: PageContext = READ,
) -> Response:
    codes = _counterpart_codes(ctx)
    ids = {code: cid for cid, code in codes.items()}
    if counterpart and counterpart not in ids:
        raise NotFound(f"no counterpart {counterpart}")
    rows = outbox_repository.list_messages(
        ctx.session,
        ctx.tenant_id,
        status=status or None,
        counterpart_id=ids.get(counterpart) if counterpart else None,
        limit=pager.fetch,
        offset=pager.offset,
    )
    return render(
        ctx,
        "hub/outbox.html",
        page=pager.page(rows, ctx.request),
        codes=codes,
        status=status,
        counterpart=counterpart,
        statuses=[s.value for s in OutboundStatus],
        counterparts=sorted(ids),
    )


@router.get("/hub/outbox/{message_id}")
def outbox_message(message_id: int, ctx: PageContext = READ) -> Response:
    message = outbox_repository.get(ctx.session, ctx.tenant_id, message_id)
    if message is None:
        raise NotFound(f"no outbound message {message_id}")
    attempts = outbox_repository.attempts(ctx.session, ctx.tenant_id, message_id)
    codes = _counterpart_codes(ctx)
    return render(ctx, "hub/outbox_message.html", m=message, attempts=attempts, codes=codes)


@router.post("/hub/outbox/{message_id}/replay")
def outbox_replay(message_id: int, next: str = Form(""), ctx: PageContext = OPERATE) -> Response:
    back = next if next.startswith("/ui/hub/") else f"/ui/hub/outbox/{message_id}"
    try:
        outbox.replay_one(ctx.session, ctx.tenant_id, message_id, hub_now(ctx.request))
    except NotFound as exc:
        return ctx.redirect(back, flash=("error", exc.detail))
    audit(ctx.session, ctx.principal, "outbox.replay", "outbound_message", message_id)
    return ctx.redirect(back, flash=("ok", f"message {message_id} is pending delivery again"))


@router.get("/hub/dead-letters")
def dead_letters(pager: Pager = Depends(pager_from_query), ctx: PageContext = READ) -> Response:
    rows = outbox_repository.list_messages(
        ctx.session,
        ctx.tenant_id,
        status=OutboundStatus.DEAD,
        limit=pager.fetch,
        offset=pager.offset,
    )
    page = pager.page(rows, ctx.request)
    return render(ctx, "hub/dead_letters.html", page=page, codes=_counterpart_codes(ctx))


def _ist(value: str, field: str) -> datetime:
    """A ``datetime-local`` form value, read as Indian time."""
    try:
        return datetime.fromisoformat(value).replace(tzinfo=IST)
    except ValueError:
        raise Unprocessable(f"{field}: '{value}' is not a date and time") from None


@router.post("/hub/dead-letters/replay")
def dead_letters_replay_range(
    created_from: str = Form(...), created_to: str = Form(...), ctx: PageContext = OPERATE
) -> Response:
    back = "/ui/hub/dead-letters"
    try:
        start, end = _ist(created_from, "from"), _ist(created_to, "to")
        ids = outbox.replay_range(ctx.session, ctx.tenant_id, start, end, hub_now(ctx.request))
    except Unprocessable as exc:
        return ctx.redirect(back, flash=("error", exc.detail))
    after = {"from": start.isoformat(), "to": end.isoformat(), "ids": ids}
    audit(
        ctx.session, ctx.principal, "outbox.replay_range", "outbound_message", "range", after=after
    )
    text = f"{len(ids)} dead letter(s) created {created_from} to {created_to} IST pending again"
    return ctx.redirect(back, flash=("ok", text))


@router.get("/hub/health")
def health(ctx: PageContext = READ) -> Response:
    """Per counterpart: enabled or why not, inbound and outbound backlog (the API's health
    view, which also refreshes the Prometheus backlog gauges)."""
    rows = api.connector_health(principal=ctx.principal, session=ctx.session)
    return render(ctx, "hub/health.html", rows=rows)


@router.get("/hub/jobs")
def jobs(status: str | None = None, ctx: PageContext = READ) -> Response:
    runs = job_repository.job_runs(
        ctx.session,
        task_prefix="sangam:",
        status=status or None,
        limit=100,
        tenant_id=ctx.tenant_id,
    )
    fires = job_repository.recent_fires(ctx.session, ctx.tenant_id, limit=50)
    return render(
        ctx, "hub/jobs.html", runs=runs, fires=fires, status=status, statuses=JOB_STATUSES
    )
