"""Math in LaTeXML HTML as the author's TeX: inline ``\\(...\\)`` and display equations.

The TeX comes from each ``<math>``'s ``alttext``, never from MathML.  An equation (or an
``align`` group) becomes one ``\\[...\\]`` line per row, numbered with ``\\tag{3}``.
"""
from __future__ import annotations

import re

from nougat_align.html2md import mmd
from nougat_align.html2md.tree import has, squash, tag_text

# A TikZ picture inside a formula: LaTeXML's alttext holds the whole drawing as the pgf
# driver code it ran (``\hbox to..{\vbox to..{\pgfpicture ... \endpgfpicture}}``, often
# tens of thousands of characters).  The page prints a drawing there, not TeX: the picture
# is left out of the formula, and a ``\scalebox`` left empty with it.
_PICTURE = re.compile(r"(?:\\leavevmode\s*)?(?:\\hbox to\s*-?[\d.]+pt\s*\{\s*\\vbox to\s*-?[\d.]+pt\s*\{\s*)?"
                      r"\\pgfpicture\b.*?\\endpgfpicture\b(?:\s*\}\s*\})?", re.S)
_EMPTY_SCALEBOX = re.compile(r"\\scalebox\{[^{}]*\}\{\s*\}")


def clean_tex(tex: str) -> str:
    """LaTeXML's alttext: drop its '%\\n' line continuations, \\displaystyle, and TikZ
    pictures drawn inside the formula."""
    tex = tex.replace("%\n", "").replace("\\displaystyle", " ")
    if "\\pgfpicture" in tex:
        tex = _EMPTY_SCALEBOX.sub("", _PICTURE.sub("", tex))
    return squash(tex)


def alttext(math) -> str:
    """The TeX of a ``<math>`` element."""
    return clean_tex(math.get("alttext") or "")


def inline_math(math) -> str:
    """A ``<math>`` element as ``\\(tex\\)`` ("" when it has no TeX)."""
    tex = alttext(math)
    return f"\\({tex}\\)" if tex else ""


def math_text(el) -> str:
    """Text of ``el`` with any math as its TeX (for tags like ``(\\ast)``)."""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str):
            parts.append(alttext(child) if child.tag == "math" else math_text(child))
        parts.append(child.tail or "")
    return squash("".join(parts))


def equation(el) -> str:
    """An ``ltx_equation``/``ltx_equationgroup`` table: one display-math line per row."""
    rows: list[str] = []
    late_tags: dict[int, str] = {}  # a number spanning rows is printed beside the last
    for r, tr in enumerate(el.iter("tr")):
        tex, tag = _row(r, tr, late_tags)
        if tex:
            rows.append(mmd.display_math(tex, tag))
        elif tag and rows and "\\tag" not in rows[-1]:  # a group number on its own row
            rows[-1] = mmd.with_tag(rows[-1], tag)
    return "\n".join(rows)


def _row(r: int, tr, late_tags: dict[int, str]) -> tuple[str, str]:
    """(TeX, number) of row ``r``; a number spanning rows is put in ``late_tags``."""
    tex_parts, tag = [], late_tags.pop(r, "")
    for td in tr:
        if not isinstance(td.tag, str):
            continue
        if has(td, "ltx_eqn_eqno"):
            text = math_text(td).strip()
            text = text[1:-1] if text.startswith("(") and text.endswith(")") else text
            span = int(td.get("rowspan") or 1)
            if span > 1:
                late_tags[r + span - 1] = text
            else:
                tag = text
            continue
        texts = [n for n in td if isinstance(n.tag, str) and has(n, "ltx_text")]
        for node in td.iter():
            if node.tag == "math" and not any(t in node.iterancestors() for t in texts):
                tex_parts.append(alttext(node))
            elif node in texts:
                tex_parts.append("\\text{" + _text_with_math(node) + "}")
    return " ".join(p for p in tex_parts if p), tag


def _text_with_math(el) -> str:
    """Text inside a display (``\\text{for each $x$, ...}``): its words, and the math in
    it as ``$tex$`` (not the MathML's glyphs, which hold invisible operators)."""
    if not any(True for _ in el.iter("math")):
        return tag_text(el)
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str):
            parts.append(f"${alttext(child)}$" if child.tag == "math" else _text_with_math(child))
        parts.append(child.tail or "")
    return squash("".join(parts))
