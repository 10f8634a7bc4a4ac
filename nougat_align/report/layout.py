"""Layout boxes on the report's page images: ``out/<paper>/layout.json`` drawn as an SVG
over each page image, one colour per DocLayNet category, with a legend and a toggle."""
from __future__ import annotations

from pathlib import Path

from nougat_align.records import LAYOUT_CATEGORIES, read_layout_pages
from nougat_align.report.markdown import esc


def read_layout(folder: Path) -> dict[int, dict]:
    """``{page: page dict}`` of ``folder/layout.json``; empty when it is missing or unreadable
    (the report shows the pages without boxes)."""
    path = Path(folder) / "layout.json"
    if not path.is_file():
        return {}
    try:
        return read_layout_pages(path)
    except (ValueError, KeyError, TypeError, OSError):
        return {}


def layout_svg(page: dict) -> str:
    """The page's element boxes as an SVG in PDF points, scaled with the image; each box's
    title says its reading order, category and the start of its text."""
    try:
        w, h = float(page["width"]), float(page["height"])
    except (KeyError, TypeError, ValueError):
        return ""
    rects = []
    for e in sorted(page.get("elements", []), key=lambda e: e.get("order", 0)):
        cat = e.get("category", "")
        cls = cat if cat in LAYOUT_CATEGORIES else "other"
        text = " ".join(str(e.get("text", "")).split())
        tip = esc(f"{e.get('order', '?')}. {cat}: {text[:120]}")
        for x0, y0, x1, y1 in e.get("boxes", []):
            rects.append(f'<rect class="lc-{cls}" x="{x0:.2f}" y="{y0:.2f}" width="{x1 - x0:.2f}" '
                         f'height="{y1 - y0:.2f}"><title>{tip}</title></rect>')
        if e.get("boxes"):
            x0, y0 = e["boxes"][0][:2]
            rects.append(f'<text class="lc-{cls}" x="{x0:.2f}" y="{max(y0 - 1, 6):.2f}">{esc(e.get("order", ""))}</text>')
    return (f'<svg class="layout" viewBox="0 0 {w:.2f} {h:.2f}" preserveAspectRatio="none" '
            f'aria-label="layout boxes">{"".join(rects)}</svg>')


def layout_legend() -> str:
    """The category colours and the checkbox that shows or hides every page's boxes."""
    chips = "".join(f'<span class="lchip lc-{c}">{esc(c)}</span>' for c in LAYOUT_CATEGORIES)
    return (f'<div class="layout-legend"><label><input type="checkbox" id="layout-toggle" checked> '
            f'layout boxes</label> {chips}</div>\n')
