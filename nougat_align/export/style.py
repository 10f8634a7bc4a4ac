"""Markdown styles of a page: ``unicode`` (as converted) or ``nougat`` (as Nougat's released data).

    restyle("Café – ok\\nnext", "nougat") == "Cafe - ok next"

``unicode`` keeps the text as :mod:`nougat_align.html2md.convert` writes it (é, ’, –, ∎, single line
breaks).  ``nougat`` reproduces what Meta's dataset code (``nougat-ocr`` 0.1.17,
``nougat/dataset``) does to the text its released model was trained on:

* ASCII: every character is transliterated with ``unidecode`` (``split_markdown`` applies it to
  the paper's markdown; NBSP becomes a space, é -> e, ’ -> ', – -> -, ² -> 2, ∎ -> nothing);
* single line breaks joined: a ``\\n`` not next to another ``\\n`` and not followed by a digit,
  ``*``, ``#`` or ``[`` becomes a space (``remove_pretty_linebreaks``, applied to every page);
* whitespace as ``format_document`` leaves it: no trailing spaces, whitespace-only lines
  emptied, runs of spaces after a line's first character made one, at most one blank line,
  the page stripped.

Two deliberate differences, both so that applying the style twice changes nothing (pages
written with ``--style nougat`` can be indexed with ``--style nougat`` again): the whitespace
rules run after transliteration and joining (Nougat runs them before, so it can leave two
spaces where it joins an indented line), and floats and footnotes are transliterated like the
rest of the page (Nougat re-inserts them after ``unidecode``, so their non-ASCII survives).
Pages Nougat leaves out of its data (``[??]`` from unresolved references) are left out by
``index --style nougat`` (:func:`nougat_page_ok`).
"""
from __future__ import annotations

import re
from typing import Callable

from nougat_align.errors import InputError

UNICODE, NOUGAT = "unicode", "nougat"
STYLES = (UNICODE, NOUGAT)
DEFAULT_STYLE = UNICODE

_PRETTY_BREAK = re.compile(r"(?<!\n)\n([^\n\d\*#\[])")  # a single line break Nougat joins
_TRAILING = re.compile(r"[ \t]+$", re.M)
_SPACE_RUN = re.compile(r"(?<!\n) {2,}")
_BLANK_RUN = re.compile(r"\n{3,}")
_UNRESOLVED = re.compile(r"\[(?:\?\?(?:. )?)+\]")  # pages Nougat's process_paper does not write


def _unidecode() -> Callable[[str], str]:
    try:
        from unidecode import unidecode
    except ImportError:
        raise InputError("--style nougat needs Unidecode: pip install 'nougat-align[nougat]'") from None
    return unidecode


def check_style(style: str) -> str:
    """``style`` if it is one of :data:`STYLES` (and usable here), else one-line ``InputError``."""
    if style not in STYLES:
        raise InputError(f"unknown style {style!r}: expected one of {', '.join(STYLES)}")
    if style == NOUGAT:
        _unidecode()
    return style


def to_nougat(text: str) -> str:
    """``text`` in Nougat's conventions (see the module docstring); idempotent."""
    text = _unidecode()(text)
    text = _PRETTY_BREAK.sub(r" \1", text)
    text = _TRAILING.sub("", text)
    text = _SPACE_RUN.sub(" ", text)
    return _BLANK_RUN.sub("\n\n", text).strip()


def restyle(text: str, style: str) -> str:
    """A page's markdown in ``style``: ``unicode`` returns it unchanged."""
    return to_nougat(text) if check_style(style) == NOUGAT else text


def nougat_page_ok(text: str) -> bool:
    """False for a page Nougat's pipeline would not write (an unresolved ``[??]`` reference)."""
    return _UNRESOLVED.search(text) is None


__all__ = ["DEFAULT_STYLE", "NOUGAT", "STYLES", "UNICODE", "check_style", "nougat_page_ok", "restyle",
           "to_nougat"]
