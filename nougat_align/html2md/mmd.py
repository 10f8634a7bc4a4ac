"""Nougat-style markdown ("mmd") written from plain values: no HTML here.

``html2md`` reads LaTeXML's elements and hands what it found (a cell's text and borders,
a formula's TeX and number, an item's marker and body) to these functions, which decide
how it is written (DESIGN.md §3): ``**bold**``/``_italic_``, ``\\[... \\tag{3}\\]``,
``\\begin{tabular}`` with ``\\multicolumn``/``\\multirow``/``\\hline``, ``* item`` lists
nested by two spaces, ``` code blocks.
"""
from __future__ import annotations

import re
from typing import Sequence

_MATH_SPAN = re.compile(r"(\\\(.*?\\\))")


def wrap(marker: str, text: str) -> str:
    """``**x**`` around the non-blank core of ``text``, keeping outer spaces outside."""
    core = text.strip()
    if not core:
        return text
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()):]
    if core.startswith(marker) and core.endswith(marker):
        return text
    return f"{lead}{marker}{core}{marker}{trail}"


def escape_tabular(text: str) -> str:
    """Escape LaTeX specials in a table cell's text, leaving its math alone."""
    parts = _MATH_SPAN.split(text)
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r"(?<!\\)([%&#_$])", r"\\\1", parts[i])
    return "".join(parts)


def display_math(tex: str, tag: str = "") -> str:
    """One row of display math, numbered when ``tag`` is given."""
    return "\\[" + tex + (f" \\tag{{{tag}}}" if tag else "") + "\\]"


def with_tag(display: str, tag: str) -> str:
    """A display row (``\\[...\\]``) given the number printed beside it."""
    return display[:-2] + f" \\tag{{{tag}}}\\]"


def multirow(rows: int, text: str) -> str:
    return f"\\multirow{{{rows}}}{{*}}{{{text}}}"


def multicolumn(cols: int, spec: str, text: str) -> str:
    return f"\\multicolumn{{{cols}}}{{{spec}}}{{{text}}}"


def tabular(spec: str, rows: Sequence[tuple[Sequence[str], bool, bool]]) -> str:
    """``\\begin{tabular}{spec}`` with one line per row of (cells, rule above, rule below);
    a rule between two rows is written once."""
    lines = [f"\\begin{{tabular}}{{{spec}}}"]
    prev_bottom = False
    for cells, top, bottom in rows:
        if top and not prev_bottom:
            lines.append("\\hline")
        lines.append(" & ".join(cells) + " \\\\")
        if bottom:
            lines.append("\\hline")
        prev_bottom = bottom
    lines.append("\\end{tabular}")
    return "\n".join(lines)


def list_item(level: int, marker: str, body: str) -> str:
    """One list item's line, indented two spaces per nesting level."""
    return f"{'  ' * level}{marker} {body}".rstrip()


def code_block(lines: Sequence[str]) -> str:
    """A fenced code block ("" when the code is blank)."""
    body = "\n".join(lines).strip("\n")
    return f"```\n{body}\n```" if body.strip() else ""


def heading(level: int, text: str) -> str:
    """``## text``: ``level`` ``#`` (1 title/chapter, 2 section, ... 6 paragraph)."""
    return "#" * level + " " + text


def footnote_line(mark: str, text: str) -> str:
    """A footnote held aside: ``Footnote 2: text`` (``Footnote: text`` without a mark)."""
    return (f"Footnote {mark}: " if mark else "Footnote: ") + text


def footnote_mark(mark: str) -> str:
    """Where a footnote is called in the text: its mark as a superscript."""
    return f"\\({{}}^{{{mark}}}\\)" if mark else ""


def reference_item(label: str, text: str) -> str:
    """One bibliography entry: ``* [1] text``."""
    return re.sub(r"\s+", " ", f"* {label} {text}").strip()
