"""Fit a staircase (non-decreasing chunk -> page step function) to noisy page predictions.

Nougat scans page by page and greedily picks each boundary minimizing a Gini-impurity
criterion.  Here the same impurity is minimized for *all* boundaries at once by dynamic
programming, which cannot get stuck behind an early mistake:

    cost(page k gets chunks [a, b)) = (b - a) * (1 - p_k^2),   p_k = share of them predicted k

Chunks before the first page and after the last one may stay unassigned (markdown the PDF
does not print) at cost 1 per chunk.  A forward and a backward pass give, for every
boundary, the interval of positions whose best total cost is within ``slack`` of the
optimum: the boundary's uncertainty, which bounds where the fuzzy trim searches.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Staircase:
    starts: np.ndarray  # (num_pages + 1,) chunk index where each page starts; last = end
    low: np.ndarray  # (num_pages + 1,) earliest near-optimal position of each boundary
    high: np.ndarray  # (num_pages + 1,) latest near-optimal position
    cost: float


def fit_staircase(labels: np.ndarray, num_pages: int, max_len: int | None = None,
                  slack: float = 1.0) -> Staircase:
    """``labels``: predicted page (0-based) of every chunk, -1 for none.

    Boundary ``k`` (0..num_pages) is where page ``k`` starts (``k == num_pages``: where
    the last page ends).  Segments are at most ``max_len`` chunks long.
    """
    labels = np.asarray(labels, dtype=np.int64)
    n = len(labels)
    P = num_pages
    if max_len is None:
        max_len = n
    max_len = max(1, min(n, max_len))
    inf = np.inf
    pos = np.arange(n + 1)
    # counts[k][b] = number of chunks among the first b predicted as page k
    onehot = np.zeros((P, n), dtype=np.float64)
    valid = (labels >= 0) & (labels < P)
    onehot[labels[valid], np.nonzero(valid)[0]] = 1.0
    counts = np.concatenate([np.zeros((P, 1)), np.cumsum(onehot, axis=1)], axis=1)

    def seg_cost(k: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        length = (b - a).astype(np.float64)
        hit = counts[k, b] - counts[k, a]
        with np.errstate(divide="ignore", invalid="ignore"):
            c = length - np.where(length > 0, hit * hit / np.maximum(length, 1), 0.0)
        return c

    lengths = np.arange(0, max_len + 1)
    # forward: F[k][b] = best cost with pages < k covering chunks [0, b) (head unassigned)
    F = np.full((P + 1, n + 1), inf)
    F[0] = pos.astype(np.float64)  # head: b unassigned chunks
    for k in range(P):
        b = pos[None, :]
        a = b - lengths[:, None]  # (L+1, n+1)
        ok = a >= 0
        a_c = np.where(ok, a, 0)
        cand = np.where(ok, F[k][a_c] + seg_cost(k, a_c, np.broadcast_to(b, a_c.shape)), inf)
        F[k + 1] = cand.min(axis=0)
    tail = (n - pos).astype(np.float64)
    total = F[P] + tail
    end = int(np.argmin(total))
    best = float(total[end])
    # backward: G[k][a] = best cost with pages >= k covering chunks [a, n) (tail unassigned)
    G = np.full((P + 1, n + 1), inf)
    G[P] = tail
    for k in range(P - 1, -1, -1):
        a = pos[None, :]
        b = a + lengths[:, None]
        ok = b <= n
        b_c = np.where(ok, b, n)
        cand = np.where(ok, G[k + 1][b_c] + seg_cost(k, np.broadcast_to(a, b_c.shape), b_c), inf)
        G[k] = cand.min(axis=0)
    # trace back the optimal boundaries
    starts = np.zeros(P + 1, dtype=np.int64)
    starts[P] = end
    b = end
    for k in range(P - 1, -1, -1):
        a = np.arange(max(0, b - max_len), b + 1)
        c = F[k][a] + seg_cost(k, a, np.full_like(a, b))
        i = int(np.flatnonzero(np.isclose(c, F[k + 1][b]) | (c <= F[k + 1][b]))[-1])
        b = int(a[i])
        starts[k] = b
    through = F + G  # best total cost with boundary k at position t
    low = np.zeros(P + 1, dtype=np.int64)
    high = np.zeros(P + 1, dtype=np.int64)
    for k in range(P + 1):
        near = np.flatnonzero(through[k] <= best + slack)
        if len(near) == 0:
            low[k] = high[k] = starts[k]
        else:
            low[k], high[k] = int(near.min()), int(near.max())
    return Staircase(starts=starts, low=low, high=high, cost=best)
