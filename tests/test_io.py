"""Reading and writing at the edges: meta.json as a typed record (written by the pipeline,
read by the index through the same type), paper folders that never swallow other files,
and HTML of unknown encoding."""
from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from conftest import PAPERS
from nougat_align.errors import InputError
from nougat_align.html2md.convert import html_to_markdown
from nougat_align.export.index import iter_pages
from nougat_align.pipeline import process_paper
from nougat_align.records import PageMeta, PaperMeta, PlacedFloat, Relabel
from nougat_align.write import atomic_dir

DPI = 24


@pytest.fixture(scope="module")
def paper(tmp_path_factory) -> Path:
    """One paper folder with detected float boxes and small PNGs."""
    out = tmp_path_factory.mktemp("out") / "2305.00002"
    process_paper(PAPERS / "floats" / "paper.html", PAPERS / "floats" / "paper.pdf", out, figures="detect", dpi=DPI)
    return out


# ------------------------------------------------------------------- meta.json -------


def test_meta_json_round_trips_through_its_record(paper):
    text = (paper / "meta.json").read_text(encoding="utf-8")
    meta = PaperMeta.from_json(text)
    assert meta.to_json() == text  # byte for byte
    assert PaperMeta.from_dict(meta.to_dict()) == meta
    assert isinstance(meta.pages[0], PageMeta) and meta.num_pages == len(meta.pages) > 0
    relabels = [r for p in meta.pages for r in p.relabels]
    assert relabels and all(isinstance(r, Relabel) for r in relabels)  # nested records too
    assert all(p.relabeled == len(p.relabels) for p in meta.pages)
    placed = [f for p in meta.pages for f in p.floats]
    assert placed and all(isinstance(f, PlacedFloat) for f in placed)
    boxed = [f for f in placed if f.box_pt is not None]
    assert boxed and all(len(f.box_pt) == 4 and len(f.box_px) == 4 for f in boxed)
    assert all(f.box_px == tuple(round(v * DPI / 72) for v in f.box_pt) for f in boxed)
    raw = json.loads(text)
    unboxed = [f for p in raw["pages"] for f in p["floats"] if "box_pt" not in f]
    assert all(set(f) == {"id", "kind", "number"} for f in unboxed)  # no nulls for unknown boxes


def test_bibliography_source_is_written_only_when_known(paper):
    meta = PaperMeta.from_json((paper / "meta.json").read_text(encoding="utf-8"))
    assert meta.bibliography_source == "" and "bibliography_source" not in meta.to_dict()
    converted = dataclasses.replace(meta, bibliography_source="bbl")
    assert json.loads(converted.to_json())["bibliography_source"] == "bbl"
    assert PaperMeta.from_json(converted.to_json()) == converted


def test_meta_json_of_an_earlier_version_still_reads(paper):
    raw = json.loads((paper / "meta.json").read_text(encoding="utf-8"))
    for page in raw["pages"]:  # fields later versions added
        for key in ("precision", "coverage", "removed", "relabeled", "labels_unverified", "relabels"):
            page.pop(key, None)
    meta = PaperMeta.from_json(json.dumps(raw))
    assert [p.page for p in meta.pages] == [p["page"] for p in raw["pages"]]
    assert all(p.precision == 0.0 and p.relabels == () for p in meta.pages)


def test_index_reads_meta_through_the_same_record(paper):
    meta = PaperMeta.from_json((paper / "meta.json").read_text(encoding="utf-8"))
    samples = list(iter_pages(paper.parent))
    assert [s.page for s in samples] == [p.page for p in meta.pages if p.kept]
    boxes = {(s.page, b["name"]) for s in samples for b in s.meta}
    assert boxes == {(p.page, f.number) for p in meta.pages if p.kept for f in p.floats if f.box_pt}


@pytest.mark.parametrize("text", ["[]", "{}", '{"paper_id": "x"}', "not json", '{"pages": "x"}'])
def test_a_broken_meta_json_is_a_value_error(text, tmp_path):
    with pytest.raises(ValueError):
        PaperMeta.from_json(text)
    (tmp_path / "p1").mkdir()
    (tmp_path / "p1" / "meta.json").write_text(text)
    counts: dict = {}
    assert list(iter_pages(tmp_path, counts)) == [] and counts == {"bad_meta": 1}


# ------------------------------------------------------------------ atomic_dir -------


def _fill(folder: Path, names: list[str]) -> None:
    for n in names:
        (folder / n).write_text(n)


def test_atomic_dir_new_folder_appears_by_one_rename(tmp_path):
    target = tmp_path / "p"
    with atomic_dir(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".p.")
        _fill(tmp, ["01.mmd", "meta.json"])
        assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p"]
    assert sorted(p.name for p in target.iterdir()) == ["01.mmd", "meta.json"]


def test_atomic_dir_replaces_only_its_own_files_and_marker_last(tmp_path, monkeypatch):
    import nougat_align.write as write

    target = tmp_path / "p"
    target.mkdir()
    _fill(target, ["01.mmd", "02.mmd", "02.png", "meta.json", "timings.json"])
    moves = []
    real_replace = write.os.replace

    def replace(src, dst):  # each move, and whether a meta.json was in place at the time
        moves.append((Path(dst).name, (target / "meta.json").exists()))
        real_replace(src, dst)
    monkeypatch.setattr(write.os, "replace", replace)
    with atomic_dir(target) as tmp:
        _fill(tmp, ["01.mmd", "meta.json"])
        seen = sorted(p.name for p in target.iterdir() if p != tmp)
    assert seen == ["01.mmd", "02.mmd", "02.png", "meta.json", "timings.json"]  # untouched while working
    assert sorted(p.name for p in target.iterdir()) == ["01.mmd", "meta.json"]
    assert moves == [("01.mmd", False), ("meta.json", False)]  # the old marker went first


def test_atomic_dir_failure_leaves_the_old_folder_whole(tmp_path):
    target = tmp_path / "p"
    target.mkdir()
    _fill(target, ["01.mmd", "meta.json"])
    with pytest.raises(RuntimeError):
        with atomic_dir(target) as tmp:
            _fill(tmp, ["01.mmd"])
            raise RuntimeError("boom")
    assert sorted(p.name for p in target.iterdir()) == ["01.mmd", "meta.json"]
    assert (target / "01.mmd").read_text() == "01.mmd"


@pytest.mark.parametrize("foreign", ["important.txt", "sub", ".git"])
def test_atomic_dir_refuses_a_folder_with_other_files(foreign, tmp_path):
    target = tmp_path / "p"
    target.mkdir()
    _fill(target, ["01.mmd"])
    (target / foreign).mkdir() if foreign != "important.txt" else _fill(target, [foreign])
    with pytest.raises(InputError, match=re.escape(foreign)):
        with atomic_dir(target):
            pytest.fail("no work before the refusal")
    assert sorted(p.name for p in target.iterdir()) == sorted(["01.mmd", foreign])


def test_atomic_dir_refuses_a_file(tmp_path):
    target = tmp_path / "paper.tex"
    target.write_text("x")
    with pytest.raises(InputError, match="is a file"):
        with atomic_dir(target):
            pytest.fail("no work before the refusal")
    assert target.read_text() == "x" and sorted(p.name for p in tmp_path.iterdir()) == ["paper.tex"]


# ------------------------------------------------------------------- encodings -------


def test_html_of_unknown_encoding_reads_the_same():
    data = (PAPERS / "floats" / "paper.html").read_bytes()
    ref = html_to_markdown(data).text
    assert any(ord(c) > 127 for c in ref)  # the test means something
    undeclared = re.sub(rb"<meta[^>]*charset[^>]*>", b"", data)
    assert undeclared != data
    assert html_to_markdown(undeclared).text == ref  # lxml alone reads it as Latin-1
    cp1252 = undeclared.decode("utf-8").encode("cp1252", "xmlcharrefreplace").replace(
        b"<head>", b'<head><meta charset="windows-1252">', 1)
    assert html_to_markdown(cp1252).text == ref
    assert html_to_markdown(undeclared.decode("utf-8")).text == ref  # str input too


# ------------------------------------------------------------- named output files ----


def test_named_outputs_never_overwrite_a_file_they_did_not_write(paper, tmp_path):
    from nougat_align.cli import main

    mine = tmp_path / "notes.mmd"
    mine.write_text("my own notes\n")
    with pytest.raises(SystemExit) as e:
        main(["html2md", str(PAPERS / "basic" / "paper.html"), "-o", str(mine)])
    assert e.value.code == 2 and mine.read_text() == "my own notes\n"

    run = paper.parent
    foreign = tmp_path / "train.jsonl"
    foreign.write_text("{}\n")
    with pytest.raises(SystemExit) as e:
        main(["index", str(run), "-o", str(foreign)])
    assert e.value.code == 2 and foreign.read_text() == "{}\n"

    ours = tmp_path / "idx" / "train.jsonl"
    ours.parent.mkdir()
    for _ in range(2):  # an index it wrote (its seek map beside it) is rewritten
        main(["index", str(run), "-o", str(ours)])
    assert ours.read_text().count("\n") == len([1 for _ in iter_pages(run)])
