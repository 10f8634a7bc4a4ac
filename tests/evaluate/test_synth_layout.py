"""The committed layout truth set (benchmarks/synth-layout/, `synth.py --layout`) and the
colour method behind it (benchmarks/synth_layout.py, synth_layout_read.py).

No TeX needed: the committed colour PDFs are read again and must give the committed
truth; the generator must still write the committed sources.  One test builds a paper
from scratch when pdflatex is installed.
"""
from __future__ import annotations

import json
import sys
from functools import lru_cache

import pytest

from nougat_align.evaluate.layout import CATEGORIES, evaluate_layout, load_layout
from conftest import ROOT, require_tool

BENCH = ROOT / "benchmarks"
SET = BENCH / "synth-layout"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import layout_eval  # noqa: E402
import synth  # noqa: E402
import synth_layout  # noqa: E402
import synth_layout_read  # noqa: E402

PAPERS = sorted(p.parent for p in SET.glob("*/layout_truth.json"))


@lru_cache(maxsize=None)
def sentences() -> tuple[str, ...]:
    return tuple(synth.load_sentences(synth.DEFAULT_SENTENCES))


def truth_json(folder) -> dict:
    return json.loads((folder / "truth.json").read_text(encoding="utf-8"))


def test_the_set_is_there_with_both_layouts():
    assert 8 <= len(PAPERS) <= 12
    columns = {truth_json(p)["generator"]["columns"] for p in PAPERS}
    assert columns == {1, 2}
    manifest = json.loads((SET / "manifest.json").read_text())
    assert manifest["profile"] == "layout"
    assert [a["paper_id"] for a in manifest["accepted"]] == [p.name for p in PAPERS]


@pytest.mark.parametrize("folder", PAPERS, ids=lambda p: p.name)
def test_layout_truth_is_well_formed(folder):
    pages = load_layout(folder / "layout_truth.json")  # checks boxes and categories
    truth = truth_json(folder)
    assert sorted(pages) == list(range(1, truth["num_pages"] + 1))
    for n, page in pages.items():
        els = page["elements"]
        assert sorted(e["order"] for e in els) == list(range(len(els)))
        assert len({e["id"] for e in els}) == len(els)
        cats = [e["category"] for e in sorted(els, key=lambda e: e["order"])]
        assert cats[-1] == "Page-footer" and cats.count("Page-footer") == 1
        assert (cats[0] == "Page-header") == (n > 1)  # the running head: not on page 1
        for e in els:
            assert e["category"] in CATEGORIES
            assert ("tex" in e) == (e["category"] == "Formula")
            for x0, y0, x1, y1 in e["boxes"]:
                assert 0 <= x0 < x1 <= page["width"] and 0 <= y0 < y1 <= page["height"]
    first = sorted(pages[1]["elements"], key=lambda e: e["order"])
    assert first[0]["category"] == "Title" and first[0]["text"].startswith("# ")


def test_the_set_covers_the_categories():
    seen = set()
    for folder in PAPERS:
        for page in load_layout(folder / "layout_truth.json").values():
            seen |= {e["category"] for e in page["elements"]}
    assert seen == set(CATEGORIES)


def test_generator_still_writes_the_committed_sources():
    folder = PAPERS[0]
    seed, index = synth.parse_paper_id(folder.name)
    paper = synth_layout.make_layout_paper(seed, index, list(sentences()), synth)
    assert paper.tex == (folder / "paper.tex").read_text(encoding="utf-8")
    assert paper.words == truth_json(folder)["words"]
    # the plain build sees no-op macros; the colour table only under \lytcolour
    assert "\\newcommand\\lyt[1]{}" in paper.tex and "\\ifdefined\\lytcolour" in paper.tex


@pytest.mark.parametrize("folder", PAPERS[:4], ids=lambda p: p.name)
def test_colour_pdf_prints_what_the_plain_pdf_prints_and_reads_back_to_the_truth(folder):
    assert synth_layout_read.compare_pdfs(str(folder / "paper.pdf"), str(folder / "paper-colour.pdf")) is None
    seed, index = synth.parse_paper_id(folder.name)
    paper = synth_layout.make_layout_paper(seed, index, list(sentences()), synth)
    layout = synth_layout_read.read_layout(str(folder / "paper-colour.pdf"), paper.layout_elements,
                                           paper.layout.columns, paper.layout.margin_in * 72.27)
    assert synth_layout.dump_layout(layout) == (folder / "layout_truth.json").read_text(encoding="utf-8")


def test_compare_pdfs_sees_a_different_paper():
    a, b = PAPERS[0], PAPERS[1]
    assert synth_layout_read.compare_pdfs(str(a / "paper.pdf"), str(b / "paper.pdf")) is not None


def test_colours_round_trip():
    for k in (1, 2, 15, 16, 255, 256, 4095):
        assert synth_layout_read.element_of(synth_layout.colour_of(k)) == k
        r, g, b = synth_layout.colour_of(k)
        assert synth_layout_read.element_of((r + 2, g - 2, b)) == k  # rendering round-off
    assert synth_layout_read.element_of((0, 0, 0)) == 0
    assert synth_layout_read.element_of((255, 255, 255)) is None
    with pytest.raises(ValueError):
        synth_layout.colour_of(4096)


def test_instrument_marks_every_element_once():
    paper = synth.make_paper(4, 1, list(sentences()))
    tex, elements = synth_layout.instrument(paper.tex, "Short Head")
    assert [e.k for e in elements] == list(range(1, len(elements) + 1))
    for e in elements:  # each element's macro appears in the body
        assert f"\\lyt{{{e.k}}}" in tex or f"\\lytset{{{e.k}}}" in tex or f"\\lytf{{{e.k}}}" in tex
    # the text is the default paper's: macros removed, the two sources agree
    import re
    plain = re.sub(r"\\lyt(?:set|f)?\{\d+\}|\\lytsetcur", "", tex.split("\\begin{document}")[1])
    assert plain == paper.tex.split("\\begin{document}")[1]
    cats = {e.category for e in elements}
    assert {"Title", "Section-header", "Text", "Formula", "Caption", "List-item"} <= cats


def test_oracle_scores_one_and_the_block_baseline_low():
    results = layout_eval.compare(SET)
    oracle, base = results["oracle"]["summary"], results["baseline"]["summary"]
    for key in ("recall@0.5", "precision@0.5", "recall@0.85", "precision@0.85",
                "category_accuracy", "text_f1", "order_exact", "order_pairs"):
        assert oracle[key] == 1.0, key
    assert base["recall@0.85"] < 0.7 and base["category_accuracy"] < 0.6
    assert base["order_exact"] < 0.5
    assert all(base["categories"][c]["recall@0.5"] == 0.0 for c in base["categories"] if c != "Text")
    table = layout_eval.format_comparison(results)
    assert "| oracle" in table and "| baseline" in table


def test_eval_cli_on_the_set(tmp_path):
    from typer.testing import CliRunner

    from nougat_align.cli import app

    layout_eval.oracle(SET, tmp_path)
    result = CliRunner().invoke(app, ["eval", "--layout-truth", str(SET), "--pred", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert evaluate_layout(SET, tmp_path)["summary"]["order_exact"] == 1.0


def test_generator_builds_a_layout_paper(tmp_path):
    require_tool("pdflatex", "pdftotext")
    manifest = synth.generate(tmp_path, 1, 4, list(sentences()), html=False, max_pages=8,
                              max_attempts=4, layout=True, log=lambda *_: None)
    assert len(manifest["accepted"]) == 1
    folder = tmp_path / manifest["accepted"][0]["paper_id"]
    committed = SET / folder.name
    assert (folder / "paper-colour.pdf").is_file()
    if committed.is_dir():  # same paper as the committed one: same truth
        assert (folder / "layout_truth.json").read_text() == (committed / "layout_truth.json").read_text()
