"""Figures and tables of a PDF without Java: a caption-first float detector on PyMuPDF.

Nougat found floats with pdffigures2 (Scala, needs a JVM and a jar users cannot build).
``detect_floats`` finds them with PyMuPDF alone and returns the same records
(``FloatRecord``) that ``load_figures`` reads from pdffigures2's JSON, so the aligner treats
both sources alike; ``save_figures`` writes pdffigures2-compatible JSON and ``write_crops``
writes each float's region as a PNG.

How the detector works (all coordinates in PDF points, origin top-left):

1. Cheap filter: a page is examined only if its plain text has a line that starts with a
   float label ("Figure 3", "Fig. 3", "FIG. 3", "Table 2", "TABLE II", "Tab. 2").  Other
   pages cost one text extraction and a regex.  The same text page also collects the boxes
   of vector drawings (``TEXT_COLLECT_VECTORS``), so drawings cost no second pass over the
   page; images are looked up (``get_image_info``) only on pages that have any.
2. Text geometry: the page's text lines (``extractDICT``) are merged into *segments*:
   pieces on one baseline with gaps under one em (MuPDF splits lines at sub/superscripts
   and at wide justified spaces), never across the gutter, so a segment is what a reader
   sees as one line of one column.  Document-wide: body font size (most characters), text
   block and columns (from the left/right edges of body-size lines), running headers and
   footers (extreme lines set apart at the same height on several pages, or bare page
   numbers).  Body lines are full justified lines, two word-rich lines sharing both edges
   (text beside a wrapped figure), a sentence over half a column (a one-line paragraph, a
   footnote), and the last line of such a paragraph.
3. Caption candidates: segments that start with a label and a number.  A candidate must
   open a block -- the line above it in its column is missing, far, in another font size,
   or not a full line -- so "Table 1 lists ..." or "... in\\nTable 2. The ..." inside a
   paragraph is rejected.  The caption continues over the following lines while they keep
   the font size, the leading and the left edge (or the centre, for centred captions), no
   rule lies between, and the previous line is full or the next word would not have fit
   (ragged-right captions); a caption that runs to the bottom of the left column without
   ending its sentence continues at the top of the right column.  Rotated lines that start
   a text block with a label and a delimiter are captions of sideways floats.
4. Evidence, scored: the delimiter after the number (":" strong; "." or a dash weaker; a
   label alone on its line, as in IEEE "TABLE II", counts), a label in bold/italic or
   capitals unlike the caption text, a caption font smaller than the body font, and a float
   region next to the caption (worth less when it holds only text).  A candidate is
   accepted at score >= 2; of several accepted captions with one label the best scored are
   kept (ties all: a \\ContinuedFloat prints its label twice).
5. Region: drawings, images and non-body text next to the caption, grown away from it until
   body text, a heading, another caption, the running header/footer, or a gap of two body
   lines (six on the side where the kind usually has its float: figures above, tables
   below, as whitespace inside an included graphic is invisible).  The caption takes that
   usual side unless it is empty or farther than the other; an item two captions reach
   goes to the nearer one.  The search is limited to the caption's column, the whole text
   width for captions that cross the middle of a two-column page (figure*, table*), and
   split with what shares the caption's first line (minipages side by side, running text
   beside a wrapped figure).

Known limits: a float whose caption sits beside it (sidecaption) gets no region; tabular
rows that fill the column like justified text end a region early; a caption continued onto
the next *page* is cut at the page end; a caption whose label is not text (an image, a
font without Unicode) cannot be read; "Supplementary Figure 1" style labels and labels in
other languages are not recognised.
"""
from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any, Iterable, Optional, Union

from nougat_align.errors import InputError
from nougat_align.records import Box, FloatRecord
from nougat_align.write import write_bytes_atomic, write_text_atomic

log = logging.getLogger(__name__)

__all__ = ["detect_floats", "load_figures", "save_figures", "write_crops"]

# A float label at the start of a line: the word, then the number as printed.
_LABEL_RE = re.compile(
    r"(?P<label>Figure|FIGURE|Fig\.?|FIG\.?|Table|TABLE|Tab\.|TAB\.)\s*"
    r"(?P<num>(?:[A-Z]{1,3}[.\-]?)?\d+(?:[.\-]\d+)*[a-z]?|[IVXLC]+|[A-Z])"
    r"(?=$|[\s:.|,;()\u2014\u2013\-])"
)
_LABEL_WORD_RE = re.compile(r"\s*(?:Figure|FIGURE|Fig\.|FIG\.|Table|TABLE)\s*$")
# The same, on any line of a page's plain text: the cheap page filter.
_PAGE_FILTER_RE = re.compile(
    r"(?m)^[ \t]*(?:\d{1,4}[ \t]+)?(?:Fig(?:ure)?|FIG(?:URE)?|Tab(?:le)?|TAB(?:LE)?)\.?\s*"
    r"[A-Z]{0,3}[.\-]?[\dIVXLC]"
)
_LINENO_RE = re.compile(r"\d{1,4}\s+(?=[FT])")
_LEADERS_RE = re.compile(r"(?:\.\s?){4,}\s*\d*\s*$")
_DELIM_SCORE = {":": 2.0, ".": 1.0, "dash": 1.5, "alone": 1.0, "(": 0.5, "": 0.0}
_ACCEPT = 2.0
_BOLD_RE = re.compile(r"bold|black|heavy|demi|medi|semibd|cmbx|cmb\d|\bbx|-bd", re.I)
_ITALIC_RE = re.compile(r"italic|oblique|cmti|cmsl|-it\b|-ita", re.I)
_SECTION_RE = re.compile(r"^(?:[A-Z]|\d+)(?:\.\d+)*\.?\s+\S")
_WS_RE = re.compile(r"\s+")


# ------------------------------------------------------------------ page geometry ----


class _Seg:
    """One visual line of one column: text pieces on a baseline with small gaps."""

    __slots__ = ("x0", "y0", "x1", "y1", "text", "size", "top", "runs", "col", "body", "kind")

    def __init__(self, x0, y0, x1, y1, text, size, runs, top=0.0):
        self.x0, self.y0, self.x1, self.y1 = x0, y0, x1, y1
        self.text = text
        self.size = size  # the font size of most characters
        self.top = max(top, size)  # the largest font size (small capitals are two sizes)
        self.runs = runs  # [(start offset in text, bold, italic)] in text order
        self.col: tuple[float, float] = (x0, x1)
        self.body = False
        self.kind = ""  # "" | "margin" (running header/footer) | "heading"

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    def style_at(self, offset: int) -> tuple[bool, bool]:
        style = (False, False)
        for start, bold, italic in self.runs:
            if start > offset:
                break
            style = (bold, italic)
        return style


class _Page:
    """What the detector needs of one page."""

    __slots__ = ("number", "width", "height", "frags", "segs", "graphics", "top", "bottom",
                 "rotated")

    def __init__(self, number: int, width: float, height: float, frags: list[tuple]):
        self.number = number
        self.width = width
        self.height = height
        self.frags = frags  # text lines as MuPDF gives them; merged into segs later
        self.segs: list[_Seg] = []
        self.rotated: list[tuple] = []  # (bbox, text, direction, block number)
        self.graphics: Optional[list[tuple[float, float, float, float]]] = None
        self.top = 0.0  # content lies between top and bottom (running header/footer out)
        self.bottom = height


class _Layout:
    """Document-level measures: body font size, text block, columns."""

    def __init__(self, body_size: float, left: float, right: float, mid: Optional[float],
                 left_col: tuple[float, float], right_col: tuple[float, float]):
        self.body_size = body_size
        self.left, self.right = left, right
        self.mid = mid  # None for single-column documents
        self.left_col, self.right_col = left_col, right_col

    def column(self, x0: float, x1: float) -> tuple[float, float]:
        """The column a piece of text at x0..x1 belongs to (the text width if it spans)."""
        if self.mid is None:
            return (self.left, self.right)
        tol = 0.25 * self.body_size
        if x1 <= self.mid + tol:
            return self.left_col
        if x0 >= self.mid - tol:
            return self.right_col
        return (self.left, self.right)


def _is_bold(flags: int, font: str) -> bool:
    return bool(flags & 16) or bool(_BOLD_RE.search(font))


def _is_italic(flags: int, font: str) -> bool:
    return bool(flags & 2) or bool(_ITALIC_RE.search(font))


_STYLE_CACHE: dict[tuple[int, str], tuple[bool, bool]] = {}


def _style(flags: int, font: str) -> tuple[bool, bool]:
    key = (flags & 18, font)
    style = _STYLE_CACHE.get(key)
    if style is None:
        if len(_STYLE_CACHE) > 4096:  # font names are per paper: keep a batch worker small
            _STYLE_CACHE.clear()
        style = _STYLE_CACHE[key] = (_is_bold(flags, font), _is_italic(flags, font))
    return style


def _fragments(page_dict: dict, rotated: list) -> list[tuple]:
    """Horizontal text lines of a page as (x0, y0, x1, y1, size, pieces); a piece is
    (text, x0, x1, size, bold, italic) for one span.  Rotated lines (axis labels, sideways
    tables) go to ``rotated`` as (bbox, text, direction, block number)."""
    frags = []
    for bno, block in enumerate(page_dict["blocks"]):
        if block.get("type", 0) != 0:
            continue
        for line in block["lines"]:
            dx, dy = line["dir"]
            if dx < 0.99 or abs(dy) > 0.05:
                text = "".join(sp["text"] for sp in line["spans"]).strip()
                if text:
                    rotated.append((tuple(line["bbox"]), text, (round(dx), round(dy)), bno))
                continue
            pieces = []
            weight: dict[float, int] = {}
            for sp in line["spans"]:
                text = sp["text"]
                n = len(text.strip())
                if not n:
                    if pieces and text and not pieces[-1][0].endswith(" "):
                        last = pieces[-1]
                        pieces[-1] = (last[0] + " ",) + last[1:]
                    continue
                b = sp["bbox"]
                size = round(sp["size"], 1)
                bold, italic = _style(sp["flags"], sp["font"])
                pieces.append((text, b[0], b[2], size, bold, italic))
                weight[size] = weight.get(size, 0) + n
            if pieces:
                size = max(weight, key=lambda k: (weight[k], k)) if len(weight) > 1 else size
                x0, y0, x1, y1 = line["bbox"]
                frags.append((x0, y0, x1, y1, size, pieces))
    return frags


def _segments(frags: list[tuple], layout: "_Layout") -> list[_Seg]:
    """Merge line fragments on one baseline with gaps below one em into segments (never
    across the gutter of a two-column page)."""
    mid = layout.mid
    tol = 0.25 * layout.body_size
    frags = sorted(frags, key=lambda f: f[1] + f[3])
    bands: list[list[tuple]] = []
    top = bot = size = 0.0  # the band's main fragment
    for f in frags:
        if bands and min(bot, f[3]) - max(top, f[1]) >= 0.5 * min(f[3] - f[1], bot - top):
            bands[-1].append(f)
            if f[4] > size:
                top, bot, size = f[1], f[3], f[4]
            continue
        bands.append([f])
        top, bot, size = f[1], f[3], f[4]
    segs: list[_Seg] = []
    for band in bands:
        if len(band) > 1:
            band.sort(key=lambda f: f[0])
        group = [band[0]]
        right = band[0][2]
        for f in band[1:]:
            across = mid is not None and right <= mid + tol and f[0] >= mid - tol
            gap = f[0] - right
            label = gap > 0.25 * f[4] and _LABEL_RE.match("".join(p[0] for p in f[5]).lstrip()) is not None
            limit = max(f[4], group[-1][4])
            if len(group) == 1 and _LABEL_WORD_RE.match("".join(p[0] for p in group[0][5])):
                limit *= 3  # "Figure      2. A" in a narrow justified caption
            if gap <= limit and not across and not label:
                group.append(f)
                right = max(right, f[2])
            else:
                segs.append(_make_seg(group))
                group = [f]
                right = f[2]
        segs.append(_make_seg(group))
    segs.sort(key=lambda s: (s.y0, s.x0))
    return segs


def _make_seg(group: list[tuple]) -> _Seg:
    parts: list[str] = []
    length = 0
    runs: list[tuple[int, bool, bool]] = []
    prev_x1 = None
    weight: dict[float, int] = {}
    ends_space = True  # nothing yet: drop leading spaces
    for frag in group:
        for text, sx0, sx1, size, bold, italic in frag[5]:
            if "  " in text or "\t" in text or "\xa0" in text:
                text = _WS_RE.sub(" ", text)
            if ends_space:
                text = text.lstrip()
            elif prev_x1 is not None and sx0 - prev_x1 > 0.15 * size and text[:1] != " ":
                parts.append(" ")
                length += 1
            runs.append((length, bold, italic))
            parts.append(text)
            length += len(text)
            ends_space = text.endswith(" ")
            prev_x1 = sx1 if prev_x1 is None else max(prev_x1, sx1)
            weight[size] = weight.get(size, 0) + len(text)
    size = max(weight, key=lambda k: (weight[k], k))
    return _Seg(min(g[0] for g in group), min(g[1] for g in group),
                max(g[2] for g in group), max(g[3] for g in group), "".join(parts).rstrip(),
                size, runs, max(weight))


def _same_size(a: _Seg, b: _Seg) -> bool:
    return abs(a.size - b.size) <= 0.5 or abs(a.top - b.top) <= 0.5


def _graphics(page, page_dict: dict, width: float, height: float) -> list[tuple[float, float, float, float]]:
    """Boxes of the drawn vector paths (collected by the text device in the same pass as
    the text) and of the placed images (only looked up when the page has any)."""
    boxes = [b["bbox"] for b in page_dict["blocks"] if b.get("type") == 3]
    if page.get_images():
        boxes += [info["bbox"] for info in page.get_image_info()]
    out = []
    page_area = width * height
    for x0, y0, x1, y1 in boxes:
        x0, y0, x1, y1 = max(x0, 0.0), max(y0, 0.0), min(x1, width), min(y1, height)
        if x1 < x0 or y1 < y0:
            continue
        if (x1 - x0) * (y1 - y0) > 0.8 * page_area:
            continue  # page background
        out.append((x0, y0, x1, y1))
    return out


class _Line:
    """A MuPDF text line reduced to what the layout measure needs."""

    __slots__ = ("x0", "x1", "size", "n")

    def __init__(self, frag: tuple):
        self.x0, self.x1, self.size = frag[0], frag[2], frag[4]
        self.n = sum(len(piece[0]) for piece in frag[5])


def _measure(pages: list[_Page]) -> _Layout:
    """Body font size, text block and columns, from the pages that were read."""
    lines = [_Line(f) for p in pages for f in p.frags]
    weight: dict[float, float] = {}
    for ln in lines:
        k = round(ln.size * 2) / 2
        weight[k] = weight.get(k, 0.0) + ln.n
    body = max(weight, key=lambda k: (weight[k], k)) if weight else 10.0
    bodysegs = [ln for ln in lines if abs(ln.size - body) <= 0.6 and ln.n >= 25]
    if not bodysegs:
        w = pages[0].width if pages else 612.0
        return _Layout(body, 0.1 * w, 0.9 * w, None, (0.1 * w, 0.9 * w), (0.1 * w, 0.9 * w))
    xs0 = sorted(s.x0 for s in bodysegs)
    xs1 = sorted(s.x1 for s in bodysegs)
    left = xs0[len(xs0) // 20]
    right = xs1[len(xs1) - 1 - len(xs1) // 20]
    mid = (left + right) / 2
    tol = 0.25 * body
    lefts = [s for s in bodysegs if s.x1 <= mid + tol]
    rights = [s for s in bodysegs if s.x0 >= mid - tol]
    spans = len(bodysegs) - len(lefts) - len(rights)
    n = len(bodysegs)
    if len(lefts) >= 0.15 * n and len(rights) >= 0.15 * n and spans <= 0.5 * min(len(lefts), len(rights)):
        l1 = sorted(s.x1 for s in lefts)
        r0 = sorted(s.x0 for s in rights)
        left_col = (left, l1[len(l1) - 1 - len(l1) // 10])
        right_col = (r0[len(r0) // 10], right)
        return _Layout(body, left, right, mid, left_col, right_col)
    return _Layout(body, left, right, None, (left, right), (left, right))


def _mark_margins(pages: list[_Page], layout: _Layout) -> None:
    """Running headers and footers: the top-most (bottom-most) line of a page, set apart
    from the rest by a wide gap, at the same height as on other pages or a bare number."""
    size = layout.body_size
    for top in (True, False):
        ends: list[tuple[_Page, _Seg]] = []
        for p in pages:
            if not p.segs:
                continue
            edge = min(p.segs, key=lambda s: s.y0) if top else max(p.segs, key=lambda s: s.y1)
            if top:
                rest = [s.y0 for s in p.segs if s.y0 > edge.y1 + 1]
                apart = not rest or min(rest) - edge.y1 > 1.2 * size
                near = edge.y1 < 0.15 * p.height
            else:
                rest = [s.y1 for s in p.segs if s.y1 < edge.y0 - 1]
                apart = not rest or edge.y0 - max(rest) > 1.2 * size
                near = edge.y0 > 0.85 * p.height
            if apart and near:
                ends.append((p, edge))
        for p, edge in ends:
            y = edge.y0 if top else edge.y1
            same = sum(1 for _, e in ends if abs((e.y0 if top else e.y1) - y) <= 1.5)
            number = bool(re.fullmatch(r"[\divxlcIVXLC\s\-\u2013/|of]{1,12}", edge.text))
            if same >= 2 or number:
                if top:
                    p.top = edge.y1 + 0.5
                    for s in p.segs:
                        if s.y1 <= p.top:
                            s.kind = "margin"
                else:
                    p.bottom = edge.y0 - 0.5
                    for s in p.segs:
                        if s.y0 >= p.bottom:
                            s.kind = "margin"


def _classify(page: _Page, layout: _Layout) -> None:
    """Headings and body lines of one page (columns and margins are already marked)."""
    segs = page.segs
    size = layout.body_size
    position = {id(t): k for k, t in enumerate(segs)}
    # Body lines: full justified lines, and the last line of such a paragraph.
    for i, s in enumerate(segs):
        if s.kind:
            continue
        c0, c1 = s.col
        cw = c1 - c0
        if s.size >= size + 1.0 and len(s.text) < 120:
            s.kind = "heading"
            continue
        bold_all = all(b for _, b, _ in s.runs)
        if bold_all and s.x0 <= c0 + 0.5 * size and _SECTION_RE.match(s.text) and s.width < 0.8 * cw:
            s.kind = "heading"
            continue
        full = s.width >= 0.6 * cw and s.x1 >= c1 - max(3.0, 0.03 * cw) and cw > 8 * size
        if full or _justified_pair(segs, i, cw) or _prose(s, cw):
            s.body = True
            continue
        prev = _line_above(segs, i, s)
        if prev is not None and prev.body and abs(prev.size - s.size) <= 0.5 \
                and (s.x0 <= c0 + 0.5 * s.size or abs(s.x0 - prev.x0) <= 1.5) \
                and (prev.x1 >= prev.col[1] - max(3.0, 0.03 * (prev.col[1] - prev.col[0]))
                     or prev.kind == "" and _justified_pair(segs, position[id(prev)], cw)):
            s.body = True  # the last line of a paragraph


def _prose(s: _Seg, cw: float) -> bool:
    """A line that is a sentence (a one-line paragraph, a footnote): half a column or more,
    eight words or more, mostly lower-case words, ending with a full stop."""
    if s.width < 0.5 * cw or s.text[-1:] not in ".!?" and not s.text.endswith((".)", '."')):
        return False
    words = s.text.split()
    alpha = [w for w in words if sum(c.isalpha() for c in w) >= 2]
    return len(words) >= 8 and len(alpha) >= 6 and sum(w[0].islower() for w in alpha) >= 0.6 * len(alpha)


def _justified_pair(segs: list[_Seg], i: int, cw: float) -> bool:
    """Running text narrower than its column (beside a wrapped figure): this line and the
    next or previous one are word-rich and share both edges."""
    s = segs[i]
    if s.width < 0.35 * cw or s.text.count(" ") < 5:
        return False
    for j in (i - 1, i + 1, i - 2, i + 2):
        if not 0 <= j < len(segs):
            continue
        t = segs[j]
        indent = j > i and 0 < s.x0 - t.x0 <= 3 * s.size  # first line of a paragraph
        if (abs(t.x0 - s.x0) <= 1.5 or indent) and abs(t.x1 - s.x1) <= 1.5 and abs(t.size - s.size) <= 0.5 \
                and t.text.count(" ") >= 5 and abs((t.y0 + t.y1) - (s.y0 + s.y1)) / 2 <= 1.7 * s.size:
            return True
    return False


def _line_above(segs: list[_Seg], i: int, s: _Seg) -> Optional[_Seg]:
    """The nearest segment directly above ``segs[i]`` in its column, within one leading."""
    best = None
    for j in range(i - 1, -1, -1):
        t = segs[j]
        if t.y0 < s.y0 - 3.0 * s.size:
            break
        if t.y1 > s.y0 + 0.3 * s.size or t.col != s.col:
            continue
        if s.y0 - t.y1 > 0.8 * s.size:
            continue
        if min(t.x1, s.col[1]) - max(t.x0, s.col[0]) <= 0:
            continue
        if best is None or t.y1 > best.y1 or (t.y1 == best.y1 and t.x1 > best.x1):
            best = t
    return best


def _row_right(segs: list[_Seg], t: _Seg) -> float:
    """Right end of the row of ``t`` within its column (a line may be cut at a wide space)."""
    right = t.x1
    for u in segs:
        if u.col == t.col and min(u.y1, t.y1) - max(u.y0, t.y0) > 0.5 * min(u.y1 - u.y0, t.y1 - t.y0):
            right = max(right, u.x1)
    return right


# ------------------------------------------------------------------ captions ---------


class _Caption:
    __slots__ = ("page", "fig_type", "name", "lines", "score", "delim", "styled", "small",
                 "range", "region", "drawn", "more_lines", "label_end", "members", "_box")

    def __init__(self, page: int, fig_type: str, name: str, first: _Seg, delim: str,
                 styled: bool, small: bool, label_end: int, index: int):
        self.page = page
        self.fig_type = fig_type
        self.name = name
        self.lines = [first]
        self.more_lines: list[_Seg] = []  # continuation in the next column
        self.delim = delim
        self.styled = styled
        self.small = small
        self.score = 0.0
        self.range = first.col
        self.region: Optional[tuple[float, float, float, float]] = None
        self.drawn = False  # the region holds drawings or images, not only text
        self.label_end = label_end
        self.members = [index]  # indices of the page segments that make up the caption
        self._box: Optional[tuple] = None

    @property
    def box(self) -> tuple[float, float, float, float]:
        """Box of the caption lines in the start column (cached once the lines are known)."""
        if self._box is None or self._box[0] != len(self.lines):
            self._box = (len(self.lines), (
                min(s.x0 for s in self.lines), min(s.y0 for s in self.lines),
                max(s.x1 for s in self.lines), max(s.y1 for s in self.lines)))
        return self._box[1]

    def text(self) -> str:
        out = ""
        for s in self.lines + self.more_lines:
            t = s.text
            if not out:
                out = t
            elif re.search(r"[A-Za-z]-$", out) and t[:1].islower():
                out = out[:-1] + t
            else:
                out += " " + t
        return " ".join(out.split())


def _candidate(page: _Page, i: int, layout: _Layout) -> Optional[_Caption]:
    s = page.segs[i]
    if s.kind:
        return None
    m = _LABEL_RE.match(s.text)
    if m is None:
        lineno = _LINENO_RE.match(s.text)  # review copies number their lines
        m = _LABEL_RE.match(s.text, lineno.end()) if lineno else None
        if m is None:
            return None
    if _LEADERS_RE.search(s.text):
        return None  # an entry of a list of figures / tables
    label = m.group("label")
    fig_type = "Table" if label[0] in "Tt" else "Figure"
    rest = s.text[m.end():]
    r = rest.lstrip()
    if not r:
        delim = "alone"
    elif r[0] in ":.(":
        delim = r[0]
    elif r[0] in "|\u2014\u2013-":
        delim = "dash"
    else:
        delim = ""
    # The label is styled when it is set unlike the caption text (bold, italic), or in capitals.
    label_style = s.style_at(m.start())
    after = m.end() + (len(rest) - len(r)) + (1 if delim not in ("", "alone") else 0)
    while after < len(s.text) and not s.text[after].isalpha():
        after += 1
    styled = label.isupper() and len(label.rstrip(".")) > 1
    if after < len(s.text):
        styled = styled or s.style_at(after) != label_style
    elif label_style[0]:
        styled = True
    small = s.size < layout.body_size - 0.5
    return _Caption(page.number, fig_type, m.group("num"), s, delim, styled, small, m.end(), i)


def _opens_block(page: _Page, i: int) -> bool:
    """False when segment i continues a paragraph (full line of the same size just above)."""
    s = page.segs[i]
    prev = _line_above(page.segs, i, s)
    if prev is None or prev.kind in ("margin", "heading"):
        return True
    if abs(prev.size - s.size) > 0.5:
        return True
    c0, c1 = s.col
    return _row_right(page.segs, prev) < c1 - max(3.0, 0.03 * (c1 - c0))


def _join(segs: list[_Seg]) -> _Seg:
    """One row made of several segments of a line (cut at wide spaces), left to right."""
    if len(segs) == 1:
        return segs[0]
    segs = sorted(segs, key=lambda t: t.x0)
    text, runs = "", []
    for t in segs:
        if text:
            text += " "
        runs += [(start + len(text), b, i) for start, b, i in t.runs]
        text += t.text
    main = max(segs, key=lambda t: len(t.text))
    row = _Seg(segs[0].x0, min(t.y0 for t in segs), max(t.x1 for t in segs),
               max(t.y1 for t in segs), text, main.size, runs, max(t.top for t in segs))
    row.col = main.col
    return row


def _row_after(segs: list[_Seg], start: int, last: _Seg, lo: float, hi: float,
               taken: set[int]) -> Optional[list[int]]:
    """Indices of the segments forming the next line below ``last`` within [lo, hi], or
    None when that line is not one run of text (a tabular row, or nothing)."""
    size = last.size
    found: list[int] = []
    for j in range(start, len(segs)):
        t = segs[j]
        if t.y0 > last.y1 + 0.8 * size:
            break
        if j in taken or t.y0 < last.y1 - 0.3 * size:
            continue
        if min(t.x1, hi) - max(t.x0, lo) > 0:
            found.append(j)
    if not found:
        return None
    first = min(found, key=lambda j: segs[j].y0)
    row = [j for j in found if min(segs[j].y1, segs[first].y1) - max(segs[j].y0, segs[first].y0)
           > 0.4 * min(segs[j].y1 - segs[j].y0, segs[first].y1 - segs[first].y0)]
    if len(row) > 4:
        return None
    row.sort(key=lambda j: segs[j].x0)
    for a, b in zip(row, row[1:]):
        if segs[b].x0 - segs[a].x1 > 2.0 * size:
            return None
    return row


def _extend_first_row(page: _Page, cap: _Caption, taken: set[int], starts: set[int]) -> None:
    """The caption's first line may be cut at a wide space: take the rest of the row."""
    segs = page.segs
    first = cap.lines[0]
    i = cap.members[0]
    lo, hi = cap.range
    parts, right = [i], first.x1
    for j, t in sorted(((j, t) for j, t in enumerate(segs)
                        if j not in taken and j not in starts and t.col == first.col
                        and t.x0 >= first.x1 and t.x1 <= hi + 1
                        and min(t.y1, first.y1) - max(t.y0, first.y0) > 0.5 * (first.y1 - first.y0)),
                       key=lambda p: p[1].x0):
        if t.x0 - right > 2.5 * first.size or t.kind:
            break
        parts.append(j)
        right = t.x1
    if len(parts) > 1:
        cap.lines[0] = _join([segs[j] for j in parts])
        cap._box = None
        cap.members += parts[1:]
        taken.update(parts)


def _continue_caption(page: _Page, cap: _Caption, taken: set[int], starts: set[int]) -> None:
    """Append the lines below the caption's first line that continue its paragraph."""
    segs = page.segs
    first = cap.lines[0]
    size = first.size
    label_only = cap.delim == "alone"
    while True:
        last = cap.lines[-1]
        right = max(x.x1 for x in cap.lines)
        lo, hi = (cap.range if label_only and len(cap.lines) == 1 else (first.x0 - 2, right + 2))
        found = _row_after(segs, min(cap.members), last, lo, hi, taken)
        if found is None or any(j in starts for j in found):
            return
        t = _join([segs[j] for j in found])
        if any(segs[j].kind for j in found) or not _same_size(t, last) or t.y0 - last.y1 > 0.6 * size:
            return
        if _graphic_between(page, last, t):
            return  # a rule or drawing separates them: the float starts here
        if t.x1 > max(hi, cap.range[1] + 2) + 1:
            return
        aligned = first.x0 - 2 <= t.x0 <= first.x0 + _label_width(first, cap) + 2
        full = last.x1 >= right - max(2.0, 0.6 * size) or _word_did_not_fit(last, t, cap.range[1])
        centred = abs((t.x0 + t.x1) - (last.x0 + last.x1)) <= 4 and t.width <= last.width + 2 \
            and last.width >= 0.8 * (cap.range[1] - cap.range[0])
        if label_only and len(cap.lines) == 1:
            ok = abs((t.x0 + t.x1) - (last.x0 + last.x1)) <= 6 or t.x0 >= lo - 2
        else:
            ok = (aligned and full) or centred
        if not ok:
            return
        cap.lines.append(t)
        cap.members += found
        taken.update(found)


def _word_did_not_fit(last: _Seg, nxt: _Seg, right: float) -> bool:
    """Ragged-right text: the next line's first word would not have fit after ``last``."""
    word = nxt.text.split(" ", 1)[0]
    per_char = nxt.width / max(1, len(nxt.text))
    return right - last.x1 < (len(word) + 1) * per_char


def _graphic_between(page: _Page, a: _Seg, b: _Seg) -> bool:
    top, bottom = a.y1 - 1, b.y0 + 1
    x0, x1 = min(a.x0, b.x0), max(a.x1, b.x1)
    for g in page.graphics or ():
        if g[1] >= top and g[3] <= bottom and g[2] > x0 and g[0] < x1:
            return True
    return False


def _label_width(seg: _Seg, cap: _Caption) -> float:
    """Approximate width of the label ("Figure 3:") for hanging-indent captions."""
    chars = max(1, len(seg.text))
    return seg.width * min(1.0, (cap.label_end + 2) / chars)


def _continue_across_columns(page: _Page, cap: _Caption, layout: _Layout, taken: set[int]) -> None:
    """A caption that fills the bottom of the left column and breaks mid-sentence goes on
    at the top of the right column (only captions set in running text can do this)."""
    if layout.mid is None or cap.range[1] > layout.mid + 0.25 * layout.body_size:
        return
    last = cap.lines[-1]
    c0, c1 = cap.range
    if last.x1 < c1 - max(3.0, 0.03 * (c1 - c0)) or re.search(r"[.!?:]\)?$", last.text):
        return
    segs = page.segs
    if any(t.y0 > last.y1 and t.col == last.col and not t.kind and t.y0 < page.bottom for t in segs):
        return  # something below it in the column: the caption ended here
    right = [(j, t) for j, t in enumerate(segs)
             if t.x0 >= layout.mid - 0.25 * layout.body_size and not t.kind and j not in taken]
    if not right:
        return
    j, top = min(right, key=lambda p: (p[1].y0, p[1].x0))
    r0, r1 = top.col
    if not _same_size(top, last) or top.x0 > r0 + 0.3 * top.size:
        return
    found = _row_after(segs, 0, _Seg(r0, top.y0 - 1, r1, top.y0 - 0.5, "", top.size, []),
                       r0, r1, taken) or [j]
    prev = _join([segs[k] for k in found])
    cap.more_lines.append(prev)
    cap.members += found
    taken.update(found)
    while prev.x1 >= r1 - max(3.0, 0.03 * (r1 - r0)):
        found = _row_after(segs, 0, prev, r0, r1, taken)
        if found is None:
            break
        t = _join([segs[k] for k in found])
        if not _same_size(t, prev) or t.x0 > r0 + 0.3 * t.size or any(segs[k].kind for k in found) \
                or t.y0 - prev.y1 > 0.6 * prev.size:
            break
        cap.more_lines.append(t)
        cap.members += found
        taken.update(found)
        prev = t


# ------------------------------------------------------------------ regions ----------


def _page_items(page: _Page) -> list[tuple[float, float, float, float, bool, int]]:
    """Everything a region can hold: (x0, y0, x1, y1, blocks, segment index or -1)."""
    items = []
    for k, s in enumerate(page.segs):
        blocks = s.body or s.kind in ("margin", "heading")
        items.append((s.x0, s.y0, s.x1, s.y1, blocks, k))
    for g in page.graphics or ():
        items.append((g[0], g[1], g[2], g[3], g[3] < page.top or g[1] > page.bottom, -1))
    return items


def _grow(items: list[tuple], cap: _Caption, layout: _Layout, up: bool,
          blockers: set[int], skip: set[int]) -> tuple[list[int], float]:
    """Items of the float region on one side of a caption, and the gap to the first one.

    Grows away from the caption while the next item is within two body lines and is not
    body text, a heading, the page margin or another caption.  On the side where the
    caption's kind usually has its float the first item may be farther (whitespace inside
    an included graphic's box is invisible to us)."""
    usual = up == (cap.fig_type == "Figure")
    first_limit = (6.0 if usual else 2.5) * layout.body_size
    x0, y0, x1, y1 = cap.box
    r0, r1 = cap.range
    rw = r1 - r0
    size = layout.body_size
    near: list[tuple[float, int]] = []
    top, bottom = y0 + 0.4 * size, y1 - 0.4 * size  # a graphic's box may touch the caption
    for k, it in enumerate(items):
        if up:
            if it[3] > top:
                continue
        elif it[1] < bottom:
            continue
        a0, a1 = it[0], it[2]
        if a1 <= r0 or a0 >= r1:
            continue
        w = a1 - a0
        if w >= 1.0:  # overlap with the range: at least 30% of the item (or of the range)
            ov = (a1 if a1 < r1 else r1) - (a0 if a0 > r0 else r0)
            if ov <= 0.3 * (w if w < rw else rw):
                continue
        if it[5] in skip:
            continue
        near.append((-it[3] if up else it[1], k))
    near.sort()
    frontier = y0 if up else y1
    chosen: list[int] = []
    first_gap = 0.0
    for _, k in near:
        it = items[k]
        gap = frontier - it[3] if up else it[1] - frontier
        if gap > (2.0 * size if chosen else first_limit):
            break
        if it[4] or it[5] in blockers:
            break
        if not chosen:
            first_gap = max(gap, 0.0)
        chosen.append(k)
        frontier = min(frontier, it[1]) if up else max(frontier, it[3])
    return chosen, first_gap


def _regions(page: _Page, caps: list[_Caption], layout: _Layout) -> None:
    """Find every caption's region.

    Each caption takes the side where its kind usually has its float (figures above,
    tables below) unless that side is empty or farther than the other; an item
    that two captions take goes to the nearer one; a caption left with nothing tries its
    other side among the items nobody took."""
    items = _page_items(page)
    lines = {c: set(c.members) for c in caps}
    all_lines = set().union(*lines.values()) if lines else set()
    size = layout.body_size
    chosen: dict[_Caption, list[int]] = {}
    spare: dict[_Caption, list[int]] = {}
    for cap in caps:
        own = lines[cap]
        above, gap_above = _grow(items, cap, layout, True, all_lines - own, own)
        below, gap_below = _grow(items, cap, layout, False, all_lines - own, own)
        if cap.fig_type == "Figure":
            first, other, gap_first, gap_other = above, below, gap_above, gap_below
        else:
            first, other, gap_first, gap_other = below, above, gap_below, gap_above
        if first and (not other or gap_first <= gap_other + 0.4 * size):
            chosen[cap], spare[cap] = first, other
        else:
            chosen[cap], spare[cap] = other, first
    owner = _owners(items, chosen)
    for cap in caps:
        mine = [k for k in chosen[cap] if owner[k] is cap]
        if not mine and spare[cap]:
            taken = set(owner)
            mine = [k for k in spare[cap] if k not in taken]
        if mine:
            cap.region = (min(items[k][0] for k in mine), min(items[k][1] for k in mine),
                          max(items[k][2] for k in mine), max(items[k][3] for k in mine))
            cap.drawn = any(items[k][5] < 0 for k in mine)


def _owners(items: list[tuple], chosen: dict[_Caption, list[int]]) -> dict[int, _Caption]:
    claims: dict[int, list[_Caption]] = {}
    for cap, ks in chosen.items():
        for k in ks:
            claims.setdefault(k, []).append(cap)
    return {k: min(rivals, key=lambda c: (_distance(items[k], c), c.box[1]))
            for k, rivals in claims.items()}


def _distance(item: tuple, cap: _Caption) -> float:
    _, cy0, _, cy1 = cap.box
    if item[3] <= cy0 + 1:
        return cy0 - item[3]
    return item[1] - cy1


# ------------------------------------------------------------------ detection --------


def _open_pdf(pdf: Any):
    import pymupdf

    if isinstance(pdf, pymupdf.Document):
        if pdf.is_encrypted and pdf.needs_pass:
            raise InputError("the PDF is encrypted (password needed)")
        return pdf, False
    path = Path(pdf)
    if path.is_dir():
        raise InputError(f"{path}: is a directory, expected a PDF")
    if not path.is_file():
        raise InputError(f"PDF not found: {path}")
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception as e:  # pymupdf raises several types for unreadable files
        raise InputError(f"{path}: not a readable PDF ({e})") from None
    if not doc.is_pdf:
        doc.close()
        raise InputError(f"{path}: not a PDF")
    if doc.needs_pass:
        doc.close()
        raise InputError(f"{path}: the PDF is encrypted (password needed)")
    if doc.page_count == 0:
        doc.close()
        raise InputError(f"{path}: the PDF has no pages")
    return doc, True


def _read_page(doc, number: int, flags: int, textpage=None) -> _Page:
    page = doc[number]
    tp = textpage if textpage is not None else page.get_textpage(flags=flags)
    d = tp.extractDICT()
    rotated: list[tuple] = []
    p = _Page(number, page.rect.width, page.rect.height, _fragments(d, rotated))
    p.rotated = rotated
    p.graphics = _graphics(page, d, p.width, p.height) + [r[0] for r in rotated]
    return p


def detect_floats(pdf: Union[Path, str, Any], textpages: Optional[list] = None,
                  page_texts: Optional[list[str]] = None) -> list[FloatRecord]:
    """Every figure and table of a PDF: caption text, page (0-based) and boxes in points.

    ``pdf`` is a path or an open ``pymupdf.Document``.  Deterministic; ordered by
    (page, y, x) of the caption.  Raises ``InputError`` for a file that is not a readable,
    unencrypted PDF; an unreadable page is skipped with a logged warning.  ``textpages``
    (one MuPDF text page per page, made with TEXT_COLLECT_VECTORS) saves reading the pages
    again when the caller has them already; so does ``page_texts`` (each page's plain text,
    which picks the pages worth a closer look).
    """
    import pymupdf

    shown = pymupdf.TOOLS.mupdf_display_errors()
    pymupdf.TOOLS.mupdf_display_errors(False)
    doc, owned = _open_pdf(pdf)
    try:
        return _detect(doc, pymupdf.TEXT_MEDIABOX_CLIP | pymupdf.TEXT_COLLECT_VECTORS, textpages, page_texts)
    finally:
        pymupdf.TOOLS.mupdf_display_errors(shown)
        if owned:
            doc.close()


def _detect(doc, flags: int, textpages: Optional[list] = None,
            page_texts: Optional[list[str]] = None) -> list[FloatRecord]:
    pages: dict[int, _Page] = {}
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
    layout = _measure(sample)
    for page in sample:
        page.segs = _segments(page.frags, layout)
        for s in page.segs:
            s.col = layout.column(s.x0, s.x1)
    _mark_margins(sample, layout)
    captions: list[_Caption] = []
    for n in sorted(pages):
        page = pages[n]
        _classify(page, layout)
        captions.extend(_page_captions(doc, page, layout))
        captions.extend(_rotated_captions(page))
    return _select(captions)


def _spread(count: int, k: int) -> list[int]:
    if count <= k:
        return list(range(count))
    return sorted({round(i * (count - 1) / (k - 1)) for i in range(k)})


def _page_captions(doc, page: _Page, layout: _Layout) -> list[_Caption]:
    segs = page.segs
    cands: list[tuple[int, _Caption]] = []
    for i, s in enumerate(segs):
        cap = _candidate(page, i, layout)
        if cap is None:
            continue
        if not _opens_block(page, i) and not (cap.styled and cap.delim in (":", ".", "dash")):
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
        _extend_first_row(page, cap, taken, starts)
        _continue_caption(page, cap, taken, starts)
    for i, cap in cands:
        _continue_across_columns(page, cap, layout, taken)
        # A caption wider than its column's share (figure*, table*) searches the text width.
        x0, _, x1, _ = cap.box
        if layout.mid is not None and x0 < layout.mid - layout.body_size and x1 > layout.mid + layout.body_size:
            cap.range = (min(layout.left, x0), max(layout.right, x1))
    _regions(page, [c for _, c in cands], layout)
    for i, cap in cands:
        cap.score = _DELIM_SCORE[cap.delim] + 1.5 * cap.styled + 1.0 * cap.small \
            + (0.0 if cap.region is None else 1.5 if cap.drawn else 0.75)
    return [c for _, c in cands]


def _rotated_captions(page: _Page) -> list[_Caption]:
    """Captions of sideways floats: a rotated line that starts a text block with a label
    and a delimiter; the block's other lines continue it.  The region is the other text
    turned the same way and the drawings among it."""
    out = []
    rot = page.rotated
    for k, (box, text, direction, bno) in enumerate(rot):
        if k > 0 and rot[k - 1][3] == bno:
            continue  # not the first line of its block
        m = _LABEL_RE.match(text)
        if m is None:
            continue
        rest = text[m.end():].lstrip()
        delim = "alone" if not rest else rest[0] if rest[0] in ":." else \
            "dash" if rest[0] in "|\u2014\u2013-" else ""
        if delim not in (":", ".", "dash"):
            continue
        lines = [r for r in rot if r[3] == bno and r[2] == direction]
        seg = _Seg(min(r[0][0] for r in lines), min(r[0][1] for r in lines),
                   max(r[0][2] for r in lines), max(r[0][3] for r in lines),
                   " ".join(r[1] for r in lines), 0.0, [(0, False, False)])
        label = m.group("label")
        cap = _Caption(page.number, "Table" if label[0] in "Tt" else "Figure", m.group("num"), seg,
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


def _select(captions: list[_Caption]) -> list[FloatRecord]:
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


# ------------------------------------------------------------------ JSON I/O ---------


def load_figures(path: Union[Path, str]) -> list[FloatRecord]:
    """Float records from pdffigures2 JSON (or ours): a list of figure objects, or
    ``{"figures": [...], "regionless-captions": [...]}``.  Ordered by (page, y, x).

    Raises ``InputError`` (one line) for a missing file, bad JSON or a wrong shape.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"figures file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read figures file ({e})") from None
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: not valid JSON (line {e.lineno}: {e.msg})") from None
    if isinstance(data, dict):
        if not any(k in data for k in ("figures", "regionless-captions")):
            raise InputError(f"{path}: expected a list of figures or an object with "
                             f"'figures' / 'regionless-captions'")
        objects = list(data.get("figures") or []) + list(data.get("regionless-captions") or [])
    elif isinstance(data, list):
        objects = data
    else:
        raise InputError(f"{path}: expected a list of figures, got {type(data).__name__}")
    records = []
    for k, obj in enumerate(objects):
        try:
            if not isinstance(obj, dict):
                raise TypeError(f"item is {type(obj).__name__}, not an object")
            records.append(FloatRecord.from_pdffigures2(obj, source=str(obj.get("source", "pdffigures2"))))
        except (KeyError, TypeError, ValueError) as e:
            raise InputError(f"{path}: figure #{k + 1} is malformed ({e})") from None

    def order(r: FloatRecord) -> tuple:
        b = r.caption_boundary or r.region_boundary
        return (r.page, b.y1 if b else 0.0, b.x1 if b else 0.0)

    return sorted(records, key=order)


def save_figures(records: Iterable[FloatRecord], path: Union[Path, str]) -> None:
    """Write records as pdffigures2 JSON (a list of figure objects), atomically.

    Each object also carries ``"source"`` (readers of pdffigures2 JSON ignore it), so
    ``load_figures`` gives back equal records.
    """
    write_text_atomic(Path(path), figures_json(records))


def figures_json(records: Iterable[FloatRecord]) -> str:
    """The pdffigures2-style JSON text of ``records`` (what ``save_figures`` writes)."""
    objs = []
    for r in records:
        obj = r.to_pdffigures2()
        obj["source"] = r.source
        objs.append(obj)
    return json.dumps(objs, indent=1, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------ crops ------------


def crop_name(record: FloatRecord) -> str:
    """Deterministic PNG name of a float's crop: ``Figure3-p5.png``, ``TableA.1-p12.png``."""
    name = re.sub(r"[^A-Za-z0-9.\-]+", "_", record.name) or "x"
    return f"{record.fig_type}{name}-p{record.page + 1}.png"


def write_crops(pdf: Union[Path, str, Any], records: Iterable[FloatRecord],
                out_dir: Union[Path, str], dpi: int = 150) -> list[Path]:
    """Render each float's region as a PNG in ``out_dir``; returns the paths written.

    Records without a region are skipped; a second crop with the same name gets ``-2``.
    """
    import pymupdf

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    shown = pymupdf.TOOLS.mupdf_display_errors()
    pymupdf.TOOLS.mupdf_display_errors(False)
    doc, owned = _open_pdf(pdf)
    written: list[Path] = []
    used: set[str] = set()
    try:
        for r in records:
            b = r.region_boundary
            if b is None or not 0 <= r.page < doc.page_count:
                continue
            page = doc[r.page]
            clip = pymupdf.Rect(b.x1, b.y1, b.x2, b.y2) & page.rect
            if clip.is_empty:
                continue
            name = crop_name(r)
            stem, k = name[:-4], 2
            while name in used:
                name, k = f"{stem}-{k}.png", k + 1
            used.add(name)
            pix = page.get_pixmap(clip=clip, dpi=dpi)
            path = out_dir / name
            write_bytes_atomic(path, pix.tobytes("png"))
            written.append(path)
    finally:
        pymupdf.TOOLS.mupdf_display_errors(shown)
        if owned:
            doc.close()
    return written
