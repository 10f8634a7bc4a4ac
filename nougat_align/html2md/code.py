"""A code listing (``ltx_listing`` or ``<pre>``) as a fenced code block."""
from __future__ import annotations


from nougat_align.html2md import mmd
from nougat_align.html2md.tree import has
from nougat_align.html2md.output import Walk


def code(conv: Walk, el) -> str:
    """One line per ``ltx_listingline`` (the listing's own line numbers kept), else the text."""
    line_els = [c for c in el.iter() if isinstance(c.tag, str) and has(c, "ltx_listingline")]
    if line_els:
        lines = [conv.inline_children(line, code=True).strip("\n").rstrip() for line in line_els]
    else:
        lines = ["".join(el.itertext()).rstrip("\n")]
    return mmd.code_block(lines)
