"""index --coco / --grounded / --crops (nougat_align/export/layout.py) on a real run of a
layout paper of benchmarks/synth-layout/, its layout_truth.json standing in for the
layout.json the extraction writes."""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from unittest import mock

import pytest

from nougat_align.export.layout import CATEGORIES, crop_png, export_layout, png_size
from nougat_align.pipeline import process_paper
from conftest import ROOT

SET = ROOT / "benchmarks" / "synth-layout"
PAPER = "layout4-025"  # 6 pages, one column, two tables, three displays
DPI = 72


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    """A run of two papers: one with layout.json, one (the same pages) without."""
    out = tmp_path_factory.mktemp("run") / "out"
    process_paper(SET / PAPER / "paper.html", SET / PAPER / "paper.pdf", out / PAPER, figures="none", dpi=DPI)
    shutil.copyfile(SET / PAPER / "layout_truth.json", out / PAPER / "layout.json")
    shutil.copytree(out / PAPER, out / "nolayout")
    (out / "nolayout" / "layout.json").unlink()
    return out


def exit_code(main, argv: list[str]) -> int:
    with mock.patch.object(sys, "argv", argv):
        try:
            main()
        except SystemExit as e:
            return int(e.code or 0)
    return 0


def kept(run: Path, paper: str) -> list[int]:
    meta = json.loads((run / paper / "meta.json").read_text())
    return [p["page"] for p in meta["pages"] if p["kept"]]


def truth_boxes(pages: list[int]) -> int:
    layout = json.loads((SET / PAPER / "layout_truth.json").read_text())
    return sum(len(e["boxes"]) for p in layout["pages"] if p["page"] in pages for e in p["elements"])


def test_coco_loads_in_pycocotools(run, tmp_path):
    from pycocotools.coco import COCO

    result = export_layout(run, coco=tmp_path / "coco.json")
    pages = kept(run, PAPER)
    assert result.pages == len(pages) and result.skipped == {"no_layout": len(kept(run, "nolayout"))}
    coco = COCO(str(tmp_path / "coco.json"))
    assert [c["name"] for c in coco.loadCats(coco.getCatIds())] == list(CATEGORIES)
    assert len(coco.getAnnIds()) == truth_boxes(pages) == result.boxes
    img = coco.loadImgs(coco.getImgIds())[0]
    assert img["file_name"] == f"{PAPER}/{pages[0]:02d}.png" and img["split"] == "train"
    assert (img["width"], img["height"]) == png_size(run / img["file_name"]) == (612, 792)
    for ann in coco.loadAnns(coco.getAnnIds()):
        x, y, w, h = ann["bbox"]
        image = coco.imgs[ann["image_id"]]
        assert 0 <= x and 0 <= y and w > 0 and h > 0 and x + w <= image["width"] and y + h <= image["height"]
    # the boxes are the layout's points scaled to the PNG (72 dpi here: the same numbers)
    first = json.loads((SET / PAPER / "layout_truth.json").read_text())["pages"][pages[0] - 1]["elements"][0]
    ann = coco.loadAnns(coco.getAnnIds(imgIds=[img["id"]]))[0]
    x0, y0, x1, y1 = first["boxes"][0]
    assert ann["bbox"] == pytest.approx([x0, y0, x1 - x0, y1 - y0], abs=0.01)


def test_grounded_jsonl_loads_in_datasets(run, tmp_path):
    import datasets

    export_layout(run, grounded=tmp_path / "g.jsonl")
    ds = datasets.load_dataset("json", data_files=str(tmp_path / "g.jsonl"), split="train")
    assert ds.num_rows == len(kept(run, PAPER))
    row = ds[0]
    assert row["image"] == f"{PAPER}/{row['page']:02d}.png" and row["width"] == 612
    cats = [e["category"] for e in row["elements"]]
    assert cats[0] == "Title" and cats[-1] == "Page-footer"  # reading order
    assert all(len(b) == 4 for e in row["elements"] for b in e["boxes"])
    assert (tmp_path / "g.seek.map").is_file()


def test_crops_load_in_datasets_and_match_their_boxes(run, tmp_path):
    import datasets

    result = export_layout(run, crops=tmp_path / "crops", splits={"validation": 0.5}, seed=1)
    ds = datasets.load_dataset("parquet", data_dir=str(tmp_path / "crops"))
    rows = [r for split in ds for r in ds[split]]
    assert len(rows) == sum(result.crops.values()) > 0
    assert {r["category"] for r in rows} == {"Formula", "Table", "Text"}
    for r in rows:
        x0, y0, x1, y1 = r["box"]
        w, h = r["image"].size
        assert abs(w - (x1 - x0)) <= 6 and abs(h - (y1 - y0)) <= 6  # the box plus 2 px margins
        assert (r["tex"] is not None) == (r["category"] == "Formula")
    table = next(r for r in rows if r["category"] == "Table")
    assert table["text"].startswith("\\begin{table}") and "\\begin{tabular}" in table["text"]
    assert result.skipped.get("multi_box", 0) >= 0


def test_crop_is_the_png_region(run):
    import numpy as np
    import pymupdf

    png = run / PAPER / f"{kept(run, PAPER)[0]:02d}.png"
    crop = pymupdf.Pixmap(crop_png(png, [100.2, 50.5, 200.9, 80.1], margin=0))
    full = pymupdf.Pixmap(str(png))
    a = np.frombuffer(full.samples, np.uint8).reshape(full.height, full.width, full.n)
    b = np.frombuffer(crop.samples, np.uint8).reshape(crop.height, crop.width, crop.n)
    assert b.shape[:2] == (31, 101) and (a[50:81, 100:201] == b).all()


def test_index_cli_writes_the_layout_exports(run, tmp_path):
    from nougat_align.cli import main

    data = tmp_path / "data"
    args = ["nougat-align", "index", str(run), "-o", str(data / "train.jsonl"), "--split", "validation=0.5",
            "--coco", str(data / "coco.json"), "--grounded", str(data / "grounded.jsonl"),
            "--crops", str(data / "crops")]
    assert exit_code(main, args) == 0
    assert (data / "coco.json").is_file() and (data / "grounded.jsonl").is_file()
    assert any((data / "crops").glob("*.parquet"))
    # an existing COCO file nougat-align cannot tell it wrote is refused, before anything is written
    (data / "other.json").write_text("{}")
    args[args.index("--coco") + 1] = str(data / "other.json")
    args[4] = str(tmp_path / "data2" / "train.jsonl")
    assert exit_code(main, args) == 2 and not (tmp_path / "data2").exists()
