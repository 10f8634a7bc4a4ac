"""``nougat-align view``: a static HTML report of a run, opened from disk in any browser.

    build_report(Path("out"), Path("out/report"))   # a run folder, or one paper's folder

What the report folder holds (decided for runs of 10,000 papers):

- ``index.html`` - the overview: papers by status, pages kept and dropped by reason, score
  histograms (``score``; ``precision``/``coverage`` when meta.json pages carry them), the
  slowest papers, time per stage, paper failures with LaTeXML's separately, and a table of
  every paper (paged, sorted and filtered by ``view.js`` from JSON embedded in the page; no
  page image is embedded, so the overview stays small however large the run).
- ``papers/<paper>.html`` - one file per paper: every page's image beside its markdown
  rendered (floats and footnotes marked, float boxes drawn on the image), scores, drop
  reasons; dropped pages greyed.  Kept pages' images are *referenced* by relative path to
  ``OUT/<paper>/NN.png`` (no copy: the report sits beside the run, ``OUT/report`` by
  default), loaded lazily.
- ``papers/<paper>/NN.png`` - images of pages the run did not write (dropped pages, or every
  page of a ``--no-images`` run), rendered from the paper's PDF when the manifest names a PDF
  file whose sha256 matches meta.json; otherwise the page shows a placeholder saying why.
- dropped pages' markdown is not written by the run; it is cut here from the paper's markdown
  at the page's offsets, the markdown being rebuilt from the HTML the manifest names (or the
  LaTeXML cache) and used only when its sha256 matches meta.json's ``markdown_sha256``.
- ``view.css``, ``view.js`` (ours); math is rendered by KaTeX, which ``view.js`` loads from a
  CDN after the page is usable, when the browser is online; otherwise the TeX stays readable as written (``\\(x^2\\)`` in a math font box).
- ``.nougat-align-view.json`` - the list of files this tool wrote.  A non-empty folder
  without it is refused, a file not on it is never overwritten, and only files on it are
  removed when a rebuild no longer needs them.

Output bytes depend only on the run's files (no clock, sorted everything).
"""
from __future__ import annotations

import concurrent.futures
import hashlib
import html
import json
import os
import re
import struct
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterable, Optional
from urllib.parse import quote

from nougat_align import __version__
from nougat_align.errors import InputError
from nougat_align.write import write_bytes_atomic

MARK = ".nougat-align-view.json"
ASSETS = ("view.css", "view.js")
SCORE_FIELDS = ("score", "precision", "coverage")  # histogrammed when pages carry them
PAGE_NUMBERS = ("score", "start_score", "end_score", "precision", "coverage")
LOW_SCORE = 0.95  # the paper pages' "low score" filter starts here
SLOWEST = 15


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


def _read_json(path: Path):
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
        run = _read_json(path)
        stats.setdefault("runs", []).append(run if isinstance(run, dict) else {})
    settings = next((run["settings"] for run in stats.get("runs", []) if isinstance(run.get("settings"), dict)), {})
    cache = settings.get("cache") or str(root / ".cache" / "html")
    style = str(settings.get("style") or "unicode")
    folders = [src] if single else sorted(p for p in src.iterdir()
                                          if p.is_dir() and not p.name.startswith(".")
                                          and (p / "meta.json").is_file())
    papers = []
    for folder in folders:
        meta = _read_json(folder / "meta.json")
        rec = records.get(folder.name, {})
        if not _meta_ok(meta):  # listed with the failures, never a traceback
            if single:
                raise InputError(f"{folder}/meta.json: not a nougat-align meta.json")
            papers.append(PaperInput(folder.name, None, None, {**rec, "status": "failed",
                                                               "reason": "unreadable meta.json"}))
            continue
        timings = _read_json(folder / "timings.json")
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


def _png_size(path: Path) -> tuple[int, int]:
    with path.open("rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return 0, 0
    return struct.unpack(">II", head[16:24])


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _find_pdf(p: PaperInput) -> tuple[Optional[Path], str]:
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


def _find_markdown(p: PaperInput):
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


def _page_markdown(md, page: dict) -> str:
    from nougat_align.records import Alignment, PageText

    text = PageText(page=page["page"], start=page["start"], end=page["end"], score=page["score"],
                    floats=tuple(f["id"] for f in page.get("floats", [])),
                    footnotes=tuple(page.get("footnotes", [])),
                    removed=tuple(tuple(r) for r in page.get("removed", [])))
    return Alignment(markdown=md, num_pages=0, pages=()).page_markdown(text)


def _restyled(text: str, style: str) -> tuple[str, str]:
    """``text`` in the run's markdown style as its kept pages are, or as converted and why."""
    from nougat_align.export.style import restyle

    try:
        return restyle(text, style), ""
    except InputError as e:
        return text, f" (shown unstyled: {e})"


# ------------------------------------------------------------------- one paper ---------


def _esc(text) -> str:
    return html.escape(str(text), quote=True)


def _fmt(x: Optional[float]) -> str:
    """A score or duration: at most 3 decimals, no trailing zeros; a dash when missing."""
    if x is None:
        return "–"
    return f"{x:.3f}".rstrip("0").rstrip(".") or "0"


def paper_files(p: PaperInput, report: Path, prev: str, next_: str) -> dict[str, bytes]:
    """``papers/<paper>.html`` and the page images it needs, as ``{relative path: bytes}``."""
    folder = Path(p.folder)
    pages = p.meta["pages"]
    files: dict[str, bytes] = {}
    here = report.resolve() / "papers"
    missing = [pg for pg in pages if not (folder / f"{pg['page']:02d}.png").is_file()]
    pdf, pdf_problem = _find_pdf(p) if missing else (None, "")
    dropped = [pg for pg in pages if not pg.get("kept")]
    md, md_problem = _find_markdown(p) if dropped else (None, "")
    rendered = {}
    dpi = p.meta.get("dpi") or 96
    if pdf is not None:
        import pymupdf

        from nougat_align.pdf.render import render_pages

        doc = pymupdf.open(pdf)
        try:
            rendered = render_pages(doc, [pg["page"] - 1 for pg in missing if pg["page"] <= len(doc)], dpi)
        finally:
            doc.close()
    sections = []
    for pg in pages:
        n = pg["page"]
        stem = f"{n:02d}"
        png = folder / f"{stem}.png"
        if png.is_file():
            src, size, img_dpi = os.path.relpath(png.resolve(), here), _png_size(png), p.meta.get("dpi") or 96
            note = ""
        elif n - 1 in rendered:
            rel = f"{p.paper}/{stem}.png"
            files[f"papers/{rel}"] = rendered[n - 1]
            src, size, img_dpi = rel, struct.unpack(">II", rendered[n - 1][16:24]), dpi
            note = "image rendered for this report from the PDF (the run writes images of kept pages only)"
        else:
            src, size, img_dpi, note = "", (0, 0), dpi, pdf_problem or "no image"
        mmd_path = folder / f"{stem}.mmd"
        if mmd_path.is_file():
            text, text_note = mmd_path.read_text(encoding="utf-8"), ""
        elif md is not None and not pg.get("kept"):
            text, text_note = _restyled(_page_markdown(md, pg), p.style)
            text_note = (f"not in the dataset: cut for this report from the paper's markdown at "
                         f"characters {pg['start']}–{pg['end']}{text_note}")
        else:
            text, text_note = "", md_problem or "no markdown written for this page"
        sections.append(_page_section(pg, src, size, img_dpi, note, text, text_note))
    files[f"papers/{p.paper}.html"] = _paper_html(p, sections, prev, next_).encode("utf-8")
    return files


def _score_class(score: Optional[float]) -> str:
    if score is None:
        return ""
    return "good" if score >= LOW_SCORE else "fair" if score >= 0.9 else "poor"


def _page_section(pg: dict, src: str, size: tuple[int, int], dpi: int, img_note: str,
                  text: str, text_note: str) -> str:
    n, kept, reason = pg["page"], bool(pg.get("kept")), pg.get("reason", "")
    score = pg.get("score")
    chips = [f'<span class="chip {_score_class(score)}" title="page score">score {_fmt(score)}</span>']
    for key in PAGE_NUMBERS[1:]:
        if isinstance(pg.get(key), (int, float)):
            chips.append(f'<span class="chip minor">{key.replace("_", " ")} {_fmt(pg[key])}</span>')
    unc = pg.get("uncertainty") or []
    if len(unc) == 2 and unc[1] > unc[0]:
        chips.append(f'<span class="chip minor" title="characters in which the page start could lie">'
                     f'start ±{unc[1] - unc[0]} chars</span>')
    status = ('<span class="badge kept">kept</span>' if kept
              else f'<span class="badge dropped">dropped: {_esc(reason or "?")}</span>')
    floats = pg.get("floats", [])
    marks = "".join(f'<span class="chip float">{_esc(f.get("kind", ""))} {_esc(f.get("number", ""))}</span>'
                    for f in floats)
    marks += "".join(f'<span class="chip footnote">footnote {_esc(i)}</span>' for i in pg.get("footnotes", []))
    if src:
        w, h = size
        boxes = []
        for f in floats:
            box = f.get("box_pt")
            if box and w and h:
                x1, y1, x2, y2 = (v * dpi / 72 for v in box)
                boxes.append(f'<div class="box" style="left:{100 * x1 / w:.2f}%;top:{100 * y1 / h:.2f}%;'
                             f'width:{100 * (x2 - x1) / w:.2f}%;height:{100 * (y2 - y1) / h:.2f}%">'
                             f'<span>{_esc(f.get("kind", ""))} {_esc(f.get("number", ""))}</span></div>')
        image = (f'<div class="imgwrap"><img src="{_esc(quote(src))}" width="{w}" height="{h}" '
                 f'loading="lazy" alt="page {n}">{"".join(boxes)}</div>')
    else:
        image = '<div class="noimg">no image</div>'
    if img_note:
        image += f'<p class="note">{_esc(img_note)}</p>'
    body = render_mmd(text) if text.strip() else '<p class="note">(no text on this page)</p>' if text else ""
    if text_note:
        body = f'<p class="note">{_esc(text_note)}</p>' + body
    source = (f'<details class="src"><summary>markdown source</summary><pre>{_esc(text)}</pre></details>'
              if text else "")
    score_attr = "" if score is None else f' data-score="{score}"'
    return (f'<section class="page{"" if kept else " dropped"}" id="p{n:02d}" data-page="{n}" '
            f'data-kept="{int(kept)}" data-reason="{_esc(reason)}"{score_attr}>\n'
            f'<header><a class="pno" href="#p{n:02d}">page {n}</a> {status} {"".join(chips)} {marks}</header>\n'
            f'<div class="cols"><div class="pageimg">{image}</div><div class="md">{body}{source}</div></div>\n'
            f'</section>\n')


def _head(title: str, css: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="generator" content="nougat-align {__version__}">\n'
            f'<title>{_esc(title)}</title>\n<link rel="stylesheet" href="{css}view.css">\n</head>\n')


def _paper_html(p: PaperInput, sections: list[str], prev: str, next_: str) -> str:
    meta = p.meta
    pages = meta["pages"]
    reasons = sorted({pg.get("reason", "") for pg in pages if not pg.get("kept")} - {""})
    options = "".join(f'<option value="{_esc(r)}">{_esc(r)}</option>' for r in reasons)
    nav = ['<a href="../index.html">overview</a>']
    nav.append(f'<a id="prev-paper" href="{_esc(quote(prev))}.html">← {_esc(prev)}</a>' if prev else "")
    nav.append(f'<a id="next-paper" href="{_esc(quote(next_))}.html">{_esc(next_)} →</a>' if next_ else "")
    warnings = "".join(f"<li>{_esc(w)}</li>" for w in meta.get("warnings", []))
    kept = sum(1 for pg in pages if pg.get("kept"))
    return (_head(f"{p.paper} — nougat-align", "../")
            + f'<body class="paper" data-paper="{_esc(p.paper)}">\n<nav class="top">{" ".join(x for x in nav if x)}'
            f'<span class="keys">keys: j/k next/previous page · [ ] papers · d dropped only</span></nav>\n'
            f'<h1>{_esc(p.paper)} <span class="badge {_esc(meta.get("status", ""))}">{_esc(meta.get("status", ""))}</span></h1>\n'
            f'<p class="sub">{kept} of {len(pages)} pages kept · PDF {_esc(meta.get("pdf") or "?")} · '
            f'{_fmt(p.seconds)} s · nougat-align {_esc(meta.get("version", ""))}</p>\n'
            + (f'<details class="warnings"><summary>{len(meta.get("warnings", []))} warnings</summary>'
               f'<ul>{warnings}</ul></details>\n' if warnings else "")
            + '<form class="filters" id="filters">show '
            '<label><input type="radio" name="show" value="all" checked> all pages</label> '
            '<label><input type="radio" name="show" value="dropped"> dropped only</label> '
            f'<label><input type="radio" name="show" value="low"> score below '
            f'<input type="number" id="low" step="0.01" min="0" max="1" value="{LOW_SCORE}"></label> '
            f'<label>reason <select id="reason"><option value="">any</option>{options}</select></label> '
            '<span id="shown"></span></form>\n'
            f'<main id="pages">\n{"".join(sections)}</main>\n'
            '<script src="../view.js"></script>\n</body>\n</html>\n')


# ---------------------------------------------------------------- markdown -> HTML -----

_FENCE = re.compile(r"^\s*```")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$", re.S)
_ITEM = re.compile(r"^(\s*)([*+-]|\d+\.)\s+(.*)$")
_CAPTION = re.compile(r"^(Figure|Fig\.|Table|Algorithm|Listing)\s*[\w.\-]*\s*:", re.I)
_FOOTNOTE = re.compile(r"^Footnote\s*\S*:")
_MATH = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)
_RULES = re.compile(r"\\(?:hline|toprule|midrule|bottomrule|cline\{[^}]*\}|cmidrule(?:\([^)]*\))?\{[^}]*\})")
_MULTICOL = re.compile(r"^\\multicolumn\{(\d+)\}\{[^}]*\}\{(.*)\}$", re.S)
_MULTIROW = re.compile(r"^\\multirow\{[^}]*\}(?:\[[^]]*\])?\{[^}]*\}\{(.*)\}$", re.S)  # the rows below are empty


def _blocks(text: str) -> Iterable[str]:
    """Blank-line separated blocks; code fences, table environments and display math whole."""
    block: list[str] = []
    end: Optional[re.Pattern] = None
    for line in text.split("\n"):
        if end is not None:
            block.append(line)
            if end.search(line):
                yield "\n".join(block)
                block, end = [], None
            continue
        if not line.strip():
            if block:
                yield "\n".join(block)
                block = []
            continue
        if not block:
            if _FENCE.match(line):
                end = re.compile(r"^\s*```\s*$")
            elif (m := re.match(r"\\begin\{(table|tabular)\}", line)) and f"\\end{{{m[1]}}}" not in line:
                end = re.compile(rf"\\end\{{{m[1]}\}}")
            elif line.startswith("\\[") and not line.rstrip().endswith("\\]"):
                end = re.compile(r"\\\]\s*$")
            if end is not None:
                block = [line]
                continue
        block.append(line)
    if block:
        yield "\n".join(block)


def _emph(text: str) -> str:
    out = _esc(text)
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    return re.sub(r"(?<![\w\\])_(.+?)_(?!\w)", r"<em>\1</em>", out)


def _inline(text: str) -> str:
    """Emphasis and math of one block; math is set aside first (``_`` is TeX's there)."""
    maths: list[str] = []

    def hold(m: re.Match) -> str:
        kind = "inline" if m.group(1) is not None else "display"
        maths.append(f'<span class="math {kind}">{_esc(m.group(0))}</span>')
        return f"\x00{len(maths) - 1}\x00"

    out = _emph(_MATH.sub(hold, text))
    return re.sub("\x00(\\d+)\x00", lambda m: maths[int(m.group(1))], out)


def _tabular(block: str) -> str:
    m = re.search(r"\\begin\{tabular\}\{(?:[^{}]|\{[^{}]*\})*\}(.*?)\\end\{tabular\}", block, re.S)
    if not m:
        return f'<pre class="tex">{_esc(block)}</pre>'
    rows = []
    for row in re.split(r"\\\\", _RULES.sub("", m.group(1))):
        if not row.strip():
            continue
        cells = []
        for cell in re.split(r"(?<!\\)&", row):
            cell = cell.strip()
            mc = _MULTICOL.match(cell)
            span = f' colspan="{mc.group(1)}"' if mc else ""
            cell = mc.group(2).strip() if mc else cell
            mr = _MULTIROW.match(cell)
            cells.append(f"<td{span}>{_inline(mr.group(1) if mr else cell)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f'<table class="tabular">{"".join(rows)}</table>'


def _list(block: str) -> str:
    out, stack = [], []  # stack of (indent, tag)
    for line in block.split("\n"):
        m = _ITEM.match(line)
        if not m:  # a continuation line of the current item
            out.append(" " + _inline(line.strip()))
            continue
        indent, tag = len(m.group(1)), "ol" if m.group(2)[0].isdigit() else "ul"
        while stack and stack[-1][0] > indent:
            out.append(f"</li></{stack.pop()[1]}>")
        if stack and stack[-1][0] == indent:
            out.append("</li>")
        else:
            out.append(f"<{tag}>")
            stack.append((indent, tag))
        marker = f'<span class="marker">{_esc(m.group(2))}</span> ' if tag == "ol" else ""
        out.append(f"<li>{marker}{_inline(m.group(3))}")
    while stack:
        out.append(f"</li></{stack.pop()[1]}>")
    return "".join(out)


def render_mmd(text: str) -> str:
    """Nougat-style markdown as HTML: math left as TeX in ``span.math`` (KaTeX or readable),
    tables as HTML tables, float captions and footnotes marked with a class."""
    out = []
    for block in _blocks(text):
        first = block.lstrip()
        if _FENCE.match(first):
            code = re.sub(r"^\s*```[^\n]*\n?|\n?\s*```\s*$", "", block)
            out.append(f'<pre class="code">{_esc(code)}</pre>')
        elif first.startswith(("\\begin{table}", "\\begin{tabular}")):
            out.append(f'<div class="float" data-tag="table">{_tabular(block)}</div>')
        elif first.startswith("\\[") and first.rstrip().endswith("\\]") and _MATH.fullmatch(first.strip()):
            out.append(f'<div class="math display">{_esc(first.strip())}</div>')
        elif (m := _HEADING.match(first)):
            level = min(len(m.group(1)) + 1, 6)
            out.append(f"<h{level}>{_inline(m.group(2))}</h{level}>")
        elif _ITEM.match(block.split("\n")[0]) and all(_ITEM.match(line) or line.startswith("  ")
                                                       for line in block.split("\n")):
            out.append(_list(block))
        elif _FOOTNOTE.match(first):
            out.append(f'<p class="footnote" data-tag="footnote">{_inline(block)}</p>')
        elif (m := _CAPTION.match(first)):
            tag = "figure" if m[1].lower().startswith("fig") else m[1].lower()
            out.append(f'<p class="float caption" data-tag="{tag}">{_inline(block)}</p>')
        else:
            out.append(f"<p>{_inline(block)}</p>")
    return "\n".join(out)


# ------------------------------------------------------------------- SVG charts --------


def bar_chart(rows: list[tuple[str, float, str]], unit: str = "", link: Optional[list[str]] = None,
              width: int = 460) -> str:
    """Horizontal bars: ``(label, value, css class)``; an inline SVG."""
    if not rows:
        return '<p class="note">nothing to show</p>'
    top = max(v for _, v, _ in rows) or 1
    label_w, bar_w, h = 170, width - 170 - 70, 22
    parts = [f'<svg class="chart" viewBox="0 0 {width} {h * len(rows) + 4}" width="{width}" '
             f'height="{h * len(rows) + 4}" role="img">']
    for i, (label, value, cls) in enumerate(rows):
        y = i * h + 2
        w = max(1.0, bar_w * value / top) if value else 0
        text = label if len(label) <= 26 else label[:25] + "…"
        name = f'<text x="{label_w - 6}" y="{y + 15}" class="lbl">{_esc(text)}</text>'
        if link and link[i]:
            name = f'<a href="{_esc(link[i])}">{name}</a>'
        shown = f"{value:g}" if isinstance(value, int) or float(value).is_integer() else f"{value:.2f}"
        parts.append(f'<g><title>{_esc(label)}: {shown}{unit}</title>{name}'
                     f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{h - 6}" class="{cls}"/>'
                     f'<text x="{label_w + w + 4:.1f}" y="{y + 15}" class="val">{shown}{unit}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def histogram(kept: list[float], dropped: list[float], bins: int = 20, width: int = 460,
              height: int = 180) -> str:
    """Counts of values in [lo, 1], kept and dropped stacked; an inline SVG.  ``lo`` is 0, or
    0.5 / 0.8 when every value is above it (scores crowd near 1; the axis says where it starts)."""
    values = kept + dropped
    lo = next((b for b in (0.8, 0.5) if values and min(values) >= b), 0.0)
    counts = [[0, 0] for _ in range(bins)]
    for j, group in enumerate((kept, dropped)):
        for v in group:
            counts[min(bins - 1, max(0, int((v - lo) / (1 - lo) * bins)))][j] += 1
    top = max((a + b for a, b in counts), default=0) or 1
    left, bottom, plot_h = 36, 22, height - 42
    bw = (width - left - 6) / bins
    base = height - bottom
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">',
             f'<text x="{left - 4}" y="14" class="val end">{top}</text>'
             f'<text x="{left - 4}" y="{base + 4}" class="val end">0</text>']
    for i, (k, d) in enumerate(counts):
        x = left + i * bw
        hk, hd = plot_h * k / top, plot_h * d / top
        a, b = lo + i * (1 - lo) / bins, lo + (i + 1) * (1 - lo) / bins
        parts.append(f'<g><title>{a:.3f}–{b:.3f}: {k} kept, {d} dropped</title>'
                     f'<rect x="{x + 1:.1f}" y="{base - hk:.1f}" width="{bw - 2:.1f}" height="{hk:.1f}" class="kept"/>'
                     f'<rect x="{x + 1:.1f}" y="{base - hk - hd:.1f}" width="{bw - 2:.1f}" height="{hd:.1f}" class="dropped"/>'
                     + (f'<text x="{x + bw / 2:.1f}" y="{base - hk - hd - 3:.1f}" class="val mid small">{k + d}</text>'
                        if k + d else "") + '</g>')
    for t in range(5):
        parts.append(f'<text x="{left + t * bins * bw / 4:.1f}" y="{height - 6}" class="val mid">'
                     f'{lo + t * (1 - lo) / 4:g}</text>')
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - 6}" y2="{base}" class="axis"/>')
    parts.append("</svg>")
    return "".join(parts)


# -------------------------------------------------------------------- overview ---------


def _paper_row(p: PaperInput) -> dict:
    """One paper's line in the overview table (JSON for view.js)."""
    if p.meta is None:
        return {"id": p.paper, "status": p.record.get("status", "?"), "pages": p.record.get("pages", 0),
                "kept": p.record.get("kept", 0), "drops": {}, "min": None, "mean": None,
                "seconds": p.seconds, "reason": p.record.get("reason", ""),
                "error": p.record.get("error", ""), "link": False}
    pages = p.meta["pages"]
    scores = [pg["score"] for pg in pages]
    drops = Counter(pg.get("reason") or "?" for pg in pages if not pg.get("kept"))
    return {"id": p.paper, "status": p.meta.get("status", "?"), "pages": len(pages),
            "kept": len(pages) - sum(drops.values()), "drops": dict(sorted(drops.items())),
            "min": round(min(scores), 4) if scores else None,
            "mean": round(sum(scores) / len(scores), 4) if scores else None,
            "seconds": round(p.seconds, 3), "reason": "", "error": "", "link": True}


def _ranked(counts: Counter, cls: str = "") -> list[tuple[str, float, str]]:
    """Bar chart rows, largest first (ties by name); ``cls`` defaults to the name itself."""
    return [(k, v, cls or k) for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def overview_html(papers: list[PaperInput], stats: dict, title: str) -> str:
    from nougat_align.source.latexml import REASONS as LATEXML_REASONS

    rows = [_paper_row(p) for p in papers]
    status = Counter(r["status"] for r in rows)
    total = sum(r["pages"] for r in rows if r["link"])
    kept = sum(r["kept"] for r in rows if r["link"])
    drops: Counter = Counter()
    for r in rows:
        drops.update(r["drops"])
    outcome = [("kept", kept, "kept")] + [(f"dropped: {k}", v, c) for k, v, c in _ranked(drops, "dropped")]
    hists = []
    for key in SCORE_FIELDS:
        k_vals, d_vals = [], []
        for p in papers:
            for pg in (p.meta or {}).get("pages", []):
                if isinstance(pg.get(key), (int, float)):
                    (k_vals if pg.get("kept") else d_vals).append(float(pg[key]))
        if k_vals or d_vals:
            hists.append(f'<div class="card"><h3>Page {key} ({len(k_vals) + len(d_vals)} pages)</h3>'
                         f'{histogram(k_vals, d_vals)}<p class="legend"><i class="kept"></i>kept '
                         f'<i class="dropped"></i>dropped</p></div>')
    slow = sorted((r for r in rows if r["seconds"]), key=lambda r: (-r["seconds"], r["id"]))[:SLOWEST]
    stages: Counter = Counter()
    for p in papers:
        stages.update({k: v for k, v in p.timings.items() if k != "total" and isinstance(v, (int, float))})
    failed = [r for r in rows if not r["link"]]
    failures = Counter(r["reason"] or r["status"] for r in failed)
    latexml = Counter({k: v for k, v in failures.items() if k in LATEXML_REASONS})
    other = failures - latexml
    runs = stats.get("runs", [])
    run_line = "; ".join(f"run {_esc(s.get('run', '?'))}: {s.get('seconds', 0)} s wall, {_esc(s.get('executor', ''))} "
                         f"×{s.get('workers', '?')}" for s in runs)
    kpis = [("papers", len(rows)), ("with pages", sum(r["link"] for r in rows)),
            ("pages kept", f"{kept} / {total}"), ("kept", f"{100 * kept / total:.1f}%" if total else "–"),
            ("failed papers", len(failed))]
    cards = [
        f'<div class="card"><h3>Pages by outcome</h3>{bar_chart(outcome)}</div>',
        *hists,
        f'<div class="card"><h3>Papers by status</h3>'
        f'{bar_chart(_ranked(status))}</div>',
        f'<div class="card"><h3>Slowest papers (seconds)</h3>'
        f'{bar_chart([(r["id"], r["seconds"], "slow") for r in slow], " s", [("papers/" + quote(r["id"]) + ".html") if r["link"] else "" for r in slow])}</div>',
        f'<div class="card"><h3>Time by stage (seconds, all papers)</h3>'
        f'{bar_chart([(k, round(v, 2), c) for k, v, c in _ranked(stages, "slow")], " s")}</div>',
        f'<div class="card"><h3>LaTeXML failures ({sum(latexml.values())} papers)</h3>{bar_chart(_ranked(latexml, "failed"))}</div>',
        f'<div class="card"><h3>Other paper failures ({sum(other.values())} papers)</h3>{bar_chart(_ranked(other, "failed"))}</div>',
    ]
    data = json.dumps(rows, ensure_ascii=False, sort_keys=True, separators=(",", ":")).replace("</", "<\\/")
    reasons = "".join(f'<option value="{_esc(k)}">{_esc(k)} ({v} pages)</option>' for k, v in sorted(drops.items()))
    statuses = "".join(f'<option value="{_esc(k)}">{_esc(k)} ({v})</option>' for k, v in sorted(status.items()))
    return (_head(f"{title} — nougat-align report", "")
            + '<body class="overview">\n'
            f'<h1>{_esc(title)}</h1>\n<p class="sub">nougat-align {__version__} report'
            + (f" · {run_line}" if run_line else "") + '</p>\n'
            '<div class="kpis">' + "".join(f'<div class="kpi"><b>{_esc(v)}</b><span>{_esc(k)}</span></div>'
                                           for k, v in kpis) + '</div>\n'
            f'<div class="grid">{"".join(cards)}</div>\n'
            '<h2 id="papers-title">Papers</h2>\n<form class="filters" id="paper-filters">'
            '<input type="search" id="q" placeholder="paper id or failure…"> '
            f'<label>status <select id="status"><option value="">any</option>{statuses}</select></label> '
            f'<label>dropped page reason <select id="reason"><option value="">any</option>{reasons}</select></label> '
            '<label><input type="checkbox" id="has-drops"> with dropped pages</label> '
            f'<label>min score below <input type="number" id="below" step="0.01" min="0" max="1" placeholder="{LOW_SCORE}"></label> '
            '<span id="count"></span></form>\n'
            '<table class="papers" id="papers"><thead><tr>'
            '<th data-key="id">paper</th><th data-key="status">status</th><th data-key="pages" class="num">pages</th>'
            '<th data-key="kept" class="num">kept</th><th data-key="dropped">dropped pages (reason) · failure</th>'
            '<th data-key="min" class="num">min score</th><th data-key="mean" class="num">mean score</th>'
            '<th data-key="seconds" class="num">seconds</th></tr></thead><tbody></tbody></table>\n'
            '<div class="pager" id="pager"></div>\n'
            f'<script type="application/json" id="papers-data">{data}</script>\n'
            '<script src="view.js"></script>\n</body>\n</html>\n')


# ------------------------------------------------------------------ writing ------------


@dataclass(frozen=True)
class ViewResult:
    out: Path
    papers: int
    pages: int
    rendered: int  # page images rendered from PDFs for this report
    files: int

    def summary(self) -> str:
        return (f"{self.out}/index.html: {self.papers} papers, {self.pages} pages"
                f" ({self.rendered} page images rendered from PDFs), {self.files} files")


def default_output(src: Path) -> Path:
    """``OUT/report`` for a run; ``<paper>.report`` beside one paper's folder."""
    src = Path(src)
    return src.parent / f"{src.name}.report" if (src / "meta.json").is_file() else src / "report"


def _previous_files(out: Path) -> set[str]:
    """Files a previous report wrote into ``out``; refuses a folder that is not a report."""
    if not out.exists():
        return set()
    if not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder")
    mark = out / MARK
    if not mark.is_file():
        if any(out.iterdir()):
            raise InputError(f"{out}: not empty and not a nougat-align report; give an empty or new folder")
        return set()
    data = _read_json(mark)
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise InputError(f"{out}/{MARK}: unreadable; remove the folder or give another one")
    # only plain relative names: an edited list can never point the cleanup outside the report
    return {str(f) for f in data["files"] if isinstance(f, str) and f and not Path(f).is_absolute()
            and ".." not in Path(f).parts}


def _planned(papers: list[PaperInput]) -> set[str]:
    """Every file the report may write (a superset: page images only if a PDF is found)."""
    names = {"index.html", *ASSETS}
    for p in papers:
        if p.folder:
            names.add(f"papers/{p.paper}.html")
            names.update(f"papers/{p.paper}/{pg['page']:02d}.png" for pg in p.meta["pages"]
                         if not (Path(p.folder) / f"{pg['page']:02d}.png").is_file())
    return names


def _write_mark(out: Path, files: Iterable[str]) -> None:
    write_bytes_atomic(out / MARK, (json.dumps({"tool": "nougat-align view", "files": sorted(files)},
                                               indent=0) + "\n").encode("utf-8"))


def _paper_job(args) -> dict[str, bytes]:
    return paper_files(*args)


def build_report(src: Path, out: Optional[Path] = None, workers: int = 1) -> ViewResult:
    """Write the report of the run (or paper folder) ``src`` into ``out``."""
    papers, stats = read_run(Path(src))
    out = Path(out) if out is not None else default_output(Path(src))
    previous = _previous_files(out)
    planned = _planned(papers)
    foreign = sorted(f for f in planned if f not in previous and (out / f).exists())
    if foreign:
        raise InputError(f"{out}: would overwrite {foreign[0]}, which nougat-align view did not write")
    out.mkdir(parents=True, exist_ok=True)
    _write_mark(out, previous | planned)  # a crash halfway leaves every file accounted for
    written: set[str] = set()

    def put(name: str, data: bytes) -> None:
        if name not in planned:  # never happens: a bug, not a user error
            raise RuntimeError(f"unplanned report file {name}")
        write_bytes_atomic(out / name, data)
        written.add(name)

    assets = resources.files("nougat_align.report") / "assets"
    for name in ASSETS:
        put(name, (assets / name).read_bytes())
    with_pages = [p for p in papers if p.folder]
    ids = [p.paper for p in with_pages]
    jobs = [(p, out, ids[i - 1] if i else "", ids[i + 1] if i + 1 < len(ids) else "")
            for i, p in enumerate(with_pages)]
    rendered = 0
    if workers > 1 and len(jobs) > 1:
        pool = concurrent.futures.ProcessPoolExecutor(workers)
        results = pool.map(_paper_job, jobs, chunksize=4)
    else:
        pool, results = None, map(_paper_job, jobs)
    try:
        for files in results:
            for name, data in sorted(files.items()):
                put(name, data)
                rendered += name.endswith(".png")
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    title = (Path(src).resolve().name or str(src))
    put("index.html", overview_html(papers, stats, title).encode("utf-8"))
    for name in sorted(previous - written):  # ours, no longer part of the report
        (out / name).unlink(missing_ok=True)
        parent = (out / name).parent
        if parent != out and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
    _write_mark(out, written)
    return ViewResult(out=out, papers=len(papers), pages=sum(len(p.meta["pages"]) for p in with_pages),
                      rendered=rendered, files=len(written))
