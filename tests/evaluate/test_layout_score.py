"""The layout scorer (nougat_align/evaluate/layout.py, `nougat-align eval --layout-truth`)
on small hand-written layout.json files whose scores are known exactly."""
from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from nougat_align.errors import InputError
from nougat_align.evaluate.layout import evaluate_layout, iou, load_layout, match_boxes, score_layout
from nougat_align.evaluate.tables import format_table
from conftest import ROOT


def el(id_, cat, boxes, order, text=""):
    return {"id": id_, "category": cat, "boxes": boxes, "text": text, "order": order}


def truth_pages() -> dict:
    """Two pages: a two-column page with a paragraph continued in the right column."""
    p1 = [el("h", "Page-header", [[72, 30, 200, 40]], 0, "Short Title"),
          el("t", "Title", [[100, 60, 500, 80]], 1, "# A Title"),
          el("s", "Section-header", [[72, 100, 200, 112]], 2, "## 1 Introduction"),
          el("p", "Text", [[72, 120, 300, 700], [312, 60, 540, 300]], 3,
             "Words of the first paragraph \\(x_i\\) and more words"),
          el("f", "Formula", [[340, 320, 520, 350]], 4, "\\[x = y \\tag{1}\\]"),
          el("c", "Caption", [[312, 400, 540, 440]], 5, "Figure 1: A caption here"),
          el("n", "Page-footer", [[300, 750, 310, 760]], 6, "1")]
    p2 = [el("q", "Text", [[72, 60, 540, 300]], 0, "Another paragraph of text"),
          el("l", "List-item", [[90, 320, 540, 340]], 1, "* an item"),
          el("n2", "Page-footer", [[300, 750, 310, 760]], 2, "2")]
    return {1: {"page": 1, "width": 612, "height": 792, "elements": p1},
            2: {"page": 2, "width": 612, "height": 792, "elements": p2}}


def write(folder: Path, pages: dict, name: str = "layout.json") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps({"pages": [pages[n] for n in sorted(pages)]}))


def test_iou_and_greedy_matching():
    assert iou([0, 0, 10, 10], [0, 0, 10, 10]) == 1.0
    assert iou([0, 0, 10, 10], [5, 0, 15, 10]) == pytest.approx(50 / 150)
    assert iou([0, 0, 10, 10], [10, 0, 20, 10]) == 0.0
    truth = [(0, [0, 0, 10, 10]), (1, [0, 0, 10, 12])]
    pred = [(0, [0, 0, 10, 11])]
    # one predicted box can match one truth box only: the better one
    assert match_boxes(truth, pred, 0.5) == [(0, 0)] or match_boxes(truth, pred, 0.5) == [(1, 0)]
    assert len(match_boxes(truth, pred + [(1, [0, 0, 10, 12])], 0.5)) == 2


def test_oracle_scores_one():
    s = score_layout(truth_pages(), truth_pages())
    for key in ("recall@0.5", "precision@0.5", "recall@0.85", "precision@0.85",
                "category_accuracy", "text_f1", "order_exact", "order_pairs"):
        assert s[key] == 1.0, key
    assert s["truth_boxes"] == 11 and s["pages_predicted"] == 2
    assert all(d["recall@0.85"] == 1.0 for d in s["categories"].values())


def test_loose_boxes_pass_at_half_but_not_at_085():
    pred = copy.deepcopy(truth_pages())
    for p in pred.values():
        for e in p["elements"]:
            e["boxes"] = [[b[0] - 0.25 * (b[2] - b[0]), b[1], b[2], b[3]] for b in e["boxes"]]
    s = score_layout(truth_pages(), pred)  # IoU 0.8 for every box
    assert s["recall@0.5"] == 1.0 and s["recall@0.85"] == 0.0
    assert s["category_accuracy"] == 1.0 and s["order_exact"] == 1.0


def test_wrong_category_counts_against_that_category_only():
    pred = copy.deepcopy(truth_pages())
    pred[1]["elements"][5]["category"] = "Text"  # the caption called text
    s = score_layout(truth_pages(), pred)
    assert s["recall@0.5"] == 1.0  # localization is right
    assert s["category_accuracy"] == pytest.approx(10 / 11)
    assert s["categories"]["Caption"]["recall@0.5"] == 0.0
    assert s["categories"]["Text"]["precision@0.5"] == pytest.approx(3 / 4)
    assert s["categories"]["Text"]["recall@0.5"] == 1.0


def test_element_with_two_boxes_is_matched_box_by_box():
    pred = copy.deepcopy(truth_pages())
    p = pred[1]["elements"][3]
    p["boxes"] = [[72, 60, 540, 700]]  # one box over both columns: matches neither
    s = score_layout(truth_pages(), pred)
    assert s["recall@0.5"] == pytest.approx(9 / 11)
    assert s["categories"]["Text"]["recall@0.5"] == pytest.approx(1 / 3)


def test_reading_order():
    pred = copy.deepcopy(truth_pages())
    els = pred[1]["elements"]
    els[4]["order"], els[5]["order"] = 5, 4  # formula and caption swapped
    s = score_layout(truth_pages(), pred)
    assert s["order_exact"] == 0.5  # page 2 is still exact
    assert s["order_pairs"] == pytest.approx(1 - 1 / (21 + 3))
    assert s["recall@0.85"] == 1.0


def test_missing_element_makes_page_order_inexact():
    pred = copy.deepcopy(truth_pages())
    del pred[2]["elements"][1]
    s = score_layout(truth_pages(), pred)
    assert s["order_exact"] == 0.5 and s["order_pairs"] == 1.0
    assert s["recall@0.5"] == pytest.approx(10 / 11) and s["precision@0.5"] == 1.0


def test_text_f1_on_matched_elements_without_math():
    pred = copy.deepcopy(truth_pages())
    pred[1]["elements"][3]["text"] = "Words of the first paragraph \\(y_j\\) and more words"
    assert score_layout(truth_pages(), pred)["text_f1"] == 1.0  # math is not compared
    pred[2]["elements"][0]["text"] = "Another paragraph"  # 2 of 4 words
    s = score_layout(truth_pages(), pred)
    assert 0.9 < s["text_f1"] < 1.0


def test_missing_page_and_missing_paper(tmp_path):
    truth, pred = tmp_path / "truth", tmp_path / "pred"
    write(truth / "paperA", truth_pages(), "layout_truth.json")
    write(truth / "paperB", truth_pages(), "layout_truth.json")
    only_page_1 = {1: truth_pages()[1]}
    write(pred / "paperA", only_page_1)
    result = evaluate_layout(truth, pred)
    a, b = result["papers"]["paperA"], result["papers"]["paperB"]
    assert a["pages_predicted"] == 1 and a["recall@0.5"] == pytest.approx(8 / 11)
    assert a["precision@0.5"] == 1.0 and a["order_exact"] == 0.5
    assert b["pages_predicted"] == 0 and b["recall@0.5"] == 0.0 and b["precision@0.5"] is None
    assert result["summary"]["pages"] == 4 and result["summary"]["recall@0.5"] == pytest.approx(8 / 22)
    table = format_table(result)
    assert "| paperA" in table and "| all" in table and "Page-footer" in table
    # one paper folder against a folder holding its layout.json, or its <paper>/ folder
    assert evaluate_layout(truth / "paperA", pred / "paperA")["summary"]["recall@0.5"] == a["recall@0.5"]
    assert evaluate_layout(truth / "paperA", pred)["summary"]["recall@0.5"] == a["recall@0.5"]


@pytest.mark.parametrize("content,message", [
    ("{", "unreadable"),
    ('{"pages": 3}', "no \"pages\""),
    ('{"pages": [{"page": 1, "elements": [{"id": "a", "category": "Prose", "boxes": [[0,0,1,1]]}]}]}',
     "unknown category"),
    ('{"pages": [{"page": 1, "elements": [{"id": "a", "category": "Text", "boxes": [[5,0,1,1]]}]}]}',
     "bad box"),
])
def test_bad_layout_files_are_input_errors(tmp_path, content, message):
    f = tmp_path / "layout.json"
    f.write_text(content)
    with pytest.raises(InputError, match=message):
        load_layout(f)


def test_cli_eval_layout_truth(tmp_path):
    from typer.testing import CliRunner

    from nougat_align.cli import app

    truth, pred = tmp_path / "truth", tmp_path / "pred"
    write(truth / "p", truth_pages(), "layout_truth.json")
    write(pred / "p", truth_pages())
    result = CliRunner().invoke(app, ["eval", "--layout-truth", str(truth), "--pred", str(pred),
                                      "--json", str(tmp_path / "s.json")])
    assert result.exit_code == 0, result.output
    assert "R@.85" in result.output and "order exact" in result.output
    scores = json.loads((tmp_path / "s.json").read_text())
    assert scores["mode"] == "layout" and scores["summary"]["recall@0.85"] == 1.0
    cmd = [sys.executable, "-c", "from nougat_align.cli import main; main()", "eval", "--pred", str(pred),
           "--layout-truth", str(truth), "--truth", str(truth)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and "exactly one of" in proc.stderr
