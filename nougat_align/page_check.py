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
from dataclasses import dataclass
from functools import cached_property
from typing import Iterable, Sequence

from nougat_align.normalize import norm_words

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


@dataclass(frozen=True)
class PrintedPage:
    """What one PDF page prints, in normalized words: ``printed`` all of it (any role, in
    reading order, line-end hyphenation undone), ``body`` what its label must hold."""

    printed: tuple[str, ...]
    body: tuple[str, ...]

    @cached_property
    def trigrams(self) -> set[tuple[str, str, str]]:
        w = self.printed
        return set(zip(w, w[1:], w[2:]))


def join_hyphenated(lines: Iterable[tuple[list[str], bool]]) -> list[str]:
    """Words of consecutive lines; a line ending in a hyphen (``hyphen`` True) is joined
    with the next line's first word (``compu-`` + ``tation``)."""
    out: list[str] = []
    glue = False
    for words, hyphen in lines:
        if glue and words and out:
            out[-1] += words[0]
            words = words[1:]
        out.extend(words)
        glue = hyphen and bool(words)
    return out


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
