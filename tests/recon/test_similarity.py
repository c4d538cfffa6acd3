"""The similarity shortcut (a candidate contained in our reference is scored without
difflib) returns exactly the score the difflib-only scoring returned.

The oracle below is the scoring as it was before the shortcut: difflib's ratio against
every candidate (each text, each narration token), the best one wins.
"""

from __future__ import annotations

import random
from difflib import SequenceMatcher

import pytest

from lms_core.recon.similarity import MIN_LENGTH, normalise, similarity, tokens


def difflib_only(reference: str | None, texts: list[str | None]) -> float:
    ref = normalise(reference)
    if not ref:
        return 0.0
    flats = [(text, normalise(text)) for text in texts if text]
    if any(flat and (ref == flat or (len(ref) >= MIN_LENGTH and ref in flat)) for _, flat in flats):
        return 1.0
    if len(ref) < MIN_LENGTH:
        return 0.0
    scores = [
        SequenceMatcher(None, candidate, ref, autojunk=False).ratio()
        for text, flat in flats
        for candidate in {flat, *tokens(text)}
        if candidate
    ]
    return max(scores, default=0.0)


CASES = [
    # reference, texts, score
    ("RCP0000000045", ["NEFT CR-HDFCN24000000045-PAYER-RCP000000004"], 24 / 25),
    ("LN2024000123", ["NEFT CR LN202400012"], 22 / 23),
    ("LN2024000123", ["LN2024000123"], 1.0),
    ("LN-2024-000123", [None, "UPI/LN2024000123/PAYER"], 1.0),
    ("LN2024000123", ["2024000123 SALARY"], 20 / 22),
    ("LN2024000123", ["LN20240"], 14 / 19),
    ("LN2024000123", ["IMPS 99887766 RAMESH"], None),  # difflib decides
    ("LN2024000123", ["LN2024 000123"], 1.0),  # whole once spaces go
    ("AB12", ["AB1"], 6 / 7),  # a whole text counts, however short
    ("12", ["PAID 12"], 0.0),  # a short reference only counts when equal
    ("XYZ9", ["NOTHING ALIKE"], None),
    ("RCP0000000045", ["RCP", "0000000045", "PAYER RCP00000"], None),
    ("", ["ANY"], 0.0),
]


@pytest.mark.parametrize(("reference", "texts", "score"), CASES)
def test_same_score_as_difflib_only(reference, texts, score):
    got = similarity(reference, texts)
    assert got == difflib_only(reference, texts)
    if score is not None:
        assert got == pytest.approx(score)


def test_same_score_on_random_truncations_and_noise():
    """2,000 generated narrations: truncated, shifted, noisy and unrelated references."""
    rng = random.Random(20261122)
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    for _ in range(2000):
        ref = "".join(rng.choice(alphabet) for _ in range(rng.randint(2, 16)))
        cut = ref[rng.randint(0, 3) : len(ref) - rng.randint(0, 3)]
        noise = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
        narration = rng.choice([f"NEFT CR-{noise}-{cut}", f"{cut}{noise}", f"{noise} {cut[::-1]}"])
        texts = [narration, rng.choice([None, noise[:8], cut])]
        assert similarity(ref, texts) == difflib_only(ref, texts), (ref, texts)
