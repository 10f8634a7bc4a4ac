"""Our LaTeXML bindings (nougat_align/source/bindings/): real latexmlc on small documents.

Each fixture in fixtures/sources/bindings/ uses one package whose Debian binding reads
expl3-code.tex raw (10+ minutes).  A conversion goes through our code path
(``latexml_to_html``); the test checks

(a) the fast path: latexmlc's log shows OUR binding loaded and no expl3-code.tex read (with
    Debian's bindings both fail), never the wall clock;
(b) the markdown says what the PDF prints: the committed PDF (fixtures/sources/bindings/
    build.py, pdflatex) read with pdftotext, its words compared both ways with the markdown's
    (words outside math in order; every PDF word found in the markdown, in or out of math),
    plus the exact TeX of the math the siunitx commands make.
"""
from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path

import pytest

from conftest import FIXTURES, require_tool
from nougat_align import html_to_markdown
from nougat_align.source import latexml as lx

BINDINGS_SOURCES = FIXTURES / "sources" / "bindings"
EXPL3_WARNING = re.compile(r"^Warning:nougat:expl3 (\S+) requested expl3 \(not loaded\)", re.M)


def _convert(tex: Path, out_dir: Path):
    """Convert through latexml_to_html, keeping latexmlc's log (run_group is wrapped)."""
    logs: list[str] = []
    real = lx.run_group

    def spy(cmd, *args, **kwargs):
        run = real(cmd, *args, **kwargs)
        if any("latexmlc" in str(c) for c in cmd):
            logs.append(run.log)
        return run

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(lx, "run_group", spy)
        html = out_dir / f"{tex.stem}.html"
        report = lx.latexml_to_html(tex, html, timeout=300)
    return report, html_to_markdown(html).text, "\n".join(logs)


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    require_tool("latexmlc", "pdftotext")
    out = tmp_path_factory.mktemp("bindings")
    cache: dict[str, tuple] = {}

    def get(name: str):
        if name not in cache:
            cache[name] = _convert(BINDINGS_SOURCES / f"{name}.tex", out)
        return cache[name]
    return get


# ------------------------------------------------------------------ word comparison --------

_MATH_RE = re.compile(r"\\\((.*?)\\\)|\\\[(.*?)\\\]", re.S)
_WORD_RE = re.compile(r"[^\W_]+")
_MATH_SYMBOLS = {r"\mu": "μ", r"\Omega": "Ω"}


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _maths(markdown: str) -> list[str]:
    return [m.group(1) if m.group(1) is not None else m.group(2) for m in _MATH_RE.finditer(markdown)]


def _text_words(markdown: str) -> list[str]:
    text = _MATH_RE.sub(" ", markdown)
    # a table is written as LaTeX tabular: its markup is not text
    text = re.sub(r"\\(?:begin|end)\{[^}]*\}(?:\{[^}]*\})?|\\[A-Za-z]+", " ", text)
    return _WORD_RE.findall(_norm(text))


def _math_chars(markdown: str) -> str:
    """The letters and digits of all math, TeX commands dropped (\\mu, \\Omega as symbols)."""
    tex = " ".join(_maths(markdown))
    for cs, ch in _MATH_SYMBOLS.items():
        tex = tex.replace(cs, ch)
    tex = re.sub(r"\\[A-Za-z]+", " ", tex)
    return "".join(_WORD_RE.findall(_norm(tex)))


def _pdf_words(name: str) -> list[str]:
    text = subprocess.run(["pdftotext", str(BINDINGS_SOURCES / f"{name}.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)  # hyphenated line ends
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if lines and lines[-1].strip().isdigit():  # the page number
        lines.pop()
    return _WORD_RE.findall(_norm("\n".join(lines)))


def _is_subsequence(small: list[str], big: list[str]) -> bool:
    it = iter(big)
    return all(any(w == b for b in it) for w in small)


def assert_words_match_pdf(name: str, markdown: str) -> None:
    md, pdf = _text_words(markdown), _pdf_words(name)
    assert md, markdown
    assert _is_subsequence(md, pdf), (md, pdf)
    known, math = set(md), _math_chars(markdown)
    missing = [w for w in pdf if w not in known and w not in math]
    assert not missing, (missing, markdown)


def assert_fast_path(package: str, report, log: str, expl3_packages: tuple[str, ...] = ()) -> None:
    assert report.ok, report.summary()
    assert f"{lx.BINDINGS}/{package}.sty.ltxml" in log, "our binding was not loaded"
    assert "expl3-code.tex" not in log and "expl3.ltx" not in log, "expl3 was read"
    assert tuple(EXPL3_WARNING.findall(log)) == expl3_packages
    assert report.error_count == 0, report.messages


# ------------------------------------------------------------------ the packages -----------

SIUNITX_MATHS = [
    r"12\,345", "1234", r"0.123\,45", r"1\times 10^{3}", r"-3.4\times 10^{-5}", "1.2(3)", "1.2(3)",
    r"10\,\mathrm{km}\,\mathrm{s}^{-1}", r"9.81\,\mathrm{m}\,\mathrm{s}^{-2}", r"3\,\%",
    r"20\,{}^{\circ}\mathrm{C}", r"1.5\,\mu\mathrm{m}", r"8\,\mathrm{pc}",
    r"\mathrm{kg}\,\mathrm{m}\,\mathrm{s}^{-2}", r"\Omega",
    r"10^{\circ}20^{\prime}30^{\prime\prime}", r"45^{\circ}", "1", "5",
    r"10\,\mathrm{Hz}", r"20\,\mathrm{Hz}", "1", "2", "3", r"1\,\mathrm{m}", r"2\,\mathrm{m}",
    r"2\times 3", r"2\,\mathrm{m}\times 3\,\mathrm{m}",
    r"12\,345.6", r"\mathrm{m}\,\mathrm{s}^{-1}", "1.2(3)", r"\mathrm{kg}", r"3\times 10^{4}", r"\%",
]


def test_siunitx(converted):
    report, markdown, log = converted("siunitx")
    assert_fast_path("siunitx", report, log)
    assert _maths(markdown) == SIUNITX_MATHS
    assert_words_match_pdf("siunitx", markdown)
    # the phrases siunitx prints in text: range, list and pair separators
    assert r"\(1\) to \(5\)" in markdown
    assert r"\(1\), \(2\) and \(3\)" in markdown


def test_xparse(converted):
    report, markdown, log = converted("xparse")
    assert_fast_path("xparse", report, log)
    assert_words_match_pdf("xparse", markdown)
    text = " ".join(markdown.split())
    for phrase in ("Softly hello World and Alice.", "Loudly hello Earth and Bob.",
                   "plain first", "marked second third text after.",
                   "up high down low", "(seven)", "(eight plus with nine)", "empty", "filled",
                   "**Note:** Body text. (end of Note)", "**Remark:** Other body. (end of Remark)"):
        assert phrase in text, phrase
    assert "NoValue" not in text


def test_tcolorbox(converted):
    report, markdown, log = converted("tcolorbox")
    assert_fast_path("tcolorbox", report, log)
    assert_words_match_pdf("tcolorbox", markdown)
    paragraphs = [p.strip() for p in markdown.split("\n\n") if p.strip()]
    # each title is a paragraph of its own before the box's content, as in the PDF
    for title, content in (("Box Title Here", "Inside the box."), ("My box", "Custom content."),
                           ("Given Title", "Titled content.")):
        assert title in paragraphs, paragraphs
        assert paragraphs[paragraphs.index(title) + 1] == content
    assert "Lower part." in paragraphs  # \tcblower: a paragraph break


def test_lipsum(converted):
    report, markdown, log = converted("lipsum")
    assert_fast_path("lipsum", report, log)
    assert_words_match_pdf("lipsum", markdown)
    paragraphs = [" ".join(p.split()) for p in markdown.split("\n\n") if p.strip()]
    assert paragraphs[0].startswith("Before Lorem ipsum dolor sit amet")
    assert paragraphs[0].endswith("rutrum. after one.")
    assert paragraphs[2] == ("Sentences: Donec felis erat, congue non, volutpat at, tincidunt "
                             "tristique, libero. Vivamus viverra fermentum felis. after sentences.")
    assert paragraphs[3].startswith("Range: Quisque ullamcorper")
    assert paragraphs[4].startswith("Fusce mauris.")  # \lipsum[4-5]: two paragraphs
    assert len(paragraphs) == 5


def test_mfirstuc_and_glossaries(converted):
    report, markdown, log = converted("glossaries")
    # glossaries.sty (read raw by Debian's binding) has \ExplSyntaxOn blocks: noted, skipped
    assert_fast_path("mfirstuc", report, log, expl3_packages=("glossaries",))
    assert_words_match_pdf("glossaries", markdown)
    text = " ".join(markdown.split())
    for phrase in ("Hello world and", "_Emphasised_ word", "The Quick Brown Fox.",
                   "Sentence case then Sample and sample and central processing unit (CPU)."):
        assert phrase in text, phrase


def test_expl3_is_noted_not_loaded(tmp_path):
    """A document's own expl3: \\usepackage{expl3} is noted (the fixed warning form) and its
    \\ExplSyntaxOn code is skipped, not run."""
    require_tool("latexmlc")
    tex = tmp_path / "paper.tex"
    tex.write_text("\\documentclass{article}\n\\usepackage{expl3}\n\\usepackage{xfp}\n"
                   "\\ExplSyntaxOn\n\\cs_new:Npn \\my_fn:n #1 { [#1] }\n\\ExplSyntaxOff\n"
                   "\\begin{document}\nText \\fpeval{1+2*3} stays.\n\\end{document}\n",
                   encoding="utf-8")
    report, markdown, log = _convert(tex, tmp_path)
    assert report.ok, report.summary()
    assert "expl3-code.tex" not in log
    assert EXPL3_WARNING.findall(log) == ["paper.tex"]
    assert " ".join(markdown.split()) == "Text 7 stays."


def test_kernel_document_commands_without_xparse(tmp_path):
    # the LaTeX kernel has \NewDocumentCommand since 2020-10: papers use it without loading
    # xparse; LaTeXML 0.8.7's kernel does not (undefined macro, arguments printed as text)
    tex = tmp_path / "kernel.tex"
    tex.write_text("\\documentclass{article}\n"
                   "\\NewDocumentCommand{\\pair}{s o m}{[\\IfBooleanTF{#1}{S}{N}"
                   "\\IfNoValueTF{#2}{-}{#2}#3]}\n"
                   "\\begin{document}\nA \\pair{x} B \\pair*[y]{z}.\n\\end{document}\n")
    report, markdown, log = _convert(tex, tmp_path / "out")
    assert report.ok and report.error_count == 0, log
    assert "A [N-x] B [Syz]." in markdown
