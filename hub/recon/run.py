"""A matching run: place every open bank line, post matched receipts, refresh the breaks.

:func:`run_reconciliation` works in the caller's transaction (the API request or the job
commits), in this order:

1. *corroborate*: a UTR-feed line restating a statement line leaves matching;
2. *exact rules* (UTR, our reference) as set-based SQL, each claimed at once;
3. the *engine* (:func:`lms_core.recon.engine.plan_matches`) on what is left, with the
   fuzzy rules; its confident matches are claimed, its suggestions stored;
4. *servicing*: each matched receipt with a loan and a ``posting_ref`` is posted through
   :func:`hub.loans.repayments.post_repayment` with ``external_ref=posting_ref`` (a
   collection already posted from the NACH response is returned, not posted again); a
   refusal is kept on the group (``posting_status`` failed) and does not stop the run;
5. *breaks*: every bank line still open gets a break with its reason; every expected item
   whose date window has passed likewise; breaks whose item is now settled close.
   One break per item: a re-run updates it.

Claims are atomic per batch (see :mod:`lms_core.persistence.recon.recon_repository`), so runs
may overlap: an item is claimed by one of them. The summary (items in, matched per rule,
suggestions, breaks, match rate) is stored on the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from hub.loans.repayments import Channel, RepaymentIn, post_repayment
from hub.platform.errors import SangamError
from lms_core.persistence.platform import tenant_repository
from lms_core.persistence.recon import outcome_repository as outcome
from lms_core.persistence.recon import recon_repository as sql
from lms_core.persistence.recon.models import ReconRun
from lms_core.recon.breaks import ActualFacts, classify_actual, classify_expected
from lms_core.recon.engine import plan_matches
from lms_core.recon.enums import PostingStatus, RunStatus
from lms_core.recon.items import ActualItem, ExpectedItem, Plan
from lms_core.recon.rules import DEFAULT_RULES, Rule, Strategy

ACTOR = "recon"
_CHANNELS = {"nach": Channel.NACH, "upi": Channel.UPI}
_RAILS = {"NEFT": Channel.NEFT, "RTGS": Channel.RTGS, "IMPS": Channel.IMPS, "UPI": Channel.UPI}


def run_reconciliation(
    session: Session,
    tenant_id: int,
    *,
    triggered_by: str = ACTOR,
    rules: Sequence[Rule] = DEFAULT_RULES,
    now: datetime | None = None,
) -> ReconRun:
    """Run the rules over the tenant's open items; return the finished run with summary."""
    today = tenant_repository.business_date(session, tenant_id)
    run = ReconRun(
        tenant_id=tenant_id,
        business_date=today,
        started_at=now or datetime.now(UTC),
        triggered_by=triggered_by,
    )
    session.add(run)
    session.flush()
    before = sql.open_counts(session, tenant_id)
    by_rule = {"corroborated": sql.corroborate(session, tenant_id)}
    for rule in (r for r in rules if r.strategy is Strategy.EXACT):
        tol = (rule.tolerance.amount_abs, rule.tolerance.amount_pct)
        claimed = sql.claim_exact(session, tenant_id, run.id, ACTOR, rule.name, str(rule.key), tol)
        by_rule[rule.name] = claimed
    plan = _engine(session, tenant_id, [r for r in rules if r.strategy is not Strategy.EXACT])
    by_rule.update(_claim_plan(session, tenant_id, run.id, plan))
    suggested = outcome.replace_suggestions(session, tenant_id, run.id, plan.suggestions)
    posting = _post_receipts(session, tenant_id, run.id)
    breaks = _refresh_breaks(session, tenant_id, run.id, plan, rules)
    run.summary = _summary(before, by_rule, suggested, breaks, posting)
    run.status, run.finished_at = RunStatus.FINISHED, now or datetime.now(UTC)
    session.flush()
    return run


def _engine(session: Session, tenant_id: int, rules: Sequence[Rule]) -> Plan:
    actuals = [ActualItem(*row) for row in sql.open_actual_rows(session, tenant_id)]
    expecteds = [ExpectedItem(*row) for row in sql.open_expected_rows(session, tenant_id)]
    if not actuals or not expecteds:
        return Plan(near_misses=())
    return plan_matches(actuals, expecteds, rules)


def _claim_plan(session: Session, tenant_id: int, run_id: int, plan: Plan) -> dict[str, int]:
    """Claim the engine's matches rule by rule (so the summary counts what was claimed)."""
    claimed: dict[str, int] = {}
    for rule in dict.fromkeys(m.rule for m in plan.matches):
        sql.stage_matches(session, [m for m in plan.matches if m.rule == rule])
        claimed[rule] = sql.claim(session, tenant_id, run_id, ACTOR)
    for rule, count in plan.by_rule.items():
        claimed.setdefault(rule, count)
    return claimed


def _post_receipts(session: Session, tenant_id: int, run_id: int) -> dict[str, int]:
    """Post this run's matched receipts to servicing; return posted / failed counts."""
    return post_receipts(session, tenant_id, outcome.groups_to_post(session, run_id))


def post_group(session: Session, tenant_id: int, group_id: int) -> dict[str, int]:
    """Post one group's matched receipts (e.g. a manual match); return the counts."""
    return post_receipts(session, tenant_id, outcome.groups_to_post(session, None, group_id))


def post_receipts(session: Session, tenant_id: int, rows) -> dict[str, int]:
    """Post matched receipts to servicing, each in a savepoint; return posted / failed.

    Idempotent through the expected item's ``posting_ref`` (the repayment's external
    reference): a collection already posted from the NACH response is not posted again.
    """
    counts = {"posted": 0, "failed": 0}
    failures: dict[int, str] = {}
    groups: set[int] = set()
    for row in rows:
        groups.add(row.group_id)
        amount = row.received if row.n_exp == 1 else row.amount
        body = RepaymentIn(
            amount=amount,
            currency=row.currency,
            channel=_CHANNELS.get(row.source) or _RAILS.get(row.rail or "", Channel.NEFT),
            value_date=row.value_date,
            reference=row.utr or row.reference,
            external_ref=row.posting_ref,
        )
        try:
            with session.begin_nested():
                post_repayment(session, tenant_id, row.loan_id, body, ACTOR)
            counts["posted"] += 1
        except SangamError as exc:
            failures[row.group_id] = f"{row.posting_ref}: {exc.detail}"
            counts["failed"] += 1
    for group_id in groups:
        failed = failures.get(group_id)
        status = PostingStatus.FAILED if failed else PostingStatus.POSTED
        outcome.set_posting(session, group_id, str(status), failed)
    return counts


def _refresh_breaks(
    session: Session, tenant_id: int, run_id: int, plan: Plan, rules: Sequence[Rule]
) -> dict[str, int]:
    today = tenant_repository.business_date(session, tenant_id)
    suggested_a = {i for s in plan.suggestions for i in s.actual_ids}
    suggested_e = {i for s in plan.suggestions for i in s.expected_ids}
    misses = {m.actual_id: m.detail for m in plan.near_misses}
    open_ids = sql.open_actual_ids(session, tenant_id)
    rows = []
    for row, ref_amount in outcome.actual_facts(session, tenant_id, open_ids):
        facts = ActualFacts(
            duplicate_of=row.duplicate_of,
            referenced_expected=row.referenced,
            referenced_amount=ref_amount,
            suggested=row.id in suggested_a,
            near_miss=misses.get(row.id),
        )
        reason, detail = classify_actual(row.amount, facts)
        rows.append((row.id, str(reason), detail, row.amount, row.direction, row.value_date))
    outcome.upsert_breaks(session, tenant_id, run_id, "actual", rows)
    window = max((r.tolerance.days_after for r in rules), default=0)
    overdue = outcome.overdue_expected(session, tenant_id, today - timedelta(days=window))
    expected_rows = []
    for e in overdue:
        reason, detail = classify_expected(e.id in suggested_e)
        expected_rows.append((e.id, str(reason), detail, e.amount, e.direction, e.expected_on))
    outcome.upsert_breaks(session, tenant_id, run_id, "expected", expected_rows)
    closed = outcome.close_settled_breaks(session, tenant_id, run_id, today)
    return {"actual": len(rows), "expected": len(expected_rows), "closed": closed}


def _summary(
    before: dict[str, int],
    by_rule: dict[str, int],
    suggested: int,
    breaks: dict[str, int],
    posting: dict[str, int],
) -> dict:
    items_in = before["actual"]
    placed = sum(v for k, v in by_rule.items() if k != "corroborated")
    matched_lines = items_in - breaks["actual"]
    rate = (
        (Decimal(matched_lines) * 100 / Decimal(items_in)).quantize(Decimal("0.01"))
        if items_in
        else Decimal("0")
    )
    return {
        "actual_in": items_in,
        "expected_in": before["expected"],
        "groups_by_rule": by_rule,
        "groups": placed,
        "actual_matched": matched_lines,
        "suggestions": suggested,
        "breaks": breaks,
        "posting": posting,
        "match_rate_percent": str(rate),
    }
