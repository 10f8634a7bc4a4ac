"""Lists (``* item`` / ``1. item`` / ``* **term** text``, nested by two spaces) and the
bibliography (``* [1] text``)."""
from __future__ import annotations

import re

from nougat_align.html2md import mmd
from nougat_align.html2md.floats import hold_float
from nougat_align.html2md.math import equation
from nougat_align.html2md.tree import child_with_class, has, is_equation, is_float, squash, tag_text
from nougat_align.html2md.output import Walk

LIST_TAGS = ("ul", "ol", "dl")
_BULLETS = ("", "•", "–", "-", "∙", "◦", "∗", "⋅", "*")


def list_(conv: Walk, el, level: int) -> str:
    """A ``ul``/``ol``/``dl`` at nesting ``level``, one line per item."""
    if el.tag == "dl":
        return _description_list(conv, el, level)
    out = []
    ordered = el.tag == "ol" or has(el, "ltx_enumerate")
    for n, li in enumerate((c for c in el if isinstance(c.tag, str) and c.tag == "li"), 1):
        tag_el = child_with_class(li, "ltx_tag")
        label = tag_text(tag_el) if tag_el is not None else ""
        if ordered:
            marker = label if label else f"{n}."
        else:
            marker = "*" if label in _BULLETS else f"* {label}"
        out.append(mmd.list_item(level, marker, _item_body(conv, li, level, skip=tag_el)))
    return "\n".join(out)


def _description_list(conv: Walk, el, level: int) -> str:
    """``* **term** text`` per ``dt``/``dd`` pair."""
    out = []
    term = ""
    for child in el:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "dt":
            term = conv.inline_children(child)
        elif child.tag == "dd":
            body = _item_body(conv, child, level)
            head = mmd.wrap("**", term) if term else ""
            out.append(mmd.list_item(level, "*", f"{head} {body}"))
            term = ""
    return "\n".join(out)


def _item_body(conv: Walk, li, level: int, skip=None) -> str:
    """An item's paragraphs on its line (joined), nested lists on the next lines;
    a float inside the item is held aside."""
    texts: list[str] = []
    nested: list[str] = []
    pending = [li.text or ""]

    def walk(node) -> None:
        for child in node:
            if not isinstance(child.tag, str) or child is skip:
                pending.append(child.tail or "")
                continue
            if child.tag in LIST_TAGS:
                nested.append(list_(conv, child, level + 1))
            elif child.tag == "table" and is_equation(child):
                texts.append(squash("".join(pending)))
                pending.clear()
                texts.append(equation(child))
            elif is_float(child):
                hold_float(conv, child)
            elif child.tag == "p":
                pending.append(" " + conv.inline_children(child) + " ")
            elif child.tag in ("div", "span") and has(child, "ltx_para"):
                pending.append(child.text or "")
                walk(child)
            else:
                pending.append(conv.inline(child))
            pending.append(child.tail or "")

    walk(li)
    texts.append(squash("".join(pending)))
    body = " ".join(t for t in texts if t)
    return "\n".join([body] + nested) if nested else body


def bibliography(conv: Walk, el) -> None:
    """``* [1] text`` per ``ltx_bibitem``, all in one block."""
    items = []
    for li in el:
        if not isinstance(li.tag, str) or not has(li, "ltx_bibitem"):
            continue
        blocks = [conv.inline_children(b) for b in li
                  if isinstance(b.tag, str) and has(b, "ltx_bibblock") and not has(b, "ltx_bib_cited")]
        text = " ".join(b for b in blocks if b)
        items.append(mmd.reference_item(_reference_label(li), text))
    if items:
        conv.out.emit("\n".join(items))


def _reference_label(li) -> str:
    """The label the PDF prints before a reference (``[1]``), "" for natbib's "Smith et al.
    (2012)" that it does not print."""
    tag_el = child_with_class(li, "ltx_tag")
    if tag_el is None:
        return ""
    tag = tag_text(tag_el)
    if has(tag_el, "ltx_bib_author-year"):
        return tag  # LaTeXML's own bibliography: authors (year)
    if re.fullmatch(r"\[?[\w.\-]{1,8}\]?\.?", tag):
        return tag if tag.startswith("[") else f"[{tag.rstrip('.')}]"
    return ""
