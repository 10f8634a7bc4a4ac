"""Element boxes are drawn around the ink, as the layout truth (a 4x render) has them."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from nougat_align.html2md.convert import html_to_markdown
from nougat_align.layout.ink import word_ink
from nougat_align.layout.page import paper_layout
from nougat_align.pdf.text import open_pdf
from nougat_align.split.align import PdfReading, align_document

SYNTH = Path(__file__).resolve().parents[2] / "benchmarks" / "synth-layout" / "layout4-001"


@lru_cache(maxsize=1)
def _pages():
    md = html_to_markdown(SYNTH / "paper.html")
    doc = open_pdf(SYNTH / "paper.pdf")
    try:
        keep = PdfReading()
        al = align_document(md, doc, "detect", keep=keep)
        layout, _ = paper_layout(al, keep)
    finally:
        doc.close()
    truth = json.loads((SYNTH / "layout_truth.json").read_text(encoding="utf-8"))
    return {p.page: p for p in layout.pages}, {p["page"]: p for p in truth["pages"]}


def _find(page, category: str, text: str):
    return next(e for e in page.elements if e.category == category and e.text.strip() == text)


def test_a_one_line_heading_is_within_a_point_of_its_ink():
    ours, truth = _pages()
    got = _find(ours[1], "Section-header", "## 1 Introduction").boxes[0]
    want = next(e for e in truth[1]["elements"] if e["text"] == "## 1 Introduction")["boxes"][0]
    assert all(abs(a - b) <= 1.0 for a, b in zip(got, want)), (got, want)


def test_a_page_number_is_within_half_a_point_of_its_ink():
    ours, truth = _pages()
    got = _find(ours[1], "Page-footer", "1").boxes[0]
    want = next(e for e in truth[1]["elements"] if e["category"] == "Page-footer")["boxes"][0]
    assert all(abs(a - b) <= 0.5 for a, b in zip(got, want)), (got, want)


def test_word_ink_shrinks_to_the_letters():
    # a 10 pt font box from 100 to 110: baseline at 107.815
    x0, top, x1, bottom = word_ink(50, 100, 70, 110, "ace")
    assert abs(bottom - 107.93) < 0.05 and abs(top - (107.815 - 4.42)) < 0.05
    assert word_ink(50, 100, 70, 110, "Type")[3] > word_ink(50, 100, 70, 110, "Tree")[3]
    assert word_ink(50, 100, 70, 110, "\u222b") == (50, 100, 70, 110)  # unknown glyph: its font box


def _truth_box(truth_page, text_start: str):
    return next(e for e in truth_page["elements"] if e["text"].startswith(text_start))["boxes"][0]


def test_a_sum_sign_upper_limit_is_its_formulas():
    ours, truth = _pages()
    got = next(e for e in ours[3].elements if e.category == "Formula" and "\\mu_{t}" in (e.tex or "")).boxes[0]
    want = _truth_box(truth[3], "\\[\\mu_{t}")
    assert abs(got[1] - want[1]) <= 1.0, (got, want)


def test_a_heading_number_at_the_top_edge_is_the_headings():
    ours, truth = _pages()
    got = _find(ours[5], "Section-header", "### 5.2 Data Collection").boxes[0]
    want = _truth_box(truth[5], "### 5.2 Data Collection")
    assert abs(got[0] - want[0]) <= 1.0, (got, want)
    assert not any(e.category == "Page-header" and e.text == "5.2" for e in ours[5].elements)


def test_a_page_opening_inside_a_list_item_keeps_its_items():
    from nougat_align.layout.blocks import _pieces
    text = "have occurred on each of the new lines.\n3. This is a shame.\n4. However, this outputs text."
    assert [c for c, _a, _b in _pieces(text, 0, len(text))] == ["List-item"] * 3


def test_a_heading_word_the_gaps_gave_to_the_paragraph_below_is_the_headings():
    # "6.3" at the top edge taken for a running head, "Complexity" (no trigram of its
    # own) given to the paragraph below: the row prints the heading, so it is the heading's
    ours, truth = _pages()
    assert 6 in ours
    got = _find(ours[6], "Section-header", "### 6.3 Complexity").boxes[0]
    want = _truth_box(truth[6], "### 6.3 Complexity")
    assert all(abs(a - b) <= 1.0 for a, b in zip(got, want)), (got, want)


def test_a_picture_is_its_drawing_and_the_list_item_above_keeps_its_line():
    # the detector's region takes in the item's second line ("English style.") and white space
    ours, truth = _pages()
    pic = next(e for e in ours[2].elements if e.category == "Picture").boxes[0]
    want = next(e for e in truth[2]["elements"] if e["category"] == "Picture")["boxes"][0]
    assert all(abs(a - b) <= 1.0 for a, b in zip(pic, want)), (pic, want)
    item = next(e for e in ours[2].elements if e.text.startswith("4. The TeX box")).boxes[0]
    want = _truth_box(truth[2], "4. The TeX box")
    assert abs(item[3] - want[3]) <= 1.0, (item, want)


def test_an_equation_number_at_the_page_bottom_is_its_displays():
    # "(6)" on the last text row: the aligner took it for a running foot
    from nougat_align.html2md.convert import html_to_markdown as h2m
    d = SYNTH.parent / "layout4-008"
    md = h2m(d / "paper.html")
    doc = open_pdf(d / "paper.pdf")
    try:
        keep = PdfReading()
        layout, _ = paper_layout(align_document(md, doc, "detect", keep=keep), keep)
    finally:
        doc.close()
    page = next(p for p in layout.pages if p.page == 6)
    eq = next(e for e in page.elements if e.category == "Formula" and "\\tag{6}" in e.text)
    assert eq.boxes[0][2] > 535, eq.boxes
    assert not any(e.category == "Page-footer" and e.text == "(6)" for e in page.elements)


def test_a_superscript_inside_a_word_does_not_raise_a_displays_top():
    from nougat_align.layout.ink import span_ink, tall_words
    # MuPDF's word "wn" (w^n): the font box reaches the index's font box top
    assert tall_words([(260.6, 518.9, 276.0, 532.0, "wn")], 10.9)
    assert not tall_words([(72.0, 376.8, 100.0, 387.7, "text")], 10.9)
    spans = [(260.6, 521.1, 270.0, 532.0, "w"), (270.0, 518.9, 276.0, 526.5, "n")]
    top = span_ink(spans, (260.6, 518.9, 276.0, 532.0))[1]
    assert abs(top - 521.5) <= 0.5, top


def test_a_short_last_line_taken_for_a_running_head_is_its_elements():
    from nougat_align.layout.blocks import Block
    from nougat_align.layout.boxes import LineBox
    from nougat_align.layout.match import ends_taken_for_furniture
    lines = [LineBox(0, (50, 18, 160, 28), "Running Head", "furniture", ["running", "head"], False),
             LineBox(1, (56, 52.8, 561, 63.7), "[6] W. Lindqvist. In Annual Symposium,", "body",
                     ["6", "w", "lindqvist", "in", "annual", "symposium"], False),
             LineBox(2, (72.8, 66.4, 97.7, 77.3), "1995.", "furniture", ["1995"], False)]
    blk = Block(category="List-item", source="", start=0, end=46, text="* [6] W. Lindqvist. In Annual Symposium, 1995.",
                words=("6", "w", "lindqvist", "in", "annual", "symposium", "1995"))
    got = [None, 0, None]
    ends_taken_for_furniture(lines, [blk], got)
    assert got == [None, 0, 0] and lines[2].role == "body"
