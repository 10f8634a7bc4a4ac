"""The overview's charts as inline SVG: horizontal bars and stacked score histograms."""
from __future__ import annotations

from typing import Optional

from nougat_align.report.markdown import esc


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
        name = f'<text x="{label_w - 6}" y="{y + 15}" class="lbl">{esc(text)}</text>'
        if link and link[i]:
            name = f'<a href="{esc(link[i])}">{name}</a>'
        shown = f"{value:g}" if isinstance(value, int) or float(value).is_integer() else f"{value:.2f}"
        parts.append(f'<g><title>{esc(label)}: {shown}{unit}</title>{name}'
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
