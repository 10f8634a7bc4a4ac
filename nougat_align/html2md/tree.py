"""Small helpers over LaTeXML's lxml tree (used by every part of html2md):
class tests, an element's text, detached copies, removing an element but not its tail."""
from __future__ import annotations

import copy
import re

FLOAT_CLASSES = ("ltx_figure", "ltx_table", "ltx_float")
EQUATION_CLASSES = {"ltx_equation", "ltx_equationgroup"}
_WS = re.compile(r"\s+")


def classes(el) -> set[str]:
    return set((el.get("class") or "").split())


def has(el, cls: str) -> bool:
    return cls in (el.get("class") or "").split()


def is_float(el) -> bool:
    """A figure, table or algorithm float (``<figure>`` or a LaTeXML float class)."""
    return isinstance(el.tag, str) and (el.tag == "figure" or bool(classes(el) & set(FLOAT_CLASSES)))


def is_equation(el) -> bool:
    return bool(classes(el) & EQUATION_CLASSES)


def child_with_class(el, cls: str):
    """The first child element of ``el`` with class ``cls`` (None when there is none)."""
    return next((c for c in el if isinstance(c.tag, str) and has(c, cls)), None)


def one_space(text: str) -> str:
    """Every run of white space (newlines too) as one space."""
    return _WS.sub(" ", text)


def squash(text: str) -> str:
    return one_space(text).strip()


def tag_text(el) -> str:
    """All the text inside ``el``, white space squashed."""
    return squash("".join(el.itertext()))


def detached_copy(el):
    """A detached copy of ``el`` without its tail (so it can be walked on its own)."""
    dup = copy.deepcopy(el)
    dup.tail = None
    return dup


def drop_keep_tail(el) -> None:
    """Remove ``el`` from its parent, keeping the text that followed it."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail or ""
    prev = el.getprevious()
    if prev is not None:
        prev.tail = (prev.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(el)
