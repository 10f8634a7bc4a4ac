"""The drawings and images inside each float's region: the ink a Picture or Table prints.

The float detector's region can be larger than the float (white space, a line of the
paragraph next to it, a rule of the float below); layout boxes are tight around the ink.
The page's drawn paths and placed images (MuPDF's bbox log, with line widths) are joined
into groups of touching boxes (a figure's frame and its curves are one group, each
booktabs rule its own); a group belongs to the region that holds most of it, when that
is at least half of it.  A float's ink is the union of its groups (None: none, as for a
table without rules).
"""
from __future__ import annotations

from typing import Optional

from nougat_align.layout.boxes import Box, union

TOUCH = 1.0  # points: boxes this close are one group
MAX_BOXES = 3000  # a page drawing more than this: each box its own group (no joining)
_KINDS = ("path", "image", "imgmask", "shade")


def page_graphics(page, width: float, height: float) -> list[Box]:
    """Boxes of the page's drawn paths, images and shadings (not text, not clips), the
    page's background left out."""
    try:
        log = page.get_bboxlog()
    except Exception:  # a page MuPDF cannot replay: no graphics
        return []
    out = []
    for kind, (x0, y0, x1, y1) in log:
        if not kind.startswith(("fill-", "stroke-")) or not kind.endswith(_KINDS):
            continue
        x0, y0, x1, y1 = max(x0, 0.0), max(y0, 0.0), min(x1, width), min(y1, height)
        if x1 < x0 or y1 < y0 or (x1 - x0) * (y1 - y0) > 0.8 * width * height:
            continue
        out.append((x0, y0, x1, y1))
    return out


def _touch(a: Box, b: Box) -> bool:
    return a[0] - TOUCH <= b[2] and b[0] - TOUCH <= a[2] and a[1] - TOUCH <= b[3] and b[1] - TOUCH <= a[3]


def groups(boxes: list[Box]) -> list[Box]:
    """The bounding boxes of the groups of touching ``boxes``."""
    if len(boxes) > MAX_BOXES:
        return list(boxes)
    parent = list(range(len(boxes)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    order = sorted(range(len(boxes)), key=lambda i: boxes[i][0])
    active: list[int] = []  # a sweep along x: boxes that may still touch the next one
    for i in order:
        x0 = boxes[i][0]
        active = [j for j in active if boxes[j][2] + TOUCH >= x0]
        for j in active:
            if _touch(boxes[i], boxes[j]):
                parent[find(i)] = find(j)
        active.append(i)
    parts: dict[int, list[Box]] = {}
    for i, b in enumerate(boxes):
        parts.setdefault(find(i), []).append(b)
    return [union(p) for p in parts.values()]


def _share(g: Box, region: Box) -> float:
    """How much of ``g`` lies in ``region`` (by area; by length for a rule)."""
    w = min(g[2], region[2]) - max(g[0], region[0])
    h = min(g[3], region[3]) - max(g[1], region[1])
    if w < 0 or h < 0:
        return 0.0
    gw, gh = max(g[2] - g[0], 1e-3), max(g[3] - g[1], 1e-3)
    return min(w / gw, 1.0) * min(h / gh, 1.0)


def float_ink(page, regions: dict[str, Box], width: float, height: float) -> dict[str, Box]:
    """Per float id (its region given), the union of the graphics groups it holds."""
    if not regions or page is None:
        return {}
    near = [b for b in page_graphics(page, width, height)
            if any(_share(b, r) > 0 for r in regions.values())]
    mine: dict[str, list[Box]] = {}
    for g in groups(near):
        fid, share = max(((f, _share(g, r)) for f, r in regions.items()), key=lambda x: x[1])
        if share >= 0.5:
            mine.setdefault(fid, []).append(g)
    return {f: union(gs) for f, gs in mine.items()}


def tight(region: Box, ink: Optional[Box], lines: list[Box]) -> Box:
    """A float's box: its drawings and images with its lines' ink, inside its region
    (the region when it holds neither)."""
    parts = ([ink] if ink is not None else []) + list(lines)
    if not parts:
        return region
    b = union(parts)
    return (max(b[0], region[0]), max(b[1], region[1]), min(b[2], region[2]), min(b[3], region[3]))
