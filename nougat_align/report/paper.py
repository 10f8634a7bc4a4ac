"""One paper's page of the report, ``papers/<paper>.html``: every page's image beside its
markdown rendered, with scores and drop reasons; images of pages the run did not write are
rendered here from the PDF."""
from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import Optional
from urllib.parse import quote

from nougat_align import __version__
from nougat_align.report.layout import layout_legend, layout_svg, read_layout
from nougat_align.report.markdown import esc, render_mmd
from nougat_align.report.runs import PaperInput, find_markdown, find_pdf, page_markdown, png_size, restyled

PAGE_NUMBERS = ("score", "start_score", "end_score", "precision", "coverage")
LOW_SCORE = 0.95  # the paper pages' "low score" filter starts here


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
    pdf, pdf_problem = find_pdf(p) if missing else (None, "")
    dropped = [pg for pg in pages if not pg.get("kept")]
    md, md_problem = find_markdown(p) if dropped else (None, "")
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
    layout = read_layout(folder)
    sections = []
    for pg in pages:
        n = pg["page"]
        stem = f"{n:02d}"
        png = folder / f"{stem}.png"
        if png.is_file():
            src, size, img_dpi = os.path.relpath(png.resolve(), here), png_size(png), p.meta.get("dpi") or 96
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
            text, text_note = restyled(page_markdown(md, pg), p.style)
            text_note = (f"not in the dataset: cut for this report from the paper's markdown at "
                         f"characters {pg['start']}–{pg['end']}{text_note}")
        else:
            text, text_note = "", md_problem or "no markdown written for this page"
        sections.append(_page_section(pg, src, size, img_dpi, note, text, text_note, layout.get(n)))
    files[f"papers/{p.paper}.html"] = _paper_html(p, sections, prev, next_, bool(layout)).encode("utf-8")
    return files


def _score_class(score: Optional[float]) -> str:
    if score is None:
        return ""
    return "good" if score >= LOW_SCORE else "fair" if score >= 0.9 else "poor"


def _page_section(pg: dict, src: str, size: tuple[int, int], dpi: int, img_note: str,
                  text: str, text_note: str, layout: Optional[dict] = None) -> str:
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
              else f'<span class="badge dropped">dropped: {esc(reason or "?")}</span>')
    floats = pg.get("floats", [])
    marks = "".join(f'<span class="chip float">{esc(f.get("kind", ""))} {esc(f.get("number", ""))}</span>'
                    for f in floats)
    marks += "".join(f'<span class="chip footnote">footnote {esc(i)}</span>' for i in pg.get("footnotes", []))
    if src:
        w, h = size
        boxes = []
        for f in floats:
            box = f.get("box_pt")
            if box and w and h:
                x1, y1, x2, y2 = (v * dpi / 72 for v in box)
                boxes.append(f'<div class="box" style="left:{100 * x1 / w:.2f}%;top:{100 * y1 / h:.2f}%;'
                             f'width:{100 * (x2 - x1) / w:.2f}%;height:{100 * (y2 - y1) / h:.2f}%">'
                             f'<span>{esc(f.get("kind", ""))} {esc(f.get("number", ""))}</span></div>')
        image = (f'<div class="imgwrap"><img src="{esc(quote(src))}" width="{w}" height="{h}" '
                 f'loading="lazy" alt="page {n}">{layout_svg(layout) if layout else ""}{"".join(boxes)}</div>')
    else:
        image = '<div class="noimg">no image</div>'
    if img_note:
        image += f'<p class="note">{esc(img_note)}</p>'
    body = render_mmd(text) if text.strip() else '<p class="note">(no text on this page)</p>' if text else ""
    if text_note:
        body = f'<p class="note">{esc(text_note)}</p>' + body
    source = (f'<details class="src"><summary>markdown source</summary><pre>{esc(text)}</pre></details>'
              if text else "")
    score_attr = "" if score is None else f' data-score="{score}"'
    return (f'<section class="page{"" if kept else " dropped"}" id="p{n:02d}" data-page="{n}" '
            f'data-kept="{int(kept)}" data-reason="{esc(reason)}"{score_attr}>\n'
            f'<header><a class="pno" href="#p{n:02d}">page {n}</a> {status} {"".join(chips)} {marks}</header>\n'
            f'<div class="cols"><div class="pageimg">{image}</div><div class="md">{body}{source}</div></div>\n'
            f'</section>\n')


def head(title: str, css: str) -> str:
    """A report page's doctype and ``<head>``; ``css`` is the way from the page to view.css's folder."""
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="generator" content="nougat-align {__version__}">\n'
            f'<title>{esc(title)}</title>\n<link rel="stylesheet" href="{css}view.css">\n</head>\n')


def _paper_html(p: PaperInput, sections: list[str], prev: str, next_: str, layout: bool = False) -> str:
    meta = p.meta
    pages = meta["pages"]
    reasons = sorted({pg.get("reason", "") for pg in pages if not pg.get("kept")} - {""})
    options = "".join(f'<option value="{esc(r)}">{esc(r)}</option>' for r in reasons)
    nav = ['<a href="../index.html">overview</a>']
    nav.append(f'<a id="prev-paper" href="{esc(quote(prev))}.html">← {esc(prev)}</a>' if prev else "")
    nav.append(f'<a id="next-paper" href="{esc(quote(next_))}.html">{esc(next_)} →</a>' if next_ else "")
    warnings = "".join(f"<li>{esc(w)}</li>" for w in meta.get("warnings", []))
    kept = sum(1 for pg in pages if pg.get("kept"))
    return (head(f"{p.paper} — nougat-align", "../")
            + f'<body class="paper" data-paper="{esc(p.paper)}">\n<nav class="top">{" ".join(x for x in nav if x)}'
            f'<span class="keys">keys: j/k next/previous page · [ ] papers · d dropped only</span></nav>\n'
            f'<h1>{esc(p.paper)} <span class="badge {esc(meta.get("status", ""))}">{esc(meta.get("status", ""))}</span></h1>\n'
            f'<p class="sub">{kept} of {len(pages)} pages kept · PDF {esc(meta.get("pdf") or "?")} · '
            f'{_fmt(p.seconds)} s · nougat-align {esc(meta.get("version", ""))}</p>\n'
            + (f'<details class="warnings"><summary>{len(meta.get("warnings", []))} warnings</summary>'
               f'<ul>{warnings}</ul></details>\n' if warnings else "")
            + '<form class="filters" id="filters">show '
            '<label><input type="radio" name="show" value="all" checked> all pages</label> '
            '<label><input type="radio" name="show" value="dropped"> dropped only</label> '
            f'<label><input type="radio" name="show" value="low"> score below '
            f'<input type="number" id="low" step="0.01" min="0" max="1" value="{LOW_SCORE}"></label> '
            f'<label>reason <select id="reason"><option value="">any</option>{options}</select></label> '
            '<span id="shown"></span></form>\n'
            + (layout_legend() if layout else "")
            + f'<main id="pages">\n{"".join(sections)}</main>\n'
            '<script src="../view.js"></script>\n</body>\n</html>\n')
