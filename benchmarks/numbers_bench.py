"""Numbers as printed: per paper and in total, for one or more run folders side by side.

    python benchmarks/numbers_bench.py --corpus /work/shared/corpus/real RUN [RUN ...]

For each run folder (``nougat-align run -o RUN``: ``RUN/<paper>/NN.mmd``) and each paper
of the corpus (``<paper>/paper.pdf``): kept pages, the share of the kept labels' digit
runs outside math that the page prints (``nougat-align eval --pdf-text``'s numbers
measure), and the kept pages holding a citation number the page does not print.
``--json`` prints the numbers instead of the table; ``--show N`` lists up to N unprinted
numbers per paper of the last run.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from nougat_align.evaluate.pdf_text import evaluate_pdf_text


def measure(corpus: Path, run: Path) -> dict:
    """``evaluate_pdf_text`` of every paper of ``corpus`` against ``run``, reduced to the
    numbers measure."""
    result = evaluate_pdf_text(corpus, run)
    out = {}
    for name, s in list(result["papers"].items()) + [("all", result["summary"])]:
        out[name] = {"pages": s["num_pages"], "kept": s["pages_kept"], "numbers": s["numbers"],
                     "printed": s["numbers_printed"], "share": s["numbers_share"],
                     "pages_cite_unprinted": s["pages_cite_unprinted"],
                     "cites_unprinted": s["cites_unprinted"],
                     "unprinted": [(r["page"], r["numbers_unprinted"]) for r in s.get("pages", ())
                                   if r["numbers_unprinted"]]}
    return out


def _share(x) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", type=Path)
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--show", type=int, default=0)
    a = ap.parse_args(argv)
    results = [measure(a.corpus, r) for r in a.runs]
    if a.json:
        print(json.dumps({str(r): m for r, m in zip(a.runs, results)}, indent=1))
        return 0
    names = list(results[0])
    head = ["paper", "pages"] + [f"{c} ({i})" for i in range(1, len(results) + 1)
                                 for c in ("kept", "numbers printed", "pages cite unprinted")]
    rows = []
    for n in names:
        row = [n, str(results[0][n]["pages"])]
        for m in results:
            s = m.get(n)
            row += ([str(s["kept"]), f'{_share(s["share"])} ({s["printed"]}/{s["numbers"]})',
                     str(s["pages_cite_unprinted"])] if s else ["-"] * 3)
        rows.append(row)
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    for i, r in enumerate([head] + rows):
        print(" | ".join(c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in enumerate(zip(r, widths))))
        if i == 0:
            print("-|-".join("-" * w for w in widths))
    for i, r in enumerate(a.runs, 1):
        print(f"({i}) {r}")
    if a.show:
        for n in names[:-1]:
            bad = results[-1][n]["unprinted"][:a.show]
            if bad:
                print(n, bad)
    return 0


if __name__ == "__main__":
    sys.exit(main())
