"""What the report reads of a run: its papers (meta.json, manifest, timings, settings), and
what dropped pages need that the run did not write: the paper's PDF and markdown found and
checked against meta.json's sha256, a page's markdown cut from it in the run's style.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from nougat_align.errors import InputError
from nougat_align.pdf import render


# ------------------------------------------------------------------ reading a run ------


@dataclass(frozen=True)
class PaperInput:
    """Everything the report knows about one paper (picklable: built in worker processes)."""

    paper: str
    folder: Optional[str]  # OUT/<paper> when it has meta.json
    meta: Optional[dict]
    record: dict = field(default_factory=dict)  # last manifest line (status, pdf, html, error)
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)  # timings.json: seconds per stage
    cache: str = ""  # LaTeXML HTML cache of the run
    style: str = "unicode"  # the run's markdown style (stats.json settings), for dropped pages' text


def read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _manifest(root: Path) -> dict[str, dict]:
    """The last attempt of every paper (a resume's ``skipped`` line does not hide it)."""
    from nougat_align.run.summary import manifest_lines

    last: dict[str, dict] = {}
    for rec in manifest_lines(root):
        if rec["status"] != "skipped" or rec["paper"] not in last:
            last[rec["paper"]] = rec
    return last


def _meta_ok(meta) -> bool:
    """meta.json holds what the report reads: pages with number, offsets and score."""
    if not isinstance(meta, dict) or not isinstance(meta.get("pages"), list):
        return False
    return all(isinstance(pg, dict) and isinstance(pg.get("page"), int) and pg["page"] >= 1
               and isinstance(pg.get("start"), int) and isinstance(pg.get("end"), int)
               and isinstance(pg.get("score"), (int, float)) and isinstance(pg.get("floats", []), list)
               for pg in meta["pages"])


def read_run(src: Path) -> tuple[list[PaperInput], dict]:
    """``(papers, run stats)`` of a run folder or of one paper's folder."""
    src = Path(src)
    if not src.is_dir():
        raise InputError(f"{src}: not a folder")
    single = (src / "meta.json").is_file()
    root = src.parent if single else src
    records = _manifest(root)
    stats = {}
    for path in sorted(root.glob("stats*.json")):
        run = read_json(path)
        stats.setdefault("runs", []).append(run if isinstance(run, dict) else {})
    settings = next((run["settings"] for run in stats.get("runs", []) if isinstance(run.get("settings"), dict)), {})
    cache = settings.get("cache") or str(root / ".cache" / "html")
    style = str(settings.get("style") or "unicode")
    folders = [src] if single else sorted(p for p in src.iterdir()
                                          if p.is_dir() and not p.name.startswith(".")
                                          and (p / "meta.json").is_file())
    papers = []
    for folder in folders:
        meta = read_json(folder / "meta.json")
        rec = records.get(folder.name, {})
        if not _meta_ok(meta):  # listed with the failures, never a traceback
            if single:
                raise InputError(f"{folder}/meta.json: not a nougat-align meta.json")
            papers.append(PaperInput(folder.name, None, None, {**rec, "status": "failed",
                                                               "reason": "unreadable meta.json"}))
            continue
        timings = read_json(folder / "timings.json")
        timings = timings if isinstance(timings, dict) else {}
        seconds = float(rec.get("seconds") or timings.get("total") or 0.0)
        papers.append(PaperInput(folder.name, str(folder), meta, rec, seconds, timings, cache, style))
    if not single:
        have = {p.paper for p in papers}
        papers += [PaperInput(pid, None, None, rec, float(rec.get("seconds") or 0.0), {}, cache)
                   for pid, rec in sorted(records.items()) if pid not in have]
        papers.sort(key=lambda p: p.paper)
    if not papers:
        raise InputError(f"{src}: no paper output here (no */meta.json, no manifest.jsonl)")
    return papers, stats


# ---------------------------------------------------------- what dropped pages need ----


def png_size(path: Path) -> tuple[int, int]:
    """A page image's size; (0, 0) for a file that is not a PNG."""
    return render.png_size(path) or (0, 0)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def find_pdf(p: PaperInput) -> tuple[Optional[Path], str]:
    """The paper's PDF (checked against meta.json's sha256), or why there is none."""
    name = p.record.get("pdf", "")
    if not name:
        return None, (f"no image: the run writes images of kept pages only, and no manifest gives "
                      f"the path of {p.meta.get('pdf') or 'the PDF'}")
    path = Path(name)
    if not path.is_file():
        return None, f"PDF not found at {name} (moved, relative to another folder, or inside an archive)"
    if p.meta.get("pdf_sha256") and _sha256(path) != p.meta["pdf_sha256"]:
        return None, f"{name} is not the PDF that was aligned (sha256 differs)"
    return path, ""


def find_markdown(p: PaperInput):
    """The paper's ``Markdown`` rebuilt from its HTML when it matches meta.json, or why not."""
    from nougat_align.html2md.convert import html_to_markdown
    from nougat_align.source.archive import safe_name

    name = p.record.get("html", "")
    if not name:
        return None, "no text: the run writes markdown of kept pages only, and no manifest names the paper's HTML"
    candidates = [Path(name)]
    if not name.lower().endswith((".html", ".htm", ".xhtml")):  # a LaTeX source: its cached HTML
        candidates = sorted(Path(p.cache).glob(f"{safe_name(Path(name).name, 'source')}-*.html"))
    for path in candidates:
        if not path.is_file():
            continue
        try:
            md = html_to_markdown(path)
        except Exception:  # noqa: BLE001 - a report shows what it can
            continue
        if hashlib.sha256(md.text.encode("utf-8")).hexdigest() == p.meta.get("markdown_sha256"):
            return md, ""
    return None, f"the markdown of {name} is not found or differs from the one aligned"


def page_markdown(md, page: dict) -> str:
    from nougat_align.records import Alignment, PageText

    text = PageText(page=page["page"], start=page["start"], end=page["end"], score=page["score"],
                    floats=tuple(f["id"] for f in page.get("floats", [])),
                    footnotes=tuple(page.get("footnotes", [])),
                    removed=tuple(tuple(r) for r in page.get("removed", [])))
    return Alignment(markdown=md, num_pages=0, pages=()).page_markdown(text)


def restyled(text: str, style: str) -> tuple[str, str]:
    """``text`` in the run's markdown style as its kept pages are, or as converted and why."""
    from nougat_align.export.style import restyle

    try:
        return restyle(text, style), ""
    except InputError as e:
        return text, f" (shown unstyled: {e})"
