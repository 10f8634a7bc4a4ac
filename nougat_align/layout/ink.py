"""Where a word's ink lies inside its MuPDF box, cheaply.

MuPDF's word boxes are font boxes: one font size tall (``y1 - y0``), from the font's
ascender to its descender (PyMuPDF scales the two to one em), and one advance wide.  The
ink is smaller: "ace" prints from the baseline to the x-height, "Type" from the cap height
to the descender, and glyphs do not touch their advance's edges.  Layout boxes are drawn
around the ink (as DocLayNet's annotators draw them), so each word's box is shrunk to the
ink its characters print, from the characters' heights, depths and side bearings in
Computer Modern's proportions (TFM heights in ems: x-height 0.431, ascender 0.694,
capitals 0.683, figures 0.644, descender 0.194; the font box puts the baseline at
0.2185 em above its bottom).  A character the tables do not know (a math symbol, a glyph
of another script) keeps the font box's full height on its side, so the estimate never
cuts ink of an unknown glyph; other fonts than Computer Modern are approximated.

Reading every glyph's outline (MuPDF's accurate boxes, a character-level extraction, or a
render) would be exact but costs as much again as the aligner's own text extraction.
"""
from __future__ import annotations

from functools import lru_cache

BASE = 0.2185  # the baseline's height above a font box's bottom, in ems (CM: 0.194 / 0.888)
FULL_TOP = 1.0 - BASE  # an unknown character: the font box's top
FULL_DEPTH = BASE  # and its bottom

_TOP: dict[str, float] = {}
_DEPTH: dict[str, float] = {}
for chars, top, depth in (
        ("acemnorsuvwxz", 0.442, 0.011), ("ıȷ", 0.431, 0.0), ("i", 0.669, 0.0), ("j", 0.669, 0.194),
        ("bdhkl", 0.694, 0.011), ("f", 0.705, 0.0), ("t", 0.615, 0.011), ("gpqy", 0.442, 0.194),
        ("ABCDEFGHIJKLMNOPRSTUVWXYZ", 0.683, 0.0), ("Q", 0.683, 0.194), ("0123456789", 0.655, 0.022),
        ("([{)]}|/\\", 0.75, 0.25), (",;", 0.106, 0.194), (".:", 0.431, 0.0), ("!?'\"‘’“”`", 0.694, 0.0),
        ("-–—", 0.28, -0.23), ("=", 0.367, -0.133), ("+", 0.583, 0.083), ("*", 0.75, -0.35),
        ("αεικνοπστυωı", 0.442, 0.011), ("βδζθλξ", 0.694, 0.194), ("γημρφχψ", 0.442, 0.194),
        ("•", 0.5, -0.1), ("%&#@", 0.75, 0.056), ("<>", 0.54, 0.04), ("−", 0.583, 0.083)):
    for c in chars:
        _TOP[c], _DEPTH[c] = top, depth
for c in "1247":  # figures without overshoot; a 4 is taller
    _DEPTH[c] = 0.0
_TOP["4"] = 0.677
for c in "δθλ":
    _DEPTH[c] = 0.011
for c in "βζξ":
    _DEPTH[c] = 0.194
_LEFT = {c: 0.05 for c in "0235678 9"} | {"1": 0.1, "4": 0.0}  # side bearings of figures, in ems
_RIGHT = {c: 0.05 for c in "0235678 9"} | {"1": 0.075, "4": 0.0}
BEARING = 0.02  # a letter's


@lru_cache(maxsize=65536)
def _shape(text: str) -> tuple[float, float, float, float]:
    """(top above the baseline, depth below it, left bearing, right bearing) in ems."""
    top = max((_TOP.get(c, FULL_TOP) for c in text if not c.isspace()), default=FULL_TOP)
    depth = max((_DEPTH.get(c, FULL_DEPTH) for c in text if not c.isspace()), default=FULL_DEPTH)
    left = _LEFT.get(text[:1], BEARING) if text[:1] in _TOP else 0.0
    right = _RIGHT.get(text[-1:], BEARING) if text[-1:] in _TOP else 0.0
    return top, depth, left, right


def word_ink(x0: float, y0: float, x1: float, y1: float, text: str) -> tuple[float, float, float, float]:
    """The ink box of a word MuPDF boxes as ``(x0, y0, x1, y1)`` (``text`` its
    characters); the font box itself for a box too flat or too thin to be one line of
    upright text (rotated text, a rule)."""
    size = y1 - y0
    if size <= 1.0 or not text or (x1 - x0) < 0.2 * size and len(text) > 2:
        return x0, y0, x1, y1
    top, depth, left, right = _shape(text)
    base = y1 - BASE * size
    ix0, ix1 = x0 + left * size, x1 - right * size
    if ix1 <= ix0:
        ix0, ix1 = x0, x1
    return ix0, max(y0, base - top * size), ix1, min(y1, base + max(depth, -top + 0.05) * size)


def tall_words(words, height: float) -> bool:
    """A word whose font box is taller than one line of the page's text (``height``): a
    base letter with a raised or lowered index in one MuPDF word ("wn" for w^n), whose
    font box reaches the index's font box top while its ink does not."""
    return any(w[3] - w[1] > 1.1 * height for w in words)


def span_ink(spans, box) -> tuple[float, float, float, float] | None:
    """The ink of the text spans (``(x0, y0, x1, y1, text)``, one font size each, from
    MuPDF's dict) whose centres lie in ``box``: an index is its own span, in its size."""
    inks = [word_ink(*s[:4], s[4].strip()) for s in spans if s[4].strip()
            and box[0] <= (s[0] + s[2]) / 2 <= box[2] and box[1] <= (s[1] + s[3]) / 2 <= box[3]]
    if not inks:
        return None
    return (min(b[0] for b in inks), min(b[1] for b in inks), max(b[2] for b in inks), max(b[3] for b in inks))


def page_spans(textpage) -> list[tuple]:
    """Every text span of the page: ``(x0, y0, x1, y1, text)``."""
    try:
        d = textpage.extractDICT()
    except Exception:  # a page MuPDF cannot read again: no spans (the words' ink stays)
        return []
    return [(*s["bbox"], s["text"]) for b in d["blocks"] if b.get("type") == 0
            for ln in b["lines"] for s in ln["spans"]]
