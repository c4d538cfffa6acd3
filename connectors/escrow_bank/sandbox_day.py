"""One business day at the simulated sponsor bank: true movements in, booked lines out.

The demo or a test hands the bank the day's *true* movements (what really went through
the escrow account: the expected items as the lender's business made them). The bank
books them, then spoils a seeded share of them the way real statements are spoiled:

* **unexpected credits**: money nobody expected (a borrower pays without a mandate, a
  stranger's NEFT), with a well-formed UTR but no reference we know;
* **short payments**: a credit for less than was due (cut by 10% to 50%, whole rupees);
* **duplicates**: the bank books the same credit twice (same UTR);
* **delays**: a movement booked on a later day's statement (value date kept, entry date
  moved), so today's statement lacks it and tomorrow's carries it.

Counts are exact, not probabilistic: ``round_half_up(share x number of credits)`` of each
kind, the affected movements chosen by a ``random.Random(seed)``, so a test can name the
figures. A movement is spoiled at most one way. The functions here are pure: the bank's
carried state (balance, next statement number, lines owed to later days) goes in and
comes back as values; :mod:`connectors.escrow_bank.sandbox` writes the files and keeps the state.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from formats.statement import CreditDebit
from formats.utr import Rail
from lms_core.money import D, RoundingMode, round_to_multiple

__all__ = [
    "BankLine",
    "BankState",
    "BookedDay",
    "Disorder",
    "DisorderKind",
    "DisorderMix",
    "Movement",
    "book_day",
    "neft_utr",
]

NONE = D("0")
OPENING_BALANCE = D("10000000.00")
_STRANGERS = ("R K TRADERS", "SUNITA DEVI", "M/S OM ENTERPRISES", "UNKNOWN REMITTER", "A KUMAR")


@dataclass(frozen=True, slots=True)
class Movement:
    """One true movement through escrow. ``amount`` is unsigned; ``direction`` says which way.

    ``reference`` is ours (a presentation, loan or settlement id) as the payer quoted it;
    the bank carries it in the narration and as the MT940 customer reference.
    """

    value_date: date
    amount: Decimal
    direction: CreditDebit
    utr: str
    reference: str = ""
    remitter_name: str = ""
    remitter_account: str = ""
    virtual_account: str = ""
    rail: Rail = Rail.NEFT


class DisorderKind(StrEnum):
    UNEXPECTED_CREDIT = "unexpected_credit"
    SHORT_PAYMENT = "short_payment"
    DUPLICATE = "duplicate"
    DELAY = "delay"


@dataclass(frozen=True, slots=True)
class DisorderMix:
    """Shares of the day's credits to spoil, per kind (Decimal between 0 and 1)."""

    unexpected_credits: Decimal = NONE
    short_payments: Decimal = NONE
    duplicates: Decimal = NONE
    delays: Decimal = NONE
    delay_days: int = 1

    def count(self, kind: DisorderKind, credits: int) -> int:
        """Return how many of ``credits`` get spoiled as ``kind`` (half-up, whole lines)."""
        share = {
            DisorderKind.UNEXPECTED_CREDIT: self.unexpected_credits,
            DisorderKind.SHORT_PAYMENT: self.short_payments,
            DisorderKind.DUPLICATE: self.duplicates,
            DisorderKind.DELAY: self.delays,
        }[kind]
        if not D("0") <= share <= D("1"):
            raise ValueError(f"disorder share for {kind} must be within 0..1, got {share}")
        return int(round_to_multiple(share * credits, D("1"), RoundingMode.HALF_UP))


@dataclass(frozen=True, slots=True)
class BankLine:
    """A booking as the bank prints it; ``booked_on`` is the statement day carrying it."""

    value_date: date
    booked_on: date
    amount: Decimal
    direction: CreditDebit
    utr: str
    reference: str
    narrative: str
    remitter_name: str = ""
    remitter_account: str = ""
    virtual_account: str = ""

    @property
    def signed(self) -> Decimal:
        return self.direction.sign(self.amount)


@dataclass(frozen=True, slots=True)
class Disorder:
    """What the bank did to one movement, so tests and the demo know the breaks to expect."""

    kind: DisorderKind
    utr: str
    expected_amount: Decimal | None
    booked_amount: Decimal | None
    note: str = ""


@dataclass(frozen=True, slots=True)
class BankState:
    """What the bank carries from one day to the next."""

    next_statement: int = 1
    balance: Decimal = OPENING_BALANCE
    owed: tuple[BankLine, ...] = ()  # delayed lines, each with the day it will be booked
    last_day: date | None = None


@dataclass(frozen=True)
class BookedDay:
    """The day's booked lines (statement order), its balances, what was spoiled."""

    day: date
    statement_number: int
    opening: Decimal
    closing: Decimal
    lines: tuple[BankLine, ...]
    disorders: tuple[Disorder, ...]
    state: BankState = field(repr=False, default=BankState())


def neft_utr(bank_code: str, day: date, serial: int) -> str:
    """Return a NEFT-shaped UTR: bank code + ``N`` + YY + day of year + 6-digit serial."""
    return f"{bank_code}N{day:%y}{day.timetuple().tm_yday:03d}{serial % 1_000_000:06d}"


def narrative(movement: Movement) -> str:
    """Return the narration Indian banks print, e.g. ``NEFT CR-<utr>-<name>-<reference>``."""
    side = "CR" if movement.direction is CreditDebit.CREDIT else "DR"
    parts = [movement.utr, movement.remitter_name, movement.reference]
    if movement.rail in (Rail.UPI, Rail.IMPS):
        return f"{movement.rail.value}/{side}/" + "/".join(p for p in parts if p)
    return f"{movement.rail.value} {side}-" + "-".join(p for p in parts if p)


def _line(movement: Movement, booked_on: date) -> BankLine:
    return BankLine(
        value_date=movement.value_date,
        booked_on=booked_on,
        amount=movement.amount,
        direction=movement.direction,
        utr=movement.utr,
        reference=movement.reference,
        narrative=narrative(movement),
        remitter_name=movement.remitter_name,
        remitter_account=movement.remitter_account,
        virtual_account=movement.virtual_account,
    )


def _short(line: BankLine, rng: random.Random) -> tuple[BankLine, Disorder]:
    cut = D(rng.randrange(10, 51)) / 100  # 10% .. 50% short
    paid = round_to_multiple(line.amount * (1 - cut), D("1"), RoundingMode.DOWN)
    paid = max(paid, D("1.00"))
    note = f"paid {paid} of {line.amount}"
    return replace(line, amount=paid), Disorder(
        DisorderKind.SHORT_PAYMENT, line.utr, line.amount, paid, note
    )


def _unexpected(day: date, bank_code: str, rng: random.Random, serial: int) -> BankLine:
    amount = D(rng.randrange(5, 500) * 100)  # Rs 500 .. 49,900 in whole hundreds
    movement = Movement(
        value_date=day,
        amount=round_to_multiple(amount, D("0.01")),
        direction=CreditDebit.CREDIT,
        utr=neft_utr(bank_code, day, 900_000 + serial),
        remitter_name=rng.choice(_STRANGERS),
        remitter_account=f"{rng.randrange(10**11, 10**12)}",
    )
    return _line(movement, day)


def book_day(
    day: date,
    movements: Sequence[Movement],
    state: BankState,
    mix: DisorderMix,
    rng: random.Random,
    *,
    bank_code: str = "HDFC",
) -> BookedDay:
    """Return the statement day for ``day``: yesterday's delayed lines, today's movements
    (spoiled per ``mix``), the balances, and the state to carry into the next day.
    """
    if state.last_day is not None and day <= state.last_day:
        raise ValueError(f"statement for {day} already booked (last day {state.last_day})")
    today = [_line(m, day) for m in movements]
    credits = [i for i, line in enumerate(today) if line.direction is CreditDebit.CREDIT]
    picks = _pick(credits, mix, rng)
    lines: list[BankLine] = [replace(x, booked_on=day) for x in state.owed if x.booked_on <= day]
    owed = [x for x in state.owed if x.booked_on > day]
    disorders: list[Disorder] = []
    for index, line in enumerate(today):
        kind = picks.get(index)
        if kind is DisorderKind.DELAY:
            later = day + timedelta(days=mix.delay_days)
            owed.append(replace(line, booked_on=later))
            note = f"booked on {later.isoformat()}"
            disorders.append(Disorder(kind, line.utr, line.amount, line.amount, note))
            continue
        if kind is DisorderKind.SHORT_PAYMENT:
            line, disorder = _short(line, rng)
            disorders.append(disorder)
        lines.append(line)
        if kind is DisorderKind.DUPLICATE:
            lines.append(line)
            disorders.append(Disorder(kind, line.utr, line.amount, line.amount, "booked twice"))
    for serial in range(mix.count(DisorderKind.UNEXPECTED_CREDIT, len(credits))):
        extra = _unexpected(day, bank_code, rng, state.next_statement * 100 + serial)
        lines.append(extra)
        disorders.append(Disorder(DisorderKind.UNEXPECTED_CREDIT, extra.utr, None, extra.amount))
    closing = state.balance + sum((x.signed for x in lines), D("0"))
    carried = BankState(state.next_statement + 1, closing, tuple(owed), day)
    return BookedDay(
        day, state.next_statement, state.balance, closing, tuple(lines), tuple(disorders), carried
    )


def _pick(credits: list[int], mix: DisorderMix, rng: random.Random) -> dict[int, DisorderKind]:
    """Return {movement index: disorder} with exact counts, each movement spoiled once."""
    pool = list(credits)
    rng.shuffle(pool)
    picks: dict[int, DisorderKind] = {}
    for kind in (DisorderKind.SHORT_PAYMENT, DisorderKind.DUPLICATE, DisorderKind.DELAY):
        for _ in range(mix.count(kind, len(credits))):
            if not pool:
                break
            picks[pool.pop()] = kind
    return picks
