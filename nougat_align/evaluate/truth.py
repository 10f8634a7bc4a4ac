"""Truth mode of ``nougat-align eval``: page splits scored against exact ground truth.

:func:`score_paper` and :func:`evaluate_truth` compare a split with a synthetic paper's
``truth.json`` (written by ``benchmarks/synth.py``, schema in ``benchmarks/README.md``):
the known sequence of body words and, for every PDF page, the index of the first body word
printed on it.  The body words of all predicted pages (defined in ``words.py``) are
concatenated in page order and aligned in order to the truth sequence
(:class:`difflib.SequenceMatcher`), so every matched truth word gets the page it was
written to.  Runs of at least :data:`MIN_DUPLICATE_RUN` predicted words left unmatched are
aligned again on their own, so text a split repeats on two pages counts as output on
both.  From these (truth word, predicted page) pairs:

* ``word_page_accuracy`` -- share of truth body words found on their true page.  A word on
  a dropped page, or missing from the output, counts as wrong.
* ``precision`` -- of the body words that were output (aligned pairs), the share written
  to their true page.  Dropped pages do not count against it.
* ``pages_kept`` -- predicted pages present among the paper's pages (``pages_kept_rate``
  divides by ``num_pages``).
* ``page_exact_rate`` -- of the kept pages, the share holding exactly their true page's
  body words: nothing from another page and nothing of theirs elsewhere (start and end
  boundary exact).  Truth words that did not align at all are ignored here.
* boundary error -- for every page p >= 2 whose predecessor p-1 is also kept: the
  predicted start of page p is the cut b in the truth sequence that best separates the
  words written to pages < p from those written to pages >= p (fewest words on the wrong
  side; among equally good cuts, the one closest to the true start).  The error is
  ``|b - true start|`` in words.  Reported as median, 90th percentile (linear
  interpolation) and mean over the measured boundaries.
* ``headings_right`` -- truth section headings found whole (a ``#`` line ending with the
  title's words) on the page that prints their title, and on no other page;
  ``heading_at_end`` -- kept pages whose running text ends with a heading;
  ``unprinted_pages`` -- kept pages holding half or more of the word trigrams of a text
  the truth lists as ``unprinted`` (in the HTML, printed on no page).
* ``float_placement_accuracy`` -- share of truth captions (matched by kind and number, e.g.
  a ``Figure 3: ...`` or ``Table 2: ...`` line) found on their true page and on no other
  page.  ``footnote_placement_accuracy`` does the same for ``Footnote N: ...`` lines.
"""
from __future__ import annotations

import difflib
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Optional

import numpy as np

from nougat_align.errors import InputError
from nougat_align.evaluate.words import (
    HEADING_LINE, PAGE_FILE, ends_in_heading, load_truth, normalize_words, parse_page, ratio,
    read_pred_pages)

#: Unmatched predicted runs at least this long are aligned again (text repeated on pages).
MIN_DUPLICATE_RUN = 8


# --------------------------------------------------------------------------- alignment

def align_words(a: list[str], b: list[str], max_gap_cells: int = 4_000_000
                ) -> list[tuple[int, int, int]]:
    """In-order alignment of two word sequences: matching blocks ``(i, j, n)`` meaning
    ``a[i:i+n] == b[j:j+n]``, increasing in both ``i`` and ``j``.

    A fast pass (:class:`difflib.SequenceMatcher` with its "popular word" heuristic) finds
    the long runs; the gaps between them are then aligned exhaustively (when the gap is
    at most ``max_gap_cells`` words x words), which recovers frequent words such as
    "the" that sit alone between two inserted tokens (a footnote mark, a page number).
    """
    blocks = difflib.SequenceMatcher(None, a, b, autojunk=True).get_matching_blocks()
    out: list[tuple[int, int, int]] = []
    pa = pb = 0
    for i, j, n in blocks:  # the last block is the sentinel (len(a), len(b), 0)
        if i > pa and j > pb and (i - pa) * (j - pb) <= max_gap_cells:
            gap = difflib.SequenceMatcher(None, a[pa:i], b[pb:j], autojunk=False)
            out.extend((pa + x, pb + y, m) for x, y, m in gap.get_matching_blocks() if m)
        if n:
            out.append((i, j, n))
        pa, pb = i + n, j + n
    return out


def align_pages(truth_words: list[str], page_words: dict[int, list[str]]
                ) -> list[tuple[int, int]]:
    """(truth word index, predicted page) for every predicted body word that aligns.

    The predicted pages are concatenated in page order and aligned in order to the truth
    sequence (:func:`align_words`); afterwards every run of >= :data:`MIN_DUPLICATE_RUN` predicted words that
    stayed unmatched is aligned on its own (blocks of that length only), so repeated text
    yields a second pair for the same truth word.
    """
    seq: list[str] = []
    labels: list[int] = []
    for page in sorted(page_words):
        seq.extend(page_words[page])
        labels.extend([page] * len(page_words[page]))
    used = bytearray(len(seq))
    pairs: list[tuple[int, int]] = []
    for a, b, n in align_words(truth_words, seq):
        for k in range(n):
            pairs.append((a + k, labels[b + k]))
            used[b + k] = 1
    # unmatched runs within one page
    j = 0
    while j < len(seq):
        if used[j]:
            j += 1
            continue
        k = j
        while k < len(seq) and not used[k] and labels[k] == labels[j]:
            k += 1
        if k - j >= MIN_DUPLICATE_RUN:
            pairs.extend(_realign_run(truth_words, seq[j:k], labels[j]))
        j = k
    return pairs


def _realign_run(truth_words: list[str], run: list[str], page: int) -> list[tuple[int, int]]:
    matcher = difflib.SequenceMatcher(None, truth_words, run, autojunk=False)
    out = []
    for a, _b, n in matcher.get_matching_blocks():
        if n >= MIN_DUPLICATE_RUN:
            out.extend((a + k, page) for k in range(n))
    return out


# --------------------------------------------------------------------------- truth mode

def _percentile(values: list[int], q: float) -> Optional[float]:
    return float(np.percentile(values, q)) if values else None


def score_paper(truth: dict[str, Any], pages: dict[int, str]) -> dict[str, Any]:
    """Score one paper's predicted pages (``{page: markdown}``, 1-based) against its truth.

    See the module docstring for the metric definitions.  Returns the paper-level
    metrics, the raw counts they are made of (so papers can be pooled), and a ``pages``
    list with one entry per truth page.
    """
    words: list[str] = truth["words"]
    n_words = len(words)
    n_pages = int(truth["num_pages"])
    bounds = list(truth["page_starts"]) + [n_words]
    true_page = np.zeros(n_words, dtype=np.int64)
    for p in range(1, n_pages + 1):
        true_page[bounds[p - 1]:bounds[p]] = p

    parsed = {p: parse_page(md) for p, md in pages.items()}
    body = {p: normalize_words(v["body"]) for p, v in parsed.items()}
    pairs = align_pages(words, body)
    idx = np.array([i for i, _ in pairs], dtype=np.int64)
    pg = np.array([q for _, q in pairs], dtype=np.int64)
    right = pg == true_page[idx] if len(pairs) else np.zeros(0, dtype=bool)
    correct_words = np.zeros(n_words, dtype=bool)
    correct_words[idx[right]] = True
    matched = np.zeros(n_words, dtype=bool)
    matched[idx] = True

    kept = sorted(p for p in pages if 1 <= p <= n_pages)
    extra = sorted(p for p in pages if not 1 <= p <= n_pages)

    # boundaries
    errors: dict[int, int] = {}
    predicted_starts: dict[int, int] = {}
    for p in range(2, n_pages + 1):
        if p - 1 not in pages or p not in pages:
            continue
        after = np.bincount(idx[pg >= p], minlength=n_words)
        before = np.bincount(idx[pg < p], minlength=n_words)
        cum_after = np.concatenate([[0], np.cumsum(after)])
        cum_before = np.concatenate([[0], np.cumsum(before)])
        wrong_side = cum_after + (cum_before[-1] - cum_before)
        cands = np.flatnonzero(wrong_side == wrong_side.min())
        cut = int(cands[np.argmin(np.abs(cands - bounds[p - 1]))])
        predicted_starts[p] = cut
        errors[p] = abs(cut - bounds[p - 1])

    # per page
    page_rows = []
    exact = 0
    for p in range(1, n_pages + 1):
        lo, hi = bounds[p - 1], bounds[p]
        on_page = idx[pg == p]
        inside = (on_page >= lo) & (on_page < hi)
        truth_here = set(np.flatnonzero(matched[lo:hi]) + lo)
        present = p in pages
        is_exact = (present and bool(inside.all())
                    and truth_here <= set(on_page.tolist())
                    and (hi == lo or len(on_page) > 0))
        exact += bool(is_exact)
        page_rows.append({
            "page": p, "present": present, "true_start": lo, "true_words": hi - lo,
            "predicted_start": 0 if p == 1 and present else predicted_starts.get(p),
            "boundary_error": errors.get(p),
            "words_output": int(len(on_page)), "words_right": int(inside.sum()),
            "exact": bool(is_exact),
        })

    # floats and footnotes
    found_caps: dict[tuple[str, int], set[int]] = {}
    found_notes: dict[int, set[int]] = {}
    for p, v in parsed.items():
        for key in v["captions"]:
            found_caps.setdefault(key, set()).add(p)
        for mark in v["footnotes"]:
            found_notes.setdefault(mark, set()).add(p)
    caps = truth.get("captions", [])
    caps_right = sum(1 for c in caps
                     if found_caps.get((c["kind"].capitalize(), int(c["number"]))) == {c["page"]})
    notes = truth.get("footnotes", [])
    notes_right = sum(1 for f in notes if found_notes.get(int(f["mark"])) == {f["page"]})

    heads = _heading_pages(pages)
    sections = truth.get("sections", [])
    heads_right = sum(1 for s in sections
                      if heads.get(tuple(normalize_words(s["title"]))) == {_page_of_word(bounds, s["word_index"])})
    unprinted = [_trigrams(normalize_words(t)) for t in truth.get("unprinted", [])]
    page_grams = {p: _trigrams(normalize_words(md)) for p, md in pages.items()}
    unprinted_pages = sum(1 for g in page_grams.values()
                          if any(u and len(u & g) >= 0.5 * len(u) for u in unprinted))
    err_values = list(errors.values())
    return {
        "paper_id": truth.get("paper_id"),
        "num_pages": n_pages,
        "pages_kept": len(kept),
        "pages_kept_rate": ratio(len(kept), n_pages),
        "extra_pages": extra,
        "num_words": n_words,
        "words_correct": int(correct_words.sum()),
        "words_output": int(len(pairs)),
        "words_output_right": int(right.sum()),
        "word_page_accuracy": ratio(int(correct_words.sum()), n_words),
        "precision": ratio(int(right.sum()), len(pairs)),
        "pages_exact": exact,
        "page_exact_rate": ratio(exact, len(kept)),
        "boundary_errors": err_values,
        "boundary_error_median": _percentile(err_values, 50),
        "boundary_error_p90": _percentile(err_values, 90),
        "boundary_error_mean": float(np.mean(err_values)) if err_values else None,
        "floats": len(caps),
        "floats_right": caps_right,
        "float_placement_accuracy": ratio(caps_right, len(caps)),
        "footnotes": len(notes),
        "footnotes_right": notes_right,
        "footnote_placement_accuracy": ratio(notes_right, len(notes)),
        "headings": len(sections),
        "headings_right": heads_right,
        "heading_at_end": sum(ends_in_heading(md) for md in pages.values()),
        "unprinted_pages": unprinted_pages,
        "pages": page_rows,
    }


def _trigrams(words: list[str]) -> set[tuple[str, str, str]]:
    return set(zip(words, words[1:], words[2:]))


def _page_of_word(bounds: list[int], index: int) -> int:
    """1-based page of truth word ``index`` given page starts plus the end."""
    return int(np.searchsorted(bounds, index, side="right"))


def _heading_pages(pages: dict[int, str]) -> dict[tuple[str, ...], set[int]]:
    """Normalized words of every heading line (numbers dropped) -> pages holding it."""
    out: dict[tuple[str, ...], set[int]] = {}
    for p, md in pages.items():
        for line in md.splitlines():
            if HEADING_LINE.match(line):
                words = tuple(w for w in normalize_words(line) if not w.isdigit())
                out.setdefault(words, set()).add(p)
    return out


def summarize(scores: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Pool per-paper truth scores: word and page rates over all words / pages of all
    papers (micro average), boundary errors pooled over all measured boundaries."""
    scores = list(scores)
    tot = Counter()
    errs: list[int] = []
    for s in scores:
        for k in ("num_pages", "pages_kept", "num_words", "words_correct", "words_output",
                  "words_output_right", "pages_exact", "floats", "floats_right",
                  "footnotes", "footnotes_right", "headings", "headings_right",
                  "heading_at_end", "unprinted_pages"):
            tot[k] += s[k]
        errs.extend(s["boundary_errors"])
    return {
        "papers": len(scores),
        **{k: tot[k] for k in ("num_pages", "pages_kept", "num_words", "words_output",
                               "pages_exact", "floats", "footnotes")},
        "word_page_accuracy": ratio(tot["words_correct"], tot["num_words"]),
        "precision": ratio(tot["words_output_right"], tot["words_output"]),
        "pages_kept_rate": ratio(tot["pages_kept"], tot["num_pages"]),
        "page_exact_rate": ratio(tot["pages_exact"], tot["pages_kept"]),
        "boundaries_measured": len(errs),
        "boundary_error_median": _percentile(errs, 50),
        "boundary_error_p90": _percentile(errs, 90),
        "boundary_error_mean": float(np.mean(errs)) if errs else None,
        "float_placement_accuracy": ratio(tot["floats_right"], tot["floats"]),
        "footnote_placement_accuracy": ratio(tot["footnotes_right"], tot["footnotes"]),
        "heading_accuracy": ratio(tot["headings_right"], tot["headings"]),
        "heading_at_end": tot["heading_at_end"],
        "unprinted_pages": tot["unprinted_pages"],
    }


def evaluate_truth(truth_dir: Path | str, pred_dir: Path | str) -> dict[str, Any]:
    """Score predictions against synthetic truth.

    ``truth_dir`` is either one paper folder (holding ``truth.json``; then ``pred_dir``
    holds its ``NN.mmd`` files, or a ``<paper>/`` folder with them) or a folder of paper
    folders ``truth_dir/<paper>/truth.json``, scored against ``pred_dir/<paper>/NN.mmd``.
    A paper without a prediction folder counts with all pages dropped.
    """
    truth_dir, pred_dir = Path(truth_dir), Path(pred_dir)
    if not truth_dir.is_dir():
        raise InputError(f"not a truth folder: {truth_dir}")
    if not pred_dir.is_dir():
        raise InputError(f"not a prediction folder: {pred_dir}")
    if (truth_dir / "truth.json").is_file():
        inner = pred_dir / truth_dir.name
        if not any(PAGE_FILE.match(f.name) for f in pred_dir.iterdir()) and inner.is_dir():
            pred_dir = inner
        papers = [(truth_dir, pred_dir)]
    else:
        papers = [(t.parent, pred_dir / t.parent.name)
                  for t in sorted(truth_dir.glob("*/truth.json"))]
        if not papers:
            raise InputError(f"no truth.json in {truth_dir} or its subfolders")
    scores = {}
    for tdir, pdir in papers:
        truth = load_truth(tdir)
        pages = read_pred_pages(pdir) if pdir.is_dir() else {}
        scores[tdir.name] = score_paper(truth, pages)
    return {"mode": "truth", "truth": str(truth_dir), "pred": str(pred_dir),
            "papers": scores, "summary": summarize(scores.values())}
