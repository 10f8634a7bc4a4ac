"""The page check for numbers: a label's digit runs outside math against the page's.

``check`` counts words of letters, so a label can carry numbers the page does not print
(a citation LaTeXML renumbered, a year of an author-year citation the page prints as
``[32]``) and still pass.  ``unprinted`` gives the digit runs of a label's prose (math,
environments and code left out; a run is ``2010`` or the ``3`` of ``Fig. 3``; superscript
digits fold to digits) that the page does not print, as a multiset against every digit
run of the page (any role), and how many of them stand in a bracketed citation group
(``[12]``, ``[3, 7–9]``, ``[Smith et al., 2019]``; a list entry's own label and a markdown
link are none).  A page is dropped as ``unprinted numbers`` when it holds one such
citation number, or more than ``MAX_UNPRINTED`` of its label's numbers (and more than
``MAX_SHARE`` of them) are not printed -- after ``citations`` rewrote what the page tells.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

_DIGITS = re.compile(r"[0-9]+")
_NUMBER = r"\d{1,4}(?:\s*[\-\u2013]\s*\d{1,4})?"
#: a bracketed numeric citation group, its inside as group 1: ``[12]``, ``[3, 7–9]``
CITE_GROUP = re.compile(rf"\[({_NUMBER}(?:\s*[,;]\s*{_NUMBER})*)\](?!\()")
_NAME = r"[A-Z][\w'\u2019\-]*(?:\s+[A-Z][\w'\u2019\-]*)?"
#: an author-year citation as LaTeXML writes it in the running text: ``Arens and Sehgal
#: (1994)``, ``Saha _et al._ (2015)``, ``Smith (2019a)``; several joined by ``;``
AUTHOR_YEAR = re.compile(
    rf"{_NAME}(?:\s+(?:and|&)\s+{_NAME}|,?\s+_?et\s+al\._?)?\s+\(\d{{4}}[a-z]?\)"
    rf"(?:;\s*{_NAME}(?:\s+(?:and|&)\s+{_NAME}|,?\s+_?et\s+al\._?)?\s+\(\d{{4}}[a-z]?\))*")
_ANY_GROUP = re.compile(r"\[([^\[\]\n]{1,200})\](?!\()")
_AUTHOR_YEAR = re.compile(r"(?=.*\d).*(?:et al|and|&|,)\s.*\d{4}[a-z]?.*"
                          r"|[A-Za-z]{1,4}\d{1,4}[a-z]?(?:[,;]\s*[A-Za-z]{1,4}\d{1,4}[a-z]?)*")
MAX_UNPRINTED = 1
MAX_SHARE = 0.02


def digit_runs(text: str) -> list[str]:
    return _DIGITS.findall(text)


def word_digits(words: Iterable[str]) -> Counter:
    """The digit runs of normalized words (``fig3`` -> ``3``)."""
    return Counter(d for w in words for d in _DIGITS.findall(w))


def cite_numbers(group: str) -> list[str]:
    """The numbers written in a citation group (a range ``7–9`` is its two ends)."""
    return digit_runs(group)


def expand(inside: str) -> list[str]:
    """The numbers a numeric group cites, ranges expanded: ``3, 7–9`` -> 3, 7, 8, 9."""
    out = []
    for part in re.split(r"[,;]", inside):
        ends = [int(x) for x in digit_runs(part)]
        if len(ends) == 2 and 0 <= ends[1] - ends[0] <= 50:
            out += [str(n) for n in range(ends[0], ends[1] + 1)]
        else:
            out += [str(n) for n in ends]
    return out


def citation_groups(prose: str) -> list[str]:
    """The bracketed citation groups of a label's prose (numeric or author-year), not a
    list entry's label (``* [12] ...``)."""
    out = []
    for m in _ANY_GROUP.finditer(prose):
        line_start = prose.rfind("\n", 0, m.start()) + 1
        if re.fullmatch(r"[ \t]*(?:[*\-+][ \t]+)?", prose[line_start:m.start()]):
            continue
        inside = m.group(1).strip()
        if CITE_GROUP.fullmatch(f"[{inside}]") or _AUTHOR_YEAR.fullmatch(inside):
            out.append(inside)
    return out


def unprinted(label_words: Iterable[str], prose: str, page_words: Iterable[str]
              ) -> tuple[Counter, int, int]:
    """(the label's digit runs the page does not print, how many of those stand in a
    citation group, how many digit runs the label holds).  ``label_words``: the label's
    normalized prose words; ``prose``: its text without math (for citation groups);
    ``page_words``: every normalized word the page prints."""
    label = word_digits(label_words)
    page = word_digits(page_words)
    missing = label - page
    cites = Counter(d for g in citation_groups(prose) for d in digit_runs(g))
    return missing, sum((cites - page).values()), sum(label.values())


def reason(missing: Counter, cites_missing: int, total: int) -> str:
    """"unprinted numbers" when the label's numbers disagree with the page, else ""."""
    n = sum(missing.values())
    if cites_missing or (n > MAX_UNPRINTED and n > MAX_SHARE * total):
        return "unprinted numbers"
    return ""
