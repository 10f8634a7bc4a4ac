"""LaTeXML HTML -> Nougat-style markdown ("mmd").

One pass over the lxml tree of LaTeXML's ``<article class="ltx_document">``.  Blocks
(headings, paragraphs, equations, lists, code) become markdown paragraphs separated by a
blank line; floats (figures, tables, algorithms) and footnotes are held aside as records
with the character offset where they stood, so the page splitter can append each one to
the page that prints it.

Conventions (DESIGN.md §3): ``# Title``; ``## 1 Introduction`` (section numbers kept);
``**bold**``, ``_italic_``; inline math ``\\(...\\)``; display math ``\\[... \\tag{3}\\]``
(one line per row of an align); lists ``* item`` / ``1. item`` nested by two spaces;
tables as ``\\begin{table}\\n\\begin{tabular}{..}..\\end{tabular}\\n\\end{table}`` then
the caption line; figures as their caption line; footnotes as ``Footnote 2: ...``;
code in ``` blocks; references as ``* [1] ...``.

Math comes from LaTeXML's ``alttext`` (the author's TeX), never from MathML.  Unknown
elements keep their text; ``ltx_ERROR`` nodes (macros LaTeXML could not interpret) are
dropped and counted; unresolved citations and references keep their visible text and add a
warning.  The output depends only on the input bytes.

This module reads the HTML and walks it (``Converter``: blocks and inline text); each kind
of element is written by its own module: ``sections`` (sections, abstract, theorems),
``front`` (authors, keywords), ``lists`` (lists, bibliography), ``floats``
(figures, tables, captions), ``tables`` (tabular), ``math`` (TeX, equations),
``code`` (listings), ``notes`` (footnotes).  What is written is collected by
``output.Output``; ``tree`` has the small lxml helpers; ``mmd`` the syntax.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Optional, Union

from lxml import etree, html as lxml_html

from nougat_align.html2md import front, lists, mmd, notes, sections, tables
from nougat_align.html2md.code import code as code_block
from nougat_align.errors import InputError
from nougat_align.html2md.floats import hold_float
from nougat_align.html2md.math import equation, inline_math
from nougat_align.html2md.lists import LIST_TAGS
from nougat_align.html2md.output import Output
from nougat_align.html2md.sections import HEADING_LEVEL, HEADING_TAGS
from nougat_align.html2md.tree import EQUATION_CLASSES, classes, is_float, one_space, squash, tag_text
from nougat_align.records import Markdown

__all__ = ["html_to_markdown"]

BLOCK_TAGS = {
    "p", "div", "section", "article", "table", "figure", "ul", "ol", "dl", "pre",
    "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "nav", "header", "footer",
    "figcaption", "li", "dt", "dd", "tr", "tbody", "thead", "tfoot",
}
SKIP_CLASSES = {
    "ltx_pagination", "ltx_TOC", "ltx_page_footer", "ltx_page_logo", "ltx_rule",
    "ltx_bib_cited", "ltx_note_type", "ltx_bib_links", "ltx_listing_data",
}
# LaTeXML uses <span class="ltx_para"> inside figures: a block, like these
BLOCK_CLASSES = {"ltx_para", "ltx_listing", *EQUATION_CLASSES}
_INLINE_WS = re.compile(r"[^\S\n]+")


def html_to_markdown(source: Union[str, bytes, Path]) -> Markdown:
    """Convert LaTeXML HTML (a path, or the HTML itself as str/bytes) to ``Markdown``.

    Raises ``InputError`` (one line) for empty, truncated or non-LaTeXML HTML; every
    other problem becomes a warning in the result.
    """
    data, name = _read(source)
    conv = Converter()
    conv.block(_parse_article(data, name))
    return conv.out.result()


# ----------------------------------------------------------------------- input ---------


def _read(source: Union[str, bytes, Path]) -> tuple[bytes, str]:
    """The HTML as UTF-8 bytes behind a byte-order mark, and a name for messages.

    HTML saved without a charset declaration would be read by lxml as Latin-1 (UTF-8 text
    turns into mojibake), so the bytes are decoded here with bs4's ``UnicodeDammit``:
    UTF-8 when they are valid UTF-8, else a byte-order mark or the declared charset, else
    its guess.  lxml honours the BOM over any ``<meta charset>`` in the document.
    """
    from bs4.dammit import UnicodeDammit

    name = "<html>"
    if isinstance(source, Path):
        path, name = source, source.name
        try:
            source = path.read_bytes()
        except FileNotFoundError:
            raise InputError(f"{path}: no such file") from None
        except IsADirectoryError:
            raise InputError(f"{path}: is a directory, expected an HTML file") from None
    if isinstance(source, str):
        text = source
    else:
        text = UnicodeDammit(bytes(source), ["utf-8"], is_html=True).unicode_markup
        if text is None:
            raise InputError(f"{name}: not text in any known encoding")
    text = text.lstrip("\ufeff")
    return (b"\xef\xbb\xbf" + text.encode("utf-8", "replace") if text.strip() else b""), name


def _parse_article(data: bytes, name: str):
    if not data.strip():
        raise InputError(f"{name}: empty HTML")
    head = data[:4096].lower()
    if b"<html" not in head and b"<!doctype" not in head and b"<article" not in data[:65536].lower():
        raise InputError(f"{name}: not HTML")
    tail = data.rstrip()[-64:].lower()
    if not tail.endswith(b"</html>"):
        raise InputError(f"{name}: truncated HTML (no closing </html>)")
    try:
        root = lxml_html.document_fromstring(data)
    except (etree.ParserError, ValueError) as e:
        raise InputError(f"{name}: unreadable HTML ({e})") from None
    articles = root.xpath("//article[contains(concat(' ', normalize-space(@class), ' '), ' ltx_document ')]")
    if not articles:
        if b"latexml" in data.lower():
            raise InputError(f"{name}: LaTeXML HTML without <article class=ltx_document> "
                             "(the conversion failed or timed out)")
        raise InputError(f"{name}: not LaTeXML output (no <article class=ltx_document>)")
    return articles[0]




# ----------------------------------------------------------------------- walk ----------


class Converter:
    """The walk over the article: block elements become paragraphs of ``out``, inline
    elements become text.  Each kind of element is written by its own module
    (``sections``, ``front``, ``lists``, ``floats``, ``math``,
    ``tables``, ``code``, ``notes``), which calls back into this walk for
    the blocks and inline text inside it."""

    def __init__(self) -> None:
        self.out = Output()

    # -- blocks ----------------------------------------------------------------------

    def block(self, el, section_title: Optional[Callable[[object], bool]] = None) -> None:
        """Render the children of a block container, flushing inline runs as paragraphs.

        In a section, ``section_title(child)`` writes the child that is the section's
        heading and says so.
        """
        pending: list[str] = [el.text or ""]
        for child in el:
            if not isinstance(child.tag, str):  # comments, processing instructions: their tail is text
                pending.append(child.tail or "")
                continue
            if section_title is not None and section_title(child):
                continue
            if _is_block(child):
                self._paragraph(pending)
                pending = []
                self.block_element(child)
            else:
                pending.append(self.inline(child))
            pending.append(child.tail or "")
        self._paragraph(pending)

    def _paragraph(self, pieces: list[str]) -> None:
        text = squash("".join(pieces))
        if text:
            self.out.emit(text)

    def block_element(self, el) -> None:
        """Write one block element (or hold it aside: floats, footnotes)."""
        cls, tag, out = classes(el), el.tag, self.out
        if cls & SKIP_CLASSES or tag in ("nav", "footer", "header", "script", "style"):
            return
        if "ltx_ERROR" in cls:
            self.error(el)
        elif tag == "h1" and "ltx_title_document" in cls:
            out.title = self.inline_children(el)
            out.emit("# " + out.title)
        elif tag in HEADING_TAGS:
            out.emit(mmd.heading(6, self.inline_children(el)))
        elif tag == "section" or cls & set(HEADING_LEVEL):
            sections.section(self, el, cls)
        elif "ltx_authors" in cls:
            front.authors(self, el)
        elif "ltx_abstract" in cls:
            sections.abstract(self, el)
        elif cls & {"ltx_keywords", "ltx_classification"}:
            front.keywords(self, el)
        elif cls & {"ltx_dates", "ltx_date"}:  # LaTeXML's "(date)": the classes print no parentheses
            date = self.inline_children(el)
            out.emit(date[1:-1].strip() if date.startswith("(") and date.endswith(")") else date)
        elif cls & {"ltx_theorem", "ltx_proof"}:
            sections.theorem(self, el)
        elif is_float(el):
            hold_float(self, el)
        elif tag == "table" and cls & EQUATION_CLASSES:
            out.emit(equation(el))
        elif tag == "table" and "ltx_tabular" in cls:
            out.emit(self.tabular(el))
        elif "ltx_biblist" in cls:
            lists.bibliography(self, el)
        elif tag in LIST_TAGS:
            out.emit(lists.list_(self, el, 0))
        elif tag == "pre" or "ltx_listing" in cls:
            out.emit(code_block(self, el))
        elif tag in ("p", "figcaption"):  # a figcaption outside a float: kept as a paragraph
            out.emit(self.inline_children(el))
        else:  # containers, and layout tables that are not tabulars: their text, row by row
            self.block(el)

    def tabular(self, table) -> str:
        return tables.tabular(table, lambda td: self.inline_children(td, plain=True))

    def error(self, el) -> None:
        """Drop an ``ltx_ERROR`` node (a macro LaTeXML could not interpret), counting it."""
        self.out.errors[tag_text(el)[:40] or "?"] += 1

    # -- inline ----------------------------------------------------------------------

    def inline_children(self, el, plain: bool = False, keep_breaks: bool = False,
                        code: bool = False, strip: bool = True) -> str:
        """The text of ``el``'s content: white space squashed (``keep_breaks``: but not
        newlines; ``code``: only no-break spaces made plain); ``plain``: no bold/italic."""
        pieces = [el.text or ""]
        for child in el:
            if isinstance(child.tag, str):
                pieces.append(self.inline(child, plain=plain, keep_breaks=keep_breaks, code=code))
            pieces.append(child.tail or "")
        text = "".join(pieces)
        if code:
            return text.replace("\xa0", " ")
        if keep_breaks:
            text = "\n".join(_INLINE_WS.sub(" ", line) for line in text.split("\n"))
        else:
            text = one_space(text)
        return text.strip() if strip else text

    def inline(self, el, plain: bool = False, keep_breaks: bool = False, code: bool = False) -> str:
        tag, cls = el.tag, classes(el)
        if cls & SKIP_CLASSES or tag in ("script", "style", "svg", "img", "object"):
            return ""
        if "ltx_ERROR" in cls:
            self.error(el)
            return ""
        if tag == "math":
            return inline_math(el)
        if tag == "br":
            return "\n" if keep_breaks or code else " "
        if "ltx_note" in cls:
            return notes.note(self, el)
        ref = self._reference(el, tag, cls, plain)
        if ref is not None:
            return ref
        if tag in ("table", "figure") or cls & EQUATION_CLASSES:
            # block content that ended up inline (e.g. a tabular inside a sentence)
            if "ltx_tabular" in cls:
                return " " + self.tabular(el) + " "
            if cls & EQUATION_CLASSES:
                return " " + equation(el) + " "
            if is_float(el):
                hold_float(self, el)
                return ""
        text = self.inline_children(el, plain=plain, keep_breaks=keep_breaks, code=code, strip=False)
        if code and "ltx_tag_listingline" in cls:
            return text.strip() + " "
        if plain or code:
            return text
        if "ltx_font_bold" in cls or tag in ("b", "strong"):
            text = mmd.wrap("**", text)
        if "ltx_font_italic" in cls or tag in ("i", "em") and "ltx_font_upright" not in cls:
            text = mmd.wrap("_", text)
        return text

    def _reference(self, el, tag: str, cls: set[str], plain: bool) -> Optional[str]:
        """A citation or cross-reference written as the PDF prints it (an unresolved one
        as ``?`` / ``??``, with a warning); None when it reads as ordinary text."""
        if "ltx_missing_citation" in cls:  # the PDF prints [?]
            self.out.warnings.append(f"unresolved citation: {tag_text(el)}")
            return "?"
        if tag == "a" and "ltx_ref" in cls:
            ref_tags = el.xpath(".//*[contains(@class,'ltx_ref_tag')]")
            if len(ref_tags) > 1:  # "(∗ ‣ 3.4)": print "∗"
                return self.inline_children(ref_tags[0], plain=plain, strip=False)
        if "ltx_missing_label" in cls or (tag in ("a", "span") and tag_text(el).startswith("LABEL:")):
            self.out.warnings.append(f"unresolved reference: {tag_text(el)}")  # the PDF prints ??
            return "??"
        if tag == "cite" and "?" in tag_text(el) and not el.xpath(".//a"):
            self.out.warnings.append(f"unresolved citation: {tag_text(el)}")
        return None


def _is_block(el) -> bool:
    return el.tag in BLOCK_TAGS or bool(classes(el) & BLOCK_CLASSES)
