"""The public preview contract: JSON terms in, JSON schedule out, every problem listed."""

from __future__ import annotations

import json
from decimal import Decimal

from lms_core.terms_json import preview_schedule

CONTRACT_EXAMPLE = """
{"principal": "20000", "currency": "INR", "annual_rate": "15", "tenure": 24,
 "frequency": "monthly", "disbursement_date": "2024-01-01", "first_due_date": "2024-02-01",
 "interest_method": "declining", "amortization": "equal_installment",
 "interest_basis": "period", "day_count": "ACT/365F",
 "installment_rounding": {"multiple": "0.01", "mode": "half_up"},
 "interest_rounding": {"places": 2, "mode": "half_even"},
 "moratorium": {"principal_periods": 0, "interest_periods": 0},
 "down_payment_percent": "0", "disbursements": [],
 "fees": [{"name": "processing", "amount": "240", "payable_to": "lender", "upfront": true}]}
"""


def load(text: str) -> dict:
    return json.loads(text, parse_float=Decimal)


def test_contract_example():
    """20,000 at 15 % over 24 months: EMI 969.73, interest 3273.58 (see test_apr)."""
    result, problems = preview_schedule(load(CONTRACT_EXAMPLE))
    assert problems == []
    first = result["installments"][0]
    assert first == {
        "number": 1,
        "due_date": "2024-02-01",
        "principal": "719.73",
        "interest": "250.00",
        "fees": "0.00",
        "total": "969.73",
        "balance": "19280.27",
    }
    assert result["installments"][-1]["balance"] == "0.00"
    assert result["totals"] == {
        "principal": "20000.00",
        "interest": "3273.58",
        "fees": "0.00",
        "total": "23273.58",
    }
    assert result["apr"] == "16.24"
    assert result["effective_annual_rate"] == "17.50"
    assert result["summary"]["net_disbursed"] == "19760.00"


def test_minimal_payload_uses_the_defaults():
    payload = {
        "principal": 20000,
        "annual_rate": Decimal("15"),
        "tenure": 24,
        "frequency": "monthly",
        "disbursement_date": "2024-01-01",
    }
    result, problems = preview_schedule(payload)
    assert problems == []
    assert result["installments"][0]["due_date"] == "2024-02-01"
    assert result["installments"][0]["total"] == "969.73"
    assert result["apr"] == "15.00"


def test_json_decimal_numbers_are_accepted():
    text = CONTRACT_EXAMPLE.replace('"annual_rate": "15"', '"annual_rate": 15.0')
    result, problems = preview_schedule(load(text))
    assert problems == []
    assert result["installments"][0]["interest"] == "250.00"


def test_every_problem_is_listed_and_no_schedule_is_given():
    payload = {
        "principal": 20000.5,
        "annual_rate": "fifteen",
        "frequency": "fortnightly",
        "disbursement_date": "2024-13-01",
        "interest_rounding": {"places": 2, "mode": "sideways"},
        "fees": [{"amount": "10"}],
        "colour": "blue",
    }
    result, problems = preview_schedule(payload)
    assert result is None
    assert {(p.field, p.message.split(":")[0]) for p in problems} == {
        ("colour", "unknown field"),
        ("principal", "a float is not accepted"),
        ("annual_rate", "not a number"),
        ("tenure", "is required"),
        (
            "frequency",
            "must be one of weekly, biweekly, monthly, quarterly, half_yearly, yearly, custom",
        ),
        ("disbursement_date", "must be a date as YYYY-MM-DD"),
        (
            "interest_rounding.mode",
            "must be one of up, down, ceiling, floor, half_up, half_down, half_even",
        ),
        ("fees[0].name", "is required (a text)"),
    }


def test_form_and_consistency_problems_in_one_answer():
    payload = load(CONTRACT_EXAMPLE)
    payload.update(tenure=0, day_count="ACT/365", principal="0")
    result, problems = preview_schedule(payload)
    assert result is None
    assert [p.field for p in problems] == ["day_count", "principal", "tenure"]


def test_semantic_problems_are_listed_together():
    payload = load(CONTRACT_EXAMPLE)
    payload.update(
        principal="-5",
        tenure=0,
        first_due_date="2023-12-01",
        interest_method="flat",
        amortization="bullet",
    )
    result, problems = preview_schedule(payload)
    assert result is None
    assert [p.field for p in problems] == ["principal", "tenure", "first_due_date", "amortization"]


def test_holidays_and_custom_dates_through_json():
    payload = {
        "principal": "12000",
        "annual_rate": "12",
        "tenure": 2,
        "frequency": "custom",
        "amortization": "custom",
        "interest_basis": "daily",
        "disbursement_date": "2024-01-01",
        "custom": [
            {"due_date": "2024-06-30", "principal_percent": "30"},
            {"due_date": "2024-12-31", "principal_percent": "70"},
        ],
        "holidays": {"weekend": [6], "convention": "following", "interest_to": "unadjusted"},
    }
    result, problems = preview_schedule(payload)
    assert problems == []
    # 30 Jun 2024 is a Sunday: paid on Monday 1 Jul; interest to 30 Jun (181 days)
    # 12000 × 0.12 × 181/365 = 714.08
    first = result["installments"][0]
    assert (first["due_date"], first["interest"], first["principal"]) == (
        "2024-07-01",
        "714.08",
        "3600.00",
    )


def test_custom_needs_matching_tenure():
    payload = {
        "principal": "1000",
        "annual_rate": "12",
        "tenure": 3,
        "frequency": "custom",
        "disbursement_date": "2024-01-01",
        "custom": [{"due_date": "2024-06-30", "amount": "1100"}],
    }
    result, problems = preview_schedule(payload)
    assert result is None
    assert [p.field for p in problems] == ["tenure", "frequency"]
