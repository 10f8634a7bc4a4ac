"""Where exactly a page boundary falls: the best match of a page's first or last words, the
cut chosen between the two matches at a boundary, and cuts kept off words, headings and
display blocks (a heading never ends a page; a display is never split).  Positions are in
``joined`` (the normalized tokens concatenated) until ``to_offset`` maps them back to the
markdown."""
from __future__ import annotations

import re
from typing import Optional

import numpy as np
from rapidfuzz.distance import Indel

from nougat_align.normalize import Tokens
from nougat_align.split.trim import Match, locate

GOOD = 0.85  # a match at least this similar is taken without trying further lines


def whole_words(text: str, x: int, y: int) -> tuple[int, int]:
    """``[x, y)`` grown to whole space-separated words (with their punctuation and
    brackets) and one space after it, unless that would take markup (``\\``) with it."""
    a, b = x, y
    while a > 0 and not text[a - 1].isspace():
        a -= 1
    while b < len(text) and not text[b].isspace():
        b += 1
    if "\\" in text[a:x] + text[y:b]:
        return x, y
    if b < len(text) and text[b] == " " and (a == 0 or text[a - 1].isspace()):
        b += 1
    return a, b


HEADING = re.compile(r"#{1,6} ")
BLOCKS = (("\\[", "\\]"),)  # code listings may break across pages; displays never do


def whole_blocks(text: str, offsets: list[int]) -> list[int]:
    """Cuts moved so that no block is split: a cut inside a display equation moves to its
    nearer edge, a cut inside a heading line to the line's start, and
    a page never ends with a heading (the heading goes to the next page, which prints
    its title).  The first offset stays."""
    out = list(offsets)
    for k in range(1, len(out)):
        c = out[k]
        if k < len(out) - 1:
            c = outside_block(text, c)
            line = text.rfind("\n", 0, c) + 1
            if HEADING.match(text, line):
                c = line
        out[k] = max(before_trailing_headings(text, out[k - 1], c), out[k - 1])
    return out


def outside_block(text: str, c: int) -> int:
    for open_, close in BLOCKS:
        a = text.rfind(open_, 0, c)
        if a < 0 or text.rfind(close, a + len(open_), c) >= 0:
            continue
        b = text.find(close, max(c, a + len(open_)))
        if b < 0:
            continue
        b += len(close)
        return a if c - a <= b - c else b
    return c


def before_trailing_headings(text: str, floor: int, c: int) -> int:
    while c > floor:
        end = floor + len(text[floor:c].rstrip())
        line = max(text.rfind("\n", floor, end) + 1, floor)
        if end <= floor or not HEADING.match(text, line):
            break
        c = line
    return c


def best_edge(candidates: list[tuple[str, str]], joined: str, lo: int, hi: int, edge: str
               ) -> tuple[tuple[str, str], Optional[Match]]:
    """The first candidate that matches well in the window (else the best one)."""
    best: tuple[tuple[str, str], Optional[Match]] = (("", ""), None)
    for cand in candidates:
        m = locate(cand[1], joined, lo, hi, edge=edge)
        if m is None:
            continue
        if m.score >= GOOD:
            return cand, m
        if best[1] is None or m.score > best[1].score:
            best = (cand, m)
    return best


def choose_cut(s: Optional[Match], e: Optional[Match], lead: str, trail: str,
                joined: str, fallback: int) -> int:
    """Cut between page k-1 (ending with match ``e``) and page k (starting with ``s``).

    Text between the two matches is what neither matched well: a heading too short to
    count, a display equation, an end-of-proof mark.  It is split where it best explains
    what page k-1 printed after its match (``trail``) and page k before its own (``lead``).
    """
    good_s = s is not None and s.score >= 0.8
    good_e = e is not None and e.score >= 0.8
    if good_s and good_e:
        if e.end <= s.start:
            return split_gap(joined, e.end, s.start, trail, lead)
        # overlapping matches: trust the better, and on a tie the longer (a short pattern
        # such as "In Transactions on ..." recurs in a bibliography)
        return s.start if (s.score, s.end - s.start) >= (e.score, e.end - e.start) else e.end
    if good_s or (s is not None and not good_e and (e is None or s.score >= e.score)):
        return take_back(joined, s.start, lead)
    if e is not None:
        return take_forward(joined, e.end, trail)
    return fallback


def take_back(joined: str, start: int, lead: str) -> int:
    """Move a page start back over text that page prints before its first matched words
    (a short heading, an equation), when only the start side has evidence."""
    if not lead:
        return start
    a = max(0, start - int(1.5 * len(lead)) - 5)
    best, best_score = start, 0.0
    for c in range(start, a - 1, -1):
        score = lcs(joined[c:start], lead)
        if score > best_score + 1e-9:
            best, best_score = c, score
    return best if best_score >= 0.6 * (start - best) and best_score >= 3 else start


def take_forward(joined: str, end: int, trail: str) -> int:
    """Move a page end forward over text it prints after its last matched words."""
    if not trail:
        return end
    b = min(len(joined), end + int(1.5 * len(trail)) + 5)
    best, best_score = end, 0.0
    for c in range(end, b + 1):
        score = lcs(joined[end:c], trail)
        if score > best_score + 1e-9:
            best, best_score = c, score
    return best if best_score >= 0.6 * (best - end) and best_score >= 3 else end


def lcs(a: str, b: str) -> float:
    """Length of the longest common subsequence (from the Indel distance)."""
    if not a or not b:
        return 0.0
    return (len(a) + len(b) - Indel.distance(a, b)) / 2


def split_gap(joined: str, a: int, b: int, trail: str, lead: str) -> int:
    if b - a <= 3:
        return b
    if b - a > 2000:  # far apart: not one gap but a disagreement; trust the page start
        return b
    best, best_score = b, -1.0
    for c in range(b, a - 1, -1):  # ties go to the later cut (previous page keeps it)
        score = lcs(joined[a:c], trail) + lcs(joined[c:b], lead)
        if score > best_score + 1e-9:
            best, best_score = c, score
    return best


def to_offset(j: int, joined: str, owner: np.ndarray, toks: Tokens, text: str) -> int:
    """Markdown offset for a cut before joined character ``j``: the start of its word,
    moved back over markup at the start of the line (``## ``, ``* ``)."""
    if j >= len(joined) or len(owner) == 0:
        return len(text)
    if j <= 0:
        return 0
    off = int(toks.starts[int(owner[j])])  # a cut inside a word moves to the word's start
    while off > 0 and not text[off - 1].isspace():
        off -= 1
    line_start = text.rfind("\n", 0, off) + 1
    if re.fullmatch(r"(?:#{1,6} |[*\-] |\d+\. |\s)*", text[line_start:off]):
        off = line_start
    return off
