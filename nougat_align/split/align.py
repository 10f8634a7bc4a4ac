"""Split a paper's markdown into its PDF pages: ``align(markdown, pdf) -> Alignment``.

Stages (each in its own module, called here in order):

1. ``pdf_text``: PDF lines per page; running headers/footers and float regions marked.
   ``page_lines``: the lines' words; lines whose words the markdown holds aside
   (captions, footnotes, table cells) are marked ``aside`` by word-trigram overlap, so
   neither side has them in the running text.
2. ``page_classifier``: TF-IDF + linear SVM trained on the PDF's lines (label = page)
   predicts a page for every markdown chunk (``CHUNK_WORDS`` normalized words).
3. ``staircase``: exact Gini-impurity step fit of those predictions; each page boundary
   gets a chunk interval of near-optimal positions.
4. ``fuzzy_trim``: inside that interval, the last words of page k and the first words of
   page k+1 are found in the markdown; the boundary is cut at an exact character.
5. Blocks stay whole: a cut inside a heading or a display moves to its edge, and a
   heading never ends a page (LaTeX does not print one at the foot of a page).
6. Floats and footnotes held aside by html2md go to the page that prints them.
7. Score: each page's markdown is checked against its PDF text at its start and end
   (``score``) and, with its labels as printed (``labels``), as a whole in both
   directions (``page_check``: precision, coverage), after cutting out prose the page
   does not print; a reference list or a table of contents the markdown cannot give as
   printed is rebuilt from the page's lines (``references``, ``contents``).  A page is
   kept when all pass.

``align`` never raises for a bad page: pages that cannot be trusted are returned with
``kept=False`` and a reason.  It raises ``InputError`` only when the PDF cannot be read.
"""
from __future__ import annotations

import bisect
import gc
import re
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np
from rapidfuzz.distance import Indel

from nougat_align.pdf import text as pdf_text
from nougat_align.split import references
from nougat_align.split.trim import Match, locate
from nougat_align.split.labels import relabel
from nougat_align.normalize import Tokens, norm_words, tokenize
from nougat_align.split.check import Evidence, check_pages, edge_score, not_prose_spans, prose, removable, unprinted_runs
from nougat_align.split.classifier import predict_pages
from nougat_align.split.lines import PATTERN_CHARS, Page, PrintedPage, classify_lines, mismatched, trigrams
from nougat_align.records import Alignment, Float, FloatRecord, Markdown, PageText
from nougat_align.split.staircase import fit_staircase

CHUNK_WORDS = 24
GOOD = 0.85  # a match at least this similar is taken without trying further lines
DEFAULT_MIN_SCORE = 0.9
NEAR_PAGES = 10  # a float or footnote is looked for this many pages either side of its anchor
FiguresArg = Union[None, str, Path, Sequence[FloatRecord]]


class _Clock:
    def __init__(self) -> None:
        self.t = time.perf_counter()
        self.timings: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(self.timings.get(name, 0.0) + now - self.t, 5)
        self.t = now


def align(markdown: Union[Markdown, str], pdf, figures: FiguresArg = "detect",
          min_score: float = DEFAULT_MIN_SCORE) -> Alignment:
    """Cut ``markdown`` into one piece per page of ``pdf`` (a path or an open document).

    ``figures``: "detect" (built-in detector), None/"none" (no float records), a path to
    pdffigures2 JSON, or a list of ``FloatRecord``.  Pages scoring below ``min_score`` are
    returned with ``kept=False`` and reason "low score".
    """
    md = markdown if isinstance(markdown, Markdown) else Markdown(text=str(markdown))
    doc = pdf_text.open_pdf(pdf)
    try:
        return align_document(md, doc, figures, min_score)
    finally:
        if doc is not pdf:
            doc.close()


def align_document(md: Markdown, doc, figures: FiguresArg = "detect",
                   min_score: float = DEFAULT_MIN_SCORE) -> Alignment:
    """``align`` on an open PyMuPDF document.  MuPDF reads each page's text once; the float
    detector and the line extraction share it.

    Python's cycle collector is paused meanwhile: a paper makes tens of thousands of small
    short-lived objects and no cycles, and the collector's passes cost 10-20% of the time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _align_document(md, doc, figures, min_score)
    finally:
        if was_enabled:
            gc.enable()


def _align_document(md: Markdown, doc, figures: FiguresArg, min_score: float) -> Alignment:
    clock = _Clock()
    # the detector runs when there are figures or tables to place (its regions also keep
    # figure text out of the page text); a markdown without any has nothing to gain
    detect = (isinstance(figures, str) and figures == "detect"
              and any(f.kind in ("figure", "table") for f in md.floats))
    textpages = pdf_text.textpages(doc, vectors=True) if detect else None  # else page by page
    pages = pdf_text.read_pages(doc, textpages)
    clock.lap("pdf_text")
    if detect:
        from nougat_align.pdf.floats.detect import detect_floats

        texts = ["\n".join(ln.text for ln in p.lines) for p in pages]
        records = list(detect_floats(doc, textpages=textpages, page_texts=texts))
    else:
        records = _float_records(figures)
    del textpages
    clock.lap("figures")
    pages = pdf_text.mark_pages(pages, records)
    clock.lap("pdf_text")
    return _align_pages(md, pages, records, min_score, clock, doc)


def _float_records(figures: FiguresArg) -> list[FloatRecord]:
    if figures is None or (isinstance(figures, str) and figures.lower() in ("none", "detect")):
        return []
    if isinstance(figures, (str, Path)):
        from nougat_align.pdf.floats.pdffigures import load_figures

        return list(load_figures(Path(figures)))
    return list(figures)


@dataclass(frozen=True)
class _Coords:
    """The markdown's tokens and the three positions the steps speak in: token index
    (the classifier's chunks are ``CHUNK_WORDS`` tokens), character of ``joined`` (all
    normalized tokens concatenated: where fuzzy matching works) and markdown offset (where
    pages are cut)."""

    text: str
    toks: Tokens
    joined: str
    owner: np.ndarray  # joined character -> token index
    cum: np.ndarray  # token index -> its first joined character

    @classmethod
    def of(cls, text: str) -> "_Coords":
        toks = tokenize(text)
        joined, owner = toks.joined()
        cum = np.concatenate([[0], np.cumsum([len(w) for w in toks.words])]).astype(np.int64)
        return cls(text, toks, joined, owner, cum)

    def joined_at_token(self, t: int) -> int:
        return int(self.cum[min(max(t, 0), len(self.toks))])

    def offset(self, j: int) -> int:
        return _to_offset(j, self.joined, self.owner, self.toks, self.text)

    def first_tokens(self, offsets: Sequence[int]) -> list[int]:
        """Index of the first token at or after each markdown offset."""
        return np.searchsorted(self.toks.starts, offsets).tolist()


@dataclass
class _Edges:
    """Per page, the PDF words matched at its start (``heads``) and end (``tails``):
    (skipped text, pattern) pairs; and the cuts between pages in joined characters."""

    heads: list[tuple[str, str]]
    tails: list[tuple[str, str]]
    cuts: np.ndarray


def _align_pages(md: Markdown, pdf_pages: list[pdf_text.PdfPage], records: list[FloatRecord],
                 min_score: float, clock: _Clock, doc=None) -> Alignment:
    P = len(pdf_pages)
    co = _Coords.of(md.text)
    pages = classify_lines(md, co.toks, pdf_pages)
    clock.lap("lines")
    if not any(p.has_text for p in pages):
        result = [PageText(page=i + 1, start=0, end=0, score=0.0, reason="no text layer") for i in range(P)]
        return Alignment(markdown=md, num_pages=P, pages=tuple(result), status="failed",
                         warnings=("PDF has no text layer (scanned?)",), timings=clock.timings,
                         float_records=tuple(records))
    stair = _staircase(pages, co.toks, clock)
    edges = _trim(pages, co, stair)
    clock.lap("trim")
    # markdown offsets of the cuts, moved to the edges of the blocks they would cut
    offsets = [co.offset(int(c)) for c in edges.cuts]
    for i in range(1, len(offsets)):
        offsets[i] = max(offsets[i], offsets[i - 1])
    offsets = _whole_blocks(md.text, _settle_cuts(co, pages, offsets))
    float_pages = _place_floats(md, records, pages, offsets)
    note_pages = _place_footnotes(md, pages, offsets)
    clock.lap("floats")
    warnings: list[str] = []
    result, evidence = _score_pages(md, co, pages, edges, offsets, float_pages, note_pages,
                                    min_score, warnings)
    for k, p in enumerate(result):  # where page k could start with a near-optimal staircase
        lo, hi = (co.joined_at_token(int(x[k]) * CHUNK_WORDS) for x in (stair.low, stair.high))
        result[k] = replace(p, uncertainty=(co.offset(lo), co.offset(hi)))
    clock.lap("score")
    # labels as printed (``labels.relabel``) before the page check, so that a label the
    # page prints in its own style ("FIG. 3" for LaTeXML's "Figure 3") counts as printed
    # a page that scored low for its reference list goes on, to be checked with it rebuilt
    result = [replace(p, kept=True) if p.reason == "low score"
              and references.list_span(md.text, p.start, p.end) else p for p in result]
    relabeled = relabel(Alignment(markdown=md, num_pages=P, pages=tuple(result), timings=clock.timings,
                                  float_records=tuple(records)), pdf_pages, doc)
    clock.timings["labels"] = relabeled.timings["labels"]
    clock.t = time.perf_counter()
    result = check_pages(md, list(relabeled.pages), evidence, pages, pdf_pages, min_score, warnings)
    if mismatched(pages) or (not any(p.kept for p in result) and P > 1
                              and np.median([p.score for p in result]) < 0.5):
        warnings.append("PDF and markdown do not match (wrong PDF for this paper?)")
        result = [replace(p, kept=False, reason="mismatch", relabels=(), labels_unverified=0)
                  if p.reason != "no text layer" else p for p in result]
    clock.lap("score")
    kept = sum(p.kept for p in result)
    status = "ok" if kept == P else "partial" if kept else "failed"
    return Alignment(markdown=md, num_pages=P, pages=tuple(result), status=status,
                     warnings=tuple(warnings), timings=clock.timings, float_records=tuple(records))


SETTLE_WORDS = 80  # at most this many words move across a boundary when it settles
SETTLE_MIN = 3


def _settle_cuts(co: _Coords, pages: list[Page], offsets: list[int]) -> list[int]:
    """Each cut between pages moved over words one page prints and the other does not.

    The words before a cut that the next page prints (a word-trigram of theirs is on it)
    go to the next page when most of them are not printed on their own page; likewise
    words after a cut that the previous page prints.  So the end of a sentence cut at the
    wrong line changes page instead of being lost from both labels."""
    words = co.toks.words
    grams = [p.printed.trigrams for p in pages]
    first = co.first_tokens(offsets)
    out = list(offsets)

    def on(j: int, g: set) -> bool:
        return any(tuple(words[i:i + 3]) in g for i in range(max(j - 2, 0), j + 1))

    for k in range(1, len(pages)):
        lo, c, hi = first[k - 1], first[k], first[k + 1]
        j = c
        while j > max(lo, c - SETTLE_WORDS) and on(j - 1, grams[k]):
            j -= 1
        back = range(j, c)
        if len(back) >= SETTLE_MIN and sum(not on(t, grams[k - 1]) for t in back) >= 0.6 * len(back):
            out[k] = max(co.offset(co.joined_at_token(j)), out[k - 1])
            continue
        j = c
        while j < min(hi, c + SETTLE_WORDS) and on(j, grams[k - 1]):
            j += 1
        ahead = range(c, j)
        if len(ahead) >= SETTLE_MIN and sum(not on(t, grams[k]) for t in ahead) >= 0.6 * len(ahead):
            out[k] = min(co.offset(co.joined_at_token(j)), offsets[k + 1])
    return out


def _staircase(pages: list[Page], toks: Tokens, clock: _Clock):
    """Steps 2-3: a page predicted for every chunk of the markdown, fitted as a staircase."""
    P = len(pages)
    chunks = [toks.words[s:s + CHUNK_WORDS] for s in range(0, max(len(toks), 1), CHUNK_WORDS)]
    train_x, train_y = [], []
    for p in pages:
        for ln in p.body():
            if ln.words:
                train_x.append(ln.words)
                train_y.append(p.index)
    labels = predict_pages(train_x, train_y, chunks, P)
    clock.lap("classify")
    words_per_page = [sum(len(ln.words) for ln in p.body()) for p in pages]
    stair = fit_staircase(labels, P, max_len=int(max(words_per_page) / CHUNK_WORDS * 2) + 4)
    clock.lap("staircase")
    return stair


def _trim(pages: list[Page], co: _Coords, stair) -> _Edges:
    """Step 4: each boundary cut at a character of ``joined``, searched in a window
    around the staircase's interval for it."""
    P, joined = len(pages), co.joined

    def window(k: int) -> tuple[int, int]:
        lo = co.joined_at_token((int(stair.low[k]) - 1) * CHUNK_WORDS)
        hi = co.joined_at_token((int(stair.high[k]) + 1) * CHUNK_WORDS)
        return lo - PATTERN_CHARS, hi + PATTERN_CHARS

    heads: list[tuple[str, str]] = [("", "")] * P
    tails: list[tuple[str, str]] = [("", "")] * P
    cuts = np.zeros(P + 1, dtype=np.int64)
    guessed = [False] * (P + 1)  # boundary placed by the staircase alone
    for k in range(P):  # boundary k: where page k starts
        lo, hi = window(k)
        heads[k], s = _best_edge(pages[k].edge_candidates(from_end=False), joined, lo, hi, "start")
        if k == 0:
            cuts[0] = 0 if s is None or stair.low[0] == 0 else _take_back(joined, s.start, heads[0][0])
            continue
        tails[k - 1], e = _best_edge(pages[k - 1].edge_candidates(from_end=True), joined, lo, hi, "end")
        guessed[k] = s is None and e is None
        cuts[k] = _choose_cut(s, e, heads[k][0], tails[k - 1][0], joined,
                              fallback=co.joined_at_token(int(stair.starts[k]) * CHUNK_WORDS)
                              if pages[k - 1].body() else int(cuts[k - 1]))  # a float page holds no text
    # The last page ends where its last words are; what follows (markdown the PDF does not
    # print) belongs to no page.  Searched to the end of the markdown, since predictions
    # cannot place text that no PDF page has; a short difference at the very end is kept.
    tails[P - 1], e = _best_edge(pages[P - 1].edge_candidates(from_end=True), joined,
                                 int(cuts[P - 1]), len(joined), "end")
    rest = len(joined) - e.end if e is not None else 0
    cuts[P] = e.end if e is not None and e.score >= GOOD and rest > 2 * PATTERN_CHARS else len(joined)
    for k in range(P - 1, 0, -1):  # a guess (neither page has words here) yields to evidence after it
        if guessed[k]:
            cuts[k] = min(cuts[k], cuts[k + 1])
    return _Edges(heads, tails, np.maximum.accumulate(cuts))  # boundaries never cross


def _score_pages(md: Markdown, co: _Coords, pages: list[Page], edges: _Edges,
                 offsets: list[int], float_pages: dict[str, int], note_pages: dict[str, int],
                 min_score: float, warnings: list[str]
                 ) -> tuple[list[PageText], list["Evidence"]]:
    """Step 7: each page's edges matched and its label repaired; per page, the label's
    prose words and its other (math, table, code) words, for ``check_pages``."""
    text = md.text
    first = co.first_tokens(offsets)
    is_prose = _prose_mask(text, co.toks)
    aside: dict[str, tuple[list[str], list[str]]] = {}  # id -> (prose words, other words)
    for f in md.floats + md.footnotes:
        words = norm_words(prose(f.mmd if isinstance(f, Float) else f.text))  # "Footnote" unprinted
        aside[f.id] = (words, list((Counter(norm_words(f.mmd)) - Counter(words)).elements()))
    result, evidence = [], []
    for k, page in enumerate(pages):
        a, b = offsets[k], offsets[k + 1]
        own = tuple(f.id for f in md.floats if float_pages.get(f.id) == k)
        own_notes = tuple(n.id for n in md.footnotes if note_pages.get(n.id) == k)
        printed = page.printed
        removed, words, other = _repair(text, co.toks, is_prose, first[k], first[k + 1], printed)
        # the label's words as written: the spans cut out of it left out
        md_norm = "".join(w for i, w in enumerate(co.toks.words[first[k]:first[k + 1]], first[k])
                          if not any(x <= co.toks.starts[i] < y for x, y in removed)) if removed else \
            co.joined[co.joined_at_token(first[k]):co.joined_at_token(first[k + 1])]
        head, tail = edges.heads[k], edges.tails[k]
        if md_norm:  # a label with words: score it even when no line of the page is prose
            head, tail = page.edge_or_all(head, from_end=False), page.edge_or_all(tail, from_end=True)
        start_score = edge_score(head, md_norm, at_start=True)
        end_score = edge_score(tail, md_norm, at_start=False)
        score = round((start_score + end_score) / 2, 4)
        for x, y in removed:
            warnings.append(f"page {k + 1}: left out text the page does not print: "
                            f"{_squash(text[x:y])!r}")
        for i in own + own_notes:
            words.extend(aside[i][0])
            other.extend(aside[i][1])
        evidence.append(Evidence(words, other, head, tail))
        reason = ""
        empty = not text[a:b].strip() and not own
        if not page.has_text and not (page.blank and empty):
            reason = "no text layer"
        elif empty and page.body() and not page.contents:
            reason = "empty"
        elif score < min_score:
            reason = "low score"
        result.append(PageText(page=k + 1, start=a, end=b, score=score,
                               start_score=round(start_score, 4), end_score=round(end_score, 4),
                               kept=not reason, reason=reason, floats=own, footnotes=own_notes,
                               removed=tuple(removed)))
    return result, evidence


def _squash(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _prose_mask(text: str, toks: Tokens) -> list[bool]:
    """For every token: False when it lies in math, an environment or a code block."""
    spans = np.asarray(not_prose_spans(text), dtype=np.int64).reshape(-1, 2)
    i = np.searchsorted(spans[:, 0], toks.starts, side="right") - 1
    inside = (i >= 0) & (toks.starts < spans[np.maximum(i, 0), 1]) if len(spans) else \
        np.zeros(len(toks), dtype=bool)
    return (~inside).tolist()


def _repair(text: str, toks: Tokens, is_prose: list[bool], i0: int, i1: int,
            printed: PrintedPage) -> tuple[list[tuple[int, int]], list[str], list[str]]:
    """Spans of the page's running text (tokens ``i0:i1``) that the page does not print
    and that may be cut (prose only); the label's prose words without them, and the
    words of its math, environments and code."""
    words, mask = toks.words[i0:i1], is_prose[i0:i1]
    removed: list[tuple[int, int]] = []
    keep = list(mask)
    for i, j in unprinted_runs(words, printed.trigrams, mask):
        x, y = _whole_words(text, int(toks.starts[i0 + i]), int(toks.ends[i0 + j - 1]))
        if removable(text[x:y]):
            removed.append((x, y))
            keep[i:j] = [False] * (j - i)
    return (removed, [w for w, k in zip(words, keep) if k],
            [w for w, p in zip(words, mask) if not p])


def _whole_words(text: str, x: int, y: int) -> tuple[int, int]:
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


_HEADING = re.compile(r"#{1,6} ")
_BLOCKS = (("\\[", "\\]"),)  # code listings may break across pages; displays never do


def _whole_blocks(text: str, offsets: list[int]) -> list[int]:
    """Cuts moved so that no block is split: a cut inside a display equation moves to its
    nearer edge, a cut inside a heading line to the line's start, and
    a page never ends with a heading (the heading goes to the next page, which prints
    its title).  The first offset stays."""
    out = list(offsets)
    for k in range(1, len(out)):
        c = out[k]
        if k < len(out) - 1:
            c = _outside_block(text, c)
            line = text.rfind("\n", 0, c) + 1
            if _HEADING.match(text, line):
                c = line
        out[k] = max(_before_trailing_headings(text, out[k - 1], c), out[k - 1])
    return out


def _outside_block(text: str, c: int) -> int:
    for open_, close in _BLOCKS:
        a = text.rfind(open_, 0, c)
        if a < 0 or text.rfind(close, a + len(open_), c) >= 0:
            continue
        b = text.find(close, max(c, a + len(open_)))
        if b < 0:
            continue
        b += len(close)
        return a if c - a <= b - c else b
    return c


def _before_trailing_headings(text: str, floor: int, c: int) -> int:
    while c > floor:
        end = floor + len(text[floor:c].rstrip())
        line = max(text.rfind("\n", floor, end) + 1, floor)
        if end <= floor or not _HEADING.match(text, line):
            break
        c = line
    return c


def _best_edge(candidates: list[tuple[str, str]], joined: str, lo: int, hi: int, edge: str
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


def _choose_cut(s: Optional[Match], e: Optional[Match], lead: str, trail: str,
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
            return _split_gap(joined, e.end, s.start, trail, lead)
        # overlapping matches: trust the better, and on a tie the longer (a short pattern
        # such as "In Transactions on ..." recurs in a bibliography)
        return s.start if (s.score, s.end - s.start) >= (e.score, e.end - e.start) else e.end
    if good_s or (s is not None and not good_e and (e is None or s.score >= e.score)):
        return _take_back(joined, s.start, lead)
    if e is not None:
        return _take_forward(joined, e.end, trail)
    return fallback


def _take_back(joined: str, start: int, lead: str) -> int:
    """Move a page start back over text that page prints before its first matched words
    (a short heading, an equation), when only the start side has evidence."""
    if not lead:
        return start
    a = max(0, start - int(1.5 * len(lead)) - 5)
    best, best_score = start, 0.0
    for c in range(start, a - 1, -1):
        score = _lcs(joined[c:start], lead)
        if score > best_score + 1e-9:
            best, best_score = c, score
    return best if best_score >= 0.6 * (start - best) and best_score >= 3 else start


def _take_forward(joined: str, end: int, trail: str) -> int:
    """Move a page end forward over text it prints after its last matched words."""
    if not trail:
        return end
    b = min(len(joined), end + int(1.5 * len(trail)) + 5)
    best, best_score = end, 0.0
    for c in range(end, b + 1):
        score = _lcs(joined[end:c], trail)
        if score > best_score + 1e-9:
            best, best_score = c, score
    return best if best_score >= 0.6 * (best - end) and best_score >= 3 else end


def _lcs(a: str, b: str) -> float:
    """Length of the longest common subsequence (from the Indel distance)."""
    if not a or not b:
        return 0.0
    return (len(a) + len(b) - Indel.distance(a, b)) / 2


def _split_gap(joined: str, a: int, b: int, trail: str, lead: str) -> int:
    if b - a <= 3:
        return b
    if b - a > 2000:  # far apart: not one gap but a disagreement; trust the page start
        return b
    best, best_score = b, -1.0
    for c in range(b, a - 1, -1):  # ties go to the later cut (previous page keeps it)
        score = _lcs(joined[a:c], trail) + _lcs(joined[c:b], lead)
        if score > best_score + 1e-9:
            best, best_score = c, score
    return best


def _to_offset(j: int, joined: str, owner: np.ndarray, toks: Tokens, text: str) -> int:
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


def _page_of_offset(offset: int, offsets: list[int]) -> int:
    return min(max(0, bisect.bisect_right(offsets, offset) - 1), max(0, len(offsets) - 2))


def _near(page: int, num_pages: int) -> range:
    """Pages where a float or footnote anchored on ``page`` may be printed."""
    return range(max(0, page - NEAR_PAGES), min(num_pages, page + NEAR_PAGES + 1))


def _place_floats(md: Markdown, records: list[FloatRecord], pages: list[Page],
                  offsets: list[int]) -> dict[str, int]:
    """Page (0-based) of every float: the PDF record with its kind and number; else the
    page whose held-aside text best matches the float (its label "Figure 3" printed there
    counts most); else the page of its anchor."""
    by_key: dict[tuple[str, str], int] = {}
    for r in records:
        by_key.setdefault((r.fig_type.lower(), _number_key(r.name)), r.page)
    grams = [trigrams(p.aside_words) for p in pages]
    labels = [_label_pairs(p) for p in pages]
    out: dict[str, int] = {}
    for f in md.floats:
        key = (f.kind, _number_key(f.number))  # records are figures and tables only
        if f.number and key in by_key and by_key[key] < len(pages):
            out[f.id] = by_key[key]
            continue
        want = trigrams(norm_words(f.mmd))
        label = (f.kind, _number_key(f.number)) if f.number else None
        best, best_score = None, 0.3
        anchor_page = _page_of_offset(f.anchor, offsets)
        for k in _near(anchor_page, len(pages)):
            score = sum(g in grams[k] for g in want) / len(want) if want else 0.0
            if label is not None and label in labels[k]:
                score += 0.5
            if score > best_score:
                best, best_score = k, score
        out[f.id] = best if best is not None else anchor_page
    return out


def _number_key(number: str) -> str:
    """A float number as compared across PDF and markdown: LaTeXML numbers tables 1, 2, 3
    where revtex and IEEEtran print I, II, III."""
    key = number.strip().rstrip(".:").upper()
    if key and re.fullmatch(r"[IVXLC]+", key):
        values = [{"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}[c] for c in key]
        return str(sum(-v if v < w else v for v, w in zip(values, values[1:] + [0])))
    return key


_LABEL_WORDS = {"fig": "figure", "figure": "figure", "table": "table", "tab": "table",
                "algorithm": "algorithm", "alg": "algorithm", "listing": "listing"}


def _label_pairs(page: Page) -> set[tuple[str, str]]:
    """("figure", "3")-style labels that start a line of held-aside text (a caption), so
    that a sentence mentioning "Algorithm 1" in the running text does not count."""
    out = set()
    for ln in page.lines:
        if ln.role in ("aside", "float") and len(ln.words) >= 2 and ln.words[0] in _LABEL_WORDS:
            out.add((_LABEL_WORDS[ln.words[0]], _number_key(ln.words[1])))
    return out


def _place_footnotes(md: Markdown, pages: list[Page], offsets: list[int]) -> dict[str, int]:
    grams = [trigrams(p.aside_words) for p in pages]
    out: dict[str, int] = {}
    placed: set[tuple[str, str, int]] = set()
    for n in md.footnotes:
        anchor_page = _page_of_offset(n.anchor, offsets)
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
