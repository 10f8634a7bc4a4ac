"""Figures and tables of a PDF without Java: ``detect_floats``, a caption-first float
detector on PyMuPDF.

Nougat found floats with pdffigures2 (Scala, needs a JVM and a jar users cannot build).
``detect_floats`` finds them with PyMuPDF alone and returns the same records
(``FloatRecord``) that ``pdffigures.load_figures`` reads from pdffigures2's JSON, so the
aligner treats both sources alike.

How the detector works (all coordinates in PDF points, origin top-left):

1. Cheap filter: a page is examined only if its plain text has a line that starts with a
   float label ("Figure 3", "Fig. 3", "FIG. 3", "Table 2", "TABLE II", "Tab. 2").  Other
   pages cost one text extraction and a regex.  The same text page also collects the boxes
   of vector drawings (``TEXT_COLLECT_VECTORS``), so drawings cost no second pass over the
   page; images are looked up (``get_image_info``) only on pages that have any.
2. Text geometry (``geometry``): segments (one visual line of one column), body font size,
   text block and columns, running headers and footers, headings and body lines.
3. Caption candidates (``captions``): segments that start with a label and a number and
   open a block, continued over the lines that keep their size, leading and edge.  Here,
   rotated lines that start a text block with a label and a delimiter are captions of
   sideways floats.  Each caption's range is its column, split with what shares its first
   line, or the whole text width for a caption that crosses the middle of the page.
4. Evidence, scored: the delimiter after the number (":" strong; "." or a dash weaker; a
   label alone on its line, as in IEEE "TABLE II", counts), a label in bold/italic or
   capitals unlike the caption text, a caption font smaller than the body font, and a float
   region next to the caption (worth less when it holds only text).  A candidate is
   accepted at score >= 2; of several accepted captions with one label the best scored are
   kept (ties all: a \\ContinuedFloat prints its label twice).
5. Region (``regions``): drawings, images and non-body text next to the caption, grown away
   from it until something that ends a float.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Iterable, Optional, Union

from nougat_align.pdf.floats.captions import (Caption, candidate, continue_across_columns,
                                              continue_caption, extend_first_row, opens_block)
from nougat_align.pdf.floats.document import open_pdf
from nougat_align.pdf.floats.geometry import (LABEL_RE, Layout, Page, Seg, classify, fragments,
                                              graphics, mark_margins, measure, segments)
from nougat_align.pdf.floats.regions import regions
from nougat_align.records import Box, FloatRecord

log = logging.getLogger(__name__)

__all__ = ["detect_floats"]

# A float label (as ``LABEL_RE``) on any line of a page's plain text: the cheap page filter.
_PAGE_FILTER_RE = re.compile(
    r"(?m)^[ \t]*(?:\d{1,4}[ \t]+)?(?:Fig(?:ure)?|FIG(?:URE)?|Tab(?:le)?|TAB(?:LE)?)\.?\s*"
    r"[A-Z]{0,3}[.\-]?[\dIVXLC]"
)
_DELIM_SCORE = {":": 2.0, ".": 1.0, "dash": 1.5, "alone": 1.0, "(": 0.5, "": 0.0}
_ACCEPT = 2.0


def _read_page(doc, number: int, flags: int, textpage=None) -> Page:
    page = doc[number]
    tp = textpage if textpage is not None else page.get_textpage(flags=flags)
    d = tp.extractDICT()
    rotated: list[tuple] = []
    p = Page(number, page.rect.width, page.rect.height, fragments(d, rotated))
    p.rotated = rotated
    p.graphics = graphics(page, d, p.width, p.height) + [r[0] for r in rotated]
    return p


def detect_floats(pdf: Union[Path, str, Any], textpages: Optional[list] = None,
                  page_texts: Optional[list[str]] = None,
                  graphics_out: Optional[dict] = None) -> list[FloatRecord]:
    """Every figure and table of a PDF: caption text, page (0-based) and boxes in points.

    ``pdf`` is a path or an open ``pymupdf.Document``.  Deterministic; ordered by
    (page, y, x) of the caption.  Raises ``InputError`` for a file that is not a readable,
    unencrypted PDF; an unreadable page is skipped with a logged warning.  ``textpages``
    (one MuPDF text page per page, made with TEXT_COLLECT_VECTORS) saves reading the pages
    again when the caller has them already; so does ``page_texts`` (each page's plain text,
    which picks the pages worth a closer look).  ``graphics_out``, when given, gets the
    boxes of the drawings and images of each page read (0-based page: boxes).
    """
    import pymupdf

    shown = pymupdf.TOOLS.mupdf_display_errors()
    pymupdf.TOOLS.mupdf_display_errors(False)
    doc, owned = open_pdf(pdf)
    try:
        return _detect(doc, pymupdf.TEXT_MEDIABOX_CLIP | pymupdf.TEXT_COLLECT_VECTORS, textpages, page_texts,
                       graphics_out)
    finally:
        pymupdf.TOOLS.mupdf_display_errors(shown)
        if owned:
            doc.close()


def _detect(doc, flags: int, textpages: Optional[list] = None,
            page_texts: Optional[list[str]] = None, graphics_out: Optional[dict] = None) -> list[FloatRecord]:
    pages: dict[int, Page] = {}
    for n in range(doc.page_count):
        try:
            if page_texts is not None and not _PAGE_FILTER_RE.search(page_texts[n]):
                continue
            tp = textpages[n] if textpages is not None else doc[n].get_textpage(flags=flags)
            if tp is None:
                continue
            if page_texts is None and not _PAGE_FILTER_RE.search(tp.extractText()):
                continue
            pages[n] = _read_page(doc, n, flags, tp)
            if graphics_out is not None:
                graphics_out[n] = pages[n].graphics
        except Exception as e:  # a broken page must not lose the paper
            log.warning("page %d: cannot read text (%s); skipped", n + 1, e)
    if not pages:
        return []
    sample = list(pages.values())
    if sum(len(piece[0]) for p in sample for f in p.frags for piece in f[5]) < 3000:
        for n in _spread(doc.page_count, 3):
            if n not in pages:
                try:
                    sample.append(_read_page(doc, n, flags, textpages[n] if textpages is not None else None))
                except Exception:
                    pass
    layout = measure(sample)
    for page in sample:
        page.segs = segments(page.frags, layout)
        for s in page.segs:
            s.col = layout.column(s.x0, s.x1)
    mark_margins(sample, layout)
    captions: list[Caption] = []
    for n in sorted(pages):
        page = pages[n]
        classify(page, layout)
        captions.extend(_page_captions(doc, page, layout))
        captions.extend(_rotated_captions(page))
    return _select(captions)


def _spread(count: int, k: int) -> list[int]:
    if count <= k:
        return list(range(count))
    return sorted({round(i * (count - 1) / (k - 1)) for i in range(k)})


def _page_captions(doc, page: Page, layout: Layout) -> list[Caption]:
    segs = page.segs
    cands: list[tuple[int, Caption]] = []
    for i, s in enumerate(segs):
        cap = candidate(page, i, layout)
        if cap is None:
            continue
        if not opens_block(page, i) and not (cap.styled and cap.delim in (":", ".", "dash")):
            continue
        cands.append((i, cap))
    if not cands:
        return []
    # A caption shares the column with what stands beside it on its first line: another
    # caption (minipages side by side) or running text (a wrapped figure).
    starts = {i for i, _ in cands}
    for i, cap in cands:
        s = segs[i]
        lo, hi = s.col
        for k, o in enumerate(segs):
            if k == i or o.col != s.col or o.y0 > s.y1 or o.y1 < s.y0:
                continue
            if min(o.y1, s.y1) - max(o.y0, s.y0) <= 0.3 * s.size:
                continue
            if k not in starts and not (o.body and max(o.x0 - s.x1, s.x0 - o.x1) > 1.5 * s.size):
                continue
            if o.x0 >= s.x1:
                hi = min(hi, (s.x1 + o.x0) / 2)
            elif o.x1 <= s.x0:
                lo = max(lo, (o.x1 + s.x0) / 2)
        cap.range = (lo, hi)
    taken: set[int] = set(starts)
    for i, cap in cands:
        extend_first_row(page, cap, taken, starts)
        continue_caption(page, cap, taken, starts)
    for i, cap in cands:
        continue_across_columns(page, cap, layout, taken)
        # A caption wider than its column's share (figure*, table*) searches the text width.
        x0, _, x1, _ = cap.box
        if layout.mid is not None and x0 < layout.mid - layout.body_size and x1 > layout.mid + layout.body_size:
            cap.range = (min(layout.left, x0), max(layout.right, x1))
    regions(page, [c for _, c in cands], layout)
    for i, cap in cands:
        cap.score = _DELIM_SCORE[cap.delim] + 1.5 * cap.styled + 1.0 * cap.small \
            + (0.0 if cap.region is None else 1.5 if cap.drawn else 0.75)
    return [c for _, c in cands]


def _rotated_captions(page: Page) -> list[Caption]:
    """Captions of sideways floats: a rotated line that starts a text block with a label
    and a delimiter; the block's other lines continue it.  The region is the other text
    turned the same way and the drawings among it."""
    out = []
    rot = page.rotated
    for k, (box, text, direction, bno) in enumerate(rot):
        if k > 0 and rot[k - 1][3] == bno:
            continue  # not the first line of its block
        m = LABEL_RE.match(text)
        if m is None:
            continue
        rest = text[m.end():].lstrip()
        delim = "alone" if not rest else rest[0] if rest[0] in ":." else \
            "dash" if rest[0] in "|\u2014\u2013-" else ""
        if delim not in (":", ".", "dash"):
            continue
        lines = [r for r in rot if r[3] == bno and r[2] == direction]
        seg = Seg(min(r[0][0] for r in lines), min(r[0][1] for r in lines),
                   max(r[0][2] for r in lines), max(r[0][3] for r in lines),
                   " ".join(r[1] for r in lines), 0.0, [(0, False, False)])
        label = m.group("label")
        cap = Caption(page.number, "Table" if label[0] in "Tt" else "Figure", m.group("num"), seg,
                       delim, False, False, m.end(), -1)
        others = [r[0] for r in rot if r[3] != bno and r[2] == direction]
        if others:
            x0, y0 = min(b[0] for b in others), min(b[1] for b in others)
            x1, y1 = max(b[2] for b in others), max(b[3] for b in others)
            drawn = [g for g in page.graphics or () if g[0] >= x0 - 20 and g[2] <= x1 + 20
                     and g[1] >= y0 - 20 and g[3] <= y1 + 20 and (g[2] - g[0]) * (g[3] - g[1]) > 0]
            for g in drawn:
                x0, y0, x1, y1 = min(x0, g[0]), min(y0, g[1]), max(x1, g[2]), max(y1, g[3])
            cap.region = (x0, y0, x1, y1)
            cap.drawn = len(drawn) > len(others)
        cap.score = _DELIM_SCORE[delim] + (0.0 if cap.region is None else 1.5 if cap.drawn else 0.75)
        out.append(cap)
    return out


def _select(captions: list[Caption]) -> list[FloatRecord]:
    """Accepted captions; of several with one label, the best scored (ties all kept)."""
    accepted = [c for c in captions if c.score >= _ACCEPT]
    best: dict[tuple[str, str], float] = {}
    for c in accepted:
        key = (c.fig_type, c.name)
        best[key] = max(best.get(key, 0.0), c.score)
    out = []
    for c in accepted:
        if c.score < best[(c.fig_type, c.name)] - 1e-9:
            continue
        x0, y0, x1, y1 = c.box
        out.append((c.page, y0, x0, FloatRecord(
            name=c.name,
            fig_type=c.fig_type,
            page=c.page,
            caption=c.text(),
            caption_boundary=_box(c.box),
            region_boundary=_box(c.region) if c.region is not None else None,
            source="detector",
        )))
    out.sort(key=lambda t: (t[0], t[1], t[2]))
    return [r for _, _, _, r in out]


def _box(b: Iterable[float]) -> Box:
    x0, y0, x1, y1 = (round(float(v), 2) for v in b)
    return Box(x1=x0, y1=y0, x2=x1, y2=y1)
