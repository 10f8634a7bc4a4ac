"""Reading order from the page's geometry.

Running heads first (top to bottom, left to right).  In one column, the body elements
top to bottom.  In two columns, the full-width elements (a box across the gutter: title,
abstract, a ``figure*``) cut the page into bands; each band reads its left column top to
bottom, then its right column, then the full-width element below it.  Elements side by
side (a row of author blocks, subfigures: boxes apart across, overlapping down for half
the lower one's height) read left to right; a row with a full-width element in it is
full-width.  Page numbers and running feet last.  An element with two boxes takes the
place of its first.
"""
from __future__ import annotations

from typing import Optional, Sequence

HEAD, FOOT = "Page-header", "Page-footer"
Box = Sequence[float]


def side_by_side(a: Box, b: Box) -> bool:
    """Boxes apart across that overlap down for at least half the lower one's height."""
    if a[2] > b[0] and b[2] > a[0]:
        return False
    overlap = min(a[3], b[3]) - max(a[1], b[1])
    return overlap > 0 and overlap >= 0.5 * min(a[3] - a[1], b[3] - b[1])


def _rows(ids: list[int], box, key) -> list[int]:
    """``ids`` top to bottom, elements side by side (a row) left to right."""
    rows: list[list[int]] = []
    for i in sorted(ids, key=key):
        row = next((r for r in rows if side_by_side(box(r[0]), box(i))
                    and all(box(m)[2] <= box(i)[0] or box(i)[2] <= box(m)[0] for m in r)), None)
        if row is None:
            rows.append([i])
        else:
            row.append(i)
    return [i for r in rows for i in sorted(r, key=lambda m: (box(m)[0], m))]


def reading_order(elements: Sequence[tuple[str, Sequence[tuple[float, ...]]]],
                  split_at: Optional[float], numbers: Sequence[bool] = ()) -> list[int]:
    """Indices of ``elements`` ((category, boxes) pairs) in reading order; ``numbers``
    marks the page numbers among them (last, wherever printed)."""
    numbers = list(numbers) or [False] * len(elements)
    def first(i: int) -> tuple[float, ...]:
        return elements[i][1][0]

    def key(i: int) -> tuple[float, float, int]:
        return (round(first(i)[1], 1), round(first(i)[0], 1), i)

    folios = {i for i, (c, _) in enumerate(elements) if c in (HEAD, FOOT) and numbers[i]}
    heads = sorted((i for i, (c, _) in enumerate(elements) if c == HEAD and i not in folios), key=key)
    feet = sorted((i for i, (c, _) in enumerate(elements) if c == FOOT or i in folios), key=key)
    feet = [i for i in feet if i not in folios] + [i for i in feet if i in folios]  # the page number last
    body = [i for i, (c, _) in enumerate(elements) if c not in (HEAD, FOOT)]
    if split_at is None:
        return heads + _rows(body, first, key) + feet
    wide = sorted((i for i in body if first(i)[0] < split_at - 10 and first(i)[2] > split_at + 10), key=key)
    cols = [i for i in body if i not in set(wide)]
    units: list[list[int]] = []  # each full-width element with the column elements beside it
    taken: set[int] = set()
    for w in wide:
        beside = [i for i in cols if i not in taken and side_by_side(first(i), first(w))]
        taken.update(beside)
        units.append(sorted([w] + beside, key=lambda m: (first(m)[0], m)))
    cols = [i for i in cols if i not in taken]
    out: list[int] = []
    done: set[int] = set()
    for unit in units + [None]:
        top = min(first(m)[1] for m in unit) if unit is not None else float("inf")
        band = [i for i in cols if i not in done and first(i)[1] < top]
        out += _rows([i for i in band if (first(i)[0] + first(i)[2]) / 2 < split_at], first, key)
        out += _rows([i for i in band if (first(i)[0] + first(i)[2]) / 2 >= split_at], first, key)
        done.update(band)
        if unit is not None:
            out += unit
    return heads + out + feet
