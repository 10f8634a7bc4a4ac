"""PDF lines with their exact boxes, and the boxes an element's lines make.

The aligner's ``PdfLine`` boxes are its MuPDF block's (x extent of the block, evenly
spaced y); here every line gets the union of its words' boxes from the same MuPDF text
page (``extractWORDS``: block and line numbers in the same order ``read_pages`` read
them, so line i here is ``PdfPage.lines[i]``, with its role and normalized words).

An element's lines become one box per column piece: a line that starts a new column
(left of the piece, or back above its top) starts a new box, as a paragraph that
continues in the next column gets two boxes, each around its lines' ink (``ink``).
``gutter`` finds the page's gutter.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

from nougat_align.layout.ink import word_ink
from nougat_align.pdf.text import PdfPage
from nougat_align.split.lines import Page

Box = tuple[float, float, float, float]
GAP = 2.5  # line heights of white space that part one piece of an element from the next


@dataclass
class LineBox:
    """One PDF line: its box (union of its words'), its words (``(x0, y0, x1, y1, text,
    ...)`` as MuPDF gives them), its role (body, furniture, float, aside) and normalized
    words (the aligner's)."""

    index: int
    box: Box
    text: str
    role: str
    norm: list[str]
    hyphen: bool
    words: list[tuple] = field(default_factory=list)
    ink: Optional[Box] = None  # the box of its ink (``ink.word_ink``); elements are drawn with it

    @property
    def inked(self) -> Box:
        return self.ink or self.box

    @property
    def cx(self) -> float:
        return (self.box[0] + self.box[2]) / 2

    @property
    def cy(self) -> float:
        return (self.box[1] + self.box[3]) / 2


def page_lines(pdf_page: PdfPage, page: Page, textpage) -> list[LineBox]:
    """Every line of the page with its exact box; the aligner's box for a line the word
    list does not give (a page MuPDF could not parse again)."""
    groups: list[list] = []
    if textpage is not None:
        last = None
        for w in textpage.extractWORDS():
            key = (w[5], w[6])
            if key != last:
                groups.append([])
                last = key
            groups[-1].append(w)
    exact = len(groups) == len(pdf_page.lines)
    out = []
    for i, (pl, ln) in enumerate(zip(pdf_page.lines, page.lines)):
        if exact:
            ws = groups[i]  # MuPDF's (x0, y0, x1, y1, word, block, line, n)
            box = (min(w[0] for w in ws), min(w[1] for w in ws), max(w[2] for w in ws), max(w[3] for w in ws))
            ink = union(word_ink(*w[:5]) for w in ws)
        else:
            box = ink = (pl.x0, pl.y0, pl.x1, pl.y1)
            ws = [(*box, t) for t in pl.text.split()]
        out.append(LineBox(i, box, pl.text, ln.role, ln.words, ln.hyphen, ws, ink))
    return out


def union(boxes) -> Box:
    boxes = list(boxes)
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
            max(b[3] for b in boxes))


def gutter(lines: Sequence[LineBox], width: float) -> Optional[float]:
    """The x of the gap between two columns, or None for one column: enough body lines
    lie wholly left of the page's middle and enough wholly right of it, and few cross it."""
    body = [ln for ln in lines if ln.role in ("body", "aside") and len(ln.norm) >= 3]
    if len(body) < 6:
        return None
    mid = width / 2
    left = [ln for ln in body if ln.box[2] < mid + 0.05 * width and ln.box[2] - ln.box[0] > 0.2 * width]
    right = [ln for ln in body if ln.box[0] > mid - 0.05 * width and ln.box[2] - ln.box[0] > 0.2 * width]
    across = [ln for ln in body if ln.box[0] < mid - 0.05 * width and ln.box[2] > mid + 0.05 * width]
    if len(left) >= 3 and len(right) >= 3 and len(across) < 0.5 * (len(left) + len(right)):
        lo = max((ln.box[2] for ln in left if ln.box[2] < mid + 0.05 * width), default=mid)
        hi = min((ln.box[0] for ln in right if ln.box[0] > mid - 0.05 * width), default=mid)
        return (lo + hi) / 2 if lo <= hi else mid
    return None


def pieces(lines: Sequence[LineBox], split_at: Optional[float], whole: bool = False) -> list[Box]:
    """The boxes of one element's lines (in reading order): a new box where the lines
    move to another column (across the gutter ``split_at``), jump back up the page or
    leave a wide gap; ``whole`` (a display, a table: lines in any order) parts only at
    the gutter."""
    if whole:
        sides: dict[str, list[LineBox]] = {}
        for ln in lines:
            sides.setdefault(side(ln.box, split_at), []).append(ln)
        if "both" in sides or len(sides) == 1:
            return [union(ln.inked for ln in lines)]
        return [union(ln.inked for ln in part) for part in sides.values()]
    out: list[list[LineBox]] = []
    for ln in lines:
        if out:
            cur = union(x.box for x in out[-1])
            sides2 = side(ln.box, split_at), side(cur, split_at)
            h = ln.box[3] - ln.box[1]
            jumped = ln.box[1] < cur[1] - 2 and ln.box[3] < cur[3] - 2 * h - 2
            jumped = jumped or ln.box[1] - cur[3] > max(GAP * h, 12.0)  # far below: another piece
            if sides2[0] == sides2[1] and not jumped or "both" in sides2 and not jumped:
                out[-1].append(ln)
                continue
        out.append([ln])
    return [union(x.inked for x in piece) for piece in out]


def side(box: Box, split_at: Optional[float]) -> str:
    if split_at is None:
        return "one"
    if box[2] <= split_at + 2:
        return "left"
    if box[0] >= split_at - 2:
        return "right"
    return "both"


def inside(word: Box, box: Box, slack: float = 1.0) -> bool:
    """The word's centre lies in the box."""
    cx, cy = (word[0] + word[2]) / 2, (word[1] + word[3]) / 2
    return box[0] - slack <= cx <= box[2] + slack and box[1] - slack <= cy <= box[3] + slack


def rounded(box: Box) -> tuple[float, float, float, float]:
    return tuple(round(v, 2) for v in box)  # type: ignore[return-value]
