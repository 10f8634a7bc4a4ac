"""Find where a page's first (or last) words sit in the markdown, to the character.

Both sides are normalized strings (``normalize``: lowercase alphanumerics, no spaces), so
line breaks, hyphenation, markup and unicode-vs-TeX differences vanish before matching.
Two steps keep it fast: rapidfuzz's ``partial_ratio_alignment`` (C++) finds the best
window for the whole pattern, then fuzzysearch's ``find_near_matches`` pins the exact
first and last character with a short head/tail of the pattern and a small edit budget
(fuzzysearch alone over a large window with a large budget costs tens of ms per call).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from fuzzysearch import find_near_matches
from rapidfuzz import fuzz

PIN = 20  # characters of the pattern's head/tail used to pin the exact edge


@dataclass(frozen=True)
class Match:
    start: int  # offsets in the searched (normalized) string
    end: int
    score: float  # 0..1 similarity of the pattern to text[start:end]


def locate(pattern: str, text: str, lo: int = 0, hi: Optional[int] = None,
           min_score: float = 0.5, edge: str = "both") -> Optional[Match]:
    """Best fuzzy occurrence of ``pattern`` in ``text[lo:hi]``, or None.

    ``edge`` says which end must be exact ("start", "end" or "both"); the other is left
    where the coarse alignment put it."""
    hi = len(text) if hi is None else min(hi, len(text))
    lo = max(0, lo)
    if not pattern or hi - lo <= 0:
        return None
    if hi - lo < len(pattern):  # partial_ratio needs the pattern to be the shorter one
        lo = max(0, hi - len(pattern))
        hi = min(len(text), lo + len(pattern))
    r = fuzz.partial_ratio_alignment(pattern, text[lo:hi])
    if r is None or r.score < 100 * min_score:
        return None
    start, end = lo + r.dest_start, lo + r.dest_end
    if r.score < 100:  # an exact match is already exact at both edges
        if edge in ("start", "both"):
            start = _pin(pattern[:PIN], text, start, lo, hi, at_start=True)
        if edge in ("end", "both"):
            end = _pin(pattern[-PIN:], text, end, lo, hi, at_start=False)
    if end <= start:
        end = min(hi, start + len(pattern))
    return Match(start=start, end=end, score=round(r.score / 100, 4))


def _pin(piece: str, text: str, guess: int, lo: int, hi: int, at_start: bool) -> int:
    """Exact position of ``piece`` near ``guess`` (its start, or its end if not at_start)."""
    if len(piece) < 4:
        return guess
    slack = len(piece) // 2 + 4
    if at_start:
        a, b = max(lo, guess - slack), min(hi, guess + len(piece) + slack)
    else:
        a, b = max(lo, guess - len(piece) - slack), min(hi, guess + slack)
    if b - a < len(piece):
        return guess
    matches = find_near_matches(piece, text[a:b], max_l_dist=max(1, len(piece) // 6))
    if not matches:
        return guess
    best = min(matches, key=lambda m: (m.dist, abs((a + (m.start if at_start else m.end)) - guess)))
    return a + (best.start if at_start else best.end)
