#!/usr/bin/env python3
"""The layout scorer on the layout truth set: oracle, baseline and ours side by side.

    python benchmarks/layout_eval.py [--truth benchmarks/synth-layout] [--ours out/]

* **oracle**: the truth itself as prediction (must score 1.0 everywhere: checks the scorer);
* **baseline**: one "Text" box per PyMuPDF text block, in stream order
  (``benchmarks/layout_baseline.py``);
* **ours**: ``OUT/<paper>/layout.json`` as ``nougat-align run`` writes it, when ``--ours``
  is given (papers without one score as having no predicted page).
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from layout_baseline import write_baseline  # noqa: E402
from nougat_align.evaluate.layout import evaluate_layout  # noqa: E402
from nougat_align.evaluate.tables import LAYOUT_COLUMNS, _fmt, _table, layout_cells  # noqa: E402


def oracle(truth: Path, out: Path) -> None:
    for t in sorted(truth.glob("*/layout_truth.json")):
        (out / t.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(t, out / t.parent.name / "layout.json")


def compare(truth: Path, ours: Path | None = None) -> dict[str, dict]:
    """``{system: evaluate_layout result}`` for oracle, baseline (and ours)."""
    results = {}
    with tempfile.TemporaryDirectory(prefix="layout-eval-") as tmp:
        for name, make in (("oracle", oracle), ("baseline", write_baseline)):
            pred = Path(tmp) / name
            make(truth, pred)
            results[name] = evaluate_layout(truth, pred)
    if ours is not None:
        results["ours"] = evaluate_layout(truth, ours)
    return results


def format_comparison(results: dict[str, dict]) -> str:
    rows = [[name, _fmt(r["summary"]["pages"])] + layout_cells(r["summary"])
            for name, r in results.items()]
    out = _table(["system", "pages"] + LAYOUT_COLUMNS, rows)
    cats = list(next(iter(results.values()))["summary"]["categories"])
    rows = []
    for c in cats:
        row = [c]
        for r in results.values():
            d = r["summary"]["categories"].get(c, {})
            row += [_fmt(d.get("recall@0.5")), _fmt(d.get("recall@0.85"))]
        rows.append(row)
    header = ["category"] + [f"{n} {m}" for n in results for m in ("R@.5", "R@.85")]
    return out + "\n\n" + _table(header, rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--truth", type=Path, default=HERE / "synth-layout")
    ap.add_argument("--ours", type=Path, default=None, help="a run's output folder with <paper>/layout.json")
    args = ap.parse_args(argv)
    print(format_comparison(compare(args.truth, args.ours)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
