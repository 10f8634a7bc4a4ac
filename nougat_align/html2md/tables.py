"""A LaTeXML ``ltx_tabular`` as LaTeX ``tabular`` with multicolumn/multirow/hline.

Pure: the caller says how a cell's content reads (``cell_text``); this module only lays
the cells out on the grid (row spans leave empty cells below them), reads alignment and
rules from LaTeXML's classes, and hands the rows to :func:`nougat_align.html2md.mmd.tabular`.
"""
from __future__ import annotations

from typing import Callable

from nougat_align.html2md import mmd
from nougat_align.html2md.tree import classes

CellText = Callable[[object], str]
# column -> (alignment, rule on its left, rule on its right), from its first one-column cell
Columns = dict[int, tuple[str, bool, bool]]


def tabular(table, cell_text: CellText) -> str:
    """``\\begin{tabular}...\\end{tabular}``; "" when no cell has text (images laid out).
    The rows of a tabular nested in a cell (a multi-line cell) are that cell's, not this
    table's: they are read once, inside the cell."""
    trs = [tr for tr in table.iter("tr") if _table_of(tr) is table]
    if not trs:
        return ""
    occupied: set[tuple[int, int]] = set()
    columns: Columns = {}
    rows, ncols = [], 0
    for r, tr in enumerate(trs):
        cells, top, bottom, width = _row(r, tr, cell_text, occupied, columns)
        ncols = max(ncols, width)
        rows.append((cells, top, bottom))
    if not any(c.strip() for cells, _, _ in rows for c in cells):
        return ""  # a tabular used only to lay out images
    return mmd.tabular(_spec(ncols, columns), rows)


def _table_of(tr):
    """The tabular a row belongs to: its nearest ``<table>`` (or ``ltx_tabular``) ancestor."""
    for el in tr.iterancestors():
        if el.tag == "table" or "ltx_tabular" in classes(el):
            return el
    return None


def _row(r: int, tr, cell_text: CellText, occupied: set[tuple[int, int]],
         columns: Columns) -> tuple[list[str], bool, bool, int]:
    """(cells, rule above, rule below, columns used) of row ``r``."""
    cells: list[str] = []
    col = 0
    top = bottom = False
    for td in tr:
        if not isinstance(td.tag, str) or td.tag not in ("td", "th"):
            continue
        while (r, col) in occupied:
            cells.append("")
            col += 1
        cls = classes(td)
        span = int(td.get("colspan") or 1)
        rspan = int(td.get("rowspan") or 1)
        text = mmd.escape_tabular(cell_text(td))
        a = "c" if "ltx_align_center" in cls else "r" if "ltx_align_right" in cls else "l"
        top = top or bool(cls & {"ltx_border_t", "ltx_border_tt"})
        bottom = bottom or bool(cls & {"ltx_border_b", "ltx_border_bb"})
        if rspan > 1:
            occupied.update((rr, cc) for rr in range(r + 1, r + rspan) for cc in range(col, col + span))
            text = mmd.multirow(rspan, text)
        if span > 1:
            left = "|" if "ltx_border_l" in cls else ""
            right = "|" if "ltx_border_r" in cls else ""
            text = mmd.multicolumn(span, f"{left}{a}{right}", text)
        else:
            columns.setdefault(col, (a, "ltx_border_l" in cls, "ltx_border_r" in cls))
        cells.append(text)
        col += span
    while (r, col) in occupied:
        cells.append("")
        col += 1
    return cells, top, bottom, col


def _spec(ncols: int, columns: Columns) -> str:
    """The column spec (``|l|cr``): a left rule is written only before the first column."""
    spec = ""
    for c in range(ncols):
        align, left, right = columns.get(c, ("l", False, False))
        spec += ("|" if left and c == 0 else "") + align + ("|" if right else "")
    return spec
