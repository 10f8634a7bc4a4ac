"""Split a paper's markdown into its PDF pages: ``align(markdown, pdf) -> Alignment``.

Stages (each in its own module, called here in order):

1. ``pdf.text``: PDF lines per page; running headers/footers and float regions marked.
   ``lines``: the lines' words; lines whose words the markdown holds aside
   (captions, footnotes, table cells) are marked ``aside`` by word-trigram overlap, so
   neither side has them in the running text.
2. ``classifier``: TF-IDF + linear SVM trained on the PDF's lines (label = page)
   predicts a page for every markdown chunk (``CHUNK_WORDS`` normalized words).
3. ``staircase``: exact Gini-impurity step fit of those predictions; each page boundary
   gets a chunk interval of near-optimal positions.
4. ``trim`` and ``cuts``: inside that interval, the last words of page k and the first words of
   page k+1 are found in the markdown; the boundary is cut at an exact character.
5. Blocks stay whole: a cut inside a heading or a display moves to its edge, and a
   heading never ends a page (LaTeX does not print one at the foot of a page).
6. ``placement``: floats and footnotes held aside by html2md go to the page that prints them.
7. Score: each page's markdown is checked against its PDF text at its start and end
   (``score``) and, with its labels as printed (``labels``), as a whole in both
   directions (``check``: precision, coverage), after cutting out prose the page
   does not print; a reference list or a table of contents the markdown cannot give as
   printed is rebuilt from the page's lines (``references``, ``contents``).  A page is
   kept when all pass.

``align`` never raises for a bad page: pages that cannot be trusted are returned with
``kept=False`` and a reason.  It raises ``InputError`` only when the PDF cannot be read.
"""
from __future__ import annotations

import gc
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

from nougat_align.pdf import text as pdf_text
from nougat_align.split import references
from nougat_align.split.labels import relabel
from nougat_align.split.citations import relabel_numbers
from nougat_align.normalize import Tokens, norm_words, tokenize
from nougat_align.split.check import Evidence, check_pages, edge_score, not_prose_spans, prose, removable, unprinted_runs
from nougat_align.split.classifier import predict_pages
from nougat_align.split.lines import PATTERN_CHARS, Page, PrintedPage, classify_lines, mismatched
from nougat_align.records import Alignment, Float, FloatRecord, Markdown, PageText
from nougat_align.split.staircase import fit_staircase
from nougat_align.split.cuts import GOOD, best_edge, choose_cut, take_back, to_offset, whole_blocks, whole_words
from nougat_align.split.placement import place_floats, place_footnotes

CHUNK_WORDS = 24
DEFAULT_MIN_SCORE = 0.9
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


@dataclass
class PdfReading:
    """What the aligner read of the PDF, kept for a later stage (``layout``) that reads it
    again: ``textpages`` (MuPDF text pages, None for a page that failed to parse; None when
    the PDF was read page by page), ``graphics`` (per page index, the drawings and images the
    float detector grouped), ``pdf_pages`` (the marked ``PdfPage`` lines) and ``lines`` (the
    aligner's ``Page`` lines, one per ``PdfLine``).  Filled in by ``align_document``."""

    textpages: Optional[list] = None
    graphics: dict = field(default_factory=dict)
    pdf_pages: Optional[list] = None
    lines: Optional[list] = None


def align_document(md: Markdown, doc, figures: FiguresArg = "detect",
                   min_score: float = DEFAULT_MIN_SCORE, keep: Optional[PdfReading] = None) -> Alignment:
    """``align`` on an open PyMuPDF document.  MuPDF reads each page's text once; the float
    detector and the line extraction share it.

    ``keep``, a ``PdfReading``, receives what a later stage (``layout``) reads again.

    Python's cycle collector is paused meanwhile: a paper makes tens of thousands of small
    short-lived objects and no cycles, and the collector's passes cost 10-20% of the time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _align_document(md, doc, figures, min_score, keep)
    finally:
        if was_enabled:
            gc.enable()


def _align_document(md: Markdown, doc, figures: FiguresArg, min_score: float,
                    keep: Optional[PdfReading] = None) -> Alignment:
    clock = _Clock()
    # the detector runs when there are figures or tables to place (its regions also keep
    # figure text out of the page text); a markdown without any has nothing to gain
    detect = (isinstance(figures, str) and figures == "detect"
              and any(f.kind in ("figure", "table") for f in md.floats))
    # else page by page (the same text: ``read_pages`` makes a text page with the same flags)
    textpages = pdf_text.textpages(doc, vectors=detect) if detect or keep is not None else None
    if keep is not None:
        keep.textpages = textpages
    pages = pdf_text.read_pages(doc, textpages)
    clock.lap("pdf_text")
    if detect:
        from nougat_align.pdf.floats.detect import detect_floats

        texts = ["\n".join(ln.text for ln in p.lines) for p in pages]
        # the layout tightens float boxes with the drawings the detector groups
        records = list(detect_floats(doc, textpages=textpages, page_texts=texts,
                                     graphics_out=keep.graphics if keep is not None else None))
    else:
        records = _float_records(figures)
    del textpages
    clock.lap("figures")
    pages = pdf_text.mark_pages(pages, records)
    clock.lap("pdf_text")
    return _align_pages(md, pages, records, min_score, clock, doc, keep)


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
        return to_offset(j, self.joined, self.owner, self.toks, self.text)

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
                 min_score: float, clock: _Clock, doc=None, keep: Optional[PdfReading] = None) -> Alignment:
    P = len(pdf_pages)
    co = _Coords.of(md.text)
    pages = classify_lines(md, co.toks, pdf_pages)
    if keep is not None:
        keep.pdf_pages, keep.lines = pdf_pages, pages
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
    offsets = whole_blocks(md.text, _settle_cuts(co, pages, offsets))
    float_pages = place_floats(md, records, pages, offsets)
    note_pages = place_footnotes(md, pages, offsets)
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
    relabeled = relabel_numbers(relabeled, pdf_pages)
    clock.lap("labels")
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
        heads[k], s = best_edge(pages[k].edge_candidates(from_end=False), joined, lo, hi, "start")
        if k == 0:
            cuts[0] = 0 if s is None or stair.low[0] == 0 else take_back(joined, s.start, heads[0][0])
            continue
        tails[k - 1], e = best_edge(pages[k - 1].edge_candidates(from_end=True), joined, lo, hi, "end")
        guessed[k] = s is None and e is None
        cuts[k] = choose_cut(s, e, heads[k][0], tails[k - 1][0], joined,
                              fallback=co.joined_at_token(int(stair.starts[k]) * CHUNK_WORDS)
                              if pages[k - 1].body() else int(cuts[k - 1]))  # a float page holds no text
    # The last page ends where its last words are; what follows (markdown the PDF does not
    # print) belongs to no page.  Searched to the end of the markdown, since predictions
    # cannot place text that no PDF page has; a short difference at the very end is kept.
    tails[P - 1], e = best_edge(pages[P - 1].edge_candidates(from_end=True), joined,
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
        x, y = whole_words(text, int(toks.starts[i0 + i]), int(toks.ends[i0 + j - 1]))
        if removable(text[x:y]):
            removed.append((x, y))
            keep[i:j] = [False] * (j - i)
    return (removed, [w for w, k in zip(words, keep) if k],
            [w for w, p in zip(words, mask) if not p])
