#!/usr/bin/env python3
"""Synthetic LaTeX papers whose page split is known word by word.

    python benchmarks/synth.py --n 20 --seed 1 -o benchmarks/synth/
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
with :func:`nougat_align.evaluate.normalize_words`; not math, captions, footnotes,
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

Builds are deterministic: the same seed and sentence file give the same ``paper.tex``;
SOURCE_DATE_EPOCH pins pdflatex's dates and ids and the date LaTeXML writes into the HTML
is removed.  Re-running over an existing output folder reuses papers whose ``paper.tex``
is unchanged (``--force`` rebuilds them).
"""
from __future__ import annotations

import argparse
import difflib
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

from nougat_align.evaluate import align_words, normalize_words  # noqa: E402

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
        pars_left = n_pars
        floats_left = n_floats
        for s, stitle in enumerate(titles):
            out += [self.heading(1, stitle), ""]
            share = pars_left // (len(titles) - s)
            subs = []
            if share >= 4 and len(subtitles) >= 3 and rng.random() < 0.55:
                subs = [subtitles.pop() for _ in range(rng.randint(2, 3))]
            chunks = [share] if not subs else _split_count(rng, share, len(subs) + 1)
            for c, count in enumerate(chunks):
                if c > 0:
                    out += [self.heading(2, subs[c - 1]), ""]
                for _ in range(count):
                    ref = None
                    float_tex = None
                    if floats_left and rng.random() < floats_left / max(1, pars_left):
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
                    pars_left -= 1
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


def build_truth(paper: Paper, work: Path, html: bool, min_pages: int, max_pages: int) -> dict:
    pdf = work / "paper.pdf"
    pages = pymupdf_page_words(pdf)
    if not min_pages <= len(pages) <= max_pages:
        raise Discard(f"{len(pages)} pages, outside {min_pages}-{max_pages}")
    # captions and footnotes: find their page, then take their words out of it
    texts = [(f"{c['kind']} {c['number']}: {c['text']}", c) for c in paper.captions]
    texts += [(f"{f['mark']} {f['text']}", f) for f in paper.footnotes]
    placed = [(text, locate_text(text, pages), item) for text, item in texts]
    captions = [dict(c, page=page) for _t, page, c in placed[:len(paper.captions)]]
    footnotes = [dict(f, page=page) for _t, page, f in placed[len(paper.captions):]]

    def body_only(page_words: list[list[str]]) -> list[list[str]]:
        page_words = [list(pw) for pw in page_words]
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
    return {
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
             force: bool = False, keep_failed: bool = False, log=print) -> dict:
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
        paper = make_paper(seed, index, sentences)
        index += 1
        tex_hash = hashlib.sha256(paper.tex.encode()).hexdigest()[:16]
        folder = out / paper.paper_id
        t0 = time.time()
        if not force and (folder / "truth.json").is_file() and (folder / "paper.tex").is_file() \
                and (folder / "paper.tex").read_text(encoding="utf-8") == paper.tex \
                and (not html or (folder / "paper.html").is_file()):
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
                compile_paper(paper.tex, work, html)
                truth = build_truth(paper, work, html, min_pages, max_pages)
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
            for name in names:
                shutil.copy2(work / name, folder / name)
            (folder / "truth.json").write_text(dump_truth(truth), encoding="utf-8")
        accepted.append({"paper_id": paper.paper_id, "num_pages": truth["num_pages"],
                         "tex_sha256": tex_hash})
        log(f"{paper.paper_id}: {truth['num_pages']} pages, {truth['num_words']} words, "
            f"{len(truth['captions'])} floats, {len(truth['footnotes'])} footnotes "
            f"({time.time() - t0:.0f} s)")
    manifest = {"generator_version": GENERATOR_VERSION, "seed": seed, "n": n,
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
                        keep_failed=args.keep_failed)
    print(f"{len(manifest['accepted'])} papers kept, {len(manifest['discarded'])} discarded "
          f"-> {args.out}")
    return 0 if len(manifest["accepted"]) >= args.n else 1


if __name__ == "__main__":
    sys.exit(main())
