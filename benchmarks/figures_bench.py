#!/usr/bin/env python3
"""Benchmark of the built-in float detector (``nougat_align.detect_floats``).

    python benchmarks/figures_bench.py [--real DIR] [--synth DIR] [--json OUT]

(a) Real papers (``DIR/<paper>/paper.pdf`` with the LaTeX source beside it, default
    ``../shared/corpus/real``): captions found per paper against the number of captions in
    the source, and detector milliseconds per page.  Source captions are counted over every
    ``.tex`` file of the folder (recursively) after removing comments (``%`` to the end of the
    line, ``\\iffalse ... \\fi``, ``comment`` environments).  Counted: ``\\caption`` inside a
    figure or table environment (``figure``, ``table``, starred, ``wrapfigure``,
    ``sidewaystable``, ``longtable``, ...) and ``\\captionof{figure|table}``.  Not counted:
    ``\\caption*`` (unnumbered), captions inside ``subfigure``/``subtable`` environments and
    ``\\subcaption``/``\\subcaptionbox`` (subcaptions are part of their figure), captions of
    ``algorithm``/``listing`` floats (not figures or tables), and ``\\caption`` outside any
    float environment.  A \\ContinuedFloat caption counts (it is printed).  Files that the paper
    does not ``\\input`` are counted too, so the source count can be too high.
(b) Synthetic papers (``DIR/<paper>/truth.json`` + ``paper.pdf``, default
    ``benchmarks/synth``; schema in ``benchmarks/README.md``): caption recall and precision,
    a caption counting as found when kind, number and (1-based) page all match.

Times are CPU milliseconds per page of ``detect_floats`` on an open document (best of
``--repeat`` runs), next to those of a plain ``page.get_text()`` of every page.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from nougat_align.pdf.floats.detect import detect_floats  # noqa: E402

FLOAT_ENVS = {
    "figure": "Figure", "figure*": "Figure", "wrapfigure": "Figure", "sidewaysfigure": "Figure",
    "SCfigure": "Figure", "subfigure*": None,
    "table": "Table", "table*": "Table", "wraptable": "Table", "sidewaystable": "Table",
    "SCtable": "Table", "longtable": "Table", "longtable*": "Table", "xtabular": "Table",
    "supertabular": "Table",
}
OTHER_FLOATS = {"algorithm", "algorithm*", "listing", "listing*", "lstlisting", "program", "scheme"}
SUB_ENVS = {"subfigure", "subtable", "subfloat", "minisubfig"}
_TOKEN = re.compile(
    r"\\begin\s*\{([^}]+)\}|\\end\s*\{([^}]+)\}"
    r"|\\(caption|captionof|subcaption|subcaptionbox)\b\s*(\*?)\s*(?:\{(figure|table)\})?")


def strip_comments(tex: str) -> str:
    tex = re.sub(r"(?<!\\)%.*", "", tex)
    tex = re.sub(r"\\begin\{comment\}.*?\\end\{comment\}", "", tex, flags=re.S)
    tex = re.sub(r"\\iffalse\b.*?\\fi\b", "", tex, flags=re.S)
    return tex


def count_source_captions(folder: Path) -> dict[str, int]:
    """Numbered figure and table captions written in the folder's .tex files."""
    counts = {"Figure": 0, "Table": 0}
    for tex_file in sorted(folder.rglob("*.tex")):
        tex = strip_comments(tex_file.read_text(encoding="utf-8", errors="replace"))
        stack: list[str] = []
        for m in _TOKEN.finditer(tex):
            begin, end, cmd, star, kind = m.groups()
            if begin:
                stack.append(begin.strip())
            elif end:
                name = end.strip()
                if name in stack:
                    while stack and stack.pop() != name:
                        pass
            elif cmd in ("caption", "captionof"):
                if star or any(e in SUB_ENVS for e in stack):
                    continue
                if cmd == "captionof":
                    if kind:
                        counts[kind.capitalize()] += 1
                    continue
                floats = [e for e in stack if e in FLOAT_ENVS or e in OTHER_FLOATS]
                if floats and FLOAT_ENVS.get(floats[-1]):
                    counts[FLOAT_ENVS[floats[-1]]] += 1
    return counts


def _timed(pdf: Path, repeat: int):
    """Detector result, its best CPU time, the best time of a plain text extraction of every
    page (the floor any PDF reader pays; a yardstick on a busy machine), and the page count."""
    import pymupdf

    pymupdf.TOOLS.mupdf_display_errors(False)
    with pymupdf.open(pdf) as doc:
        best = floor = float("inf")
        records = []
        for _ in range(repeat):
            t = time.process_time()
            records = detect_floats(doc)
            best = min(best, time.process_time() - t)
            t = time.process_time()
            for page in doc:
                page.get_text()
            floor = min(floor, time.process_time() - t)
        return records, best, floor, doc.page_count


def bench_real(root: Path, repeat: int) -> dict:
    rows = []
    print(f"\n(a) real papers: {root}")
    print("| paper | pages | found fig/tab | source fig/tab | found/source | ms/page | get_text ms/page |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    tot_pages = tot_time = tot_floor = 0.0
    for folder in sorted(p for p in root.iterdir() if (p / "paper.pdf").is_file()):
        records, seconds, floor, pages = _timed(folder / "paper.pdf", repeat)
        found = {"Figure": sum(r.fig_type == "Figure" for r in records),
                 "Table": sum(r.fig_type == "Table" for r in records)}
        source = count_source_captions(folder)
        n_found, n_source = sum(found.values()), sum(source.values())
        ms = 1000 * seconds / pages
        tot_pages += pages
        tot_time += seconds
        tot_floor += floor
        rows.append({"paper": folder.name, "pages": pages, "found": found, "source": source,
                     "ms_per_page": round(ms, 2), "get_text_ms_per_page": round(1000 * floor / pages, 2),
                     "captions": [[r.fig_type, r.name, r.page + 1] for r in records]})
        print(f"| {folder.name} | {pages} | {found['Figure']}/{found['Table']} | "
              f"{source['Figure']}/{source['Table']} | {n_found}/{n_source} | {ms:.1f} | "
              f"{1000 * floor / pages:.1f} |")
    ms_all = 1000 * tot_time / max(1, tot_pages)
    floor_all = 1000 * tot_floor / max(1, tot_pages)
    print(f"| all | {int(tot_pages)} | {sum(sum(r['found'].values()) for r in rows)} | "
          f"{sum(sum(r['source'].values()) for r in rows)} | | {ms_all:.1f} | {floor_all:.1f} |")
    return {"papers": rows, "ms_per_page": round(ms_all, 2), "get_text_ms_per_page": round(floor_all, 2)}


def bench_synth(root: Path, repeat: int) -> dict:
    truths = sorted(root.glob("*/truth.json"))
    print(f"\n(b) synthetic papers: {root} ({len(truths)} with truth.json)")
    tp = fp = fn = 0
    tot_pages = tot_time = tot_floor = 0.0
    misses = []
    for path in truths:
        truth = json.loads(path.read_text(encoding="utf-8"))
        expected = {(c["kind"], str(c["number"]), int(c["page"])) for c in truth.get("captions", [])}
        records, seconds, floor, pages = _timed(path.parent / "paper.pdf", repeat)
        found = [(r.fig_type, r.name, r.page + 1) for r in records]
        hit = len(set(found) & expected)
        tp += hit
        fp += len(found) - hit
        fn += len(expected) - hit
        tot_pages += pages
        tot_time += seconds
        tot_floor += floor
        if hit != len(expected) or hit != len(found):
            misses.append({"paper": path.parent.name, "missed": sorted(expected - set(found)),
                           "extra": sorted(set(found) - expected)})
            print(f"  {path.parent.name}: missed {sorted(expected - set(found))} "
                  f"extra {sorted(set(found) - expected)}")
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    ms = 1000 * tot_time / max(1, tot_pages)
    floor_ms = 1000 * tot_floor / max(1, tot_pages)
    print(f"captions: {tp + fn} true, {tp + fp} found; recall {recall:.3f}, precision {precision:.3f} "
          f"(kind, number and page must match); {ms:.1f} ms/page over {int(tot_pages)} pages "
          f"(get_text alone: {floor_ms:.1f} ms/page)")
    return {"papers": len(truths), "true": tp + fn, "found": tp + fp, "correct": tp,
            "recall": round(recall, 4), "precision": round(precision, 4),
            "ms_per_page": round(ms, 2), "get_text_ms_per_page": round(floor_ms, 2), "misses": misses}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--real", type=Path, default=ROOT.parent / "shared" / "corpus" / "real")
    ap.add_argument("--synth", type=Path, default=HERE / "synth")
    ap.add_argument("--repeat", type=int, default=3, help="timing runs per paper (best is kept)")
    ap.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = ap.parse_args(argv)
    result = {}
    if args.real.is_dir():
        result["real"] = bench_real(args.real, args.repeat)
    else:
        print(f"(a) skipped: no folder {args.real}")
    if any(args.synth.glob("*/truth.json")):
        result["synth"] = bench_synth(args.synth, args.repeat)
    else:
        print(f"(b) skipped: no {args.synth}/<paper>/truth.json")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
