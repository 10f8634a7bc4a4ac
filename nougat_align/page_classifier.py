"""Which PDF page does a piece of markdown come from?  TF-IDF nearest page, in a band.

Every PDF page is a TF-IDF vector of its body words (sublinear term frequency, smoothed
inverse page frequency, unit length); a markdown chunk goes to the page whose vector it
has the largest dot product with.  Words are the normalized tokens of ``normalize`` (so
``\\alpha`` and ``α`` are the same feature).  Noise is the staircase's job.

Cost is linear in the document.  The chunks go in blocks of ``BLOCK``; a block's rough place
is the page it matches best by its specific words (printed on few pages: an inverted index,
so the work is bounded per word), median-smoothed over neighbouring blocks.  Its chunks are
then compared only with the pages within ``BAND`` of that place.  A block whose predictions
pile up at the edge of the band (markdown the PDF does not print, or pages the markdown
lacks) is scored again with the band doubled, and its chunks that match weakly are also
tried around the next block's place (a block that straddles such a jump).  Documents of up
to ``2 * BAND + 1`` pages compare every chunk with every page.  (A one-vs-rest linear SVM
over all pages, as before, cost pages x lines to train, and scikit-learn's import alone
held 150 MB, half the memory of a run.)
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

BAND = 6  # pages each side of a block's rough place that its chunks are compared with
BLOCK = 32  # chunks placed together (about a page and a half)
SMOOTH = 2  # blocks each side in the running median of rough places
SPECIFIC_PAGES = 12  # words printed on more pages than this do not place blocks


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

    local = np.full(V, -1, dtype=np.int64)

    def score(members: np.ndarray, p0: int, p1: int) -> tuple[np.ndarray, np.ndarray]:
        """Best page in [p0, p1) of each chunk in ``members``, and its score."""
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
        local[vocab_here] = -1
        scores = chunks_m @ pages_m.T
        best = scores.argmax(axis=1)
        return best + p0, scores[np.arange(len(members)), best]

    # each block of chunks is compared with the pages around its rough place; a block
    # whose predictions pile up at the edge of that band is scored again with the band
    # doubled (text the other side does not print)
    blocks = [np.arange(s, min(s + BLOCK, len(chunks))) for s in range(0, len(chunks), BLOCK)]
    places = (_rough_places(blocks, chunk_ids, chunk_w, page_ids, page_w, df, P)
              if P > 2 * BAND + 1 else np.full(len(blocks), P // 2))
    for b, (members, here) in enumerate(zip(blocks, places)):
        band = BAND
        while True:
            p0, p1 = max(0, here - band), min(P, here + band + 1)
            best, value = score(members, p0, p1)
            found = best[value > 0]
            if p0 == 0 and p1 == P:
                break
            if len(found):
                middle = int(np.median(found))
                if (p0 == 0 or middle > p0 + 1) and (p1 == P or middle < p1 - 2):
                    break
            band *= 2
        # a block that straddles a jump (pages the markdown lacks): its chunks that match
        # weakly here are tried around the next block's place
        weak = value < 0.5 * np.median(value)
        if weak.any() and b + 1 < len(blocks) and not (p0 == 0 and p1 == P):
            nxt = places[b + 1]
            best2, value2 = score(members[weak], max(0, nxt - BAND), min(P, nxt + BAND + 1))
            better = value2 > value[weak]
            best[np.flatnonzero(weak)[better]] = best2[better]
            value[np.flatnonzero(weak)[better]] = value2[better]
        labels[members] = np.where(value > 0, best, -1)
    return labels


def _rough_places(blocks: list[np.ndarray], chunk_ids: list[np.ndarray], chunk_w: list[np.ndarray],
                  page_ids: list[np.ndarray], page_w: list[np.ndarray], df: np.ndarray,
                  P: int) -> np.ndarray:
    """The page each block of chunks matches best among all pages, by its words printed on
    at most ``SPECIFIC_PAGES`` pages (and a quarter of them), through an inverted index:
    the work is at most ``SPECIFIC_PAGES`` postings per word of the markdown, whatever the
    length (common words weigh little anyway).  Median-smoothed over ``SMOOTH`` blocks each
    side; blocks matching nothing take their neighbours' place."""
    specific = df <= max(2, min(P // 4, SPECIFIC_PAGES))
    # postings of the specific words: (word, page, weight) sorted by word
    post_word = np.concatenate(page_ids)
    post_page = np.repeat(np.arange(P), [len(u) for u in page_ids])
    post_weight = np.concatenate(page_w)
    keep = specific[post_word]
    order = np.argsort(post_word[keep], kind="stable")
    post_word, post_page, post_weight = post_word[keep][order], post_page[keep][order], post_weight[keep][order]
    # (block, word, weight) of the specific words of every chunk
    block_of = np.concatenate([np.full(sum(len(chunk_ids[c]) for c in m), b) for b, m in enumerate(blocks)])
    word = np.concatenate(chunk_ids)
    weight = np.concatenate(chunk_w)
    keep = specific[word]
    key, inv = np.unique(block_of[keep] * len(df) + word[keep], return_inverse=True)
    weight = np.bincount(inv, weights=weight[keep])  # one entry per (block, word)
    block_of, word = key // len(df), key % len(df)
    first = np.searchsorted(post_word, word, side="left")
    count = np.searchsorted(post_word, word, side="right") - first
    pair = np.repeat(np.arange(len(word)), count)
    offset = np.arange(len(pair)) - np.repeat(np.cumsum(count) - count, count)
    at = np.repeat(first, count) + offset
    votes = np.bincount(block_of[pair] * P + post_page[at], weights=weight[pair] * post_weight[at],
                        minlength=len(blocks) * P).reshape(len(blocks), P)
    matched = np.flatnonzero(votes.max(axis=1) > 0)
    if len(matched) == 0:
        return (np.arange(len(blocks)) * P) // max(1, len(blocks))
    place = votes[matched].argmax(axis=1).astype(np.float64)
    w = min(SMOOTH, (len(place) - 1) // 2)
    if w > 0:
        padded = np.pad(place, w, mode="edge")
        place = np.median(np.lib.stride_tricks.sliding_window_view(padded, 2 * w + 1), axis=1)
    return np.rint(np.interp(np.arange(len(blocks)), matched, place)).astype(np.int64)
