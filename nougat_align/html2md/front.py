"""Front matter below the title: authors (with affiliations and ``\\thanks`` notes) and
keyword / classification lines."""
from __future__ import annotations


from nougat_align.html2md import mmd
from nougat_align.html2md.tree import detached_copy, drop_keep_tail, has, squash
from nougat_align.html2md.output import Walk


def authors(conv: Walk, el) -> None:
    """Each author (``ltx_creator``) as a paragraph: name, affiliation and email lines.

    authblk-style affiliations (``ltx_author_notes > ltx_contact``, repeated under every
    author) are numbered once, as the PDF prints them; a ``\\thanks`` note becomes a
    footnote marked ``*``.
    """
    creators = [c for c in el if isinstance(c.tag, str) and has(c, "ltx_creator")]
    if not creators:
        conv.out.emit(conv.inline_children(el, keep_breaks=True))
        return
    affiliations: list[str] = []
    names: list[str] = []
    blocks: list[str] = []
    for creator in creators:
        notes = [c for c in creator.iter() if isinstance(c.tag, str) and has(c, "ltx_author_notes")]
        contacts = [c for n in notes for c in n.iter() if isinstance(c.tag, str) and has(c, "ltx_contact")]
        lines = _person_lines(conv, creator)
        if contacts:
            marks = [_affiliation_number(affiliations, conv.inline_children(c)) for c in contacts]
            names.append(" ".join(lines) + mmd.footnote_mark(",".join(marks)))
            continue
        for n in notes:  # \thanks: printed as a footnote with a symbol
            note = conv.inline_children(n)
            if note:
                conv.out.add_footnote(n.get("id") or "", "*", note)
                if lines:
                    lines[0] += mmd.footnote_mark("*")
        if lines:
            blocks.append("\n".join(lines))
    if names:
        blocks.insert(0, ", ".join(names))
        blocks.append("\n".join(mmd.footnote_mark(str(i)) + a for i, a in enumerate(affiliations, 1)))
    for b in blocks:
        conv.out.emit(b)


def _person_lines(conv: Walk, creator) -> list[str]:
    """An author's lines (name, address, email) without their notes and separators."""
    person = detached_copy(creator)
    for n in person.xpath(".//*[contains(concat(' ', @class, ' '), ' ltx_author_notes ')]"):
        drop_keep_tail(n)
    text = conv.inline_children(person, keep_breaks=True)
    lines = [squash(line) for line in text.split("\n")]
    lines = [line for line in lines if line and line not in ("&", "and", ",")]
    return [line[1:].strip() if line.startswith("&") else line for line in lines]


def _affiliation_number(affiliations: list[str], affiliation: str) -> str:
    """The number of ``affiliation`` in the order first met (added when new)."""
    if affiliation not in affiliations:
        affiliations.append(affiliation)
    return str(affiliations.index(affiliation) + 1)


def keywords(conv: Walk, el) -> None:
    """``Keywords: a, b``: the printed title (colon added) then the list."""
    parts = []
    for child in el:
        if isinstance(child.tag, str) and has(child, "ltx_title"):
            parts.append(conv.inline_children(child, plain=True).rstrip(":") + ":")
    body = detached_copy(el)
    for t in body.xpath(".//*[contains(@class,'ltx_title')]"):
        drop_keep_tail(t)
    parts.append(conv.inline_children(body))
    conv.out.emit(" ".join(p for p in parts if p))
