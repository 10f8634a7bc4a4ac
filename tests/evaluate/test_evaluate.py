"""The scorer (nougat_align.evaluate, `nougat-align eval`) and the synthetic truth set.

Predictions here are cut from the truth itself (body words of each page, a little inline
math, a table block, then the page's captions and footnotes), so the expected scores are
known exactly.
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from nougat_align.errors import InputError
from nougat_align.evaluate.pdf_text import evaluate_pdf_text, pdftotext_pages, score_pdf_text
from nougat_align.evaluate.tables import format_table
from nougat_align.evaluate.truth import align_pages, evaluate_truth, score_paper
from nougat_align.evaluate.words import load_truth, markdown_body_words, normalize_words, parse_page
from conftest import PAPERS, ROOT, require_tool

SYNTH = ROOT / "benchmarks" / "synth"
ONE_COLUMN = "synth1-002"   # 11 pages, one column, floats and footnotes
TWO_COLUMN = "synth1-001"   # 9 pages, two columns, wide floats


def truth_of(paper: str) -> dict:
    return load_truth(SYNTH / paper)


def cut(truth: dict, starts: list[int] | None = None, drop=(), captions=None,
        footnotes=None) -> dict[int, str]:
    """Pages as markdown, cut from the truth words at ``starts`` (default: the true
    starts); floats and footnotes appended to the page given in ``captions`` /
    ``footnotes`` ({(kind, number): page}, {mark: page}; default: their true page)."""
    words = truth["words"]
    starts = list(truth["page_starts"] if starts is None else starts)
    bounds = starts + [len(words)]
    pages: dict[int, list[str]] = {}
    for p in range(1, truth["num_pages"] + 1):
        chunk = words[bounds[p - 1]:bounds[p]]
        paras, line = [], []
        for k, w in enumerate(chunk):
            line.append(w)
            if k % 37 == 20:
                line.append(r"\(x_{%d}+1\)" % k)
            if k % 90 == 89:
                paras.append(" ".join(line))
                line = []
        if line:
            paras.append(" ".join(line))
        pages[p] = paras
    for c in truth["captions"]:
        page = (captions or {}).get((c["kind"], c["number"]), c["page"])
        if page is None:
            continue
        if c["kind"] == "Table":
            pages.setdefault(page, []).append(
                "\\begin{table}\n\\begin{tabular}{lr}\nMethod & Score \\\\\nOurs & 1.0\n"
                "\\end{tabular}\n\\end{table}")
        pages.setdefault(page, []).append(f"{c['kind']} {c['number']}: {c['text']}")
    for f in truth["footnotes"]:
        page = (footnotes or {}).get(f["mark"], f["page"])
        if page is not None:
            pages.setdefault(page, []).append(f"Footnote {f['mark']}: {f['text']}")
    return {p: "\n\n".join(paras) + "\n" for p, paras in pages.items() if p not in drop}


def write_pages(folder: Path, pages: dict[int, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for p, md in pages.items():
        (folder / f"{p:02d}.mmd").write_text(md, encoding="utf-8")
    return folder


def page_len(truth: dict, p: int) -> int:
    bounds = truth["page_starts"] + [len(truth["words"])]
    return bounds[p] - bounds[p - 1]


# ----------------------------------------------------------------------------- words

def test_normalize_words():
    assert normalize_words("Foot-note1 (x'y)") == ["foot", "note", "1", "x", "y"]
    assert normalize_words("e\ufb03cient na\u00efve") == ["efficient", "naive"]
    assert normalize_words("exam-\nple and well-\n  known") == ["example", "and", "wellknown"]
    assert normalize_words("Table~3: \u2019quoted\u2019") == ["table", "3", "quoted"]


def test_parse_page_separates_body_math_tables_and_floats():
    md = ("## 2 Method\n\nWe use **bold** and _it_ words \\(x_{i}^{2}\\) here.\n\n"
          "\\[\na = b\n\\]\n\nMore text.\n\n"
          "\\begin{table}\n\\begin{tabular}{ll}\ncell & other \\\\\n\\end{tabular}\n\\end{table}\n\n"
          "Table 2: A table caption.\n\n**Figure 3**: A figure caption\non two lines.\n\n"
          "Footnote 4: A note.\n")
    parsed = parse_page(md)
    assert parsed["captions"] == [("Table", 2), ("Figure", 3)]
    assert parsed["footnotes"] == [4]
    assert markdown_body_words(md) == ["2", "method", "we", "use", "bold", "and", "it",
                                       "words", "here", "more", "text"]
    assert "caption" in parsed["float_text"] and "cell" not in parsed["float_text"]


# ----------------------------------------------------------------------------- truth mode

@pytest.mark.parametrize("paper", [ONE_COLUMN, TWO_COLUMN])
def test_perfect_prediction_scores_one(paper):
    truth = truth_of(paper)
    s = score_paper(truth, cut(truth))
    assert s["word_page_accuracy"] == 1.0
    assert s["precision"] == 1.0
    assert s["page_exact_rate"] == 1.0
    assert s["pages_kept"] == truth["num_pages"]
    assert s["boundary_errors"] == [0] * (truth["num_pages"] - 1)
    assert s["boundary_error_median"] == 0 and s["boundary_error_p90"] == 0
    assert s["float_placement_accuracy"] == 1.0
    assert s["footnote_placement_accuracy"] in (1.0, None)


@pytest.mark.parametrize("paper", [ONE_COLUMN, TWO_COLUMN])
def test_equal_chunks_score_clearly_lower(paper):
    truth = truth_of(paper)
    n, w = truth["num_pages"], len(truth["words"])
    equal = [round(k * w / n) for k in range(n)]
    s = score_paper(truth, cut(truth, starts=equal))
    assert s["word_page_accuracy"] < 0.9
    assert s["precision"] == s["word_page_accuracy"]  # all words output, once
    assert s["page_exact_rate"] < 0.3
    assert s["boundary_error_median"] > 20


@pytest.mark.parametrize("k", [1, 7, -12])
def test_shifted_boundary_shows_its_error(k):
    truth = truth_of(ONE_COLUMN)
    p = 5  # move the start of page 5 by k words
    starts = list(truth["page_starts"])
    starts[p - 1] += k
    s = score_paper(truth, cut(truth, starts=starts))
    errors = {row["page"]: row["boundary_error"] for row in s["pages"]}
    assert errors[p] == abs(k)
    assert all(e == 0 for page, e in errors.items() if page not in (1, p))
    w = len(truth["words"])
    assert s["word_page_accuracy"] == pytest.approx(1 - abs(k) / w)
    assert s["precision"] == pytest.approx(1 - abs(k) / w)
    assert s["pages_exact"] == truth["num_pages"] - 2
    assert [r["page"] for r in s["pages"] if not r["exact"]] == [p - 1, p]


def test_missing_page_counts_against_accuracy_not_precision():
    truth = truth_of(ONE_COLUMN)
    p = 4
    s = score_paper(truth, cut(truth, drop={p}))
    assert s["pages_kept"] == truth["num_pages"] - 1
    assert s["word_page_accuracy"] == pytest.approx(1 - page_len(truth, p) / len(truth["words"]))
    assert s["precision"] == 1.0
    assert s["page_exact_rate"] == 1.0
    assert len(s["boundary_errors"]) == truth["num_pages"] - 3  # none next to the gap
    assert s["pages"][p - 1]["boundary_error"] is None


def test_text_outside_the_body_does_not_disturb_scores():
    """Title, authors, section numbers, citation numbers and a reference list -- what real
    markdown holds besides the body words -- are ignored."""
    truth = truth_of(TWO_COLUMN)
    pages = cut(truth)
    n = truth["num_pages"]
    pages[1] = ("# Robust Parsing for Noisy Text\n\nAda Weber Institute for Document Studies\n\n"
                "###### Abstract\n\n" + pages[1])
    for p in range(2, n + 1):
        pages[p] = pages[p].replace(" the ", " the [12] ", 2)
        pages[p] = f"## {p} Section\n\n" + pages[p]
    pages[n] += "\n## References\n\n" + "\n".join(
        f"* [{k}] A. Author. {c['text']} 2020." for k, c in enumerate(truth["captions"], 1))
    s = score_paper(truth, pages)
    assert s["word_page_accuracy"] == 1.0
    assert s["precision"] == 1.0
    assert s["page_exact_rate"] == 1.0


def test_no_prediction_at_all():
    truth = truth_of(ONE_COLUMN)
    s = score_paper(truth, {})
    assert s["word_page_accuracy"] == 0.0 and s["precision"] is None
    assert s["pages_kept"] == 0 and s["boundary_error_median"] is None


def test_repeated_text_counts_against_precision():
    truth = truth_of(ONE_COLUMN)
    pages = cut(truth)
    p = 3
    tail = truth["words"][truth["page_starts"][p] - 30:truth["page_starts"][p]]
    pages[p + 1] = " ".join(tail) + "\n\n" + pages[p + 1]  # page p's last 30 words again
    s = score_paper(truth, pages)
    assert s["word_page_accuracy"] == 1.0
    assert s["words_output"] == len(truth["words"]) + 30
    assert s["precision"] == pytest.approx(len(truth["words"]) / (len(truth["words"]) + 30))
    assert not s["pages"][p]["exact"]


def test_float_placement():
    truth = truth_of(ONE_COLUMN)
    caps = truth["captions"]
    first, second = caps[0], caps[1]
    moved = {(first["kind"], first["number"]): first["page"] % truth["num_pages"] + 1,
             (second["kind"], second["number"]): None}  # one misplaced, one missing
    s = score_paper(truth, cut(truth, captions=moved))
    assert s["float_placement_accuracy"] == pytest.approx((len(caps) - 2) / len(caps))
    assert s["word_page_accuracy"] == 1.0  # caption words are never body words
    # a caption on its page and again elsewhere is not placed right
    pages = cut(truth)
    other = first["page"] % truth["num_pages"] + 1
    pages[other] += f"\n{first['kind']} {first['number']}: {first['text']}\n"
    s = score_paper(truth, pages)
    assert s["floats_right"] == len(caps) - 1
    assert s["precision"] == 1.0


def test_footnote_placement():
    truth = truth_of(ONE_COLUMN)
    notes = truth["footnotes"]
    mark = notes[0]["mark"]
    s = score_paper(truth, cut(truth, footnotes={mark: notes[0]["page"] % truth["num_pages"] + 1}))
    assert s["footnote_placement_accuracy"] == pytest.approx((len(notes) - 1) / len(notes))


def test_align_pages_pairs():
    truth = ["a", "b", "c", "d", "e", "f", "g", "h"]
    pairs = align_pages(truth, {1: ["a", "b", "c", "x"], 2: ["d", "e", "f", "g", "h"]})
    assert sorted(pairs) == [(0, 1), (1, 1), (2, 1), (3, 2), (4, 2), (5, 2), (6, 2), (7, 2)]


def test_evaluate_truth_folder_and_single_paper(tmp_path):
    truth_dir = tmp_path / "truth"
    for paper in (ONE_COLUMN, TWO_COLUMN):
        (truth_dir / paper).mkdir(parents=True)
        (truth_dir / paper / "truth.json").write_text(
            (SYNTH / paper / "truth.json").read_text(encoding="utf-8"), encoding="utf-8")
    pred = tmp_path / "pred"
    write_pages(pred / ONE_COLUMN, cut(truth_of(ONE_COLUMN)))  # TWO_COLUMN has no output
    result = evaluate_truth(truth_dir, pred)
    assert set(result["papers"]) == {ONE_COLUMN, TWO_COLUMN}
    assert result["papers"][ONE_COLUMN]["word_page_accuracy"] == 1.0
    assert result["papers"][TWO_COLUMN]["pages_kept"] == 0
    n1 = len(truth_of(ONE_COLUMN)["words"])
    n2 = len(truth_of(TWO_COLUMN)["words"])
    assert result["summary"]["word_page_accuracy"] == pytest.approx(n1 / (n1 + n2))
    assert result["summary"]["precision"] == 1.0
    table = format_table(result)
    assert ONE_COLUMN in table and "| all" in table
    # one paper folder against its own pages folder (or the folder holding it)
    single = evaluate_truth(truth_dir / ONE_COLUMN, pred / ONE_COLUMN)
    assert single["summary"]["word_page_accuracy"] == 1.0
    assert evaluate_truth(truth_dir / ONE_COLUMN, pred)["summary"]["papers"] == 1


def test_bad_input_is_input_error(tmp_path):
    with pytest.raises(InputError):
        evaluate_truth(tmp_path / "nowhere", tmp_path)
    with pytest.raises(InputError):
        evaluate_truth(tmp_path, tmp_path)  # no truth.json anywhere
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "truth.json").write_text('{"words": ["a"], "num_pages": 2, '
                                               '"page_starts": [0]}')
    with pytest.raises(InputError):
        load_truth(tmp_path / "t")
    (tmp_path / "t" / "truth.json").write_text("{not json")
    with pytest.raises(InputError):
        load_truth(tmp_path / "t")


# ----------------------------------------------------------------------------- PDF-text mode

def test_score_pdf_text_without_pdftotext():
    pdf = ["Alpha beta gamma omega. 1", "Delta epsilon zeta eta log x. 2"]
    s = score_pdf_text(pdf, {1: "alpha beta gamma\n", 2: "delta epsilon zeta eta \\(\\log x\\)\n"})
    assert [round(r["precision"], 3) for r in s["pages"]] == [1.0, 1.0]
    # coverage: prose words of 3+ letters; "log", which the label's math holds, left out
    assert [round(r["coverage"], 3) for r in s["pages"]] == [0.75, 1.0]
    assert s["low_coverage"] == 0 and s["heading_at_end"] == 0
    s = score_pdf_text(pdf, {1: "alpha beta gamma delta\n", 3: "x"})
    assert s["pages_kept"] == 1 and s["extra_pages"] == [3]
    assert s["pages"][0]["precision"] == 0.75


def test_pdf_text_agreement_perfect_vs_shifted(tmp_path):
    require_tool("pdftotext")
    truth = truth_of(ONE_COLUMN)
    pdf = SYNTH / ONE_COLUMN / "paper.pdf"
    # the truth cut has no reference list: leave out pages that hold nothing else
    empty = {p for p in range(1, truth["num_pages"] + 1) if page_len(truth, p) == 0}
    good = evaluate_pdf_text(pdf, write_pages(tmp_path / "good", cut(truth, drop=empty)))
    starts = [s + (120 if p > 0 else 0) for p, s in enumerate(truth["page_starts"])]
    bad = evaluate_pdf_text(pdf, write_pages(tmp_path / "bad",
                                             cut(truth, starts=starts, drop=empty)))
    g, b = good["summary"], bad["summary"]
    assert g["pages_kept"] == truth["num_pages"] - len(empty)
    assert g["mean_precision"] > 0.95 and g["mean_f1"] > 0.85
    assert b["mean_precision"] < g["mean_precision"] - 0.1
    assert b["mean_f1"] < g["mean_f1"] - 0.1
    assert "not truth" in format_table(good)


# ----------------------------------------------------------------------------- CLI

def test_cli_eval_truth_and_pdf_text(tmp_path):
    from typer.testing import CliRunner

    from nougat_align.cli import app

    truth = truth_of(TWO_COLUMN)
    pred = write_pages(tmp_path / "pred", cut(truth))
    out = tmp_path / "scores.json"
    result = CliRunner().invoke(app, ["eval", "--truth", str(SYNTH / TWO_COLUMN),
                                      "--pred", str(pred), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "word acc" in result.output and TWO_COLUMN in result.output
    assert json.loads(out.read_text())["summary"]["word_page_accuracy"] == 1.0

    require_tool("pdftotext")
    result = CliRunner().invoke(app, ["eval", "--pdf-text", str(SYNTH / TWO_COLUMN / "paper.pdf"),
                                      "--pred", str(pred)])
    assert result.exit_code == 0, result.output
    assert "coverage" in result.output and "heading at end" in result.output


def test_cli_bad_options_give_one_line_error(tmp_path):
    cmd = [sys.executable, "-c", "from nougat_align.cli import main; main()", "eval",
           "--pred", str(tmp_path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("nougat-align: error: give exactly one of --truth DIR, "
                                   "--pdf-text PDF or --layout-truth DIR")
    proc = subprocess.run(cmd + ["--truth", str(tmp_path / "missing")], capture_output=True,
                          text=True, cwd=ROOT)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1


def _package_imports(source: str, package: str) -> set[str]:
    """The ``nougat_align`` modules a module of ``package`` imports (relative imports
    resolved; imports inside functions included)."""
    import ast

    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            imported.add(module)
            if node.level and not node.module:  # from . import words
                imported.update(f"{module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            imported.update(a.name for a in node.names)
    return {m for m in imported if m == "nougat_align" or m.startswith("nougat_align.")}


def test_evaluate_does_not_import_the_splitter():
    """The scorer shares no code with what it scores: the modules of nougat_align/evaluate/
    import nothing from the package but its error types and each other.  The check reads
    the import statements (imports inside functions too) rather than importing them."""
    folder = ROOT / "nougat_align" / "evaluate"
    modules = sorted(folder.glob("*.py"))
    assert {"words.py", "truth.py", "pdf_text.py", "tables.py"} <= {f.name for f in modules}
    allowed = {"nougat_align.errors", "nougat_align.evaluate"} | {
        f"nougat_align.evaluate.{f.stem}" for f in modules if f.stem != "__init__"}
    for f in modules:
        ours = _package_imports(f.read_text(encoding="utf-8"), "nougat_align.evaluate")
        assert ours <= allowed, (f.name, ours - allowed)
    # the check itself sees a splitter import, absolute, relative or inside a function
    for bad in ("from nougat_align.split.align import align\n",
                "import nougat_align.pdf.text\n",
                "from nougat_align import split\n",
                "from ..split import align\n",
                "def f():\n    from nougat_align.pdf.text import x\n"):
        assert not _package_imports(bad, "nougat_align.evaluate") <= allowed, bad


# ----------------------------------------------------------------------------- the generator

def _synth_module():
    """benchmarks/synth.py, imported by path (benchmarks/ is not a package)."""
    name = "nougat_align_benchmarks_synth"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "synth.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while being built
        spec.loader.exec_module(module)
    return sys.modules[name]


def test_committed_set_is_consistent():
    manifest = json.loads((SYNTH / "manifest.json").read_text())
    accepted = [a["paper_id"] for a in manifest["accepted"]]
    assert len(accepted) == 20
    for paper in accepted:
        folder = SYNTH / paper
        for name in ("paper.tex", "paper.pdf", "paper.html", "truth.json"):
            assert (folder / name).is_file(), folder / name
        truth = load_truth(folder)
        assert 4 <= truth["num_pages"] <= 15
        assert truth["num_words"] == len(truth["words"])
        assert all(1 <= c["page"] <= truth["num_pages"] for c in truth["captions"])
        assert all(1 <= f["page"] <= truth["num_pages"] for f in truth["footnotes"])
        assert [c["number"] for c in truth["captions"] if c["kind"] == "Figure"] == \
            list(range(1, 1 + sum(c["kind"] == "Figure" for c in truth["captions"])))
        assert truth["checks"]["pdftotext_agrees"] and truth["checks"]["matched"] >= 0.99
        assert "Generated on" not in (folder / "paper.html").read_text(encoding="utf-8")


def test_generator_is_deterministic():
    synth = _synth_module()
    sentences = synth.load_sentences(synth.DEFAULT_SENTENCES)
    paper = synth.make_paper(1, 2, sentences)
    assert paper.tex == (SYNTH / "synth1-002" / "paper.tex").read_text(encoding="utf-8")
    assert paper.words == truth_of("synth1-002")["words"]
    # caption and footnote sentences are not body sentences
    text = " ".join(paper.words)
    for item in paper.captions + paper.footnotes:
        assert " ".join(normalize_words(item["text"])) not in text


def test_locate_pages_accepts_clean_and_rejects_ambiguous():
    synth = _synth_module()
    words = "one two three four five six seven eight nine ten".split()
    starts, checks = synth.locate_pages(
        words, [["title", "one", "two", "three", "1"], ["four", "x", "five", "six", "2"],
                ["fig"], ["seven", "eight", "nine", "ten", "4"]])
    assert starts == [0, 3, 6, 6] and checks["matched"] == 1.0
    with pytest.raises(synth.Discard):  # 'four' is nowhere: page 1 or page 2?
        synth.locate_pages(words * 1, [["one", "two", "three"],
                                       ["five", "six", "seven", "eight", "nine", "ten"]])


def test_generator_builds_and_checks_a_paper(tmp_path):
    require_tool("pdflatex", "pdftotext")
    synth = _synth_module()
    sentences = synth.load_sentences(synth.DEFAULT_SENTENCES)
    manifest = synth.generate(tmp_path, 1, 5, sentences, html=False, max_attempts=4,
                              log=lambda *_: None)
    assert len(manifest["accepted"]) == 1
    paper = manifest["accepted"][0]["paper_id"]
    truth = load_truth(tmp_path / paper)
    assert truth["generator"]["seed"] == 5
    assert (tmp_path / paper / "paper.pdf").is_file()
    # the truth cut scores perfectly, by construction
    assert score_paper(truth, cut(truth))["word_page_accuracy"] == 1.0


def test_ends_in_heading():
    from nougat_align.evaluate.words import ends_in_heading

    assert ends_in_heading("Text of the page.\n\n## 4\n")
    assert ends_in_heading("Text.\n\n## 2 Method\n\nFigure 1: A caption.\n\nFootnote 2: a note.\n")
    assert not ends_in_heading("## 4 Discussion\n\nThe recurrence is exact.\n")
    assert not ends_in_heading("Text with a hash # inside.\n")
    s = score_pdf_text(["Intro text here. Discussion"], {1: "Intro text here.\n\n## 4\n"})
    assert s["heading_at_end"] == 1 and s["pages"][0]["ends_in_heading"]


def test_truth_mode_sees_heading_faults_and_unprinted_text():
    truth = {"words": ["aa", "bb", "intro", "cc", "dd"], "page_starts": [0, 2], "num_pages": 2,
             "sections": [{"level": 1, "title": "Intro", "word_index": 2}],
             "unprinted": ["this endnote is printed on no page at all"]}
    cut = {1: "aa bb\n\n## 1 Intro\n", 2: "cc dd\n"}
    s = score_paper(truth, cut)
    assert s["heading_at_end"] == 1 and s["headings_right"] == 0
    good = {1: "aa bb this endnote is printed on no page at all\n", 2: "## 1 Intro\n\ncc dd\n"}
    s = score_paper(truth, good)
    assert s["heading_at_end"] == 0 and s["headings_right"] == 1 and s["unprinted_pages"] == 1


def test_coverage_leaves_out_figure_text(tmp_path):
    """Figure text (short lines: axis labels, legends) is not prose the label must hold:
    a figure-only page whose label is the caption covers the page's prose."""
    require_tool("pdftotext")
    from nougat_align.evaluate.pdf_text import pdftotext_prose_pages

    paper = ROOT / "benchmarks" / "synth-hard" / "hard2-012"
    truth = load_truth(paper)
    page = next(c["page"] for c in truth["captions"] if c["float_page"] and c.get("figure_text"))
    prose = pdftotext_prose_pages(paper / "paper.pdf")
    assert len(prose) == truth["num_pages"]
    figure_words = {w for t in next(c for c in truth["captions"] if c["page"] == page)["figure_text"]
                    for w in normalize_words(t) if len(w) >= 3}
    assert figure_words and not figure_words & set(normalize_words(prose[page - 1]))


def test_running_heads_are_not_page_text_and_a_blank_page_is_right_empty(tmp_path):
    """pdftotext's running heads (a one-line block at the page's edge that recurs) are not
    prose a label must hold; a page that prints nothing else is right with an empty label,
    and a page of prose is not."""
    require_tool("pdftotext")
    from nougat_align.evaluate.pdf_text import pdftotext_prose_pages

    pdf = PAPERS / "book" / "paper.pdf"
    prose = pdftotext_prose_pages(pdf)
    assert "CHAPTER" not in prose[5] and "grip on the rock" in prose[5]  # page 6: its head left out
    assert prose[17] == ""  # page 18: "14  CHAPTER 3. ANIMALS THAT MOVE" and nothing else
    s = score_pdf_text(pdftotext_pages(pdf), {18: "", 6: ""}, prose)
    rows = {r["page"]: r for r in s["pages"]}
    assert (rows[18]["precision"], rows[18]["coverage"]) == (1.0, 1.0)
    assert rows[6]["coverage"] == 0.0 and s["low_coverage"] == 1


def test_numbers_measure():
    from nougat_align.evaluate.numbers import score_numbers, summarize_numbers

    md = "As shown in [15] and Eq. (3), with \\(x_{2}\\) and 2019.\n\n* [1] An entry, 1999."
    got = score_numbers(md, "As shown in [3] and Eq. (3), with x2 and 2019.\n[1] An entry, 1999.")
    assert got["numbers"] == 5 and got["numbers_printed"] == 4  # 15 3 2019 1 1999; math left out
    assert got["numbers_unprinted"] == ["15"]
    assert got["cites"] == 1 and got["cites_unprinted"] == 1
    s = summarize_numbers([got, score_numbers("no numbers", "")])
    assert s["numbers_share"] == 0.8 and s["pages_cite_unprinted"] == 1 and s["pages_number_unprinted"] == 1
