"""Figures, tables and algorithms: each held aside as a ``Float`` record.

A float's markdown is its body (tabulars, inside ``\\begin{table}`` for a table, and code
listings), the captions of its unnumbered subfigures, then its caption line ``Figure 3:
text``.  Numbered sub-floats (a table inside a figure, subfigures (a), (b)) get records of
their own, held first.
"""
from __future__ import annotations

import re
from typing import Callable, Iterable, Optional

from nougat_align.html2md.code import code as code_block
from nougat_align.html2md.tree import (FLOAT_CLASSES, classes, detached_copy, drop_keep_tail, has,
                                    is_float, tag_text)
from nougat_align.html2md.output import Walk

_NUMBER = re.compile(r"([A-Z]?[\dIVXLC]+(?:[.\-]\d+)*[a-z]?)\s*[:.]?\s*$")


def hold_float(conv: Walk, el) -> None:
    """Hold a figure/table/algorithm aside; nested floats are held separately."""
    cls = classes(el)
    kind = _kind(cls)
    anchor = conv.out.anchor()
    caption_el = own_caption(el)
    nested = own_descendants(el, is_float)
    nested_numbered = [n for n in nested if _numbered(n)]
    body_parts = _body(conv, el, nested_numbered)
    caption = number = label = ""
    if caption_el is not None:
        number, label, caption = caption_parts(conv, caption_el)
        if not cls & set(FLOAT_CLASSES) and label.lower().startswith("table"):
            kind = "table"  # a bare <figure> (sidewaystable): its caption names it
    for n in nested_numbered:  # each numbered sub-float gets its own record, first
        hold_float(conv, n)
    # unnumbered subfigures: their captions belong to this float
    sub_captions = [conv.inline_children(own_caption(n)) for n in nested
                    if n not in nested_numbered and own_caption(n) is not None]
    text = _markdown(kind, body_parts, sub_captions, label, caption)
    if text.strip():
        conv.out.add_float(el.get("id") or "", kind, number, caption, text, anchor)


def _kind(cls: set[str]) -> str:
    if "ltx_table" in cls:
        return "table"
    if cls & {"ltx_algorithm", "ltx_float_algorithm"}:
        return "algorithm"
    return "listing" if "ltx_lstlisting" in cls else "figure"


def _numbered(el) -> bool:
    cap = own_caption(el)
    return cap is not None and bool(caption_tag(cap)[2])


def _body(conv: Walk, el, nested_numbered: list) -> list[str]:
    """The float's own content: tabulars (also in tables typeset as figures) and code."""
    parts = [conv.tabular(t) for t in own_descendants(
        el, lambda c: c.tag == "table" and has(c, "ltx_tabular"), stop=nested_numbered)]
    parts += [code_block(conv, c) for c in own_descendants(
        el, lambda c: has(c, "ltx_listing") or c.tag == "pre", stop=nested_numbered)]
    return [b for b in parts if b]


def _markdown(kind: str, body_parts: list[str], sub_captions: list[str], label: str, caption: str) -> str:
    lines = []
    if kind == "table" and body_parts:
        lines.append("\\begin{table}\n" + "\n".join(body_parts) + "\n\\end{table}")
    elif body_parts:
        lines.extend(body_parts)
    lines.extend(s for s in sub_captions if s)
    cap_line = f"{label}: {caption}" if label and caption else (label or caption)
    if cap_line:
        lines.append(cap_line)
    return "\n\n".join(x for x in lines if x.strip())


def own_descendants(el, pred: Callable[[object], bool], stop: Iterable = ()) -> list:
    """Descendants matching ``pred``, not looking inside nested floats in ``stop``
    nor inside what matched when it is a float or a table."""
    stop = set(stop)
    found = []

    def walk(node) -> None:
        for child in node:
            if not isinstance(child.tag, str) or child in stop:
                continue
            if pred(child):
                found.append(child)
                if is_float(child) or child.tag == "table":
                    continue
            walk(child)

    walk(el)
    return found


def own_caption(el) -> Optional[object]:
    """The figcaption belonging to ``el`` itself (not to a nested float)."""
    for child in el:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "figcaption":
            return child
        if is_float(child):
            continue
        found = own_caption(child)
        if found is not None:
            return found
    return None


def caption_tag(cap):
    """(tag element, label, number) of a figcaption, read without converting anything:
    (<span>, "Figure 3", "3"); (None, "", "") when it has no tag."""
    tag_el = next((c for c in cap.iter() if isinstance(c.tag, str) and c is not cap
                   and (has(c, "ltx_tag") or any(k.startswith("ltx_tag_") for k in classes(c)))), None)
    if tag_el is None:
        return None, "", ""
    label = tag_text(tag_el).rstrip(":. ").strip()
    m = _NUMBER.search(label)
    return tag_el, label, (m.group(1) if m else "")


def caption_parts(conv: Walk, cap) -> tuple[str, str, str]:
    """(number, label, caption text) of a figcaption: ("3", "Figure 3", "text")."""
    tag_el, label, number = caption_tag(cap)
    if tag_el is None:
        return "", "", conv.inline_children(cap)
    body = detached_copy(cap)
    for t in body.iter():
        if (isinstance(t.tag, str) and t.get("class") == tag_el.get("class")
                and tag_text(t).rstrip(":. ").strip() == label):
            drop_keep_tail(t)
            break
    return number, label, conv.inline_children(body).lstrip(":. ").strip()
