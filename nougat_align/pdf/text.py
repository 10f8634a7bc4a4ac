"""PDF text per page, as lines in reading (content-stream) order, with PyMuPDF.

Each line carries its box and a role: ``body``, ``furniture`` (running headers, footers,
page numbers, margin stamps), or ``float`` (inside a figure/table region or caption given
by a ``FloatRecord``).  Later stages add ``aside`` (text the markdown holds aside:
captions, footnotes, table cells).  Hyphenation at line ends is undone when lines are
joined; ligatures are expanded by MuPDF; unicode is folded by ``normalize``.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Optional, Sequence, Union

import pymupdf

from nougat_align.errors import InputError
from nougat_align.normalize import norm_string
from nougat_align.records import FloatRecord, Record

pymupdf.TOOLS.mupdf_display_errors(False)  # MuPDF's parser chatter is not ours to print

TEXT_FLAGS = pymupdf.TEXT_MEDIABOX_CLIP
EDGE = 0.1  # share of the page height where headers and footers live
FURNITURE_WINDOW = 5  # pages each side among which a running header must repeat
# a folio that anchors a running head: digits or lowercase roman, bare ("C." is a section)
FOLIO = re.compile(r"\d{1,4}|[ivxlcdm]{1,7}")
_PAGE_NUMBER = re.compile(
    r"^[\W_]*(?:page\s*)?(?:\d{1,4}|[ivxlcdm]{1,7})(?:\s*(?:of|/)\s*\d{1,4})?[\W_]*$", re.I)


@dataclass(frozen=True)
class PdfLine(Record):
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    size: float  # line height: a stand-in for the font size
    role: str = "body"  # body | furniture | float | aside


@dataclass(frozen=True)
class PdfPage(Record):
    index: int  # 0-based
    width: float
    height: float
    lines: tuple[PdfLine, ...] = ()
    blank: bool = False  # the page draws nothing at all: no text, no image, no path

    def text(self, roles: Iterable[str] = ("body",)) -> str:
        return join_lines(ln.text for ln in self.lines if ln.role in set(roles))

    @property
    def has_text(self) -> bool:
        return any(ln.text.strip() for ln in self.lines)


def join_lines(lines: Iterable[str]) -> str:
    """Join lines with spaces, undoing end-of-line hyphenation (``compu-`` + ``tation``)."""
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if out.endswith("-") and len(out) > 1 and out[-2].isalpha() and line[:1].islower():
            out = out[:-1] + line
        else:
            out = f"{out} {line}" if out else line
    return out


def open_pdf(pdf: Union[str, Path, "pymupdf.Document"]) -> "pymupdf.Document":
    """Open a PDF or raise ``InputError`` with one line saying what is wrong."""
    if isinstance(pdf, pymupdf.Document):
        return pdf
    path = Path(pdf)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, expected a PDF")
    with path.open("rb") as f:
        head = f.read(1024)
    if b"%PDF" not in head:
        raise InputError(f"{path.name}: not a PDF (no %PDF header)")
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception as e:  # MuPDF raises FileDataError / RuntimeError subclasses
        raise InputError(f"{path.name}: not a readable PDF ({type(e).__name__})") from None
    if not doc.is_pdf:
        doc.close()
        raise InputError(f"{path.name}: not a PDF")
    if doc.needs_pass and not doc.authenticate(""):
        doc.close()
        raise InputError(f"{path.name}: encrypted PDF (password required)")
    if doc.page_count == 0:
        doc.close()
        raise InputError(f"{path.name}: PDF has no pages (corrupt or truncated?)")
    return doc


def textpages(doc: "pymupdf.Document", vectors: bool = False) -> list:
    """One MuPDF text page per page (the expensive part of reading a PDF), to be shared by
    the float detector and ``read_pages``.  ``vectors`` also collects vector graphics (the
    detector's drawings); that only splits some lines at rules, never changes the text.
    Pages that fail to parse get None."""
    flags = TEXT_FLAGS | (pymupdf.TEXT_COLLECT_VECTORS if vectors else 0)
    out = []
    for page in doc:
        try:
            out.append(page.get_textpage(flags=flags))
        except Exception:  # a broken page: no text rather than no paper
            out.append(None)
    return out


def read_pages(doc: "pymupdf.Document", textpages: Optional[list] = None) -> list[PdfPage]:
    """Lines of every page in content-stream order (pdflatex writes columns in order).

    MuPDF's text blocks are formatted in C (twice as fast as word lists); a block's lines
    share its x extent and get evenly spaced y extents, enough for the margin and float
    tests that use them.
    """
    pages = []
    for page in doc:
        rect = page.rect
        try:
            if textpages is not None:
                tp = textpages[page.number]
                blocks = tp.extractBLOCKS() if tp is not None else []
            else:
                blocks = page.get_text("blocks", flags=TEXT_FLAGS)
        except Exception:  # a broken page: no text rather than no paper
            blocks = []
        lines = []
        for x0, y0, x1, y1, text, _, kind in blocks:
            if kind != 0:  # image block
                continue
            parts = [t for t in text.split("\n") if t.strip()]
            if not parts:
                continue
            step = (y1 - y0) / len(parts)
            for i, part in enumerate(parts):
                lines.append(PdfLine(part, x0, y0 + i * step, x1, y0 + (i + 1) * step, step))
        blank = not lines and not _draws(page)
        pages.append(PdfPage(index=page.number, width=rect.width, height=rect.height, lines=tuple(lines),
                             blank=blank))
    return pages


def _draws(page: "pymupdf.Page") -> bool:
    """The page puts anything on paper (a scan, a drawing, text of any kind)."""
    try:
        return bool(page.get_bboxlog())
    except Exception:  # a broken page: not known to be blank
        return True


def mark_furniture(pages: Sequence[PdfPage]) -> list[PdfPage]:
    """Running headers/footers (repeated near the top/bottom edge), page numbers, and
    rotated margin stamps (arXiv's) become ``furniture``.  A header repeats on 30% of the
    pages within ``FURNITURE_WINDOW`` of its page (a chapter's running head in a thesis,
    not 30% of the whole book)."""
    def key(line: PdfLine) -> str:
        return re.sub(r"\d+", "#", norm_string(line.text))

    def at_edge(line: PdfLine, page: PdfPage) -> bool:
        return line.y1 <= page.height * EDGE + 12 or line.y0 >= page.height * (1 - EDGE) - 12

    keys = [{key(ln) for ln in page.lines if at_edge(ln, page)} for page in pages]
    seen: Counter[str] = Counter()  # edge keys of the pages within FURNITURE_WINDOW
    for k in keys[:FURNITURE_WINDOW]:
        seen.update(k)
    out = []
    for i, page in enumerate(pages):
        if i + FURNITURE_WINDOW < len(pages):
            seen.update(keys[i + FURNITURE_WINDOW])
        if i - FURNITURE_WINDOW - 1 >= 0:
            seen.subtract(keys[i - FURNITURE_WINDOW - 1])
        near = min(len(pages), i + FURNITURE_WINDOW + 1) - max(0, i - FURNITURE_WINDOW)
        repeat = max(2, int(0.3 * near + 0.999))
        lines = []
        top = min((ln.y0 for ln in page.lines), default=0.0)
        bottom = max((ln.y1 for ln in page.lines), default=0.0)
        for ln in page.lines:
            furniture = False
            outermost = ln.y0 <= top + 0.5 or ln.y1 >= bottom - 0.5
            if outermost and _PAGE_NUMBER.match(ln.text):  # a page number, wherever the margin is
                furniture = True
            elif at_edge(ln, page):
                k = key(ln)
                furniture = (not k.strip("#")) or seen[k] >= repeat or bool(_PAGE_NUMBER.match(ln.text))
            width, height = ln.x1 - ln.x0, ln.y1 - ln.y0
            if height > 3 * width and height > 40:  # rotated text in the margin
                furniture = True
            lines.append(replace(ln, role="furniture") if furniture and ln.role == "body" else ln)
        out.append(replace(page, lines=tuple(_beside_page_number(lines, page, at_edge))))
    return out


def blocks(lines: Sequence[PdfLine]) -> list[list[PdfLine]]:
    """Consecutive lines grouped by the MuPDF text block they were read from
    (``read_pages`` gives the lines of a block the block's x extent and back-to-back y
    extents of one height)."""
    out: list[list[PdfLine]] = []
    for ln in lines:
        prev = out[-1][-1] if out else None
        if (prev is not None and (prev.x0, prev.x1) == (ln.x0, ln.x1)
                and abs(prev.y1 - ln.y0) < 0.01 and abs(prev.size - ln.size) < 0.01):
            out[-1].append(ln)
        else:
            out.append([ln])
    return out


def _roman(text: str) -> int:
    values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
    total = 0
    for a, b in zip(text, text[1:] + " "):
        total += -values[a] if values.get(b, 0) > values[a] else values[a]
    return total


def _folio_offset(text: str, index: int) -> Optional[tuple[bool, int]]:
    """(roman, printed number - page index) of a bare folio, else None."""
    text = text.strip()
    if not FOLIO.fullmatch(text):
        return None
    return (False, int(text) - index) if text.isdigit() else (True, _roman(text) - index)


def mark_folios(pages: Sequence[PdfPage]) -> list[PdfPage]:
    """Page numbers that count with the pages, and their running heads.

    A bare number in a page's first or last text block is a folio when the printed
    number minus the page's index is the one most pages agree on (at least three: front
    matter in roman numerals and the main matter each have their own); in the first
    block, the other short lines are the running head ("CHAPTER 3. ANIMALS THAT MOVE",
    "1.6. SAFETY ON WET ROCK"), wherever the class puts its header -- unless the page's
    number stands at its foot too.
    """
    found = []  # (page, block, offset)
    page_blocks = [blocks(page.lines) for page in pages]
    for i, (page, bl) in enumerate(zip(pages, page_blocks)):
        for b in {0, len(bl) - 1} if bl else ():
            for ln in bl[b]:
                off = _folio_offset(ln.text, page.index)
                if off is not None:
                    found.append((i, b, off))
    common = {roman: off for roman in (False, True)
              for off, n in Counter(o for _, _, (r, o) in found if r == roman).most_common(1) if n >= 3}
    folios = {(i, b) for i, b, (roman, off) in found if common.get(roman) == off}
    footed = {i for i, b in folios if b}
    out = list(pages)
    # a page numbered at its foot has no number in its header: "3 Implementation" at the top
    # of page 3 is a section heading
    for i, b in folios - {(i, 0) for i in footed}:
        block = page_blocks[i][b]
        if b == 0:  # a header: the folio and the title beside it
            held = {id(ln) for ln in block if len(ln.text.split()) <= 8}
        else:  # a footer: the folio alone (a footnote's mark "1" on a page without one is no folio's)
            held = {id(ln) for ln in block if _folio_offset(ln.text, pages[i].index) is not None}
        if len(block) <= 4 and held:
            out[i] = replace(out[i], lines=tuple(replace(ln, role="furniture")
                                                 if id(ln) in held and ln.role == "body" else ln
                                                 for ln in pages[i].lines))
    return out


def _beside_page_number(lines: list[PdfLine], page: PdfPage, at_edge) -> list[PdfLine]:
    """A short line at the page's edge in the same text block as its page number is the
    rest of the running head ("viii    Preface": one MuPDF block, its lines sharing the
    block's x extent and touching), however seldom that title repeats (the last verso of a
    short chapter)."""
    beside: set[int] = set()  # ids of the lines that share a block with a page number
    for block in blocks(lines):
        if any(ln.role == "furniture" and FOLIO.fullmatch(ln.text.strip()) for ln in block):
            beside.update(id(ln) for ln in block)
    return [replace(ln, role="furniture")
            if id(ln) in beside and ln.role == "body" and at_edge(ln, page) and len(ln.text.split()) <= 8
            else ln for ln in lines]


def mark_floats(pages: Sequence[PdfPage], floats: Sequence[FloatRecord]) -> list[PdfPage]:
    """Lines inside a float's region or caption box become ``float``."""
    boxes: dict[int, list] = defaultdict(list)
    for f in floats:
        for box in (f.region_boundary, f.caption_boundary):
            if box is not None:
                boxes[f.page].append((box.x1 - 2, box.y1 - 2, box.x2 + 2, box.y2 + 2))
    out = []
    for page in pages:
        if not boxes.get(page.index):
            out.append(page)
            continue
        lines = []
        for ln in page.lines:
            cx, cy = (ln.x0 + ln.x1) / 2, (ln.y0 + ln.y1) / 2
            inside = any(x0 <= cx <= x1 and y0 <= cy <= y1 for x0, y0, x1, y1 in boxes[page.index])
            lines.append(replace(ln, role="float") if inside and ln.role == "body" else ln)
        out.append(replace(page, lines=tuple(lines)))
    return out


def mark_pages(pages: Sequence[PdfPage], floats: Sequence[FloatRecord] = ()) -> list[PdfPage]:
    """Every line's role: running heads, page numbers and margin stamps (``furniture``),
    then the lines inside the floats' regions (``float``)."""
    return mark_floats(mark_folios(mark_furniture(pages)), floats)


def extract(pdf: Union[str, Path, "pymupdf.Document"], floats: Optional[Sequence[FloatRecord]] = None,
            textpages: Optional[list] = None) -> list[PdfPage]:
    """Open, read and mark a PDF: the pages the aligner works on."""
    doc = open_pdf(pdf)
    try:
        pages = read_pages(doc, textpages)
    finally:
        if not isinstance(pdf, pymupdf.Document):
            doc.close()
    return mark_pages(pages, floats or ())
