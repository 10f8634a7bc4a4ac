"""A footnote (or ``\\thanks`` / affiliation note): held aside, its mark kept inline."""
from __future__ import annotations


from nougat_align.html2md import mmd
from nougat_align.html2md.tree import child_with_class, detached_copy, drop_keep_tail, tag_text
from nougat_align.html2md.output import Walk

_NOT_TEXT = (".//*[contains(@class,'ltx_note_mark') or contains(@class,'ltx_tag_note') "
             "or contains(@class,'ltx_note_type')]")


def note(conv: Walk, el) -> str:
    """Hold the note's text aside as a footnote; return its mark as written in the text."""
    mark_el = child_with_class(el, "ltx_note_mark")
    mark = tag_text(mark_el) if mark_el is not None else ""
    content = el.xpath(".//*[contains(concat(' ', @class, ' '), ' ltx_note_content ')]")
    if not content:
        return ""
    body = detached_copy(content[0])
    for junk in body.xpath(_NOT_TEXT):
        drop_keep_tail(junk)
    text = conv.inline_children(body)
    if not text:
        return ""
    conv.out.add_footnote(el.get("id") or "", mark, text)
    return mmd.footnote_mark(mark)
