#!/usr/bin/env python3
"""Synthetic LaTeX papers whose page split is known word by word.

    python benchmarks/synth.py --n 20 --seed 1 -o benchmarks/synth/
    python benchmarks/synth.py --hard --n 20 --seed 2 -o benchmarks/synth-hard/
    python benchmarks/synth.py --build-sentences      # refresh benchmarks/synth/sentences.txt

Each accepted paper is written to ``OUT/<paper_id>/`` as ``paper.tex``, ``paper.pdf``
(pdflatex twice), ``paper.html`` (``latexmlc --format=html5``) and ``truth.json`` (schema
in ``benchmarks/README.md``).  ``OUT/manifest.json`` lists accepted and discarded attempts.

How a paper is made.  Layout is drawn per paper: one or two columns, 10/11/12pt, margins
0.7-1.5in, a target of 4-15 pages.  The text is real English sentences from
``sentences.txt`` (cut from the Python language reference, GNU info manuals and free
software licenses found on a Debian machine by ``--build-sentences``), drawn without
replacement, so within one paper no sentence repeats and caption, footnote, title and
bibliography sentences never occur in the body.  The paper has title, authors, abstract,
sections and subsections, paragraphs of 2-16 sentences (long ones break across pages),
inline math, numbered equations and align blocks (inside and between paragraphs), lists,
footnotes, citations into a ``thebibliography`` list, and figure and table floats (``*``
variants in two-column papers) with varied placement options.

Truth.  While writing the LaTeX the generator records the body words -- abstract,
section and subsection titles (without numbers), paragraphs and list items, normalized
with :func:`nougat_align.evaluate.words.normalize_words`; not math, captions, footnotes,
tables, references or the title block.  After compiling, every PDF page's words
(PyMuPDF) are concatenated in page order and aligned to that sequence; a page starts at
its first aligned body word.  A paper is kept only if its truth checks out:

* at least 99% of the body words are found in the PDF, and at least 95% of each page's
  run (every page's words align to one contiguous run of the sequence, in page order);
* no unaligned body word sits between two pages (each boundary is unambiguous);
* pdftotext, a second extractor, yields the same page starts;
* every caption and footnote is found on exactly one page;
* the page count is within ``--min-pages``/``--max-pages``;
* the LaTeXML HTML has an ``<article>``, no ``ltx_ERROR`` and holds >= 98% of the body
  words in order.

Hard mode (``--hard``, papers ``hard<seed>-<index>``) adds what makes real papers hard
to split: running heads and feet (fancyhdr), an arXiv margin stamp, TikZ plots and
diagrams full of text, big numeric tables, full-page float pages, heavy display math,
theorems and proofs, nested lists, paragraph headings, footnote clusters and a long
footnote, a 15-40 entry bibliography and an appendix (notes in the hard mode section).  Its
truth.json adds ``furniture``, ``displays``, ``features`` and per-caption ``float_page`` /
``figure_text``; the default mode is unchanged, byte for byte.

Builds are deterministic: the same seed and sentence file give the same ``paper.tex``;
SOURCE_DATE_EPOCH pins pdflatex's dates and ids and the date LaTeXML writes into the HTML
is removed.  Re-running over an existing output folder reuses papers whose ``paper.tex``
is unchanged (``--force`` rebuilds them).
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))
if str(HERE) not in sys.path:  # synth_layout.py beside us
    sys.path.insert(0, str(HERE))

from nougat_align.evaluate.truth import align_words  # noqa: E402
from nougat_align.evaluate.words import normalize_words  # noqa: E402

GENERATOR_VERSION = 1
DEFAULT_SENTENCES = HERE / "synth" / "sentences.txt"
ENV = dict(os.environ, SOURCE_DATE_EPOCH="1700000000", FORCE_SOURCE_DATE="1")

# ----------------------------------------------------------------------------- sentences

_SAFE_SENTENCE = re.compile(r"^[A-Z][A-Za-z0-9 ,;:'()-]*[a-z0-9)]\.$")
_PLAIN_TOKEN = re.compile(r"\(?[A-Za-z]+(?:-[A-Za-z]+)?[,;:.)]*")
_REJECT = re.compile(r"\b[a-z]+[A-Z]|__|\b[A-Z]{2,}\b|--|\w-\s|\s-|\be\.g|\bi\.e")


def _source_texts() -> list[tuple[str, str]]:
    """Plain-text English prose shipped with Python and Debian."""
    texts: list[tuple[str, str]] = []
    try:
        import pydoc_data.topics as topics

        texts += [(f"pydoc:{k}", v) for k, v in sorted(topics.topics.items())]
    except ImportError:
        pass
    for name in ("GPL-3", "GFDL-1.3", "Apache-2.0", "MPL-2.0", "LGPL-3", "Artistic"):
        f = Path("/usr/share/common-licenses") / name
        if f.is_file():
            texts.append((str(f), f.read_text(errors="replace")))
    for f in sorted(Path("/usr/share/info").glob("*.info*.gz")):
        texts.append((str(f), gzip.open(f, "rt", errors="replace").read()))
    return texts


def build_sentence_pool(texts: list[tuple[str, str]]) -> list[str]:
    """Ordinary English sentences of 8-40 words from ``texts``: paragraphs with indented
    (code) lines are skipped, quotes around single words removed, and a sentence is kept
    only if it is plain words and simple punctuation (no LaTeX specials, no code-like
    tokens, no abbreviations that would end a sentence early)."""
    found: dict[str, None] = {}
    for _name, text in texts:
        for para in re.split(r"\n\s*\n", text):
            lines = para.split("\n")
            if any(re.match(r"\s{5,}\S", line) for line in lines):
                continue
            flat = " ".join(line.strip() for line in lines)
            flat = re.sub(r'"([A-Za-z]+)"', r"\1", flat)
            flat = re.sub(r"`([A-Za-z]+)'", r"\1", flat)
            for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", flat):
                s = s.strip()
                words = s.split()
                if not (8 <= len(words) <= 40) or not _SAFE_SENTENCE.match(s):
                    continue
                if s.count("(") != s.count(")") or _REJECT.search(s):
                    continue
                if sum(1 for w in words if _PLAIN_TOKEN.fullmatch(w)) < 0.9 * len(words):
                    continue
                found[s] = None
    # near duplicates (the same phrase in two manuals) would blur which page or which
    # caption a run of words belongs to: keep a sentence only if it shares no 5-word run
    # with a sentence kept before it
    kept: list[str] = []
    seen: set[tuple[str, ...]] = set()
    for s in sorted(found):
        w = normalize_words(s)
        grams = {tuple(w[i:i + 5]) for i in range(len(w) - 4)}
        if grams & seen:
            continue
        seen |= grams
        kept.append(s)
    return kept


def write_sentence_pool(path: Path) -> int:
    sentences = build_sentence_pool(_source_texts())
    header = ("# Sentences for benchmarks/synth.py, one per line, built by "
              "`python benchmarks/synth.py --build-sentences`\n"
              "# from Python's pydoc_data/topics.py, /usr/share/common-licenses and "
              "/usr/share/info manuals.\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + "\n".join(sentences) + "\n", encoding="utf-8")
    return len(sentences)


def load_sentences(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [s for s in lines if s.strip() and not s.startswith("#")]


# ----------------------------------------------------------------------------- LaTeX text

_TEX_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                "^": r"\textasciicircum{}", '"': "''", "<": r"\textless{}",
                ">": r"\textgreater{}", "|": r"\textbar{}"}


def tex_escape(text: str) -> str:
    return "".join(_TEX_ESCAPES.get(c, c) for c in text)


# Invented vocabulary for titles, authors, headings and tables (not from any source).
TITLE_ADJ = ["Robust", "Scalable", "Incremental", "Adaptive", "Sparse", "Efficient",
             "Probabilistic", "Distributed", "Hierarchical", "Lightweight", "Provable",
             "Streaming", "Structured", "Unsupervised", "Interpretable"]
TITLE_NOUN = ["Alignment", "Indexing", "Retrieval", "Compression", "Parsing", "Scheduling",
              "Estimation", "Segmentation", "Verification", "Caching", "Ranking",
              "Summarization", "Transcription", "Inference", "Sampling"]
TITLE_OBJ = ["Scanned Documents", "Scientific Papers", "Page Layouts", "Source Archives",
             "Large Corpora", "Typeset Mathematics", "Mixed Media", "Noisy Text",
             "Versioned Files", "Citation Graphs"]
FIRST = ["Ada", "Bruno", "Chiara", "Dmitri", "Elif", "Farid", "Greta", "Hiro", "Ines",
         "Jonas", "Kavya", "Lars", "Mei", "Nadia", "Oskar", "Priya", "Quentin", "Rosa",
         "Sven", "Tomas", "Uma", "Viktor", "Wen", "Yara", "Zeno"]
LAST = ["Albrecht", "Brandt", "Castellano", "Dumont", "Eriksen", "Falk", "Gallo", "Haas",
        "Iversen", "Jansen", "Kowalski", "Lindqvist", "Moreau", "Novak", "Okafor",
        "Petrov", "Quist", "Rinaldi", "Sato", "Tanaka", "Ulrich", "Varga", "Weber",
        "Yilmaz", "Zhou"]
PLACES = ["Institute for Document Studies", "Department of Computer Science",
          "School of Informatics", "Laboratory for Text Engineering",
          "Center for Applied Mathematics", "Faculty of Engineering"]
SECTIONS = ["Introduction", "Background", "Related Work", "Problem Statement",
            "Method", "Model", "Implementation", "Experimental Setup", "Results",
            "Analysis", "Discussion", "Limitations", "Future Work", "Conclusion"]
SUBSECTIONS = ["Notation", "Data Collection", "Preprocessing", "Training Procedure",
               "Evaluation Protocol", "Baselines", "Ablation Study", "Error Analysis",
               "Runtime", "Memory Usage", "Qualitative Examples", "Design Choices",
               "Assumptions", "Complexity", "Failure Cases", "Sensitivity"]
VENUES = ["Proceedings of the Workshop on Document Engineering",
          "Journal of Applied Text Processing", "Transactions on Digital Libraries",
          "Proceedings of the Conference on Information Systems",
          "Annual Symposium on Computational Typesetting"]
TABLE_ROWS = ["Baseline", "Ours", "Ours (small)", "Oracle", "Random", "Heuristic",
              "Greedy", "Two stage", "Ensemble"]
TABLE_COLS = ["Precision", "Recall", "Score", "Time (s)", "Memory", "Error", "Pages",
              "Accuracy"]
VARS = ["x", "y", "z", "w", "u", "v", "a", "b", "c", "k", "n", "m", "t", "s", "p", "q"]
GREEK = [r"\alpha", r"\beta", r"\gamma", r"\lambda", r"\mu", r"\sigma", r"\theta",
         r"\phi", r"\omega", r"\epsilon", r"\eta", r"\rho"]
FLOAT_SPECS = ["t", "tb", "htbp", "b", "h", "!t", "ht", "tbp"]
WIDE_SPECS = ["t", "tp", "!t", "t"]


# ----------------------------------------------------------------------------- paper

@dataclass
class Layout:
    columns: int
    fontsize: int
    margin_in: float
    target_pages: int

    def words_per_page(self) -> float:
        """Rough body words per page, to size the text for the target page count."""
        width_pt = (8.5 - 2 * self.margin_in) * 72.27
        height_pt = (11.0 - 2 * self.margin_in) * 72.27
        chars_per_line = width_pt / (0.47 * self.fontsize)
        lines = height_pt / (1.22 * self.fontsize)
        return chars_per_line * lines / 6.3


@dataclass
class Paper:
    """A generated paper: its LaTeX source and what the truth needs to know about it."""
    paper_id: str
    layout: Layout
    params: dict[str, Any]
    tex: str = ""
    words: list[str] = field(default_factory=list)
    sections: list[dict[str, Any]] = field(default_factory=list)
    captions: list[dict[str, Any]] = field(default_factory=list)
    footnotes: list[dict[str, Any]] = field(default_factory=list)
    hard: Optional[dict[str, Any]] = None  # hard mode only: displays, page style, counts
    faults: Optional[dict[str, Any]] = None  # faults mode only: unprinted, pdf-only texts
    layout_elements: Optional[list] = None  # layout mode only: synth_layout.Element list


class _Writer:
    """Writes one paper's LaTeX while recording its body words."""

    def __init__(self, rng: random.Random, sentences: list[str], layout: Layout):
        self.rng = rng
        self.layout = layout
        order = list(range(len(sentences)))
        rng.shuffle(order)
        self._sentences = sentences
        self._order = iter(order)
        self.out: list[str] = []
        self.words: list[str] = []
        self.sections: list[dict[str, Any]] = []
        self.captions: list[dict[str, Any]] = []
        self.footnotes: list[dict[str, Any]] = []
        self.n_fig = self.n_tab = self.n_eq = 0
        self.bib_size = rng.randint(6, 18)

    # -- text pieces
    def sentence(self) -> str:
        return self._sentences[next(self._order)]

    def body(self, plain: str, tex: Optional[str] = None) -> str:
        """Record ``plain`` as body words and return its LaTeX."""
        self.words.extend(normalize_words(plain))
        return tex_escape(plain) if tex is None else tex

    def atom(self) -> str:
        rng = self.rng
        base = rng.choice(VARS + GREEK)
        r = rng.random()
        if r < 0.3:
            base += "_{" + rng.choice(["i", "j", "k", "t", "0", "1", "n"]) + "}"
        elif r < 0.45:
            base += "^{" + rng.choice(["2", "n", "k", "T", "-1"]) + "}"
        return base

    def term(self) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.2:
            return r"\frac{" + self.atom() + "}{" + self.atom() + "}"
        if r < 0.35:
            return r"\sum_{i=1}^{n} " + self.atom()
        if r < 0.45:
            return r"\log " + self.atom()
        if r < 0.55:
            return r"\exp\left(" + self.atom() + r"\right)"
        return self.atom()

    def expr(self, terms: int) -> str:
        parts = [self.term()]
        for _ in range(terms - 1):
            parts.append(self.rng.choice(["+", "-", r"\cdot"]))
            parts.append(self.term())
        return " ".join(parts)

    def inline_math(self) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.4:
            return "$" + self.atom() + "$"
        if r < 0.7:
            return "$" + self.atom() + rng.choice([" = ", r" \le ", r" \in ", " < "]) + self.term() + "$"
        return "$" + self.expr(2) + "$"

    def display_math(self) -> str:
        rng = self.rng
        if rng.random() < 0.35:
            rows = [self.atom() + " &= " + self.expr(rng.randint(2, 3))
                    for _ in range(rng.randint(2, 3))]
            self.n_eq += len(rows)
            return "\\begin{align}\n" + " \\\\\n".join(rows) + "\n\\end{align}"
        self.n_eq += 1
        return ("\\begin{equation}\n" + self.atom() + " = " + self.expr(rng.randint(2, 4))
                + "\n\\label{eq:" + str(self.n_eq) + "}\n\\end{equation}")

    # -- decorated sentences
    def prose_sentence(self, ref: Optional[str] = None) -> str:
        """One body sentence, maybe with inline math, a citation, a float reference and a
        footnote; only its words are recorded."""
        rng = self.rng
        plain = self.sentence()
        words = plain[:-1].split(" ")  # without the final period
        tex_words = [tex_escape(w) for w in words]
        self.words.extend(normalize_words(plain[:-1]))
        if rng.random() < 0.14 and len(words) > 3:
            k = rng.randint(1, len(words) - 2)
            tex_words.insert(k, self.inline_math())
        tex = " ".join(tex_words)
        if rng.random() < 0.12:
            keys = sorted(rng.sample(range(1, self.bib_size + 1), rng.choice([1, 1, 1, 2])))
            tex += "~\\cite{" + ",".join(f"b{k}" for k in keys) + "}"
        if ref is not None:
            kind, number = ref.split(":")
            label = {"fig": "Figure", "tab": "Table"}[kind]
            self.words.extend(normalize_words(f"see {label} {number}"))
            tex += f" (see {label}~\\ref{{{ref}}})"
        tex += "."
        if rng.random() < 0.02:
            note = self.sentence()
            self.footnotes.append({"mark": len(self.footnotes) + 1, "text": note,
                                   "anchor": len(self.words)})
            tex += "\\footnote{" + tex_escape(note) + "}"
        return tex

    def paragraph(self, n: int, ref: Optional[str] = None) -> str:
        parts = [self.prose_sentence(ref if i == n - 1 else None) for i in range(n)]
        if n >= 4 and self.rng.random() < 0.12:  # display math inside the paragraph
            k = self.rng.randint(1, n - 1)
            parts.insert(k, "\n" + self.display_math() + "\n")
        return " ".join(parts)

    def paragraph_length(self) -> int:
        r = self.rng.random()
        if r < 0.3:
            return self.rng.randint(2, 4)
        if r < 0.8:
            return self.rng.randint(5, 8)
        return self.rng.randint(9, 16)

    def a_list(self) -> str:
        env = self.rng.choice(["itemize", "enumerate"])
        items = []
        for _ in range(self.rng.randint(2, 5)):
            items.append("\\item " + " ".join(self.prose_sentence()
                                               for _ in range(self.rng.choice([1, 1, 2]))))
        return f"\\begin{{{env}}}\n" + "\n".join(items) + f"\n\\end{{{env}}}"

    def caption_text(self) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.choice([1, 1, 2, 2, 3])))

    def a_float(self, kind: str) -> str:
        rng = self.rng
        wide = self.layout.columns == 2 and rng.random() < 0.3
        spec = rng.choice(WIDE_SPECS if wide else FLOAT_SPECS)
        text = self.caption_text()
        env = ("figure" if kind == "Figure" else "table") + ("*" if wide else "")
        if kind == "Figure":
            self.n_fig += 1
            number, label = self.n_fig, f"fig:{self.n_fig}"
            width = rng.choice(["0.5", "0.6", "0.75", "0.9"])
            height = rng.choice(["2.5", "3", "4", "5", "6"])
            inner = (f"\\centering\n\\framebox[{width}\\linewidth]{{\\rule{{0pt}}{{{height}cm}}}}\n"
                     f"\\caption{{{tex_escape(text)}}}\n\\label{{{label}}}")
        else:
            self.n_tab += 1
            number, label = self.n_tab, f"tab:{self.n_tab}"
            cols = rng.sample(TABLE_COLS, rng.randint(2, 4))
            rows = rng.sample(TABLE_ROWS, rng.randint(3, 6))
            lines = [" & ".join(["Method"] + [tex_escape(c) for c in cols]) + r" \\ \hline"]
            for r in rows:
                vals = [f"{rng.uniform(0, 100):.1f}" for _ in cols]
                lines.append(" & ".join([tex_escape(r)] + vals) + r" \\")
            inner = (f"\\centering\n\\caption{{{tex_escape(text)}}}\n\\label{{{label}}}\n"
                     f"\\begin{{tabular}}{{l{'r' * len(cols)}}}\n\\hline\n"
                     + "\n".join(lines) + "\n\\hline\n\\end{tabular}")
        self.captions.append({"kind": kind, "number": number, "text": text,
                              "placement": spec, "wide": wide, "anchor": len(self.words)})
        return f"\\begin{{{env}}}[{spec}]\n{inner}\n\\end{{{env}}}"

    def heading(self, level: int, title: str) -> str:
        cmd = "section" if level == 1 else "subsection"
        self.sections.append({"level": level, "title": title, "word_index": len(self.words)})
        return f"\\{cmd}{{{self.body(title)}}}"

    def sections_body(self, out: list[str], titles: list[str], subtitles: list[str],
                      slot) -> None:
        """Sections (some with subsections) sharing out ``self.pars_left`` paragraph
        slots; ``slot(out)`` writes one slot and counts ``self.pars_left`` down."""
        rng = self.rng
        for s, stitle in enumerate(titles):
            out += [self.heading(1, stitle), ""]
            share = self.pars_left // (len(titles) - s)
            subs = []
            if share >= 4 and len(subtitles) >= 3 and rng.random() < 0.55:
                subs = [subtitles.pop() for _ in range(rng.randint(2, 3))]
            chunks = [share] if not subs else _split_count(rng, share, len(subs) + 1)
            for c, count in enumerate(chunks):
                if c > 0:
                    out += [self.heading(2, subs[c - 1]), ""]
                for _ in range(count):
                    slot(out)

    # -- the whole paper
    def document(self) -> str:
        rng, lay = self.rng, self.layout
        budget = lay.target_pages * lay.words_per_page() * 0.56
        n_floats = max(1, round(lay.target_pages * rng.uniform(0.4, 1.0)))
        avg_par = 6.4 * 19
        n_pars = max(6, int(budget / avg_par))
        n_sections = max(3, min(len(SECTIONS), lay.target_pages // 2 + rng.randint(2, 4)))
        titles = ["Introduction"] + sorted(rng.sample(SECTIONS[1:-1], n_sections - 2),
                                           key=SECTIONS.index) + ["Conclusion"]
        subtitles = rng.sample(SUBSECTIONS, len(SUBSECTIONS))

        title = f"{rng.choice(TITLE_ADJ)} {rng.choice(TITLE_NOUN)} for {rng.choice(TITLE_OBJ)}"
        authors = []
        for _ in range(rng.randint(1, 4)):
            authors.append(f"{rng.choice(FIRST)} {rng.choice(LAST)}\\\\{rng.choice(PLACES)}")
        opts = [f"{lay.fontsize}pt", "letterpaper"] + (["twocolumn"] if lay.columns == 2 else [])
        out = [f"\\documentclass[{','.join(opts)}]{{article}}",
               f"\\usepackage[margin={lay.margin_in}in]{{geometry}}",
               "\\usepackage{amsmath,amssymb}",
               "% no hyphenated word broken across pages: every word has one page",
               "\\brokenpenalty=10000",
               f"\\title{{{title}}}",
               "\\author{" + " \\and ".join(authors) + "}",
               "\\date{}",
               "\\begin{document}",
               "\\maketitle",
               "\\begin{abstract}",
               " ".join(self.prose_sentence() for _ in range(rng.randint(4, 7))),
               "\\end{abstract}", ""]
        self.pars_left = n_pars
        floats_left = n_floats

        def slot(out: list[str]) -> None:
            nonlocal floats_left
            ref = None
            float_tex = None
            if floats_left and rng.random() < floats_left / max(1, self.pars_left):
                kind = "Figure" if rng.random() < 0.55 else "Table"
                float_tex = self.a_float(kind)
                ref = f"{'fig' if kind == 'Figure' else 'tab'}:{self.captions[-1]['number']}"
                floats_left -= 1
            # the float's source position is after the paragraph referring to it
            par = self.paragraph(self.paragraph_length(), ref)
            if float_tex is not None:
                self.captions[-1]["anchor"] = len(self.words)
            out += [par, ""]
            if float_tex is not None:
                out += [float_tex, ""]
            r = rng.random()
            if r < 0.10:
                out += [self.a_list(), ""]
            elif r < 0.18:
                out += [self.display_math(), ""]
            self.pars_left -= 1

        self.sections_body(out, titles, subtitles, slot)
        bib = ["\\begin{thebibliography}{99}"]
        for k in range(1, self.bib_size + 1):
            names = " and ".join(f"{rng.choice(FIRST)[0]}. {rng.choice(LAST)}"
                                 for _ in range(rng.randint(1, 3)))
            btitle = " ".join(self.sentence()[:-1].split()[: rng.randint(5, 11)]).rstrip(",;:")
            bib.append(f"\\bibitem{{b{k}}} {names}. {tex_escape(btitle)}.\n\\newblock In "
                       f"\\emph{{{rng.choice(VENUES)}}}, {rng.randint(1995, 2023)}.")
        bib.append("\\end{thebibliography}")
        out += bib + ["", "\\end{document}", ""]
        return "\n".join(out)


def _split_count(rng: random.Random, total: int, parts: int) -> list[int]:
    cuts = sorted(rng.sample(range(1, total), parts - 1)) if total > parts else list(range(1, parts))
    edges = [0] + cuts + [total]
    return [max(1, b - a) for a, b in zip(edges, edges[1:])]


def make_paper(seed: int, index: int, sentences: list[str]) -> Paper:
    """The LaTeX and body words of attempt ``index`` (deterministic in seed, index and
    the sentence list)."""
    rng = random.Random(f"nougat-align-synth:{seed}:{index}")
    layout = Layout(columns=rng.choice([1, 1, 2]), fontsize=rng.choice([10, 11, 12]),
                    margin_in=rng.choice([0.7, 0.8, 1.0, 1.0, 1.2, 1.5]),
                    target_pages=rng.randint(4, 13))
    writer = _Writer(rng, sentences, layout)
    tex = writer.document()
    paper_id = f"synth{seed}-{index:03d}"
    params = {"version": GENERATOR_VERSION, "seed": seed, "index": index,
              "columns": layout.columns, "fontsize": layout.fontsize,
              "margin_in": layout.margin_in, "paper": "letter",
              "target_pages": layout.target_pages}
    return Paper(paper_id, layout, params, tex, writer.words, writer.sections,
                 writer.captions, writer.footnotes)


# ----------------------------------------------------------------------------- hard mode
#
# ``--hard`` papers carry what makes real papers hard to split (benchmarks/README.md, "Hard
# mode"): running heads and feet, an arXiv-style margin stamp, TikZ figures full of text,
# big numeric tables, float-only pages, heavy display math, theorems and proofs, nested
# lists, run-in paragraph headings, many and long footnotes, a long bibliography and an
# appendix.  Body words are made exactly as in the default mode.  Everything else a hard
# paper prints is math, numbers, or words of the invented vocabulary below, none of which
# (single letters aside) occurs in sentences.txt (tests/split/test_synth_hard.py checks), so the truth alignment cannot
# take figure text for body text.  Plots are plain TikZ (\draw, \node), not pgfplots:
# LaTeXML needs ~20 s for TikZ but ~100 s for pgfplots.

HARD_VERSION = 1
FIG_XLABELS = ["iterations (k)", "epochs", "VRAM (GB)", "docs/sec", "params (M)",
               "warmup (k)", "dropout", "TFLOPs", "vocab (k)", "ctx (k)"]
FIG_YLABELS = ["perplexity", "BLEU", "ROUGE", "AUC", "RMSE", "NLL (nats)", "PSNR (dB)",
               "SSIM", "WER (%)", "F1 (%)", "Acc (%)", "throughput (QPS)", "EM (%)"]
FIG_SERIES = ["LSTM", "BiGRU", "ResNet", "XGBoost", "SVM", "kNN", "ViT", "BERT", "GPT",
              "BERT+CRF", "MLP", "AdamW", "SGD", "cosine", "oracle", "greedy",
              "ensemble", "dense", "sparse", "distilled", "pretrained", "finetuned"]
FIG_BLOCKS = ["encoder", "decoder", "tokenizer", "embedding", "softmax", "pooling",
              "retriever", "reranker", "OCR", "renderer", "classifier", "detector",
              "segmenter", "normalizer", "dedup", "crawler", "rasterizer", "logits"]
FIG_CATEGORIES = ["PubLayNet", "DocBank", "arXiv", "PMC", "PubMed", "WikiText", "SQuAD",
                  "FUNSD", "CORD", "SROIE", "KILT", "MSMARCO", "HotpotQA", "TREC"]
FIG_PANELS = ["train", "dev", "heldout", "zeroshot", "fewshot", "eval"]
FIG_COLORS = ["blue", "red", "green!50!black", "orange", "violet", "cyan!60!black"]
FIG_DASHES = ["", "dashed", "dotted", "dashdotted"]
HARD_TABLE_COLS = ["Prec.", "Rec.", "F1", "Acc.", "EM", "BLEU", "AUC", "RMSE", "WER",
                   "Mem.", "GFLOPs", "Params", "QPS", "PSNR", "SSIM", "NLL"]
PARAGRAPH_TITLES = ["Datasets", "Metrics", "Implementation details", "Hyperparameters",
                    "Observations", "Training details", "Remarks", "Scope",
                    "Evaluation", "Overview", "Motivation", "Outlook"]
APPENDIX_TITLES = ["Proofs", "Additional Experiments", "Hyperparameters",
                   "Dataset Details", "Further Examples", "Derivations"]
THEOREMS = {"theorem": "Theorem", "lemma": "Lemma", "proposition": "Proposition",
            "corollary": "Corollary", "definition": "Definition"}
MONTHS = ["Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
ARXIV_CATS = ["cs.CL", "cs.LG", "cs.DL", "cs.CV", "cs.IR", "stat.ML", "math.OC"]
HEADER_STYLES = ["title-authors", "page-of", "number-top", "journal", "plain"]
HEADER_WEIGHTS = [0.3, 0.25, 0.15, 0.15, 0.15]
# no bare [b]: a float taller than \bottomfraction would hold back every later float
HARD_SPECS = ["t", "t", "!t", "tb", "htbp", "h", "ht", "tbp", "tb"]
HARD_WIDE_SPECS = ["t", "!t", "tp", "t"]
CM = 28.45  # pt per cm


def figure_vocabulary() -> set[str]:
    """Normalized words of two or more letters printed inside hard-mode figures (single
    letters such as the k of "(k)" are everywhere anyway: math, list labels)."""
    words: set[str] = set()
    for group in (FIG_XLABELS, FIG_YLABELS, FIG_SERIES, FIG_BLOCKS, FIG_CATEGORIES,
                  FIG_PANELS):
        for item in group:
            words.update(w for w in normalize_words(item) if not w.isdigit() and len(w) > 1)
    return words


def _fmt(v: float) -> str:
    """A tick label: at most two decimals, no trailing zeros."""
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _c(v: float) -> str:
    """A TikZ coordinate in cm."""
    return f"{v:.2f}"


class _HardWriter(_Writer):
    """The default writer plus the hard features (notes above)."""

    def __init__(self, rng: random.Random, sentences: list[str], layout: Layout):
        super().__init__(rng, sentences, layout)
        self.bib_size = rng.randint(15, 40)
        self.cite_rate = rng.uniform(0.12, 0.3)
        self.note_rate = rng.uniform(0.015, 0.045)
        self.math_rate = rng.uniform(0.12, 0.35)
        self.theorem_rate = rng.choice([0.0, 0.06, 0.12, 0.2])
        self.displays: list[dict[str, Any]] = []
        self.eq_tag = 0
        self.counts: Counter = Counter()
        self.pending_notes = 0
        self.long_note_at = rng.randint(60, 500)
        self.long_note_done = False
        self.bib_titles: list[str] = []
        self.fig_font = r"\scriptsize" if layout.fontsize <= 11 else r"\footnotesize"
        self.font_pt = {10: 7.0, 11: 8.0, 12: 10.0}[layout.fontsize]  # the figure font

    # -- sizes
    def linewidth_pt(self, wide: bool) -> float:
        textwidth = (8.5 - 2 * self.layout.margin_in) * 72.27
        return textwidth if self.layout.columns == 1 or wide else (textwidth - 10.0) / 2

    def textheight_pt(self) -> float:
        return (11.0 - 2 * self.layout.margin_in) * 72.27

    # -- sentences with more citations and footnotes
    def footnote(self, n_sentences: int = 1) -> str:
        note = " ".join(self.sentence() for _ in range(n_sentences))
        self.footnotes.append({"mark": len(self.footnotes) + 1, "text": note,
                               "anchor": len(self.words)})
        return "\\footnote{" + tex_escape(note) + "}"

    def prose_sentence(self, ref: Optional[str] = None) -> str:
        rng = self.rng
        plain = self.sentence()
        words = plain[:-1].split(" ")
        tex_words = [tex_escape(w) for w in words]
        self.words.extend(normalize_words(plain[:-1]))
        if rng.random() < 0.18 and len(words) > 3:
            tex_words.insert(rng.randint(1, len(words) - 2), self.inline_math())
        tex = " ".join(tex_words)
        if rng.random() < self.cite_rate:
            keys = sorted(rng.sample(range(1, self.bib_size + 1), rng.choice([1, 1, 2, 3, 4])))
            tex += "~\\cite{" + ",".join(f"b{k}" for k in keys) + "}"
        if ref is not None:
            kind, number = ref.split(":")
            label = {"fig": "Figure", "tab": "Table"}[kind]
            self.words.extend(normalize_words(f"see {label} {number}"))
            tex += f" (see {label}~\\ref{{{ref}}})"
        tex += "."
        if not self.long_note_done and len(self.words) >= self.long_note_at:
            self.long_note_done = True
            self.counts["long_footnotes"] += 1
            tex += self.footnote(rng.randint(3, 5))
        elif self.pending_notes:
            self.pending_notes -= 1
            tex += self.footnote()
        elif rng.random() < self.note_rate:
            tex += self.footnote()
        return tex

    def paragraph(self, n: int, ref: Optional[str] = None) -> str:
        rng = self.rng
        if n >= 4 and rng.random() < 0.07:  # a cluster: several footnotes close together
            self.pending_notes = rng.randint(3, 4)
            self.counts["footnote_clusters"] += 1
        k = rng.randint(1, n - 1) if n >= 3 and rng.random() < self.math_rate else None
        parts = []
        for i in range(n):
            if i == k:
                parts.append("\n" + self.display_math() + "\n")
            parts.append(self.prose_sentence(ref if i == n - 1 else None))
        self.pending_notes = 0
        return " ".join(parts)

    # -- display math
    def big_term(self) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.15:
            return r"\frac{" + self.expr(2) + "}{" + self.term() + "}"
        if r < 0.25:
            return r"\sum_{i=1}^{n} \sum_{j \ne i} " + self.atom() + " " + self.atom()
        if r < 0.33:
            return r"\int_{0}^{\infty} " + self.atom() + r"\, d" + rng.choice(VARS)
        if r < 0.40:
            return r"\prod_{k=1}^{K} " + self.atom()
        if r < 0.47:
            return r"\left\| " + self.atom() + " - " + self.atom() + r" \right\|_2^2"
        if r < 0.53:
            return r"\mathbb{E}_{" + rng.choice(VARS) + r"}\left[" + self.term() + r"\right]"
        return self.term()

    def big_expr(self, terms: int) -> str:
        parts = [self.big_term()]
        for _ in range(terms - 1):
            parts += [self.rng.choice(["+", "-", r"\cdot"]), self.big_term()]
        return " ".join(parts)

    def display_math(self) -> str:
        """A display of one of several kinds; its position (body words before it) is
        recorded in ``displays``."""
        rng = self.rng
        narrow = self.layout.columns == 2
        n_terms = (1, 2) if narrow else (2, 3)
        kind = rng.choice(["equation", "equation", "align", "align", "cases", "matrix",
                           "argmin", "unnumbered", "gather"])
        if kind == "equation":
            self.n_eq += 1
            tex = ("\\begin{equation}\n" + self.atom() + " = " + self.big_expr(rng.randint(*n_terms))
                   + "\n\\label{eq:" + str(self.n_eq) + "}\n\\end{equation}")
        elif kind == "align":
            rows = []
            for r in range(rng.randint(3, 5)):
                lhs = self.atom() if r == 0 or rng.random() < 0.5 else ""
                rows.append(lhs + " &= " + self.big_expr(rng.randint(*n_terms))
                            + (r" \nonumber" if rng.random() < 0.25 else ""))
            self.n_eq += len(rows)
            tex = "\\begin{align}\n" + " \\\\\n".join(rows) + "\n\\end{align}"
        elif kind == "cases":
            self.n_eq += 1
            v = rng.choice(VARS)
            rows = [self.expr(rng.randint(1, 2)) + r" & \text{if } " + v + " > " + self.atom(),
                    self.expr(1) + r" & \text{if } " + v + " = 0"]
            if rng.random() < 0.5:
                rows.append("0 & \\text{otherwise}")
            tex = ("\\begin{equation}\n" + rng.choice(["f", "g", "h"]) + "(" + v + ") = "
                   "\\begin{cases}\n" + " \\\\\n".join(rows) + "\n\\end{cases}\n\\end{equation}")
        elif kind == "matrix":
            self.n_eq += 1
            size = rng.randint(2, 3 if narrow else 4)
            env = rng.choice(["pmatrix", "bmatrix"])
            cells = [" & ".join(rng.choice([self.atom(), str(rng.randint(0, 9)), "0", "1"])
                                for _ in range(size)) for _ in range(size)]
            vec = " \\\\ ".join(rng.choice(VARS) + "_{" + str(i + 1) + "}" for i in range(size))
            tex = ("\\begin{equation}\n" + rng.choice(["A", "M", "W", r"\Sigma"]) + " = "
                   f"\\begin{{{env}}}\n" + " \\\\\n".join(cells) + f"\n\\end{{{env}}}"
                   + ("" if narrow else f" \\begin{{{env}}} {vec} \\end{{{env}}}")
                   + "\n\\end{equation}")
        elif kind == "argmin":
            self.n_eq += 1
            th = rng.choice([r"\theta", "w", r"\phi"])
            tex = ("\\begin{equation}\n\\hat{" + th + "} = \\operatorname*{arg\\,min}_{" + th
                   + "} \\frac{1}{n} \\sum_{i=1}^{n} \\ell\\left(" + self.atom() + ", " + self.atom()
                   + "\\right) + \\lambda \\left\\| " + th + " \\right\\|_2^2\n\\end{equation}")
        elif kind == "unnumbered":
            tex = "\\[\n" + self.atom() + " = " + self.big_expr(rng.randint(*n_terms)) + "\n\\]"
        else:
            rows = [self.atom() + " = " + self.expr(rng.randint(1, 2)) for _ in range(rng.randint(2, 3))]
            self.n_eq += len(rows)
            tex = "\\begin{gather}\n" + " \\\\\n".join(rows) + "\n\\end{gather}"
        # the equation numbers it prints (\label names above follow the older n_eq count)
        if kind in ("align", "gather"):
            n = sum(1 for row in tex.split("\\\\\n") if "\\nonumber" not in row)
        else:
            n = 0 if kind == "unnumbered" else 1
        tags = list(range(self.eq_tag + 1, self.eq_tag + 1 + n))
        self.eq_tag += n
        self.displays.append({"anchor": len(self.words), "kind": kind, "tags": tags})
        return tex

    # -- theorems, lists, paragraph headings
    def theorem_block(self) -> str:
        rng = self.rng
        env = rng.choice(list(THEOREMS))
        self.counts["theorems"] += 1
        parts = [self.prose_sentence() for _ in range(rng.randint(1, 2))]
        if rng.random() < 0.5:
            parts.append("\n" + self.display_math() + "\n")
        out = f"\\begin{{{env}}}\n" + " ".join(parts) + f"\n\\end{{{env}}}"
        if env != "definition" and rng.random() < 0.8:
            n = rng.randint(2, 5)
            k = rng.randint(1, n - 1) if rng.random() < 0.6 else None
            proof = []
            for i in range(n):
                if i == k:  # written in order, so the display's anchor is right
                    proof.append("\n" + self.display_math() + "\n")
                proof.append(self.prose_sentence())
            out += "\n\\begin{proof}\n" + " ".join(proof) + "\n\\end{proof}"
            self.counts["proofs"] += 1
        return out

    def a_list(self, depth: int = 0) -> str:
        rng = self.rng
        env = rng.choice(["itemize", "enumerate"])
        items = []
        for _ in range(rng.randint(2, 5)):
            item = "\\item " + " ".join(self.prose_sentence() for _ in range(rng.choice([1, 1, 2])))
            if depth < 2 and rng.random() < 0.25:
                item += "\n" + self.a_list(depth + 1)
                self.counts["nested_lists"] += 1
            items.append(item)
        self.counts["lists"] += depth == 0
        return f"\\begin{{{env}}}\n" + "\n".join(items) + f"\n\\end{{{env}}}"

    def paragraph_heading(self) -> str:
        title = self.rng.choice(PARAGRAPH_TITLES)
        self.sections.append({"level": 3, "title": title, "word_index": len(self.words)})
        self.counts["paragraph_headings"] += 1
        return f"\\paragraph{{{self.body(title)}.}}"

    # -- TikZ figures: plots, charts and diagrams full of text.  LaTeXML spends 0.2-0.4 s
    # on every \node, so a row of labels is one node (zero-width boxes at the label
    # positions), a legend is one node, and marks and ticks are one path each.
    def text_cm(self, text: str) -> float:
        """Rough printed width of ``text`` in the figure font."""
        em = sum(0.72 if c.isupper() else 0.3 if c in " .,:()" else 0.52 for c in text)
        return em * self.font_pt / CM

    def _ticks(self, n: int, length: float) -> tuple[list[float], list[str]]:
        rng = self.rng
        lo = rng.choice([0, 0, 1, 10, 100])
        step = rng.choice([0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100])
        labels = [_fmt(lo + k * step) for k in range(n)]
        pos = [length * (0.05 + 0.9 * k / (n - 1)) for k in range(n)]
        return pos, labels

    @staticmethod
    def _label_row(x: float, y: float, positions: list[float], labels: list[str],
                   anchor: str = "north west") -> str:
        """One node printing ``labels`` centred at the x ``positions`` (cm), on one line
        starting at ``x``."""
        parts, at = [], x
        for pos, lab in zip(positions, labels):
            parts.append(f"\\hspace{{{_c(pos - at)}cm}}\\makebox[0pt]{{{lab}}}")
            at = pos
        return f"\\node[anchor={anchor},inner xsep=0pt] at ({_c(x)},{_c(y)}) {{{''.join(parts)}}};"

    def _axes(self, w: float, h: float, xlab: Optional[str], ylab: str,
              texts: list[str], xticks: bool = True) -> list[str]:
        rng = self.rng
        out = [f"\\draw[gray!70] (0,0) rectangle ({_c(w)},{_c(h)});"]
        marks = []
        if xticks:
            xs, xl = self._ticks(rng.randint(4, 6), w)
            marks += [f"({_c(x)},0) -- ({_c(x)},0.08)" for x in xs]
            out.append(self._label_row(0, -0.05, xs, xl))
            texts += xl
        ys, yl = self._ticks(rng.randint(3, 4), h)
        marks += [f"(0,{_c(y)}) -- (0.08,{_c(y)})" for y in ys]
        out.append("\\draw " + " ".join(marks) + ";")
        for y, lab in zip(ys, yl):
            out.append(f"\\node[left] at (0,{_c(y)}) {{{lab}}};")
        texts += yl
        if xlab:
            out.append(f"\\node[below] at ({_c(w / 2)},-0.38) {{{tex_escape(xlab)}}};")
            texts.append(xlab)
        ywidth = max(self.text_cm(s) for s in yl) + 0.2
        out.append(f"\\node[above,rotate=90] at ({_c(-ywidth)},{_c(h / 2)}) {{{tex_escape(ylab)}}};")
        texts.append(ylab)
        return out

    def _legend(self, w: float, h: float, names: list[str], colors: list[str],
                texts: list[str], marks: bool = False) -> list[str]:
        sample = "$\\bullet$" if marks else "\\rule[0.5ex]{0.35cm}{0.8pt}"
        rows = [f"\\textcolor{{{c.split(',')[0]}}}{{{sample}}}~{tex_escape(n)}"
                for n, c in zip(names, colors)]
        texts += names
        joined = "\\\\".join(rows)  # not align=left: LaTeXML prints a stray "pt" for it
        return [f"\\node[anchor=north east,fill=white,draw=gray!40,inner sep=2pt] "
                f"at ({_c(w - 0.05)},{_c(h - 0.05)}) {{\\shortstack[l]{{{joined}}}}};"]

    def _styles(self, n: int) -> list[str]:
        colors = self.rng.sample(FIG_COLORS, n)
        dashes = FIG_DASHES[:n] if self.rng.random() < 0.5 else [""] * n
        return [c + ("," + d if d else "") for c, d in zip(colors, dashes)]

    def line_plot(self, w: float, h: float, texts: list[str]) -> list[str]:
        rng = self.rng
        out = self._axes(w, h, rng.choice(FIG_XLABELS), rng.choice(FIG_YLABELS), texts)
        names = rng.sample(FIG_SERIES, rng.randint(1, 4))
        styles = self._styles(len(names))
        n = rng.randint(6, 14)
        for style in styles:
            y = rng.uniform(0.15, 0.6)
            pts = []
            for k in range(n):
                y = min(0.95, max(0.05, y + rng.uniform(-0.12, 0.15)))
                pts.append(f"({_c(w * (0.05 + 0.9 * k / (n - 1)))},{_c(h * y * 0.75)})")
            out.append(f"\\draw[thick,{style}] " + " -- ".join(pts) + ";")
        return out + self._legend(w, h, names, styles, texts)

    def scatter_plot(self, w: float, h: float, texts: list[str]) -> list[str]:
        rng = self.rng
        out = self._axes(w, h, rng.choice(FIG_XLABELS), rng.choice(FIG_YLABELS), texts)
        names = rng.sample(FIG_SERIES, rng.randint(1, 3))
        colors = rng.sample(FIG_COLORS, len(names))
        for color in colors:
            cx, cy = rng.uniform(0.2, 0.7), rng.uniform(0.15, 0.55)
            dots = []
            for _ in range(rng.randint(6, 14)):
                x = min(0.97, max(0.03, rng.gauss(cx, 0.15)))
                y = min(0.75, max(0.03, rng.gauss(cy, 0.12)))
                dots.append(f"({_c(w * x)},{_c(h * y)}) circle (1.3pt)")
            out.append(f"\\fill[{color}] " + " ".join(dots) + ";")
        if rng.random() < 0.5:
            out.append(f"\\draw[gray,dashed] (0,0) -- ({_c(w)},{_c(h * 0.8)});")
        return out + self._legend(w, h, names, colors, texts, marks=True)

    def bar_chart(self, w: float, h: float, texts: list[str]) -> list[str]:
        rng = self.rng
        cats = rng.sample(FIG_CATEGORIES, rng.randint(2, 5))
        names = rng.sample(FIG_SERIES, rng.randint(1, 3))
        while len(cats) > 2 and max(self.text_cm(c) for c in cats) + 0.3 > w / len(cats):
            cats.pop()
        out = self._axes(w, h, None, rng.choice(FIG_YLABELS), texts, xticks=False)
        colors = [c + "!70" for c in rng.sample(FIG_COLORS, len(names))]
        group = w / len(cats)
        bw = group * 0.8 / (len(names) + 0.5)
        values = rng.random() < 0.4 and bw > self.text_cm("00.0") + 0.05
        centres = []
        for g in range(len(cats)):
            xs, vs = [], []
            for s, color in enumerate(colors):
                x = g * group + group * 0.1 + bw * (s + 0.25)
                v = rng.uniform(0.2, 0.7)
                out.append(f"\\fill[{color}] ({_c(x)},0) rectangle ({_c(x + bw * 0.9)},{_c(h * v)});")
                xs.append(x + bw * 0.45)
                vs.append(v)
            if values:  # the values above one group's bars (one node per bar)
                for x, v in zip(xs, vs):
                    val = f"{100 * v:.1f}"
                    out.append(f"\\node[above] at ({_c(x)},{_c(h * v)}) {{{val}}};")
                    texts.append(val)
            centres.append(g * group + group / 2)
        out.append(self._label_row(0, -0.05, centres, [tex_escape(c) for c in cats]))
        texts += cats
        if len(names) > 1:
            out += self._legend(w, h, names, colors, texts, marks=True)
        return out

    def heatmap(self, w: float, h: float, texts: list[str]) -> list[str]:
        rng = self.rng
        k = rng.randint(3, 5)
        names = rng.sample(FIG_CATEGORIES, k)
        cell = min(w / k, h / (k + 0.6), 1.3)
        cell = max(cell, self.text_cm("0.00") + 0.15)
        label_w = max(self.text_cm(s) for s in names) + 0.15
        out = []
        for j, name in enumerate(names):
            y = (k - 1 - j) * cell
            vals = []
            for i in range(k):
                v = rng.uniform(0.05, 1.0) if i != j else rng.uniform(0.8, 1.0)
                out.append(f"\\fill[blue!{int(v * 55)}] ({_c(i * cell)},{_c(y)}) rectangle ++({_c(cell)},{_c(cell)});")
                vals.append(f"{v:.2f}")
            # the row: its name right-aligned left of the cells, then the values
            out.append(self._label_row(-label_w, y + cell / 2, [-label_w / 2] + [(i + 0.5) * cell for i in range(k)],
                                       [f"\\makebox[{_c(label_w - 0.1)}cm][r]{{{tex_escape(name)}}}"] + vals,
                                       anchor="west"))
            texts += [name] + vals
        return out

    def diagram(self, w: float, h: float, texts: list[str]) -> list[str]:
        rng = self.rng
        blocks = rng.sample(FIG_BLOCKS, rng.randint(3, 6))
        bw = max(self.text_cm(b) for b in blocks) + 0.35
        per_row = max(2, min(len(blocks), int((w + 0.5) / (bw + 0.5))))
        out = []
        for i, name in enumerate(blocks):
            r, c = divmod(i, per_row)
            if r % 2:
                c = per_row - 1 - c  # snake back on odd rows
            x, y = bw / 2 + c * (bw + 0.5), -r * 1.1
            fill = rng.choice(["blue!10", "orange!15", "green!10", "gray!10"])
            out.append(f"\\node[draw,rounded corners,fill={fill},minimum width={_c(bw)}cm,"
                       f"minimum height=0.6cm] (b{i}) at ({_c(x)},{_c(y)}) {{{tex_escape(name)}}};")
            texts.append(name)
        out.append("\\draw[->,thick] " + " ".join(f"(b{i - 1}) -- (b{i})" for i in range(1, len(blocks))) + ";")
        if len(blocks) >= 4 and rng.random() < 0.5:
            out.append(f"\\draw[->,dashed] (b0) to[bend left=25] (b{len(blocks) - 1});")
        return out

    def tikz_panel(self, kind: str, w: float, h: float, texts: list[str],
                   title: Optional[str] = None) -> str:
        body = {"line": self.line_plot, "scatter": self.scatter_plot, "bar": self.bar_chart,
                "heatmap": self.heatmap, "diagram": self.diagram}[kind](w, h, texts)
        if title:
            body.append(f"\\node[above] at ({_c(w / 2)},{_c(h)}) {{\\textbf{{{tex_escape(title)}}}}};")
            texts.append(title)
        return (f"\\begin{{tikzpicture}}[font={self.fig_font}]\n" + "\n".join(body)
                + "\n\\end{tikzpicture}")

    def figure_body(self, wide: bool, full_page: bool) -> tuple[str, list[str]]:
        """TikZ code of a figure and the texts it prints."""
        rng = self.rng
        lw = self.linewidth_pt(wide) / CM
        texts: list[str] = []
        kinds = ["line", "line", "scatter", "bar", "bar", "heatmap", "diagram"]
        if full_page:
            cols = 1 if lw < 10 else 2
            rows = 2 if cols > 1 else rng.randint(2, 3)
            target = rng.uniform(0.6, 0.72) * self.textheight_pt() / CM
            h = max(2.5, target / rows - 1.3)
            w = min(lw / cols - 1.7, 1.6 * h + 2)
            lines = []
            for r in range(rows):
                panels = [self.tikz_panel(rng.choice(kinds[:5]), w, h, texts,
                                          rng.choice(FIG_PANELS)) for _ in range(cols)]
                lines.append("\\hfill\n".join(panels))
            return "\\centering\n" + "\n\n\\medskip\n".join(lines), texts
        side = lw > 12 and rng.random() < 0.3
        kind = rng.choice(kinds)
        if kind == "diagram":
            w = lw * rng.uniform(0.6, 0.95)
            return "\\centering\n" + self.tikz_panel(kind, w, 0, texts), texts
        if side:
            w = lw / 2 - 1.9
            h = min(w * rng.uniform(0.55, 0.8), 0.25 * self.textheight_pt() / CM)
            panels = [self.tikz_panel(rng.choice(kinds[:4]), w, h, texts, t)
                      for t in rng.sample(FIG_PANELS, 2)]
            return "\\centering\n" + "\\hfill\n".join(panels), texts
        w = lw * rng.uniform(0.55, 0.9) - 1.3
        h = min(w * rng.uniform(0.45, 0.75), 0.3 * self.textheight_pt() / CM)
        return "\\centering\n" + self.tikz_panel(kind, w, h, texts), texts

    # -- tables with many numbers
    def table_body(self, wide: bool, tall: bool) -> str:
        rng = self.rng
        lw = self.linewidth_pt(wide)
        size = rng.choice([r"\small", r"\footnotesize"]) if not tall else r"\footnotesize"
        font = self.layout.fontsize * (0.9 if size == r"\small" else 0.8)
        pm = not tall and rng.random() < 0.3
        cell_chars = 10 if pm else 5
        if tall:
            rows = [f"{rng.choice(FIG_CATEGORIES)}-{k:02d}" for k in range(1, 60)]
            n_rows = int(rng.uniform(0.6, 0.78) * self.textheight_pt() / (1.22 * font)) - 4
            rows = rows[:max(15, min(50, n_rows))]
        else:
            rows = rng.sample(TABLE_ROWS + FIG_SERIES, rng.randint(4, 12))
        label_chars = max(len(r) for r in rows)
        col_pt = lambda chars: chars * 0.55 * font + 12  # noqa: E731
        max_cols = int((0.95 * lw - col_pt(label_chars)) / col_pt(cell_chars))
        n_cols = max(2, min(rng.randint(3, 8), max_cols, len(HARD_TABLE_COLS)))
        cols = rng.sample(HARD_TABLE_COLS, n_cols)
        booktabs = rng.random() < 0.6
        top, mid, bottom = ((r"\toprule", r"\midrule", r"\bottomrule") if booktabs
                            else (r"\hline", r"\hline", r"\hline"))
        values = [[rng.uniform(0, 100) for _ in cols] for _ in rows]
        best = [max(range(len(rows)), key=lambda i: values[i][j]) for j in range(len(cols))]
        lines = [" & ".join(["Method" if not tall else "Split"] + [tex_escape(c) for c in cols])
                 + r" \\ " + mid]
        for i, r in enumerate(rows):
            cells = []
            for j, v in enumerate(values[i]):
                cell = f"{v:.1f}" + (f" $\\pm$ {rng.uniform(0.1, 3):.1f}" if pm else "")
                cells.append(f"\\textbf{{{cell}}}" if best[j] == i and not tall else cell)
            lines.append(" & ".join([tex_escape(r)] + cells) + r" \\")
            if not tall and rng.random() < 0.1 and i < len(rows) - 1:
                lines.append(mid)
        return (f"{size}\n\\begin{{tabular}}{{l{'r' * len(cols)}}}\n{top}\n"
                + "\n".join(lines) + f"\n{bottom}\n\\end{{tabular}}")

    def a_float(self, kind: str, full_page: bool = False) -> str:
        rng = self.rng
        wide = self.layout.columns == 2 and rng.random() < (0.5 if full_page else 0.3)
        if full_page:
            spec = "p"
        else:
            spec = rng.choice(HARD_WIDE_SPECS if wide else HARD_SPECS)
        text = self.caption_text()
        env = ("figure" if kind == "Figure" else "table") + ("*" if wide else "")
        figure_text: list[str] = []
        if kind == "Figure":
            self.n_fig += 1
            number, label = self.n_fig, f"fig:{self.n_fig}"
            body, figure_text = self.figure_body(wide, full_page)
            inner = f"{body}\n\\caption{{{tex_escape(text)}}}\n\\label{{{label}}}"
        else:
            self.n_tab += 1
            number, label = self.n_tab, f"tab:{self.n_tab}"
            inner = (f"\\centering\n\\caption{{{tex_escape(text)}}}\n\\label{{{label}}}\n"
                     + self.table_body(wide, full_page))
        self.counts["float_page_floats"] += full_page
        self.captions.append({"kind": kind, "number": number, "text": text,
                              "placement": spec, "wide": wide, "anchor": len(self.words),
                              "figure_text": figure_text})
        return f"\\begin{{{env}}}[{spec}]\n{inner}\n\\end{{{env}}}"

    # -- running heads, stamp, preamble
    def furniture(self, title: str, authors: list[tuple[str, str]]) -> tuple[list[str], dict]:
        """Preamble lines for the page style, and the texts it prints: ``{"first": [...],
        "other": [...]}`` with ``{page}`` / ``{pages}`` placeholders."""
        rng = self.rng
        style = rng.choices(HEADER_STYLES, HEADER_WEIGHTS)[0]
        words = title.split()
        short = title if rng.random() < 0.5 or len(words) < 4 else " ".join(words[:2])
        surnames = [last for _first, last in authors]
        if len(authors) == 1:
            who = f"{authors[0][0][0]}. {surnames[0]}"
        elif len(authors) == 2:
            who = f"{authors[0][0][0]}. {surnames[0]} and {authors[1][0][0]}. {surnames[1]}"
        else:
            who = f"{surnames[0]} et al."
        journal = f"{rng.choice(VENUES)}, Vol. {rng.randint(3, 40)}, {rng.randint(2015, 2024)}"
        stamp = None
        if rng.random() < 0.4:
            yy, mm = rng.randint(19, 24), rng.randint(1, 12)
            month = MONTHS[mm - 1 if mm < 5 else mm - 2] if mm != 5 else "Jun"
            stamp = (f"arXiv:{yy}{mm:02d}.{rng.randint(1000, 19999):05d}v{rng.randint(1, 4)} "
                     f"[{rng.choice(ARXIV_CATS)}] {rng.randint(1, 28)} {month} 20{yy}")
        lines = ["\\usepackage{fancyhdr}"] + (["\\usepackage{lastpage}"] if style == "page-of" else [])
        foot = "\\thepage"
        if style == "plain":
            lines.append("\\pagestyle{plain}")
            other = first = ["{page}"]
        else:
            lines += ["\\pagestyle{fancy}", "\\fancyhf{}"]
            if style == "title-authors":
                lines += [f"\\fancyhead[L]{{\\small\\itshape {short}}}",
                          f"\\fancyhead[R]{{\\small {who}}}", "\\fancyfoot[C]{\\thepage}"]
                other, first = [short, who, "{page}"], ["{page}"]
            elif style == "page-of":
                foot = "Page \\thepage\\ of \\pageref{LastPage}"
                lines += [f"\\fancyhead[C]{{\\small {short}}}", f"\\fancyfoot[C]{{{foot}}}"]
                other, first = [short, "Page {page} of {pages}"], ["Page {page} of {pages}"]
            elif style == "number-top":
                lines += [f"\\fancyhead[L]{{\\small {who}}}", "\\fancyhead[R]{\\small\\thepage}"]
                other, first = [who, "{page}"], ["{page}"]
            else:  # journal
                lines += [f"\\fancyhead[L]{{\\footnotesize\\itshape {journal}}}",
                          "\\fancyhead[R]{\\footnotesize\\thepage}",
                          f"\\fancyfoot[C]{{\\footnotesize {short}}}"]
                other, first = [journal, "{page}", short], ["{page}"]
            # page 1 (\maketitle's plain style): only the page number
            lines.append("\\fancypagestyle{plain}{\\fancyhf{}\\renewcommand{\\headrulewidth}{0pt}"
                         f"\\fancyfoot[C]{{{foot}}}}}")
        if stamp:  # drawn in the left margin of page 1 by a page style set after \maketitle
            m = self.layout.margin_in * 72.27
            x, y = -m / 2 + 6, -(11.0 * 72.27) / 2 + m - 40
            lines.append("\\fancypagestyle{stamped}{\\fancyhf{}\\renewcommand{\\headrulewidth}{0pt}"
                         f"\\fancyfoot[C]{{{foot}}}"
                         f"\\fancyhead[L]{{\\begin{{picture}}(0,0)\\put({x:.0f},{y:.0f})"
                         f"{{\\rotatebox{{90}}{{\\sffamily\\Large\\textcolor{{gray}}{{{stamp}}}}}}}"
                         "\\end{picture}}}")
            first = first + [stamp]
        info = {"header_style": style, "stamp": stamp, "first": first, "other": other}
        return lines, info

    # -- the whole paper
    def document(self) -> str:
        rng, lay = self.rng, self.layout
        # floats, math, theorems, lists, the appendix and a long bibliography fill about
        # as much room as the paragraphs
        budget = lay.target_pages * lay.words_per_page() * 0.25
        n_floats = max(2, round(lay.target_pages * rng.uniform(0.5, 1.0)))
        n_float_pages = rng.choice([0, 1, 1, 2]) if lay.target_pages >= 5 else rng.choice([0, 1])
        avg_par = 6.4 * 19
        n_pars = max(6, int(budget / avg_par))
        n_sections = max(3, min(len(SECTIONS), lay.target_pages // 2 + rng.randint(2, 4)))
        titles = ["Introduction"] + sorted(rng.sample(SECTIONS[1:-1], n_sections - 2),
                                           key=SECTIONS.index) + ["Conclusion"]
        subtitles = rng.sample(SUBSECTIONS, len(SUBSECTIONS))
        n_app = rng.choice([1, 1, 2])
        app_titles = rng.sample(APPENDIX_TITLES, n_app)
        app_pars = [rng.randint(2, 5) for _ in range(n_app)]
        appendix_after_bib = rng.random() < 0.6
        appendix_clearpage = rng.random() < 0.5

        title = f"{rng.choice(TITLE_ADJ)} {rng.choice(TITLE_NOUN)} for {rng.choice(TITLE_OBJ)}"
        authors = [(rng.choice(FIRST), rng.choice(LAST)) for _ in range(rng.randint(1, 4))]
        author_tex = [f"{f} {last}\\\\{rng.choice(PLACES)}" for f, last in authors]
        style_lines, self.page_style = self.furniture(title, authors)
        opts = [f"{lay.fontsize}pt", "letterpaper"] + (["twocolumn"] if lay.columns == 2 else [])
        out = [f"\\documentclass[{','.join(opts)}]{{article}}",
               f"\\usepackage[margin={lay.margin_in}in,headheight=15pt]{{geometry}}",
               "\\usepackage{amsmath,amssymb,amsthm}",
               "\\usepackage{graphicx,booktabs}",
               "\\usepackage{tikz}",
               *style_lines,
               "% no hyphenated word broken across pages, no footnote split across pages",
               "\\brokenpenalty=10000",
               "\\interfootnotelinepenalty=10000",
               "\\newtheorem{theorem}{Theorem}",
               "\\newtheorem{lemma}[theorem]{Lemma}",
               "\\newtheorem{proposition}[theorem]{Proposition}",
               "\\newtheorem{corollary}[theorem]{Corollary}",
               "\\theoremstyle{definition}",
               "\\newtheorem{definition}{Definition}",
               f"\\title{{{title}}}",
               "\\author{" + " \\and ".join(author_tex) + "}",
               "\\date{}",
               "\\begin{document}",
               "\\maketitle",
               *(["\\thispagestyle{stamped}"] if self.page_style["stamp"] else []),
               "\\begin{abstract}",
               " ".join(self.prose_sentence() for _ in range(rng.randint(4, 7))),
               "\\end{abstract}", ""]
        self.pars_left = n_pars
        floats_left = n_floats
        big_at = set(rng.sample(range(2, n_pars - 1), n_float_pages))
        par_no = 0

        def slot(out: list[str]) -> None:
            """One paragraph slot: maybe a paragraph heading, the paragraph, and what may
            follow it (a float, a list, a display, a theorem)."""
            nonlocal floats_left, par_no
            ref = float_tex = None
            if par_no in big_at:
                kind = "Figure" if rng.random() < 0.6 else "Table"
                float_tex = self.a_float(kind, full_page=True)
            elif floats_left and rng.random() < floats_left / max(1, self.pars_left):
                kind = "Figure" if rng.random() < 0.6 else "Table"
                float_tex = self.a_float(kind)
                floats_left -= 1
            if float_tex is not None:
                c = self.captions[-1]
                ref = f"{'fig' if c['kind'] == 'Figure' else 'tab'}:{c['number']}"
            if rng.random() < 0.12:
                out.append(self.paragraph_heading())
            par = self.paragraph(self.paragraph_length(), ref)
            if float_tex is not None:
                self.captions[-1]["anchor"] = len(self.words)
            out += [par, ""]
            if float_tex is not None:
                out += [float_tex, ""]
            r = rng.random()
            if r < 0.10:
                out += [self.a_list(), ""]
            elif r < 0.10 + self.math_rate * 0.6:
                out += [self.display_math(), ""]
            elif r < 0.10 + self.math_rate * 0.6 + self.theorem_rate:
                out += [self.theorem_block(), ""]
            self.pars_left -= 1
            par_no += 1

        self.sections_body(out, titles, subtitles, slot)

        appendix = ["\\clearpage" if appendix_clearpage else "", "\\appendix", ""]
        for t, n in zip(app_titles, app_pars):
            appendix += [self.heading(1, t), ""]
            for k in range(n):
                if rng.random() < 0.25:
                    appendix += [self.theorem_block(), ""]
                slot(appendix)
        bib = ["\\begin{thebibliography}{99}"]
        for k in range(1, self.bib_size + 1):
            names = [f"{rng.choice(FIRST)[0]}. {rng.choice(LAST)}" for _ in range(rng.randint(1, 5))]
            names = names[0] if len(names) == 1 else ", ".join(names[:-1]) + ", and " + names[-1]
            btitle = " ".join(self.sentence()[:-1].split()[: rng.randint(5, 12)]).rstrip(",;:")
            r = rng.random()
            if r < 0.45:
                where = (f"In \\emph{{{rng.choice(VENUES)}}}, pages {rng.randint(1, 400)}--"
                         f"{rng.randint(401, 900)}, {rng.randint(1995, 2023)}.")
            elif r < 0.8:
                where = (f"\\emph{{{rng.choice(VENUES)}}}, {rng.randint(1, 60)}({rng.randint(1, 12)}):"
                         f"{rng.randint(1, 300)}--{rng.randint(301, 600)}, {rng.randint(1995, 2023)}.")
            else:
                yy, mm = rng.randint(15, 23), rng.randint(1, 12)
                where = f"arXiv preprint arXiv:{yy}{mm:02d}.{rng.randint(1000, 19999):05d}, 20{yy}."
            bib.append(f"\\bibitem{{b{k}}} {names}. {tex_escape(btitle)}.\n\\newblock {where}")
            self.bib_titles.append(btitle)
        bib.append("\\end{thebibliography}")
        self.counts["bib_entries"] = self.bib_size
        self.appendix_position = "after_bib" if appendix_after_bib else "before_bib"
        if appendix_after_bib:
            out += bib + [""] + appendix
        else:
            out += appendix + bib + [""]
        out += ["", "\\end{document}", ""]
        return "\n".join(out)


def parse_paper_id(paper_id: str) -> tuple[int, int]:
    """``synth1-002`` or ``hard2-013`` -> (seed, attempt index)."""
    m = re.fullmatch(r"(?:synth|hard|faults|layout)(\d+)-(\d+)", paper_id)
    if m is None:
        raise ValueError(f"not a synthetic paper id: {paper_id}")
    return int(m.group(1)), int(m.group(2))


def make_hard_paper(seed: int, index: int, sentences: list[str]) -> Paper:
    """Attempt ``index`` of the hard profile (deterministic in seed, index, sentences)."""
    rng = random.Random(f"nougat-align-synth-hard:{seed}:{index}")
    layout = Layout(columns=rng.choice([1, 2]), fontsize=rng.choice([10, 11, 12]),
                    margin_in=rng.choice([0.7, 0.8, 1.0, 1.0, 1.2, 1.5]),
                    target_pages=rng.randint(4, 13))
    writer = _HardWriter(rng, sentences, layout)
    tex = writer.document()
    params = {"version": HARD_VERSION, "profile": "hard", "seed": seed, "index": index,
              "columns": layout.columns, "fontsize": layout.fontsize,
              "margin_in": layout.margin_in, "paper": "letter",
              "target_pages": layout.target_pages,
              "header_style": writer.page_style["header_style"],
              "stamp": writer.page_style["stamp"] is not None,
              "appendix": writer.appendix_position}
    paper = Paper(f"hard{seed}-{index:03d}", layout, params, tex, writer.words,
                  writer.sections, writer.captions, writer.footnotes)
    paper.hard = {"displays": writer.displays, "page_style": writer.page_style,
                  "counts": dict(writer.counts), "bib_titles": writer.bib_titles}
    return paper


# ----------------------------------------------------------------------------- faults mode
#
# ``--faults`` papers (``faults<seed>-<iii>``) carry what makes a page's label wrong rather
# than its split hard (issue 11): sections that start at the top of a page (a heading must
# go whole to the page that prints its title), text only the HTML holds (as LaTeXML
# inlines endnotes and prints comments: ``\iflatexml`` text), text only the PDF prints
# (``\iflatexml\else``: macros LaTeXML drops), a bibliography the HTML lists in another
# order (as LaTeXML re-sorts a .bib), and a boilerplate sentence repeated in many
# paragraphs (the same words near several page breaks).  truth.json adds ``unprinted``
# (texts in the HTML that no page prints: no label may hold them), ``pdf_only`` (texts
# printed on a page that no label can hold) and ``features``.

FAULTS_VERSION = 1
BOILERPLATE = "All code and data used in this section are available from the authors on request."


class _FaultWriter(_Writer):
    """The default writer plus the label faults (notes above)."""

    def __init__(self, rng: random.Random, sentences: list[str], layout: Layout):
        super().__init__(rng, sentences, layout)
        self.unprinted: list[str] = []
        self.pdf_only: list[str] = []
        self.top_sections: list[str] = []

    def prose_sentence(self, ref: Optional[str] = None) -> str:
        tex = super().prose_sentence(ref)
        r = self.rng.random()
        if r < 0.05:  # only LaTeXML prints it (an inlined endnote, a printed comment)
            text = self.sentence()
            self.unprinted.append(text)
            tex += "\\iflatexml{} " + tex_escape(text) + "\\fi{}"
        elif r < 0.08:  # only the PDF prints it
            text = self.sentence()
            self.pdf_only.append(text)
            tex += "\\iflatexml\\else{} " + tex_escape(text) + "\\fi{}"
        return tex

    def paragraph(self, n: int, ref: Optional[str] = None) -> str:
        tex = super().paragraph(n, ref)
        if self.rng.random() < 0.3:
            tex += " " + self.body(BOILERPLATE)
        return tex

    def heading(self, level: int, title: str) -> str:
        tex = super().heading(level, title)
        if level == 1 and len(self.sections) > 1 and self.rng.random() < 0.5:
            self.top_sections.append(title)
            return "\\clearpage\n" + tex
        return tex

    def document(self) -> str:
        tex = super().document()
        return resort_bibliography(tex)


def resort_bibliography(tex: str) -> str:
    """``tex`` whose ``thebibliography`` LaTeXML reads sorted by author (as it re-sorts a
    ``.bib``: every citation of the HTML renumbered) while pdflatex prints it as written."""
    if "\\usepackage{latexml}" not in tex:
        tex = tex.replace("\\usepackage{amsmath,amssymb}",
                          "\\usepackage{amsmath,amssymb}\n\\usepackage{latexml}", 1)
    a = tex.index("\\begin{thebibliography}")
    b = tex.index("\\end{thebibliography}") + len("\\end{thebibliography}")
    head, *items = re.split(r"\n(?=\\bibitem)", tex[a:b].replace("\n\\end{thebibliography}", ""))
    resorted = sorted(items, key=lambda item: item.split("}", 1)[1])  # by author
    html_bib = "\n".join([head] + resorted + ["\\end{thebibliography}"])
    return tex[:a] + "\\iflatexml\n" + html_bib + "\n\\else\n" + tex[a:b] + "\n\\fi" + tex[b:]


def make_faults_paper(seed: int, index: int, sentences: list[str]) -> Paper:
    """Attempt ``index`` of the faults profile (deterministic in seed, index, sentences)."""
    rng = random.Random(f"nougat-align-synth-faults:{seed}:{index}")
    layout = Layout(columns=rng.choice([1, 1, 2]), fontsize=rng.choice([10, 11, 12]),
                    margin_in=rng.choice([0.8, 1.0, 1.2]), target_pages=rng.randint(4, 8))
    writer = _FaultWriter(rng, sentences, layout)
    tex = writer.document()
    params = {"version": FAULTS_VERSION, "profile": "faults", "seed": seed, "index": index,
              "columns": layout.columns, "fontsize": layout.fontsize,
              "margin_in": layout.margin_in, "paper": "letter",
              "target_pages": layout.target_pages}
    paper = Paper(f"faults{seed}-{index:03d}", layout, params, tex, writer.words,
                  writer.sections, writer.captions, writer.footnotes)
    paper.faults = {"unprinted": writer.unprinted, "pdf_only": writer.pdf_only,
                    "top_sections": writer.top_sections}
    return paper


def faults_truth(paper: Paper, pages: list[list[str]], starts: list[int]) -> dict[str, Any]:
    """What a faults paper's truth.json adds; :class:`Discard` when a section meant to
    start a page does not, or a PDF-only text is not printed."""
    f = paper.faults
    n_words = len(paper.words)
    tops = {starts[p - 1] for p in range(2, len(pages) + 1) if starts[p - 1] < n_words}
    at_top = [s for s in paper.sections if s["title"] in f["top_sections"] and s["level"] == 1]
    if any(s["word_index"] not in tops for s in at_top):
        raise Discard("a section after \\clearpage does not start a page")
    pdf_only = []
    for text in f["pdf_only"]:
        pdf_only.append({"text": text, "page": locate_text(text, pages)})
    for text in f["unprinted"]:
        if best_page(text, pages) is not None:
            raise Discard(f"HTML-only text '{text[:40]}...' is printed")
    page_of = {starts[p - 1]: p for p in range(2, len(pages) + 1)}
    return {"unprinted": f["unprinted"], "pdf_only": pdf_only,
            "features": {"sections_at_page_top": sorted(page_of[s["word_index"]] for s in at_top),
                         "unprinted": len(f["unprinted"]), "pdf_only": len(pdf_only),
                         "boilerplate": sum(1 for _ in re.finditer(re.escape(tex_escape(BOILERPLATE)),
                                                                   paper.tex)),
                         "resorted_bibliography": True}}


# ----------------------------------------------------------------------------- build

class Discard(Exception):
    """The paper fails a check; the message says which."""


def _run(cmd: list[str], cwd: Path, timeout: int) -> None:
    try:
        proc = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True,
                              errors="replace", timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Discard(f"{cmd[0]} timed out") from None
    if proc.returncode != 0:
        tail = " | ".join((proc.stdout + proc.stderr).strip().splitlines()[-4:])
        raise Discard(f"{cmd[0]} failed: {tail}")


def compile_paper(tex: str, work: Path, html: bool) -> None:
    (work / "paper.tex").write_text(tex, encoding="utf-8")
    pdflatex = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "paper.tex"]
    _run(pdflatex, work, 300)
    _run(pdflatex, work, 300)
    log = (work / "paper.log").read_text(errors="replace")
    if "Rerun to get cross-references right" in log:
        _run(pdflatex, work, 300)
    if html:
        latexml_html(work)


def latexml_html(work: Path) -> None:
    """``work/paper.html`` from ``work/paper.tex`` (the date LaTeXML writes removed)."""
    _run(["latexmlc", "--format=html5", "--nodefaultresources", "--dest=paper.html",
          "paper.tex"], work, 900)
    text = (work / "paper.html").read_text(encoding="utf-8")
    text = re.sub(r"<!--Generated on [^>]*-->", "<!--Generated by LaTeXML-->", text)
    (work / "paper.html").write_text(text, encoding="utf-8")


def pymupdf_page_words(pdf: Path) -> list[list[str]]:
    import pymupdf

    with pymupdf.open(pdf) as doc:
        return [normalize_words(page.get_text("text")) for page in doc]


def pdftotext_page_words(pdf: Path) -> list[list[str]]:
    """Page words from poppler in content-stream order (``-raw``): its default reading
    order interleaves the columns of two-column pages."""
    proc = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"],
                          capture_output=True, check=True)
    pages = proc.stdout.decode("utf-8", "replace").split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return [normalize_words(p) for p in pages]


def locate_pages(words: list[str], page_words: list[list[str]]) -> tuple[list[int], dict]:
    """Page starts of the body ``words`` given each PDF page's words, or :class:`Discard`.

    The pages' words are concatenated in page order and aligned to ``words``; a page
    starts at its first aligned word, an empty page (floats only, references) where the
    next one starts.  Raises when the alignment is not clean enough to be truth.
    """
    seq: list[str] = []
    labels: list[int] = []
    for p, pw in enumerate(page_words, start=1):
        seq += pw
        labels += [p] * len(pw)
    page_of = [0] * len(words)
    for a, b, n in align_words(words, seq):
        for k in range(n):
            page_of[a + k] = labels[b + k]
    matched = sum(1 for p in page_of if p)
    if matched < 0.99 * len(words):
        raise Discard(f"only {matched}/{len(words)} body words found in the PDF")
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    count: Counter = Counter()
    prev_i = prev_p = None
    for i, p in enumerate(page_of):
        if not p:
            continue
        if prev_p is None and p != 1 and i > 0:
            raise Discard(f"body starts on page {p} after {i} unaligned words")
        if prev_p is not None and p != prev_p and i != prev_i + 1:
            raise Discard(f"{i - prev_i - 1} unaligned body words between pages {prev_p} and {p}")
        first.setdefault(p, i)
        last[p] = i
        count[p] += 1
        prev_i, prev_p = i, p
    coverage = {p: count[p] / (last[p] - first[p] + 1) for p in first}
    low = [p for p, c in coverage.items() if c < 0.95 and last[p] - first[p] >= 20]
    if low:
        raise Discard(f"page {low[0]} aligns to a broken run ({coverage[low[0]]:.0%})")
    starts = [0] * len(page_words)
    nxt = len(words)
    for p in range(len(page_words), 0, -1):
        nxt = first.get(p, nxt)
        starts[p - 1] = nxt
    starts[0] = 0
    return starts, {"matched": matched / len(words),
                    "min_page_coverage": min(coverage.values()) if coverage else 1.0}


def locate_text(text: str, page_words: list[list[str]]) -> int:
    """The 1-based page holding ``text`` (a caption or footnote), or :class:`Discard`."""
    target = normalize_words(text)
    grams = {tuple(target[i:i + 3]) for i in range(len(target) - 2)}
    scores = []
    for pw in page_words:
        have = {tuple(pw[i:i + 3]) for i in range(len(pw) - 2)}
        scores.append(len(grams & have) / max(1, len(grams)))
    best = max(range(len(scores)), key=scores.__getitem__)
    second = sorted(scores)[-2] if len(scores) > 1 else 0.0
    if scores[best] < 0.6 or second > 0.35:
        raise Discard(f"cannot place '{text[:40]}...' on one page "
                      f"(best {scores[best]:.2f}, second {second:.2f})")
    return best + 1


def remove_text(page: list[str], text: str) -> list[str]:
    """``page`` without the run of words that prints ``text`` (a caption or footnote, whose
    page is known), so the body alignment cannot borrow words from it."""
    target = normalize_words(text)
    blocks = [(j, n) for _i, j, n in align_words(target, page) if n >= 3]
    found = sum(n for _j, n in blocks)
    if found < 0.8 * len(target):
        raise Discard(f"cannot find '{text[:40]}...' on its page")
    lo, hi = min(j for j, _ in blocks), max(j + n for j, n in blocks)
    if hi - lo > 1.3 * len(target) + 3:
        raise Discard(f"'{text[:40]}...' is spread over its page")
    return page[:lo] + page[hi:]


def check_html(html: str, words: list[str]) -> float:
    """Share of body words the LaTeXML HTML holds in order, or :class:`Discard`."""
    import lxml.html

    if "<article" not in html:
        raise Discard("LaTeXML HTML has no <article>")
    if "ltx_ERROR" in html:
        raise Discard("LaTeXML HTML has ltx_ERROR")
    root = lxml.html.fromstring(html.encode("utf-8"))
    article = root.find(".//article")
    html_words = normalize_words(article.text_content())
    share = sum(n for _, _, n in align_words(words, html_words)) / max(1, len(words))
    if share < 0.98:
        raise Discard(f"HTML holds only {share:.1%} of the body words")
    return share


def page_furniture(page_style: dict, n_pages: int) -> list[list[str]]:
    """The running heads, feet and margin stamp printed on each page (hard mode)."""
    out = []
    for p in range(1, n_pages + 1):
        items = page_style["first"] if p == 1 else page_style["other"]
        out.append([t.replace("{page}", str(p)).replace("{pages}", str(n_pages)) for t in items])
    return out


def remove_run(page: list[str], run: list[str]) -> tuple[list[str], bool]:
    """``page`` without the first exact occurrence of ``run``, and whether there was one."""
    n = len(run)
    for i in range(len(page) - n + 1):
        if page[i:i + n] == run:
            return page[:i] + page[i + n:], True
    return page, False


def best_page(text: str, page_words: list[list[str]]) -> Optional[int]:
    """The 1-based page holding most of ``text``'s word trigrams (at least half), or None."""
    target = normalize_words(text)
    grams = {tuple(target[i:i + 3]) for i in range(len(target) - 2)}
    if not grams:
        return None
    scores = [len(grams & {tuple(pw[i:i + 3]) for i in range(len(pw) - 2)}) / len(grams)
              for pw in page_words]
    best = max(range(len(scores)), key=scores.__getitem__)
    return best + 1 if scores[best] >= 0.5 else None


def pymupdf_page_lines(pdf: Path) -> list[list[str]]:
    import pymupdf

    with pymupdf.open(pdf) as doc:
        return [[line.strip() for line in page.get_text("text").splitlines()] for page in doc]


def display_pages(displays: list[dict], starts: list[int], n_words: int,
                  lines: list[list[str]]) -> list[Optional[int]]:
    """The page of each display: the page of the body words around it when they share
    one; else (a display at a page break) the one page among the candidates printing all
    its equation numbers as a line ``(k)``; None when that does not decide it."""
    n_pages = len(starts)

    def page_of(i: int) -> int:
        return max(p for p in range(1, n_pages + 1) if starts[p - 1] <= i)

    tags_on = [{int(m.group(1)) for line in page if (m := re.fullmatch(r"\((\d+)\)", line))}
               for page in lines]
    out: list[Optional[int]] = []
    for d in displays:
        a = d["anchor"]
        lo = page_of(a - 1) if a > 0 else 1
        hi = page_of(a) if a < n_words else n_pages
        if lo == hi:
            out.append(lo)
            continue
        hits = [p for p in range(lo, hi + 1) if d["tags"] and set(d["tags"]) <= tags_on[p - 1]]
        out.append(hits[0] if len(hits) == 1 else None)
    return out


def hard_truth(paper: Paper, pages: list[list[str]], starts: list[int],
               captions: list[dict], footnotes: list[dict],
               lines: list[list[str]]) -> dict[str, Any]:
    """What a hard paper's truth.json adds: per-caption ``float_page`` and
    ``figure_text``, the page ``furniture``, ``displays`` and a ``features`` summary.
    Raises :class:`Discard` when a figure's text is not printed on its page."""
    hard = paper.hard
    n_pages, n_words = len(pages), len(paper.words)
    bounds = list(starts) + [n_words]
    body = [bounds[p] - bounds[p - 1] for p in range(1, n_pages + 1)]
    bib_pages = sorted({p for t in hard["bib_titles"] if (p := best_page(t, pages))})
    caps = []
    for c in captions:
        vocab = {w for t in c["figure_text"] for w in normalize_words(t) if not w.isdigit()}
        if vocab and len(vocab & set(pages[c["page"] - 1])) < 0.5 * len(vocab):
            raise Discard(f"the text of {c['kind']} {c['number']} is not on its page")
        d = {k: c[k] for k in ("kind", "number", "page", "placement", "wide", "anchor", "text")}
        d["float_page"] = body[c["page"] - 1] == 0 and c["page"] not in bib_pages
        if c["kind"] == "Figure":
            d["figure_text"] = c["figure_text"]
        caps.append(d)
    tops = [bounds[p - 1] for p in range(2, n_pages + 1) if body[p - 1] > 0]
    page_of_start = {bounds[p - 1]: p for p in range(2, n_pages + 1) if body[p - 1] > 0}
    notes = Counter(f["page"] for f in footnotes)
    counts = hard["counts"]
    features = {
        "header_style": hard["page_style"]["header_style"],
        "running_header": hard["page_style"]["header_style"] != "plain",
        "stamp": hard["page_style"]["stamp"] is not None,
        "float_only_pages": sorted({c["page"] for c in caps if c["float_page"]}),
        "figures_with_text": sum(1 for c in caps if c.get("figure_text")),
        "top_floats": sum(1 for c in caps if c["placement"] in ("t", "!t")),
        "wide_floats": sum(1 for c in caps if c["wide"]),
        "sections_at_page_top": sorted({page_of_start[s["word_index"]] for s in paper.sections
                                        if s["level"] <= 2 and s["word_index"] in tops}),
        "displays_at_page_break": sorted({page_of_start[d["anchor"]] for d in hard["displays"]
                                          if d["anchor"] in tops}),
        "displays": len(hard["displays"]),
        "max_footnotes_per_page": max(notes.values(), default=0),
        "long_footnotes": counts.get("long_footnotes", 0),
        "theorems": counts.get("theorems", 0),
        "proofs": counts.get("proofs", 0),
        "lists": counts.get("lists", 0),
        "nested_lists": counts.get("nested_lists", 0),
        "paragraph_headings": counts.get("paragraph_headings", 0),
        "bib_entries": counts.get("bib_entries", 0),
        "bib_pages": bib_pages,
        "appendix": paper.params["appendix"],
    }
    displays = [dict(d, page=p) for d, p in
                zip(hard["displays"], display_pages(hard["displays"], starts, n_words, lines))]
    return {"captions": caps, "furniture": page_furniture(hard["page_style"], n_pages),
            "displays": displays, "features": features}


def build_truth(paper: Paper, work: Path, html: bool, min_pages: int, max_pages: int) -> dict:
    pdf = work / "paper.pdf"
    pages = pymupdf_page_words(pdf)
    if not min_pages <= len(pages) <= max_pages:
        raise Discard(f"{len(pages)} pages, outside {min_pages}-{max_pages}")
    # captions and footnotes: find their page, then take their words out of it
    texts = [(f"{c['kind']} {c['number']}: {c['text']}", c) for c in paper.captions]
    texts += [(f"{f['mark']} {f['text']}", f) for f in paper.footnotes]
    n_caps, n_notes = len(paper.captions), len(paper.footnotes)
    if paper.faults is not None:  # text only the PDF prints is no body word either
        texts += [(t, {}) for t in paper.faults["pdf_only"]]
    placed = [(text, locate_text(text, pages), item) for text, item in texts]
    captions = [dict(c, page=page) for _t, page, c in placed[:n_caps]]
    footnotes = [dict(f, page=page) for _t, page, f in placed[n_caps:n_caps + n_notes]]
    # hard mode: running heads and feet (of two words or more) are taken out too
    furniture = None
    if paper.hard is not None:
        furniture = [[normalize_words(t) for t in items if len(normalize_words(t)) >= 2]
                     for items in page_furniture(paper.hard["page_style"], len(pages))]
        for p, runs in enumerate(furniture, start=1):
            for run in runs:
                if not remove_run(pages[p - 1], run)[1]:
                    raise Discard(f"running head/foot '{' '.join(run)}' not on page {p}")

    def body_only(page_words: list[list[str]]) -> list[list[str]]:
        page_words = [list(pw) for pw in page_words]
        for k, runs in enumerate(furniture or []):
            for run in runs:
                page_words[k] = remove_run(page_words[k], run)[0]
        for text, page, _item in placed:
            page_words[page - 1] = remove_text(page_words[page - 1], text)
        return page_words

    starts, checks = locate_pages(paper.words, body_only(pages))
    raw = pdftotext_page_words(pdf)
    if len(raw) != len(pages):
        raise Discard(f"pdftotext sees {len(raw)} pages, PyMuPDF {len(pages)}")
    other, _ = locate_pages(paper.words, body_only(raw))
    if other != starts:
        diff = [p + 1 for p, (a, b) in enumerate(zip(starts, other)) if a != b]
        raise Discard(f"pdftotext disagrees on the start of page(s) {diff}")
    checks["pdftotext_agrees"] = True
    if html:
        checks["html_matched"] = check_html((work / "paper.html").read_text(encoding="utf-8"),
                                            paper.words)
    truth = {
        "paper_id": paper.paper_id,
        "num_pages": len(pages),
        "num_words": len(paper.words),
        "page_starts": starts,
        "captions": [{k: c[k] for k in ("kind", "number", "page", "placement", "wide",
                                           "anchor", "text")} for c in captions],
        "footnotes": [{k: f[k] for k in ("mark", "page", "anchor", "text")} for f in footnotes],
        "sections": paper.sections,
        "generator": paper.params,
        "checks": {k: (round(v, 4) if isinstance(v, float) else v) for k, v in checks.items()},
        "words": paper.words,
    }
    if paper.hard is not None:
        extra = hard_truth(paper, pages, starts, captions, footnotes, pymupdf_page_lines(pdf))
        words = truth.pop("words")
        truth["captions"] = extra.pop("captions")
        truth.update(extra)
        truth["words"] = words
    if paper.faults is not None:
        words = truth.pop("words")
        truth.update(faults_truth(paper, pages, starts))
        truth["words"] = words
    return truth


def dump_truth(truth: dict) -> str:
    """JSON with one top-level key per line and one caption / footnote / section per line
    (readable diffs, no line per word)."""
    lines = []
    for key, value in truth.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            inner = ",\n".join("  " + json.dumps(v, ensure_ascii=False) for v in value)
            lines.append(f" {json.dumps(key)}: [\n{inner}\n ]")
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def generate(out: Path, n: int, seed: int, sentences: list[str], *, html: bool = True,
             min_pages: int = 4, max_pages: int = 15, max_attempts: Optional[int] = None,
             force: bool = False, keep_failed: bool = False, hard: bool = False,
             faults: bool = False, resort_bib: bool = False, layout: bool = False,
             log=print) -> dict:
    """Write ``n`` accepted papers to ``out``; returns (and writes) the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    max_attempts = max_attempts if max_attempts is not None else 3 * n + 5
    manifest_path = out / "manifest.json"
    old = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    old_discards = {d["paper_id"]: d for d in old.get("discarded", [])}
    accepted: list[dict] = []
    discarded: list[dict] = []
    pool_hash = hashlib.sha256("\n".join(sentences).encode()).hexdigest()[:16]
    index = 0
    while len(accepted) < n and index < max_attempts:
        make = make_hard_paper if hard else make_faults_paper if faults else make_paper
        if layout:
            from synth_layout import make_layout_paper

            def make(seed: int, index: int, sentences: list[str]) -> Paper:
                return make_layout_paper(seed, index, sentences, sys.modules[__name__])
        paper = make(seed, index, sentences)
        if resort_bib and not faults and "\\begin{thebibliography}" in paper.tex:
            paper.tex = resort_bibliography(paper.tex)
            paper.params = {**paper.params, "resorted_bibliography": True}
        index += 1
        tex_hash = hashlib.sha256(paper.tex.encode()).hexdigest()[:16]
        folder = out / paper.paper_id
        t0 = time.time()
        if not force and (folder / "truth.json").is_file() and (folder / "paper.tex").is_file() \
                and (folder / "paper.tex").read_text(encoding="utf-8") == paper.tex \
                and (not html or (folder / "paper.html").is_file()) \
                and (not layout or (folder / "layout_truth.json").is_file()):
            truth = json.loads((folder / "truth.json").read_text())
            accepted.append({"paper_id": paper.paper_id, "num_pages": truth["num_pages"],
                             "tex_sha256": tex_hash})
            log(f"{paper.paper_id}: unchanged, {truth['num_pages']} pages")
            continue
        prior = old_discards.get(paper.paper_id)
        if not force and prior and prior.get("tex_sha256") == tex_hash:
            discarded.append(prior)
            log(f"{paper.paper_id}: discarded before ({prior['reason']})")
            continue
        with tempfile.TemporaryDirectory(prefix="synth-") as tmp:
            work = Path(tmp)
            try:
                compile_paper(paper.tex, work, False)
                n_pages = len(pymupdf_page_words(work / "paper.pdf"))
                if html and min_pages <= n_pages <= max_pages:  # (else build_truth discards it)
                    latexml_html(work)
                truth = build_truth(paper, work, html, min_pages, max_pages)
                if layout:
                    from synth_layout import colour_truth, dump_layout
                    layout_truth = colour_truth(paper, work, sys.modules[__name__])
            except Discard as e:
                discarded.append({"paper_id": paper.paper_id, "reason": str(e),
                                  "tex_sha256": tex_hash})
                log(f"{paper.paper_id}: DISCARDED: {e}")
                if keep_failed:
                    dest = out / "_discarded" / paper.paper_id
                    shutil.rmtree(dest, ignore_errors=True)
                    shutil.copytree(work, dest)
                shutil.rmtree(folder, ignore_errors=True)
                continue
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            names = ["paper.tex", "paper.pdf"] + (["paper.html"] if html else [])
            names += ["paper-colour.pdf"] if layout else []
            for name in names:
                shutil.copy2(work / name, folder / name)
            (folder / "truth.json").write_text(dump_truth(truth), encoding="utf-8")
            if layout:
                (folder / "layout_truth.json").write_text(dump_layout(layout_truth), encoding="utf-8")
        accepted.append({"paper_id": paper.paper_id, "num_pages": truth["num_pages"],
                         "tex_sha256": tex_hash})
        log(f"{paper.paper_id}: {truth['num_pages']} pages, {truth['num_words']} words, "
            f"{len(truth['captions'])} floats, {len(truth['footnotes'])} footnotes "
            f"({time.time() - t0:.0f} s)")
    manifest = {"generator_version": (HARD_VERSION if hard else FAULTS_VERSION if faults
                                      else GENERATOR_VERSION),
                **({"profile": "hard"} if hard else {"profile": "faults"} if faults
                   else {"profile": "layout"} if layout else {}),
                "seed": seed, "n": n,
                "sentences_sha256": pool_hash, "html": html,
                "min_pages": min_pages, "max_pages": max_pages, "attempts": index,
                "accepted": accepted, "discarded": discarded}
    manifest_path.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    if len(accepted) < n:
        log(f"only {len(accepted)} of {n} papers after {index} attempts")
    return manifest


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20, help="papers to keep (default 20)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("-o", "--out", type=Path, help="output folder")
    ap.add_argument("--sentences", type=Path, default=DEFAULT_SENTENCES,
                    help=f"sentence file (default {DEFAULT_SENTENCES.relative_to(ROOT)})")
    ap.add_argument("--build-sentences", action="store_true",
                    help="rebuild the sentence file from texts on this machine and exit")
    ap.add_argument("--hard", action="store_true",
                    help="hard papers: running heads, TikZ figures, float pages, heavy math, ...")
    ap.add_argument("--faults", action="store_true",
                    help="label faults: sections at page tops, HTML-only and PDF-only text, "
                         "re-sorted bibliography, repeated boilerplate")
    ap.add_argument("--resort-bib", action="store_true",
                    help="the HTML build only reads the thebibliography sorted by author (as LaTeXML "
                         "re-sorts a .bib): every citation of the HTML carries another number")
    ap.add_argument("--layout", action="store_true",
                    help="layout truth: each element also drawn in its own colour "
                         "(paper-colour.pdf) and read back into layout_truth.json")
    ap.add_argument("--no-html", action="store_true", help="skip latexmlc (no paper.html)")
    ap.add_argument("--min-pages", type=int, default=4)
    ap.add_argument("--max-pages", type=int, default=15)
    ap.add_argument("--max-attempts", type=int, default=None,
                    help="give up after this many attempts (default 3n+5)")
    ap.add_argument("--force", action="store_true", help="rebuild papers even if unchanged")
    ap.add_argument("--keep-failed", action="store_true",
                    help="copy discarded papers' build folders to OUT/_discarded/")
    args = ap.parse_args(argv)
    if args.build_sentences:
        count = write_sentence_pool(args.sentences)
        print(f"wrote {count} sentences to {args.sentences}")
        return 0
    if args.out is None:
        ap.error("-o/--out is required")
    for tool in ["pdflatex", "pdftotext"] + ([] if args.no_html else ["latexmlc"]):
        if shutil.which(tool) is None:
            ap.error(f"{tool} not found (run `make tools`)")
    if not args.sentences.is_file():
        ap.error(f"no sentence file {args.sentences}; make one with --build-sentences")
    sentences = load_sentences(args.sentences)
    manifest = generate(args.out, args.n, args.seed, sentences, html=not args.no_html,
                        min_pages=args.min_pages, max_pages=args.max_pages,
                        max_attempts=args.max_attempts, force=args.force,
                        keep_failed=args.keep_failed, hard=args.hard, faults=args.faults,
                        resort_bib=args.resort_bib, layout=args.layout)
    print(f"{len(manifest['accepted'])} papers kept, {len(manifest['discarded'])} discarded "
          f"-> {args.out}")
    return 0 if len(manifest["accepted"]) >= args.n else 1


if __name__ == "__main__":
    sys.exit(main())
