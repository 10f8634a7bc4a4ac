"""Element layout (``nougat_align.layout``) on the committed fixture papers."""
from __future__ import annotations

import json
from dataclasses import replace
from functools import lru_cache

import pytest

from nougat_align.html2md.convert import html_to_markdown
from nougat_align.layout.page import NO_BOX, NOT_KEPT, OK, OUTSIDE, paper_layout
from nougat_align.pdf.text import open_pdf
from nougat_align.pipeline import process_paper
from nougat_align.records import LAYOUT_CATEGORIES, Layout, LayoutElement, PageLayout, PageMeta, PaperMeta
from nougat_align.split.align import PdfReading, align_document

from conftest import PAPERS


@lru_cache(maxsize=None)
def _aligned(name: str):
    """(alignment, what the aligner kept for the layout) of a fixture paper."""
    md = html_to_markdown(PAPERS / name / "paper.html")
    doc = open_pdf(PAPERS / name / "paper.pdf")
    try:
        keep = PdfReading()
        al = align_document(md, doc, "detect", keep=keep)
    finally:
        doc.close()
    return al, keep


@lru_cache(maxsize=None)
def _layout(name: str):
    al, keep = _aligned(name)
    return paper_layout(al, keep)


def _body(page: PageLayout) -> list[LayoutElement]:
    return [e for e in page.elements if e.category not in ("Page-header", "Page-footer")]


def test_categories_present():
    seen = {e.category for name in ("twocol", "floats-twocol", "mathheavy", "basic")
            for p in _layout(name)[0].pages for e in p.elements}
    assert seen <= set(LAYOUT_CATEGORIES)
    assert {"Title", "Section-header", "Text", "List-item", "Formula", "Table", "Picture", "Caption",
            "Footnote", "Page-footer"} <= seen


def test_every_kept_page_of_the_fixtures_has_a_layout_or_a_reason():
    for name in ("twocol", "floats-twocol", "basic"):
        al, _ = _aligned(name)
        layout, results = _layout(name)
        kept = [p.page for p in al.pages if p.kept]
        assert [p.page for p in layout.pages] == [n for n in kept if results[n].reason == OK]
        assert len(layout.pages) == len(kept), (name, {n: r.reason for n, r in results.items()})
        assert all(results[p.page].reason == NOT_KEPT for p in al.pages if not p.kept)


def test_elements_hold_their_markdown_and_boxes_on_the_page():
    al, _ = _aligned("twocol")
    text = al.markdown.text
    for page in _layout("twocol")[0].pages:
        assert [e.order for e in page.elements] == list(range(len(page.elements)))
        for e in page.elements:
            assert e.boxes and all(0 <= x0 < x1 <= page.width and 0 <= y0 < y1 <= page.height
                                   for x0, y0, x1, y1 in e.boxes)
            if e.source == "" and e.category not in ("Page-header", "Page-footer"):
                # stand-off: the offsets index the paper's markdown
                assert text[e.start:e.end].strip()[:8] == e.text[:8] or e.category == "Section-header"
            if e.category == "Formula":
                assert e.tex and "\\[" not in e.tex


def test_a_paragraph_across_columns_has_two_boxes():
    found = []
    for page in _layout("twocol")[0].pages:
        mid = page.width / 2
        for e in page.elements:
            if e.category == "Text" and len(e.boxes) == 2:
                (a, b) = e.boxes
                if a[2] <= mid + 5 and b[0] >= mid - 5 and b[1] < a[1]:  # left column, then up into the right
                    found.append(e)
    assert found, "no paragraph continued from the left column into the right one"


def test_reading_order_in_two_columns():
    checked = 0
    for page in _layout("twocol")[0].pages:
        mid = page.width / 2
        body = _body(page)
        wide = [e for e in body if e.boxes[0][0] < mid - 10 and e.boxes[0][2] > mid + 10]
        cols = [e for e in body if e not in wide]
        for w in wide + [None]:  # each band: left column top to bottom, then the right, then the wide one
            top = w.boxes[0][1] if w is not None else float("inf")
            band = [e for e in cols if e.boxes[0][1] < top and (w is None or e.order < w.order)]
            left = [e for e in band if (e.boxes[0][0] + e.boxes[0][2]) / 2 < mid]
            right = [e for e in band if e not in left]
            if left and right:
                assert max(e.order for e in left) < min(e.order for e in right)
                assert [e.order for e in sorted(left, key=lambda e: e.boxes[0][1])] == sorted(e.order for e in left)
                checked += 1
            cols = [e for e in cols if e not in band]
    assert checked >= 3


def test_page_number_last_and_running_heads_first():
    for name in ("basic", "twocol", "mathheavy"):
        for page in _layout(name)[0].pages:
            cats = [e.category for e in page.elements]
            if "Page-footer" in cats:
                assert cats[-1] == "Page-footer", (name, page.page, cats)
            heads = [i for i, c in enumerate(cats) if c == "Page-header"]
            assert heads == list(range(len(heads))) or any(
                e.text.strip().isdigit() for e in page.elements if e.category == "Page-header")


def test_layout_json_is_byte_identical_and_meta_says_why(tmp_path):
    paper = PAPERS / "twocol"
    outs = []
    for run in ("a", "b"):
        out = tmp_path / run
        process_paper(paper / "paper.html", paper / "paper.pdf", out, images=False, paper_id="twocol")
        outs.append(out)
    a, b = ((o / "layout.json").read_bytes() for o in outs)
    assert a == b
    assert (outs[0] / "meta.json").read_bytes() == (outs[1] / "meta.json").read_bytes()
    layout = Layout.from_json(a.decode("utf-8"))
    data = json.loads(a)
    assert set(data) == {"pages"}
    assert set(data["pages"][0]) == {"page", "width", "height", "elements"}
    first = data["pages"][0]["elements"][0]
    assert list(first)[:4] == ["id", "category", "boxes", "text"]
    assert Layout.from_dict(data) == layout
    meta = PaperMeta.from_json((outs[0] / "meta.json").read_text(encoding="utf-8"))
    given = {p.page for p in layout.pages}
    for p in meta.pages:
        assert p.layout == (OK if p.page in given else NOT_KEPT if not p.kept else p.layout)
        assert p.layout


def test_layout_records_round_trip():
    e = LayoutElement(id="e3", category="Formula", boxes=((1.0, 2.0, 3.0, 4.0), (5.0, 6.0, 7.0, 8.5)),
                      text="\\[x=1\\]", order=2, tex="x=1", start=10, end=17, checked=False, precision=0.5)
    t = LayoutElement(id="e4", category="Text", boxes=((1.0, 2.0, 3.0, 4.0),), text="Hi.", order=3)
    lay = Layout(pages=(PageLayout(page=1, width=612.0, height=792.0, elements=(e, t)),))
    assert Layout.from_dict(lay.to_dict()) == lay
    assert Layout.from_json(lay.to_json()) == lay
    assert "tex" not in t.to_dict() and t.to_dict()["order"] == 3
    meta = PageMeta(page=1, kept=True, reason="", score=1.0, layout="ok")
    assert PageMeta.from_dict(meta.to_dict()) == meta
    assert "layout" not in replace(meta, layout="").to_dict()


def _corrupt(name: str, page_no: int, share: float, pick=None):
    """The alignment of ``name`` with the letters of a Text element of page ``page_no`` (the
    longest, or the first ``pick`` accepts), from ``share`` of its length on, turned into
    x's: same offsets, other words."""
    al, keep = _aligned(name)
    layout, results = paper_layout(al, keep)
    page = next(p for p in layout.pages if p.page == page_no)
    texts = [e for e in page.elements if e.category == "Text" and e.source == ""]
    e = next(e for e in texts if pick(e, results[page_no])) if pick else max(texts, key=lambda e: e.end - e.start)
    text = al.markdown.text
    cut = e.start + int((e.end - e.start) * share)
    bad = "".join("x" if c.isalpha() else c for c in text[cut:e.end])
    md = replace(al.markdown, text=text[:cut] + bad + text[e.end:])
    return replace(al, markdown=md), keep, e


def test_a_failing_element_is_marked():
    # a short paragraph (at most 6% of the page's body words) with its last 40% garbled:
    # its markdown no longer matches the words in its box, the page's words stay in boxes
    def short(e, r):
        return 12 <= len(e.text.split()) <= 0.06 * r.total

    al, keep, target = _corrupt("basic", 2, 0.6, short)
    layout, results = paper_layout(al, keep)
    assert results[2].reason == OK
    page = next(p for p in layout.pages if p.page == 2)
    marked = [e for e in page.elements if e.start == target.start and e.source == ""]
    assert marked and not marked[0].checked and marked[0].precision < 0.8
    clean = next(p for p in _layout("basic")[0].pages if p.page == 2)
    assert all(e.checked for e in clean.elements if e.start == target.start)


def test_a_page_whose_elements_miss_body_text_has_no_layout():
    al, keep, _ = _corrupt("basic", 2, 0.0)
    layout, results = paper_layout(al, keep)
    assert results[2].reason in (OUTSIDE, NO_BOX)
    assert 2 not in {p.page for p in layout.pages}
    assert results[2].hit < results[2].total
    assert results[1].reason == OK  # the other pages keep theirs
