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

from nougat_align.layout.boxes import Box, LineBox, inside
from nougat_align.normalize import norm_lines, norm_words
from nougat_align.split.check import prose
from nougat_align.split.lines import PROSE_LINE

MIN_SHARE = 0.8
MIN_SHARE_FEW = 0.5
FEW = 5
MIN_BODY_IN_BOXES = 0.97
PROSE = ("Title", "Section-header", "Text", "List-item", "Caption", "Footnote")
UNMATCHED = ("Formula", "Picture")  # their words cannot be matched: they hold what they enclose
_NOTE_HEAD = re.compile(r"^Footnote\s*\S*?:\s*")


@dataclass(frozen=True)
class Word:
    """A printed word: its normalized token (a word broken at a line end joined), the box
    of its first part, and whether its line is body text."""

    token: str
    box: Box
    body: bool


def page_words(lines: Sequence[LineBox]) -> list[Word]:
    """The normalized words of the page's non-furniture lines, in order."""
    out: list[Word] = []
    glue = False
    for ln in lines:
        if ln.role == "furniture":
            glue = False
            continue
        body = ln.role in ("body", "aside") or (ln.role == "float" and len(ln.norm) >= PROSE_LINE)
        raw = ln.words
        toks = norm_lines([t for _, t in raw]) if raw else []
        first = True
        for (box, _), ws in zip(raw, toks):
            for w in ws:
                if glue and first and out:
                    prev = out[-1]
                    out[-1] = Word(prev.token + w, prev.box, prev.body)
                else:
                    out.append(Word(w, box, body))
                first = False
        glue = ln.hyphen and not first
    return out


def _in_any(word: Word, boxes: Sequence[Box]) -> bool:
    return any(inside(word.box, b) for b in boxes)


def _share(part: Counter, whole: Counter) -> float:
    n = sum(part.values())
    return 1.0 if not n else sum((part & whole).values()) / n


def check_element(category: str, text: str, words: Sequence[str], boxes: Sequence[Box],
                  printed: Sequence[Word]) -> tuple[bool, float, float]:
    """(passes, precision, coverage) of one element against the words in its boxes."""
    if category == "Picture":
        return bool(boxes), 1.0, 1.0
    if not boxes:
        return False, 0.0, 0.0
    got = Counter(w.token for w in printed if _in_any(w, boxes))
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


def body_in_boxes(printed: Sequence[Word], elements: Sequence[tuple[str, Sequence[str], Sequence[Box]]]
                  ) -> tuple[int, int]:
    """(body words inside a box of an element that holds them, body words) of a page;
    ``elements`` are (category, normalized words, boxes)."""
    held = [(cat, set(words), "".join(words), boxes) for cat, words, boxes in elements]
    total = hit = 0
    for w in printed:
        if not w.body:
            continue
        total += 1
        for cat, bag, joined, boxes in held:
            if _in_any(w, boxes) and (cat in UNMATCHED or w.token in bag or w.token in joined):
                hit += 1
                break
    return hit, total
