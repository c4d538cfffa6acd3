"""How alike two references are, 0.0 (nothing in common) to 1.0 (ours is quoted whole).

Banks rarely copy our reference faithfully: they truncate it, upper-case it, glue it to
the remitter's name or wrap it in ``NEFT CR-<UTR>-<NAME>-<REF>``. So text is normalised
(upper case, letters and digits only), and the score of an expected reference against
an actual item is the best of:

* 1.0 when the normalised reference occurs whole in any of the actual's texts;
* :class:`difflib.SequenceMatcher` ratio against each text and each token of the
  narration (a truncated ``LN2024000123`` vs ``LN202400012`` scores 2*11/23 = 0.957).

A candidate that occurs whole inside the reference (the usual truncation) is scored
without difflib: every one of its characters is matched and no more can be, so the
ratio is exactly ``2 * len(candidate) / (len(candidate) + len(reference))``, the figure
difflib would return. Scored first, it raises the bar that lets the length bound skip
the other candidates, so a truncated reference costs no difflib call at all.

References shorter than :data:`MIN_LENGTH` only count when equal (``"12"`` occurs in
every narration). Scores are plain floats: they rank candidates, they are not money.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from difflib import SequenceMatcher

__all__ = ["MIN_LENGTH", "normalise", "similarity", "tokens"]

MIN_LENGTH = 4
_NOT_ALNUM = re.compile(r"[^0-9A-Z]+")


def normalise(text: str | None) -> str:
    """Return ``text`` upper-cased with everything but letters and digits removed."""
    return _NOT_ALNUM.sub("", (text or "").upper())


def tokens(text: str | None) -> tuple[str, ...]:
    """Return the letter-and-digit runs of ``text``, upper-cased (at least 4 long)."""
    return tuple(t for t in _NOT_ALNUM.split((text or "").upper()) if len(t) >= MIN_LENGTH)


def similarity(reference: str | None, texts: Iterable[str | None]) -> float:
    """Return how well ``reference`` is found in ``texts`` (0.0 .. 1.0)."""
    ref = normalise(reference)
    if not ref:
        return 0.0
    flats = [(text, normalise(text)) for text in texts if text]
    for _, flat in flats:
        if flat and (ref == flat or (len(ref) >= MIN_LENGTH and ref in flat)):
            return 1.0
    if len(ref) < MIN_LENGTH:
        return 0.0
    candidates = [c for text, flat in flats for c in {flat, *tokens(text)} if c]
    best = max((_contained_ratio(c, ref) for c in candidates), default=0.0)
    matcher = None  # built on first need: indexing ``ref`` costs as much as a ratio
    for candidate in candidates:
        size = len(candidate)
        if 2 * min(size, len(ref)) / (size + len(ref)) <= best:
            continue  # even a perfect overlap could not beat the best so far
        if matcher is None:
            matcher = SequenceMatcher(None, autojunk=False)
            matcher.set_seq2(ref)  # why: indexed once; the candidates vary seq1
        matcher.set_seq1(candidate)
        if matcher.quick_ratio() > best:
            best = max(best, matcher.ratio())
    return best


def _contained_ratio(candidate: str, ref: str) -> float:
    """The difflib ratio of ``candidate`` against ``ref`` when it occurs inside ``ref``
    (all of it matches, nothing more can); 0.0 when it does not occur."""
    if candidate not in ref:
        return 0.0
    return 2 * len(candidate) / (len(candidate) + len(ref))
