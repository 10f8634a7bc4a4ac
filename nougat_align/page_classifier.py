"""Which PDF page does a piece of markdown come from?  TF-IDF nearest page, in a band.

Every PDF page is a TF-IDF vector of its body words (sublinear term frequency, smoothed
inverse page frequency, unit length); a markdown chunk goes to the page whose vector it
has the largest dot product with.  Words are the normalized tokens of ``normalize`` (so
``\\alpha`` and ``α`` are the same feature).  Noise is the staircase's job.

Cost is linear in the document.  Short documents compare every chunk with every page.  In
long ones a chunk is first placed roughly by its rare words (words printed on at most
``RARE_PAGES`` pages: one pass over an inverted index), the rough places are smoothed by a
running median, and then the chunk is compared only with the pages within ``BAND`` of its
rough place.  (A one-vs-rest linear SVM over all pages, as before, costs pages x lines to
train, and scikit-learn's import alone held 150 MB, half the memory of a run.)
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

BAND = 8  # pages each side of a chunk's rough place that it is compared with
STEP = 8  # chunks whose rough places fall in one run of STEP pages are scored together
RARE_PAGES = 2
SMOOTH = 7  # chunks each side in the running median of rough places


def predict_pages(train_lines: Sequence[list[str]], train_pages: Sequence[int],
                  chunks: Sequence[list[str]], num_pages: int) -> np.ndarray:
    """Predicted page (0-based) of every chunk, -1 when it shares no word with any page.
    ``train_lines`` are the PDF's body lines (normalized word lists) and ``train_pages``
    their pages; ``chunks`` are markdown chunks (normalized word lists)."""
    P = num_pages
    labels = np.full(len(chunks), -1, dtype=np.int64)
    vocab: dict[str, int] = {}
    page_words: list[list[int]] = [[] for _ in range(P)]
    for words, page in zip(train_lines, train_pages):
        page_words[page].extend(vocab.setdefault(w, len(vocab)) for w in words)
    if not chunks or not vocab:
        return labels
    V = len(vocab)
    # pages: unique word ids, counts -> unit-length sublinear TF-IDF
    page_ids, page_tf = [], []
    for ids in page_words:
        u, c = np.unique(np.asarray(ids, dtype=np.int64), return_counts=True)
        page_ids.append(u)
        page_tf.append(c)
    df = np.bincount(np.concatenate(page_ids), minlength=V)
    idf = np.log((1 + P) / (1 + df)) + 1
    page_w = []
    for u, c in zip(page_ids, page_tf):
        w = (1 + np.log(c)) * idf[u]
        page_w.append(w / max(np.linalg.norm(w), 1e-12))
    # chunks: known word ids and sublinear TF-IDF weights
    chunk_ids, chunk_w = [], []
    for words in chunks:
        ids = np.fromiter((vocab.get(w, -1) for w in words), dtype=np.int64, count=len(words))
        u, c = np.unique(ids[ids >= 0], return_counts=True)
        chunk_ids.append(u)
        chunk_w.append((1 + np.log(c)) * idf[u])

    if P <= 2 * BAND + STEP:
        groups = [(np.arange(len(chunks)), 0, P)]
    else:
        rough = _rough_places(chunk_ids, chunk_w, page_ids, page_w, df, P)
        groups = []
        for s in range(0, P, STEP):
            members = np.flatnonzero((rough >= s) & (rough < s + STEP))
            if len(members):
                groups.append((members, max(0, s - BAND), min(P, s + STEP + BAND)))
    local = np.full(V, -1, dtype=np.int64)
    for members, p0, p1 in groups:
        vocab_here = np.unique(np.concatenate(page_ids[p0:p1]))
        local[vocab_here] = np.arange(len(vocab_here))
        pages_m = np.zeros((p1 - p0, len(vocab_here)), dtype=np.float32)
        for k in range(p0, p1):
            pages_m[k - p0, local[page_ids[k]]] = page_w[k]
        chunks_m = np.zeros((len(members), len(vocab_here)), dtype=np.float32)
        for row, c in enumerate(members):
            cols = local[chunk_ids[c]]
            keep = cols >= 0
            chunks_m[row, cols[keep]] = chunk_w[c][keep]
        scores = chunks_m @ pages_m.T
        best = scores.argmax(axis=1)
        labels[members] = np.where(scores[np.arange(len(members)), best] > 0, best + p0, -1)
        local[vocab_here] = -1
    return labels


def _rough_places(chunk_ids: list[np.ndarray], chunk_w: list[np.ndarray], page_ids: list[np.ndarray],
                  page_w: list[np.ndarray], df: np.ndarray, P: int) -> np.ndarray:
    """Every chunk's rough page from its rare words, smoothed; chunks without any rare word
    take the place of their neighbours (or their share of the document, if none has)."""
    n = len(chunk_ids)
    rare = df <= RARE_PAGES
    # inverted index of rare words: word -> (page, weight) pairs, sorted by word
    pw_word = np.concatenate(page_ids)
    pw_page = np.repeat(np.arange(P), [len(u) for u in page_ids])
    pw_weight = np.concatenate(page_w)
    keep = rare[pw_word]
    pw_word, pw_page, pw_weight = pw_word[keep], pw_page[keep], pw_weight[keep]
    order = np.argsort(pw_word, kind="stable")
    pw_word, pw_page, pw_weight = pw_word[order], pw_page[order], pw_weight[order]
    # (chunk, rare word) pairs joined with the index
    cw_chunk = np.repeat(np.arange(n), [len(u) for u in chunk_ids])
    cw_word = np.concatenate(chunk_ids) if n else np.zeros(0, dtype=np.int64)
    cw_weight = np.concatenate(chunk_w) if n else np.zeros(0)
    keep = rare[cw_word]
    cw_chunk, cw_word, cw_weight = cw_chunk[keep], cw_word[keep], cw_weight[keep]
    first = np.searchsorted(pw_word, cw_word, side="left")
    count = np.searchsorted(pw_word, cw_word, side="right") - first
    pair = np.repeat(np.arange(len(cw_word)), count)
    idx = np.repeat(first - np.cumsum(np.concatenate([[0], count[:-1]])), count) + np.arange(len(pair))
    key = cw_chunk[pair] * P + pw_page[idx]
    votes = cw_weight[pair] * pw_weight[idx]
    keys, inv = np.unique(key, return_inverse=True)
    total = np.bincount(inv, weights=votes)
    # best page per chunk: sort by (chunk, -total), keep the first row of each chunk
    chunk_of = keys // P
    order = np.lexsort((-total, chunk_of))
    first_row = order[np.r_[True, chunk_of[order][1:] != chunk_of[order][:-1]]] if len(order) else order
    voted = chunk_of[first_row]
    place = (keys % P)[first_row].astype(np.float64)
    if len(voted) == 0:
        return np.floor(np.arange(n) * P / max(n, 1)).astype(np.int64)
    w = min(SMOOTH, (len(place) - 1) // 2)
    if w > 0:
        padded = np.pad(place, w, mode="edge")
        place = np.median(np.lib.stride_tricks.sliding_window_view(padded, 2 * w + 1), axis=1)
    return np.rint(np.interp(np.arange(n), voted, place)).astype(np.int64)
