"""One normalization for both sides of the alignment: markdown and PDF text.

The markdown holds the author's TeX (``\\(\\alpha_{t}\\)``); the PDF holds glyphs
(``αt``).  Both are reduced to the same lowercase alphanumeric tokens: non-ASCII
characters are folded (accents dropped, math alphanumerics to letters, symbols to their
LaTeX command names via pylatexenc, so ``α`` and ``\\alpha`` both become ``alpha``),
and LaTeX commands that print nothing (``\\mathrm``, ``\\frac``, ``\\left``...) are dropped.

``tokenize`` keeps, for every token, the character span it came from, so a position found
in normalized text maps back to an exact offset in the original string.
"""
from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from pylatexenc.latexencode import unicode_to_latex

# Commands that typeset nothing by themselves (layout, fonts, structure).
SILENT_COMMANDS = frozenset(
    """
    mathrm mathbf mathit mathsf mathtt mathcal mathbb mathfrak mathscr mathnormal boldsymbol
    bm pmb text textrm textbf textit textsf texttt textnormal textup textsc emph operatorname
    mbox hbox vbox makebox fbox ensuremath left right middle big Big bigg Bigg bigl bigr Bigl
    Bigr biggl biggr Biggl Biggr quad qquad displaystyle textstyle scriptstyle
    scriptscriptstyle hskip hspace vspace kern mkern mskip thinspace negthinspace tag label
    nonumber notag frac dfrac tfrac cfrac binom dbinom tbinom genfrac begin end array tabular
    hline cline multicolumn multirow toprule midrule bottomrule cmidrule limits nolimits
    mathop mathopen mathclose mathrel mathbin mathpunct mathord rm bf it sf tt cal sl sc
    tiny scriptsize footnotesize small normalsize large Large LARGE huge Huge noindent
    centering raggedright phantom hphantom vphantom smash overline underline widehat widetilde
    hat tilde bar vec dot ddot breve check acute grave stackrel overset underset substack
    lx ltx textendash textemdash textquoteright textquoteleft textquotedblright
    textquotedblleft textbullet textperiodcentered textasciitilde textasciicircum textbar
    textbackslash textunderscore textellipsis ldots dots cdots vdots ddots textdagger
    textdaggerdbl S P textsection textparagraph textregistered texttrademark textcopyright
    nobreak allowbreak newline linebreak par relax protect xspace
    """.split()
)
# Text-mode commands pylatexenc emits for symbols that math writes differently.
TEXT_ALIASES = {
    "texttimes": "times", "textrightarrow": "rightarrow", "textleftarrow": "leftarrow",
    "textminus": "", "textdiv": "div", "textpm": "pm", "textmu": "mu", "textdegree": "circ",
    "textonehalf": "12", "surd": "sqrt", "le": "leq", "ge": "geq", "ne": "neq",
    "to": "rightarrow", "gets": "leftarrow", "lvert": "", "rvert": "", "vert": "",
    "lVert": "", "rVert": "", "Vert": "", "mid": "", "colon": "", "prime": "", "ast": "",
    "cdot": "", "cdotp": "", "lbrace": "", "rbrace": "", "langle": "", "rangle": "",
    "blacksquare": "", "square": "", "qed": "", "qedsymbol": "", "openbox": "", "Box": "",  # proof ends
}

_RAW_TOKEN = re.compile(r"\\[A-Za-z]+|(?:[A-Za-z0-9]|[^\x00-\x7f])+")
_ASCII_TOKEN = re.compile(r"\\[A-Za-z]+|[A-Za-z0-9]+")


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """One non-ASCII character as ASCII text (possibly a LaTeX command, possibly empty)."""
    code = ord(ch)
    if 0x1D400 <= code <= 0x1D7FF or 0xFB00 <= code <= 0xFB06 or 0x2070 <= code <= 0x209F \
            or code in (0xB9, 0xB2, 0xB3):
        return unicodedata.normalize("NFKD", ch)
    latex = unicode_to_latex(ch, non_ascii_only=True, replacement_latex_protection="none",
                             unknown_char_policy="ignore", unknown_char_warning=False)
    if latex.startswith("\\ensuremath{") and latex.endswith("}"):
        return " " + latex[len("\\ensuremath{"):-1] + " "
    plain = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if plain and plain.isascii():
        return plain
    latex = latex.strip("{}")
    return f" {latex} " if latex.startswith("\\") else ""


# one string object per distinct word: a 300-page document holds some 300,000 words of a few
# thousand kinds (and equal interned strings compare by identity first)
_intern = sys.intern


def _word(tok: str) -> str:
    """A raw ASCII token as its normalized word ("" for a command that prints nothing)."""
    if tok[0] == "\\":
        name = tok[1:]
        return "" if name in SILENT_COMMANDS else _intern(TEXT_ALIASES.get(name, name).lower())
    return _intern(tok.lower())


@lru_cache(maxsize=65536)
def _fold_token(raw: str) -> tuple[str, ...]:
    """Normalized tokens of one raw token holding non-ASCII characters."""
    return tuple(norm_words(raw))


@dataclass(frozen=True)
class Tokens:
    """Normalized tokens of a string, each with the span ``[start, end)`` it came from."""

    words: list[str]
    starts: np.ndarray
    ends: np.ndarray

    def __len__(self) -> int:
        return len(self.words)

    def joined(self) -> tuple[str, np.ndarray]:
        """All tokens concatenated without separators, and for every character the index
        of the token it belongs to."""
        s = "".join(self.words)
        lengths = np.fromiter((len(w) for w in self.words), dtype=np.int64, count=len(self.words))
        owner = np.repeat(np.arange(len(self.words), dtype=np.int64), lengths)
        return s, owner


def tokenize(text: str) -> Tokens:
    words: list[str] = []
    spans: list[tuple[int, int]] = []
    add_word, add_span = words.append, spans.append
    for m in _RAW_TOKEN.finditer(text):
        raw = m.group()
        if raw[0] != "\\" and raw.isascii():  # the common case, inline
            add_word(_intern(raw.lower()))
            add_span(m.span())
            continue
        for tok in ((_word(raw),) if raw[0] == "\\" else _fold_token(raw)):
            if tok:
                add_word(tok)
                add_span(m.span())
    arr = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    return Tokens(words, arr[:, 0].copy(), arr[:, 1].copy())


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _fold_run(m: "re.Match[str]") -> str:
    return "".join(_fold_char(c) for c in m.group())


def norm_words(text: str) -> list[str]:
    """Just the normalized tokens of ``text`` (the same as ``tokenize(text).words``,
    without the offsets, several times faster)."""
    if not text.isascii():
        text = _NON_ASCII.sub(_fold_run, text)
    return [w for w in map(_word, _ASCII_TOKEN.findall(text)) if w]


_LINE_TOKEN = re.compile(r"\\[A-Za-z]+|[A-Za-z0-9]+|\n")


def norm_lines(lines: list[str]) -> list[list[str]]:
    """``[norm_words(line) for line in lines]`` in one pass over the joined text."""
    text = "\n".join(line.replace("\n", " ") for line in lines)
    if not text.isascii():
        text = _NON_ASCII.sub(_fold_run, text)
    out: list[list[str]] = [[]]
    for tok in _LINE_TOKEN.findall(text):
        if tok == "\n":
            out.append([])
        else:
            w = _word(tok)
            if w:
                out[-1].append(w)
    return out if lines else []


def norm_string(text: str) -> str:
    """The normalized tokens of ``text`` concatenated (what fuzzy matching compares)."""
    return "".join(norm_words(text))
