"""Nougat-style markdown as HTML for the report's pages (``render_mmd``), and the HTML
escaping every page of the report uses (``esc``).

Math is converted to MathML when the report is built (``latex2mathml``, pure Python), so
the browser typesets it natively, offline too; the TeX stays in the element's ``title``.
TeX the converter rejects is shown as written (``span.math.tex``)."""
from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Iterable, Optional


def esc(text) -> str:
    """``text`` escaped for HTML, quotes included (every page of the report escapes here)."""
    return html.escape(str(text), quote=True)


_FENCE = re.compile(r"^\s*```")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$", re.S)
_ITEM = re.compile(r"^(\s*)([*+-]|\d+\.)\s+(.*)$")
_CAPTION = re.compile(r"^(Figure|Fig\.|Table|Algorithm|Listing)\s*[\w.\-]*\s*:", re.I)
_FOOTNOTE = re.compile(r"^Footnote\s*\S*:")
_MATH = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)
_RULES = re.compile(r"\\(?:hline|toprule|midrule|bottomrule|cline\{[^}]*\}|cmidrule(?:\([^)]*\))?\{[^}]*\})")
_MULTICOL = re.compile(r"^\\multicolumn\{(\d+)\}\{[^}]*\}\{(.*)\}$", re.S)
_MULTIROW = re.compile(r"^\\multirow\{[^}]*\}(?:\[[^]]*\])?\{[^}]*\}\{(.*)\}$", re.S)  # the rows below are empty


def _blocks(text: str) -> Iterable[str]:
    """Blank-line separated blocks; code fences, table environments and display math whole."""
    block: list[str] = []
    end: Optional[re.Pattern] = None
    for line in text.split("\n"):
        if end is not None:
            block.append(line)
            if end.search(line):
                yield "\n".join(block)
                block, end = [], None
            continue
        if not line.strip():
            if block:
                yield "\n".join(block)
                block = []
            continue
        if not block:
            if _FENCE.match(line):
                end = re.compile(r"^\s*```\s*$")
            elif (m := re.match(r"\\begin\{(table|tabular)\}", line)) and f"\\end{{{m[1]}}}" not in line:
                end = re.compile(rf"\\end\{{{m[1]}\}}")
            elif line.startswith("\\[") and not line.rstrip().endswith("\\]"):
                end = re.compile(r"\\\]\s*$")
            if end is not None:
                block = [line]
                continue
        block.append(line)
    if block:
        yield "\n".join(block)


def _emph(text: str) -> str:
    out = esc(text)
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    return re.sub(r"(?<![\w\\])_(.+?)_(?!\w)", r"<em>\1</em>", out)


@lru_cache(maxsize=1 << 16)
def tex_to_mathml(tex: str, display: bool = False) -> Optional[str]:
    """MathML of ``tex`` (math without its delimiters), or None when it cannot be converted."""
    try:
        from latex2mathml.converter import convert
    except ImportError:  # a core dependency; without it the TeX is shown as written
        return None
    try:
        return convert(tex, display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - the converter raises many kinds on TeX it does not know
        return None


def math_html(source: str, display: bool, tag: str = "span") -> str:
    """``source`` (``\\(...\\)`` or ``\\[...\\]``) as MathML in ``<tag class="math">``, its TeX
    in the title; as written (class ``tex``) when the converter fails."""
    kind = "display" if display else "inline"
    mathml = tex_to_mathml(source.strip()[2:-2].strip(), display)
    if mathml is None:
        return f'<{tag} class="math {kind} tex">{esc(source)}</{tag}>'
    return f'<{tag} class="math {kind}" title="{esc(source)}">{mathml}</{tag}>'


def _inline(text: str) -> str:
    """Emphasis and math of one block; math is set aside first (``_`` is TeX's there)."""
    maths: list[str] = []

    def hold(m: re.Match) -> str:
        maths.append(math_html(m.group(0), m.group(1) is None))
        return f"\x00{len(maths) - 1}\x00"

    out = _emph(_MATH.sub(hold, text))
    return re.sub("\x00(\\d+)\x00", lambda m: maths[int(m.group(1))], out)


def _tabular(block: str) -> str:
    m = re.search(r"\\begin\{tabular\}\{(?:[^{}]|\{[^{}]*\})*\}(.*?)\\end\{tabular\}", block, re.S)
    if not m:
        return f'<pre class="tex">{esc(block)}</pre>'
    rows = []
    for row in re.split(r"\\\\", _RULES.sub("", m.group(1))):
        if not row.strip():
            continue
        cells = []
        for cell in re.split(r"(?<!\\)&", row):
            cell = cell.strip()
            mc = _MULTICOL.match(cell)
            span = f' colspan="{mc.group(1)}"' if mc else ""
            cell = mc.group(2).strip() if mc else cell
            mr = _MULTIROW.match(cell)
            cells.append(f"<td{span}>{_inline(mr.group(1) if mr else cell)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f'<table class="tabular">{"".join(rows)}</table>'


def _list(block: str) -> str:
    out, stack = [], []  # stack of (indent, tag)
    for line in block.split("\n"):
        m = _ITEM.match(line)
        if not m:  # a continuation line of the current item
            out.append(" " + _inline(line.strip()))
            continue
        indent, tag = len(m.group(1)), "ol" if m.group(2)[0].isdigit() else "ul"
        while stack and stack[-1][0] > indent:
            out.append(f"</li></{stack.pop()[1]}>")
        if stack and stack[-1][0] == indent:
            out.append("</li>")
        else:
            out.append(f"<{tag}>")
            stack.append((indent, tag))
        marker = f'<span class="marker">{esc(m.group(2))}</span> ' if tag == "ol" else ""
        out.append(f"<li>{marker}{_inline(m.group(3))}")
    while stack:
        out.append(f"</li></{stack.pop()[1]}>")
    return "".join(out)


def render_mmd(text: str) -> str:
    """Nougat-style markdown as HTML: math as MathML in ``span.math`` (module docstring),
    tables as HTML tables, float captions and footnotes marked with a class."""
    out = []
    for block in _blocks(text):
        first = block.lstrip()
        if _FENCE.match(first):
            code = re.sub(r"^\s*```[^\n]*\n?|\n?\s*```\s*$", "", block)
            out.append(f'<pre class="code">{esc(code)}</pre>')
        elif first.startswith(("\\begin{table}", "\\begin{tabular}")):
            out.append(f'<div class="float" data-tag="table">{_tabular(block)}</div>')
        elif first.startswith("\\[") and first.rstrip().endswith("\\]") and _MATH.fullmatch(first.strip()):
            parts = re.findall(r"\\\[.+?\\\]", first.strip(), re.S)  # one per row of an align
            out.append("".join(math_html(m, True, "div") for m in parts))
        elif (m := _HEADING.match(first)):
            level = min(len(m.group(1)) + 1, 6)
            out.append(f"<h{level}>{_inline(m.group(2))}</h{level}>")
        elif _ITEM.match(block.split("\n")[0]) and all(_ITEM.match(line) or line.startswith("  ")
                                                       for line in block.split("\n")):
            out.append(_list(block))
        elif _FOOTNOTE.match(first):
            out.append(f'<p class="footnote" data-tag="footnote">{_inline(block)}</p>')
        elif (m := _CAPTION.match(first)):
            tag = "figure" if m[1].lower().startswith("fig") else m[1].lower()
            out.append(f'<p class="float caption" data-tag="{tag}">{_inline(block)}</p>')
        else:
            out.append(f"<p>{_inline(block)}</p>")
    return "\n".join(out)
