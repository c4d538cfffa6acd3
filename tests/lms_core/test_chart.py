"""The chart of accounts is one list, and only the chart spells an account.

Journals are built over :class:`lms_core.ledger.chart.Account` members by the builders
in ``lms_core/ledger`` (DESIGN.md, decision 12). A string naming an account anywhere
else in ``hub/`` or ``lms_core/`` is a second, unchecked copy of the chart: a typo
there is a new account the ledger refuses at run time, not an AttributeError at import.
The check reads the source (AST), so it sees every string constant: one that is an
account's code, or SQL text quoting one. Prose naming an account (a docstring saying
which accounts a journal moves) is not a spelling.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from lms_core.ledger import STANDARD_CHART, Account
from lms_core.ledger.chart import ACCOUNTS

ROOT = Path(__file__).resolve().parents[2]
CODES = frozenset(a.value for a in Account)
IN_SQL = re.compile(r"'(" + "|".join(sorted(CODES)) + r")'")

# Where an account name may be spelled, and why.
EXEMPT = {
    "lms_core/ledger/chart.py": "the chart itself: the one place the names are written",
    "hub/platform/db/migrations/versions": "migrations are history: the rows as created then",
}


def _exempt_by(path: Path, place: str) -> bool:
    rel = path.relative_to(ROOT).as_posix()
    return rel == place or rel.startswith(place + "/")


def _exempt(path: Path) -> bool:
    return any(_exempt_by(path, place) for place in EXEMPT)


def account_literals(path: Path) -> list[str]:
    """Return ``line: text`` for each string constant in ``path`` naming an account."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        text = node.value if isinstance(node, ast.Constant) else None
        if isinstance(text, str) and (text in CODES or IN_SQL.search(text)):
            found.append(f"{node.lineno}: {text[:60]!r}")
    return found


def _sources() -> list[Path]:
    return sorted(p for top in ("hub", "lms_core") for p in (ROOT / top).rglob("*.py"))


def test_no_account_is_spelled_outside_the_chart():
    """Every account a service or a repository names is an ``Account`` member."""
    offenders = {
        p.relative_to(ROOT).as_posix(): found
        for p in _sources()
        if not _exempt(p) and (found := account_literals(p))
    }
    assert offenders == {}


def test_each_exemption_is_still_needed():
    """An exemption whose files no longer spell an account is removed, not kept."""
    idle = [
        place
        for place in EXEMPT
        if not any(account_literals(p) for p in _sources() if _exempt_by(p, place))
    ]
    assert idle == []


def test_the_check_sees_a_code_and_sql_quoting_one_but_not_prose(tmp_path):
    """A code as a string and an account quoted in SQL are spellings; a docstring naming
    accounts in prose, a longer reference and lower-case text are not."""
    source = tmp_path / "service.py"
    source.write_text(
        '"""Moves LOAN_PRINCIPAL to ESCROW_BANK (prose)."""\n'
        'A = "LOAN_PRINCIPAL"\n'
        'B = f"{A}:INTEREST_DUE"\n'
        "C = \"select 1 where code = 'FEE_INCOME'\"\n"
        'D = "fee_income"\n'
    )
    assert account_literals(source) == [
        "2: 'LOAN_PRINCIPAL'",
        "4: \"select 1 where code = 'FEE_INCOME'\"",
    ]


def test_every_account_has_a_name_and_type_and_the_standard_chart_is_generated():
    assert set(ACCOUNTS) == set(Account)
    assert [e.code for e in STANDARD_CHART.entries] == [a.value for a in ACCOUNTS]
    assert all(a.name == a.value for a in Account)  # stored codes are the members' names
