"""Benchmark: NACH end to end on N loans: present, the bank answers, apply the response.

Loans come from ``bench/bench_bulk_posting.py``'s setup (one template loan of 1,00,000 at
12 % over 12 months taken to 1 Feb 2024 with the real services, cloned N times
server-side); each gets a registered NACH mandate (set-wise insert). Then, timed:

* ``present``: :func:`hub.collections.nach.presentation.present_dues` for 1 Feb (selects the
  dues, writes the 306-character file, items, outbox message, expected collections);
* ``parse``: the bank's response file (the sandbox's answer, ``--returns`` share of
  code 04, the rest successes) through :func:`hub.collections.nach.responses.parse_response`
  + the control totals check;
* ``apply``: :func:`hub.collections.nach.responses.apply_response` + commit (successes posted
  through the servicing bulk path, returns charged the bounce fee and scheduled again).

Run: ``.venv/bin/python bench/bench_ach_apply.py [N] [--returns 0.05]`` (default 1,000).
Prints records/s per step; the issue's target for apply is >= 50,000 postings/s.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_bulk_posting import TODAY, setup  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402
from sqlalchemy import text  # noqa: E402

from connectors.nach.sandbox import NachBank, NachBankBehaviour  # noqa: E402
from hub.collections.mandates import AccountCipher, mask_account  # noqa: E402
from hub.collections.nach.bank_settings import NachBankSettings  # noqa: E402
from hub.collections.nach.presentation import present_dues  # noqa: E402
from hub.collections.nach.responses import apply_response, control_problem, parse_response  # noqa: E402
from hub.integration import counterparts as cp  # noqa: E402

CONFIG = {
    "host": "127.0.0.1",
    "port": 22,
    "username": "bench",
    "host_key_fingerprint": "SHA256:x",
    "user_name": "SANGAM FINANCE LTD",
    "utility_code": "NACH00000000012345",
    "sponsor_ifsc": "SBIN0000001",
    "account_number": "00000012345678901",
}


def add_mandates(session, tenant_id: int, cipher: AccountCipher) -> None:
    """One registered NACH mandate per loan, inserted set-wise."""
    token = cipher.seal("501000123456")
    session.execute(
        text(
            "insert into mandate (tenant_id, loan_id, kind, status, request_id, reference, "
            "debtor_name, debtor_account_token, debtor_account_masked, debtor_ifsc, "
            "account_type, amount_rule, amount, frequency, start_date, meta) "
            "select :t, id, 'nach_physical', 'registered', 'BENCH' || id, "
            "'SBIN7' || lpad(id::text, 15, '0'), 'Borrower ' || id, :token, :masked, "
            "'HDFC0001234', 'SAVINGS', 'max', 10000, 'MNTH', '2024-01-01', '{}' from loan"
        ),
        {"t": tenant_id, "token": token, "masked": mask_account("501000123456")},
    )


def _rate(label: str, n: int, took: float) -> None:
    print(f"{label}: {n:,} in {took:.2f} s ({n / took:,.0f}/s)")


def main() -> None:
    args = sys.argv[1:]
    n = int(args[0]) if args and args[0].isdigit() else 1_000
    returns = float(args[args.index("--returns") + 1]) if "--returns" in args else 0.05
    factory, tenant_id, _ = setup(n)
    accounts = AccountCipher(Fernet.generate_key().decode())
    secrets = cp.Cipher(Fernet.generate_key().decode())
    with factory() as s:
        cp.register(
            s,
            secrets,
            tenant_id,
            "bank",
            kind="nach_sponsor_bank",
            connector="nach_sponsor_bank",
            config=CONFIG,
        )
        add_mandates(s, tenant_id, accounts)
        s.commit()
    morning = datetime(2024, 2, 1, 3, 0, tzinfo=UTC)
    started = time.perf_counter()
    with factory() as s:
        result = present_dues(s, accounts, tenant_id, "bank", TODAY, morning)
        body = s.execute(
            text("select body from outbound_message where id = :i"),
            {"i": result.presentation.outbound_message_id},
        ).scalar_one()
        s.commit()
    _rate("present", result.items, time.perf_counter() - started)
    bank = NachBank(Path("/tmp") / "sangam-bench-nach", NachBankBehaviour(returns={"04": returns}))
    answer = bank.answer_ach(bytes(body))
    settings = NachBankSettings.from_config("bank", CONFIG)
    started = time.perf_counter()
    parsed = parse_response(answer, "bench", settings)
    assert control_problem(parsed) is None
    _rate("parse + control", len(parsed.records), time.perf_counter() - started)
    started = time.perf_counter()
    with factory() as s:
        outcome = apply_response(s, tenant_id, parsed)
        s.commit()
    took = time.perf_counter() - started
    _rate("apply (postings + returns)", outcome.applied, took)
    assert outcome.applied == n and outcome.quarantined == 0, outcome.outcomes[:3]


if __name__ == "__main__":
    main()
