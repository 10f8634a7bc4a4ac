"""Caption candidates of the float detector and the lines that continue them.

A candidate (``candidate``) is a segment that starts with a label and a number; it must
open a block (``opens_block``): the line above it in its column is missing, far, in another
font size, or not a full line, so "Table 1 lists ..." or "... in\\nTable 2. The ..." inside a
paragraph is rejected.  The caption continues (``extend_first_row``, ``continue_caption``)
over the following lines while they keep the font size, the leading and the left edge (or
the centre, for centred captions), no rule lies between, and the previous line is full or
the next word would not have fit (ragged-right captions); a caption that runs to the bottom
of the left column without ending its sentence continues at the top of the right column
(``continue_across_columns``).

Known limits: a caption continued onto the next *page* is cut at the page end; a caption
whose label is not text (an image, a font without Unicode) cannot be read; "Supplementary
Figure 1" style labels and labels in other languages are not recognised.
"""
from __future__ import annotations

import re
from typing import Optional

from nougat_align.pdf.floats.geometry import LABEL_RE, Layout, Page, Seg, line_above, row_right, same_size

_LINENO_RE = re.compile(r"\d{1,4}\s+(?=[FT])")
_LEADERS_RE = re.compile(r"(?:\.\s?){4,}\s*\d*\s*$")


class Caption:
    __slots__ = ("page", "fig_type", "name", "lines", "score", "delim", "styled", "small",
                 "range", "region", "drawn", "more_lines", "label_end", "members", "_box")

    def __init__(self, page: int, fig_type: str, name: str, first: Seg, delim: str,
                 styled: bool, small: bool, label_end: int, index: int):
        self.page = page
        self.fig_type = fig_type
        self.name = name
        self.lines = [first]
        self.more_lines: list[Seg] = []  # continuation in the next column
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


def candidate(page: Page, i: int, layout: Layout) -> Optional[Caption]:
    s = page.segs[i]
    if s.kind:
        return None
    m = LABEL_RE.match(s.text)
    if m is None:
        lineno = _LINENO_RE.match(s.text)  # review copies number their lines
        m = LABEL_RE.match(s.text, lineno.end()) if lineno else None
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
    return Caption(page.number, fig_type, m.group("num"), s, delim, styled, small, m.end(), i)


def opens_block(page: Page, i: int) -> bool:
    """False when segment i continues a paragraph (full line of the same size just above)."""
    s = page.segs[i]
    prev = line_above(page.segs, i, s)
    if prev is None or prev.kind in ("margin", "heading"):
        return True
    if abs(prev.size - s.size) > 0.5:
        return True
    c0, c1 = s.col
    return row_right(page.segs, prev) < c1 - max(3.0, 0.03 * (c1 - c0))


def _join(segs: list[Seg]) -> Seg:
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
    row = Seg(segs[0].x0, min(t.y0 for t in segs), max(t.x1 for t in segs),
               max(t.y1 for t in segs), text, main.size, runs, max(t.top for t in segs))
    row.col = main.col
    return row


def _row_after(segs: list[Seg], start: int, last: Seg, lo: float, hi: float,
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


def extend_first_row(page: Page, cap: Caption, taken: set[int], starts: set[int]) -> None:
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


def continue_caption(page: Page, cap: Caption, taken: set[int], starts: set[int]) -> None:
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
        if any(segs[j].kind for j in found) or not same_size(t, last) or t.y0 - last.y1 > 0.6 * size:
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


def _word_did_not_fit(last: Seg, nxt: Seg, right: float) -> bool:
    """Ragged-right text: the next line's first word would not have fit after ``last``."""
    word = nxt.text.split(" ", 1)[0]
    per_char = nxt.width / max(1, len(nxt.text))
    return right - last.x1 < (len(word) + 1) * per_char


def _graphic_between(page: Page, a: Seg, b: Seg) -> bool:
    top, bottom = a.y1 - 1, b.y0 + 1
    x0, x1 = min(a.x0, b.x0), max(a.x1, b.x1)
    for g in page.graphics or ():
        if g[1] >= top and g[3] <= bottom and g[2] > x0 and g[0] < x1:
            return True
    return False


def _label_width(seg: Seg, cap: Caption) -> float:
    """Approximate width of the label ("Figure 3:") for hanging-indent captions."""
    chars = max(1, len(seg.text))
    return seg.width * min(1.0, (cap.label_end + 2) / chars)


def continue_across_columns(page: Page, cap: Caption, layout: Layout, taken: set[int]) -> None:
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
    if not same_size(top, last) or top.x0 > r0 + 0.3 * top.size:
        return
    found = _row_after(segs, 0, Seg(r0, top.y0 - 1, r1, top.y0 - 0.5, "", top.size, []),
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
        if not same_size(t, prev) or t.x0 > r0 + 0.3 * t.size or any(segs[k].kind for k in found) \
                or t.y0 - prev.y1 > 0.6 * prev.size:
            break
        cap.more_lines.append(t)
        cap.members += found
        taken.update(found)
        prev = t
