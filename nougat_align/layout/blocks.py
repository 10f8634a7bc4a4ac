"""A kept page's label as blocks: the pieces of markdown that become its elements.

The page's running text (``PageText.start:end`` of ``Markdown.text``) is cut at blank
lines -- never inside math, an environment or a code block -- and each paragraph gets a
DocLayNet category from its syntax: ``# `` Title (the paper's first heading) or
Section-header, ``* ``/``1. `` List-item (one per item), ``\\[...\\]`` Formula (the rows
of one display together), ``\\begin{table}`` Table, the rest (prose, code, author lines)
Text.  The floats and footnotes the page holds aside follow: a figure is a Picture and
its Caption, a table its Table and Caption, a footnote a Footnote.  Offsets are
stand-off, into ``Markdown.text`` or into the float's or footnote's ``mmd``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from nougat_align.normalize import norm_words
from nougat_align.records import Markdown, PageText
from nougat_align.split.check import not_prose_spans

_HEADING = re.compile(r"#{1,6} ")
_ITEM = re.compile(r"(?:[*\-] |\d{1,3}[.)] |\(?[a-z]{1,4}\) )")
_STRONG_ITEM = re.compile(r"(?:[*\-] |\d{1,3}[.)] )")
_DISPLAY = re.compile(r"\\\[")
_BLANK = re.compile(r"\n[ \t]*\n\s*")
_CAPTION = re.compile(r"(?:Figure|Table|Algorithm|Listing|Fig\.|Tab\.)\s*[\w.\-]*\s*:", re.I)
_TEX = re.compile(r"\\\[(.*?)\\\]", re.S)


@dataclass(frozen=True)
class Block:
    """One element's markdown: category, where it is (``source``: "" for
    ``Markdown.text``, else a float or footnote id; ``[start, end)`` in it), its text as
    the page is written (relabels applied), the LaTeX of a Formula, and its normalized
    words.  ``float_id`` ties a Picture/Table/Caption to its float."""

    category: str
    source: str
    start: int
    end: int
    text: str
    words: tuple[str, ...]
    tex: Optional[str] = None
    float_id: str = ""
    kind: str = ""  # the float's kind (figure, table, algorithm) for its parts


def _paragraphs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``[start, end)`` cut at blank lines outside math, environments and code blocks;
    each piece stripped of surrounding whitespace, empty pieces dropped."""
    shielded = [(a, b) for a, b in not_prose_spans(text[start:end])]
    cuts = []
    for m in _BLANK.finditer(text, start, end):
        a = m.start() - start
        if not any(x < a < y for x, y in shielded):
            cuts.append((m.start(), m.end()))
    out, at = [], start
    for a, b in cuts + [(end, end)]:
        out.append((at, a))
        at = b
    return [_strip(text, a, b) for a, b in out if text[a:b].strip()]


def _strip(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def _lines(text: str, a: int, b: int) -> list[tuple[int, int]]:
    out, at = [], a
    while at < b:
        nl = text.find("\n", at, b)
        nl = b if nl < 0 else nl
        out.append((at, nl))
        at = nl + 1
    return out


def _pieces(text: str, a: int, b: int) -> list[tuple[str, int, int]]:
    """One paragraph as (category, start, end) pieces: a heading, list items (each item
    with its continuation lines), runs of display rows, or one Text/Table."""
    para = text[a:b]
    if _HEADING.match(para) and "\n" not in para:
        return [("Section-header", a, b)]
    if para.startswith("\\begin{table}") or para.startswith("\\begin{tabular}"):
        return [("Table", a, b)]
    if para.startswith("```"):
        return [("Text", a, b)]
    out: list[tuple[str, int, int]] = []
    rows = _lines(text, a, b)
    # a paragraph that opens with the rest of an item begun on the page before ("have
    # occurred ...\n3. This is ..."): its lines before the first marker are that item's
    cont = not _ITEM.match(para) and any(_STRONG_ITEM.match(text[x:y]) for x, y in rows[1:])
    for x, y in rows:
        line = text[x:y]
        if _DISPLAY.match(line) and line.rstrip().endswith("\\]"):
            cat = "Formula"
        elif cont and not out:
            out.append(("List-item", x, y))
            continue
        elif _ITEM.match(line) and (out and out[-1][0] == "List-item" or _ITEM.match(para)
                                    or cont and _STRONG_ITEM.match(line)):
            cat = "List-item"
            out.append((cat, x, y))  # every item its own element
            continue
        else:
            cat = "Text" if not out or out[-1][0] != "List-item" else "List-item"  # an item's next line
        if out and out[-1][0] == cat:
            out[-1] = (cat, out[-1][1], y)
        else:
            out.append((cat, x, y))
    return out


def page_blocks(md: Markdown, p: PageText) -> list[Block]:
    """The blocks of kept page ``p``: its running text in markdown order, then its floats
    (Picture or Table, then Caption) and footnotes."""
    text = md.text
    out: list[Block] = []
    for a, b in _paragraphs(text, p.start, p.end):
        for cat, x, y in _pieces(text, a, b):
            shown = p.label_text(text, x, y).strip()
            if not shown:
                continue  # all of it removed: the page does not print it
            if cat == "Section-header" and x == 0 and text.startswith("# "):
                cat = "Title"
            tex = None
            if cat == "Formula":
                tex = "\n".join(m.group(1).strip() for m in _TEX.finditer(shown))
            out.append(Block(cat, "", x, y, shown, tuple(norm_words(shown)), tex))
    floats = {f.id: f for f in md.floats}
    for fid in p.floats:
        f = floats.get(fid)
        if f is None:
            continue
        parts = _paragraphs(f.mmd, 0, len(f.mmd))
        body = [(a, b) for a, b in parts if not _CAPTION.match(f.mmd[a:b])]
        caps = [(a, b) for a, b in parts if _CAPTION.match(f.mmd[a:b])]
        if f.kind == "figure" or not body:
            out.append(Block("Picture" if f.kind != "table" else "Table", fid, 0, 0, "", (),
                             float_id=fid, kind=f.kind))
        for a, b in body:
            shown = p.aside_text(f.mmd, fid, a, b).strip()
            # a table's tabular; a figure's sub-captions ("(a) Quantum circuit"); an algorithm's code
            cat = ("Table" if f.kind == "table" or shown.startswith("\\begin{tab") else
                   "Caption" if f.kind == "figure" and not shown.startswith("```") else "Text")
            out.append(Block(cat, fid, a, b, shown, tuple(norm_words(shown)), float_id=fid, kind=f.kind))
        for a, b in caps:
            shown = p.aside_text(f.mmd, fid, a, b).strip()
            out.append(Block("Caption", fid, a, b, shown, tuple(norm_words(shown)), float_id=fid,
                             kind=f.kind))
    notes = {n.id: n for n in md.footnotes}
    for nid in p.footnotes:
        n = notes.get(nid)
        if n is None:
            continue
        shown = p.aside_text(n.mmd, nid).strip()
        # "Footnote 2:" is the label's convention; the page prints only the mark
        words = tuple(norm_words(re.sub(r"^Footnote\s*\S*?:\s*", "", shown) + " " + n.mark))
        out.append(Block("Footnote", nid, 0, len(n.mmd), shown, words))
    return out
