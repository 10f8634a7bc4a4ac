"""Page geometry for the float detector: text segments, the document's layout, margins,
headings and body lines (all coordinates in PDF points, origin top-left).

A page's text lines (``extractDICT``, read by ``fragments``) are merged into *segments*
(``segments``): pieces on one baseline with gaps under one em (MuPDF splits lines at
sub/superscripts and at wide justified spaces), never across the gutter, so a segment is
what a reader sees as one line of one column.  Document-wide (``measure``): body font size
(most characters), text block and columns (from the left/right edges of body-size lines).
``mark_margins`` finds running headers and footers (extreme lines set apart at the same
height on several pages, or bare page numbers).  ``classify`` marks headings and body lines:
full justified lines, two word-rich lines sharing both edges (text beside a wrapped figure),
a sentence over half a column (a one-line paragraph, a footnote), and the last line of such
a paragraph.  ``graphics`` collects the boxes of drawings and images.  Bold and italic come
from the span flags or the font name.
"""
from __future__ import annotations

import re
from typing import Optional

# A float label at the start of a line: the word, then the number as printed.
LABEL_RE = re.compile(
    r"(?P<label>Figure|FIGURE|Fig\.?|FIG\.?|Table|TABLE|Tab\.|TAB\.)\s*"
    r"(?P<num>(?:[A-Z]{1,3}[.\-]?)?\d+(?:[.\-]\d+)*[a-z]?|[IVXLC]+|[A-Z])"
    r"(?=$|[\s:.|,;()\u2014\u2013\-])"
)
_LABEL_WORD_RE = re.compile(r"\s*(?:Figure|FIGURE|Fig\.|FIG\.|Table|TABLE)\s*$")
_BOLD_RE = re.compile(r"bold|black|heavy|demi|medi|semibd|cmbx|cmb\d|\bbx|-bd", re.I)
_ITALIC_RE = re.compile(r"italic|oblique|cmti|cmsl|-it\b|-ita", re.I)
_SECTION_RE = re.compile(r"^(?:[A-Z]|\d+)(?:\.\d+)*\.?\s+\S")
_WS_RE = re.compile(r"\s+")


class Seg:
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


class Page:
    """What the detector needs of one page."""

    __slots__ = ("number", "width", "height", "frags", "segs", "graphics", "top", "bottom",
                 "rotated")

    def __init__(self, number: int, width: float, height: float, frags: list[tuple]):
        self.number = number
        self.width = width
        self.height = height
        self.frags = frags  # text lines as MuPDF gives them; merged into segs later
        self.segs: list[Seg] = []
        self.rotated: list[tuple] = []  # (bbox, text, direction, block number)
        self.graphics: Optional[list[tuple[float, float, float, float]]] = None
        self.top = 0.0  # content lies between top and bottom (running header/footer out)
        self.bottom = height


class Layout:
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


def fragments(page_dict: dict, rotated: list) -> list[tuple]:
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


def segments(frags: list[tuple], layout: "Layout") -> list[Seg]:
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
    segs: list[Seg] = []
    for band in bands:
        if len(band) > 1:
            band.sort(key=lambda f: f[0])
        group = [band[0]]
        right = band[0][2]
        for f in band[1:]:
            across = mid is not None and right <= mid + tol and f[0] >= mid - tol
            gap = f[0] - right
            label = gap > 0.25 * f[4] and LABEL_RE.match("".join(p[0] for p in f[5]).lstrip()) is not None
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


def _make_seg(group: list[tuple]) -> Seg:
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
    return Seg(min(g[0] for g in group), min(g[1] for g in group),
                max(g[2] for g in group), max(g[3] for g in group), "".join(parts).rstrip(),
                size, runs, max(weight))


def same_size(a: Seg, b: Seg) -> bool:
    return abs(a.size - b.size) <= 0.5 or abs(a.top - b.top) <= 0.5


def graphics(page, page_dict: dict, width: float, height: float) -> list[tuple[float, float, float, float]]:
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


def measure(pages: list[Page]) -> Layout:
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
        return Layout(body, 0.1 * w, 0.9 * w, None, (0.1 * w, 0.9 * w), (0.1 * w, 0.9 * w))
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
        return Layout(body, left, right, mid, left_col, right_col)
    return Layout(body, left, right, None, (left, right), (left, right))


def mark_margins(pages: list[Page], layout: Layout) -> None:
    """Running headers and footers: the top-most (bottom-most) line of a page, set apart
    from the rest by a wide gap, at the same height as on other pages or a bare number."""
    size = layout.body_size
    for top in (True, False):
        ends: list[tuple[Page, Seg]] = []
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


def classify(page: Page, layout: Layout) -> None:
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
        prev = line_above(segs, i, s)
        if prev is not None and prev.body and abs(prev.size - s.size) <= 0.5 \
                and (s.x0 <= c0 + 0.5 * s.size or abs(s.x0 - prev.x0) <= 1.5) \
                and (prev.x1 >= prev.col[1] - max(3.0, 0.03 * (prev.col[1] - prev.col[0]))
                     or prev.kind == "" and _justified_pair(segs, position[id(prev)], cw)):
            s.body = True  # the last line of a paragraph


def _prose(s: Seg, cw: float) -> bool:
    """A line that is a sentence (a one-line paragraph, a footnote): half a column or more,
    eight words or more, mostly lower-case words, ending with a full stop."""
    if s.width < 0.5 * cw or s.text[-1:] not in ".!?" and not s.text.endswith((".)", '."')):
        return False
    words = s.text.split()
    alpha = [w for w in words if sum(c.isalpha() for c in w) >= 2]
    return len(words) >= 8 and len(alpha) >= 6 and sum(w[0].islower() for w in alpha) >= 0.6 * len(alpha)


def _justified_pair(segs: list[Seg], i: int, cw: float) -> bool:
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


def line_above(segs: list[Seg], i: int, s: Seg) -> Optional[Seg]:
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


def row_right(segs: list[Seg], t: Seg) -> float:
    """Right end of the row of ``t`` within its column (a line may be cut at a wide space)."""
    right = t.x1
    for u in segs:
        if u.col == t.col and min(u.y1, t.y1) - max(u.y0, t.y0) > 0.5 * min(u.y1 - u.y0, t.y1 - t.y0):
            right = max(right, u.x1)
    return right
