"""The split stage against Nougat's, and against the cost of reading the PDF's text at all.

    python benchmarks/split_floor.py [--rounds 3] [--anchor-venv /tmp/na-anchor-venv] [SET ...]

Over the synthetic sets (default ``benchmarks/synth`` and ``benchmarks/synth-hard``), one
process per system and round, imports excluded, rounds interleaved (Nougat, ours, floor):

* **Nougat**: ``split_markdown`` through ``../shared/tools/nougat_reference/stage_timer.py``
  (it reads the PDF's text with pypdf);
* **ours**: ``nougat_align.align`` through the same timer (scikit-learn imported before the
  clock starts: the classifier imports it on its first call);
* **floor**: PyMuPDF reading every page's text, ``get_textpage().extractBLOCKS()`` and nothing
  else -- what any split on PyMuPDF pays before it does anything.

Prints the median seconds per system and the ratios.  A split can be at most
``Nougat / floor`` times faster than Nougat's while it reads the text with PyMuPDF.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT.parent / "shared" / "tools" / "nougat_reference"
TIMER = REFERENCE / "stage_timer.py"

FLOOR = """
import json, sys, time
import pymupdf
docs = sys.argv[1:]
t = time.perf_counter()
pages = 0
for d in docs:
    with pymupdf.open(d + "/paper.pdf") as doc:
        for page in doc:
            page.get_textpage().extractBLOCKS()
        pages += doc.page_count
print(json.dumps({"seconds": time.perf_counter() - t, "pages": pages}))
"""

# ours through stage_timer, with scikit-learn imported first (the classifier's lazy import)
OURS = """
import runpy, sys
import sklearn.feature_extraction.text, sklearn.svm  # noqa: F401
sys.argv = [sys.argv[1], *sys.argv[2:]]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def _last_json(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


def run(system: str, docs: list[str], anchor: Path) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if system == "nougat":
        cmd = [str(anchor / "bin" / "python"), str(TIMER), "--system", "nougat", "--stage", "split", "--docs", *docs]
    elif system == "ours":
        cmd = [sys.executable, "-c", OURS, str(TIMER), "--system", "ours", "--stage", "split", "--docs", *docs]
    else:
        cmd = [sys.executable, "-c", FLOOR, *docs]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    return float(_last_json(proc.stdout)["seconds"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sets", nargs="*", type=Path,
                    default=[ROOT / "benchmarks" / "synth", ROOT / "benchmarks" / "synth-hard"])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--anchor-venv", type=Path, default=Path(os.environ.get("ANCHOR_VENV", "/tmp/na-anchor-venv")))
    args = ap.parse_args()
    if not (args.anchor_venv / "bin" / "python").exists():
        sys.exit(f"no Nougat reference venv at {args.anchor_venv}: run bash {REFERENCE}/setup_anchor.sh")
    docs = sorted(str(p.parent) for s in args.sets for p in s.glob("*/paper.pdf") if (p.parent / "paper.html").exists())
    if not docs:
        sys.exit("no papers (folders with paper.pdf and paper.html) in " + ", ".join(map(str, args.sets)))
    times: dict[str, list[float]] = {"nougat": [], "ours": [], "floor": []}
    for r in range(args.rounds):
        for system in times:
            times[system].append(run(system, docs, args.anchor_venv))
        print(f"round {r + 1}: " + ", ".join(f"{s} {v[-1]:.2f} s" for s, v in times.items()), file=sys.stderr)
    med = {s: statistics.median(v) for s, v in times.items()}
    print(f"{len(docs)} papers; median of {args.rounds} interleaved rounds, seconds:")
    print("| Nougat | ours | PyMuPDF floor | Nougat / ours | Nougat / floor | ours / floor |")
    print("|--:|--:|--:|--:|--:|--:|")
    print(f"| {med['nougat']:.2f} | {med['ours']:.2f} | {med['floor']:.2f} | {med['nougat'] / med['ours']:.1f}x "
          f"| {med['nougat'] / med['floor']:.1f}x | {med['ours'] / med['floor']:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
