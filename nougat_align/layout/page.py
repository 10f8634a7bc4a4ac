"""A kept page's layout (``page_layout``) and a paper's (``paper_layout``): ``layout.json``.

Per page: its label's blocks (``blocks``), its lines with exact boxes (``boxes``), which
block each line prints (``match``), one box per column piece of each block's lines (a
float's Picture or Table: its region; a Caption found by no line: its caption box), its
running heads and page numbers as Page-header/Page-footer, the reading order (``order``)
and the checks (``check``).  A page gets no layout, with the reason, when a block of its
label has no box on it ("element without box") or when less than ``MIN_BODY_IN_BOXES``
of its body words lie in the box of an element that holds them ("body text outside
boxes"); its label is not touched either way.
"""
from __future__ import annotations

import gc
import re
from dataclasses import dataclass, replace
from typing import Optional, Sequence

from nougat_align.layout import check
from nougat_align.layout.blocks import Block, page_blocks
from nougat_align.layout.graphics import float_ink, tight
from nougat_align.layout.ink import page_spans, span_ink, tall_words
from nougat_align.layout.boxes import Box, LineBox, gutter, inside, page_lines, pieces, rounded
from nougat_align.layout.match import (assign, ends_taken_for_furniture, float_regions, headings_at_the_edge,
                                       tags_beside_displays)
from nougat_align.layout.order import reading_order
from nougat_align.pdf.text import PdfPage
from nougat_align.records import Alignment, Layout, LayoutElement, Markdown, PageLayout, PageText
from nougat_align.split.align import PdfReading
from nougat_align.split.lines import Page

_FOLIO = re.compile(r"^[\W_]*(?:page\s*)?(?:\d{1,4}|[ivxlcdm]{1,7})(?:\s*(?:of|/)\s*\d{1,4})?[\W_]*$", re.I)
OK = "ok"
NOT_KEPT = "page not kept"
NO_BOX = "element without box"
OUTSIDE = "body text outside boxes"
NO_TEXT = "no text to place"


@dataclass(frozen=True)
class PageResult:
    """One page's layout as found (None when none was made), whether it is given
    (``reason`` "ok") or why not, and its body-word count: ``hit`` of ``total`` body words
    lie in a box of an element that holds them."""

    layout: Optional[PageLayout]
    reason: str
    hit: int = 0
    total: int = 0
    failed: int = 0  # elements that did not pass their check
    missing: tuple[str, ...] = ()  # blocks with words that got no box


def _clip(box: Box, width: float, height: float) -> Box:
    return (max(box[0], 0.0), max(box[1], 0.0), min(box[2], width), min(box[3], height))


def _rec_box(b) -> Box:
    return (b.x1, b.y1, b.x2, b.y2)


def _block_boxes(blk: Block, mine: list[LineBox], split_at: Optional[float], regions: dict,
                 ink: dict) -> list[Box]:
    rec = regions.get(blk.float_id) if blk.float_id else None
    if blk.category in ("Picture", "Table") and rec is not None and rec.region_boundary is not None:
        return [tight(_rec_box(rec.region_boundary), ink.get(blk.float_id), [ln.inked for ln in mine])]
    if mine:
        return pieces(mine, split_at, whole=blk.category in ("Formula", "Table"))
    if blk.category == "Caption" and rec is not None and rec.caption_boundary is not None:
        return [_rec_box(rec.caption_boundary)]
    return []


def _indices(blocks: list[Block], by_block: dict[int, list[LineBox]], lines: list[LineBox], textpage) -> None:
    """A display's line with a raised or lowered index inside a word: its ink from the
    page's spans, each in its own size (``ink.span_ink``); MuPDF's dict is read only then."""
    heights = sorted(w[3] - w[1] for ln in lines if ln.role == "body" for w in ln.words[:1])
    if not heights or textpage is None:
        return
    h = heights[len(heights) // 2]
    todo = [ln for b, blk in enumerate(blocks) if blk.category == "Formula" for ln in by_block.get(b, ())
            if tall_words(ln.words, h)]
    spans = page_spans(textpage) if todo else []
    for ln in todo:
        ink = span_ink(spans, ln.box)
        if ink is not None:
            ln.ink = ink


def _run_in(blocks: list[Block], by_block: dict[int, list[LineBox]]) -> list[Block]:
    """A heading no line printed on its own, whose words open the next block's first line
    (a run-in head: "2.2. Group actions. Symmetries on ..."), is part of that element."""
    out = list(blocks)
    for b in range(len(blocks) - 1):
        head, nxt = blocks[b], blocks[b + 1]
        if (head.category == "Section-header" and b not in by_block and by_block.get(b + 1)
                and head.source == nxt.source == "" and head.words
                and list(head.words) == by_block[b + 1][0].norm[:len(head.words)]):
            out[b] = replace(head, words=())  # no element of its own
            out[b + 1] = replace(nxt, start=head.start, text=head.text + "\n\n" + nxt.text,
                                 words=head.words + nxt.words)
    return out


def page_layout(md: Markdown, p: PageText, pdf_page: PdfPage, page: Page, textpage,
                records: Sequence, first_id: int = 0, drawn: Sequence = ()) -> PageResult:
    """The layout of kept page ``p``; element ids count from ``first_id``; ``drawn``: the
    boxes of the page's drawings and images (as the float detector read them)."""
    blocks = page_blocks(md, p)
    lines = page_lines(pdf_page, page, textpage)
    kinds = {f.id: (f.kind, f.number) for f in md.floats if f.id in p.floats}
    regions = float_regions(blocks, records, p.page - 1, kinds)
    split_at = gutter(lines, pdf_page.width)
    framed = {f: _rec_box(r.region_boundary) for f, r in regions.items() if r.region_boundary is not None}
    ink = float_ink(drawn, framed)
    got = assign(lines, blocks, regions, split_at, ink)
    headings_at_the_edge(lines, blocks, got)
    tags_beside_displays(lines, blocks, got)
    ends_taken_for_furniture(lines, blocks, got)
    W, H = pdf_page.width, pdf_page.height
    # (category, boxes, block or None, furniture text)
    found: list[tuple[str, list[Box], Optional[Block], str]] = []
    missing = []
    # a block the page prints nowhere but in its running head, or not at all ("APS/123-QED"): no element
    on_page = {w for ln in lines if ln.role != "furniture" for w in ln.norm}
    by_block: dict[int, list[LineBox]] = {}
    for ln, g in zip(lines, got):
        if g is not None:
            by_block.setdefault(g, []).append(ln)
    blocks = _run_in(blocks, by_block)
    _indices(blocks, by_block, lines, textpage)
    for b, blk in enumerate(blocks):
        mine = by_block.get(b, [])
        boxes = [_clip(x, W, H) for x in _block_boxes(blk, mine, split_at, regions, ink)]
        boxes = [x for x in boxes if x[2] > x[0] and x[3] > x[1]]
        if not boxes:
            printed_here = sum(w in on_page for w in blk.words)
            if blk.category != "Picture" and len(blk.words) >= 3 and printed_here >= 0.5 * len(blk.words):
                missing.append(f"{blk.category}: {blk.text[:60]}")
            continue
        found.append((blk.category, boxes, blk, ""))
    drawn = [b for _, bx, _, _ in found for b in bx]
    top = min((ln.box[1] for ln in lines), default=0.0)
    bottom = max((ln.box[3] for ln in lines), default=0.0)
    for ln in lines:
        outermost = ln.box[1] <= top + 1 or ln.box[3] >= bottom - 1
        if ln.role == "furniture" and not outermost and any(inside(ln.box, d) for d in drawn):
            continue  # a figure's label near the page's edge, not a running head
        if ln.role == "furniture" and ln.text.strip():
            cat = "Page-header" if ln.cy < H / 2 else "Page-footer"
            found.append((cat, [_clip(ln.inked, W, H)], None, " ".join(ln.text.split())))
    printed = check.page_words(lines)
    masks = [check.within(printed, bx) if blk is not None else None for _, bx, blk, _ in found]
    order = reading_order([(c, bx) for c, bx, _, _ in found], split_at,
                          [blk is None and bool(_FOLIO.match(head)) for _, _, blk, head in found])
    elements = []
    failed = 0
    for rank, i in enumerate(order):
        cat, boxes, blk, head = found[i]
        if blk is None:
            elements.append(LayoutElement(id=f"e{first_id + rank}", category=cat, boxes=tuple(map(rounded, boxes)),
                                          text=head, order=rank, source="pdf"))
            continue
        ok, prec, cov = check.check_element(cat, blk.text, blk.words, masks[i], printed)
        failed += not ok
        elements.append(LayoutElement(
            id=f"e{first_id + rank}", category=cat, boxes=tuple(map(rounded, boxes)), text=blk.text,
            order=rank, tex=blk.tex if cat == "Formula" else None, source=blk.source, start=blk.start,
            end=blk.end, checked=ok, precision=prec, coverage=cov))
    hit, total = check.body_in_boxes(printed, [(c, blk.words, m) for (c, _, blk, _), m in zip(found, masks)
                                               if blk is not None])
    reason = NO_BOX if missing else OUTSIDE if total and hit < check.MIN_BODY_IN_BOXES * total else OK
    layout = PageLayout(page=p.page, width=round(W, 2), height=round(H, 2), elements=tuple(elements))
    return PageResult(layout, reason, hit, total, failed, tuple(missing))


def paper_layout(alignment: Alignment, kept: PdfReading) -> tuple[Layout, dict[int, PageResult]]:
    """The layout of every kept page of ``alignment``; ``kept`` is what
    ``align_document(..., keep=kept)`` filled in.  Returns the ``Layout`` (pages that
    have one) and every page's ``PageResult`` by page number."""
    was_enabled = gc.isenabled()
    gc.disable()  # as in ``align_document``: many small objects, no cycles
    try:
        return _paper_layout(alignment, kept)
    finally:
        if was_enabled:
            gc.enable()


def _paper_layout(alignment: Alignment, kept: PdfReading) -> tuple[Layout, dict[int, "PageResult"]]:
    results: dict[int, PageResult] = {}
    pages = []
    next_id = 0
    pdf_pages, lines, textpages = kept.pdf_pages, kept.lines, kept.textpages
    for p in alignment.pages:
        if not p.kept:
            results[p.page] = PageResult(None, NOT_KEPT)
            continue
        if pdf_pages is None or lines is None:
            results[p.page] = PageResult(None, NO_TEXT)
            continue
        i = p.page - 1
        tp = textpages[i] if textpages is not None else None
        try:
            r = page_layout(alignment.markdown, p, pdf_pages[i], lines[i], tp, alignment.float_records, next_id,
                            kept.graphics.get(i, ()))
        except Exception as e:  # a page the layout cannot read costs its layout, not the paper
            r = PageResult(None, f"layout error: {type(e).__name__}")
        results[p.page] = r
        if r.reason == OK and r.layout is not None:
            pages.append(r.layout)
            next_id += len(r.layout.elements)
    return Layout(pages=tuple(pages)), results
