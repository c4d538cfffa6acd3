"""Matching by hand at the break desk, and undoing a match.

A manual match is a match group (rule ``manual``, made by the user) claimed through the
engine's own atomic claim (:func:`lms_core.persistence.recon.recon_repository.claim`: staged,
then conditional updates ``WHERE matched_group_id IS NULL`` / ``status = 'open'`` in a
savepoint). If any chosen item was claimed meanwhile (by a run, by a colleague) the group
is dropped whole and the request fails with a Conflict, so an item never belongs to two
groups and a refused match leaves nothing behind. The open breaks of the claimed items
close on the business date. Matched receipts that belong to a loan are then posted to
servicing at once (:func:`hub.recon.run.post_group`, idempotent on the posting reference),
exactly as a run posts its own groups.

Undoing a match (the desk's *unmatch*) marks the group ``undone``, frees its items and
reopens their breaks (or opens one, reason ``manual_unmatch``, for items the engine had
matched directly), so they are seen again. A group whose receipts were already posted to
servicing is refused: reverse the repayment first. Both are written to the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy.orm import Session

from hub.platform.audit import record as audit
from hub.platform.auth.security import Principal
from hub.platform.errors import Conflict, FieldProblem, NotFound, Unprocessable
from hub.recon.run import post_group
from lms_core.persistence.platform import tenant_repository
from lms_core.persistence.recon import desk_repository as repo
from lms_core.persistence.recon import recon_repository as recon_sql
from lms_core.persistence.recon import run_repository as recon_repository
from lms_core.persistence.recon.models import ReconMatchGroup
from lms_core.recon.enums import GroupStatus, PostingStatus
from lms_core.recon.items import Match

MANUAL_RULE = "manual"
UNMATCH_REASON = "manual_unmatch"


def _strategy(actual: int, expected: int) -> str:
    if actual == 1 and expected == 1:
        return "one_to_one"
    return "one_to_many" if actual == 1 else "many_to_one" if expected == 1 else "many_to_many"


def _checked_items(session: Session, tenant_id: int, actual_ids, expected_ids):
    problems = []
    if not actual_ids:
        problems.append(FieldProblem("actual_ids", "choose at least one statement line"))
    if not expected_ids:
        problems.append(FieldProblem("expected_ids", "choose at least one expected item"))
    if problems:
        raise Unprocessable("manual match refused", problems=problems)
    actual = recon_repository.actual_items(session, tenant_id, actual_ids)
    expected = recon_repository.expected_items(session, tenant_id, expected_ids)
    missing = set(actual_ids) - {a.id for a in actual}
    missing_exp = set(expected_ids) - {e.id for e in expected}
    if missing or missing_exp:
        raise NotFound(f"unknown items: actual {sorted(missing)}, expected {sorted(missing_exp)}")
    directions = {a.direction for a in actual} | {e.direction for e in expected}
    if len(directions) > 1:
        raise Unprocessable(
            "manual match refused",
            problems=[FieldProblem("actual_ids", "credits and debits cannot settle each other")],
        )
    return actual, expected


def manual_match(
    session: Session,
    who: Principal,
    actual_ids: Sequence[int],
    expected_ids: Sequence[int],
    note: str = "",
) -> ReconMatchGroup:
    """Match the chosen items by hand; return the new group.

    Raises Unprocessable (nothing chosen, mixed directions), NotFound (unknown item),
    Conflict (an item is already matched or not open).
    """
    tenant_id = who.tenant_id
    actual_ids, expected_ids = sorted(set(actual_ids)), sorted(set(expected_ids))
    actual, expected = _checked_items(session, tenant_id, actual_ids, expected_ids)
    variance = sum((a.amount for a in actual), Decimal("0")) - sum(
        (e.amount for e in expected), Decimal("0")
    )
    plan = Match(
        MANUAL_RULE, _strategy(len(actual), len(expected)), tuple(actual_ids),
        tuple(expected_ids), variance,
    )  # fmt: skip
    recon_sql.stage_matches(session, [plan])
    if recon_sql.claim(session, tenant_id, None, who.username) != 1:
        raise Conflict(
            "a chosen statement line or expected item is already matched or not open; "
            "nothing was matched"
        )
    session.expire(actual[0], ["matched_group_id"])
    group = repo.lock_group(session, tenant_id, actual[0].matched_group_id)
    assert group is not None  # claimed just now, in this transaction
    today = tenant_repository.business_date(session, tenant_id)
    closed = repo.close_breaks(session, actual_ids, expected_ids, today)
    posted = post_group(session, tenant_id, group.id)
    after = {
        "actual_ids": actual_ids,
        "expected_ids": expected_ids,
        "variance": str(variance),
        "breaks_closed": closed,
        "posted": posted,
        "note": note,
    }
    audit(session, who, "recon.match.manual", "recon_match_group", group.id, None, after)
    return group


def _reopen(session: Session, tenant_id: int, group: ReconMatchGroup, today) -> int:
    actual, expected = repo.group_items(session, group)
    existing = repo.breaks_of(session, [a.id for a in actual], [e.id for e in expected])
    for brk in existing:
        if brk.status == "closed":
            brk.status, brk.closed_on = "open", None
    has_break = {b.actual_item_id for b in existing} | {b.expected_item_id for b in existing}
    opened = 0
    for side, items in (("actual", actual), ("expected", expected)):
        for item in items:
            if item.id in has_break:
                continue
            repo.add_break(
                session,
                tenant_id=tenant_id,
                side=side,
                actual_item_id=item.id if side == "actual" else None,
                expected_item_id=item.id if side == "expected" else None,
                reason=UNMATCH_REASON,
                detail=f"match group {group.id} undone by hand",
                amount=item.amount,
                direction=item.direction,
                opened_on=today,
            )
            opened += 1
    return len(existing) + opened


def unmatch(session: Session, who: Principal, group_id: int, note: str = "") -> ReconMatchGroup:
    """Undo a confirmed match; its items go back to the queue. Returns the group.

    Raises NotFound, Conflict (already undone, or its receipts are posted to servicing).
    """
    group = repo.lock_group(session, who.tenant_id, group_id)
    if group is None:
        raise NotFound(f"no match group {group_id}")
    if group.status != GroupStatus.CONFIRMED:
        raise Conflict(f"match group {group_id} is {group.status}")
    if group.posting_status == PostingStatus.POSTED:
        raise Conflict(
            f"match group {group_id} was posted to servicing; reverse the repayment first"
        )
    today = tenant_repository.business_date(session, who.tenant_id)
    reopened = _reopen(session, who.tenant_id, group, today)
    repo.release_group(session, group)
    group.status, group.undone_by = GroupStatus.UNDONE, who.username
    after = {"status": str(group.status), "breaks_reopened": reopened, "note": note}
    audit(
        session,
        who,
        "recon.match.undo",
        "recon_match_group",
        group.id,
        {"status": "confirmed"},
        after,
    )
    return group
