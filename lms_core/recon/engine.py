"""The matching engine: ordered rules applied to open items, returning a :class:`Plan`.

``plan_matches(actuals, expecteds, rules)`` tries each rule in order on the items no
earlier rule placed. A rule proposes candidates; only a *confident* proposal becomes a
:class:`Match`: the actual item's single best candidate whose own single best candidate
is that actual item (mutual and unique). Two equal candidates are never guessed between:
they become a :class:`Suggestion` and the items involved leave the later rules alone (a
person decides). The engine is pure and deterministic (items are visited by id); the hub
claims its matches in the database, where a concurrent run may still win an item.

For scale the hub runs EXACT rules as set-based SQL and hands only the leftovers here;
the EXACT step below has the same semantics for small sets and tests: a key shared by
exactly one open expected item pairs it with the lowest-id compatible actual item whose
amount fits (later repeats of the same UTR are duplicates).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from lms_core.recon.items import ActualItem, ExpectedItem, Match, NearMiss, Plan, Suggestion
from lms_core.recon.rules import ExactKey, Rule, Strategy
from lms_core.recon.similarity import normalise, similarity

__all__ = ["plan_matches", "reference_keys"]

_EPSILON = 1e-9
_PIECES = re.compile(r"[0-9A-Z]+")


@dataclass
class _State:
    """Open items while rules run (mutable on purpose: each rule consumes from it)."""

    actuals: dict[int, ActualItem]
    expecteds: dict[int, ExpectedItem]
    matches: list[Match] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)

    def take(self, match: Match) -> None:
        for i in match.actual_ids:
            del self.actuals[i]
        for i in match.expected_ids:
            del self.expecteds[i]
        self.matches.append(match)

    def suggest(self, suggestion: Suggestion) -> None:
        if any(i not in self.actuals for i in suggestion.actual_ids):
            return  # an item already given to a person in this run
        if any(i not in self.expecteds for i in suggestion.expected_ids):
            return
        for i in suggestion.actual_ids:
            del self.actuals[i]
        for i in suggestion.expected_ids:
            del self.expecteds[i]
        self.suggestions.append(suggestion)


def compatible(a: ActualItem, e: ExpectedItem) -> bool:
    """Same direction and currency, and the account agrees when both name one."""
    if a.direction != e.direction or a.currency != e.currency:
        return False
    return e.account is None or a.account is None or e.account == a.account


def reference_keys(a: ActualItem) -> set[str]:
    """Return the normalised strings our reference could equal in ``a``: its reference
    fields, and every run of one to three consecutive narration pieces glued together
    (``LN-2024-0001`` in a narration yields ``LN20240001``)."""
    keys = {normalise(t) for t in (a.our_ref, a.bank_ref, a.utr) if t}
    for text in (a.narration, a.our_ref):
        pieces = _PIECES.findall((text or "").upper())
        for i in range(len(pieces)):
            for j in range(i + 1, min(i + 3, len(pieces)) + 1):
                keys.add("".join(pieces[i:j]))
    return {k for k in keys if len(k) >= 4}


# --- EXACT ---------------------------------------------------------------------------


def _exact(rule: Rule, st: _State) -> None:
    field_a = "utr" if rule.key is ExactKey.UTR else "our_ref"
    field_e = "utr" if rule.key is ExactKey.UTR else "reference"
    by_key_e: dict[str, list[ExpectedItem]] = defaultdict(list)
    for e in st.expecteds.values():
        if getattr(e, field_e):
            by_key_e[getattr(e, field_e)].append(e)
    by_key_a: dict[str, list[ActualItem]] = defaultdict(list)
    for a in sorted(st.actuals.values(), key=lambda x: x.id):
        if getattr(a, field_a):
            by_key_a[getattr(a, field_a)].append(a)
    tol = rule.tolerance
    for key, found in by_key_e.items():
        if len(found) != 1 or key not in by_key_a:
            continue
        e = found[0]
        fits = [a for a in by_key_a[key] if compatible(a, e) and tol.amount_ok(e.amount, a.amount)]
        if fits:
            a = fits[0]
            st.take(Match(rule.name, rule.strategy, (a.id,), (e.id,), a.amount - e.amount))


# --- ONE_TO_ONE --------------------------------------------------------------------------


def _amount_index(items: Iterable[ExpectedItem]) -> dict[tuple[str, str], list]:
    index: dict[tuple[str, str], list] = defaultdict(list)
    for e in items:
        index[(e.direction, e.currency)].append((e.amount, e.id))
    for rows in index.values():
        rows.sort()
    return index


def _amount_range(rule: Rule, amount: Decimal) -> tuple[Decimal, Decimal]:
    """Bounds wide enough to hold every expected amount ``amount`` could settle."""
    tol = rule.tolerance
    pct = tol.amount_pct / Decimal("100")
    low = min(amount - tol.amount_abs, amount / (1 + pct))
    high = max(amount + tol.amount_abs, amount / (1 - pct) if pct < 1 else amount * 1000)
    return low, high


def _score(e: ExpectedItem, a: ActualItem) -> float:
    score = similarity(e.reference, a.texts())
    if e.counterparty and score < 1.0:
        score = max(score, similarity(e.counterparty, (a.counterparty, a.narration)))
    return score


def _one_to_one_candidates(rule: Rule, st: _State) -> dict[int, list[tuple[float, int]]]:
    tol, index = rule.tolerance, _amount_index(st.expecteds.values())
    found: dict[int, list[tuple[float, int]]] = {}
    for a in sorted(st.actuals.values(), key=lambda x: x.id):
        rows = index.get((a.direction, a.currency), [])
        low, high = _amount_range(rule, a.amount)
        start, stop = bisect_left(rows, (low, -1)), bisect_right(rows, (high, float("inf")))
        cands = []
        for amount, eid in rows[start:stop]:
            e = st.expecteds[eid]
            if not (tol.amount_ok(amount, a.amount) and tol.date_ok(e.expected_on, a.value_date)):
                continue
            if compatible(a, e):
                score = _score(e, a)
                if score + _EPSILON >= tol.min_similarity:
                    cands.append((score, eid))
        if cands:
            found[a.id] = cands
    return found


def _top(cands: Sequence[tuple[float, int]]) -> list[int]:
    best = max(score for score, _ in cands)
    return sorted(i for score, i in cands if score >= best - _EPSILON)


def _one_to_one(rule: Rule, st: _State) -> None:
    while True:
        by_actual = _one_to_one_candidates(rule, st)
        by_expected: dict[int, list[tuple[float, int]]] = defaultdict(list)
        for aid, cands in by_actual.items():
            for score, eid in cands:
                by_expected[eid].append((score, aid))
        confirmed = 0
        for aid, cands in by_actual.items():
            best = _top(cands)
            if len(best) == 1 and _top(by_expected[best[0]]) == [aid]:
                a, e = st.actuals[aid], st.expecteds[best[0]]
                score = max(s for s, _ in cands)
                variance = a.amount - e.amount
                st.take(Match(rule.name, rule.strategy, (aid,), (e.id,), variance, score))
                confirmed += 1
        if confirmed:
            continue  # the winners are gone: the losers may now be unique
        _suggest_ties(rule, st, by_actual, by_expected)
        return


def _suggest_ties(rule: Rule, st: _State, by_actual: dict, by_expected: dict) -> None:
    for aid, cands in sorted(by_actual.items()):
        best = _top(cands)
        score = max(s for s, _ in cands)
        if len(best) > 1:
            note = f"{len(best)} expected items fit equally (score {score:.2f})"
            st.suggest(Suggestion(rule.name, (aid,), tuple(best), score, note))
    for eid, cands in sorted(by_expected.items()):
        best = _top(cands)
        if len(best) > 1:
            score = max(s for s, _ in cands)
            note = f"{len(best)} bank lines fit one expected item equally (score {score:.2f})"
            st.suggest(Suggestion(rule.name, tuple(best), (eid,), score, note))


# --- ONE_TO_MANY -------------------------------------------------------------------------


def _groups(rule: Rule, st: _State) -> list[tuple[str, tuple[ExpectedItem, ...]]]:
    grouped: dict[tuple, list[ExpectedItem]] = defaultdict(list)
    for e in sorted(st.expecteds.values(), key=lambda x: x.id):
        value = getattr(e, rule.group_by or "batch", None)
        if value:
            grouped[(value, e.direction, e.currency, e.account)].append(e)
    return [(key[0], tuple(items)) for key, items in grouped.items() if len(items) >= 2]


def _group_fits(rule: Rule, a: ActualItem, label: str, items: tuple[ExpectedItem, ...]) -> bool:
    tol = rule.tolerance
    total = sum((e.amount for e in items), Decimal("0"))
    if not compatible(a, items[0]) or not tol.amount_ok(total, a.amount):
        return False
    if not all(tol.date_ok(e.expected_on, a.value_date) for e in items):
        return False
    return tol.min_similarity <= 0 or similarity(label, a.texts()) >= tol.min_similarity


def _one_to_many(rule: Rule, st: _State) -> None:
    groups = _groups(rule, st)
    if not groups:
        return
    proposals: dict[int, list[int]] = defaultdict(list)  # actual -> group indexes
    claimants: dict[int, list[int]] = defaultdict(list)  # group -> actual ids
    for a in sorted(st.actuals.values(), key=lambda x: x.id):
        for index, (label, items) in enumerate(groups):
            if _group_fits(rule, a, label, items):
                proposals[a.id].append(index)
                claimants[index].append(a.id)
    for aid, indexes in proposals.items():
        if len(indexes) == 1 and claimants[indexes[0]] == [aid]:
            items = groups[indexes[0]][1]
            total = sum((e.amount for e in items), Decimal("0"))
            ids = tuple(e.id for e in items)
            st.take(Match(rule.name, rule.strategy, (aid,), ids, st.actuals[aid].amount - total))
        else:
            expected = tuple(sorted({e.id for i in indexes for e in groups[i][1]}))
            note = f"{len(indexes)} groups / {len(claimants[indexes[0]])} bank lines fit"
            st.suggest(Suggestion(rule.name, (aid,), expected, 1.0, note))


# --- MANY_TO_ONE -------------------------------------------------------------------------


def _many_to_one(rule: Rule, st: _State) -> None:
    tol = rule.tolerance
    by_key: dict[str, list[int]] = defaultdict(list)
    for a in st.actuals.values():
        for key in reference_keys(a):
            by_key[key].append(a.id)
    proposals = []
    for e in sorted(st.expecteds.values(), key=lambda x: x.id):
        ids = sorted(set(by_key.get(normalise(e.reference), ())))
        parts = [
            st.actuals[i]
            for i in ids
            if compatible(st.actuals[i], e) and tol.date_ok(e.expected_on, st.actuals[i].value_date)
        ]
        parts = [a for a in parts if _score(e, a) + _EPSILON >= tol.min_similarity]
        total = sum((a.amount for a in parts), Decimal("0"))
        if len(parts) >= 2 and tol.amount_ok(e.amount, total):
            proposals.append((e, tuple(a.id for a in parts), total))
    used: dict[int, int] = defaultdict(int)
    for _, ids, _ in proposals:
        for i in ids:
            used[i] += 1
    for e, ids, total in proposals:
        if all(used[i] == 1 for i in ids):
            st.take(Match(rule.name, rule.strategy, ids, (e.id,), total - e.amount))
        else:
            note = "a bank line quotes references of several expected items"
            st.suggest(Suggestion(rule.name, ids, (e.id,), 1.0, note))


_STEPS: dict[Strategy, Callable[[Rule, _State], None]] = {
    Strategy.EXACT: _exact,
    Strategy.ONE_TO_ONE: _one_to_one,
    Strategy.ONE_TO_MANY: _one_to_many,
    Strategy.MANY_TO_ONE: _many_to_one,
}


def _near_misses(rules: Sequence[Rule], st: _State) -> list[NearMiss]:
    """For each unplaced actual item, an open expected item whose reference it quotes
    but whose amount or date is outside the first fuzzy rule's tolerance."""
    fuzzy = next((r for r in rules if r.strategy is Strategy.ONE_TO_ONE), None)
    if fuzzy is None:
        return []
    tol = fuzzy.tolerance
    by_ref: dict[str, list[ExpectedItem]] = defaultdict(list)
    for e in st.expecteds.values():
        by_ref[normalise(e.reference)].append(e)
    misses = []
    for a in sorted(st.actuals.values(), key=lambda x: x.id):
        for key in sorted(reference_keys(a)):
            found = [e for e in by_ref.get(key, ()) if compatible(a, e)]
            if not found:
                continue
            e = min(found, key=lambda x: x.id)
            misses.append(NearMiss(a.id, e.id, _miss_detail(tol, a, e)))
            break
    return misses


def _miss_detail(tol, a: ActualItem, e: ExpectedItem) -> str:
    if not tol.amount_ok(e.amount, a.amount):
        allowed = tol.allowed_variance(e.amount)
        return (
            f"quotes {e.reference} (expected {e.amount}) but amount is {a.amount}: "
            f"variance {a.amount - e.amount} beyond tolerance {allowed}"
        )
    days = (a.value_date - e.expected_on).days
    return (
        f"quotes {e.reference}: value date {a.value_date} is {days:+d} days from "
        f"{e.expected_on}, window -{tol.days_before}..+{tol.days_after}"
    )


def plan_matches(
    actuals: Iterable[ActualItem], expecteds: Iterable[ExpectedItem], rules: Sequence[Rule]
) -> Plan:
    """Return the matches, suggestions and near misses ``rules`` find among open items."""
    st = _State({a.id: a for a in actuals}, {e.id: e for e in expecteds})
    counts: dict[str, int] = {}
    for rule in rules:
        before = len(st.matches)
        _STEPS[rule.strategy](rule, st)
        counts[rule.name] = len(st.matches) - before
    return Plan(tuple(st.matches), tuple(st.suggestions), tuple(_near_misses(rules, st)), counts)
