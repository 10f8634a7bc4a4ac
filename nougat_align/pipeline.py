"""One paper end to end: HTML (or markdown) + PDF -> ``OUT/NN.mmd``, ``NN.png``, ``meta.json``,
``layout.json``.

``process_paper`` is the per-paper function the CLI (``split``) and the batch runner
(``run``) both call.  The output folder is written atomically (built in a temp dir, then
renamed), so it is either complete or absent.  ``meta.json`` depends only on the inputs
(byte-identical across runs); wall-clock stage timings go to ``timings.json``.
"""
from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Optional, Union

from nougat_align import __version__
from nougat_align.html2md.convert import html_to_markdown
from nougat_align.layout.page import paper_layout
from nougat_align.pdf.text import open_pdf
from nougat_align.records import Alignment, Markdown, PageMeta, PaperMeta, PaperResult, PlacedFloat
from nougat_align.pdf.render import DEFAULT_DPI, render_pages
from nougat_align.split.align import DEFAULT_MIN_SCORE, FiguresArg, PdfReading, align_document
from nougat_align.export.style import DEFAULT_STYLE, check_style, restyle
from nougat_align.write import atomic_dir


def load_markdown(html: Optional[Path] = None, md: Optional[Path] = None) -> Markdown:
    if html is not None:
        return html_to_markdown(Path(html))
    if md is None:
        raise ValueError("need html or md")
    from nougat_align.errors import InputError

    try:
        return Markdown(text=Path(md).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{md}: no such file") from None
    except UnicodeDecodeError:
        raise InputError(f"{md}: not UTF-8 text") from None


def process_paper(markdown: Union[Markdown, Path], pdf: Path, out_dir: Path, *,
                  figures: FiguresArg = "detect", min_score: float = DEFAULT_MIN_SCORE,
                  dpi: int = DEFAULT_DPI, images: bool = True,
                  paper_id: Optional[str] = None, style: str = DEFAULT_STYLE,
                  bibliography_source: str = "") -> PaperResult:
    """Align one paper and write its pages (markdown in ``style``, see :mod:`nougat_align.export.style`).
    ``markdown`` is a ``Markdown`` or an HTML path.  ``bibliography_source`` (of a source
    LaTeXML converted) is recorded in ``meta.json``."""
    check_style(style)
    t0 = time.perf_counter()
    html_timing = 0.0
    if not isinstance(markdown, Markdown):
        markdown = html_to_markdown(Path(markdown))
        html_timing = time.perf_counter() - t0
    out_dir = Path(out_dir)
    paper_id = paper_id or out_dir.name
    doc = open_pdf(pdf)
    try:
        kept_text = PdfReading()
        alignment = align_document(markdown, doc, figures, min_score, keep=kept_text)
        t_layout = time.perf_counter()
        layout, layout_pages = paper_layout(alignment, kept_text)
        del kept_text
        layout_s = time.perf_counter() - t_layout
        t_render = time.perf_counter()
        kept = [p.page - 1 for p in alignment.pages if p.kept]
        pngs = render_pages(doc, kept, dpi) if images else {}
        render_s = time.perf_counter() - t_render
    finally:
        doc.close()
    records = alignment.float_records
    boxes = {(r.fig_type.lower(), r.name.upper()): r for r in records}
    timings = {"html2md": round(html_timing, 5), **alignment.timings, "layout": round(layout_s, 5),
               "render": round(render_s, 5)}
    reasons_layout = {n: r.reason for n, r in layout_pages.items()}
    with atomic_dir(out_dir) as tmp:
        for p in alignment.pages:
            if not p.kept:
                continue
            (tmp / f"{p.page:02d}.mmd").write_text(restyle(alignment.page_markdown(p), style), encoding="utf-8")
            if images:
                (tmp / f"{p.page:02d}.png").write_bytes(pngs[p.page - 1])
        (tmp / "layout.json").write_text(layout.to_json(), encoding="utf-8")
        meta = build_meta(alignment, paper_id, pdf, dpi if images else None, boxes, bibliography_source,
                          reasons_layout)
        (tmp / "meta.json").write_text(meta.to_json(), encoding="utf-8")
        timings["write"] = round(time.perf_counter() - t0 - sum(timings.values()), 5)
        timings["total"] = round(time.perf_counter() - t0, 5)
        (tmp / "timings.json").write_text(json.dumps(timings, indent=1) + "\n", encoding="utf-8")
    reasons: dict[str, int] = {}
    for p in alignment.pages:
        if not p.kept:
            reasons[p.reason] = reasons.get(p.reason, 0) + 1
    return PaperResult(paper=paper_id, status=alignment.status, pages=alignment.num_pages,
                       kept=sum(p.kept for p in alignment.pages), drops=reasons,
                       relabeled=sum(p.relabeled for p in alignment.pages if p.kept),
                       warnings=tuple(markdown.warnings) + alignment.warnings, timings=timings,
                       bibliography_source=bibliography_source)


def build_meta(alignment: Alignment, paper_id: str, pdf: Path, dpi: Optional[int], boxes: dict,
               bibliography_source: str = "", layout: Optional[dict] = None) -> PaperMeta:
    """The paper's ``meta.json`` record; ``boxes`` maps (kind, NUMBER) to the float's
    ``FloatRecord``, ``layout`` page numbers to their layout reason ("ok" or why none)."""
    layout = layout or {}
    md = alignment.markdown
    floats = {f.id: f for f in md.floats}
    pages = []
    for p in alignment.pages:
        placed = []
        for fid in p.floats:
            f = floats[fid]
            box_pt = box_px = None
            rec = boxes.get((f.kind, f.number.upper()))
            if rec is not None and rec.page == p.page - 1 and rec.region_boundary is not None:
                b = rec.region_boundary
                box_pt = tuple(round(v, 2) for v in (b.x1, b.y1, b.x2, b.y2))
                if dpi:
                    box_px = tuple(round(v * dpi / 72) for v in box_pt)
            placed.append(PlacedFloat(id=fid, kind=f.kind, number=f.number, box_pt=box_pt, box_px=box_px))
        pages.append(PageMeta(page=p.page, kept=p.kept, reason=p.reason, score=p.score,
                              start_score=p.start_score, end_score=p.end_score, precision=p.precision,
                              coverage=p.coverage, removed=p.removed, start=p.start, end=p.end,
                              uncertainty=p.uncertainty, floats=tuple(placed), footnotes=p.footnotes,
                              relabeled=p.relabeled, labels_unverified=p.labels_unverified,
                              relabels=p.relabels, layout=layout.get(p.page, "")))
    return PaperMeta(
        paper_id=paper_id,
        tool="nougat-align",
        version=__version__,
        pdf=Path(pdf).name,
        pdf_sha256=hashlib.sha256(Path(pdf).read_bytes()).hexdigest() if Path(pdf).exists() else None,
        markdown_sha256=hashlib.sha256(md.text.encode("utf-8")).hexdigest(),
        num_pages=alignment.num_pages,
        kept=sum(p.kept for p in alignment.pages),
        status=alignment.status,
        dpi=dpi,
        warnings=tuple(md.warnings) + tuple(alignment.warnings),
        pages=tuple(pages),
        bibliography_source=bibliography_source,
    )
