"""Which PDF page does a piece of markdown come from?  TF-IDF + linear SVM, per window.

The PDF's own lines are the training set (label = page index); the markdown chunks are
predicted.  Words are the normalized tokens of ``normalize`` (so ``\\alpha`` and ``α`` are
the same feature), unigrams, sublinear TF-IDF (scikit-learn's ``TfidfTransformer``); the
classifier is scikit-learn's ``LinearSVC`` (liblinear, squared hinge, one-vs-rest, trained
deterministically).  A document of up to ``ONE_SVM`` pages gets one SVM over all its
pages.  Noise is the staircase's job.

Longer documents: one SVM over all pages costs pages x lines to train (one-vs-rest: a
binary problem per page over every line), so the SVMs are trained per window of pages and
cost stays linear.  The chunks go in blocks of ``BLOCK``; a
block's rough place is the page it matches best by its specific words (printed on few pages:
an inverted index, so the work is bounded per word), median-smoothed over neighbouring
blocks.  Its chunks are then classified by an SVM trained only on the lines of the pages
around that place: windows of ``2 * BAND + 1`` pages plus half a grid step each side,
centred on a grid of step ``BAND``, so neighbouring blocks share one model (cached) and
every page is trained on in about three windows whatever the length.  A block whose
predictions pile up at the edge of its window (markdown the PDF does not print, or pages the
markdown lacks) is classified again with the band doubled, and its chunks that no page of the
window claims (every decision value negative) are also tried in the next block's window (a
block that straddles such a jump).  scikit-learn is imported on the first call only.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

BAND = 6  # pages each side of a block's rough place that its chunks are compared with
BLOCK = 32  # chunks placed together (about a page and a half)
SMOOTH = 2  # blocks each side in the running median of rough places
SPECIFIC_PAGES = 12  # words printed on more pages than this do not place blocks
# up to this many pages (60) one SVM over all pages costs no more to train than the windows
# (about P / BAND windows of 3 * BAND + 1 pages, each pages x lines)
ONE_SVM = (3 * BAND + 1) ** 2 // BAND


def predict_pages(train_lines: Sequence[list[str]], train_pages: Sequence[int],
                  chunks: Sequence[list[str]], num_pages: int) -> np.ndarray:
    """Predicted page (0-based) of every chunk, -1 when it shares no word with the pages its
    SVM was trained on.  ``train_lines`` are the PDF's body lines (normalized word lists) and
    ``train_pages`` their pages; ``chunks`` are markdown chunks (normalized word lists)."""
    from scipy.sparse import csr_matrix

    P = num_pages
    labels = np.full(len(chunks), -1, dtype=np.int64)
    vocab: dict[str, int] = {}
    line_ids = [np.fromiter((vocab.setdefault(w, len(vocab)) for w in words), dtype=np.int64,
                            count=len(words)) for words in train_lines]
    if not chunks or not vocab:
        return labels
    V = len(vocab)
    chunk_all = [np.fromiter((vocab.get(w, -1) for w in words), dtype=np.int64, count=len(words))
                 for words in chunks]
    chunk_all = [ids[ids >= 0] for ids in chunk_all]

    def counts(rows: list[np.ndarray]) -> csr_matrix:
        """Word counts, one row per word list."""
        r = np.repeat(np.arange(len(rows)), [len(ids) for ids in rows])
        c = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        m = csr_matrix((np.ones(len(c), dtype=np.float32), (r, c)), shape=(len(rows), V))
        m.sum_duplicates()
        return m

    # lines sorted by page: the lines of pages [p0, p1) are rows first[p0]:first[p1]
    line_page = np.asarray(train_pages, dtype=np.int64)
    order = np.argsort(line_page, kind="stable")
    line_page = line_page[order]
    line_counts = counts([line_ids[i] for i in order])
    first = np.searchsorted(line_page, np.arange(P + 1))
    chunk_counts = counts(chunk_all)


    models: dict[tuple[int, int], tuple | None] = {}

    def window(here: int, band: int) -> tuple[int, int]:
        """Pages of the SVM for a block placed at ``here``: snapped to a grid of step
        ``band`` (shared by neighbouring blocks), ``band`` + half a step each side."""
        if P <= max(ONE_SVM, 2 * band + 1):
            return 0, P
        centre = int(round(here / band)) * band
        half = band + (band + 1) // 2
        return max(0, centre - half), min(P, centre + half + 1)

    def model(p0: int, p1: int):
        """TF-IDF + LinearSVC on the lines of pages [p0, p1), cached."""
        if (p0, p1) not in models:
            from sklearn.feature_extraction.text import TfidfTransformer
            from sklearn.svm import LinearSVC

            X, y = line_counts[first[p0]:first[p1]], line_page[first[p0]:first[p1]]
            if X.shape[0] == 0:
                models[p0, p1] = None
            else:
                cols = np.unique(X.indices)
                tfidf = TfidfTransformer(sublinear_tf=True)
                X = tfidf.fit_transform(_columns(X, cols))
                classes = np.unique(y)
                clf = None
                if len(classes) > 1:
                    # a loose tolerance: the same predictions as 1e-4 on real papers, in 60% of the time
                    clf = LinearSVC(C=0.5, dual=True, tol=0.1, max_iter=1000, random_state=0).fit(X, y)
                models[p0, p1] = (cols, tfidf, clf, classes)
        return models[p0, p1]

    def score(members: np.ndarray, p0: int, p1: int) -> tuple[np.ndarray, np.ndarray]:
        """Predicted page of each chunk in ``members`` by the SVM of pages [p0, p1), and its
        decision value (-inf: no word of the chunk is on those pages)."""
        value = np.full(len(members), -np.inf)
        best = np.full(len(members), -1, dtype=np.int64)
        m = model(p0, p1)
        if m is None:
            return best, value
        cols, tfidf, clf, classes = m
        C = _columns(chunk_counts[members], cols)
        known = np.diff(C.indptr) > 0
        if clf is None:
            best[known], value[known] = classes[0], 1.0
            return best, value
        decision = clf.decision_function(tfidf.transform(C))
        if decision.ndim == 1:  # two classes: one column, positive = the second class
            decision = np.stack([-decision, decision], axis=1)
        top = decision.argmax(axis=1)
        best[known] = clf.classes_[top[known]]
        value[known] = decision[known, top[known]]
        return best, value

    if P <= ONE_SVM:
        return score(np.arange(len(chunks)), 0, P)[0]
    blocks = [np.arange(s, min(s + BLOCK, len(chunks))) for s in range(0, len(chunks), BLOCK)]
    pages_of_lines = csr_matrix((np.ones(len(line_page), dtype=np.float32),
                                 (line_page, np.arange(len(line_page)))), shape=(P, len(line_page)))
    places = _rough_places(blocks, pages_of_lines @ line_counts, chunk_counts)
    # first pass: every window's blocks classified together (one call per model)
    by_window: dict[tuple[int, int], list[np.ndarray]] = {}
    for members, here in zip(blocks, places):
        by_window.setdefault(window(int(here), BAND), []).append(members)
    first_best = np.full(len(chunks), -1, dtype=np.int64)
    first_value = np.full(len(chunks), -np.inf)
    for (p0, p1), group in by_window.items():
        members = np.concatenate(group)
        first_best[members], first_value[members] = score(members, p0, p1)
    for b, (members, here) in enumerate(zip(blocks, places)):
        band = BAND
        while True:
            p0, p1 = window(int(here), band)
            best, value = ((first_best[members], first_value[members]) if band == BAND
                           else score(members, p0, p1))
            found = best[best >= 0]
            if p0 == 0 and p1 == P:
                break
            if len(found):
                middle = int(np.median(found))
                if (p0 == 0 or middle > p0 + 1) and (p1 == P or middle < p1 - 2):
                    break
            band *= 2
        # a block that straddles a jump (pages the markdown lacks): its chunks that no page
        # of the window claims are tried in the window of the next block's place
        weak = value < 0
        if weak.any() and b + 1 < len(blocks) and not (p0 == 0 and p1 == P):
            q0, q1 = window(int(places[b + 1]), BAND)
            if (q0, q1) != (p0, p1):
                best2, value2 = score(members[weak], q0, q1)
                better = value2 > value[weak]
                best[np.flatnonzero(weak)[better]] = best2[better]
        labels[members] = best
    return labels


def _columns(m, cols: np.ndarray):
    """The columns ``cols`` (sorted word ids) of a CSR matrix, renumbered 0..len(cols)-1."""
    from scipy.sparse import csr_matrix

    pos = np.minimum(np.searchsorted(cols, m.indices), max(len(cols) - 1, 0))
    keep = cols[pos] == m.indices if len(cols) else np.zeros(len(m.indices), dtype=bool)
    indptr = np.concatenate([[0], np.cumsum(keep)])[m.indptr]
    return csr_matrix((m.data[keep], pos[keep], indptr), shape=(m.shape[0], len(cols)))


def _rough_places(blocks: list[np.ndarray], page_counts, chunk_counts) -> np.ndarray:
    """The page each block of chunks matches best among all pages (rows of the word counts
    ``page_counts``; chunks: rows of ``chunk_counts``), compared as unit-length sublinear
    TF-IDF vectors by their words printed on
    at most ``SPECIFIC_PAGES`` pages (and a quarter of them), through an inverted index:
    the work is at most ``SPECIFIC_PAGES`` postings per word of the markdown, whatever the
    length (common words weigh little anyway).  Median-smoothed over ``SMOOTH`` blocks each
    side; blocks matching nothing take their neighbours' place."""
    P, V = page_counts.shape
    page_counts.sum_duplicates()
    page_ids = np.split(page_counts.indices, page_counts.indptr[1:-1])
    df = np.bincount(page_counts.indices, minlength=V)
    idf = np.log((1 + P) / (1 + df)) + 1
    page_w = [w / max(np.linalg.norm(w), 1e-12) for w in
              np.split((1 + np.log(page_counts.data)) * idf[page_counts.indices], page_counts.indptr[1:-1])]
    chunk_ids = np.split(chunk_counts.indices, chunk_counts.indptr[1:-1])
    chunk_w = np.split((1 + np.log(chunk_counts.data)) * idf[chunk_counts.indices], chunk_counts.indptr[1:-1])
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
