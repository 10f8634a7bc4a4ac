"""Which PDF page does a piece of markdown come from? TF-IDF + linear SVM.

The PDF's own lines are the training set (label = page index); the markdown chunks are
predicted.  Words are the normalized tokens of ``normalize`` (so ``\\alpha`` and ``α``
are the same feature), unigrams, sublinear TF-IDF; the classifier is a
linear SVM (liblinear, squared hinge: it converges in a few passes where plain hinge
needs thousands), one-vs-rest, trained deterministically.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC


def _words(words: list[str]) -> list[str]:
    """The analyzer: inputs are already normalized word lists."""
    return words


def predict_pages(train_lines: Sequence[list[str]], train_pages: Sequence[int],
                  chunks: Sequence[list[str]], num_pages: int) -> np.ndarray:
    """Scores ``(len(chunks), num_pages)``: the SVM's decision value of every chunk for every
    page; pages without training lines get ``-inf``.  Inputs are lists of normalized words.

    Unigrams only: bigrams change under 1% of the predictions on real papers (the staircase
    and the trim absorb those) and double the cost.
    """
    scores = np.full((len(chunks), num_pages), -np.inf)
    labels = sorted(set(train_pages))
    if not chunks or not labels:
        return scores
    if len(labels) == 1:
        scores[:, labels[0]] = 1.0
        return scores
    vectorizer = TfidfVectorizer(analyzer=_words, sublinear_tf=True, dtype=np.float32)
    X = vectorizer.fit_transform(train_lines)
    # a loose tolerance: the same predictions as 1e-4 on real papers, in 60% of the time
    clf = LinearSVC(C=0.5, dual=True, tol=0.1, max_iter=1000, random_state=0)
    clf.fit(X, np.asarray(train_pages))
    decision = clf.decision_function(vectorizer.transform(chunks))
    if decision.ndim == 1:  # two classes: one column, positive = the second class
        decision = np.stack([-decision, decision], axis=1)
    scores[:, clf.classes_] = decision
    return scores
