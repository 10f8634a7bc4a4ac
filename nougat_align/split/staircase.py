"""Fit a staircase (non-decreasing chunk -> page step function) to noisy page predictions.

Nougat scans page by page and greedily picks each boundary minimizing a Gini-impurity
criterion.  Here the same impurity is minimized for *all* boundaries at once by dynamic
programming, which cannot get stuck behind an early mistake:

    cost(page k gets chunks [a, b)) = (b - a) * (1 - p_k^2),   p_k = share of them predicted k

Chunks before the first page and after the last one may stay unassigned (markdown the PDF
does not print) at cost 1 per chunk.  A forward and a backward pass give, for every
boundary, the interval of positions whose best total cost is within ``slack`` of the
optimum: the boundary's uncertainty, which bounds where the fuzzy trim searches.

Cost is linear in the document: a segment is at most what a page can hold (``max_len``
chunks, and twice what was predicted for it or for a typical page), and boundary ``k`` is only tried in a band around where the predictions themselves
cross from page ``k - 1`` to ``k`` (after a running median removes isolated mistakes),
widened by ``margin`` chunks on each side.  Tables are kept per boundary over that band
only, so time and memory grow with pages x band x ``max_len``, not pages x chunks^2.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SMOOTH = 7  # chunks on each side in the running median that places the bands


@dataclass(frozen=True)
class Staircase:
    starts: np.ndarray  # (num_pages + 1,) chunk index where each page starts; last = end
    low: np.ndarray  # (num_pages + 1,) earliest near-optimal position of each boundary
    high: np.ndarray  # (num_pages + 1,) latest near-optimal position
    cost: float


def fit_staircase(labels: np.ndarray, num_pages: int, max_len: int | None = None,
                  slack: float = 1.0, margin: int | None = None,
                  _unbounded: bool = False) -> Staircase:
    """``labels``: predicted page (0-based) of every chunk, -1 for none.

    Boundary ``k`` (0..num_pages) is where page ``k`` starts (``k == num_pages``: where
    the last page ends).  Segments are at most ``max_len`` chunks long, and page k's at
    most twice the chunks predicted k or twice a typical page's (the larger), plus 4; each
    boundary is searched ``margin`` chunks (default: two typical pages) around where the
    predictions put it.  When no staircase fits those bounds (markdown the PDF does not
    print, so long that one page's predicted run exceeds them), they are lifted: every
    length, every position.
    """
    labels = np.asarray(labels, dtype=np.int64)
    n = len(labels)
    P = num_pages
    max_len = max(1, min(n, n if max_len is None else max_len))
    # positions of the chunks predicted as each page (hits in [a, b) by binary search)
    order = np.argsort(labels, kind="stable")
    cut = np.searchsorted(labels[order], np.arange(P + 1))
    where = [order[cut[k]:cut[k + 1]] for k in range(P)]
    # a page holds at most twice what it was predicted to hold, or twice a typical page
    hits = np.diff(cut)
    typical = int(np.median(hits[hits > 0])) if (hits > 0).any() else max_len
    seg_max = np.minimum(max_len, 2 * np.maximum(hits, typical) + 4) if not _unbounded else np.full(P, n)
    margin = 2 * typical + 4 if margin is None else margin
    lo, hi = _bands(labels, P, margin)

    def seg_cost(k: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        length = (b - a).astype(np.float64)
        hit = (np.searchsorted(where[k], b) - np.searchsorted(where[k], a)).astype(np.float64)
        return length - hit * hit / np.maximum(length, 1)

    def step(prev: np.ndarray, prev_lo: int, k: int, pos: np.ndarray, forward: bool) -> np.ndarray:
        """Best cost at every position in ``pos`` of a boundary one page after (forward)
        or before (backward) the boundary whose table is ``prev`` (starting at ``prev_lo``)."""
        lengths = np.arange(0, seg_max[k] + 1)[:, None]
        other = pos[None, :] - lengths if forward else pos[None, :] + lengths
        i = other - prev_lo
        ok = (i >= 0) & (i < len(prev))
        i = np.where(ok, i, 0)
        a, b = (other, pos[None, :]) if forward else (pos[None, :], other)
        cand = np.where(ok, prev[i] + seg_cost(k, np.where(ok, a, 0), np.where(ok, b, 0)), np.inf)
        return cand.min(axis=0)

    # forward: F[k][t - lo[k]] = best cost with pages < k covering chunks [0, t) (head unassigned)
    F = [np.arange(lo[0], hi[0] + 1, dtype=np.float64)]
    for k in range(P):
        F.append(step(F[k], lo[k], k, np.arange(lo[k + 1], hi[k + 1] + 1), forward=True))
    # backward: G[k][t - lo[k]] = best cost with pages >= k covering chunks [t, n) (tail unassigned)
    G: list[np.ndarray] = [np.empty(0)] * (P + 1)
    G[P] = (n - np.arange(lo[P], hi[P] + 1)).astype(np.float64)
    for k in range(P - 1, -1, -1):
        G[k] = step(G[k + 1], lo[k + 1], k, np.arange(lo[k], hi[k] + 1), forward=False)
    through = [F[k] + G[k] for k in range(P + 1)]  # best total cost with boundary k at t
    best = float(through[P].min())
    if not np.isfinite(best) and (max_len < n or margin < n):
        return fit_staircase(labels, P, max_len=n, slack=slack, margin=n, _unbounded=True)
    # trace back the optimal boundaries (the latest optimal start, as before)
    starts = np.zeros(P + 1, dtype=np.int64)
    b = starts[P] = lo[P] + int(np.argmin(through[P]))
    for k in range(P - 1, -1, -1):
        a = np.arange(max(lo[k], b - seg_max[k]), min(hi[k], b) + 1)
        c = F[k][a - lo[k]] + seg_cost(k, a, np.full_like(a, b))
        target = F[k + 1][b - lo[k + 1]]
        b = int(a[np.flatnonzero(np.isclose(c, target) | (c <= target))[-1]])
        starts[k] = b
    low = np.zeros(P + 1, dtype=np.int64)
    high = np.zeros(P + 1, dtype=np.int64)
    for k in range(P + 1):
        near = np.flatnonzero(through[k] <= best + slack)
        if len(near) == 0:
            low[k] = high[k] = starts[k]
        else:
            low[k], high[k] = lo[k] + int(near.min()), lo[k] + int(near.max())
    return Staircase(starts=starts, low=low, high=high, cost=best)


def _bands(labels: np.ndarray, P: int, margin: int) -> tuple[np.ndarray, np.ndarray]:
    """For every boundary k, the positions ``lo[k]..hi[k]`` where it is searched.

    After a running median, ``up`` (the highest page predicted so far) and ``down`` (the
    lowest page predicted from here on) are non-decreasing; boundary k lies after ``up``
    first reaches k and before ``down`` does, give or take ``margin``.  The first and the
    last boundary may also be anywhere before / after their neighbour (a head or tail of
    markdown that no page prints)."""
    n = len(labels)
    if n == 0:
        return np.zeros(P + 1, dtype=np.int64), np.zeros(P + 1, dtype=np.int64)
    valid = np.flatnonzero(labels >= 0)
    if len(valid) == 0:
        lo = np.zeros(P + 1, dtype=np.int64)
        return lo, np.full(P + 1, n, dtype=np.int64)
    vals = labels[valid]
    w = min(SMOOTH, (len(vals) - 1) // 2)
    if w > 0:
        padded = np.pad(vals, w, mode="edge")
        vals = np.median(np.lib.stride_tricks.sliding_window_view(padded, 2 * w + 1), axis=1)
    smooth = np.full(n, -1.0)
    smooth[valid] = vals
    up = np.maximum.accumulate(smooth)
    down = np.minimum.accumulate(np.where(smooth >= 0, smooth, np.inf)[::-1])[::-1]
    ks = np.arange(P + 1)
    first_up = np.searchsorted(up, ks, side="left")  # first t with up[t] >= k
    first_down = np.searchsorted(down, ks, side="left")  # first t with down[t] >= k
    lo = np.clip(np.minimum(first_up, first_down) - margin, 0, n)
    hi = np.clip(np.maximum(first_up, first_down) + margin, 0, n)
    lo = np.minimum.accumulate(lo[::-1])[::-1]  # bands never cross
    hi = np.maximum.accumulate(hi)
    lo[0] = 0
    hi[P] = n
    if P > 0:
        hi[0] = max(hi[0], lo[1])
        lo[P] = min(lo[P], hi[P - 1])
    return lo.astype(np.int64), hi.astype(np.int64)
