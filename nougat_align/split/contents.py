"""A table-of-contents page labelled with the entries it prints.

LaTeXML writes ``\\tableofcontents`` as navigation (without page numbers), which the
markdown leaves out, so the aligner finds no markdown for a contents page.  Its label is
made from the page's own lines instead: one paragraph per entry (section number, title,
page number as printed; dot leaders left out), the title "Contents" as a heading.

MuPDF gives a contents line as several pieces (the number, the title and its leaders,
the page number: they stand far apart).  An entry ends at a page number -- arabic or
lowercase roman -- that follows its title, so a title broken over two lines stays one
entry and the section number that starts an entry is not taken for the end of the last.

Stand-off: the result is one ``Relabel`` (kind ``contents``) inserted at the page's
(empty) place in the markdown.
"""
from __future__ import annotations

import re
from typing import Sequence

from nougat_align.pdf.text import FOLIO, PdfLine, blocks
from nougat_align.records import Relabel

_LEADERS = re.compile(r"(?:\s*\.){3,}\s*$|(?:\s*\.\s){2,}\s*\.?")
_SECTION_NUMBER = re.compile(r"[\dA-Z]+(?:\.\d+)*\.?")
_TITLES = ("contents", "table of contents")


def entries(lines: Sequence[PdfLine]) -> list[str]:
    """The page's contents entries, in print order: every text block holding a body
    line, furniture lines inside such a block included (a last page number the furniture
    test took for a folio); a block reading "Contents" is an entry of its own."""
    out: list[str] = []
    entry: list[str] = []
    titled = False  # the entry has more than its section number
    for block in blocks(lines):
        if not any(ln.role == "body" for ln in block):
            continue
        pieces = [t for t in (_LEADERS.sub(" ", ln.text).strip() for ln in block) if t]
        if " ".join(pieces).lower() in _TITLES:
            out.extend([" ".join(entry)] if entry else [])
            out.append(" ".join(pieces))
            entry, titled = [], False
            continue
        for piece in pieces:
            entry.append(piece)
            if titled and FOLIO.fullmatch(piece):  # its page number ends the entry
                out.append(" ".join(entry))
                entry, titled = [], False
            elif not _SECTION_NUMBER.fullmatch(piece):
                titled = True
    if entry:
        out.append(" ".join(entry))
    return out


def label(lines: Sequence[PdfLine], level: int, at: int) -> Relabel | None:
    """The label of a contents page whose markdown is empty, inserted at ``at``; None
    when the page prints fewer than two entries.  A first entry reading "Contents" is
    the page's title: a heading of ``level``."""
    found = entries(lines)
    head = []
    if found and found[0].lower() in _TITLES:
        head = ["#" * level + " " + found[0]]
        found = found[1:]
    if len(found) < 2:
        return None
    return Relabel(target="", start=at, end=at, text="\n\n".join(head + found) + "\n\n", kind="contents")
