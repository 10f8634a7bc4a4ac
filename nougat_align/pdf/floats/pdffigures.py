"""pdffigures2-compatible float records on disk: JSON in and out, and PNG crops.

``load_figures`` reads pdffigures2's JSON (or ours) into the ``FloatRecord``s that
``detect.detect_floats`` returns, so the aligner treats both sources alike;
``save_figures`` / ``figures_json`` write pdffigures2-compatible JSON and ``write_crops``
writes each float's region as a PNG.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterable, Union

from nougat_align.errors import InputError
from nougat_align.pdf.floats.document import open_pdf
from nougat_align.records import FloatRecord
from nougat_align.write import write_bytes_atomic, write_text_atomic

__all__ = ["load_figures", "save_figures", "write_crops"]


# ------------------------------------------------------------------ JSON I/O ---------


def load_figures(path: Union[Path, str]) -> list[FloatRecord]:
    """Float records from pdffigures2 JSON (or ours): a list of figure objects, or
    ``{"figures": [...], "regionless-captions": [...]}``.  Ordered by (page, y, x).

    Raises ``InputError`` (one line) for a missing file, bad JSON or a wrong shape.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"figures file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read figures file ({e})") from None
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: not valid JSON (line {e.lineno}: {e.msg})") from None
    if isinstance(data, dict):
        if not any(k in data for k in ("figures", "regionless-captions")):
            raise InputError(f"{path}: expected a list of figures or an object with "
                             f"'figures' / 'regionless-captions'")
        objects = list(data.get("figures") or []) + list(data.get("regionless-captions") or [])
    elif isinstance(data, list):
        objects = data
    else:
        raise InputError(f"{path}: expected a list of figures, got {type(data).__name__}")
    records = []
    for k, obj in enumerate(objects):
        try:
            if not isinstance(obj, dict):
                raise TypeError(f"item is {type(obj).__name__}, not an object")
            records.append(FloatRecord.from_pdffigures2(obj, source=str(obj.get("source", "pdffigures2"))))
        except (KeyError, TypeError, ValueError) as e:
            raise InputError(f"{path}: figure #{k + 1} is malformed ({e})") from None

    def order(r: FloatRecord) -> tuple:
        b = r.caption_boundary or r.region_boundary
        return (r.page, b.y1 if b else 0.0, b.x1 if b else 0.0)

    return sorted(records, key=order)


def save_figures(records: Iterable[FloatRecord], path: Union[Path, str]) -> None:
    """Write records as pdffigures2 JSON (a list of figure objects), atomically.

    Each object also carries ``"source"`` (readers of pdffigures2 JSON ignore it), so
    ``load_figures`` gives back equal records.
    """
    write_text_atomic(Path(path), figures_json(records))


def figures_json(records: Iterable[FloatRecord]) -> str:
    """The pdffigures2-style JSON text of ``records`` (what ``save_figures`` writes)."""
    objs = []
    for r in records:
        obj = r.to_pdffigures2()
        obj["source"] = r.source
        objs.append(obj)
    return json.dumps(objs, indent=1, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------ crops ------------


def crop_name(record: FloatRecord) -> str:
    """Deterministic PNG name of a float's crop: ``Figure3-p5.png``, ``TableA.1-p12.png``."""
    name = re.sub(r"[^A-Za-z0-9.\-]+", "_", record.name) or "x"
    return f"{record.fig_type}{name}-p{record.page + 1}.png"


def write_crops(pdf: Union[Path, str, Any], records: Iterable[FloatRecord],
                out_dir: Union[Path, str], dpi: int = 150) -> list[Path]:
    """Render each float's region as a PNG in ``out_dir``; returns the paths written.

    Records without a region are skipped; a second crop with the same name gets ``-2``.
    """
    import pymupdf

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    shown = pymupdf.TOOLS.mupdf_display_errors()
    pymupdf.TOOLS.mupdf_display_errors(False)
    doc, owned = open_pdf(pdf)
    written: list[Path] = []
    used: set[str] = set()
    try:
        for r in records:
            b = r.region_boundary
            if b is None or not 0 <= r.page < doc.page_count:
                continue
            page = doc[r.page]
            clip = pymupdf.Rect(b.x1, b.y1, b.x2, b.y2) & page.rect
            if clip.is_empty:
                continue
            name = crop_name(r)
            stem, k = name[:-4], 2
            while name in used:
                name, k = f"{stem}-{k}.png", k + 1
            used.add(name)
            pix = page.get_pixmap(clip=clip, dpi=dpi)
            path = out_dir / name
            write_bytes_atomic(path, pix.tobytes("png"))
            written.append(path)
    finally:
        pymupdf.TOOLS.mupdf_display_errors(shown)
        if owned:
            doc.close()
    return written
