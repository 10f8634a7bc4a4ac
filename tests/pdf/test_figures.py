"""The built-in float detector (nougat_align/pdf/floats/) and pdffigures2 JSON I/O.

Fixtures (fixtures/papers/floats-*/paper.tex, built PDFs committed):
  floats-twocol  two columns, article captions: body mentions at line starts, figure*/table*,
                 raster and TikZ figures, tables with/without rules, several floats on one
                 page, a caption that breaks across the column break, hyphenated caption
  floats-ieee    IEEE-like: "Fig. 1." below, "TABLE I" on its own line above, subfigures
  floats-onecol  one column, bold labels: side-by-side minipage captions, a table continued
                 with \\ContinuedFloat, appendix numbers "A.1", "Table 1 lists" paragraph
  floats-misc    amsart: small-caps "Figure 1." labels, "Table 1." opening the line after a
                 display equation, a wrapped figure, a sideways table (rotated caption), a
                 table captioned below and a figure captioned above
"""
from __future__ import annotations

import json
import sys

import pymupdf
import pytest

from conftest import PAPERS, ROOT
from nougat_align.errors import InputError
from nougat_align.pdf.floats.detect import detect_floats
from nougat_align.pdf.floats.pdffigures import crop_name, load_figures, save_figures, write_crops
from nougat_align.records import Box, FloatRecord


def _pdf(name: str):
    return PAPERS / name / "paper.pdf"


@pytest.fixture(scope="module")
def twocol():
    return detect_floats(_pdf("floats-twocol"))


@pytest.fixture(scope="module")
def ieee():
    return detect_floats(_pdf("floats-ieee"))


@pytest.fixture(scope="module")
def onecol():
    return detect_floats(_pdf("floats-onecol"))


def _keys(records):
    return [(r.fig_type, r.name, r.page) for r in records]


def _one(records, fig_type, name):
    found = [r for r in records if r.fig_type == fig_type and r.name == name]
    assert len(found) == 1, (fig_type, name, _keys(records))
    return found[0]


def _page_lines(pdf, page):
    with pymupdf.open(pdf) as doc:
        return [" ".join(line.split()) for line in doc[page].get_text().splitlines()]


def _overlap(a: Box, b: Box) -> bool:
    return min(a.x2, b.x2) > max(a.x1, b.x1) and min(a.y2, b.y2) > max(a.y1, b.y1)


def _inside(inner, outer: Box, tol=2.0) -> bool:
    x0, y0, x1, y1 = inner
    return outer.x1 - tol <= x0 and outer.y1 - tol <= y0 and x1 <= outer.x2 + tol and y1 <= outer.y2 + tol


# ------------------------------------------------------------------ two columns --------


def test_twocol_every_caption_once_on_its_page(twocol):
    assert sorted(_keys(twocol)) == sorted([
        ("Figure", "1", 1), ("Table", "1", 1), ("Figure", "2", 1), ("Table", "2", 1),
        ("Figure", "3", 1), ("Table", "3", 1), ("Figure", "4", 1), ("Table", "4", 2)])
    assert all(r.source == "detector" and r.caption_boundary is not None for r in twocol)


def test_body_mentions_at_line_start_are_not_captions(twocol):
    lines = _page_lines(_pdf("floats-twocol"), 0)
    # the traps are really there: mentions that open a paragraph or a line
    assert any(ln.startswith("Figure 1 shows") for ln in lines)
    assert any(ln.startswith("Table 1 lists") for ln in lines)
    assert any(ln.startswith("Table 2. The detector") for ln in lines)
    assert not [r for r in twocol if r.page == 0]
    assert not [r for r in twocol if r.caption.startswith(("Figure 1 shows", "Table 1 lists", "Table 2. The"))]


def test_wide_floats_span_both_columns(twocol):
    width = pymupdf.open(_pdf("floats-twocol"))[1].rect.width
    for fig_type in ("Figure", "Table"):
        r = _one(twocol, fig_type, "1")
        assert r.region_boundary.x1 < width / 2 - 50 and r.region_boundary.x2 > width / 2 + 50
        assert r.caption_boundary.x1 < width / 2 < r.caption_boundary.x2
    assert _one(twocol, "Figure", "1").caption.endswith("which spans both columns here.")


def test_several_floats_on_one_page_get_their_own_regions(twocol):
    page1 = [r for r in twocol if r.page == 1]
    assert len(page1) == 7
    boxes = [r.region_boundary for r in page1]
    assert all(b is not None for b in boxes)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not _overlap(a, b)
    for r in page1:  # a region never covers a caption
        for other in page1:
            assert not _overlap(r.region_boundary, other.caption_boundary)


def test_caption_below_figures_and_above_tables(twocol):
    for r in twocol:
        if r.fig_type == "Figure":
            assert r.region_boundary.y2 <= r.caption_boundary.y1 + 1, r.name
        elif r.name != "4":  # table 4 is set in running text with its caption below
            assert r.region_boundary.y1 >= r.caption_boundary.y2 - 1, r.name


def test_caption_continues_over_lines_and_hyphenation_is_undone(twocol):
    fig3 = _one(twocol, "Figure", "3")
    assert fig3.caption == ("Figure 3: A small vector plot with two curves, drawn with TikZ inside "
                            "one column; with characteristically asymmetric interpolation.")
    assert "asymmet- ric" not in fig3.caption and "  " not in fig3.caption


def test_caption_split_across_the_column_break(twocol):
    t4 = _one(twocol, "Table", "4")
    assert t4.page == 2
    assert t4.caption.startswith("Table 4: A caption that is long enough to break across the column:")
    assert "from the bottom of the left column to the top of the right column, where the sentence" in t4.caption
    assert t4.caption.endswith("which begins with an indented line.")
    assert "This paragraph follows" not in t4.caption
    # the box holds the part in the left column; the region is the tabular above it
    assert t4.caption_boundary.x2 < 306
    assert t4.region_boundary.y2 <= t4.caption_boundary.y1


def test_raster_figure_region_is_the_image(twocol):
    with pymupdf.open(_pdf("floats-twocol")) as doc:
        images = [info["bbox"] for info in doc[1].get_image_info()]
    assert len(images) == 2
    for name in ("2", "4"):
        region = _one(twocol, "Figure", name).region_boundary
        hits = [b for b in images if _inside(b, region)]
        assert len(hits) == 1
        x0, y0, x1, y1 = hits[0]
        assert abs(region.x1 - x0) < 3 and abs(region.y1 - y0) < 3 and abs(region.x2 - x1) < 3


def test_vector_figure_region_holds_its_drawings(twocol):
    with pymupdf.open(_pdf("floats-twocol")) as doc:
        drawings = [d["rect"] for d in doc[1].get_drawings()]
    for name in ("1", "3"):
        region = _one(twocol, "Figure", name).region_boundary
        inside = [d for d in drawings if _inside(d, region)]
        assert len(inside) >= 5
    fig3 = _one(twocol, "Figure", "3").region_boundary
    assert fig3.x1 > 306  # the plot in the right column only


def test_table_without_rules_region_is_its_text_block(twocol):
    region = _one(twocol, "Table", "2").region_boundary
    with pymupdf.open(_pdf("floats-twocol")) as doc:
        page = doc[1]
        cells = [page.search_for(t)[0] for t in ("Page kind", "Text only", "With many floats", "19.5")]
        body = page.search_for("Several Floats on One Page")[0]
    assert all(_inside(c, region) for c in cells)
    assert not _inside(body, region, tol=0)


# ------------------------------------------------------------------ IEEE-like ----------


def test_ieee_fig_and_roman_table_labels(ieee):
    assert sorted(_keys(ieee)) == [("Figure", "1", 0), ("Figure", "2", 0), ("Table", "I", 0), ("Table", "II", 1)]
    assert _one(ieee, "Figure", "1").caption.startswith("Fig. 1. Blocks of the system.")
    t1 = _one(ieee, "Table", "I")
    assert t1.caption == "TABLE I SETTINGS OF THE RUNS"
    assert t1.region_boundary.y1 >= t1.caption_boundary.y2 - 1  # caption above the table
    t2 = _one(ieee, "Table", "II")
    assert t2.caption.startswith("TABLE II RESULTS OF ALL RUNS")


def test_ieee_body_mentions_shaped_like_captions_are_not_captions(ieee):
    lines = _page_lines(_pdf("floats-ieee"), 0)
    assert any(ln.startswith("Fig. 2. The detector must not") for ln in lines)
    assert any(ln.startswith("Fig. 1 shows") for ln in lines)
    assert not [r for r in ieee if "must not take this line" in r.caption or "shows the blocks" in r.caption]


def test_subfigures_belong_to_one_figure(ieee):
    fig2 = _one(ieee, "Figure", "2")
    with pymupdf.open(_pdf("floats-ieee")) as doc:
        page = doc[0]
        images = [info["bbox"] for info in page.get_image_info()]
        subcaps = [page.search_for(t)[0] for t in ("First run", "Second run")]
    assert len(images) == 2 and all(_inside(b, fig2.region_boundary) for b in images)
    assert all(_inside(c, fig2.region_boundary) for c in subcaps)
    assert not [r for r in ieee if "First run" in r.caption and r.name != "2"]


# ------------------------------------------------------------------ one column ---------


def test_onecol_captions(onecol):
    assert _keys(onecol) == [
        ("Figure", "1", 0), ("Table", "1", 0), ("Figure", "2", 0), ("Table", "2", 1),
        ("Table", "3", 2), ("Table", "3", 3), ("Table", "A.1", 3), ("Figure", "A.1", 3)]
    lines = _page_lines(_pdf("floats-onecol"), 0)
    assert any(ln.startswith("Table 1 lists the machines") for ln in lines)


def test_side_by_side_captions_split_the_width(onecol):
    fig, tab = _one(onecol, "Figure", "1"), _one(onecol, "Table", "1")
    assert abs(fig.caption_boundary.y1 - tab.caption_boundary.y1) < 1  # one baseline
    assert fig.caption == "Figure 1: Pages per machine, drawn as a bar chart next to the table of machines."
    assert tab.caption == "Table 1: Machines used in this study, set beside the bar chart in a minipage."
    assert fig.region_boundary.x2 < tab.region_boundary.x1
    assert tab.region_boundary.y2 <= tab.caption_boundary.y1  # \captionof below its tabular


def test_continued_float_reported_on_both_pages(onecol):
    parts = [r for r in onecol if (r.fig_type, r.name) == ("Table", "3")]
    assert [r.page for r in parts] == [2, 3]
    assert parts[1].caption == "Table 3: Collections of the study (continued)."


def test_long_caption_stops_at_its_paragraph_end(onecol):
    fig2 = _one(onecol, "Figure", "2")
    assert fig2.caption.endswith("on every page that holds a caption candidate.")
    assert "The figure above was placed" not in fig2.caption


# ------------------------------------------------------------------ amsart, odd floats -


@pytest.fixture(scope="module")
def misc():
    return detect_floats(_pdf("floats-misc"))


def test_misc_captions_and_the_line_after_an_equation(misc):
    assert _keys(misc) == [("Figure", "1", 0), ("Table", "1", 0), ("Figure", "2", 0),
                           ("Table", "2", 1), ("Table", "3", 2), ("Figure", "3", 2)]
    assert _one(misc, "Figure", "1").caption.startswith("Figure 1. An amsart caption with a small-caps")
    lines = _page_lines(_pdf("floats-misc"), 0)
    trap = [k for k, ln in enumerate(lines) if ln.startswith("Table 1.") and "amsart" not in ln]
    assert trap and lines[trap[0] - 1] == "a + b = c"  # the line right after the equation
    assert _one(misc, "Table", "1").caption == "Table 1. An amsart table caption above the tabular."


def test_wrapped_figure_region_leaves_the_text_beside_it(misc):
    fig2 = _one(misc, "Figure", "2")
    assert fig2.caption == "Figure 2. A wrapped figure beside the text."
    with pymupdf.open(_pdf("floats-misc")) as doc:
        page = doc[0]
        image = [i["bbox"] for i in page.get_image_info() if i["bbox"][0] > 300][0]
        beside = page.search_for("wrapped figure on the right side of the page")[0]
    assert _inside(image, fig2.region_boundary)
    assert fig2.region_boundary.x1 > beside.x1  # the running text stays body text


def test_sideways_table_with_rotated_caption(misc):
    t2 = _one(misc, "Table", "2")
    assert t2.page == 1 and t2.caption == "Table 2. A sideways table whose caption is rotated with the table."
    box = t2.caption_boundary
    assert box.y2 - box.y1 > 5 * (box.x2 - box.x1)  # a vertical line of text
    assert t2.region_boundary is not None and t2.region_boundary.x2 <= box.x1


def test_table_captioned_below_and_figure_captioned_above(misc):
    t3, f3 = _one(misc, "Table", "3"), _one(misc, "Figure", "3")
    assert t3.region_boundary.y2 <= t3.caption_boundary.y1 + 3  # the bottom rule touches it
    assert f3.region_boundary.y1 >= f3.caption_boundary.y2 - 1
    assert not _overlap(t3.region_boundary, f3.region_boundary)


# ------------------------------------------------------------------ other inputs -------


def test_detector_is_deterministic_and_ordered():
    a = detect_floats(_pdf("floats-twocol"))
    with pymupdf.open(_pdf("floats-twocol")) as doc:
        b = detect_floats(doc)  # an open document works too and stays open
        assert not doc.is_closed
    assert a == b
    order = [(r.page, r.caption_boundary.y1, r.caption_boundary.x1) for r in a]
    assert order == sorted(order)


def test_synthetic_paper_captions_on_their_true_pages():
    folder = ROOT / "benchmarks" / "synth" / "synth1-000"
    if not (folder / "truth.json").is_file():
        pytest.skip("synthetic benchmark not present")
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    expected = sorted((c["kind"], str(c["number"]), c["page"] - 1) for c in truth["captions"])
    assert sorted(_keys(detect_floats(folder / "paper.pdf"))) == expected


def test_region_stops_at_a_one_line_paragraph_and_footnote():
    """An "h" table in running text: a one-line paragraph, an equation and a footnote
    follow it; none of them is part of the table (pdf_text would drop them as float text)."""
    pdf = ROOT / "benchmarks" / "synth" / "synth1-016" / "paper.pdf"
    if not pdf.is_file():
        pytest.skip("synthetic benchmark not present")
    t6 = _one(detect_floats(pdf), "Table", "6")
    with pymupdf.open(pdf) as doc:
        page = doc[t6.page]
        rows = [page.search_for(t)[0] for t in ("Heuristic", "Random")]
        after = [page.search_for(t)[0] for t in ("Four output characters", "The Unicode character syntaxes")]
    assert all(_inside(r, t6.region_boundary) for r in rows)
    assert not any(_overlap(Box(*a), t6.region_boundary) for a in after)


def test_page_without_text_or_floats(tmp_path):
    doc = pymupdf.open()
    doc.new_page()
    page = doc.new_page()
    page.insert_text((72, 72), "Figure 1 shows nothing at all, it is a sentence.")
    path = tmp_path / "plain.pdf"
    doc.save(path)
    assert detect_floats(path) == []


@pytest.mark.parametrize("content", [b"", b"%PDF-1.4 not really", b"hello, world\n"])
def test_corrupt_pdf_is_input_error(tmp_path, content):
    path = tmp_path / "bad.pdf"
    path.write_bytes(content)
    with pytest.raises(InputError):
        detect_floats(path)


def test_missing_encrypted_and_non_pdf_inputs(tmp_path):
    with pytest.raises(InputError, match="not found"):
        detect_floats(tmp_path / "missing.pdf")
    with pytest.raises(InputError, match="not a PDF"):
        detect_floats(PAPERS / "floats-twocol" / "photo.png")
    doc = pymupdf.open(_pdf("floats-ieee"))
    locked = tmp_path / "locked.pdf"
    doc.save(locked, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="u", owner_pw="o")
    with pytest.raises(InputError, match="encrypted"):
        detect_floats(locked)


# ------------------------------------------------------------------ JSON ---------------


def test_json_round_trip(tmp_path, twocol, ieee):
    for records in (twocol, ieee):
        path = tmp_path / "figs.json"
        save_figures(records, path)
        assert load_figures(path) == records
        objs = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(objs, list)
        assert set(objs[0]) >= {"name", "figType", "page", "caption", "captionBoundary", "regionBoundary"}
        assert set(objs[0]["regionBoundary"]) == {"x1", "y1", "x2", "y2"}


PDFFIGURES2_FIGURE = {
    "caption": "Figure 2: Pipeline for author disambiguation.",
    "captionBoundary": {"x1": 108.0, "x2": 504.0, "y1": 251.3, "y2": 283.2},
    "figType": "Figure",
    "imageText": ["signatures", "blocks"],
    "name": "2",
    "page": 3,
    "regionBoundary": {"x1": 116.0, "x2": 491.0, "y1": 88.0, "y2": 234.0},
    "renderDpi": 150,
    "renderURL": "/tmp/paper-Figure2-1.png",
}
PDFFIGURES2_TABLE = {
    "caption": "Table 1: Input features.",
    "captionBoundary": {"x1": 188.0, "x2": 424.0, "y1": 91.0, "y2": 101.0},
    "figType": "Table",
    "name": "1",
    "page": 5,
    "regionBoundary": {"x1": 145.0, "x2": 467.0, "y1": 102.0, "y2": 357.0},
}


def test_load_pdffigures2_list_form(tmp_path):
    path = tmp_path / "paper.json"
    path.write_text(json.dumps([PDFFIGURES2_TABLE, PDFFIGURES2_FIGURE]), encoding="utf-8")
    records = load_figures(path)
    assert _keys(records) == [("Figure", "2", 3), ("Table", "1", 5)]
    fig = records[0]
    assert fig.source == "pdffigures2"
    assert fig.caption_boundary == Box(108.0, 251.3, 504.0, 283.2)
    assert fig.region_boundary == Box(116.0, 88.0, 491.0, 234.0)


def test_load_pdffigures2_dict_form_with_regionless_captions(tmp_path):
    regionless = {"name": "3", "figType": "Figure", "page": 6, "text": "Figure 3: Cut-off strategies.",
                  "boundary": {"x1": 136.0, "x2": 476.0, "y1": 212.0, "y2": 222.0}}
    path = tmp_path / "paper.json"
    path.write_text(json.dumps({"figures": [PDFFIGURES2_FIGURE], "regionless-captions": [regionless]}),
                    encoding="utf-8")
    records = load_figures(path)
    assert _keys(records) == [("Figure", "2", 3), ("Figure", "3", 6)]
    cut = records[1]
    assert cut.caption == "Figure 3: Cut-off strategies." and cut.region_boundary is None
    assert cut.caption_boundary == Box(136.0, 212.0, 476.0, 222.0)
    path.write_text(json.dumps({"figures": []}), encoding="utf-8")
    assert load_figures(path) == []


@pytest.mark.parametrize("text, message", [
    ("{not json", "not valid JSON"),
    ('"a string"', "expected a list"),
    ('{"pages": []}', "expected a list of figures or an object"),
    ('[{"name": "1", "figType": "Figure"}]', "figure #1 is malformed"),
    ('[{"name": "1", "page": "x"}]', "figure #1 is malformed"),
    ("[3]", "figure #1 is malformed"),
])
def test_load_bad_figures_json_is_one_line_input_error(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message) as err:
        load_figures(path)
    assert "\n" not in str(err.value)
    with pytest.raises(InputError, match="not found"):
        load_figures(tmp_path / "missing.json")


# ------------------------------------------------------------------ crops --------------


def test_write_crops(tmp_path, twocol):
    records = list(twocol) + [FloatRecord("9", "Figure", 0, "Figure 9: no region")]
    paths = write_crops(_pdf("floats-twocol"), records, tmp_path / "crops", dpi=72)
    assert len(paths) == len(twocol)  # the record without a region has no crop
    assert sorted(p.name for p in paths) == sorted(crop_name(r) for r in twocol)
    assert "Table4-p3.png" in [p.name for p in paths]
    fig2 = _one(twocol, "Figure", "2")
    pix = pymupdf.Pixmap(str(tmp_path / "crops" / "Figure2-p2.png"))
    assert abs(pix.width - (fig2.region_boundary.x2 - fig2.region_boundary.x1)) <= 2
    assert crop_name(FloatRecord("A.1", "Table", 11, "")) == "TableA.1-p12.png"


# ------------------------------------------------------------------ CLI ----------------


def _cli(capsys, monkeypatch, *args):
    """Run ``nougat-align figures ARGS`` in this process: (exit code, stdout, stderr)."""
    from nougat_align.cli import main

    monkeypatch.setattr(sys, "argv", ["nougat-align", "figures", *map(str, args)])
    try:
        main()
        code = 0
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_figures_json_to_stdout_and_file(tmp_path, capsys, monkeypatch):
    code, out, err = _cli(capsys, monkeypatch, _pdf("floats-ieee"))
    assert code == 0, err
    objs = json.loads(out)
    assert [(o["figType"], o["name"], o["page"]) for o in objs] == [
        ("Figure", "1", 0), ("Figure", "2", 0), ("Table", "I", 0), ("Table", "II", 1)]
    assert err.strip() == "paper.pdf: 2 figures, 2 tables"

    figs, crops = tmp_path / "figs.json", tmp_path / "crops"
    code, out, err = _cli(capsys, monkeypatch, _pdf("floats-ieee"), "-o", figs, "--crops", crops, "--dpi", "50")
    assert code == 0, err
    assert out == ""
    assert load_figures(figs) == detect_floats(_pdf("floats-ieee"))
    assert len(list(crops.glob("*.png"))) == 4
    assert "4 crops" in err


def test_cli_corrupt_pdf_exits_2_with_one_line(tmp_path, capsys, monkeypatch):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4 truncated")
    code, out, err = _cli(capsys, monkeypatch, bad)
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("nougat-align: error:")


def test_cli_help_lists_figures_options(capsys, monkeypatch):
    code, out, _ = _cli(capsys, monkeypatch, "--help")
    assert code == 0
    assert all(opt in out for opt in ("--output", "--crops", "--dpi"))
