"""Reading order from the page's geometry.

Running heads first (top to bottom, left to right).  In one column, the body elements
top to bottom.  In two columns, the full-width elements (a box across the gutter: title,
abstract, a ``figure*``) cut the page into bands; each band reads its left column top to
bottom, then its right column, then the full-width element below it.  Page numbers and
running feet last.  An element with two boxes takes the place of its first.
"""
from __future__ import annotations

from typing import Optional, Sequence

HEAD, FOOT = "Page-header", "Page-footer"


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
        return heads + sorted(body, key=key) + feet
    wide = sorted((i for i in body if first(i)[0] < split_at - 10 and first(i)[2] > split_at + 10), key=key)
    cols = [i for i in body if i not in set(wide)]
    out: list[int] = []
    done: set[int] = set()
    for w in wide + [None]:
        top = first(w)[1] if w is not None else float("inf")
        band = [i for i in cols if i not in done and first(i)[1] < top]
        left = sorted((i for i in band if (first(i)[0] + first(i)[2]) / 2 < split_at), key=key)
        right = sorted((i for i in band if (first(i)[0] + first(i)[2]) / 2 >= split_at), key=key)
        out += left + right
        done.update(band)
        if w is not None:
            out.append(w)
    return heads + out + feet
