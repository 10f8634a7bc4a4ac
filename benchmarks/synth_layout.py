"""Layout truth for synthetic papers: every element drawn in its own colour.

    python benchmarks/synth.py --layout --n 10 --seed 4 --max-pages 8 -o benchmarks/synth-layout/

A default-profile paper (``synth.make_paper``) is rewritten with element macros
(:func:`instrument`): ``\\lyt{k}`` at the start of element ``k`` (a paragraph, a heading's
title, a list item, the title, an author, a caption's text, a figure, a table) and
``\\lytset{k}`` before an element whose ink starts inside LaTeX's own code (a section
number, an equation, a footnote and its mark, a caption's "Figure 3:", a list label).  In
``paper.tex`` these macros do nothing.  Compiled with ``\\def\\lytcolour{}`` first
(``paper-colour.pdf``), they set the colour ``k`` stands for, and a few LaTeX hooks
(``\\@seccntformat``, ``\\maketag@@@``, ``\\@lign``, ``\\fnum@figure``, ``\\@makefntext``,
``\\@biblabel``, ``\\labelitemi``, ``\\labelenumi``) colour what LaTeX prints around
them: the DocBank / DocGenome method.  Colour whatsits can move text, so the two PDFs'
words and their positions are compared and a paper whose differ is discarded.

The colour PDF is then read (:mod:`synth_layout_read`): glyph colours and drawing
colours from PyMuPDF give each element's pieces, the page rendered at 4x without
anti-aliasing gives boxes tight around the ink, and the page geometry gives the reading
order.  Black glyphs are the running head and the page number (LaTeX typesets them in
``\\normalcolor``).  ``layout_truth.json`` has the shape of ``out/<paper>/layout.json``.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Optional

LEVELS = 32, 12, 16  # channel value = 32 + 12 * digit, digit 0..15: 4096 colours


def colour_of(k: int) -> tuple[int, int, int]:
    """The RGB colour of element ``k`` (1..4095); never black, white or near them."""
    if not 0 < k < LEVELS[2] ** 3:
        raise ValueError(f"element number {k} out of range")
    base, step, n = LEVELS
    return (base + step * (k // (n * n)), base + step * (k // n % n), base + step * (k % n))


@dataclass
class Element:
    k: int
    category: str
    level: int = 0  # headings: 1 section, 2 subsection; 0 otherwise
    tex: str = ""  # Formula: the display's LaTeX; Table: the tabular
    tags: list[int] = field(default_factory=list)  # Formula: equation numbers
    rows: list[str] = field(default_factory=list)  # Formula: rows of an align
    mark: Optional[int] = None  # Footnote: its mark
    wide: bool = False  # full width in two columns: the title block, figure*, table*

    @property
    def id(self) -> str:
        return f"e{self.k}"


def _matching_brace(s: str, i: int) -> int:
    """Index of the ``}`` closing the ``{`` at ``s[i]`` (escaped braces skipped)."""
    depth = 0
    j = i
    while j < len(s):
        c = s[j]
        if c == "\\":
            j += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return j
        j += 1
    raise ValueError("unbalanced braces")


class _Instrumenter:
    def __init__(self) -> None:
        self.elements: list[Element] = []
        self.specials: dict[str, int] = {}  # abstract / references heading
        self.eq = 0
        self.notes = 0

    def new(self, category: str, **kw: Any) -> Element:
        e = Element(len(self.elements) + 1, category, **kw)
        self.elements.append(e)
        return e

    def footnotes(self, line: str) -> str:
        """``\\lytset{k}`` before every ``\\footnote`` of a line (in order)."""
        out, i = [], 0
        while (j := line.find("\\footnote{", i)) >= 0:
            self.notes += 1
            e = self.new("Footnote", mark=self.notes)
            end = _matching_brace(line, j + len("\\footnote"))
            out.append(line[i:j] + f"\\lytset{{{e.k}}}" + line[j:end + 1])
            i = end + 1
        return "".join(out) + line[i:]

    def text(self, line: str, category: str = "Text") -> str:
        """A paragraph (or a paragraph's continuation after a display)."""
        e = self.new(category)
        stripped = line.lstrip(" ")
        return line[:len(line) - len(stripped)] + f"\\lyt{{{e.k}}}" + self.footnotes(stripped)

    def display(self, lines: list[str]) -> list[str]:
        env = re.match(r"\\begin\{(\w+)\}", lines[0]).group(1)
        body = [s for s in lines[1:-1] if not s.startswith("\\label")]
        rows = [r.strip() for r in "\n".join(body).split("\\\\")]
        tags = list(range(self.eq + 1, self.eq + 1 + len(rows)))
        self.eq += len(rows)
        e = self.new("Formula", tex=" \\\\\n".join(rows) if env == "align" else rows[0],
                     tags=tags, rows=rows)
        first = f"\\lytset{{{e.k}}}" + lines[0] + ("\\lytsetcur" if env == "equation" else "")
        return [first] + lines[1:]

    def float_(self, lines: list[str]) -> list[str]:
        wide = lines[0].startswith(("\\begin{figure*}", "\\begin{table*}"))
        out, i = [], 0
        while i < len(lines):
            s = lines[i]
            if s.startswith("\\framebox"):
                out.append(f"\\lytf{{{self.new('Picture', wide=wide).k}}}" + s)
            elif s.startswith("\\caption{"):
                e = self.new("Caption", wide=wide)
                out.append(f"\\lytset{{{e.k}}}\\caption{{\\lytf{{{e.k}}}" + s[len("\\caption{"):])
            elif s.startswith("\\begin{tabular}"):
                j = next(n for n in range(i, len(lines)) if lines[n].startswith("\\end{tabular}"))
                e = self.new("Table", tex="\n".join(lines[i:j + 1]), wide=wide)
                out += [f"\\lytf{{{e.k}}}" + s] + lines[i + 1:j + 1]
                i = j
            else:
                out.append(s)
            i += 1
        return out

    def preamble_line(self, s: str) -> str:
        if s.startswith("\\title{"):
            return f"\\title{{\\lyt{{{self.new('Title', wide=True).k}}}" + s[len("\\title{"):]
        if s.startswith("\\author{"):
            authors = s[len("\\author{"):-1].split(" \\and ")
            parts = []
            for a in authors:
                k = self.new("Text", wide=True).k
                parts.append("\\\\".join(f"\\lyt{{{k}}}{x}" for x in a.split("\\\\")))
            return "\\author{" + " \\and ".join(parts) + "}"
        return s

    def body(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(lines):
            s = lines[i]
            m = re.match(r"\\begin\{(equation|align|figure\*?|table\*?)\}", s)
            if m:
                end = "\\end{" + m.group(1) + "}"
                j = next(n for n in range(i, len(lines)) if lines[n].startswith(end))
                block = lines[i:j + 1]
                out += self.display(block) if m.group(1) in ("equation", "align") else self.float_(block)
                i = j + 1
                continue
            if s.startswith("\\begin{abstract}"):
                self.specials["abstract"] = self.new("Section-header", level=1).k
                out.append(s)
            elif s.startswith("\\begin{thebibliography}"):
                self.specials["references"] = self.new("Section-header", level=1).k
                out.append(s)
            elif m := re.match(r"\\(sub)?section\{", s):
                e = self.new("Section-header", level=2 if m.group(1) else 1)
                out.append(f"\\lytset{{{e.k}}}" + s[:m.end()] + f"\\lyt{{{e.k}}}" + s[m.end():])
            elif s.startswith("\\item "):
                e = self.new("List-item")
                out.append(f"\\lytset{{{e.k}}}\\item \\lyt{{{e.k}}}" + self.footnotes(s[6:]))
            elif m := re.match(r"\\bibitem\{\w+\} ", s):
                e = self.new("List-item")
                out.append(f"\\lytset{{{e.k}}}" + s[:m.end()] + f"\\lyt{{{e.k}}}" + s[m.end():])
            elif s.strip() and not s.startswith("\\"):
                out.append(self.text(s))
            else:
                out.append(s)
            i += 1
        return out


_HOOKS = r"""\makeatletter
\DeclareRobustCommand\lyt[1]{\leavevmode\gdef\lytnext{#1}\csname lyts@#1\endcsname}
\DeclareRobustCommand\lytf[1]{\leavevmode\gdef\lytnext{#1}\csname lytc@#1\endcsname}
\renewcommand\lytset[1]{\gdef\lytnext{#1}}
\renewcommand\lytcur{\csname lytc@\lytnext\endcsname}
\renewcommand\lytsetcur{\csname lyts@\lytnext\endcsname}
\def\@seccntformat#1{\lytcur\csname the#1\endcsname\quad}
\def\maketag@@@#1{\hbox{\m@th\normalfont\lytcur#1}}
\let\lyt@lign\@lign \def\@lign{\lyt@lign\lytcur}
\def\fnum@figure{\lytcur\figurename\nobreakspace\thefigure}
\def\fnum@table{\lytcur\tablename\nobreakspace\thetable}
\long\def\@makefntext#1{\parindent 1em\noindent\hb@xt@1.8em{\hss\lytcur\@makefnmark}\lytcur#1}
\def\@biblabel#1{\lytcur[#1]}
\let\lyt@itemi\labelitemi \def\labelitemi{\lytcur\lyt@itemi}
\let\lyt@enumi\labelenumi \def\labelenumi{\lytcur\lyt@enumi}
\def\lytdef#1#2#3#4{\expandafter\def\csname lytc@#1\endcsname{\color[rgb]{#2,#3,#4}}%
  \expandafter\def\csname lyts@#1\endcsname{\pdfcolorstack\@pdfcolorstack set{#2 #3 #4 rg #2 #3 #4 RG}}}
"""


def instrument(tex: str, running_head: str) -> tuple[str, list[Element]]:
    """``tex`` (a default-profile paper) with element macros, and its elements in the
    order the source writes them (``Element.k``: 1, 2, ...)."""
    lines = tex.split("\n")
    start = lines.index("\\begin{document}")
    ins = _Instrumenter()
    pre = [ins.preamble_line(s) for s in lines[:start]]
    body = ins.body(lines[start:])
    hooks = _HOOKS
    if "abstract" in ins.specials:
        hooks += f"\\renewcommand\\abstractname{{\\lyt{{{ins.specials['abstract']}}}Abstract}}\n"
    if "references" in ins.specials:
        hooks += f"\\renewcommand\\refname{{\\lyt{{{ins.specials['references']}}}References}}\n"
    hooks += "".join("\\lytdef{%d}" % e.k + "".join("{%.4f}" % (c / 255) for c in colour_of(e.k))
                     + "\n" for e in ins.elements)
    setup = ["\\usepackage{color}",
             "% layout truth: element macros, no-ops here; a colour each with \\def\\lytcolour{}",
             "\\newcommand\\lyt[1]{}\\newcommand\\lytf[1]{}\\newcommand\\lytset[1]{}\\newcommand\\lytcur{}\\newcommand\\lytsetcur{}",
             "\\makeatletter",
             "\\def\\ps@lythead{\\def\\@oddhead{\\small\\itshape " + running_head + "\\hfil}"
             "\\def\\@oddfoot{\\hfil\\thepage\\hfil}\\let\\@evenhead\\@oddhead"
             "\\let\\@evenfoot\\@oddfoot}",
             "\\makeatother",
             "\\pagestyle{lythead}",
             "\\ifdefined\\lytcolour", hooks + "\\makeatother", "\\fi"]
    at = next(n for n, s in enumerate(pre) if s.startswith("\\usepackage{amsmath"))
    return "\n".join(pre[:at + 1] + setup + pre[at + 1:] + body), ins.elements


# ----------------------------------------------------------------------------- build

def make_layout_paper(seed: int, index: int, sentences: list[str], synth=None):
    """Attempt ``index`` of the layout profile: the default paper of (seed, index) with
    element macros and a running head (so pages have a Page-header and a Page-footer)."""
    synth = synth or _synth()
    paper = synth.make_paper(seed, index, sentences)
    title = re.search(r"\\title\{(.*)\}", paper.tex).group(1)
    tex, elements = instrument(paper.tex, " ".join(title.split()[:2]))
    paper.paper_id = f"layout{seed}-{index:03d}"
    paper.tex = tex
    paper.params = {**paper.params, "profile": "layout"}
    paper.layout_elements = elements
    return paper


def _synth():
    """benchmarks/synth.py as loaded by whoever runs us (``__main__`` when run as a script:
    its ``Discard`` is the one its ``generate`` catches)."""
    import sys

    main = sys.modules.get("__main__")
    if main is not None and hasattr(main, "make_paper") and hasattr(main, "Discard"):
        return main
    for name in ("synth", "nougat_align_benchmarks_synth"):
        if name in sys.modules:
            return sys.modules[name]
    import synth
    return synth


def colour_truth(paper, work, synth=None) -> dict[str, Any]:
    """Compile ``work/paper.tex`` again in colour (``paper-colour.pdf``), check it prints
    what ``paper.pdf`` prints, and read the layout truth; ``synth.Discard`` if not
    (``synth``: the benchmarks/synth.py module calling us)."""
    synth = synth or _synth()
    from synth_layout_read import LayoutDiscard, compare_pdfs, read_layout

    cmd = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-jobname=paper-colour",
           "\\def\\lytcolour{}\\input{paper.tex}"]
    synth._run(cmd, work, 300)
    synth._run(cmd, work, 300)
    if "Rerun to get cross-references right" in (work / "paper-colour.log").read_text(errors="replace"):
        synth._run(cmd, work, 300)
    diff = compare_pdfs(str(work / "paper.pdf"), str(work / "paper-colour.pdf"))
    if diff:
        raise synth.Discard(diff)
    try:
        return read_layout(str(work / "paper-colour.pdf"), paper.layout_elements,
                           paper.layout.columns, paper.layout.margin_in * 72.27)
    except LayoutDiscard as e:
        raise synth.Discard(str(e)) from None


def dump_layout(layout: dict[str, Any]) -> str:
    """layout.json text: one element per line."""
    pages = []
    for p in layout["pages"]:
        head = ", ".join(f"{json.dumps(k)}: {json.dumps(p[k])}" for k in ("page", "width", "height"))
        els = ",\n".join("   " + json.dumps(e, ensure_ascii=False) for e in p["elements"])
        pages.append(f"  {{{head}, \"elements\": [\n{els}\n  ]}}")
    return "{\"pages\": [\n" + ",\n".join(pages) + "\n]}\n"
