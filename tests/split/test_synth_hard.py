"""The committed hard synthetic set (benchmarks/synth-hard/, `synth.py --hard`).

Cheap checks only (no TeX): the truth files parse and agree with their PDFs, the set holds
the features it was made for, and the generator still writes the committed sources.
"""
from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from functools import lru_cache

from nougat_align.evaluate.truth import score_paper
from nougat_align.evaluate.words import load_truth, normalize_words
from conftest import ROOT, require_tool

HARD = ROOT / "benchmarks" / "synth-hard"
SYNTH = ROOT / "benchmarks" / "synth"


def _synth_module():
    """benchmarks/synth.py, imported by path (benchmarks/ is not a package)."""
    name = "nougat_align_benchmarks_synth"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "synth.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def manifest() -> dict:
    return json.loads((HARD / "manifest.json").read_text())


@lru_cache(maxsize=None)
def truths() -> dict[str, dict]:
    return {a["paper_id"]: load_truth(HARD / a["paper_id"]) for a in manifest()["accepted"]}


@lru_cache(maxsize=None)
def pdf_pages(paper: str) -> list[list[str]]:
    import pymupdf

    with pymupdf.open(HARD / paper / "paper.pdf") as doc:
        return [normalize_words(page.get_text("text")) for page in doc]


def body_per_page(truth: dict) -> list[int]:
    bounds = truth["page_starts"] + [len(truth["words"])]
    return [bounds[p] - bounds[p - 1] for p in range(1, truth["num_pages"] + 1)]


def test_hard_set_is_consistent():
    m = manifest()
    assert m["profile"] == "hard" and m["seed"] == 2
    assert len(m["accepted"]) == m["n"] == 20
    for paper, truth in truths().items():
        folder = HARD / paper
        for name in ("paper.tex", "paper.pdf", "paper.html", "truth.json"):
            assert (folder / name).is_file(), folder / name
        assert truth["generator"]["profile"] == "hard"
        assert 4 <= truth["num_pages"] <= 15
        assert truth["num_pages"] == len(pdf_pages(paper))
        assert truth["num_words"] == len(truth["words"])
        assert len(truth["furniture"]) == truth["num_pages"]
        assert all(1 <= c["page"] <= truth["num_pages"] for c in truth["captions"])
        assert all(1 <= f["page"] <= truth["num_pages"] for f in truth["footnotes"])
        checks = truth["checks"]
        assert checks["pdftotext_agrees"] and checks["matched"] >= 0.99
        assert checks["html_matched"] >= 0.98
        html = (folder / "paper.html").read_text(encoding="utf-8")
        assert "ltx_ERROR" not in html and "Generated on" not in html


def test_furniture_and_figure_text_are_printed_where_truth_says():
    for paper, truth in truths().items():
        pages = pdf_pages(paper)
        for p, items in enumerate(truth["furniture"], start=1):
            text = " ".join(pages[p - 1])
            for item in items:
                assert " ".join(normalize_words(item)) in text, (paper, p, item)
        for c in truth["captions"]:
            words = {w for t in c.get("figure_text", []) for w in normalize_words(t)
                     if not w.isdigit()}
            assert len(words & set(pages[c["page"] - 1])) >= 0.5 * len(words), (paper, c["number"])


def test_float_only_pages_hold_no_body_words():
    for paper, truth in truths().items():
        body = body_per_page(truth)
        for c in truth["captions"]:
            if c["float_page"]:
                assert body[c["page"] - 1] == 0, (paper, c["kind"], c["number"])
        assert truth["features"]["float_only_pages"] == sorted(
            {c["page"] for c in truth["captions"] if c["float_page"]})


def test_display_pages():
    """Every numbered display has its page; one at a page break is placed by the page that
    prints its equation numbers."""
    at_break = 0
    for truth in truths().values():
        for d in truth["displays"]:
            assert set(d) >= {"anchor", "kind", "tags", "page"}
            if d["tags"]:
                assert 1 <= d["page"] <= truth["num_pages"]
                at_break += d["anchor"] in truth["page_starts"][1:]
    assert at_break >= 10


def test_hard_features_are_present():
    ts = list(truths().values())
    f = [t["features"] for t in ts]

    def papers(pred) -> int:
        return sum(1 for x in f if pred(x))

    assert papers(lambda x: x["running_header"]) >= 14
    assert papers(lambda x: x["stamp"]) >= 4
    assert papers(lambda x: x["float_only_pages"]) >= 8
    assert papers(lambda x: x["figures_with_text"] >= 2) == len(ts)
    assert papers(lambda x: x["top_floats"]) >= 15
    assert papers(lambda x: x["sections_at_page_top"]) >= 12
    assert papers(lambda x: x["displays_at_page_break"]) >= 8
    assert papers(lambda x: x["max_footnotes_per_page"] >= 3) >= 8
    assert papers(lambda x: x["long_footnotes"]) == len(ts)
    assert papers(lambda x: x["theorems"]) >= 10
    assert papers(lambda x: x["nested_lists"]) >= 8
    assert papers(lambda x: x["paragraph_headings"]) >= 12
    assert all(15 <= x["bib_entries"] <= 40 for x in f)
    assert papers(lambda x: len(x["bib_pages"]) >= 2) >= 15
    assert {x["appendix"] for x in f} == {"before_bib", "after_bib"}
    layouts = Counter((t["generator"]["columns"], t["generator"]["fontsize"]) for t in ts)
    assert {c for c, _ in layouts} == {1, 2} and {s for _, s in layouts} == {10, 11, 12}
    assert sum(x["wide_floats"] for x in f) >= 5
    assert sum(1 for t in ts for c in t["captions"] if c["placement"] == "p") >= 8
    # a float page holding only a table, and one holding only a figure
    kinds = {c["kind"] for t in ts for c in t["captions"] if c["float_page"]}
    assert kinds == {"Figure", "Table"}


def test_perfect_split_of_a_hard_paper_scores_one():
    paper, truth = next(iter(truths().items()))
    words, bounds = truth["words"], truth["page_starts"] + [len(truth["words"])]
    pages = {p: " ".join(words[bounds[p - 1]:bounds[p]]) + "\n"
             for p in range(1, truth["num_pages"] + 1)}
    for c in truth["captions"]:
        pages[c["page"]] += f"\n{c['kind']} {c['number']}: {c['text']}\n"
    s = score_paper(truth, pages)
    assert s["word_page_accuracy"] == 1.0 and s["page_exact_rate"] == 1.0
    assert s["float_placement_accuracy"] == 1.0


def test_figure_vocabulary_is_not_prose():
    """Figure text must never pass for body words: none of its words is in the pool."""
    synth = _synth_module()
    pool = {w for s in synth.load_sentences(synth.DEFAULT_SENTENCES) for w in normalize_words(s)}
    vocab = synth.figure_vocabulary()
    assert len(vocab) > 50
    assert not vocab & pool, sorted(vocab & pool)


def test_hard_generator_is_deterministic():
    synth = _synth_module()
    sentences = synth.load_sentences(synth.DEFAULT_SENTENCES)
    for entry in manifest()["accepted"][:3]:
        seed, index = synth.parse_paper_id(entry["paper_id"])
        paper = synth.make_hard_paper(seed, index, sentences)
        assert paper.tex == (HARD / entry["paper_id"] / "paper.tex").read_text(encoding="utf-8")
        assert paper.words == truths()[entry["paper_id"]]["words"]


def test_default_set_is_untouched_by_hard_mode():
    """Every committed default paper still regenerates from its seed, byte for byte."""
    synth = _synth_module()
    sentences = synth.load_sentences(synth.DEFAULT_SENTENCES)
    for entry in json.loads((SYNTH / "manifest.json").read_text())["accepted"]:
        seed, index = synth.parse_paper_id(entry["paper_id"])
        paper = synth.make_paper(seed, index, sentences)
        assert paper.tex == (SYNTH / entry["paper_id"] / "paper.tex").read_text(encoding="utf-8")


def test_hard_generator_builds_and_checks_a_paper(tmp_path):
    require_tool("pdflatex", "pdftotext")
    synth = _synth_module()
    sentences = synth.load_sentences(synth.DEFAULT_SENTENCES)
    manifest_ = synth.generate(tmp_path, 1, 7, sentences, html=False, max_attempts=4,
                               hard=True, log=lambda *_: None)
    assert len(manifest_["accepted"]) == 1 and manifest_["profile"] == "hard"
    truth = load_truth(tmp_path / manifest_["accepted"][0]["paper_id"])
    assert truth["features"]["figures_with_text"] >= 1
    assert len(truth["furniture"]) == truth["num_pages"]
