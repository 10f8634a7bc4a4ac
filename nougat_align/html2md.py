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
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Iterable, Optional, Union

from lxml import etree, html as lxml_html

from nougat_align import mmd
from nougat_align.errors import InputError
from nougat_align.records import Float, Footnote, Markdown

__all__ = ["html_to_markdown"]

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
BLOCK_TAGS = {
    "p", "div", "section", "article", "table", "figure", "ul", "ol", "dl", "pre",
    "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "nav", "header", "footer",
    "figcaption", "li", "dt", "dd", "tr", "tbody", "thead", "tfoot",
}
SKIP_CLASSES = {
    "ltx_pagination", "ltx_TOC", "ltx_page_footer", "ltx_page_logo", "ltx_rule",
    "ltx_bib_cited", "ltx_note_type", "ltx_bib_links", "ltx_listing_data",
}
FLOAT_CLASSES = ("ltx_figure", "ltx_table", "ltx_float")
_WS = re.compile(r"\s+")
_INLINE_WS = re.compile(r"[^\S\n]+")
_BLANKS = re.compile(r"\n{3,}")
_NUMBER = re.compile(r"([A-Z]?[\dIVXLC]+(?:[.\-]\d+)*[a-z]?)\s*[:.]?\s*$")


def html_to_markdown(source: Union[str, bytes, Path]) -> Markdown:
    """Convert LaTeXML HTML (a path, or the HTML itself as str/bytes) to ``Markdown``.

    Raises ``InputError`` (one line) for empty, truncated or non-LaTeXML HTML; every
    other problem becomes a warning in the result.
    """
    data, name = _read(source)
    article = _parse_article(data, name)
    conv = _Converter()
    conv.run(article)
    return conv.result()


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


# ------------------------------------------------------------------- helpers -----------


def _classes(el) -> set[str]:
    return set((el.get("class") or "").split())


def _has(el, cls: str) -> bool:
    return cls in (el.get("class") or "").split()


def _clean_tex(tex: str) -> str:
    """LaTeXML's alttext: drop its '%\\n' line continuations and \\displaystyle."""
    tex = tex.replace("%\n", "").replace("\\displaystyle", " ")
    return _WS.sub(" ", tex).strip()


def _squash(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _tag_text(el) -> str:
    return _squash("".join(el.itertext()))


def _math_text(el) -> str:
    """Text of ``el`` with any math as its TeX (for tags like ``(\\ast)``)."""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str):
            parts.append(_clean_tex(child.get("alttext") or "") if child.tag == "math" else _math_text(child))
        parts.append(child.tail or "")
    return _squash("".join(parts))


# ----------------------------------------------------------------- converter -----------


class _Converter:
    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.length = 0  # characters of self.blocks joined with "\n\n"
        self.floats: list[Float] = []
        self.footnotes: list[Footnote] = []
        self.warnings: list[str] = []
        self.errors: Counter[str] = Counter()
        self.title = ""
        self._float_ids: set[str] = set()
        self._footnote_ids: set[str] = set()

    # -- output ----------------------------------------------------------------------

    def emit(self, block: str) -> None:
        block = _BLANKS.sub("\n\n", block.strip("\n")).rstrip()
        if not block.strip():
            return
        if self.blocks:
            self.length += 2
        self.blocks.append(block)
        self.length += len(block)

    def anchor(self) -> int:
        """Offset where the next block will start."""
        return self.length + (2 if self.blocks else 0)

    def result(self) -> Markdown:
        warnings = list(self.warnings)
        if self.errors:
            names = ", ".join(f"{k} x{v}" if v > 1 else k for k, v in sorted(self.errors.items()))
            warnings.insert(0, f"dropped {sum(self.errors.values())} ltx_ERROR node(s): {names}")
        text = "\n\n".join(self.blocks) + "\n" if self.blocks else ""
        return Markdown(text=text, floats=tuple(self.floats), footnotes=tuple(self.footnotes),
                        warnings=tuple(warnings), title=self.title)

    # -- blocks ----------------------------------------------------------------------

    def run(self, article) -> None:
        self.block(article, 0)

    def block(self, el, depth: int) -> None:
        """Render the children of a block container, flushing inline runs as paragraphs."""
        pending: list[str] = [el.text or ""]
        for child in el:
            if not isinstance(child.tag, str):  # comments, processing instructions
                pending.append(child.tail or "")
                continue
            if self.is_block(child):
                self.flush(pending)
                pending = []
                self.block_element(child, depth)
            else:
                pending.append(self.inline(child))
            pending.append(child.tail or "")
        self.flush(pending)

    def flush(self, pieces: list[str]) -> None:
        text = _squash("".join(pieces))
        if text:
            self.emit(text)

    def is_block(self, el) -> bool:
        if el.tag in BLOCK_TAGS:
            return True
        cls = _classes(el)
        # LaTeXML uses <span class="ltx_para"> inside figures; treat it as a block.
        return bool(cls & {"ltx_para", "ltx_listing", "ltx_equation", "ltx_equationgroup"})

    def block_element(self, el, depth: int) -> None:
        cls = _classes(el)
        tag = el.tag
        if cls & SKIP_CLASSES or tag in ("nav", "footer", "header", "script", "style"):
            return
        if "ltx_ERROR" in cls:
            self.error(el)
            return
        if tag == "h1" and "ltx_title_document" in cls:
            self.title = self.inline_children(el)
            self.emit("# " + self.title)
            return
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.emit(mmd.heading(6, self.inline_children(el)))
            return
        if tag == "section" or cls & set(HEADING_LEVEL):
            self.section(el, cls, depth)
            return
        if "ltx_authors" in cls:
            self.authors(el)
            return
        if "ltx_abstract" in cls:
            self.titled_block(el, "ltx_title_abstract", "Abstract", depth)
            return
        if cls & {"ltx_keywords", "ltx_classification"}:
            self.keywords(el)
            return
        if "ltx_dates" in cls or "ltx_date" in cls:
            self.emit(self.inline_children(el))
            return
        if cls & {"ltx_theorem", "ltx_proof"}:
            self.theorem(el, depth)
            return
        if tag == "figure" or cls & set(FLOAT_CLASSES):
            self.float_(el)
            return
        if tag == "table" and cls & {"ltx_equation", "ltx_equationgroup"}:
            self.emit(self.equation(el))
            return
        if tag == "table" and "ltx_tabular" in cls:
            self.emit(self.tabular(el))
            return
        if "ltx_biblist" in cls:
            self.bibliography(el)
            return
        if tag in ("ul", "ol", "dl"):
            self.emit(self.list_(el, 0))
            return
        if tag == "pre" or "ltx_listing" in cls:
            self.emit(self.code(el))
            return
        if tag == "p":
            self.emit(self.inline_children(el))
            return
        if tag == "figcaption":  # a caption outside a float: keep as a paragraph
            self.emit(self.inline_children(el))
            return
        if tag == "table":  # layout table that is not a tabular: its text, row by row
            self.block(el, depth + 1)
            return
        self.block(el, depth + 1)

    def section(self, el, cls: set[str], depth: int) -> None:
        level = next((HEADING_LEVEL[c] for c in cls if c in HEADING_LEVEL), 2)
        pending: list[str] = [el.text or ""]
        for child in el:
            if not isinstance(child.tag, str):
                continue
            if child.tag in ("h1", "h2", "h3", "h4", "h5", "h6") and _has(child, "ltx_title"):
                self.emit(mmd.heading(level, self.heading(child, "ltx_appendix" in cls)))
                continue
            if self.is_block(child):
                self.flush(pending)
                pending = []
                self.block_element(child, depth + 1)
            else:
                pending.append(self.inline(child))
            pending.append(child.tail or "")
        self.flush(pending)

    def heading(self, el, appendix: bool) -> str:
        text = self.inline_children(el, plain=True)
        if appendix:  # LaTeXML tags "Appendix A"; article-style PDFs print "A"
            text = re.sub(r"^Appendix\s+(?=[A-Z0-9])", "", text)
        return text

    def titled_block(self, el, title_class: str, default: str, depth: int) -> None:
        title = default
        rest = []
        for child in el:
            if isinstance(child.tag, str) and _has(child, title_class):
                title = self.inline_children(child, plain=True) or default
            else:
                rest.append(child)
        self.emit(mmd.heading(6, title))
        holder = etree.Element("div")
        holder.text = el.text
        for child in rest:
            holder.append(_copy(child))
        self.block(holder, depth + 1)

    def authors(self, el) -> None:
        """Each author (``ltx_creator``) as a paragraph: name, affiliation and email lines.

        authblk-style affiliations (``ltx_author_notes > ltx_contact``, repeated under every
        author) are numbered once, as the PDF prints them; a ``\\thanks`` note becomes a
        footnote marked ``*``.
        """
        creators = [c for c in el if isinstance(c.tag, str) and _has(c, "ltx_creator")]
        if not creators:
            self.emit(self.inline_children(el, keep_breaks=True))
            return
        affiliations: list[str] = []
        names: list[str] = []
        blocks: list[str] = []
        for creator in creators:
            notes = [c for c in creator.iter() if isinstance(c.tag, str) and _has(c, "ltx_author_notes")]
            contacts = [c for n in notes for c in n.iter() if isinstance(c.tag, str) and _has(c, "ltx_contact")]
            person = _copy(creator)
            for n in person.xpath(".//*[contains(concat(' ', @class, ' '), ' ltx_author_notes ')]"):
                _drop_keep_tail(n)
            text = self.inline_children(person, keep_breaks=True)
            lines = [_squash(line) for line in text.split("\n")]
            lines = [line for line in lines if line and line not in ("&", "and", ",")]
            lines = [line[1:].strip() if line.startswith("&") else line for line in lines]
            if contacts:
                marks = []
                for c in contacts:
                    aff = self.inline_children(c)
                    if aff not in affiliations:
                        affiliations.append(aff)
                    marks.append(str(affiliations.index(aff) + 1))
                names.append(" ".join(lines) + f"\\({{}}^{{{','.join(marks)}}}\\)")
                continue
            for n in notes:  # \thanks: printed as a footnote with a symbol
                note = self.inline_children(n)
                if note:
                    self.add_footnote(n.get("id") or "", "*", note)
                    if lines:
                        lines[0] += "\\({}^{*}\\)"
            if lines:
                blocks.append("\n".join(lines))
        if names:
            blocks.insert(0, ", ".join(names))
            blocks.append("\n".join(f"\\({{}}^{{{i}}}\\){a}" for i, a in enumerate(affiliations, 1)))
        for b in blocks:
            self.emit(b)

    def keywords(self, el) -> None:
        parts = []
        for child in el:
            if isinstance(child.tag, str) and _has(child, "ltx_title"):
                parts.append(self.inline_children(child, plain=True).rstrip(":") + ":")
        body = _copy(el)
        for t in body.xpath(".//*[contains(@class,'ltx_title')]"):
            _drop_keep_tail(t)
        parts.append(self.inline_children(body))
        self.emit(" ".join(p for p in parts if p))

    def theorem(self, el, depth: int) -> None:
        """``**Theorem 1** (Name). body`` / ``_Proof._ body``: title run into the text."""
        title = ""
        holder = etree.Element("div")
        holder.text = el.text
        for child in el:
            if isinstance(child.tag, str) and child.tag.startswith("h") and _has(child, "ltx_title"):
                title = self.theorem_title(child)
                continue
            holder.append(_copy(child))
        start = len(self.blocks)
        self.block(holder, depth + 1)
        if title:
            if len(self.blocks) > start:
                first = self.blocks[start]
                self.blocks[start] = f"{title} {first}"
                self.length += len(title) + 1
            else:
                self.emit(title)

    def theorem_title(self, h) -> str:
        """``**Theorem 1** (Name).``: the tag in bold, the rest as printed."""
        tag_el = next((c for c in h.iter() if isinstance(c.tag, str) and _has(c, "ltx_tag")), None)
        text = self.inline_children(h, plain=True)
        if tag_el is None:
            return mmd.wrap("_", text) if text.lower().startswith("proof") else text
        tag = self.inline_children(tag_el, plain=True)
        rest = text[len(tag):].strip() if text.startswith(tag) else text
        rest = re.sub(r"\(\s+", "(", rest)
        return f"**{tag}**" + (" " + rest if rest and not rest.startswith(".") else rest)

    # -- floats ------------------------------------------------------------------

    def float_(self, el) -> None:
        """Hold a figure/table/algorithm aside; nested floats are held separately."""
        cls = _classes(el)
        kind = "table" if "ltx_table" in cls else "algorithm" if cls & {"ltx_algorithm", "ltx_float_algorithm"} else (
            "listing" if "ltx_lstlisting" in cls else "figure")
        anchor = self.anchor()
        caption_el = _own_caption(el)
        # nested floats (subfigures with their own numbers, a table inside a figure)
        nested = [n for n in _own_descendants(el, lambda c: c.tag == "figure" or bool(_classes(c) & set(FLOAT_CLASSES)))]
        nested_numbered = [n for n in nested if _own_caption(n) is not None and _caption_tag(_own_caption(n))[2]]
        # the float's own content: tabulars (also in tables typeset as figures) and code
        body_parts = [self.tabular(t) for t in _own_descendants(
            el, lambda c: c.tag == "table" and _has(c, "ltx_tabular"), stop=nested_numbered)]
        body_parts += [self.code(c) for c in _own_descendants(
            el, lambda c: _has(c, "ltx_listing") or c.tag == "pre", stop=nested_numbered)]
        body_parts = [b for b in body_parts if b]
        caption = ""
        number = ""
        label = ""
        if caption_el is not None:
            number, label, caption = _caption_number(self, caption_el)
            if not cls & set(FLOAT_CLASSES) and label.lower().startswith("table"):
                kind = "table"  # a bare <figure> (sidewaystable): its caption names it
        for n in nested_numbered:  # each numbered sub-float gets its own record, first
            self.float_(n)
        # unnumbered subfigures: their captions belong to this float
        sub_captions = [self.inline_children(_own_caption(n)) for n in nested
                        if n not in nested_numbered and _own_caption(n) is not None]
        lines = []
        if kind == "table" and body_parts:
            lines.append("\\begin{table}\n" + "\n".join(body_parts) + "\n\\end{table}")
        elif body_parts:
            lines.extend(body_parts)
        lines.extend(s for s in sub_captions if s)
        cap_line = f"{label}: {caption}" if label and caption else (label or caption)
        if cap_line:
            lines.append(cap_line)
        mmd = "\n\n".join(x for x in lines if x.strip())
        if not mmd.strip():
            return
        fid = el.get("id") or f"float{len(self.floats) + 1}"
        while fid in self._float_ids:
            fid += "'"
        self._float_ids.add(fid)
        self.floats.append(Float(id=fid, kind=kind, number=number, caption=caption, mmd=mmd, anchor=anchor))

    # -- equations, tables, lists, code ---------------------------------------------

    def equation(self, el) -> str:
        rows = []
        late_tags: dict[int, str] = {}  # a number spanning rows is printed beside the last
        for r, tr in enumerate(el.iter("tr")):
            tex_parts, tag = [], late_tags.pop(r, "")
            for td in tr:
                if not isinstance(td.tag, str):
                    continue
                if _has(td, "ltx_eqn_eqno"):
                    text = _math_text(td).strip()
                    text = text[1:-1] if text.startswith("(") and text.endswith(")") else text
                    span = int(td.get("rowspan") or 1)
                    if span > 1:
                        late_tags[r + span - 1] = text
                    else:
                        tag = text
                    continue
                for node in td.iter():
                    if node.tag == "math":
                        tex_parts.append(_clean_tex(node.get("alttext") or ""))
                    elif isinstance(node.tag, str) and _has(node, "ltx_text") and node.getparent() is td:
                        tex_parts.append("\\text{" + _squash("".join(node.itertext())) + "}")
            tex = " ".join(p for p in tex_parts if p)
            if tex:
                rows.append(mmd.display_math(tex, tag))
            elif tag and rows and "\\tag" not in rows[-1]:  # a group number on its own row
                rows[-1] = mmd.with_tag(rows[-1], tag)
        return "\n".join(rows)

    def tabular(self, table) -> str:
        """A LaTeXML ``ltx_tabular`` as LaTeX ``tabular`` with multicolumn/multirow/hline."""
        rows = [tr for tr in table.iter("tr")]
        if not rows:
            return ""
        occupied: dict[tuple[int, int], bool] = {}
        out_rows: list[tuple[list[str], bool, bool]] = []
        ncols = 0
        aligns: dict[int, str] = {}
        vlines: dict[int, tuple[bool, bool]] = {}
        for r, tr in enumerate(rows):
            cells, col = [], 0
            top = bottom = False
            for td in tr:
                if not isinstance(td.tag, str) or td.tag not in ("td", "th"):
                    continue
                while occupied.get((r, col)):
                    cells.append("")
                    col += 1
                cls = _classes(td)
                span = int(td.get("colspan") or 1)
                rspan = int(td.get("rowspan") or 1)
                text = mmd.escape_tabular(self.inline_children(td, plain=True))
                a = "c" if "ltx_align_center" in cls else "r" if "ltx_align_right" in cls else "l"
                if cls & {"ltx_border_t", "ltx_border_tt"}:
                    top = True
                if cls & {"ltx_border_b", "ltx_border_bb"}:
                    bottom = True
                if rspan > 1:
                    for rr in range(r + 1, r + rspan):
                        for cc in range(col, col + span):
                            occupied[(rr, cc)] = True
                    text = mmd.multirow(rspan, text)
                if span > 1:
                    left = "|" if "ltx_border_l" in cls else ""
                    right = "|" if "ltx_border_r" in cls else ""
                    text = mmd.multicolumn(span, f"{left}{a}{right}", text)
                else:
                    aligns.setdefault(col, a)
                    vlines.setdefault(col, ("ltx_border_l" in cls, "ltx_border_r" in cls))
                cells.append(text)
                col += span
            while occupied.get((r, col)):
                cells.append("")
                col += 1
            ncols = max(ncols, col)
            out_rows.append((cells, top, bottom))
        spec = ""
        for c in range(ncols):
            left, right = vlines.get(c, (False, False))
            spec += ("|" if left and c == 0 else "") + aligns.get(c, "l") + ("|" if right else "")
        if not any(c.strip() for cells, _, _ in out_rows for c in cells):
            return ""  # a tabular used only to lay out images
        return mmd.tabular(spec, out_rows)

    def list_(self, el, level: int) -> str:
        out = []
        ordered = el.tag == "ol" or _has(el, "ltx_enumerate")
        if el.tag == "dl":
            term = ""
            for child in el:
                if not isinstance(child.tag, str):
                    continue
                if child.tag == "dt":
                    term = self.inline_children(child)
                elif child.tag == "dd":
                    body = self.item_body(child, level)
                    head = mmd.wrap("**", term) if term else ""
                    out.append(mmd.list_item(level, "*", f"{head} {body}"))
                    term = ""
            return "\n".join(out)
        for n, li in enumerate((c for c in el if isinstance(c.tag, str) and c.tag == "li"), 1):
            tag_el = next((c for c in li if isinstance(c.tag, str) and _has(c, "ltx_tag")), None)
            label = _tag_text(tag_el) if tag_el is not None else ""
            if ordered:
                marker = label if label else f"{n}."
            else:
                marker = "*" if label in ("", "•", "–", "-", "∙", "◦", "∗", "⋅", "*") else f"* {label}"
            body = self.item_body(li, level, skip=tag_el)
            out.append(mmd.list_item(level, marker, body))
        return "\n".join(out)

    def item_body(self, li, level: int, skip=None) -> str:
        """An item's paragraphs on its line (joined), nested lists on the next lines."""
        texts: list[str] = []
        nested: list[str] = []
        pending = [li.text or ""]

        def walk(node) -> None:
            for child in node:
                if not isinstance(child.tag, str) or child is skip:
                    pending.append(child.tail or "")
                    continue
                if child.tag in ("ul", "ol", "dl"):
                    nested.append(self.list_(child, level + 1))
                elif child.tag == "table" and _classes(child) & {"ltx_equation", "ltx_equationgroup"}:
                    texts.append(_squash("".join(pending)))
                    pending.clear()
                    texts.append(self.equation(child))
                elif child.tag == "figure" or _classes(child) & set(FLOAT_CLASSES):
                    self.float_(child)
                elif child.tag in ("div", "p", "span") and (_has(child, "ltx_para") or child.tag == "p") :
                    if child.tag == "p":
                        pending.append(" " + self.inline_children(child) + " ")
                    else:
                        pending.append(child.text or "")
                        walk(child)
                else:
                    pending.append(self.inline(child))
                pending.append(child.tail or "")

        walk(li)
        texts.append(_squash("".join(pending)))
        body = " ".join(t for t in texts if t)
        return "\n".join([body] + nested) if nested else body

    def code(self, el) -> str:
        lines = []
        line_els = [c for c in el.iter() if isinstance(c.tag, str) and _has(c, "ltx_listingline")]
        if line_els:
            for line in line_els:
                lines.append(self.inline_children(line, code=True).strip("\n").rstrip())
        else:
            lines = ["".join(el.itertext()).rstrip("\n")]
        return mmd.code_block(lines)

    def bibliography(self, el) -> None:
        items = []
        for li in el:
            if not isinstance(li.tag, str) or not _has(li, "ltx_bibitem"):
                continue
            tag_el = next((c for c in li if isinstance(c.tag, str) and _has(c, "ltx_tag")), None)
            label = ""
            if tag_el is not None:
                tag = _tag_text(tag_el)
                if _has(tag_el, "ltx_bib_author-year"):
                    label = tag  # LaTeXML's own bibliography: authors (year)
                elif re.fullmatch(r"\[?[\w.\-]{1,8}\]?\.?", tag):
                    label = tag if tag.startswith("[") else f"[{tag.rstrip('.')}]"
                # else: a natbib label like "Smith et al. (2012)" that the PDF does not print
            blocks = [self.inline_children(b) for b in li
                      if isinstance(b.tag, str) and _has(b, "ltx_bibblock") and not _has(b, "ltx_bib_cited")]
            text = " ".join(b for b in blocks if b)
            items.append(mmd.reference_item(label, text))
        if items:
            self.emit("\n".join(items))

    # -- inline ------------------------------------------------------------------

    def inline_children(self, el, plain: bool = False, keep_breaks: bool = False,
                        code: bool = False, strip: bool = True) -> str:
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
            text = _WS.sub(" ", text)
        return text.strip() if strip else text

    def inline(self, el, plain: bool = False, keep_breaks: bool = False, code: bool = False) -> str:
        tag = el.tag
        cls = _classes(el)
        if cls & SKIP_CLASSES or tag in ("script", "style", "svg", "img", "object"):
            return ""
        if "ltx_ERROR" in cls:
            self.error(el)
            return ""
        if tag == "math":
            tex = _clean_tex(el.get("alttext") or "")
            return f"\\({tex}\\)" if tex else ""
        if tag == "br":
            return "\n" if keep_breaks or code else " "
        if "ltx_note" in cls:
            return self.note(el)
        if "ltx_missing_citation" in cls:  # the PDF prints [?]
            self.warnings.append(f"unresolved citation: {_tag_text(el)}")
            return "?"
        if tag == "a" and "ltx_ref" in cls and len(el.xpath(".//*[contains(@class,'ltx_ref_tag')]")) > 1:
            first = el.xpath(".//*[contains(@class,'ltx_ref_tag')]")[0]  # "(∗ ‣ 3.4)": print "∗"
            return self.inline_children(first, plain=plain, strip=False)
        if "ltx_missing_label" in cls or (tag in ("a", "span") and _tag_text(el).startswith("LABEL:")):
            self.warnings.append(f"unresolved reference: {_tag_text(el)}")  # the PDF prints ??
            return "??"
        if tag == "cite" and "?" in _tag_text(el) and not el.xpath(".//a"):
            self.warnings.append(f"unresolved citation: {_tag_text(el)}")
        if tag in ("table", "figure") or cls & {"ltx_equation", "ltx_equationgroup"}:
            # block content that ended up inline (e.g. a tabular inside a sentence)
            if "ltx_tabular" in cls:
                return " " + self.tabular(el) + " "
            if cls & {"ltx_equation", "ltx_equationgroup"}:
                return " " + self.equation(el) + " "
            if tag == "figure" or cls & set(FLOAT_CLASSES):
                self.float_(el)
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

    def note(self, el) -> str:
        """A footnote (or \\thanks / affiliation note): held aside, its mark kept inline."""
        mark_el = next((c for c in el if isinstance(c.tag, str) and _has(c, "ltx_note_mark")), None)
        mark = _tag_text(mark_el) if mark_el is not None else ""
        content = el.xpath(".//*[contains(concat(' ', @class, ' '), ' ltx_note_content ')]")
        if not content:
            return ""
        body = _copy(content[0])
        for junk in body.xpath(".//*[contains(@class,'ltx_note_mark') or contains(@class,'ltx_tag_note') or contains(@class,'ltx_note_type')]"):
            _drop_keep_tail(junk)
        text = self.inline_children(body)
        if not text:
            return ""
        self.add_footnote(el.get("id") or "", mark, text)
        return mmd.footnote_mark(mark)

    def add_footnote(self, nid: str, mark: str, text: str) -> None:
        nid = nid or f"note{len(self.footnotes) + 1}"
        while nid in self._footnote_ids:
            nid += "'"
        self._footnote_ids.add(nid)
        self.footnotes.append(Footnote(id=nid, mark=mark, text=text, mmd=mmd.footnote_line(mark, text),
                                       anchor=self.anchor()))

    def error(self, el) -> None:
        self.errors[_squash("".join(el.itertext()))[:40] or "?"] += 1


# ------------------------------------------------------------- tree utilities ----------


def _copy(el):
    """A detached copy of ``el`` without its tail (so it can be walked on its own)."""
    import copy

    dup = copy.deepcopy(el)
    dup.tail = None
    return dup


def _drop_keep_tail(el) -> None:
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


def _is_float(el) -> bool:
    return isinstance(el.tag, str) and (el.tag == "figure" or bool(_classes(el) & set(FLOAT_CLASSES)))


def _own_descendants(el, pred, stop: Iterable = ()) -> list:
    """Descendants matching ``pred``, not looking inside nested floats in ``stop``."""
    stop = set(stop)
    found = []

    def walk(node) -> None:
        for child in node:
            if not isinstance(child.tag, str) or child in stop:
                continue
            if pred(child):
                found.append(child)
                if child.tag == "figure" or _is_float(child):
                    continue
                if child.tag == "table":
                    continue
            walk(child)

    walk(el)
    return found


def _own_caption(el) -> Optional[object]:
    """The figcaption belonging to ``el`` itself (not to a nested float)."""
    def walk(node):
        for child in node:
            if not isinstance(child.tag, str):
                continue
            if child.tag == "figcaption":
                return child
            if _is_float(child):
                continue
            found = walk(child)
            if found is not None:
                return found
        return None

    return walk(el)


def _caption_tag(cap):
    """(tag element, label, number) of a figcaption, read without converting anything:
    (<span>, "Figure 3", "3"); (None, "", "") when it has no tag."""
    tag_el = next((c for c in cap.iter() if isinstance(c.tag, str) and c is not cap
                   and (_has(c, "ltx_tag") or any(k.startswith("ltx_tag_") for k in _classes(c)))), None)
    if tag_el is None:
        return None, "", ""
    label = _squash("".join(tag_el.itertext())).rstrip(":. ").strip()
    m = _NUMBER.search(label)
    return tag_el, label, (m.group(1) if m else "")


def _caption_number(conv: _Converter, cap) -> tuple[str, str, str]:
    """(number, label, caption text) of a figcaption: ("3", "Figure 3", "text")."""
    tag_el, label, number = _caption_tag(cap)
    if tag_el is None:
        return "", "", conv.inline_children(cap)
    body = _copy(cap)
    for t in body.iter():
        if (isinstance(t.tag, str) and t.get("class") == tag_el.get("class")
                and _squash("".join(t.itertext())).rstrip(":. ").strip() == label):
            _drop_keep_tail(t)
            break
    return number, label, conv.inline_children(body).lstrip(":. ").strip()