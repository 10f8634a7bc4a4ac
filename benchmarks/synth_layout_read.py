"""Read the colour build of a synthetic paper back into layout truth (see synth_layout.py).

* :func:`compare_pdfs`: the plain and the colour PDF must print the same words at the
  same places (to 0.01 pt), or the paper is discarded.
* :func:`read_layout`: per page, every glyph's fill colour (PyMuPDF ``rawdict`` spans) and
  every drawing's colour (``get_drawings``) name its element; an element's pieces in one
  column and close together form one box; each box is then shrunk to the element's
  pixels in the page rendered at 4x without anti-aliasing (tight around the ink: glyph
  boxes from the fonts are taller than the ink).  Black glyphs are the running head (top
  half) and the page number (bottom half); black glyphs inside the text area, or colours
  that are no element's, discard the paper.
* Reading order: running head; then top to bottom (one column) or the full-width
  elements above the columns, the left column, the right column, the full-width
  elements below (two columns), each top to bottom, rows left to right; page number
  last.  An element with several boxes is placed by its first.
"""
from __future__ import annotations

import re
from typing import Any, Optional

import numpy as np
import pymupdf

from synth_layout import LEVELS, Element, colour_of

ZOOM = 4
_MATH_FONT = re.compile(r"CMMI|CMSY|CMEX|MSBM|MSAM|CMBSY|EUFM|RSFS")
_MATH_WORDS = {"exp", "log", "sin", "cos", "min", "max", "arg", "lim"}


class LayoutDiscard(Exception):
    """The colour build cannot give exact truth; the message says why."""


def compare_pdfs(plain: str, colour: str) -> Optional[str]:
    """None when both PDFs print the same words at the same places, else the first
    difference."""
    with pymupdf.open(plain) as a, pymupdf.open(colour) as b:
        if len(a) != len(b):
            return f"{len(a)} pages plain, {len(b)} in colour"
        for n, (p, q) in enumerate(zip(a, b), start=1):
            wa = [(round(w[0], 2), round(w[1], 2), round(w[2], 2), round(w[3], 2), w[4])
                  for w in p.get_text("words")]
            wb = [(round(w[0], 2), round(w[1], 2), round(w[2], 2), round(w[3], 2), w[4])
                  for w in q.get_text("words")]
            if wa != wb:
                diff = next((x, y) for x, y in zip(wa + [None], wb + [None]) if x != y)
                return f"page {n} differs in colour: {diff[0]} vs {diff[1]}"
    return None


def element_of(rgb: tuple[int, int, int]) -> Optional[int]:
    """Element number of a palette colour, 0 for black, None for anything else."""
    if max(rgb) <= 8:
        return 0
    base, step, n = LEVELS
    digits = []
    for v in rgb:
        d = round((v - base) / step)
        if not 0 <= d < n or abs(v - base - step * d) > 3:
            return None
        digits.append(d)
    return digits[0] * n * n + digits[1] * n + digits[2]


def _render(page: pymupdf.Page) -> np.ndarray:
    """The page's RGB pixels at ZOOM, without anti-aliasing (exact colours)."""
    old = pymupdf.TOOLS.show_aa_level()
    pymupdf.TOOLS.set_aa_level(0)
    try:
        pix = page.get_pixmap(matrix=pymupdf.Matrix(ZOOM, ZOOM), alpha=False)
    finally:
        pymupdf.TOOLS.set_aa_level(old.get("text", 8))
    return np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, pix.n)[..., :3]


def _tighten(rgb: np.ndarray, k: int, box: list[float]) -> list[float]:
    """``box`` shrunk to the pixels of element ``k``'s colour (black for 0) within 3 pt
    of it."""
    x0, y0, x1, y1 = box
    h, w = rgb.shape[:2]
    c0, r0 = max(0, int((x0 - 3) * ZOOM)), max(0, int((y0 - 3) * ZOOM))
    c1, r1 = min(w, int((x1 + 3) * ZOOM) + 1), min(h, int((y1 + 3) * ZOOM) + 1)
    crop = rgb[r0:r1, c0:c1].astype(np.int16)
    if k == 0:
        mask = (crop <= 8).all(axis=2)
    else:
        mask = (np.abs(crop - np.array(colour_of(k), dtype=np.int16)) <= 3).all(axis=2)
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not len(rows):
        return [round(float(v), 2) for v in box]
    return [round((c0 + int(cols[0])) / ZOOM, 2), round((r0 + int(rows[0])) / ZOOM, 2),
            round((c0 + int(cols[-1]) + 1) / ZOOM, 2), round((r0 + int(rows[-1]) + 1) / ZOOM, 2)]


def _line_text(chars: list[tuple[str, bool]]) -> str:
    """A line's characters, runs of math-font tokens wrapped as ``\\(...\\)``."""
    tokens: list[tuple[str, bool]] = []
    word, math = "", False
    for c, is_math in chars + [(" ", False)]:
        if c.isspace():
            if word:
                tokens.append((word, math))
            word, math = "", False
        else:
            word += c
            math = math or is_math
    out: list[str] = []
    run: list[str] = []
    for i, (w, m) in enumerate(tokens):
        symbol = not any(ch.isalnum() for ch in w) and len(w) <= 2
        near = any(t[1] for t in tokens[max(0, i - 1):i + 2])
        if m or (run and (symbol or w in _MATH_WORDS)) or (w in _MATH_WORDS and near):
            run.append(w)
            continue
        if run:
            out.append("\\(" + " ".join(run) + "\\)")
            run = []
        out.append(w)
    if run:
        out.append("\\(" + " ".join(run) + "\\)")
    return " ".join(out)


def _join_lines(lines: list[str]) -> str:
    text = ""
    for line in lines:
        if text.endswith("-") and len(text) > 1 and text[-2].isalpha() and line[:1].islower():
            text = text[:-1] + line
        else:
            text = (text + " " + line) if text else line
    return text


def _pieces(page: pymupdf.Page) -> tuple[dict[int, list], list[tuple[list[float], str]]]:
    """Per element number its pieces ``(bbox, line text)`` in stream order; black glyphs
    as ``(bbox, text)`` lines."""
    pieces: dict[int, list] = {}
    black: list[tuple[list[float], str]] = []
    raw = page.get_text("rawdict", flags=pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP)
    for block in raw["blocks"]:
        for line in block.get("lines", []):
            groups: dict[int, list] = {}
            for span in line["spans"]:
                c = span["color"]
                k = element_of(((c >> 16) & 255, (c >> 8) & 255, c & 255))
                if k is None:
                    raise LayoutDiscard(f"page {page.number + 1}: glyph colour #{c:06x} is no element's")
                is_math = bool(_MATH_FONT.search(span["font"]))
                for ch in span["chars"]:
                    groups.setdefault(k, []).append((ch["bbox"], ch["c"], is_math))
            for k, chars in groups.items():
                ink = [b for b, c, _m in chars if not c.isspace()]
                if not ink:
                    continue
                box = [min(b[0] for b in ink), min(b[1] for b in ink),
                       max(b[2] for b in ink), max(b[3] for b in ink)]
                text = _line_text([(c, m) for _b, c, m in chars])
                (black.append((box, text)) if k == 0 else pieces.setdefault(k, []).append((box, text)))
    for d in page.get_drawings():
        for key in ("fill", "color"):
            rgb = d.get(key)
            if rgb is None:
                continue
            k = element_of(tuple(round(v * 255) for v in rgb[:3]))
            if k:
                r = d["rect"]
                pieces.setdefault(k, []).append(([r.x0, r.y0, r.x1, r.y1], None))
                break
    return pieces, black


def _boxes(pieces: list, columns: int, mid: float, wide: bool, gap: float = 10.0) -> list[tuple[int, list[float]]]:
    """Pieces merged into boxes ``(column, bbox)``; column 0 full width (or one column),
    1 left, 2 right.  Boxes come in the order their first pieces appear."""
    def col(b: list[float]) -> int:
        if columns == 1 or wide:
            return 0
        return 1 if b[2] <= mid + 5 else 2 if b[0] >= mid - 5 else 0

    boxes: list[tuple[int, list[float]]] = []
    for b, _t in pieces:
        c = col(b)
        for bc, box in boxes:
            if bc == c and b[1] <= box[3] + gap and b[3] >= box[1] - gap:
                box[:] = [min(box[0], b[0]), min(box[1], b[1]), max(box[2], b[2]), max(box[3], b[3])]
                break
        else:
            boxes.append((c, list(b)))
    # a box that grew onto a later one (a display's rows joined by its tall operator after
    # the row below had started a box of its own) takes it in: merged until none touch
    merged = True
    while merged:
        merged = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                (ci, a), (cj, b) = boxes[i], boxes[j]
                if ci == cj and b[1] <= a[3] + gap and b[3] >= a[1] - gap:
                    a[:] = [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]
                    del boxes[j]
                    merged = True
                    break
            if merged:
                break
    return boxes


def _markdown(e: Element, lines: list[str]) -> str:
    text = _join_lines(lines)
    if e.category == "Title":
        return "# " + text
    if e.category == "Section-header":
        return "#" * (e.level + 1) + " " + text
    if e.category == "List-item":
        text = re.sub(r"^•\s*", "", text)
        return "* " + text if not re.match(r"\d+\.\s", text) else text
    if e.category == "Footnote":
        return f"Footnote {e.mark}: " + re.sub(rf"^\\?\(?{e.mark}\\?\)?\s*", "", text).strip()
    if e.category == "Formula":
        return "\n".join(f"\\[{row} \\tag{{{t}}}\\]" for row, t in zip(e.rows, e.tags))
    if e.category == "Table":
        return "\\begin{table}\n" + e.tex + "\n\\end{table}"
    return text


def _reading_order(items: list[dict], columns: int) -> list[dict]:
    col_tops = [it["_first"][1][1] for it in items if it["_first"][0] in (1, 2)]
    top = min(col_tops) if col_tops else float("inf")

    def band(it: dict) -> int:
        if it["category"] == "Page-header":
            return -1
        if it["category"] == "Page-footer":
            return 9
        c, box = it["_first"]
        if columns == 1:
            return 0
        if c == 0:
            return 0 if box[3] <= top + 1 else 3
        return c

    items.sort(key=lambda it: (band(it), it["_first"][1][1], it["_k"]))
    out: list[dict] = []
    i = 0
    while i < len(items):  # rows: elements starting within 4 pt of each other, left to right
        j = i + 1
        while j < len(items) and band(items[j]) == band(items[i]) \
                and items[j]["_first"][1][1] - items[i]["_first"][1][1] <= 4:
            j += 1
        out += sorted(items[i:j], key=lambda it: (it["_first"][1][0], it["_k"]))
        i = j
    return out


def read_layout(colour_pdf: str, elements: list[Element], columns: int,
                margin_pt: float) -> dict[str, Any]:
    """layout_truth.json of the colour build (module docstring)."""
    by_k = {e.k: e for e in elements}
    seen: set[int] = set()
    pages = []
    with pymupdf.open(colour_pdf) as doc:
        for page in doc:
            w, h = page.rect.width, page.rect.height
            pieces, black = _pieces(page)
            rgb = _render(page)
            items = []
            for k, ps in pieces.items():
                if k not in by_k:
                    raise LayoutDiscard(f"page {page.number + 1}: colour of unknown element {k}")
                e = by_k[k]
                seen.add(k)
                boxes = _boxes(ps, columns, w / 2, e.wide)
                it = {"id": e.id, "category": e.category,
                      "boxes": [_tighten(rgb, k, b) for _c, b in boxes],
                      "text": _markdown(e, [t for _b, t in ps if t is not None])}
                if e.category == "Formula":
                    it["tex"] = e.tex
                it["_first"], it["_k"] = boxes[0], k
                items.append(it)
            for cat, part in (("Page-header", [b for b in black if b[0][3] < h / 2]),
                              ("Page-footer", [b for b in black if b[0][3] >= h / 2])):
                if not part:
                    continue
                for box, text in part:
                    if box[3] > margin_pt - 2 and box[1] < h - margin_pt + 2:
                        raise LayoutDiscard(f"page {page.number + 1}: uncoloured text '{text}' in the text area")
                union = [min(b[0][0] for b in part), min(b[0][1] for b in part),
                         max(b[0][2] for b in part), max(b[0][3] for b in part)]
                items.append({"id": f"{'h' if cat == 'Page-header' else 'f'}{page.number + 1}",
                              "category": cat, "boxes": [_tighten(rgb, 0, union)],
                              "text": _join_lines([t for _b, t in part]),
                              "_first": (0, union), "_k": 10 ** 6})
            ordered = _reading_order(items, columns)
            for n, it in enumerate(ordered):
                it["order"] = n
                del it["_first"], it["_k"]
            pages.append({"page": page.number + 1, "width": round(w, 2), "height": round(h, 2),
                          "elements": ordered})
    missing = [e for e in elements if e.k not in seen]
    if missing:
        raise LayoutDiscard(f"element {missing[0].id} ({missing[0].category}) is not printed")
    return {"pages": pages}
