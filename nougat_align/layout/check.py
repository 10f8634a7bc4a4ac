"""Each element checked both ways against the words inside its boxes, and the page's
body words against the elements' boxes.

* An element's ``precision``: share of its markdown's words printed inside its boxes;
  ``coverage``: share of the words printed inside its boxes that its markdown holds.
  Prose (Title, Section-header, Text, List-item, Caption, Footnote) compares its prose
  words (math and code left out, as the page check does) with all words in the boxes,
  and the boxes' words of three letters or more with all its words; a Table all words
  both ways; a Formula its words of three letters or more (``\\sin``, ``\\alpha``) --
  TeX and glyphs rarely normalize alike.  A Picture's words are not transcribed: it is
  checked for having a region.  It passes with both at ``MIN_SHARE`` or more
  (``MIN_SHARE_FEW`` for fewer than ``FEW`` words).
* ``body_in_boxes``: of the page's printed body words (words of its body lines: not
  running heads, page numbers or margin stamps, nor the short lines inside a figure --
  the words ``split.lines.Page.printed.body`` counts), the share that lie inside a box
  of an element whose markdown holds them.  A prose element or Table holds a word when
  its normalized words hold it, or its normalized text (words concatenated) holds it
  (``x2`` printed for ``x^{2}``); a Formula or Picture holds the words inside its boxes,
  since its words cannot be matched.  A page below ``MIN_BODY_IN_BOXES`` gets no layout.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from nougat_align.layout.boxes import Box, LineBox
from nougat_align.normalize import norm_words
from nougat_align.split.check import prose
from nougat_align.split.lines import PROSE_LINE

MIN_SHARE = 0.8
MIN_SHARE_FEW = 0.5
FEW = 5
MIN_BODY_IN_BOXES = 0.97
UNMATCHED = ("Formula", "Picture")  # their words cannot be matched: they hold what they enclose
_NOTE_HEAD = re.compile(r"^Footnote\s*\S*?:\s*")


@dataclass(frozen=True)
class PageWords:
    """The printed words of a page's non-furniture lines, in order: normalized tokens (a
    word broken at a line end joined, at the place of its first part), the centres of
    their boxes, and whether each is a body word."""

    tokens: list[str]
    cx: np.ndarray
    cy: np.ndarray
    body: np.ndarray


def page_words(lines: Sequence[LineBox]) -> PageWords:
    """A line's normalized words are the aligner's (``LineBox.norm``); the ``j``-th of
    ``n`` sits at the ``j * m // n``-th of the line's ``m`` printed words (the same word
    when each printed word gives one, as nearly all do)."""
    tokens: list[str] = []
    cx: list[float] = []
    cy: list[float] = []
    flags: list[bool] = []
    glue = False
    for ln in lines:
        if ln.role == "furniture":
            glue = False
            continue
        body = ln.role in ("body", "aside") or (ln.role == "float" and len(ln.norm) >= PROSE_LINE)
        norm, raw = ln.norm, ln.words
        n, m = len(norm), len(raw)
        start = 0
        if glue and n and tokens:  # a word broken at the last line's end, joined there
            tokens[-1] += norm[0]
            start = 1
        for j in range(start, n):
            w = raw[j * m // n] if m else (*ln.box, "")
            tokens.append(norm[j])
            cx.append((w[0] + w[2]) / 2)
            cy.append((w[1] + w[3]) / 2)
            flags.append(body)
        glue = ln.hyphen and n > start
    return PageWords(tokens, np.asarray(cx, dtype=float), np.asarray(cy, dtype=float),
                     np.asarray(flags, dtype=bool))


def within(words: PageWords, boxes: Sequence[Box], slack: float = 1.0) -> np.ndarray:
    """Which words' centres lie inside one of ``boxes``."""
    mask = np.zeros(len(words.tokens), dtype=bool)
    for x0, y0, x1, y1 in boxes:
        mask |= ((words.cx >= x0 - slack) & (words.cx <= x1 + slack)
                 & (words.cy >= y0 - slack) & (words.cy <= y1 + slack))
    return mask


def _share(part: Counter, whole: Counter) -> float:
    n = sum(part.values())
    return 1.0 if not n else sum((part & whole).values()) / n


def check_element(category: str, text: str, words: Sequence[str], mask: np.ndarray,
                  printed: PageWords) -> tuple[bool, float, float]:
    """(passes, precision, coverage) of one element against the words in its boxes
    (``mask``: ``within(printed, boxes)``)."""
    if category == "Picture":
        return True, 1.0, 1.0
    toks = printed.tokens
    got = Counter(toks[i] for i in np.flatnonzero(mask))
    md_all = Counter(words)
    if category == "Formula":
        md_side = Counter({w: n for w, n in md_all.items() if len(w) >= 3 and w.isalpha()})
        box_side = Counter({w: n for w, n in got.items() if len(w) >= 3 and w.isalpha()})
        precision, coverage = _share(md_side, got), _share(box_side, md_all)
        ok = sum(got.values()) > 0 and coverage >= MIN_SHARE_FEW
        return ok, round(precision, 4), round(coverage, 4)
    if category == "Table":
        md_side, box_side = md_all, got
    else:
        if category == "Footnote":
            text = _NOTE_HEAD.sub("", text)
        md_side = Counter(norm_words(prose(text)))
        box_side = Counter({w: n for w, n in got.items() if len(w) >= 3})
    precision, coverage = _share(md_side, got), _share(box_side, md_all)
    few = sum(md_side.values()) < FEW or sum(box_side.values()) < FEW
    need = MIN_SHARE_FEW if few else MIN_SHARE
    return precision >= need and coverage >= need, round(precision, 4), round(coverage, 4)


def body_in_boxes(printed: PageWords, elements: Sequence[tuple[str, Sequence[str], np.ndarray]]
                  ) -> tuple[int, int]:
    """(body words inside a box of an element that holds them, body words) of a page;
    ``elements`` are (category, normalized words, ``within`` mask of its boxes)."""
    toks = printed.tokens
    hit = np.zeros(len(toks), dtype=bool)
    for cat, words, mask in elements:
        todo = np.flatnonzero(mask & printed.body & ~hit)
        if not len(todo):
            continue
        if cat in UNMATCHED:
            hit[todo] = True
            continue
        bag, joined = set(words), "".join(words)
        for i in todo:
            if toks[i] in bag or toks[i] in joined:
                hit[i] = True
    return int(hit.sum()), int(printed.body.sum())
