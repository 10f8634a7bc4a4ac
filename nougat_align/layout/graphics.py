"""The drawings and images inside each float's region: the ink a Picture or Table prints.

The float detector's region can be larger than the float (white space, a line of the
paragraph next to it, a rule of the float below); layout boxes are tight around the ink.
The page's drawn paths and placed images (as the detector read them: the vector blocks
MuPDF's text page collects, with line widths, and the images' boxes) are joined
into groups of touching boxes (a figure's frame and its curves are one group, each
booktabs rule its own); a group belongs to the region that holds most of it, when that
is at least half of it.  A float's ink is the union of its groups (None: none, as for a
table without rules).
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from nougat_align.layout.boxes import Box, union

TOUCH = 1.0  # points: boxes this close are one group
MAX_BOXES = 500  # more boxes near the floats (a dense plot): each its own group (no joining)


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


def _shares(g: "np.ndarray", regions: "np.ndarray") -> "np.ndarray":
    """How much of each box of ``g`` (n x 4) lies in each region (r x 4): n x r, by area
    (by length for a rule)."""
    w = np.minimum(g[:, None, 2], regions[None, :, 2]) - np.maximum(g[:, None, 0], regions[None, :, 0])
    h = np.minimum(g[:, None, 3], regions[None, :, 3]) - np.maximum(g[:, None, 1], regions[None, :, 1])
    gw = np.maximum(g[:, 2] - g[:, 0], 1e-3)[:, None]
    gh = np.maximum(g[:, 3] - g[:, 1], 1e-3)[:, None]
    out = np.minimum(w / gw, 1.0) * np.minimum(h / gh, 1.0)
    out[(w < 0) | (h < 0)] = 0.0
    return out


def float_ink(drawn: Sequence[Box], regions: dict[str, Box]) -> dict[str, Box]:
    """Per float id (its region given), the union of the groups of the page's drawings
    and images (``drawn``) it holds."""
    if not regions or len(drawn) == 0:
        return {}
    ids = list(regions)
    boxes = np.asarray(drawn, dtype=float).reshape(-1, 4)
    reg = np.asarray([regions[f] for f in ids], dtype=float)
    near = boxes[(_shares(boxes, reg) > 0).any(axis=1)]
    if not len(near):
        return {}
    grouped = np.asarray(groups([tuple(b) for b in near.tolist()]), dtype=float).reshape(-1, 4)
    share = _shares(grouped, reg)
    best = share.argmax(axis=1)
    out = {}
    for r, fid in enumerate(ids):
        mine = grouped[(best == r) & (share[np.arange(len(grouped)), best] >= 0.5)]
        if len(mine):
            out[fid] = (float(mine[:, 0].min()), float(mine[:, 1].min()), float(mine[:, 2].max()),
                        float(mine[:, 3].max()))
    return out


def tight(region: Box, ink: Optional[Box], lines: list[Box]) -> Box:
    """A float's box: its drawings and images with its lines' ink, inside its region
    (the region when it holds neither)."""
    parts = ([ink] if ink is not None else []) + list(lines)
    if not parts:
        return region
    b = union(parts)
    return (max(b[0], region[0]), max(b[1], region[1]), min(b[2], region[2]), min(b[3], region[3]))
