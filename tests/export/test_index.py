"""index.py: Nougat's JSONL index (with seek maps), the split by paper, Parquet shards; the
styles of style.py; and the two recipes of the README, read by Nougat's own loader and by
Hugging Face ``datasets``."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PAPERS
from nougat_align.errors import InputError
from nougat_align.export.index import assign_splits, build_index, check_split_names, iter_pages, parse_splits, split_of, split_path
from nougat_align.pipeline import process_paper
from nougat_align.export.style import nougat_page_ok, restyle, to_nougat



def cli(*args: str) -> int:
    """``nougat-align ARGS`` in this process (cli.main, its error boundary included): the exit code."""
    from unittest import mock

    from nougat_align.cli import main

    with mock.patch.object(sys, "argv", ["nougat-align", *map(str, args)]):
        try:
            main()
        except SystemExit as e:
            return int(e.code or 0)
    return 0

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
    raw = index.read_bytes()
    assert raw.isascii(), "ASCII-escaped JSON: the file reads the same in every locale"
    rows = read_jsonl(index)
    assert len(rows) == len(kept_pages(out)) == result.pages["train"] > 0
    assert result.papers["train"] == 3
    # Nougat's NougatDataset opens <index folder>/arxiv/<image>; arxiv is a relative link to the run
    link = index.parent / "arxiv"
    assert link.is_symlink() and not os.readlink(link).startswith("/") and link.resolve() == out.resolve()
    for row, (paper, page) in zip(rows, kept_pages(out)):
        assert set(row) == {"image", "markdown", "meta"}
        assert row["image"] == f"{paper}/{page:02d}.png"  # create_index's layout
        assert (link / row["image"]).read_bytes() == (out / paper / f"{page:02d}.png").read_bytes()
        assert row["markdown"] == (out / paper / f"{page:02d}.mmd").read_text(encoding="utf-8").strip()
    assert any(not r["markdown"].isascii() for r in rows), "the unicode style keeps non-ASCII (escaped)"
    # float boxes: pixels of the PNG, floats, from box_pt at the run's dpi
    boxed = [(row, box) for row in rows for box in row["meta"]]
    assert boxed, "the floats fixture has figures with regions"
    for row, box in boxed:
        assert box["figType"] in ("Figure", "Table") and box["source"] == "fig"
        r = box["regionBoundary"]
        assert all(isinstance(r[k], float) for k in ("x1", "y1", "x2", "y2"))
        assert 0 <= r["x1"] < r["x2"] and 0 <= r["y1"] < r["y2"]
    paper = boxed[0][0]["image"].split("/")[0]
    meta = json.loads((out / paper / "meta.json").read_text())
    boxes_pt = [f["box_pt"] for p in meta["pages"] for f in p["floats"] if "box_pt" in f]
    assert [round(v * DPI / 72, 2) for v in boxes_pt[0]] == list(
        next(b for row, b in boxed if row["image"].startswith(f"{paper}/"))["regionBoundary"].values())
    # the seek map Nougat's SciPDFDataset needs: byte offset of every line
    offsets = json.loads((index.parent / "train.seek.map").read_text())
    assert len(offsets) == len(rows) and offsets == [0] + [i + 1 for i, b in enumerate(raw) if b == 10][:-1]
    with index.open("rb") as f:
        for row, offset in zip(rows, offsets):
            f.seek(offset)
            assert json.loads(f.readline()) == row
    # again into the same folder: the link is ours and points at the run, so it is kept
    build_index(out, index)
    assert index.read_bytes() == raw and link.is_symlink()


def test_image_root(out, tmp_path):
    """Where image paths are relative to, and one-line errors where that cannot work."""
    # root_name "": relative to the index folder (SciPDFDataset's own default root_name)
    build_index(out, tmp_path / "flat" / "train.jsonl", root_name="")
    rows = read_jsonl(tmp_path / "flat" / "train.jsonl")
    assert all((tmp_path / "flat" / r["image"]).is_file() for r in rows)
    assert not (tmp_path / "flat" / "arxiv").exists()
    # the run already in Nougat's layout (DATA/arxiv/<paper>): plain paths, no link made
    data = tmp_path / "nougat"
    data.mkdir()
    (data / "arxiv").symlink_to(out, target_is_directory=True)
    build_index(data / "arxiv", data / "train.jsonl")
    assert read_jsonl(data / "train.jsonl")[0]["image"] == "2305.00001/01.png"
    # the index inside the run's folder: a link there would point at itself
    with pytest.raises(InputError, match="inside the run's folder"):
        build_index(out, out / "train.jsonl")
    assert not (out / "arxiv").exists() and not (out / "train.jsonl").exists()
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "arxiv").symlink_to(tmp_path / "nowhere")
    with pytest.raises(InputError, match="broken symlink"):
        build_index(out, broken / "train.jsonl")
    with pytest.raises(InputError, match="root-name"):
        build_index(out, tmp_path / "x" / "train.jsonl", root_name="a/b")


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
    train = {r["image"].split("/")[0] for r in read_jsonl(index)}
    valid = {r["image"].split("/")[0] for r in read_jsonl(tmp_path / "validation.jsonl")}
    assert train and valid and not train & valid
    assert (tmp_path / "validation.seek.map").exists()
    assert result.pages["train"] + result.pages["validation"] == len(kept_pages(out))
    again = tmp_path / "again" / "arxiv_train.jsonl"
    build_index(out, again, splits={"validation": 0.5}, seed=seed)
    assert again.with_name("validation.jsonl").read_bytes() == (tmp_path / "validation.jsonl").read_bytes()
    # a requested split that gets no paper is still written: Nougat's train.py opens validation.jsonl
    empty = build_index(out, tmp_path / "e" / "train.jsonl", splits={"validation": 0.0})
    assert empty.pages["validation"] == 0 and (tmp_path / "e" / "validation.jsonl").read_bytes() == b""
    assert (tmp_path / "e" / "validation.seek.map").read_text().strip() == "[]"


def test_a_requested_split_gets_a_paper_when_there_are_enough():
    papers = [f"2401.{i:05d}" for i in range(5)]
    # the hash alone leaves validation empty for some seeds: what assign_splits fixes
    assert any("validation" not in {split_of(p, {"validation": 0.2}, s) for p in papers} for s in range(30))
    for seed in range(30):
        got = assign_splits(papers, {"validation": 0.2}, seed)
        assert "validation" in got.values() and "train" in got.values()
        assert got == assign_splits(list(reversed(papers)), {"validation": 0.2}, seed)  # order-free
        plain = {p: split_of(p, {"validation": 0.2}, seed) for p in papers}
        assert sum(got[p] != plain[p] for p in papers) <= 1  # at most one paper moves
    got = assign_splits(papers[:3], {"validation": 0.05, "test": 0.05}, 1)
    assert sorted(got.values()) == ["test", "train", "validation"]
    # too few papers for the splits, or a zero fraction: the hash decides
    one = papers[:1]
    assert assign_splits(one, {"validation": 0.2}, 0) == {one[0]: split_of(one[0], {"validation": 0.2}, 0)}
    assert set(assign_splits(papers, {"validation": 0.0}, 0).values()) == {"train"}


def test_index_over_five_papers_has_a_validation_paper(out, tmp_path):
    run = tmp_path / "run"
    papers = [f"2401.{i:05d}" for i in range(5)]
    for name in papers:
        shutil.copytree(out / "2305.00001", run / name)
    seed = next(s for s in range(100)
                if "validation" not in {split_of(p, {"validation": 0.2}, s) for p in papers})
    result = build_index(run, tmp_path / "data" / "train.jsonl", splits={"validation": 0.2}, seed=seed)
    assert result.papers["validation"] >= 1 and result.papers["train"] >= 1
    valid = {r["image"].split("/")[0] for r in read_jsonl(tmp_path / "data" / "validation.jsonl")}
    assert len(valid) == result.papers["validation"]


def test_split_paths_and_parsing(tmp_path):
    assert split_path(Path("d/train.jsonl"), "train") == Path("d/train.jsonl")
    assert split_path(Path("d/train.jsonl"), "validation") == Path("d/validation.jsonl")
    assert split_path(Path("d/arxiv_train.jsonl"), "validation") == Path("d/validation.jsonl")  # where Nougat looks
    check_split_names(Path("d/arxiv_train.jsonl"), ["validation", "test"])
    with pytest.raises(InputError, match="contains 'train'"):
        check_split_names(Path("d/index.jsonl"), [])
    with pytest.raises(InputError, match="would read split 'validation'"):
        check_split_names(Path("d/train_validation.jsonl"), ["validation"])
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


def test_nougat_style_rules():
    """The conventions of Nougat's released data (nougat/dataset: unidecode in split_markdown,
    remove_pretty_linebreaks, format_document's whitespace rules)."""
    text = ("Caf\u00e9 \u2013 the proof\u2019s end \u220e\nnext line\n1. item\n* bullet\n# Head\n[1] ref\n\n"
            "x\u00b2\u00a0y   z  \n\n\n\nlast")
    assert to_nougat(text) == ("Cafe - the proof's end next line\n1. item\n* bullet\n# Head\n[1] ref\n\n"
                               "x2 y z\n\nlast")
    assert to_nougat("a\n  b") == "a b" and to_nougat("a\n\n    code") == "a\n\n  code"
    assert restyle(text, "unicode") == text
    with pytest.raises(InputError, match="unknown style"):
        restyle(text, "ascii")
    assert not nougat_page_ok("see [??] and") and not nougat_page_ok("[??, ??]") and nougat_page_ok("[?] and ??")


def test_nougat_style_joins_lines_as_nougat_does(out):
    """Our pages through Nougat's own remove_pretty_linebreaks (nougat-ocr 0.1.17, after
    unidecode as in split_markdown) and through to_nougat: the same text up to runs of spaces
    (the documented difference that keeps the style idempotent)."""
    import importlib.util
    import re

    from unidecode import unidecode

    folder = Path(importlib.util.find_spec("nougat").submodule_search_locations[0])  # no package __init__
    spec = importlib.util.spec_from_file_location("nougat_utils", folder / "dataset" / "utils" / "utils.py")
    utils = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(utils)

    def spaces(t: str) -> str:
        return re.sub(r"\n{3,}", "\n\n", re.sub(r" +", " ", re.sub(r"[ \t]+\n", "\n", t)))

    pages = [p.read_text(encoding="utf-8") for p in sorted(out.glob("[!.]*/[0-9][0-9].mmd"))]
    same = sum(utils.remove_pretty_linebreaks(unidecode(t)) == to_nougat(t) for t in pages)
    assert same >= len(pages) // 2
    assert [spaces(utils.remove_pretty_linebreaks(unidecode(t))) for t in pages] == [spaces(to_nougat(t)) for t in pages]


def test_nougat_style_pages_and_index(out, tmp_path):
    """--style nougat for the page files and for the index give the same text; both idempotent."""
    pages = sorted(out.glob("[!.]*/[0-9][0-9].mmd"))
    unicode_text = [p.read_text(encoding="utf-8") for p in pages]
    assert any(not t.isascii() for t in unicode_text) and any("\n" in t.replace("\n\n", "") for t in unicode_text)
    for t in unicode_text:
        once = to_nougat(t)
        assert once.isascii() and to_nougat(once) == once
    # page files written in the nougat style
    process_paper(PAPERS / "twocol/paper.html", PAPERS / "twocol/paper.pdf", tmp_path / "styled" / "2305.00003",
                  figures="detect", dpi=DPI, style="nougat")
    styled = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "styled" / "2305.00003").glob("*.mmd")}
    assert styled and styled == {p.name: to_nougat(p.read_text(encoding="utf-8"))
                                 for p in (out / "2305.00003").glob("*.mmd")}
    # the index in the nougat style: each markdown is the style of the unicode page
    build_index(out, tmp_path / "n" / "train.jsonl", style="nougat")
    rows = read_jsonl(tmp_path / "n" / "train.jsonl")
    assert len(rows) == len(kept_pages(out))
    for row in rows:
        assert row["markdown"] == to_nougat((out / row["image"]).with_suffix(".mmd").read_text(encoding="utf-8"))
    # indexing the nougat-style pages again in the nougat style changes nothing
    build_index(tmp_path / "styled", tmp_path / "nn" / "train.jsonl", style="nougat")
    assert [r["markdown"] for r in read_jsonl(tmp_path / "nn" / "train.jsonl")] == \
        [r["markdown"] for r in rows if r["image"].startswith("2305.00003/")]


def test_run_writes_pages_in_the_nougat_style(out, tmp_path, monkeypatch, capsys):
    assert cli("run", "--input", PAPERS / "basic", "-o", tmp_path / "r", "-q", "-j", "1", "--no-images",
               "--style", "nougat") == 0
    pages = sorted((tmp_path / "r" / "basic").glob("*.mmd"))
    assert [p.name for p in pages] == sorted(p.name for p in (out / "2305.00001").glob("*.mmd"))
    for p in pages:
        assert p.read_text(encoding="utf-8") == to_nougat((out / "2305.00001" / p.name).read_text(encoding="utf-8"))
    # without Unidecode: one line saying what to install, before any paper is started
    monkeypatch.setitem(sys.modules, "unidecode", None)
    with pytest.raises(InputError, match=r"nougat-align\[nougat\]"):
        restyle("x", "nougat")
    capsys.readouterr()
    assert cli("run", "--input", PAPERS / "basic", "-o", tmp_path / "r2", "-q", "--style", "nougat") == 2
    assert "pip install 'nougat-align[nougat]'" in capsys.readouterr().err and not (tmp_path / "r2").exists()


def test_nougat_style_leaves_out_pages_with_unresolved_references(out, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(out / "2305.00001", run / "2305.00001")
    page = run / "2305.00001" / "02.mmd"
    page.write_text(page.read_text(encoding="utf-8") + "\n\nas shown in [??].\n", encoding="utf-8")
    result = build_index(run, tmp_path / "train.jsonl", style="nougat")
    assert result.skipped == {"unresolved_ref": 1}
    assert "2305.00001/02.png" not in [r["image"] for r in read_jsonl(tmp_path / "train.jsonl")]
    assert build_index(run, tmp_path / "u" / "train.jsonl").skipped == {}


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
    for row, first in zip(rows, table.to_pylist()):
        assert first["markdown"] == row["markdown"]
        assert first["meta"] == row["meta"]  # a list of structs, not JSON text
        assert first["image"]["path"] == row["image"] == f"{first['paper']}/{first['page']:02d}.png"
        assert first["image"]["bytes"] == (index.parent / "arxiv" / row["image"]).read_bytes()
    assert str(table.schema.field("meta").type).startswith("list<element: struct<name: string")
    features = json.loads(table.schema.metadata[b"huggingface"])["info"]["features"]
    assert features["image"] == {"_type": "Image"}


def test_parquet_without_pyarrow_is_one_line_and_writes_nothing(out, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(InputError, match=r"nougat-align\[parquet\]"):
        build_index(out, tmp_path / "d" / "train.jsonl", parquet=tmp_path / "pq")
    assert not (tmp_path / "d").exists() and not (tmp_path / "pq").exists()


def test_parquet_loads_with_hugging_face_datasets_after_moving(out, tmp_path):
    """The Hugging Face recipe: shards built, the run deleted, the shards moved, then loaded
    with `datasets` from another working directory."""
    run = tmp_path / "run"
    for paper in ("2305.00001", "2305.00002"):
        shutil.copytree(out / paper, run / paper)
    seed = next(s for s in range(100) if [split_of(p, {"validation": 0.5}, s) for p in ("2305.00001", "2305.00002")]
                == ["validation", "train"])  # the paper with floats in train
    build_index(run, tmp_path / "data" / "train.jsonl", splits={"validation": 0.5}, seed=seed,
                parquet=tmp_path / "pq", style="nougat")
    expected = read_jsonl(tmp_path / "data" / "train.jsonl")
    shutil.rmtree(run)  # no page PNG left anywhere: the shards must carry them
    moved = tmp_path / "elsewhere" / "shards"
    moved.parent.mkdir()
    shutil.move(tmp_path / "pq", moved)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    script = """if True:
        import json, sys
        import datasets
        ds = datasets.load_dataset("parquet", data_dir=sys.argv[1])
        train = ds["train"]
        names = train.cast_column("image", datasets.Image(decode=False))
        rows, raw = list(train), list(names)
        print(json.dumps({"splits": sorted(ds), "n": len(train), "markdown": [r["markdown"] for r in rows],
                          "meta": [r["meta"] for r in rows], "size": [list(r["image"].size) for r in rows],
                          "names": [r["image"]["path"] for r in raw],
                          "features": {k: type(v).__name__ for k, v in train.features.items()}}))
    """
    env = {**os.environ, "HF_DATASETS_CACHE": str(tmp_path / "hf-cache"), "HF_HUB_OFFLINE": "1"}
    run_ = subprocess.run([sys.executable, "-c", script, str(moved)], cwd=cwd, env=env,
                          capture_output=True, text=True)
    assert run_.returncode == 0, run_.stderr[-2000:]
    got = json.loads(run_.stdout)
    assert got["splits"] == ["train", "validation"] and got["n"] == len(expected) > 0
    assert got["markdown"] == [r["markdown"] for r in expected]
    assert got["meta"] == [r["meta"] for r in expected] and any(got["meta"])
    assert got["names"] == [r["image"] for r in expected]
    assert all(w > 0 and h > 0 for w, h in got["size"])
    assert got["features"]["image"] == "Image" and got["features"]["meta"] in ("List", "Sequence", "list")


def test_cli_index(out, tmp_path, capsys):
    assert cli("index", out, "-o", tmp_path / "train.jsonl", "--split", "validation=0.5", "--seed", "1") == 0
    assert "train:" in capsys.readouterr().err and (tmp_path / "train.seek.map").exists()
    for args, message in (([tmp_path / "index.jsonl"], "contains 'train'"),
                          ([out / "train.jsonl"], "inside the run's folder"),
                          ([tmp_path / "t" / "train.jsonl", "--style", "ascii"], "unknown style")):
        assert cli("index", out, "-o", *args) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1 and "Traceback" not in err, err


# ------------------------------------------------ the Nougat recipe, read by Nougat's own loader ------

# Runs nougat/utils/dataset.py from nougat-ocr 0.1.17 (installed without its dependencies by
# `make setup`). What that module merely names is stood in for: torch's Dataset base class and
# Tensor (a base class and a type hint; torch.utils.data.dataloader.default_collate is used only
# by ImageDataset/LazyDataset, not here) and transformers' PreTrainedModel (a type hint).
# The nougat package's __init__ imports the model (timm, torch for real), so the package is
# registered without running it; the rest -- dataset.py itself, nougat.dataset.rasterize,
# PIL, pypdf, orjson, pypdfium2 -- is the real thing. NougatDataset is built as train.py builds
# it (its model argument is only stored); each sample is read the way NougatDataset.__getitem__
# reads it first (self.dataset[idx]: a None there makes it retry random samples until
# RecursionError, an exception ends the epoch), and the image is decoded.
NOUGAT_LOADER = """if True:
    import importlib.util, json, locale, sys, types
    torch = types.ModuleType("torch")
    torch.utils = types.ModuleType("torch.utils")
    torch.utils.data = types.ModuleType("torch.utils.data")
    torch.utils.data.Dataset = type("Dataset", (), {})
    torch.Tensor = type("Tensor", (), {})
    transformers = types.ModuleType("transformers")
    transformers.modeling_utils = types.ModuleType("transformers.modeling_utils")
    transformers.modeling_utils.PreTrainedModel = type("PreTrainedModel", (), {})
    for m in (torch, torch.utils, torch.utils.data, transformers, transformers.modeling_utils):
        sys.modules[m.__name__] = m
    package = types.ModuleType("nougat")
    package.__path__ = list(importlib.util.find_spec("nougat").submodule_search_locations)
    sys.modules["nougat"] = package
    from nougat.utils.dataset import NougatDataset

    result = {"encoding": locale.getpreferredencoding(False)}
    for split in ("train", "validation"):
        ds = NougatDataset(dataset_path=sys.argv[1], nougat_model=None, max_length=4096, split=split)
        samples = []
        for i in range(len(ds)):
            try:
                sample = ds.dataset[i]
            except Exception as e:  # e.g. UnicodeDecodeError from the text-mode readline
                samples.append(type(e).__name__)
                continue
            if sample is not None:
                sample["image"].load()
                sample = {"size": list(sample["image"].size), "markdown": sample["ground_truth"],
                          "meta": sample["meta"]}
            samples.append(sample)
        result[split] = samples
    print(json.dumps(result))
"""


def nougat_loader(index: Path, cwd: Path) -> dict:
    """Every train and validation sample of ``index`` as Nougat's loader opens it, in a
    process under LC_ALL=C. PYTHONUTF8=0: in the C locale Python >= 3.7 turns on UTF-8 mode
    by itself, which would hide a file that only reads in UTF-8 locales."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PYTHON"))}
    env.update(LC_ALL="C", PYTHONUTF8="0")
    run = subprocess.run([sys.executable, "-c", NOUGAT_LOADER, str(index)], cwd=cwd, env=env,
                         capture_output=True)
    assert run.returncode == 0, run.stderr.decode("ascii", "replace")[-3000:]
    result = json.loads(run.stdout)
    assert result["encoding"].lower() in ("ansi_x3.4-1968", "ascii", "us-ascii")  # the locale trap is live
    return result


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory) -> Path:
    """What `make demo` runs: every fixture paper through `nougat-align run`."""
    out = tmp_path_factory.mktemp("demo") / "demo-out"
    assert cli("run", "--input", PAPERS, "-o", out, "-q", "-j", "2") == 0
    return out


@pytest.mark.parametrize("style", ["nougat", "unicode"])
def test_nougat_loader_opens_every_sample_of_the_recipe(demo_out, tmp_path, style):
    """README's Nougat recipe, one command, then Nougat's train.py defaults (root_name="arxiv",
    train and validation from the train file's path) open 100% of the samples under LC_ALL=C."""
    data = tmp_path / "data"
    assert cli("index", demo_out, "-o", data / "train.jsonl", "--split", "validation=0.2", "--style", style) == 0
    expected = {s: read_jsonl(data / f"{s}.jsonl") for s in ("train", "validation")}
    assert expected["train"] and expected["validation"]
    assert len(expected["train"]) + len(expected["validation"]) == len(kept_pages(demo_out))
    got = nougat_loader(data / "train.jsonl", cwd=tmp_path)
    for split, rows in expected.items():
        bad = [s for s in got[split] if not isinstance(s, dict)]
        assert not bad, f"{len(bad)} of {len(rows)} {split} samples not opened: {bad[:3]}"
        assert [s["markdown"] for s in got[split]] == [r["markdown"] for r in rows]
        assert [s["meta"] for s in got[split]] == [{"meta": r["meta"]} for r in rows]
        for s, r in zip(got[split], rows):
            png = demo_out / r["image"]
            assert s["size"] == [int.from_bytes(png.read_bytes()[16:20], "big"),
                                 int.from_bytes(png.read_bytes()[20:24], "big")]
    text = [r["markdown"] for rows in expected.values() for r in rows]
    if style == "nougat":
        assert all(t.isascii() for t in text)
        return
    assert sum(not t.isascii() for t in text) >= 5
    # the control: the same lines unescaped (what the index used to write) fail in this locale
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "arxiv").symlink_to(demo_out, target_is_directory=True)
    for split, rows in expected.items():
        lines = [json.dumps(r, ensure_ascii=False).encode("utf-8") + b"\n" for r in rows]
        (raw / f"{split}.jsonl").write_bytes(b"".join(lines))
        offsets = [sum(len(x) for x in lines[:i]) for i in range(len(lines))]
        (raw / f"{split}.seek.map").write_text(json.dumps(offsets))
    failed = nougat_loader(raw / "train.jsonl", cwd=tmp_path)
    errors = [s for split in ("train", "validation") for s in failed[split] if not isinstance(s, dict)]
    # at least every non-ASCII line (more: the text-mode reader decodes ahead of the line it returns)
    assert set(errors) == {"UnicodeDecodeError"} and len(errors) >= sum(not t.isascii() for t in text)
