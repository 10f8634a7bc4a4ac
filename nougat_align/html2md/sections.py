"""Sections with their headings, and titled blocks: the abstract (``###### Abstract``)
and theorems/proofs (``**Theorem 1** (Name). body``, title run into the text)."""
from __future__ import annotations

import re

from lxml import etree

from nougat_align.html2md import mmd
from nougat_align.html2md.tree import detached_copy, has
from nougat_align.html2md.output import Walk

# section class -> heading level (number of '#')
HEADING_LEVEL = {
    "ltx_part": 1,
    "ltx_chapter": 1,
    "ltx_section": 2,
    "ltx_appendix": 2,
    "ltx_bibliography": 2,
    "ltx_index": 2,
    "ltx_subsection": 3,
    "ltx_subsubsection": 4,
    "ltx_paragraph": 5,
    "ltx_subparagraph": 6,
}
HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def section(conv: Walk, el, cls: set[str]) -> None:
    """``## 1 Introduction`` then the section's content."""
    level = next((HEADING_LEVEL[c] for c in cls if c in HEADING_LEVEL), 2)
    appendix = "ltx_appendix" in cls

    def title(child) -> bool:
        if child.tag in HEADING_TAGS and has(child, "ltx_title"):
            conv.out.emit(mmd.heading(level, _heading_text(conv, child, appendix)))
            return True
        return False

    conv.block(el, section_title=title)


def _heading_text(conv: Walk, el, appendix: bool) -> str:
    text = conv.inline_children(el, plain=True)
    if appendix:  # LaTeXML tags "Appendix A"; article-style PDFs print "A"
        text = re.sub(r"^Appendix\s+(?=[A-Z0-9])", "", text)
    return text


def abstract(conv: Walk, el) -> None:
    """``###### Abstract`` (or the printed title) then the abstract's paragraphs."""
    title = "Abstract"
    rest = []
    for child in el:
        if isinstance(child.tag, str) and has(child, "ltx_title_abstract"):
            title = conv.inline_children(child, plain=True) or "Abstract"
        else:
            rest.append(child)
    conv.out.emit(mmd.heading(6, title))
    conv.block(_holder(el.text, rest))


def theorem(conv: Walk, el) -> None:
    """``**Theorem 1** (Name). body`` / ``_Proof._ body``: title run into the text."""
    title = ""
    rest = []
    for child in el:
        if isinstance(child.tag, str) and child.tag.startswith("h") and has(child, "ltx_title"):
            title = _theorem_title(conv, child)
        else:
            rest.append(child)
    start = len(conv.out.blocks)
    conv.block(_holder(el.text, rest))
    if title:
        conv.out.run_in(start, title)


def _holder(text, children):
    """A new ``<div>`` holding ``text`` and copies of ``children`` (to walk as a block)."""
    holder = etree.Element("div")
    holder.text = text
    for child in children:
        holder.append(detached_copy(child))
    return holder


def _theorem_title(conv: Walk, h) -> str:
    """``**Theorem 1** (Name).``: the tag in bold, the rest as printed."""
    tag_el = next((c for c in h.iter() if isinstance(c.tag, str) and has(c, "ltx_tag")), None)
    text = conv.inline_children(h, plain=True)
    if tag_el is None:
        return mmd.wrap("_", text) if text.lower().startswith("proof") else text
    tag = conv.inline_children(tag_el, plain=True)
    rest = text[len(tag):].strip() if text.startswith(tag) else text
    rest = re.sub(r"\(\s+", "(", rest)
    return f"**{tag}**" + (" " + rest if rest and not rest.startswith(".") else rest)
