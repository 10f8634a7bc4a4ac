"""Float regions of the detector: what lies next to each caption on its page.

Drawings, images and non-body text next to the caption, grown away from it until body text,
a heading, another caption, the running header/footer, or a gap of two body lines (six on
the side where the kind usually has its float: figures above, tables below, as whitespace
inside an included graphic is invisible).  The caption takes that usual side unless it is
empty or farther than the other; an item two captions reach goes to the nearer one.  The
search is limited to the caption's range (``Caption.range``, set by the detector): its
column, the whole text width for captions that cross the middle of a two-column page
(figure*, table*), and split with what shares the caption's first line (minipages side by
side, running text beside a wrapped figure).

Known limits: a float whose caption sits beside it (sidecaption) gets no region; tabular
rows that fill the column like justified text end a region early.
"""
from __future__ import annotations

from nougat_align.pdf.floats.captions import Caption
from nougat_align.pdf.floats.geometry import Layout, Page


def _page_items(page: Page) -> list[tuple[float, float, float, float, bool, int]]:
    """Everything a region can hold: (x0, y0, x1, y1, blocks, segment index or -1)."""
    items = []
    for k, s in enumerate(page.segs):
        blocks = s.body or s.kind in ("margin", "heading")
        items.append((s.x0, s.y0, s.x1, s.y1, blocks, k))
    for g in page.graphics or ():
        items.append((g[0], g[1], g[2], g[3], g[3] < page.top or g[1] > page.bottom, -1))
    return items


def _grow(items: list[tuple], cap: Caption, layout: Layout, up: bool,
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


def regions(page: Page, caps: list[Caption], layout: Layout) -> None:
    """Find every caption's region.

    Each caption takes the side where its kind usually has its float (figures above,
    tables below) unless that side is empty or farther than the other; an item
    that two captions take goes to the nearer one; a caption left with nothing tries its
    other side among the items nobody took."""
    items = _page_items(page)
    lines = {c: set(c.members) for c in caps}
    all_lines = set().union(*lines.values()) if lines else set()
    size = layout.body_size
    chosen: dict[Caption, list[int]] = {}
    spare: dict[Caption, list[int]] = {}
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


def _owners(items: list[tuple], chosen: dict[Caption, list[int]]) -> dict[int, Caption]:
    claims: dict[int, list[Caption]] = {}
    for cap, ks in chosen.items():
        for k in ks:
            claims.setdefault(k, []).append(cap)
    return {k: min(rivals, key=lambda c: (_distance(items[k], c), c.box[1]))
            for k, rivals in claims.items()}


def _distance(item: tuple, cap: Caption) -> float:
    _, cy0, _, cy1 = cap.box
    if item[3] <= cy0 + 1:
        return cy0 - item[3]
    return item[1] - cy1
