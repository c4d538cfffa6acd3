"""The sponsor-bank sandbox: its statements parse with our parsers, balance, run in
sequence, spoil exactly the configured share, and reach us over real SFTP."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import SecretStr

from connectors.escrow_bank.sandbox import (
    EscrowBank,
    EscrowBankConfig,
    EscrowBankSandbox,
    StatementFormat,
)
from connectors.escrow_bank.sandbox_day import DisorderKind, DisorderMix, Movement, neft_utr
from connectors.sdk.sandbox.catalog import SandboxEnv, load_catalog
from connectors.sdk.sandbox.sftp_server import SandboxUser
from connectors.sdk.transport.sftp import SftpEndpoint, download, list_ready
from formats.iso20022.camt import parse_camt
from formats.statement import CreditDebit
from formats.swift.mt940 import parse_mt940
from lms_core.money import D
from mappings.engine import apply_mapping, load_mapping, mapping_path, partition

DAY1, DAY2 = date(2026, 4, 1), date(2026, 4, 2)
MIX = DisorderMix(
    unexpected_credits=D("0.1"), short_payments=D("0.1"), duplicates=D("0.1"), delays=D("0.1")
)


def movements() -> list[Movement]:
    """20 collections of Rs 1,000 + i (i = 0..19) and one disbursement of Rs 50,000 out."""
    credits = [
        Movement(
            DAY1,
            D("1000.00") + i,
            CreditDebit.CREDIT,
            neft_utr("ICIC", DAY1, i),
            f"NACH{i:06d}",
            "Meera Iyer",
            "1234567890",
            "SANGAMVA0012",
        )
        for i in range(20)
    ]
    payout = Movement(DAY1, D("50000.00"), CreditDebit.DEBIT, neft_utr("HDFC", DAY1, 99), "D1")
    return [*credits, payout]


def parse(fmt: StatementFormat, data: bytes):
    result = (parse_mt940 if fmt is StatementFormat.MT940 else parse_camt)(data, source="t")
    assert result.errors == ()
    (statement,) = result.records
    return statement


def lines_of(fmt: StatementFormat, statement) -> list:
    return list(statement.lines if fmt is StatementFormat.MT940 else statement.entries)


@pytest.mark.parametrize("fmt", list(StatementFormat))
def test_statements_parse_balance_and_run_in_sequence(tmp_path: Path, fmt: StatementFormat):
    bank = EscrowBank(tmp_path / "bank", EscrowBankConfig(statement_format=fmt, mix=MIX))
    first = bank.drop_day(DAY1, movements())
    second = bank.drop_day(DAY2, [])
    s1 = parse(fmt, (bank.outbox / first.statement_file).read_bytes())
    s2 = parse(fmt, (bank.outbox / second.statement_file).read_bytes())
    # 20 credits x 10% = 2 of each kind.  Day 1 books 21 movements - 2 delayed + 2 duplicated
    # + 2 unexpected = 23 lines; day 2 books the 2 delayed lines.
    assert len(lines_of(fmt, s1)) == 23
    assert len(lines_of(fmt, s2)) == 2
    kinds = [d.kind for d in first.disorders]
    assert {k: kinds.count(k) for k in DisorderKind} == dict.fromkeys(DisorderKind, 2)
    # Balances chain: day 2 opens with day 1's closing; each balanced (the parser checks).
    assert s1.opening_balance.amount == D("10000000.00")
    assert s2.opening_balance.amount == s1.closing_balance.amount == first.booked.closing
    delayed = {d.utr: d.expected_amount for d in first.disorders if d.kind == DisorderKind.DELAY}
    assert s2.closing_balance.amount - s2.opening_balance.amount == sum(delayed.values())
    if fmt is StatementFormat.MT940:
        assert (s1.statement_number, s2.statement_number) == ("00001", "00002")
        assert {x.bank_reference for x in s2.lines} == set(delayed)
        assert {x.value_date for x in s2.lines} == {DAY1}  # value date kept, booked late
    else:
        assert (s1.id[-5:], s2.id[-5:]) == ("00001", "00002")
        assert {x.account_servicer_reference for x in s2.entries} == set(delayed)


def test_day_one_figures_are_what_the_disorders_say(tmp_path: Path):
    bank = EscrowBank(tmp_path / "bank", EscrowBankConfig(mix=MIX))
    drop = bank.drop_day(DAY1, movements())
    # True credits: sum(1000 + i, i = 0..19) = 20,000 + 190 = 20,190; payout -50,000.
    moved = D("20190.00") - D("50000.00")
    by_kind = {k: [d for d in drop.disorders if d.kind == k] for k in DisorderKind}
    moved -= sum(d.expected_amount for d in by_kind[DisorderKind.DELAY])
    moved += sum(d.booked_amount for d in by_kind[DisorderKind.DUPLICATE])
    moved += sum(d.booked_amount for d in by_kind[DisorderKind.UNEXPECTED_CREDIT])
    moved -= sum(d.expected_amount - d.booked_amount for d in by_kind[DisorderKind.SHORT_PAYMENT])
    assert drop.booked.closing == D("10000000.00") + moved
    for short in by_kind[DisorderKind.SHORT_PAYMENT]:  # 10% .. 50% short, whole rupees
        assert short.expected_amount * D("0.5") <= short.booked_amount < short.expected_amount
        assert short.booked_amount == short.booked_amount.to_integral_value()


def test_utr_feed_reads_with_the_mapping(tmp_path: Path):
    bank = EscrowBank(tmp_path / "bank", EscrowBankConfig(mix=MIX))
    drop = bank.drop_day(DAY1, movements())
    mapping = load_mapping(mapping_path("utr_feed", "default"))
    records, errors = partition(
        apply_mapping(mapping, (bank.outbox / drop.utr_feed_file).read_bytes())
    )
    assert errors == []
    # Virtual-account credits booked today: 20 - 2 delayed + 2 duplicates = 20 rows
    # (unexpected credits arrive without a virtual account: not in the feed).
    assert len(records) == 20
    assert {r.values["status"] for r in records} == {"settled"}
    assert sum(r.values["amount"] for r in records) == sum(
        x.amount for x in drop.booked.lines if x.virtual_account
    )


def test_same_seed_same_day_same_files_and_state_survives_restart(tmp_path: Path):
    one = EscrowBank(tmp_path / "a", EscrowBankConfig(mix=MIX))
    two = EscrowBank(tmp_path / "b", EscrowBankConfig(mix=MIX))
    a, b = one.drop_day(DAY1, movements()), two.drop_day(DAY1, movements())
    assert (one.outbox / a.statement_file).read_bytes() == (
        two.outbox / b.statement_file
    ).read_bytes()
    again = EscrowBank(tmp_path / "a", EscrowBankConfig(mix=MIX))  # a restarted sandbox
    assert again.state.next_statement == 2
    with pytest.raises(ValueError, match="already booked"):
        again.drop_day(DAY1, movements())
    assert again.drop_day(DAY2, []).booked.statement_number == 2


def test_share_outside_zero_to_one_is_refused(tmp_path: Path):
    bank = EscrowBank(tmp_path / "bank", EscrowBankConfig(mix=DisorderMix(delays=D("1.5"))))
    with pytest.raises(ValueError, match=r"within 0\.\.1"):
        bank.drop_day(DAY1, movements())


def test_files_reach_the_hub_over_sftp_with_done_markers(tmp_path: Path):
    user = SandboxUser("sangam", password="pw-2026")
    with EscrowBankSandbox(tmp_path, user, EscrowBankConfig(mix=MIX)) as bank:
        drop = bank.drop_day(DAY1, movements())
        endpoint = SftpEndpoint(
            name="sponsor_bank",
            host=bank.sftp.host,
            port=bank.sftp.port,
            username="sangam",
            host_key_fingerprint=bank.sftp.host_key_fingerprint,
            password=SecretStr("pw-2026"),
            inbox_dir="/outbox",
        )
        ready = list_ready(endpoint)
        assert [f.name for f in ready] == sorted([drop.statement_file, drop.utr_feed_file])
        statement = next(f for f in ready if f.name == drop.statement_file)
        assert parse(
            StatementFormat.MT940, download(endpoint, statement)
        ).closing_balance.amount == (drop.booked.closing)
        assert bank.endpoints()["pickup_dir"] == "/outbox"


def test_catalog_lists_the_escrow_bank(tmp_path: Path):
    spec = load_catalog()["escrow_bank"]
    sandbox = spec.build(SandboxEnv(root=tmp_path))
    sandbox.start()
    try:
        assert sandbox.endpoints()["statement_format"] == "mt940"
    finally:
        sandbox.stop()
