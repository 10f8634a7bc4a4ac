"""Numbers as printed (issue 23): citations, equation, figure and section references in a
label are the page's.

``numbers-bib`` is a paper whose PDF numbers its references in citation order
(unsrtnat, ``sort&compress``: ``[3–6]``) while LaTeXML rendered its HTML bibliography from
the ``.bib`` in its own (alphabetical) order, so every citation of the HTML carries
another number.
"""
from __future__ import annotations

import subprocess

import pytest

from conftest import PAPERS, require_tool
from nougat_align import html_to_markdown
from nougat_align.evaluate.numbers import score_numbers
from nougat_align.pdf.text import PdfLine, PdfPage
from nougat_align.records import Alignment, Markdown, PageText
from nougat_align.split import numbers
from nougat_align.split.align import align
from nougat_align.split.citations import citation_map, page_edits, relabel_numbers, _page_tokens


@pytest.fixture(scope="module")
def bib() -> Alignment:
    name = PAPERS / "numbers-bib"
    return align(html_to_markdown(name / "paper.html"), name / "paper.pdf")


def _pdftotext(page: int) -> str:
    require_tool("pdftotext")
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page),
                           str(PAPERS / "numbers-bib" / "paper.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout


def test_html_bibliography_order_differs():
    html = (PAPERS / "numbers-bib" / "paper.html").read_text(encoding="utf-8")
    md = html_to_markdown(PAPERS / "numbers-bib" / "paper.html").text
    assert "ltx_bibliography" in html
    assert "Zorn [1]" not in md  # LaTeXML numbers Zorn last


def test_every_kept_number_is_printed(bib):
    assert all(p.kept for p in bib.pages)
    for p in bib.kept_pages:
        got = score_numbers(bib.page_markdown(p), _pdftotext(p.page))
        assert got["cites_unprinted"] == 0, (p.page, got)
        assert got["numbers_printed"] == got["numbers"], (p.page, got)


def test_citations_as_the_page_prints_them(bib):
    pages = {p.page: bib.page_markdown(p) for p in bib.kept_pages}
    text = "\n".join(pages.values())
    for printed in ("Zorn [1]", "Young [2]", "setting [3–6]", "survey [7]", "Smith [8]",
                    "shown in [9, 10]", "taken from [11]", "Olsen [12]", "with [1, 8]", "bound of [2]"):
        assert printed in text, printed
    assert "Section 2" in text and "Eq. (1)" in text and "Figure 1 shows" in text
    assert any(r.kind == "citation" for p in bib.kept_pages for r in p.relabels)


def _page(*lines: str) -> PdfPage:
    return PdfPage(index=0, width=600, height=800,
                   lines=tuple(PdfLine(text=t, x0=0, y0=20 * i, x1=500, y1=20 * i + 10, size=10)
                               for i, t in enumerate(lines)))


def _edits(label: str, *lines: str):
    page = _page(*lines)
    words, where = _page_tokens(page)
    return [(label[r.start:r.end].strip(), r.text.strip()) for r in page_edits(label, 0, len(label), "", [], words, where, page)]


def test_page_edits_rewrite_numbers_as_printed():
    assert _edits("as shown by the method in [15]. The next step is",
                  "as shown by the method in [3]. The next step is") == [("[15].", "[3].")]
    # an author-year citation where the page prints a number (REVTeX)
    assert _edits("the spin model of Harikae _et al._ (2010) gives the rate",
                  "the spin model of [32] gives the rate") == [("Harikae _et al._ (2010)", "[32]")]
    # a raw key where the page prints a number (JHEP)
    assert _edits("the new data in Barlow:1993dm agree with the fit",
                  "the new data in [4] agree with the fit") == [("Barlow:1993dm", "[4]")]
    # a grouped citation LaTeXML wrote one by one where the page prints a range
    assert _edits("studied the same setting [9, 10, 11, 12] and a later survey",
                  "studied the same setting [3–6] and a later survey") == [("[9, 10, 11, 12]", "[3–6]")]
    # a group LaTeXML dropped is put back
    assert _edits("a new metric. And many more", "a new metric [30, 31, 37, 38]. And many more") \
        == [(".", "[30, 31, 37, 38].")]
    # an equation reference in LaTeXML's numbering
    label = "follows from Eq. (3.1) as shown"
    (old, new), = _edits(label, "follows from Eq. (1) as shown")
    assert label.replace(old, new) == "follows from Eq. (1) as shown"
    # the same numbers: nothing to do
    assert _edits("follows from Eq. (1) as shown", "follows from Eq. (1) as shown") == []
    # a citation ending a paragraph (synth-faults faults3-001 page 5): the blank line
    # to the next paragraph stays, the citation alone is rewritten
    label = "encapsulated in the memory dump file [1, 7].\n\nThe global statement is a declaration"
    page = _page("encapsulated in the memory dump file [2, 8].", "The global statement is a declaration")
    words, where = _page_tokens(page)
    (r,) = page_edits(label, 0, len(label), "", [], words, where, page)
    assert label[:r.start] + r.text + label[r.end:] == label.replace("[1, 7]", "[2, 8]")
    # ... and one starting a paragraph
    label = "the end of the last paragraph.\n\n[1, 7] show that the global statement holds"
    page = _page("the end of the last paragraph.", "[2, 8] show that the global statement holds")
    words, where = _page_tokens(page)
    (r,) = page_edits(label, 0, len(label), "", [], words, where, page)
    assert label[:r.start] + r.text + label[r.end:] == label.replace("[1, 7]", "[2, 8]")
    # a stretch with a paragraph break inside is not rewritten
    assert _edits("the memory dump file [1].\n\n7 global statements hold",
                  "the memory dump file [2].", "8 global statements hold") == []


def test_unanchored_citations_are_renumbered_with_the_papers_map_or_cut():
    text = ("First we cite the survey in [15] here. Then, closing the page, x \\(y\\) [15] and [99].")
    md = Markdown(text=text)
    page = _page("First we cite the survey in [3] here. Then, closing the page, x y [3] and [8].")
    a = Alignment(markdown=md, num_pages=1, pages=(PageText(page=1, start=0, end=len(text), score=1.0, kept=True),))
    out = relabel_numbers(a, [page]).page_markdown(relabel_numbers(a, [page]).pages[0])
    assert out.strip() == "First we cite the survey in [3] here. Then, closing the page, x \\(y\\) [3] and."
    assert citation_map([], md, {}) == {}


def test_number_check():
    missing, cites, total = numbers.unprinted(["see", "15", "and", "2010"], "see [15] and 2010",
                                              ["see", "3", "and", "2010"])
    assert (sum(missing.values()), cites, total) == (1, 1, 2)
    assert numbers.reason(missing, cites, total) == "unprinted numbers"
    missing, cites, total = numbers.unprinted(["in", "2010"], "in 2010", ["in", "2010"])
    assert numbers.reason(missing, cites, total) == ""
    assert numbers.citation_groups("see [3, 7–9] and [Smith et al., 2019]\n* [4] Entry") \
        == ["3, 7–9", "Smith et al., 2019"]
    assert numbers.expand("3, 7–9") == ["3", "7", "8", "9"]
