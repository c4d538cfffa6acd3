"""Two matching runs at once, on separate connections: nothing is claimed twice.

The data is committed (each run must see it), under a tenant of its own; the test
database is dropped at the end of the session.
"""

from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from hub.recon.run import run_reconciliation
from tests.recon.helpers import add_line, expect, make_account
from tests.support.factories import make_tenant

N = 300


def test_two_runs_at_once_claim_each_item_once(engine):
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as s:
        tenant = make_tenant(s, business_date=date(2024, 4, 10))
        account = make_account(s, tenant)
        for i in range(N):
            # half exact on our reference, half amount + date + truncated reference
            ref = f"RCP{i:08d}"
            expect(s, tenant, ref, f"{1000 + i}.00", date(2024, 4, 5))
            if i % 2:
                add_line(s, tenant, account, f"{1000 + i}.00", date(2024, 4, 5), our_ref=ref)
            else:
                add_line(s, tenant, account, f"{1000 + i}.00", date(2024, 4, 6),
                         narration=f"NEFT CR {ref[:-1]}")  # fmt: skip
        s.commit()
    barrier, errors, summaries = threading.Barrier(2), [], []

    def run() -> None:
        try:
            with factory() as s:
                barrier.wait()
                summaries.append(run_reconciliation(s, tenant.id).summary)
                s.commit()
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    with factory() as s:
        q = lambda sql: s.execute(text(sql), {"t": tenant.id}).all()  # noqa: E731
        groups = q("select id from recon_match_group where tenant_id = :t")
        pairs = q(
            "select g.id, count(distinct a.id), count(distinct e.id) from recon_match_group g "
            "left join recon_actual_item a on a.matched_group_id = g.id "
            "left join recon_expected_item e on e.matched_group_id = g.id "
            "where g.tenant_id = :t group by g.id"
        )
        matched = q(
            "select count(*) from recon_actual_item where tenant_id = :t "
            "and matched_group_id is not null"
        )[0][0]
    # every item placed once: N groups of exactly one line and one expected item
    assert len(groups) == N and matched == N
    assert all((n_a, n_e) == (1, 1) for _, n_a, n_e in pairs)
    assert sum(sum(v for k, v in sm["groups_by_rule"].items()) for sm in summaries) == N
