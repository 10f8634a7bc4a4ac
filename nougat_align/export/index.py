"""The training index of a run's output: Nougat's JSONL, and Parquet shards for ``datasets``.

    build_index(Path("out"), Path("data/train.jsonl"), splits={"validation": 0.05}, style="nougat")

One JSON line per kept page, as Nougat's ``create_index`` writes it: ``{"image":
"<paper>/NN.png", "markdown": "...", "meta": [...]}``, ASCII-escaped (``json.dumps``'s
default, so the file reads the same in any locale), beside it ``<stem>.seek.map`` (JSON list
of the byte offset of every line).  ``markdown`` is ``NN.mmd`` stripped, in the chosen
:mod:`~nougat_align.export.style`; ``meta`` lists the page's floats that have a region box,
pdffigures2-style with the box in pixels of the page PNG (floats, not rounded):
``{"name": "2", "figType": "Figure", "regionBoundary": {"x1": .., "y1": .., "x2": .., "y2": ..},
"source": "fig"}``.

Nougat's loader (``nougat/utils/dataset.py``, ``NougatDataset`` as its ``train.py`` builds it)
is given the train file's path; it reads split S from that file when S is in its name, else
from ``S.jsonl`` beside it, and opens ``<index folder>/<root_name>/<image>`` with
``root_name="arxiv"``.  So the train split goes to the ``-o`` file (its name must contain
``train`` and no other split's name), every other split to ``<split>.jsonl`` beside it, and
``image`` is relative to ``<index folder>/arxiv`` (``root_name``; ``""`` for the index folder
itself).  When that folder does not exist it is made a relative symlink to the run's folder,
so one command gives a layout Nougat's ``train.py`` reads with its defaults.

Splits are by paper, never by page: a paper's split is a hash of ``seed`` and its id, so
the same seed gives the same split whatever the order of papers; a requested split that
gets no paper takes the nearest one when there are enough papers (:func:`assign_splits`).

Parquet shards (``--parquet DIR``): ``DIR/<split>-NNNNN-of-MMMMM.parquet``, self-contained,
with columns ``image`` (struct of the PNG ``bytes`` and its stable name ``<paper>/NN.png``,
declared as a ``datasets`` Image feature), ``markdown``, ``meta`` (list of structs as above),
``paper``, ``page``; ``load_dataset("parquet", data_dir=DIR)`` finds the splits by file name,
wherever DIR is moved.

Only complete paper folders count (``meta.json`` present; it appears with the folder by
one rename); pages without a PNG (a run with ``--no-images``) are left out and counted.
Memory stays flat: papers are read one at a time, Parquet rows are written in row groups.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from array import array
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator, Optional

from nougat_align.errors import InputError
from nougat_align.records import PageMeta, PaperMeta
from nougat_align.export.style import DEFAULT_STYLE, NOUGAT, check_style, nougat_page_ok, to_nougat
from nougat_align.write import check_file

TRAIN, VALIDATION = "train", "validation"
ROOT_NAME = "arxiv"  # NougatDataset's root_name default: images are read from <index folder>/arxiv/
ROW_GROUP = 64  # Parquet rows buffered before a write


def parse_splits(items: list[str]) -> dict[str, float]:
    """``["validation=0.05", "test=0.02"]`` -> ``{"validation": 0.05, "test": 0.02}``."""
    splits: dict[str, float] = {}
    for item in items:
        name, sep, frac = item.partition("=")
        name = name.strip()
        try:
            value = float(frac)
        except ValueError:
            value = -1.0
        if not sep or not re.fullmatch(r"[A-Za-z][\w-]*", name) or name == TRAIN or not 0 <= value <= 1:
            raise InputError(f"--split {item!r}: expected NAME=FRACTION (0..1), NAME not 'train', "
                             "e.g. validation=0.05")
        splits[name] = value
    if sum(splits.values()) > 1:
        raise InputError("--split fractions add up to more than 1")
    return splits


def _point(paper: str, seed: int) -> float:
    return int.from_bytes(hashlib.sha256(f"{seed}\0{paper}".encode()).digest()[:8], "big") / 2**64


def _intervals(splits: dict[str, float]) -> dict[str, tuple[float, float]]:
    edges, edge = {}, 0.0
    for name in sorted(splits):
        edges[name] = (edge, edge + splits[name])
        edge += splits[name]
    return edges


def split_of(paper: str, splits: dict[str, float], seed: int = 0) -> str:
    """The split of ``paper``: a point in [0, 1) from a hash of seed and id, placed on
    the splits' fractions in name order; the rest is train."""
    point = _point(paper, seed)
    for name, (lo, hi) in _intervals(splits).items():
        if lo <= point < hi:
            return name
    return TRAIN


def assign_splits(papers: list[str], splits: dict[str, float], seed: int = 0) -> dict[str, str]:
    """The split of every paper: :func:`split_of`, except that when there are at least
    as many papers as splits (train included), a requested split with a fraction above 0
    that got no paper takes the paper whose point lies nearest its interval from train (or
    from a split holding two or more), so ``--split validation=0.2`` over five papers
    always has a validation paper.  Deterministic in the set of papers and the seed."""
    out = {p: split_of(p, splits, seed) for p in papers}
    if len(papers) < len(splits) + 1:
        return out
    for name, (lo, hi) in _intervals(splits).items():
        if hi <= lo or name in out.values():
            continue
        sizes = {s: list(out.values()).count(s) for s in set(out.values())}
        donors = [p for p in papers if sizes[out[p]] > 1 and (out[p] == TRAIN or sizes.get(TRAIN, 0) <= 1)]
        if not donors:
            continue

        def distance(p: str) -> float:
            x = _point(p, seed)
            return 0.0 if lo <= x < hi else min(abs(x - lo), abs(x - hi))

        out[min(donors, key=lambda p: (distance(p), p))] = name
    return out


def _papers_with_pages(out: Path) -> list[str]:
    """The papers :func:`iter_pages` may yield pages of (a kept page in ``meta.json``)."""
    names = []
    for name in sorted(os.listdir(out)):
        meta_path = Path(out) / name / "meta.json"
        if name.startswith(".") or not meta_path.is_file():
            continue
        try:
            meta = PaperMeta.from_json(meta_path.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            continue
        if any(p.kept for p in meta.pages):
            names.append(name)
    return names


@dataclass(frozen=True)
class PageSample:
    """One kept page: where its image is, its markdown and float boxes."""

    paper: str
    page: int
    image: Path
    markdown: str
    meta: list = field(default_factory=list)


def _float_boxes(page: PageMeta, dpi: Optional[int]) -> list[dict]:
    boxes = []
    for f in page.floats:
        if f.box_pt is None or not dpi:
            continue
        x1, y1, x2, y2 = (round(v * dpi / 72, 2) for v in f.box_pt)
        boxes.append({"name": f.number, "figType": "Table" if f.kind == "table" else "Figure",
                      "regionBoundary": {"x1": x1, "y1": y1, "x2": x2, "y2": y2}, "source": "fig"})
    return boxes


def iter_pages(out: Path, counts: Optional[dict] = None) -> Iterator[PageSample]:
    """Every kept page with a PNG under ``out``, papers in id order, pages in order.
    ``counts`` (if given) gets ``no_image`` / ``no_markdown`` / ``bad_meta`` tallies."""
    counts = counts if counts is not None else {}
    for name in sorted(os.listdir(out)):
        folder = Path(out) / name
        meta_path = folder / "meta.json"
        if name.startswith(".") or not meta_path.is_file():
            continue
        try:
            meta = PaperMeta.from_json(meta_path.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            counts["bad_meta"] = counts.get("bad_meta", 0) + 1
            continue
        for p in meta.pages:
            if not p.kept:
                continue
            stem = f"{p.page:02d}"
            mmd, png = folder / f"{stem}.mmd", folder / f"{stem}.png"
            if not mmd.is_file():
                counts["no_markdown"] = counts.get("no_markdown", 0) + 1
                continue
            if not png.is_file():
                counts["no_image"] = counts.get("no_image", 0) + 1
                continue
            yield PageSample(paper=name, page=p.page, image=png,
                             markdown=mmd.read_text(encoding="utf-8").strip(),
                             meta=_float_boxes(p, meta.dpi))


def split_path(index: Path, split: str) -> Path:
    """Where a split's JSONL goes: train to the ``-o`` file, split S to ``S.jsonl`` beside it
    (where Nougat's loader looks for it)."""
    return index if split == TRAIN else index.with_name(f"{split}.jsonl")


def check_split_names(index: Path, splits: list[str]) -> None:
    """One-line ``InputError`` when Nougat's loader, given ``index``, would not find each
    split in its own file: it reads split S from ``index`` when S is in the file's name."""
    if TRAIN not in index.stem:
        raise InputError(f"-o {index}: Nougat's loader reads the train split from a file whose name "
                         f"contains 'train'; name it e.g. {index.with_name('train.jsonl')}")
    clash = [s for s in splits if s in index.stem]
    if clash:
        raise InputError(f"-o {index}: Nougat's loader would read split {clash[0]!r} from this file "
                         f"(its name contains {clash[0]!r}); name it e.g. {index.with_name('train.jsonl')}")


def image_base(out: Path, index: Path, root_name: str) -> Path:
    """The folder image paths are relative to: ``<index folder>/<root_name>``, made a relative
    symlink to ``out`` when it does not exist yet (nothing that exists is touched)."""
    base = index.parent / root_name if root_name else index.parent
    if base.exists() or not root_name:
        base.mkdir(parents=True, exist_ok=True)
        return base.resolve()
    if base.is_symlink():
        raise InputError(f"{base}: a broken symlink; remove it, or pass --root-name")
    out_abs, parent_abs = out.resolve(), index.parent.resolve()
    if parent_abs == out_abs or out_abs in parent_abs.parents:
        raise InputError(f"-o {index}: inside the run's folder {out}; Nougat's loader reads images from "
                         f"{base}/, so write the index beside the run, e.g. -o {out.parent / 'data' / index.name}"
                         f" (or pass --root-name '')")
    index.parent.mkdir(parents=True, exist_ok=True)
    base.symlink_to(os.path.relpath(out_abs, parent_abs), target_is_directory=True)
    return base.resolve()


class _JsonlWriter:
    """A JSONL file and its seek map, written to temp names and renamed when complete."""

    def __init__(self, path: Path):
        self.path = path
        self.tmp = path.with_name(f".{path.name}.tmp")
        self.f = open(self.tmp, "wb")
        self.offsets = array("q")

    def write(self, obj: dict) -> None:
        self.offsets.append(self.f.tell())
        self.f.write(json.dumps(obj).encode("ascii") + b"\n")  # ASCII-escaped: no locale trap

    def close(self) -> list[Path]:
        self.f.close()
        os.replace(self.tmp, self.path)
        seek = self.path.with_name(self.path.stem + ".seek.map")
        seek_tmp = seek.with_name(f".{seek.name}.tmp")
        with open(seek_tmp, "w", encoding="utf-8") as f:
            f.write("[" + ",".join(map(str, self.offsets)) + "]\n")
        os.replace(seek_tmp, seek)
        return [self.path, seek]

    def abort(self) -> None:
        self.f.close()
        self.tmp.unlink(missing_ok=True)


def _hf_metadata() -> bytes:
    # only the image column needs declaring; datasets infers the others from the Arrow types
    return json.dumps({"info": {"features": {"image": {"_type": "Image"}}}}).encode()


class _ParquetWriter:
    """Shards of one split: ``shard_rows`` pages per file, ``ROW_GROUP`` rows per write."""

    def __init__(self, folder: Path, split: str, shard_rows: int):
        try:
            import pyarrow as pa
        except ImportError:
            raise InputError("--parquet needs pyarrow: pip install 'nougat-align[parquet]'") from None

        self.pa = pa
        self.folder, self.split, self.shard_rows = folder, split, shard_rows
        box = pa.struct([(k, pa.float64()) for k in ("x1", "y1", "x2", "y2")])
        meta = pa.list_(pa.struct([("name", pa.string()), ("figType", pa.string()),
                                   ("regionBoundary", box), ("source", pa.string())]))
        self.schema = pa.schema([
            ("image", pa.struct([("bytes", pa.binary()), ("path", pa.string())])),
            ("markdown", pa.string()), ("meta", meta), ("paper", pa.string()), ("page", pa.int32()),
        ]).with_metadata({b"huggingface": _hf_metadata()})
        self.shards: list[Path] = []
        self.writer = None
        self.rows: list[dict] = []
        self.in_shard = 0

    def write(self, sample: PageSample) -> None:
        name = f"{sample.paper}/{sample.image.name}"  # stable, means the same wherever shards go
        self.rows.append({"image": {"bytes": sample.image.read_bytes(), "path": name},
                          "markdown": sample.markdown, "meta": sample.meta,
                          "paper": sample.paper, "page": sample.page})
        if len(self.rows) >= ROW_GROUP or self.in_shard + len(self.rows) >= self.shard_rows:
            self._flush()

    def _flush(self) -> None:
        import pyarrow.parquet as pq

        if not self.rows:
            return
        if self.writer is None:
            tmp = self.folder / f".{self.split}-{len(self.shards):05d}.parquet.tmp"
            self.shards.append(tmp)
            self.writer = pq.ParquetWriter(tmp, self.schema)
        self.writer.write_table(self.pa.Table.from_pylist(self.rows, schema=self.schema))
        self.in_shard += len(self.rows)
        self.rows = []
        if self.in_shard >= self.shard_rows:
            self.writer.close()
            self.writer, self.in_shard = None, 0

    def close(self) -> list[Path]:
        self._flush()
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        return self.shards

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.close()
        for tmp in self.shards:
            tmp.unlink(missing_ok=True)


_SHARD_NAME = re.compile(r"^[A-Za-z][\w-]*-\d{5}-of-\d{5}\.parquet$")


def _publish_shards(folder: Path, shards: dict[str, list[Path]]) -> list[Path]:
    """Replace the old shards in ``folder`` by the new temp ones, named ``-NNNNN-of-MMMMM``."""
    for old in folder.iterdir():
        if _SHARD_NAME.match(old.name):
            old.unlink()
    final = []
    for split, tmps in shards.items():
        for i, tmp in enumerate(tmps):
            path = folder / f"{split}-{i:05d}-of-{len(tmps):05d}.parquet"
            os.replace(tmp, path)
            final.append(path)
    return final


@dataclass
class IndexResult:
    """What :func:`build_index` wrote."""

    pages: dict[str, int] = field(default_factory=dict)  # split -> pages
    papers: dict[str, int] = field(default_factory=dict)  # split -> papers
    skipped: dict[str, int] = field(default_factory=dict)  # no_image / no_markdown / bad_meta / unresolved_ref
    files: list[str] = field(default_factory=list)
    image_root: str = ""  # the folder image paths are relative to (a symlink made by build_index or not)

    def summary(self) -> str:
        splits = ", ".join(f"{s}: {self.pages[s]} pages of {self.papers[s]} papers" for s in sorted(self.pages))
        skipped = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(self.skipped.items()) if v)
        note = "" if VALIDATION in self.pages else (
            "; no validation split (Nougat's train.py needs one: --split validation=0.05)")
        return (f"{splits or 'no pages'}" + (f"; skipped {skipped}" if skipped else "") + note
                + f" -> {', '.join(self.files)}" + (f"; images under {self.image_root}" if self.image_root else ""))


def build_index(out: Path, index: Path, *, splits: Optional[dict[str, float]] = None, seed: int = 0,
                root_name: str = ROOT_NAME, parquet: Optional[Path] = None, shard_rows: int = 1000,
                style: str = DEFAULT_STYLE) -> IndexResult:
    """Write the JSONL index (one file per split, each with a seek map) and optionally
    Parquet shards of every kept page under ``out``, the markdown in ``style``."""
    out, index = Path(out), Path(index)
    check_style(style)
    if not out.is_dir():
        raise InputError(f"{out}: not a folder")
    if "/" in root_name or root_name in (".", ".."):
        raise InputError(f"--root-name {root_name!r}: a folder name, e.g. arxiv (or '')")
    if not any(not d.name.startswith(".") and (d / "meta.json").is_file() for d in out.iterdir()):
        raise InputError(f"{out}: no paper folders (<paper>/meta.json): not the output of nougat-align run")
    splits = dict(splits or {})
    names = [TRAIN] + sorted(splits)
    check_split_names(index, list(splits))
    paths = {s: check_file(split_path(index, s), f"{s} index", ".seek.map") for s in names}
    tables = {s: _ParquetWriter(Path(parquet), s, shard_rows) for s in names} if parquet is not None else {}
    base = image_base(out, index, root_name)
    if parquet is not None:
        Path(parquet).mkdir(parents=True, exist_ok=True)
    result = IndexResult(pages=dict.fromkeys(names, 0), papers=dict.fromkeys(names, 0),
                         image_root=str(index.parent / root_name) if root_name else "")
    jsonl = {s: _JsonlWriter(paths[s]) for s in names}
    assigned = assign_splits(_papers_with_pages(out), splits, seed)
    try:
        last_paper = None
        for sample in iter_pages(out, result.skipped):
            if style == NOUGAT:
                if not nougat_page_ok(sample.markdown):
                    result.skipped["unresolved_ref"] = result.skipped.get("unresolved_ref", 0) + 1
                    continue
                sample = replace(sample, markdown=to_nougat(sample.markdown))
            split = assigned.get(sample.paper) or split_of(sample.paper, splits, seed)
            image = Path(os.path.relpath(sample.image.resolve(), base)).as_posix()
            jsonl[split].write({"image": image, "markdown": sample.markdown, "meta": sample.meta})
            if tables:
                tables[split].write(sample)
            result.pages[split] += 1
            if sample.paper != last_paper:
                result.papers[split] += 1
                last_paper = sample.paper
    except BaseException:
        for w in [*jsonl.values(), *tables.values()]:
            w.abort()
        raise
    for s in names:  # every requested split, even an empty one: Nougat's loader needs the file
        result.files += [str(p) for p in jsonl[s].close()]
    if tables:
        shards = {s: w.close() for s, w in tables.items()}
        result.files += [str(p) for p in _publish_shards(Path(parquet), shards)]
    return result


__all__ = ["IndexResult", "PageSample", "assign_splits", "build_index", "check_split_names", "image_base", "iter_pages", "parse_splits",
           "split_of", "split_path"]
