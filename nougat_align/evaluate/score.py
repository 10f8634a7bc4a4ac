"""Scores for page splits: against exact ground truth, or (truth-free) against PDF text.

Two modes, both over the output layout ``PRED/<paper>/NN.mmd`` (1-based page numbers; a
page without a file is a dropped page):

**Truth mode** (:func:`score_paper`, :func:`evaluate_truth`) compares a split with a
synthetic paper's ``truth.json`` (written by ``benchmarks/synth.py``, schema in
``benchmarks/README.md``): the known sequence of body words and, for every PDF page, the
index of the first body word printed on it.  The body words of all predicted pages are
concatenated in page order and aligned in order to the truth sequence
(:class:`difflib.SequenceMatcher`), so every matched truth word gets the page it was
written to.  Runs of at least :data:`MIN_DUPLICATE_RUN` predicted words left unmatched
are aligned again on their own, so text a split repeats on two pages counts as output on
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

Body words of a predicted page are its words after removing display and inline math
(``\\[...\\]``, ``\\(...\\)``), LaTeX environments (``\\begin{table}...\\end{table}`` and the
like) and caption / footnote paragraphs (a paragraph starting ``Figure N:``, ``Table N:``
or ``Footnote N:``); markdown markup (``#``, ``**``, ``_``, list bullets) disappears in the
word normalization (:func:`normalize_words`), which ``benchmarks/synth.py`` uses for the
truth too.  Caption and footnote sentences of the synthetic papers never occur in their
body text, so appended floats cannot be mistaken for body words.

**PDF-text mode** (:func:`score_pdf_text`, :func:`evaluate_pdf_text`) is for real papers
without truth: per kept page, the multiset overlap of the page's markdown words (math and
tables removed, captions and footnotes kept) with the words poppler's ``pdftotext`` reads
from the same PDF page -- precision (share of markdown words found in the PDF page),
coverage (share of the PDF page's prose words found in the markdown: words of three letters
or more in the blocks pdftotext lays out as prose -- not figure text, table cells, rotated
stamps --, less those the markdown's math and tables hold) and F1, and their means over kept
pages; per paper and in total it counts the kept pages with precision below
:data:`LOW_PRECISION`, coverage below :data:`LOW_COVERAGE`, or ending in a heading.  This is an agreement measure, not truth: text the markdown cannot hold (table
cells, math glyphs, running heads, reference lists formatted differently) keeps it below
1.0 even for a perfect split.  It is meant for comparing splits of the same papers.
pdftotext is used on purpose, not PyMuPDF, so the measure does not share the splitter's
text extractor.

This module never imports the splitter (``split``, ``page_classifier``, ``staircase``,
``fuzzy_trim``, ``pdf_text``).
"""
from __future__ import annotations

import difflib
import json
import re
import shutil
import subprocess
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Optional

import numpy as np

from nougat_align.errors import InputError, ToolError

#: Unmatched predicted runs at least this long are aligned again (text repeated on pages).
MIN_DUPLICATE_RUN = 8
#: PDF-text mode: kept pages below these are counted as faults.
LOW_PRECISION = 0.9
LOW_COVERAGE = 0.5

_WORD = re.compile(r"[a-z]+|[0-9]+")
_LINE_END_HYPHEN = re.compile(r"(?<=[a-z])-[ \t]*\n[ \t]*(?=[a-z])")
_ENVIRONMENT = re.compile(r"\\begin\{([A-Za-z]+\*?)\}.*?\\end\{\1\}", re.S)
_DISPLAY_MATH = re.compile(r"\\\[.*?\\\]", re.S)
_INLINE_MATH = re.compile(r"\\\(.*?\\\)", re.S)
_FLOAT_LABEL = re.compile(
    r"^[\s*_]*(?P<kind>Figure|Fig\.|Table|Footnote)[\s~]*(?P<number>\d+)[\s*_]*[:.]",
    re.I)
_PAGE_FILE = re.compile(r"^(\d+)\.mmd$")


# --------------------------------------------------------------------------- words

def normalize_words(text: str) -> list[str]:
    """The word normalization shared by the truth generator and the scorer.

    Unicode compatibility-decomposed (ligatures such as U+FB01 become ``fi``), accents
    and soft hyphens dropped, lower-cased, a hyphen at a line end joined with the next
    line (``exam-\\nple`` -> ``example``), then split into runs of ASCII letters and runs
    of digits: ``"Foot-note1 (x'y)"`` -> ``["foot", "note", "1", "x", "y"]``.  Splitting
    letters from digits keeps footnote marks and citation numbers off the words they
    touch.
    """
    text = unicodedata.normalize("NFKD", text.replace("\u00ad", ""))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = _LINE_END_HYPHEN.sub("", text)
    return _WORD.findall(text)


def _strip_math_and_environments(md: str) -> str:
    md = _ENVIRONMENT.sub(" ", md)
    md = _DISPLAY_MATH.sub(" ", md)
    return _INLINE_MATH.sub(" ", md)


def _paragraphs(md: str) -> list[str]:
    return [p for p in re.split(r"\n[ \t]*\n", md) if p.strip()]


def parse_page(md: str) -> dict[str, Any]:
    """Split one predicted page into body text and its caption / footnote paragraphs.

    Returns ``{"body": str, "captions": [(kind, number)], "footnotes": [number],
    "float_text": str}`` where ``kind`` is ``"Figure"`` or ``"Table"``.  Math and LaTeX
    environments are removed from the body; a paragraph whose first line starts with
    ``Figure N:``, ``Fig. N:``, ``Table N:`` or ``Footnote N:`` (bold/italic markup
    allowed) is a caption or footnote, wherever on the page it stands.
    """
    body: list[str] = []
    floats: list[str] = []
    captions: list[tuple[str, int]] = []
    footnotes: list[int] = []
    for para in _paragraphs(_strip_math_and_environments(md)):
        m = _FLOAT_LABEL.match(para)
        if m is None:
            body.append(para)
            continue
        kind = m.group("kind").lower()
        number = int(m.group("number"))
        if kind == "footnote":
            footnotes.append(number)
        else:
            captions.append(("Table" if kind == "table" else "Figure", number))
        floats.append(para)
    return {"body": "\n\n".join(body), "captions": captions, "footnotes": footnotes,
            "float_text": "\n\n".join(floats)}


_HEADING_LINE = re.compile(r"^#{1,6} \S")


def ends_in_heading(md: str) -> bool:
    """A page whose running text ends with a heading (floats and footnotes appended
    after the text do not count): LaTeX never prints a heading at the foot of a page."""
    paras = [p.strip() for p in _paragraphs(md)]
    while paras and (_FLOAT_LABEL.match(paras[-1]) or paras[-1].startswith("\\begin{")
                     or paras[-1].endswith("\\end{table}")):
        paras.pop()
    return bool(paras) and bool(_HEADING_LINE.match(paras[-1].splitlines()[-1]))


def markdown_body_words(md: str) -> list[str]:
    """Normalized body words of a predicted page (no math, tables, captions, footnotes)."""
    return normalize_words(parse_page(md)["body"])


def markdown_page_words(md: str) -> list[str]:
    """Normalized words of a whole predicted page for PDF-text agreement: math and LaTeX
    environments removed, captions and footnotes kept (without the ``Footnote`` label,
    which the PDF does not print)."""
    text = _strip_math_and_environments(md)
    text = re.sub(r"(?im)^[\s*_]*footnote(?=[\s~]*\d+[\s*_]*[:.])", " ", text)
    return normalize_words(text)


# --------------------------------------------------------------------------- input

def read_pred_pages(pred_dir: Path | str) -> dict[int, str]:
    """The predicted pages of one paper: ``{page_number: markdown}`` from ``NN.mmd``."""
    pred_dir = Path(pred_dir)
    if not pred_dir.is_dir():
        raise InputError(f"not a folder of predicted pages: {pred_dir}")
    pages: dict[int, str] = {}
    for f in pred_dir.iterdir():
        m = _PAGE_FILE.match(f.name)
        if m and f.is_file():
            pages[int(m.group(1))] = f.read_text(encoding="utf-8", errors="replace")
    return pages


def load_truth(path: Path | str) -> dict[str, Any]:
    """Read and check a ``truth.json`` (a file, or a folder holding one)."""
    path = Path(path)
    if path.is_dir():
        path = path / "truth.json"
    try:
        truth = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"no truth.json: {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"unreadable truth file {path}: {e}") from None
    missing = [k for k in ("words", "page_starts", "num_pages") if k not in truth]
    if missing:
        raise InputError(f"truth file {path} lacks {', '.join(missing)}")
    starts = truth["page_starts"]
    if (len(starts) != truth["num_pages"] or (starts and starts[0] != 0)
            or any(b < a for a, b in zip(starts, starts[1:]))
            or (starts and starts[-1] > len(truth["words"]))):
        raise InputError(f"truth file {path}: page_starts must be {truth['num_pages']} "
                         f"non-decreasing word indices starting at 0")
    return truth


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


def _ratio(num: float, den: float) -> Optional[float]:
    return num / den if den else None


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
        "pages_kept_rate": _ratio(len(kept), n_pages),
        "extra_pages": extra,
        "num_words": n_words,
        "words_correct": int(correct_words.sum()),
        "words_output": int(len(pairs)),
        "words_output_right": int(right.sum()),
        "word_page_accuracy": _ratio(int(correct_words.sum()), n_words),
        "precision": _ratio(int(right.sum()), len(pairs)),
        "pages_exact": exact,
        "page_exact_rate": _ratio(exact, len(kept)),
        "boundary_errors": err_values,
        "boundary_error_median": _percentile(err_values, 50),
        "boundary_error_p90": _percentile(err_values, 90),
        "boundary_error_mean": float(np.mean(err_values)) if err_values else None,
        "floats": len(caps),
        "floats_right": caps_right,
        "float_placement_accuracy": _ratio(caps_right, len(caps)),
        "footnotes": len(notes),
        "footnotes_right": notes_right,
        "footnote_placement_accuracy": _ratio(notes_right, len(notes)),
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
            if _HEADING_LINE.match(line):
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
        "word_page_accuracy": _ratio(tot["words_correct"], tot["num_words"]),
        "precision": _ratio(tot["words_output_right"], tot["words_output"]),
        "pages_kept_rate": _ratio(tot["pages_kept"], tot["num_pages"]),
        "page_exact_rate": _ratio(tot["pages_exact"], tot["pages_kept"]),
        "boundaries_measured": len(errs),
        "boundary_error_median": _percentile(errs, 50),
        "boundary_error_p90": _percentile(errs, 90),
        "boundary_error_mean": float(np.mean(errs)) if errs else None,
        "float_placement_accuracy": _ratio(tot["floats_right"], tot["floats"]),
        "footnote_placement_accuracy": _ratio(tot["footnotes_right"], tot["footnotes"]),
        "heading_accuracy": _ratio(tot["headings_right"], tot["headings"]),
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
        if not any(_PAGE_FILE.match(f.name) for f in pred_dir.iterdir()) and inner.is_dir():
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


# --------------------------------------------------------------------------- PDF-text mode

def pdftotext_pages(pdf: Path | str) -> list[str]:
    """Plain text of every page of ``pdf`` from poppler's ``pdftotext`` (reading order,
    no ``-layout``)."""
    pages = _run_pdftotext(Path(pdf), []).decode("utf-8", "replace").split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return pages


def _run_pdftotext(pdf: Path, options: list[str]) -> bytes:
    if not pdf.is_file():
        raise InputError(f"no such PDF: {pdf}")
    exe = shutil.which("pdftotext")
    if exe is None:
        raise ToolError("pdftotext (poppler-utils) is needed for --pdf-text; install poppler-utils")
    try:
        proc = subprocess.run([exe, "-enc", "UTF-8", *options, str(pdf), "-"], capture_output=True,
                              timeout=300)
    except subprocess.TimeoutExpired:
        raise ToolError(f"pdftotext timed out on {pdf}") from None
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"pdftotext cannot read {pdf}: {msg[-1] if msg else proc.returncode}")
    return proc.stdout


#: Share of the page height at its top and bottom where running heads stand.
EDGE = 0.1

#: A page without prose blocks and fewer words than this (of three letters or more)
#: prints nothing a label must hold: a running head, a page number, a lone word.
MIN_PAGE_WORDS = 10

#: A pdftotext block whose lines hold this many words on average is prose; figure text
#: (axis labels, legends, diagram nodes), table cells and rotated text are not.
PROSE_WORDS_PER_LINE = 4


def pdftotext_prose_pages(pdf: Path | str) -> list[str]:
    """Per page, the text of the blocks poppler (``pdftotext -bbox-layout``) lays out as
    prose: horizontal lines of :data:`PROSE_WORDS_PER_LINE` words or more on average;
    running heads left out (a one-line block in the top or bottom :data:`EDGE` of the
    page, or the page's first or last block, whose letters recur so on another page:
    "Files and file systems", "CHAPTER 3. ANIMALS THAT MOVE")."""
    from lxml import etree

    out = _run_pdftotext(Path(pdf), ["-bbox-layout"])
    root = etree.fromstring(out, etree.XMLParser(recover=True, huge_tree=True))
    pages: list[list[tuple[str, str]]] = []  # per page: (running-head key or "", text)
    for page in root.iter("{*}page"):
        height = float(page.get("height") or 0)
        ys = [float(b.get("yMin")) for b in page.iter("{*}block")]
        top, bottom = min(ys, default=0.0), max(ys, default=0.0)
        blocks = []
        for block in page.iter("{*}block"):
            lines = [[w.text or "" for w in line.iter("{*}word")] for line in block.iter("{*}line")
                     if float(line.get("xMax")) - float(line.get("xMin"))
                     >= float(line.get("yMax")) - float(line.get("yMin"))]
            words = sum(len(ln) for ln in lines)
            if lines and words >= PROSE_WORDS_PER_LINE * len(lines):
                y0, y1 = float(block.get("yMin")), float(block.get("yMax"))
                edge = len(lines) == 1 and (y1 < EDGE * height or y0 > (1 - EDGE) * height
                                            or y0 in (top, bottom))
                key = re.sub(r"[^a-z]", "", " ".join(lines[0]).lower()) if edge else ""
                blocks.append((key, "\n".join(" ".join(ln) for ln in lines)))
        pages.append(blocks)
    seen = Counter(key for blocks in pages for key in {k for k, _ in blocks if k})
    return ["\n\n".join(text for key, text in blocks if seen[key] < 2 or not key) for blocks in pages]


def score_pdf_text(pdf_pages: list[str], pages: dict[int, str],
                   prose_pages: Optional[list[str]] = None) -> dict[str, Any]:
    """Agreement of each kept page's markdown with that PDF page's text (not truth).

    ``pdf_pages[k]`` is the text of PDF page k+1; ``pages`` maps 1-based page numbers to
    markdown.  Per kept page: ``precision`` = multiset share of the markdown words found
    in the PDF page, ``coverage`` = share of the PDF page's prose words (of
    ``prose_pages[k]`` when given: :func:`pdftotext_prose_pages`) found in the markdown,
    ``f1``, and ``ends_in_heading``.  ``mean_*`` average over kept pages (a page without
    words on either side scores 1: an empty label on a page that prints no more than a
    running head is right); ``low_precision``, ``low_coverage`` and
    ``heading_at_end`` count kept pages with a fault.  Pages numbered beyond the PDF are
    listed in ``extra_pages``.
    """
    n_pages = len(pdf_pages)
    rows = []
    for p in sorted(q for q in pages if 1 <= q <= n_pages):
        md = Counter(markdown_page_words(pages[p]))
        ref = Counter(normalize_words(pdf_pages[p - 1]))
        common = sum((md & ref).values())
        n_md, n_ref = sum(md.values()), sum(ref.values())
        prec = common / n_md if n_md else 1.0  # an empty label holds nothing unprinted
        # coverage leaves math and tables out of the PDF side too: only its words of three
        # letters or more, less those the label's math and tables hold ("log", "Method")
        math = Counter(normalize_words(pages[p])) - md
        prose = Counter()
        for body in ([] if prose_pages is None else [normalize_words(prose_pages[p - 1])]) + [ref]:
            prose = Counter({w: c for w, c in Counter(body).items() if len(w) >= 3 and w.isalpha()})
            prose -= math
            if prose:  # a page without prose blocks (a list of URLs): all its words
                break
        if prose_pages is not None and not normalize_words(prose_pages[p - 1]) \
                and sum(prose.values()) < MIN_PAGE_WORDS:
            prose = Counter()  # a blank page but for its running head and page number
        n_prose = sum(prose.values())
        rec = sum((md & prose).values()) / n_prose if n_prose else 1.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        rows.append({"page": p, "words_markdown": n_md, "words_pdf": n_ref,
                     "precision": prec, "coverage": rec, "f1": f1,
                     "ends_in_heading": ends_in_heading(pages[p])})
    return {"num_pages": n_pages, **_pdf_text_summary(rows, n_pages),
            "extra_pages": sorted(q for q in pages if not 1 <= q <= n_pages), "pages": rows}


def _pdf_text_summary(rows: list[dict[str, Any]], n_pages: int) -> dict[str, Any]:
    def mean(key: str) -> Optional[float]:
        return float(np.mean([r[key] for r in rows])) if rows else None

    return {"pages_kept": len(rows), "pages_kept_rate": _ratio(len(rows), n_pages),
            "mean_precision": mean("precision"), "mean_coverage": mean("coverage"),
            "mean_f1": mean("f1"),
            "low_precision": sum(r["precision"] < LOW_PRECISION for r in rows),
            "low_coverage": sum(r["coverage"] < LOW_COVERAGE for r in rows),
            "heading_at_end": sum(r["ends_in_heading"] for r in rows)}


def evaluate_pdf_text(pdf: Path | str, pred_dir: Path | str) -> dict[str, Any]:
    """Truth-free agreement of predicted pages with the PDF text (see module docstring).

    ``pdf`` is one PDF (``pred_dir`` holds its ``NN.mmd``), or a folder of papers --
    ``<paper>.pdf`` or ``<paper>/paper.pdf`` -- scored against ``pred_dir/<paper>/``.
    The summary averages over all kept pages of all papers.
    """
    pdf, pred_dir = Path(pdf), Path(pred_dir)
    if not pred_dir.is_dir():
        raise InputError(f"not a prediction folder: {pred_dir}")
    if pdf.is_dir():
        items = {f.stem: f for f in sorted(pdf.glob("*.pdf"))}
        items.update({f.parent.name: f for f in sorted(pdf.glob("*/paper.pdf"))})
        if not items:
            raise InputError(f"no PDFs in {pdf}")
        jobs = [(name, f, pred_dir / name) for name, f in sorted(items.items())]
    else:
        jobs = [(pdf.stem if pdf.stem != "paper" else pdf.parent.name, pdf, pred_dir)]
    papers = {}
    for name, f, pdir in jobs:
        pages = read_pred_pages(pdir) if pdir.is_dir() else {}
        papers[name] = score_pdf_text(pdftotext_pages(f), pages, pdftotext_prose_pages(f))
    rows = [r for s in papers.values() for r in s["pages"]]
    n_pages = sum(s["num_pages"] for s in papers.values())
    summary = {"papers": len(papers), "num_pages": n_pages, **_pdf_text_summary(rows, n_pages)}
    return {"mode": "pdf_text", "pdf": str(pdf), "pred": str(pred_dir),
            "papers": papers, "summary": summary}


# --------------------------------------------------------------------------- report

def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    line = lambda cells: "| " + " | ".join(  # noqa: E731
        c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))) + " |"
    sep = "|" + "|".join("-" * (w + 2) if i == 0 else "-" * (w + 1) + ":"
                         for i, w in enumerate(widths)) + "|"
    return "\n".join([line(header), sep] + [line(r) for r in rows])


def format_table(result: dict[str, Any]) -> str:
    """A markdown table of an :func:`evaluate_truth` or :func:`evaluate_pdf_text` result:
    one row per paper and an ``all`` row (pooled)."""
    rows = []
    if result.get("mode") == "truth":
        header = ["paper", "pages", "kept", "word acc", "precision", "page exact",
                  "bnd med", "bnd p90", "floats", "footnotes", "headings", "heading at end",
                  "unprinted"]
        items = list(result["papers"].items()) + [("all", result["summary"])]
        for name, s in items:
            head_acc = s.get("heading_accuracy", _ratio(s["headings_right"], s["headings"])
                             if "headings" in s else None)
            rows.append([name, _fmt(s["num_pages"]), _fmt(s["pages_kept"]),
                         _fmt(s["word_page_accuracy"]), _fmt(s["precision"]),
                         _fmt(s["page_exact_rate"]), _fmt(s["boundary_error_median"], 1),
                         _fmt(s["boundary_error_p90"], 1), _fmt(s["float_placement_accuracy"]),
                         _fmt(s["footnote_placement_accuracy"]), _fmt(head_acc),
                         _fmt(s["heading_at_end"]), _fmt(s["unprinted_pages"])])
        return _table(header, rows)
    if result.get("mode") == "pdf_text":
        header = ["paper", "pages", "kept", "precision", "coverage", "F1",
                  f"prec<{LOW_PRECISION}", f"cov<{LOW_COVERAGE}", "heading at end"]
        items = list(result["papers"].items()) + [("all", result["summary"])]
        for name, s in items:
            rows.append([name, _fmt(s["num_pages"]), _fmt(s["pages_kept"]),
                         _fmt(s["mean_precision"]), _fmt(s["mean_coverage"]), _fmt(s["mean_f1"]),
                         _fmt(s["low_precision"]), _fmt(s["low_coverage"]),
                         _fmt(s["heading_at_end"])])
        return (_table(header, rows)
                + "\n(agreement of each kept page's markdown with its pdftotext text; not truth;"
                " the last three columns count kept pages)")
    raise InputError("not an evaluation result (no 'mode')")
