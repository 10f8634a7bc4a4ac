"""The report's overview, ``index.html``: papers by status, pages by outcome, score
histograms, the slowest papers, time per stage, failures, and the table of every paper."""
from __future__ import annotations

import json
from collections import Counter
from urllib.parse import quote

from nougat_align import __version__
from nougat_align.report.charts import bar_chart, histogram
from nougat_align.report.markdown import esc
from nougat_align.report.paper import LOW_SCORE, head
from nougat_align.report.runs import PaperInput

SCORE_FIELDS = ("score", "precision", "coverage")  # histogrammed when pages carry them
SLOWEST = 15


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
    run_line = "; ".join(f"run {esc(s.get('run', '?'))}: {s.get('seconds', 0)} s wall, {esc(s.get('executor', ''))} "
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
    reasons = "".join(f'<option value="{esc(k)}">{esc(k)} ({v} pages)</option>' for k, v in sorted(drops.items()))
    statuses = "".join(f'<option value="{esc(k)}">{esc(k)} ({v})</option>' for k, v in sorted(status.items()))
    return (head(f"{title} — nougat-align report", "")
            + '<body class="overview">\n'
            f'<h1>{esc(title)}</h1>\n<p class="sub">nougat-align {__version__} report'
            + (f" · {run_line}" if run_line else "") + '</p>\n'
            '<div class="kpis">' + "".join(f'<div class="kpi"><b>{esc(v)}</b><span>{esc(k)}</span></div>'
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
