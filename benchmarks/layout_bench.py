"""Element layout on real papers: how many kept pages get one, how well their boxes hold
their body words, and what it costs beside ``align``.

    python benchmarks/layout_bench.py [--rounds 3] [CORPUS]   # default ../shared/corpus/real

For every paper (``<name>/paper.pdf`` + ``paper.html``; a paper whose HTML is an empty
shell or whose alignment raises is listed and skipped), in one process, the markdown built
once (untimed), then per round, in alternating order:

* **align**: ``align_document`` on the open PDF, as ``process_paper`` runs it without a
  layout;
* **align+layout**: ``align_document(..., keep=...)`` (it keeps the MuPDF text pages and
  the marked lines for the layout) and ``layout.page.paper_layout``.

Prints per paper the kept pages, the pages with a layout, the body words inside a box of
the element whose markdown holds them (``layout.check.body_in_boxes``, over the pages with
a layout), the elements failing their check, the median seconds of both and their ratio;
then the totals: pages with a layout / kept pages, the body-word share, the per-page
overhead ``sum(align+layout) / sum(align)``, and the reasons pages have no layout.

Times are the process's CPU seconds (``time.process_time``), not wall-clock: the machine
these runs share has other jobs, whose load would swamp a difference of a few
milliseconds a page; both sides run in the same process, interleaved.
"""
from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nougat_align.html2md.convert import html_to_markdown  # noqa: E402
from nougat_align.layout.page import OK, paper_layout  # noqa: E402
from nougat_align.pdf.text import open_pdf  # noqa: E402
from nougat_align.split.align import PdfReading, align_document  # noqa: E402


def _align(md, pdf: Path, layout: bool):
    doc = open_pdf(pdf)
    try:
        t = time.process_time()
        keep = PdfReading() if layout else None
        al = align_document(md, doc, "detect", keep=keep)
        res = paper_layout(al, keep)[1] if layout else None
        return time.process_time() - t, al, res
    finally:
        doc.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", nargs="?", default=str(ROOT.parent.parent / "shared" / "corpus" / "real"))
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    corpus = Path(args.corpus)
    if not corpus.is_dir():
        corpus = Path("/work/shared/corpus/real")
    tot = Counter()
    reasons: Counter = Counter()
    print(f"{'paper':14} {'kept':>5} {'layout':>6} {'in box':>8} {'failed':>6} {'align s':>8} {'+layout s':>9} {'ratio':>6}")
    for d in sorted(p for p in corpus.iterdir() if (p / "paper.pdf").is_file()):
        try:
            md = html_to_markdown(d / "paper.html")
            _align(md, d / "paper.pdf", True)  # warm-up: imports, caches
        except Exception as e:
            print(f"{d.name:14} skipped: {type(e).__name__}: {str(e)[:70]}")
            continue
        alone, both = [], []
        res = al = None
        for r in range(args.rounds):
            for layout in ((False, True) if r % 2 == 0 else (True, False)):
                gc.collect()
                s, al_, res_ = _align(md, d / "paper.pdf", layout)
                (both if layout else alone).append(s)
                if layout:
                    al, res = al_, res_
        kept = sum(p.kept for p in al.pages)
        given = [r for r in res.values() if r.reason == OK]
        hit, total = sum(r.hit for r in given), sum(r.total for r in given)
        failed = sum(r.failed for r in given)
        reasons.update(r.reason for n, r in res.items() if r.reason not in (OK, "page not kept"))
        a, b = statistics.median(alone), statistics.median(both)
        tot.update(kept=kept, layout=len(given), hit=hit, total=total, failed=failed)
        tot["alone"] += a
        tot["both"] += b
        print(f"{d.name:14} {kept:5d} {len(given):6d} {hit / max(total, 1):8.4f} {failed:6d} {a:8.3f} {b:9.3f} "
              f"{b / a:6.3f}")
    print()
    print(f"pages with a layout: {tot['layout']} / {tot['kept']} kept = {tot['layout'] / max(tot['kept'], 1):.3f}")
    print(f"body words inside their element's box: {tot['hit']} / {tot['total']} = "
          f"{tot['hit'] / max(tot['total'], 1):.4f}")
    print(f"elements failing their check on pages with a layout: {tot['failed']}")
    print(f"time: align {tot['alone']:.2f} s, align+layout {tot['both']:.2f} s, ratio "
          f"{tot['both'] / max(tot['alone'], 1e-9):.3f} (median of {args.rounds} rounds per paper)")
    print("pages without a layout:", dict(sorted(reasons.items())) or "none")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
