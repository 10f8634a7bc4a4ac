"""A page's reference list rebuilt from the entries the page prints.

LaTeXML may write a bibliography in another order than the PDF (re-sorted by its own
style) or with other text; a page's slice of such a list holds entries the page does not
print and misses ones it does.  ``rebuild`` makes the page's list from the PDF's own lines:
the lines of the list are split into entries at their printed labels (``[12]``, ``12.``);
an entry the markdown holds too (the same words) is written as the markdown has it (formatting, math) with the printed label, any other as the page prints
it (plain text, line-end hyphens joined).  A first line that continues an entry from the
page before is written as plain text, without a list marker.

Stand-off: the result is one ``Relabel`` (kind ``references``) over the page's list span.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Optional, Sequence

from nougat_align.normalize import norm_words
from nougat_align.records import Relabel

_ITEM = re.compile(r"^\* .*$", re.M)
_PRINTED_LABEL = re.compile(r"^(\[[^\]\s]{1,12}\]|\d{1,3}\.)\s+(?=\S)")
_MD_LABEL = re.compile(r"^\* (?:\[[^\]\s]{1,12}\]\s*)?")
MIN_ENTRIES = 2  # fewer labelled lines on the page: not a numbered list


def list_span(text: str, start: int, end: int) -> Optional[tuple[int, int]]:
    """``[x, y)`` of the last run of list items (``* ...`` lines, with the blank lines
    between them) inside ``text[start:end]``, or None."""
    runs: list[list[int]] = []
    for m in _ITEM.finditer(text, start, end):
        if runs and not text[runs[-1][1]:m.start()].strip():
            runs[-1][1] = m.end()
        else:
            runs.append([m.start(), m.end()])
    return (runs[-1][0], runs[-1][1]) if runs and len(runs[-1]) else None


def printed_label(line: str) -> str:
    """The entry label a printed line starts with (``[12]``, ``12.``), or ""."""
    m = _PRINTED_LABEL.match(line.strip())
    return m.group(1) if m else ""


def list_items(text: str) -> list[str]:
    """Every list item line of the markdown (the bibliography's among them)."""
    return [m.group(0) for m in _ITEM.finditer(text)]


_SPACING_ACCENTS = {"\u00b4": "\u0301", "\u00a8": "\u0308", "\u02c6": "\u0302", "\u02dc": "\u0303",
                    "\u02c7": "\u030c", "\u02da": "\u030a"}
_ACCENT_BEFORE = re.compile("([" + re.escape("".join(_SPACING_ACCENTS)) + r"])([A-Za-z\u0131])")


def _plain(lines: Sequence[str]) -> str:
    """Lines joined as one entry: a word hyphenated at a line end joined, no space after a
    line ending in a dash or slash (``45–`` ``52``, a URL), and TeX's spacing accents
    (``L´ucia``, as the text layer holds an accent set over a letter) put on their letter."""
    out = ""
    for ln in lines:
        ln = ln.strip()
        if out.endswith("-") and len(out) > 1 and out[-2].isalpha() and ln[:1].islower():
            out = out[:-1] + ln
        elif out.endswith(("\u2013", "/")):
            out += ln
        else:
            out = f"{out} {ln}" if out else ln
    out = _ACCENT_BEFORE.sub(lambda m: unicodedata.normalize(
        "NFC", m.group(2).replace("\u0131", "i") + _SPACING_ACCENTS[m.group(1)]), out)
    return out


def printed_entries(lines: Sequence[str], starts_inside: bool) -> Optional[list[tuple[str, list[str]]]]:
    """(printed label, lines) per entry of a page's list lines; the label is "" for lines
    that continue an entry from the page before.  ``starts_inside``: the page's list
    starts on its first line (else lines before the first label are not the list's).
    None when fewer than ``MIN_ENTRIES`` lines start with a label."""
    entries: list[tuple[str, list[str]]] = []
    for ln in lines:
        m = _PRINTED_LABEL.match(ln.strip())
        if m:
            entries.append((m.group(1), [ln.strip()[m.end():]]))
        elif entries:
            entries[-1][1].append(ln)
        elif starts_inside:
            entries.append(("", [ln]))
    if sum(bool(lab) for lab, _ in entries) < MIN_ENTRIES:
        return None
    return entries


def rebuild(text: str, span: tuple[int, int], items: Sequence[str], lines: Sequence[str],
            starts_inside: bool) -> Optional[Relabel]:
    """The list ``text[span]`` rewritten as the page prints it (``lines``: the page's body
    lines from where its list starts to where it ends); ``items``: every list item of the
    markdown's bibliography, looked up for their formatting."""
    entries = printed_entries(lines, starts_inside)
    if entries is None:
        return None
    by_words: dict[tuple[str, ...], str] = {}
    for it in items:
        body = _MD_LABEL.sub("", it, count=1)
        by_words.setdefault(tuple(norm_words(body)), body)
    out = []
    for label, body in entries:
        plain = _plain(body)
        if not label:
            out.append(plain)
            continue
        out.append(f"* {label} {by_words.get(tuple(norm_words(plain)), plain)}")
    return Relabel(target="", start=span[0], end=span[1], text="\n".join(out), kind="references")
