"""Layout exports of ``index``: COCO detection JSON, grounded JSONL and element crops.

They read ``out/<paper>/layout.json`` (``{"pages": [{"page", "width", "height", "elements":
[{"id", "category", "boxes", "text", "tex", "order"}]}]}``, PDF points, y down) beside the
kept pages' ``NN.png``; boxes become pixels of that PNG (its size over the page's size in
points, i.e. the run's ``--dpi``).  Kept pages with a PNG but no layout are skipped and
counted (``no_layout``).

* ``--coco FILE``: categories are DocLayNet's eleven (ids 1-11 in :data:`CATEGORIES`
  order); one image per page (``file_name`` ``<paper>/NN.png``, ``split``), one
  annotation per box (``bbox`` ``[x, y, w, h]`` in pixels, ``element``, ``order``).
* ``--grounded FILE``: one JSON line per page, ``{"image", "paper", "page", "split",
  "width", "height", "elements": [{"category", "boxes", "text", "tex"}]}``, elements in
  reading order, boxes ``[x0, y0, x1, y1]`` in pixels.
* ``--crops DIR``: Parquet shards ``<split>-NNNNN-of-MMMMM.parquet`` of Formula (crop +
  LaTeX), Table (crop + tabular) and Text (crop + markdown) elements of one box (an element
  split over two columns has no single crop), cut from the page PNG with PyMuPDF's
  ``Pixmap`` (no new dependency), 2 px of margin; ``datasets.load_dataset("parquet",
  data_dir=DIR)`` loads them (needs the ``[parquet]`` extra).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

from nougat_align.errors import InputError
from nougat_align.export.index import TRAIN, _JsonlWriter, _ParquetWriter, _publish_shards, assign_splits
from nougat_align.export.style import NOUGAT, to_nougat
from nougat_align.pdf import render
from nougat_align.records import LAYOUT_CATEGORIES, PaperMeta, read_layout_pages
from nougat_align.write import check_file

CATEGORIES = tuple(sorted(LAYOUT_CATEGORIES))  # COCO ids 1-11, alphabetical
CROP_CATEGORIES = ("Formula", "Table", "Text")
CROP_MARGIN = 2  # px


@dataclass(frozen=True)
class LayoutPage:
    paper: str
    page: int
    image: Path
    width: int  # PNG pixels
    height: int
    scale: float  # pixels per point
    elements: list  # layout.json elements, in reading order


@dataclass
class LayoutResult:
    pages: int = 0
    boxes: int = 0
    crops: dict[str, int] = field(default_factory=dict)  # category -> crops
    skipped: dict[str, int] = field(default_factory=dict)  # no_layout, bad_layout, multi_box
    files: list[str] = field(default_factory=list)

    def summary(self) -> str:
        crops = ", ".join(f"{v} {k}" for k, v in sorted(self.crops.items()))
        skipped = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(self.skipped.items()) if v)
        return (f"layout: {self.pages} pages, {self.boxes} boxes" + (f", crops: {crops}" if crops else "")
                + (f"; skipped {skipped}" if skipped else "") + f" -> {', '.join(self.files)}")


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header."""
    size = render.png_size(path)
    if size is None:
        raise InputError(f"{path}: not a PNG")
    return size


def _bump(counts: dict, key: str, n: int = 1) -> None:
    counts[key] = counts.get(key, 0) + n


def iter_layout_pages(out: Path, counts: dict) -> Iterator[LayoutPage]:
    """Every kept page with a PNG and a layout, papers in id order, pages in order."""
    for name in sorted(os.listdir(out)):
        folder = Path(out) / name
        if name.startswith(".") or not (folder / "meta.json").is_file():
            continue
        try:
            meta = PaperMeta.from_json((folder / "meta.json").read_text(encoding="utf-8"))
        except (ValueError, OSError):
            continue
        layout: dict[int, dict] = {}
        if (folder / "layout.json").is_file():
            try:
                layout = read_layout_pages(folder / "layout.json")
            except (ValueError, KeyError, TypeError):
                _bump(counts, "bad_layout")
        for p in meta.pages:
            png = folder / f"{p.page:02d}.png"
            if not p.kept or not png.is_file():
                continue
            lp = layout.get(p.page)
            if lp is None:
                _bump(counts, "no_layout")
                continue
            w, h = png_size(png)
            elements = sorted(lp["elements"], key=lambda e: e.get("order", 0))
            yield LayoutPage(name, p.page, png, w, h, w / float(lp["width"]), elements)


def _px(box: list[float], page: LayoutPage) -> list[float]:
    return [round(min(max(v * page.scale, 0), lim), 2)
            for v, lim in zip(box, (page.width, page.height, page.width, page.height))]


def _text(e: dict, style: str) -> str:
    text = e.get("text") or ""
    return to_nougat(text) if style == NOUGAT and e.get("category") not in ("Formula", "Table") else text


def crop_png(image: Path, box: list[float], margin: int = CROP_MARGIN) -> bytes:
    """The pixels of ``box`` (pixels, floats) plus ``margin`` from a PNG, as PNG bytes."""
    import pymupdf

    src = pymupdf.Pixmap(str(image))
    x0, y0 = max(0, int(box[0]) - margin), max(0, int(box[1]) - margin)
    x1, y1 = min(src.width, int(-(-box[2] // 1)) + margin), min(src.height, int(-(-box[3] // 1)) + margin)
    rect = pymupdf.IRect(x0, y0, max(x1, x0 + 1), max(y1, y0 + 1))
    dst = pymupdf.Pixmap(src.colorspace, rect, src.alpha)
    dst.copy(src, rect)
    return dst.tobytes("png")


class _CropWriter(_ParquetWriter):
    def __init__(self, folder: Path, split: str, shard_rows: int):
        super().__init__(folder, split, shard_rows)
        pa = self.pa
        self.schema = pa.schema([
            ("image", pa.struct([("bytes", pa.binary()), ("path", pa.string())])),
            ("category", pa.string()), ("text", pa.string()), ("tex", pa.string()),
            ("paper", pa.string()), ("page", pa.int32()), ("element", pa.string()),
            ("box", pa.list_(pa.float64())),
        ]).with_metadata(self.schema.metadata)

    def write_row(self, row: dict) -> None:
        self.rows.append(row)
        if len(self.rows) >= 64 or self.in_shard + len(self.rows) >= self.shard_rows:
            self._flush()


def export_layout(out: Path, *, coco: Optional[Path] = None, grounded: Optional[Path] = None,
                  crops: Optional[Path] = None, splits: Optional[dict[str, float]] = None,
                  seed: int = 0, shard_rows: int = 1000, style: str = "unicode") -> LayoutResult:
    """Write the requested layout exports of a run's ``out`` (module docstring); splits
    as the index assigns them."""
    out = Path(out)
    coco_path = check_file(coco, "COCO file") if coco is not None else None
    grounded_path = check_file(grounded, "grounded JSONL", ".seek.map") if grounded is not None else None
    papers = sorted(d.name for d in out.iterdir() if not d.name.startswith(".") and (d / "meta.json").is_file())
    split_of = assign_splits(papers, dict(splits or {}), seed)
    names = [TRAIN] + sorted(splits or {})
    writers = {s: _CropWriter(Path(crops), s, shard_rows) for s in names} if crops is not None else {}
    lines = _JsonlWriter(grounded_path) if grounded_path is not None else None
    result = LayoutResult()
    images: list[dict] = []
    annotations: list[dict] = []
    cat_id = {c: i + 1 for i, c in enumerate(CATEGORIES)}
    if crops is not None:
        Path(crops).mkdir(parents=True, exist_ok=True)
    try:
        for page in iter_layout_pages(out, result.skipped):
            split = split_of.get(page.paper, TRAIN)
            name = f"{page.paper}/{page.image.name}"
            image_id = len(images) + 1
            images.append({"id": image_id, "file_name": name, "width": page.width,
                           "height": page.height, "split": split})
            result.pages += 1
            els = []
            for e in page.elements:
                if e.get("category") not in cat_id:
                    _bump(result.skipped, "unknown_category")
                    continue
                boxes = [_px(b, page) for b in e["boxes"]]
                for b in boxes:
                    annotations.append({"id": len(annotations) + 1, "image_id": image_id,
                                        "category_id": cat_id[e["category"]],
                                        "bbox": [b[0], b[1], round(b[2] - b[0], 2), round(b[3] - b[1], 2)],
                                        "area": round((b[2] - b[0]) * (b[3] - b[1]), 2), "iscrowd": 0,
                                        "element": e.get("id"), "order": e.get("order")})
                result.boxes += len(boxes)
                els.append({"category": e["category"], "boxes": boxes, "text": _text(e, style),
                            "tex": e.get("tex")})
                if writers and e["category"] in CROP_CATEGORIES:
                    if len(boxes) != 1:
                        _bump(result.skipped, "multi_box")
                        continue
                    writers[split].write_row({
                        "image": {"bytes": crop_png(page.image, boxes[0]), "path": f"{name}#{e.get('id')}"},
                        "category": e["category"], "text": _text(e, style), "tex": e.get("tex"),
                        "paper": page.paper, "page": page.page, "element": e.get("id"), "box": boxes[0]})
                    _bump(result.crops, e["category"])
            if lines is not None:
                lines.write({"image": name, "paper": page.paper, "page": page.page, "split": split,
                             "width": page.width, "height": page.height, "elements": els})
    except BaseException:
        for w in [*writers.values(), *([lines] if lines else [])]:
            w.abort()
        raise
    if lines is not None:
        result.files += [str(p) for p in lines.close()]
    if coco_path is not None:
        data = {"info": {"description": "nougat-align layout", "version": "1.0"}, "licenses": [],
                "images": images, "annotations": annotations,
                "categories": [{"id": i, "name": c, "supercategory": "layout"} for c, i in cat_id.items()]}
        tmp = coco_path.with_name(f".{coco_path.name}.tmp")
        tmp.write_text(json.dumps(data) + "\n", encoding="utf-8")
        os.replace(tmp, coco_path)
        result.files.append(str(coco_path))
    if writers:
        result.files += [str(p) for p in _publish_shards(Path(crops), {s: w.close() for s, w in writers.items()})]
    return result
