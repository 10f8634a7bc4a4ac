"""Floats and footnotes held aside by html2md, each placed on the page that prints it:
near its anchor, on the page whose float regions (or footnote lines) hold its words, a
float's label ("Figure 3") confirming the match."""
from __future__ import annotations

import bisect
import re

from nougat_align.normalize import norm_words
from nougat_align.records import FloatRecord, Markdown
from nougat_align.split.lines import Page, trigrams

NEAR_PAGES = 10  # a float or footnote is looked for this many pages either side of its anchor


def page_of_offset(offset: int, offsets: list[int]) -> int:
    return min(max(0, bisect.bisect_right(offsets, offset) - 1), max(0, len(offsets) - 2))


def _near(page: int, num_pages: int) -> range:
    """Pages where a float or footnote anchored on ``page`` may be printed."""
    return range(max(0, page - NEAR_PAGES), min(num_pages, page + NEAR_PAGES + 1))


def place_floats(md: Markdown, records: list[FloatRecord], pages: list[Page],
                  offsets: list[int]) -> dict[str, int]:
    """Page (0-based) of every float: the PDF record with its kind and number; else the
    page whose held-aside text best matches the float (its label "Figure 3" printed there
    counts most); else the page of its anchor."""
    by_key: dict[tuple[str, str], int] = {}
    for r in records:
        by_key.setdefault((r.fig_type.lower(), number_key(r.name)), r.page)
    grams = [trigrams(p.aside_words) for p in pages]
    labels = [label_pairs(p) for p in pages]
    out: dict[str, int] = {}
    for f in md.floats:
        key = (f.kind, number_key(f.number))  # records are figures and tables only
        if f.number and key in by_key and by_key[key] < len(pages):
            out[f.id] = by_key[key]
            continue
        want = trigrams(norm_words(f.mmd))
        label = (f.kind, number_key(f.number)) if f.number else None
        best, best_score = None, 0.3
        anchor_page = page_of_offset(f.anchor, offsets)
        for k in _near(anchor_page, len(pages)):
            score = sum(g in grams[k] for g in want) / len(want) if want else 0.0
            if label is not None and label in labels[k]:
                score += 0.5
            if score > best_score:
                best, best_score = k, score
        out[f.id] = best if best is not None else anchor_page
    return out


def number_key(number: str) -> str:
    """A float number as compared across PDF and markdown: LaTeXML numbers tables 1, 2, 3
    where revtex and IEEEtran print I, II, III."""
    key = number.strip().rstrip(".:").upper()
    if key and re.fullmatch(r"[IVXLC]+", key):
        values = [{"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}[c] for c in key]
        return str(sum(-v if v < w else v for v, w in zip(values, values[1:] + [0])))
    return key


LABEL_WORDS = {"fig": "figure", "figure": "figure", "table": "table", "tab": "table",
                "algorithm": "algorithm", "alg": "algorithm", "listing": "listing"}


def label_pairs(page: Page) -> set[tuple[str, str]]:
    """("figure", "3")-style labels that start a line of held-aside text (a caption), so
    that a sentence mentioning "Algorithm 1" in the running text does not count."""
    out = set()
    for ln in page.lines:
        if ln.role in ("aside", "float") and len(ln.words) >= 2 and ln.words[0] in LABEL_WORDS:
            out.add((LABEL_WORDS[ln.words[0]], number_key(ln.words[1])))
    return out


def place_footnotes(md: Markdown, pages: list[Page], offsets: list[int]) -> dict[str, int]:
    grams = [trigrams(p.aside_words) for p in pages]
    out: dict[str, int] = {}
    placed: set[tuple[str, str, int]] = set()
    for n in md.footnotes:
        anchor_page = page_of_offset(n.anchor, offsets)
        if (n.mark, n.text, anchor_page) in placed:
            continue  # one footnote marked twice (an affiliation two authors share): printed once
        placed.add((n.mark, n.text, anchor_page))
        want = trigrams(norm_words(n.text))
        best, best_score = None, 0.5
        for k in _near(anchor_page, len(pages)):
            if not want:
                break
            score = sum(g in grams[k] for g in want) / len(want) - 0.001 * abs(k - anchor_page)
            if score > best_score:
                best, best_score = k, score
        if best is None and want:  # held aside nowhere (its lines read as running text):
            # the anchor's page or, for a footnote the page end broke, the next, by what they print
            near = [k for k in (anchor_page, anchor_page + 1) if k < len(pages)]
            best = max(near, key=lambda k: (sum(g in pages[k].printed.trigrams for g in want), -k))
        out[n.id] = best if best is not None else anchor_page
    return out
