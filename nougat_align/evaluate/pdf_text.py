"""PDF-text mode of ``nougat-align eval``: agreement of page splits with the PDF's text.

:func:`score_pdf_text` and :func:`evaluate_pdf_text` are for real papers without truth:
per kept page, the multiset overlap of the page's markdown words (math and tables removed,
captions and footnotes kept) with the words poppler's ``pdftotext`` reads from the same PDF
page -- precision (share of markdown words found in the PDF page), coverage (share of the
PDF page's prose words found in the markdown: words of three letters or more in the blocks
pdftotext lays out as prose -- not figure text, table cells, rotated stamps --, less those
the markdown's math and tables hold) and F1, and their means over kept pages; per paper and
in total it counts the kept pages with precision below :data:`LOW_PRECISION`, coverage
below :data:`LOW_COVERAGE`, or ending in a heading.  The numbers measure (``numbers``):
the share of a label's digit runs outside math that the page prints, and its citation
numbers the page does not print.  This is an agreement measure, not
truth: text the markdown cannot hold (table cells, math glyphs, running heads, reference
lists formatted differently) keeps it below 1.0 even for a perfect split.  It is meant for
comparing splits of the same papers.  pdftotext is used on purpose, not PyMuPDF, so the
measure does not share the splitter's text extractor.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any, Optional

import numpy as np

from nougat_align.errors import InputError, ToolError
from nougat_align.evaluate.numbers import score_numbers, summarize_numbers
from nougat_align.evaluate.words import (
    ends_in_heading, markdown_page_words, normalize_words, ratio, read_pred_pages)

#: Kept pages below these are counted as faults.
LOW_PRECISION = 0.9
LOW_COVERAGE = 0.5


def pdftotext_pages(pdf: Path | str) -> list[str]:
    """Plain text of every page of ``pdf`` from poppler's ``pdftotext`` (reading order,
    no ``-layout``)."""
    pages = _run_pdftotext(Path(pdf), []).decode("utf-8", "replace").split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return pages


def _run_pdftotext(pdf: Path, options: list[str]) -> bytes:
    if not pdf.is_file():
        raise InputError(f"no such PDF: {pdf}")
    exe = shutil.which("pdftotext")
    if exe is None:
        raise ToolError("pdftotext (poppler-utils) is needed for --pdf-text; install poppler-utils")
    try:
        proc = subprocess.run([exe, "-enc", "UTF-8", *options, str(pdf), "-"], capture_output=True,
                              timeout=300)
    except subprocess.TimeoutExpired:
        raise ToolError(f"pdftotext timed out on {pdf}") from None
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"pdftotext cannot read {pdf}: {msg[-1] if msg else proc.returncode}")
    return proc.stdout


#: Share of the page height at its top and bottom where running heads stand.
EDGE = 0.1

#: A page without prose blocks and fewer words than this (of three letters or more)
#: prints nothing a label must hold: a running head, a page number, a lone word.
MIN_PAGE_WORDS = 10

#: A pdftotext block whose lines hold this many words on average is prose; figure text
#: (axis labels, legends, diagram nodes), table cells and rotated text are not.
PROSE_WORDS_PER_LINE = 4


def pdftotext_prose_pages(pdf: Path | str) -> list[str]:
    """Per page, the text of the blocks poppler (``pdftotext -bbox-layout``) lays out as
    prose: horizontal lines of :data:`PROSE_WORDS_PER_LINE` words or more on average;
    running heads left out (a one-line block in the top or bottom :data:`EDGE` of the
    page, or the page's first or last block, whose letters recur so on another page:
    "Files and file systems", "CHAPTER 3. ANIMALS THAT MOVE")."""
    from lxml import etree

    out = _run_pdftotext(Path(pdf), ["-bbox-layout"])
    root = etree.fromstring(out, etree.XMLParser(recover=True, huge_tree=True))
    pages: list[list[tuple[str, str]]] = []  # per page: (running-head key or "", text)
    for page in root.iter("{*}page"):
        height = float(page.get("height") or 0)
        ys = [float(b.get("yMin")) for b in page.iter("{*}block")]
        top, bottom = min(ys, default=0.0), max(ys, default=0.0)
        blocks = []
        for block in page.iter("{*}block"):
            lines = [[w.text or "" for w in line.iter("{*}word")] for line in block.iter("{*}line")
                     if float(line.get("xMax")) - float(line.get("xMin"))
                     >= float(line.get("yMax")) - float(line.get("yMin"))]
            words = sum(len(ln) for ln in lines)
            if lines and words >= PROSE_WORDS_PER_LINE * len(lines):
                y0, y1 = float(block.get("yMin")), float(block.get("yMax"))
                edge = len(lines) == 1 and (y1 < EDGE * height or y0 > (1 - EDGE) * height
                                            or y0 in (top, bottom))
                key = re.sub(r"[^a-z]", "", " ".join(lines[0]).lower()) if edge else ""
                blocks.append((key, "\n".join(" ".join(ln) for ln in lines)))
        pages.append(blocks)
    seen = Counter(key for blocks in pages for key in {k for k, _ in blocks if k})
    return ["\n\n".join(text for key, text in blocks if seen[key] < 2 or not key) for blocks in pages]


def score_pdf_text(pdf_pages: list[str], pages: dict[int, str],
                   prose_pages: Optional[list[str]] = None) -> dict[str, Any]:
    """Agreement of each kept page's markdown with that PDF page's text (not truth).

    ``pdf_pages[k]`` is the text of PDF page k+1; ``pages`` maps 1-based page numbers to
    markdown.  Per kept page: ``precision`` = multiset share of the markdown words found
    in the PDF page, ``coverage`` = share of the PDF page's prose words (of
    ``prose_pages[k]`` when given: :func:`pdftotext_prose_pages`) found in the markdown,
    ``f1``, and ``ends_in_heading``.  ``mean_*`` average over kept pages (a page without
    words on either side scores 1: an empty label on a page that prints no more than a
    running head is right); ``low_precision``, ``low_coverage`` and
    ``heading_at_end`` count kept pages with a fault.  Pages numbered beyond the PDF are
    listed in ``extra_pages``.
    """
    n_pages = len(pdf_pages)
    rows = []
    for p in sorted(q for q in pages if 1 <= q <= n_pages):
        md = Counter(markdown_page_words(pages[p]))
        ref = Counter(normalize_words(pdf_pages[p - 1]))
        common = sum((md & ref).values())
        n_md, n_ref = sum(md.values()), sum(ref.values())
        prec = common / n_md if n_md else 1.0  # an empty label holds nothing unprinted
        # coverage leaves math and tables out of the PDF side too: only its words of three
        # letters or more, less those the label's math and tables hold ("log", "Method")
        math = Counter(normalize_words(pages[p])) - md
        prose = Counter()
        for body in ([] if prose_pages is None else [normalize_words(prose_pages[p - 1])]) + [ref]:
            prose = Counter({w: c for w, c in Counter(body).items() if len(w) >= 3 and w.isalpha()})
            prose -= math
            if prose:  # a page without prose blocks (a list of URLs): all its words
                break
        if prose_pages is not None and not normalize_words(prose_pages[p - 1]) \
                and sum(prose.values()) < MIN_PAGE_WORDS:
            prose = Counter()  # a blank page but for its running head and page number
        n_prose = sum(prose.values())
        rec = sum((md & prose).values()) / n_prose if n_prose else 1.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        rows.append({"page": p, "words_markdown": n_md, "words_pdf": n_ref,
                     "precision": prec, "coverage": rec, "f1": f1,
                     "ends_in_heading": ends_in_heading(pages[p]),
                     **score_numbers(pages[p], pdf_pages[p - 1])})
    return {"num_pages": n_pages, **_pdf_text_summary(rows, n_pages),
            "extra_pages": sorted(q for q in pages if not 1 <= q <= n_pages), "pages": rows}


def _pdf_text_summary(rows: list[dict[str, Any]], n_pages: int) -> dict[str, Any]:
    def mean(key: str) -> Optional[float]:
        return float(np.mean([r[key] for r in rows])) if rows else None

    return {"pages_kept": len(rows), "pages_kept_rate": ratio(len(rows), n_pages),
            "mean_precision": mean("precision"), "mean_coverage": mean("coverage"),
            "mean_f1": mean("f1"),
            "low_precision": sum(r["precision"] < LOW_PRECISION for r in rows),
            "low_coverage": sum(r["coverage"] < LOW_COVERAGE for r in rows),
            "heading_at_end": sum(r["ends_in_heading"] for r in rows),
            **summarize_numbers(rows)}


def evaluate_pdf_text(pdf: Path | str, pred_dir: Path | str) -> dict[str, Any]:
    """Truth-free agreement of predicted pages with the PDF text (see module docstring).

    ``pdf`` is one PDF (``pred_dir`` holds its ``NN.mmd``), or a folder of papers --
    ``<paper>.pdf`` or ``<paper>/paper.pdf`` -- scored against ``pred_dir/<paper>/``.
    The summary averages over all kept pages of all papers.
    """
    pdf, pred_dir = Path(pdf), Path(pred_dir)
    if not pred_dir.is_dir():
        raise InputError(f"not a prediction folder: {pred_dir}")
    if pdf.is_dir():
        items = {f.stem: f for f in sorted(pdf.glob("*.pdf"))}
        items.update({f.parent.name: f for f in sorted(pdf.glob("*/paper.pdf"))})
        if not items:
            raise InputError(f"no PDFs in {pdf}")
        jobs = [(name, f, pred_dir / name) for name, f in sorted(items.items())]
    else:
        jobs = [(pdf.stem if pdf.stem != "paper" else pdf.parent.name, pdf, pred_dir)]
    papers = {}
    for name, f, pdir in jobs:
        pages = read_pred_pages(pdir) if pdir.is_dir() else {}
        papers[name] = score_pdf_text(pdftotext_pages(f), pages, pdftotext_prose_pages(f))
    rows = [r for s in papers.values() for r in s["pages"]]
    n_pages = sum(s["num_pages"] for s in papers.values())
    summary = {"papers": len(papers), "num_pages": n_pages, **_pdf_text_summary(rows, n_pages)}
    return {"mode": "pdf_text", "pdf": str(pdf), "pred": str(pred_dir),
            "papers": papers, "summary": summary}
