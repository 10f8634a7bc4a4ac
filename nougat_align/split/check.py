"""Each page's label checked both ways against what the page prints.

* ``precision``: share of the label's words the page prints (a label must not hold text
  the image does not show);
* ``coverage``: share of the page's words -- running heads, page numbers and margin
  stamps left out -- that the label holds (a label must not miss what the image shows).

Both are bag-of-words (multiset) shares over the normalized tokens of ``normalize``, of
prose only: the label's math, tables and code (TeX there and glyphs on the page rarely
normalize alike) are left out of the label, and out of the page's words by taking away
the words they hold; on the page side only words of three letters or more count (what is
left of a formula is mostly single letters and digits).  Before scoring, a page's label
is repaired where that is safe: a run of at least ``MIN_UNPRINTED_RUN`` consecutive prose
words none of which the page prints (an endnote LaTeXML inlined into a paragraph, the
argument of a macro it did not know, a comment it printed) is cut out of the label with
a warning.  A word is "printed" when one of the three word trigrams it belongs to occurs
on the page, so common words inside an unprinted sentence do not count as printed.

Bags of words cannot see order: a bibliography LaTeXML re-sorted holds the page's words
in another order.  ``list_out_of_order`` checks the label's list items (``* ...`` lines)
against the order in which the page prints them.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import Optional, Sequence

from rapidfuzz import fuzz

from nougat_align.split import contents, numbers
from nougat_align.pdf import text as pdf_text
from nougat_align.split import references
from nougat_align.normalize import norm_words
from nougat_align.split.lines import Page, PrintedPage, trigrams
from nougat_align.records import Alignment, Markdown, PageText, Relabel

MIN_PRECISION = 0.92
MIN_COVERAGE = 0.5
MIN_BODY_WORDS = 10  # fewer body words on a page: its coverage is not measured (1.0)
MIN_UNPRINTED_RUN = 6  # shorter runs are not removed (a mangled formula, a renamed label)
_NOT_PROSE = re.compile(r"\\\(.*?\\\)|\\\[.*?\\\]|\\begin\{([A-Za-z]+\*?)\}.*?\\end\{\1\}|```.*?```",
                        re.S)


def not_prose_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of math, LaTeX environments (tables) and code blocks."""
    return [m.span() for m in _NOT_PROSE.finditer(text)]


def prose(text: str) -> str:
    """``text`` without its math, environments and code blocks."""
    return _NOT_PROSE.sub(" ", text)


def unprinted_runs(words: Sequence[str], printed: set[tuple[str, str, str]],
                   is_prose: Sequence[bool], min_run: int = MIN_UNPRINTED_RUN
                   ) -> list[tuple[int, int]]:
    """Token index ranges ``[i, j)`` of at least ``min_run`` prose words, none of which is
    in a trigram the page prints."""
    n = len(words)
    seen = [not x for x in is_prose]  # math and code are never cut
    for i in range(n - 2):
        if (words[i], words[i + 1], words[i + 2]) in printed:
            seen[i] = seen[i + 1] = seen[i + 2] = True
    runs, i = [], 0
    while i < n:
        if seen[i]:
            i += 1
            continue
        j = i
        while j < n and not seen[j]:
            j += 1
        if j - i >= min_run:
            runs.append((i, j))
        i = j
    return runs


def removable(text: str) -> bool:
    """A span may be cut from a label when it stays inside one line: a paragraph, a list
    item, a reference entry (a cut never takes a list marker or a heading with it)."""
    return "\n" not in text


def share(part: Counter, whole: Counter) -> float:
    """Multiset share of ``part``'s words found in ``whole`` (1.0 when ``part`` is empty)."""
    n = sum(part.values())
    return sum((part & whole).values()) / n if n else 1.0


def precision_coverage(label: Sequence[str], other: Sequence[str], page: PrintedPage
                       ) -> tuple[float, float]:
    """(precision, coverage) of a label's prose words against one page; ``other`` are
    the words of the label's math, tables and code, taken away from the page's words."""
    lab = Counter(label)
    body = Counter(w for w in page.body if len(w) >= 3 and w.isalpha()) - Counter(other)
    if sum(body.values()) < MIN_BODY_WORDS:  # a float page: a stray running head is no measure
        body = Counter()
    return share(lab, Counter(page.printed)), share(body, lab)



def list_out_of_order(text: str, page: PrintedPage) -> bool:
    """The label's list items stand in another order than the page prints them: at least
    two of the items found on the page (each at the median position of its trigrams)
    come before the item the label puts ahead of them, and more than a quarter do."""
    first: dict[tuple[str, str, str], int] = {}
    w = page.printed
    for i, gram in enumerate(zip(w, w[1:], w[2:])):
        first.setdefault(gram, i)
    found = []
    for line in text.split("\n"):
        if not line.startswith("* "):
            continue
        words = norm_words(line)
        at = sorted(first[g] for g in zip(words, words[1:], words[2:]) if g in first)
        if at:
            found.append(at[len(at) // 2])
    back = sum(b < a for a, b in zip(found, found[1:]))
    return back >= 2 and back > 0.25 * (len(found) - 1)


def check_pages(md: Markdown, result: list[PageText], evidence: list[Evidence],
                 pages: list[Page], pdf_pages: list[pdf_text.PdfPage], min_score: float,
                 warnings: list[str]) -> list[PageText]:
    """Each page's label, with its labels as printed, checked both ways against the page:
    a page still kept after its edges were scored is dropped as ``unprinted text``,
    ``incomplete`` or ``wrong order`` (then without its relabels, as any dropped page).
    A page that fails (or scored low) and holds a reference list is checked once more
    with its list rebuilt from the entries the page prints (``references``), and kept
    so when that passes."""
    items = references.list_items(md.text)
    level = _top_heading_level(md.text) if any(pg.contents for pg in pages) else 0
    out = []
    for p, ev, page, pdf_page in zip(result, evidence, pages, pdf_pages):
        if p.kept and page.contents and not md.text[p.start:p.end].strip():
            toc = contents.label(pdf_page.lines, level, p.end)
            p = replace(p, relabels=p.relabels + (toc,)) if toc else p
        if not p.kept:
            out.append(p)
            continue
        p, reason = check_page(md, p, ev, page, min_score)
        span = references.list_span(md.text, p.start, p.end) if reason else None
        if span is not None:
            rebuilt = _rebuilt_list(md, p, span, items, page, pdf_page)
            if rebuilt is not None:
                q, why = check_page(md, rebuilt, ev, page, min_score)
                if not why:
                    n = rebuilt.relabels[-1].text.count("\n* ") + rebuilt.relabels[-1].text.startswith("* ")
                    warnings.append(f"page {p.page}: reference list rebuilt from the page's text "
                                    f"({n} entries; the markdown's disagrees)")
                    p, reason = q, ""
        if not reason and span is None:
            grown = _list_start_added(md, p, items, page, pdf_page)
            if grown is not None:
                q, why = check_page(md, grown, ev, page, min_score)
                if not why:
                    warnings.append(f"page {p.page}: the start of the reference list it prints added "
                                    f"from the page's text (the markdown's list is in another order)")
                    p = q
        if reason:
            p = replace(p, kept=False, reason=reason, relabels=(), labels_unverified=0)
        out.append(replace(p, reason=reason, kept=not reason))
    return _heading_moved(md, out)


def _top_heading_level(text: str) -> int:
    """The level of the document's top sections (chapters of a book, sections of an
    article): the smallest level of its headings, the title (a heading before any other
    text) left out."""
    levels = [(m.start(), len(m.group(1))) for m in re.finditer(r"^(#{1,6}) ", text, re.M)]
    if levels and not text[:levels[0][0]].strip():
        levels = levels[1:]
    return min((n for _, n in levels), default=2)


def _heading_moved(md: Markdown, pages: list[PageText]) -> list[PageText]:
    """A heading added to the foot of a page with the list it heads (``_list_start_added``)
    is left out of the next page's label when that starts with it."""
    out = list(pages)
    for k in range(len(out) - 1):
        added = [r for r in out[k].relabels if r.kind == "references" and r.start == r.end == out[k].end]
        nxt = out[k + 1]
        if not added or not nxt.kept:
            continue
        heading = added[-1].text.strip().split("\n", 1)[0]
        at = nxt.start + len(md.text[nxt.start:nxt.end]) - len(md.text[nxt.start:nxt.end].lstrip())
        if md.text.startswith(heading + "\n", at) and not any(r.target == "" and r.start <= at < r.end
                                                               for r in nxt.relabels):
            end = at + len(heading)
            end += len(md.text[end:nxt.end]) - len(md.text[end:nxt.end].lstrip("\n"))
            out[k + 1] = replace(nxt, relabels=nxt.relabels + (
                Relabel(target="", start=at, end=end, text="", kind="references"),))
    return out


def _list_start_added(md: Markdown, p: PageText, items: list[str], page: Page,
                      pdf_page: pdf_text.PdfPage) -> Optional[PageText]:
    """``p`` with the reference list the page prints at its foot added at its end, when
    its label does not hold the list's heading: the heading (the markdown's,
    whose words the page prints on the line before the first labelled entry) and the
    entries rebuilt from the page's lines (``references``)."""
    lines = [(pl.text, ln.words) for pl, ln in zip(pdf_page.lines, page.lines) if ln.role == "body"]
    starts = [i for i in range(1, len(lines)) if lines[i - 1][1] and references.printed_label(lines[i][0])
              and not references.printed_label(lines[i - 1][0])]
    if not starts:
        return None
    held = trigrams(norm_words(md.text[p.start:p.end]))  # a list line the label holds: not missing
    at = next((i for i in starts if all(references.printed_label(raw) or not trigrams(w) & held
                                        for raw, w in lines[i:])), None)
    if at is None:
        return None
    heading = next((m.group(0) for m in re.finditer(r"^#{1,6} .*$", md.text, re.M)
                    if norm_words(m.group(0)) == lines[at - 1][1]), None)
    if heading is None or heading in md.text[p.start:p.end]:
        return None
    edit = references.rebuild(md.text, (p.end, p.end), items, [raw for raw, _ in lines[at:]], False)
    if edit is None:
        return None
    sep = "" if md.text[:p.end].endswith("\n\n") else "\n\n"
    return replace(p, relabels=p.relabels + (replace(edit, text=f"{sep}{heading}\n\n{edit.text}\n\n"),))


@dataclass(frozen=True)
class Evidence:
    """What ``_score_pages`` measured of one page for ``check_pages``: the label's prose
    words (cut spans left out) and its other words, and the PDF words matched at the
    page's start and end."""

    words: list[str]
    other: list[str]
    head: tuple[str, str]
    tail: tuple[str, str]


def check_page(md: Markdown, p: PageText, ev: Evidence, page: Page, min_score: float
                ) -> tuple[PageText, str]:
    """``p`` with its precision and coverage (and score, when a rewrite changed the label),
    and why it fails ("" when it passes)."""
    sources = {f.id: f.mmd for f in md.floats + md.footnotes}
    label = Counter(ev.words)
    for a, b in p.removed:  # cut spans a rewrite replaced count again (as the rewrite's)
        if any(r.target == "" and r.start <= a and b <= r.end for r in p.relabels):
            label += Counter(norm_words(prose(md.text[a:b])))
    for r in p.relabels:  # the label's words as written: LaTeXML's out, the page's in
        old = (md.text if r.target == "" else sources.get(r.target, ""))[r.start:r.end]
        label = label - Counter(norm_words(prose(old))) + Counter(norm_words(prose(r.text)))
    precision, coverage = precision_coverage(list(label.elements()), ev.other, page.printed)
    score = p.score
    text = p.label_text(md.text)
    if any(r.kind == "references" for r in p.relabels):
        md_norm = "".join(norm_words(text))
        start_score = edge_score(ev.head, md_norm, at_start=True)
        end_score = edge_score(ev.tail, md_norm, at_start=False)
        score = round((start_score + end_score) / 2, 4)
        p = replace(p, score=score, start_score=round(start_score, 4), end_score=round(end_score, 4))
    p = replace(p, precision=round(precision, 4), coverage=round(coverage, 4))
    if score < min_score:
        return p, "low score"
    if precision < MIN_PRECISION:
        return p, "unprinted text"
    if coverage < MIN_COVERAGE:
        return p, "incomplete"
    if list_out_of_order(text, page.printed):
        return p, "wrong order"
    full = Alignment(markdown=md, num_pages=0, pages=()).page_markdown(p)
    return p, numbers.reason(*numbers.unprinted(label.elements(), prose(full), page.printed.printed))


def _rebuilt_list(md: Markdown, p: PageText, span: tuple[int, int], items: list[str],
                  page: Page, pdf_page: pdf_text.PdfPage) -> Optional[PageText]:
    """``p`` with its reference list ``span`` rewritten from the page's own lines: from
    its first line (when the page's label starts inside the list) or its first labelled
    line, to its last line (when the list ends the page's label) or the line before the
    first one the label's text after the list holds."""
    text = md.text
    lines = [(pl.text, ln.words) for pl, ln in zip(pdf_page.lines, page.lines) if ln.role == "body"]
    if lines and references.printed_label(lines[0][0]):
        span = (p.start, span[1])  # the page prints nothing before its list (a heading is not its)
    starts_inside = not text[p.start:span[0]].strip()
    if not starts_inside:  # the list starts after the lines the label's text before it holds
        before = trigrams(norm_words(text[p.start:span[0]]))
        last = max((i for i, (_, words) in enumerate(lines)
                    if (g := trigrams(words)) and len(g & before) >= 0.5 * len(g)), default=-1)
        lines = lines[last + 1:]
    after = trigrams(norm_words(text[span[1]:p.end]))
    picked: list[str] = []
    started = starts_inside
    for raw, words in lines:
        if not started:
            started = bool(references.printed_label(raw))
            if not started:
                continue
        grams = trigrams(words)
        if after and picked and grams and len(grams & after) >= 0.5 * len(grams):
            break
        picked.append(raw)
    edit = references.rebuild(text, span, items, picked, starts_inside)
    if edit is None:
        return None
    kept = tuple(r for r in p.relabels if not (r.target == "" and span[0] <= r.start < span[1]))
    return replace(p, relabels=kept + (edit,))



def edge_score(edge: tuple[str, str], md_norm: str, at_start: bool) -> float:
    """How well the page's first (last) PDF words match the first (last) of its markdown."""
    lead, pattern = edge
    if not pattern:
        return 1.0 if not md_norm else 0.0
    if not md_norm:
        return 0.0
    room = len(pattern) + int(1.5 * len(lead)) + 80  # slack: a heading, a stray line
    piece = md_norm[:room] if at_start else md_norm[-room:]
    if len(piece) < len(pattern):
        return fuzz.ratio(pattern, piece) / 100
    r = fuzz.partial_ratio_alignment(pattern, piece)
    return (r.score / 100) if r else 0.0
