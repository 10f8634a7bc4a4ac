"""Long documents (issue 14): the banded classifier and staircase give what the unbanded
ones give, and running heads are found per chapter, not per book."""
from __future__ import annotations

import numpy as np
import pytest

from nougat_align.split.classifier import predict_pages
from nougat_align.pdf.text import PdfLine, PdfPage, mark_furniture
from nougat_align.split.staircase import fit_staircase


def _noisy_staircase(pages: int, seed: int) -> tuple[np.ndarray, list[int]]:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(8, 30, size=pages)
    sizes[rng.integers(0, pages, size=3)] = 0  # float pages: no chunk
    labels = np.repeat(np.arange(pages), sizes)
    noise = rng.random(len(labels)) < 0.15
    labels[noise] = np.clip(labels[noise] + rng.integers(-2, 3, size=noise.sum()), -1, pages - 1)
    labels[rng.random(len(labels)) < 0.01] = rng.integers(0, pages)  # far-off mistakes
    return labels, np.concatenate([[0], np.cumsum(sizes)]).tolist()


@pytest.mark.parametrize("pages,seed", [(120, 3), (200, 5)])
def test_banded_staircase_finds_the_exact_optimum_of_a_long_document(pages, seed):
    labels, truth = _noisy_staircase(pages, seed)
    n = len(labels)
    banded = fit_staircase(labels, pages, max_len=80)
    exact = fit_staircase(labels, pages, max_len=n, margin=n)
    assert banded.cost == exact.cost
    assert banded.starts.tolist() == exact.starts.tolist()
    assert (banded.low <= banded.starts).all() and (banded.starts <= banded.high).all()
    assert np.median(np.abs(banded.starts - np.array(truth))) <= 1


def _pages_and_chunks(num_pages: int, skip: range = range(0)):
    """Every page prints its own words and a few common ones; the markdown holds them in
    order, in chunks of 12 words, except the pages in ``skip`` (a table of contents or a
    preface the markdown lacks)."""
    lines, owners, chunks, truth = [], [], [], []
    for p in range(num_pages):
        words = []
        for i in range(12):
            words += [f"w{p}x{i}{j}" for j in range(9)] + ["the", "of", "and"]
        for i in range(0, len(words), 8):
            lines.append(words[i:i + 8])
            owners.append(p)
        if p not in skip:
            chunks += [words[i:i + 12] for i in range(0, len(words), 12)]
            truth += [p] * 12
    return lines, owners, chunks, truth


def test_classifier_in_bands_follows_a_long_document_over_a_gap():
    lines, owners, chunks, truth = _pages_and_chunks(150, skip=range(5, 30))
    labels = predict_pages(lines, owners, chunks, 150)
    assert np.mean(labels == np.array(truth)) >= 0.98  # a few chunks of the block at the gap
    stair = fit_staircase(labels, 150, max_len=30)
    starts = [12 * k for k in range(5)] + [60] * 25 + [60 + 12 * i for i in range(121)]  # 5..29 empty
    assert stair.starts.tolist() == starts


def test_classifier_marks_chunks_without_known_words():
    lines, owners, chunks, _ = _pages_and_chunks(3)
    labels = predict_pages(lines, owners, chunks + [["unseen", "words"]], 3)
    assert labels[-1] == -1 and (labels[:-1] >= 0).all()


def test_running_heads_are_furniture_chapter_by_chapter():
    # 40 pages, four chapters of ten pages, each with its own running head
    pages = []
    for i in range(40):
        head = PdfLine(f"Chapter {i // 10 + 1}. Part {i // 10}", 100, 30, 400, 40, 10)
        body = PdfLine("Some running text in the middle of the page.", 100, 300, 400, 310, 10)
        pages.append(PdfPage(index=i, width=600, height=800, lines=(head, body)))
    marked = mark_furniture(pages)
    assert all(p.lines[0].role == "furniture" for p in marked)
    assert all(p.lines[1].role == "body" for p in marked)


def test_a_title_in_the_page_numbers_block_is_running_head():
    # a book's verso: "viii    Preface" is one MuPDF block (two lines sharing its x extent);
    # the title repeats on too few nearby pages to count as a running head by itself
    pages = []
    for i in range(12):
        lines = [PdfLine("Some running text in the middle of the page.", 100, 300, 400, 310, 10)]
        if i == 7:  # the block's two lines, and a line of another block at the same height
            lines = [PdfLine("viii", 86, 59, 482, 65, 6), PdfLine("Preface", 86, 65, 482, 71, 6),
                     PdfLine("Preface", 100, 59, 400, 71, 12)]
        pages.append(PdfPage(index=i, width=612, height=792, lines=tuple(lines)))
    roles = [ln.role for ln in mark_furniture(pages)[7].lines]
    assert roles == ["furniture", "furniture", "body"]
    # a section letter at the top ("C." then its title, one block) is no folio: the title stays
    pages[7] = PdfPage(index=7, width=612, height=792, lines=(
        PdfLine("C.", 83, 62, 171, 67.6, 5.4), PdfLine("Mean value", 83, 67.6, 171, 73.1, 5.4),
        PdfLine("Some running text in the middle of the page.", 100, 300, 400, 310, 10)))
    assert mark_furniture(pages)[7].lines[1].role == "body"


def test_a_short_document_gets_one_tfidf_linear_svm_over_all_pages():
    """Up to ONE_SVM pages: the classic design, scikit-learn's TF-IDF + LinearSVC trained
    on every line, chunk by chunk the same prediction."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    from nougat_align.split.classifier import ONE_SVM

    rng = np.random.default_rng(7)
    P = ONE_SVM
    pool = [f"v{i}" for i in range(20 * P + 40)]  # page p draws mostly from words 20p..20p+40: overlap
    lines, owners, chunks, truth = [], [], [], []
    for p in range(P):
        near = pool[20 * p:20 * p + 40]
        for _ in range(30):
            lines.append(list(rng.choice(near, size=8)) + list(rng.choice(pool, size=2)))
            owners.append(p)
        for _ in range(10):
            chunks.append(list(rng.choice(near, size=9)) + list(rng.choice(pool, size=3)))
            truth.append(p)
    ours = predict_pages(lines, owners, chunks, P)
    vec = TfidfVectorizer(analyzer=lambda words: words, sublinear_tf=True, dtype=np.float32)
    clf = LinearSVC(C=0.5, dual=True, tol=0.1, max_iter=1000, random_state=0)
    clf.fit(vec.fit_transform(lines), owners)
    classic = clf.predict(vec.transform(chunks))
    assert (ours == classic).mean() >= 0.99  # liblinear's float sums depend on column order
    assert (ours == np.array(truth)).mean() >= 0.8
