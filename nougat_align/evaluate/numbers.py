"""Numbers measure of ``nougat-align eval --pdf-text``: are a label's numbers the page's?

A bag of letter-words cannot see numbers, yet a citation ``[12]``, an equation reference
``(3)``, "Fig. 4" or "Section 2.1" is a label too (DESIGN §8), and LaTeXML renumbers
citations whenever it renders the bibliography from the ``.bib``.  Per kept page:

* ``numbers``: the digit runs of the label outside math, LaTeX environments (tables) and
  code blocks (``2.1`` is two runs, ``[3, 7-9]`` three; superscript digits fold to digits);
* ``numbers_printed``: how many of them the page prints (multiset: each printed digit run
  of ``pdftotext``'s page text answers for one of the label's);
* ``cites`` and ``cites_unprinted``: the digit runs inside the label's bracketed citation
  groups (``[12]``, ``[3, 7–9]``, ``[Smith et al., 2019]``; a markdown link ``[x](url)`` is
  not one) and how many of those the page does not print -- a kept page must have none.

This module imports nothing from the splitter.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Any

from nougat_align.evaluate.words import strip_math_and_environments

_DIGITS = re.compile(r"[0-9]+")
_CODE = re.compile(r"```.*?```", re.S)
_CITE_GROUP = re.compile(r"\[([^\[\]\n]{1,200})\](?!\()")
_CITE_BODY = re.compile(r"[\s\d,;:\-\u2013\u2014.]*\d[\s\d,;:\-\u2013\u2014.]*"  # [3, 7-9]
                        r"|(?=.*\d).*(?:et al|and|&|,)\s.*\d{4}[a-z]?.*"  # [Smith et al., 2019]
                        r"|[A-Za-z]{1,4}\d{1,4}[a-z]?(?:[,;]\s*[A-Za-z]{1,4}\d{1,4}[a-z]?)*")  # [Smi19]


def digit_runs(text: str) -> list[str]:
    """The runs of digits in ``text`` (compatibility-folded: ``¹`` is ``1``), leading zeros
    kept (``07`` is not ``7``)."""
    return _DIGITS.findall(unicodedata.normalize("NFKD", text))


def label_prose(md: str) -> str:
    """A label without its math, LaTeX environments and code blocks."""
    return strip_math_and_environments(_CODE.sub(" ", md))


def citation_groups(prose: str) -> list[str]:
    """The bracketed citation groups of a label's prose, their text inside the brackets;
    a reference list's entry labels (``* [12] ...`` at a line start) are not citations."""
    out = []
    for m in _CITE_GROUP.finditer(prose):
        line_start = prose.rfind("\n", 0, m.start()) + 1
        if re.fullmatch(r"[ \t]*(?:[*\-+][ \t]+)?", prose[line_start:m.start()]):
            continue  # a list entry's label
        if _CITE_BODY.fullmatch(m.group(1).strip()):
            out.append(m.group(1))
    return out


def score_numbers(md: str, page_text: str) -> dict[str, Any]:
    """The numbers measure of one label ``md`` against the text its page prints."""
    prose = label_prose(md)
    printed = Counter(digit_runs(page_text))
    numbers = Counter(digit_runs(prose))
    cites = Counter(d for g in citation_groups(prose) for d in digit_runs(g))
    unprinted = cites - printed
    return {"numbers": sum(numbers.values()),
            "numbers_printed": sum((numbers & printed).values()),
            "numbers_unprinted": sorted((numbers - printed).elements(), key=lambda s: (len(s), s)),
            "cites": sum(cites.values()), "cites_unprinted": sum(unprinted.values())}


def summarize_numbers(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals over pages: numbers and how many are printed (and their share), citation
    numbers, pages holding an unprinted number, pages holding an unprinted citation number."""
    n = sum(r["numbers"] for r in rows)
    ok = sum(r["numbers_printed"] for r in rows)
    return {"numbers": n, "numbers_printed": ok, "numbers_share": ok / n if n else None,
            "cites": sum(r["cites"] for r in rows),
            "cites_unprinted": sum(r["cites_unprinted"] for r in rows),
            "pages_number_unprinted": sum(r["numbers_printed"] < r["numbers"] for r in rows),
            "pages_cite_unprinted": sum(r["cites_unprinted"] > 0 for r in rows)}
