"""index.py: Nougat's JSONL index (with seek maps), the split by paper, Parquet shards."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PAPERS, ROOT
from nougat_align.errors import InputError
from nougat_align.index import build_index, iter_pages, parse_splits, split_of, split_path
from nougat_align.pipeline import process_paper

DPI = 24  # small PNGs: fast, and enough to check the bytes travel


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    """A run's output: three papers with page PNGs and detected float boxes."""
    root = tmp_path_factory.mktemp("out")
    for i, name in enumerate(("basic", "floats", "twocol"), 1):
        process_paper(PAPERS / name / "paper.html", PAPERS / name / "paper.pdf", root / f"2305.{i:05d}",
                      figures="detect", dpi=DPI)
    (root / ".2305.00009.abc.tmp").mkdir()  # debris of a killed run: not a paper
    (root / "2305.00009").mkdir()  # a folder without meta.json: not a paper
    (root / "logs").mkdir()
    return root


def kept_pages(out: Path) -> list[tuple[str, int]]:
    pages = []
    for meta_path in sorted(out.glob("[!.]*/meta.json")):
        meta = json.loads(meta_path.read_text())
        pages += [(meta_path.parent.name, p["page"]) for p in meta["pages"] if p["kept"]]
    return pages


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_jsonl_index_round_trips(out, tmp_path):
    index = tmp_path / "data" / "train.jsonl"
    result = build_index(out, index)
    rows = read_jsonl(index)
    assert len(rows) == len(kept_pages(out)) == result.pages["train"] > 0
    assert result.papers["train"] == 3
    for row, (paper, page) in zip(rows, kept_pages(out)):
        assert set(row) == {"image", "markdown", "meta"}
        image = index.parent / row["image"]  # Nougat joins the path to the index folder
        assert image.resolve() == (out / paper / f"{page:02d}.png").resolve()
        assert row["markdown"] == (out / paper / f"{page:02d}.mmd").read_text(encoding="utf-8").strip()
    # float boxes: pixels of the PNG, floats, from box_pt at the run's dpi
    boxed = [(row, box) for row in rows for box in row["meta"]]
    assert boxed, "the floats fixture has figures with regions"
    for row, box in boxed:
        assert box["figType"] in ("Figure", "Table") and box["source"] == "fig"
        r = box["regionBoundary"]
        assert all(isinstance(r[k], float) for k in ("x1", "y1", "x2", "y2"))
        assert 0 <= r["x1"] < r["x2"] and 0 <= r["y1"] < r["y2"]
    paper = boxed[0][0]["image"].split("/")[-2]
    meta = json.loads((out / paper / "meta.json").read_text())
    boxes_pt = [f["box_pt"] for p in meta["pages"] for f in p["floats"] if "box_pt" in f]
    assert [round(v * DPI / 72, 2) for v in boxes_pt[0]] == list(
        next(b for row, b in boxed if f"/{paper}/" in "/" + row["image"])["regionBoundary"].values())
    # the seek map Nougat's SciPDFDataset needs: byte offset of every line
    offsets = json.loads((index.parent / "train.seek.map").read_text())
    with index.open("rb") as f:
        for row, offset in zip(rows, offsets):
            f.seek(offset)
            assert json.loads(f.readline()) == row
    assert len(offsets) == len(rows)


def test_root_makes_image_paths_relative_to_it(out, tmp_path):
    build_index(out, tmp_path / "train.jsonl", root=out)
    rows = read_jsonl(tmp_path / "train.jsonl")
    assert rows[0]["image"] == "2305.00001/01.png"  # Nougat's create_index layout


def test_split_is_by_paper_deterministic_and_near_the_fraction():
    ids = [f"2306.{i:05d}" for i in range(4000)]
    splits = {"validation": 0.05, "test": 0.1}
    first = [split_of(p, splits, seed=7) for p in ids]
    assert first == [split_of(p, splits, seed=7) for p in ids]
    assert abs(first.count("validation") / len(ids) - 0.05) < 0.015
    assert abs(first.count("test") / len(ids) - 0.1) < 0.02
    assert first != [split_of(p, splits, seed=8) for p in ids]
    assert {split_of(p, {}, seed=1) for p in ids} == {"train"}


def test_split_files_hold_whole_papers(out, tmp_path):
    index = tmp_path / "train.jsonl"
    # find a seed that puts at least one of the three papers in validation
    seed = next(s for s in range(100)
                if any(split_of(f"2305.{i:05d}", {"validation": 0.5}, s) == "validation" for i in (1, 2, 3))
                and any(split_of(f"2305.{i:05d}", {"validation": 0.5}, s) == "train" for i in (1, 2, 3)))
    result = build_index(out, index, splits={"validation": 0.5}, seed=seed)
    train = {r["image"].split("/")[-2] for r in read_jsonl(index)}
    valid = {r["image"].split("/")[-2] for r in read_jsonl(tmp_path / "validation.jsonl")}
    assert train and valid and not train & valid
    assert (tmp_path / "validation.seek.map").exists()
    assert result.pages["train"] + result.pages["validation"] == len(kept_pages(out))
    again = tmp_path / "again" / "train.jsonl"
    again.parent.mkdir()
    build_index(out, again, splits={"validation": 0.5}, seed=seed, root=tmp_path)
    assert again.with_name("validation.jsonl").read_bytes() == (tmp_path / "validation.jsonl").read_bytes()


def test_split_paths_and_parsing(tmp_path):
    assert split_path(Path("d/train.jsonl"), "validation") == Path("d/validation.jsonl")
    assert split_path(Path("d/arxiv-train.jsonl"), "test") == Path("d/arxiv-test.jsonl")
    assert split_path(Path("d/index.jsonl"), "validation") == Path("d/validation.jsonl")
    assert parse_splits(["validation=0.05", "test=0.1"]) == {"validation": 0.05, "test": 0.1}
    for bad in (["validation"], ["validation=2"], ["train=0.1"], ["a=0.6", "b=0.6"]):
        with pytest.raises(InputError):
            parse_splits(bad)


def test_pages_without_png_are_left_out_and_counted(tmp_path):
    process_paper(PAPERS / "basic/paper.html", PAPERS / "basic/paper.pdf", tmp_path / "out" / "p1",
                  figures="none", images=False)
    counts: dict = {}
    assert list(iter_pages(tmp_path / "out", counts)) == []
    assert counts == {"no_image": 5}
    result = build_index(tmp_path / "out", tmp_path / "train.jsonl")
    assert result.skipped == {"no_image": 5} and (tmp_path / "train.jsonl").read_text() == ""


def test_parquet_shards_round_trip(out, tmp_path):
    import pyarrow.parquet as pq
    index = tmp_path / "train.jsonl"
    folder = tmp_path / "parquet"
    folder.mkdir()
    (folder / "train-00000-of-00009.parquet").write_bytes(b"stale shard of an earlier index")
    build_index(out, index, splits={"validation": 0.3}, seed=3, parquet=folder, shard_rows=4)
    shards = sorted(p.name for p in folder.iterdir())
    assert all(".tmp" not in s for s in shards) and "train-00000-of-00009.parquet" not in shards
    rows = read_jsonl(index)
    n_train = len(rows)
    train_shards = [s for s in shards if s.startswith("train-")]
    assert len(train_shards) == -(-n_train // 4)  # ceil: 4 pages per shard
    table = pq.read_table([folder / s for s in train_shards])
    assert table.num_rows == n_train
    assert table.column_names == ["image", "markdown", "meta", "paper", "page"]
    first = table.slice(0, 1).to_pylist()[0]
    assert first["markdown"] == rows[0]["markdown"]
    assert json.loads(first["meta"]) == rows[0]["meta"]
    assert first["image"]["bytes"] == (index.parent / rows[0]["image"]).read_bytes()
    assert first["image"]["bytes"].startswith(b"\x89PNG")
    features = json.loads(table.schema.metadata[b"huggingface"])["info"]["features"]
    assert features["image"] == {"_type": "Image"}


def test_parquet_loads_with_hugging_face_datasets(out, tmp_path):
    import datasets  # a dev dependency: this test must run, not skip
    build_index(out, tmp_path / "train.jsonl", splits={"validation": 0.3}, seed=3, parquet=tmp_path / "pq")
    ds = datasets.load_dataset("parquet", data_dir=str(tmp_path / "pq"))
    assert set(ds) <= {"train", "validation"}
    sample = ds["train"][0]
    assert sample["image"].size[0] > 0 and sample["markdown"]


def test_cli_index(out, tmp_path):
    run = subprocess.run([sys.executable, "-c", "from nougat_align.cli import main; main()", "index", str(out),
                          "-o", str(tmp_path / "train.jsonl"), "--split", "validation=0.5", "--seed", "1"],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert "train:" in run.stderr and (tmp_path / "train.seek.map").exists()
